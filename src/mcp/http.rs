//! Streamable HTTP transport: axum + rmcp's `StreamableHttpService` at `/mcp`.
//!
//! Defence in depth for a server that holds a PaaS token: loopback bind unless
//! `--allow-remote`, `Host` and `Origin` allowlists (DNS rebinding), a bearer token on every
//! request (any local process or web page could otherwise drive it), a body limit, and a
//! graceful shutdown that closes every session.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use rmcp::transport::streamable_http_server::session::local::LocalSessionManager;
use rmcp::transport::streamable_http_server::{StreamableHttpServerConfig, StreamableHttpService};
use sha2::{Digest, Sha256};
use tokio_util::sync::CancellationToken;

use super::server::PaasServer;
use super::state::Shared;

/// Largest accepted JSON-RPC POST body. Tool arguments are small; 4 MiB leaves room for an
/// inline Dockerfile or a long SQL statement.
pub const MAX_BODY_BYTES: usize = 4 * 1024 * 1024;

/// How to serve over HTTP.
#[derive(Clone, Debug)]
pub struct HttpOptions {
    pub addr: SocketAddr,
    /// Required from every HTTP client as `Authorization: Bearer <token>`.
    pub bearer: String,
    /// Extra `Host` values to accept besides loopback names (for `--allow-remote`).
    pub extra_hosts: Vec<String>,
    /// Browser origins allowed to call (none by default: MCP clients are not browsers).
    pub allowed_origins: Vec<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum HttpError {
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        addr: SocketAddr,
        source: std::io::Error,
    },
    #[error("HTTP server failed: {0}")]
    Serve(std::io::Error),
}

/// A bound listener, so the caller can print the real address (port 0) before serving.
pub struct Bound {
    listener: tokio::net::TcpListener,
    pub addr: SocketAddr,
}

pub async fn bind(addr: SocketAddr) -> Result<Bound, HttpError> {
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|source| HttpError::Bind { addr, source })?;
    let addr = listener
        .local_addr()
        .map_err(|source| HttpError::Bind { addr, source })?;
    Ok(Bound { listener, addr })
}

/// Serve until `stop_accepting` is cancelled, then take no new connections; requests under
/// way finish, and every session (with its event stream) ends when `end_sessions` is
/// cancelled.
pub async fn serve(
    shared: Arc<Shared>,
    bound: Bound,
    options: HttpOptions,
    stop_accepting: CancellationToken,
    end_sessions: CancellationToken,
) -> Result<(), HttpError> {
    let port = bound.addr.port();
    // The loopback names, and the address actually bound (e.g. 127.0.0.2), which is the URL
    // printed at start.
    let bound_ip = match bound.addr.ip() {
        std::net::IpAddr::V6(ip) => format!("[{ip}]"),
        ip => ip.to_string(),
    };
    let mut hosts: Vec<String> = ["localhost", "127.0.0.1", "::1", "[::1]", bound_ip.as_str()]
        .iter()
        .flat_map(|h| [h.to_string(), format!("{h}:{port}")])
        .collect();
    hosts.sort();
    hosts.dedup();
    hosts.extend(options.extra_hosts.iter().cloned());
    let config = StreamableHttpServerConfig::default()
        .with_allowed_hosts(hosts)
        .with_allowed_origins(options.allowed_origins.clone())
        .enforce_origin_validation()
        .with_max_request_body_bytes(MAX_BODY_BYTES)
        .with_cancellation_token(end_sessions.child_token());
    let service = StreamableHttpService::new(
        move || Ok(PaasServer::new(shared.clone())),
        Arc::new(LocalSessionManager::default()),
        config,
    );
    let expected = Arc::new(digest(&options.bearer));
    let router = axum::Router::new()
        .nest_service("/mcp", service)
        .layer(middleware::from_fn(protocol_answers))
        .layer(middleware::from_fn_with_state(expected, require_bearer));
    axum::serve(bound.listener, router)
        .with_graceful_shutdown(async move { stop_accepting.cancelled().await })
        .await
        .map_err(HttpError::Serve)
}

fn digest(value: &str) -> [u8; 32] {
    Sha256::digest(value.as_bytes()).into()
}

/// Reject any request without the right bearer token. Compares SHA-256 digests so the
/// comparison time does not depend on how many leading characters match.
async fn require_bearer(
    State(expected): State<Arc<[u8; 32]>>,
    request: Request,
    next: Next,
) -> Response {
    let presented = request
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            let (scheme, token) = v.trim().split_once(' ')?;
            scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
        });
    match presented {
        Some(token) if digest(token) == *expected => next.run(request).await,
        _ => {
            let mut response = (
                StatusCode::UNAUTHORIZED,
                "Unauthorized: send the paas mcp HTTP token as `Authorization: Bearer <token>` \
                 (PAAS_MCP_HTTP_TOKEN, or the token printed on stderr at start)",
            )
                .into_response();
            response
                .headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
            response
        }
    }
}

