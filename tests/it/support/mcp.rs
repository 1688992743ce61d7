//! Drive `paas mcp` as a child process with rmcp's client, against a sandbox started in
//! the test on 127.0.0.1:0. Credentials go through the environment (`PAAS_API_URL`,
//! `PAAS_TOKEN`) and HOME is a temp dir, so nothing of the developer's machine is used.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::BTreeSet;
use std::path::Path;
use std::process::Stdio;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use paas_mcp::catalog::{self, Grant, Scope};
use paas_sandbox::{Sandbox, SandboxOptions};
use rmcp::model::{
    CallToolRequestParams, CallToolResult, ClientCapabilities, ClientConfig, Implementation,
    ProtocolVersion, Tool,
};
use rmcp::service::{
    ClientLifecycleMode, ClientServiceExt, NotificationContext, RoleClient, RunningService,
};
use rmcp::transport::TokioChildProcess;
use rmcp::{ClientHandler, ServiceExt};
use serde_json::{Value, json};
use tokio::sync::Notify;

pub const PAAS: &str = env!("CARGO_BIN_EXE_paas");

/// A started sandbox with demo data and a temp HOME.
pub struct World {
    pub sandbox: Sandbox,
    pub home: tempfile::TempDir,
}

impl World {
    pub async fn start() -> World {
        let sandbox = Sandbox::start(SandboxOptions {
            seed: true,
            fault_route: true,
            ..Default::default()
        })
        .await
        .expect("sandbox starts");
        World {
            sandbox,
            home: tempfile::tempdir().expect("temp HOME"),
        }
    }

    /// A fresh agent with exactly these scopes; returns (id, token).
    pub async fn agent(&self, name: &str, scopes: &[Scope]) -> (String, String) {
        let scopes: Vec<&str> = scopes.iter().map(|s| s.as_str()).collect();
        let agent = self
            .sandbox
            .create_agent(name, &scopes)
            .await
            .expect("agent created");
        (agent.id, agent.token)
    }

    /// `paas mcp <args>` with this world's URL and `token`.
    pub fn command(&self, token: Option<&str>, args: &[&str]) -> tokio::process::Command {
        command(self.home.path(), Some(&self.sandbox.url()), token, args)
    }

    /// Admin GET on the sandbox (e.g. `/api/audit-logs?limit=500`).
    pub async fn admin_get(&self, path: &str) -> Value {
        reqwest::Client::new()
            .get(format!("{}{path}", self.sandbox.url()))
            .bearer_auth(self.sandbox.admin_token())
            .send()
            .await
            .expect("admin GET")
            .json()
            .await
            .expect("admin GET json")
    }

    /// Admin POST on the sandbox.
    pub async fn admin_post(&self, path: &str, body: Value) -> Value {
        reqwest::Client::new()
            .post(format!("{}{path}", self.sandbox.url()))
            .bearer_auth(self.sandbox.admin_token())
            .json(&body)
            .send()
            .await
            .expect("admin POST")
            .json()
            .await
            .expect("admin POST json")
    }

    /// Audit entries whose actor is `agent_id`.
    pub async fn audit_of(&self, agent_id: &str) -> Vec<Value> {
        let logs = self.admin_get("/api/audit-logs?limit=500").await;
        logs.as_array()
            .cloned()
            .unwrap_or_default()
            .into_iter()
            .filter(|e| e["actorId"] == agent_id)
            .collect()
    }
}

/// Send `signal` (`INT`, `TERM`) to `pid` with the shell's builtin `kill`: no procps needed
/// on the machine.
#[cfg(unix)]
pub fn send_signal(signal: &str, pid: u32) {
    let sent = std::process::Command::new("sh")
        .args(["-c", &format!("kill -{signal} {pid}")])
        .status()
        .unwrap();
    assert!(sent.success(), "kill -{signal} {pid}");
}

/// A `paas mcp` command with a clean environment: temp HOME, optional URL and token.
pub fn command(
    home: &Path,
    url: Option<&str>,
    token: Option<&str>,
    args: &[&str],
) -> tokio::process::Command {
    let mut cmd = tokio::process::Command::new(PAAS);
    cmd.arg("mcp")
        .args(args)
        .env_clear()
        .env("HOME", home)
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("PAAS_LOG", "warn")
        .kill_on_drop(true);
    if let Some(url) = url {
        cmd.env("PAAS_API_URL", url);
    }
    if let Some(token) = token {
        cmd.env("PAAS_TOKEN", token);
    }
    cmd
}

