//! The accept loop and the request pipeline of spec §1.2:
//! faults (sandbox only) → CORS preflight → per-IP limiter → body limit → audit recorder →
//! auth gate → route table (guard → method check → handler).
//!
//! We drive hyper directly rather than `axum::serve` so an injected `DropConnection` fault
//! can close the socket without writing any response.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

use axum::body::{Body, Bytes};
use axum::http::{HeaderValue, Method, Request, header};
use axum::response::Response;
use http_body_util::BodyExt;
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinSet;

use crate::faults::FaultKind;
use crate::http::{self, Actor, Call};
use crate::routes::{self, Guard};
use crate::state::Inner;
use crate::util::{self, lock};

const JSON_LIMIT: usize = 2 << 20;
const WEBHOOK_LIMIT: usize = 5 << 20;

/// Error returned to hyper to abort a connection (the `DropConnection` fault).
#[derive(Debug)]
struct Dropped;

impl std::fmt::Display for Dropped {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("connection dropped by injected fault")
    }
}

impl std::error::Error for Dropped {}

/// Accepts connections until `stop` flips, then aborts the open ones.
pub async fn serve(listener: TcpListener, inner: Arc<Inner>, mut stop: watch::Receiver<bool>) {
    let mut conns = JoinSet::new();
    loop {
        tokio::select! {
            _ = stop.changed() => break,
            accepted = listener.accept() => {
                let Ok((stream, peer)) = accepted else { continue };
                let inner = inner.clone();
                conns.spawn(async move {
                    let svc = hyper::service::service_fn(move |req: Request<Incoming>| {
                        let inner = inner.clone();
                        async move { handle(inner, req, peer).await }
                    });
                    let conn = hyper::server::conn::http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), svc)
                        .with_upgrades();
                    if let Err(e) = conn.await {
                        tracing::debug!("connection from {peer} ended: {e}");
                    }
                });
                while conns.try_join_next().is_some() {}
            }
        }
    }
    conns.abort_all();
    while conns.join_next().await.is_some() {}
}

/// One request through the whole pipeline.
async fn handle(
    inner: Arc<Inner>,
    req: Request<Incoming>,
    peer: SocketAddr,
) -> Result<Response, Dropped> {
    let path = req.uri().path().to_string();
    let req = req.map(Body::new);
    // Sandbox-only control route, outside upstream's namespace and untouched by faults.
    if path == "/__sandbox/faults" && inner.opts.fault_route {
        return Ok(crate::handlers::faults::handle(&inner, req, peer.ip()).await);
    }
    let fault = inner.faults.take(&path);
    match fault {
        Some(FaultKind::DropConnection) => return Err(Dropped),
        Some(FaultKind::Latency(d)) => tokio::time::sleep(d).await,
        Some(FaultKind::Status(code)) => {
            return Ok(http::err(code, &format!("Injected fault: HTTP {code}")));
        }
        Some(FaultKind::TooManyRequests { retry_after_secs }) => {
            return Ok(http::too_many("Too many requests", retry_after_secs));
        }
        _ => {}
    }
    let mut resp = pipeline(&inner, req, peer).await;
    if fault == Some(FaultKind::MalformedJson) {
        resp = malformed();
    }
    Ok(resp)
}

/// A 200 whose JSON body is cut off.
fn malformed() -> Response {
    let mut r = Response::new(Body::from("{\"error\": \"truncat"));
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    r
}

/// The client IP (spec §1.7): proxy headers only when trusted.
fn client_ip(inner: &Inner, req: &Request<Body>, peer: SocketAddr) -> IpAddr {
    if inner.trust_proxy {
        let h = req.headers();
        let fwd = h
            .get("x-forwarded-for")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(',').next())
            .and_then(|v| v.trim().parse().ok());
        let real = h
            .get("x-real-ip")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse().ok());
        if let Some(ip) = fwd.or(real) {
            return ip;
        }
    }
    peer.ip()
}

fn cors(mut r: Response) -> Response {
    let h = r.headers_mut();
    h.insert(
        header::ACCESS_CONTROL_ALLOW_ORIGIN,
        HeaderValue::from_static("*"),
    );
    h.insert(
        header::ACCESS_CONTROL_ALLOW_METHODS,
        HeaderValue::from_static("GET, POST, PUT, DELETE, OPTIONS"),
    );
    h.insert(
        header::ACCESS_CONTROL_ALLOW_HEADERS,
        HeaderValue::from_static("Content-Type, Authorization"),
    );
    r
}

async fn pipeline(inner: &Arc<Inner>, req: Request<Body>, peer: SocketAddr) -> Response {
    // CORS: preflight answered before anything else.
    if req.method() == Method::OPTIONS {
        let mut r = Response::new(Body::empty());
        *r.status_mut() = axum::http::StatusCode::NO_CONTENT;
        return cors(r);
    }
    let ip = client_ip(inner, &req, peer);
    // Global per-IP token bucket, every path.
    if inner.opts.rate_limit && !lock(&inner.security).allow(ip) {
        return cors(http::too_many("Too many requests", 1));
    }
    let path = req.uri().path().to_string();
    // The connect dashboard page is served by the sandbox itself (upstream: the Next.js UI).
    if path == "/connect/agent" && req.method() == Method::GET {
        return cors(crate::handlers::dashboard::page());
    }
    if path.starts_with("/ws/") {
        return cors(crate::handlers::ws::handle(inner, req, ip).await);
    }
    cors(api(inner, req, ip, path).await)
}

