//! `paas mcp` picks up a token that `paas connect` stores while it runs: after a 401 (no
//! restart, and the rejected token is never sent again) and on the regular re-probe tick.
//! Everything runs for real: `paas connect --token-stdin` and `paas mcp` as processes with a
//! temp HOME and the file token store, the sandbox behind a recording proxy on 127.0.0.1.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::time::Duration;

use paas_mcp::catalog::{Grant, Profile};
use serde_json::json;

use crate::cli_support::Home;
use crate::support::mcp::{
    Client, Seed, World, call, command, connect, expected_tools, is_error, text, tool_names,
};
use crate::support::proxy::Proxy;

/// Bound for "the server noticed": the rejected-token re-read runs every 5 s.
const NOTICE_WITHIN: Duration = Duration::from_secs(30);

/// Store `token` for context `work` the way a user does: `paas connect URL --token-stdin`.
async fn paas_connect(home: &Home, url: &str, token: &str) {
    let run = home
        .run(
            &["--context", "work", "connect", url, "--token-stdin"],
            token,
        )
        .await;
    assert_eq!(run.code, 0, "paas connect failed: {}", run.stderr);
    let config = home.config_text().expect("config.json written");
    assert!(
        config.contains(url),
        "paas connect stored another URL than {url}: {config}"
    );
}

/// `paas --context work mcp <extra>` in `home`, credentials from the config file only.
async fn serve(home: &Home, extra: &[&str]) -> Client {
    let mut args = vec!["--context", "work"];
    args.extend_from_slice(extra);
    let mut cmd = command(&home.path(), None, None, &args);
    cmd.env("PAAS_TOKEN_STORE", "file");
    connect(cmd).await
}

fn grant_of(profile: Profile) -> Grant {
    Grant::agent(profile.scopes().iter().copied())
}

