//! The add-on DB explorer (spec §3.4): real SQL on the add-on's SQLite database, and a small
//! Redis key store (GET/SET/DEL/KEYS/EXISTS/PING). SQL errors come back as HTTP 200 with
//! `error` set, like upstream.

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::response::Response;
use rusqlite::types::ValueRef;
use rusqlite::{Connection, params_from_iter};
use serde::{Deserialize, Serialize};

use crate::dbexplorer::{is_sql, with_conn};
use crate::http::{Call, err, ok};
use crate::model::Addon;
use crate::state::Inner;
use crate::util::lock;

/// `{columns, rows, message?, error?, total?}`.
#[derive(Debug, Default, Serialize)]
pub struct QueryResult {
    columns: Vec<String>,
    rows: Vec<Vec<Option<String>>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    message: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    total: Option<i64>,
}

impl QueryResult {
    fn error(e: impl std::fmt::Display) -> QueryResult {
        QueryResult {
            error: Some(e.to_string()),
            ..QueryResult::default()
        }
    }
    fn message(m: String) -> QueryResult {
        QueryResult {
            message: Some(m),
            ..QueryResult::default()
        }
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
struct Req {
    id: String,
    table: String,
    query: String,
    limit: i64,
    offset: i64,
    order_by: String,
    order_dir: String,
    values: BTreeMap<String, Option<String>>,
    set: BTreeMap<String, Option<String>>,
    #[serde(rename = "where")]
    where_: BTreeMap<String, Option<String>>,
}

/// Decodes the body and finds a running add-on.
fn prepare(inner: &Inner, call: &Call) -> Result<(Req, Addon), Response> {
    let r: Req = call.json()?;
    let db = lock(&inner.db);
    let Some(addon) = db.addons.iter().find(|a| a.id == r.id).cloned() else {
        return Err(err(404, "Add-on not found"));
    };
    if addon.status != "running" {
        return Err(err(409, "Database is not running"));
    }
    Ok((r, addon))
}

fn quote(ident: &str) -> String {
    format!("\"{}\"", ident.replace('"', "\"\""))
}

fn cell(v: ValueRef<'_>) -> Option<String> {
    match v {
        ValueRef::Null => None,
        ValueRef::Integer(i) => Some(i.to_string()),
        ValueRef::Real(f) => Some(f.to_string()),
        ValueRef::Text(t) => Some(String::from_utf8_lossy(t).into_owned()),
        ValueRef::Blob(b) => Some(format!("\\x{}", hex::encode(b))),
    }
}

/// Runs one statement; rows when it yields columns, else an affected-rows message.
fn run_sql(conn: &Connection, sql: &str, params: &[Option<String>]) -> QueryResult {
    let mut stmt = match conn.prepare(sql) {
        Ok(s) => s,
        Err(e) => return QueryResult::error(e),
    };
    let columns: Vec<String> = stmt.column_names().iter().map(|c| c.to_string()).collect();
    if columns.is_empty() {
        return match stmt.execute(params_from_iter(params.iter())) {
            Ok(n) => QueryResult::message(format!("{n} row(s) affected")),
            Err(e) => QueryResult::error(e),
        };
    }
    let n = columns.len();
    let mut rows = Vec::new();
    let mut q = match stmt.query(params_from_iter(params.iter())) {
        Ok(q) => q,
        Err(e) => return QueryResult::error(e),
    };
    loop {
        match q.next() {
            Ok(Some(row)) => {
                rows.push((0..n).map(|i| row.get_ref(i).ok().and_then(cell)).collect())
            }
            Ok(None) => break,
            Err(e) => return QueryResult::error(e),
        }
    }
    QueryResult {
        columns,
        rows,
        ..QueryResult::default()
    }
}

fn table_names(conn: &Connection) -> Vec<String> {
    let r = run_sql(
        conn,
        "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%' ORDER BY name",
        &[],
    );
    r.rows.into_iter().filter_map(|mut r| r.remove(0)).collect()
}

fn column_names(conn: &Connection, table: &str) -> Vec<String> {
    let r = run_sql(conn, &format!("PRAGMA table_info({})", quote(table)), &[]);
    r.rows
        .into_iter()
        .filter_map(|r| r.get(1).cloned().flatten())
        .collect()
}

fn sql_route(
    inner: &Arc<Inner>,
    call: &Call,
    f: impl FnOnce(&Connection, &Req) -> Response,
) -> Response {
    let (r, addon) = match prepare(inner, call) {
        Ok(x) => x,
        Err(e) => return e,
    };
    if !is_sql(&addon.kind) {
        return err(400, "This operation is only supported for SQL databases");
    }
    with_conn(inner, &addon.id, |c| f(c, &r))
        .unwrap_or_else(|| err(502, "Failed to connect to database"))
}

/// `POST /api/addons/db/tables`: SQL tables, or Redis keys (max 1000).
pub fn tables(inner: &Arc<Inner>, call: &mut Call) -> Response {
    let (_, addon) = match prepare(inner, call) {
        Ok(x) => x,
        Err(e) => return e,
    };
    let tables = if is_sql(&addon.kind) {
        with_conn(inner, &addon.id, table_names).unwrap_or_default()
    } else {
        let db = lock(&inner.db);
        db.redis
            .get(&addon.id)
            .map(|m| m.keys().take(1000).cloned().collect())
            .unwrap_or_default()
    };
    ok(&serde_json::json!({ "type": addon.kind, "tables": tables }))
}

/// `POST /api/addons/db/table`: a page of rows.
pub fn table(inner: &Arc<Inner>, call: &mut Call) -> Response {
    sql_route(inner, call, |c, r| {
        if r.table.is_empty() {
            return err(400, "table is required");
        }
        if !table_names(c).contains(&r.table) {
            return ok(&QueryResult::error(format!("no such table: {}", r.table)));
        }
        let limit = if (1..=1000).contains(&r.limit) {
            r.limit
        } else {
            50
        };
        let offset = r.offset.max(0);
        let mut sql = format!("SELECT * FROM {}", quote(&r.table));
        if !r.order_by.is_empty() {
            if !column_names(c, &r.table).contains(&r.order_by) {
                return err(400, "invalid orderBy column");
            }
            let dir = if r.order_dir.eq_ignore_ascii_case("desc") {
                "DESC"
            } else {
                "ASC"
            };
            sql.push_str(&format!(" ORDER BY {} {dir}", quote(&r.order_by)));
        }
        sql.push_str(&format!(" LIMIT {limit} OFFSET {offset}"));
        let mut res = run_sql(c, &sql, &[]);
        let total = run_sql(c, &format!("SELECT COUNT(*) FROM {}", quote(&r.table)), &[]);
        res.total = total
            .rows
            .first()
            .and_then(|r| r.first().cloned().flatten())
            .and_then(|s| s.parse().ok());
        ok(&res)
    })
}

/// `POST /api/addons/db/query`: arbitrary SQL or a Redis command.
pub fn query(inner: &Arc<Inner>, call: &mut Call) -> Response {
    let (r, addon) = match prepare(inner, call) {
        Ok(x) => x,
        Err(e) => return e,
    };
    if r.query.trim().is_empty() {
        return err(400, "query is required");
    }
    if is_sql(&addon.kind) {
        return with_conn(inner, &addon.id, |c| ok(&run_sql(c, r.query.trim(), &[])))
            .unwrap_or_else(|| err(502, "Failed to connect to database"));
    }
    let mut db = lock(&inner.db);
    let store = db.redis.entry(addon.id.clone()).or_default();
    ok(&redis(store, &r.query))
}

/// A tiny redis-cli: GET, SET, DEL, KEYS, EXISTS, PING.
fn redis(store: &mut BTreeMap<String, String>, line: &str) -> QueryResult {
    let words = split_words(line);
    let Some(cmd) = words.first() else {
        return QueryResult::error("empty command");
    };
    let one = |v: String| QueryResult {
        columns: vec!["result".into()],
        rows: vec![vec![Some(v)]],
        ..QueryResult::default()
    };
    match (cmd.to_ascii_uppercase().as_str(), &words[1..]) {
        ("PING", []) => one("PONG".into()),
        ("GET", [k]) => QueryResult {
            columns: vec!["result".into()],
            rows: vec![vec![store.get(k).cloned()]],
            ..QueryResult::default()
        },
        ("SET", [k, v]) => {
            store.insert(k.clone(), v.clone());
            one("OK".into())
        }
        ("DEL", keys) if !keys.is_empty() => {
            let n = keys.iter().filter(|k| store.remove(*k).is_some()).count();
            one(n.to_string())
        }
        ("EXISTS", keys) if !keys.is_empty() => one(keys
            .iter()
            .filter(|k| store.contains_key(*k))
            .count()
            .to_string()),
        ("KEYS", [pattern]) => QueryResult {
            columns: vec!["key".into()],
            rows: store
                .keys()
                .filter(|k| glob(pattern, k))
                .map(|k| vec![Some(k.clone())])
                .collect(),
            ..QueryResult::default()
        },
        (c, _) => QueryResult::error(format!(
            "ERR unknown command or wrong number of arguments for '{}'",
            c.to_ascii_lowercase()
        )),
    }
}

fn split_words(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut quote: Option<char> = None;
    let mut has = false;
    for ch in line.trim().chars() {
        match (quote, ch) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), c) => cur.push(c),
            (None, '"' | '\'') => {
                quote = Some(ch);
                has = true;
            }
            (None, c) if c.is_whitespace() => {
                if has {
                    out.push(std::mem::take(&mut cur));
                    has = false;
                }
            }
            (None, c) => {
                cur.push(c);
                has = true;
            }
        }
    }
    if has {
        out.push(cur);
    }
    out
}

