//! Every tool of the catalogue called once against a seeded sandbox, with an all-scopes
//! agent (the admin-only tools with the admin token): arguments the schemas advertise are
//! accepted by the handlers, the requests are the ones the PaaS expects (no 400/403/405 from
//! a wrong body, method or guard), and every successful output validates against the tool's
//! output schema. Routes the sandbox cannot complete by design (GitHub, Cloudflare, cloud
//! providers, S3 without credentials) must fail with the PaaS's own clear error, never a
//! local one; their schemas are checked against documented answers in `catalog`.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test helpers

use std::collections::BTreeSet;
use std::sync::{Arc, RwLock};
use std::time::Duration;

use paas_mcp::api::{ApiError, Client, ClientOptions, Token};
use paas_mcp::catalog::{self, Scope, StatusSnapshot, ToolContext, ToolError, ToolOutput, probe};
use paas_sandbox::{Sandbox, SandboxOptions};
use serde_json::{Value, json};

/// Tools whose route needs something the sandbox deliberately does not have.
const EXTERNAL: &[&str] = &[
    "list_git_repos",
    "list_git_contents",
    "read_git_file",
    "create_github_webhook",
    "create_dns_record",
    "create_cloud_server",
    "save_cloudflare_token",
    "test_backup_s3",
    "test_notifications",
    "apply_update",
];

struct Sweep {
    ctx: ToolContext,
    called: BTreeSet<&'static str>,
    external_failures: Vec<String>,
}

impl Sweep {
    async fn call(&mut self, name: &'static str, args: Value) -> Value {
        let tool = catalog::find(name).unwrap_or_else(|| panic!("no tool {name}"));
        self.called.insert(tool.name);
        match (tool.handler)(&self.ctx, args.clone()).await {
            Ok(ToolOutput { structured, text }) => {
                assert!(structured.is_object(), "{name}");
                assert!(!text.is_empty(), "{name}: empty text");
                crate::tools_sandbox::check_output(tool, &structured);
                structured
            }
            Err(ToolError::Api(ApiError::Status { status, message }))
                if EXTERNAL.contains(&name)
                    && ![403, 404, 405].contains(&status)
                    && !message.starts_with("Bad request")
                    && !message.starts_with("Missing") =>
            {
                self.external_failures
                    .push(format!("{name}: {status} {message}"));
                Value::Null
            }
            Err(e) => panic!("{name}({args}) failed: {e:?}"),
        }
    }
}

/// A context acting with the sandbox's admin token.
fn admin_ctx(sb: &Sandbox) -> ToolContext {
    let api = Client::new(
        &sb.url(),
        Some(Token::new(sb.admin_token())),
        ClientOptions::default(),
    )
    .unwrap();
    let status = StatusSnapshot {
        url: sb.url(),
        connected: true,
        admin_token: true,
        ..StatusSnapshot::default()
    };
    ToolContext {
        api,
        status: Arc::new(RwLock::new(status)),
        vault: None,
    }
}