/// Poll `tools/list` (bounded) until it equals `want`.
async fn wait_for_tools(client: &Client, want: &std::collections::BTreeSet<String>) {
    let deadline = tokio::time::Instant::now() + NOTICE_WITHIN;
    loop {
        let names = tool_names(client).await;
        if &names == want {
            return;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "tools/list did not become the new grant's tools within {NOTICE_WITHIN:?}; it is \
             {names:?}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// `client` serves an observer agent's token; the agent is deleted. Its next call is refused
/// with 401 and the server announces the change (the first `tools/list_changed`).
async fn revoke_observer(world: &World, client: &Client, agent_id: &str) {
    assert_eq!(
        tool_names(client).await,
        expected_tools(&grant_of(Profile::Observer))
    );
    world
        .admin_post("/api/agents/delete", json!({ "id": agent_id }))
        .await;
    let refused = call(client, "list_apps", json!({})).await;
    assert!(is_error(&refused), "{}", text(&refused));
    assert!(text(&refused).contains("401"), "{}", text(&refused));
    assert!(
        client.service().wait_for(1, NOTICE_WITHIN).await,
        "no tools/list_changed after the 401"
    );
}

/// A deployer agent's token was stored (`after` says how): the server announces it (the
/// second `tools/list_changed`) and lists the deployer's tools.
async fn expect_deployer_tools(client: &Client, after: &str) {
    assert!(
        client.service().wait_for(2, NOTICE_WITHIN).await,
        "no tools/list_changed after {after}"
    );
    wait_for_tools(client, &expected_tools(&grant_of(Profile::Deployer))).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn after_a_401_the_token_a_later_paas_connect_stores_is_picked_up_without_restart() {
    let world = World::start().await;
    let proxy = Proxy::start(&world.sandbox.url()).await;
    let home = Home::new();
    let (old_id, old_token) = world
        .agent("it-reload-old", Profile::Observer.scopes())
        .await;
    paas_connect(&home, &proxy.url(), &old_token).await;

    let client = serve(&home, &[]).await;
    // The agent is deleted: the next call gets 401 and the list shrinks to paas_status.
    revoke_observer(&world, &client, &old_id).await;
    assert_eq!(tool_names(&client).await, ["paas_status".to_owned()].into());
    let status = text(&call(&client, "paas_status", json!({})).await);
    assert!(
        status.contains("rejected the token")
            && status.contains("paas connect")
            && status.contains("--context work")
            && status.contains("no restart needed"),
        "{status}"
    );

    // The user runs paas connect again with a new agent of another profile.
    let (new_id, new_token) = world
        .agent("it-reload-new", Profile::Deployer.scopes())
        .await;
    paas_connect(&home, &proxy.url(), &new_token).await;
    expect_deployer_tools(&client, "paas connect stored a new token").await;
    let seed = Seed::read(&world).await;
    let restarted = call(&client, "restart_app", json!({ "app": seed.app })).await;
    assert!(!is_error(&restarted), "{}", text(&restarted));
    let audit = world.audit_of(&new_id).await;
    assert!(
        audit.iter().any(|e| e["action"] == "app:start"),
        "the audit log does not name the new agent: {audit:?}"
    );
    let status = text(&call(&client, "paas_status", json!({})).await);
    assert!(
        status.contains("switched to the token stored by paas connect")
            && status.contains("— connected"),
        "{status}"
    );

    // The rejected token was never sent again after its first 401.
    let seen = proxy.seen();
    let first_401 = seen
        .requests
        .iter()
        .position(|r| r.bearer == old_token && r.status == 401)
        .expect("the old token got a 401 through the proxy");
    let resent: Vec<_> = seen.requests[first_401 + 1..]
        .iter()
        .filter(|r| r.bearer == old_token)
        .map(|r| r.path.clone())
        .collect();
    assert!(
        resent.is_empty(),
        "the rejected token was sent again to {resent:?}"
    );
    assert!(
        seen.requests
            .iter()
            .any(|r| r.bearer == new_token && r.status == 200),
        "the new token was never used"
    );
    client.cancel().await.ok();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_token_replaced_by_paas_connect_is_switched_to_on_the_regular_tick() {
    let world = World::start().await;
    let proxy = Proxy::start(&world.sandbox.url()).await;
    let home = Home::new();
    let (_, first_token) = world
        .agent("it-tick-first", Profile::Deployer.scopes())
        .await;
    paas_connect(&home, &proxy.url(), &first_token).await;
    let client = serve(&home, &["--reprobe-secs", "1"]).await;
    assert_eq!(
        tool_names(&client).await,
        expected_tools(&grant_of(Profile::Deployer))
    );

    // Another profile for the same context, the first agent still valid.
    let (_, second_token) = world
        .agent("it-tick-second", Profile::Observer.scopes())
        .await;
    paas_connect(&home, &proxy.url(), &second_token).await;
    assert!(
        client.service().wait_for(1, NOTICE_WITHIN).await,
        "no tools/list_changed after paas connect replaced the token"
    );
    wait_for_tools(&client, &expected_tools(&grant_of(Profile::Observer))).await;
    let before = proxy.seen().requests.len();
    let apps = call(&client, "list_apps", json!({})).await;
    assert!(!is_error(&apps), "{}", text(&apps));
    let later = proxy.seen().requests.split_off(before);
    assert!(
        later.iter().any(|r| r.path == "/api/apps"),
        "list_apps did not reach the PaaS: {later:?}"
    );
    assert!(
        later.iter().all(|r| r.bearer == second_token),
        "a request after the switch did not carry the new token"
    );
    let status = text(&call(&client, "paas_status", json!({})).await);
    assert!(
        status.contains("switched to the token stored by paas connect")
            && status.contains("replaced the one this server started with"),
        "{status}"
    );
    client.cancel().await.ok();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rewritten_token_file_is_picked_up_after_a_401() {
    let world = World::start().await;
    let (old_id, old_token) = world.agent("it-file-old", Profile::Observer.scopes()).await;
    let token_file = world.home.path().join("paas-token");
    std::fs::write(&token_file, &old_token).unwrap();
    let file_arg = token_file.display().to_string();
    let client = connect(command(
        world.home.path(),
        Some(&world.sandbox.url()),
        None,
        &["--token-file", &file_arg],
    ))
    .await;
    revoke_observer(&world, &client, &old_id).await;
    let status = text(&call(&client, "paas_status", json!({})).await);
    assert!(
        status.contains(&format!("Write a valid token to {file_arg}"))
            && status.contains("no restart needed"),
        "{status}"
    );

    let (_, new_token) = world.agent("it-file-new", Profile::Deployer.scopes()).await;
    std::fs::write(&token_file, format!("{new_token}\n")).unwrap();
    expect_deployer_tools(&client, "the token file was rewritten").await;
    let apps = call(&client, "list_apps", json!({})).await;
    assert!(!is_error(&apps), "{}", text(&apps));
    let status = text(&call(&client, "paas_status", json!({})).await);
    assert!(
        status.contains(&format!("switched to the token in {file_arg}")),
        "{status}"
    );
    client.cancel().await.ok();
}

/// Started before the first `paas connect` (nothing configured): only `paas_status`, which
/// says to connect; after `paas connect` the tools appear without a restart.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_started_before_paas_connect_picks_the_connection_up() {
    let world = World::start().await;
    let home = Home::new();
    let client = serve(&home, &[]).await;
    assert_eq!(tool_names(&client).await, ["paas_status".to_owned()].into());
    let status = text(&call(&client, "paas_status", json!({})).await);
    assert!(
        status.contains("paas connect") && status.contains("no restart needed"),
        "{status}"
    );

    let (_, token) = world
        .agent("it-reload-first", Profile::Observer.scopes())
        .await;
    paas_connect(&home, &world.sandbox.url(), &token).await;

    assert!(
        client.service().wait_for(1, NOTICE_WITHIN).await,
        "no tools/list_changed after the first paas connect"
    );
    wait_for_tools(&client, &expected_tools(&grant_of(Profile::Observer))).await;
    let listed = call(&client, "list_apps", json!({})).await;
    assert!(!is_error(&listed), "{}", text(&listed));
    let status = text(&call(&client, "paas_status", json!({})).await);
    assert!(
        status.contains("started without a usable connection"),
        "{status}"
    );
    client.cancel().await.ok();
}
