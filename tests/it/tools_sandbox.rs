//! The catalogue against a real sandbox over loopback sockets: the scope probes (every
//! profile and odd scope set, the admin token, a rejected token; probes never audited), and
//! tool handlers called at library level (the mcp tests drive the same handlers end to end).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test helpers

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

use paas_mcp::api::{ApiRequest, Client, ClientOptions, Token};
use paas_mcp::catalog::{
    self, AgentIdentity, Grant, ProbeError, Profile, Scope, StatusSnapshot, StoredToken,
    TokenVault, ToolContext, ToolError, probe,
};
use paas_sandbox::{Sandbox, SandboxOptions};
use serde_json::{Value, json};

/// A sandbox without its per-IP limiter: these tests create many clients (each with its
/// own client-side limiter) in quick succession from one IP.
async fn sandbox() -> Sandbox {
    Sandbox::start(SandboxOptions {
        build_time: Duration::from_millis(50),
        rate_limit: false,
        ..SandboxOptions::default()
    })
    .await
    .expect("sandbox starts")
}

fn client(sb: &Sandbox, token: &str) -> Client {
    Client::new(&sb.url(), Some(Token::new(token)), ClientOptions::default()).expect("client")
}

async fn agent_client(sb: &Sandbox, scopes: &[&str]) -> Client {
    let agent = sb.create_agent("test-agent", scopes).await.expect("agent");
    client(sb, &agent.token)
}

fn ctx_for(api: Client, grant: &Grant) -> ToolContext {
    let snapshot = StatusSnapshot {
        url: api.base_url(),
        connected: true,
        admin_token: grant.admin,
        observed_scopes: grant.scopes.iter().copied().collect(),
        ..StatusSnapshot::default()
    };
    ToolContext {
        api,
        status: Arc::new(RwLock::new(snapshot)),
        vault: None,
    }
}

async fn audit_count(sb: &Sandbox) -> usize {
    let admin = client(sb, sb.admin_token());
    let logs = admin
        .send(ApiRequest::get("/api/audit-logs").query("limit", 500))
        .await
        .expect("audit log");
    logs.as_array().map_or(0, Vec::len)
}

/// What the probe must report for a token created with `scopes`: every observable scope,
/// except logs:read when apps:read is held (indistinguishable, and never needed then).
fn expected(scopes: &[Scope]) -> Grant {
    let set: BTreeSet<Scope> = scopes.iter().copied().collect();
    Grant::agent(set.iter().copied().filter(|s| {
        *s != Scope::AgentAdmin && !(*s == Scope::LogsRead && set.contains(&Scope::AppsRead))
    }))
}

#[tokio::test]
async fn probe_observes_exactly_the_agent_scopes_without_auditing() {
    let sb = sandbox().await;
    let mut cases: Vec<(String, Vec<Scope>)> = Profile::ALL
        .iter()
        .map(|p| (p.as_str().to_owned(), p.scopes().to_vec()))
        .collect();
    cases.extend([
        ("only logs:read".to_owned(), vec![Scope::LogsRead]),
        (
            "deploy:trigger without apps:write".to_owned(),
            vec![Scope::DeployTrigger],
        ),
        (
            "apps:write without apps:read".to_owned(),
            vec![Scope::AppsWrite],
        ),
        ("none".to_owned(), vec![]),
        ("all thirteen".to_owned(), Scope::ALL.to_vec()),
        ("metrics only".to_owned(), vec![Scope::MetricsRead]),
        (
            "delete and system".to_owned(),
            vec![Scope::AppsDelete, Scope::SystemManage],
        ),
    ]);
    for (label, scopes) in cases {
        let names: Vec<&str> = scopes.iter().map(|s| s.as_str()).collect();
        let api = agent_client(&sb, &names).await;
        let before = audit_count(&sb).await;
        let grant = probe(&api).await.unwrap_or_else(|e| panic!("{label}: {e}"));
        assert_eq!(grant, expected(&scopes), "{label}");
        assert_eq!(
            audit_count(&sb).await,
            before,
            "{label}: probing was audited"
        );
    }
    sb.shutdown().await;
}

