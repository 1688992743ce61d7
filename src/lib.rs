//! paas-mcp: a scope-aware MCP server and CLI for Better-PaaS.
//!
//! Layers point one way: [`api`] (REST client) ← [`catalog`] (tools, scopes) ← [`mcp`] (all
//! rmcp code) ← [`cli`] (clap and commands). [`config`] resolves credentials and is used by
//! `mcp` and `cli`; [`editors`] writes MCP client configs for `paas setup`.

pub mod api;
pub mod catalog;
pub mod cli;
pub mod config;
pub mod editors;
pub mod mcp;
