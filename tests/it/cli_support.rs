//! Helpers for the CLI tests: a temporary HOME, the `paas` binary run as a process with a
//! clean environment, and a sandbox on 127.0.0.1:0.

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::PathBuf;
use std::process::Stdio;
use std::time::Duration;

use paas_sandbox::{Sandbox, SandboxOptions};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::process::{Child, ChildStdout, Command};

/// Upper bound so a broken test fails instead of hanging CI (not a timing assertion).
pub const HANG_GUARD: Duration = Duration::from_secs(90);

pub async fn sandbox() -> Sandbox {
    Sandbox::start(SandboxOptions {
        seed: true,
        ..SandboxOptions::default()
    })
    .await
    .expect("sandbox starts")
}

/// A temporary HOME the binary runs in.
pub struct Home {
    pub dir: tempfile::TempDir,
}

/// A finished run.
#[derive(Debug)]
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.stdout).unwrap_or_else(|e| {
            panic!(
                "stdout is not JSON ({e}):\n{}\nstderr:\n{}",
                self.stdout, self.stderr
            )
        })
    }
}

impl Home {
    pub fn new() -> Home {
        Home {
            dir: tempfile::tempdir().expect("temp dir"),
        }
    }

    pub fn path(&self) -> PathBuf {
        self.dir.path().to_path_buf()
    }

    pub fn config_file(&self) -> PathBuf {
        self.dir.path().join(".paas").join("config.json")
    }

    pub fn config_text(&self) -> Option<String> {
        std::fs::read_to_string(self.config_file()).ok()
    }

    /// The binary with HOME here, the token store forced to the file, no inherited
    /// credentials, and no browser.
    pub fn cmd(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_paas"));
        cmd.args(args)
            .env("HOME", self.dir.path())
            .env("USERPROFILE", self.dir.path())
            .env("PAAS_TOKEN_STORE", "file")
            .env("PAAS_BROWSER", "none")
            .env_remove("PAAS_API_URL")
            .env_remove("PAAS_TOKEN")
            .env_remove("PAAS_CONTEXT")
            .env_remove("PAAS_ADMIN_TOKEN")
            .env_remove("PAAS_UI_URL")
            .env_remove("PAAS_CONNECT_TIMEOUT")
            .env_remove("PAAS_LOG")
            .env_remove("SHELL")
            .kill_on_drop(true);
        cmd
    }

    /// Run to completion with `stdin` as input.
    pub async fn run(&self, args: &[&str], stdin: &str) -> Run {
        run_cmd(self.cmd(args), stdin).await
    }
}

