//! Catalogue invariants over every tool, and a reviewed snapshot of each tool definition
//! (name, title, description, toolset, access, guard, route, schemas). A changed tool fails
//! here until its snapshot is reviewed (`cargo insta review`; CI runs with INSTA_UPDATE=no).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test helpers

use std::collections::BTreeSet;

use paas_mcp::catalog::{self, Access, Guard, Method, Scope, Toolset};
use serde_json::{Value, json};

/// Every name the issue requires, plus the Go server's names as hidden aliases.
const REQUIRED: &[&str] = &[
    "list_apps",
    "get_app",
    "deploy",
    "redeploy",
    "rollback_app",
    "stop_app",
    "start_app",
    "restart_app",
    "update_app",
    "rename_app",
    "delete_app",
    "read_logs",
    "build_logs",
    "list_deployments",
    "app_metrics",
    "list_projects",
    "get_project",
    "create_project",
    "delete_project",
    "list_addons",
    "create_addon",
    "attach_addon",
    "delete_addon",
    "db_query",
    "list_servers",
    "list_cron_jobs",
    "create_cron_job",
    "run_cron_job",
    "list_backups",
    "create_backup",
    "restore_backup",
    "list_agents",
    "create_agent",
    "rotate_agent",
    "delete_agent",
    "audit_logs",
    "paas_status",
];

const GO_ALIASES: &[(&str, &str)] = &[
    ("paas_list_apps", "list_apps"),
    ("paas_list_projects", "list_projects"),
    ("paas_get_app", "get_app"),
    ("paas_deploy", "deploy"),
    ("paas_redeploy", "redeploy"),
    ("paas_get_logs", "read_logs"),
    ("paas_status", "paas_status"),
];

#[test]
fn names_and_aliases_are_unique_snake_case() {
    let mut seen = BTreeSet::new();
    for tool in catalog::all() {
        for name in std::iter::once(&tool.name).chain(tool.aliases) {
            assert!(seen.insert(*name), "duplicate tool name or alias {name}");
            assert!(
                name.chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
                    && name.len() <= 64,
                "{name} is not snake_case"
            );
        }
    }
}

#[test]
fn required_tools_and_go_aliases_exist() {
    for name in REQUIRED {
        assert!(
            catalog::all().iter().any(|t| t.name == *name),
            "missing tool {name}"
        );
    }
    for (alias, target) in GO_ALIASES {
        let tool = catalog::find(alias).unwrap_or_else(|| panic!("alias {alias} unknown"));
        assert_eq!(tool.name, *target, "{alias}");
    }
}

#[test]
fn every_tool_declares_a_guard_title_and_description() {
    for tool in catalog::all() {
        assert!(!tool.title.is_empty(), "{} has no title", tool.name);
        assert!(
            tool.description.len() > 20,
            "{} has no real description",
            tool.name
        );
        if let Guard::Scopes(groups) = tool.guard {
            assert!(
                !groups.is_empty() || tool.name == "paas_status",
                "{} declares no scopes",
                tool.name
            );
            assert!(
                groups.iter().all(|g| !g.is_empty()),
                "{} has an empty group",
                tool.name
            );
        }
        assert!(tool.route.path.starts_with("/api/"), "{}", tool.name);
    }
}

#[test]
fn get_routes_are_read_tools_and_admin_tools_are_the_admin_toolsets() {
    for tool in catalog::all() {
        if tool.route.method == Method::Get {
            assert_eq!(
                tool.access,
                Access::Read,
                "{} is a GET but not Read",
                tool.name
            );
        }
        let admin_toolset = matches!(tool.toolset, Toolset::Agents | Toolset::Audit);
        assert_eq!(
            matches!(tool.guard, Guard::Admin),
            admin_toolset,
            "{}",
            tool.name
        );
    }
}

