//! What individual tools answer, driven through `paas mcp` with rmcp's client against the
//! sandbox: defaults that must not surprise (rollback goes back, never forth), names never
//! invented from ids, texts that match what the PaaS stored, and honest flags.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::time::Duration;

use paas_mcp::catalog::{self, Profile, Scope};
use paas_sandbox::{Fault, FaultKind};
use serde_json::{Value, json};

use crate::support::mcp::{Client, World, call, connect, is_error, text};

fn structured(result: &rmcp::model::CallToolResult) -> Value {
    result.structured_content.clone().unwrap_or(Value::Null)
}

/// Call a tool that must succeed; its structured content must match its output schema.
async fn ok(client: &Client, name: &str, args: Value) -> rmcp::model::CallToolResult {
    let result = call(client, name, args).await;
    assert!(!is_error(&result), "{name}: {}", text(&result));
    crate::tools_sandbox::check_output(catalog::find(name).unwrap(), &structured(&result));
    result
}

async fn app_id(world: &World, name: &str) -> String {
    let apps = world.admin_get("/api/apps").await;
    apps.as_array()
        .unwrap()
        .iter()
        .find(|a| a["name"] == name)
        .and_then(|a| a["id"].as_str())
        .unwrap()
        .to_owned()
}

async fn wait_idle(client: &Client, app: &str) {
    for _ in 0..100 {
        let got = call(client, "get_app", json!({ "app": app })).await;
        if structured(&got)["status"] != "building" {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("{app} kept building");
}

/// Successful builds (not rollback records) of `app_id` with an image, newest first.
async fn builds(world: &World, app_id: &str) -> Vec<Value> {
    let history = world.admin_get("/api/deployments/history").await;
    history
        .as_array()
        .cloned()
        .unwrap_or_default()
        .into_iter()
        .filter(|d| {
            d["appId"] == app_id
                && d["status"] == "success"
                && d["trigger"] != "rollback"
                && d["image"].as_str().is_some_and(|i| !i.is_empty())
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rollback_without_a_deployment_goes_further_back_each_time_never_forward() {
    let world = World::start().await;
    let (_, token) = world.agent("it-rollback", Profile::Deployer.scopes()).await;
    let client = connect(world.command(Some(&token), &[])).await;
    let id = app_id(&world, "web-app").await;
    // Two more builds on top of the seeded ones.
    for _ in 0..2 {
        let r = call(&client, "redeploy", json!({ "app": "web-app" })).await;
        assert!(!is_error(&r), "{}", text(&r));
        wait_idle(&client, "web-app").await;
    }
    let builds = builds(&world, &id).await;
    assert!(builds.len() >= 3, "{builds:?}");
    let mut expected = builds.iter().skip(1).map(|b| b["id"].as_str().unwrap());
    for step in 0..2 {
        let r = call(&client, "rollback_app", json!({ "app": "web-app" })).await;
        assert!(!is_error(&r), "step {step}: {}", text(&r));
        assert_eq!(
            structured(&r)["deploymentId"].as_str(),
            expected.next(),
            "step {step}: {}",
            text(&r)
        );
        wait_idle(&client, "web-app").await;
    }
    // Past the oldest build there is nothing to roll back to, and nothing changes.
    let mut last = None;
    for _ in 0..builds.len() {
        last = Some(call(&client, "rollback_app", json!({ "app": "web-app" })).await);
        if last.as_ref().is_some_and(is_error) {
            break;
        }
        wait_idle(&client, "web-app").await;
    }
    let last = last.unwrap();
    assert!(is_error(&last), "{}", text(&last));
    assert!(
        text(&last).contains("no successful build older"),
        "{}",
        text(&last)
    );
    let annotations = catalog::find("rollback_app").unwrap();
    assert!(!annotations.idempotent, "a second call does something else");
    client.cancel().await.ok();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deploy_tools_take_a_server_name_and_answer_a_miss_with_close_names() {
    let world = World::start().await;
    let mut scopes = Profile::Deployer.scopes().to_vec();
    scopes.push(Scope::ServersManage);
    let (_, token) = world.agent("it-server-name", &scopes).await;
    let client = connect(world.command(Some(&token), &[])).await;
    let created = call(
        &client,
        "create_server",
        json!({ "name": "box-one", "ip": "127.0.0.1" }),
    )
    .await;
    assert!(!is_error(&created), "{}", text(&created));
    let server_id = structured(&created)["id"].as_str().unwrap().to_owned();
    let deployed = call(
        &client,
        "deploy",
        json!({ "name": "on-box", "gitRepo": "https://github.com/demo/x", "server": "box-one" }),
    )
    .await;
    assert!(!is_error(&deployed), "{}", text(&deployed));
    let app = world
        .admin_get(&format!(
            "/api/apps/get?id={}",
            structured(&deployed)["id"].as_str().unwrap()
        ))
        .await;
    assert_eq!(app["serverId"], server_id.as_str());
    let missed = call(
        &client,
        "deploy_image",
        json!({ "image": "nginx:1.27", "name": "img-box", "server": "box-on" }),
    )
    .await;
    assert!(is_error(&missed), "{}", text(&missed));
    assert!(text(&missed).contains("box-one"), "{}", text(&missed));
    client.cancel().await.ok();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_apps_read_an_id_is_never_reported_as_the_name() {
    let world = World::start().await;
    let (_, token) = world.agent("it-id-name", &[Scope::AppsWrite]).await;
    let client = connect(world.command(Some(&token), &[])).await;
    let id = app_id(&world, "web-app").await;
    for tool in [
        "stop_app",
        "start_app",
        "restart_app",
        "regenerate_app_webhook",
    ] {
        let r = ok(&client, tool, json!({ "app": id })).await;
        assert!(
            structured(&r).get("name").is_none(),
            "{tool}: {}",
            structured(&r)
        );
        assert!(
            !text(&r).contains(&format!("{id} ({id})")),
            "{tool}: {}",
            text(&r)
        );
    }
    client.cancel().await.ok();

    let (_, token) = world.agent("it-id-logs", &[Scope::LogsRead]).await;
    let client = connect(world.command(Some(&token), &[])).await;
    let logs = ok(&client, "read_logs", json!({ "app": id })).await;
    assert!(
        structured(&logs).get("appName").is_none(),
        "{}",
        structured(&logs)
    );
    client.cancel().await.ok();

    let addons = world.admin_get("/api/addons").await;
    let redis = addons
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["type"] == "redis")
        .and_then(|a| a["id"].as_str())
        .unwrap()
        .to_owned();
    let (_, token) = world.agent("it-id-addon", &[Scope::AddonsManage]).await;
    let client = connect(world.command(Some(&token), &[])).await;
    let deleted = ok(&client, "delete_addon", json!({ "addon": redis })).await;
    assert!(
        structured(&deleted).get("name").is_none(),
        "{}",
        structured(&deleted)
    );
    client.cancel().await.ok();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn answers_name_what_the_paas_stored_and_flags_only_what_is_true() {
    let world = World::start().await;
    let (_, token) = world.agent("it-answers", Profile::Deployer.scopes()).await;
    let client = connect(world.command(Some(&token), &[])).await;

    let added = ok(
        &client,
        "add_domain",
        json!({ "app": "web-app", "domain": "Shop.Example.com." }),
    )
    .await;
    assert!(
        text(&added).starts_with("Added shop.example.com for web-app"),
        "{}",
        text(&added)
    );

    let id = app_id(&world, "web-app").await;
    let all = world
        .admin_get(&format!("/api/apps/runtime-logs?id={id}&lines=5000"))
        .await;
    let n = all["logs"].as_array().unwrap().len();
    assert!(n >= 2, "the seeded app has log lines: {all}");
    let exact = call(
        &client,
        "read_logs",
        json!({ "app": "web-app", "lines": n }),
    )
    .await;
    assert_eq!(structured(&exact)["lines"], n);
    assert_eq!(
        structured(&exact)["truncated"],
        false,
        "nothing older exists"
    );
    let fewer = call(
        &client,
        "read_logs",
        json!({ "app": "web-app", "lines": n - 1 }),
    )
    .await;
    assert_eq!(
        structured(&fewer)["truncated"],
        true,
        "one older line exists"
    );

    // Listed a moment ago, gone now: not "no app has a similar name".
    world
        .sandbox
        .faults()
        .inject(Fault::new(FaultKind::Status(404), 1).on("/api/apps/get"));
    let gone = call(&client, "get_app", json!({ "app": "web-app" })).await;
    assert!(is_error(&gone));
    assert!(
        text(&gone).contains("was listed a moment ago"),
        "{}",
        text(&gone)
    );
    client.cancel().await.ok();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn db_rows_take_null_for_sql_null_and_the_schema_says_so() {
    let schema = (catalog::find("db_insert_row").unwrap().input_schema)();
    let values = &schema["properties"]["values"]["additionalProperties"];
    assert!(
        values.get("type").is_none(),
        "a typed value schema refuses null: {values}"
    );
    assert!(
        values["description"].as_str().unwrap().contains("null"),
        "{values}"
    );

    let world = World::start().await;
    let (_, token) = world.agent("it-db-null", Profile::Operator.scopes()).await;
    let client = connect(world.command(Some(&token), &[])).await;
    let inserted = call(
        &client,
        "db_insert_row",
        json!({ "addon": "main-db", "table": "users", "values": { "email": "n@x.com", "name": null } }),
    )
    .await;
    assert!(!is_error(&inserted), "{}", text(&inserted));
    client.cancel().await.ok();
}