/// Redis-style glob with `*` and `?`.
fn glob(p: &str, s: &str) -> bool {
    let (p, s): (Vec<char>, Vec<char>) = (p.chars().collect(), s.chars().collect());
    fn go(p: &[char], s: &[char]) -> bool {
        match p.first() {
            None => s.is_empty(),
            Some('*') => (0..=s.len()).any(|i| go(&p[1..], &s[i..])),
            Some('?') => !s.is_empty() && go(&p[1..], &s[1..]),
            Some(c) => s.first() == Some(c) && go(&p[1..], &s[1..]),
        }
    }
    go(&p, &s)
}

/// `POST /api/addons/db/columns`.
pub fn columns(inner: &Arc<Inner>, call: &mut Call) -> Response {
    sql_route(inner, call, |c, r| {
        if r.table.is_empty() {
            return err(400, "table is required");
        }
        let info = run_sql(c, &format!("PRAGMA table_info({})", quote(&r.table)), &[]);
        if let Some(e) = info.error {
            return err(502, &e);
        }
        let cols: Vec<_> = info
            .rows
            .iter()
            .map(|row| {
                let g = |i: usize| row.get(i).cloned().flatten();
                serde_json::json!({
                    "name": g(1).unwrap_or_default(),
                    "type": g(2).unwrap_or_default(),
                    "nullable": g(3).as_deref() != Some("1"),
                    "primaryKey": g(5).is_some_and(|v| v != "0"),
                    "default": g(4),
                })
            })
            .collect();
        ok(&serde_json::json!({ "columns": cols }))
    })
}

