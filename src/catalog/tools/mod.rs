//! The tool declarations, one file per toolset, and the small helpers they share.
//!
//! A tool is a [`ToolDef`] literal built with `def` plus struct-update for what differs
//! from the defaults; its handler is an `async fn(&ToolContext, Args)` wrapped by
//! `handler!` into the catalogue's plain function-pointer type. Input schemas come from
//! the typed argument structs through [`schema`], so the field doc comments are exactly
//! what the model reads.

// Field docs are written for the model (they become schema descriptions), not for rustdoc:
// URLs in examples stay bare.
#![allow(rustdoc::bare_urls)]

use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use super::{Access, Guard, Method, Route, ToolContext, ToolDef, ToolError, ToolOutput, Toolset};
use crate::api::ApiRequest;

/// Wrap `async fn(&ToolContext, Args) -> Result<ToolOutput, ToolError>` into a [`Handler`]:
/// arguments are deserialised into the function's argument type first, so a bad argument
/// is a [`ToolError::InvalidArguments`] the model can correct.
///
/// [`Handler`]: super::Handler
macro_rules! handler {
    ($f:path) => {{
        fn handle(
            ctx: &$crate::catalog::ToolContext,
            args: serde_json::Value,
        ) -> $crate::catalog::ToolFuture<'_> {
            Box::pin(async move { $f(ctx, $crate::catalog::tools::parse_args(args)?).await })
        }
        handle
    }};
}

pub mod addons;
pub mod agents;
pub mod apps;
pub mod audit;
pub mod backups;
pub mod cron;
pub mod database;
pub mod deploy;
pub mod domains;
pub mod logs;
pub mod metrics;
pub mod notifications;
pub mod outputs;
pub mod projects;
pub mod servers;
pub mod status;
pub mod system;

/// Every toolset's tools, in [`Toolset::ALL`] order.
pub fn collect() -> Vec<ToolDef> {
    [
        status::TOOLS,
        apps::TOOLS,
        deploy::TOOLS,
        domains::TOOLS,
        logs::TOOLS,
        metrics::TOOLS,
        projects::TOOLS,
        addons::TOOLS,
        database::TOOLS,
        servers::TOOLS,
        cron::TOOLS,
        backups::TOOLS,
        notifications::TOOLS,
        system::TOOLS,
        agents::TOOLS,
        audit::TOOLS,
    ]
    .concat()
}

/// A tool with the common defaults: not idempotent, no aliases, no output schema, no
/// description (every declaration sets one).
#[allow(clippy::too_many_arguments)]
pub(crate) const fn def(
    name: &'static str,
    title: &'static str,
    toolset: Toolset,
    access: Access,
    guard: Guard,
    method: Method,
    path: &'static str,
    input_schema: fn() -> Map<String, Value>,
    handler: super::Handler,
) -> ToolDef {
    ToolDef {
        name,
        title,
        description: "",
        toolset,
        access,
        idempotent: false,
        guard,
        route: Route { method, path },
        aliases: &[],
        input_schema,
        output_schema: None,
        handler,
    }
}

/// Arguments for tools that take none.
#[derive(Debug, Default, serde::Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct NoArgs {}

/// Deserialise tool arguments; a missing argument object counts as `{}`.
pub fn parse_args<T: DeserializeOwned>(args: Value) -> Result<T, ToolError> {
    let args = if args.is_null() {
        Value::Object(Map::new())
    } else {
        args
    };
    serde_json::from_value(args).map_err(|e| ToolError::InvalidArguments(e.to_string()))
}

/// The JSON Schema of an argument (or output) type, portable across MCP clients: every
/// subschema inlined (no `$ref`), no `$schema`, and `Option<T>` rendered as plain `T`
/// (optional = not in `required`) instead of `["T", "null"]` / `anyOf [T, null]`.
pub fn schema<T: schemars::JsonSchema>() -> Map<String, Value> {
    let generator = schemars::generate::SchemaSettings::draft2020_12()
        .with(|s| s.inline_subschemas = true)
        .into_generator();
    let root = generator.into_root_schema_for::<T>();
    let mut value = serde_json::to_value(&root).unwrap_or(Value::Null);
    strip_nulls(&mut value);
    restore_nulls(&mut value);
    let mut map = match value {
        Value::Object(map) => map,
        _ => Map::new(),
    };
    map.remove("$schema");
    map.remove("title");
    map.entry("properties")
        .or_insert_with(|| Value::Object(Map::new()));
    map
}

