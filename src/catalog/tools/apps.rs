//! Apps: list, inspect, start/stop/restart, update, rename, delete, webhooks and
//! vulnerability scans (spec §3.1).

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::{Map, Value, json};

use super::{
    NoArgs, OrNull, array, check_name, def, get, json_output, list_output, output, post, project,
    result_schema, schema, str_field,
};
use crate::api::ApiError;
use crate::catalog::resolve::{Kind, looks_like_id, resolve};
use crate::catalog::{
    Access, Guard, Method, Scope, ToolContext, ToolDef, ToolError, ToolOutput, Toolset, mask,
};

const READ: Guard = Guard::Scopes(&[&[Scope::AppsRead]]);
const WRITE: Guard = Guard::Scopes(&[&[Scope::AppsWrite]]);

/// Fields of an app worth showing in a list.
pub(crate) const APP_SUMMARY: &[&str] = &[
    "id",
    "name",
    "status",
    "url",
    "domains",
    "gitRepo",
    "branch",
    "buildMethod",
    "image",
    "activeCommit",
    "activeCommitMsg",
    "projectId",
    "serviceName",
    "serverId",
    "createdAt",
];

pub const TOOLS: &[ToolDef] = &[
    ToolDef {
        description: "List every app on the PaaS with its id, name, status (building, running, stopped, failed), URL, domains, source and active commit.",
        aliases: &["paas_list_apps"],
        output_schema: Some(result_schema::<AppListOutput>),
        ..def(
            "list_apps",
            "List apps",
            Toolset::Apps,
            Access::Read,
            READ,
            Method::Get,
            "/api/apps",
            schema::<NoArgs>,
            handler!(list_apps),
        )
    },
    ToolDef {
        description: "Show one app in detail: status, source, build settings, env var names (secret values masked), domains, resources, volumes, health check, active deployment.",
        output_schema: Some(result_schema::<App>),
        aliases: &["paas_get_app"],
        ..def(
            "get_app",
            "Get app details",
            Toolset::Apps,
            Access::Read,
            READ,
            Method::Get,
            "/api/apps/get",
            schema::<AppArgs>,
            handler!(get_app),
        )
    },
    ToolDef {
        description: "Stop a running app's container (a compose service stops its whole group). Nothing is deleted; start_app brings it back.",
        idempotent: true,
        output_schema: Some(result_schema::<AppStatusOutput>),
        ..def(
            "stop_app",
            "Stop app",
            Toolset::Apps,
            Access::Write,
            WRITE,
            Method::Post,
            "/api/apps/stop",
            schema::<AppArgs>,
            handler!(stop_app),
        )
    },
    ToolDef {
        description: "Start a stopped app's container.",
        idempotent: true,
        output_schema: Some(result_schema::<AppStatusOutput>),
        ..def(
            "start_app",
            "Start app",
            Toolset::Apps,
            Access::Write,
            WRITE,
            Method::Post,
            "/api/apps/start",
            schema::<AppArgs>,
            handler!(start_app),
        )
    },
    ToolDef {
        description: "Restart an app: stop its container, then start it again (brief downtime). Use redeploy to rebuild from source instead.",
        output_schema: Some(result_schema::<AppStatusOutput>),
        ..def(
            "restart_app",
            "Restart app",
            Toolset::Apps,
            Access::Write,
            WRITE,
            Method::Post,
            "/api/apps/start",
            schema::<AppArgs>,
            handler!(restart_app),
        )
    },
    ToolDef {
        description: "Change an app's settings (source, build/start commands, port, resources, volumes, health check, env vars, auto-deploy). Only the fields you pass change; everything else is kept. Takes effect on the next redeploy.",
        output_schema: Some(result_schema::<AppUpdateOutput>),
        idempotent: true,
        ..def(
            "update_app",
            "Update app settings",
            Toolset::Apps,
            Access::Write,
            Guard::Scopes(&[&[Scope::AppsRead], &[Scope::AppsWrite]]),
            Method::Post,
            "/api/apps/update",
            schema::<UpdateAppArgs>,
            handler!(update_app),
        )
    },
    ToolDef {
        description: "Rename an app. If the new name is taken the server adds a suffix; the result shows the final name.",
        output_schema: Some(result_schema::<RenamedApp>),
        ..def(
            "rename_app",
            "Rename app",
            Toolset::Apps,
            Access::Write,
            WRITE,
            Method::Post,
            "/api/apps/rename",
            schema::<RenameAppArgs>,
            handler!(rename_app),
        )
    },
    ToolDef {
        description: "Delete an app for good: its container, deployments, cron jobs, analytics and logs (a compose service deletes its whole group). Cannot be undone.",
        idempotent: true,
        output_schema: Some(result_schema::<AppStatusOutput>),
        ..def(
            "delete_app",
            "Delete app",
            Toolset::Apps,
            Access::Destructive,
            Guard::Scopes(&[&[Scope::AppsDelete]]),
            Method::Post,
            "/api/apps/delete",
            schema::<AppArgs>,
            handler!(delete_app),
        )
    },
    ToolDef {
        description: "Show an app's GitHub push-webhook URL and event. The webhook secret is masked.",
        output_schema: Some(result_schema::<WebhookOutput>),
        ..def(
            "get_app_webhook",
            "Get app webhook",
            Toolset::Apps,
            Access::Read,
            READ,
            Method::Get,
            "/api/apps/webhook",
            schema::<AppArgs>,
            handler!(get_app_webhook),
        )
    },
    ToolDef {
        description: "Generate a new webhook secret for an app (the old one stops working). The new secret is not shown; use create_github_webhook to configure GitHub with it.",
        output_schema: Some(result_schema::<WebhookRegenerated>),
        ..def(
            "regenerate_app_webhook",
            "Regenerate webhook secret",
            Toolset::Apps,
            Access::Write,
            WRITE,
            Method::Post,
            "/api/apps/webhook/regenerate",
            schema::<AppArgs>,
            handler!(regenerate_app_webhook),
        )
    },
    ToolDef {
        description: "Create or update the push webhook on the app's GitHub repository (needs a GitHub token stored on the PaaS) and turn on auto-deploy.",
        output_schema: Some(result_schema::<GithubWebhookOutput>),
        idempotent: true,
        ..def(
            "create_github_webhook",
            "Create GitHub webhook",
            Toolset::Apps,
            Access::Write,
            WRITE,
            Method::Post,
            "/api/apps/webhook/github/create",
            schema::<AppArgs>,
            handler!(create_github_webhook),
        )
    },
    ToolDef {
        description: "Scan an app's JavaScript dependencies for known vulnerabilities (npm/pnpm/yarn audit on the build directory).",
        output_schema: Some(result_schema::<VulnerabilityScan>),
        ..def(
            "scan_vulnerabilities",
            "Scan vulnerabilities",
            Toolset::Apps,
            Access::Read,
            READ,
            Method::Get,
            "/api/apps/vulnerabilities/scan",
            schema::<AppArgs>,
            handler!(scan_vulnerabilities),
        )
    },
    ToolDef {
        description: "Fix vulnerable dependencies and redeploy. option \"local\" patches the build only; option \"git\" commits the fix and PUSHES it to the app's repository.",
        output_schema: Some(result_schema::<VulnerabilityFix>),
        ..def(
            "fix_vulnerabilities",
            "Fix vulnerabilities",
            Toolset::Apps,
            Access::Write,
            WRITE,
            Method::Post,
            "/api/apps/vulnerabilities/fix",
            schema::<FixArgs>,
            handler!(fix_vulnerabilities),
        )
    },
];

