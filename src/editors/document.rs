//! Editing one config file in place while keeping every byte we do not own: comments, key
//! order, indentation and other servers. JSON/JSONC goes through a concrete syntax tree
//! (`jsonc-parser`'s CST), TOML through `toml_edit`. A file we cannot parse is refused.

use jsonc_parser::ParseOptions;
use jsonc_parser::cst::{CstInputValue, CstObject, CstRootNode};
use serde_json::{Map, Value};
use toml_edit::DocumentMut;

use super::client::{Format, MANAGED_KEYS};

const BOM: char = '\u{feff}';

/// What to do with the servers listed in one file.
pub enum Op<'a> {
    /// Add or update the entry `name`; `drop` names further keys of an existing entry to
    /// take out (one that held a token, say).
    Upsert {
        name: &'a str,
        entry: &'a Map<String, Value>,
        drop: &'a [String],
    },
    /// Remove every entry for which the predicate (name, entry as JSON) holds.
    Remove(&'a dyn Fn(&str, &Value) -> bool),
}

/// Apply `op` to `text` (empty for a missing file). Returns the new text, equal to the old
/// one when nothing changed. `Err` explains why the file cannot be edited safely.
pub fn edit(format: Format, text: &str, servers_key: &str, op: &Op<'_>) -> Result<String, String> {
    // A UTF-8 byte order mark (Windows editors) is kept as it was, outside the parse.
    if let Some(rest) = text.strip_prefix(BOM) {
        return edit(format, rest, servers_key, op).map(|out| format!("{BOM}{out}"));
    }
    // A CRLF file (Windows) is edited as LF and given its CRLF back: `toml_edit` writes LF
    // everywhere, the user's own lines included. A file mixing both is edited as it is.
    if let Some(lf) = crlf_as_lf(text) {
        return edit_lf(format, &lf, servers_key, op).map(|out| out.replace('\n', "\r\n"));
    }
    edit_lf(format, text, servers_key, op)
}

/// `text` with LF line endings when every line of it ends in CRLF; `None` otherwise.
fn crlf_as_lf(text: &str) -> Option<String> {
    let lines = text.matches('\n').count();
    (lines > 0 && text.matches("\r\n").count() == lines).then(|| text.replace("\r\n", "\n"))
}

/// [`edit`] of a text without byte order mark and, if it was CRLF, with LF line endings.
fn edit_lf(format: Format, text: &str, servers_key: &str, op: &Op<'_>) -> Result<String, String> {
    let out = match format {
        Format::Json | Format::JsonComments | Format::Jsonc => {
            edit_json(format, text, servers_key, op)?
        }
        Format::Toml => edit_toml(text, servers_key, op)?,
    };
    if out != text {
        verify(format, text, &out, servers_key, op)?;
    }
    Ok(out)
}

/// Safety net: re-parse the edited text and check that nothing but our entry changed. A
/// failure here is a bug in the editor, so the file is left alone rather than risked.
fn verify(
    format: Format,
    before: &str,
    after: &str,
    servers_key: &str,
    op: &Op<'_>,
) -> Result<(), String> {
    let fail = |what: &str| {
        Err(format!(
            "paas could not edit this file without changing {what} (please report this with \
             the file's layout)"
        ))
    };
    let (Ok(mut old), Ok(mut new)) = (document_json(format, before), document_json(format, after))
    else {
        return fail("its syntax");
    };
    let old_servers = take_object(&mut old, servers_key);
    let new_servers = take_object(&mut new, servers_key);
    if old != new {
        return fail("settings outside the server list");
    }
    let expected: Map<String, Value> = match op {
        Op::Upsert { name, entry, .. } => {
            let Some(Value::Object(got)) = new_servers.get(*name) else {
                return fail("the server list");
            };
            if entry.iter().any(|(k, v)| got.get(k) != Some(v)) {
                return fail("our entry");
            }
            let mut expected = old_servers.clone();
            expected.insert((*name).to_owned(), Value::Object(got.clone()));
            expected
        }
        Op::Remove(pred) => old_servers
            .iter()
            .filter(|(k, v)| !pred(k, v))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect(),
    };
    let same = expected.len() == new_servers.len()
        && expected.iter().all(|(k, v)| new_servers.get(k) == Some(v));
    if !same {
        return fail("other servers");
    }
    Ok(())
}

