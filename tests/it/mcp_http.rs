//! `paas mcp --http`: Streamable HTTP with rmcp's client, for each protocol version the
//! issue names (2025-06-18 Codex, 2025-11-25 Claude Code, 2026-07-28 Python SDK default).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::time::Duration;

use paas_mcp::catalog::Profile;
use rmcp::ServiceExt;
use rmcp::model::{ProtocolVersion, SubscriptionFilter};
use rmcp::service::{ClientLifecycleMode, ClientServiceExt};
use rmcp::transport::StreamableHttpClientTransport;
use rmcp::transport::streamable_http_client::StreamableHttpClientTransportConfig;
use serde_json::json;
use tokio::io::{AsyncBufReadExt, BufReader};

use crate::support::mcp::{Client, Watcher, World, call, command, is_error, text, tool_names};

const HTTP_TOKEN: &str = "it-http-bearer-0123456789";

/// A running `paas mcp --http 127.0.0.1:0` and its MCP endpoint URL.
struct HttpServer {
    /// Owned so the server dies with the test (kill on drop); only the Unix signal test
    /// reads it.
    #[cfg_attr(not(unix), allow(dead_code))]
    child: tokio::process::Child,
    url: String,
}

async fn start_http(world: &World, token: &str, extra: &[&str]) -> HttpServer {
    let mut args = vec!["--http", "127.0.0.1:0"];
    args.extend_from_slice(extra);
    let mut cmd = world.command(Some(token), &args);
    cmd.env("PAAS_MCP_HTTP_TOKEN", HTTP_TOKEN)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped());
    let mut child = cmd.spawn().unwrap();
    let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
    let url = tokio::time::timeout(Duration::from_secs(30), async {
        while let Some(line) = lines.next_line().await.unwrap() {
            if let Some(rest) = line.split("Streamable HTTP on ").nth(1) {
                return rest.trim().to_owned();
            }
        }
        panic!("paas mcp --http exited before listening");
    })
    .await
    .expect("listening within 30 s");
    // Keep draining stderr so the child never blocks on a full pipe.
    tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
    HttpServer { child, url }
}

fn transport(url: &str) -> StreamableHttpClientTransport<reqwest::Client> {
    StreamableHttpClientTransport::from_config(
        StreamableHttpClientTransportConfig::with_uri(url.to_owned()).auth_header(HTTP_TOKEN),
    )
}

