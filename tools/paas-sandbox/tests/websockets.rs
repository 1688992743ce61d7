//! WebSocket streams with one-use tickets (spec §8.3, §3.13), driven by a real WS client.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test helpers

mod common;

use std::time::Duration;

use common::*;
use futures_util::StreamExt;
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;

async fn ticket(sb: &paas_sandbox::Sandbox, token: &str) -> String {
    let (s, v) = post(sb, "/api/auth/ws-ticket", token, json!({})).await;
    assert_eq!(s, 200);
    v["ticket"].as_str().unwrap().to_string()
}

async fn next_json<S>(ws: &mut S) -> Value
where
    S: futures_util::Stream<Item = Result<Message, tokio_tungstenite::tungstenite::Error>> + Unpin,
{
    loop {
        let msg = tokio::time::timeout(Duration::from_secs(5), ws.next())
            .await
            .expect("a frame in time")
            .expect("stream open")
            .expect("frame ok");
        if let Message::Text(t) = msg {
            return serde_json::from_str(&t).unwrap();
        }
    }
}

#[tokio::test]
async fn build_log_is_replayed_then_followed() {
    let sb = start().await;
    let agent = sb
        .create_agent(
            "w",
            &["logs:read", "apps:write", "deploy:trigger", "apps:read"],
        )
        .await
        .unwrap();
    let (_, app) = post(
        &sb,
        "/api/deploy",
        &agent.token,
        json!({"name": "wsapp", "gitRepo": "g"}),
    )
    .await;
    let id = app["id"].as_str().unwrap();
    let t = ticket(&sb, &agent.token).await;
    let ws_url = format!("ws://{}/ws/logs?ticket={t}&appId={id}", sb.addr());
    let (mut ws, _) = tokio_tungstenite::connect_async(&ws_url).await.unwrap();
    let mut lines = Vec::new();
    while !lines
        .iter()
        .any(|l: &String| l.contains("Deployment successful"))
    {
        let f = next_json(&mut ws).await;
        assert!(f["timestamp"].is_string());
        lines.push(f["message"].as_str().unwrap().to_string());
    }
    assert!(lines[0].starts_with("Starting deployment"));
    // The ticket is single use.
    assert!(tokio_tungstenite::connect_async(&ws_url).await.is_err());
    sb.shutdown().await;
}

#[tokio::test]
async fn runtime_logs_and_stats_stream() {
    let sb = start().await;
    let admin = sb.admin_token().to_string();
    let (_, app) = post(
        &sb,
        "/api/deploy",
        &admin,
        json!({"name": "rt", "gitRepo": "g"}),
    )
    .await;
    let id = app["id"].as_str().unwrap();
    wait_built(&sb, &admin, id).await;
    let reader = sb.create_agent("r", &["apps:read"]).await.unwrap();
    let t = ticket(&sb, &reader.token).await;
    let (mut ws, _) = tokio_tungstenite::connect_async(format!(
        "ws://{}/ws/runtime-logs?ticket={t}&appId={id}",
        sb.addr()
    ))
    .await
    .unwrap();
    let f = next_json(&mut ws).await;
    assert!(f["message"].as_str().unwrap().starts_with('['), "{f}");

    let t = ticket(&sb, &reader.token).await;
    let (mut ws, _) =
        tokio_tungstenite::connect_async(format!("ws://{}/ws/stats?ticket={t}", sb.addr()))
            .await
            .unwrap();
    let f = next_json(&mut ws).await;
    assert_eq!(f["activeApps"], 1);
    assert!(f["cpuUsage"].is_number());
    sb.shutdown().await;
}

/// Opens `/ws/stats` with `origin` (if any); the handshake status and body.
async fn stats_with_origin(sb: &paas_sandbox::Sandbox, origin: Option<&str>) -> (u16, String) {
    use tokio_tungstenite::tungstenite::{Error, client::IntoClientRequest};
    let t = ticket(sb, sb.admin_token()).await;
    let mut req = format!("ws://{}/ws/stats?ticket={t}", sb.addr())
        .into_client_request()
        .unwrap();
    if let Some(o) = origin {
        req.headers_mut().insert("Origin", o.parse().unwrap());
    }
    match tokio_tungstenite::connect_async(req).await {
        Ok((_, resp)) => (resp.status().as_u16(), String::new()),
        Err(Error::Http(resp)) => {
            let body = resp.body().clone().unwrap_or_default();
            (resp.status().as_u16(), String::from_utf8(body).unwrap())
        }
        Err(e) => panic!("handshake: {e}"),
    }
}

/// Spec §8.3 step 3: no Origin, the API's hostname or the dashboard's origin are upgraded;
/// any other origin is refused with a plain-text 403 before the upgrade.
#[tokio::test]
async fn websocket_origin_check() {
    let sb = start_with(paas_sandbox::SandboxOptions {
        ui_url: Some("https://dash.example:3000/".into()),
        ..Default::default()
    })
    .await;
    let (s, body) = stats_with_origin(&sb, Some("http://evil.example.com")).await;
    assert_eq!((s, body.as_str()), (403, "Forbidden\n"));
    assert_eq!(stats_with_origin(&sb, None).await.0, 101);
    let same_host = format!("http://{}", sb.addr());
    assert_eq!(stats_with_origin(&sb, Some(&same_host)).await.0, 101);
    let other_port = "http://127.0.0.1:3000";
    assert_eq!(stats_with_origin(&sb, Some(other_port)).await.0, 101);
    let dashboard = "https://dash.example:3000";
    assert_eq!(stats_with_origin(&sb, Some(dashboard)).await.0, 101);
    let (s, _) = stats_with_origin(&sb, Some("https://dash.example.evil:3000")).await;
    assert_eq!(s, 403);
    sb.shutdown().await;
}
