//! The route table of spec §3 (routes.go@D) as data: path, accepted methods, guard, handler.
//! The dispatcher runs the guard first, then the method check, then the handler — the order
//! upstream's wrappers impose (403 without the scope, 405 with it).

use std::sync::Arc;

use axum::response::Response;

use crate::handlers as h;
use crate::http::Call;
use crate::state::Inner;

/// Who may reach a route (spec §1.4).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Guard {
    /// No token needed.
    Public,
    /// Any valid token.
    Token,
    /// Admin token only.
    Admin,
    /// Every listed scope (first missing one is named).
    All(&'static [&'static str]),
    /// At least one listed scope (the first one is named).
    Any(&'static [&'static str]),
}

/// A request handler; the method has already been checked.
pub type Handler = fn(&Arc<Inner>, &mut Call) -> Response;

/// One registered path.
#[derive(Clone, Copy, Debug)]
pub struct Route {
    pub path: &'static str,
    /// Accepted methods; empty = any method.
    pub methods: &'static [&'static str],
    pub guard: Guard,
    pub handler: Handler,
}

const GET: &[&str] = &["GET"];
const POST: &[&str] = &["POST"];
const DELETE: &[&str] = &["DELETE"];
const GET_HEAD: &[&str] = &["GET", "HEAD"];
const GET_POST: &[&str] = &["GET", "POST"];
const DELETE_POST: &[&str] = &["DELETE", "POST"];
const ANY_METHOD: &[&str] = &[];

const READ: Guard = Guard::All(&["apps:read"]);
const WRITE: Guard = Guard::All(&["apps:write"]);
const DEPLOY: Guard = Guard::All(&["deploy:trigger", "apps:write"]);
const APPS_DELETE: Guard = Guard::All(&["apps:delete"]);
const ADDONS: Guard = Guard::All(&["addons:manage"]);
const SERVERS: Guard = Guard::All(&["servers:manage"]);
const CRON: Guard = Guard::All(&["cron:manage"]);
const BACKUPS: Guard = Guard::All(&["backups:manage"]);
const NOTIFY: Guard = Guard::All(&["notifications:manage"]);
const SYSTEM: Guard = Guard::All(&["system:manage"]);
const METRICS: Guard = Guard::All(&["metrics:read"]);
const LOGS_ANY: Guard = Guard::Any(&["apps:read", "logs:read"]);
const INFO_ANY: Guard = Guard::Any(&["apps:read", "metrics:read"]);

macro_rules! r {
    ($path:literal, $methods:expr, $guard:expr, $handler:path) => {
        Route {
            path: $path,
            methods: $methods,
            guard: $guard,
            handler: $handler,
        }
    };
}

