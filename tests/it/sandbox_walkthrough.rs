//! The curl walkthrough of `agent-access-guide.txt`, request by request, against `paas sandbox`
//! run as a process (its stderr banner gives the URL), plus the banner and Ctrl-C behaviour.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test helpers

use std::process::Stdio;
use std::time::Duration;

use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

struct Running {
    child: Child,
    url: String,
    banner: Vec<String>,
    _home: tempfile::TempDir,
}

/// Starts `paas sandbox --port 0 …` and reads the banner up to the URL (and token) lines.
async fn spawn(extra: &[&str], env: &[(&str, &str)]) -> Running {
    let home = tempfile::tempdir().unwrap();
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_paas"));
    cmd.args(["sandbox", "--port", "0", "--build-time-ms", "100"])
        .args(extra)
        .env("HOME", home.path())
        .env_remove("ADMIN_TOKEN")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    for (k, v) in env {
        cmd.env(k, v);
    }
    let mut child = cmd.spawn().unwrap();
    let stderr = child.stderr.take().unwrap();
    let mut lines = BufReader::new(stderr).lines();
    let mut banner = Vec::new();
    let read = async {
        while let Some(line) = lines.next_line().await.unwrap() {
            let done = line.starts_with("Press Ctrl-C");
            banner.push(line);
            if done {
                break;
            }
        }
    };
    tokio::time::timeout(Duration::from_secs(30), read)
        .await
        .expect("banner printed");
    // Keep draining stderr so the child never blocks on a full pipe.
    tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
    let url = banner
        .iter()
        .find_map(|l| l.split_whitespace().find(|w| w.starts_with("http://")))
        .expect("URL in banner")
        .to_string();
    Running {
        child,
        url,
        banner,
        _home: home,
    }
}

async fn req(method: reqwest::Method, url: &str, token: &str, body: Option<Value>) -> (u16, Value) {
    let mut rb = reqwest::Client::new()
        .request(method, url)
        .header("Authorization", format!("Bearer {token}"));
    if let Some(b) = body {
        rb = rb
            .header("Content-Type", "application/json")
            .body(b.to_string());
    }
    let r = rb.send().await.unwrap();
    let s = r.status().as_u16();
    (s, r.json().await.unwrap_or(Value::Null))
}

async fn get(url: &str, token: &str) -> (u16, Value) {
    req(reqwest::Method::GET, url, token, None).await
}

async fn post(url: &str, token: &str, body: Value) -> (u16, Value) {
    req(reqwest::Method::POST, url, token, Some(body)).await
}

/// Ctrl-C (SIGINT) stops the sandbox cleanly with exit status 0.
async fn interrupt(mut r: Running) {
    let pid = r.child.id().unwrap().to_string();
    let status = std::process::Command::new("kill")
        .args(["-INT", &pid])
        .status()
        .unwrap();
    assert!(status.success());
    let exit = tokio::time::timeout(Duration::from_secs(10), r.child.wait())
        .await
        .expect("exits after Ctrl-C")
        .unwrap();
    assert!(exit.success(), "{exit:?}");
}

