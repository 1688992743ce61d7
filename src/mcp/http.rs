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

/// Serve until `shutdown` is cancelled; then stop accepting and close every session.
pub async fn serve(
    shared: Arc<Shared>,
    bound: Bound,
    options: HttpOptions,
    shutdown: CancellationToken,
) -> Result<(), HttpError> {
    let port = bound.addr.port();
    let mut hosts: Vec<String> = ["localhost", "127.0.0.1", "::1", "[::1]"]
        .iter()
        .flat_map(|h| [h.to_string(), format!("{h}:{port}")])
        .collect();
    hosts.extend(options.extra_hosts.iter().cloned());
    let config = StreamableHttpServerConfig::default()
        .with_allowed_hosts(hosts)
        .with_allowed_origins(options.allowed_origins.clone())
        .enforce_origin_validation()
        .with_max_request_body_bytes(MAX_BODY_BYTES)
        .with_cancellation_token(shutdown.child_token());
    let service = StreamableHttpService::new(
        move || Ok(PaasServer::new(shared.clone())),
        Arc::new(LocalSessionManager::default()),
        config,
    );
    let expected = Arc::new(digest(&options.bearer));
    let router = axum::Router::new()
        .nest_service("/mcp", service)
        .layer(middleware::from_fn_with_state(expected, require_bearer));
    axum::serve(bound.listener, router)
        .with_graceful_shutdown(async move { shutdown.cancelled().await })
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

/// A fresh random bearer token for HTTP clients (32 bytes, hex).
pub fn generate_token() -> String {
    use rand::RngCore;
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    hex::encode(bytes)
}