/// The whole document as JSON (an empty document is an empty object).
fn document_json(format: Format, text: &str) -> Result<Value, String> {
    if text.trim().is_empty() {
        return Ok(Value::Object(Map::new()));
    }
    match format {
        Format::Json | Format::JsonComments | Format::Jsonc => Ok(parse_json(format, text)?
            .value()
            .and_then(|v| v.to_serde_value())
            .unwrap_or(Value::Object(Map::new()))),
        Format::Toml => Ok(toml_item_to_json(parse_toml(text)?.as_item())),
    }
}

fn take_object(doc: &mut Value, key: &str) -> Map<String, Value> {
    match doc.as_object_mut().and_then(|o| o.shift_remove(key)) {
        Some(Value::Object(map)) => map,
        _ => Map::new(),
    }
}

/// The server entries in `text`, as JSON, in file order.
pub fn entries(
    format: Format,
    text: &str,
    servers_key: &str,
) -> Result<Vec<(String, Value)>, String> {
    let text = text.strip_prefix(BOM).unwrap_or(text);
    match format {
        Format::Json | Format::JsonComments | Format::Jsonc => {
            let root = parse_json(format, text)?;
            let Some(value) = root.to_serde_value() else {
                return Ok(Vec::new());
            };
            Ok(match value.get(servers_key) {
                Some(Value::Object(map)) => {
                    map.iter().map(|(k, v)| (k.clone(), v.clone())).collect()
                }
                _ => Vec::new(),
            })
        }
        Format::Toml => {
            let doc = parse_toml(text)?;
            let Some(servers) = doc.get(servers_key).and_then(|i| i.as_table_like()) else {
                return Ok(Vec::new());
            };
            Ok(servers
                .iter()
                .map(|(k, item)| (k.to_owned(), toml_item_to_json(item)))
                .collect())
        }
    }
}

fn parse_options(format: Format) -> ParseOptions {
    ParseOptions {
        allow_comments: format != Format::Json,
        allow_trailing_commas: format == Format::Jsonc,
        allow_loose_object_property_names: false,
        allow_missing_commas: false,
        allow_single_quoted_strings: false,
        allow_hexadecimal_numbers: false,
        allow_unary_plus_numbers: false,
        ..ParseOptions::default()
    }
}

fn parse_json(format: Format, text: &str) -> Result<CstRootNode, String> {
    // The CST parser keeps comments as tokens whatever the options say, so strict files are
    // checked by a strict parser first.
    if format == Format::Json && !text.trim().is_empty() {
        serde_json::from_str::<serde::de::IgnoredAny>(text).map_err(|e| {
            format!(
                "not valid JSON (comments and trailing commas are not allowed in this file): {e}"
            )
        })?;
    }
    let root = CstRootNode::parse(text, &parse_options(format)).map_err(|e| {
        let kind = match format {
            Format::Jsonc => "JSON with comments",
            Format::JsonComments => "JSON (comments are allowed, trailing commas are not)",
            _ => "JSON (comments and trailing commas are not allowed in this file)",
        };
        format!("not valid {kind}: {e}")
    })?;
    if text.trim().is_empty() {
        return Ok(root);
    }
    match root.value() {
        Some(node) if node.as_object().is_some() => Ok(root),
        Some(_) => Err("the top level is not a JSON object".to_owned()),
        None => Ok(root),
    }
}

