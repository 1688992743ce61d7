//! Every "new deployment" route: git, upload, project service, catalog template, image,
//! inline Dockerfile. All create an app in `building` and schedule its build.

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::response::Response;
use serde::Deserialize;

use crate::background;
use crate::http::{Call, err, ok};
use crate::model::{App, Deployment};
use crate::state::{Db, Inner};
use crate::util::{self, lock};
use crate::validate;

/// The deploy body (spec §3.1), shared by the other deploy routes.
#[derive(Debug, Default, Deserialize, Clone)]
#[serde(rename_all = "camelCase", default)]
pub struct DeployReq {
    pub name: String,
    pub git_repo: String,
    pub branch: String,
    pub git_token: String,
    pub root_dir: String,
    pub env_vars: Option<BTreeMap<String, String>>,
    pub build_command: String,
    pub start_command: String,
    pub install_command: String,
    pub port_override: i64,
    pub domains: Option<Vec<String>>,
    pub memory: String,
    pub cpus: String,
    pub volumes: Option<Vec<String>>,
    pub health_path: String,
    pub secret_keys: Option<Vec<String>>,
    pub auto_deploy: bool,
    pub build_method: String,
    pub dockerfile_path: String,
    pub compose_path: String,
    pub server_id: String,
    pub project_id: String,
    // catalog routes
    pub image: String,
    pub port: i64,
    pub dockerfile: String,
    pub template_id: String,
}

/// Checks the §7 rules shared by every deploy-like body.
pub fn validate_common(r: &DeployReq) -> Result<(), String> {
    validate::memory(&r.memory)?;
    validate::cpus(&r.cpus)?;
    for d in r.domains.iter().flatten() {
        validate::domain(&validate::normalize_domain(d))?;
    }
    for v in r.volumes.iter().flatten() {
        validate::volume(v)?;
    }
    validate::rel_path(&r.root_dir, "root directory", true)?;
    validate::rel_path(&r.dockerfile_path, "dockerfile", false)?;
    validate::rel_path(&r.compose_path, "compose", false)?;
    validate::build_method(&r.build_method)?;
    Ok(())
}

/// A free name: `base` itself, or `base-xxxx` on collision (spec §7).
pub fn unique_name(db: &Db, base: &str) -> String {
    let taken = |n: &str| db.apps.iter().any(|a| a.name == n);
    if !taken(base) {
        return base.to_string();
    }
    let stem: String = base.chars().take(35).collect();
    loop {
        let candidate = format!("{}-{}", stem.trim_end_matches('-'), util::random_suffix(4));
        if !taken(&candidate) {
            return candidate;
        }
    }
}

/// Creates the app row and its first deployment, then schedules the build.
pub fn create_and_build(inner: &Arc<Inner>, r: DeployReq, trigger: &str) -> Result<App, Response> {
    let mut db = lock(&inner.db);
    let server_id = if r.server_id.is_empty() {
        "localhost".to_string()
    } else {
        r.server_id.clone()
    };
    if !db.servers.iter().any(|s| s.id == server_id) {
        return Err(err(404, "Server not found"));
    }
    let mut service_name = String::new();
    let mut base = r.name.clone();
    if !r.project_id.is_empty() {
        let Some(p) = db.projects.iter().find(|p| p.id == r.project_id) else {
            return Err(err(404, "Project not found"));
        };
        service_name = r.name.clone();
        base = format!("{}-{}", p.name, r.name);
        base.truncate(40);
        base = base.trim_end_matches('-').to_string();
    }
    let name = unique_name(&db, &base);
    let port = db.alloc_port();
    let domains = r.domains.clone().map(|ds| {
        ds.iter()
            .map(|d| validate::normalize_domain(d))
            .collect::<Vec<_>>()
    });
    let id = util::new_id();
    let app = App {
        id: id.clone(),
        name: name.clone(),
        status: "building".into(),
        git_repo: r.git_repo.clone(),
        branch: r.branch.clone(),
        port,
        url: format!("http://127.0.0.1:{port}"),
        created_at: util::now(),
        git_token: r.git_token.clone(),
        root_dir: r.root_dir.clone(),
        env_vars: r.env_vars.clone(),
        build_command: r.build_command.clone(),
        start_command: r.start_command.clone(),
        install_command: r.install_command.clone(),
        port_override: if r.port_override > 0 {
            r.port_override
        } else {
            r.port
        },
        build_method: if r.build_method.is_empty() {
            "nixpacks".into()
        } else {
            r.build_method.clone()
        },
        dockerfile_path: r.dockerfile_path.clone(),
        compose_path: r.compose_path.clone(),
        image: r.image.clone(),
        dockerfile_content: r.dockerfile.clone(),
        catalog_id: r.template_id.clone(),
        domains,
        memory: r.memory.clone(),
        cpus: r.cpus.clone(),
        volumes: r.volumes.clone(),
        health_path: r.health_path.clone(),
        secret_keys: r.secret_keys.clone(),
        webhook_secret: util::random_hex32(),
        auto_deploy: r.auto_deploy,
        server_id,
        project_id: r.project_id.clone(),
        service_name,
        ..App::default()
    };
    db.apps.push(app.clone());
    let dep_id = start_deployment(&mut db, &app, trigger);
    drop(db);
    background::schedule_build(inner, id, dep_id);
    Ok(app)
}

