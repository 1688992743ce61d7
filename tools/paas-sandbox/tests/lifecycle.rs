//! App lifecycle, validation messages, the update quirk (spec §9.1), masking, runtime logs.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test helpers

mod common;

use common::*;
use serde_json::{Value, json};

async fn deployed(sb: &paas_sandbox::Sandbox, name: &str) -> (String, Value) {
    let t = sb.admin_token().to_string();
    let (s, app) = post(
        sb,
        "/api/deploy",
        &t,
        json!({"name": name, "gitRepo": "https://github.com/me/x", "branch": "main",
               "envVars": {"API_KEY": "s3cret", "MODE": "prod"}, "secretKeys": ["API_KEY"],
               "memory": "512m", "cpus": "0.5", "healthPath": "/health"}),
    )
    .await;
    assert_eq!(s, 200, "{app}");
    let id = app["id"].as_str().unwrap().to_string();
    let app = wait_built(sb, &t, &id).await;
    (id, app)
}

#[tokio::test]
async fn stop_start_redeploy_rollback_rename() {
    let sb = start().await;
    let t = sb.admin_token().to_string();
    let (id, app) = deployed(&sb, "life").await;
    assert_eq!(app["status"], "running");
    assert_eq!(app["envVars"]["API_KEY"], "***", "secret values are masked");
    assert_eq!(app["envVars"]["MODE"], "prod");

    let (s, v) = post(&sb, "/api/apps/stop", &t, json!({"id": id})).await;
    assert_eq!((s, v), (200, json!({"status": "stopped"})));
    let (_, a) = get(&sb, &format!("/api/apps/get?id={id}"), &t).await;
    assert_eq!(a["status"], "stopped");
    let (s, v) = post(&sb, "/api/apps/start", &t, json!({"id": id})).await;
    assert_eq!((s, v), (200, json!({"status": "running"})));

    let (s, v) = post(&sb, "/api/apps/redeploy", &t, json!({"id": id})).await;
    assert_eq!(s, 200);
    assert_eq!(v["status"], "building");
    wait_built(&sb, &t, &id).await;
    let (_, hist) = get(&sb, "/api/deployments/history", &t).await;
    let mine: Vec<&Value> = hist
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["appId"] == id.as_str())
        .collect();
    assert_eq!(mine.len(), 2, "newest first, both deployments");
    let first = mine[1]["id"].as_str().unwrap();
    let (s, v) = post(
        &sb,
        "/api/apps/rollback",
        &t,
        json!({"id": id, "deploymentId": first}),
    )
    .await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["activeImage"], mine[1]["image"]);
    let (s, v) = post(
        &sb,
        "/api/apps/rollback",
        &t,
        json!({"id": id, "deploymentId": "nope"}),
    )
    .await;
    assert_eq!(
        (s, v["error"].as_str().unwrap()),
        (404, "Deployment not found")
    );

    let (_, other) = deployed(&sb, "other").await;
    let (s, v) = post(
        &sb,
        "/api/apps/rename",
        &t,
        json!({"id": id, "name": "other"}),
    )
    .await;
    assert_eq!(s, 200);
    assert!(
        v["name"].as_str().unwrap().starts_with("other-"),
        "collision suffix: {v}"
    );
    assert_ne!(other["id"], v["id"]);
    let (s, v) = post(
        &sb,
        "/api/apps/rename",
        &t,
        json!({"id": id, "name": "Bad Name"}),
    )
    .await;
    assert_eq!(s, 400);
    assert!(v["error"].as_str().unwrap().starts_with("invalid name"));

    let (s, v) = post(&sb, "/api/apps/delete", &t, json!({"id": id})).await;
    assert_eq!((s, v), (200, json!({"status": "deleted"})));
    let (s, v) = get(&sb, &format!("/api/apps/get?id={id}"), &t).await;
    assert_eq!((s, v), (404, json!({"error": "App not found"})));
    sb.shutdown().await;
}

