//! Servers and Cloudflare (spec §3.5). The `localhost` row always exists; remote servers
//! can be registered but never reached (no SSH from the sandbox), and Cloudflare and cloud
//! providers answer as upstream does when they are unreachable.

use std::sync::Arc;

use axum::response::Response;
use serde::Deserialize;

use crate::http::{Call, err, ok};
use crate::model::Server;
use crate::state::Inner;
use crate::util::{self, lock};

/// `GET /api/server/info`.
pub fn info(_inner: &Arc<Inner>, _call: &mut Call) -> Response {
    ok(&serde_json::json!({ "publicIp": "127.0.0.1", "localIp": "127.0.0.1" }))
}

fn stripped(s: &Server) -> Server {
    Server {
        public_key: String::new(),
        ..s.clone()
    }
}

/// `GET /api/servers`.
pub fn list(inner: &Arc<Inner>, _call: &mut Call) -> Response {
    let v: Vec<Server> = lock(&inner.db).servers.iter().map(stripped).collect();
    ok(&v)
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
struct CreateReq {
    id: String,
    name: String,
    description: String,
    ip: String,
    port: i64,
    ssh_user: String,
    provider: String,
    token: String,
}

fn valid_host(h: &str) -> bool {
    h.parse::<std::net::IpAddr>().is_ok()
        || (!h.is_empty()
            && h.len() <= 253
            && h.split('.').all(|l| {
                !l.is_empty()
                    && !l.starts_with('-')
                    && !l.ends_with('-')
                    && l.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'-')
            }))
}

/// The server's SSH key pair is made once at create time (spec §3): the create answer and
/// `keys/public` show the same public key, derived here from the id.
fn public_key_of(id: &str) -> String {
    format!(
        "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI{} paas@sandbox",
        &util::hash_token(id)[..43]
    )
}

/// `POST /api/servers/create`: registered with a fresh key; status `unknown` until tested.
pub fn create(inner: &Arc<Inner>, call: &mut Call) -> Response {
    let r: CreateReq = match call.json() {
        Ok(r) => r,
        Err(e) => return e,
    };
    if r.name.trim().is_empty() {
        return err(400, "name is required");
    }
    if !valid_host(&r.ip) {
        return err(400, "ip must be an IP address or hostname");
    }
    let port = if r.port == 0 { 22 } else { r.port };
    let Ok(port) = u16::try_from(port)
        .map_err(|_| ())
        .and_then(|p| if p == 0 { Err(()) } else { Ok(p) })
    else {
        return err(400, "port must be between 1 and 65535");
    };
    let id = util::new_id();
    let s = Server {
        public_key: public_key_of(&id),
        id,
        name: r.name.trim().to_string(),
        description: r.description,
        ip: r.ip,
        port,
        ssh_user: if r.ssh_user.is_empty() {
            "root".into()
        } else {
            r.ssh_user
        },
        is_local: false,
        status: "unknown".into(),
        last_checked: util::ZERO_TIME.into(),
        created_at: util::now(),
        ..Server::default()
    };
    let mut stored = s.clone();
    stored.public_key = String::new();
    lock(&inner.db).servers.push(stored);
    ok(&s)
}

/// `POST /api/servers/cloud/create`: the provider API is unreachable from the sandbox.
pub fn cloud_create(_inner: &Arc<Inner>, call: &mut Call) -> Response {
    let r: CreateReq = match call.json() {
        Ok(r) => r,
        Err(e) => return e,
    };
    if !matches!(r.provider.as_str(), "hetzner" | "digitalocean" | "vultr") {
        return err(400, "provider must be hetzner, digitalocean or vultr");
    }
    if r.token.is_empty() || r.name.is_empty() {
        return err(400, "provider, token and name are required");
    }
    err(
        502,
        &format!(
            "Failed to create server: {} API is unreachable from the sandbox",
            r.provider
        ),
    )
}

