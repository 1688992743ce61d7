//! A catalogue [`ToolDef`] as an MCP [`Tool`]: schema, title and annotations.
//!
//! Annotations are derived from the access level alone and always set explicitly, so a
//! client never falls back to the spec's pessimistic defaults (destructive, open world).

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use rmcp::model::{Tool, ToolAnnotations};

use crate::catalog::{Access, ToolDef, schemas};

/// The MCP definitions built so far, by tool name. Catalogue entries never change at run
/// time, so each schema is read ([`schemas`]) once per process instead of on every
/// `tools/list`; a cached [`Tool`] clones cheaply (the schemas sit behind `Arc`s).
static BUILT: Mutex<BTreeMap<&'static str, Tool>> = Mutex::new(BTreeMap::new());

/// The MCP definition of one catalogue tool.
pub fn to_mcp(def: &'static ToolDef) -> Tool {
    if let Some(tool) = lock().get(def.name) {
        return tool.clone();
    }
    // Built outside the lock (HTTP sessions list tools concurrently); a tool built twice
    // by a race is the same value.
    let tool = build(def);
    lock().entry(def.name).or_insert(tool).clone()
}

/// Build and cache the definition of `def` unless it is built already (the start-up
/// warm-up, see `Shared::ready_for_list`). The clone [`to_mcp`] returns is cheap and dropped.
pub fn warm(def: &'static ToolDef) {
    drop(to_mcp(def));
}

fn lock() -> std::sync::MutexGuard<'static, BTreeMap<&'static str, Tool>> {
    BUILT.lock().unwrap_or_else(|e| e.into_inner())
}

fn build(def: &ToolDef) -> Tool {
    let mut tool = Tool::new(def.name, def.description, Arc::new(schemas::input(def)))
        .with_title(def.title)
        .with_annotations(annotations(def));
    if let Some(schema) = schemas::output(def) {
        tool = tool.with_raw_output_schema(Arc::new(schema));
    }
    tool
}

/// Read: read-only. Write: changes state, loses nothing. Destructive: may lose data.
/// `openWorldHint` is false: every tool talks only to the one configured PaaS.
pub fn annotations(def: &ToolDef) -> ToolAnnotations {
    let read_only = def.access == Access::Read;
    ToolAnnotations::with_title(def.title)
        .read_only(read_only)
        .destructive(def.access == Access::Destructive)
        .idempotent(read_only || def.idempotent)
        .open_world(false)
}
