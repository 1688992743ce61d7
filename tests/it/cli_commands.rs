//! `paas status / env / disconnect / doctor / tools` as processes against the sandbox,
//! and the keychain token store where the OS provides one.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::BTreeSet;

use paas_mcp::catalog::{self, Grant, Scope};
use serde_json::Value;

use crate::cli_support::{Home, admin_get, agent_names, run_cmd, sandbox, skip_or_fail};

/// Connect `home` to `sandbox` with a fresh agent holding `scopes`; returns its token.
async fn connected(
    home: &Home,
    sandbox: &paas_sandbox::Sandbox,
    name: &str,
    scopes: &[&str],
) -> String {
    let agent = sandbox.create_agent(name, scopes).await.unwrap();
    let run = home
        .run(&["connect", &sandbox.url(), "--token-stdin"], &agent.token)
        .await;
    assert_eq!(run.code, 0, "{run:?}");
    agent.token
}

fn grant_of(report: &Value) -> Grant {
    Grant::agent(
        report["scopes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s.as_str().unwrap().parse::<Scope>().unwrap()),
    )
}

#[tokio::test]
async fn status_reports_scopes_tools_and_apps() {
    let sandbox = sandbox().await;
    let home = Home::new();
    connected(
        &home,
        &sandbox,
        "observer-ish",
        &["apps:read", "logs:read", "metrics:read"],
    )
    .await;
    let run = home.run(&["status", "--json"], "").await;
    assert_eq!(run.code, 0, "{run:?}");
    let report = run.json();
    assert_eq!(report["url"], sandbox.url());
    assert_eq!(report["context"], "default");
    assert_eq!(report["connected"], true);
    assert_eq!(report["adminToken"], false);
    assert!(
        report["tokenStore"]
            .as_str()
            .unwrap()
            .contains("config.json")
    );
    assert_eq!(
        report["scopes"],
        serde_json::json!(["apps:read", "metrics:read"])
    );
    // Tools: exactly the catalogue entries whose guard the observed grant satisfies.
    let grant = grant_of(&report);
    let available: Vec<&str> = report["toolsAvailable"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    let hidden: Vec<&str> = report["toolsHidden"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["name"].as_str().unwrap())
        .collect();
    for tool in catalog::all() {
        assert_eq!(
            available.contains(&tool.name),
            tool.guard.allows(&grant),
            "{}",
            tool.name
        );
        assert_eq!(
            hidden.contains(&tool.name),
            !tool.guard.allows(&grant),
            "{}",
            tool.name
        );
    }
    assert_eq!(available.len() + hidden.len(), catalog::all().len());
    // Apps: the same as the server's list.
    let apps = admin_get(&sandbox, "/api/apps").await;
    let apps = apps.as_array().cloned().unwrap_or_default();
    assert_eq!(report["apps"]["total"], apps.len());
    let counted: u64 = report["apps"]["byStatus"]
        .as_object()
        .unwrap()
        .values()
        .map(|v| v.as_u64().unwrap())
        .sum();
    assert_eq!(counted as usize, apps.len());

    let text = home.run(&["status"], "").await;
    assert_eq!(text.code, 0, "{text:?}");
    assert!(
        text.stdout
            .contains(&format!("Better-PaaS  {}", sandbox.url())),
        "{}",
        text.stdout
    );
    for app in &apps {
        assert!(
            text.stdout.contains(app["name"].as_str().unwrap()),
            "{}",
            text.stdout
        );
    }
    sandbox.shutdown().await;
}

#[tokio::test]
async fn status_without_apps_read_says_which_scope_is_missing() {
    let sandbox = sandbox().await;
    let home = Home::new();
    connected(&home, &sandbox, "metrics only", &["metrics:read"]).await;
    let run = home.run(&["status"], "").await;
    assert_eq!(run.code, 0, "{run:?}");
    assert!(run.stdout.contains("metrics:read"), "{}", run.stdout);
    assert!(
        run.stdout
            .contains("apps are not visible: scope apps:read (profile observer)"),
        "{}",
        run.stdout
    );
    assert!(home.run(&["status", "--json"], "").await.json()["apps"].is_null());
    sandbox.shutdown().await;
}

#[tokio::test]
async fn a_revoked_token_is_reported_with_the_fix() {
    let sandbox = sandbox().await;
    let home = Home::new();
    connected(&home, &sandbox, "to revoke", &["apps:read"]).await;
    let agents = admin_get(&sandbox, "/api/agents").await;
    let id = agents
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["name"] == "to revoke")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let deleted = reqwest::Client::new()
        .post(format!("{}/api/agents/delete", sandbox.url()))
        .bearer_auth(sandbox.admin_token())
        .json(&serde_json::json!({ "id": id }))
        .send()
        .await
        .unwrap();
    assert_eq!(deleted.status(), 200);

    let status = home.run(&["status"], "").await;
    assert_eq!(status.code, 1, "{status:?}");
    assert!(status.stdout.contains("401"), "{}", status.stdout);
    assert!(
        status
            .stdout
            .contains(&format!("paas connect {}", sandbox.url())),
        "{}",
        status.stdout
    );

    let doctor = home.run(&["doctor", "--json"], "").await;
    assert_eq!(doctor.code, 1, "{doctor:?}");
    let checks = doctor.json()["checks"].clone();
    let token = checks
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "token")
        .unwrap();
    assert_eq!(token["status"], "fail");
    assert!(token["fix"].as_str().unwrap().contains("paas connect"));
    sandbox.shutdown().await;
}

