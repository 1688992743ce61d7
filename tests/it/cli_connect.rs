//! `paas connect` end to end against the sandbox: the browser flow with the test playing the
//! browser, paste-back, `--token-stdin`, `--legacy`, and every way it can fail (wrong URL,
//! stopped PaaS, timeout, reused code) with a clear message and nothing written.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use crate::cli_support::{Connecting, Home, agent_names, approve, closed_port, sandbox};

#[tokio::test]
async fn browser_flow_with_the_test_as_browser() {
    let sandbox = sandbox().await;
    let home = Home::new();
    let mut connecting = Connecting::start(&home, &["connect", "--no-browser", &sandbox.url()]);
    let (link, state, port) = connecting.link().await;
    assert!(
        link.starts_with(&format!("{}/connect/agent?", sandbox.url())),
        "{link}"
    );
    assert!(state.len() >= 16);

    let approved = approve(&sandbox, &state, port, "observer", "it browser").await;
    let callback = approved["callbackUrl"].as_str().unwrap();
    let page = reqwest::get(callback).await.unwrap();
    assert_eq!(page.status(), 200);
    assert!(page.text().await.unwrap().contains("Connected"));

    let run = connecting.finish().await;
    assert_eq!(run.code, 0, "{run:?}");
    assert!(
        run.stdout.contains("Connected successfully."),
        "{}",
        run.stdout
    );
    // The agent was created with the observer profile: its scopes are shown as requested,
    // logs:read included, although the probe cannot see it next to apps:read.
    assert!(
        run.stdout
            .contains("Scopes:   apps:read, logs:read, metrics:read\n"),
        "{}",
        run.stdout
    );
    assert!(!run.stdout.contains("Observed:"), "{}", run.stdout);
    assert!(run.stdout.contains("observer"), "{}", run.stdout);

    let config: serde_json::Value = serde_json::from_str(&home.config_text().unwrap()).unwrap();
    assert_eq!(config["version"], 1);
    assert_eq!(config["url"], sandbox.url());
    assert_eq!(config["profile"], "observer");
    assert_eq!(config["name"], "it browser");
    assert_eq!(config["agentId"], approved["agentId"]);
    assert!(config["token"].as_str().unwrap().starts_with("bpagt_"));
    assert_eq!(config["tokenStore"], "file");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode =
            |p: std::path::PathBuf| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(home.config_file()), 0o600);
        assert_eq!(mode(home.path().join(".paas")), 0o700);
    }
    // The stored token is the agent's: status works with it.
    let status = home.run(&["status", "--json"], "").await;
    assert_eq!(status.code, 0, "{status:?}");
    assert_eq!(
        status.json()["scopes"],
        serde_json::json!(["apps:read", "metrics:read"])
    );
    sandbox.shutdown().await;
}

#[tokio::test]
async fn pasted_callback_address_completes_the_connect() {
    let sandbox = sandbox().await;
    let home = Home::new();
    let mut connecting = Connecting::start(&home, &["connect", &sandbox.url(), "--no-browser"]);
    let (_, state, port) = connecting.link().await;
    let approved = approve(&sandbox, &state, port, "deployer", "it paste").await;
    // The browser is "on another machine": it never reaches the callback; the user copies
    // the address from the address bar into the terminal.
    connecting
        .paste(&format!("{}\n", approved["callbackUrl"].as_str().unwrap()))
        .await;
    let run = connecting.finish().await;
    assert_eq!(run.code, 0, "{run:?}");
    assert!(run.stdout.contains("deploy:trigger"), "{}", run.stdout);
    let config: serde_json::Value = serde_json::from_str(&home.config_text().unwrap()).unwrap();
    assert_eq!(config["profile"], "deployer");
    sandbox.shutdown().await;
}

/// The one-time code in an approve answer's `callbackUrl`.
fn callback_code(approved: &serde_json::Value) -> String {
    let callback = url::Url::parse(approved["callbackUrl"].as_str().unwrap()).unwrap();
    callback
        .query_pairs()
        .find(|(k, _)| k == "code")
        .map(|(_, v)| v.into_owned())
        .unwrap()
}

#[tokio::test]
async fn pasted_bare_code_completes_the_connect() {
    let sandbox = sandbox().await;
    let home = Home::new();
    let mut connecting = Connecting::start(&home, &["connect", &sandbox.url(), "--no-browser"]);
    let (_, state, port) = connecting.link().await;
    let approved = approve(&sandbox, &state, port, "operator", "it code").await;
    let code = callback_code(&approved);
    connecting.paste("this is not a code!\n").await;
    connecting.paste(&format!("{code}\n")).await;
    let run = connecting.finish().await;
    assert_eq!(run.code, 0, "{run:?}");
    assert!(
        run.stderr.contains("does not look like a connect code"),
        "{}",
        run.stderr
    );
    assert!(run.stdout.contains("backups:manage"), "{}", run.stdout);
    sandbox.shutdown().await;
}