fn edit_json(format: Format, text: &str, servers_key: &str, op: &Op<'_>) -> Result<String, String> {
    let root = parse_json(format, text)?;
    let before = root.to_serde_value();
    if text.trim().is_empty() && matches!(op, Op::Remove(_)) {
        return Ok(text.to_owned());
    }
    let Some(top) = root.object_value_or_create() else {
        return Err("the top level is not a JSON object".to_owned());
    };
    let servers = match top.get(servers_key) {
        Some(prop) => match prop.value() {
            Some(node) => match node.as_object() {
                Some(obj) => obj,
                None => {
                    return Err(format!("\"{servers_key}\" is not an object"));
                }
            },
            None => return Err(format!("\"{servers_key}\" has no value")),
        },
        None => match op {
            Op::Remove(_) => return Ok(text.to_owned()),
            Op::Upsert { .. } => top
                .append(servers_key, CstInputValue::Object(Vec::new()))
                .object_value()
                .ok_or_else(|| format!("could not add \"{servers_key}\""))?,
        },
    };
    match op {
        Op::Upsert { name, entry, drop } => upsert_json(&servers, name, entry, drop),
        Op::Remove(pred) => {
            for prop in servers.properties() {
                let (Some(name), Some(value)) = (prop.decoded_name(), prop.to_serde_value()) else {
                    continue;
                };
                if pred(&name, &value) {
                    prop.remove();
                }
            }
        }
    }
    // An edit that changes no value (re-run with the same entry) must not rewrite the file.
    if !text.trim().is_empty() && root.to_serde_value() == before {
        return Ok(text.to_owned());
    }
    let mut out = root.to_string();
    if text.trim().is_empty() && !out.ends_with('\n') {
        out.push('\n');
    }
    Ok(out)
}

fn upsert_json(servers: &CstObject, name: &str, entry: &Map<String, Value>, drop: &[String]) {
    let existing = servers.get(name);
    let Some(obj) = existing
        .as_ref()
        .and_then(|p| p.value())
        .and_then(|v| v.as_object())
    else {
        let value = to_cst(&Value::Object(entry.clone()));
        match existing {
            Some(prop) => prop.set_value(value),
            None => {
                servers.append(name, value);
            }
        }
        return;
    };
    let managed = MANAGED_KEYS
        .iter()
        .copied()
        .filter(|k| !entry.contains_key(*k));
    for key in managed.chain(drop.iter().map(String::as_str)) {
        if let Some(prop) = obj.get(key) {
            prop.remove();
        }
    }
    for (key, want) in entry {
        match obj.get(key) {
            Some(prop) => {
                if prop.value().and_then(|v| v.to_serde_value()).as_ref() != Some(want) {
                    prop.set_value(to_cst(want));
                }
            }
            None => {
                obj.append(key, to_cst(want));
            }
        }
    }
}

fn to_cst(value: &Value) -> CstInputValue {
    match value {
        Value::Null => CstInputValue::Null,
        Value::Bool(b) => CstInputValue::Bool(*b),
        Value::Number(n) => CstInputValue::Number(n.to_string()),
        Value::String(s) => CstInputValue::String(s.clone()),
        Value::Array(items) => CstInputValue::Array(items.iter().map(to_cst).collect()),
        Value::Object(map) => {
            CstInputValue::Object(map.iter().map(|(k, v)| (k.clone(), to_cst(v))).collect())
        }
    }
}

fn parse_toml(text: &str) -> Result<DocumentMut, String> {
    text.parse::<DocumentMut>()
        .map_err(|e| format!("not valid TOML: {}", e.to_string().trim_end()))
}

