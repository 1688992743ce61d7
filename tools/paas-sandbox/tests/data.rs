//! Add-ons and the DB explorer, backups round trip, seed data, state save/reload.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test helpers

mod common;

use std::time::Duration;

use common::*;
use paas_sandbox::SandboxOptions;
use serde_json::{Value, json};

async fn running_addon(sb: &paas_sandbox::Sandbox, kind: &str, name: &str) -> String {
    let t = sb.admin_token();
    let (s, a) = post(
        sb,
        "/api/addons/create",
        t,
        json!({"type": kind, "name": name}),
    )
    .await;
    assert_eq!(s, 200, "{a}");
    assert_eq!(a["status"], "building");
    assert_eq!(
        a["containerName"],
        format!("paas-addon-{kind}-{}", a["id"].as_str().unwrap())
    );
    let id = a["id"].as_str().unwrap().to_string();
    // Explorer refuses until the add-on is running.
    let (s, v) = post(sb, "/api/addons/db/tables", t, json!({"id": id})).await;
    if s == 409 {
        assert_eq!(v["error"], "Database is not running");
    }
    for _ in 0..40 {
        let (_, a) = get(sb, &format!("/api/addons/get?id={id}"), t).await;
        if a["status"] == "running" {
            return id;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("add-on never came up");
}

#[tokio::test]
async fn sql_explorer_runs_real_sql() {
    let sb = start().await;
    let t = sb.admin_token().to_string();
    let id = running_addon(&sb, "postgres", "pg").await;
    let q = |sql: &str| json!({"id": id, "query": sql});
    let (s, v) = post(
        &sb,
        "/api/addons/db/query",
        &t,
        q("CREATE TABLE items (id INTEGER PRIMARY KEY, label TEXT NOT NULL, qty INTEGER)"),
    )
    .await;
    assert_eq!(s, 200, "{v}");
    let (_, v) = post(
        &sb,
        "/api/addons/db/row/insert",
        &t,
        json!({"id": id, "table": "items", "values": {"label": "apple", "qty": "3"}}),
    )
    .await;
    assert!(v.get("error").is_none(), "{v}");
    post(
        &sb,
        "/api/addons/db/row/insert",
        &t,
        json!({"id": id, "table": "items", "values": {"label": "pear", "qty": null}}),
    )
    .await;
    let (_, v) = post(
        &sb,
        "/api/addons/db/query",
        &t,
        q("SELECT label, qty FROM items ORDER BY label"),
    )
    .await;
    assert_eq!(v["columns"], json!(["label", "qty"]));
    assert_eq!(v["rows"], json!([["apple", "3"], ["pear", null]]));
    let (_, v) = post(&sb, "/api/addons/db/tables", &t, json!({"id": id})).await;
    assert_eq!(v, json!({"type": "postgres", "tables": ["items"]}));
    let (_, v) = post(
        &sb,
        "/api/addons/db/columns",
        &t,
        json!({"id": id, "table": "items"}),
    )
    .await;
    let cols = v["columns"].as_array().unwrap();
    assert_eq!(cols[0]["name"], "id");
    assert_eq!(cols[0]["primaryKey"], true);
    assert_eq!(cols[1]["nullable"], false);
    post(
        &sb,
        "/api/addons/db/row/update",
        &t,
        json!({"id": id, "table": "items", "set": {"qty": "9"}, "where": {"label": "pear"}}),
    )
    .await;
    post(
        &sb,
        "/api/addons/db/row/delete",
        &t,
        json!({"id": id, "table": "items", "where": {"label": "apple"}}),
    )
    .await;
    let (_, v) = post(
        &sb,
        "/api/addons/db/table",
        &t,
        json!({"id": id, "table": "items", "limit": 5000, "orderBy": "id"}),
    )
    .await;
    assert_eq!(v["total"], 1);
    assert_eq!(v["rows"][0][1], "pear");
    assert_eq!(v["rows"][0][2], "9");
    // SQL errors: HTTP 200 with `error`.
    let (s, v) = post(&sb, "/api/addons/db/query", &t, q("SELEC nonsense")).await;
    assert_eq!(s, 200);
    assert!(v["error"].as_str().unwrap().contains("syntax error"), "{v}");
    let (s, v) = post(
        &sb,
        "/api/addons/db/query",
        &t,
        json!({"id": "nope", "query": "select 1"}),
    )
    .await;
    assert_eq!((s, v), (404, json!({"error": "Add-on not found"})));
    sb.shutdown().await;
}

#[tokio::test]
async fn redis_explorer_and_attach_masks_credentials() {
    let sb = start().await;
    let t = sb.admin_token().to_string();
    let id = running_addon(&sb, "redis", "cache").await;
    let cmd = |c: &str| json!({"id": id, "query": c});
    let (_, v) = post(
        &sb,
        "/api/addons/db/query",
        &t,
        cmd("SET greeting \"hello world\""),
    )
    .await;
    assert_eq!(v["rows"], json!([["OK"]]));
    let (_, v) = post(&sb, "/api/addons/db/query", &t, cmd("GET greeting")).await;
    assert_eq!(v["rows"], json!([["hello world"]]));
    post(&sb, "/api/addons/db/query", &t, cmd("SET other 1")).await;
    let (_, v) = post(&sb, "/api/addons/db/query", &t, cmd("KEYS g*")).await;
    assert_eq!(v["rows"], json!([["greeting"]]));
    let (_, v) = post(&sb, "/api/addons/db/tables", &t, json!({"id": id})).await;
    assert_eq!(v, json!({"type": "redis", "tables": ["greeting", "other"]}));
    let (_, v) = post(
        &sb,
        "/api/addons/db/query",
        &t,
        cmd("DEL greeting other missing"),
    )
    .await;
    assert_eq!(v["rows"], json!([["2"]]));
    let (_, v) = post(&sb, "/api/addons/db/query", &t, cmd("FLUSHALL")).await;
    assert!(
        v["error"]
            .as_str()
            .unwrap()
            .starts_with("ERR unknown command")
    );

    // Attach: connection env lands in the app as secrets, masked everywhere.
    let (_, app) = post(
        &sb,
        "/api/deploy",
        &t,
        json!({"name": "user", "gitRepo": "g"}),
    )
    .await;
    let app_id = app["id"].as_str().unwrap();
    let (s, v) = post(
        &sb,
        "/api/addons/attach",
        &t,
        json!({"addonId": id, "appId": app_id}),
    )
    .await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["envVars"]["REDIS_URL"], "***");
    assert_eq!(v["envVars"]["REDIS_PASSWORD"], "***");
    assert_eq!(
        v["envVars"]["REDIS_PORT"], "***",
        "all attached keys are secret on the app"
    );
    let (_, a) = get(&sb, &format!("/api/addons/get?id={id}"), &t).await;
    assert_eq!(a["connEnv"]["REDIS_URL"], "***");
    assert_eq!(a["connEnv"]["REDIS_PASSWORD"], "***");
    assert_eq!(
        a["connEnv"]["REDIS_PORT"], "6379",
        "non-secret keys in clear"
    );
    assert_eq!(a["attachedApps"], json!([app_id]));
    let (_, v) = post(
        &sb,
        "/api/addons/detach",
        &t,
        json!({"addonId": id, "appId": app_id}),
    )
    .await;
    assert!(v["envVars"].get("REDIS_URL").is_none());
    sb.shutdown().await;
}

#[tokio::test]
async fn backups_capture_and_restore_state() {
    let sb = start().await;
    let t = sb.admin_token().to_string();
    let pg = running_addon(&sb, "postgres", "pg").await;
    post(
        &sb,
        "/api/addons/db/query",
        &t,
        json!({"id": pg, "query": "CREATE TABLE t (v TEXT)"}),
    )
    .await;
    post(
        &sb,
        "/api/addons/db/query",
        &t,
        json!({"id": pg, "query": "INSERT INTO t VALUES ('before')"}),
    )
    .await;
    let (_, keep) = post(
        &sb,
        "/api/deploy",
        &t,
        json!({"name": "keep", "gitRepo": "g"}),
    )
    .await;
    let (s, b) = post(&sb, "/api/backups/create", &t, json!({})).await;
    assert_eq!(s, 200);
    let name = b["name"].as_str().unwrap().to_string();
    assert!(name.starts_with("backup-") && name.ends_with(".tar.gz"));
    assert!(b["sizeBytes"].as_i64().unwrap() > 0);
    // Change things after the backup.
    post(&sb, "/api/apps/delete", &t, json!({"id": keep["id"]})).await;
    post(
        &sb,
        "/api/deploy",
        &t,
        json!({"name": "later", "gitRepo": "g"}),
    )
    .await;
    post(
        &sb,
        "/api/addons/db/query",
        &t,
        json!({"id": pg, "query": "INSERT INTO t VALUES ('after')"}),
    )
    .await;
    let (s, v) = post(&sb, "/api/backups/restore", &t, json!({"name": name})).await;
    assert_eq!(s, 200);
    assert_eq!(v["status"], "started");
    let (_, apps) = get(&sb, "/api/apps", &t).await;
    let names: Vec<&str> = apps
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, vec!["keep"]);
    let (_, v) = post(
        &sb,
        "/api/addons/db/query",
        &t,
        json!({"id": pg, "query": "SELECT v FROM t"}),
    )
    .await;
    assert_eq!(v["rows"], json!([["before"]]));
    // A safety backup was taken; listing is newest first.
    let (_, list) = get(&sb, "/api/backups", &t).await;
    assert_eq!(list.as_array().unwrap().len(), 2);
    let r = client()
        .get(format!("{}/api/backups/download?name={name}", sb.url()))
        .bearer_auth(&t)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    let bytes = r.bytes().await.unwrap();
    assert_eq!(&bytes[..2], &[0x1f, 0x8b], "gzip stream");
    let (s, v) = post(
        &sb,
        "/api/backups/restore",
        &t,
        json!({"name": "../etc.tar.gz"}),
    )
    .await;
    assert_eq!((s, v), (400, json!({"error": "invalid backup name"})));
    let (s, v) = post(
        &sb,
        "/api/backups/delete",
        &t,
        json!({"name": "backup-x.tar.gz"}),
    )
    .await;
    assert_eq!((s, v), (404, json!({"error": "Backup not found"})));
    sb.shutdown().await;
}

