//! Browser connect flow (spec §3.12, paas-cli.md §3), the dashboard page, and fault injection.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test helpers

mod common;

use std::time::Duration;

use common::*;
use paas_sandbox::{Fault, FaultKind, SandboxOptions};
use reqwest::Method;
use serde_json::{Value, json};

const STATE: &str = "0123456789abcdef0123456789abcdef0123456789abcdef";

fn query_param(url: &str, key: &str) -> String {
    let q = url.split_once('?').unwrap().1;
    q.split('&')
        .find_map(|kv| kv.strip_prefix(&format!("{key}=")))
        .unwrap()
        .to_string()
}

#[tokio::test]
async fn approve_then_exchange_once() {
    let sb = start().await;
    let t = sb.admin_token().to_string();
    let (s, v) = post(
        &sb,
        "/api/connect/agent/approve",
        &t,
        json!({"state": STATE, "profile": "Observer", "name": "laptop CLI", "port": 40123}),
    )
    .await;
    assert_eq!(s, 200, "{v}");
    let cb = v["callbackUrl"].as_str().unwrap();
    assert!(
        cb.starts_with("http://127.0.0.1:40123/callback?code="),
        "{cb}"
    );
    assert_eq!(query_param(cb, "state"), STATE);
    let code = query_param(cb, "code");
    assert_eq!(code.len(), 64);
    // The agent exists immediately, with the profile's scopes.
    let (_, agents) = get(&sb, "/api/agents", &t).await;
    assert_eq!(agents[0]["id"], v["agentId"]);
    assert_eq!(
        agents[0]["scopes"],
        json!(["apps:read", "logs:read", "metrics:read"])
    );

    let body = json!({"state": STATE, "code": code});
    let (s, x) = json(
        &sb,
        Method::POST,
        "/api/connect/agent/exchange",
        None,
        Some(body.clone()),
    )
    .await;
    assert_eq!(s, 200, "{x}");
    assert_eq!(x["url"], sb.url());
    assert_eq!(x["profile"], "observer");
    assert_eq!(x["name"], "laptop CLI");
    assert_eq!(x["agentId"], v["agentId"]);
    let token = x["token"].as_str().unwrap();
    assert!(token.starts_with("bpagt_"));
    let (s, _) = get(&sb, "/api/apps", token).await;
    assert_eq!(s, 200);
    let (s, e) = post(&sb, "/api/apps/stop", token, json!({"id": "x"})).await;
    assert_eq!(
        (s, e),
        (403, json!({"error": "Forbidden: missing scope apps:write"}))
    );
    // One-time.
    let (s, e) = json(
        &sb,
        Method::POST,
        "/api/connect/agent/exchange",
        None,
        Some(body),
    )
    .await;
    assert_eq!(
        (s, e),
        (401, json!({"error": "Invalid or expired connect code"}))
    );
    let (s, e) = json(
        &sb,
        Method::POST,
        "/api/connect/agent/exchange",
        None,
        Some(json!({})),
    )
    .await;
    assert_eq!((s, e), (400, json!({"error": "Invalid request"})));
    // Exchange is not audited; approve is (empty resource type); the refused stop is too.
    let (_, audit) = get(&sb, "/api/audit-logs", &t).await;
    let actions: Vec<&str> = audit
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions, vec!["app:stop", "POST /api/connect/agent/approve"]);
    assert_eq!(audit[1]["resourceType"], "");
    sb.shutdown().await;
}

#[tokio::test]
async fn wrong_code_burns_the_session() {
    let sb = start().await;
    let t = sb.admin_token().to_string();
    let (_, v) = post(
        &sb,
        "/api/connect/agent/approve",
        &t,
        json!({"state": STATE, "profile": "deployer", "name": "n", "port": 2000}),
    )
    .await;
    let code = query_param(v["callbackUrl"].as_str().unwrap(), "code");
    let (s, _) = json(
        &sb,
        Method::POST,
        "/api/connect/agent/exchange",
        None,
        Some(json!({"state": STATE, "code": "guess"})),
    )
    .await;
    assert_eq!(s, 401);
    let (s, _) = json(
        &sb,
        Method::POST,
        "/api/connect/agent/exchange",
        None,
        Some(json!({"state": STATE, "code": code})),
    )
    .await;
    assert_eq!(s, 401, "the right code no longer works");
    sb.shutdown().await;
}

#[tokio::test]
async fn approve_validation_and_admin_only() {
    let sb = start().await;
    let t = sb.admin_token().to_string();
    let cases = [
        (
            json!({"state": "short", "profile": "deployer", "name": "n", "port": 2000}),
            "Invalid state",
        ),
        (
            json!({"state": STATE, "profile": "deployer", "name": "n", "port": 80}),
            "Invalid callback port",
        ),
        (
            json!({"state": STATE, "profile": "root", "name": "n", "port": 2000}),
            "Invalid profile",
        ),
        (
            json!({"state": STATE, "profile": "deployer", "name": " ", "port": 2000}),
            "name is required",
        ),
    ];
    for (body, want) in cases {
        let (s, v) = post(&sb, "/api/connect/agent/approve", &t, body).await;
        assert_eq!((s, v), (400, json!({"error": want})));
    }
    let agent = sb.create_agent("op", &["apps:read"]).await.unwrap();
    let (s, v) = post(&sb, "/api/connect/agent/approve", &agent.token, json!({})).await;
    assert_eq!(
        (s, v),
        (403, json!({"error": "Forbidden: admin token required"}))
    );
    sb.shutdown().await;
}

