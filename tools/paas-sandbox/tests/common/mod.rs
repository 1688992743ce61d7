//! Helpers shared by the sandbox test binaries.
#![allow(dead_code, clippy::expect_used, clippy::unwrap_used, clippy::panic)]

use paas_sandbox::{Sandbox, SandboxOptions};
use reqwest::{Client, Method, Response};
use serde_json::Value;
use std::time::Duration;

pub async fn start() -> Sandbox {
    start_with(SandboxOptions::default()).await
}

pub async fn start_with(opts: SandboxOptions) -> Sandbox {
    Sandbox::start(SandboxOptions {
        build_time: Duration::from_millis(100),
        ..opts
    })
    .await
    .expect("sandbox starts")
}

/// One shared client: building a TLS-capable client per request is slow in debug builds.
pub fn client() -> Client {
    static CLIENT: std::sync::OnceLock<Client> = std::sync::OnceLock::new();
    CLIENT
        .get_or_init(|| Client::builder().build().expect("client"))
        .clone()
}

pub async fn call(
    sb: &Sandbox,
    method: Method,
    path: &str,
    token: Option<&str>,
    body: Option<Value>,
) -> Response {
    let mut rb = client().request(method, format!("{}{}", sb.url(), path));
    if let Some(t) = token {
        rb = rb.bearer_auth(t);
    }
    if let Some(b) = body {
        rb = rb.json(&b);
    }
    rb.send().await.expect("request sent")
}

/// Status and JSON body (Value::Null when the body is not JSON).
pub async fn json(
    sb: &Sandbox,
    method: Method,
    path: &str,
    token: Option<&str>,
    body: Option<Value>,
) -> (u16, Value) {
    let r = call(sb, method, path, token, body).await;
    let status = r.status().as_u16();
    let text = r.text().await.expect("body");
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

pub async fn get(sb: &Sandbox, path: &str, token: &str) -> (u16, Value) {
    json(sb, Method::GET, path, Some(token), None).await
}

pub async fn post(sb: &Sandbox, path: &str, token: &str, body: Value) -> (u16, Value) {
    json(sb, Method::POST, path, Some(token), Some(body)).await
}

/// Polls `/api/apps/get` until the app leaves `building`.
pub async fn wait_built(sb: &Sandbox, token: &str, id: &str) -> Value {
    for _ in 0..100 {
        let (_, app) = get(sb, &format!("/api/apps/get?id={id}"), token).await;
        if app["status"] != "building" {
            return app;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("app {id} still building");
}
