//! Core behaviour: auth gate, errors, agents, deploy lifecycle, audit, lockout.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test helpers

mod common;

use common::*;
use reqwest::Method;
use serde_json::json;

#[tokio::test]
async fn health_and_manifest_are_public() {
    let sb = start().await;
    let (s, v) = json(&sb, Method::GET, "/api/health", None, None).await;
    assert_eq!(s, 200);
    assert_eq!(v["status"], "healthy");
    let (s, v) = json(
        &sb,
        Method::GET,
        "/.well-known/better-paas.json",
        None,
        None,
    )
    .await;
    assert_eq!(s, 200);
    assert_eq!(v["apiUrl"], sb.url());
    sb.shutdown().await;
}

#[tokio::test]
async fn unknown_path_is_401_without_token_and_plain_404_with_one() {
    let sb = start().await;
    let r = call(&sb, Method::GET, "/api/nope", None, None).await;
    assert_eq!(r.status().as_u16(), 401);
    assert_eq!(
        r.json::<serde_json::Value>().await.unwrap(),
        json!({"error": "Unauthorized"})
    );
    let r = call(&sb, Method::GET, "/api/nope", Some(sb.admin_token()), None).await;
    assert_eq!(r.status().as_u16(), 404);
    assert!(
        r.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/plain")
    );
    assert_eq!(r.text().await.unwrap(), "404 page not found\n");
    sb.shutdown().await;
}

#[tokio::test]
async fn options_preflight_is_204_before_auth() {
    let sb = start().await;
    let r = call(&sb, Method::OPTIONS, "/api/apps", None, None).await;
    assert_eq!(r.status().as_u16(), 204);
    sb.shutdown().await;
}

#[tokio::test]
async fn agent_deploys_and_app_becomes_running_with_build_log() {
    let sb = start().await;
    let agent = sb
        .create_agent(
            "ci",
            &["apps:read", "apps:write", "deploy:trigger", "logs:read"],
        )
        .await
        .unwrap();
    assert!(agent.token.starts_with("bpagt_"));
    assert_eq!(agent.token.len(), 70);
    let (s, app) = post(
        &sb,
        "/api/deploy",
        &agent.token,
        json!({"name": "my-api", "gitRepo": "https://github.com/me/my-api", "branch": "main"}),
    )
    .await;
    assert_eq!(s, 200, "{app}");
    assert_eq!(app["status"], "building");
    let id = app["id"].as_str().unwrap().to_string();
    let done = wait_built(&sb, &agent.token, &id).await;
    assert_eq!(done["status"], "running");
    let (_, hist) = get(&sb, "/api/deployments/history", &agent.token).await;
    let dep = &hist[0];
    assert_eq!(dep["appId"], id.as_str());
    assert_eq!(dep["status"], "success");
    assert!(dep["logs"].as_array().unwrap().len() > 3);
    // Same name again: collision suffix, not an error.
    let (s, again) = post(
        &sb,
        "/api/deploy",
        &agent.token,
        json!({"name": "my-api", "gitRepo": "https://github.com/me/my-api"}),
    )
    .await;
    assert_eq!(s, 200);
    assert_ne!(again["name"], "my-api");
    assert!(again["name"].as_str().unwrap().starts_with("my-api-"));
    sb.shutdown().await;
}

#[tokio::test]
async fn guard_runs_before_method_check() {
    let sb = start().await;
    let reader = sb.create_agent("r", &["apps:read"]).await.unwrap();
    let (s, v) = json(
        &sb,
        Method::GET,
        "/api/apps/stop",
        Some(&reader.token),
        None,
    )
    .await;
    assert_eq!(
        (s, v),
        (403, json!({"error": "Forbidden: missing scope apps:write"}))
    );
    let writer = sb.create_agent("w", &["apps:write"]).await.unwrap();
    let (s, v) = json(
        &sb,
        Method::GET,
        "/api/apps/stop",
        Some(&writer.token),
        None,
    )
    .await;
    assert_eq!((s, v), (405, json!({"error": "Method not allowed"})));
    sb.shutdown().await;
}

#[tokio::test]
async fn lockout_after_five_failures_with_retry_after() {
    let sb = start().await;
    for _ in 0..5 {
        let r = call(&sb, Method::GET, "/api/apps", Some("wrong"), None).await;
        assert_eq!(r.status().as_u16(), 401);
    }
    let r = call(&sb, Method::GET, "/api/apps", Some("wrong"), None).await;
    assert_eq!(r.status().as_u16(), 429);
    assert_eq!(r.headers()["retry-after"], "2");
    // Even the admin token is refused while locked.
    let r = call(&sb, Method::GET, "/api/apps", Some(sb.admin_token()), None).await;
    assert_eq!(r.status().as_u16(), 429);
    let v: serde_json::Value = r.json().await.unwrap();
    assert_eq!(v["error"], "Too many failed attempts. Try again later.");
    sb.shutdown().await;
}

/// A raw JSON body, as curl `-d` sends it.
async fn post_raw(sb: &paas_sandbox::Sandbox, path: &str, body: &str) -> (u16, serde_json::Value) {
    let r = client()
        .post(format!("{}{path}", sb.url()))
        .bearer_auth(sb.admin_token())
        .body(body.to_string())
        .send()
        .await
        .unwrap();
    let s = r.status().as_u16();
    (s, r.json().await.unwrap_or_default())
}

/// Bodies are decoded like Go's `json.NewDecoder(r.Body).Decode`: the first value only, and
/// `null` is a no-op that leaves every field empty.
#[tokio::test]
async fn json_bodies_decode_like_gos_decoder() {
    let sb = start().await;
    let admin = sb.admin_token().to_string();
    let (_, app) = post(
        &sb,
        "/api/deploy",
        &admin,
        json!({"name": "dec", "gitRepo": "g"}),
    )
    .await;
    let id = app["id"].as_str().unwrap();
    wait_built(&sb, &admin, id).await;
    let (s, v) = post_raw(
        &sb,
        "/api/apps/start",
        &format!(r#"{{"id":"{id}"}} trailing"#),
    )
    .await;
    assert_eq!(s, 200, "data after the first value is not read: {v}");
    let (s, v) = post_raw(
        &sb,
        "/api/apps/stop",
        &format!(r#"{{"id":"{id}"}}{{"id":"x"}}"#),
    )
    .await;
    assert_eq!(
        (s, v["status"].clone()),
        (200, json!("stopped")),
        "first value wins"
    );
    let (s, v) = post_raw(&sb, "/api/apps/start", "null").await;
    assert_eq!(
        (s, v),
        (404, json!({"error": "App not found"})),
        "null: empty id"
    );
    let (s, v) = post_raw(&sb, "/api/deploy", " null ").await;
    assert_eq!(s, 400, "null reaches validation: {v}");
    assert!(
        !v["error"].as_str().unwrap().starts_with("Bad request"),
        "{v}"
    );
    let (s, v) = post_raw(&sb, "/api/apps/start", "").await;
    assert_eq!((s, v), (400, json!({"error": "Bad request: EOF"})));
    let (s, v) = post_raw(&sb, "/api/apps/start", r#"{"id": "#).await;
    assert_eq!(s, 400, "{v}");
    assert!(
        v["error"].as_str().unwrap().starts_with("Bad request: "),
        "{v}"
    );
    sb.shutdown().await;
}
