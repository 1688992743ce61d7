//! Table-driven check of every HTTP route of spec §3 (routes.go@D). The table below is
//! written from the spec, independently of the sandbox's own route table.
//! Format: `METHODS PATH GUARD` with GUARD = `S:a,b` (all of) | `Any:a|b` | `ADMIN` | `ANY` | `PUBLIC`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test helpers

mod common;

use std::collections::HashMap;

use common::*;
use paas_sandbox::SandboxOptions;
use reqwest::Method;

const TABLE: &str = "
GET /api/apps S:apps:read
GET /api/apps/get S:apps:read
POST /api/deploy S:deploy:trigger,apps:write
POST /api/deploy/upload S:deploy:trigger,apps:write
POST /api/apps/stop S:apps:write
POST /api/apps/start S:apps:write
POST /api/apps/delete S:apps:delete
POST /api/apps/update S:apps:write
POST /api/apps/rename S:apps:write
POST /api/apps/redeploy S:apps:write
POST /api/apps/rollback S:apps:write
GET /api/apps/webhook S:apps:read
POST /api/apps/webhook/regenerate S:apps:write
POST /api/apps/webhook/github/create S:apps:write
POST /api/apps/domains/add S:apps:write
POST /api/apps/domains/remove S:apps:write
GET /api/apps/vulnerabilities/scan S:apps:read
POST /api/apps/vulnerabilities/fix S:apps:write
GET /api/apps/runtime-logs Any:apps:read|logs:read
GET /api/projects S:apps:read
GET /api/projects/get S:apps:read
POST /api/projects/create S:apps:write
POST /api/projects/rename S:apps:write
POST /api/projects/delete S:apps:delete
POST /api/projects/services/deploy S:deploy:trigger,apps:write
POST /api/projects/services/deploy/upload S:deploy:trigger,apps:write
GET /api/projects/config S:apps:read
POST /api/projects/config/update S:apps:write
POST /api/projects/redeploy S:deploy:trigger,apps:write
GET /api/catalog S:apps:read
POST /api/catalog/deploy S:deploy:trigger,apps:write
POST /api/catalog/deploy-image S:deploy:trigger,apps:write
POST /api/catalog/deploy-dockerfile S:deploy:trigger,apps:write
GET /api/addons S:apps:read
GET /api/addons/get S:apps:read
POST /api/addons/create S:addons:manage
POST /api/addons/delete S:addons:manage
POST /api/addons/attach S:addons:manage
POST /api/addons/detach S:addons:manage
POST /api/addons/db/tables S:addons:manage
POST /api/addons/db/table S:addons:manage
POST /api/addons/db/query S:addons:manage
POST /api/addons/db/columns S:addons:manage
POST /api/addons/db/row/insert S:addons:manage
POST /api/addons/db/row/update S:addons:manage
POST /api/addons/db/row/delete S:addons:manage
GET /api/server/info Any:apps:read|metrics:read
GET /api/servers S:servers:manage
POST /api/servers/create S:servers:manage
POST /api/servers/cloud/create S:servers:manage
POST /api/servers/update S:servers:manage
POST /api/servers/delete S:servers:manage
POST /api/servers/test S:servers:manage
GET /api/servers/keys/public S:servers:manage
GET /api/cloudflare/status S:servers:manage
POST /api/cloudflare/token/save S:servers:manage
DELETE,POST /api/cloudflare/token/delete S:servers:manage
POST /api/cloudflare/dns S:servers:manage
POST /api/git/branches S:apps:read
GET /api/git/repos S:apps:read
GET /api/git/contents S:apps:read
GET /api/git/file S:apps:read
GET /api/git/token ADMIN
POST /api/git/token/save ADMIN
DELETE /api/git/token/delete ADMIN
GET /api/cron S:cron:manage
POST /api/cron/create S:cron:manage
POST /api/cron/update S:cron:manage
POST /api/cron/delete S:cron:manage
POST /api/cron/run S:cron:manage
GET /api/backups S:backups:manage
POST /api/backups/create S:backups:manage
GET /api/backups/download S:backups:manage
POST /api/backups/restore S:backups:manage
POST /api/backups/delete S:backups:manage
GET /api/backups/config S:backups:manage
POST /api/backups/config/save S:backups:manage
POST /api/backups/s3/test S:backups:manage
GET /api/notifications S:notifications:manage
POST /api/notifications/save S:notifications:manage
POST /api/notifications/test S:notifications:manage
GET /api/health PUBLIC
GET,HEAD /.well-known/better-paas.json PUBLIC
GET /api/system/version S:apps:read
GET,POST /api/system/domain ADMIN
GET /api/system/update/check S:system:manage
GET /api/system/update/status S:system:manage
POST /api/system/update/apply S:system:manage
GET /api/system/onboarding ADMIN
POST /api/system/onboarding/complete ADMIN
POST /api/system/onboarding/reset ADMIN
POST /api/docker/prune S:system:manage
GET /api/deployments/history S:apps:read
GET /api/metrics/apps S:metrics:read
GET /api/analytics S:apps:read
GET /api/analytics/overview S:apps:read
POST /api/track PUBLIC
GET /api/analytics/script.js PUBLIC
POST /api/webhooks/github/someapp PUBLIC
POST /api/auth/verify PUBLIC
POST /api/auth/ws-ticket ANY
GET /api/agents ADMIN
POST /api/agents/create ADMIN
POST /api/agents/delete ADMIN
POST /api/agents/rotate ADMIN
POST /api/connect/agent/approve ADMIN
POST /api/connect/agent/exchange PUBLIC
GET /api/audit-logs ADMIN
";