/// The JSON Schema of a tool's structured result: [`schema`] without what only costs bytes in
/// every `tools/list`: the root description (the tool's description says it), the type
/// descriptions of list items (their member's description says it), and numeric `format`,
/// `minimum` and `maximum` (a result schema describes numbers; it never narrows them).
pub fn result_schema<T: schemars::JsonSchema>() -> Map<String, Value> {
    let mut map = schema::<T>();
    map.remove("description");
    let mut value = Value::Object(map);
    compact(&mut value);
    match value {
        Value::Object(map) => map,
        _ => Map::new(),
    }
}

/// See [`result_schema`]: walks subschemas only (never a `properties` map itself, whose
/// keys are member names such as `description`).
fn compact(schema: &mut Value) {
    let Value::Object(map) = schema else {
        return;
    };
    for key in ["format", "minimum", "maximum"] {
        map.remove(key);
    }
    if let Some(Value::Object(members)) = map.get_mut("properties") {
        members.values_mut().for_each(compact);
    }
    if let Some(items) = map.get_mut("items") {
        if let Value::Object(item) = items {
            item.remove("description");
        }
        compact(items);
    }
    if let Some(values) = map.get_mut("additionalProperties") {
        compact(values);
    }
    for key in ["anyOf", "oneOf", "allOf"] {
        if let Some(Value::Array(alternatives)) = map.get_mut(key) {
            alternatives.iter_mut().for_each(compact);
        }
    }
}

/// The keyword [`OrNull`] marks its schema with until [`restore_nulls`] turns it into a
/// `null` type; never left in a schema.
const OR_NULL: &str = "x-paas-or-null";

/// A value the PaaS may send as `null`: Go encodes a nil slice or map (`domains`,
/// `volumes`, `envVars`, empty lists; spec §6, §9.6) as `null`, not `[]` or `{}`.
///
/// Only for schemas: its JSON Schema is `T`'s with `null` allowed too. [`schema`] keeps this
/// `null` (unlike the one of `Option<T>`, which only means "may be absent"), so
/// `Option<OrNull<Vec<String>>>` is an optional member that is an array of strings or `null`.
pub struct OrNull<T>(std::marker::PhantomData<T>);

impl<T: schemars::JsonSchema> schemars::JsonSchema for OrNull<T> {
    fn inline_schema() -> bool {
        true
    }

    fn schema_name() -> std::borrow::Cow<'static, str> {
        format!("{}_or_null", T::schema_name()).into()
    }

    fn json_schema(generator: &mut schemars::SchemaGenerator) -> schemars::Schema {
        let mut schema = generator.subschema_for::<T>();
        schema.insert(OR_NULL.to_owned(), Value::Bool(true));
        schema
    }
}

/// Allow `null` in every subschema [`OrNull`] marked (after [`strip_nulls`], which would
/// remove it), and drop the marker.
fn restore_nulls(value: &mut Value) {
    match value {
        Value::Object(map) => {
            if map.remove(OR_NULL).is_some() {
                let null = Value::from("null");
                match map.get_mut("type") {
                    Some(Value::Array(types)) if !types.contains(&null) => types.push(null),
                    Some(Value::String(t)) if t != "null" => {
                        let t = Value::from(std::mem::take(t));
                        map.insert("type".to_owned(), Value::Array(vec![t, null]));
                    }
                    // No type: any value, null included, is allowed already.
                    _ => {}
                }
            }
            map.values_mut().for_each(restore_nulls);
        }
        Value::Array(items) => items.iter_mut().for_each(restore_nulls),
        _ => {}
    }
}

/// Remove `null` alternatives that schemars emits for `Option<T>`, recursively.
///
/// Where the `Option` is a member of an object, an optional member is simply left out. The
/// value schema of a map (`additionalProperties`) or of array items is different: there
/// `Option<T>` means the value itself may be null (a SQL NULL in a row), and a schema that
/// said `T` would make clients that check arguments refuse to send it. A type list with
/// `null` is not portable either (Gemini rejects it), so such a value schema loses its `type`
/// and says in its description what it takes; the tool checks the value itself.
fn strip_nulls(value: &mut Value) {
    strip_nulls_at(value, true);
}