/// Where rmcp's answers are not what MCP clients expect, fix them up:
/// - a body that is not a JSON-RPC message gets `400 Bad Request` with a JSON-RPC error
///   (`-32700` for invalid JSON, `-32600` otherwise, with the request's id when it has one),
///   as the Streamable HTTP transport asks, instead of rmcp's plain-text `415 Unsupported
///   Media Type` (the media type was right; the body was not);
/// - a session `DELETE` gets `204 No Content` instead of `202 Accepted`: the official Python
///   SDK accepts only 200, 204 or 405 and warns on every close otherwise.
///
/// The body is buffered (bounded like rmcp's own limit) only to be read again if rmcp
/// refuses it; the happy path parses it once, in rmcp.
async fn protocol_answers(request: Request, next: Next) -> Response {
    let method = request.method().clone();
    if method == axum::http::Method::DELETE {
        let response = next.run(request).await;
        if response.status() == StatusCode::ACCEPTED {
            let (mut parts, _) = response.into_parts();
            parts.status = StatusCode::NO_CONTENT;
            return Response::from_parts(parts, axum::body::Body::empty());
        }
        return response;
    }
    if method != axum::http::Method::POST {
        return next.run(request).await;
    }
    let (parts, body) = request.into_parts();
    let bytes = match read_body(body).await {
        Ok(bytes) => bytes,
        Err(response) => return response,
    };
    let response = next
        .run(Request::from_parts(
            parts,
            axum::body::Body::from(bytes.clone()),
        ))
        .await;
    if response.status() != StatusCode::UNSUPPORTED_MEDIA_TYPE {
        return response;
    }
    let Ok(text) = axum::body::to_bytes(response.into_body(), 64 * 1024).await else {
        return StatusCode::UNSUPPORTED_MEDIA_TYPE.into_response();
    };
    let text = String::from_utf8_lossy(&text);
    let Some(detail) = text.strip_prefix("fail to deserialize request body ") else {
        // rmcp's "Content-Type must be application/json": a real media-type problem.
        return (StatusCode::UNSUPPORTED_MEDIA_TYPE, text.into_owned()).into_response();
    };
    let error = bad_body_error(&bytes, detail);
    (
        StatusCode::BAD_REQUEST,
        [(header::CONTENT_TYPE, "application/json")],
        error.to_string(),
    )
        .into_response()
}

/// Read a POST body of at most [`MAX_BODY_BYTES`]. A larger one is still read to its end
/// (up to [`DRAIN_BYTES`], then dropped) before the 413 goes out: answering while the client
/// is still sending makes its kernel see a reset, and the client would get a broken
/// connection instead of the answer.
async fn read_body(body: axum::body::Body) -> Result<axum::body::Bytes, Response> {
    use futures::StreamExt;
    let mut stream = body.into_data_stream();
    let mut kept = Vec::new();
    let mut seen = 0usize;
    while let Some(chunk) = stream.next().await {
        let Ok(chunk) = chunk else {
            return Err(
                (StatusCode::BAD_REQUEST, "could not read the request body").into_response()
            );
        };
        seen = seen.saturating_add(chunk.len());
        if seen <= MAX_BODY_BYTES {
            kept.extend_from_slice(&chunk);
        } else {
            kept = Vec::new();
            if seen > DRAIN_BYTES {
                break;
            }
        }
    }
    if seen > MAX_BODY_BYTES {
        return Err((
            StatusCode::PAYLOAD_TOO_LARGE,
            format!("Payload Too Large: request body exceeds {MAX_BODY_BYTES} bytes"),
        )
            .into_response());
    }
    Ok(kept.into())
}

/// How much of an oversized body is read (and dropped) before answering 413.
const DRAIN_BYTES: usize = 64 * 1024 * 1024;

/// The JSON-RPC error answer for a POST body that is not a JSON-RPC message.
fn bad_body_error(body: &[u8], detail: &str) -> serde_json::Value {
    use serde_json::Value;
    const SHAPE: &str = "POST one message: {\"jsonrpc\":\"2.0\",\"id\":<string or integer>,\
                         \"method\":\"...\",\"params\":{...}}";
    let (id, code, message) = match serde_json::from_slice::<Value>(body) {
        Err(e) => (
            Value::Null,
            -32700,
            format!("Parse error: {e}; the body must be one JSON-RPC message"),
        ),
        Ok(Value::Array(_)) => (
            Value::Null,
            -32600,
            "Invalid Request: batches (JSON arrays) are not part of MCP since 2025-06-18; POST \
             each message on its own"
                .to_owned(),
        ),
        Ok(value) => {
            let id = match value.get("id") {
                Some(id @ (Value::String(_) | Value::Number(_))) => id.clone(),
                _ => Value::Null,
            };
            (id, -32600, format!("Invalid Request: {detail}; {SHAPE}"))
        }
    };
    serde_json::json!({"jsonrpc": "2.0", "id": id, "error": {"code": code, "message": message}})
}

/// A fresh random bearer token for HTTP clients (32 bytes, hex).
pub fn generate_token() -> String {
    use rand::RngCore;
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    hex::encode(bytes)
}