/// The server deletes the pending session on the first exchange attempt, right or wrong:
/// a stray answer or half a code typed at the prompt must not be sent, or the real code
/// dies with it and the approved agent is left without a holder.
#[tokio::test]
async fn typos_at_the_paste_prompt_do_not_burn_the_session() {
    let sandbox = sandbox().await;
    let home = Home::new();
    let mut connecting = Connecting::start(&home, &["connect", &sandbox.url(), "--no-browser"]);
    let (_, state, port) = connecting.link().await;
    let approved = approve(&sandbox, &state, port, "observer", "it typo").await;
    let code = callback_code(&approved);
    connecting.paste("y\n").await;
    connecting.paste("deadbeef\n").await;
    connecting.paste(&format!("{}\n", &code[..32])).await;
    connecting.paste(&format!("{code}\n")).await;
    let run = connecting.finish().await;
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(
        run.stderr
            .matches("does not look like a connect code")
            .count(),
        3,
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("64 hex characters"), "{}", run.stderr);
    let config: serde_json::Value = serde_json::from_str(&home.config_text().unwrap()).unwrap();
    assert_eq!(config["agentId"], approved["agentId"]);
    sandbox.shutdown().await;
}

#[tokio::test]
async fn a_reused_code_fails_clearly_and_writes_nothing() {
    let sandbox = sandbox().await;
    let home = Home::new();
    let mut connecting = Connecting::start(&home, &["connect", &sandbox.url(), "--no-browser"]);
    let (_, state, port) = connecting.link().await;
    let approved = approve(&sandbox, &state, port, "observer", "it reused").await;
    let code = callback_code(&approved);
    // Someone else exchanges the code first.
    let first = reqwest::Client::new()
        .post(format!("{}/api/connect/agent/exchange", sandbox.url()))
        .json(&serde_json::json!({ "state": state, "code": code }))
        .send()
        .await
        .unwrap();
    assert_eq!(first.status(), 200);
    let page = reqwest::get(approved["callbackUrl"].as_str().unwrap())
        .await
        .unwrap();
    assert_ne!(page.status(), 200, "the page must not claim success");
    assert!(page.text().await.unwrap().contains("already used"));
    let run = connecting.finish().await;
    assert_eq!(run.code, 1, "{run:?}");
    assert!(
        run.stderr.contains("invalid, expired or was already used"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("/api/agents/delete"), "{}", run.stderr);
    assert!(!home.config_file().exists(), "nothing may be written");
    sandbox.shutdown().await;
}

#[tokio::test]
async fn timeout_says_an_agent_may_exist_and_writes_nothing() {
    let sandbox = sandbox().await;
    let home = Home::new();
    let mut cmd = home.cmd(&["connect", &sandbox.url(), "--no-browser"]);
    cmd.env("PAAS_CONNECT_TIMEOUT", "1");
    let run = crate::cli_support::run_cmd(cmd, "").await;
    assert_eq!(run.code, 1, "{run:?}");
    assert!(
        run.stderr
            .contains("timed out waiting for browser authorization (1s)"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("an agent may already exist"),
        "{}",
        run.stderr
    );
    assert!(!home.config_file().exists());
    sandbox.shutdown().await;
}

#[tokio::test]
async fn unreachable_and_invalid_urls_fail_clearly() {
    let home = Home::new();
    let url = format!("http://127.0.0.1:{}", closed_port());
    let run = home.run(&["connect", &url, "--no-browser"], "").await;
    assert_eq!(run.code, 1, "{run:?}");
    assert!(
        run.stderr
            .contains(&format!("could not reach PaaS at {url}")),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("ensure it is running"),
        "{}",
        run.stderr
    );

    let run = home.run(&["connect", "ftp://example.com"], "").await;
    assert_eq!(run.code, 2, "a malformed URL is a usage error: {run:?}");
    assert!(run.stderr.contains("is not a URL"), "{}", run.stderr);
    assert!(!home.config_file().exists());
}

#[tokio::test]
async fn a_malformed_url_is_a_usage_error_that_names_the_problem() {
    let home = Home::new();
    let open = format!("http://127.0.0.1:{}", closed_port());
    let cases: [(&[&str], &str); 6] = [
        (&["connect", "http://"], "no host name"),
        (&["connect", "https:///"], "no host name"),
        (&["connect", "http:"], "host name"),
        (&["connect", ""], "the URL is empty"),
        (&["connect", "ftp://x"], "only http:// and https://"),
        (
            &["connect", &open, "--ui", "ftp://x"],
            "only http:// and https://",
        ),
    ];
    for (args, says) in cases {
        let run = home.run(args, "").await;
        assert_eq!(run.code, 2, "{args:?}: {run:?}");
        assert!(run.stderr.contains(says), "{args:?}: {}", run.stderr);
        // Refused before any request, not reported as an unreachable host "http:".
        assert!(!run.stderr.contains("could not reach"), "{}", run.stderr);
    }
    assert!(!home.config_file().exists());
}

#[tokio::test]
async fn connect_hints_carry_the_context() {
    let sandbox = sandbox().await;
    let agent = sandbox.create_agent("stg", &["apps:read"]).await.unwrap();
    let home = Home::new();
    let run = home
        .run(
            &[
                "connect",
                &sandbox.url(),
                "--token-stdin",
                "--context",
                "stg",
            ],
            &agent.token,
        )
        .await;
    assert_eq!(run.code, 0, "{run:?}");
    assert!(
        run.stdout.contains("Next: paas setup --context stg "),
        "{}",
        run.stdout
    );
    for line in run.stdout.lines().filter(|l| l.contains("paas ")) {
        assert!(line.contains("--context stg"), "{line}");
    }
    // The default context keeps the short form.
    let other = sandbox.create_agent("dflt", &["apps:read"]).await.unwrap();
    let run = home
        .run(&["connect", &sandbox.url(), "--token-stdin"], &other.token)
        .await;
    assert_eq!(run.code, 0, "{run:?}");
    assert!(
        run.stdout.contains("Next: paas setup   ("),
        "{}",
        run.stdout
    );
    assert!(!run.stdout.contains("--context"), "{}", run.stdout);
    sandbox.shutdown().await;
}

#[tokio::test]
async fn a_stopped_paas_fails_clearly() {
    let sandbox = sandbox().await;
    let url = sandbox.url();
    sandbox.shutdown().await;
    let home = Home::new();
    let run = home.run(&["connect", &url, "--no-browser"], "").await;
    assert_eq!(run.code, 1, "{run:?}");
    assert!(
        run.stderr.contains("could not reach PaaS"),
        "{}",
        run.stderr
    );
    assert!(!home.config_file().exists());
}

#[tokio::test]
async fn token_stdin_stores_an_admin_created_token() {
    let sandbox = sandbox().await;
    let agent = sandbox
        .create_agent(
            "ci",
            &[
                "apps:read",
                "logs:read",
                "metrics:read",
                "apps:write",
                "deploy:trigger",
            ],
        )
        .await
        .unwrap();
    let home = Home::new();
    let run = home
        .run(
            &["connect", &sandbox.url(), "--token-stdin"],
            &format!("{}\n", agent.token),
        )
        .await;
    assert_eq!(run.code, 0, "{run:?}");
    assert!(
        run.stdout
            .contains("apps:read, apps:write, deploy:trigger, metrics:read"),
        "{}",
        run.stdout
    );
    assert!(!run.stdout.contains(&agent.token) && !run.stderr.contains(&agent.token));
    let config: serde_json::Value = serde_json::from_str(&home.config_text().unwrap()).unwrap();
    assert_eq!(config["token"], agent.token.as_str());
    assert_eq!(
        config["profile"], "deployer",
        "inferred from the observed scopes"
    );
    sandbox.shutdown().await;
}

#[tokio::test]
async fn token_stdin_refuses_a_wrong_token_and_the_admin_token() {
    let sandbox = sandbox().await;
    let home = Home::new();
    let run = home
        .run(
            &["connect", &sandbox.url(), "--token-stdin"],
            "bpagt_0000\n",
        )
        .await;
    assert_eq!(run.code, 1, "{run:?}");
    assert!(
        run.stderr.contains("the token does not work"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("401"), "{}", run.stderr);
    assert!(!home.config_file().exists());

    let run = home
        .run(
            &["connect", &sandbox.url(), "--token-stdin"],
            sandbox.admin_token(),
        )
        .await;
    assert_eq!(run.code, 1, "{run:?}");
    assert!(
        run.stderr.contains("this is the admin token"),
        "{}",
        run.stderr
    );
    assert!(!home.config_file().exists());

    let run = home
        .run(&["connect", &sandbox.url(), "--token-stdin"], "")
        .await;
    assert_eq!(run.code, 1, "{run:?}");
    assert!(run.stderr.contains("no token on stdin"), "{}", run.stderr);
    sandbox.shutdown().await;
}

#[tokio::test]
async fn legacy_creates_the_agent_and_never_stores_the_admin_token() {
    let sandbox = sandbox().await;
    let home = Home::new();
    let run = home
        .run(
            &[
                "connect",
                "--legacy",
                &sandbox.url(),
                "--profile",
                "operator",
                "--name",
                "ci-bot",
            ],
            &format!("{}\n", sandbox.admin_token()),
        )
        .await;
    assert_eq!(run.code, 0, "{run:?}");
    assert!(
        run.stdout
            .contains("Creating agent \"ci-bot\" with profile \"operator\""),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("cron:manage"), "{}", run.stdout);
    let text = home.config_text().unwrap();
    assert!(
        !text.contains(sandbox.admin_token()),
        "admin token leaked into {text}"
    );
    let config: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(config["name"], "ci-bot");
    assert_eq!(config["profile"], "operator");
    assert!(agent_names(&sandbox).await.contains(&"ci-bot".to_owned()));

    // PAAS_ADMIN_TOKEN works too, but only together with --legacy.
    let via_env = Home::new();
    let mut cmd = via_env.cmd(&["connect", &sandbox.url(), "--legacy", "--name", "env-bot"]);
    cmd.env("PAAS_ADMIN_TOKEN", sandbox.admin_token());
    let run = crate::cli_support::run_cmd(cmd, "").await;
    assert_eq!(run.code, 0, "{run:?}");
    assert!(
        run.stdout.contains("No --profile given; using deployer."),
        "{}",
        run.stdout
    );
    assert!(agent_names(&sandbox).await.contains(&"env-bot".to_owned()));

    // A wrong admin token: clear message, no agent, nothing written.
    let other = Home::new();
    let run = other
        .run(
            &[
                "connect",
                &sandbox.url(),
                "--legacy",
                "--profile",
                "observer",
            ],
            "wrong\n",
        )
        .await;
    assert_eq!(run.code, 1, "{run:?}");
    assert!(
        run.stderr.contains("admin token rejected"),
        "{}",
        run.stderr
    );
    assert!(!other.config_file().exists());
    sandbox.shutdown().await;
}

#[tokio::test]
async fn tokens_are_never_accepted_as_arguments() {
    let home = Home::new();
    for flag in ["--token", "--admin-token"] {
        let run = home
            .run(&["connect", "http://127.0.0.1:1", flag, "secret"], "")
            .await;
        assert_eq!(run.code, 2, "{run:?}");
        assert!(
            run.stderr
                .contains("never accepted as command-line arguments"),
            "{}",
            run.stderr
        );
    }
    let run = home
        .run(&["connect", "--profile", "observer", "http://x"], "")
        .await;
    assert_eq!(
        run.code, 2,
        "--profile without --legacy is a usage error: {run:?}"
    );
}

/// `--profile` and `--name` only shape the agent `--legacy` creates: elsewhere they would be
/// ignored, and `--profile observer --token-stdin` would store a deployer's token as asked.
/// A usage error says where the profile comes from instead; nothing is stored.
#[tokio::test]
async fn profile_and_name_outside_legacy_are_usage_errors_that_say_where_they_apply() {
    let sandbox = sandbox().await;
    let agent = sandbox
        .create_agent("deployer", &["apps:read", "deploy:trigger"])
        .await
        .unwrap();
    let home = Home::new();
    let url = sandbox.url();
    let cases: [(&[&str], &str); 4] = [
        (
            &["connect", &url, "--profile", "observer", "--token-stdin"],
            "--profile only applies to --legacy",
        ),
        (
            &["connect", &url, "--token-stdin", "--name", "bot"],
            "the token's own scopes and agent name decide",
        ),
        (
            &["connect", &url, "--profile", "observer", "--no-browser"],
            "you pick the profile and the agent name in the browser",
        ),
        (
            &["connect", &url, "--profile", "observer", "--name", "bot"],
            "--profile and --name only apply to --legacy",
        ),
    ];
    for (args, says) in cases {
        let run = home.run(args, &agent.token).await;
        assert_eq!(run.code, 2, "{args:?}: {run:?}");
        assert!(run.stderr.contains(says), "{args:?}: {}", run.stderr);
        assert!(!home.config_file().exists(), "{args:?}: nothing is stored");
    }
    sandbox.shutdown().await;
}

#[tokio::test]
async fn named_contexts_sit_next_to_the_default() {
    let first = sandbox().await;
    let second = sandbox().await;
    let a = first.create_agent("a", &["apps:read"]).await.unwrap();
    let b = second.create_agent("b", &["metrics:read"]).await.unwrap();
    let home = Home::new();
    assert_eq!(
        home.run(&["connect", &first.url(), "--token-stdin"], &a.token)
            .await
            .code,
        0
    );
    let run = home
        .run(
            &[
                "connect",
                "--context",
                "two",
                &second.url(),
                "--token-stdin",
            ],
            &b.token,
        )
        .await;
    assert_eq!(run.code, 0, "{run:?}");
    let config: serde_json::Value = serde_json::from_str(&home.config_text().unwrap()).unwrap();
    assert_eq!(config["url"], first.url(), "default context untouched");
    assert_eq!(config["contexts"]["two"]["url"], second.url());
    let status = home
        .run(&["status", "--json", "--context", "two"], "")
        .await;
    assert_eq!(status.json()["scopes"], serde_json::json!(["metrics:read"]));
    let mut cmd = home.cmd(&["status", "--json"]);
    cmd.env("PAAS_CONTEXT", "two");
    let status = crate::cli_support::run_cmd(cmd, "").await;
    assert_eq!(status.json()["url"], second.url());
    let status = home.run(&["status", "--json"], "").await;
    assert_eq!(status.json()["scopes"], serde_json::json!(["apps:read"]));
    let unknown = home.run(&["status", "--context", "nope"], "").await;
    assert_eq!(unknown.code, 1);
    assert!(
        unknown.stderr.contains("known contexts: default, two"),
        "{}",
        unknown.stderr
    );
    first.shutdown().await;
    second.shutdown().await;
}

/// A "dashboard" on its own origin that only serves the manifest pointing at the API, like
/// upstream's Next.js route (`paas-cli.md` §3.1).
async fn dashboard_manifest(api: String) -> (String, tokio::task::JoinHandle<()>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let app = axum::Router::new().route(
        "/.well-known/better-paas.json",
        axum::routing::get(move || {
            let api = api.clone();
            async move { axum::Json(serde_json::json!({ "apiUrl": api })) }
        }),
    );
    let task = tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    (url, task)
}

#[tokio::test]
async fn discovery_follows_a_dashboard_manifest_to_a_separate_api() {
    let sandbox = sandbox().await;
    let (dashboard, task) = dashboard_manifest(sandbox.url()).await;
    let home = Home::new();
    let mut connecting = Connecting::start(&home, &["connect", &dashboard, "--no-browser"]);
    let (link, state, port) = connecting.link().await;
    assert!(
        link.starts_with(&format!("{dashboard}/connect/agent?")),
        "{link}"
    );
    assert!(
        connecting
            .seen
            .iter()
            .any(|l| l.contains(&format!("API:       {}", sandbox.url()))),
        "{:?}",
        connecting.seen
    );
    let approved = approve(&sandbox, &state, port, "observer", "split").await;
    reqwest::get(approved["callbackUrl"].as_str().unwrap())
        .await
        .unwrap();
    let run = connecting.finish().await;
    assert_eq!(run.code, 0, "{run:?}");
    let config: serde_json::Value = serde_json::from_str(&home.config_text().unwrap()).unwrap();
    assert_eq!(
        config["url"],
        sandbox.url(),
        "the API URL is stored, not the dashboard"
    );
    task.abort();
    sandbox.shutdown().await;
}

#[tokio::test]
async fn ui_flag_and_manifest_ui_url_choose_the_page_to_open() {
    let ui = "http://127.0.0.1:9/dashboard";
    let sandbox = paas_sandbox::Sandbox::start(paas_sandbox::SandboxOptions {
        ui_url: Some(ui.to_owned()),
        ..paas_sandbox::SandboxOptions::default()
    })
    .await
    .unwrap();
    let home = Home::new();
    let mut connecting = Connecting::start(&home, &["connect", &sandbox.url(), "--no-browser"]);
    let (link, _, _) = connecting.link().await;
    assert!(link.starts_with(&format!("{ui}/connect/agent?")), "{link}");
    drop(connecting);

    let forced = "http://127.0.0.1:9/forced";
    let mut connecting = Connecting::start(
        &home,
        &["connect", "--ui", forced, "--no-browser", &sandbox.url()],
    );
    let (link, _, _) = connecting.link().await;
    assert!(
        link.starts_with(&format!("{forced}/connect/agent?")),
        "{link}"
    );
    drop(connecting);
    assert!(!home.config_file().exists());
    sandbox.shutdown().await;
}

#[tokio::test]
async fn ctrl_c_aborts_cleanly_and_says_an_agent_may_exist() {
    let sandbox = sandbox().await;
    let home = Home::new();
    let mut connecting = Connecting::start(&home, &["connect", &sandbox.url(), "--no-browser"]);
    let (_, state, port) = connecting.link().await;
    // The user approved in the browser, then gave up before the callback arrived.
    approve(&sandbox, &state, port, "observer", "abandoned").await;
    let pid = connecting.child.id().unwrap().to_string();
    let status = std::process::Command::new("kill")
        .args(["-INT", &pid])
        .status()
        .unwrap();
    assert!(status.success());
    let run = connecting.finish().await;
    assert_eq!(run.code, 1, "{run:?}");
    assert!(
        run.stderr.contains("connect aborted; nothing was saved"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("an agent may already exist"),
        "{}",
        run.stderr
    );
    assert!(!home.config_file().exists());
    sandbox.shutdown().await;
}

/// `paas connect <args>` run to completion with `stdin` as input.
async fn connect_run(home: &Home, args: &[&str], stdin: &str) -> crate::cli_support::Run {
    home.run(&[&["connect"], args].concat(), stdin).await
}

#[tokio::test]
async fn a_token_where_the_url_belongs_is_never_echoed() {
    let home = Home::new();
    let agent = format!("bpagt_68aa{}", "0f".repeat(30));
    let admin = "9c".repeat(32);
    for url in [
        agent.clone(),
        format!("https://{agent}"),
        admin.clone(),
        format!("http://{admin}/"),
    ] {
        let run = connect_run(&home, &[&url, "--token-stdin"], "").await;
        assert_ne!(run.code, 0, "{run:?}");
        for secret in [&agent[6..], &admin[..]] {
            assert!(
                !run.stderr.contains(secret) && !run.stdout.contains(secret),
                "token echoed: {run:?}"
            );
        }
        assert!(run.stderr.contains("--token-stdin"), "{}", run.stderr);
        assert!(!run.stderr.contains("could not reach"), "{}", run.stderr);
    }
    assert!(!home.config_file().exists());
}

#[tokio::test]
async fn token_stdin_refuses_a_token_wrapped_in_an_assignment_or_header_before_any_request() {
    let home = Home::new();
    // A closed port: any request would end in "could not reach", so the refusal must come
    // first.
    let url = format!("http://127.0.0.1:{}", closed_port());
    let token = format!("bpagt_{}", "7e".repeat(32));
    let cases = [
        (format!("PAAS_TOKEN={token}\n"), "variable assignment"),
        (
            format!("export PAAS_TOKEN='{token}'\n"),
            "variable assignment",
        ),
        (format!("Bearer {token}\n"), "HTTP header"),
    ];
    for (stdin, says) in cases {
        let run = connect_run(&home, &[&url, "--token-stdin", "--context", "stg"], &stdin).await;
        assert_eq!(run.code, 1, "{run:?}");
        assert!(run.stderr.contains(says), "{}", run.stderr);
        assert!(
            run.stderr.contains("nothing was sent to the PaaS"),
            "{}",
            run.stderr
        );
        assert!(
            run.stderr
                .contains("| paas connect <url> --context stg --token-stdin"),
            "{}",
            run.stderr
        );
        assert!(!run.stderr.contains("could not reach"), "{}", run.stderr);
        assert!(
            !run.stderr.contains(&token[6..]) && !run.stdout.contains(&token[6..]),
            "token echoed: {run:?}"
        );
    }
    assert!(!home.config_file().exists());
}

#[tokio::test]
async fn token_stdin_refuses_input_that_cannot_be_a_token() {
    let sandbox = sandbox().await;
    let home = Home::new();
    let url = sandbox.url();
    let cases = [
        ("foo\nbar\n", "more than one line"),
        ("bpagt_ab cd\n", "contains a space"),
        ("bpagt_ab\u{7}cd\n", "a character a token cannot contain"),
    ];
    for (stdin, says) in cases {
        let run = connect_run(&home, &[&url, "--token-stdin"], stdin).await;
        assert_eq!(run.code, 1, "{run:?}");
        assert!(run.stderr.contains(says), "{}", run.stderr);
        assert!(run.stderr.contains("Nothing was saved"), "{}", run.stderr);
        assert!(
            run.stderr.contains("| paas connect <url> --token-stdin"),
            "{}",
            run.stderr
        );
        assert!(
            !run.stderr.contains("could not reach") && !run.stderr.contains("header value"),
            "{}",
            run.stderr
        );
        assert!(!run.stderr.contains("foo") && !run.stderr.contains("ab cd"));
    }
    assert!(!home.config_file().exists());
    // One trailing newline (and a CRLF) is what echo and editors add: still fine.
    let agent = sandbox.create_agent("nl", &["apps:read"]).await.unwrap();
    let run = connect_run(
        &home,
        &[&url, "--token-stdin"],
        &format!("{}\r\n", agent.token),
    )
    .await;
    assert_eq!(run.code, 0, "{run:?}");
    sandbox.shutdown().await;
}

/// A plain HTTP server that is not Better-PaaS: a page at `/`, 404 everywhere else.
async fn other_server() -> (String, tokio::task::JoinHandle<()>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let app = axum::Router::new().route(
        "/",
        axum::routing::get(|| async { axum::response::Html("<h1>It works</h1>") }),
    );
    let task = tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    (url, task)
}

#[tokio::test]
async fn a_server_that_is_not_better_paas_is_named_as_such() {
    let (url, task) = other_server().await;
    let home = Home::new();
    let run = connect_run(&home, &[&url, "--no-browser"], "").await;
    assert_eq!(run.code, 1, "{run:?}");
    assert!(
        run.stderr.contains(&format!(
            "the server at {url} answered, but it does not look like a Better-PaaS API"
        )),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("HTTP 404"), "{}", run.stderr);
    assert!(run.stderr.contains("--ui"), "{}", run.stderr);
    assert!(!run.stderr.contains("could not reach"), "{}", run.stderr);
    assert!(!home.config_file().exists());
    task.abort();
}

#[tokio::test]
async fn https_on_a_plain_http_port_suggests_http() {
    let sandbox = sandbox().await;
    let plain = sandbox.url();
    let tls = plain.replacen("http://", "https://", 1);
    let home = Home::new();
    let run = connect_run(&home, &[&tls, "--no-browser"], "").await;
    assert_eq!(run.code, 1, "{run:?}");
    assert!(
        run.stderr.contains("speaks plain HTTP on this port"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains(&format!("try {plain}")),
        "{}",
        run.stderr
    );
    assert!(!home.config_file().exists());
    sandbox.shutdown().await;
}

#[tokio::test]
async fn an_api_url_is_taken_as_the_base() {
    let sandbox = sandbox().await;
    let agent = sandbox.create_agent("api", &["apps:read"]).await.unwrap();
    for suffix in ["/api", "/api/"] {
        let home = Home::new();
        let url = format!("{}{suffix}", sandbox.url());
        let run = connect_run(&home, &[&url, "--token-stdin"], &agent.token).await;
        assert_eq!(run.code, 0, "{run:?}");
        let first = run.stdout.lines().next().unwrap_or_default();
        assert_eq!(
            first,
            format!(
                "Using {} (paas adds /api to every request itself).",
                sandbox.url()
            )
        );
        let config: serde_json::Value = serde_json::from_str(&home.config_text().unwrap()).unwrap();
        assert_eq!(config["url"], sandbox.url());
    }
    sandbox.shutdown().await;
}

#[tokio::test]
async fn rate_limiting_is_named_with_its_retry_after() {
    let sandbox = sandbox().await;
    sandbox.faults().inject(
        paas_sandbox::Fault::new(
            paas_sandbox::FaultKind::TooManyRequests {
                retry_after_secs: 7,
            },
            4,
        )
        .on("/api/health"),
    );
    let home = Home::new();
    let run = connect_run(&home, &[&sandbox.url(), "--no-browser"], "").await;
    assert_eq!(run.code, 1, "{run:?}");
    assert!(
        run.stderr
            .contains("is rate-limiting this address (HTTP 429"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("wait 7s"), "{}", run.stderr);
    assert!(
        run.stderr.contains("20 requests per second"),
        "{}",
        run.stderr
    );
    assert!(
        !run.stderr.contains("not reachable") && !run.stderr.contains("could not reach"),
        "{}",
        run.stderr
    );
    assert!(!home.config_file().exists());
    sandbox.shutdown().await;
}

#[tokio::test]
async fn a_wrong_admin_token_says_where_to_find_it_and_warns_of_the_lockout() {
    let sandbox = sandbox().await;
    let home = Home::new();
    let args = [
        sandbox.url(),
        "--legacy".into(),
        "--profile".into(),
        "observer".into(),
    ];
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let run = connect_run(&home, &args, "wrong\n").await;
    assert_eq!(run.code, 1, "{run:?}");
    for says in [
        "admin token rejected",
        "./server token",
        "admin_token.txt",
        "after 5 wrong tokens the PaaS locks this address out for 2s",
        "up to 15 minutes",
    ] {
        assert!(run.stderr.contains(says), "{says:?} in {}", run.stderr);
    }
    // Four more failures are free; the sixth locks the address out (spec §1.7).
    for _ in 0..4 {
        assert_eq!(connect_run(&home, &args, "wrong\n").await.code, 1);
    }
    let run = connect_run(&home, &args, "wrong\n").await;
    assert_eq!(run.code, 1, "{run:?}");
    assert!(
        run.stderr.contains(
            "has locked this address out after repeated wrong tokens (HTTP 429, retry after"
        ),
        "{}",
        run.stderr
    );
    assert!(!run.stderr.contains("not reachable"), "{}", run.stderr);
    assert!(!home.config_file().exists());
    sandbox.shutdown().await;
}

#[tokio::test]
async fn legacy_shows_the_scopes_it_asked_for_including_logs_read() {
    let sandbox = sandbox().await;
    let home = Home::new();
    let run = connect_run(
        &home,
        &[
            &sandbox.url(),
            "--legacy",
            "--profile",
            "observer",
            "--name",
            "obs",
        ],
        &format!("{}\n", sandbox.admin_token()),
    )
    .await;
    assert_eq!(run.code, 0, "{run:?}");
    assert!(
        run.stdout
            .contains("Scopes:   apps:read, logs:read, metrics:read\n"),
        "{}",
        run.stdout
    );
    sandbox.shutdown().await;
}

#[tokio::test]
async fn observed_scopes_say_what_the_probe_cannot_see() {
    let sandbox = sandbox().await;
    let five = [
        "apps:read",
        "logs:read",
        "metrics:read",
        "apps:write",
        "deploy:trigger",
    ];
    let agent = sandbox.create_agent("five", &five).await.unwrap();
    let home = Home::new();
    let run = connect_run(&home, &[&sandbox.url(), "--token-stdin"], &agent.token).await;
    assert_eq!(run.code, 0, "{run:?}");
    let note = "logs:read cannot be observed while apps:read is held; it does not change which \
                tools are offered";
    assert!(run.stdout.contains(note), "{}", run.stdout);
    let status = home.run(&["status"], "").await;
    assert_eq!(status.code, 0, "{status:?}");
    assert!(status.stdout.contains(note), "{}", status.stdout);
    sandbox.shutdown().await;
}

#[tokio::test]
async fn a_custom_token_reports_the_same_profile_everywhere() {
    let sandbox = sandbox().await;
    let agent = sandbox
        .create_agent("custom", &["metrics:read", "cron:manage"])
        .await
        .unwrap();
    let home = Home::new();
    let run = connect_run(&home, &[&sandbox.url(), "--token-stdin"], &agent.token).await;
    assert_eq!(run.code, 0, "{run:?}");
    assert!(
        run.stdout.starts_with("Connected successfully."),
        "no blank first line: {:?}",
        run.stdout
    );
    assert!(
        run.stdout.contains("Profile:  none (its own scope list"),
        "{}",
        run.stdout
    );
    assert!(!run.stdout.contains("custom\n"), "{}", run.stdout);
    let status = home.run(&["status", "--json"], "").await;
    assert_eq!(status.json()["profile"], serde_json::Value::Null);
    sandbox.shutdown().await;
}

#[tokio::test]
async fn setup_suggests_only_requests_the_token_can_carry_out() {
    let sandbox = sandbox().await;
    let observer = sandbox
        .create_agent("obs", &["apps:read", "logs:read", "metrics:read"])
        .await
        .unwrap();
    let home = Home::new();
    let run = connect_run(&home, &[&sandbox.url(), "--token-stdin"], &observer.token).await;
    assert_eq!(run.code, 0, "{run:?}");
    let setup = home.run(&["setup", "--client", "cursor"], "").await;
    assert_eq!(setup.code, 0, "{setup:?}");
    assert!(
        setup.stdout.contains("List my Better-PaaS apps"),
        "{}",
        setup.stdout
    );
    assert!(!setup.stdout.contains("Redeploy"), "{}", setup.stdout);

    let deployer = sandbox
        .create_agent("dep", &["apps:read", "apps:write", "deploy:trigger"])
        .await
        .unwrap();
    let home = Home::new();
    let run = connect_run(&home, &[&sandbox.url(), "--token-stdin"], &deployer.token).await;
    assert_eq!(run.code, 0, "{run:?}");
    let setup = home.run(&["setup", "--client", "cursor"], "").await;
    assert!(setup.stdout.contains("Redeploy my-app"), "{}", setup.stdout);
    sandbox.shutdown().await;
}