#[test]
fn guards_match_the_spec_for_the_tricky_routes() {
    let guard = |name: &str| catalog::find(name).map(|t| t.guard);
    assert_eq!(
        guard("deploy"),
        Some(Guard::Scopes(&[
            &[Scope::DeployTrigger],
            &[Scope::AppsWrite]
        ]))
    );
    assert_eq!(
        guard("read_logs"),
        Some(Guard::Scopes(&[&[Scope::AppsRead, Scope::LogsRead]]))
    );
    assert_eq!(
        guard("delete_app"),
        Some(Guard::Scopes(&[&[Scope::AppsDelete]]))
    );
    assert_eq!(
        guard("app_metrics"),
        Some(Guard::Scopes(&[&[Scope::MetricsRead]]))
    );
    assert_eq!(
        guard("db_query").map(|_| catalog::find("db_query").map(|t| t.access)),
        Some(Some(Access::Destructive))
    );
    assert_eq!(guard("paas_status"), Some(Guard::Scopes(&[])));
}

/// Deletes, restores, prunes and database writes are destructive.
#[test]
fn destructive_tools_are_marked() {
    for name in [
        "delete_app",
        "delete_project",
        "delete_addon",
        "restore_backup",
        "delete_backup",
        "docker_prune",
        "db_query",
        "db_insert_row",
        "db_update_row",
        "db_delete_row",
        "delete_agent",
        "delete_cron_job",
        "delete_server",
    ] {
        let tool = catalog::find(name).unwrap_or_else(|| panic!("{name}"));
        assert_eq!(tool.access, Access::Destructive, "{name}");
    }
}

/// Check that `schema` is an object schema with none of the `forbidden` top-level keys and
/// a description on every member; returns its members.
fn described_object<'a>(
    tool: &str,
    schema: &'a serde_json::Map<String, Value>,
    forbidden: &[&str],
) -> &'a serde_json::Map<String, Value> {
    assert_eq!(schema.get("type"), Some(&json!("object")), "{tool}");
    for key in forbidden {
        assert!(!schema.contains_key(*key), "{tool} has top-level {key}");
    }
    let props = schema.get("properties").and_then(Value::as_object).unwrap();
    for (name, prop) in props {
        let desc = prop
            .get("description")
            .and_then(Value::as_str)
            .unwrap_or("");
        assert!(!desc.is_empty(), "{tool}.{name} has no description");
    }
    props
}

#[test]
fn input_schemas_are_portable_objects_with_described_properties() {
    for tool in catalog::all() {
        let schema = (tool.input_schema)();
        described_object(
            tool.name,
            &schema,
            &["anyOf", "oneOf", "allOf", "$ref", "$defs"],
        );
        let text = Value::Object(schema.clone()).to_string();
        assert!(!text.contains("\"$ref\""), "{} uses $ref", tool.name);
        assert!(!text.contains("\"null\""), "{} has a null type", tool.name);
    }
}

/// Tools that may return structuredContent without an outputSchema, with the reason. None:
/// MCP clients can only check (and models only rely on) a shape that is declared.
const WITHOUT_OUTPUT_SCHEMA: &[(&str, &str)] = &[];

#[test]
fn every_tool_declares_an_output_schema() {
    for tool in catalog::all() {
        let excused = WITHOUT_OUTPUT_SCHEMA
            .iter()
            .any(|(name, _)| *name == tool.name);
        assert_eq!(
            tool.output_schema.is_some(),
            !excused,
            "{}: every tool returns structuredContent, so it declares an output schema \
             (or is listed in WITHOUT_OUTPUT_SCHEMA with the reason)",
            tool.name
        );
    }
}

