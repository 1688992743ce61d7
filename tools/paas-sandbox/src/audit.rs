//! The audit recorder (spec §5): friendly action names, `"<METHOD> <path>"` fallback,
//! resource type by path prefix, outcome always `success`, `resourceId` always empty.

use std::net::IpAddr;

use crate::http::Actor;
use crate::model::AuditLog;
use crate::state::Inner;
use crate::util::{self, lock};

/// The friendly action name for a mutating request, if upstream maps it.
pub fn action_name(method: &str, path: &str) -> Option<&'static str> {
    if method == "DELETE" {
        return (path == "/api/git/token/delete").then_some("git:token_delete");
    }
    if method != "POST" {
        return None;
    }
    if path.starts_with("/api/apps/domains/") {
        return Some("app:domain");
    }
    if path.starts_with("/api/addons/db/") {
        return Some("addon:db");
    }
    Some(match path {
        "/api/deploy" => "app:deploy",
        "/api/apps/stop" => "app:stop",
        "/api/apps/start" => "app:start",
        "/api/apps/delete" => "app:delete",
        "/api/apps/update" => "app:update",
        "/api/apps/rename" => "app:rename",
        "/api/apps/redeploy" => "app:redeploy",
        "/api/apps/rollback" => "app:rollback",
        "/api/addons/create" => "addon:create",
        "/api/addons/delete" => "addon:delete",
        "/api/addons/attach" => "addon:attach",
        "/api/addons/detach" => "addon:detach",
        "/api/cron/create" => "cron:create",
        "/api/cron/update" => "cron:update",
        "/api/cron/delete" => "cron:delete",
        "/api/cron/run" => "cron:run",
        "/api/projects/create" => "project:create",
        "/api/projects/rename" => "project:rename",
        "/api/projects/delete" => "project:delete",
        "/api/servers/create" => "server:create",
        "/api/servers/delete" => "server:delete",
        "/api/backups/create" => "backup:create",
        "/api/backups/restore" => "backup:restore",
        "/api/backups/delete" => "backup:delete",
        "/api/docker/prune" => "system:prune",
        "/api/system/update/apply" => "system:update",
        "/api/notifications/save" => "notification:save",
        "/api/git/token/save" => "git:token_save",
        "/api/agents/create" => "agent:create",
        "/api/agents/delete" => "agent:delete",
        "/api/agents/rotate" => "agent:rotate",
        _ => return None,
    })
}

/// Resource type from the path prefix.
pub fn resource_type(path: &str) -> &'static str {
    const PREFIXES: &[(&str, &str)] = &[
        ("/api/apps", "app"),
        ("/api/addons", "addon"),
        ("/api/projects", "project"),
        ("/api/servers", "server"),
        ("/api/cron", "cron"),
        ("/api/backups", "backup"),
        ("/api/agents", "agent"),
        ("/api/deploy", "app"),
        ("/api/system", "system"),
        ("/api/docker/prune", "system"),
        ("/api/notifications", "notification"),
        ("/api/git", "git"),
    ];
    PREFIXES
        .iter()
        .find(|(p, _)| path.starts_with(p))
        .map(|(_, t)| *t)
        .unwrap_or("")
}

/// Appends one record.
pub fn record(inner: &Inner, actor: &Actor, method: &str, path: &str, ip: IpAddr) {
    let (actor_type, actor_id) = match actor {
        Actor::Admin => ("admin", "admin".to_string()),
        Actor::Agent { id, .. } => ("agent", id.clone()),
    };
    let action = action_name(method, path)
        .map(str::to_string)
        .unwrap_or_else(|| format!("{method} {path}"));
    let entry = AuditLog {
        id: util::new_id(),
        actor_type: actor_type.into(),
        actor_id,
        action,
        resource_type: resource_type(path).into(),
        outcome: "success".into(),
        ip_address: ip.to_string(),
        created_at: util::now(),
        ..AuditLog::default()
    };
    lock(&inner.db).audit.push(entry);
}

/// Parses `?limit=` with upstream's quirk: only 1..=500 is accepted, anything else is 50.
pub fn parse_limit(raw: &str) -> usize {
    match raw.parse::<i64>() {
        Ok(n) if (1..=500).contains(&n) => n as usize,
        _ => 50,
    }
}
