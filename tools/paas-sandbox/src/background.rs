//! Work that happens without a request: builds finishing, runtime logs accumulating while
//! apps run, add-ons coming up, cron jobs firing.

use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{Datelike, Timelike};
use tokio::sync::watch;

use crate::state::Inner;
use crate::util::{self, lock};

/// Starts a build: the deployment is recorded as `building` now and finishes after
/// `build_time` (success, or failure when the source asks for it by containing `fail`).
pub fn schedule_build(inner: &Arc<Inner>, app_id: String, deploy_id: String) {
    let inner = inner.clone();
    let wait = inner.opts.build_time;
    tokio::spawn(async move {
        tokio::time::sleep(wait).await;
        finish_build(&inner, &app_id, &deploy_id, wait);
        inner.persist();
    });
}

/// Marks a build finished and the app running (or failed).
pub fn finish_build(inner: &Inner, app_id: &str, deploy_id: &str, took: Duration) {
    let mut db = lock(&inner.db);
    let Some(app) = db.app(app_id).cloned() else {
        return;
    };
    let Some(dep) = db.deployments.iter_mut().find(|d| d.id == deploy_id) else {
        return;
    };
    if dep.status != "building" {
        return;
    }
    let fails = app.git_repo.contains("fail") || app.image.contains("fail");
    dep.duration = format!("{:.1}s", took.as_secs_f64());
    let image = format!("paas-{}:{}", app.name, &deploy_id[..deploy_id.len().min(7)]);
    if fails {
        dep.status = "failed".into();
        dep.logs.push("ERROR: build step exited with code 1".into());
        dep.logs.push("Build failed".into());
    } else {
        dep.status = "success".into();
        dep.image = image.clone();
        dep.logs.push(format!("Successfully built image {image}"));
        dep.logs.push(format!("Starting container {}", app.name));
        dep.logs.push("Deployment successful".into());
    }
    let (commit, msg) = (dep.commit.clone(), dep.commit_msg.clone());
    let status = if fails { "failed" } else { "running" };
    if let Some(a) = db.app_mut(app_id) {
        a.status = status.into();
        if !fails {
            a.active_image = image;
            a.active_deploy_id = deploy_id.to_string();
            a.active_commit = commit;
            a.active_commit_msg = msg;
        }
    }
    if !fails {
        db.runtime_line(
            app_id,
            &format!("Server listening on port {}", app.port_or_default()),
        );
    }
}

trait PortOrDefault {
    fn port_or_default(&self) -> i64;
}

impl PortOrDefault for crate::model::App {
    fn port_or_default(&self) -> i64 {
        if self.port_override > 0 {
            self.port_override
        } else {
            3000
        }
    }
}

/// After a reload: builds that were in flight finish again; add-ons come up.
pub fn resume(inner: &Arc<Inner>) {
    let pending: Vec<(String, String)> = {
        let db = lock(&inner.db);
        db.deployments
            .iter()
            .filter(|d| d.status == "building")
            .map(|d| (d.app_id.clone(), d.id.clone()))
            .collect()
    };
    for (app, dep) in pending {
        schedule_build(inner, app, dep);
    }
}

/// Once a second: runtime log lines for running apps, add-ons finishing their start,
/// cron jobs due this minute.
pub async fn ticker(inner: Arc<Inner>, mut stop: watch::Receiver<bool>) {
    let mut tick = tokio::time::interval(Duration::from_secs(1));
    let mut last_minute = None;
    let started = Instant::now();
    loop {
        tokio::select! {
            _ = stop.changed() => return,
            _ = tick.tick() => {}
        }
        let now = chrono::Utc::now();
        let minute = (now.timestamp() / 60, now.minute());
        let fire_cron = last_minute.is_some_and(|m| m != minute);
        last_minute = Some(minute);
        let mut db = lock(&inner.db);
        let running: Vec<String> = db
            .apps
            .iter()
            .filter(|a| a.status == "running")
            .map(|a| a.id.clone())
            .collect();
        let n = started.elapsed().as_secs();
        for id in running {
            db.runtime_line(&id, &format!("GET /health 200 {}ms", 1 + n % 7));
        }
        for addon in db.addons.iter_mut().filter(|a| a.status == "building") {
            addon.status = "running".into();
        }
        if fire_cron {
            let due: Vec<String> = db
                .cron
                .iter()
                .filter(|j| j.enabled && cron_matches(&j.schedule, &now))
                .map(|j| j.id.clone())
                .collect();
            drop(db);
            for id in due {
                run_cron(&inner, &id);
            }
            inner.persist();
        }
    }
}

/// Runs a cron job now: records `lastRun` and whether its app was running.
pub fn run_cron(inner: &Inner, job_id: &str) {
    let mut db = lock(&inner.db);
    let Some(job) = db.cron.iter().find(|j| j.id == job_id).cloned() else {
        return;
    };
    let app_running = db.app(&job.app_id).is_some_and(|a| a.status == "running");
    let status = if app_running { "success" } else { "failed" };
    if let Some(j) = db.cron.iter_mut().find(|j| j.id == job_id) {
        j.last_run = util::now();
        j.last_status = status.into();
    }
    if app_running {
        db.runtime_line(&job.app_id, &format!("[cron] {}", job.command));
    }
}

fn cron_matches(schedule: &str, t: &chrono::DateTime<chrono::Utc>) -> bool {
    let f: Vec<&str> = schedule.split_whitespace().collect();
    if f.len() != 5 {
        return false;
    }
    let values = [
        (t.minute(), 0, 59),
        (t.hour(), 0, 23),
        (t.day(), 1, 31),
        (t.month(), 1, 12),
        (t.weekday().num_days_from_sunday(), 0, 6),
    ];
    f.iter().zip(values).all(|(field, (v, lo, hi))| {
        cron_field_values(field, lo, hi).is_some_and(|s| s.contains(&v))
    })
}

/// Expands one cron field (`*`, N, lists, `A-B`, `*/N`, `A-B/N`); `None` when invalid.
pub fn cron_field_values(field: &str, lo: u32, hi: u32) -> Option<Vec<u32>> {
    let mut out = Vec::new();
    for part in field.split(',') {
        let (range, step) = match part.split_once('/') {
            Some((r, s)) => (r, s.parse::<u32>().ok().filter(|s| *s > 0)?),
            None => (part, 1),
        };
        let (a, b) = if range == "*" {
            (lo, hi)
        } else if let Some((a, b)) = range.split_once('-') {
            (a.parse().ok()?, b.parse().ok()?)
        } else {
            let v: u32 = range.parse().ok()?;
            if part.contains('/') { (v, hi) } else { (v, v) }
        };
        if a < lo || b > hi || a > b {
            return None;
        }
        out.extend((a..=b).step_by(step as usize));
    }
    Some(out)
}
