//! Cron routes (spec §3.7): jobs per app; the ticker runs them and records `lastRun`.

use std::sync::Arc;

use axum::response::Response;
use serde::Deserialize;

use crate::background::run_cron;
use crate::http::{Call, err, ok};
use crate::model::CronJob;
use crate::state::Inner;
use crate::util::{self, lock};
use crate::validate;

/// `GET /api/cron`.
pub fn list(inner: &Arc<Inner>, _call: &mut Call) -> Response {
    ok(&lock(&inner.db).cron)
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
struct Req {
    id: String,
    app_id: String,
    schedule: Option<String>,
    command: Option<String>,
    enabled: Option<bool>,
}

/// `POST /api/cron/create`.
pub fn create(inner: &Arc<Inner>, call: &mut Call) -> Response {
    let r: Req = match call.json() {
        Ok(r) => r,
        Err(e) => return e,
    };
    let schedule = r.schedule.unwrap_or_default();
    let command = r.command.unwrap_or_default();
    if r.app_id.is_empty() || schedule.trim().is_empty() || command.trim().is_empty() {
        return err(400, "appId, schedule and command are required");
    }
    if let Err(m) = validate::cron(&schedule) {
        return err(400, &m);
    }
    let mut db = lock(&inner.db);
    let Some(app) = db.app(&r.app_id).cloned() else {
        return err(404, "App not found");
    };
    let job = CronJob {
        id: util::new_id(),
        app_id: app.id,
        app_name: app.name,
        schedule: schedule.trim().to_string(),
        command,
        enabled: true,
        last_run: util::ZERO_TIME.into(),
        last_status: String::new(),
        created_at: util::now(),
    };
    db.cron.push(job.clone());
    ok(&job)
}

/// `POST /api/cron/update`.
pub fn update(inner: &Arc<Inner>, call: &mut Call) -> Response {
    let r: Req = match call.json() {
        Ok(r) => r,
        Err(e) => return e,
    };
    if let Some(s) = r.schedule.as_deref().filter(|s| !s.is_empty())
        && let Err(m) = validate::cron(s)
    {
        return err(400, &m);
    }
    let mut db = lock(&inner.db);
    let Some(j) = db.cron.iter_mut().find(|j| j.id == r.id) else {
        return err(404, "Job not found");
    };
    if let Some(s) = r.schedule.filter(|s| !s.is_empty()) {
        j.schedule = s.trim().to_string();
    }
    if let Some(c) = r.command.filter(|c| !c.is_empty()) {
        j.command = c;
    }
    if let Some(e) = r.enabled {
        j.enabled = e;
    }
    ok(&j.clone())
}

/// `POST /api/cron/delete`: no existence check, like upstream.
pub fn delete(inner: &Arc<Inner>, call: &mut Call) -> Response {
    let r: Req = match call.json() {
        Ok(r) => r,
        Err(e) => return e,
    };
    lock(&inner.db).cron.retain(|j| j.id != r.id);
    ok(&serde_json::json!({ "status": "deleted" }))
}

/// `POST /api/cron/run`: runs now.
pub fn run(inner: &Arc<Inner>, call: &mut Call) -> Response {
    let r: Req = match call.json() {
        Ok(r) => r,
        Err(e) => return e,
    };
    if !lock(&inner.db).cron.iter().any(|j| j.id == r.id) {
        return err(404, "Job not found");
    }
    run_cron(inner, &r.id);
    ok(&serde_json::json!({ "status": "started" }))
}