#[tokio::test]
async fn probe_recognises_the_admin_token_and_rejects_a_wrong_one() {
    let sb = sandbox().await;
    let admin = client(&sb, sb.admin_token());
    assert_eq!(probe(&admin).await.expect("admin probe"), Grant::admin());
    let wrong = client(
        &sb,
        "bpagt_0000000000000000000000000000000000000000000000000000000000000000",
    );
    assert!(matches!(probe(&wrong).await, Err(ProbeError::Unauthorized)));
    sb.shutdown().await;
}

#[tokio::test]
async fn requests_carry_user_agent_and_request_id() {
    // A tiny one-shot HTTP server that echoes the request head back, so the headers the
    // client really sends are observed.
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let server = tokio::spawn(async move {
        let (mut sock, _) = listener.accept().await.unwrap();
        let mut buf = vec![0u8; 4096];
        let n = sock.read(&mut buf).await.unwrap();
        let head = String::from_utf8_lossy(&buf[..n]).to_string();
        let body = json!({ "head": head }).to_string();
        let resp = format!(
            "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
            body.len()
        );
        sock.write_all(resp.as_bytes()).await.unwrap();
    });
    let api = Client::new(
        &format!("http://{addr}"),
        Some(Token::new("t")),
        ClientOptions::default(),
    )
    .unwrap()
    .with_mcp_client("claude-code", "2.1.0");
    let answer = api.send(ApiRequest::get("/api/apps")).await.unwrap();
    server.await.unwrap();
    let head = answer["head"].as_str().unwrap().to_ascii_lowercase();
    let ua = format!(
        "user-agent: paas-mcp/{} (claude-code/2.1.0)",
        env!("CARGO_PKG_VERSION")
    );
    assert!(head.contains(&ua), "{head}");
    assert!(head.contains("x-request-id: "), "{head}");
    assert!(head.contains("authorization: bearer t"), "{head}");
}

async fn call(
    ctx: &ToolContext,
    name: &str,
    args: Value,
) -> Result<catalog::ToolOutput, ToolError> {
    let tool = catalog::find(name).unwrap_or_else(|| panic!("no tool {name}"));
    let out = (tool.handler)(ctx, args).await?;
    assert!(
        out.structured.is_object(),
        "{name}: structured content must be an object"
    );
    assert!(!out.text.is_empty(), "{name}: empty text");
    check_output(tool, &out.structured);
    Ok(out)
}

/// Validate a tool's structured content against its declared output schema with a full
/// JSON Schema (2020-12) validator, formats included, as MCP clients do (the TypeScript SDK
/// turns a mismatch into an error).
pub(crate) fn conforms(name: &str, value: &Value, schema: &Value) {
    let validator = jsonschema::draft202012::options()
        .should_validate_formats(true)
        .build(schema)
        .unwrap_or_else(|e| panic!("{name}: the output schema does not compile: {e}"));
    let errors: Vec<String> = validator
        .iter_errors(value)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "{name}: structuredContent does not match the outputSchema:\n{}\ncontent: {value}",
        errors.join("\n")
    );
}

/// Validate a tool's successful output against its schema; every tool must declare one.
pub(crate) fn check_output(tool: &catalog::ToolDef, value: &Value) {
    let schema = tool
        .output_schema
        .unwrap_or_else(|| panic!("{} declares no output schema", tool.name));
    conforms(tool.name, value, &Value::Object(schema()));
}