/// An app addressed by name or id.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AppArgs {
    /// App name or id, as shown by list_apps (e.g. "web-shop").
    pub app: String,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RenameAppArgs {
    /// App name or id to rename.
    pub app: String,
    /// New name: 2-40 lowercase letters, digits or hyphens, starting and ending with a letter or digit.
    pub name: String,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct FixArgs {
    /// App name or id.
    pub app: String,
    /// "local" (patch the build only) or "git" (commit and push the fix to the repository).
    pub option: FixOption,
    /// Fix only this npm package (default: all fixable packages).
    #[serde(default)]
    pub package: Option<String>,
}

#[derive(Debug, Clone, Copy, Deserialize, serde::Serialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum FixOption {
    Local,
    Git,
}

/// Settings to change; omitted fields keep their current value.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct UpdateAppArgs {
    /// App name or id to update.
    pub app: String,
    /// Git repository URL to build from.
    #[serde(default)]
    pub git_repo: Option<String>,
    /// Git branch to build.
    #[serde(default)]
    pub branch: Option<String>,
    /// Subdirectory of the repository to build (relative, no "..").
    #[serde(default)]
    pub root_dir: Option<String>,
    /// Build command (nixpacks builds); empty string clears it.
    #[serde(default)]
    pub build_command: Option<String>,
    /// Start command; empty string clears it.
    #[serde(default)]
    pub start_command: Option<String>,
    /// Install command; empty string clears it.
    #[serde(default)]
    pub install_command: Option<String>,
    /// Port the app listens on inside the container (1-65535; 0 = detect).
    #[serde(default)]
    pub port: Option<u16>,
    /// Memory limit such as "512m" or "1g"; empty string = unlimited.
    #[serde(default)]
    pub memory: Option<String>,
    /// CPU limit such as "0.5" or "2"; empty string = unlimited.
    #[serde(default)]
    pub cpus: Option<String>,
    /// Volumes, replacing the current list: "name:/container/path" or "/host/path:/container/path", optionally ending in ":ro" for read-only.
    #[serde(default)]
    pub volumes: Option<Vec<String>>,
    /// HTTP health-check path such as "/healthz"; empty string = TCP check.
    #[serde(default)]
    pub health_path: Option<String>,
    /// Redeploy automatically on every push to the branch.
    #[serde(default)]
    pub auto_deploy: Option<bool>,
    /// Build method: nixpacks, dockerfile, compose, image or dockerfile-inline.
    #[serde(default)]
    pub build_method: Option<String>,
    /// Dockerfile path relative to the root dir (dockerfile builds).
    #[serde(default)]
    pub dockerfile_path: Option<String>,
    /// Env vars to add or overwrite (KEY -> value). Other env vars are kept; a value of "***" keeps the current secret value.
    #[serde(default)]
    pub env: Option<BTreeMap<String, String>>,
    /// Env var names to remove.
    #[serde(default)]
    pub remove_env: Option<Vec<String>>,
    /// Env var names whose values are secret (masked in every answer); added to the current list.
    #[serde(default)]
    pub secret_keys: Option<Vec<String>>,
}

