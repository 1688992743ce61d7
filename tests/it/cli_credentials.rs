//! Where credentials come from, and what the CLI says when they are wrong: tokens refused on
//! the command line and masked in errors, half-set environment credentials, environment
//! credentials overriding a context, context names, a symlinked config file, and the
//! messages for a config that cannot be used or written.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use crate::cli_support::{Home, Run, closed_port, run_cmd, sandbox};

/// Shaped like real tokens (spec §1.1), never accepted by any server.
const AGENT_TOKEN: &str = "bpagt_68aa0c3e751216c9b0fae0d7e670f3e4469addca98b74c72ad71dab5c05e2c1b";
const ADMIN_TOKEN: &str = "5f866fd83205ba248b76375d3967a8e13c72fad512f81ff76688fd17201901ed";

/// Connect `home` (context `context`, or the default) to `sandbox` with a fresh agent.
async fn connect(home: &Home, sandbox: &paas_sandbox::Sandbox, context: Option<&str>) -> String {
    let agent = sandbox
        .create_agent(
            &format!("agent {}", context.unwrap_or("default")),
            &["apps:read"],
        )
        .await
        .unwrap();
    let url = sandbox.url();
    let mut args = vec!["connect", url.as_str(), "--token-stdin"];
    if let Some(context) = context {
        args.extend(["--context", context]);
    }
    let run = home.run(&args, &agent.token).await;
    assert_eq!(run.code, 0, "{run:?}");
    agent.token
}

fn assert_no_secret(run: &Run, secret: &str) {
    assert!(
        !run.stdout.contains(secret) && !run.stderr.contains(secret),
        "the token was echoed: {run:?}"
    );
}

async fn with_env(home: &Home, args: &[&str], env: &[(&str, &str)]) -> Run {
    let mut cmd = home.cmd(args);
    for (name, value) in env {
        cmd.env(name, value);
    }
    run_cmd(cmd, "").await
}

#[tokio::test]
async fn a_token_anywhere_in_argv_is_refused_without_being_echoed() {
    let home = Home::new();
    let url = format!("http://127.0.0.1:{}", closed_port());
    let agent_token_option = format!("--token={AGENT_TOKEN}");
    let url_with_admin_token = format!("{url}/?token={ADMIN_TOKEN}");
    let cases: [(Vec<&str>, &str); 5] = [
        (vec!["connect", &url, AGENT_TOKEN], AGENT_TOKEN),
        (vec!["connect", &url, &agent_token_option], AGENT_TOKEN),
        (vec!["status", "--context", ADMIN_TOKEN], ADMIN_TOKEN),
        (vec!["mcp", "--tools", AGENT_TOKEN], AGENT_TOKEN),
        (vec!["connect", &url_with_admin_token], ADMIN_TOKEN),
    ];
    for (args, secret) in cases {
        let run = home.run(&args, "").await;
        assert_eq!(run.code, 2, "{args:?}: {run:?}");
        assert_no_secret(&run, secret);
        for what in [
            "command line",
            "shell history",
            "process list",
            "--token-stdin",
            "--token-file",
            "PAAS_TOKEN",
        ] {
            assert!(run.stderr.contains(what), "{what} in {}", run.stderr);
        }
    }
    assert!(home.config_text().is_none(), "nothing may be stored");
}

#[tokio::test]
async fn a_token_where_a_url_belongs_is_masked_in_the_error() {
    let home = Home::new();
    std::fs::create_dir_all(home.path().join(".paas")).unwrap();
    std::fs::write(
        home.config_file(),
        format!("{{\"version\":1,\"url\":\"{AGENT_TOKEN}\",\"token\":\"{AGENT_TOKEN}\"}}"),
    )
    .unwrap();
    let run = home.run(&["status"], "").await;
    assert_eq!(run.code, 1, "{run:?}");
    assert_no_secret(&run, AGENT_TOKEN);
    assert!(run.stderr.contains("\"url\""), "{}", run.stderr);
    assert!(run.stderr.contains("bpagt_***"), "{}", run.stderr);
    assert!(run.stderr.contains("paas connect <url>"), "{}", run.stderr);

    let run = with_env(
        &Home::new(),
        &["status"],
        &[("PAAS_API_URL", ADMIN_TOKEN), ("PAAS_TOKEN", AGENT_TOKEN)],
    )
    .await;
    assert_eq!(run.code, 1, "{run:?}");
    assert_no_secret(&run, ADMIN_TOKEN);
    assert!(run.stderr.contains("PAAS_API_URL"), "{}", run.stderr);
}