async fn wait_running(ctx: &ToolContext, app: &str) -> Value {
    for _ in 0..100 {
        let out = call(ctx, "get_app", json!({ "app": app }))
            .await
            .expect("get_app");
        if out.structured["status"] != "building" {
            return out.structured;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("{app} never finished building");
}

#[tokio::test]
async fn app_tools_work_end_to_end_by_name() {
    let sb = sandbox().await;
    let all: Vec<&str> = Scope::ALL.iter().map(|s| s.as_str()).collect();
    let api = agent_client(&sb, &all).await;
    let grant = probe(&api).await.unwrap();
    let ctx = ctx_for(api, &grant);

    // deploy (Go alias and argument names), then a second deploy with the same name.
    let first = call(
        &ctx,
        "paas_deploy",
        json!({ "name": "web-shop", "gitRepo": "https://github.com/acme/shop" }),
    )
    .await
    .expect("deploy");
    assert_eq!(first.structured["name"], "web-shop");
    assert_eq!(first.structured["renamed"], false);
    let second = call(
        &ctx,
        "deploy",
        json!({ "name": "web-shop", "gitRepo": "https://github.com/acme/shop" }),
    )
    .await
    .expect("deploy again");
    assert_eq!(second.structured["renamed"], true);
    let second_name = second.structured["name"].as_str().unwrap().to_owned();
    assert_ne!(second_name, "web-shop");
    assert!(second.text.contains("was taken"), "{}", second.text);

    let app = wait_running(&ctx, "web-shop").await;
    assert_eq!(app["status"], "running");

    // deploy_image without a name: no requestedName, still a valid output.
    let img = call(
        &ctx,
        "deploy_image",
        json!({ "image": "nginx:1.27", "lines": 1 }),
    )
    .await;
    assert!(
        matches!(img, Err(ToolError::InvalidArguments(_))),
        "unknown argument accepted"
    );
    let img = call(&ctx, "deploy_image", json!({ "image": "nginx:1.27" }))
        .await
        .expect("deploy_image");
    assert!(img.structured.get("requestedName").is_none());
    call(&ctx, "delete_app", json!({ "app": img.structured["id"] }))
        .await
        .expect("delete image app");

    // list and the name-or-id resolver with suggestions.
    let list = call(&ctx, "list_apps", json!({})).await.unwrap();
    assert_eq!(list.structured["count"], 2);
    let by_id = call(&ctx, "get_app", json!({ "app": app["id"] }))
        .await
        .unwrap();
    assert_eq!(by_id.structured["name"], "web-shop");
    match call(&ctx, "get_app", json!({ "app": "web-shp" })).await {
        Err(ToolError::NotFound { suggestions, .. }) => {
            assert!(suggestions.contains(&"web-shop".to_owned()))
        }
        other => panic!("expected not found, got {other:?}"),
    }
    assert!(matches!(
        call(&ctx, "get_app", json!({ "nope": 1 })).await,
        Err(ToolError::InvalidArguments(_))
    ));

    // update_app changes one field and keeps the rest.
    let before = call(&ctx, "get_app", json!({ "app": "web-shop" }))
        .await
        .unwrap()
        .structured;
    let updated = call(
        &ctx,
        "update_app",
        json!({ "app": "web-shop", "memory": "256m", "env": { "API_TOKEN": "s3cret" } }),
    )
    .await
    .expect("update");
    assert_eq!(updated.structured["changed"], json!(["memory", "envVars"]));
    let after = call(&ctx, "get_app", json!({ "app": "web-shop" }))
        .await
        .unwrap()
        .structured;
    assert_eq!(after["memory"], "256m");
    for field in [
        "gitRepo",
        "branch",
        "buildMethod",
        "domains",
        "volumes",
        "healthPath",
    ] {
        assert_eq!(after[field], before[field], "{field} was changed");
    }
    assert_eq!(
        after["envVars"]["API_TOKEN"], "***",
        "secret-looking env value masked"
    );
    assert!(!after.to_string().contains("s3cret"));

    // lifecycle.
    let stopped = call(&ctx, "stop_app", json!({ "app": "web-shop" }))
        .await
        .unwrap();
    assert_eq!(stopped.structured["status"], "stopped");
    let started = call(&ctx, "start_app", json!({ "app": "web-shop" }))
        .await
        .unwrap();
    assert_eq!(started.structured["status"], "running");
    call(&ctx, "restart_app", json!({ "app": "web-shop" }))
        .await
        .expect("restart");
    let renamed = call(
        &ctx,
        "rename_app",
        json!({ "app": second_name, "name": "shop-two" }),
    )
    .await
    .unwrap();
    assert_eq!(renamed.structured["name"], "shop-two");
    assert!(matches!(
        call(
            &ctx,
            "rename_app",
            json!({ "app": "shop-two", "name": "Bad Name" })
        )
        .await,
        Err(ToolError::InvalidArguments(_))
    ));

    // deployments, build logs, runtime logs: bounded and fenced.
    let deployments = call(&ctx, "list_deployments", json!({ "app": "web-shop" }))
        .await
        .unwrap();
    assert!(deployments.structured["count"].as_u64().unwrap() >= 1);
    assert!(
        deployments.structured["deployments"][0]
            .get("logs")
            .is_none()
    );
    let build = call(&ctx, "build_logs", json!({ "app": "web-shop", "lines": 2 }))
        .await
        .unwrap();
    assert_eq!(build.structured["lines"], 2);
    let marker = build.structured["marker"].as_str().unwrap().to_owned();
    assert!(
        build
            .text
            .contains(&format!("-----BEGIN UNTRUSTED-DATA {marker}-----"))
    );
    assert!(
        build
            .text
            .ends_with(&format!("-----END UNTRUSTED-DATA {marker}-----"))
    );
    let logs = call(
        &ctx,
        "paas_get_logs",
        json!({ "app": "web-shop", "lines": 5.0 }),
    )
    .await
    .unwrap();
    assert!(logs.structured["logs"].as_array().unwrap().len() <= 5);
    assert_ne!(logs.structured["marker"], build.structured["marker"]);

    // redeploy, delete.
    call(
        &ctx,
        "redeploy",
        json!({ "app": "web-shop", "noCache": true }),
    )
    .await
    .expect("redeploy");
    call(&ctx, "delete_app", json!({ "app": "shop-two" }))
        .await
        .expect("delete");
    let list = call(&ctx, "list_apps", json!({})).await.unwrap();
    assert_eq!(list.structured["count"], 1);

    // paas_status includes the apps summary when apps:read is held.
    let status = call(&ctx, "paas_status", json!({})).await.unwrap();
    assert_eq!(status.structured["apps"][0]["name"], "web-shop");
    sb.shutdown().await;
}

#[tokio::test]
async fn deploy_directory_uploads_the_folder() {
    let sb = sandbox().await;
    let api = agent_client(&sb, &["apps:read", "apps:write", "deploy:trigger"]).await;
    let grant = probe(&api).await.unwrap();
    let ctx = ctx_for(api, &grant);
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("package.json"), r#"{"name":"x"}"#).unwrap();
    std::fs::create_dir_all(dir.path().join("node_modules/dep")).unwrap();
    std::fs::write(dir.path().join("node_modules/dep/index.js"), "x").unwrap();
    std::fs::create_dir_all(dir.path().join("src")).unwrap();
    std::fs::write(dir.path().join("src/index.js"), "console.log(1)").unwrap();
    let out = call(
        &ctx,
        "deploy_directory",
        json!({ "path": dir.path().to_string_lossy(), "name": "local-app" }),
    )
    .await
    .expect("upload deploy");
    assert_eq!(out.structured["name"], "local-app");
    assert_eq!(out.structured["uploadedFiles"], 2);
    let app = wait_running(&ctx, "local-app").await;
    assert!(app["gitRepo"].as_str().unwrap().starts_with("upload://"));
    // A .zip goes up as one archive part.
    let zip = dir.path().join("site.zip");
    let mut empty_zip = b"PK\x05\x06".to_vec();
    empty_zip.extend([0u8; 18]);
    std::fs::write(&zip, empty_zip).unwrap();
    let out = call(
        &ctx,
        "deploy_directory",
        json!({ "path": zip.to_string_lossy(), "name": "zipped" }),
    )
    .await
    .expect("zip deploy");
    assert_eq!(out.structured["name"], "zipped");
    assert_eq!(out.structured["uploadedFiles"], 1);
    let not_zip = dir.path().join("fake.zip");
    std::fs::write(&not_zip, "hello").unwrap();
    let bad = call(
        &ctx,
        "deploy_directory",
        json!({ "path": not_zip.to_string_lossy(), "name": "bad-zip" }),
    )
    .await;
    assert!(matches!(bad, Err(ToolError::Local(_))), "{bad:?}");

    let missing = call(
        &ctx,
        "deploy_directory",
        json!({ "path": "/definitely/not/here", "name": "x-app" }),
    )
    .await;
    assert!(matches!(missing, Err(ToolError::Local(_))), "{missing:?}");
    sb.shutdown().await;
}

/// An upload never carries secrets (they are named in the answer instead), the home
/// directory is refused, and a project's service named `<project>-<name>` is not reported
/// as a collision rename.
#[tokio::test]
async fn uploads_leave_secrets_behind_and_project_services_are_not_renames() {
    let sb = sandbox().await;
    let api = agent_client(&sb, &["apps:read", "apps:write", "deploy:trigger"]).await;
    let grant = probe(&api).await.unwrap();
    let ctx = ctx_for(api, &grant);
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::fs::create_dir_all(root.join(".paas")).unwrap();
    std::fs::write(root.join(".paas/config.json"), r#"{"token":"bpagt_x"}"#).unwrap();
    std::fs::write(root.join(".env"), "SECRET=1").unwrap();
    std::fs::write(root.join(".env.example"), "SECRET=").unwrap();
    std::fs::write(root.join("server.pem"), "-----BEGIN").unwrap();
    std::fs::write(root.join("index.js"), "console.log(1)").unwrap();
    let out = call(
        &ctx,
        "deploy_directory",
        json!({ "path": root.to_string_lossy(), "name": "careful-app" }),
    )
    .await
    .expect("upload deploy");
    assert_eq!(out.structured["uploadedFiles"], 2, "{}", out.structured);
    assert_eq!(
        out.structured["skippedSecrets"],
        json!([".env", ".paas", "server.pem"])
    );
    assert!(
        out.text.contains("hold secrets: .env, .paas, server.pem"),
        "{}",
        out.text
    );
    let home = dirs::home_dir().expect("a home directory");
    let refused = call(
        &ctx,
        "deploy_directory",
        json!({ "path": home.to_string_lossy(), "name": "home-app" }),
    )
    .await;
    match refused {
        Err(ToolError::Local(m)) => assert!(m.contains("home directory"), "{m}"),
        other => panic!("home upload not refused: {other:?}"),
    }

    call(&ctx, "create_project", json!({ "name": "shop" }))
        .await
        .expect("project");
    let out = call(
        &ctx,
        "deploy",
        json!({ "name": "api", "gitRepo": "https://github.com/demo/api", "project": "shop" }),
    )
    .await
    .expect("service deploy");
    assert_eq!(out.structured["name"], "shop-api");
    assert_eq!(out.structured["renamed"], false, "{}", out.text);
    assert!(!out.text.contains("was taken"), "{}", out.text);
    assert!(out.text.contains("<project>-<name>"), "{}", out.text);
    // The same service again does collide, and that is reported.
    let again = call(
        &ctx,
        "deploy",
        json!({ "name": "api", "gitRepo": "https://github.com/demo/api", "project": "shop" }),
    )
    .await
    .expect("second service deploy");
    assert_ne!(again.structured["name"], "shop-api");
    assert_eq!(again.structured["renamed"], true, "{}", again.text);
    // The note names the service that exists, which redeploy can rebuild.
    assert!(
        again.text.contains("the name \"shop-api\" was taken"),
        "{}",
        again.text
    );
    sb.shutdown().await;
}

/// A server test that could not connect is a tool error, not a success with
/// `status: "error"` buried in the output; the key to install is the one create showed.
#[tokio::test]
async fn a_failed_server_test_is_an_error() {
    let sb = sandbox().await;
    let api = agent_client(&sb, &["servers:manage"]).await;
    let grant = probe(&api).await.unwrap();
    let ctx = ctx_for(api, &grant);
    let created = call(
        &ctx,
        "create_server",
        json!({ "name": "edge", "ip": "203.0.113.7" }),
    )
    .await
    .expect("create server");
    let key = call(&ctx, "get_server_public_key", json!({ "server": "edge" }))
        .await
        .expect("key");
    let key = key.structured["publicKey"].as_str().unwrap().to_owned();
    assert!(key.starts_with("ssh-ed25519 "), "{key}");
    assert!(created.text.contains(&key), "{} / {key}", created.text);
    match call(&ctx, "test_server", json!({ "server": "edge" })).await {
        Err(ToolError::Reported(m)) => {
            assert!(m.contains("could not connect to server edge"), "{m}");
            assert!(m.contains("authorized_keys"), "{m}");
        }
        other => panic!("a failed test must be an error: {other:?}"),
    }
    sb.shutdown().await;
}

/// "***" keeps a secret's current value; for a key with no value it is refused, never
/// stored as the value.
#[tokio::test]
async fn update_app_refuses_a_mask_for_a_key_without_a_value() {
    let sb = sandbox().await;
    let api = agent_client(&sb, &["apps:read", "apps:write", "deploy:trigger"]).await;
    let grant = probe(&api).await.unwrap();
    let ctx = ctx_for(api, &grant);
    call(
        &ctx,
        "deploy",
        json!({ "name": "cfg-app", "gitRepo": "https://github.com/demo/cfg" }),
    )
    .await
    .expect("deploy");
    wait_running(&ctx, "cfg-app").await;
    let refused = call(
        &ctx,
        "update_app",
        json!({ "app": "cfg-app", "env": { "NEW_SECRET": "***" } }),
    )
    .await;
    match refused {
        Err(ToolError::InvalidArguments(m)) => {
            assert!(m.contains("NEW_SECRET") && m.contains("real value"), "{m}")
        }
        other => panic!("a mask for a new key must be refused: {other:?}"),
    }
    let app = call(&ctx, "get_app", json!({ "app": "cfg-app" }))
        .await
        .unwrap();
    assert!(app.structured["envVars"].get("NEW_SECRET").is_none());
    // Removing a key that is not there changes nothing, and says so.
    let noop = call(
        &ctx,
        "update_app",
        json!({ "app": "cfg-app", "removeEnv": ["NOPE"] }),
    )
    .await;
    assert!(
        matches!(&noop, Err(ToolError::InvalidArguments(m)) if m.contains("nothing to change")),
        "{noop:?}"
    );
    let both = call(
        &ctx,
        "update_app",
        json!({ "app": "cfg-app", "env": { "A": "1" }, "removeEnv": ["A"] }),
    )
    .await;
    assert!(
        matches!(&both, Err(ToolError::InvalidArguments(m)) if m.contains("both in env")),
        "{both:?}"
    );
    sb.shutdown().await;
}

/// The server answers success for removing a domain the app lacks and for deleting a cron
/// job that does not exist; the tools say so instead of "Removed" / "Deleted".
#[tokio::test]
async fn removing_what_does_not_exist_says_so() {
    let sb = sandbox().await;
    let api = agent_client(
        &sb,
        &["apps:read", "apps:write", "deploy:trigger", "cron:manage"],
    )
    .await;
    let grant = probe(&api).await.unwrap();
    let ctx = ctx_for(api, &grant);
    call(
        &ctx,
        "deploy",
        json!({ "name": "dom-app", "gitRepo": "https://github.com/demo/dom" }),
    )
    .await
    .expect("deploy");
    wait_running(&ctx, "dom-app").await;
    let none = call(
        &ctx,
        "remove_domain",
        json!({ "app": "dom-app", "domain": "never.example.com" }),
    )
    .await;
    match none {
        Err(ToolError::Reported(m)) => {
            assert!(
                m.contains("not a domain of dom-app") && m.contains("none"),
                "{m}"
            )
        }
        other => panic!("removing a missing domain must be refused: {other:?}"),
    }
    call(
        &ctx,
        "add_domain",
        json!({ "app": "dom-app", "domain": "shop.example.com" }),
    )
    .await
    .expect("add domain");
    let other = call(
        &ctx,
        "remove_domain",
        json!({ "app": "dom-app", "domain": "other.example.com" }),
    )
    .await;
    assert!(
        matches!(&other, Err(ToolError::Reported(m)) if m.contains("shop.example.com")),
        "{other:?}"
    );
    let removed = call(
        &ctx,
        "remove_domain",
        json!({ "app": "dom-app", "domain": "SHOP.example.com." }),
    )
    .await
    .expect("remove the domain the app has");
    assert_eq!(removed.structured["domains"], json!([]), "{}", removed.text);

    let spaced = call(
        &ctx,
        "deploy_template",
        json!({ "template": " Uptime-Kuma ", "name": "kuma" }),
    )
    .await
    .expect("a template id in other case and with spaces");
    assert_eq!(spaced.structured["name"], "kuma");
    let template = call(&ctx, "deploy_template", json!({ "template": "uptime" })).await;
    match template {
        Err(ToolError::NotFound {
            kind: "template",
            suggestions,
            ..
        }) => assert_eq!(suggestions.first().map(String::as_str), Some("uptime-kuma")),
        other => panic!("an unknown template must suggest the closest ids: {other:?}"),
    }

    let missing = call(&ctx, "delete_cron_job", json!({ "id": "nosuchjob1" })).await;
    assert!(
        matches!(
            &missing,
            Err(ToolError::NotFound {
                kind: "cron job",
                ..
            })
        ),
        "{missing:?}"
    );
    sb.shutdown().await;
}

/// Tokens without apps:read still get working tools: names are passed through as ids.
#[tokio::test]
async fn tools_work_without_apps_read_by_id() {
    let sb = sandbox().await;
    let admin_api = client(&sb, sb.admin_token());
    let admin = ctx_for(admin_api, &Grant::admin());
    let app = call(
        &admin,
        "deploy",
        json!({ "name": "solo", "gitRepo": "https://github.com/acme/solo" }),
    )
    .await
    .unwrap();
    let id = app.structured["id"].as_str().unwrap().to_owned();
    wait_running(&admin, &id).await;

    let logs_api = agent_client(&sb, &["logs:read"]).await;
    let grant = probe(&logs_api).await.unwrap();
    assert_eq!(grant, Grant::agent([Scope::LogsRead]));
    let ctx = ctx_for(logs_api, &grant);
    call(&ctx, "read_logs", json!({ "app": id }))
        .await
        .expect("read_logs by id with logs:read only");
    match call(&ctx, "read_logs", json!({ "app": "no-such-id" })).await {
        Err(ToolError::NotFound { .. }) => {}
        other => panic!("{other:?}"),
    }

    let write_api = agent_client(&sb, &["apps:write"]).await;
    let grant = probe(&write_api).await.unwrap();
    let ctx = ctx_for(write_api, &grant);
    let out = call(&ctx, "stop_app", json!({ "app": id }))
        .await
        .expect("stop by id");
    assert_eq!(out.structured["status"], "stopped");
    sb.shutdown().await;
}

/// A vault that keeps (context, token) in memory, so the test can see what was stored.
#[derive(Debug, Default)]
struct Kept(Mutex<Vec<(String, String)>>);

impl TokenVault for Kept {
    fn store_agent_token(
        &self,
        agent: AgentIdentity<'_>,
        token: &Token,
    ) -> Result<StoredToken, String> {
        let context = format!("agent-{}", agent.name);
        self.0
            .lock()
            .unwrap()
            .push((context.clone(), token.expose().to_owned()));
        Ok(StoredToken {
            context,
            store: "memory".to_owned(),
            updated: false,
        })
    }
}

#[tokio::test]
async fn admin_tools_manage_agents_and_read_the_audit_log() {
    let sb = sandbox().await;
    let kept = Arc::new(Kept::default());
    let mut ctx = ctx_for(client(&sb, sb.admin_token()), &Grant::admin());
    ctx.vault = Some(kept.clone());
    let created = call(
        &ctx,
        "create_agent",
        json!({ "name": "helper", "profile": "observer" }),
    )
    .await
    .expect("create agent");
    // The token went to the vault, not into the answer.
    assert_eq!(created.structured["context"], "agent-helper");
    assert!(!created.structured.to_string().contains("bpagt_"));
    assert!(!created.text.contains("bpagt_"));
    let first = kept.0.lock().unwrap()[0].1.clone();
    assert!(first.starts_with("bpagt_"));
    let list = call(&ctx, "list_agents", json!({})).await.unwrap();
    assert_eq!(list.structured["agents"][0]["name"], "helper");
    assert!(!list.text.contains("bpagt_"));
    let rotated = call(&ctx, "rotate_agent", json!({ "agent": "helper" }))
        .await
        .unwrap();
    assert!(!rotated.structured.to_string().contains("bpagt_"));
    let second = kept.0.lock().unwrap()[1].1.clone();
    assert!(second.starts_with("bpagt_") && second != first);
    match call(&ctx, "delete_agent", json!({ "agent": "helpr" })).await {
        Err(ToolError::NotFound { suggestions, .. }) => assert_eq!(suggestions, ["helper"]),
        other => panic!("{other:?}"),
    }
    call(&ctx, "delete_agent", json!({ "agent": "helper" }))
        .await
        .unwrap();
    let audit = call(&ctx, "audit_logs", json!({ "action": "agent:" }))
        .await
        .unwrap();
    let actions: Vec<&str> = audit.structured["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions, ["agent:delete", "agent:rotate", "agent:create"]);
    sb.shutdown().await;
}

#[tokio::test]
async fn client_retries_one_short_429_and_maps_faults() {
    use paas_mcp::api::ApiError;
    use paas_sandbox::{Fault, FaultKind};
    let sb = sandbox().await;
    let api = client(&sb, sb.admin_token());
    let faults = sb.faults();
    let list = || api.send(ApiRequest::get("/api/apps"));

    // One 429 with a short Retry-After is waited out once, transparently.
    faults.inject(
        Fault::new(
            FaultKind::TooManyRequests {
                retry_after_secs: 1,
            },
            1,
        )
        .on("/api/apps"),
    );
    list().await.expect("retried after the 429");
    assert_eq!(faults.pending(), 0);

    // Two in a row: only one retry, then the 429 reaches the caller.
    faults.inject(
        Fault::new(
            FaultKind::TooManyRequests {
                retry_after_secs: 1,
            },
            2,
        )
        .on("/api/apps"),
    );
    assert!(matches!(list().await, Err(ApiError::RateLimited { .. })));
    assert_eq!(faults.pending(), 0);

    // A Retry-After beyond the bound is not waited for at all.
    faults.inject(
        Fault::new(
            FaultKind::TooManyRequests {
                retry_after_secs: 60,
            },
            2,
        )
        .on("/api/apps"),
    );
    match list().await {
        Err(ApiError::RateLimited { retry_after, .. }) => {
            assert_eq!(retry_after, Duration::from_secs(60))
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(
        faults.pending(),
        1,
        "a long Retry-After must not be retried"
    );
    faults.clear();

    faults.inject(Fault::new(FaultKind::Status(503), 1).on("/api/apps"));
    assert!(matches!(
        list().await,
        Err(ApiError::Status { status: 503, .. })
    ));
    faults.inject(Fault::new(FaultKind::MalformedJson, 1).on("/api/apps"));
    assert!(matches!(list().await, Err(ApiError::Malformed { .. })));
    faults.inject(Fault::new(FaultKind::DropConnection, 1).on("/api/apps"));
    assert!(matches!(list().await, Err(ApiError::Unreachable { .. })));

    // 401 is never retried: a wrong token costs exactly one request.
    let wrong = client(&sb, "not-the-token");
    faults.inject(Fault::new(FaultKind::Latency(Duration::from_millis(1)), 2).on("/api/apps"));
    assert!(matches!(
        wrong.send(ApiRequest::get("/api/apps")).await,
        Err(ApiError::Unauthorized)
    ));
    assert_eq!(faults.pending(), 1, "the 401 was retried");
    faults.clear();
    sb.shutdown().await;
}