/// Checks a table and its column names before building SQL with them.
fn known(c: &Connection, table: &str, cols: &[&String]) -> Result<(), QueryResult> {
    if !table_names(c).iter().any(|t| t == table) {
        return Err(QueryResult::error(format!("no such table: {table}")));
    }
    let have = column_names(c, table);
    match cols.iter().find(|k| !have.contains(k)) {
        Some(bad) => Err(QueryResult::error(format!("no such column: {bad}"))),
        None => Ok(()),
    }
}

/// `POST /api/addons/db/row/insert`.
pub fn row_insert(inner: &Arc<Inner>, call: &mut Call) -> Response {
    sql_route(inner, call, |c, r| {
        let cols: Vec<&String> = r.values.keys().collect();
        if cols.is_empty() {
            return err(400, "values are required");
        }
        if let Err(q) = known(c, &r.table, &cols) {
            return ok(&q);
        }
        let names: Vec<String> = cols.iter().map(|k| quote(k)).collect();
        let marks = vec!["?"; cols.len()].join(", ");
        let sql = format!(
            "INSERT INTO {} ({}) VALUES ({marks})",
            quote(&r.table),
            names.join(", ")
        );
        let params: Vec<Option<String>> = r.values.values().cloned().collect();
        ok(&run_sql(c, &sql, &params))
    })
}

fn where_clause(w: &BTreeMap<String, Option<String>>, params: &mut Vec<Option<String>>) -> String {
    let parts: Vec<String> = w
        .iter()
        .map(|(k, v)| match v {
            None => format!("{} IS NULL", quote(k)),
            Some(v) => {
                params.push(Some(v.clone()));
                format!("{} = ?", quote(k))
            }
        })
        .collect();
    parts.join(" AND ")
}

/// `POST /api/addons/db/row/update`.
pub fn row_update(inner: &Arc<Inner>, call: &mut Call) -> Response {
    sql_route(inner, call, |c, r| {
        if r.set.is_empty() || r.where_.is_empty() {
            return err(400, "set and where are required");
        }
        let cols: Vec<&String> = r.set.keys().chain(r.where_.keys()).collect();
        if let Err(q) = known(c, &r.table, &cols) {
            return ok(&q);
        }
        let mut params: Vec<Option<String>> = r.set.values().cloned().collect();
        let set: Vec<String> = r.set.keys().map(|k| format!("{} = ?", quote(k))).collect();
        let wh = where_clause(&r.where_, &mut params);
        let sql = format!(
            "UPDATE {} SET {} WHERE {wh}",
            quote(&r.table),
            set.join(", ")
        );
        ok(&run_sql(c, &sql, &params))
    })
}

/// `POST /api/addons/db/row/delete`.
pub fn row_delete(inner: &Arc<Inner>, call: &mut Call) -> Response {
    sql_route(inner, call, |c, r| {
        if r.where_.is_empty() {
            return err(400, "where is required");
        }
        let cols: Vec<&String> = r.where_.keys().collect();
        if let Err(q) = known(c, &r.table, &cols) {
            return ok(&q);
        }
        let mut params = Vec::new();
        let wh = where_clause(&r.where_, &mut params);
        let sql = format!("DELETE FROM {} WHERE {wh}", quote(&r.table));
        ok(&run_sql(c, &sql, &params))
    })
}