#[tokio::test]
async fn doctor_passes_when_healthy_and_names_each_broken_link() {
    let sandbox = sandbox().await;
    let home = Home::new();

    let not_connected = home.run(&["doctor", "--json"], "").await;
    assert_eq!(not_connected.code, 1, "{not_connected:?}");
    let report = not_connected.json();
    let credentials = report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "credentials")
        .unwrap()
        .clone();
    assert_eq!(credentials["status"], "fail");
    assert!(
        credentials["fix"]
            .as_str()
            .unwrap()
            .contains("paas connect")
    );

    connected(&home, &sandbox, "doc", &["apps:read", "apps:write"]).await;
    let healthy = home.run(&["doctor", "--json"], "").await;
    assert_eq!(healthy.code, 0, "{healthy:?}");
    let report = healthy.json();
    assert_eq!(report["ok"], true);
    for name in ["config", "credentials", "reachable", "token", "scopes"] {
        let check = report["checks"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["name"] == name)
            .unwrap_or_else(|| panic!("check {name} in {report}"));
        assert_eq!(check["status"], "ok", "{check}");
    }
    let text = home.run(&["doctor"], "").await;
    assert!(
        text.stdout.contains("Everything needed works."),
        "{}",
        text.stdout
    );

    // Lockout (spec §1.7): every authenticated request from this address gets 429 with
    // Retry-After. Injected, so the lock outlasts the run however slow the machine is.
    sandbox.faults().inject(paas_sandbox::Fault {
        kind: paas_sandbox::FaultKind::TooManyRequests {
            retry_after_secs: 600,
        },
        path_prefix: Some("/api/a".to_owned()),
        count: 1000,
    });
    let locked = home.run(&["doctor", "--json"], "").await;
    assert_eq!(locked.code, 1, "{locked:?}");
    let token = locked.json()["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "token")
        .unwrap()
        .clone();
    assert_eq!(token["status"], "fail", "{token}");
    assert!(
        token["detail"].as_str().unwrap().contains("locked out"),
        "{token}"
    );

    sandbox.faults().clear();

    // A stopped PaaS.
    let url = sandbox.url();
    sandbox.shutdown().await;
    let stopped = home.run(&["doctor"], "").await;
    assert_eq!(stopped.code, 1, "{stopped:?}");
    assert!(
        stopped.stdout.contains("[FAIL] reachable"),
        "{}",
        stopped.stdout
    );
    let status = home.run(&["status"], "").await;
    assert_eq!(status.code, 1, "{status:?}");
    assert!(
        status
            .stdout
            .contains(&format!("the PaaS could not be reached at {url}")),
        "{}",
        status.stdout
    );
}

#[tokio::test]
async fn tools_lists_the_catalogue_and_what_this_token_gets() {
    let sandbox = sandbox().await;
    let home = Home::new();
    let offline = home.run(&["tools", "--json"], "").await;
    assert_eq!(offline.code, 0, "{offline:?}");
    let offline = offline.json();
    assert_eq!(offline["connected"], false);
    assert_eq!(
        offline["tools"].as_array().unwrap().len(),
        catalog::all().len()
    );

    connected(&home, &sandbox, "tools", &["apps:read", "deploy:trigger"]).await;
    let run = home.run(&["tools", "--json"], "").await;
    assert_eq!(run.code, 0, "{run:?}");
    let report = run.json();
    assert_eq!(report["connected"], true);
    let grant = grant_of(&report);
    assert_eq!(grant, Grant::agent([Scope::AppsRead, Scope::DeployTrigger]));
    let rows = report["tools"].as_array().unwrap();
    assert_eq!(rows.len(), catalog::all().len());
    for (row, tool) in rows.iter().zip(catalog::all()) {
        assert_eq!(row["name"], tool.name);
        assert_eq!(row["available"], tool.guard.allows(&grant), "{row}");
        assert_eq!(
            row["hiddenReason"].is_string(),
            !tool.guard.allows(&grant),
            "{row}"
        );
    }
    let text = home.run(&["tools"], "").await;
    assert!(
        text.stdout.contains("apps:read, deploy:trigger"),
        "{}",
        text.stdout
    );
    sandbox.shutdown().await;
}