#[tokio::test]
async fn dashboard_page_and_manifest_point_at_the_sandbox() {
    let sb = start().await;
    let (_, m) = json(
        &sb,
        Method::GET,
        "/.well-known/better-paas.json",
        None,
        None,
    )
    .await;
    assert_eq!(m, json!({"apiUrl": sb.url(), "uiUrl": sb.url()}));
    let r = client()
        .get(format!(
            "{}/connect/agent?state={STATE}&port=40000",
            sb.url()
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200, "served without a token");
    assert!(
        r.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    let html = r.text().await.unwrap();
    for id in [
        "admin-token",
        "agent-name",
        "profile-observer",
        "profile-deployer",
        "profile-operator",
        "authorize",
    ] {
        assert!(html.contains(&format!("id=\"{id}\"")), "element #{id}");
    }
    assert!(html.contains("/api/connect/agent/approve"));
    assert!(html.contains("callbackUrl"));
    let sb2 = start_with(SandboxOptions {
        ui_url: Some("http://localhost:3000".into()),
        ..SandboxOptions::default()
    })
    .await;
    let (_, m) = json(
        &sb2,
        Method::GET,
        "/.well-known/better-paas.json",
        None,
        None,
    )
    .await;
    assert_eq!(m["uiUrl"], "http://localhost:3000");
    sb2.shutdown().await;
    sb.shutdown().await;
}

#[tokio::test]
async fn faults_through_the_rust_handle() {
    let sb = start().await;
    let t = sb.admin_token().to_string();
    let faults = sb.faults();
    faults.inject(Fault::new(FaultKind::Status(503), 1).on("/api/apps"));
    let (s, v) = get(&sb, "/api/health", &t).await;
    assert_eq!(s, 200, "other paths untouched: {v}");
    let (s, v) = get(&sb, "/api/apps", &t).await;
    assert_eq!(s, 503);
    assert!(v["error"].is_string());
    let (s, _) = get(&sb, "/api/apps", &t).await;
    assert_eq!(s, 200, "count consumed");

    faults.inject(Fault::new(
        FaultKind::TooManyRequests {
            retry_after_secs: 7,
        },
        1,
    ));
    let r = call(&sb, Method::GET, "/api/apps", Some(&t), None).await;
    assert_eq!(r.status().as_u16(), 429);
    assert_eq!(r.headers()["retry-after"], "7");

    faults.inject(Fault::new(FaultKind::DropConnection, 1));
    let dropped = client()
        .get(format!("{}/api/apps", sb.url()))
        .bearer_auth(&t)
        .send()
        .await;
    assert!(dropped.is_err(), "connection closed without a response");

    faults.inject(Fault::new(FaultKind::MalformedJson, 1));
    let r = call(&sb, Method::GET, "/api/apps", Some(&t), None).await;
    assert_eq!(r.status().as_u16(), 200);
    assert!(r.json::<Value>().await.is_err());

    faults.inject(Fault::new(FaultKind::Latency(Duration::from_millis(50)), 2));
    faults.clear();
    assert_eq!(faults.pending(), 0);
    let (s, _) = get(&sb, "/api/apps", &t).await;
    assert_eq!(s, 200);
    sb.shutdown().await;
}

#[tokio::test]
async fn fault_route_exists_only_when_enabled_and_is_admin_only() {
    let off = start().await;
    let (s, _) = json(
        &off,
        Method::POST,
        "/__sandbox/faults",
        Some(off.admin_token()),
        Some(json!({"kind": "status"})),
    )
    .await;
    assert_eq!(s, 404, "not there unless enabled");
    off.shutdown().await;

    let sb = start_with(SandboxOptions {
        fault_route: true,
        ..SandboxOptions::default()
    })
    .await;
    let t = sb.admin_token().to_string();
    let agent = sb.create_agent("a", &["apps:read"]).await.unwrap();
    let (s, v) = post(
        &sb,
        "/__sandbox/faults",
        &agent.token,
        json!({"kind": "status"}),
    )
    .await;
    assert_eq!(
        (s, v),
        (403, json!({"error": "Forbidden: admin token required"}))
    );
    let (s, v) = post(
        &sb,
        "/__sandbox/faults",
        &t,
        json!({"kind": "status", "status": 502, "pathPrefix": "/api/apps", "count": 2}),
    )
    .await;
    assert_eq!(s, 200, "{v}");
    for _ in 0..2 {
        let (s, _) = get(&sb, "/api/apps", &agent.token).await;
        assert_eq!(s, 502);
    }
    let (s, _) = get(&sb, "/api/apps", &agent.token).await;
    assert_eq!(s, 200);
    post(
        &sb,
        "/__sandbox/faults",
        &t,
        json!({"kind": "status", "count": 5}),
    )
    .await;
    let (s, v) = json(&sb, Method::DELETE, "/__sandbox/faults", Some(&t), None).await;
    assert_eq!((s, v), (200, json!({"status": "cleared"})));
    let (s, _) = get(&sb, "/api/apps", &agent.token).await;
    assert_eq!(s, 200);
    let (s, v) = post(&sb, "/__sandbox/faults", &t, json!({"kind": "explode"})).await;
    assert_eq!(s, 400);
    assert!(v["error"].as_str().unwrap().contains("unknown fault kind"));
    sb.shutdown().await;
}