fn edit_toml(text: &str, servers_key: &str, op: &Op<'_>) -> Result<String, String> {
    let mut doc = parse_toml(text)?;
    if !doc.contains_key(servers_key) {
        if matches!(op, Op::Remove(_)) {
            return Ok(text.to_owned());
        }
        let mut table = toml_edit::Table::new();
        table.set_implicit(true);
        doc.insert(servers_key, toml_edit::Item::Table(table));
    }
    let Some(servers) = doc.get_mut(servers_key).and_then(|i| i.as_table_like_mut()) else {
        return Err(format!("`{servers_key}` is not a table"));
    };
    match op {
        Op::Upsert { name, entry, drop } => {
            let is_table = servers.get(name).is_some_and(|i| i.is_table_like());
            if !is_table {
                let mut table = toml_edit::Table::new();
                for (k, v) in entry.iter() {
                    table.insert(k, toml_edit::value(json_to_toml(v)));
                }
                servers.insert(name, toml_edit::Item::Table(table));
            } else if let Some(table) = servers.get_mut(name).and_then(|i| i.as_table_like_mut()) {
                let managed = MANAGED_KEYS
                    .iter()
                    .copied()
                    .filter(|k| !entry.contains_key(*k));
                for key in managed.chain(drop.iter().map(String::as_str)) {
                    table.remove(key);
                }
                for (k, want) in entry.iter() {
                    let same = table.get(k).map(toml_item_to_json).as_ref() == Some(want);
                    if !same {
                        table.insert(k, toml_edit::value(json_to_toml(want)));
                    }
                }
            }
        }
        Op::Remove(pred) => {
            let doomed: Vec<String> = servers
                .iter()
                .filter(|(k, item)| pred(k, &toml_item_to_json(item)))
                .map(|(k, _)| k.to_owned())
                .collect();
            for k in doomed {
                servers.remove(&k);
            }
        }
    }
    let out = doc.to_string();
    // An edit that changes no value (re-run with the same entry) must not rewrite the file.
    if toml_unchanged(text, &out) {
        return Ok(text.to_owned());
    }
    Ok(out)
}

fn toml_unchanged(before: &str, after: &str) -> bool {
    match (
        before.parse::<toml_edit::DocumentMut>(),
        after.parse::<toml_edit::DocumentMut>(),
    ) {
        (Ok(a), Ok(b)) => toml_item_to_json(a.as_item()) == toml_item_to_json(b.as_item()),
        _ => false,
    }
}

fn json_to_toml(value: &Value) -> toml_edit::Value {
    match value {
        Value::Bool(b) => (*b).into(),
        Value::Number(n) => match n.as_i64() {
            Some(i) => i.into(),
            None => n.as_f64().unwrap_or_default().into(),
        },
        Value::String(s) => s.as_str().into(),
        Value::Array(items) => {
            let arr: toml_edit::Array = items.iter().map(json_to_toml).collect();
            toml_edit::Value::Array(arr)
        }
        Value::Object(map) => {
            let mut t = toml_edit::InlineTable::new();
            for (k, v) in map {
                t.insert(k, json_to_toml(v));
            }
            toml_edit::Value::InlineTable(t)
        }
        Value::Null => "".into(),
    }
}

fn toml_value_to_json(value: &toml_edit::Value) -> Value {
    match value {
        toml_edit::Value::String(s) => Value::String(s.value().clone()),
        toml_edit::Value::Integer(i) => Value::from(*i.value()),
        toml_edit::Value::Float(f) => Value::from(*f.value()),
        toml_edit::Value::Boolean(b) => Value::Bool(*b.value()),
        toml_edit::Value::Datetime(d) => Value::String(d.value().to_string()),
        toml_edit::Value::Array(a) => Value::Array(a.iter().map(toml_value_to_json).collect()),
        toml_edit::Value::InlineTable(t) => Value::Object(
            t.iter()
                .map(|(k, v)| (k.to_owned(), toml_value_to_json(v)))
                .collect(),
        ),
    }
}

