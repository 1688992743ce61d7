//! Audit log rules of spec §5.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test helpers

mod common;

use common::*;
use reqwest::Method;
use serde_json::{Value, json};

async fn logs(sb: &paas_sandbox::Sandbox, q: &str) -> Value {
    let (s, v) = get(sb, &format!("/api/audit-logs{q}"), sb.admin_token()).await;
    assert_eq!(s, 200);
    v
}

#[tokio::test]
async fn empty_log_is_null_then_records_actor_action_and_resource() {
    let sb = start().await;
    assert_eq!(logs(&sb, "").await, Value::Null, "empty table is JSON null");
    let agent = sb
        .create_agent("deployer", &["apps:read", "apps:write", "deploy:trigger"])
        .await
        .unwrap();
    let (_, app) = post(
        &sb,
        "/api/deploy",
        &agent.token,
        json!({"name": "aud", "gitRepo": "https://github.com/x/y"}),
    )
    .await;
    // Not audited: GET, auth failures, public calls without an actor.
    get(&sb, "/api/apps", &agent.token).await;
    json(
        &sb,
        Method::POST,
        "/api/apps/stop",
        Some("wrong-token"),
        Some(json!({})),
    )
    .await;
    json(
        &sb,
        Method::POST,
        "/api/track",
        None,
        Some(json!({"s": "x"})),
    )
    .await;
    // Audited even though they fail: 403 from a guard, 404 unknown path, 400 bad body.
    post(
        &sb,
        "/api/apps/delete",
        &agent.token,
        json!({"id": app["id"]}),
    )
    .await;
    post(&sb, "/api/nope", &agent.token, json!({})).await;
    post(
        &sb,
        "/api/apps/stop",
        &agent.token,
        json!({"id": "missing"}),
    )
    .await;
    // Unmapped mutating route: literal "<METHOD> <path>", resourceType by prefix.
    post(
        &sb,
        "/api/apps/webhook/regenerate",
        &agent.token,
        json!({"id": app["id"]}),
    )
    .await;
    post(&sb, "/api/auth/ws-ticket", &agent.token, json!({})).await;

    let v = logs(&sb, "").await;
    let entries = v.as_array().unwrap();
    let actions: Vec<(&str, &str, &str)> = entries
        .iter()
        .map(|e| {
            (
                e["action"].as_str().unwrap(),
                e["resourceType"].as_str().unwrap(),
                e["actorType"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        actions,
        vec![
            ("POST /api/auth/ws-ticket", "", "agent"),
            ("POST /api/apps/webhook/regenerate", "app", "agent"),
            ("app:stop", "app", "agent"),
            ("POST /api/nope", "", "agent"),
            ("app:delete", "app", "agent"),
            ("app:deploy", "app", "agent"),
            ("agent:create", "agent", "admin"),
        ],
        "newest first"
    );
    for e in entries {
        assert_eq!(e["outcome"], "success", "outcome is always success");
        assert!(e.get("resourceId").is_none(), "resourceId always empty");
        assert_eq!(e["ipAddress"], "127.0.0.1");
    }
    assert_eq!(entries[0]["actorId"], agent.id.as_str());
    assert_eq!(entries.last().unwrap()["actorId"], "admin");
    sb.shutdown().await;
}

#[tokio::test]
async fn limit_quirk_falls_back_to_50() {
    let sb = start_with(paas_sandbox::SandboxOptions {
        rate_limit: false,
        ..Default::default()
    })
    .await;
    let t = sb.admin_token().to_string();
    for _ in 0..60 {
        post(&sb, "/api/system/onboarding/complete", &t, json!({})).await;
    }
    let n = |v: Value| v.as_array().unwrap().len();
    assert_eq!(n(logs(&sb, "").await), 50, "default 50");
    assert_eq!(n(logs(&sb, "?limit=3").await), 3);
    assert_eq!(n(logs(&sb, "?limit=500").await), 60);
    assert_eq!(
        n(logs(&sb, "?limit=501").await),
        50,
        "above 500 falls back to 50"
    );
    assert_eq!(n(logs(&sb, "?limit=0").await), 50);
    assert_eq!(n(logs(&sb, "?limit=-1").await), 50);
    assert_eq!(n(logs(&sb, "?limit=abc").await), 50);
    let v = logs(&sb, "?limit=1").await;
    assert_eq!(v[0]["action"], "POST /api/system/onboarding/complete");
    assert_eq!(v[0]["resourceType"], "system");
    sb.shutdown().await;
}

#[tokio::test]
async fn verify_is_audited_only_with_a_valid_token() {
    let sb = start().await;
    let (s, _) = json(&sb, Method::POST, "/api/auth/verify", Some("bad"), None).await;
    assert_eq!(s, 401);
    assert_eq!(logs(&sb, "").await, Value::Null);
    let (s, v) = json(
        &sb,
        Method::POST,
        "/api/auth/verify",
        Some(sb.admin_token()),
        None,
    )
    .await;
    assert_eq!((s, v), (200, json!({"valid": true})));
    // Body form when no header.
    let (s, _) = json(
        &sb,
        Method::POST,
        "/api/auth/verify",
        None,
        Some(json!({"token": sb.admin_token()})),
    )
    .await;
    assert_eq!(s, 200);
    let v = logs(&sb, "").await;
    assert_eq!(v.as_array().unwrap().len(), 2);
    assert_eq!(v[0]["action"], "POST /api/auth/verify");
    assert_eq!(v[0]["resourceType"], "");
    sb.shutdown().await;
}

#[tokio::test]
async fn lockout_doubles_and_success_clears_history() {
    let sb = start().await;
    let t = sb.admin_token().to_string();
    for _ in 0..4 {
        call(&sb, Method::GET, "/api/apps", Some("bad"), None).await;
    }
    // A success clears the history, so five more failures are free again.
    let (s, _) = get(&sb, "/api/apps", &t).await;
    assert_eq!(s, 200);
    for i in 0..5 {
        let r = call(&sb, Method::GET, "/api/apps", Some("bad"), None).await;
        assert_eq!(r.status().as_u16(), 401, "failure {i} is free");
    }
    // Empty token never counts.
    let r = call(&sb, Method::GET, "/api/apps", None, None).await;
    assert_eq!(r.status().as_u16(), 401);
    let r = call(&sb, Method::GET, "/api/apps", Some("bad"), None).await;
    assert_eq!(r.status().as_u16(), 429);
    assert_eq!(r.headers()["retry-after"], "2");
    tokio::time::sleep(std::time::Duration::from_millis(2100)).await;
    let r = call(&sb, Method::GET, "/api/apps", Some("bad"), None).await;
    assert_eq!(r.status().as_u16(), 429, "7th failure locks again");
    assert_eq!(r.headers()["retry-after"], "4", "doubled");
    // Public health stays reachable (no auth), verify is locked too.
    let r = call(&sb, Method::GET, "/api/health", None, None).await;
    assert_eq!(r.status().as_u16(), 200);
    let r = call(&sb, Method::POST, "/api/auth/verify", Some(&t), None).await;
    assert_eq!(r.status().as_u16(), 429);
    sb.shutdown().await;
}

#[tokio::test]
async fn rate_limiter_answers_429_with_retry_after_1() {
    let sb = start().await;
    let mut limited = None;
    for _ in 0..80 {
        let r = call(&sb, Method::GET, "/api/health", None, None).await;
        if r.status().as_u16() == 429 {
            limited = Some(r);
            break;
        }
    }
    let r = limited.expect("burst of 40 exhausted");
    assert_eq!(r.headers()["retry-after"], "1");
    let v: Value = r.json().await.unwrap();
    assert_eq!(v, json!({"error": "Too many requests"}));
    sb.shutdown().await;
}

async fn from(sb: &paas_sandbox::Sandbox, ip: &str, token: &str) -> u16 {
    client()
        .get(format!("{}/api/apps", sb.url()))
        .bearer_auth(token)
        .header("X-Forwarded-For", ip)
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

#[tokio::test]
async fn lockout_is_per_client_ip_behind_a_trusted_proxy() {
    let sb = start_with(paas_sandbox::SandboxOptions {
        trust_proxy: true,
        ..Default::default()
    })
    .await;
    for _ in 0..5 {
        assert_eq!(from(&sb, "198.51.100.1", "bad").await, 401);
    }
    assert_eq!(from(&sb, "198.51.100.1", "bad").await, 429);
    let admin: &'static str = Box::leak(sb.admin_token().to_string().into_boxed_str());
    assert_eq!(
        from(&sb, "198.51.100.2", admin).await,
        200,
        "another client is not locked"
    );
    let r = client()
        .post(format!("{}/api/system/onboarding/complete", sb.url()))
        .bearer_auth(admin)
        .header("X-Forwarded-For", "198.51.100.9, 10.0.0.1")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    let (_, v) = get(&sb, "/api/audit-logs?limit=1", admin).await;
    assert_eq!(
        v[0]["ipAddress"], "198.51.100.9",
        "first X-Forwarded-For hop"
    );
    sb.shutdown().await;
}