/// Every HTTP path of routes.go@D (108, counting the GitHub webhook subtree as one).
pub static ROUTES: &[Route] = &[
    // §3.1 apps
    r!("/api/apps", GET, READ, h::apps::list),
    r!("/api/apps/get", GET, READ, h::apps::get),
    r!("/api/deploy", POST, DEPLOY, h::deploy::git),
    r!("/api/deploy/upload", POST, DEPLOY, h::deploy::upload),
    r!("/api/apps/stop", POST, WRITE, h::apps::stop),
    r!("/api/apps/start", POST, WRITE, h::apps::start),
    r!("/api/apps/delete", POST, APPS_DELETE, h::apps::delete),
    r!("/api/apps/update", POST, WRITE, h::apps::update),
    r!("/api/apps/rename", POST, WRITE, h::apps::rename),
    r!("/api/apps/redeploy", POST, WRITE, h::apps::redeploy),
    r!("/api/apps/rollback", POST, WRITE, h::apps::rollback),
    r!("/api/apps/webhook", GET, READ, h::apps::webhook),
    r!(
        "/api/apps/webhook/regenerate",
        POST,
        WRITE,
        h::apps::webhook_regenerate
    ),
    r!(
        "/api/apps/webhook/github/create",
        POST,
        WRITE,
        h::apps::webhook_github_create
    ),
    r!("/api/apps/domains/add", POST, WRITE, h::apps::domain_add),
    r!(
        "/api/apps/domains/remove",
        POST,
        WRITE,
        h::apps::domain_remove
    ),
    r!(
        "/api/apps/vulnerabilities/scan",
        GET,
        READ,
        h::apps::vuln_scan
    ),
    r!(
        "/api/apps/vulnerabilities/fix",
        POST,
        WRITE,
        h::apps::vuln_fix
    ),
    r!(
        "/api/apps/runtime-logs",
        GET,
        LOGS_ANY,
        h::apps::runtime_logs
    ),
    // §3.2 projects
    r!("/api/projects", GET, READ, h::projects::list),
    r!("/api/projects/get", GET, READ, h::projects::get),
    r!("/api/projects/create", POST, WRITE, h::projects::create),
    r!("/api/projects/rename", POST, WRITE, h::projects::rename),
    r!(
        "/api/projects/delete",
        POST,
        APPS_DELETE,
        h::projects::delete
    ),
    r!(
        "/api/projects/services/deploy",
        POST,
        DEPLOY,
        h::deploy::project_service
    ),
    r!(
        "/api/projects/services/deploy/upload",
        POST,
        DEPLOY,
        h::deploy::project_upload
    ),
    r!("/api/projects/config", GET, READ, h::projects::config),
    r!(
        "/api/projects/config/update",
        POST,
        WRITE,
        h::projects::config_update
    ),
    r!(
        "/api/projects/redeploy",
        POST,
        DEPLOY,
        h::projects::redeploy
    ),
    // §3.3 catalog
    r!("/api/catalog", GET, READ, h::catalog::list),
    r!("/api/catalog/deploy", POST, DEPLOY, h::deploy::template),
    r!("/api/catalog/deploy-image", POST, DEPLOY, h::deploy::image),
    r!(
        "/api/catalog/deploy-dockerfile",
        POST,
        DEPLOY,
        h::deploy::dockerfile
    ),
    // §3.4 add-ons
    r!("/api/addons", GET, READ, h::addons::list),
    r!("/api/addons/get", GET, READ, h::addons::get),
    r!("/api/addons/create", POST, ADDONS, h::addons::create),
    r!("/api/addons/delete", POST, ADDONS, h::addons::delete),
    r!("/api/addons/attach", POST, ADDONS, h::addons::attach),
    r!("/api/addons/detach", POST, ADDONS, h::addons::detach),
    r!("/api/addons/db/tables", POST, ADDONS, h::dbexplorer::tables),
    r!("/api/addons/db/table", POST, ADDONS, h::dbexplorer::table),
    r!("/api/addons/db/query", POST, ADDONS, h::dbexplorer::query),
    r!(
        "/api/addons/db/columns",
        POST,
        ADDONS,
        h::dbexplorer::columns
    ),
    r!(
        "/api/addons/db/row/insert",
        POST,
        ADDONS,
        h::dbexplorer::row_insert
    ),
    r!(
        "/api/addons/db/row/update",
        POST,
        ADDONS,
        h::dbexplorer::row_update
    ),
    r!(
        "/api/addons/db/row/delete",
        POST,
        ADDONS,
        h::dbexplorer::row_delete
    ),
    // §3.5 servers, cloudflare
    r!("/api/server/info", GET, INFO_ANY, h::servers::info),
    r!("/api/servers", GET, SERVERS, h::servers::list),
    r!("/api/servers/create", POST, SERVERS, h::servers::create),
    r!(
        "/api/servers/cloud/create",
        POST,
        SERVERS,
        h::servers::cloud_create
    ),
    r!("/api/servers/update", POST, SERVERS, h::servers::update),
    r!("/api/servers/delete", POST, SERVERS, h::servers::delete),
    r!("/api/servers/test", POST, SERVERS, h::servers::test),
    r!(
        "/api/servers/keys/public",
        GET,
        SERVERS,
        h::servers::public_key
    ),
    r!(
        "/api/cloudflare/status",
        GET,
        SERVERS,
        h::servers::cloudflare_status
    ),
    r!(
        "/api/cloudflare/token/save",
        POST,
        SERVERS,
        h::servers::cloudflare_save
    ),
    r!(
        "/api/cloudflare/token/delete",
        DELETE_POST,
        SERVERS,
        h::servers::cloudflare_delete
    ),
    r!(
        "/api/cloudflare/dns",
        POST,
        SERVERS,
        h::servers::cloudflare_dns
    ),
    // §3.6 git
    r!("/api/git/branches", POST, READ, h::git::branches),
    r!("/api/git/repos", GET, READ, h::git::repos),
    r!("/api/git/contents", GET, READ, h::git::contents),
    r!("/api/git/file", GET, READ, h::git::file),
    r!("/api/git/token", GET, Guard::Admin, h::git::token),
    r!(
        "/api/git/token/save",
        POST,
        Guard::Admin,
        h::git::token_save
    ),
    r!(
        "/api/git/token/delete",
        DELETE,
        Guard::Admin,
        h::git::token_delete
    ),
    // §3.7 cron
    r!("/api/cron", GET, CRON, h::cron::list),
    r!("/api/cron/create", POST, CRON, h::cron::create),
    r!("/api/cron/update", POST, CRON, h::cron::update),
    r!("/api/cron/delete", POST, CRON, h::cron::delete),
    r!("/api/cron/run", POST, CRON, h::cron::run),
    // §3.8 backups
    r!("/api/backups", GET, BACKUPS, h::backups::list),
    r!("/api/backups/create", POST, BACKUPS, h::backups::create),
    r!("/api/backups/download", GET, BACKUPS, h::backups::download),
    r!("/api/backups/restore", POST, BACKUPS, h::backups::restore),
    r!("/api/backups/delete", POST, BACKUPS, h::backups::delete),
    r!("/api/backups/config", GET, BACKUPS, h::backups::config),
    r!(
        "/api/backups/config/save",
        POST,
        BACKUPS,
        h::backups::config_save
    ),
    r!("/api/backups/s3/test", POST, BACKUPS, h::backups::s3_test),
    // §3.9 notifications
    r!("/api/notifications", GET, NOTIFY, h::notifications::get),
    r!(
        "/api/notifications/save",
        POST,
        NOTIFY,
        h::notifications::save
    ),
    r!(
        "/api/notifications/test",
        POST,
        NOTIFY,
        h::notifications::test
    ),
    // §3.10 system, metrics, deployments, health
    r!("/api/health", ANY_METHOD, Guard::Public, h::system::health),
    r!(
        "/.well-known/better-paas.json",
        GET_HEAD,
        Guard::Public,
        h::system::well_known
    ),
    r!("/api/system/version", GET, READ, h::system::version),
    r!(
        "/api/system/domain",
        GET_POST,
        Guard::Admin,
        h::system::domain
    ),
    r!(
        "/api/system/update/check",
        GET,
        SYSTEM,
        h::system::update_check
    ),
    r!(
        "/api/system/update/status",
        GET,
        SYSTEM,
        h::system::update_status
    ),
    r!(
        "/api/system/update/apply",
        POST,
        SYSTEM,
        h::system::update_apply
    ),
    r!(
        "/api/system/onboarding",
        GET,
        Guard::Admin,
        h::system::onboarding
    ),
    r!(
        "/api/system/onboarding/complete",
        POST,
        Guard::Admin,
        h::system::onboarding_complete
    ),
    r!(
        "/api/system/onboarding/reset",
        POST,
        Guard::Admin,
        h::system::onboarding_reset
    ),
    r!("/api/docker/prune", POST, SYSTEM, h::system::prune),
    r!(
        "/api/deployments/history",
        GET,
        READ,
        h::system::deployments
    ),
    r!("/api/metrics/apps", GET, METRICS, h::system::metrics),
    // §3.11 analytics
    r!("/api/analytics", GET, READ, h::analytics::app),
    r!("/api/analytics/overview", GET, READ, h::analytics::overview),
    r!("/api/track", POST, Guard::Public, h::analytics::track),
    r!(
        "/api/analytics/script.js",
        GET,
        Guard::Public,
        h::analytics::script
    ),
    r!(
        "/api/webhooks/github/",
        POST,
        Guard::Public,
        h::analytics::github_webhook
    ),
    // §3.12 auth, agents, connect, audit
    r!("/api/auth/verify", POST, Guard::Public, h::auth::verify),
    r!(
        "/api/auth/ws-ticket",
        POST,
        Guard::Token,
        h::auth::ws_ticket
    ),
    r!("/api/agents", GET, Guard::Admin, h::agents::list),
    r!("/api/agents/create", POST, Guard::Admin, h::agents::create),
    r!("/api/agents/delete", POST, Guard::Admin, h::agents::delete),
    r!("/api/agents/rotate", POST, Guard::Admin, h::agents::rotate),
    r!(
        "/api/connect/agent/approve",
        POST,
        Guard::Admin,
        h::connect::approve
    ),
    r!(
        "/api/connect/agent/exchange",
        POST,
        Guard::Public,
        h::connect::exchange
    ),
    r!("/api/audit-logs", GET, Guard::Admin, h::audit::list),
];

/// The WebSocket paths (spec §3.13), guarded by ticket snapshots.
pub static WS_ROUTES: &[(&str, &[&str])] = &[
    ("/ws/logs", &["logs:read", "apps:read"]),
    ("/ws/runtime-logs", &["logs:read", "apps:read"]),
    ("/ws/stats", &["metrics:read", "apps:read"]),
    ("/ws/terminal", &["apps:write"]),
    ("/ws/host-terminal", &["system:manage"]),
];

/// Exact-path lookup; `/api/webhooks/github/` is the only subtree.
pub fn find(path: &str) -> Option<&'static Route> {
    if path.starts_with("/api/webhooks/github/") {
        return ROUTES.iter().find(|r| r.path == "/api/webhooks/github/");
    }
    ROUTES.iter().find(|r| r.path == path)
}

/// Paths the auth gate lets through without a token (spec §1.5).
pub fn is_public(path: &str) -> bool {
    matches!(
        path,
        "/api/health"
            | "/.well-known/better-paas.json"
            | "/api/auth/verify"
            | "/api/connect/agent/exchange"
            | "/api/track"
            | "/api/analytics/script.js"
    ) || path.starts_with("/api/webhooks/")
        || path.starts_with("/ws/")
}
