//! The one integration test binary: each module is one area of the product, driven through
//! its real interface (the `paas` binary as a process, MCP clients, the sandbox over sockets).

mod catalog;
mod cli_chromium;
mod cli_commands;
mod cli_connect;
mod cli_credentials;
mod cli_env_tty;
mod cli_help;
mod cli_support;
mod get_app_by_id;
mod mcp;
mod mcp_agent_tokens;
mod mcp_fast_call;
mod mcp_http;
mod mcp_lifecycle;
mod mcp_python;
mod mcp_token_reload;
mod mcp_tool_answers;
mod readme;
mod sandbox_walkthrough;
mod setup;
mod setup_clients;
mod support;
mod tools_sandbox;
mod tools_scopes;
mod tools_sweep;
