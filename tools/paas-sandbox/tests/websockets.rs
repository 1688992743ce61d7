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