async fn api(inner: &Arc<Inner>, req: Request<Body>, ip: IpAddr, path: String) -> Response {
    let (parts, body) = req.into_parts();
    let limit = if path.ends_with("/upload") {
        crate::multipart::MAX_BODY
    } else if path.starts_with("/api/webhooks/github/") {
        WEBHOOK_LIMIT
    } else {
        JSON_LIMIT
    };
    let (bytes, too_large) = read_limited(body, limit).await;
    let query: HashMap<String, String> = parts
        .uri
        .query()
        .map(|q| {
            url_pairs(q)
                .into_iter()
                .fold(HashMap::new(), |mut m, (k, v)| {
                    m.entry(k).or_insert(v);
                    m
                })
        })
        .unwrap_or_default();
    let mut call = Call {
        method: parts.method.clone(),
        path: path.clone(),
        query,
        headers: parts.headers.clone(),
        body: bytes,
        body_too_large: too_large,
        actor: None,
        ip,
        parts: None,
    };
    let resp = gate_and_route(inner, &mut call, &parts.headers).await;
    // Audit recorder: mutating methods that reached the handler chain with an actor.
    let mutating = matches!(
        call.method,
        Method::POST | Method::PUT | Method::PATCH | Method::DELETE
    );
    if mutating {
        if let Some(actor) = call.actor.as_ref() {
            crate::audit::record(inner, actor, call.method.as_str(), &call.path, ip);
        }
        inner.persist();
    }
    resp
}

/// Auth gate (spec §1.3) then the router.
async fn gate_and_route(
    inner: &Arc<Inner>,
    call: &mut Call,
    headers: &axum::http::HeaderMap,
) -> Response {
    if !routes::is_public(&call.path) {
        match authenticate(inner, &http::bearer(headers), call.ip) {
            Ok(actor) => call.actor = Some(actor),
            Err(resp) => return resp,
        }
    }
    let Some(route) = routes::find(&call.path) else {
        return http::not_found_page();
    };
    if let Some(resp) = check_guard(route.guard, call.actor.as_ref()) {
        return resp;
    }
    let m = call.method.as_str();
    if !route.methods.is_empty() && !route.methods.contains(&m) {
        return http::method_not_allowed();
    }
    if route.path.ends_with("/upload") {
        call.parts = Some(crate::multipart::parse(call).await);
    }
    (route.handler)(inner, call)
}

/// Applies a route guard to an actor; `Some(403)` on refusal.
pub fn check_guard(guard: Guard, actor: Option<&Actor>) -> Option<Response> {
    match guard {
        Guard::Public | Guard::Token => None,
        Guard::Admin => match actor {
            Some(a) if a.is_admin() => None,
            _ => Some(http::err(403, "Forbidden: admin token required")),
        },
        Guard::All(scopes) => {
            let missing = scopes.iter().find(|s| !actor.is_some_and(|a| a.has(s)))?;
            Some(http::err(
                403,
                &format!("Forbidden: missing scope {missing}"),
            ))
        }
        Guard::Any(scopes) => {
            if scopes.iter().any(|s| actor.is_some_and(|a| a.has(s))) {
                None
            } else {
                let first = scopes.first().copied().unwrap_or("");
                Some(http::err(403, &format!("Forbidden: missing scope {first}")))
            }
        }
    }
}

/// Token → actor with the lockout rules of spec §1.7; `Err` is the 401/429 response.
pub fn authenticate(inner: &Inner, token: &str, ip: IpAddr) -> Result<Actor, Response> {
    let mut sec = lock(&inner.security);
    if let Some(retry) = sec.locked(ip) {
        return Err(http::too_many(
            "Too many failed attempts. Try again later.",
            retry,
        ));
    }
    if !token.is_empty() {
        if util::ct_eq(token, &inner.admin_token) {
            sec.succeed(ip);
            return Ok(Actor::Admin);
        }
        let hash = util::hash_token(token);
        let mut db = lock(&inner.db);
        if let Some(agent) = db.agents.iter_mut().find(|a| a.token_hash == hash) {
            agent.last_used_at = util::now();
            sec.succeed(ip);
            return Ok(Actor::Agent {
                id: agent.id.clone(),
                scopes: agent.scopes.clone(),
            });
        }
        drop(db);
        if let Some(retry) = sec.fail(ip) {
            return Err(http::too_many(
                "Too many failed attempts. Try again later.",
                retry,
            ));
        }
    }
    Err(http::err(401, "Unauthorized"))
}

/// Reads at most `limit` bytes; the flag says whether the body was longer.
async fn read_limited(body: Body, limit: usize) -> (Bytes, bool) {
    match axum::body::to_bytes(body, limit).await {
        Ok(b) => (b, false),
        Err(_) => (Bytes::new(), true),
    }
}

/// Decodes `a=b&c=d` (percent-decoding, `+` as space).
pub fn url_pairs(q: &str) -> Vec<(String, String)> {
    q.split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (percent_decode(k), percent_decode(v))
        })
        .collect()
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let hex = |b: u8| (b as char).to_digit(16);
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if b == b'+' {
            out.push(b' ');
        } else if b == b'%' && i + 2 < bytes.len() {
            match (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                (Some(h), Some(l)) => {
                    out.push((h * 16 + l) as u8);
                    i += 2;
                }
                _ => out.push(b),
            }
        } else {
            out.push(b);
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Reads a whole body (the fault route, axum rejections).
pub async fn read_all(body: Body) -> Bytes {
    body.collect()
        .await
        .map(|c| c.to_bytes())
        .unwrap_or_default()
}