/// Records a `building` deployment with its first log lines and flips the app to building.
pub fn start_deployment(db: &mut Db, app: &App, trigger: &str) -> String {
    let id = util::new_id();
    let commit = util::random_hex32()[..40].to_string();
    let source = if !app.image.is_empty() {
        format!("Pulling image {}", app.image)
    } else if app.build_method == "dockerfile-inline" {
        "Building from inline Dockerfile".to_string()
    } else {
        let branch = if app.branch.is_empty() {
            "main"
        } else {
            &app.branch
        };
        format!("Cloning {} (branch {branch})", app.git_repo)
    };
    let dep = Deployment {
        id: id.clone(),
        app_id: app.id.clone(),
        app_name: app.name.clone(),
        status: "building".into(),
        logs: vec![
            format!("Starting deployment {id} for {}", app.name),
            source,
            format!("Build method: {}", app.build_method),
            "Building image...".into(),
        ],
        created_at: util::now(),
        duration: String::new(),
        trigger: trigger.into(),
        commit_msg: if app.git_repo.is_empty() || app.git_repo.starts_with("upload://") {
            String::new()
        } else {
            "Update from sandbox".into()
        },
        commit: if app.git_repo.is_empty() || app.git_repo.starts_with("upload://") {
            String::new()
        } else {
            commit
        },
        ..Deployment::default()
    };
    db.deployments.push(dep);
    if let Some(a) = db.app_mut(&app.id) {
        a.status = "building".into();
    }
    id
}

fn deploy_with(inner: &Arc<Inner>, r: DeployReq, trigger: &str) -> Response {
    if let Err(m) = validate_common(&r) {
        return err(400, &m);
    }
    match create_and_build(inner, r, trigger) {
        Ok(app) => ok(&app.public()),
        Err(resp) => resp,
    }
}

/// `POST /api/deploy`.
pub fn git(inner: &Arc<Inner>, call: &mut Call) -> Response {
    let r: DeployReq = match call.json() {
        Ok(r) => r,
        Err(e) => return e,
    };
    if r.name.is_empty() || r.git_repo.is_empty() {
        return err(400, "name and gitRepo are required");
    }
    if !validate::is_app_name(&r.name) {
        return err(400, validate::NAME_MSG);
    }
    let r = DeployReq {
        project_id: String::new(),
        image: String::new(),
        dockerfile: String::new(),
        template_id: String::new(),
        port: 0,
        ..r
    };
    deploy_with(inner, r, "manual")
}

/// `POST /api/projects/services/deploy`: deploy body + `projectId`.
pub fn project_service(inner: &Arc<Inner>, call: &mut Call) -> Response {
    let r: DeployReq = match call.json() {
        Ok(r) => r,
        Err(e) => return e,
    };
    if r.project_id.is_empty() {
        return err(400, "projectId is required");
    }
    if r.name.is_empty() || r.git_repo.is_empty() {
        return err(400, "name and gitRepo are required");
    }
    if !validate::is_app_name(&r.name) {
        return err(400, validate::NAME_MSG);
    }
    deploy_with(inner, r, "manual")
}

/// `POST /api/catalog/deploy-image`.
pub fn image(inner: &Arc<Inner>, call: &mut Call) -> Response {
    let r: DeployReq = match call.json() {
        Ok(r) => r,
        Err(e) => return e,
    };
    if r.image.is_empty() {
        return err(400, "image is required");
    }
    if let Err(m) = validate::image(&r.image) {
        return err(400, &m);
    }
    let name = name_or_default(&r.name, &r.image);
    if !validate::is_app_name(&name) {
        return err(400, validate::NAME_MSG);
    }
    let r = DeployReq {
        name,
        build_method: "image".into(),
        git_repo: String::new(),
        ..r
    };
    deploy_with(inner, r, "image")
}

