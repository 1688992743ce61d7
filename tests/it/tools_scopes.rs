//! Guards are exact: for every profile and odd scope set, each tool the grant allows is
//! called against a seeded sandbox and never meets a 403, and each tool it does not allow is
//! refused by the PaaS with 403 — so the catalogue neither offers a tool that will be
//! refused nor hides one that would work.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test helpers

use std::sync::{Arc, RwLock};
use std::time::Duration;

use paas_mcp::api::{ApiError, ApiRequest, Client, ClientOptions, Token};
use paas_mcp::catalog::{self, Profile, Scope, StatusSnapshot, ToolContext, ToolError, probe};
use paas_sandbox::{Sandbox, SandboxOptions};
use serde_json::{Value, json};

/// Ids of the seeded objects, read with the admin token (tokens without apps:read must
/// address objects by id).
struct Ids {
    web: String,
    worker: String,
    shop: String,
    main_db: String,
    job: String,
    backup: String,
}

async fn ids(sb: &Sandbox) -> Ids {
    let admin = Client::new(
        &sb.url(),
        Some(Token::new(sb.admin_token())),
        ClientOptions::default(),
    )
    .unwrap();
    let get = |path: &'static str| {
        let admin = admin.clone();
        async move { admin.send(ApiRequest::get(path)).await.unwrap() }
    };
    let id_of = |list: &Value, name: &str| {
        list.as_array()
            .unwrap()
            .iter()
            .find(|x| x["name"] == name)
            .map(|x| x["id"].as_str().unwrap().to_owned())
            .unwrap_or_else(|| panic!("seed has no {name}"))
    };
    let apps = get("/api/apps").await;
    let projects = get("/api/projects").await;
    let addons = get("/api/addons").await;
    let cron = get("/api/cron").await;
    let backups = get("/api/backups").await;
    // remove_domain checks locally that the app has the domain before asking the server;
    // give web-app one, so every scope set reaches the server's guard.
    admin
        .send(ApiRequest::post(
            "/api/apps/domains/add",
            serde_json::json!({ "id": id_of(&apps, "web-app"), "domain": "gone.example.com" }),
        ))
        .await
        .unwrap();
    Ids {
        web: id_of(&apps, "web-app"),
        worker: id_of(&apps, "worker"),
        shop: id_of(&projects, "shop"),
        main_db: id_of(&addons, "main-db"),
        job: cron[0]["id"].as_str().unwrap().to_owned(),
        backup: backups[0]["name"].as_str().unwrap().to_owned(),
    }
}