#[tokio::test]
async fn half_set_environment_credentials_are_an_error_not_ignored() {
    let sandbox = sandbox().await;
    let home = Home::new();
    let token = connect(&home, &sandbox, None).await;
    let url = sandbox.url();
    let cases = [
        (
            ("PAAS_TOKEN", token.as_str()),
            "PAAS_TOKEN is set but PAAS_API_URL is not",
        ),
        (
            ("PAAS_API_URL", url.as_str()),
            "PAAS_API_URL is set but PAAS_TOKEN is not",
        ),
    ];
    for ((name, value), expected) in cases {
        for command in ["status", "env"] {
            let run = with_env(&home, &[command], &[(name, value)]).await;
            assert_eq!(run.code, 1, "{command} with {name}: {run:?}");
            assert!(run.stderr.contains(expected), "{}", run.stderr);
            assert!(
                run.stderr.contains(&format!("unset {name}")),
                "{}",
                run.stderr
            );
            assert!(run.stdout.is_empty(), "{}", run.stdout);
            assert_no_secret(&run, &token);
        }
    }
    sandbox.shutdown().await;
}

#[tokio::test]
async fn environment_credentials_say_they_override_the_context_asked_for() {
    let sandbox = sandbox().await;
    let home = Home::new();
    connect(&home, &sandbox, Some("foo")).await;
    let agent = sandbox
        .create_agent("env agent", &["apps:read"])
        .await
        .unwrap();
    let url = sandbox.url();
    let env = [
        ("PAAS_API_URL", url.as_str()),
        ("PAAS_TOKEN", agent.token.as_str()),
    ];

    let flag = with_env(&home, &["status", "--context", "foo"], &env).await;
    assert_eq!(flag.code, 0, "{flag:?}");
    assert!(
        flag.stderr.contains(
            "warning: PAAS_API_URL and PAAS_TOKEN are set and take precedence over --context foo"
        ),
        "{}",
        flag.stderr
    );
    assert!(
        flag.stderr.contains("unset PAAS_API_URL PAAS_TOKEN"),
        "{}",
        flag.stderr
    );
    assert!(
        flag.stdout
            .contains("Context      environment (PAAS_API_URL, PAAS_TOKEN)"),
        "{}",
        flag.stdout
    );

    let mut with_context = env.to_vec();
    with_context.push(("PAAS_CONTEXT", "foo"));
    let variable = with_env(&home, &["status"], &with_context).await;
    assert!(
        variable
            .stderr
            .contains("take precedence over PAAS_CONTEXT=foo"),
        "{}",
        variable.stderr
    );

    // Nothing asked for, nothing to warn about.
    let plain = with_env(&home, &["status"], &env).await;
    assert_eq!(plain.code, 0, "{plain:?}");
    assert!(!plain.stderr.contains("warning"), "{}", plain.stderr);

    // A rejected environment token: fix or unset the variable, never `--context env`.
    let bad = with_env(
        &home,
        &["status"],
        &[("PAAS_API_URL", url.as_str()), ("PAAS_TOKEN", "bad")],
    )
    .await;
    assert_eq!(bad.code, 1, "{bad:?}");
    assert!(bad.stdout.contains("401"), "{}", bad.stdout);
    assert!(
        bad.stdout
            .contains("fix it, or unset PAAS_API_URL PAAS_TOKEN"),
        "{}",
        bad.stdout
    );
    assert!(bad.stdout.contains("paas connect"), "{}", bad.stdout);
    assert!(!bad.stdout.contains("--context env"), "{}", bad.stdout);
    sandbox.shutdown().await;
}

