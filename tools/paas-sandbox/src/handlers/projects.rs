//! Project routes (spec §3.2, §6.2): summaries with the worst service status, details with
//! services, deploy config for compose/dockerfile projects.

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::response::Response;
use serde::Deserialize;
use serde_json::{Value, json};

use crate::background;
use crate::handlers::apps::remove_app;
use crate::handlers::deploy::start_deployment;
use crate::http::{Call, err, ok};
use crate::model::{App, Project};
use crate::state::{Db, Inner};
use crate::util::{self, lock};
use crate::validate;

fn services<'a>(db: &'a Db, project_id: &str) -> Vec<&'a App> {
    db.apps
        .iter()
        .filter(|a| a.project_id == project_id)
        .collect()
}

fn rank(status: &str) -> u8 {
    match status {
        "building" => 3,
        "failed" => 2,
        "running" => 1,
        _ => 0,
    }
}

fn deploy_type(svcs: &[&App]) -> &'static str {
    if svcs.iter().any(|a| a.build_method == "compose") {
        "compose"
    } else if svcs.iter().any(|a| a.build_method == "dockerfile-inline") {
        "dockerfile-inline"
    } else if svcs.iter().any(|a| a.build_method == "dockerfile") {
        "dockerfile"
    } else {
        ""
    }
}

fn primary<'a>(svcs: &[&'a App]) -> Option<&'a App> {
    svcs.iter()
        .find(|a| a.compose_primary)
        .or_else(|| svcs.first())
        .copied()
}

/// ProjectSummary.
pub fn summary(db: &Db, p: &Project) -> Value {
    let svcs = services(db, &p.id);
    let status = svcs
        .iter()
        .map(|a| a.status.as_str())
        .max_by_key(|s| rank(s))
        .unwrap_or("stopped");
    let mut v = serde_json::to_value(p).unwrap_or_else(|_| json!({}));
    v["serviceCount"] = json!(svcs.len());
    v["status"] = json!(status);
    v["hasGit"] = json!(
        svcs.iter()
            .any(|a| !a.git_repo.is_empty() && !a.git_repo.starts_with("upload://"))
    );
    v["hasDocker"] = json!(svcs.iter().any(|a| a.build_method != "nixpacks"));
    let dt = deploy_type(&svcs);
    if !dt.is_empty() {
        v["deployType"] = json!(dt);
    }
    if let Some(pr) = primary(&svcs) {
        v["primaryServiceId"] = json!(pr.id);
        v["focusServiceId"] = json!(pr.id);
    }
    if let Some(last) = svcs.iter().map(|a| a.created_at.clone()).max() {
        v["lastServiceAt"] = json!(last);
    }
    if !svcs.is_empty() {
        v["serviceStatuses"] = json!(
            svcs.iter()
                .map(|a| json!({"id": a.id, "name": a.name, "status": a.status}))
                .collect::<Vec<_>>()
        );
    }
    v
}

/// `GET /api/projects`.
pub fn list(inner: &Arc<Inner>, _call: &mut Call) -> Response {
    let db = lock(&inner.db);
    let v: Vec<Value> = db.projects.iter().map(|p| summary(&db, p)).collect();
    ok(&v)
}