/// `POST /api/catalog/deploy-dockerfile`.
pub fn dockerfile(inner: &Arc<Inner>, call: &mut Call) -> Response {
    let r: DeployReq = match call.json() {
        Ok(r) => r,
        Err(e) => return e,
    };
    if let Err(m) = validate::dockerfile(&r.dockerfile) {
        return err(400, &m);
    }
    let name = name_or_default(&r.name, "dockerfile-app");
    if !validate::is_app_name(&name) {
        return err(400, validate::NAME_MSG);
    }
    let r = DeployReq {
        name,
        build_method: "dockerfile-inline".into(),
        git_repo: String::new(),
        image: String::new(),
        ..r
    };
    deploy_with(inner, r, "dockerfile")
}

/// `POST /api/catalog/deploy`: a template (auto-creating its required add-ons).
pub fn template(inner: &Arc<Inner>, call: &mut Call) -> Response {
    let r: DeployReq = match call.json() {
        Ok(r) => r,
        Err(e) => return e,
    };
    if r.template_id.is_empty() {
        return err(400, "templateId is required");
    }
    let Some(t) = crate::handlers::catalog::find(&r.template_id) else {
        return err(404, "Template not found");
    };
    let name = name_or_default(&r.name, t.id);
    if !validate::is_app_name(&name) {
        return err(400, validate::NAME_MSG);
    }
    let mut env = t.default_env();
    env.extend(r.env_vars.clone().unwrap_or_default());
    let r = DeployReq {
        name,
        image: t.image.to_string(),
        build_method: "image".into(),
        port: t.port,
        health_path: t.health_path.to_string(),
        env_vars: Some(env),
        secret_keys: Some(t.secret_keys()),
        git_repo: String::new(),
        ..r
    };
    if let Err(m) = validate_common(&r) {
        return err(400, &m);
    }
    let required = t.required_addons;
    match create_and_build(inner, r, "catalog") {
        Ok(app) => {
            for kind in required {
                crate::handlers::addons::create_attached(inner, kind, &app.id);
            }
            let db = lock(&inner.db);
            let app = db.app(&app.id).cloned().unwrap_or(app);
            ok(&app.public())
        }
        Err(resp) => resp,
    }
}

fn name_or_default(name: &str, from: &str) -> String {
    if !name.is_empty() {
        return name.to_string();
    }
    let base = from
        .rsplit('/')
        .next()
        .unwrap_or(from)
        .split([':', '@'])
        .next()
        .unwrap_or("app");
    let cleaned: String = base
        .to_ascii_lowercase()
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .take(40)
        .collect();
    cleaned.trim_matches('-').to_string()
}

/// `POST /api/deploy/upload`.
pub fn upload(inner: &Arc<Inner>, call: &mut Call) -> Response {
    upload_common(inner, call, false)
}

/// `POST /api/projects/services/deploy/upload`.
pub fn project_upload(inner: &Arc<Inner>, call: &mut Call) -> Response {
    upload_common(inner, call, true)
}

fn upload_common(inner: &Arc<Inner>, call: &mut Call, project: bool) -> Response {
    let parts = match call.parts.take() {
        Some(Ok(p)) => p,
        Some(Err(e)) => return err(400, &e),
        None => return err(400, "Bad request: expected multipart form"),
    };
    let Some(config) = parts.iter().find(|p| p.name == "config") else {
        return err(400, "missing config");
    };
    let r: DeployReq = match serde_json::from_slice(&config.data) {
        Ok(r) => r,
        Err(e) => return err(400, &format!("invalid config: {e}")),
    };
    let archive = parts.iter().find(|p| p.name == "archive");
    let files = parts.iter().filter(|p| p.name == "files").count();
    let paths = parts.iter().filter(|p| p.name == "paths").count();
    if let Some(a) = archive {
        let zip_name = a
            .file_name
            .as_deref()
            .is_some_and(|n| n.to_ascii_lowercase().ends_with(".zip"));
        if !zip_name || !a.data.starts_with(b"PK") {
            return err(400, "only .zip archives are supported");
        }
    } else if files == 0 {
        return err(400, "no files uploaded");
    } else if files != paths {
        return err(400, "files and paths count mismatch");
    }
    if r.name.is_empty() {
        return err(400, "name is required");
    }
    if !validate::is_app_name(&r.name) {
        return err(400, validate::NAME_MSG);
    }
    if project && r.project_id.is_empty() {
        return err(400, "projectId is required");
    }
    let upload_id = util::new_id();
    let r = DeployReq {
        git_repo: format!("upload://{upload_id}"),
        branch: String::new(),
        git_token: String::new(),
        auto_deploy: false,
        project_id: if project { r.project_id } else { String::new() },
        image: String::new(),
        dockerfile: String::new(),
        template_id: String::new(),
        ..r
    };
    deploy_with(inner, r, "upload")
}