fn toml_item_to_json(item: &toml_edit::Item) -> Value {
    match item {
        toml_edit::Item::None => Value::Null,
        toml_edit::Item::Value(v) => toml_value_to_json(v),
        toml_edit::Item::Table(t) => Value::Object(
            t.iter()
                .map(|(k, v)| (k.to_owned(), toml_item_to_json(v)))
                .collect(),
        ),
        toml_edit::Item::ArrayOfTables(a) => Value::Array(
            a.iter()
                .map(|t| {
                    Value::Object(
                        t.iter()
                            .map(|(k, v)| (k.to_owned(), toml_item_to_json(v)))
                            .collect(),
                    )
                })
                .collect(),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry() -> Map<String, Value> {
        let mut m = Map::new();
        m.insert("command".into(), Value::from("paas"));
        m.insert("args".into(), Value::from(vec!["mcp"]));
        m
    }

    #[test]
    fn only_a_file_of_crlf_lines_is_treated_as_crlf() {
        assert_eq!(crlf_as_lf("a\r\nb\r\n").as_deref(), Some("a\nb\n"));
        assert_eq!(crlf_as_lf("a\r\nb\n"), None);
        assert_eq!(crlf_as_lf("a\nb\n"), None);
        assert_eq!(crlf_as_lf("a = 1"), None);
    }

    #[test]
    fn the_safety_net_rejects_an_edit_that_touches_anything_else() {
        let e = entry();
        let op = Op::Upsert {
            name: "better-paas",
            entry: &e,
            drop: &[],
        };
        let before = r#"{"a": 1, "mcpServers": {"x": {"command": "y"}}}"#;
        let good = r#"{"a": 1, "mcpServers": {"x": {"command": "y"}, "better-paas": {"command": "paas", "args": ["mcp"]}}}"#;
        assert!(verify(Format::Json, before, good, "mcpServers", &op).is_ok());
        let lost_server =
            r#"{"a": 1, "mcpServers": {"better-paas": {"command": "paas", "args": ["mcp"]}}}"#;
        let changed_setting = r#"{"a": 2, "mcpServers": {"x": {"command": "y"}, "better-paas": {"command": "paas", "args": ["mcp"]}}}"#;
        let wrong_entry = r#"{"a": 1, "mcpServers": {"x": {"command": "y"}, "better-paas": {"command": "paas"}}}"#;
        for bad in [lost_server, changed_setting, wrong_entry, "{"] {
            assert!(
                verify(Format::Json, before, bad, "mcpServers", &op).is_err(),
                "{bad}"
            );
        }
        let pred = |n: &str, _: &Value| n == "x";
        let remove = Op::Remove(&pred);
        assert!(
            verify(
                Format::Json,
                before,
                r#"{"a": 1, "mcpServers": {}}"#,
                "mcpServers",
                &remove
            )
            .is_ok()
        );
        assert!(verify(Format::Json, before, r#"{"a": 1}"#, "mcpServers", &remove).is_ok());
        assert!(verify(Format::Json, before, before, "mcpServers", &remove).is_err());
    }

    #[test]
    fn a_byte_order_mark_is_kept() {
        let e = entry();
        let op = Op::Upsert {
            name: "better-paas",
            entry: &e,
            drop: &[],
        };
        let before = "\u{feff}{\"mcpServers\": {}}\n";
        let after = edit(Format::Json, before, "mcpServers", &op).expect("edit");
        assert!(
            after.starts_with('\u{feff}') && after.contains("better-paas"),
            "{after:?}"
        );
        assert_eq!(
            entries(Format::Json, &after, "mcpServers")
                .expect("entries")
                .len(),
            1
        );
    }

    #[test]
    fn toml_inline_and_dotted_server_tables_are_edited_in_place() {
        let e = entry();
        let op = Op::Upsert {
            name: "better-paas",
            entry: &e,
            drop: &[],
        };
        for before in [
            "model = \"o3\"\nmcp_servers = { docs = { command = \"d\" } }\n",
            "model = \"o3\"\nmcp_servers.docs.command = \"d\"\n\n[profiles.x]\nmodel = \"y\"\n",
        ] {
            let after = edit(Format::Toml, before, "mcp_servers", &op).expect("edit");
            let servers = entries(Format::Toml, &after, "mcp_servers").expect("entries");
            let names: Vec<&str> = servers.iter().map(|(n, _)| n.as_str()).collect();
            assert_eq!(names, ["docs", "better-paas"], "{after}");
            let pred = |n: &str, _: &Value| n == "better-paas";
            let back =
                edit(Format::Toml, &after, "mcp_servers", &Op::Remove(&pred)).expect("remove");
            assert_eq!(back, before);
        }
    }
}