/// Walk a schema: no `additionalProperties: false` (the PaaS may add fields), no `$ref`, no
/// `format` (Ajv with ajv-formats, as in the TypeScript SDK, checks `date-time`, `uri`…, and
/// a zero Go time or "" would fail), and `required` names only declared properties.
fn check_open(tool: &str, path: &str, schema: &Value) {
    match schema {
        Value::Object(map) => {
            assert_ne!(
                map.get("additionalProperties"),
                Some(&json!(false)),
                "{tool}: {path} is closed"
            );
            assert!(!map.contains_key("$ref"), "{tool}: {path} uses $ref");
            assert!(
                !map.get("format").is_some_and(Value::is_string),
                "{tool}: {path} has a format"
            );
            for key in map
                .get("required")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                let key = key.as_str().unwrap();
                assert!(
                    map.get("properties").and_then(|p| p.get(key)).is_some(),
                    "{tool}: {path} requires undeclared {key}"
                );
            }
            for (key, value) in map {
                assert!(!key.starts_with("x-"), "{tool}: {path} keeps {key}");
                check_open(tool, &format!("{path}/{key}"), value);
            }
        }
        Value::Array(items) => items
            .iter()
            .enumerate()
            .for_each(|(i, v)| check_open(tool, &format!("{path}/{i}"), v)),
        _ => {}
    }
}

#[test]
fn output_schemas_are_portable_open_objects() {
    for tool in catalog::all() {
        let Some(schema) = tool.output_schema else {
            continue;
        };
        let schema = schema();
        let props = described_object(tool.name, &schema, &["anyOf", "oneOf", "allOf", "$defs"]);
        assert!(!props.is_empty(), "{} describes no member", tool.name);
        let schema = Value::Object(schema);
        check_open(tool.name, "", &schema);
        assert!(
            jsonschema::meta::is_valid(&schema),
            "{}: not a valid JSON Schema",
            tool.name
        );
    }
}

/// The structuredContent of `tool` for `content` conforms to its declared schema.
fn accepts(tool: &str, content: Value) {
    let def = catalog::find(tool).unwrap_or_else(|| panic!("no tool {tool}"));
    crate::tools_sandbox::check_output(def, &content);
}

/// Go sends nil slices and maps as `null` (spec §6, §9.6): the schemas allow it wherever a
/// passed-through object can hold one.
#[test]
fn output_schemas_accept_the_nulls_the_paas_sends() {
    let app = json!({
        "id": "a1", "name": "web", "status": "running", "url": "", "domains": null,
        "volumes": null, "envVars": null, "secretKeys": null, "port": 8080,
        "portOverride": 0, "autoDeploy": false, "composeWeb": false, "extra": {"new": 1}
    });
    accepts("get_app", app.clone());
    accepts(
        "update_app",
        json!({ "app": app, "changed": ["memory"], "redeployNeeded": true }),
    );
    accepts(
        "add_domain",
        json!({ "id": "a1", "name": "web", "domains": null }),
    );
    accepts(
        "get_addon",
        json!({ "id": "d1", "name": "db", "type": "postgres", "status": "running",
                "attachedApps": null, "connEnv": null, "port": 5432 }),
    );
    accepts(
        "get_project_config",
        json!({ "projectId": "p1", "envVars": null, "secretKeys": null, "serviceCount": 2 }),
    );
    for tool in ["db_query", "db_read_table", "db_insert_row"] {
        accepts(
            tool,
            json!({ "columns": null, "rows": null, "truncated": false, "marker": "m" }),
        );
        accepts(
            tool,
            json!({ "columns": ["a", "b"], "rows": [["1", null]], "total": 1 }),
        );
    }
    accepts("db_list_tables", json!({ "type": "redis", "tables": null }));
    accepts("db_describe_table", json!({ "columns": null }));
    accepts(
        "read_git_file",
        json!({ "repo": "o/r", "path": "x", "size": null, "content": "",
                "truncated": false, "marker": "m" }),
    );
    accepts(
        "delete_agent",
        json!({ "id": "g1", "name": "bot", "status": null }),
    );
    accepts(
        "check_update",
        json!({ "current": "1", "latest": "1", "hasUpdate": false, "release": null }),
    );
    accepts(
        "scan_vulnerabilities",
        json!({ "vulnerabilities": null, "packageManager": "npm" }),
    );
    accepts(
        "app_analytics",
        json!({ "appId": "a1", "totalViews": 0, "timeseries": null, "topPages": null,
                "topReferrers": null, "browsers": null, "os": null, "devices": null }),
    );
    // A non-object answer passed through arrives wrapped as {"result": …}.
    accepts("server_info", json!({ "result": null }));
}

