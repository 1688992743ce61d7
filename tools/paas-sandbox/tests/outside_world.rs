//! Upload deploys, the GitHub webhook receiver, servers, and the routes that need the outside
//! world (GitHub, Cloudflare, S3, notifications) answering as upstream does when unconfigured.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test helpers

mod common;

use common::*;
use reqwest::multipart::{Form, Part};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

async fn upload(sb: &paas_sandbox::Sandbox, path: &str, form: Form) -> (u16, Value) {
    let r = client()
        .post(format!("{}{path}", sb.url()))
        .bearer_auth(sb.admin_token())
        .multipart(form)
        .send()
        .await
        .unwrap();
    let s = r.status().as_u16();
    (s, r.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn upload_deploys_zip_or_files() {
    let sb = start().await;
    let cfg = json!({"name": "up", "gitRepo": "ignored", "projectId": "ignored"}).to_string();
    let zip = Part::bytes(b"PK\x03\x04rest-of-zip".to_vec()).file_name("src.zip");
    let (s, v) = upload(
        &sb,
        "/api/deploy/upload",
        Form::new().text("config", cfg.clone()).part("archive", zip),
    )
    .await;
    assert_eq!(s, 200, "{v}");
    assert!(v["gitRepo"].as_str().unwrap().starts_with("upload://"));
    assert_eq!(v["status"], "building");
    assert!(
        v.get("projectId").is_none(),
        "projectId ignored on this route"
    );
    let files = Form::new()
        .text("config", json!({"name": "up2"}).to_string())
        .part(
            "files",
            Part::bytes(b"console.log(1)".to_vec()).file_name("index.js"),
        )
        .text("paths", "index.js");
    let (s, v) = upload(&sb, "/api/deploy/upload", files).await;
    assert_eq!(s, 200, "{v}");
    let tar = Part::bytes(b"\x1f\x8b".to_vec()).file_name("src.tar.gz");
    let (s, v) = upload(
        &sb,
        "/api/deploy/upload",
        Form::new().text("config", cfg).part("archive", tar),
    )
    .await;
    assert_eq!(s, 400, "{v}");
    assert!(v["error"].as_str().unwrap().contains(".zip"));
    let (s, _) = upload(
        &sb,
        "/api/projects/services/deploy/upload",
        Form::new()
            .text("config", json!({"name": "svc"}).to_string())
            .part("files", Part::bytes(b"x".to_vec()).file_name("a"))
            .text("paths", "a"),
    )
    .await;
    assert_eq!(s, 400, "projectId required");
    sb.shutdown().await;
}

/// Spec §1.8: uploads are capped at 500 MiB, not at axum's 2 MB extractor default.
#[tokio::test]
async fn uploads_of_several_mib_are_accepted() {
    let sb = start().await;
    let admin = sb.admin_token().to_string();
    let mut zip = b"PK\x03\x04".to_vec();
    zip.resize(3 << 20, 7);
    let (s, v) = upload(
        &sb,
        "/api/deploy/upload",
        Form::new()
            .text("config", json!({"name": "big-zip"}).to_string())
            .part("archive", Part::bytes(zip.clone()).file_name("src.zip")),
    )
    .await;
    assert_eq!(s, 200, "3 MiB archive: {v}");
    let (s, v) = upload(
        &sb,
        "/api/deploy/upload",
        Form::new()
            .text("config", json!({"name": "big-file"}).to_string())
            .part(
                "files",
                Part::bytes(vec![b'x'; 3 << 20]).file_name("blob.bin"),
            )
            .text("paths", "blob.bin"),
    )
    .await;
    assert_eq!(s, 200, "3 MiB file: {v}");
    let (s, project) = post(&sb, "/api/projects/create", &admin, json!({"name": "up"})).await;
    assert_eq!(s, 200, "{project}");
    let cfg = json!({"name": "big-svc", "projectId": project["id"]}).to_string();
    let (s, v) = upload(
        &sb,
        "/api/projects/services/deploy/upload",
        Form::new()
            .text("config", cfg)
            .part("archive", Part::bytes(zip).file_name("src.zip")),
    )
    .await;
    assert_eq!(s, 200, "3 MiB archive into a project: {v}");
    // Not multipart at all: the parser's own reason, in the sandbox's 400 shape.
    let (s, v) = post(&sb, "/api/deploy/upload", &admin, json!({"name": "x"})).await;
    assert_eq!(s, 400, "{v}");
    assert!(
        v["error"].as_str().unwrap().starts_with("Bad request: "),
        "{v}"
    );
    sb.shutdown().await;
}

/// A raw multipart body of `n` one-byte files (reqwest's `Form` chains one stream per part,
/// which overflows the stack at this size).
async fn upload_many_files(sb: &paas_sandbox::Sandbox, n: usize) -> (u16, Value) {
    const B: &str = "sandbox-boundary";
    let mut body = format!(
        "--{B}\r\nContent-Disposition: form-data; name=\"config\"\r\n\r\n{}\r\n",
        json!({"name": format!("many-{n}")})
    );
    for i in 0..n {
        body += &format!(
            "--{B}\r\nContent-Disposition: form-data; name=\"files\"; filename=\"f{i}\"\r\n\r\nx\r\n\
             --{B}\r\nContent-Disposition: form-data; name=\"paths\"\r\n\r\nf{i}\r\n"
        );
    }
    body += &format!("--{B}--\r\n");
    let r = client()
        .post(format!("{}/api/deploy/upload", sb.url()))
        .bearer_auth(sb.admin_token())
        .header("Content-Type", format!("multipart/form-data; boundary={B}"))
        .body(body)
        .send()
        .await
        .unwrap();
    let s = r.status().as_u16();
    (s, r.json().await.unwrap_or(Value::Null))
}

/// Spec §1.8: at most 10 000 files per upload; the limit keeps the sandbox's own message.
#[tokio::test]
async fn upload_takes_ten_thousand_files_and_refuses_more() {
    let sb = start().await;
    let (s, v) = upload_many_files(&sb, 10_000).await;
    assert_eq!(s, 200, "{v}");
    let (s, v) = upload_many_files(&sb, 10_001).await;
    assert_eq!((s, v), (400, json!({"error": "too many files"})));
    sb.shutdown().await;
}

fn sign(secret: &str, body: &[u8]) -> String {
    let mut k = secret.as_bytes().to_vec();
    k.resize(64, 0);
    let ipad: Vec<u8> = k.iter().map(|b| b ^ 0x36).collect();
    let opad: Vec<u8> = k.iter().map(|b| b ^ 0x5c).collect();
    let inner = Sha256::new()
        .chain_update(&ipad)
        .chain_update(body)
        .finalize();
    let mac = Sha256::new()
        .chain_update(&opad)
        .chain_update(inner)
        .finalize();
    format!("sha256={}", hex::encode(mac))
}

#[tokio::test]
async fn github_webhook_checks_hmac_and_deploys() {
    let sb = start().await;
    let t = sb.admin_token().to_string();
    let (_, app) = post(
        &sb,
        "/api/deploy",
        &t,
        json!({"name": "hook", "gitRepo": "g", "branch": "main", "autoDeploy": true}),
    )
    .await;
    let id = app["id"].as_str().unwrap();
    assert_eq!(app["webhookSecret"], "***", "masked in app views");
    let (_, hook) = get(&sb, &format!("/api/apps/webhook?id={id}"), &t).await;
    let secret = hook["secret"].as_str().unwrap().to_string();
    assert_eq!(secret.len(), 64, "in clear on this route");
    assert_eq!(hook["event"], "push");
    let url = format!("{}/api/webhooks/github/{id}", sb.url());
    let send = |event: &'static str, body: Vec<u8>, sig: String| {
        let url = url.clone();
        async move {
            let r = client()
                .post(url)
                .header("X-GitHub-Event", event)
                .header("X-Hub-Signature-256", sig)
                .body(body)
                .send()
                .await
                .unwrap();
            (r.status().as_u16(), r.json::<Value>().await.unwrap())
        }
    };
    let (s, v) = send("push", b"{}".to_vec(), "sha256=00".into()).await;
    assert_eq!((s, v), (401, json!({"error": "Invalid signature"})));
    let (s, v) = send("ping", b"{}".to_vec(), sign(&secret, b"{}")).await;
    assert_eq!((s, v), (200, json!({"status": "pong"})));
    let body = br#"{"ref":"refs/heads/main"}"#.to_vec();
    let (s, v) = send("push", body.clone(), sign(&secret, &body)).await;
    assert_eq!((s, v), (200, json!({"status": "deploying"})));
    let (_, hist) = get(&sb, "/api/deployments/history", &t).await;
    assert_eq!(hist[0]["trigger"], "webhook");
    let (_, audit) = get(&sb, "/api/audit-logs", &t).await;
    assert!(
        audit
            .as_array()
            .unwrap()
            .iter()
            .all(|e| !e["action"].as_str().unwrap().contains("webhooks")),
        "not audited"
    );
    sb.shutdown().await;
}

#[tokio::test]
async fn servers_and_outside_world_answers() {
    let sb = start().await;
    let t = sb.admin_token().to_string();
    let (_, list) = get(&sb, "/api/servers", &t).await;
    assert_eq!(list[0]["id"], "localhost");
    assert_eq!(list[0]["isLocal"], true);
    let (s, srv) = post(
        &sb,
        "/api/servers/create",
        &t,
        json!({"name": "edge", "ip": "203.0.113.7"}),
    )
    .await;
    assert_eq!(s, 200, "{srv}");
    assert_eq!(
        (srv["port"].as_i64(), srv["sshUser"].as_str()),
        (Some(22), Some("root"))
    );
    assert!(
        srv["publicKey"]
            .as_str()
            .unwrap()
            .starts_with("ssh-ed25519 ")
    );
    let (_, list) = get(&sb, "/api/servers", &t).await;
    assert!(
        list[1].get("publicKey").is_none(),
        "key stripped from the list"
    );
    let sid = srv["id"].as_str().unwrap();
    let (_, key) = get(&sb, &format!("/api/servers/keys/public?id={sid}"), &t).await;
    assert_eq!(
        key["publicKey"], srv["publicKey"],
        "the key to install is the one create showed"
    );
    let (s, v) = post(&sb, "/api/servers/test", &t, json!({"id": sid})).await;
    assert_eq!(s, 200);
    assert_eq!(v["status"], "error");
    let (s, v) = post(
        &sb,
        "/api/servers/create",
        &t,
        json!({"name": "bad", "ip": "not a host!"}),
    )
    .await;
    assert_eq!(s, 400, "{v}");
    post(
        &sb,
        "/api/deploy",
        &t,
        json!({"name": "remote", "gitRepo": "g", "serverId": sid}),
    )
    .await;
    let (s, v) = post(&sb, "/api/servers/delete", &t, json!({"id": sid})).await;
    assert_eq!(
        (s, v),
        (
            409,
            json!({"error": "cannot delete server: 1 app(s) are still deployed on it"})
        )
    );

    // GitHub: no token configured → 401 with a message that is not "Unauthorized".
    let (s, v) = get(&sb, "/api/git/repos", &t).await;
    assert_eq!(
        (s, v),
        (401, json!({"error": "No GitHub token configured"}))
    );
    let (s, v) = post(
        &sb,
        "/api/git/branches",
        &t,
        json!({"gitRepo": "https://github.com/a/b"}),
    )
    .await;
    assert_eq!((s, v), (200, json!(["main", "master"])));
    let (_, v) = get(&sb, "/api/git/token", &t).await;
    assert_eq!(v, json!({"connected": false, "token": ""}));
    let (_, v) = get(&sb, "/api/cloudflare/status", &t).await;
    assert_eq!(v, json!({"connected": false}));

    // Notifications round trip (URLs in clear), test needs the network.
    let cfg = json!({"slackWebhookUrl": "https://hooks.slack.com/x", "genericUrl": "", "onSuccess": true, "onFailure": false});
    let (s, v) = post(&sb, "/api/notifications/save", &t, cfg.clone()).await;
    assert_eq!((s, v), (200, cfg.clone()));
    let (_, v) = get(&sb, "/api/notifications", &t).await;
    assert_eq!(v, cfg);
    let (s, _) = post(&sb, "/api/notifications/test", &t, json!({})).await;
    assert_eq!(s, 502);

    // Backup config: the S3 secret is write-only.
    let (_, v) = post(
        &sb,
        "/api/backups/config/save",
        &t,
        json!({"s3Enabled": true, "s3SecretKey": "hidden"}),
    )
    .await;
    assert!(v.get("s3SecretKey").is_none());
    assert_eq!(v["s3SecretKeySet"], true);
    assert_eq!(v["retention"], 10);

    // Metrics move for running apps.
    let (_, app) = post(
        &sb,
        "/api/deploy",
        &t,
        json!({"name": "metered", "gitRepo": "g"}),
    )
    .await;
    wait_built(&sb, &t, app["id"].as_str().unwrap()).await;
    let (_, m1) = get(&sb, "/api/metrics/apps", &t).await;
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    let (_, m2) = get(&sb, "/api/metrics/apps", &t).await;
    let mine = |m: &Value| {
        m.as_array()
            .unwrap()
            .iter()
            .find(|x| x["appId"] == app["id"])
            .cloned()
            .expect("running app has metrics")
    };
    assert_ne!(mine(&m1)["netRxMb"], mine(&m2)["netRxMb"], "metrics move");
    sb.shutdown().await;
}