#[tokio::test]
async fn context_names_follow_one_rule_and_stored_names_still_load() {
    let home = Home::new();
    let url = format!("http://127.0.0.1:{}", closed_port());
    for name in ["a b", "../x", "", "é", &"x".repeat(53)] {
        let run = home
            .run(&["connect", &url, "--token-stdin", "--context", name], "t")
            .await;
        assert_eq!(run.code, 2, "{name:?}: {run:?}");
        assert!(run.stderr.contains("context name"), "{}", run.stderr);
        assert!(run.stderr.contains("from --context"), "{}", run.stderr);
        let variable = with_env(&home, &["status"], &[("PAAS_CONTEXT", name)]).await;
        if !name.is_empty() {
            // An empty variable counts as unset (the default context).
            assert_eq!(variable.code, 2, "{name:?}: {variable:?}");
            assert!(
                variable.stderr.contains("from PAAS_CONTEXT"),
                "{}",
                variable.stderr
            );
        }
    }
    assert!(home.config_text().is_none(), "nothing may be stored");

    // A file written elsewhere with a name outside the rule still loads.
    let sandbox = sandbox().await;
    let agent = sandbox.create_agent("old", &["apps:read"]).await.unwrap();
    std::fs::create_dir_all(home.path().join(".paas")).unwrap();
    std::fs::write(
        home.config_file(),
        serde_json::json!({
            "version": 1,
            "url": sandbox.url(),
            "token": agent.token,
            "contexts": { "old name": { "url": sandbox.url(), "token": agent.token } }
        })
        .to_string(),
    )
    .unwrap();
    let run = home.run(&["status", "--json"], "").await;
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(run.json()["scopes"], serde_json::json!(["apps:read"]));
    sandbox.shutdown().await;
}

#[cfg(unix)]
#[tokio::test]
async fn a_symlinked_config_file_stays_a_link_to_its_target() {
    use std::os::unix::fs::PermissionsExt;
    let sandbox = sandbox().await;
    let home = Home::new();
    let dotfiles = home.path().join("dotfiles");
    std::fs::create_dir_all(&dotfiles).unwrap();
    std::fs::create_dir_all(home.path().join(".paas")).unwrap();
    std::os::unix::fs::symlink("../dotfiles/paas.json", home.config_file()).unwrap();
    let target = dotfiles.join("paas.json");

    let first = connect(&home, &sandbox, None).await;
    let second = connect(&home, &sandbox, Some("c2")).await;
    let link = std::fs::symlink_metadata(home.config_file()).unwrap();
    assert!(link.file_type().is_symlink(), "the link was replaced");
    let text = std::fs::read_to_string(&target).unwrap();
    assert!(text.contains(&first) && text.contains(&second), "{text}");
    let mode = std::fs::metadata(&target).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
    let strays: Vec<_> = std::fs::read_dir(&dotfiles).unwrap().collect();
    assert_eq!(strays.len(), 1, "temporary files left: {strays:?}");

    // Forgetting every context empties the target and keeps the link.
    for args in [
        ["disconnect", "--context", "c2"],
        ["disconnect", "--context", "default"],
    ] {
        let run = home.run(&args, "").await;
        assert_eq!(run.code, 0, "{run:?}");
    }
    assert!(
        std::fs::symlink_metadata(home.config_file())
            .unwrap()
            .file_type()
            .is_symlink()
    );
    let text = std::fs::read_to_string(&target).unwrap();
    assert!(!text.contains(&first) && !text.contains(&second), "{text}");
    sandbox.shutdown().await;
}

#[tokio::test]
async fn a_missing_context_names_the_ones_that_exist() {
    let sandbox = sandbox().await;
    let home = Home::new();
    connect(&home, &sandbox, None).await;
    connect(&home, &sandbox, Some("staging")).await;
    let run = home.run(&["disconnect"], "").await;
    assert_eq!(run.code, 0, "{run:?}");
    let status = home.run(&["status"], "").await;
    assert_eq!(status.code, 1, "{status:?}");
    assert!(
        status.stderr.contains(
            "context \"default\" is not connected; known contexts: staging (use --context staging)"
        ),
        "{}",
        status.stderr
    );
    sandbox.shutdown().await;
}

