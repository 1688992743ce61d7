//! The MCP server: every line of rmcp code lives here.
//!
//! Start-up: [`state::Shared`] holds the resolved credentials and the observed grant; the
//! first scope probe runs before serving (bounded), then [`state::Shared::probe_loop`]
//! re-probes in the background and pushes `tools/list_changed`. [`server::PaasServer`]
//! answers `tools/list` and `tools/call` from the current selection; [`result`] turns
//! every outcome into an MCP result in one place. Transports: stdio ([`serve_stdio`], over
//! our own line transport [`stdio::StdioTransport`], which answers every bad line with a
//! JSON-RPC error where rmcp's drops it) and Streamable HTTP ([`http`]). Over stdio,
//! `tools/call` in sessions opened with `initialize` is answered beside rmcp's service loop
//! ([`fast_call`]), through the same [`PaasServer::call`] rmcp's dispatch uses: the loop is
//! about half of the per-call latency budget.

pub mod cache;
pub mod fast_call;
pub mod filter;
pub mod http;
pub mod in_flight;
pub mod result;
pub mod selection;
pub mod server;
pub mod state;
pub mod stdio;
pub mod tools;
pub mod vault;

use std::sync::Arc;

use rmcp::ServiceExt;
use tokio_util::sync::CancellationToken;

pub use filter::{Filter, FilterError};
pub use server::PaasServer;
pub use state::{ServerSettings, Shared};

/// Why serving stopped with an error.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    #[error("MCP session over stdio failed to start: {0}")]
    Stdio(String),
    #[error(transparent)]
    Http(#[from] http::HttpError),
}

/// Serve one session over stdin/stdout until the client closes stdin or `shutdown` fires
/// (the caller fires it once calls in flight have answered, see [`Shared::in_flight`]).
/// stdout carries only protocol messages; logs go to stderr through `tracing`.
pub async fn serve_stdio(
    shared: Arc<Shared>,
    shutdown: CancellationToken,
) -> Result<(), ServeError> {
    // MCP clients launch us with pipes: drive them from the reactor (no blocking-pool thread
    // hand-off per message); anything else (a file, a terminal) falls back to blocking stdio.
    // Our transport on top answers bad lines instead of dropping them (see `stdio`).
    let (read, write) = rmcp::transport::stdio_pipes();
    let server = PaasServer::new(shared);
    let transport = stdio::StdioTransport::new(read, write)
        .with_fast_calls(fast_call::FastCalls::new(server.clone()));
    let handshake = server.serve_with_ct(transport, shutdown.clone());
    let running = tokio::select! {
        started = handshake => match started {
            Ok(running) => running,
            // The client closed stdin before `initialize` (a probe that only checks the
            // command starts): the session is over, nothing failed.
            Err(rmcp::service::ServerInitializeError::ConnectionClosed(during)) => {
                tracing::info!(%during, "stdin closed before the handshake");
                return Ok(());
            }
            Err(_) if shutdown.is_cancelled() => return Ok(()),
            Err(e) => return Err(ServeError::Stdio(e.to_string())),
        },
        // Asked to stop (a signal) while waiting for `initialize`: not a failure either.
        () = shutdown.cancelled() => return Ok(()),
    };
    let reason = running.waiting().await;
    tracing::debug!(?reason, "stdio session ended");
    Ok(())
}