async fn wait_idle(sweep: &mut Sweep, app: &str) {
    for _ in 0..100 {
        let a = sweep.call("get_app", json!({ "app": app })).await;
        if a["status"] != "building" {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("{app} kept building");
}

#[tokio::test]
async fn every_agent_tool_works_against_the_sandbox() {
    let sb = Sandbox::start(SandboxOptions {
        seed: true,
        rate_limit: false,
        build_time: Duration::from_millis(50),
        ..SandboxOptions::default()
    })
    .await
    .unwrap();
    let scopes: Vec<&str> = Scope::ALL.iter().map(|s| s.as_str()).collect();
    let agent = sb.create_agent("sweep", &scopes).await.unwrap();
    let api = Client::new(
        &sb.url(),
        Some(Token::new(&agent.token)),
        ClientOptions::default(),
    )
    .unwrap();
    let grant = probe(&api).await.unwrap();
    let status = StatusSnapshot {
        url: sb.url(),
        connected: true,
        observed_scopes: grant.scopes.iter().copied().collect(),
        ..StatusSnapshot::default()
    };
    let mut s = Sweep {
        ctx: ToolContext {
            api,
            status: Arc::new(RwLock::new(status)),
            vault: None,
        },
        called: BTreeSet::new(),
        external_failures: Vec::new(),
    };

    // Reads.
    let st = s.call("paas_status", json!({})).await;
    assert!(st["apps"].as_array().unwrap().len() >= 5);
    s.call("list_apps", json!({})).await;
    let web = s.call("get_app", json!({ "app": "web-app" })).await;
    assert!(
        !web.to_string().contains("postgres://"),
        "add-on URL leaked: {web}"
    );
    let hook = s.call("get_app_webhook", json!({ "app": "web-app" })).await;
    assert_eq!(hook["secret"], "***");
    s.call("scan_vulnerabilities", json!({ "app": "web-app" }))
        .await;
    let templates = s.call("list_templates", json!({})).await;
    let template = templates["templates"][0]["id"].as_str().unwrap().to_owned();
    s.call("list_deployments", json!({ "limit": 5 })).await;
    s.call("list_git_repos", json!({})).await;
    s.call(
        "list_git_branches",
        json!({ "gitRepo": "https://github.com/demo/web-app" }),
    )
    .await;
    s.call("list_git_contents", json!({ "repo": "demo/web-app" }))
        .await;
    s.call(
        "read_git_file",
        json!({ "repo": "demo/web-app", "path": "package.json" }),
    )
    .await;
    s.call("read_logs", json!({ "app": "web-app", "lines": 10 }))
        .await;
    s.call("build_logs", json!({ "app": "broken-api" })).await;
    s.call("app_metrics", json!({})).await;
    s.call("server_info", json!({})).await;
    s.call("app_analytics", json!({ "app": "web-app", "days": 30 }))
        .await;
    s.call("analytics_overview", json!({})).await;
    s.call("system_version", json!({})).await;
    s.call("list_projects", json!({})).await;
    let shop = s.call("get_project", json!({ "project": "shop" })).await;
    assert_eq!(shop["services"].as_array().unwrap().len(), 2);
    s.call("get_project_config", json!({ "project": "shop" }))
        .await;
    s.call("list_addons", json!({})).await;
    let db = s.call("get_addon", json!({ "addon": "main-db" })).await;
    assert!(
        !db.to_string().contains("postgres://"),
        "connection URL leaked: {db}"
    );
    s.call("db_list_tables", json!({ "addon": "main-db" }))
        .await;
    s.call(
        "db_describe_table",
        json!({ "addon": "main-db", "table": "users" }),
    )
    .await;
    let rows = s
        .call(
            "db_read_table",
            json!({ "addon": "main-db", "table": "users", "limit": 2 }),
        )
        .await;
    assert_eq!(rows["rows"].as_array().unwrap().len(), 2);
    s.call(
        "db_query",
        json!({ "addon": "main-db", "query": "SELECT email FROM users ORDER BY id" }),
    )
    .await;
    s.call("db_insert_row", json!({ "addon": "main-db", "table": "users", "values": { "email": "dave@example.com", "name": null } })).await;
    s.call("db_update_row", json!({ "addon": "main-db", "table": "users", "set": { "name": "Dave" }, "where": { "email": "dave@example.com" } })).await;
    s.call(
        "db_delete_row",
        json!({ "addon": "main-db", "table": "users", "where": { "email": "dave@example.com" } }),
    )
    .await;
    s.call(
        "db_query",
        json!({ "addon": "cache", "query": "GET visits" }),
    )
    .await;
    s.call("list_servers", json!({})).await;
    s.call("get_server_public_key", json!({ "server": "localhost" }))
        .await;
    s.call("test_server", json!({ "server": "localhost" }))
        .await;
    s.call("cloudflare_status", json!({})).await;
    let jobs = s.call("list_cron_jobs", json!({})).await;
    let job = jobs["jobs"][0]["id"].as_str().unwrap().to_owned();
    let backups = s.call("list_backups", json!({})).await;
    let backup = backups["backups"][0]["name"].as_str().unwrap().to_owned();
    s.call("get_backup_config", json!({})).await;
    s.call("get_notifications", json!({})).await;
    s.call("check_update", json!({ "force": true })).await;
    s.call("update_status", json!({})).await;

    // Writes.
    s.call(
        "update_app",
        json!({ "app": "worker", "memory": "256m", "healthPath": "/healthz" }),
    )
    .await;
    s.call(
        "rename_app",
        json!({ "app": "worker", "name": "worker-two" }),
    )
    .await;
    s.call("stop_app", json!({ "app": "web-app" })).await;
    s.call("start_app", json!({ "app": "web-app" })).await;
    s.call("restart_app", json!({ "app": "web-app" })).await;
    s.call("redeploy", json!({ "app": "web-app" })).await;
    wait_idle(&mut s, "web-app").await;
    s.call("rollback_app", json!({ "app": "web-app" })).await;
    s.call(
        "add_domain",
        json!({ "app": "web-app", "domain": "shop.example.com" }),
    )
    .await;
    s.call(
        "remove_domain",
        json!({ "app": "web-app", "domain": "shop.example.com" }),
    )
    .await;
    s.call("create_dns_record", json!({ "domain": "shop.example.com" }))
        .await;
    s.call("regenerate_app_webhook", json!({ "app": "web-app" }))
        .await;
    s.call("create_github_webhook", json!({ "app": "web-app" }))
        .await;
    // "git" pushes to GitHub; "local" patches the build and redeploys in the sandbox too.
    s.call(
        "fix_vulnerabilities",
        json!({ "app": "web-app", "option": "local" }),
    )
    .await;
    wait_idle(&mut s, "web-app").await;
    s.call("deploy", json!({ "name": "from-git", "gitRepo": "https://github.com/demo/x", "envVars": { "A": "1" }, "memory": "512m" })).await;
    s.call(
        "deploy",
        json!({ "name": "svc-three", "gitRepo": "https://github.com/demo/x", "project": "shop" }),
    )
    .await;
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("index.html"), "<h1>hi</h1>").unwrap();
    s.call(
        "deploy_directory",
        json!({ "path": dir.path().to_string_lossy(), "name": "from-dir", "project": "shop" }),
    )
    .await;
    s.call(
        "deploy_image",
        json!({ "image": "nginx:1.27", "name": "from-image", "port": 80 }),
    )
    .await;
    s.call(
        "deploy_dockerfile",
        json!({ "dockerfile": "FROM nginx:1.27\n", "name": "from-dockerfile" }),
    )
    .await;
    s.call(
        "deploy_template",
        json!({ "template": template, "name": "from-template" }),
    )
    .await;
    s.call(
        "create_project",
        json!({ "name": "blog", "description": "A blog" }),
    )
    .await;
    s.call(
        "rename_project",
        json!({ "project": "blog", "name": "journal" }),
    )
    .await;
    s.call(
        "update_project_config",
        json!({ "project": "shop", "branch": "release" }),
    )
    .await;
    s.call("redeploy_project", json!({ "project": "shop" }))
        .await;
    s.call("create_addon", json!({ "type": "redis", "name": "queue" }))
        .await;
    s.call(
        "attach_addon",
        json!({ "addon": "cache", "app": "worker-two" }),
    )
    .await;
    s.call(
        "detach_addon",
        json!({ "addon": "cache", "app": "worker-two" }),
    )
    .await;
    let server = s
        .call(
            "create_server",
            json!({ "name": "edge-1", "ip": "203.0.113.7" }),
        )
        .await;
    assert!(server["publicKey"].as_str().is_some_and(|k| !k.is_empty()));
    s.call(
        "update_server",
        json!({ "server": "edge-1", "name": "edge-one" }),
    )
    .await;
    s.call(
        "create_cloud_server",
        json!({ "provider": "hetzner", "token": "x", "name": "cloud-1" }),
    )
    .await;
    s.call("save_cloudflare_token", json!({ "token": "cf" }))
        .await;
    s.call("delete_cloudflare_token", json!({})).await;
    let created = s
        .call(
            "create_cron_job",
            json!({ "app": "web-app", "schedule": "*/15 * * * *", "command": "echo hi" }),
        )
        .await;
    let new_job = created["id"].as_str().unwrap().to_owned();
    s.call(
        "update_cron_job",
        json!({ "id": new_job, "enabled": false }),
    )
    .await;
    s.call("run_cron_job", json!({ "id": job })).await;
    s.call("delete_cron_job", json!({ "id": new_job })).await;
    s.call("create_backup", json!({})).await;
    s.call("update_backup_config", json!({ "retention": 5 }))
        .await;
    let cfg = s.call("get_backup_config", json!({})).await;
    assert_eq!(cfg["retention"], 5);
    s.call("test_backup_s3", json!({})).await;
    s.call(
        "update_notifications",
        json!({ "slackWebhookUrl": "https://hooks.slack.com/services/T/B/SECRET" }),
    )
    .await;
    let notif = s.call("get_notifications", json!({})).await;
    assert_eq!(notif["slackWebhookUrl"], "https://hooks.slack.com/***");
    s.call("test_notifications", json!({})).await;
    s.call("docker_prune", json!({})).await;
    s.call("apply_update", json!({})).await;

    // Deletes.
    let fresh = s.call("create_backup", json!({})).await;
    s.call("delete_backup", json!({ "name": fresh["name"] }))
        .await;
    s.call(
        "delete_addon",
        json!({ "addon": "queue", "deleteData": true }),
    )
    .await;
    s.call("delete_server", json!({ "server": "edge-one" }))
        .await;
    s.call("delete_project", json!({ "project": "journal" }))
        .await;
    s.call("delete_app", json!({ "app": "from-git" })).await;

    // The admin-only tools, with the admin token (this server has no credential store, so
    // the new tokens are reported lost: still a successful call).
    let agent_ctx = std::mem::replace(&mut s.ctx, admin_ctx(&sb));
    s.call("list_agents", json!({})).await;
    let created = s
        .call(
            "create_agent",
            json!({ "name": "sweep-two", "profile": "observer" }),
        )
        .await;
    assert!(created["problem"].is_string(), "{created}");
    s.call("rotate_agent", json!({ "agent": "sweep-two" }))
        .await;
    s.call("delete_agent", json!({ "agent": "sweep-two" }))
        .await;
    s.call("audit_logs", json!({ "limit": 20, "action": "app:" }))
        .await;
    s.ctx = agent_ctx;

    // Last: restoring the seed-time backup also restores the agent table of that time, in
    // which this agent does not exist yet.
    s.call("restore_backup", json!({ "name": backup })).await;

    let missing: Vec<&str> = catalog::all()
        .iter()
        .map(|t| t.name)
        .filter(|n| !s.called.contains(n))
        .collect();
    assert!(missing.is_empty(), "tools never exercised: {missing:?}");
    eprintln!(
        "routes that need the outside world: {:#?}",
        s.external_failures
    );
    sb.shutdown().await;
}