const ALL_SCOPES: &[&str] = &[
    "apps:read",
    "apps:write",
    "apps:delete",
    "addons:manage",
    "servers:manage",
    "deploy:trigger",
    "logs:read",
    "metrics:read",
    "system:manage",
    "cron:manage",
    "backups:manage",
    "notifications:manage",
    "agent:admin",
];

struct Row {
    methods: Vec<String>,
    path: String,
    guard: String,
}

fn rows() -> Vec<Row> {
    TABLE
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let mut it = l.split_whitespace();
            Row {
                methods: it.next().unwrap().split(',').map(String::from).collect(),
                path: it.next().unwrap().to_string(),
                guard: it.next().unwrap().to_string(),
            }
        })
        .collect()
}

fn method(m: &str) -> Method {
    Method::from_bytes(m.as_bytes()).unwrap()
}

/// Agents keyed by their scope list, created on demand through the admin API.
struct Agents<'a> {
    sb: &'a paas_sandbox::Sandbox,
    tokens: HashMap<String, String>,
}

impl Agents<'_> {
    async fn with(&mut self, scopes: &[&str]) -> String {
        let key = scopes.join(",");
        if let Some(t) = self.tokens.get(&key) {
            return t.clone();
        }
        let a = self
            .sb
            .create_agent(&format!("a{}", self.tokens.len()), scopes)
            .await
            .unwrap();
        self.tokens.insert(key, a.token.clone());
        a.token
    }
}

async fn status_and_error(
    sb: &paas_sandbox::Sandbox,
    m: &str,
    path: &str,
    token: Option<&str>,
) -> (u16, String) {
    let body = (m != "GET" && m != "HEAD").then(|| serde_json::json!({}));
    let (s, v) = json(sb, method(m), path, token, body).await;
    (s, v["error"].as_str().unwrap_or("").to_string())
}