/// Client handler that counts `tools/list_changed` and lets a test wait for one.
#[derive(Clone)]
pub struct Watcher {
    pub info: ClientConfig,
    pub list_changed: Arc<AtomicUsize>,
    pub changed: Arc<Notify>,
}

impl Watcher {
    pub fn new(version: ProtocolVersion) -> Self {
        Watcher {
            info: ClientConfig::new(
                ClientCapabilities::default(),
                Implementation::new("it-client", "9.8.7"),
            )
            .with_protocol_version(version),
            list_changed: Arc::new(AtomicUsize::new(0)),
            changed: Arc::new(Notify::new()),
        }
    }

    /// Wait (bounded) until at least `n` `tools/list_changed` arrived.
    pub async fn wait_for(&self, n: usize, within: Duration) -> bool {
        let deadline = tokio::time::Instant::now() + within;
        loop {
            if self.list_changed.load(Ordering::SeqCst) >= n {
                return true;
            }
            if tokio::time::timeout_at(deadline, self.changed.notified())
                .await
                .is_err()
            {
                return self.list_changed.load(Ordering::SeqCst) >= n;
            }
        }
    }
}

impl ClientHandler for Watcher {
    fn get_info(&self) -> ClientConfig {
        self.info.clone()
    }

    async fn on_tool_list_changed(&self, _context: NotificationContext<RoleClient>) {
        self.list_changed.fetch_add(1, Ordering::SeqCst);
        self.changed.notify_waiters();
    }
}

pub type Client = RunningService<RoleClient, Watcher>;

/// Spawn `cmd` and complete the MCP handshake over stdio (protocol 2025-11-25).
pub async fn connect(cmd: tokio::process::Command) -> Client {
    connect_with(cmd, ProtocolVersion::V_2025_11_25).await
}

pub async fn connect_with(cmd: tokio::process::Command, version: ProtocolVersion) -> Client {
    let (transport, _stderr) = TokioChildProcess::builder(cmd)
        .stderr(Stdio::inherit())
        .spawn()
        .expect("spawn paas mcp");
    let watcher = Watcher::new(version.clone());
    let handshake = async move {
        if version.has_initialize() {
            watcher.serve(transport).await
        } else {
            // 2026-07-28 has no `initialize`: `server/discover` plus per-request metadata.
            watcher
                .serve_with_lifecycle(
                    transport,
                    ClientLifecycleMode::Discover {
                        preferred_versions: vec![version],
                    },
                )
                .await
        }
    };
    tokio::time::timeout(Duration::from_secs(30), handshake)
        .await
        .expect("handshake within 30 s")
        .expect("handshake succeeds")
}

pub async fn tool_names(client: &Client) -> BTreeSet<String> {
    client
        .list_all_tools()
        .await
        .expect("tools/list")
        .into_iter()
        .map(|t| t.name.to_string())
        .collect()
}

pub async fn tools(client: &Client) -> Vec<Tool> {
    client.list_all_tools().await.expect("tools/list")
}

pub async fn call(client: &Client, name: &str, args: Value) -> CallToolResult {
    let mut params = CallToolRequestParams::new(name.to_owned());
    params.arguments = args.as_object().cloned();
    client
        .call_tool(params)
        .await
        .unwrap_or_else(|e| panic!("tools/call {name} failed at protocol level: {e}"))
}

/// All text blocks of a result, joined.
pub fn text(result: &CallToolResult) -> String {
    result
        .content
        .iter()
        .filter_map(|c| c.as_text().map(|t| t.text.clone()))
        .collect::<Vec<_>>()
        .join("\n")
}

pub fn is_error(result: &CallToolResult) -> bool {
    result.is_error == Some(true)
}

/// The catalogue tools a grant should see (the test's own statement of the rule).
pub fn expected_tools(grant: &Grant) -> BTreeSet<String> {
    catalog::all()
        .iter()
        .filter(|t| t.guard.allows(grant))
        .map(|t| t.name.to_owned())
        .collect()
}

