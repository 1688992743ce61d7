//! App routes (spec §3.1).

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::response::Response;
use serde::Deserialize;

use super::IdBody;
use crate::background;
use crate::handlers::deploy::{start_deployment, unique_name};
use crate::http::{Call, err, ok};
use crate::model::App;
use crate::state::{Db, Inner};
use crate::util::{self, lock};
use crate::validate;

/// Public view enriched with the latest deployment's commit (list/get).
fn enriched(db: &Db, app: &App) -> App {
    let mut a = app.public();
    if let Some(d) = db.deployments.iter().rev().find(|d| d.app_id == app.id) {
        a.active_commit = d.commit.clone();
        a.active_commit_msg = d.commit_msg.clone();
    }
    a
}

/// `GET /api/apps`.
pub fn list(inner: &Arc<Inner>, _call: &mut Call) -> Response {
    let db = lock(&inner.db);
    let apps: Vec<App> = db.apps.iter().map(|a| enriched(&db, a)).collect();
    ok(&apps)
}

/// `GET /api/apps/get?id=`.
pub fn get(inner: &Arc<Inner>, call: &mut Call) -> Response {
    let id = call.q("id");
    if id.is_empty() {
        return err(400, "Missing id");
    }
    let db = lock(&inner.db);
    match db.app(id) {
        Some(a) => ok(&enriched(&db, a)),
        None => err(404, "App not found"),
    }
}

fn body_id(call: &Call) -> Result<String, Response> {
    let b: IdBody = call.json()?;
    Ok(b.id)
}

/// Ids of the app's compose group (itself when not compose).
fn group(db: &Db, app: &App) -> Vec<String> {
    if app.compose_project.is_empty() {
        return vec![app.id.clone()];
    }
    db.apps
        .iter()
        .filter(|a| a.compose_project == app.compose_project)
        .map(|a| a.id.clone())
        .collect()
}

fn set_status(inner: &Arc<Inner>, call: &Call, status: &str) -> Response {
    let id = match body_id(call) {
        Ok(id) => id,
        Err(e) => return e,
    };
    let mut db = lock(&inner.db);
    let Some(app) = db.app(&id).cloned() else {
        return err(404, "App not found");
    };
    for gid in group(&db, &app) {
        if let Some(a) = db.app_mut(&gid) {
            a.status = status.into();
        }
        let line = if status == "running" {
            "Container started"
        } else {
            "Container stopped"
        };
        db.runtime_line(&gid, line);
    }
    ok(&serde_json::json!({ "status": status }))
}

/// `POST /api/apps/stop`.
pub fn stop(inner: &Arc<Inner>, call: &mut Call) -> Response {
    set_status(inner, call, "stopped")
}

/// `POST /api/apps/start`.
pub fn start(inner: &Arc<Inner>, call: &mut Call) -> Response {
    set_status(inner, call, "running")
}

/// Removes an app and everything hanging off it.
pub fn remove_app(db: &mut Db, id: &str) {
    db.apps.retain(|a| a.id != id);
    db.deployments.retain(|d| d.app_id != id);
    db.cron.retain(|c| c.app_id != id);
    db.runtime_logs.remove(id);
    db.page_views.remove(id);
    for addon in db.addons.iter_mut() {
        addon.attached_apps.retain(|a| a != id);
    }
}

/// `POST /api/apps/delete`.
pub fn delete(inner: &Arc<Inner>, call: &mut Call) -> Response {
    let id = match body_id(call) {
        Ok(id) => id,
        Err(e) => return e,
    };
    let mut db = lock(&inner.db);
    let Some(app) = db.app(&id).cloned() else {
        return err(404, "App not found");
    };
    for gid in group(&db, &app) {
        remove_app(&mut db, &gid);
    }
    ok(&serde_json::json!({ "status": "deleted" }))
}