#[tokio::test]
async fn every_route_applies_its_guard_before_the_method_check() {
    let sb = start_with(SandboxOptions {
        rate_limit: false,
        ..SandboxOptions::default()
    })
    .await;
    let rows = rows();
    assert_eq!(rows.len(), 108, "spec §3 lists 108 HTTP paths");
    let mut agents = Agents {
        sb: &sb,
        tokens: HashMap::new(),
    };
    let none = agents.with(&[]).await;
    let everything = agents.with(ALL_SCOPES).await;
    for row in &rows {
        let m = row.methods[0].as_str();
        let p = row.path.as_str();
        let ctx = format!("{m} {p} ({})", row.guard);
        // No token.
        let (s, e) = status_and_error(&sb, m, p, None).await;
        if row.guard == "PUBLIC" {
            if p == "/api/auth/verify" {
                // Public path whose handler checks the token itself.
                assert_eq!((s, e.as_str()), (401, "Unauthorized"), "{ctx}");
                let (s, _) = status_and_error(&sb, m, p, Some(&none)).await;
                assert_eq!(s, 200, "{ctx}: any valid token verifies");
            } else {
                assert_ne!(s, 401, "{ctx}: public route must not need a token ({e})");
            }
            continue;
        }
        assert_eq!((s, e.as_str()), (401, "Unauthorized"), "{ctx}: no token");
        let (s, e) = status_and_error(&sb, m, p, Some(&none)).await;
        match row.guard.as_str() {
            "ANY" => {
                assert_ne!(s, 403, "{ctx}: any valid token passes");
                assert_ne!(s, 401, "{ctx}");
            }
            "ADMIN" => {
                assert_eq!(
                    (s, e.as_str()),
                    (403, "Forbidden: admin token required"),
                    "{ctx}"
                );
                let (s, e) = status_and_error(&sb, m, p, Some(&everything)).await;
                assert_eq!(
                    (s, e.as_str()),
                    (403, "Forbidden: admin token required"),
                    "{ctx}: even an agent with every scope"
                );
                let (s, _) = status_and_error(&sb, m, p, Some(sb.admin_token())).await;
                assert_ne!(s, 403, "{ctx}: admin passes");
                let (s, e) = status_and_error(&sb, "PATCH", p, Some(&none)).await;
                assert_eq!(
                    (s, e.as_str()),
                    (403, "Forbidden: admin token required"),
                    "{ctx}: PATCH"
                );
                let (s, e) = status_and_error(&sb, "PATCH", p, Some(sb.admin_token())).await;
                assert_eq!(
                    (s, e.as_str()),
                    (405, "Method not allowed"),
                    "{ctx}: admin PATCH"
                );
            }
            guard => {
                let (all, list) = if let Some(l) = guard.strip_prefix("S:") {
                    (true, l.split(',').collect::<Vec<_>>())
                } else {
                    (false, guard.trim_start_matches("Any:").split('|').collect())
                };
                let want = format!("Forbidden: missing scope {}", list[0]);
                assert_eq!(
                    (s, e.as_str()),
                    (403, want.as_str()),
                    "{ctx}: token without scope"
                );
                if all && list.len() > 1 {
                    // Holding only the second scope: the first missing one is named.
                    let t = agents.with(&[list[1]]).await;
                    let (s, e) = status_and_error(&sb, m, p, Some(&t)).await;
                    assert_eq!(
                        (s, e.as_str()),
                        (403, want.as_str()),
                        "{ctx}: partial scopes"
                    );
                    let t = agents.with(&[list[0]]).await;
                    let (s, e) = status_and_error(&sb, m, p, Some(&t)).await;
                    let want2 = format!("Forbidden: missing scope {}", list[1]);
                    assert_eq!(
                        (s, e.as_str()),
                        (403, want2.as_str()),
                        "{ctx}: partial scopes"
                    );
                }
                // With the scope(s): for any-of, holding only the last alternative is enough.
                let granted: Vec<&str> = if all {
                    list.clone()
                } else {
                    vec![list[list.len() - 1]]
                };
                let t = agents.with(&granted).await;
                let (s, e) = status_and_error(&sb, m, p, Some(&t)).await;
                assert!(
                    s != 403 && !(s == 401 && e == "Unauthorized"),
                    "{ctx}: with {granted:?} got {s} {e}"
                );
                // Wrong method: 403 without the scope, 405 with it.
                let (s, e) = status_and_error(&sb, "PATCH", p, Some(&none)).await;
                assert_eq!(
                    (s, e.as_str()),
                    (403, want.as_str()),
                    "{ctx}: PATCH without scope"
                );
                let (s, e) = status_and_error(&sb, "PATCH", p, Some(&t)).await;
                assert_eq!(
                    (s, e.as_str()),
                    (405, "Method not allowed"),
                    "{ctx}: PATCH with scope"
                );
                if row.methods.iter().all(|m| m != "HEAD") && m == "GET" {
                    let r = call(&sb, Method::HEAD, p, Some(&t), None).await;
                    assert_eq!(r.status().as_u16(), 405, "{ctx}: HEAD probe with scope");
                    let r = call(&sb, Method::HEAD, p, Some(&none), None).await;
                    assert_eq!(r.status().as_u16(), 403, "{ctx}: HEAD probe without scope");
                }
            }
        }
        // Every listed method is accepted for a caller who passes the guard.
        for other in &row.methods[1..] {
            let (s, e) = status_and_error(&sb, other, p, Some(sb.admin_token())).await;
            assert_ne!(s, 405, "{ctx}: {other} is listed ({e})");
        }
    }
    sb.shutdown().await;
}

#[tokio::test]
async fn websocket_paths_check_tickets_in_plain_text() {
    let sb = start().await;
    for p in [
        "/ws/logs",
        "/ws/runtime-logs",
        "/ws/stats",
        "/ws/terminal",
        "/ws/host-terminal",
    ] {
        let r = call(&sb, Method::GET, &format!("{p}?ticket=nope"), None, None).await;
        assert_eq!(r.status().as_u16(), 401, "{p}");
        assert_eq!(r.text().await.unwrap().trim(), "Unauthorized", "{p}");
    }
    // A ticket from an agent without the scope: plain-text 403 naming the first scope.
    let obs = sb.create_agent("m", &["metrics:read"]).await.unwrap();
    let (_, t) = post(
        &sb,
        "/api/auth/ws-ticket",
        &obs.token,
        serde_json::json!({}),
    )
    .await;
    let ticket = t["ticket"].as_str().unwrap();
    assert_eq!(t["expiresIn"], 60);
    let r = call(
        &sb,
        Method::GET,
        &format!("/ws/logs?ticket={ticket}"),
        None,
        None,
    )
    .await;
    assert_eq!(r.status().as_u16(), 403);
    assert_eq!(
        r.text().await.unwrap().trim(),
        "Forbidden: missing scope logs:read"
    );
    // The ticket was consumed by that attempt.
    let r = call(
        &sb,
        Method::GET,
        &format!("/ws/stats?ticket={ticket}"),
        None,
        None,
    )
    .await;
    assert_eq!(r.status().as_u16(), 401);
    sb.shutdown().await;
}

#[tokio::test]
async fn agent_admin_scope_opens_nothing() {
    let sb = start().await;
    let a = sb.create_agent("aa", &["agent:admin"]).await.unwrap();
    let (s, v) = get(&sb, "/api/agents", &a.token).await;
    assert_eq!(
        (s, v["error"].as_str().unwrap()),
        (403, "Forbidden: admin token required")
    );
    let (s, v) = get(&sb, "/api/audit-logs", &a.token).await;
    assert_eq!(
        (s, v["error"].as_str().unwrap()),
        (403, "Forbidden: admin token required")
    );
    sb.shutdown().await;
}