/// One call per agent tool, addressed by id; deletes and restores come last.
fn plan(ids: &Ids, dir: &str) -> Vec<(&'static str, Value)> {
    let Ids {
        web,
        worker,
        shop,
        main_db,
        job,
        backup,
    } = ids;
    vec![
        ("paas_status", json!({})),
        ("list_apps", json!({})),
        ("get_app", json!({ "app": web })),
        ("get_app_webhook", json!({ "app": web })),
        ("scan_vulnerabilities", json!({ "app": web })),
        ("list_templates", json!({})),
        ("list_deployments", json!({})),
        ("list_git_repos", json!({})),
        (
            "list_git_branches",
            json!({ "gitRepo": "https://github.com/demo/web-app" }),
        ),
        ("list_git_contents", json!({ "repo": "demo/web-app" })),
        (
            "read_git_file",
            json!({ "repo": "demo/web-app", "path": "README.md" }),
        ),
        ("read_logs", json!({ "app": web })),
        ("build_logs", json!({ "app": web })),
        ("app_metrics", json!({})),
        ("server_info", json!({})),
        ("app_analytics", json!({ "app": web })),
        ("analytics_overview", json!({})),
        ("system_version", json!({})),
        ("list_projects", json!({})),
        ("get_project", json!({ "project": shop })),
        ("get_project_config", json!({ "project": shop })),
        ("list_addons", json!({})),
        ("get_addon", json!({ "addon": main_db })),
        ("db_list_tables", json!({ "addon": main_db })),
        (
            "db_describe_table",
            json!({ "addon": main_db, "table": "users" }),
        ),
        (
            "db_read_table",
            json!({ "addon": main_db, "table": "users" }),
        ),
        ("db_query", json!({ "addon": main_db, "query": "SELECT 1" })),
        (
            "db_insert_row",
            json!({ "addon": main_db, "table": "users", "values": { "email": "x@example.com" } }),
        ),
        (
            "db_update_row",
            json!({ "addon": main_db, "table": "users", "set": { "name": "X" }, "where": { "email": "x@example.com" } }),
        ),
        (
            "db_delete_row",
            json!({ "addon": main_db, "table": "users", "where": { "email": "x@example.com" } }),
        ),
        ("list_servers", json!({})),
        ("get_server_public_key", json!({ "server": "localhost" })),
        ("test_server", json!({ "server": "localhost" })),
        ("cloudflare_status", json!({})),
        ("list_cron_jobs", json!({})),
        ("list_backups", json!({})),
        ("get_backup_config", json!({})),
        ("get_notifications", json!({})),
        ("check_update", json!({})),
        ("update_status", json!({})),
        ("update_app", json!({ "app": worker, "memory": "256m" })),
        ("rename_app", json!({ "app": worker, "name": "worker-two" })),
        ("stop_app", json!({ "app": web })),
        ("start_app", json!({ "app": web })),
        ("restart_app", json!({ "app": web })),
        ("redeploy", json!({ "app": web })),
        (
            "rollback_app",
            json!({ "app": web, "deploymentId": "nope" }),
        ),
        (
            "add_domain",
            json!({ "app": web, "domain": "a.example.com" }),
        ),
        (
            "remove_domain",
            json!({ "app": web, "domain": "gone.example.com" }),
        ),
        ("create_dns_record", json!({ "domain": "a.example.com" })),
        ("regenerate_app_webhook", json!({ "app": web })),
        ("create_github_webhook", json!({ "app": web })),
        (
            "fix_vulnerabilities",
            json!({ "app": web, "option": "local" }),
        ),
        (
            "deploy",
            json!({ "name": "g-app", "gitRepo": "https://github.com/demo/x" }),
        ),
        ("deploy_directory", json!({ "path": dir, "name": "d-app" })),
        ("deploy_image", json!({ "image": "nginx:1.27" })),
        ("deploy_dockerfile", json!({ "dockerfile": "FROM nginx\n" })),
        ("deploy_template", json!({ "template": "nope" })),
        ("redeploy_project", json!({ "project": shop })),
        ("create_project", json!({ "name": "blog" })),
        ("rename_project", json!({ "project": shop, "name": "shop" })),
        (
            "update_project_config",
            json!({ "project": shop, "branch": "main" }),
        ),
        ("create_addon", json!({ "type": "redis", "name": "queue" })),
        ("attach_addon", json!({ "addon": main_db, "app": worker })),
        ("detach_addon", json!({ "addon": main_db, "app": worker })),
        (
            "create_server",
            json!({ "name": "edge", "ip": "203.0.113.9" }),
        ),
        (
            "update_server",
            json!({ "server": "localhost", "name": "local" }),
        ),
        (
            "create_cloud_server",
            json!({ "provider": "vultr", "token": "x", "name": "c-1" }),
        ),
        ("save_cloudflare_token", json!({ "token": "x" })),
        ("delete_cloudflare_token", json!({})),
        (
            "create_cron_job",
            json!({ "app": web, "schedule": "0 * * * *", "command": "true" }),
        ),
        ("update_cron_job", json!({ "id": job, "enabled": true })),
        ("run_cron_job", json!({ "id": job })),
        ("create_backup", json!({})),
        ("update_backup_config", json!({ "retention": 3 })),
        ("test_backup_s3", json!({})),
        ("update_notifications", json!({ "onSuccess": false })),
        ("test_notifications", json!({})),
        ("docker_prune", json!({})),
        ("apply_update", json!({})),
        ("delete_cron_job", json!({ "id": job })),
        (
            "delete_backup",
            json!({ "name": "backup-19990101-000000.tar.gz" }),
        ),
        ("delete_server", json!({ "server": "localhost" })),
        ("delete_addon", json!({ "addon": main_db })),
        ("delete_project", json!({ "project": shop })),
        ("delete_app", json!({ "app": worker })),
        ("restore_backup", json!({ "name": backup })),
    ]
}