/// `/api/apps/update` body. Only the `Option` fields are truly optional (spec §9.1).
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
struct UpdateReq {
    id: String,
    git_repo: String,
    branch: String,
    root_dir: String,
    env_vars: Option<BTreeMap<String, String>>,
    build_command: String,
    start_command: String,
    install_command: String,
    port_override: i64,
    domains: Option<Vec<String>>,
    memory: String,
    cpus: String,
    volumes: Option<Vec<String>>,
    health_path: String,
    secret_keys: Option<Vec<String>>,
    auto_deploy: Option<bool>,
    build_method: Option<String>,
    dockerfile_path: Option<String>,
}

/// `POST /api/apps/update`: the near-full replace of spec §9.1.
pub fn update(inner: &Arc<Inner>, call: &mut Call) -> Response {
    let r: UpdateReq = match call.json() {
        Ok(r) => r,
        Err(e) => return e,
    };
    let checks = || -> Result<(), String> {
        validate::memory(&r.memory)?;
        validate::cpus(&r.cpus)?;
        for d in r.domains.iter().flatten() {
            validate::domain(&validate::normalize_domain(d))?;
        }
        for v in r.volumes.iter().flatten() {
            validate::volume(v)?;
        }
        validate::rel_path(&r.root_dir, "root directory", true)?;
        if let Some(p) = &r.dockerfile_path {
            validate::rel_path(p, "dockerfile", false)?;
        }
        if let Some(m) = &r.build_method {
            validate::build_method(m)?;
        }
        Ok(())
    };
    if let Err(m) = checks() {
        return err(400, &m);
    }
    let mut db = lock(&inner.db);
    let Some(a) = db.app_mut(&r.id) else {
        return err(404, "App not found");
    };
    a.git_repo = r.git_repo;
    a.branch = r.branch;
    a.root_dir = r.root_dir;
    a.build_command = r.build_command;
    a.start_command = r.start_command;
    a.install_command = r.install_command;
    a.port_override = r.port_override;
    a.memory = r.memory;
    a.cpus = r.cpus;
    a.volumes = r.volumes;
    a.health_path = r.health_path;
    let secrets = r.secret_keys.clone().unwrap_or_default();
    if let Some(mut env) = r.env_vars {
        let old = a.env_vars.clone().unwrap_or_default();
        for (k, v) in env.iter_mut() {
            if v == "***"
                && secrets.contains(k)
                && let Some(prev) = old.get(k)
            {
                *v = prev.clone();
            }
        }
        a.env_vars = Some(env);
    }
    a.secret_keys = r.secret_keys;
    if let Some(d) = r.domains {
        a.domains = Some(d.iter().map(|d| validate::normalize_domain(d)).collect());
    }
    if let Some(v) = r.auto_deploy {
        a.auto_deploy = v;
    }
    if let Some(v) = r.build_method.filter(|m| !m.is_empty()) {
        a.build_method = v;
    }
    if let Some(v) = r.dockerfile_path {
        a.dockerfile_path = v;
    }
    ok(&a.public())
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct RenameReq {
    id: String,
    name: String,
}

/// `POST /api/apps/rename`.
pub fn rename(inner: &Arc<Inner>, call: &mut Call) -> Response {
    let r: RenameReq = match call.json() {
        Ok(r) => r,
        Err(e) => return e,
    };
    if !validate::is_app_name(&r.name) {
        return err(400, validate::NAME_MSG);
    }
    let mut db = lock(&inner.db);
    let Some(current) = db.app(&r.id).map(|a| a.name.clone()) else {
        return err(404, "App not found");
    };
    let name = if current == r.name {
        current
    } else {
        unique_name(&db, &r.name)
    };
    for d in db.deployments.iter_mut().filter(|d| d.app_id == r.id) {
        d.app_name = name.clone();
    }
    for c in db.cron.iter_mut().filter(|c| c.app_id == r.id) {
        c.app_name = name.clone();
    }
    let Some(a) = db.app_mut(&r.id) else {
        return err(404, "App not found");
    };
    a.name = name;
    ok(&a.public())
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
struct RedeployReq {
    id: String,
    #[allow(dead_code)]
    no_cache: bool,
}

/// `POST /api/apps/redeploy`: a new build of the current config.
pub fn redeploy(inner: &Arc<Inner>, call: &mut Call) -> Response {
    let r: RedeployReq = match call.json() {
        Ok(r) => r,
        Err(e) => return e,
    };
    let mut db = lock(&inner.db);
    let Some(mut app) = db.app(&r.id).cloned() else {
        return err(404, "App not found");
    };
    if !app.compose_project.is_empty()
        && let Some(p) = db
            .apps
            .iter()
            .find(|a| a.compose_project == app.compose_project && a.compose_primary)
    {
        app = p.clone();
    }
    let dep = start_deployment(&mut db, &app, "manual");
    let snapshot = db.app(&app.id).map(App::public).unwrap_or_default();
    drop(db);
    background::schedule_build(inner, app.id, dep);
    ok(&snapshot)
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
struct RollbackReq {
    id: String,
    deployment_id: String,
}

/// `POST /api/apps/rollback`: back to a stored image of one of the app's deployments.
pub fn rollback(inner: &Arc<Inner>, call: &mut Call) -> Response {
    let r: RollbackReq = match call.json() {
        Ok(r) => r,
        Err(e) => return e,
    };
    let mut db = lock(&inner.db);
    if db.app(&r.id).is_none() {
        return err(404, "App not found");
    }
    let Some(target) = db
        .deployments
        .iter()
        .find(|d| d.id == r.deployment_id && d.app_id == r.id)
        .cloned()
    else {
        return err(404, "Deployment not found");
    };
    if target.image.is_empty() {
        return err(400, "Deployment has no stored image to roll back to");
    }
    let Some(app) = db.app(&r.id).cloned() else {
        return err(404, "App not found");
    };
    let id = util::new_id();
    db.deployments.push(crate::model::Deployment {
        id: id.clone(),
        app_id: app.id.clone(),
        app_name: app.name.clone(),
        status: "success".into(),
        logs: vec![
            format!("Rolling back to deployment {}", target.id),
            format!("Starting container from image {}", target.image),
            "Rollback successful".into(),
        ],
        created_at: util::now(),
        duration: "0.1s".into(),
        image: target.image.clone(),
        trigger: "rollback".into(),
        commit: target.commit.clone(),
        commit_msg: target.commit_msg.clone(),
    });
    db.runtime_line(
        &app.id,
        &format!("Container restarted from {}", target.image),
    );
    let Some(a) = db.app_mut(&r.id) else {
        return err(404, "App not found");
    };
    a.status = "running".into();
    a.active_image = target.image;
    a.active_deploy_id = id;
    a.active_commit = target.commit;
    a.active_commit_msg = target.commit_msg;
    ok(&a.public())
}

/// `GET /api/apps/webhook?id=`: the secret in clear (spec §9.4).
pub fn webhook(inner: &Arc<Inner>, call: &mut Call) -> Response {
    let db = lock(&inner.db);
    let Some(a) = db.app(call.q("id")) else {
        return err(404, "App not found");
    };
    ok(&serde_json::json!({
        "url": format!("{}/api/webhooks/github/{}", inner.base_url, a.id),
        "secret": a.webhook_secret,
        "event": "push",
    }))
}

/// `POST /api/apps/webhook/regenerate`.
pub fn webhook_regenerate(inner: &Arc<Inner>, call: &mut Call) -> Response {
    let id = match body_id(call) {
        Ok(id) => id,
        Err(e) => return e,
    };
    let mut db = lock(&inner.db);
    let Some(a) = db.app_mut(&id) else {
        return err(404, "App not found");
    };
    a.webhook_secret = util::random_hex32();
    ok(&serde_json::json!({ "secret": a.webhook_secret }))
}

/// `POST /api/apps/webhook/github/create`: needs a stored GitHub token; the sandbox cannot
/// reach GitHub, so with a token it answers like an unreachable GitHub.
pub fn webhook_github_create(inner: &Arc<Inner>, call: &mut Call) -> Response {
    let id = match body_id(call) {
        Ok(id) => id,
        Err(e) => return e,
    };
    let db = lock(&inner.db);
    if db.app(&id).is_none() {
        return err(404, "App not found");
    }
    if db.git_token.is_empty() {
        return err(401, "No GitHub token configured");
    }
    err(
        502,
        "GitHub API error: api.github.com is unreachable from the sandbox",
    )
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct DomainReq {
    id: String,
    domain: String,
}

fn domain_change(inner: &Arc<Inner>, call: &Call, add: bool) -> Response {
    let r: DomainReq = match call.json() {
        Ok(r) => r,
        Err(e) => return e,
    };
    let domain = validate::normalize_domain(&r.domain);
    if add && let Err(m) = validate::domain(&domain) {
        return err(400, &m);
    }
    let mut db = lock(&inner.db);
    if db.app(&r.id).is_none() {
        return err(404, "App not found");
    }
    if add
        && let Some(other) = db
            .apps
            .iter()
            .find(|a| a.id != r.id && a.domains.iter().flatten().any(|d| *d == domain))
    {
        return err(409, &format!("Domain already attached to {:?}", other.name));
    }
    let Some(a) = db.app_mut(&r.id) else {
        return err(404, "App not found");
    };
    let mut ds = a.domains.take().unwrap_or_default();
    if add {
        if !ds.contains(&domain) {
            ds.push(domain);
        }
    } else {
        ds.retain(|d| *d != domain);
    }
    a.domains = Some(ds);
    ok(&a.public())
}

/// `POST /api/apps/domains/add`.
pub fn domain_add(inner: &Arc<Inner>, call: &mut Call) -> Response {
    domain_change(inner, call, true)
}

/// `POST /api/apps/domains/remove`.
pub fn domain_remove(inner: &Arc<Inner>, call: &mut Call) -> Response {
    domain_change(inner, call, false)
}

/// `GET /api/apps/vulnerabilities/scan?id=`: sandbox builds have no npm lockfile, so the
/// audit finds nothing; the count is persisted like upstream.
pub fn vuln_scan(inner: &Arc<Inner>, call: &mut Call) -> Response {
    let mut db = lock(&inner.db);
    let Some(a) = db.app_mut(call.q("id")) else {
        return err(404, "App not found");
    };
    a.vulnerabilities_count = 0;
    ok(&serde_json::json!({ "vulnerabilities": [], "packageManager": "npm" }))
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct FixReq {
    id: String,
    option: String,
}

/// `POST /api/apps/vulnerabilities/fix`: `local` redeploys; `git` would push to the repo,
/// which needs GitHub.
pub fn vuln_fix(inner: &Arc<Inner>, call: &mut Call) -> Response {
    let r: FixReq = match call.json() {
        Ok(r) => r,
        Err(e) => return e,
    };
    let mut db = lock(&inner.db);
    let Some(app) = db.app(&r.id).cloned() else {
        return err(404, "App not found");
    };
    match r.option.as_str() {
        "local" => {}
        "git" if db.git_token.is_empty() => return err(401, "No GitHub token configured"),
        "git" => {
            return err(
                502,
                "GitHub API error: api.github.com is unreachable from the sandbox",
            );
        }
        _ => return err(400, "option must be \"git\" or \"local\""),
    }
    let dep = start_deployment(&mut db, &app, "local");
    drop(db);
    background::schedule_build(inner, app.id, dep.clone());
    ok(&serde_json::json!({ "status": "deploying", "deployId": dep }))
}

/// `GET /api/apps/runtime-logs?id=&lines=`.
pub fn runtime_logs(inner: &Arc<Inner>, call: &mut Call) -> Response {
    let id = call.q("id");
    if id.is_empty() {
        return err(400, "Missing id");
    }
    let lines = match call.q("lines") {
        "" => 500,
        s => match s.parse::<usize>() {
            Ok(n) if n > 0 => n,
            _ => 500,
        },
    };
    let db = lock(&inner.db);
    if db.app(id).is_none() {
        return err(404, "App not found");
    }
    if !validate::is_app_name(id) {
        return err(500, "Failed to read runtime logs");
    }
    let all = db.runtime_logs.get(id).cloned().unwrap_or_default();
    let start = all.len().saturating_sub(lines);
    ok(&serde_json::json!({ "logs": all[start..] }))
}
