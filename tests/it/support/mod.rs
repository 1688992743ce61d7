//! Shared test helpers. One file per concern; `mcp` drives `paas mcp` with real MCP clients.

pub mod mcp;
pub mod proxy;
