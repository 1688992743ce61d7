mod catalog;
mod mcp;
mod mcp_http;
mod mcp_python;
mod support;
