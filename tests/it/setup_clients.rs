//! `paas setup` against the real clients from npm: Claude Code (`@anthropic-ai/claude-code`)
//! and Codex (`@openai/codex`). After setup, the client itself reads the file we wrote,
//! starts `paas mcp`, and `paas mcp` reads the credentials from the temp HOME's
//! `~/.paas/config.json` for a sandbox started in the test.
//!
//! The binaries are found through `PAAS_TEST_CLAUDE` / `PAAS_TEST_CODEX`, else on PATH;
//! without them each test says so loudly and passes, unless `PAAS_REQUIRE_EXTERNAL` is set
//! (`.ci/run` installs them and sets it).
//! Nothing here needs a model, a login or the network beyond 127.0.0.1.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use paas_sandbox::{Sandbox, SandboxOptions};
use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};

use crate::setup::{Env, assert_ok, stderr, stdout};

/// Upper bound so a wedged client fails the test instead of hanging CI (not a timing check).
const HANG_GUARD: Duration = Duration::from_secs(120);

fn find_client(env_var: &str, name: &str) -> Option<PathBuf> {
    if let Some(p) = std::env::var_os(env_var).filter(|p| !p.is_empty()) {
        return Some(PathBuf::from(p));
    }
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|d| d.join(name))
        .find(|p| p.is_file())
}

fn skip(test: &str, what: &str) {
    let msg = format!(
        "{test}: `{what}` not found (set PAAS_TEST_{} or put it on PATH; .ci/run installs it \
         from npm)",
        what.to_uppercase()
    );
    // CI sets PAAS_REQUIRE_EXTERNAL: there a missing client is a failure, not a skip.
    if std::env::var_os("PAAS_REQUIRE_EXTERNAL").is_some_and(|v| !v.is_empty() && v != "0") {
        panic!("{msg}");
    }
    eprintln!("\n*** SKIPPED {msg} ***\n");
}

/// PATH for the client: its own directory and node's (the npm launchers are node scripts),
/// never the directory of the paas binary (so the entry uses the absolute path).
fn client_path(client: &Path) -> OsString {
    let mut dirs = vec![client.parent().expect("client dir").to_path_buf()];
    if let Some(node) = find_client("PAAS_TEST_NODE", "node") {
        dirs.push(node.parent().expect("node dir").to_path_buf());
    }
    dirs.push(PathBuf::from("/usr/bin"));
    dirs.push(PathBuf::from("/bin"));
    std::env::join_paths(dirs).expect("join PATH")
}

/// A sandbox with demo data and an agent that may read apps and logs, stored in the temp
/// HOME the way `paas connect` stores it (upstream `~/.paas/config.json`).
async fn connected_env(client: &Path) -> (Sandbox, Env) {
    let sandbox = Sandbox::start(SandboxOptions {
        seed: true,
        ..SandboxOptions::default()
    })
    .await
    .expect("sandbox starts");
    deploy_app(&sandbox).await;
    let agent = sandbox
        .create_agent("setup-e2e", &["apps:read", "logs:read"])
        .await
        .expect("agent");
    let mut env = Env::new();
    env.path = client_path(client);
    let dir = env.h(".paas");
    std::fs::create_dir_all(&dir).unwrap();
    let cfg = json!({
        "url": sandbox.url(),
        "token": agent.token,
        "profile": "observer",
        "name": "setup-e2e",
        "agentId": agent.id,
    });
    std::fs::write(dir.join("config.json"), cfg.to_string()).unwrap();
    (sandbox, env)
}

async fn run(env: &Env, program: &Path, args: &[&str]) -> std::process::Output {
    let mut cmd = tokio::process::Command::from(env.command(&program.to_string_lossy()));
    cmd.args(args)
        .env("PAAS_TOKEN_STORE", "file")
        .stdin(Stdio::null())
        .kill_on_drop(true);
    tokio::time::timeout(HANG_GUARD, cmd.output())
        .await
        .unwrap_or_else(|_| panic!("{} {args:?} hung", program.display()))
        .expect("run client")
}

fn no_token_in(path: &Path, token: &str) {
    let text = std::fs::read_to_string(path).unwrap();
    assert!(!token.is_empty());
    assert!(
        !text.contains(token),
        "token leaked into {}",
        path.display()
    );
}