fn strip_nulls_at(value: &mut Value, member: bool) {
    let Value::Object(map) = value else {
        if let Value::Array(items) = value {
            items.iter_mut().for_each(strip_nulls);
        }
        return;
    };
    if !member
        && let Some(Value::Array(types)) = map.get("type")
        && types.iter().any(|t| t.as_str() == Some("null"))
    {
        let names: Vec<&str> = types
            .iter()
            .filter_map(Value::as_str)
            .filter(|t| *t != "null")
            .collect();
        let said = format!("A {} or null.", names.join(" or "));
        map.remove("type");
        map.entry("description").or_insert(Value::String(said));
    }
    if let Some(Value::Array(types)) = map.get("type") {
        let non_null: Vec<Value> = types
            .iter()
            .filter(|t| t.as_str() != Some("null"))
            .cloned()
            .collect();
        if non_null.len() == 1 {
            map.insert("type".to_owned(), non_null[0].clone());
        } else if non_null.len() < types.len() {
            map.insert("type".to_owned(), Value::Array(non_null));
        }
    }
    if let Some(Value::Array(any_of)) = map.get("anyOf") {
        let non_null: Vec<Value> = any_of
            .iter()
            .filter(|s| s.get("type").and_then(Value::as_str) != Some("null"))
            .cloned()
            .collect();
        if non_null.len() == 1
            && let Value::Object(inner) = &non_null[0]
        {
            map.remove("anyOf");
            for (k, v) in inner {
                map.entry(k.clone()).or_insert_with(|| v.clone());
            }
        }
    }
    if map.get("default") == Some(&Value::Null) {
        map.remove("default");
    }
    if let Some(Value::Array(en)) = map.get_mut("enum") {
        en.retain(|v| !v.is_null());
    }
    for (key, v) in map.iter_mut() {
        strip_nulls_at(v, key != "additionalProperties" && key != "items");
    }
}

/// `GET path?query…` and parse the JSON body.
pub(crate) async fn get(
    ctx: &ToolContext,
    path: &str,
    query: &[(&str, String)],
) -> Result<Value, ToolError> {
    let mut request = ApiRequest::get(path);
    for (k, v) in query {
        request = request.query(k, v);
    }
    Ok(ctx.api.send(request).await?)
}

/// `POST path` with a JSON body.
pub(crate) async fn post(ctx: &ToolContext, path: &str, body: Value) -> Result<Value, ToolError> {
    Ok(ctx.api.send(ApiRequest::post(path, body)).await?)
}

/// A JSON array body, treating the server's `null` for empty lists (spec §9.6) as `[]`.
pub(crate) fn array(value: Value) -> Vec<Value> {
    match value {
        Value::Array(items) => items,
        _ => Vec::new(),
    }
}

/// Keep only `fields` of an object (lists are projected to what a model needs).
pub(crate) fn project(value: &Value, fields: &[&str]) -> Value {
    let mut out = Map::new();
    if let Value::Object(map) = value {
        for field in fields {
            if let Some(v) = map.get(*field)
                && !v.is_null()
                && v != ""
            {
                out.insert((*field).to_owned(), v.clone());
            }
        }
    }
    Value::Object(out)
}

/// A successful output: the structured value (wrapped in an object when it is not one,
/// since MCP `structuredContent` must be an object) and its text.
pub(crate) fn output(structured: Value, text: impl Into<String>) -> ToolOutput {
    let structured = match structured {
        Value::Object(_) => structured,
        other => serde_json::json!({ "result": other }),
    };
    ToolOutput {
        structured,
        text: text.into(),
    }
}

/// Output whose text is the compact JSON of the structured value.
pub(crate) fn json_output(structured: Value) -> ToolOutput {
    let structured = match structured {
        Value::Object(_) => structured,
        other => serde_json::json!({ "result": other }),
    };
    let text = serde_json::to_string(&structured).unwrap_or_default();
    ToolOutput { structured, text }
}