/// The validator is real: content of the wrong shape is refused.
#[test]
#[should_panic(expected = "does not match the outputSchema")]
fn output_validation_refuses_a_wrong_shape() {
    accepts(
        "add_domain",
        json!({ "id": "a1", "name": "web", "domains": "x.com" }),
    );
}

/// Tools the sandbox cannot complete (GitHub, Cloudflare, cloud providers, S3, webhooks,
/// updates): their schemas accept the answers spec §3 documents, as the handlers shape them.
#[test]
fn output_schemas_accept_documented_answers_of_outside_services() {
    accepts(
        "list_git_repos",
        json!({ "repos": [{ "full_name": "o/r", "clone_url": "https://github.com/o/r.git",
                "private": true, "description": "d", "updated_at": "2026-01-01T00:00:00Z" }],
                "count": 1 }),
    );
    accepts(
        "list_git_contents",
        json!({ "entries": [{ "name": "src", "path": "src", "type": "dir" }], "count": 1 }),
    );
    accepts(
        "read_git_file",
        json!({ "repo": "o/r", "path": "package.json", "size": 120, "content": "{}",
                "truncated": false, "marker": "m" }),
    );
    accepts(
        "create_github_webhook",
        json!({ "status": "success", "action": "created", "hookId": 4242,
                "url": "https://paas.example.com/api/webhooks/github/a1" }),
    );
    accepts(
        "create_dns_record",
        json!({ "status": "created", "domain": "shop.example.com", "ip": "203.0.113.7",
                "zone": "example.com", "proxied": false }),
    );
    accepts(
        "create_cloud_server",
        json!({ "id": "s1", "name": "cloud-1", "ip": "203.0.113.8", "port": 22,
                "sshUser": "root", "isLocal": false, "status": "unknown",
                "lastChecked": "0001-01-01T00:00:00Z", "publicKey": "ssh-ed25519 AAAA" }),
    );
    accepts("save_cloudflare_token", json!({ "status": "saved" }));
    accepts("test_backup_s3", json!({ "status": "ok" }));
    accepts("test_notifications", json!({ "status": "sent" }));
    accepts(
        "apply_update",
        json!({ "status": "started", "target": "v1.5.0", "message": "restarting" }),
    );
    accepts(
        "fix_vulnerabilities",
        json!({ "status": "deploying", "deployId": "d1" }),
    );
    accepts(
        "check_update",
        json!({ "current": "v1.4.0", "latest": "v1.5.0", "hasUpdate": true, "configured": true,
                "release": { "tagName": "v1.5.0", "name": "1.5", "notes": "",
                "url": "https://example.com", "publishedAt": "2026-01-01T00:00:00Z" },
                "checkedAt": "2026-01-02T00:00:00Z" }),
    );
}

#[test]
fn markdown_table_lists_every_tool() {
    let table = catalog::docs::markdown_table();
    assert_eq!(table.lines().count(), catalog::all().len() + 2);
    assert!(table.contains("| `deploy` (alias `paas_deploy`) | deploy | write | `deploy:trigger` + `apps:write` | `POST /api/deploy` |"));
    assert!(table.contains("`apps:read` \\| `logs:read`"));
}

fn guard_json(guard: &Guard) -> Value {
    match guard {
        Guard::Admin => json!("admin"),
        Guard::Scopes(groups) => json!(
            groups
                .iter()
                .map(|g| g.iter().map(|s| s.as_str()).collect::<Vec<_>>())
                .collect::<Vec<_>>()
        ),
    }
}

