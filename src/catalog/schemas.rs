//! The JSON Schemas of every tool, generated once at development time instead of at every
//! start.
//!
//! Generating them with schemars is the single largest cost of `paas mcp`'s start-up (about
//! 3 ms of CPU for the catalogue, a third of the cold-start budget): it builds, reorders and
//! re-serialises nested maps for every field. The schemas depend only on the catalogue, so
//! `schemas.json` holds them, written from the catalogue by
//! `UPDATE_TOOL_SCHEMAS=1 cargo test --test it catalog`, and a test fails when it is stale.
//! Reading a tool's schema is then one small JSON parse. A tool missing from the file (only
//! possible in a development build before the file is regenerated) falls back to schemars, so
//! the schema served is always the catalogue's.

use std::collections::HashMap;
use std::sync::OnceLock;

use serde::Deserialize;
use serde_json::value::RawValue;
use serde_json::{Map, Value};

use super::ToolDef;

/// The generated file, embedded in the binary.
pub const EMBEDDED: &str = include_str!("schemas.json");

#[derive(Deserialize)]
struct Entry<'a> {
    #[serde(borrow)]
    input: &'a RawValue,
    #[serde(borrow, default)]
    output: Option<&'a RawValue>,
}

/// The embedded file indexed by tool name; each schema stays unparsed until asked for.
fn embedded() -> &'static HashMap<&'static str, Entry<'static>> {
    static INDEX: OnceLock<HashMap<&'static str, Entry<'static>>> = OnceLock::new();
    INDEX.get_or_init(|| match serde_json::from_str(EMBEDDED) {
        Ok(index) => index,
        Err(e) => {
            tracing::warn!("the embedded tool schemas do not parse ({e}); generating them");
            HashMap::new()
        }
    })
}

fn parse(raw: &RawValue) -> Option<Map<String, Value>> {
    serde_json::from_str(raw.get()).ok()
}

/// The input schema of `def`.
pub fn input(def: &ToolDef) -> Map<String, Value> {
    embedded()
        .get(def.name)
        .and_then(|entry| parse(entry.input))
        .unwrap_or_else(|| (def.input_schema)())
}

/// The output schema of `def`, when its output has a fixed shape.
pub fn output(def: &ToolDef) -> Option<Map<String, Value>> {
    let generate = def.output_schema?;
    Some(
        embedded()
            .get(def.name)
            .and_then(|entry| entry.output)
            .and_then(parse)
            .unwrap_or_else(generate),
    )
}

/// The file's content as generated from the catalogue now (schemars), in catalogue order.
pub fn generate() -> String {
    let mut document = Map::new();
    for def in super::all() {
        let mut entry = Map::new();
        entry.insert("input".to_owned(), Value::Object((def.input_schema)()));
        if let Some(output) = def.output_schema {
            entry.insert("output".to_owned(), Value::Object(output()));
        }
        document.insert(def.name.to_owned(), Value::Object(entry));
    }
    let mut text = serde_json::to_string_pretty(&Value::Object(document)).unwrap_or_default();
    text.push('\n');
    text
}
