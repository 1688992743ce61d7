//! `xtask bare-mcp`: an rmcp server with no tools, no state and no REST client, served over
//! stdio the way `paas mcp` is (a current-thread runtime on rmcp's non-blocking pipes).
//!
//! The benchmark pings it next to `paas mcp` so the report shows how much of a round trip
//! is the MCP library's own loop (read, decode, dispatch, encode, write) and how much is ours.

use anyhow::{Context, Result};
use rmcp::{ServerHandler, ServiceExt};

#[derive(Clone)]
struct Bare;

impl ServerHandler for Bare {}

pub fn run() -> Result<()> {
    let runtime = crate::current_thread_runtime()?;
    runtime.block_on(async {
        let service = Bare
            .serve(rmcp::transport::stdio_pipes())
            .await
            .context("MCP handshake")?;
        service.waiting().await.context("serving")?;
        Ok(())
    })
}
