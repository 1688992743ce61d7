//! `get_app` tries an id-shaped query as an id first (one request instead of list + get).
//! A name of the same shape must still resolve, and a miss must still be a not-found error.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test helpers

use std::sync::{Arc, RwLock};
use std::time::Duration;

use paas_mcp::api::{Client, ClientOptions, Token};
use paas_mcp::catalog::{self, StatusSnapshot, ToolContext, ToolError, probe};
use paas_sandbox::{Sandbox, SandboxOptions};
use serde_json::{Value, json};

async fn call(ctx: &ToolContext, name: &str, args: Value) -> Result<Value, ToolError> {
    let tool = catalog::find(name).unwrap_or_else(|| panic!("no tool {name}"));
    Ok((tool.handler)(ctx, args).await?.structured)
}

#[tokio::test]
async fn id_shaped_names_and_ids_both_resolve() {
    let sb = Sandbox::start(SandboxOptions {
        build_time: Duration::from_millis(50),
        rate_limit: false,
        ..SandboxOptions::default()
    })
    .await
    .expect("sandbox starts");
    let agent = sb
        .create_agent("fast-path", &["apps:read", "apps:write", "deploy:trigger"])
        .await
        .expect("agent");
    let api = Client::new(
        &sb.url(),
        Some(Token::new(&agent.token)),
        ClientOptions::default(),
    )
    .expect("client");
    let grant = probe(&api).await.unwrap();
    let ctx = ToolContext {
        api,
        status: Arc::new(RwLock::new(StatusSnapshot {
            connected: true,
            observed_scopes: grant.scopes.iter().copied().collect(),
            ..StatusSnapshot::default()
        })),
        vault: None,
    };

    // A name with an id's shape (10 lowercase letters or digits) is not an id: the id
    // attempt answers 404 and the name resolver must take over.
    let deployed = call(
        &ctx,
        "deploy",
        json!({ "name": "shopfront1", "gitRepo": "https://github.com/acme/shop" }),
    )
    .await
    .expect("deploy");
    let id = deployed["id"]
        .as_str()
        .expect("deploy returns the id")
        .to_owned();
    assert_ne!(id, "shopfront1");

    let by_name = call(&ctx, "get_app", json!({ "app": "shopfront1" }))
        .await
        .expect("get_app by an id-shaped name");
    assert_eq!(by_name["id"], id.as_str());

    let by_id = call(&ctx, "get_app", json!({ "app": id }))
        .await
        .expect("get_app by id");
    assert_eq!(by_id["name"], "shopfront1");

    match call(&ctx, "get_app", json!({ "app": "shopfrontz" })).await {
        Err(ToolError::NotFound { suggestions, .. }) => {
            assert!(
                suggestions.contains(&"shopfront1".to_owned()),
                "{suggestions:?}"
            )
        }
        other => panic!("expected not found with suggestions, got {other:?}"),
    }
}
