//! `paas mcp` start and stop: what it does with a configuration it cannot use (it still
//! answers the handshake and explains in `paas_status`), with a PaaS that rate-limits the
//! start-up scope check, and with the signals editors and service managers send.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::time::Duration;

use paas_mcp::catalog::Profile;
use paas_sandbox::{Fault, FaultKind};
use serde_json::json;

#[cfg(unix)]
use crate::support::mcp::send_signal;
use crate::support::mcp::{
    World, call, command, connect, expected_tools, is_error, text, tool_names,
};

/// The `problem` of `paas_status` (its text form).
async fn status_text(client: &crate::support::mcp::Client) -> String {
    let status = call(client, "paas_status", json!({})).await;
    assert!(!is_error(&status), "{}", text(&status));
    text(&status)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unusable_context_name_still_answers_the_handshake_and_says_why() {
    let home = tempfile::tempdir().unwrap();
    let by_flag = connect(command(home.path(), None, None, &["--context", "../etc"])).await;
    assert_eq!(
        tool_names(&by_flag).await,
        ["paas_status".to_owned()].into()
    );
    let said = status_text(&by_flag).await;
    assert!(
        said.contains("invalid context name \"../etc\"") && said.contains("from --context"),
        "{said}"
    );
    assert!(said.contains("restart the MCP server"), "{said}");
    assert!(!said.contains("no restart needed"), "{said}");
    // The problem comes first, and ninety tools hidden for one reason are one line.
    let problem_at = said.find("Problem:").unwrap();
    assert!(problem_at < said.find("Tools available").unwrap(), "{said}");
    assert!(said.contains("): all of them, because"), "{said}");
    assert!(said.lines().count() < 12, "{said}");
    by_flag.cancel().await.ok();

    for (value, needle) in [("My Prod", "invalid context name"), ("", "empty")] {
        let mut cmd = command(home.path(), None, None, &[]);
        cmd.env("PAAS_CONTEXT", value);
        let client = connect(cmd).await;
        assert_eq!(tool_names(&client).await, ["paas_status".to_owned()].into());
        let said = status_text(&client).await;
        assert!(
            said.contains(needle) && said.contains("PAAS_CONTEXT"),
            "{value:?}: {said}"
        );
        client.cancel().await.ok();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_half_set_environment_asks_for_a_restart_not_for_paas_connect_alone() {
    let world = World::start().await;
    let client = connect(world.command(None, &[])).await;
    assert_eq!(tool_names(&client).await, ["paas_status".to_owned()].into());
    let said = status_text(&client).await;
    assert!(
        said.contains("PAAS_API_URL is set but PAAS_TOKEN is not"),
        "{said}"
    );
    assert!(said.contains("restart the MCP server"), "{said}");
    assert!(!said.contains("no restart needed"), "{said}");
    client.cancel().await.ok();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rate_limited_start_up_check_is_retried_once_within_the_budget() {
    let world = World::start().await;
    let (_, token) = world
        .agent("it-429-start", Profile::Observer.scopes())
        .await;
    // The admin gate, the scope check's first request, gets 429 (Retry-After 1 s) twice: the
    // REST client waits out the first itself, the start-up check the second.
    world.sandbox.faults().inject(
        Fault::new(
            FaultKind::TooManyRequests {
                retry_after_secs: 1,
            },
            2,
        )
        .on(paas_mcp::catalog::probe::ADMIN_PROBE_PATH),
    );
    let client = connect(world.command(Some(&token), &[])).await;
    let grant = paas_mcp::catalog::Grant::agent(Profile::Observer.scopes().iter().copied());
    assert_eq!(tool_names(&client).await, expected_tools(&grant));
    client.cancel().await.ok();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rate_limited_check_says_so_and_is_repeated_after_retry_after() {
    let world = World::start().await;
    let (_, token) = world.agent("it-429-long", Profile::Observer.scopes()).await;
    // Longer than the REST client's bound on waiting (5 s) and the start-up budget (4 s): not
    // waited out at start, but checked again once it has passed instead of a whole re-probe
    // period (60 s) later.
    world.sandbox.faults().inject(
        Fault::new(
            FaultKind::TooManyRequests {
                retry_after_secs: 6,
            },
            1,
        )
        .on(paas_mcp::catalog::probe::ADMIN_PROBE_PATH),
    );
    let client = connect(world.command(Some(&token), &[])).await;
    assert_eq!(tool_names(&client).await, ["paas_status".to_owned()].into());
    let said = status_text(&client).await;
    assert!(
        said.contains("rate-limiting") && !said.contains("cannot reach"),
        "{said}"
    );
    assert!(
        client.service().wait_for(1, Duration::from_secs(15)).await,
        "no tools/list_changed after the Retry-After"
    );
    assert!(tool_names(&client).await.contains("list_apps"));
    client.cancel().await.ok();
}

#[cfg(unix)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stdio_exits_cleanly_on_sigint_and_sigterm_even_before_initialize() {
    let home = tempfile::tempdir().unwrap();
    for signal in ["INT", "TERM"] {
        let mut child = command(home.path(), None, None, &[])
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        // Give it time to install its handlers; stdin stays open (no EOF) until it exits.
        let stdin = child.stdin.take();
        tokio::time::sleep(Duration::from_millis(500)).await;
        send_signal(signal, child.id().unwrap());
        let out = tokio::time::timeout(Duration::from_secs(20), child.wait_with_output())
            .await
            .expect("exits after the signal")
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(0), "SIG{signal}: {stderr}");
        assert!(!stderr.contains("error"), "SIG{signal}: {stderr}");
        assert!(
            out.stdout.is_empty(),
            "SIG{signal}: stdout is the protocol's"
        );
        drop(stdin);
    }
}