#[tokio::test]
async fn disconnect_removes_the_credential_and_says_the_agent_remains() {
    let sandbox = sandbox().await;
    let home = Home::new();
    let run = home
        .run(
            &[
                "connect",
                &sandbox.url(),
                "--legacy",
                "--profile",
                "observer",
                "--name",
                "leaving",
            ],
            sandbox.admin_token(),
        )
        .await;
    assert_eq!(run.code, 0, "{run:?}");
    let config: Value = serde_json::from_str(&home.config_text().unwrap()).unwrap();
    let agent_id = config["agentId"].as_str().unwrap().to_owned();

    let run = home.run(&["disconnect"], "").await;
    assert_eq!(run.code, 0, "{run:?}");
    assert!(
        run.stdout.contains("Removed the credential from"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("still exists on the server"),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains(&agent_id), "{}", run.stdout);
    assert!(run.stdout.contains("/api/agents/delete"), "{}", run.stdout);
    assert!(!home.config_file().exists());
    assert!(agent_names(&sandbox).await.contains(&"leaving".to_owned()));

    let status = home.run(&["status"], "").await;
    assert_eq!(status.code, 1);
    assert!(
        status
            .stderr
            .contains("not connected - run: paas connect <url>"),
        "{}",
        status.stderr
    );
    let again = home.run(&["disconnect"], "").await;
    assert_eq!(again.code, 0);
    assert!(
        again.stdout.contains("no credential to remove"),
        "{}",
        again.stdout
    );
    sandbox.shutdown().await;
}

#[cfg(unix)]
#[tokio::test]
async fn loose_config_permissions_are_repaired() {
    use std::os::unix::fs::PermissionsExt;
    let sandbox = sandbox().await;
    let home = Home::new();
    connected(&home, &sandbox, "perm", &["apps:read"]).await;
    std::fs::set_permissions(home.config_file(), std::fs::Permissions::from_mode(0o644)).unwrap();
    std::fs::set_permissions(
        home.path().join(".paas"),
        std::fs::Permissions::from_mode(0o755),
    )
    .unwrap();
    assert_eq!(home.run(&["status"], "").await.code, 0);
    let mode = |p: std::path::PathBuf| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(home.config_file()), 0o600);
    assert_eq!(mode(home.path().join(".paas")), 0o700);
    sandbox.shutdown().await;
}

/// The tricky value every shell must get back byte for byte.
const TRICKY: &str = "a'b\"c$HOME`id`\\d e;f*g!h";

async fn env_lines(home: &Home, shell: &str) -> String {
    let mut cmd = home.cmd(&["env", "--shell", shell]);
    cmd.env("PAAS_API_URL", "http://127.0.0.1:9/x?a=1&b='2'")
        .env("PAAS_TOKEN", TRICKY);
    let run = run_cmd(cmd, "").await;
    assert_eq!(run.code, 0, "{run:?}");
    run.stdout
}

