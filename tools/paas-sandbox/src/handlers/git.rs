//! Git / GitHub browsing (spec §3.6). GitHub is outside the sandbox: without a stored token
//! these answer `401 No GitHub token configured` like upstream; with one, GitHub is
//! unreachable. Branch listing falls back to `["main","master"]` as upstream does.

use std::sync::Arc;

use axum::response::Response;
use serde::Deserialize;

use crate::http::{Call, err, ok};
use crate::state::Inner;
use crate::util::lock;

fn github(inner: &Inner) -> Response {
    if lock(&inner.db).git_token.is_empty() {
        err(401, "No GitHub token configured")
    } else {
        err(
            502,
            "GitHub API error: api.github.com is unreachable from the sandbox",
        )
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
struct BranchesReq {
    git_repo: String,
}

/// `POST /api/git/branches`: falls back to `["main","master"]`.
pub fn branches(_inner: &Arc<Inner>, call: &mut Call) -> Response {
    let r: BranchesReq = match call.json() {
        Ok(r) => r,
        Err(e) => return e,
    };
    if r.git_repo.is_empty() {
        return err(400, "gitRepo is required");
    }
    ok(&["main", "master"])
}

/// `GET /api/git/repos`.
pub fn repos(inner: &Arc<Inner>, _call: &mut Call) -> Response {
    github(inner)
}

/// `GET /api/git/contents`.
pub fn contents(inner: &Arc<Inner>, call: &mut Call) -> Response {
    if call.q("repo").is_empty() {
        return err(400, "repo is required");
    }
    github(inner)
}

/// `GET /api/git/file`.
pub fn file(inner: &Arc<Inner>, call: &mut Call) -> Response {
    if call.q("repo").is_empty() || call.q("path").is_empty() {
        return err(400, "repo and path are required");
    }
    github(inner)
}

/// `GET /api/git/token` (admin): never reveals the token.
pub fn token(inner: &Arc<Inner>, _call: &mut Call) -> Response {
    let connected = !lock(&inner.db).git_token.is_empty();
    ok(&serde_json::json!({ "connected": connected, "token": "" }))
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct TokenReq {
    token: String,
}

/// `POST /api/git/token/save` (admin).
pub fn token_save(inner: &Arc<Inner>, call: &mut Call) -> Response {
    let r: TokenReq = match call.json() {
        Ok(r) => r,
        Err(e) => return e,
    };
    if r.token.trim().is_empty() {
        return err(400, "token is required");
    }
    lock(&inner.db).git_token = r.token.trim().to_string();
    ok(&serde_json::json!({ "status": "saved" }))
}

/// `DELETE /api/git/token/delete` (admin).
pub fn token_delete(inner: &Arc<Inner>, _call: &mut Call) -> Response {
    lock(&inner.db).git_token.clear();
    ok(&serde_json::json!({ "status": "deleted" }))
}