#[tokio::test]
async fn update_is_a_near_full_replace() {
    let sb = start().await;
    let t = sb.admin_token().to_string();
    let (id, _) = deployed(&sb, "quirk").await;
    // Partial body: the omitted fields are wiped, envVars (omitted) kept, domains kept.
    let (s, v) = post(
        &sb,
        "/api/apps/update",
        &t,
        json!({"id": id, "memory": "1g"}),
    )
    .await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["memory"], "1g");
    assert_eq!(v["gitRepo"], "", "gitRepo wiped when omitted");
    assert_eq!(v["branch"], "");
    assert_eq!(v["cpus"], "");
    assert_eq!(v["healthPath"], "");
    assert_eq!(v["secretKeys"], Value::Null, "secretKeys wiped");
    assert_eq!(v["envVars"]["MODE"], "prod", "envVars kept when omitted");
    // `***` with the key listed in secretKeys keeps the stored secret ...
    let (_, v) = post(
        &sb,
        "/api/apps/update",
        &t,
        json!({"id": id, "envVars": {"API_KEY": "***"}, "secretKeys": ["API_KEY"]}),
    )
    .await;
    assert_eq!(v["envVars"]["API_KEY"], "***");
    let (_, v) = post(
        &sb,
        "/api/apps/update",
        &t,
        json!({"id": id, "envVars": {"API_KEY": "***"}}),
    )
    .await;
    // ... without it, the literal `***` is stored and now shows unmasked.
    assert_eq!(v["envVars"]["API_KEY"], "***");
    assert_eq!(v["secretKeys"], Value::Null);
    sb.shutdown().await;
}

#[tokio::test]
async fn get_modify_send_back_keeps_every_field() {
    let sb = start().await;
    let t = sb.admin_token().to_string();
    let (id, app) = deployed(&sb, "roundtrip").await;
    let mut body = app.clone();
    body["memory"] = json!("256m");
    let (s, v) = post(&sb, "/api/apps/update", &t, body).await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["memory"], "256m");
    for k in [
        "gitRepo",
        "branch",
        "cpus",
        "healthPath",
        "secretKeys",
        "envVars",
    ] {
        assert_eq!(v[k], app[k], "{k} survives the round trip");
    }
    let (_, again) = get(&sb, &format!("/api/apps/get?id={id}"), &t).await;
    assert_eq!(again["envVars"]["API_KEY"], "***");
    sb.shutdown().await;
}

#[tokio::test]
async fn validation_messages() {
    let sb = start().await;
    let t = sb.admin_token().to_string();
    let cases = [
        (json!({"name": "x"}), "name and gitRepo are required"),
        (
            json!({"name": "A", "gitRepo": "r"}),
            "invalid name: use 2-40 lowercase letters, digits, or hyphens (must start and end alphanumeric)",
        ),
        (
            json!({"name": "ok-name", "gitRepo": "r", "memory": "lots"}),
            "invalid memory limit",
        ),
        (
            json!({"name": "ok-name", "gitRepo": "r", "cpus": "0"}),
            "invalid cpus",
        ),
        (
            json!({"name": "ok-name", "gitRepo": "r", "domains": ["bad_domain"]}),
            "invalid domain \"bad_domain\"",
        ),
        (
            json!({"name": "ok-name", "gitRepo": "r", "volumes": ["data"]}),
            "invalid volume",
        ),
        (
            json!({"name": "ok-name", "gitRepo": "r", "rootDir": "../up"}),
            "invalid root directory path",
        ),
        (
            json!({"name": "ok-name", "gitRepo": "r", "buildMethod": "magic"}),
            "invalid build method",
        ),
    ];
    for (body, want) in cases {
        let (s, v) = post(&sb, "/api/deploy", &t, body.clone()).await;
        assert_eq!(s, 400, "{body}");
        assert!(
            v["error"].as_str().unwrap().starts_with(want),
            "{body}: {v}"
        );
    }
    let (s, v) = post(
        &sb,
        "/api/agents/create",
        &t,
        json!({"name": "x", "scopes": ["apps:fly"]}),
    )
    .await;
    assert_eq!((s, v), (400, json!({"error": "invalid scope: apps:fly"})));
    let (s, v) = post(
        &sb,
        "/api/addons/create",
        &t,
        json!({"type": "mongo", "name": "db1"}),
    )
    .await;
    assert_eq!(s, 400);
    assert!(
        v["error"]
            .as_str()
            .unwrap()
            .starts_with("Unsupported add-on type")
    );
    let (s, v) = json(&sb, reqwest::Method::POST, "/api/deploy", Some(&t), None).await;
    assert_eq!(s, 400);
    assert!(v["error"].as_str().unwrap().starts_with("Bad request"));
    let (s, v) = get(&sb, "/api/apps/get", &t).await;
    assert_eq!((s, v), (400, json!({"error": "Missing id"})));
    sb.shutdown().await;
}

