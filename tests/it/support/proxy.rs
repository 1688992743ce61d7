//! A tiny recording reverse proxy in front of the sandbox: forwards every request and keeps
//! the `User-Agent`, `X-Request-Id` and bearer token it saw (with the answer's status), so
//! tests can check what `paas mcp` sends. It sets `X-Forwarded-Host` like a real reverse
//! proxy, so the PaaS's discovery manifest names the proxy and `paas connect` stores it.

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
    /// Every request in arrival order.
    pub requests: Vec<Exchange>,
}

/// One request as the proxy saw it.
#[derive(Clone, Debug, Default)]
pub struct Exchange {
    /// The bearer token sent, empty when none.
    pub bearer: String,
    pub path: String,
    /// The answer's status; 0 while it is still in flight.
    pub status: u16,
}

/// An answer the proxy gives instead of forwarding, for the next `count` requests to
/// exactly `path` (any method): how a token that lost a scope looks from outside.
#[derive(Clone, Debug)]
struct Forced {
    path: String,
    status: u16,
    body: String,
    count: usize,
}

#[derive(Clone)]
struct Upstream {
    base: String,
    http: reqwest::Client,
    seen: Arc<Mutex<Seen>>,
    forced: Arc<Mutex<Vec<Forced>>>,
}

pub struct Proxy {
    pub addr: SocketAddr,
    seen: Arc<Mutex<Seen>>,
    forced: Arc<Mutex<Vec<Forced>>>,
}

impl Proxy {
    pub async fn start(upstream: &str) -> Proxy {
        let seen = Arc::new(Mutex::new(Seen::default()));
        let forced = Arc::new(Mutex::new(Vec::new()));
        let state = Upstream {
            base: upstream.trim_end_matches('/').to_owned(),
            http: reqwest::Client::new(),
            seen: seen.clone(),
            forced: forced.clone(),
        };
        let app = axum::Router::new().fallback(forward).with_state(state);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Proxy { addr, seen, forced }
    }

    /// Answer the next `count` requests to `path` with `status` and a JSON error body.
    pub fn force(&self, path: &str, status: u16, error: &str, count: usize) {
        self.forced.lock().unwrap().push(Forced {
            path: path.to_owned(),
            status,
            body: serde_json::json!({ "error": error }).to_string(),
            count,
        });
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
    let seq = {
        let mut seen = up.seen.lock().unwrap();
        if let Some(ua) = header(&parts.headers, "user-agent") {
            seen.user_agents.push(ua);
        }
        if let Some(id) = header(&parts.headers, "x-request-id") {
            seen.request_ids.push(id);
        }
        let bearer = header(&parts.headers, "authorization")
            .and_then(|a| a.strip_prefix("Bearer ").map(str::to_owned))
            .unwrap_or_default();
        seen.requests.push(Exchange {
            bearer,
            path: parts.uri.path().to_owned(),
            status: 0,
        });
        seen.requests.len() - 1
    };
    let response = answer(&up, parts, body).await;
    up.seen.lock().unwrap().requests[seq].status = response.status().as_u16();
    response
}

async fn answer(up: &Upstream, parts: axum::http::request::Parts, body: Body) -> Response {
    let forced = {
        let mut forced = up.forced.lock().unwrap();
        let hit = forced
            .iter_mut()
            .find(|f| f.path == parts.uri.path() && f.count > 0);
        hit.map(|f| {
            f.count -= 1;
            (f.status, f.body.clone())
        })
    };
    if let Some((status, body)) = forced {
        return Response::builder()
            .status(status)
            .header("content-type", "application/json")
            .body(Body::from(body))
            .unwrap();
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
    if let Some(host) = parts.headers.get("host") {
        out = out.header("x-forwarded-host", host.as_bytes());
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
