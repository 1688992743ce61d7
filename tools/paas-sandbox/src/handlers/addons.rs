//! Add-on routes (spec §3.4): create (building → running), delete, attach/detach with
//! connection env injected into the app as secret env vars, masked public views.

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::response::Response;
use serde::Deserialize;

use crate::http::{Call, err, ok};
use crate::model::{Addon, App};
use crate::state::{Db, Inner};
use crate::util::{self, lock};
use crate::validate;

/// `GET /api/addons`.
pub fn list(inner: &Arc<Inner>, _call: &mut Call) -> Response {
    let db = lock(&inner.db);
    let v: Vec<Addon> = db.addons.iter().map(Addon::public).collect();
    ok(&v)
}

/// `GET /api/addons/get?id=`.
pub fn get(inner: &Arc<Inner>, call: &mut Call) -> Response {
    let db = lock(&inner.db);
    match db.addons.iter().find(|a| a.id == call.q("id")) {
        Some(a) => ok(&a.public()),
        None => err(404, "Add-on not found"),
    }
}

/// Builds a new add-on row with generated credentials.
pub fn new_addon(db: &Db, kind: &str, name: &str, server_id: &str) -> Addon {
    let id = util::new_id();
    let container = format!("paas-addon-{kind}-{id}");
    let password = util::random_hex32()[..24].to_string();
    let taken = |n: &str| db.addons.iter().any(|a| a.name == n);
    let name = if taken(name) {
        format!("{name}-{}", util::random_suffix(4))
    } else {
        name.to_string()
    };
    let (port, env): (u16, Vec<(&str, String)>) = match kind {
        "postgres" => (
            5432,
            vec![
                (
                    "DATABASE_URL",
                    format!("postgres://paas:{password}@{container}:5432/app"),
                ),
                ("PGHOST", container.clone()),
                ("PGPORT", "5432".into()),
                ("PGUSER", "paas".into()),
                ("PGPASSWORD", password.clone()),
                ("PGDATABASE", "app".into()),
            ],
        ),
        "mysql" => (
            3306,
            vec![
                (
                    "MYSQL_URL",
                    format!("mysql://paas:{password}@{container}:3306/app"),
                ),
                ("MYSQL_HOST", container.clone()),
                ("MYSQL_PORT", "3306".into()),
                ("MYSQL_USER", "paas".into()),
                ("MYSQL_PASSWORD", password.clone()),
                ("MYSQL_DATABASE", "app".into()),
            ],
        ),
        _ => (
            6379,
            vec![
                (
                    "REDIS_URL",
                    format!("redis://:{password}@{container}:6379/0"),
                ),
                ("REDIS_HOST", container.clone()),
                ("REDIS_PORT", "6379".into()),
                ("REDIS_PASSWORD", password.clone()),
            ],
        ),
    };
    Addon {
        id,
        kind: kind.into(),
        name,
        container_name: container.clone(),
        status: "building".into(),
        volume: format!("{container}-data"),
        port,
        conn_env: env.into_iter().map(|(k, v)| (k.to_string(), v)).collect(),
        attached_apps: Vec::new(),
        created_at: util::now(),
        server_id: server_id.into(),
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
struct CreateReq {
    #[serde(rename = "type")]
    kind: String,
    name: String,
    server_id: String,
}

/// `POST /api/addons/create`.
pub fn create(inner: &Arc<Inner>, call: &mut Call) -> Response {
    let r: CreateReq = match call.json() {
        Ok(r) => r,
        Err(e) => return e,
    };
    if !matches!(r.kind.as_str(), "postgres" | "redis" | "mysql") {
        return err(
            400,
            &format!(
                "Unsupported add-on type {:?}: use postgres, redis or mysql",
                r.kind
            ),
        );
    }
    if !validate::is_app_name(&r.name) {
        return err(400, validate::NAME_MSG);
    }
    let server = if r.server_id.is_empty() {
        "localhost".to_string()
    } else {
        r.server_id
    };
    let mut db = lock(&inner.db);
    if !db.servers.iter().any(|s| s.id == server) {
        return err(404, "Server not found");
    }
    let addon = new_addon(&db, &r.kind, &r.name, &server);
    db.addons.push(addon.clone());
    drop(db);
    crate::dbexplorer::provision(inner, &addon);
    ok(&addon.public())
}

/// Creates an add-on of `kind` and attaches it to `app_id` (catalog templates).
pub fn create_attached(inner: &Arc<Inner>, kind: &str, app_id: &str) {
    let mut db = lock(&inner.db);
    let Some(app) = db.app(app_id).cloned() else {
        return;
    };
    let mut addon = new_addon(&db, kind, &format!("{}-{kind}", app.name), &app.server_id);
    attach_env(&mut db, &mut addon, app_id);
    db.addons.push(addon.clone());
    drop(db);
    crate::dbexplorer::provision(inner, &addon);
}

fn attach_env(db: &mut Db, addon: &mut Addon, app_id: &str) {
    if let Some(app) = db.app_mut(app_id) {
        let env = app.env_vars.get_or_insert_with(BTreeMap::new);
        let secrets = app.secret_keys.get_or_insert_with(Vec::new);
        for (k, v) in &addon.conn_env {
            env.insert(k.clone(), v.clone());
            if !secrets.contains(k) {
                secrets.push(k.clone());
            }
        }
    }
    if !addon.attached_apps.iter().any(|a| a == app_id) {
        addon.attached_apps.push(app_id.to_string());
    }
}

fn detach_env(app: &mut App, addon: &Addon) {
    if let Some(env) = app.env_vars.as_mut() {
        for k in addon.conn_env.keys() {
            env.remove(k);
        }
    }
    if let Some(s) = app.secret_keys.as_mut() {
        s.retain(|k| !addon.conn_env.contains_key(k));
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
struct DeleteReq {
    id: String,
    #[allow(dead_code)]
    delete_data: bool,
}

/// `POST /api/addons/delete`.
pub fn delete(inner: &Arc<Inner>, call: &mut Call) -> Response {
    let r: DeleteReq = match call.json() {
        Ok(r) => r,
        Err(e) => return e,
    };
    let mut db = lock(&inner.db);
    let Some(pos) = db.addons.iter().position(|a| a.id == r.id) else {
        return err(404, "Add-on not found");
    };
    let addon = db.addons.remove(pos);
    for app_id in &addon.attached_apps {
        if let Some(app) = db.app_mut(app_id) {
            detach_env(app, &addon);
        }
    }
    db.redis.remove(&addon.id);
    drop(db);
    crate::dbexplorer::drop_db(inner, &addon.id);
    ok(&serde_json::json!({ "status": "deleted" }))
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
struct AttachReq {
    addon_id: String,
    app_id: String,
}

/// `POST /api/addons/attach`.
pub fn attach(inner: &Arc<Inner>, call: &mut Call) -> Response {
    let r: AttachReq = match call.json() {
        Ok(r) => r,
        Err(e) => return e,
    };
    let mut db = lock(&inner.db);
    let Some(mut addon) = db.addons.iter().find(|a| a.id == r.addon_id).cloned() else {
        return err(404, "Add-on not found");
    };
    let Some(app) = db.app(&r.app_id).cloned() else {
        return err(404, "App not found");
    };
    if app.server_id != addon.server_id {
        return err(400, "Add-on and app must be on the same server");
    }
    attach_env(&mut db, &mut addon, &r.app_id);
    if let Some(a) = db.addons.iter_mut().find(|a| a.id == addon.id) {
        *a = addon;
    }
    match db.app(&r.app_id) {
        Some(a) => ok(&a.public()),
        None => err(404, "App not found"),
    }
}

/// `POST /api/addons/detach`.
pub fn detach(inner: &Arc<Inner>, call: &mut Call) -> Response {
    let r: AttachReq = match call.json() {
        Ok(r) => r,
        Err(e) => return e,
    };
    let mut db = lock(&inner.db);
    let Some(addon) = db.addons.iter_mut().find(|a| a.id == r.addon_id) else {
        return err(404, "Add-on not found");
    };
    addon.attached_apps.retain(|a| *a != r.app_id);
    let addon = addon.clone();
    let Some(app) = db.app_mut(&r.app_id) else {
        return err(404, "App not found");
    };
    detach_env(app, &addon);
    ok(&app.public())
}