/// Output of the lifecycle tools (stop, start, restart, delete).
#[derive(JsonSchema)]
#[allow(dead_code)]
pub struct AppStatusOutput {
    /// App id.
    id: String,
    /// App name (left out when the token cannot list apps and the id was given).
    name: Option<String>,
    /// Status after the call: running, stopped or deleted.
    status: String,
}

/// Output of list_apps.
#[derive(JsonSchema)]
#[allow(dead_code)]
pub struct AppListOutput {
    /// The apps, newest first as the server sends them.
    apps: Vec<AppSummary>,
    /// Number of apps.
    count: usize,
}

/// One app in a list.
#[derive(JsonSchema)]
#[serde(rename_all = "camelCase")]
#[allow(dead_code)]
pub struct AppSummary {
    /// App id.
    id: String,
    /// App name (unique).
    name: String,
    /// building, running, stopped or failed.
    status: Option<String>,
    /// Default URL of the app.
    url: Option<String>,
    /// Custom domains.
    domains: Option<OrNull<Vec<String>>>,
    /// Git repository ("upload://ID" for uploaded sources).
    git_repo: Option<String>,
    /// Git branch.
    branch: Option<String>,
    /// nixpacks, dockerfile, compose, image or dockerfile-inline.
    build_method: Option<String>,
    /// Image, for image deploys.
    image: Option<String>,
    /// Commit of the running deployment.
    active_commit: Option<String>,
    /// Its commit message.
    active_commit_msg: Option<String>,
    /// Project it belongs to.
    project_id: Option<String>,
    /// Service name in the project.
    service_name: Option<String>,
    /// Server it runs on (localhost = the PaaS host).
    server_id: Option<String>,
    /// Creation time (RFC 3339).
    created_at: Option<String>,
}