/// The agent token stored in the temp HOME.
fn agent_token(env: &Env) -> String {
    let cfg: Value =
        serde_json::from_str(&std::fs::read_to_string(env.h(".paas/config.json")).unwrap())
            .unwrap();
    cfg["token"].as_str().unwrap().to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn claude_code_connects_to_the_server_setup_wrote() {
    let Some(claude) = find_client("PAAS_TEST_CLAUDE", "claude") else {
        return skip("claude_code_connects_to_the_server_setup_wrote", "claude");
    };
    let (sandbox, env) = connected_env(&claude).await;
    // A recording proxy in front of the sandbox, and the config in the temp HOME pointing at
    // it: so we see `paas mcp`, started by Claude Code, use exactly those credentials.
    let proxy = crate::support::proxy::Proxy::start(&sandbox.url()).await;
    let cfg_path = env.h(".paas/config.json");
    let mut cfg: Value =
        serde_json::from_str(&std::fs::read_to_string(&cfg_path).unwrap()).unwrap();
    cfg["url"] = json!(proxy.url());
    std::fs::write(&cfg_path, cfg.to_string()).unwrap();
    let token = agent_token(&env);

    assert_ok(&env.paas(&["setup", "--client", "claude-code"]));
    no_token_in(&env.h(".claude.json"), &token);

    let out = run(&env, &claude, &["mcp", "get", "better-paas"]).await;
    let text = stdout(&out);
    assert!(out.status.success(), "{text}\n{}", stderr(&out));
    assert!(
        text.contains("User config"),
        "not read from user scope:\n{text}"
    );
    assert!(
        text.contains("Connected"),
        "server not connected:\n{text}\n{}",
        stderr(&out)
    );
    assert!(!text.contains("Failed"), "{text}");
    let seen = proxy.seen();
    assert!(
        seen.user_agents
            .iter()
            .any(|ua| ua.starts_with("paas-mcp/")),
        "paas mcp started by Claude Code never reached the PaaS of ~/.paas/config.json: {seen:?}"
    );

    // Project scope: `.mcp.json` in the project, seen by Claude Code run there.
    assert_ok(&env.paas(&[
        "setup",
        "--project",
        "--client",
        "claude-code",
        "--name",
        "paas-project",
    ]));
    no_token_in(&env.p(".mcp.json"), &token);
    let out = run(&env, &claude, &["mcp", "get", "paas-project"]).await;
    let text = stdout(&out);
    assert!(out.status.success(), "{text}\n{}", stderr(&out));
    assert!(text.to_lowercase().contains("project"), "{text}");

    // And --remove takes it away again: Claude Code no longer knows the server.
    assert_ok(&env.paas(&["setup", "--remove", "--client", "claude-code"]));
    let out = run(&env, &claude, &["mcp", "get", "better-paas"]).await;
    assert!(
        !out.status.success() || !stdout(&out).contains("Connected"),
        "still configured:\n{}",
        stdout(&out)
    );
    sandbox.shutdown().await;
}

/// A line-delimited JSON-RPC session with `codex app-server`.
struct AppServer {
    child: tokio::process::Child,
    stdin: tokio::process::ChildStdin,
    lines: tokio::io::Lines<BufReader<tokio::process::ChildStdout>>,
    next_id: u64,
}

impl AppServer {
    async fn start(env: &Env, codex: &Path) -> AppServer {
        let mut cmd = tokio::process::Command::from(env.command(&codex.to_string_lossy()));
        cmd.arg("app-server");
        AppServer::start_with(cmd).await
    }

    /// Start from a prepared `codex app-server` command (extra environment set by the test).
    async fn start_with(mut cmd: tokio::process::Command) -> AppServer {
        cmd.env("PAAS_TOKEN_STORE", "file")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .kill_on_drop(true);
        let mut child = cmd.spawn().expect("spawn codex app-server");
        let stdin = child.stdin.take().unwrap();
        let lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let mut server = AppServer {
            child,
            stdin,
            lines,
            next_id: 1,
        };
        let init = server
            .request(
                "initialize",
                json!({"clientInfo": {"name": "paas-setup-test", "version": "0"}}),
            )
            .await;
        assert!(init.get("result").is_some(), "initialize failed: {init}");
        server.notify("initialized").await;
        server
    }

    async fn notify(&mut self, method: &str) {
        let line = json!({"jsonrpc": "2.0", "method": method}).to_string() + "\n";
        self.stdin.write_all(line.as_bytes()).await.unwrap();
    }

    /// Send a request and return its response (notifications in between are skipped).
    async fn request(&mut self, method: &str, params: Value) -> Value {
        let id = self.next_id;
        self.next_id += 1;
        let line = json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params})
            .to_string()
            + "\n";
        self.stdin.write_all(line.as_bytes()).await.unwrap();
        let wait = async {
            while let Some(line) = self.lines.next_line().await.unwrap() {
                let Ok(msg) = serde_json::from_str::<Value>(&line) else {
                    continue;
                };
                if msg.get("id") == Some(&json!(id)) && msg.get("method").is_none() {
                    return msg;
                }
            }
            panic!("codex app-server closed its output before answering {method}");
        };
        tokio::time::timeout(HANG_GUARD, wait)
            .await
            .unwrap_or_else(|_| panic!("codex app-server did not answer {method}"))
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn codex_lists_and_calls_our_tools_through_app_server() {
    let Some(codex) = find_client("PAAS_TEST_CODEX", "codex") else {
        return skip(
            "codex_lists_and_calls_our_tools_through_app_server",
            "codex",
        );
    };
    let (sandbox, env) = connected_env(&codex).await;
    assert_ok(&env.paas(&["setup", "--client", "codex"]));
    no_token_in(&env.h(".codex/config.toml"), &agent_token(&env));

    // `codex mcp get` reads the entry as Codex understands it.
    let out = run(&env, &codex, &["mcp", "get", "better-paas", "--json"]).await;
    assert!(out.status.success(), "{}\n{}", stdout(&out), stderr(&out));
    let got: Value = serde_json::from_str(&stdout(&out)).expect("codex mcp get --json");
    let paas = std::fs::canonicalize(crate::setup::BIN).unwrap();
    assert_eq!(
        got["transport"]["command"],
        paas.to_string_lossy().as_ref(),
        "{got}"
    );
    assert_eq!(got["transport"]["args"], json!(["mcp"]), "{got}");

    let mut app = AppServer::start(&env, &codex).await;
    let status = app
        .request("mcpServerStatus/list", json!({"serverName": "better-paas"}))
        .await;
    let servers = status["result"]["data"].as_array().expect("status data");
    let ours = servers
        .iter()
        .find(|s| s["name"] == "better-paas")
        .unwrap_or_else(|| panic!("better-paas not listed: {status}"));
    assert!(
        ours["toolsError"].is_null(),
        "server failed in Codex: {ours}"
    );
    let tools = ours["tools"].as_object().expect("tools map");
    let names: Vec<String> = tools
        .iter()
        .map(|(k, v)| v["name"].as_str().unwrap_or(k).to_owned())
        .collect();
    assert!(
        names.iter().any(|n| n.ends_with("list_apps")),
        "list_apps missing: {names:?} in {ours}"
    );
    assert!(
        !names
            .iter()
            .any(|n| n.ends_with("delete_app") || n == "deploy"),
        "an apps:read + logs:read agent must not see write tools: {names:?}"
    );

    // Calling a tool needs a thread; starting one needs no model call.
    let thread = app.request("thread/start", json!({})).await;
    if let Some(thread_id) = thread["result"]["thread"]["id"].as_str() {
        let call = app
            .request(
                "mcpServer/tool/call",
                json!({"server": "better-paas", "threadId": thread_id, "tool": "list_apps", "arguments": {}}),
            )
            .await;
        let text = call.to_string();
        assert!(call.get("error").is_none(), "tool call failed: {call}");
        assert!(
            call["result"]["isError"] != json!(true),
            "tool error: {call}"
        );
        assert!(
            text.contains(APP),
            "list_apps through Codex does not show the sandbox app {APP}: {text}"
        );
    } else {
        eprintln!(
            "\n*** codex thread/start did not return a thread (needs a login?): {thread}; \
             tool call through app-server not exercised ***\n"
        );
    }
    let _ = app.child.kill().await;
    sandbox.shutdown().await;
}

/// The app the tests look for through the clients.
const APP: &str = "setup-e2e-app";

/// Deploy [`APP`] with the admin token, so the agent has something to list.
async fn deploy_app(sandbox: &Sandbox) {
    let res = reqwest::Client::new()
        .post(format!("{}/api/deploy", sandbox.url()))
        .bearer_auth(sandbox.admin_token())
        .json(&json!({"name": APP, "gitRepo": "https://example.com/demo.git"}))
        .send()
        .await
        .unwrap();
    assert!(
        res.status().is_success(),
        "deploy: {}",
        res.text().await.unwrap_or_default()
    );
}

/// The bearer `paas mcp --http` requires; the clients read it from the environment.
const HTTP_BEARER: &str = "setup-http-bearer-0123456789";

/// `paas mcp --http 127.0.0.1:0` with the temp HOME's credentials; returns the child and
/// the URL it printed.
async fn start_http_server(env: &Env) -> (tokio::process::Child, String) {
    let mut cmd = tokio::process::Command::from(env.command(crate::setup::BIN));
    cmd.args(["mcp", "--http", "127.0.0.1:0"])
        .env("PAAS_TOKEN_STORE", "file")
        .env("PAAS_MCP_HTTP_TOKEN", HTTP_BEARER)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    let mut child = cmd.spawn().expect("spawn paas mcp --http");
    let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
    let find = async {
        while let Some(line) = lines.next_line().await.unwrap() {
            if let Some(rest) = line.split("Streamable HTTP on ").nth(1) {
                return rest.split_whitespace().next().unwrap().to_owned();
            }
        }
        panic!("paas mcp --http exited without printing its URL");
    };
    let url = tokio::time::timeout(HANG_GUARD, find)
        .await
        .expect("paas mcp --http did not start");
    // Keep draining stderr so the server never blocks on a full pipe.
    tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
    (child, url)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn http_entries_work_in_codex_and_claude_code_with_the_token_from_the_environment() {
    let (Some(codex), Some(claude)) = (
        find_client("PAAS_TEST_CODEX", "codex"),
        find_client("PAAS_TEST_CLAUDE", "claude"),
    ) else {
        return skip(
            "http_entries_work_in_codex_and_claude_code_with_the_token_from_the_environment",
            "codex and claude",
        );
    };
    let (sandbox, mut env) = connected_env(&codex).await;
    env.path = {
        let mut dirs: Vec<PathBuf> = std::env::split_paths(&client_path(&claude)).collect();
        dirs.extend(std::env::split_paths(&env.path));
        std::env::join_paths(dirs).unwrap()
    };
    let (mut server, url) = start_http_server(&env).await;
    assert_ok(&env.paas(&["setup", "--http", &url, "--client", "codex,claude-code"]));
    for f in [env.h(".codex/config.toml"), env.h(".claude.json")] {
        no_token_in(&f, HTTP_BEARER);
        no_token_in(&f, &agent_token(&env));
    }

    // Without the variable Codex cannot authenticate: the entry really depends on it.
    let mut app = AppServer::start(&env, &codex).await;
    let status = app
        .request("mcpServerStatus/list", json!({"serverName": "better-paas"}))
        .await;
    let ours = status["result"]["data"]
        .as_array()
        .and_then(|d| d.iter().find(|s| s["name"] == "better-paas").cloned())
        .unwrap_or_else(|| panic!("better-paas not listed: {status}"));
    assert!(
        ours["tools"].as_object().is_none_or(|t| t.is_empty()),
        "tools listed without the bearer: {ours}"
    );
    let _ = app.child.kill().await;

    // With it, Codex lists our tools over Streamable HTTP.
    let mut app = {
        let mut cmd = tokio::process::Command::from(env.command(&codex.to_string_lossy()));
        cmd.arg("app-server")
            .env("PAAS_MCP_HTTP_TOKEN", HTTP_BEARER);
        AppServer::start_with(cmd).await
    };
    let status = app
        .request("mcpServerStatus/list", json!({"serverName": "better-paas"}))
        .await;
    let ours = status["result"]["data"]
        .as_array()
        .and_then(|d| d.iter().find(|s| s["name"] == "better-paas").cloned())
        .unwrap_or_else(|| panic!("better-paas not listed: {status}"));
    assert!(
        ours["toolsError"].is_null(),
        "HTTP server failed in Codex: {ours}"
    );
    let tools = ours["tools"].as_object().expect("tools");
    assert!(
        tools
            .iter()
            .any(|(k, v)| v["name"].as_str().unwrap_or(k).ends_with("list_apps")),
        "list_apps missing over HTTP: {ours}"
    );
    let _ = app.child.kill().await;

    // Claude Code expands ${PAAS_MCP_HTTP_TOKEN} in the header and connects.
    let mut cmd = tokio::process::Command::from(env.command(&claude.to_string_lossy()));
    cmd.args(["mcp", "get", "better-paas"])
        .env("PAAS_MCP_HTTP_TOKEN", HTTP_BEARER)
        .stdin(Stdio::null())
        .kill_on_drop(true);
    let out = tokio::time::timeout(HANG_GUARD, cmd.output())
        .await
        .expect("claude mcp get hung")
        .expect("run claude");
    let text = stdout(&out);
    assert!(text.contains("Connected"), "{text}\n{}", stderr(&out));
    let _ = server.kill().await;
    sandbox.shutdown().await;
}