async fn connect_http(url: &str, version: ProtocolVersion) -> Client {
    let watcher = Watcher::new(version.clone());
    if version.has_initialize() {
        watcher.serve(transport(url)).await.expect("HTTP handshake")
    } else {
        watcher
            .serve_with_lifecycle(
                transport(url),
                ClientLifecycleMode::Discover {
                    preferred_versions: vec![version],
                },
            )
            .await
            .expect("HTTP discover")
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn http_serves_every_negotiated_protocol_version() {
    let world = World::start().await;
    let (_, token) = world.agent("it-http", Profile::Observer.scopes()).await;
    let server = start_http(&world, &token, &[]).await;
    for version in [
        ProtocolVersion::V_2025_06_18,
        ProtocolVersion::V_2025_11_25,
        ProtocolVersion::V_2026_07_28,
    ] {
        let client = connect_http(&server.url, version.clone()).await;
        let names = tool_names(&client).await;
        assert!(names.contains("list_apps"), "{version}: {names:?}");
        assert!(!names.contains("deploy"), "{version}: observer sees deploy");
        let apps = call(&client, "list_apps", json!({})).await;
        assert!(!is_error(&apps), "{version}: {}", text(&apps));
        client.cancel().await.ok();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn http_requires_the_bearer_and_checks_host_and_origin() {
    let world = World::start().await;
    let (_, token) = world
        .agent("it-http-auth", Profile::Observer.scopes())
        .await;
    let server = start_http(&world, &token, &[]).await;
    let init = json!({"jsonrpc":"2.0","id":1,"method":"initialize","params":{
        "protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"raw","version":"1"}}});
    let http = reqwest::Client::new();
    let post = |auth: Option<&str>| {
        let mut req = http
            .post(&server.url)
            .header("accept", "application/json, text/event-stream")
            .json(&init);
        if let Some(auth) = auth {
            req = req.bearer_auth(auth);
        }
        req
    };
    assert_eq!(post(None).send().await.unwrap().status(), 401);
    assert_eq!(post(Some("wrong")).send().await.unwrap().status(), 401);
    assert!(
        post(Some(HTTP_TOKEN))
            .send()
            .await
            .unwrap()
            .status()
            .is_success()
    );
    let evil_host = post(Some(HTTP_TOKEN))
        .header("host", "evil.example:80")
        .send()
        .await
        .unwrap();
    assert!(
        evil_host.status().is_client_error(),
        "Host not checked: {}",
        evil_host.status()
    );
    let evil_origin = post(Some(HTTP_TOKEN))
        .header("origin", "http://evil.example")
        .send()
        .await
        .unwrap();
    assert!(
        evil_origin.status().is_client_error(),
        "Origin not checked: {}",
        evil_origin.status()
    );
    let huge = "x".repeat(8 * 1024 * 1024);
    let too_big = http
        .post(&server.url)
        .bearer_auth(HTTP_TOKEN)
        .header("accept", "application/json, text/event-stream")
        .header("content-type", "application/json")
        .body(huge)
        .send()
        .await
        .unwrap();
    assert_eq!(too_big.status(), 413);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn http_serves_many_concurrent_sessions() {
    let world = World::start().await;
    let (_, token) = world
        .agent("it-http-many", Profile::Deployer.scopes())
        .await;
    let server = start_http(&world, &token, &[]).await;
    let sessions = (0..6).map(|i| {
        let url = server.url.clone();
        async move {
            let version = if i % 2 == 0 {
                ProtocolVersion::V_2025_11_25
            } else {
                ProtocolVersion::V_2026_07_28
            };
            let client = connect_http(&url, version).await;
            let apps = call(&client, "list_apps", json!({})).await;
            assert!(!is_error(&apps), "session {i}: {}", text(&apps));
            client.cancel().await.ok();
        }
    });
    futures::future::join_all(sessions).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn http_sessions_hear_tools_list_changed() {
    let world = World::start().await;
    let (id, token) = world
        .agent("it-http-change", Profile::Observer.scopes())
        .await;
    let server = start_http(&world, &token, &[]).await;
    let legacy = connect_http(&server.url, ProtocolVersion::V_2025_11_25).await;
    let modern = connect_http(&server.url, ProtocolVersion::V_2026_07_28).await;
    let mut subscription = modern
        .peer()
        .listen(SubscriptionFilter::builder().tools_list_changed().build())
        .await
        .expect("subscriptions/listen");
    world
        .admin_post("/api/agents/delete", json!({ "id": id }))
        .await;
    let result = call(&legacy, "list_apps", json!({})).await;
    assert!(is_error(&result) && text(&result).contains("401"));
    assert!(legacy.service().wait_for(1, Duration::from_secs(15)).await);
    let note = tokio::time::timeout(Duration::from_secs(15), subscription.next())
        .await
        .expect("2026-07-28 subscription notified")
        .expect("subscription open");
    assert!(note.is_some());
    legacy.cancel().await.ok();
    modern.cancel().await.ok();
}

#[tokio::test]
async fn http_refuses_a_non_loopback_bind_without_allow_remote() {
    let home = tempfile::tempdir().unwrap();
    let out = command(home.path(), None, None, &["--http", "0.0.0.0:0"])
        .stdin(std::process::Stdio::null())
        .output()
        .await
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--allow-remote"));
}

#[cfg(unix)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn http_shuts_down_gracefully_on_ctrl_c() {
    let world = World::start().await;
    let (_, token) = world
        .agent("it-http-stop", Profile::Observer.scopes())
        .await;
    let mut server = start_http(&world, &token, &[]).await;
    let client = connect_http(&server.url, ProtocolVersion::V_2025_11_25).await;
    assert!(!tool_names(&client).await.is_empty());
    crate::support::mcp::send_signal("INT", server.child.id().unwrap());
    let status = tokio::time::timeout(Duration::from_secs(20), server.child.wait())
        .await
        .expect("exits after Ctrl-C")
        .unwrap();
    assert!(status.success(), "{status:?}");
    drop(client);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn http_generates_a_bearer_and_prints_it_once_on_stderr() {
    let world = World::start().await;
    let (_, token) = world.agent("it-http-gen", Profile::Observer.scopes()).await;
    let mut child = world
        .command(Some(&token), &["--http", "127.0.0.1:0"])
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
    let (mut url, mut bearer) = (None, None);
    while url.is_none() || bearer.is_none() {
        let line = tokio::time::timeout(Duration::from_secs(30), lines.next_line())
            .await
            .expect("banner within 30 s")
            .unwrap()
            .expect("banner before exit");
        assert!(!line.contains(&token), "the PaaS token was printed");
        if let Some(rest) = line.split("Streamable HTTP on ").nth(1) {
            url = Some(rest.trim().to_owned());
        }
        if let Some(rest) = line.split("Authorization: Bearer ").nth(1) {
            bearer = Some(rest.split('`').next().unwrap().trim().to_owned());
        }
    }
    let (url, bearer) = (url.unwrap(), bearer.unwrap());
    assert!(bearer.len() >= 32, "weak generated token");
    let transport = StreamableHttpClientTransport::from_config(
        StreamableHttpClientTransportConfig::with_uri(url).auth_header(bearer),
    );
    let client = Watcher::new(ProtocolVersion::V_2025_06_18)
        .serve(transport)
        .await
        .expect("handshake with the generated bearer");
    assert!(tool_names(&client).await.contains("list_apps"));
    client.cancel().await.ok();
}

#[cfg(unix)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn http_lets_a_call_in_flight_answer_before_stopping_on_sigterm() {
    let world = World::start().await;
    let (_, token) = world
        .agent("it-http-term", Profile::Observer.scopes())
        .await;
    let mut server = start_http(&world, &token, &[]).await;
    let client = connect_http(&server.url, ProtocolVersion::V_2025_11_25).await;
    assert!(tool_names(&client).await.contains("list_apps"));
    world.sandbox.faults().inject(
        paas_sandbox::Fault::new(
            paas_sandbox::FaultKind::Latency(Duration::from_millis(1500)),
            1,
        )
        .on("/api/apps"),
    );
    let call = tokio::spawn(async move {
        let result = call(&client, "list_apps", json!({})).await;
        (client, result)
    });
    tokio::time::sleep(Duration::from_millis(400)).await;
    crate::support::mcp::send_signal("TERM", server.child.id().unwrap());
    let (client, result) = tokio::time::timeout(Duration::from_secs(20), call)
        .await
        .expect("the call in flight is answered")
        .unwrap();
    assert!(!is_error(&result), "{}", text(&result));
    assert!(text(&result).contains("web-app"), "{}", text(&result));
    let status = tokio::time::timeout(Duration::from_secs(20), server.child.wait())
        .await
        .expect("exits after SIGTERM")
        .unwrap();
    assert!(status.success(), "{status:?}");
    drop(client);
}

/// A raw POST to the MCP endpoint with the bearer; returns status, content type and body.
async fn raw_post(url: &str, body: &str) -> (u16, String, String) {
    let response = reqwest::Client::new()
        .post(url)
        .bearer_auth(HTTP_TOKEN)
        .header("Content-Type", "application/json")
        .header("Accept", "application/json, text/event-stream")
        .body(body.to_owned())
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    let kind = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    (status, kind, response.text().await.unwrap())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn http_answers_a_body_that_is_no_message_with_400_and_a_json_rpc_error() {
    let world = World::start().await;
    let (_, token) = world.agent("it-http-bad", Profile::Observer.scopes()).await;
    let server = start_http(&world, &token, &[]).await;
    let cases = [
        ("hello", -32700, "Parse error"),
        (
            r#"[{"jsonrpc":"2.0","id":1,"method":"ping"}]"#,
            -32600,
            "batches",
        ),
        (
            r#"{"jsonrpc":"2.0","id":7,"what":"ping"}"#,
            -32600,
            "Invalid Request",
        ),
    ];
    for (body, code, needle) in cases {
        let (status, kind, text) = raw_post(&server.url, body).await;
        assert_eq!(status, 400, "{body}: {text}");
        assert!(kind.starts_with("application/json"), "{body}: {kind}");
        let answer: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(answer["jsonrpc"], "2.0", "{text}");
        assert_eq!(answer["error"]["code"], code, "{body}: {text}");
        let message = answer["error"]["message"].as_str().unwrap();
        assert!(message.contains(needle), "{body}: {message}");
    }
    // The id of a request that can be read is given back.
    let (_, _, text) = raw_post(&server.url, cases[2].0).await;
    assert!(text.contains(r#""id":7"#), "{text}");
    // A real media-type problem is still 415.
    let response = reqwest::Client::new()
        .post(&server.url)
        .bearer_auth(HTTP_TOKEN)
        .header("Content-Type", "text/plain")
        .header("Accept", "application/json, text/event-stream")
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 415);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn http_session_delete_answers_204_and_ends_the_session() {
    let world = World::start().await;
    let (_, token) = world.agent("it-http-del", Profile::Observer.scopes()).await;
    let server = start_http(&world, &token, &[]).await;
    let init = json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
        "protocolVersion": "2025-11-25", "capabilities": {},
        "clientInfo": {"name": "it", "version": "1"}}});
    let http = reqwest::Client::new();
    let response = http
        .post(&server.url)
        .bearer_auth(HTTP_TOKEN)
        .header("Accept", "application/json, text/event-stream")
        .json(&init)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 200);
    let session = response
        .headers()
        .get("mcp-session-id")
        .expect("a session id")
        .to_str()
        .unwrap()
        .to_owned();
    let delete = |session: String| {
        http.delete(&server.url)
            .bearer_auth(HTTP_TOKEN)
            .header("Mcp-Session-Id", session)
            .header("MCP-Protocol-Version", "2025-11-25")
            .send()
    };
    // 204: what the official Python SDK expects (it warns on 202).
    assert_eq!(
        delete(session.clone()).await.unwrap().status().as_u16(),
        204
    );
    let after = http
        .post(&server.url)
        .bearer_auth(HTTP_TOKEN)
        .header("Accept", "application/json, text/event-stream")
        .header("Mcp-Session-Id", session)
        .header("MCP-Protocol-Version", "2025-11-25")
        .json(&json!({"jsonrpc": "2.0", "id": 2, "method": "ping"}))
        .send()
        .await
        .unwrap();
    assert_eq!(after.status().as_u16(), 404, "the session is gone");
}

#[cfg(target_os = "linux")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn http_accepts_the_host_of_the_loopback_address_it_bound() {
    let world = World::start().await;
    let (_, token) = world
        .agent("it-http-127-2", Profile::Observer.scopes())
        .await;
    // All of 127.0.0.0/8 is loopback on Linux; the URL printed names 127.0.0.2.
    let mut cmd = world.command(Some(&token), &["--http", "127.0.0.2:0"]);
    cmd.env("PAAS_MCP_HTTP_TOKEN", HTTP_TOKEN)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped());
    let mut child = cmd.spawn().unwrap();
    let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
    let url = loop {
        let line = tokio::time::timeout(Duration::from_secs(30), lines.next_line())
            .await
            .expect("listening within 30 s")
            .unwrap()
            .expect("listening before exit");
        if let Some(rest) = line.split("Streamable HTTP on ").nth(1) {
            break rest.trim().to_owned();
        }
    };
    assert!(url.starts_with("http://127.0.0.2:"), "{url}");
    tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
    let client = connect_http(&url, ProtocolVersion::V_2025_11_25).await;
    assert!(tool_names(&client).await.contains("list_apps"));
    client.cancel().await.ok();
    drop(child);
}