#[tokio::test]
async fn an_unknown_token_store_is_named_with_the_valid_values() {
    let home = Home::new();
    std::fs::create_dir_all(home.path().join(".paas")).unwrap();
    std::fs::write(
        home.config_file(),
        format!(
            "{{\"version\":1,\"url\":\"http://127.0.0.1:{}\",\"token\":\"{AGENT_TOKEN}\",\"tokenStore\":\"bogus\"}}",
            closed_port()
        ),
    )
    .unwrap();
    let run = home.run(&["status"], "").await;
    assert_eq!(run.code, 1, "{run:?}");
    assert!(!run.stderr.contains("not connected"), "{}", run.stderr);
    for what in ["\"tokenStore\": \"bogus\"", "\"keychain\"", "\"file\""] {
        assert!(run.stderr.contains(what), "{what} in {}", run.stderr);
    }
    assert_no_secret(&run, AGENT_TOKEN);
}

#[cfg(unix)]
#[tokio::test]
async fn a_config_that_cannot_be_written_says_so_with_its_path() {
    use std::os::unix::fs::PermissionsExt;
    let sandbox = sandbox().await;
    let agent = sandbox.create_agent("w", &["apps:read"]).await.unwrap();

    // A link into a directory that does not exist: fails for every user, root included.
    let home = Home::new();
    std::fs::create_dir_all(home.path().join(".paas")).unwrap();
    let missing = home.path().join("gone").join("paas.json");
    std::os::unix::fs::symlink(&missing, home.config_file()).unwrap();
    let run = home
        .run(&["connect", &sandbox.url(), "--token-stdin"], &agent.token)
        .await;
    assert_eq!(run.code, 1, "{run:?}");
    let expected = format!("could not write {}", missing.display());
    assert!(run.stderr.contains(&expected), "{}", run.stderr);
    assert!(
        run.stderr.contains("check that you may write to"),
        "{}",
        run.stderr
    );
    assert!(!run.stderr.contains(".config.json."), "{}", run.stderr);
    assert!(!run.stderr.contains("could not read"), "{}", run.stderr);

    // A read-only ~/.paas (only meaningful where permissions bind, i.e. not as root).
    let home = Home::new();
    let dir = home.path().join(".paas");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o500)).unwrap();
    let binding = std::fs::write(dir.join("probe"), "x").is_err();
    if binding {
        let run = home
            .run(&["connect", &sandbox.url(), "--token-stdin"], &agent.token)
            .await;
        assert_eq!(run.code, 1, "{run:?}");
        let expected = format!("could not write {}", home.config_file().display());
        assert!(run.stderr.contains(&expected), "{}", run.stderr);
        assert!(!run.stderr.contains(".config.json."), "{}", run.stderr);
    }
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o700)).unwrap();
    sandbox.shutdown().await;
}

#[cfg(unix)]
#[tokio::test]
async fn tightened_permissions_are_a_note_for_people_and_a_log_line_in_mcp() {
    use std::os::unix::fs::PermissionsExt;
    let sandbox = sandbox().await;
    let home = Home::new();
    connect(&home, &sandbox, None).await;
    let loosen = || {
        std::fs::set_permissions(home.config_file(), std::fs::Permissions::from_mode(0o644))
            .unwrap();
    };
    loosen();
    let run = home.run(&["status"], "").await;
    assert_eq!(run.code, 0, "{run:?}");
    let expected = format!(
        "note: {} was mode 644 (open to other users); tightened to 600",
        home.config_file().display()
    );
    assert!(run.stderr.lines().any(|l| l == expected), "{}", run.stderr);
    assert!(!run.stderr.contains("WARN"), "{}", run.stderr);

    // `paas mcp`: stdout is the protocol; the note stays a log record on stderr.
    loosen();
    let mcp = home.run(&["mcp"], "").await;
    assert!(!mcp.stdout.contains("tightened"), "{}", mcp.stdout);
    let line = mcp
        .stderr
        .lines()
        .find(|l| l.contains("tightened to 600"))
        .unwrap_or_else(|| panic!("{}", mcp.stderr));
    assert!(
        line.contains("WARN") && !line.starts_with("note:"),
        "{line}"
    );
    sandbox.shutdown().await;
}