#[tokio::test]
async fn seed_has_the_promised_demo_data() {
    let sb = start_with(SandboxOptions {
        seed: true,
        ..SandboxOptions::default()
    })
    .await;
    let t = sb.admin_token().to_string();
    let (_, apps) = get(&sb, "/api/apps", &t).await;
    let statuses: Vec<&str> = apps
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["status"].as_str().unwrap())
        .collect();
    for s in ["running", "stopped", "failed"] {
        assert!(statuses.contains(&s), "{s} in {statuses:?}");
    }
    let (_, projects) = get(&sb, "/api/projects", &t).await;
    assert_eq!(projects[0]["serviceCount"], 2);
    let pid = projects[0]["id"].as_str().unwrap();
    let (_, detail) = get(&sb, &format!("/api/projects/get?id={pid}"), &t).await;
    assert_eq!(detail["services"].as_array().unwrap().len(), 2);
    let (_, addons) = get(&sb, "/api/addons", &t).await;
    let kinds: Vec<&str> = addons
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["type"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, vec!["postgres", "redis"]);
    let (_, v) = post(
        &sb,
        "/api/addons/db/query",
        &t,
        json!({"id": addons[0]["id"], "query": "SELECT count(*) FROM users"}),
    )
    .await;
    assert_eq!(v["rows"], json!([["3"]]));
    let (_, cron) = get(&sb, "/api/cron", &t).await;
    assert_eq!(cron.as_array().unwrap().len(), 1);
    let (_, backups) = get(&sb, "/api/backups", &t).await;
    assert_eq!(backups.as_array().unwrap().len(), 1);
    sb.shutdown().await;
}

