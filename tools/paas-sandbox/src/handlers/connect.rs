//! Browser connect flow (spec §3.12, paas-cli.md §3): approve (admin) and exchange (public).

use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::response::Response;
use serde::Deserialize;

use crate::handlers::agents::insert_agent;
use crate::http::{Call, err, ok};
use crate::state::{Inner, PendingConnect};
use crate::util::{self, lock};
use crate::validate;

/// Profile → scopes (spec §2.2).
pub fn profile_scopes(profile: &str) -> Option<Vec<String>> {
    let observer = ["apps:read", "logs:read", "metrics:read"];
    let deployer = ["apps:write", "deploy:trigger"];
    let operator = [
        "addons:manage",
        "servers:manage",
        "cron:manage",
        "backups:manage",
        "notifications:manage",
    ];
    let v: Vec<&str> = match profile {
        "observer" => observer.to_vec(),
        "deployer" => observer.iter().chain(&deployer).copied().collect(),
        "operator" => observer
            .iter()
            .chain(&deployer)
            .chain(&operator)
            .copied()
            .collect(),
        _ => return None,
    };
    Some(v.into_iter().map(str::to_string).collect())
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct ApproveReq {
    state: String,
    profile: String,
    name: String,
    port: i64,
}

/// `POST /api/connect/agent/approve`: creates the agent now, parks the token for 5 min.
pub fn approve(inner: &Arc<Inner>, call: &mut Call) -> Response {
    let r: ApproveReq = match call.json() {
        Ok(r) => r,
        Err(e) => return e,
    };
    if !validate::connect_state(&r.state) {
        return err(400, "Invalid state");
    }
    if !(1024..=65535).contains(&r.port) {
        return err(400, "Invalid callback port");
    }
    let profile = r.profile.to_ascii_lowercase();
    let Some(scopes) = profile_scopes(&profile) else {
        return err(400, "Invalid profile");
    };
    let name = r.name.trim().to_string();
    if name.is_empty() {
        return err(400, "name is required");
    }
    let (row, token) = insert_agent(&mut lock(&inner.db), &name, scopes);
    let code = util::random_hex32();
    let mut pending = lock(&inner.connects);
    let now = Instant::now();
    pending.retain(|_, p| p.expires > now);
    pending.insert(
        r.state.clone(),
        PendingConnect {
            code: code.clone(),
            token,
            profile,
            name: row.name.clone(),
            agent_id: row.id.clone(),
            expires: now + Duration::from_secs(300),
        },
    );
    ok(&serde_json::json!({
        "callbackUrl": format!("http://127.0.0.1:{}/callback?code={code}&state={}", r.port, r.state),
        "agentId": row.id,
    }))
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct ExchangeReq {
    state: String,
    code: String,
}

/// `POST /api/connect/agent/exchange`: one-time; the entry is burnt before the comparison.
pub fn exchange(inner: &Arc<Inner>, call: &mut Call) -> Response {
    let r: ExchangeReq = match crate::http::decode(&call.body) {
        Ok(r) => r,
        Err(_) => return err(400, "Invalid request"),
    };
    if r.state.is_empty() || r.code.is_empty() {
        return err(400, "Invalid request");
    }
    let entry = lock(&inner.connects).remove(&r.state);
    match entry {
        Some(p) if p.expires > Instant::now() && util::ct_eq(&p.code, &r.code) => {
            ok(&serde_json::json!({
                "url": base_url(call, inner),
                "token": p.token,
                "profile": p.profile,
                "name": p.name,
                "agentId": p.agent_id,
            }))
        }
        _ => err(401, "Invalid or expired connect code"),
    }
}

/// The request's base URL (`X-Forwarded-Proto`/`-Host` trusted, as upstream does).
pub fn base_url(call: &Call, inner: &Inner) -> String {
    let h = |k: &str| {
        call.headers
            .get(k)
            .and_then(|v| v.to_str().ok())
            .map(|s| s.split(',').next().unwrap_or("").trim().to_string())
            .filter(|s| !s.is_empty())
    };
    let scheme = h("x-forwarded-proto").unwrap_or_else(|| "http".into());
    match h("x-forwarded-host").or_else(|| h("host")) {
        Some(host) => format!("{scheme}://{host}"),
        None => inner.base_url.clone(),
    }
}