pub async fn run_cmd(mut cmd: Command, stdin: &str) -> Run {
    cmd.stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().expect("paas starts");
    if let Some(mut input) = child.stdin.take() {
        input
            .write_all(stdin.as_bytes())
            .await
            .expect("write stdin");
        drop(input);
    }
    let output = tokio::time::timeout(HANG_GUARD, child.wait_with_output())
        .await
        .expect("paas finished before the hang guard")
        .expect("paas output");
    Run {
        code: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

/// A `paas connect` still running: its stdout is read line by line.
pub struct Connecting {
    pub child: Child,
    pub lines: tokio::io::Lines<BufReader<ChildStdout>>,
    pub seen: Vec<String>,
}

impl Connecting {
    pub fn start(home: &Home, args: &[&str]) -> Connecting {
        let mut cmd = home.cmd(args);
        cmd.stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = cmd.spawn().expect("paas connect starts");
        let stdout = child.stdout.take().expect("stdout piped");
        Connecting {
            child,
            lines: BufReader::new(stdout).lines(),
            seen: Vec::new(),
        }
    }

    /// Read stdout until the dashboard link appears; returns (link, state, port).
    pub async fn link(&mut self) -> (String, String, u16) {
        let found = tokio::time::timeout(HANG_GUARD, async {
            while let Some(line) = self.lines.next_line().await.expect("read stdout") {
                self.seen.push(line.clone());
                if let Some(pos) = line.find("http")
                    && line.contains("/connect/agent?state=")
                {
                    return Some(line[pos..].trim().to_owned());
                }
            }
            None
        })
        .await
        .expect("link printed before the hang guard");
        let link = found.unwrap_or_else(|| panic!("no link in stdout: {:?}", self.seen));
        let parsed = url::Url::parse(&link).expect("link is a URL");
        let get = |k: &str| {
            parsed
                .query_pairs()
                .find(|(key, _)| key == k)
                .map(|(_, v)| v.into_owned())
                .unwrap_or_else(|| panic!("{k} in {link}"))
        };
        let state = get("state");
        let port = get("port").parse().expect("port is a number");
        (link, state, port)
    }

    pub async fn paste(&mut self, text: &str) {
        let stdin = self.child.stdin.as_mut().expect("stdin piped");
        stdin.write_all(text.as_bytes()).await.expect("paste");
        stdin.flush().await.expect("flush");
    }

    /// Wait for the process; returns the rest of stdout and stderr.
    pub async fn finish(mut self) -> Run {
        drop(self.child.stdin.take());
        let mut rest = self.seen.join("\n");
        let read_rest = async {
            while let Ok(Some(line)) = self.lines.next_line().await {
                rest.push('\n');
                rest.push_str(&line);
            }
        };
        tokio::time::timeout(HANG_GUARD, read_rest)
            .await
            .expect("stdout closed before the hang guard");
        let output = tokio::time::timeout(HANG_GUARD, self.child.wait_with_output())
            .await
            .expect("connect finished before the hang guard")
            .expect("connect output");
        Run {
            code: output.status.code().unwrap_or(-1),
            stdout: rest,
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        }
    }
}

/// Play the dashboard: approve with the admin token, as the page's Authorize button does.
pub async fn approve(
    sandbox: &Sandbox,
    state: &str,
    port: u16,
    profile: &str,
    name: &str,
) -> serde_json::Value {
    let response = reqwest::Client::new()
        .post(format!("{}/api/connect/agent/approve", sandbox.url()))
        .bearer_auth(sandbox.admin_token())
        .json(
            &serde_json::json!({ "state": state, "port": port, "profile": profile, "name": name }),
        )
        .send()
        .await
        .expect("approve request");
    assert_eq!(
        response.status(),
        200,
        "approve answered {}",
        response.status()
    );
    response.json().await.expect("approve JSON")
}

/// Admin GET, for checking server-side effects.
pub async fn admin_get(sandbox: &Sandbox, path: &str) -> serde_json::Value {
    // The sandbox enforces upstream's 20 requests/s per IP, shared with the `paas` process the
    // test just ran; a check right after a connect can land in that window, so honour one
    // `Retry-After` like a well-behaved client instead of reading the 429 body as an answer.
    let client = reqwest::Client::new();
    for _ in 0..3 {
        let response = client
            .get(format!("{}{path}", sandbox.url()))
            .bearer_auth(sandbox.admin_token())
            .send()
            .await
            .expect("admin request");
        if response.status() == reqwest::StatusCode::TOO_MANY_REQUESTS {
            let wait = response
                .headers()
                .get(reqwest::header::RETRY_AFTER)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.parse::<u64>().ok())
                .unwrap_or(1);
            tokio::time::sleep(std::time::Duration::from_secs(wait.min(5))).await;
            continue;
        }
        assert!(
            response.status().is_success(),
            "GET {path}: {}",
            response.status()
        );
        return response.json().await.expect("admin JSON");
    }
    panic!("GET {path} was still rate limited after three tries");
}

/// Names of the agents that exist on the sandbox.
pub async fn agent_names(sandbox: &Sandbox) -> Vec<String> {
    admin_get(sandbox, "/api/agents")
        .await
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|x| x.get("name").and_then(|n| n.as_str()).map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

/// A port on 127.0.0.1 where nothing listens (bound, then released).
pub fn closed_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    listener.local_addr().expect("addr").port()
}

/// A test that needs something from outside (Chromium, a keychain, a D-Bus session) and
/// cannot run here: say so loudly, or fail when CI demands it (`PAAS_REQUIRE_EXTERNAL=1`).
pub fn skip_or_fail(test: &str, why: &str) {
    let message = format!("SKIPPED {test}: {why}");
    if std::env::var("PAAS_REQUIRE_EXTERNAL").is_ok_and(|v| v == "1") {
        panic!("{message} (PAAS_REQUIRE_EXTERNAL=1: this must run in CI)");
    }
    eprintln!(
        "\n!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!\n{message}\n!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!\n"
    );
}