#[tokio::test]
async fn env_quoting_round_trips_through_real_shells() {
    let home = Home::new();
    let lines = env_lines(&home, "sh").await;
    for shell in ["sh", "bash", "dash"] {
        let Ok(out) = std::process::Command::new(shell)
            .arg("-c")
            .arg(format!(
                "{lines}\nprintf '%s\\n%s' \"$PAAS_API_URL\" \"$PAAS_TOKEN\""
            ))
            .output()
        else {
            continue;
        };
        assert_eq!(
            String::from_utf8_lossy(&out.stdout),
            format!("http://127.0.0.1:9/x?a=1&b='2'\n{TRICKY}"),
            "{shell} read back something else from:\n{lines}"
        );
    }
    let fish = env_lines(&home, "fish").await;
    match std::process::Command::new("fish")
        .arg("-c")
        .arg(format!("{fish}\nprintf '%s' \"$PAAS_TOKEN\""))
        .output()
    {
        Ok(out) => assert_eq!(String::from_utf8_lossy(&out.stdout), TRICKY, "{fish}"),
        Err(_) => {
            eprintln!("fish not installed: checking the fish quoting rule textually");
            assert!(
                fish.contains(r#"set -gx PAAS_TOKEN 'a\'b"c$HOME`id`\\d e;f*g!h'"#),
                "{fish}"
            );
        }
    }
    let pwsh = env_lines(&home, "powershell").await;
    match std::process::Command::new("pwsh")
        .args(["-NoProfile", "-Command"])
        .arg(format!("{pwsh}\n[Console]::Out.Write($env:PAAS_TOKEN)"))
        .output()
    {
        Ok(out) => assert_eq!(String::from_utf8_lossy(&out.stdout), TRICKY, "{pwsh}"),
        Err(_) => {
            eprintln!("pwsh not installed: checking the PowerShell quoting rule textually");
            assert!(
                pwsh.contains(r#"$env:PAAS_TOKEN = 'a''b"c$HOME`id`\d e;f*g!h'"#),
                "{pwsh}"
            );
        }
    }
    let mut cmd = home.cmd(&["env", "--json"]);
    cmd.env("PAAS_API_URL", "http://127.0.0.1:9")
        .env("PAAS_TOKEN", TRICKY);
    let json = run_cmd(cmd, "").await.json();
    assert_eq!(json["token"], TRICKY);
    assert_eq!(json["url"], "http://127.0.0.1:9");

    let not_connected = home.run(&["env"], "").await;
    assert_eq!(not_connected.code, 1);
    assert!(
        not_connected.stderr.contains("paas connect"),
        "{}",
        not_connected.stderr
    );
}

#[tokio::test]
async fn keychain_store_when_the_os_has_one() {
    let sandbox = sandbox().await;
    let agent = sandbox.create_agent("kc", &["apps:read"]).await.unwrap();
    let home = Home::new();
    let mut cmd = home.cmd(&[
        "connect",
        &sandbox.url(),
        "--token-stdin",
        "--context",
        "kc",
    ]);
    cmd.env("PAAS_TOKEN_STORE", "keychain");
    let run = run_cmd(cmd, &agent.token).await;
    if run.stderr.contains("does not work here") {
        skip_or_fail(
            "keychain_store_when_the_os_has_one",
            &format!(
                "no usable OS keychain here ({}); on Linux the kernel keyutils syscalls must be \
                 allowed (container seccomp profiles often block them)",
                run.stderr.trim()
            ),
        );
        return;
    }
    assert_eq!(run.code, 0, "{run:?}");
    assert!(run.stdout.contains("OS keychain"), "{}", run.stdout);
    let text = home.config_text().unwrap();
    assert!(
        !text.contains(&agent.token),
        "token leaked into the file: {text}"
    );
    let config: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(config["contexts"]["kc"]["tokenStore"], "keychain");
    // The real OS store holds it (this process shares the session keyring).
    let stored =
        paas_mcp::config::TokenStore::get(&paas_mcp::config::KeychainStore, "kc", &sandbox.url())
            .unwrap()
            .unwrap();
    assert_eq!(stored.expose(), agent.token);

    let status = home.run(&["status", "--json", "--context", "kc"], "").await;
    assert_eq!(status.code, 0, "{status:?}");
    assert_eq!(status.json()["tokenStore"], "OS keychain");

    let run = home.run(&["disconnect", "--context", "kc"], "").await;
    assert_eq!(run.code, 0, "{run:?}");
    assert!(run.stdout.contains("the OS keychain"), "{}", run.stdout);
    assert!(
        paas_mcp::config::TokenStore::get(&paas_mcp::config::KeychainStore, "kc", &sandbox.url())
            .unwrap()
            .is_none()
    );
    sandbox.shutdown().await;
}

#[tokio::test]
async fn doctor_checks_editor_entries_and_disconnect_removes_them() {
    let sandbox = sandbox().await;
    let home = Home::new();
    connected(&home, &sandbox, "editors", &["apps:read"]).await;
    let setup = home.run(&["setup", "--client", "cursor"], "").await;
    assert_eq!(setup.code, 0, "{setup:?}");
    let cursor = home.path().join(".cursor").join("mcp.json");
    assert!(cursor.exists());

    let doctor = home.run(&["doctor", "--json"], "").await;
    assert_eq!(doctor.code, 0, "{doctor:?}");
    let report = doctor.json();
    let editor = report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "editor" && c["detail"].as_str().unwrap().contains("Cursor"))
        .unwrap_or_else(|| panic!("no Cursor check in {report}"))
        .clone();
    assert_eq!(editor["status"], "ok", "{editor}");

    // The entry's binary disappears: doctor names the problem and the fix.
    let text = std::fs::read_to_string(&cursor).unwrap();
    let mut doc: Value = serde_json::from_str(&text).unwrap();
    let servers = doc["mcpServers"].as_object_mut().unwrap();
    let name = servers.keys().next().unwrap().clone();
    servers[&name]["command"] = Value::from("/nonexistent/paas");
    std::fs::write(&cursor, serde_json::to_string_pretty(&doc).unwrap()).unwrap();
    let broken = home.run(&["doctor"], "").await;
    assert_eq!(broken.code, 1, "{broken:?}");
    assert!(broken.stdout.contains("[FAIL] editor"), "{}", broken.stdout);
    assert!(
        broken.stdout.contains("paas setup --client cursor"),
        "{}",
        broken.stdout
    );

    let mut cmd = home.cmd(&["disconnect", "--remove-setup"]);
    cmd.current_dir(home.path());
    let run = run_cmd(cmd, "").await;
    assert_eq!(run.code, 0, "{run:?}");
    assert!(
        run.stdout.contains("Removed the paas MCP server from"),
        "{}",
        run.stdout
    );
    let after: Value = serde_json::from_str(&std::fs::read_to_string(&cursor).unwrap()).unwrap();
    assert!(after["mcpServers"].get(&name).is_none(), "{after}");
    assert!(!home.config_file().exists());
    sandbox.shutdown().await;
}

#[tokio::test]
async fn a_go_cli_config_is_read_and_kept_intact() {
    let sandbox = sandbox().await;
    let agent = sandbox
        .create_agent("go laptop CLI", &["apps:read"])
        .await
        .unwrap();
    let home = Home::new();
    std::fs::create_dir_all(home.path().join(".paas")).unwrap();
    // Exactly what the Go CLI writes: 2-space JSON, trailing newline, no fields of ours.
    let go = format!(
        "{{\n  \"version\": 1,\n  \"url\": \"{}\",\n  \"token\": \"{}\",\n  \"profile\": \"observer\",\n  \"name\": \"go laptop CLI\",\n  \"agentId\": \"{}\"\n}}\n",
        sandbox.url(),
        agent.token,
        agent.id
    );
    std::fs::write(home.config_file(), &go).unwrap();
    let status = home.run(&["status", "--json"], "").await;
    assert_eq!(status.code, 0, "{status:?}");
    let report = status.json();
    assert_eq!(report["agentName"], "go laptop CLI");
    assert_eq!(report["scopes"], serde_json::json!(["apps:read"]));
    assert_eq!(
        home.config_text().unwrap(),
        go,
        "reading must not rewrite the file"
    );

    // Adding another context leaves the Go CLI's fields exactly as they were.
    let other = sandbox
        .create_agent("other", &["metrics:read"])
        .await
        .unwrap();
    let run = home
        .run(
            &["connect", "--context", "b", &sandbox.url(), "--token-stdin"],
            &other.token,
        )
        .await;
    assert_eq!(run.code, 0, "{run:?}");
    let after: Value = serde_json::from_str(&home.config_text().unwrap()).unwrap();
    let before: Value = serde_json::from_str(&go).unwrap();
    for key in ["version", "url", "token", "profile", "name", "agentId"] {
        assert_eq!(after[key], before[key], "{key}");
    }
    let keys: Vec<&String> = after.as_object().unwrap().keys().collect();
    assert_eq!(
        keys[..6],
        ["version", "url", "token", "profile", "name", "agentId"]
    );
    sandbox.shutdown().await;
}

#[tokio::test]
async fn environment_credentials_win_over_the_file() {
    let first = sandbox().await;
    let second = sandbox().await;
    let home = Home::new();
    connected(&home, &first, "file", &["apps:read"]).await;
    let env_agent = second.create_agent("env", &["metrics:read"]).await.unwrap();
    let mut cmd = home.cmd(&["status", "--json"]);
    cmd.env("PAAS_API_URL", second.url())
        .env("PAAS_TOKEN", &env_agent.token);
    let run = run_cmd(cmd, "").await;
    assert_eq!(run.code, 0, "{run:?}");
    let report = run.json();
    assert_eq!(report["url"], second.url());
    assert_eq!(report["tokenStore"], "environment (PAAS_TOKEN)");
    assert_eq!(report["scopes"], serde_json::json!(["metrics:read"]));
    // The admin token in the environment is recognised as such.
    let mut cmd = home.cmd(&["status", "--json"]);
    cmd.env("PAAS_API_URL", second.url())
        .env("PAAS_TOKEN", second.admin_token());
    let report = run_cmd(cmd, "").await.json();
    assert_eq!(report["adminToken"], true);
    first.shutdown().await;
    second.shutdown().await;
}

#[tokio::test]
async fn keychain_uses_the_secret_service_when_one_answers() {
    let have = |tool: &str| {
        std::process::Command::new("sh")
            .args(["-c", &format!("command -v {tool}")])
            .output()
            .is_ok_and(|o| o.status.success())
    };
    if !(have("dbus-run-session") && have("gnome-keyring-daemon")) {
        skip_or_fail(
            "keychain_uses_the_secret_service_when_one_answers",
            "needs dbus-run-session and gnome-keyring-daemon (Debian: dbus gnome-keyring)",
        );
        return;
    }
    let sandbox = sandbox().await;
    let agent = sandbox.create_agent("ss", &["apps:read"]).await.unwrap();
    let home = Home::new();
    // Everything runs inside one private D-Bus session with an unlocked GNOME Keyring.
    let script = r#"
        set -e
        printf pw | gnome-keyring-daemon --unlock --components=secrets >/dev/null 2>&1
        printf %s "$AGENT_TOKEN" | "$PAAS" connect "$URL" --token-stdin --context ss
        "$PAAS" status --json --context ss > "$HOME/status.json"
        "$PAAS" doctor --json --context ss > "$HOME/doctor.json" || true
        "$PAAS" disconnect --context ss
    "#;
    let mut cmd = tokio::process::Command::new("dbus-run-session");
    cmd.args(["--", "sh", "-c", script])
        .env("HOME", home.path())
        .env("PAAS", env!("CARGO_BIN_EXE_paas"))
        .env("URL", sandbox.url())
        .env("AGENT_TOKEN", &agent.token)
        .env("PAAS_TOKEN_STORE", "keychain")
        .env_remove("PAAS_API_URL")
        .env_remove("PAAS_TOKEN")
        .env_remove("DBUS_SESSION_BUS_ADDRESS")
        .kill_on_drop(true);
    let run = run_cmd(cmd, "").await;
    assert_eq!(run.code, 0, "{run:?}");
    assert!(
        run.stdout.contains("Token:    OS keychain"),
        "{}",
        run.stdout
    );
    let status: Value =
        serde_json::from_str(&std::fs::read_to_string(home.path().join("status.json")).unwrap())
            .unwrap();
    assert_eq!(status["tokenStore"], "OS keychain");
    assert_eq!(status["scopes"], serde_json::json!(["apps:read"]));
    assert!(
        run.stdout.contains("OS keychain (Secret Service)"),
        "{}",
        run.stdout
    );
    let doctor: Value =
        serde_json::from_str(&std::fs::read_to_string(home.path().join("doctor.json")).unwrap())
            .unwrap();
    let keychain = doctor["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "keychain")
        .unwrap()
        .clone();
    assert_eq!(
        keychain["detail"], "OS keychain works (Secret Service)",
        "{keychain}"
    );
    assert!(
        run.stdout
            .contains("Removed the credential from the OS keychain"),
        "{}",
        run.stdout
    );
    sandbox.shutdown().await;
}

#[tokio::test]
async fn json_names_the_scopes_the_probe_cannot_see_and_null_when_unknown() {
    let sandbox = sandbox().await;
    let home = Home::new();
    let agent = sandbox
        .create_agent("observer json", &["apps:read", "logs:read", "metrics:read"])
        .await
        .unwrap();
    let run = home
        .run(
            &[
                "connect",
                &sandbox.url(),
                "--token-stdin",
                "--context",
                "stg",
            ],
            &agent.token,
        )
        .await;
    assert_eq!(run.code, 0, "{run:?}");
    for command in ["status", "tools"] {
        let run = home.run(&[command, "--json", "--context", "stg"], "").await;
        assert_eq!(run.code, 0, "{run:?}");
        let report = run.json();
        assert_eq!(
            report["scopes"],
            serde_json::json!(["apps:read", "metrics:read"]),
            "{command}: existing field unchanged"
        );
        assert_eq!(
            report["unobservableScopes"],
            serde_json::json!(["logs:read"]),
            "{command}"
        );
        assert!(
            report["scopesNote"]
                .as_str()
                .is_some_and(|n| n.contains("logs:read")),
            "{command}: {report}"
        );
    }
    // Suggested commands name the context.
    let text = home.run(&["status", "--context", "stg"], "").await;
    assert!(
        text.stdout
            .contains("hidden (paas tools --context stg for details)"),
        "{}",
        text.stdout
    );
    // Without apps:read nothing is hidden from the probe.
    let metrics = Home::new();
    connected(&metrics, &sandbox, "metrics json", &["metrics:read"]).await;
    let report = metrics.run(&["status", "--json"], "").await.json();
    assert_eq!(report["unobservableScopes"], serde_json::json!([]));
    assert_eq!(report["scopesNote"], Value::Null);

    // No probe succeeded: unknown (null) in both commands, not "no scopes".
    sandbox.shutdown().await;
    for command in ["status", "tools"] {
        let run = home.run(&[command, "--json", "--context", "stg"], "").await;
        let report = run.json();
        assert_eq!(report["scopes"], Value::Null, "{command}: {report}");
        assert_eq!(report["unobservableScopes"], Value::Null, "{command}");
    }
}

#[tokio::test]
async fn doctor_with_a_rejected_env_token_says_to_fix_the_variable() {
    let sandbox = sandbox().await;
    let home = Home::new();
    let token = format!("bpagt_{}", "0".repeat(64));
    let mut cmd = home.cmd(&["doctor", "--json"]);
    cmd.env("PAAS_API_URL", sandbox.url())
        .env("PAAS_TOKEN", &token);
    let run = run_cmd(cmd, "").await;
    assert_eq!(run.code, 1, "{run:?}");
    assert!(!run.stdout.contains(&token) && !run.stderr.contains(&token));
    let check = run.json()["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "token")
        .unwrap()
        .clone();
    assert_eq!(check["status"], "fail", "{check}");
    let fix = check["fix"].as_str().unwrap();
    assert!(fix.contains("fix PAAS_TOKEN"), "{fix}");
    assert!(fix.contains("unset PAAS_API_URL PAAS_TOKEN"), "{fix}");
    assert!(!fix.contains("--context env"), "{fix}");
    sandbox.shutdown().await;
}

/// `paas mcp` as `paas setup` writes it (no `--allow-admin-token`) serves the admin token
/// `paas_status` alone: status and tools must report that, not the admin token's full reach,
/// and say what the flag would add; their lists are checked against the real server's.
#[tokio::test]
async fn status_and_tools_with_the_admin_token_say_what_paas_mcp_serves() {
    use crate::support::mcp;
    let sandbox = sandbox().await;
    let home = Home::new();
    let with_admin = |args: &[&str]| {
        let mut cmd = home.cmd(args);
        cmd.env("PAAS_API_URL", sandbox.url())
            .env("PAAS_TOKEN", sandbox.admin_token());
        cmd
    };
    let status = run_cmd(with_admin(&["status", "--json"]), "").await;
    assert_eq!(status.code, 0, "{status:?}");
    let report = status.json();
    assert_eq!(report["adminToken"], true);
    assert_eq!(report["adminTokenRefused"], true);
    assert_eq!(report["toolsAvailable"], serde_json::json!(["paas_status"]));
    let with_flag: BTreeSet<String> = report["toolsWithAllowAdminToken"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n.as_str().unwrap().to_owned())
        .collect();
    assert_eq!(with_flag.len(), catalog::all().len());
    assert!(
        report["adminTokenNote"]
            .as_str()
            .unwrap()
            .contains("refuses it unless --allow-admin-token"),
        "{report}"
    );

    // What the assistant really gets, without and with the flag.
    let served = |args: &'static [&'static str]| {
        mcp::command(
            &home.path(),
            Some(&sandbox.url()),
            Some(sandbox.admin_token()),
            args,
        )
    };
    let client = mcp::connect(served(&[])).await;
    assert_eq!(
        mcp::tool_names(&client).await,
        BTreeSet::from(["paas_status".to_owned()])
    );
    client.cancel().await.unwrap();
    let client = mcp::connect(served(&["--allow-admin-token"])).await;
    assert_eq!(mcp::tool_names(&client).await, with_flag);
    client.cancel().await.unwrap();

    let text = run_cmd(with_admin(&["status"]), "").await;
    assert_eq!(text.code, 0, "{text:?}");
    assert!(
        text.stdout.contains("Tools        1 available, "),
        "{}",
        text.stdout
    );
    assert!(
        text.stdout.contains("your assistant gets only paas_status"),
        "{}",
        text.stdout
    );
    assert!(
        text.stdout
            .contains("put a scoped agent's token in PAAS_TOKEN"),
        "{}",
        text.stdout
    );

    let tools = run_cmd(with_admin(&["tools", "--json"]), "").await;
    assert_eq!(tools.code, 0, "{tools:?}");
    let listed = tools.json();
    let available: Vec<&str> = listed["tools"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| t["available"] == true)
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    assert_eq!(available, ["paas_status"]);
    assert_eq!(listed["adminTokenRefused"], true);
    assert_eq!(
        listed["toolsWithAllowAdminToken"],
        report["toolsWithAllowAdminToken"]
    );
    let tools = run_cmd(with_admin(&["tools"]), "").await;
    assert!(
        tools.stdout.contains(&format!(
            "1 of {n} tools available to this admin token ({n} with paas mcp --allow-admin-token).",
            n = catalog::all().len()
        )),
        "{}",
        tools.stdout
    );
    assert!(
        tools
            .stdout
            .contains("your assistant gets only paas_status"),
        "{}",
        tools.stdout
    );
    sandbox.shutdown().await;
}

/// `disconnect --remove-setup` takes out the disconnected context's entries only: a
/// `paas mcp --sandbox` entry (README's `claude mcp add paas-sandbox -- paas mcp --sandbox`)
/// and a `paas mcp --token-file FILE` entry use no stored context, and another context's
/// entry is that context's.
#[tokio::test]
async fn disconnect_remove_setup_keeps_entries_that_use_no_stored_context() {
    let sandbox = sandbox().await;
    let home = Home::new();
    connected(&home, &sandbox, "keep", &["apps:read"]).await;
    let paas = env!("CARGO_BIN_EXE_paas");
    let entry = |args: &[&str]| serde_json::json!({"type": "stdio", "command": paas, "args": args});
    let claude = home.path().join(".claude.json");
    let original = serde_json::json!({ "mcpServers": {
        "better-paas": entry(&["mcp"]),
        "paas-sandbox": entry(&["mcp", "--sandbox"]),
        "paas-file": entry(&["mcp", "--token-file", "/srv/paas-token"]),
        "paas-file-st": entry(&["--context", "st", "mcp", "--token-file=/srv/st-token"]),
        "better-paas-st": entry(&["mcp", "--context", "st"]),
    }});
    std::fs::write(&claude, serde_json::to_string_pretty(&original).unwrap()).unwrap();

    let mut cmd = home.cmd(&["disconnect", "--remove-setup"]);
    cmd.current_dir(home.path());
    let run = run_cmd(cmd, "").await;
    assert_eq!(run.code, 0, "{run:?}");
    let after: Value = serde_json::from_str(&std::fs::read_to_string(&claude).unwrap()).unwrap();
    let kept: Vec<&String> = after["mcpServers"].as_object().unwrap().keys().collect();
    assert_eq!(
        kept,
        [
            "paas-sandbox",
            "paas-file",
            "paas-file-st",
            "better-paas-st"
        ],
        "{run:?}"
    );
    sandbox.shutdown().await;
}

/// A Go CLI config may store the URL with a trailing `/`: the delete-agent hints of
/// `disconnect` and of a replacing `connect` must still name `<url>/api/agents/delete`.
#[tokio::test]
async fn delete_agent_hints_survive_a_stored_url_ending_in_a_slash() {
    let sandbox = sandbox().await;
    let home = Home::new();
    let write_go_config = |agent: &paas_sandbox::CreatedAgent| {
        std::fs::create_dir_all(home.path().join(".paas")).unwrap();
        let go = serde_json::json!({
            "version": 1, "url": format!("{}/", sandbox.url()), "token": agent.token,
            "name": "laptop CLI", "agentId": agent.id,
        });
        std::fs::write(home.config_file(), go.to_string()).unwrap();
    };
    let delete = format!("curl -X POST {}/api/agents/delete ", sandbox.url());

    let first = sandbox.create_agent("first", &["apps:read"]).await.unwrap();
    write_go_config(&first);
    let run = home.run(&["disconnect"], "").await;
    assert_eq!(run.code, 0, "{run:?}");
    assert!(run.stdout.contains(&delete), "{}", run.stdout);
    assert!(!run.stdout.contains("//api"), "{}", run.stdout);

    write_go_config(&first);
    let second = sandbox
        .create_agent("second", &["apps:read"])
        .await
        .unwrap();
    let run = home
        .run(&["connect", &sandbox.url(), "--token-stdin"], &second.token)
        .await;
    assert_eq!(run.code, 0, "{run:?}");
    assert!(
        run.stdout.contains("this replaced the previous connection"),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains(&delete), "{}", run.stdout);
    assert!(!run.stdout.contains("//api"), "{}", run.stdout);
    sandbox.shutdown().await;
}

/// `paas status --json | jq .connected` must get an answer in the most basic state too:
/// not connected is a JSON report with the problem (exit 1), like an unreachable PaaS.
#[tokio::test]
async fn status_json_when_not_connected_is_a_report() {
    let home = Home::new();
    let run = home.run(&["status", "--json"], "").await;
    assert_eq!(run.code, 1, "{run:?}");
    let report = run.json();
    assert_eq!(report["connected"], false);
    assert_eq!(report["context"], "default");
    assert!(
        report["problem"]
            .as_str()
            .unwrap()
            .contains("paas connect <url>"),
        "{report}"
    );
    let named = home.run(&["status", "--json", "--context", "st"], "").await;
    assert_eq!(named.code, 1, "{named:?}");
    assert_eq!(named.json()["context"], "st");
    // Without --json the error stays a plain message on stderr.
    let text = home.run(&["status"], "").await;
    assert_eq!(text.code, 1);
    assert!(text.stdout.is_empty(), "{text:?}");
    assert!(text.stderr.contains("not connected"), "{text:?}");
}