#[tokio::test]
async fn state_file_survives_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state.json");
    let opts = SandboxOptions {
        state_file: Some(state.clone()),
        admin_token: Some("fixed-admin-token".into()),
        ..SandboxOptions::default()
    };
    let sb = start_with(opts.clone()).await;
    let t = "fixed-admin-token";
    let agent = sb.create_agent("persisted", &["apps:read"]).await.unwrap();
    let (_, app) = post(
        &sb,
        "/api/deploy",
        t,
        json!({"name": "durable", "gitRepo": "g"}),
    )
    .await;
    wait_built(&sb, t, app["id"].as_str().unwrap()).await;
    let pg = running_addon(&sb, "postgres", "pgd").await;
    post(
        &sb,
        "/api/addons/db/query",
        t,
        json!({"id": pg, "query": "CREATE TABLE k (v TEXT)"}),
    )
    .await;
    post(
        &sb,
        "/api/addons/db/query",
        t,
        json!({"id": pg, "query": "INSERT INTO k VALUES ('kept')"}),
    )
    .await;
    sb.shutdown().await;
    assert!(state.exists());
    let leftovers: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
    assert_eq!(
        leftovers.len(),
        1,
        "no temp files left beside the state file"
    );

    let sb = start_with(opts).await;
    let (s, a) = get(
        &sb,
        &format!("/api/apps/get?id={}", app["id"].as_str().unwrap()),
        &agent.token,
    )
    .await;
    assert_eq!(s, 200, "agent token still valid after reload");
    assert_eq!(a["status"], "running");
    let (_, v) = post(
        &sb,
        "/api/addons/db/query",
        t,
        json!({"id": pg, "query": "SELECT v FROM k"}),
    )
    .await;
    assert_eq!(v["rows"], json!([["kept"]]));
    let (_, audit) = get(&sb, "/api/audit-logs", t).await;
    assert!(
        audit
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["action"] == "app:deploy")
    );
    sb.shutdown().await;

    std::fs::write(&state, "not json").unwrap();
    let err = paas_sandbox::Sandbox::start(SandboxOptions {
        state_file: Some(state.clone()),
        ..SandboxOptions::default()
    })
    .await
    .unwrap_err();
    assert!(
        err.to_string().contains("delete the file to start fresh"),
        "{err}"
    );
}

