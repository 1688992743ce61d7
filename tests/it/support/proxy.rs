//! A tiny recording reverse proxy in front of the sandbox: forwards every request and keeps
//! the `User-Agent` and `X-Request-Id` it saw, so tests can check what `paas mcp` sends.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;

#[derive(Clone, Debug, Default)]
pub struct Seen {
    pub user_agents: Vec<String>,
    pub request_ids: Vec<String>,
}

#[derive(Clone)]
struct Upstream {
    base: String,
    http: reqwest::Client,
    seen: Arc<Mutex<Seen>>,
}

pub struct Proxy {
    pub addr: SocketAddr,
    seen: Arc<Mutex<Seen>>,
}

impl Proxy {
    pub async fn start(upstream: &str) -> Proxy {
        let seen = Arc::new(Mutex::new(Seen::default()));
        let state = Upstream {
            base: upstream.trim_end_matches('/').to_owned(),
            http: reqwest::Client::new(),
            seen: seen.clone(),
        };
        let app = axum::Router::new().fallback(forward).with_state(state);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Proxy { addr, seen }
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn seen(&self) -> Seen {
        self.seen.lock().unwrap().clone()
    }
}

async fn forward(State(up): State<Upstream>, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    let header = |h: &HeaderMap, k: &str| h.get(k).and_then(|v| v.to_str().ok()).map(str::to_owned);
    {
        let mut seen = up.seen.lock().unwrap();
        if let Some(ua) = header(&parts.headers, "user-agent") {
            seen.user_agents.push(ua);
        }
        if let Some(id) = header(&parts.headers, "x-request-id") {
            seen.request_ids.push(id);
        }
    }
    let bytes: Bytes = axum::body::to_bytes(body, 64 * 1024 * 1024)
        .await
        .unwrap_or_default();
    let path = parts
        .uri
        .path_and_query()
        .map(|p| p.as_str())
        .unwrap_or("/");
    let method = reqwest::Method::from_bytes(parts.method.as_str().as_bytes()).unwrap();
    let mut out = up
        .http
        .request(method, format!("{}{path}", up.base))
        .body(bytes.to_vec());
    for (k, v) in parts.headers.iter() {
        if k != "host" && k != "content-length" {
            out = out.header(k.as_str(), v.as_bytes());
        }
    }
    match out.send().await {
        Ok(resp) => {
            let status = resp.status().as_u16();
            let headers = resp.headers().clone();
            let body = resp.bytes().await.unwrap_or_default();
            let mut response = Response::builder().status(status);
            for (k, v) in headers.iter() {
                if k != "content-length" && k != "transfer-encoding" {
                    response = response.header(k.as_str(), v.as_bytes());
                }
            }
            response.body(Body::from(body)).unwrap()
        }
        Err(_) => Response::builder()
            .status(StatusCode::BAD_GATEWAY)
            .body(Body::empty())
            .unwrap(),
    }
}