#[tokio::test]
async fn runtime_logs_accumulate_while_running() {
    let sb = start().await;
    let t = sb.admin_token().to_string();
    let (id, _) = deployed(&sb, "logger").await;
    let reader = sb.create_agent("logs", &["logs:read"]).await.unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(1200)).await;
    let (s, v) = get(
        &sb,
        &format!("/api/apps/runtime-logs?id={id}&lines=2"),
        &reader.token,
    )
    .await;
    assert_eq!(s, 200, "{v}");
    let logs = v["logs"].as_array().unwrap();
    assert_eq!(logs.len(), 2);
    for l in logs {
        let l = l.as_str().unwrap();
        assert!(l.starts_with('['), "{l}");
        let ts = &l[1..l.find(']').unwrap()];
        assert!(chrono::DateTime::parse_from_rfc3339(ts).is_ok(), "{ts}");
    }
    let (s, v) = get(&sb, "/api/apps/runtime-logs?id=nosuchapp", &t).await;
    assert_eq!((s, v), (404, json!({"error": "App not found"})));
    sb.shutdown().await;
}

#[tokio::test]
async fn failed_build_marks_app_and_deployment_failed() {
    let sb = start().await;
    let t = sb.admin_token().to_string();
    let (_, app) = post(
        &sb,
        "/api/deploy",
        &t,
        json!({"name": "doomed", "gitRepo": "https://github.com/me/fail"}),
    )
    .await;
    let id = app["id"].as_str().unwrap();
    let app = wait_built(&sb, &t, id).await;
    assert_eq!(app["status"], "failed");
    let (_, hist) = get(&sb, "/api/deployments/history", &t).await;
    assert_eq!(hist[0]["status"], "failed");
    sb.shutdown().await;
}

#[tokio::test]
async fn domains_add_remove_and_conflict() {
    let sb = start().await;
    let t = sb.admin_token().to_string();
    let (a, _) = deployed(&sb, "dom-a").await;
    let (b, _) = deployed(&sb, "dom-b").await;
    let (s, v) = post(
        &sb,
        "/api/apps/domains/add",
        &t,
        json!({"id": a, "domain": "Shop.Example.com."}),
    )
    .await;
    assert_eq!(s, 200);
    assert_eq!(v["domains"], json!(["shop.example.com"]));
    let (s, v) = post(
        &sb,
        "/api/apps/domains/add",
        &t,
        json!({"id": b, "domain": "shop.example.com"}),
    )
    .await;
    assert_eq!(
        (s, v),
        (
            409,
            json!({"error": "Domain already attached to \"dom-a\""})
        )
    );
    let (s, v) = post(
        &sb,
        "/api/apps/domains/remove",
        &t,
        json!({"id": a, "domain": "shop.example.com"}),
    )
    .await;
    assert_eq!(s, 200);
    assert_eq!(v["domains"], json!([]));
    sb.shutdown().await;
}
