//! `create_agent` and `rotate_agent` never hand the new token to the model: it is stored as
//! a `paas` context in the user's credential store (the file store here, forced with
//! `PAAS_TOKEN_STORE=file`), and the answer names the context and the commands to use it.
//! `paas mcp` runs with the admin token and `--allow-admin-token`; `paas env` runs as a
//! separate process in the same temp HOME to read the stored token back.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::BTreeSet;
use std::path::Path;

use paas_mcp::api::{Client as ApiClient, ClientOptions, Token};
use paas_mcp::catalog::{Profile, Scope, probe};
use rmcp::model::CallToolResult;
use serde_json::{Value, json};

use crate::cli_support::run_cmd;
use crate::support::mcp::{Client, PAAS, World, call, connect, is_error, text};

/// `paas mcp --allow-admin-token` with the sandbox's admin token, file token store.
async fn admin_server(world: &World) -> Client {
    let mut cmd = world.command(Some(world.sandbox.admin_token()), &["--allow-admin-token"]);
    cmd.env("PAAS_TOKEN_STORE", "file");
    connect(cmd).await
}

/// Neither the text nor the structured content holds an agent token.
fn assert_no_token(result: &CallToolResult) {
    let structured = result
        .structured_content
        .as_ref()
        .map(Value::to_string)
        .unwrap_or_default();
    assert!(
        !text(result).contains("bpagt_") && !structured.contains("bpagt_"),
        "a token reached the model: {} / {structured}",
        text(result)
    );
}

/// `paas env --context NAME --reveal --json` in `home`: the stored (url, token).
async fn env_of(home: &Path, context: &str) -> (String, String) {
    let mut cmd = tokio::process::Command::new(PAAS);
    cmd.args(["env", "--context", context, "--reveal", "--json"])
        .env_clear()
        .env("HOME", home)
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("PAAS_TOKEN_STORE", "file")
        .kill_on_drop(true);
    let run = run_cmd(cmd, "").await;
    assert_eq!(run.code, 0, "paas env failed: {}", run.stderr);
    let value = run.json();
    (
        value["url"].as_str().unwrap().to_owned(),
        value["token"].as_str().unwrap().to_owned(),
    )
}

/// The scopes the sandbox grants `token` (through the real probe), or `None` on 401.
async fn scopes_of(url: &str, token: &str) -> Option<BTreeSet<Scope>> {
    let api = ApiClient::new(url, Some(Token::new(token)), ClientOptions::default()).unwrap();
    probe(&api).await.ok().map(|g| g.scopes)
}

/// What the probe can see of `scopes` (logs:read looks like apps:read from outside, spec §4).
fn observable(scopes: &[Scope]) -> BTreeSet<Scope> {
    scopes
        .iter()
        .copied()
        .filter(|s| *s != Scope::LogsRead)
        .collect()
}

fn structured(result: &CallToolResult) -> Value {
    result
        .structured_content
        .clone()
        .expect("structuredContent")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn create_and_rotate_store_the_token_as_a_context_and_never_return_it() {
    let world = World::start().await;
    let client = admin_server(&world).await;

    let created = call(
        &client,
        "create_agent",
        json!({ "name": "it laptop", "profile": "observer" }),
    )
    .await;
    assert!(!is_error(&created), "{}", text(&created));
    assert_no_token(&created);
    let out = structured(&created);
    assert_eq!(out["context"], "agent-it-laptop", "{out}");
    assert!(
        text(&created).contains("paas env --context agent-it-laptop --reveal")
            && text(&created).contains("paas mcp --context agent-it-laptop"),
        "{}",
        text(&created)
    );
    let agent_id = out["id"].as_str().unwrap().to_owned();

    let (url, first) = env_of(world.home.path(), "agent-it-laptop").await;
    assert_eq!(url, world.sandbox.url());
    let observer = observable(Profile::Observer.scopes());
    assert_eq!(scopes_of(&url, &first).await, Some(observer.clone()));

    let rotated = call(&client, "rotate_agent", json!({ "agent": "it laptop" })).await;
    assert!(!is_error(&rotated), "{}", text(&rotated));
    assert_no_token(&rotated);
    let out = structured(&rotated);
    assert_eq!(out["id"], agent_id.as_str(), "{out}");
    assert_eq!(
        out["context"], "agent-it-laptop",
        "rotate did not update the agent's context: {out}"
    );
    let (_, second) = env_of(world.home.path(), "agent-it-laptop").await;
    assert_ne!(first, second, "the stored token was not replaced");
    assert_eq!(scopes_of(&url, &second).await, Some(observer));
    let old = reqwest::Client::new()
        .get(format!("{url}/api/apps"))
        .bearer_auth(&first)
        .send()
        .await
        .unwrap();
    assert_eq!(old.status(), 401, "the rotated-out token still works");

    // An agent made elsewhere has no context yet: rotating it creates one.
    let (_, _) = world.agent("made-elsewhere", &[Scope::MetricsRead]).await;
    let rotated = call(
        &client,
        "rotate_agent",
        json!({ "agent": "made-elsewhere" }),
    )
    .await;
    assert!(!is_error(&rotated), "{}", text(&rotated));
    assert_no_token(&rotated);
    assert_eq!(structured(&rotated)["context"], "agent-made-elsewhere");
    let (_, token) = env_of(world.home.path(), "agent-made-elsewhere").await;
    assert_eq!(
        scopes_of(&url, &token).await,
        Some([Scope::MetricsRead].into())
    );
    client.cancel().await.ok();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_token_that_cannot_be_stored_is_reported_lost_not_returned() {
    let world = World::start().await;
    // ~/.paas is a file: no config (and no cache) can be written.
    std::fs::write(world.home.path().join(".paas"), "not a directory").unwrap();
    let client = admin_server(&world).await;
    let created = call(
        &client,
        "create_agent",
        json!({ "name": "it-lost", "scopes": ["apps:read"] }),
    )
    .await;
    assert_no_token(&created);
    let t = text(&created);
    assert!(
        t.contains("Created agent it-lost")
            && t.contains("could not be stored")
            && t.contains("rotate_agent"),
        "{t}"
    );
    assert!(structured(&created)["problem"].is_string());
    let agents = world.admin_get("/api/agents").await;
    assert!(
        agents
            .as_array()
            .unwrap()
            .iter()
            .any(|a| a["name"] == "it-lost"),
        "the agent was not created: {agents}"
    );
    client.cancel().await.ok();
}