/// An app as the PaaS shows it, secret values masked (spec §6.1); it may hold more fields.
#[derive(JsonSchema)]
#[serde(rename_all = "camelCase")]
#[allow(dead_code)]
pub struct App {
    #[serde(flatten)]
    summary: AppSummary,
    /// Subdirectory of the repository that is built.
    root_dir: Option<String>,
    /// Dockerfile path (dockerfile builds).
    dockerfile_path: Option<String>,
    /// Compose file path (compose builds).
    compose_path: Option<String>,
    /// Build command override.
    build_command: Option<String>,
    /// Start command override.
    start_command: Option<String>,
    /// Install command override.
    install_command: Option<String>,
    /// Host port allocated to the app.
    port: Option<i64>,
    /// Port the app listens on in its container (0 = detected).
    port_override: Option<i64>,
    /// Env vars, KEY -> value; secret values are "***".
    env_vars: Option<OrNull<BTreeMap<String, String>>>,
    /// Names of the env vars whose values are secret.
    secret_keys: Option<OrNull<Vec<String>>>,
    /// Memory limit such as "512m" ("" = unlimited).
    memory: Option<String>,
    /// CPU limit such as "0.5" ("" = unlimited).
    cpus: Option<String>,
    /// Volumes, "source:/container/path[:ro]".
    volumes: Option<OrNull<Vec<String>>>,
    /// HTTP health-check path ("" = TCP check).
    health_path: Option<String>,
    /// Redeploys on every push.
    auto_deploy: Option<bool>,
    /// Id of the running deployment.
    active_deploy_id: Option<String>,
}

/// Output of update_app.
#[derive(JsonSchema)]
#[serde(rename_all = "camelCase")]
#[allow(dead_code)]
pub struct AppUpdateOutput {
    /// The app after the update.
    app: App,
    /// Names of the fields that changed.
    changed: Vec<String>,
    /// Always true: build settings apply on the next redeploy.
    redeploy_needed: bool,
}

/// Output of rename_app: the app under its final name.
#[derive(JsonSchema)]
#[serde(rename_all = "camelCase")]
#[allow(dead_code)]
pub struct RenamedApp {
    #[serde(flatten)]
    app: AppSummary,
    /// The name asked for; differs from name when it was taken.
    requested_name: String,
}

/// An app's GitHub push webhook.
#[derive(JsonSchema)]
#[allow(dead_code)]
pub struct WebhookOutput {
    /// URL GitHub posts push events to.
    url: Option<String>,
    /// Always "***" (masked).
    secret: Option<String>,
    /// Event it fires on: push.
    event: Option<String>,
}

/// Output of regenerate_app_webhook.
#[derive(JsonSchema)]
#[allow(dead_code)]
pub struct WebhookRegenerated {
    /// App id.
    id: String,
    /// App name (left out when the token cannot list apps and the id was given).
    name: Option<String>,
    /// Always "***": the new secret is not shown.
    secret: String,
    /// Always true.
    regenerated: bool,
}

/// Output of create_github_webhook.
#[derive(JsonSchema)]
#[serde(rename_all = "camelCase")]
#[allow(dead_code)]
pub struct GithubWebhookOutput {
    /// success.
    status: Option<String>,
    /// created or updated.
    action: Option<String>,
    /// GitHub's id of the hook.
    hook_id: Option<i64>,
    /// URL the hook posts to.
    url: Option<String>,
}

/// Output of scan_vulnerabilities.
#[derive(JsonSchema)]
#[serde(rename_all = "camelCase")]
#[allow(dead_code)]
pub struct VulnerabilityScan {
    /// Vulnerable dependencies found.
    vulnerabilities: Option<OrNull<Vec<Vulnerability>>>,
    /// npm, pnpm or yarn.
    package_manager: Option<String>,
}

/// One vulnerable dependency.
#[derive(JsonSchema)]
#[allow(dead_code)]
pub struct Vulnerability {
    /// npm package.
    package: Option<String>,
    /// low, moderate, high or critical.
    severity: Option<String>,
    /// Advisory title.
    title: Option<String>,
    /// Advisory URL.
    url: Option<String>,
    /// Affected versions.
    range: Option<String>,
}

