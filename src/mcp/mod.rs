//! The MCP server: every line of rmcp code lives here.