#[test]
fn tool_definitions_snapshot() {
    for tool in catalog::all() {
        let def = json!({
            "name": tool.name,
            "title": tool.title,
            "description": tool.description,
            "toolset": tool.toolset,
            "access": tool.access,
            "idempotent": tool.idempotent,
            "guard": guard_json(&tool.guard),
            "route": tool.route,
            "aliases": tool.aliases,
            "inputSchema": (tool.input_schema)(),
            "outputSchema": tool.output_schema.map(|s| s()),
        });
        insta::assert_json_snapshot!(format!("tool_{}", tool.name), def);
    }
}

/// Routes an agent token can reach that deliberately have no tool of their own.
const NOT_TOOLS: &[(&str, &str)] = &[
    (
        "/api/backups/download",
        "the archive contains the admin token and the encryption key",
    ),
    (
        "/api/auth/ws-ticket",
        "only for WebSockets (terminals and live streams are not tools)",
    ),
    (
        "/api/projects/services/deploy",
        "deploy with the project argument",
    ),
    (
        "/api/projects/services/deploy/upload",
        "deploy_directory with the project argument",
    ),
];

/// Coverage against the sandbox's route table (which mirrors upstream routes.go): every
/// HTTP route an agent token can use has a tool (or a stated reason not to), and each tool
/// requires at least the scopes its route checks.
#[test]
fn every_agent_route_has_a_tool_with_at_least_its_guard() {
    use paas_sandbox::routes::{Guard as RouteGuard, ROUTES};
    for route in ROUTES {
        let groups: Vec<Vec<&str>> = match route.guard {
            RouteGuard::All(scopes) => scopes.iter().map(|s| vec![*s]).collect(),
            RouteGuard::Any(scopes) => vec![scopes.to_vec()],
            RouteGuard::Token => Vec::new(),
            RouteGuard::Public | RouteGuard::Admin => continue,
        };
        if route.path.starts_with("/ws/") || NOT_TOOLS.iter().any(|(p, _)| *p == route.path) {
            continue;
        }
        let tools: Vec<_> = catalog::all()
            .iter()
            .filter(|t| t.route.path == route.path)
            .collect();
        assert!(!tools.is_empty(), "no tool for agent route {}", route.path);
        for tool in tools {
            let Guard::Scopes(tool_groups) = tool.guard else {
                panic!("{} guards an agent route with the admin gate", tool.name)
            };
            for group in &groups {
                let covered = tool_groups.iter().any(|tg| {
                    let tg: Vec<&str> = tg.iter().map(|s| s.as_str()).collect();
                    tg.iter().all(|s| group.contains(s))
                });
                assert!(
                    covered,
                    "{} does not require {group:?} of {}",
                    tool.name, route.path
                );
            }
        }
    }
}

/// The schemas embedded in the binary are the catalogue's: fails when `src/catalog/schemas.json`
/// is stale; `UPDATE_TOOL_SCHEMAS=1` rewrites it.
#[test]
fn embedded_tool_schemas_match_the_catalogue() {
    use paas_mcp::catalog::schemas;
    let fresh = schemas::generate();
    if schemas::EMBEDDED == fresh {
        for tool in paas_mcp::catalog::all() {
            assert_eq!(schemas::input(tool), (tool.input_schema)(), "{}", tool.name);
            assert_eq!(
                schemas::output(tool),
                tool.output_schema.map(|output| output()),
                "{}",
                tool.name
            );
        }
        return;
    }
    if std::env::var_os("UPDATE_TOOL_SCHEMAS").is_some() {
        let path =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/catalog/schemas.json");
        std::fs::write(&path, fresh).expect("src/catalog/schemas.json is writable");
        return;
    }
    panic!(
        "src/catalog/schemas.json is stale: run `UPDATE_TOOL_SCHEMAS=1 cargo test --test it catalog` \
         and commit it"
    );
}