/// Output of fix_vulnerabilities.
#[derive(JsonSchema)]
#[serde(rename_all = "camelCase")]
#[allow(dead_code)]
pub struct VulnerabilityFix {
    /// deploying.
    status: Option<String>,
    /// Id of the deployment that applies the fix.
    deploy_id: Option<String>,
}

/// One-line summary of an app for text output.
pub(crate) fn app_line(app: &Value) -> String {
    let mut line = format!(
        "{} ({}) {}",
        str_field(app, "name"),
        str_field(app, "id"),
        str_field(app, "status")
    );
    let url = str_field(app, "url");
    if !url.is_empty() {
        line.push_str(&format!(" {url}"));
    }
    line
}

/// An app object ready for a model: secrets masked.
pub(crate) fn public_app(mut app: Value) -> Value {
    mask::app(&mut app);
    app
}

async fn list_apps(ctx: &ToolContext, _: NoArgs) -> Result<ToolOutput, ToolError> {
    let apps: Vec<Value> = array(get(ctx, "/api/apps", &[]).await?)
        .iter()
        .map(|a| project(a, APP_SUMMARY))
        .collect();
    let text = if apps.is_empty() {
        "No apps yet.".to_owned()
    } else {
        apps.iter().map(app_line).collect::<Vec<_>>().join("\n")
    };
    let mut out = list_output("apps", apps, "");
    out.text = text;
    Ok(out)
}

async fn get_app(ctx: &ToolContext, args: AppArgs) -> Result<ToolOutput, ToolError> {
    // The common call passes an id (from list_apps): one request instead of list + get.
    let query = args.app.trim();
    let by_id = if looks_like_id(query) {
        match get(ctx, "/api/apps/get", &[("id", query.to_owned())]).await {
            Ok(full) => Some(full),
            // Not an id after all: resolve it as a name below.
            Err(ToolError::Api(ApiError::Status { status: 404, .. })) => None,
            Err(e) => return Err(e),
        }
    } else {
        None
    };
    let full = match by_id {
        Some(full) => full,
        None => {
            let app = resolve(ctx, Kind::App, &args.app).await?;
            get(ctx, "/api/apps/get", &[("id", app.id.clone())])
                .await
                .map_err(|e| app.miss(e))?
        }
    };
    let full = public_app(full);
    let text = format!(
        "{}\n{}",
        app_line(&full),
        serde_json::to_string(&full).unwrap_or_default()
    );
    Ok(output(full, text))
}

/// POST `{id}` to an app lifecycle route and report the new status.
async fn lifecycle(
    ctx: &ToolContext,
    query: &str,
    path: &str,
    verb: &str,
) -> Result<ToolOutput, ToolError> {
    let app = resolve(ctx, Kind::App, query).await?;
    let answer = post(ctx, path, json!({ "id": app.id }))
        .await
        .map_err(|e| app.miss(e))?;
    let status = str_field(&answer, "status").to_owned();
    let mut structured = json!({ "id": app.id, "status": status });
    if let (Some(name), Some(obj)) = (app.known_name(), structured.as_object_mut()) {
        obj.insert("name".to_owned(), Value::from(name));
    }
    Ok(output(
        structured,
        format!("{verb} {}: status {status}", app.describe()),
    ))
}

async fn stop_app(ctx: &ToolContext, args: AppArgs) -> Result<ToolOutput, ToolError> {
    lifecycle(ctx, &args.app, "/api/apps/stop", "Stopped").await
}

async fn start_app(ctx: &ToolContext, args: AppArgs) -> Result<ToolOutput, ToolError> {
    lifecycle(ctx, &args.app, "/api/apps/start", "Started").await
}

async fn restart_app(ctx: &ToolContext, args: AppArgs) -> Result<ToolOutput, ToolError> {
    let app = resolve(ctx, Kind::App, &args.app).await?;
    post(ctx, "/api/apps/stop", json!({ "id": app.id }))
        .await
        .map_err(|e| app.miss(e))?;
    lifecycle(ctx, &app.id, "/api/apps/start", "Restarted").await
}