/// `POST /api/servers/update`.
pub fn update(inner: &Arc<Inner>, call: &mut Call) -> Response {
    let r: CreateReq = match call.json() {
        Ok(r) => r,
        Err(e) => return e,
    };
    if r.id.is_empty() || r.name.trim().is_empty() {
        return err(400, "id and name are required");
    }
    let mut db = lock(&inner.db);
    let Some(s) = db.servers.iter_mut().find(|s| s.id == r.id) else {
        return err(404, "Server not found");
    };
    s.name = r.name.trim().to_string();
    s.description = r.description;
    ok(&serde_json::json!({ "status": "updated" }))
}

/// `POST /api/servers/delete`.
pub fn delete(inner: &Arc<Inner>, call: &mut Call) -> Response {
    let r: super::IdBody = match call.json() {
        Ok(r) => r,
        Err(e) => return e,
    };
    if r.id == "localhost" {
        return err(400, "cannot delete the local server");
    }
    let mut db = lock(&inner.db);
    if !db.servers.iter().any(|s| s.id == r.id) {
        return err(404, "Server not found");
    }
    let n = db.apps.iter().filter(|a| a.server_id == r.id).count();
    if n > 0 {
        return err(
            409,
            &format!("cannot delete server: {n} app(s) are still deployed on it"),
        );
    }
    db.servers.retain(|s| s.id != r.id);
    ok(&serde_json::json!({ "status": "deleted" }))
}

/// `POST /api/servers/test`: localhost is connected; remote hosts cannot be reached.
pub fn test(inner: &Arc<Inner>, call: &mut Call) -> Response {
    let r: super::IdBody = match call.json() {
        Ok(r) => r,
        Err(e) => return e,
    };
    let mut db = lock(&inner.db);
    let Some(s) = db.servers.iter_mut().find(|s| s.id == r.id) else {
        return err(404, "Server not found");
    };
    s.last_checked = util::now();
    if s.is_local {
        s.status = "connected".into();
        return ok(&serde_json::json!({ "status": "connected", "dockerVersion": "27.0.3" }));
    }
    s.status = "error".into();
    let msg = format!(
        "ssh: dial tcp {}:{}: connect: connection refused",
        s.ip, s.port
    );
    ok(&serde_json::json!({ "status": "error", "error": msg }))
}

/// `GET /api/servers/keys/public?id=`: `""` for local.
pub fn public_key(inner: &Arc<Inner>, call: &mut Call) -> Response {
    let db = lock(&inner.db);
    let Some(s) = db.servers.iter().find(|s| s.id == call.q("id")) else {
        return err(404, "Server not found");
    };
    let key = if s.is_local {
        String::new()
    } else {
        public_key_of(&s.id)
    };
    ok(&serde_json::json!({ "publicKey": key }))
}

/// `GET /api/cloudflare/status`.
pub fn cloudflare_status(inner: &Arc<Inner>, _call: &mut Call) -> Response {
    ok(&serde_json::json!({ "connected": !lock(&inner.db).cloudflare_token.is_empty() }))
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct TokenReq {
    token: String,
    domain: String,
}

/// `POST /api/cloudflare/token/save`: verification needs Cloudflare, which is unreachable.
pub fn cloudflare_save(_inner: &Arc<Inner>, call: &mut Call) -> Response {
    let r: TokenReq = match call.json() {
        Ok(r) => r,
        Err(e) => return e,
    };
    if r.token.trim().is_empty() {
        return err(400, "token is required");
    }
    err(
        502,
        "Failed to verify Cloudflare token: api.cloudflare.com is unreachable from the sandbox",
    )
}

/// `DELETE|POST /api/cloudflare/token/delete`.
pub fn cloudflare_delete(inner: &Arc<Inner>, _call: &mut Call) -> Response {
    lock(&inner.db).cloudflare_token.clear();
    ok(&serde_json::json!({ "status": "deleted" }))
}

/// `POST /api/cloudflare/dns`: no token can be stored in the sandbox, so not configured.
pub fn cloudflare_dns(inner: &Arc<Inner>, call: &mut Call) -> Response {
    let r: TokenReq = match call.json() {
        Ok(r) => r,
        Err(e) => return e,
    };
    if r.domain.is_empty() {
        return err(400, "domain is required");
    }
    if lock(&inner.db).cloudflare_token.is_empty() {
        return err(400, "Cloudflare is not connected");
    }
    err(502, "Cloudflare API error: unreachable from the sandbox")
}
