//! Agent management (admin only, spec §3.12).

use std::sync::Arc;

use axum::response::Response;
use serde::Deserialize;

use super::IdBody;
use crate::http::{Call, err, ok};
use crate::model::AgentRow;
use crate::state::{Db, Inner};
use crate::util::{self, lock};

/// The 13 scopes of spec §2.1.
pub const ALL_SCOPES: &[&str] = &[
    "apps:read",
    "apps:write",
    "apps:delete",
    "addons:manage",
    "servers:manage",
    "deploy:trigger",
    "logs:read",
    "metrics:read",
    "system:manage",
    "cron:manage",
    "backups:manage",
    "notifications:manage",
    "agent:admin",
];

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct CreateReq {
    name: String,
    scopes: Option<Vec<String>>,
}

/// Stores a new agent and returns it with its one-time token.
pub fn insert_agent(db: &mut Db, name: &str, scopes: Vec<String>) -> (AgentRow, String) {
    let token = util::new_agent_token();
    let row = AgentRow {
        id: util::new_id(),
        name: name.to_string(),
        scopes,
        created_at: util::now(),
        last_used_at: util::ZERO_TIME.into(),
        token_hash: util::hash_token(&token),
    };
    db.agents.push(row.clone());
    (row, token)
}

/// `GET /api/agents`: newest first, `null` when none.
pub fn list(inner: &Arc<Inner>, _call: &mut Call) -> Response {
    let db = lock(&inner.db);
    if db.agents.is_empty() {
        return ok(&serde_json::Value::Null);
    }
    let v: Vec<_> = db.agents.iter().rev().map(AgentRow::view).collect();
    ok(&v)
}

/// `POST /api/agents/create`.
pub fn create(inner: &Arc<Inner>, call: &mut Call) -> Response {
    let r: CreateReq = match call.json() {
        Ok(r) => r,
        Err(e) => return e,
    };
    if r.name.trim().is_empty() {
        return err(400, "name is required");
    }
    let scopes = r.scopes.unwrap_or_default();
    if let Some(bad) = scopes.iter().find(|s| !ALL_SCOPES.contains(&s.as_str())) {
        return err(400, &format!("invalid scope: {bad}"));
    }
    let mut db = lock(&inner.db);
    let (row, token) = insert_agent(&mut db, r.name.trim(), scopes);
    ok(&serde_json::json!({
        "id": row.id,
        "name": row.name,
        "scopes": row.scopes,
        "createdAt": row.created_at,
        "token": token,
    }))
}

/// `POST /api/agents/delete`: revocation is immediate.
pub fn delete(inner: &Arc<Inner>, call: &mut Call) -> Response {
    let r: IdBody = match call.json() {
        Ok(r) => r,
        Err(e) => return e,
    };
    let mut db = lock(&inner.db);
    let before = db.agents.len();
    db.agents.retain(|a| a.id != r.id);
    if db.agents.len() == before {
        return err(404, "Agent not found");
    }
    ok(&serde_json::json!({ "status": "deleted" }))
}

/// `POST /api/agents/rotate`: new token, same scopes, `lastUsedAt` reset.
pub fn rotate(inner: &Arc<Inner>, call: &mut Call) -> Response {
    let r: IdBody = match call.json() {
        Ok(r) => r,
        Err(e) => return e,
    };
    let mut db = lock(&inner.db);
    let Some(a) = db.agents.iter_mut().find(|a| a.id == r.id) else {
        return err(404, "Agent not found");
    };
    let token = util::new_agent_token();
    a.token_hash = util::hash_token(&token);
    a.last_used_at = util::ZERO_TIME.into();
    ok(&serde_json::json!({ "id": a.id, "name": a.name, "token": token }))
}