async fn delete_app(ctx: &ToolContext, args: AppArgs) -> Result<ToolOutput, ToolError> {
    lifecycle(ctx, &args.app, "/api/apps/delete", "Deleted").await
}

async fn rename_app(ctx: &ToolContext, args: RenameAppArgs) -> Result<ToolOutput, ToolError> {
    check_name("app", &args.name)?;
    let app = resolve(ctx, Kind::App, &args.app).await?;
    let renamed = post(
        ctx,
        "/api/apps/rename",
        json!({ "id": app.id, "name": args.name }),
    )
    .await
    .map_err(|e| app.miss(e))?;
    let final_name = str_field(&renamed, "name").to_owned();
    let mut text = format!("Renamed {} to {final_name}", app.name);
    if final_name != args.name {
        text.push_str(&format!(
            " (\"{}\" was taken, so the server chose \"{final_name}\")",
            args.name
        ));
    }
    let mut structured = project(&renamed, APP_SUMMARY);
    if let Some(obj) = structured.as_object_mut() {
        obj.insert("requestedName".to_owned(), Value::from(args.name));
    }
    Ok(output(structured, text))
}

/// The fields `/api/apps/update` overwrites when omitted (spec §9.1), with their JSON
/// default when the app has no value.
/// A field name and the JSON it takes when the app has no value.
type FieldDefault = (&'static str, fn() -> Value);

const UPDATE_FIELDS: &[FieldDefault] = &[
    ("gitRepo", || Value::from("")),
    ("branch", || Value::from("")),
    ("rootDir", || Value::from("")),
    ("buildCommand", || Value::from("")),
    ("startCommand", || Value::from("")),
    ("installCommand", || Value::from("")),
    ("portOverride", || Value::from(0)),
    ("domains", || Value::Array(Vec::new())),
    ("memory", || Value::from("")),
    ("cpus", || Value::from("")),
    ("volumes", || Value::Array(Vec::new())),
    ("healthPath", || Value::from("")),
    ("secretKeys", || Value::Array(Vec::new())),
    ("autoDeploy", || Value::from(false)),
    ("buildMethod", || Value::from("")),
    ("dockerfilePath", || Value::from("")),
];

/// Build the full update body from the current app and the requested changes; returns
/// the body and the names of the fields that change.
pub(crate) fn update_body(
    current: &Value,
    args: &UpdateAppArgs,
) -> (Map<String, Value>, Vec<String>) {
    let mut body = Map::new();
    body.insert(
        "id".to_owned(),
        current.get("id").cloned().unwrap_or(Value::Null),
    );
    for (field, default) in UPDATE_FIELDS {
        // Truly optional on the server (kept when omitted): send only what the app has.
        let optional = matches!(
            *field,
            "domains" | "autoDeploy" | "buildMethod" | "dockerfilePath"
        );
        if optional && current.get(*field).is_none_or(Value::is_null) {
            continue;
        }
        // Send back exactly what the app has (null included); a default only when the
        // field is missing altogether.
        let v = current.get(*field).cloned().unwrap_or_else(default);
        body.insert((*field).to_owned(), v);
    }
    let mut changed = Vec::new();
    fn set(body: &mut Map<String, Value>, key: &str, value: Value, changed: &mut Vec<String>) {
        if body.get(key) != Some(&value) {
            changed.push(key.to_owned());
        }
        body.insert(key.to_owned(), value);
    }
    let strings = [
        ("gitRepo", &args.git_repo),
        ("branch", &args.branch),
        ("rootDir", &args.root_dir),
        ("buildCommand", &args.build_command),
        ("startCommand", &args.start_command),
        ("installCommand", &args.install_command),
        ("memory", &args.memory),
        ("cpus", &args.cpus),
        ("healthPath", &args.health_path),
        ("buildMethod", &args.build_method),
        ("dockerfilePath", &args.dockerfile_path),
    ];
    for (key, value) in strings {
        if let Some(v) = value {
            set(&mut body, key, Value::from(v.clone()), &mut changed);
        }
    }
    if let Some(port) = args.port {
        set(&mut body, "portOverride", Value::from(port), &mut changed);
    }
    if let Some(volumes) = &args.volumes {
        set(&mut body, "volumes", json!(volumes), &mut changed);
    }
    if let Some(auto) = args.auto_deploy {
        set(&mut body, "autoDeploy", Value::from(auto), &mut changed);
    }
    let mut secret_keys: Vec<String> = body
        .get("secretKeys")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default();
    if let Some(extra) = &args.secret_keys {
        for k in extra {
            if !secret_keys.contains(k) {
                secret_keys.push(k.clone());
            }
        }
        set(&mut body, "secretKeys", json!(secret_keys), &mut changed);
    }
    // envVars is kept by the server only when omitted: send it only when it changes.
    // Secret values come back as "***"; sending "***" with the key listed in secretKeys
    // keeps the stored value.
    if args.env.is_some() || args.remove_env.is_some() {
        let before: Map<String, Value> = current
            .get("envVars")
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default();
        let mut env = before.clone();
        for (k, v) in args.env.iter().flatten() {
            // "***" is how answers show a secret: sending it back means "keep the value".
            if v == mask::MASK && env.contains_key(k) {
                continue;
            }
            env.insert(k.clone(), Value::from(v.clone()));
        }
        for k in args.remove_env.iter().flatten() {
            env.remove(k);
        }
        secret_keys
            .retain(|k| env.contains_key(k) || !args.remove_env.iter().flatten().any(|r| r == k));
        // Keep every still-masked value's key listed so the server keeps the stored value.
        for (k, v) in &env {
            if v.as_str() == Some(mask::MASK) && !secret_keys.contains(k) {
                secret_keys.push(k.clone());
            }
        }
        // Keeping a value ("***"), removing a key that is not there: no change to report.
        if env != before {
            body.insert("secretKeys".to_owned(), json!(secret_keys));
            body.insert("envVars".to_owned(), Value::Object(env));
            changed.push("envVars".to_owned());
        }
    }
    (body, changed)
}

async fn update_app(ctx: &ToolContext, args: UpdateAppArgs) -> Result<ToolOutput, ToolError> {
    let app = resolve(ctx, Kind::App, &args.app).await?;
    let current = get(ctx, "/api/apps/get", &[("id", app.id.clone())])
        .await
        .map_err(|e| app.miss(e))?;
    if let Some(key) = args
        .env
        .iter()
        .flatten()
        .map(|(k, _)| k)
        .find(|k| args.remove_env.iter().flatten().any(|r| r == *k))
    {
        return Err(ToolError::InvalidArguments(format!(
            "{key} is both in env (set) and in removeEnv (remove); pass it in one of them"
        )));
    }
    // "***" means "keep the current secret value"; for a key without one it would store the
    // three asterisks as the value.
    let existing = current.get("envVars").and_then(Value::as_object);
    if let Some((key, _)) = args.env.iter().flatten().find(|(k, v)| {
        v.as_str() == mask::MASK && !existing.is_some_and(|env| env.contains_key(k.as_str()))
    }) {
        return Err(ToolError::InvalidArguments(format!(
            "env {key} is \"***\", which means \"keep the current secret value\", but {} has no \
             {key} yet. Send the real value for {key}, or leave it out",
            app.name
        )));
    }
    let (body, changed) = update_body(&current, &args);
    if changed.is_empty() {
        return Err(ToolError::InvalidArguments(
            "nothing to change: pass at least one setting that differs from the current value (see get_app)".to_owned(),
        ));
    }
    let updated = post(ctx, "/api/apps/update", Value::Object(body)).await?;
    let updated = public_app(updated);
    let text = format!(
        "Updated {}: {}. Redeploy to apply build changes.",
        str_field(&updated, "name"),
        changed.join(", ")
    );
    let mut structured = json!({ "app": updated, "changed": changed });
    if let Some(obj) = structured.as_object_mut() {
        obj.insert("redeployNeeded".to_owned(), Value::from(true));
    }
    Ok(output(structured, text))
}

async fn get_app_webhook(ctx: &ToolContext, args: AppArgs) -> Result<ToolOutput, ToolError> {
    let app = resolve(ctx, Kind::App, &args.app).await?;
    let mut hook = get(ctx, "/api/apps/webhook", &[("id", app.id.clone())])
        .await
        .map_err(|e| app.miss(e))?;
    if let Some(obj) = hook.as_object_mut() {
        obj.insert("secret".to_owned(), Value::from(mask::MASK));
    }
    Ok(json_output(hook))
}

async fn regenerate_app_webhook(ctx: &ToolContext, args: AppArgs) -> Result<ToolOutput, ToolError> {
    let app = resolve(ctx, Kind::App, &args.app).await?;
    post(ctx, "/api/apps/webhook/regenerate", json!({ "id": app.id }))
        .await
        .map_err(|e| app.miss(e))?;
    let mut structured = json!({ "id": app.id, "secret": mask::MASK, "regenerated": true });
    if let (Some(name), Some(obj)) = (app.known_name(), structured.as_object_mut()) {
        obj.insert("name".to_owned(), Value::from(name));
    }
    Ok(output(
        structured,
        format!(
            "New webhook secret generated for {} (not shown). Run create_github_webhook to update GitHub.",
            app.describe()
        ),
    ))
}

async fn create_github_webhook(ctx: &ToolContext, args: AppArgs) -> Result<ToolOutput, ToolError> {
    let app = resolve(ctx, Kind::App, &args.app).await?;
    let answer = post(
        ctx,
        "/api/apps/webhook/github/create",
        json!({ "id": app.id }),
    )
    .await
    .map_err(|e| app.miss(e))?;
    Ok(json_output(answer))
}

async fn scan_vulnerabilities(ctx: &ToolContext, args: AppArgs) -> Result<ToolOutput, ToolError> {
    let app = resolve(ctx, Kind::App, &args.app).await?;
    let answer = get(
        ctx,
        "/api/apps/vulnerabilities/scan",
        &[("id", app.id.clone())],
    )
    .await
    .map_err(|e| app.miss(e))?;
    Ok(json_output(answer))
}

async fn fix_vulnerabilities(ctx: &ToolContext, args: FixArgs) -> Result<ToolOutput, ToolError> {
    let app = resolve(ctx, Kind::App, &args.app).await?;
    let mut body = json!({ "id": app.id, "option": args.option });
    if let (Some(p), Some(obj)) = (&args.package, body.as_object_mut()) {
        obj.insert("package".to_owned(), Value::from(p.clone()));
    }
    let answer = post(ctx, "/api/apps/vulnerabilities/fix", body)
        .await
        .map_err(|e| app.miss(e))?;
    Ok(json_output(answer))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn update_keeps_every_field_not_asked_to_change() {
        let current = json!({
            "id": "a1", "name": "web", "gitRepo": "https://g/x", "branch": "main",
            "buildCommand": "npm run build", "memory": "512m", "volumes": ["data:/data"],
            "envVars": {"A": "1", "SECRET": "***"}, "secretKeys": ["SECRET"], "portOverride": 3000
        });
        let args = UpdateAppArgs {
            app: "web".into(),
            memory: Some("1g".into()),
            ..Default::default()
        };
        let (body, changed) = update_body(&current, &args);
        assert_eq!(changed, ["memory"]);
        assert_eq!(body["gitRepo"], "https://g/x");
        assert_eq!(body["buildCommand"], "npm run build");
        assert_eq!(body["volumes"], json!(["data:/data"]));
        assert_eq!(body["portOverride"], 3000);
        assert_eq!(body["secretKeys"], json!(["SECRET"]));
        assert!(
            !body.contains_key("envVars"),
            "env must be omitted so the server keeps it"
        );

        let args = UpdateAppArgs {
            app: "web".into(),
            env: Some([("B".to_owned(), "2".to_owned())].into()),
            ..Default::default()
        };
        let (body, _) = update_body(&current, &args);
        assert_eq!(
            body["envVars"],
            json!({"A": "1", "SECRET": "***", "B": "2"})
        );
        assert_eq!(body["secretKeys"], json!(["SECRET"]));
    }
}