/// Plausible arguments for `tool` from the seeded sandbox data: every required property
/// gets a value chosen by its name and type. Good enough to reach the PaaS for every tool.
pub fn arguments_for(tool: &Tool, seed: &Seed) -> Value {
    let schema = &tool.input_schema;
    let required: Vec<String> = schema
        .get("required")
        .and_then(Value::as_array)
        .map(|r| {
            r.iter()
                .filter_map(|v| v.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default();
    let props = schema
        .get("properties")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    let mut args = serde_json::Map::new();
    for name in required {
        let prop = props.get(&name).cloned().unwrap_or(json!({}));
        args.insert(name.clone(), value_for(&name, &prop, seed));
    }
    Value::Object(args)
}

/// Names of seeded things to point tools at.
#[derive(Clone, Debug)]
pub struct Seed {
    /// An app id.
    pub app: String,
    pub project: String,
    pub addon: String,
}

impl Seed {
    /// The first seeded app, project and add-on; an app is deployed when the sandbox has
    /// none, so every app tool has a real target.
    pub async fn read(world: &World) -> Seed {
        let first = |v: Value, key: &str| {
            v.as_array()
                .and_then(|a| a.first())
                .and_then(|x| x.get(key))
                .and_then(Value::as_str)
                .map(str::to_owned)
        };
        // Ids, not names: a token with apps:write but not apps:read cannot list apps to
        // resolve a name, but can act on an id.
        let app = match first(world.admin_get("/api/apps").await, "id") {
            Some(app) => app,
            None => {
                let deployed = world
                    .admin_post(
                        "/api/deploy",
                        json!({ "name": "it-app", "gitRepo": "https://github.com/example/hello" }),
                    )
                    .await;
                deployed["id"].as_str().expect("deployed app id").to_owned()
            }
        };
        Seed {
            app,
            project: first(world.admin_get("/api/projects").await, "name")
                .unwrap_or_else(|| "no-project".to_owned()),
            addon: first(world.admin_get("/api/addons").await, "name")
                .unwrap_or_else(|| "no-addon".to_owned()),
        }
    }
}

/// Did the call get past local validation and name resolution, i.e. reach the route the
/// tool is guarded by? (A refusal would then have been a 403.)
pub fn reached_route(result: &CallToolResult) -> bool {
    let t = text(result);
    !(t.starts_with("Invalid arguments") || t.contains("not found. "))
}

fn value_for(name: &str, prop: &Value, seed: &Seed) -> Value {
    let lname = name.to_ascii_lowercase();
    if let Some(first) = prop
        .get("enum")
        .and_then(Value::as_array)
        .and_then(|e| e.first())
    {
        return first.clone();
    }
    let ty = prop
        .get("type")
        .and_then(|t| {
            t.as_str()
                .map(str::to_owned)
                .or_else(|| t.get(0).and_then(Value::as_str).map(str::to_owned))
        })
        .unwrap_or_else(|| "string".to_owned());
    match ty.as_str() {
        "integer" | "number" => json!(1),
        "boolean" => json!(false),
        "array" => json!([]),
        "object" => json!({}),
        _ => {
            let v = if lname.contains("project") {
                seed.project.clone()
            } else if lname.contains("addon") || lname.contains("database") {
                seed.addon.clone()
            } else if lname == "app" || lname.contains("app") {
                seed.app.clone()
            } else if lname.contains("repo") {
                "https://github.com/example/hello".to_owned()
            } else if lname.contains("image") {
                "nginx:alpine".to_owned()
            } else if lname.contains("schedule") {
                "*/5 * * * *".to_owned()
            } else if lname.contains("query") || lname.contains("sql") {
                "SELECT 1".to_owned()
            } else if lname.contains("domain") {
                "it.example.com".to_owned()
            } else if lname.contains("name") {
                "it-made".to_owned()
            } else {
                "x".to_owned()
            };
            json!(v)
        }
    }
}

/// Does this tool result say the PaaS refused the call for lack of scope?
pub fn is_scope_refusal(result: &CallToolResult) -> bool {
    let t = text(result);
    t.contains("missing scope") || t.contains("admin token required") || t.contains("HTTP 403")
}