/// A list output: `{ <key>: [...], count }` and one compact JSON line per item.
pub(crate) fn list_output(key: &str, items: Vec<Value>, empty: &str) -> ToolOutput {
    let text = if items.is_empty() {
        empty.to_owned()
    } else {
        items
            .iter()
            .map(|i| serde_json::to_string(i).unwrap_or_default())
            .collect::<Vec<_>>()
            .join("\n")
    };
    let count = items.len();
    let mut map = Map::new();
    map.insert(key.to_owned(), Value::Array(items));
    map.insert("count".to_owned(), Value::from(count));
    ToolOutput {
        structured: Value::Object(map),
        text,
    }
}

/// The string field `key` of an object, or `""`.
pub(crate) fn str_field<'a>(value: &'a Value, key: &str) -> &'a str {
    value.get(key).and_then(Value::as_str).unwrap_or("")
}

/// Insert optional fields into a JSON body only when set.
pub(crate) fn put_opt<T: serde::Serialize>(
    body: &mut Map<String, Value>,
    key: &str,
    v: &Option<T>,
) {
    if let Some(v) = v
        && let Ok(v) = serde_json::to_value(v)
    {
        body.insert(key.to_owned(), v);
    }
}

/// Remove top-level `null` members: optional output fields are absent, never `null`, so
/// the structured content always matches its output schema.
pub(crate) fn drop_nulls(value: Value) -> Value {
    match value {
        Value::Object(map) => {
            Value::Object(map.into_iter().filter(|(_, v)| !v.is_null()).collect())
        }
        other => other,
    }
}

/// Lenient count argument: accepts `50`, `50.0` (clients that only know "number", like the
/// Go server's schema) and `"50"`; zero or negative means "use the default".
pub(crate) fn lenient_count<'de, D>(de: D) -> Result<Option<u32>, D::Error>
where
    D: serde::Deserializer<'de>,
{
    use serde::de::Error;
    let v = Option::<Value>::deserialize(de)?;
    let n = match v {
        None | Some(Value::Null) => return Ok(None),
        Some(Value::Number(n)) => n.as_f64().unwrap_or(0.0),
        Some(Value::String(s)) => s.trim().parse::<f64>().map_err(|_| {
            D::Error::custom(format!("expected a number of lines/items, got {s:?}"))
        })?,
        Some(other) => {
            return Err(D::Error::custom(format!("expected a number, got {other}")));
        }
    };
    if !n.is_finite() || n < 1.0 {
        return Ok(None);
    }
    Ok(Some(n.min(f64::from(u32::MAX)) as u32))
}

/// Validate a name against the server's app-name rule (spec §7) before sending.
pub(crate) fn check_name(what: &str, name: &str) -> Result<(), ToolError> {
    let bytes = name.as_bytes();
    let ok_char = |c: &u8| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == b'-';
    let alnum = |c: Option<&u8>| c.is_some_and(|c| c.is_ascii_lowercase() || c.is_ascii_digit());
    if (2..=40).contains(&bytes.len())
        && bytes.iter().all(ok_char)
        && alnum(bytes.first())
        && alnum(bytes.last())
    {
        Ok(())
    } else {
        Err(ToolError::InvalidArguments(format!(
            "invalid {what} name {name:?}: use 2-40 lowercase letters, digits or hyphens, starting and ending with a letter or digit (e.g. \"my-app\")"
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Schema-only type: an optional nullable list, a required nullable number and an
    /// optional plain string.
    #[derive(schemars::JsonSchema)]
    #[allow(dead_code)]
    struct Sample {
        /// Optional, array or null.
        list: Option<OrNull<Vec<String>>>,
        /// Required, integer or null.
        size: OrNull<i64>,
        /// Optional string, never null.
        text: Option<String>,
    }

    #[test]
    fn or_null_keeps_null_and_option_only_means_optional() {
        let schema = Value::Object(schema::<Sample>());
        let props = &schema["properties"];
        assert_eq!(props["list"]["type"], serde_json::json!(["array", "null"]));
        assert_eq!(props["list"]["items"]["type"], "string");
        assert_eq!(
            props["size"]["type"],
            serde_json::json!(["integer", "null"])
        );
        assert_eq!(props["text"]["type"], "string");
        assert_eq!(schema["required"], serde_json::json!(["size"]));
        assert!(!schema.to_string().contains(OR_NULL), "{schema}");
        assert!(!schema.to_string().contains("anyOf"), "{schema}");
    }
}
