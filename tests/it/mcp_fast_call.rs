//! `tools/call` over stdio is answered beside rmcp's service loop in sessions opened with
//! `initialize` (see `src/mcp/fast_call.rs`). These tests prove the fast path is taken,
//! that it answers exactly as rmcp's dispatch does (a 2026-07-28 session goes through rmcp),
//! and that a cancelled call gets no answer while the server goes on.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::process::Stdio;
use std::time::Duration;

use paas_mcp::catalog::Profile;
use paas_sandbox::{Fault, FaultKind};
use rmcp::model::{CallToolRequestParams, ProtocolVersion};
use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};

use crate::support::mcp::{World, connect, connect_with};

/// What a client reads of a tool call: the result's content, structured content and error
/// flag, or the JSON-RPC error.
async fn outcome(client: &crate::support::mcp::Client, name: &str, args: Value) -> Value {
    let mut params = CallToolRequestParams::new(name.to_owned());
    params.arguments = args.as_object().cloned();
    match client.call_tool(params).await {
        Ok(result) => json!({
            "content": result.content,
            "structuredContent": result.structured_content,
            "isError": result.is_error,
        }),
        Err(e) => json!({ "error": e.to_string() }),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_fast_path_answers_exactly_as_rmcps_dispatch() {
    let world = World::start().await;
    let (_, token) = world
        .agent("it-fast-same", Profile::Deployer.scopes())
        .await;
    let fast = connect(world.command(Some(&token), &[])).await;
    let rmcp_path = connect_with(
        world.command(Some(&token), &[]),
        ProtocolVersion::V_2026_07_28,
    )
    .await;
    let cases = [
        ("get_app", json!({ "app": "web-app" })),
        ("list_apps", json!({})),
        ("paas_get_app", json!({ "app": "shop-api" })),
        ("get_app", json!({ "app": "web-ap" })),
        ("get_app", json!({ "app": 42 })),
        ("delete_app", json!({ "app": "web-app" })),
        ("no_such_tool", json!({})),
        ("list_projects", json!({})),
    ];
    for (name, args) in cases {
        let a = outcome(&fast, name, args.clone()).await;
        let b = outcome(&rmcp_path, name, args.clone()).await;
        assert_eq!(a, b, "{name}({args}) answered differently");
    }
    fast.cancel().await.ok();
    rmcp_path.cancel().await.ok();
}

/// A raw line client: what an editor does, one JSON-RPC message per line.
struct Raw {
    child: tokio::process::Child,
    stdin: tokio::process::ChildStdin,
    lines: tokio::io::Lines<BufReader<tokio::process::ChildStdout>>,
}

impl Raw {
    async fn send(&mut self, message: Value) {
        let mut line = message.to_string();
        line.push('\n');
        self.stdin.write_all(line.as_bytes()).await.unwrap();
        self.stdin.flush().await.unwrap();
    }

    async fn next(&mut self, within: Duration) -> Option<Value> {
        let line = tokio::time::timeout(within, self.lines.next_line())
            .await
            .ok()?
            .unwrap()?;
        Some(serde_json::from_str(&line).unwrap())
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cancelled_fast_call_gets_no_answer_and_the_server_goes_on() {
    let world = World::start().await;
    let (_, token) = world
        .agent("it-fast-cancel", Profile::Observer.scopes())
        .await;
    let mut cmd = world.command(Some(&token), &[]);
    cmd.env("PAAS_LOG", "paas_mcp=debug")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().unwrap();
    let stdin = child.stdin.take().unwrap();
    let lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let stderr = child.stderr.take().unwrap();
    let logged = tokio::spawn(async move {
        let mut all = String::new();
        let mut lines = BufReader::new(stderr).lines();
        while let Ok(Some(line)) = lines.next_line().await {
            all.push_str(&line);
            all.push('\n');
        }
        all
    });
    let mut raw = Raw {
        child,
        stdin,
        lines,
    };
    let second = Duration::from_secs(10);
    raw.send(
        json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
        "protocolVersion": "2025-11-25", "capabilities": {},
        "clientInfo": {"name": "it-raw", "version": "1"}}}),
    )
    .await;
    assert_eq!(raw.next(second).await.unwrap()["id"], 1);
    raw.send(json!({"jsonrpc": "2.0", "method": "notifications/initialized"}))
        .await;
    raw.send(json!({"jsonrpc": "2.0", "id": 2, "method": "tools/call",
        "params": {"name": "list_apps", "arguments": {}}}))
        .await;
    let listed = raw.next(second).await.unwrap();
    assert_eq!(listed["id"], 2, "{listed}");
    assert!(
        listed["result"]["structuredContent"]["apps"].is_array(),
        "{listed}"
    );

    world
        .sandbox
        .faults()
        .inject(Fault::new(FaultKind::Latency(Duration::from_millis(1500)), 1).on("/api/apps"));
    raw.send(json!({"jsonrpc": "2.0", "id": 3, "method": "tools/call",
        "params": {"name": "list_apps", "arguments": {}}}))
        .await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    raw.send(
        json!({"jsonrpc": "2.0", "method": "notifications/cancelled",
        "params": {"requestId": 3, "reason": "user pressed escape"}}),
    )
    .await;
    raw.send(json!({"jsonrpc": "2.0", "id": 4, "method": "ping"}))
        .await;
    let pong = raw.next(second).await.unwrap();
    assert_eq!(pong["id"], 4, "{pong}");
    // Well past the PaaS's delay: nothing for the cancelled call.
    if let Some(late) = raw.next(Duration::from_millis(2500)).await {
        panic!("an answer after the cancel: {late}");
    }
    raw.send(json!({"jsonrpc": "2.0", "id": 5, "method": "tools/call",
        "params": {"name": "list_apps", "arguments": {}}}))
        .await;
    assert_eq!(raw.next(second).await.unwrap()["id"], 5);

    drop(raw.stdin);
    let status = tokio::time::timeout(second, raw.child.wait())
        .await
        .unwrap()
        .unwrap();
    assert!(status.success(), "{status:?}");
    let log = logged.await.unwrap();
    assert!(log.contains("tools/call on the fast path"), "{log}");
    assert!(log.contains("cancelled by the client"), "{log}");
}
