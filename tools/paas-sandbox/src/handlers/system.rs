//! Health, manifest, system, metrics and deployment history (spec §3.10).

use std::sync::Arc;

use axum::response::Response;
use serde::Deserialize;

use crate::handlers::connect::base_url;
use crate::http::{Call, err, ok};
use crate::model::Deployment;
use crate::state::Inner;
use crate::util::{self, lock};

/// Version string the sandbox reports.
pub const VERSION: &str = concat!("sandbox-", env!("CARGO_PKG_VERSION"));

/// `/api/health` (any method).
pub fn health(inner: &Arc<Inner>, _call: &mut Call) -> Response {
    let up = inner.started.elapsed().as_secs();
    ok(&serde_json::json!({
        "status": "healthy",
        "timestamp": util::now(),
        "uptime": format!("{}h{}m{}s", up / 3600, up / 60 % 60, up % 60),
        "version": VERSION,
    }))
}

/// `/.well-known/better-paas.json`: `apiUrl` from the request; `uiUrl` is the configured
/// dashboard or, by default, the sandbox itself (it serves `/connect/agent`).
pub fn well_known(inner: &Arc<Inner>, call: &mut Call) -> Response {
    let api = base_url(call, inner);
    let ui = inner.opts.ui_url.clone().unwrap_or_else(|| api.clone());
    ok(&serde_json::json!({ "apiUrl": api, "uiUrl": ui }))
}

/// `GET /api/system/version`.
pub fn version(_inner: &Arc<Inner>, _call: &mut Call) -> Response {
    ok(&serde_json::json!({
        "version": VERSION,
        "gitCheckout": false,
        "updateRepo": "sumon-ohid/better-paas",
    }))
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct DomainReq {
    domain: String,
}

/// `GET|POST /api/system/domain` (admin).
pub fn domain(inner: &Arc<Inner>, call: &mut Call) -> Response {
    if call.method == "GET" {
        let db = lock(&inner.db);
        return ok(&serde_json::json!({ "domain": db.system_domain, "envOverridden": false }));
    }
    let r: DomainReq = match call.json() {
        Ok(r) => r,
        Err(e) => return e,
    };
    let d = crate::validate::normalize_domain(&r.domain);
    if !d.is_empty()
        && let Err(m) = crate::validate::domain(&d)
    {
        return err(400, &m);
    }
    lock(&inner.db).system_domain = d.clone();
    ok(&serde_json::json!({ "status": "success", "domain": d }))
}

/// `GET /api/system/update/check`: no release feed is configured in the sandbox.
pub fn update_check(_inner: &Arc<Inner>, _call: &mut Call) -> Response {
    ok(&serde_json::json!({
        "current": VERSION,
        "latest": VERSION,
        "hasUpdate": false,
        "configured": false,
        "checkedAt": util::now(),
    }))
}

/// `GET /api/system/update/status`.
pub fn update_status(_inner: &Arc<Inner>, _call: &mut Call) -> Response {
    ok(&serde_json::json!({ "state": "idle", "inProgress": false, "log": "" }))
}

/// `POST /api/system/update/apply`: nothing to update to.
pub fn update_apply(_inner: &Arc<Inner>, _call: &mut Call) -> Response {
    err(
        400,
        "Updates are not configured: this server is not a git checkout",
    )
}

/// `GET /api/system/onboarding`.
pub fn onboarding(inner: &Arc<Inner>, _call: &mut Call) -> Response {
    ok(&serde_json::json!({ "completed": lock(&inner.db).onboarding_completed }))
}

/// `POST /api/system/onboarding/complete`.
pub fn onboarding_complete(inner: &Arc<Inner>, _call: &mut Call) -> Response {
    lock(&inner.db).onboarding_completed = true;
    ok(&serde_json::json!({ "completed": true }))
}

/// `POST /api/system/onboarding/reset`.
pub fn onboarding_reset(inner: &Arc<Inner>, _call: &mut Call) -> Response {
    lock(&inner.db).onboarding_completed = false;
    ok(&serde_json::json!({ "completed": false }))
}

/// `POST /api/docker/prune`.
pub fn prune(_inner: &Arc<Inner>, _call: &mut Call) -> Response {
    ok(&serde_json::json!({
        "status": "pruned",
        "output": "Deleted Images: 0\nTotal reclaimed space: 0B",
    }))
}

/// `GET /api/deployments/history`: all apps, newest first, full logs, `null` when empty.
pub fn deployments(inner: &Arc<Inner>, _call: &mut Call) -> Response {
    let db = lock(&inner.db);
    if db.deployments.is_empty() {
        return ok(&serde_json::Value::Null);
    }
    let v: Vec<&Deployment> = db.deployments.iter().rev().collect();
    ok(&v)
}

/// `GET /api/metrics/apps`: numbers that move with time for running apps.
pub fn metrics(inner: &Arc<Inner>, _call: &mut Call) -> Response {
    let db = lock(&inner.db);
    let t = inner.started.elapsed().as_secs_f64();
    let v: Vec<_> = db
        .apps
        .iter()
        .filter(|a| a.status == "running")
        .enumerate()
        .map(|(i, a)| {
            let phase = t / 7.0 + i as f64;
            let cpu = 2.0 + 10.0 * (1.0 + phase.sin()) / 2.0;
            let limit = mem_limit_mb(&a.memory);
            let used = 40.0 + 30.0 * (1.0 + (phase * 0.7).cos()) / 2.0;
            serde_json::json!({
                "appId": a.id,
                "name": a.name,
                "cpuPercent": round2(cpu),
                "memUsageMb": round2(used),
                "memLimitMb": round2(limit),
                "memPercent": round2(used / limit * 100.0),
                "netRxMb": round2(t * 0.01 * (i as f64 + 1.0)),
                "netTxMb": round2(t * 0.004 * (i as f64 + 1.0)),
            })
        })
        .collect();
    ok(&v)
}

fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

fn mem_limit_mb(m: &str) -> f64 {
    let l = m.to_ascii_lowercase();
    let digits: String = l.chars().take_while(char::is_ascii_digit).collect();
    let Ok(n) = digits.parse::<f64>() else {
        return 2048.0;
    };
    match l.chars().last() {
        Some('g') => n * 1024.0,
        Some('m') => n,
        Some('k') => n / 1024.0,
        _ => n / 1024.0 / 1024.0,
    }
    .max(1.0)
}
