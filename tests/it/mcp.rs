//! `paas mcp` end to end: the binary as a child process, rmcp's client over stdio, a
//! sandbox PaaS on 127.0.0.1:0. See `mcp_http.rs` for Streamable HTTP.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::BTreeSet;
use std::time::Duration;

use paas_mcp::catalog::{self, Access, Grant, Profile, Scope};
use paas_sandbox::{Fault, FaultKind};
use rmcp::model::ProtocolVersion;
use serde_json::{Value, json};

use crate::support::mcp::{
    Seed, World, arguments_for, call, command, connect, connect_with, expected_tools, is_error,
    is_scope_refusal, reached_route, text, tool_names, tools,
};
use crate::support::proxy::Proxy;

/// Who the server is started as, in the scope table.
#[derive(Clone, Debug)]
enum As {
    Agent(&'static [Scope]),
    Admin { allow: bool },
}

/// Start a world, start `paas mcp` as `who`, check the listed tools are exactly those whose
/// guards the identity satisfies, then call every listed tool and check none is refused.
async fn check_case(label: &'static str, who: As) {
    let world = World::start().await;
    let seed = Seed::read(&world).await;
    let (token, grant, extra): (String, Grant, Vec<&str>) = match &who {
        As::Agent(scopes) => {
            let (_, token) = world.agent(&format!("it-{label}"), scopes).await;
            (token, Grant::agent(scopes.iter().copied()), vec![])
        }
        As::Admin { allow: true } => (
            world.sandbox.admin_token().to_owned(),
            Grant::admin(),
            vec!["--allow-admin-token"],
        ),
        As::Admin { allow: false } => (
            world.sandbox.admin_token().to_owned(),
            Grant::default(),
            vec![],
        ),
    };
    let client = connect(world.command(Some(&token), &extra)).await;
    let listed = tool_names(&client).await;
    let expected: BTreeSet<String> = match who {
        As::Admin { allow: false } => ["paas_status".to_owned()].into(),
        _ => expected_tools(&grant),
    };
    assert_eq!(
        listed, expected,
        "{label}: listed tools differ from the guards' verdict"
    );

    // Call every listed tool: reads first, destructive last, so seeded data survives longest.
    let mut defs: Vec<_> = tools(&client).await;
    defs.sort_by_key(|t| {
        catalog::find(&t.name)
            .map(|d| d.access)
            .unwrap_or(Access::Read)
    });
    let mut reached = 0;
    for tool in &defs {
        let args = arguments_for(tool, &seed);
        let result = call(&client, &tool.name, args.clone()).await;
        assert!(
            !is_scope_refusal(&result),
            "{label}: {} was listed but refused: {}",
            tool.name,
            text(&result)
        );
        if reached_route(&result) {
            reached += 1;
        } else {
            eprintln!(
                "{label}: {} {args} did not reach its route: {}",
                tool.name,
                text(&result)
            );
        }
    }
    assert!(
        reached * 2 >= defs.len(),
        "{label}: only {reached} of {} tools got past argument validation",
        defs.len()
    );
    client.cancel().await.ok();
    world.sandbox.shutdown().await;
}

macro_rules! scope_case {
    ($name:ident, $who:expr) => {
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn $name() {
            check_case(stringify!($name), $who).await;
        }
    };
}

scope_case!(tools_for_observer, As::Agent(Profile::Observer.scopes()));
scope_case!(tools_for_deployer, As::Agent(Profile::Deployer.scopes()));
scope_case!(tools_for_operator, As::Agent(Profile::Operator.scopes()));
scope_case!(tools_for_only_logs_read, As::Agent(&[Scope::LogsRead]));
scope_case!(
    tools_for_deploy_trigger_without_apps_write,
    As::Agent(&[Scope::DeployTrigger])
);
scope_case!(
    tools_for_apps_write_without_apps_read,
    As::Agent(&[Scope::AppsWrite])
);
scope_case!(tools_for_no_scopes, As::Agent(&[]));
scope_case!(tools_for_all_thirteen_scopes, As::Agent(&Scope::ALL));
scope_case!(tools_for_admin_allowed, As::Admin { allow: true });
scope_case!(tools_for_admin_refused, As::Admin { allow: false });

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn admin_token_is_refused_with_the_guides_advice() {
    let world = World::start().await;
    let client = connect(world.command(Some(world.sandbox.admin_token()), &[])).await;
    let status = call(&client, "paas_status", json!({})).await;
    let t = text(&status);
    assert!(t.contains("Create scoped agents"), "status: {t}");
    assert!(t.contains("--allow-admin-token"), "status: {t}");
    // The structured status agrees with the text: the PaaS answered, the token is the admin
    // token, it is refused, and that (not a lost connection) is why every tool is hidden.
    let s = status.structured_content.clone().unwrap();
    assert_eq!(
        (&s["connected"], &s["adminToken"], &s["adminRefused"]),
        (&json!(true), &json!(true), &json!(true)),
        "{s}"
    );
    let hidden = s["toolsHidden"].as_array().unwrap();
    assert!(!hidden.is_empty());
    assert!(
        hidden.iter().all(|h| h["reason"]
            .as_str()
            .unwrap()
            .contains("admin token is refused")),
        "{s}"
    );
    assert!(!t.contains("no working connection"), "{t}");
    // Nothing was sent with the refused token beyond the start-up check: no app listing.
    assert!(s.get("apps").is_none(), "{s}");
    client.cancel().await.ok();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn startup_probes_do_not_mutate_and_are_not_audited() {
    let world = World::start().await;
    let before = world.admin_get("/api/apps").await;
    let (id, token) = world.agent("it-probe", &Scope::ALL).await;
    let client = connect(world.command(Some(&token), &[])).await;
    assert!(tool_names(&client).await.len() > 1);
    assert!(world.audit_of(&id).await.is_empty(), "probes were audited");
    assert_eq!(
        world.admin_get("/api/apps").await,
        before,
        "probes changed apps"
    );
    client.cancel().await.ok();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn calls_are_audited_as_the_agent_and_name_the_client() {
    let world = World::start().await;
    let seed = Seed::read(&world).await;
    let proxy = Proxy::start(&world.sandbox.url()).await;
    let (id, token) = world.agent("it-audit", Profile::Deployer.scopes()).await;
    let cmd = command(world.home.path(), Some(&proxy.url()), Some(&token), &[]);
    let client = connect(cmd).await;
    let result = call(&client, "restart_app", json!({ "app": seed.app })).await;
    assert!(!is_error(&result), "restart_app failed: {}", text(&result));
    let audit = world.audit_of(&id).await;
    assert!(
        audit
            .iter()
            .any(|e| e["actorType"] == "agent" && e["action"] == "app:start"),
        "no app:start audit entry by the agent: {audit:?}"
    );
    let seen = proxy.seen();
    let ids: BTreeSet<&String> = seen.request_ids.iter().collect();
    assert!(
        !seen.request_ids.is_empty() && ids.len() == seen.request_ids.len(),
        "X-Request-Id missing or reused: {:?}",
        seen.request_ids
    );
    let ua = format!("paas-mcp/{} (it-client/9.8.7)", env!("CARGO_PKG_VERSION"));
    assert!(
        seen.user_agents.iter().any(|u| u == &ua),
        "User-Agent {ua:?} not seen; saw {:?}",
        seen.user_agents
    );
    client.cancel().await.ok();

    // 2026-07-28 has no `initialize`: the client is named in each request's metadata.
    let before = proxy.seen().user_agents.len();
    let cmd = command(world.home.path(), Some(&proxy.url()), Some(&token), &[]);
    let client = connect_with(cmd, ProtocolVersion::V_2026_07_28).await;
    let apps = call(&client, "list_apps", json!({})).await;
    assert!(!is_error(&apps), "{}", text(&apps));
    let later = proxy.seen().user_agents.split_off(before);
    assert!(
        later.iter().any(|u| u == &ua),
        "2026-07-28 call did not name the client; saw {later:?}"
    );
    client.cancel().await.ok();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deleted_agent_gives_clear_error_and_tools_list_changed() {
    let world = World::start().await;
    let (id, token) = world.agent("it-revoke", Profile::Deployer.scopes()).await;
    let client = connect(world.command(Some(&token), &[])).await;
    assert!(tool_names(&client).await.contains("list_apps"));
    world
        .admin_post("/api/agents/delete", json!({ "id": id }))
        .await;
    let result = call(&client, "list_apps", json!({})).await;
    assert!(is_error(&result));
    let t = text(&result);
    assert!(t.contains("401") && t.contains("paas connect"), "{t}");
    // The token came from PAAS_TOKEN, which cannot change while the server runs: the advice
    // says to restart, as paas_status does, not that the server will pick a new one up.
    assert!(t.contains("PAAS_TOKEN") && t.contains("restart"), "{t}");
    assert!(!t.contains("picks it up"), "{t}");
    assert!(
        client.service().wait_for(1, Duration::from_secs(15)).await,
        "no tools/list_changed after the token was revoked"
    );
    assert_eq!(tool_names(&client).await, ["paas_status".to_owned()].into());
    let status = text(&call(&client, "paas_status", json!({})).await);
    assert!(status.contains("rejected the token"), "{status}");
    // A later call of a tool the model saw before carries the same problem and advice.
    let later = call(&client, "list_apps", json!({})).await;
    assert!(is_error(&later));
    let t = text(&later);
    assert!(
        t.contains("Problem:") && t.contains("PAAS_TOKEN") && t.contains("restart"),
        "{t}"
    );
    client.cancel().await.ok();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rotated_agent_gives_clear_error_and_tools_list_changed() {
    let world = World::start().await;
    let (id, token) = world.agent("it-rotate", Profile::Observer.scopes()).await;
    let client = connect(world.command(Some(&token), &[])).await;
    assert!(tool_names(&client).await.contains("list_apps"));
    world
        .admin_post("/api/agents/rotate", json!({ "id": id }))
        .await;
    let result = call(&client, "list_apps", json!({})).await;
    assert!(is_error(&result) && text(&result).contains("rotated"));
    assert!(client.service().wait_for(1, Duration::from_secs(15)).await);
    client.cancel().await.ok();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn injected_faults_give_clear_errors_and_the_server_survives() {
    let world = World::start().await;
    let (_, token) = world.agent("it-faults", Profile::Observer.scopes()).await;
    let client = connect(world.command(Some(&token), &["--request-timeout-secs", "1"])).await;
    // The first scope check must be over before faults are injected.
    assert!(tool_names(&client).await.contains("list_apps"));
    let faults = world.sandbox.faults();
    let cases: Vec<(FaultKind, &str)> = vec![
        (FaultKind::Status(500), "HTTP 500"),
        (FaultKind::Status(502), "server-side error"),
        (
            FaultKind::TooManyRequests {
                retry_after_secs: 1,
            },
            "rate limit",
        ),
        (FaultKind::Latency(Duration::from_secs(3)), "did not answer"),
        (FaultKind::MalformedJson, "not the JSON"),
        (FaultKind::DropConnection, "Could not reach"),
    ];
    for (kind, needle) in cases {
        faults.clear();
        faults.inject(Fault::new(kind.clone(), 10).on("/api/apps"));
        let result = call(&client, "list_apps", json!({})).await;
        assert!(
            is_error(&result),
            "{kind:?}: not an error: {}",
            text(&result)
        );
        assert!(
            text(&result).contains(needle),
            "{kind:?}: expected {needle:?} in {}",
            text(&result)
        );
    }
    faults.clear();
    let ok = call(&client, "list_apps", json!({})).await;
    assert!(!is_error(&ok), "server did not recover: {}", text(&ok));
    client.cancel().await.ok();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn missing_credentials_still_handshake_with_only_paas_status() {
    let home = tempfile::tempdir().unwrap();
    let client = connect(command(home.path(), None, None, &[])).await;
    assert_eq!(tool_names(&client).await, ["paas_status".to_owned()].into());
    let status = call(&client, "paas_status", json!({})).await;
    assert!(text(&status).contains("paas connect"), "{}", text(&status));
    client.cancel().await.ok();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_tool_is_a_protocol_error_and_bad_arguments_a_tool_error() {
    let world = World::start().await;
    let (_, token) = world.agent("it-args", Profile::Observer.scopes()).await;
    let client = connect(world.command(Some(&token), &[])).await;
    let mut params = rmcp::model::CallToolRequestParams::new("no_such_tool");
    params.arguments = Some(serde_json::Map::new());
    assert!(client.call_tool(params).await.is_err());
    let bad = call(&client, "get_app", json!({ "app": 42 })).await;
    assert!(is_error(&bad), "{}", text(&bad));
    // A catalogue tool the token does not get: a tool error naming the scope.
    let hidden = call(&client, "delete_app", json!({ "app": "x" })).await;
    assert!(
        is_error(&hidden) && text(&hidden).contains("apps:delete"),
        "{}",
        text(&hidden)
    );
    client.cancel().await.ok();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn filters_only_remove_tools() {
    let world = World::start().await;
    let (_, token) = world.agent("it-filter", Profile::Operator.scopes()).await;
    let all = expected_tools(&Grant::agent(Profile::Operator.scopes().iter().copied()));

    let client = connect(world.command(Some(&token), &["--read-only"])).await;
    let read_only = tool_names(&client).await;
    client.cancel().await.ok();
    assert!(read_only.is_subset(&all) && read_only.len() < all.len());
    for name in &read_only {
        let def = catalog::find(name).unwrap();
        assert!(
            def.access == Access::Read || def.name == "paas_status",
            "{name}"
        );
    }

    let client = connect(world.command(
        Some(&token),
        &["--toolsets", "apps,logs", "--exclude-tools", "list_apps"],
    ))
    .await;
    let narrowed = tool_names(&client).await;
    client.cancel().await.ok();
    assert!(narrowed.is_subset(&all) && !narrowed.contains("list_apps"));
    assert!(narrowed.contains("paas_status"));
    for name in &narrowed {
        let ts = catalog::find(name).unwrap().toolset.as_str();
        assert!(matches!(ts, "apps" | "logs" | "status"), "{name} in {ts}");
    }

    // --tools cannot add a tool the token does not permit.
    let client = connect(world.command(Some(&token), &["--tools", "list_apps,delete_app"])).await;
    assert_eq!(
        tool_names(&client).await,
        ["list_apps".to_owned(), "paas_status".to_owned()].into()
    );
    client.cancel().await.ok();
}

#[tokio::test]
async fn unknown_filter_names_exit_2_with_the_valid_names() {
    let home = tempfile::tempdir().unwrap();
    for args in [
        &["--tools", "nope"][..],
        &["--toolsets", "nope"],
        &["--exclude-tools", "x"],
    ] {
        let out = command(home.path(), None, None, args)
            .stdin(std::process::Stdio::null())
            .output()
            .await
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains("valid"), "{args:?}: {err}");
    }
    // paas_status is always served; excluding it is an error, not silently ignored.
    let out = command(home.path(), None, None, &["--exclude-tools", "paas_status"])
        .stdin(std::process::Stdio::null())
        .output()
        .await
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("paas_status cannot be excluded"), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unreachable_paas_falls_back_to_the_cached_probe() {
    let world = World::start().await;
    let (_, token) = world.agent("it-cache", Profile::Observer.scopes()).await;
    let url = world.sandbox.url();
    let client = connect(world.command(Some(&token), &[])).await;
    let online = tool_names(&client).await;
    client.cancel().await.ok();
    let home = world.home;
    world.sandbox.shutdown().await;

    let cache = home.path().join(".paas/cache");
    let files: Vec<_> = std::fs::read_dir(&cache).unwrap().collect();
    assert_eq!(files.len(), 1);
    let path = files[0].as_ref().unwrap().path();
    let body = std::fs::read_to_string(&path).unwrap();
    assert!(!body.contains(&token), "token leaked into the cache");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(
            std::fs::metadata(&path).unwrap().permissions().mode() & 0o777,
            0o600
        );
    }

    let client = connect(command(home.path(), Some(&url), Some(&token), &[])).await;
    assert_eq!(tool_names(&client).await, online);
    let status = text(&call(&client, "paas_status", json!({})).await);
    assert!(status.contains("last successful check"), "{status}");
    client.cancel().await.ok();

    // Another token, never probed: nothing cached, only paas_status.
    let client = connect(command(home.path(), Some(&url), Some("bpagt_other"), &[])).await;
    assert_eq!(tool_names(&client).await, ["paas_status".to_owned()].into());
    client.cancel().await.ok();
}

/// `tools/list` builds the definitions the probe cache predicts while the first check runs;
/// a cache that predicts more than the token holds must not put a single extra tool on the
/// list.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stale_probe_cache_never_decides_the_list() {
    let world = World::start().await;
    let (_, token) = world.agent("it-stale", Profile::Observer.scopes()).await;
    let url = world.sandbox.url();
    let cache = paas_mcp::mcp::cache::path_for(
        &world.home.path().join(".paas/cache"),
        &url,
        &paas_mcp::api::Token::new(token.clone()),
    );
    std::fs::create_dir_all(cache.parent().unwrap()).unwrap();
    paas_mcp::mcp::cache::store(&cache, &url, &Grant::agent(Scope::ALL));
    assert!(cache.exists(), "the forged cache was not written");

    let client = connect(world.command(Some(&token), &[])).await;
    assert_eq!(
        tool_names(&client).await,
        expected_tools(&Grant::agent(Profile::Observer.scopes().iter().copied()))
    );
    client.cancel().await.ok();
}

/// Raw JSON-RPC lines over real pipes to `paas mcp`, one line written and its answer read at
/// a time, so each answer is matched to the line that caused it.
struct RawSession {
    child: tokio::process::Child,
    stdin: tokio::process::ChildStdin,
    lines: tokio::io::Lines<tokio::io::BufReader<tokio::process::ChildStdout>>,
}

impl RawSession {
    async fn start(home: &std::path::Path) -> Self {
        use tokio::io::AsyncBufReadExt;
        let mut child = command(home, None, None, &[])
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        let stdin = child.stdin.take().unwrap();
        let lines = tokio::io::BufReader::new(child.stdout.take().unwrap()).lines();
        let mut session = Self {
            child,
            stdin,
            lines,
        };
        let init = json!({"jsonrpc":"2.0","id":1,"method":"initialize","params":{
            "protocolVersion":"2025-06-18","capabilities":{},
            "clientInfo":{"name":"raw","version":"1"}}});
        session.send(&format!("{init}\n")).await;
        assert_eq!(session.next().await["id"], 1);
        session
            .send("{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}\n")
            .await;
        session
    }

    async fn send(&mut self, raw: &str) {
        use tokio::io::AsyncWriteExt;
        self.stdin.write_all(raw.as_bytes()).await.unwrap();
        self.stdin.flush().await.unwrap();
    }

    /// The next line on stdout, which must be one JSON value.
    async fn next(&mut self) -> Value {
        let line = tokio::time::timeout(Duration::from_secs(20), self.lines.next_line())
            .await
            .expect("no answer within 20 s")
            .unwrap()
            .expect("server closed stdout (crashed?)");
        serde_json::from_str(&line).unwrap_or_else(|e| panic!("stdout is not JSON ({e}): {line}"))
    }

    /// Send `line` + `\n` and return the one answer it gets.
    async fn ask(&mut self, line: &str) -> Value {
        self.send(&format!("{line}\n")).await;
        self.next().await
    }

    /// Send `line`, then a ping: the ping's answer must be the next line on stdout, so
    /// `line` was not answered (lines are handled in order, answers written in order).
    async fn assert_unanswered(&mut self, line: &str, ping_id: i64) {
        self.send(&format!("{line}\n")).await;
        let ping = self
            .ask(&format!(
                "{{\"jsonrpc\":\"2.0\",\"id\":{ping_id},\"method\":\"ping\"}}"
            ))
            .await;
        assert_eq!(ping["id"], ping_id, "{line} was answered: {ping}");
        assert!(ping.get("result").is_some(), "{ping}");
    }
}

/// The error of an answer, checked to be a JSON-RPC 2.0 error response with `id`.
fn error_of(answer: &Value, id: Value) -> (i64, String) {
    assert_eq!(answer["jsonrpc"], "2.0", "{answer}");
    assert!(
        answer.as_object().unwrap().contains_key("id"),
        "no id member: {answer}"
    );
    assert_eq!(answer["id"], id, "{answer}");
    let code = answer["error"]["code"]
        .as_i64()
        .unwrap_or_else(|| panic!("not an error: {answer}"));
    let message = answer["error"]["message"].as_str().unwrap().to_owned();
    (code, message)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn garbage_on_stdin_gets_jsonrpc_errors_not_a_crash() {
    let home = tempfile::tempdir().unwrap();
    let mut s = RawSession::start(home.path()).await;

    // Not JSON at all: -32700 with a null id and a hint.
    let (code, message) = error_of(&s.ask("this is not json").await, Value::Null);
    assert_eq!(code, -32700);
    assert!(
        message.starts_with("Parse error: expected ident at line 1 column 2"),
        "{message}"
    );
    assert!(
        message.contains("one JSON-RPC message per line"),
        "{message}"
    );
    let (code, _) = error_of(&s.ask("[1,2").await, Value::Null);
    assert_eq!(code, -32700);

    // JSON, but not a message: -32600.
    let (code, message) = error_of(&s.ask("{}").await, Value::Null);
    assert_eq!(code, -32600, "{message}");
    let (code, message) = error_of(
        &s.ask(r#"[{"jsonrpc":"2.0","id":3,"method":"ping"}]"#).await,
        Value::Null,
    );
    assert_eq!(code, -32600);
    assert!(message.contains("batches"), "{message}");

    // A well-formed request for an unknown method, and a known one with the wrong params
    // shape: errors for their ids.
    let (code, _) = error_of(
        &s.ask(r#"{"jsonrpc":"2.0","id":7,"method":"no/such"}"#)
            .await,
        json!(7),
    );
    assert!(code == -32601 || code == -32600, "{code}");
    let (code, message) = error_of(
        &s.ask(r#"{"jsonrpc":"2.0","id":8,"method":"tools/call","params":"x"}"#)
            .await,
        json!(8),
    );
    assert_eq!(code, -32602, "{message}");
    assert!(message.contains("tools/call"), "{message}");
    let (code, _) = error_of(
        &s.ask(r#"{"jsonrpc":"2.0","id":"s-1","method":"tools/call","params":{"name":5}}"#)
            .await,
        json!("s-1"),
    );
    assert_eq!(code, -32602);

    // Notifications are never answered: unknown (LSP-style, vendor), or malformed.
    s.assert_unanswered(
        r#"{"jsonrpc":"2.0","method":"$/cancelRequest","params":{"id":1}}"#,
        20,
    )
    .await;
    s.assert_unanswered(r#"{"jsonrpc":"2.0","method":"notifications/vendor/x"}"#, 21)
        .await;
    s.assert_unanswered(
        r#"{"jsonrpc":"2.0","method":"notifications/progress","params":7}"#,
        22,
    )
    .await;
    // Blank lines are skipped; an echo of our own error answer is not a bad line.
    s.assert_unanswered("", 23).await;
    s.assert_unanswered(
        r#"{"jsonrpc":"2.0","id":null,"error":{"code":-32700,"message":"Parse error"}}"#,
        24,
    )
    .await;

    // CRLF line ends and a UTF-8 BOM are accepted.
    s.send("{\"jsonrpc\":\"2.0\",\"id\":30,\"method\":\"ping\"}\r\n")
        .await;
    let pong = s.next().await;
    assert_eq!(pong["id"], 30, "{pong}");
    assert!(pong.get("result").is_some(), "{pong}");
    s.send("\u{feff}{\"jsonrpc\":\"2.0\",\"id\":31,\"method\":\"ping\"}\n")
        .await;
    assert_eq!(s.next().await["id"], 31);

    // A line over the 16 MiB bound: one answer, the rest of the line skipped, the session
    // goes on with the next line.
    let mut long = String::with_capacity(paas_mcp::mcp::stdio::MAX_LINE_BYTES + 64);
    long.push_str(r#"{"jsonrpc":"2.0","id":40,"method":"ping","params":{"pad":""#);
    long.extend(std::iter::repeat_n(
        'x',
        paas_mcp::mcp::stdio::MAX_LINE_BYTES,
    ));
    long.push_str("\"}}\n");
    s.send(&long).await;
    drop(long);
    let (code, message) = error_of(&s.next().await, Value::Null);
    assert_eq!(code, -32600);
    assert!(message.contains("longer than"), "{message}");

    // After all of it the session still works and the process still runs.
    let list = s
        .ask(r#"{"jsonrpc":"2.0","id":2,"method":"tools/list"}"#)
        .await;
    assert_eq!(list["id"], 2, "{list}");
    assert!(list["result"]["tools"].is_array(), "{list}");
    assert!(s.child.try_wait().unwrap().is_none(), "paas mcp exited");

    drop(s.stdin);
    let status = tokio::time::timeout(Duration::from_secs(20), s.child.wait())
        .await
        .expect("exit on EOF within 20 s")
        .unwrap();
    assert!(status.success(), "exit on EOF: {status:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_protocol_version_over_stdio_lists_and_calls_tools() {
    let world = World::start().await;
    let (_, token) = world.agent("it-proto", Profile::Observer.scopes()).await;
    for version in [
        ProtocolVersion::V_2025_06_18,
        ProtocolVersion::V_2025_11_25,
        ProtocolVersion::V_2026_07_28,
    ] {
        let client = connect_with(world.command(Some(&token), &[]), version.clone()).await;
        assert!(tool_names(&client).await.contains("list_apps"), "{version}");
        let apps = call(&client, "list_apps", json!({})).await;
        assert!(!is_error(&apps), "{version}: {}", text(&apps));
        if catalog::find("list_apps").unwrap().output_schema.is_some() {
            assert!(
                apps.structured_content.is_some(),
                "{version}: no structuredContent"
            );
        }
        client.cancel().await.ok();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn annotations_are_derived_and_explicit() {
    let world = World::start().await;
    let client =
        connect(world.command(Some(world.sandbox.admin_token()), &["--allow-admin-token"])).await;
    for tool in tools(&client).await {
        let def = catalog::find(&tool.name).unwrap();
        let a = tool.annotations.clone().expect("annotations set");
        assert_eq!(
            a.read_only_hint,
            Some(def.access == Access::Read),
            "{}",
            tool.name
        );
        assert_eq!(
            a.destructive_hint,
            Some(def.access == Access::Destructive),
            "{}",
            tool.name
        );
        assert_eq!(a.open_world_hint, Some(false), "{}", tool.name);
        assert!(a.idempotent_hint.is_some());
        assert!(tool.title.is_some() && a.title.is_some(), "{}", tool.name);
        assert_eq!(
            tool.output_schema.is_some(),
            def.output_schema.is_some(),
            "{}",
            tool.name
        );
    }
    client.cancel().await.ok();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sandbox_mode_serves_the_chosen_profile() {
    let home = tempfile::tempdir().unwrap();
    let client = connect(command(
        home.path(),
        None,
        None,
        &["--sandbox", "--profile", "observer"],
    ))
    .await;
    let expected = expected_tools(&Grant::agent(Profile::Observer.scopes().iter().copied()));
    assert_eq!(tool_names(&client).await, expected);
    let apps = call(&client, "list_apps", json!({})).await;
    assert!(!is_error(&apps), "{}", text(&apps));
    let status = call(&client, "paas_status", json!({})).await;
    let t = text(&status);
    assert!(t.contains("Token from: the sandbox agent"), "{t}");
    assert!(!t.contains("PAAS_TOKEN"), "{t}");
    client.cancel().await.ok();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_token_serves_status_and_does_not_lock_the_machine_out() {
    let world = World::start().await;
    let (_, good) = world.agent("it-good", Profile::Observer.scopes()).await;
    let client = connect(world.command(Some("bpagt_wrong"), &[])).await;
    assert_eq!(tool_names(&client).await, ["paas_status".to_owned()].into());
    let status = text(&call(&client, "paas_status", json!({})).await);
    assert!(
        status.contains("rejected the token") && status.contains("paas connect"),
        "{status}"
    );
    client.cancel().await.ok();
    // The PaaS locks an IP out after 5 rejected tokens; the start-up check must cost one.
    let answer = reqwest::Client::new()
        .get(format!("{}/api/apps", world.sandbox.url()))
        .bearer_auth(&good)
        .send()
        .await
        .unwrap();
    assert_eq!(
        answer.status(),
        200,
        "a wrong token locked this machine out"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_paas_that_comes_back_is_noticed_and_announced() {
    // Reserve a port, start the server while nothing listens there, then start the PaaS.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let admin = "it-admin-token-for-comeback";
    let home = tempfile::tempdir().unwrap();
    let url = format!("http://127.0.0.1:{port}");
    // The agent token must exist before the PaaS does: create it on a first run of the
    // sandbox, persisted to a state file, and reload that state on the same port.
    let state = home.path().join("sandbox.json");
    let options = || paas_sandbox::SandboxOptions {
        addr: ([127, 0, 0, 1], port).into(),
        admin_token: Some(admin.to_owned()),
        state_file: Some(state.clone()),
        seed: true,
        ..Default::default()
    };
    let first = paas_sandbox::Sandbox::start(options()).await.unwrap();
    let agent = first
        .create_agent("it-comeback", &["apps:read"])
        .await
        .unwrap();
    first.shutdown().await;

    let client = connect(command(
        home.path(),
        Some(&url),
        Some(&agent.token),
        &["--reprobe-secs", "1"],
    ))
    .await;
    assert_eq!(tool_names(&client).await, ["paas_status".to_owned()].into());
    let again = paas_sandbox::Sandbox::start(options()).await.unwrap();
    assert!(
        client.service().wait_for(1, Duration::from_secs(20)).await,
        "no tools/list_changed after the PaaS came back"
    );
    assert!(tool_names(&client).await.contains("list_apps"));
    client.cancel().await.ok();
    again.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lost_scope_names_the_profile_and_refreshes_the_tool_list() {
    let world = World::start().await;
    let proxy = Proxy::start(&world.sandbox.url()).await;
    let (_, token) = world.agent("it-lost", Profile::Observer.scopes()).await;
    let cmd = command(world.home.path(), Some(&proxy.url()), Some(&token), &[]);
    let client = connect(cmd).await;
    assert!(tool_names(&client).await.contains("list_apps"));
    // From now on the PaaS says this token lacks apps:read on /api/apps (the call, then
    // the re-probe it triggers).
    proxy.force("/api/apps", 403, "Forbidden: missing scope apps:read", 10);
    let result = call(&client, "list_apps", json!({})).await;
    let t = text(&result);
    assert!(is_error(&result), "{t}");
    assert!(
        t.contains("apps:read") && t.contains("--profile observer"),
        "403 not explained: {t}"
    );
    assert!(
        client.service().wait_for(1, Duration::from_secs(15)).await,
        "no tools/list_changed after a 403 missing scope"
    );
    let names = tool_names(&client).await;
    let status = text(&call(&client, "paas_status", json!({})).await);
    assert!(!names.contains("list_apps"), "{names:?}\n{status}");
    client.cancel().await.ok();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn token_file_supplies_the_token_without_an_argument() {
    let world = World::start().await;
    let (_, token) = world.agent("it-file", Profile::Observer.scopes()).await;
    let file = world.home.path().join("token");
    std::fs::write(&file, format!("{token}\n")).unwrap();
    let file = file.display().to_string();
    let client = connect(world.command(None, &["--token-file", &file])).await;
    assert!(tool_names(&client).await.contains("list_apps"));
    let status = call(&client, "paas_status", json!({})).await;
    let source = &status.structured_content.clone().unwrap()["tokenSource"];
    assert_eq!(source, &json!(format!("--token-file {file}")));
    client.cancel().await.ok();

    std::fs::write(world.home.path().join("empty"), "").unwrap();
    let empty = world.home.path().join("empty").display().to_string();
    let client = connect(world.command(None, &["--token-file", &empty])).await;
    assert_eq!(tool_names(&client).await, ["paas_status".to_owned()].into());
    let status = text(&call(&client, "paas_status", json!({})).await);
    assert!(status.contains("is empty"), "{status}");
    client.cancel().await.ok();
}

/// A token without apps:read cannot look names up: a name is tried as an id, and the miss
/// says so (pass the id) instead of claiming nothing similar exists. An explicit deployment
/// id that is not the app's is reported as the deployment, not as a missing app.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn misses_say_what_was_not_found_and_what_to_pass() {
    let world = World::start().await;
    let (_, token) = world.agent("it-logs-only", &[Scope::LogsRead]).await;
    let client = connect(world.command(Some(&token), &[])).await;
    let miss = call(&client, "read_logs", json!({ "app": "web-app" })).await;
    assert!(is_error(&miss));
    let t = text(&miss);
    assert!(
        t.contains("cannot look up apps by name") && t.contains("apps:read"),
        "{t}"
    );
    assert!(!t.contains("similar name"), "{t}");
    client.cancel().await.ok();

    // A tool that sends the name straight to the PaaS (no resolver) gets the same advice
    // from the server's 404.
    let (_, token) = world.agent("it-cron-only", &[Scope::CronManage]).await;
    let client = connect(world.command(Some(&token), &[])).await;
    let miss = call(
        &client,
        "create_cron_job",
        json!({ "app": "web-app", "schedule": "0 * * * *", "command": "true" }),
    )
    .await;
    assert!(is_error(&miss));
    let t = text(&miss);
    assert!(t.contains("404") && t.contains("pass the ids"), "{t}");
    client.cancel().await.ok();

    let (_, token) = world.agent("it-deployer", Profile::Deployer.scopes()).await;
    let client = connect(world.command(Some(&token), &[])).await;
    let miss = call(
        &client,
        "rollback_app",
        json!({ "app": "web-app", "deploymentId": "nosuchdepl" }),
    )
    .await;
    assert!(is_error(&miss));
    let t = text(&miss);
    assert!(
        t.contains("deployment \"nosuchdepl\" not found") && t.contains("list_deployments"),
        "{t}"
    );
    assert!(!t.contains("app \"web-app\" not found"), "{t}");
    // A 401 about the PaaS's own GitHub token is not a rejected agent token.
    let github = call(&client, "list_git_repos", json!({})).await;
    assert!(is_error(&github));
    let t = text(&github);
    assert!(
        t.contains("not about the agent token") && t.contains("GitHub token"),
        "{t}"
    );
    client.cancel().await.ok();
}