/// `GET /api/projects/get?id=`.
pub fn get(inner: &Arc<Inner>, call: &mut Call) -> Response {
    let db = lock(&inner.db);
    let Some(p) = db.projects.iter().find(|p| p.id == call.q("id")) else {
        return err(404, "Project not found");
    };
    let mut v = summary(&db, p);
    v["services"] = json!(
        services(&db, &p.id)
            .iter()
            .map(|a| a.public())
            .collect::<Vec<_>>()
    );
    ok(&v)
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
struct CreateReq {
    id: String,
    name: String,
    description: Option<String>,
    server_id: String,
}

fn unique_project_name(db: &Db, base: &str, except: &str) -> String {
    let taken = |n: &str| db.projects.iter().any(|p| p.name == n && p.id != except);
    if !taken(base) {
        return base.to_string();
    }
    (2..)
        .map(|n| format!("{base}-{n}"))
        .find(|c| !taken(c))
        .unwrap_or_else(|| base.to_string())
}

/// `POST /api/projects/create`.
pub fn create(inner: &Arc<Inner>, call: &mut Call) -> Response {
    let r: CreateReq = match call.json() {
        Ok(r) => r,
        Err(e) => return e,
    };
    if !validate::is_app_name(&r.name) {
        return err(400, validate::NAME_MSG);
    }
    let description = r.description.unwrap_or_default();
    if description.chars().count() > 100 {
        return err(400, "description must be at most 100 characters");
    }
    let server_id = if r.server_id.is_empty() {
        "localhost".to_string()
    } else {
        r.server_id
    };
    let mut db = lock(&inner.db);
    if !db.servers.iter().any(|s| s.id == server_id) {
        return err(404, "Server not found");
    }
    let p = Project {
        id: util::new_id(),
        name: unique_project_name(&db, &r.name, ""),
        description,
        created_at: util::now(),
        server_id,
    };
    db.projects.push(p.clone());
    ok(&summary(&db, &p))
}

/// `POST /api/projects/rename`.
pub fn rename(inner: &Arc<Inner>, call: &mut Call) -> Response {
    let r: CreateReq = match call.json() {
        Ok(r) => r,
        Err(e) => return e,
    };
    if !validate::is_app_name(&r.name) {
        return err(400, validate::NAME_MSG);
    }
    if r.description
        .as_ref()
        .is_some_and(|d| d.chars().count() > 100)
    {
        return err(400, "description must be at most 100 characters");
    }
    let mut db = lock(&inner.db);
    let name = unique_project_name(&db, &r.name, &r.id);
    let Some(p) = db.projects.iter_mut().find(|p| p.id == r.id) else {
        return err(404, "Project not found");
    };
    p.name = name;
    if let Some(d) = r.description {
        p.description = d;
    }
    let p = p.clone();
    ok(&summary(&db, &p))
}

/// `POST /api/projects/delete`: removes every service too.
pub fn delete(inner: &Arc<Inner>, call: &mut Call) -> Response {
    let r: super::IdBody = match call.json() {
        Ok(r) => r,
        Err(e) => return e,
    };
    let mut db = lock(&inner.db);
    if !db.projects.iter().any(|p| p.id == r.id) {
        return err(404, "Project not found");
    }
    let ids: Vec<String> = services(&db, &r.id).iter().map(|a| a.id.clone()).collect();
    for id in ids {
        remove_app(&mut db, &id);
    }
    db.projects.retain(|p| p.id != r.id);
    ok(&json!({ "status": "deleted" }))
}

/// `GET /api/projects/config?id=`: only compose/dockerfile projects have one.
pub fn config(inner: &Arc<Inner>, call: &mut Call) -> Response {
    let db = lock(&inner.db);
    let Some(p) = db.projects.iter().find(|p| p.id == call.q("id")) else {
        return err(404, "Project not found");
    };
    let svcs = services(&db, &p.id);
    let dt = deploy_type(&svcs);
    let Some(pr) = primary(&svcs).filter(|_| !dt.is_empty()) else {
        return err(
            400,
            "Project has no shared deploy config (only compose or dockerfile projects do)",
        );
    };
    let pv = pr.public();
    let mut v = json!({
        "projectId": p.id,
        "deployType": dt,
        "primaryServiceId": pr.id,
        "gitRepo": pr.git_repo,
        "branch": pr.branch,
        "rootDir": pr.root_dir,
        "autoDeploy": pr.auto_deploy,
        "serviceCount": svcs.len(),
    });
    let mut put = |k: &str, s: &str| {
        if !s.is_empty() {
            v[k] = json!(s);
        }
    };
    put("composePath", &pr.compose_path);
    put("composeContent", &pr.compose_content);
    put("dockerfilePath", &pr.dockerfile_path);
    put("dockerfileContent", &pr.dockerfile_content);
    put("composeProject", &pr.compose_project);
    if let Some(env) = pv.env_vars {
        v["envVars"] = json!(env);
    }
    if let Some(s) = pv.secret_keys {
        v["secretKeys"] = json!(s);
    }
    ok(&v)
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
struct ConfigReq {
    project_id: String,
    git_repo: Option<String>,
    branch: String,
    root_dir: String,
    compose_path: String,
    compose_content: Option<String>,
    dockerfile_path: String,
    dockerfile_content: Option<String>,
    env_vars: Option<BTreeMap<String, String>>,
    secret_keys: Option<Vec<String>>,
    auto_deploy: Option<bool>,
}

/// `POST /api/projects/config/update`: updates the primary service.
pub fn config_update(inner: &Arc<Inner>, call: &mut Call) -> Response {
    let r: ConfigReq = match call.json() {
        Ok(r) => r,
        Err(e) => return e,
    };
    if r.project_id.is_empty() {
        return err(400, "projectId is required");
    }
    let checks = || -> Result<(), String> {
        validate::rel_path(&r.root_dir, "root directory", true)?;
        validate::rel_path(&r.compose_path, "compose", false)?;
        validate::rel_path(&r.dockerfile_path, "dockerfile", false)?;
        if let Some(d) = r.dockerfile_content.as_deref().filter(|d| !d.is_empty()) {
            validate::dockerfile(d)?;
        }
        Ok(())
    };
    if let Err(m) = checks() {
        return err(400, &m);
    }
    let mut db = lock(&inner.db);
    if !db.projects.iter().any(|p| p.id == r.project_id) {
        return err(404, "Project not found");
    }
    let svcs = services(&db, &r.project_id);
    let Some(pid) = primary(&svcs)
        .filter(|_| !deploy_type(&svcs).is_empty())
        .map(|a| a.id.clone())
    else {
        return err(
            400,
            "Project has no shared deploy config (only compose or dockerfile projects do)",
        );
    };
    let Some(a) = db.app_mut(&pid) else {
        return err(404, "App not found");
    };
    if let Some(g) = r.git_repo {
        a.git_repo = g;
    }
    a.branch = r.branch;
    a.root_dir = r.root_dir;
    a.compose_path = r.compose_path;
    a.dockerfile_path = r.dockerfile_path;
    if let Some(c) = r.compose_content {
        a.compose_content = c;
    }
    if let Some(d) = r.dockerfile_content {
        a.dockerfile_content = d;
    }
    if let Some(mut env) = r.env_vars {
        let secrets = r.secret_keys.clone().unwrap_or_default();
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
    if let Some(s) = r.secret_keys {
        a.secret_keys = Some(s);
    }
    if let Some(v) = r.auto_deploy {
        a.auto_deploy = v;
    }
    ok(&a.public())
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
struct RedeployReq {
    project_id: String,
}

/// `POST /api/projects/redeploy`: rebuilds the primary service.
pub fn redeploy(inner: &Arc<Inner>, call: &mut Call) -> Response {
    let r: RedeployReq = match call.json() {
        Ok(r) => r,
        Err(e) => return e,
    };
    if r.project_id.is_empty() {
        return err(400, "projectId is required");
    }
    let mut db = lock(&inner.db);
    if !db.projects.iter().any(|p| p.id == r.project_id) {
        return err(404, "Project not found");
    }
    let svcs = services(&db, &r.project_id);
    let Some(app) = primary(&svcs).cloned() else {
        return err(400, "Project has no services to redeploy");
    };
    let dep = start_deployment(&mut db, &app, "manual");
    let snapshot = db.app(&app.id).map(App::public).unwrap_or_default();
    drop(db);
    background::schedule_build(inner, app.id, dep);
    ok(&snapshot)
}
