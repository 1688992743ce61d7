mod mcp;
mod mcp_http;
mod mcp_python;
mod setup;
mod setup_clients;
mod support;
