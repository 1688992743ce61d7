//! Analytics and the GitHub webhook receiver (spec §3.11).

use std::sync::Arc;

use axum::body::Body;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::Response;
use serde::Deserialize;
use serde_json::json;
use sha2::{Digest, Sha256};

use crate::background;
use crate::handlers::deploy::start_deployment;
use crate::http::{Call, err, ok};
use crate::pageviews::{self, PageView};
use crate::state::Inner;
use crate::util::lock;

fn days(call: &Call) -> i64 {
    match call.q("days") {
        "1" => 1,
        "30" => 30,
        "90" => 90,
        _ => 7,
    }
}

fn today() -> chrono::NaiveDate {
    chrono::Utc::now().date_naive()
}

/// `GET /api/analytics?id=&days=`.
pub fn app(inner: &Arc<Inner>, call: &mut Call) -> Response {
    let id = call.q("id").to_string();
    if id.is_empty() {
        return err(400, "Missing id");
    }
    let db = lock(&inner.db);
    let Some(name) = db.app(&id).map(|a| a.name.clone()) else {
        return err(404, "App not found");
    };
    let d = days(call);
    let views = db.page_views.get(&id).map(Vec::as_slice).unwrap_or(&[]);
    let r = pageviews::report(views, d, today());
    drop(db);
    ok(&json!({
        "appId": id, "appName": name, "rangeDays": d,
        "totalViews": r.total_views, "totalVisitors": r.total_visitors,
        "timeseries": r.timeseries,
        "topPages": r.top_pages, "topReferrers": r.top_referrers,
        "browsers": r.browsers, "os": r.os, "devices": r.devices,
    }))
}

/// `GET /api/analytics/overview?days=`.
pub fn overview(inner: &Arc<Inner>, call: &mut Call) -> Response {
    let d = days(call);
    let today = today();
    let db = lock(&inner.db);
    let v: Vec<_> = db
        .apps
        .iter()
        .map(|a| {
            let views = db.page_views.get(&a.id).map(Vec::as_slice).unwrap_or(&[]);
            let (v, u) = pageviews::totals(views, d, today);
            json!({"appId": a.id, "appName": a.name, "views": v, "visitors": u})
        })
        .collect();
    drop(db);
    ok(&v)
}

/// The beacon body (spec §3.11); anything else is ignored.
#[derive(Default, Deserialize)]
#[serde(default)]
struct TrackReq {
    s: String,
    p: String,
    r: String,
}

/// `POST /api/track`: always 204, never audited. The view is kept with the app's analytics,
/// never in its runtime logs.
pub fn track(inner: &Arc<Inner>, call: &mut Call) -> Response {
    if let Ok(t) = call.json::<TrackReq>() {
        let ua = call
            .headers
            .get(header::USER_AGENT)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        let mut db = lock(&inner.db);
        if db.app(&t.s).is_some() {
            let view = PageView::new(&t.p, &t.r, call.ip, ua);
            let views = db.page_views.entry(t.s).or_default();
            pageviews::record(views, view, today());
        }
    }
    let mut r = Response::new(Body::empty());
    *r.status_mut() = StatusCode::NO_CONTENT;
    r
}

/// `GET /api/analytics/script.js`.
pub fn script(_inner: &Arc<Inner>, _call: &mut Call) -> Response {
    let js = "(function(){var s=document.currentScript;var id=s&&s.getAttribute('data-app');\
if(!id)return;var u=new URL(s.src).origin+'/api/track';\
navigator.sendBeacon(u,JSON.stringify({s:id,p:location.pathname,r:document.referrer}));})();\n";
    let mut r = Response::new(Body::from(js));
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/javascript"),
    );
    r
}

fn hmac_sha256(key: &[u8], msg: &[u8]) -> Vec<u8> {
    let mut k = if key.len() > 64 {
        Sha256::digest(key).to_vec()
    } else {
        key.to_vec()
    };
    k.resize(64, 0);
    let ipad: Vec<u8> = k.iter().map(|b| b ^ 0x36).collect();
    let opad: Vec<u8> = k.iter().map(|b| b ^ 0x5c).collect();
    let inner = Sha256::new()
        .chain_update(&ipad)
        .chain_update(msg)
        .finalize();
    Sha256::new()
        .chain_update(&opad)
        .chain_update(inner)
        .finalize()
        .to_vec()
}

/// `POST /api/webhooks/github/{appId}`: HMAC-checked push → redeploy when autoDeploy.
pub fn github_webhook(inner: &Arc<Inner>, call: &mut Call) -> Response {
    let app_id = call
        .path
        .trim_start_matches("/api/webhooks/github/")
        .to_string();
    let Some(app) = lock(&inner.db).app(&app_id).cloned() else {
        return err(404, "App not found");
    };
    if app.webhook_secret.is_empty() {
        return err(403, "Webhook not configured for this app");
    }
    let sig = call
        .headers
        .get("x-hub-signature-256")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let expected = format!(
        "sha256={}",
        hex::encode(hmac_sha256(app.webhook_secret.as_bytes(), &call.body))
    );
    if !crate::util::ct_eq(sig, &expected) {
        return err(401, "Invalid signature");
    }
    let event = call
        .headers
        .get("x-github-event")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if event == "ping" {
        return ok(&json!({"status": "pong"}));
    }
    if event != "push" {
        return ok(
            &json!({"status": "ignored", "reason": format!("event {event:?} is not handled")}),
        );
    }
    let payload: serde_json::Value = serde_json::from_slice(&call.body).unwrap_or_default();
    let branch = if app.branch.is_empty() {
        "main"
    } else {
        &app.branch
    };
    if payload["ref"].as_str() != Some(&format!("refs/heads/{branch}")) {
        return ok(&json!({"status": "ignored", "reason": "push to another branch"}));
    }
    if !app.auto_deploy {
        return ok(&json!({"status": "ignored", "reason": "auto-deploy is disabled"}));
    }
    let dep = start_deployment(&mut lock(&inner.db), &app, "webhook");
    background::schedule_build(inner, app.id, dep);
    ok(&json!({"status": "deploying"}))
}