fn refused(e: &ToolError) -> bool {
    matches!(
        e,
        ToolError::Api(ApiError::MissingScope { .. } | ApiError::AdminRequired)
    )
}

#[tokio::test]
async fn guards_are_exact_for_every_profile_and_odd_scope_set() {
    let mut cases: Vec<(String, Vec<Scope>)> = Profile::ALL
        .iter()
        .map(|p| (p.as_str().to_owned(), p.scopes().to_vec()))
        .collect();
    cases.extend([
        ("only logs:read".to_owned(), vec![Scope::LogsRead]),
        (
            "deploy:trigger without apps:write".to_owned(),
            vec![Scope::DeployTrigger],
        ),
        (
            "apps:write without apps:read".to_owned(),
            vec![Scope::AppsWrite],
        ),
        (
            "deploy without apps:read".to_owned(),
            vec![Scope::AppsWrite, Scope::DeployTrigger],
        ),
        ("none".to_owned(), vec![]),
        ("all thirteen".to_owned(), Scope::ALL.to_vec()),
        (
            "destructive only".to_owned(),
            vec![Scope::AppsDelete, Scope::SystemManage],
        ),
        (
            "addons without apps:read".to_owned(),
            vec![Scope::AddonsManage, Scope::CronManage],
        ),
    ]);
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("index.html"), "hi").unwrap();
    let dir = dir.path().to_string_lossy().into_owned();
    let mut problems = Vec::new();
    for (label, scopes) in cases {
        let sb = Sandbox::start(SandboxOptions {
            seed: true,
            rate_limit: false,
            build_time: Duration::from_millis(20),
            ..SandboxOptions::default()
        })
        .await
        .unwrap();
        let ids = ids(&sb).await;
        let names: Vec<&str> = scopes.iter().map(|s| s.as_str()).collect();
        let agent = sb.create_agent("guards", &names).await.unwrap();
        // Without this the client-side limiter (18 req/s) makes ~1000 calls slow; the
        // sandbox's own limiter is off too.
        let api = Client::new(
            &sb.url(),
            Some(Token::new(&agent.token)),
            ClientOptions::default(),
        )
        .unwrap()
        .with_rate_limit(1000.0, 1000.0);
        let grant = probe(&api).await.unwrap();
        let ctx = ToolContext {
            api,
            status: Arc::new(RwLock::new(StatusSnapshot {
                url: sb.url(),
                connected: true,
                observed_scopes: grant.scopes.iter().copied().collect(),
                ..StatusSnapshot::default()
            })),
            vault: None,
        };
        for (name, args) in plan(&ids, &dir) {
            let tool = catalog::find(name).unwrap();
            let allowed = tool.guard.allows(&grant);
            let result = (tool.handler)(&ctx, args).await;
            match (&result, allowed) {
                (Err(e), true) if refused(e) => {
                    problems.push(format!("{label}: {name} is offered but refused: {e}"));
                }
                (Ok(_), false) => problems.push(format!("{label}: {name} is hidden but worked")),
                (Err(e), false) if !refused(e) => {
                    problems.push(format!(
                        "{label}: {name} is hidden but failed otherwise: {e:?}"
                    ));
                }
                _ => {}
            }
        }
        sb.shutdown().await;
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn plan_covers_every_agent_tool() {
    let ids = Ids {
        web: String::new(),
        worker: String::new(),
        shop: String::new(),
        main_db: String::new(),
        job: String::new(),
        backup: String::new(),
    };
    let planned: Vec<&str> = plan(&ids, ".").iter().map(|(n, _)| *n).collect();
    for tool in catalog::all() {
        if !matches!(tool.guard, catalog::Guard::Admin) {
            assert!(planned.contains(&tool.name), "{} not planned", tool.name);
        }
    }
}