#[tokio::test]
async fn status_says_each_problem_once_and_names_unnamed_agents() {
    let sandbox = sandbox().await;
    let home = Home::new();
    let agent = sandbox.create_agent("gone", &["apps:read"]).await.unwrap();
    std::fs::create_dir_all(home.path().join(".paas")).unwrap();
    // What a connect that recorded a profile but no agent name leaves.
    std::fs::write(
        home.config_file(),
        serde_json::json!({
            "version": 1, "url": sandbox.url(), "token": agent.token, "profile": "deployer"
        })
        .to_string(),
    )
    .unwrap();
    let ok = home.run(&["status"], "").await;
    assert_eq!(ok.code, 0, "{ok:?}");
    assert!(
        ok.stdout.contains("Agent        unnamed agent (deployer)"),
        "{}",
        ok.stdout
    );

    let deleted = reqwest::Client::new()
        .post(format!("{}/api/agents/delete", sandbox.url()))
        .bearer_auth(sandbox.admin_token())
        .json(&serde_json::json!({ "id": agent.id }))
        .send()
        .await
        .unwrap();
    assert_eq!(deleted.status(), 200);
    let revoked = home.run(&["status"], "").await;
    assert_eq!(revoked.code, 1, "{revoked:?}");
    assert_eq!(
        revoked.stdout.matches("rotated").count(),
        1,
        "{}",
        revoked.stdout
    );
    assert!(
        revoked.stdout.contains(&format!(
            "run paas connect {} to get a new one",
            sandbox.url()
        )),
        "{}",
        revoked.stdout
    );

    // Unreachable: the base URL, not the admin route the first probe uses.
    let base = format!("http://127.0.0.1:{}", closed_port());
    let down = with_env(
        &home,
        &["status"],
        &[
            ("PAAS_API_URL", base.as_str()),
            ("PAAS_TOKEN", agent.token.as_str()),
        ],
    )
    .await;
    assert_eq!(down.code, 1, "{down:?}");
    assert!(
        down.stdout
            .contains(&format!("the PaaS could not be reached at {base}")),
        "{}",
        down.stdout
    );
    assert!(!down.stdout.contains("/api/"), "{}", down.stdout);
    sandbox.shutdown().await;
}

#[tokio::test]
async fn an_unknown_log_level_is_a_usage_error_listing_the_levels() {
    let home = Home::new();
    let by_flag = home.run(&["--log-level", "bogus", "status"], "").await;
    let by_env = with_env(&home, &["status"], &[("PAAS_LOG", "bogus")]).await;
    for run in [by_flag, by_env] {
        assert_eq!(run.code, 2, "{run:?}");
        assert!(
            run.stderr.contains("error, warn, info, debug, trace"),
            "{}",
            run.stderr
        );
        assert!(run.stderr.contains("bogus"), "{}", run.stderr);
    }
    let half = home
        .run(&["--log-level", "paas_mcp=loud", "status"], "")
        .await;
    assert_eq!(half.code, 2, "{half:?}");
    // Levels and filter directives still work: these reach the command (not connected: 1).
    for level in ["debug", "WARN", "warn,paas_mcp=debug", "paas_mcp=trace"] {
        let run = home.run(&["--log-level", level, "status"], "").await;
        assert_eq!(run.code, 1, "{level}: {run:?}");
        assert!(
            run.stderr.contains("not connected"),
            "{level}: {}",
            run.stderr
        );
    }
}

#[tokio::test]
async fn not_connected_hints_name_the_context_asked_for() {
    let home = Home::new();
    for command in ["status", "env", "tools"] {
        let run = home.run(&[command, "--context", "stg"], "").await;
        let said = format!("{}{}", run.stdout, run.stderr);
        assert!(
            said.contains("not connected - run: paas connect <url> --context stg"),
            "{command}: {run:?}"
        );
    }
    let run = home.run(&["status"], "").await;
    assert!(
        run.stderr
            .contains("not connected - run: paas connect <url>\n"),
        "{run:?}"
    );
}