#[tokio::test]
async fn projects_catalog_cron() {
    let sb = start().await;
    let t = sb.admin_token().to_string();
    let (s, p) = post(
        &sb,
        "/api/projects/create",
        &t,
        json!({"name": "shop", "description": "d"}),
    )
    .await;
    assert_eq!(s, 200);
    assert_eq!(p["status"], "stopped", "empty project is stopped");
    let (_, p2) = post(&sb, "/api/projects/create", &t, json!({"name": "shop"})).await;
    assert_eq!(p2["name"], "shop-2");
    let (s, v) = post(
        &sb,
        "/api/projects/create",
        &t,
        json!({"name": "x1", "description": "x".repeat(101)}),
    )
    .await;
    assert_eq!(s, 400, "{v}");
    let (s, svc) = post(
        &sb,
        "/api/projects/services/deploy",
        &t,
        json!({"projectId": p["id"], "name": "api", "gitRepo": "g"}),
    )
    .await;
    assert_eq!(s, 200, "{svc}");
    assert_eq!(svc["name"], "shop-api");
    let (_, detail) = get(
        &sb,
        &format!("/api/projects/get?id={}", p["id"].as_str().unwrap()),
        &t,
    )
    .await;
    assert_eq!(detail["serviceCount"], 1);
    assert_eq!(detail["status"], "building");

    let (_, cat) = get(&sb, "/api/catalog", &t).await;
    let tid = cat[0]["id"].as_str().unwrap();
    let (s, app) = post(&sb, "/api/catalog/deploy", &t, json!({"templateId": tid})).await;
    assert_eq!(s, 200, "{app}");
    assert_eq!(app["buildMethod"], "image");
    let (s, v) = post(
        &sb,
        "/api/catalog/deploy-dockerfile",
        &t,
        json!({"name": "df", "dockerfile": "RUN x"}),
    )
    .await;
    assert_eq!(s, 400, "{v}");
    let (s, v) = post(
        &sb,
        "/api/catalog/deploy-dockerfile",
        &t,
        json!({"name": "df", "dockerfile": "FROM alpine\n"}),
    )
    .await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["buildMethod"], "dockerfile-inline");
    let (s, v) = post(
        &sb,
        "/api/catalog/deploy-image",
        &t,
        json!({"image": "nginx:1.27"}),
    )
    .await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["name"], "nginx");

    let (s, v) = post(
        &sb,
        "/api/cron/create",
        &t,
        json!({"appId": v["id"], "schedule": "61 * * * *", "command": "x"}),
    )
    .await;
    assert_eq!(s, 400);
    assert!(
        v["error"]
            .as_str()
            .unwrap()
            .starts_with("Invalid cron schedule")
    );
    let (_, apps) = get(&sb, "/api/apps", &t).await;
    let app_id = apps[0]["id"].as_str().unwrap();
    let (s, job) = post(
        &sb,
        "/api/cron/create",
        &t,
        json!({"appId": app_id, "schedule": "*/5 * * * *", "command": "echo hi"}),
    )
    .await;
    assert_eq!(s, 200, "{job}");
    assert_eq!(job["lastRun"], "0001-01-01T00:00:00Z");
    let (s, v) = post(&sb, "/api/cron/run", &t, json!({"id": job["id"]})).await;
    assert_eq!((s, v), (200, json!({"status": "started"})));
    let (_, jobs) = get(&sb, "/api/cron", &t).await;
    assert_ne!(jobs[0]["lastRun"], "0001-01-01T00:00:00Z");
    let (s, v) = post(&sb, "/api/cron/delete", &t, json!({"id": "does-not-exist"})).await;
    assert_eq!(
        (s, v),
        (200, json!({"status": "deleted"})),
        "no existence check"
    );
    let _: Value = jobs;
    sb.shutdown().await;
}