#[tokio::test]
async fn guide_walkthrough_against_paas_sandbox_process() {
    let dir = tempfile::tempdir().unwrap();
    let token_file = dir.path().join("admin_token.txt");
    let admin = "walkthrough-admin-token-0123456789";
    std::fs::write(&token_file, format!("{admin}\n")).unwrap();
    let sb = spawn(&["--admin-token-file", token_file.to_str().unwrap()], &[]).await;
    assert!(
        !sb.banner.iter().any(|l| l.contains(admin)),
        "a configured token is not echoed"
    );
    let u = |p: &str| format!("{}{}", sb.url, p);

    // 2. Create the agent.
    let scopes = json!([
        "apps:read",
        "apps:write",
        "deploy:trigger",
        "logs:read",
        "metrics:read",
        "addons:manage"
    ]);
    let (s, agent) = post(
        &u("/api/agents/create"),
        admin,
        json!({"name": "Claude Code - Local Dev", "scopes": scopes}),
    )
    .await;
    assert_eq!(s, 200, "{agent}");
    assert_eq!(agent["name"], "Claude Code - Local Dev");
    assert_eq!(agent["scopes"], scopes);
    assert!(agent["createdAt"].is_string());
    let agent_id = agent["id"].as_str().unwrap().to_string();
    let token = agent["token"].as_str().unwrap().to_string();
    assert!(token.starts_with("bpagt_") && token.len() == 70);

    // Using the agent token: list apps, deploy, get, runtime logs.
    let (s, apps) = get(&u("/api/apps"), &token).await;
    assert_eq!((s, apps), (200, json!([])));
    let (s, app) = post(
        &u("/api/deploy"),
        &token,
        json!({"name": "my-api", "gitRepo": "https://github.com/me/my-api", "branch": "main"}),
    )
    .await;
    assert_eq!(s, 200, "{app}");
    assert_eq!(app["name"], "my-api");
    let id = app["id"].as_str().unwrap().to_string();
    let (s, got) = get(&u(&format!("/api/apps/get?id={id}")), &token).await;
    assert_eq!(s, 200);
    assert_eq!(got["gitRepo"], "https://github.com/me/my-api");
    let mut running = false;
    for _ in 0..100 {
        let (_, a) = get(&u(&format!("/api/apps/get?id={id}")), &token).await;
        if a["status"] == "running" {
            running = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(running, "deploy finishes");
    let (s, logs) = get(
        &u(&format!("/api/apps/runtime-logs?id={id}&lines=50")),
        &token,
    )
    .await;
    assert_eq!(s, 200);
    assert!(!logs["logs"].as_array().unwrap().is_empty());

    // Missing scope.
    let (s, e) = post(&u("/api/apps/delete"), &token, json!({"id": id})).await;
    assert_eq!(
        (s, e),
        (
            403,
            json!({"error": "Forbidden: missing scope apps:delete"})
        )
    );

    // Managing agents: list (no raw token), rotate, delete.
    let (s, list) = get(&u("/api/agents"), admin).await;
    assert_eq!(s, 200);
    let row = &list[0];
    assert_eq!(row["id"], agent_id.as_str());
    assert!(row.get("token").is_none(), "never the raw token");
    assert_ne!(row["lastUsedAt"], "0001-01-01T00:00:00Z", "used by now");

    // Audit logs name the agent as actor.
    let (s, audit) = get(&u("/api/audit-logs?limit=20"), admin).await;
    assert_eq!(s, 200);
    let deploy = audit
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["action"] == "app:deploy")
        .expect("deploy audited");
    assert_eq!(deploy["actorType"], "agent");
    assert_eq!(deploy["actorId"], agent_id.as_str());
    assert_eq!(deploy["resourceType"], "app");
    assert_eq!(deploy["outcome"], "success");
    assert_eq!(deploy["ipAddress"], "127.0.0.1");
    let create = audit
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["action"] == "agent:create")
        .unwrap();
    assert_eq!(
        (&create["actorType"], &create["actorId"]),
        (&json!("admin"), &json!("admin"))
    );

    // Troubleshooting: admin-only endpoints.
    for p in ["/api/agents", "/api/audit-logs"] {
        let (s, e) = get(&u(p), &token).await;
        assert_eq!(
            (s, e),
            (403, json!({"error": "Forbidden: admin token required"}))
        );
    }

    let (s, rotated) = post(&u("/api/agents/rotate"), admin, json!({"id": agent_id})).await;
    assert_eq!(s, 200);
    assert_eq!(rotated["id"], agent_id.as_str());
    let new_token = rotated["token"].as_str().unwrap().to_string();
    assert_ne!(new_token, token);
    let (s, e) = get(&u("/api/apps"), &token).await;
    assert_eq!(
        (s, e),
        (401, json!({"error": "Unauthorized"})),
        "old token stops instantly"
    );
    let (s, _) = get(&u("/api/apps"), &new_token).await;
    assert_eq!(s, 200);

    let (s, v) = post(&u("/api/agents/delete"), admin, json!({"id": agent_id})).await;
    assert_eq!((s, v), (200, json!({"status": "deleted"})));
    let (s, e) = get(&u("/api/apps"), &new_token).await;
    assert_eq!(
        (s, e),
        (401, json!({"error": "Unauthorized"})),
        "deleted agent"
    );
    let (s, list) = get(&u("/api/agents"), admin).await;
    assert_eq!((s, list), (200, Value::Null));

    interrupt(sb).await;
}

#[tokio::test]
async fn banner_shows_a_generated_token_once_and_env_token_wins() {
    let sb = spawn(&[], &[]).await;
    let line = sb
        .banner
        .iter()
        .find(|l| l.starts_with("Admin token (shown once): "))
        .expect("generated token in banner")
        .clone();
    let token = line.trim_start_matches("Admin token (shown once): ");
    assert_eq!(token.len(), 64);
    assert!(token.bytes().all(|c| c.is_ascii_hexdigit()));
    let (s, v) = post(&format!("{}/api/auth/verify", sb.url), token, json!({})).await;
    assert_eq!((s, v), (200, json!({"valid": true})));
    interrupt(sb).await;

    let sb = spawn(&[], &[("ADMIN_TOKEN", "from-the-environment")]).await;
    assert!(!sb.banner.iter().any(|l| l.contains("from-the-environment")));
    let (s, _) = get(&format!("{}/api/agents", sb.url), "from-the-environment").await;
    assert_eq!(s, 200);
    interrupt(sb).await;
}

#[tokio::test]
async fn empty_admin_token_file_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("empty.txt");
    std::fs::write(&f, "\n").unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_paas"))
        .args([
            "sandbox",
            "--port",
            "0",
            "--admin-token-file",
            f.to_str().unwrap(),
        ])
        .env_remove("ADMIN_TOKEN")
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("is empty: put the admin token on its first line"),
        "{err}"
    );
}
