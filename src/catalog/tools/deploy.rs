//! New deployments (git, local directory upload, image, inline Dockerfile, template,
//! project service), redeploy, rollback, deployment history and git browsing (spec §3.1–3.3,
//! §3.6, §3.10).
//!
//! The server may rename a new app on a name collision (spec §9.2); every deploy tool
//! reports the final name and says so when it differs from the one asked for.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::{Map, Value, json};

use super::apps::{APP_SUMMARY, AppSummary};
use super::{
    NoArgs, OrNull, array, check_name, def, get, list_output, output, post, project, put_opt,
    result_schema, schema, str_field,
};
use crate::api::ApiError;
use crate::api::upload::{Upload, UploadLimits};
use crate::catalog::resolve::{Kind, Resolved, closest, resolve, server_id};
use crate::catalog::{
    Access, Guard, Method, Scope, ToolContext, ToolDef, ToolError, ToolOutput, Toolset, fence,
};

const DEPLOY: Guard = Guard::Scopes(&[&[Scope::DeployTrigger], &[Scope::AppsWrite]]);
const WRITE: Guard = Guard::Scopes(&[&[Scope::AppsWrite]]);
const READ: Guard = Guard::Scopes(&[&[Scope::AppsRead]]);

pub const TOOLS: &[ToolDef] = &[
    ToolDef {
        description: "Deploy a NEW app from a Git repository (always creates a new app; use redeploy to rebuild an existing one). Returns immediately with status building; follow with get_app or build_logs. With project, the app becomes a service of that project.",
        aliases: &["paas_deploy"],
        output_schema: Some(result_schema::<DeployOutput>),
        ..def(
            "deploy",
            "Deploy from Git",
            Toolset::Deploy,
            Access::Write,
            DEPLOY,
            Method::Post,
            "/api/deploy",
            schema::<DeployArgs>,
            handler!(deploy),
        )
    },
    ToolDef {
        description: "Deploy a NEW app from a local directory (e.g. the folder you are working in) or a .zip file: the files are uploaded and built on the PaaS. Skips .git, node_modules, target, symlinks and files that hold secrets (.env, private keys, .ssh, .paas; listed in the answer); refuses a .zip that holds such files, the home directory and the filesystem root. At most 10000 files, 100 MiB per file, 200 MiB in total. With project, the app becomes a service of that project.",
        output_schema: Some(result_schema::<DeployDirectoryOutput>),
        ..def(
            "deploy_directory",
            "Deploy local directory",
            Toolset::Deploy,
            Access::Write,
            DEPLOY,
            Method::Post,
            "/api/deploy/upload",
            schema::<DeployDirectoryArgs>,
            handler!(deploy_directory),
        )
    },
    ToolDef {
        description: "Deploy a NEW app from a container image (e.g. \"nginx:1.27\" or \"ghcr.io/org/app:tag\").",
        output_schema: Some(result_schema::<DeployOutput>),
        ..def(
            "deploy_image",
            "Deploy image",
            Toolset::Deploy,
            Access::Write,
            DEPLOY,
            Method::Post,
            "/api/catalog/deploy-image",
            schema::<DeployImageArgs>,
            handler!(deploy_image),
        )
    },
    ToolDef {
        description: "Deploy a NEW app built from an inline Dockerfile (max 64 KB, must contain FROM).",
        output_schema: Some(result_schema::<DeployOutput>),
        ..def(
            "deploy_dockerfile",
            "Deploy inline Dockerfile",
            Toolset::Deploy,
            Access::Write,
            DEPLOY,
            Method::Post,
            "/api/catalog/deploy-dockerfile",
            schema::<DeployDockerfileArgs>,
            handler!(deploy_dockerfile),
        )
    },
    ToolDef {
        description: "List the one-click app templates (databases, CMSs, tools) with their required env vars and add-ons, for deploy_template.",
        output_schema: Some(result_schema::<TemplateListOutput>),
        ..def(
            "list_templates",
            "List templates",
            Toolset::Deploy,
            Access::Read,
            READ,
            Method::Get,
            "/api/catalog",
            schema::<NoArgs>,
            handler!(list_templates),
        )
    },
    ToolDef {
        description: "Deploy a NEW app from a template (see list_templates); required add-ons are created automatically.",
        output_schema: Some(result_schema::<DeployOutput>),
        ..def(
            "deploy_template",
            "Deploy template",
            Toolset::Deploy,
            Access::Write,
            DEPLOY,
            Method::Post,
            "/api/catalog/deploy",
            schema::<DeployTemplateArgs>,
            handler!(deploy_template),
        )
    },
    ToolDef {
        description: "Rebuild and redeploy an existing app from its source (a compose service redeploys its group). Returns immediately with status building.",
        output_schema: Some(result_schema::<AppSummary>),
        aliases: &["paas_redeploy"],
        ..def(
            "redeploy",
            "Redeploy app",
            Toolset::Deploy,
            Access::Write,
            WRITE,
            Method::Post,
            "/api/apps/redeploy",
            schema::<RedeployArgs>,
            handler!(redeploy),
        )
    },
    ToolDef {
        description: "Roll an app back to an earlier build's image (default: the newest successful build older than the one running now; calling it again goes further back). See list_deployments for ids.",
        output_schema: Some(result_schema::<RollbackOutput>),
        ..def(
            "rollback_app",
            "Roll back app",
            Toolset::Deploy,
            Access::Write,
            WRITE,
            Method::Post,
            "/api/apps/rollback",
            schema::<RollbackArgs>,
            handler!(rollback_app),
        )
    },
    ToolDef {
        description: "Rebuild and redeploy a compose or Dockerfile project (its primary service).",
        output_schema: Some(result_schema::<AppSummary>),
        ..def(
            "redeploy_project",
            "Redeploy project",
            Toolset::Deploy,
            Access::Write,
            DEPLOY,
            Method::Post,
            "/api/projects/redeploy",
            schema::<RedeployProjectArgs>,
            handler!(redeploy_project),
        )
    },
    ToolDef {
        description: "List recent deployments (newest first) with status, trigger, commit and duration; optionally for one app. Build logs are not included (see build_logs).",
        output_schema: Some(result_schema::<DeploymentListOutput>),
        ..def(
            "list_deployments",
            "List deployments",
            Toolset::Deploy,
            Access::Read,
            READ,
            Method::Get,
            "/api/deployments/history",
            schema::<ListDeploymentsArgs>,
            handler!(list_deployments),
        )
    },
    ToolDef {
        description: "List the GitHub repositories the PaaS's stored GitHub token can see.",
        output_schema: Some(result_schema::<GitRepoListOutput>),
        ..def(
            "list_git_repos",
            "List Git repositories",
            Toolset::Deploy,
            Access::Read,
            READ,
            Method::Get,
            "/api/git/repos",
            schema::<NoArgs>,
            handler!(list_git_repos),
        )
    },
    ToolDef {
        description: "List the branches of a Git repository.",
        output_schema: Some(result_schema::<BranchListOutput>),
        ..def(
            "list_git_branches",
            "List Git branches",
            Toolset::Deploy,
            Access::Read,
            READ,
            Method::Post,
            "/api/git/branches",
            schema::<BranchesArgs>,
            handler!(list_git_branches),
        )
    },
    ToolDef {
        description: "List the files and folders at a path of a GitHub repository.",
        output_schema: Some(result_schema::<GitEntryListOutput>),
        ..def(
            "list_git_contents",
            "List repository contents",
            Toolset::Deploy,
            Access::Read,
            READ,
            Method::Get,
            "/api/git/contents",
            schema::<GitContentsArgs>,
            handler!(list_git_contents),
        )
    },
    ToolDef {
        description: "Read one file of a GitHub repository (at most 100 KB of it is returned).",
        output_schema: Some(result_schema::<GitFileOutput>),
        ..def(
            "read_git_file",
            "Read repository file",
            Toolset::Deploy,
            Access::Read,
            READ,
            Method::Get,
            "/api/git/file",
            schema::<GitFileArgs>,
            handler!(read_git_file),
        )
    },
];

/// Deploy a new app from Git.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct DeployArgs {
    /// Name of the new app: 2-40 lowercase letters, digits or hyphens. If taken, the server adds a suffix.
    pub name: String,
    /// Git repository URL, e.g. "https://github.com/org/repo".
    pub git_repo: String,
    /// Branch to build (default "main").
    #[serde(default)]
    pub branch: Option<String>,
    /// Project name or id: deploy the app as a service of this project.
    #[serde(default)]
    pub project: Option<String>,
    /// Subdirectory of the repository to build (relative, no "..").
    #[serde(default)]
    pub root_dir: Option<String>,
    /// nixpacks (default, auto-detect), dockerfile or compose.
    #[serde(default)]
    pub build_method: Option<String>,
    /// Dockerfile path relative to rootDir (dockerfile builds; default "Dockerfile").
    #[serde(default)]
    pub dockerfile_path: Option<String>,
    /// Compose file path relative to rootDir (compose builds).
    #[serde(default)]
    pub compose_path: Option<String>,
    /// Build command override (nixpacks).
    #[serde(default)]
    pub build_command: Option<String>,
    /// Start command override.
    #[serde(default)]
    pub start_command: Option<String>,
    /// Install command override (nixpacks).
    #[serde(default)]
    pub install_command: Option<String>,
    /// Port the app listens on inside the container (default: detected).
    #[serde(default)]
    pub port: Option<u16>,
    /// Env vars (KEY -> value).
    #[serde(default)]
    pub env_vars: Option<BTreeMap<String, String>>,
    /// Names of env vars whose values are secret (masked in every answer).
    #[serde(default)]
    pub secret_keys: Option<Vec<String>>,
    /// Custom domains, e.g. ["shop.example.com"].
    #[serde(default)]
    pub domains: Option<Vec<String>>,
    /// Memory limit such as "512m" or "1g" (default unlimited).
    #[serde(default)]
    pub memory: Option<String>,
    /// CPU limit such as "0.5" (default unlimited).
    #[serde(default)]
    pub cpus: Option<String>,
    /// Volumes: "name:/container/path" or "/host/path:/container/path", optionally ending in ":ro" for read-only.
    #[serde(default)]
    pub volumes: Option<Vec<String>>,
    /// HTTP health-check path such as "/healthz" (default: TCP check).
    #[serde(default)]
    pub health_path: Option<String>,
    /// Redeploy automatically on every push (needs a webhook, see create_github_webhook).
    #[serde(default)]
    pub auto_deploy: Option<bool>,
    /// Server name or id to deploy to (default "localhost", the PaaS host; see list_servers).
    #[serde(default)]
    pub server: Option<String>,
}

/// Deploy a new app from a local folder or .zip.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct DeployDirectoryArgs {
    /// Local directory (or .zip file) to upload, absolute or relative to the MCP server's working directory, e.g. ".".
    pub path: String,
    /// Name of the new app: 2-40 lowercase letters, digits or hyphens. If taken, the server adds a suffix.
    pub name: String,
    /// Project name or id: deploy the app as a service of this project.
    #[serde(default)]
    pub project: Option<String>,
    /// Subdirectory of the upload to build (relative, no "..").
    #[serde(default)]
    pub root_dir: Option<String>,
    /// nixpacks (default, auto-detect), dockerfile or compose.
    #[serde(default)]
    pub build_method: Option<String>,
    /// Dockerfile path relative to rootDir (dockerfile builds).
    #[serde(default)]
    pub dockerfile_path: Option<String>,
    /// Compose file path relative to rootDir (compose builds).
    #[serde(default)]
    pub compose_path: Option<String>,
    /// Build command override (nixpacks).
    #[serde(default)]
    pub build_command: Option<String>,
    /// Start command override.
    #[serde(default)]
    pub start_command: Option<String>,
    /// Install command override (nixpacks).
    #[serde(default)]
    pub install_command: Option<String>,
    /// Port the app listens on inside the container (default: detected).
    #[serde(default)]
    pub port: Option<u16>,
    /// Env vars (KEY -> value).
    #[serde(default)]
    pub env_vars: Option<BTreeMap<String, String>>,
    /// Names of env vars whose values are secret.
    #[serde(default)]
    pub secret_keys: Option<Vec<String>>,
    /// Custom domains.
    #[serde(default)]
    pub domains: Option<Vec<String>>,
    /// Memory limit such as "512m" (default unlimited).
    #[serde(default)]
    pub memory: Option<String>,
    /// CPU limit such as "0.5" (default unlimited).
    #[serde(default)]
    pub cpus: Option<String>,
    /// Volumes: "name:/container/path".
    #[serde(default)]
    pub volumes: Option<Vec<String>>,
    /// HTTP health-check path (default: TCP check).
    #[serde(default)]
    pub health_path: Option<String>,
    /// Server name or id to deploy to (default "localhost").
    #[serde(default)]
    pub server: Option<String>,
}

/// Deploy a new app from an image.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct DeployImageArgs {
    /// Image reference, e.g. "nginx:1.27" or "ghcr.io/org/app:1.2.3".
    pub image: String,
    /// Name of the new app (default: derived from the image). If taken, the server adds a suffix.
    #[serde(default)]
    pub name: Option<String>,
    /// Port the container listens on.
    #[serde(default)]
    pub port: Option<u16>,
    /// Env vars (KEY -> value).
    #[serde(default)]
    pub env_vars: Option<BTreeMap<String, String>>,
    /// Names of env vars whose values are secret.
    #[serde(default)]
    pub secret_keys: Option<Vec<String>>,
    /// Custom domains.
    #[serde(default)]
    pub domains: Option<Vec<String>>,
    /// Memory limit such as "512m" (default unlimited).
    #[serde(default)]
    pub memory: Option<String>,
    /// CPU limit such as "0.5" (default unlimited).
    #[serde(default)]
    pub cpus: Option<String>,
    /// Volumes: "name:/container/path".
    #[serde(default)]
    pub volumes: Option<Vec<String>>,
    /// HTTP health-check path (default: TCP check).
    #[serde(default)]
    pub health_path: Option<String>,
    /// Server name or id to deploy to (default "localhost").
    #[serde(default)]
    pub server: Option<String>,
}

/// Deploy a new app from an inline Dockerfile.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct DeployDockerfileArgs {
    /// The Dockerfile text (max 64 KB; must contain a FROM line).
    pub dockerfile: String,
    /// Name of the new app. If taken, the server adds a suffix.
    #[serde(default)]
    pub name: Option<String>,
    /// Port the container listens on.
    #[serde(default)]
    pub port: Option<u16>,
    /// Env vars (KEY -> value).
    #[serde(default)]
    pub env_vars: Option<BTreeMap<String, String>>,
    /// Names of env vars whose values are secret.
    #[serde(default)]
    pub secret_keys: Option<Vec<String>>,
    /// Custom domains.
    #[serde(default)]
    pub domains: Option<Vec<String>>,
    /// Memory limit such as "512m" (default unlimited).
    #[serde(default)]
    pub memory: Option<String>,
    /// CPU limit such as "0.5" (default unlimited).
    #[serde(default)]
    pub cpus: Option<String>,
    /// Volumes: "name:/container/path".
    #[serde(default)]
    pub volumes: Option<Vec<String>>,
    /// HTTP health-check path (default: TCP check).
    #[serde(default)]
    pub health_path: Option<String>,
    /// Server name or id to deploy to (default "localhost").
    #[serde(default)]
    pub server: Option<String>,
}

/// Deploy a template.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct DeployTemplateArgs {
    /// Template id from list_templates, e.g. "ghost".
    pub template: String,
    /// Name of the new app (default: the template's). If taken, the server adds a suffix.
    #[serde(default)]
    pub name: Option<String>,
    /// Env vars (KEY -> value); required template variables must be set.
    #[serde(default)]
    pub env_vars: Option<BTreeMap<String, String>>,
    /// Custom domains.
    #[serde(default)]
    pub domains: Option<Vec<String>>,
    /// Memory limit such as "512m" (default unlimited).
    #[serde(default)]
    pub memory: Option<String>,
    /// CPU limit such as "0.5" (default unlimited).
    #[serde(default)]
    pub cpus: Option<String>,
    /// Server name or id to deploy to (default "localhost").
    #[serde(default)]
    pub server: Option<String>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct RedeployArgs {
    /// App name or id.
    pub app: String,
    /// Build without the Docker layer cache (slower; fixes stale dependencies). Default false.
    #[serde(default)]
    pub no_cache: Option<bool>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct RollbackArgs {
    /// App name or id.
    pub app: String,
    /// Deployment id to roll back to (default: the newest successful build older than the one running now).
    #[serde(default)]
    pub deployment_id: Option<String>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct RedeployProjectArgs {
    /// Project name or id.
    pub project: String,
    /// Build without the Docker layer cache. Default false.
    #[serde(default)]
    pub no_cache: Option<bool>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ListDeploymentsArgs {
    /// Only deployments of this app (name or id). Default: all apps.
    #[serde(default)]
    pub app: Option<String>,
    /// Maximum number of deployments to return (default 20, max 100).
    #[serde(default, deserialize_with = "super::lenient_count")]
    pub limit: Option<u32>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct BranchesArgs {
    /// Repository URL or "owner/name".
    pub git_repo: String,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct GitContentsArgs {
    /// Repository as "owner/name".
    pub repo: String,
    /// Folder path inside the repository (default: the root).
    #[serde(default)]
    pub path: Option<String>,
    /// Branch (default "main").
    #[serde(default)]
    pub branch: Option<String>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct GitFileArgs {
    /// Repository as "owner/name".
    pub repo: String,
    /// File path inside the repository, e.g. "package.json".
    pub path: String,
    /// Branch (default "main").
    #[serde(default)]
    pub branch: Option<String>,
}

/// Output of every deploy tool.
#[derive(JsonSchema)]
#[serde(rename_all = "camelCase")]
#[allow(dead_code)]
pub struct DeployOutput {
    /// Id of the new app.
    id: String,
    /// Final name chosen by the server (may carry a collision suffix).
    name: String,
    /// The name that was asked for, if any.
    requested_name: Option<String>,
    /// True when the server changed the name because it was taken.
    renamed: bool,
    /// Status right after the call, normally "building".
    status: String,
    /// Default URL of the app once running.
    url: Option<String>,
}

/// `structuredContent` of deploy_directory: the new app plus what was uploaded.
#[derive(JsonSchema)]
#[serde(rename_all = "camelCase")]
#[allow(dead_code)]
pub struct DeployDirectoryOutput {
    #[serde(flatten)]
    app: DeployOutput,
    /// Files uploaded.
    uploaded_files: u64,
    /// Bytes uploaded.
    uploaded_bytes: u64,
    /// Files and folders left out because they hold secrets (relative paths).
    skipped_secrets: Vec<String>,
}

/// Report a new app: final name, and whether the server changed the requested one. A
/// project's services are named `<project>-<name>` by design (spec §3), which is not a
/// rename; when the project was passed by id without being listed, its name is unknown and
/// only a collision suffix after `-<name>` counts.
fn deployed(requested: Option<&str>, project: Option<&Resolved>, app: &Value) -> ToolOutput {
    let name = str_field(app, "name").to_owned();
    let requested = requested.filter(|r| !r.is_empty());
    let renamed = match (requested, project) {
        (None, _) => false,
        (Some(r), None) => r != name,
        (Some(r), Some(p)) if !p.listed.is_null() => name != format!("{}-{r}", p.name),
        (Some(r), Some(_)) => !name.ends_with(&format!("-{r}")),
    };
    let mut text = format!(
        "Deploying {name} ({}): status {}",
        str_field(app, "id"),
        str_field(app, "status")
    );
    let url = str_field(app, "url");
    if !url.is_empty() {
        text.push_str(&format!(", URL {url}"));
    }
    if let (Some(p), false) = (project, renamed) {
        let project_name = if p.listed.is_null() { &p.id } else { &p.name };
        text.push_str(&format!(
            ". As a service of project {project_name}, the app is named \"{name}\" (services are named <project>-<name>)"
        ));
    }
    if renamed {
        // The name that was taken: inside a project, the service name the server would have
        // given (when the project's name is known).
        let taken = match (requested, project) {
            (Some(r), Some(p)) if !p.listed.is_null() => format!("{}-{r}", p.name),
            (r, _) => r.unwrap_or_default().to_owned(),
        };
        text.push_str(&format!(
            ". Note: the name \"{taken}\" was taken, so the server named this NEW app \"{name}\" (to rebuild the existing \"{taken}\" instead, use redeploy; delete_app removes a duplicate)"
        ));
    }
    text.push_str(". Follow progress with get_app or build_logs.");
    output(
        super::drop_nulls(json!({
            "id": str_field(app, "id"),
            "name": name,
            "requestedName": requested,
            "renamed": renamed,
            "status": str_field(app, "status"),
            "url": app.get("url").cloned().unwrap_or(Value::Null),
        })),
        text,
    )
}

/// The settings shared by every deploy body.
#[allow(clippy::too_many_arguments)]
fn common(
    body: &mut Map<String, Value>,
    env: &Option<BTreeMap<String, String>>,
    secret_keys: &Option<Vec<String>>,
    domains: &Option<Vec<String>>,
    memory: &Option<String>,
    cpus: &Option<String>,
    volumes: &Option<Vec<String>>,
    health_path: &Option<String>,
    server: &Option<String>,
) {
    put_opt(body, "envVars", env);
    put_opt(body, "secretKeys", secret_keys);
    put_opt(body, "domains", domains);
    put_opt(body, "memory", memory);
    put_opt(body, "cpus", cpus);
    put_opt(body, "volumes", volumes);
    put_opt(body, "healthPath", health_path);
    put_opt(body, "serverId", server);
}

/// Output of list_deployments.
#[derive(JsonSchema)]
#[allow(dead_code)]
pub struct DeploymentListOutput {
    /// Deployments, newest first.
    deployments: Vec<DeploymentOut>,
    /// Number of deployments returned.
    count: usize,
}

/// One deployment (without its build log).
#[derive(JsonSchema)]
#[serde(rename_all = "camelCase")]
#[allow(dead_code)]
pub struct DeploymentOut {
    /// Deployment id (for rollback_app and build_logs).
    id: String,
    /// App id.
    app_id: String,
    /// App name.
    app_name: Option<String>,
    /// building, success or failed.
    status: String,
    /// What started it: manual, webhook, rollback, catalog, image, dockerfile, upload, local.
    trigger: Option<String>,
    /// Git commit.
    commit: Option<String>,
    /// Git commit message.
    commit_msg: Option<String>,
    /// Built image (needed for rollback).
    image: Option<String>,
    /// Start time (RFC 3339).
    created_at: Option<String>,
    /// Build duration, or "interrupted".
    duration: Option<String>,
}

/// Output of list_templates.
#[derive(JsonSchema)]
#[allow(dead_code)]
pub struct TemplateListOutput {
    /// The templates.
    templates: Vec<Template>,
    /// Number of templates.
    count: usize,
}

/// A one-click app template.
#[derive(JsonSchema)]
#[serde(rename_all = "camelCase")]
#[allow(dead_code)]
pub struct Template {
    /// Template id, for deploy_template.
    id: String,
    /// Display name.
    name: Option<String>,
    /// Category, e.g. database or cms.
    category: Option<String>,
    /// What it is.
    description: Option<String>,
    /// Port the app listens on.
    port: Option<i64>,
    /// Add-ons created with it.
    required_addons: Option<Vec<TemplateAddon>>,
    /// Env vars it takes.
    env: Option<Vec<TemplateEnv>>,
}

/// An add-on a template needs.
#[derive(JsonSchema)]
#[allow(dead_code)]
pub struct TemplateAddon {
    /// postgres, mysql or redis.
    #[serde(rename = "type")]
    kind: Option<String>,
}

/// An env var of a template.
#[derive(JsonSchema)]
#[allow(dead_code)]
pub struct TemplateEnv {
    /// Env var name.
    key: Option<String>,
    /// Default value.
    value: Option<String>,
    /// What it is for.
    description: Option<String>,
    /// Must be set in envVars.
    required: Option<bool>,
    /// Its value is secret.
    secret: Option<bool>,
    /// Whether (or how) the PaaS generates a value.
    generate: Option<Value>,
}

/// Output of rollback_app.
#[derive(JsonSchema)]
#[serde(rename_all = "camelCase")]
#[allow(dead_code)]
pub struct RollbackOutput {
    #[serde(flatten)]
    app: AppSummary,
    /// The deployment rolled back to.
    deployment_id: String,
}

/// Output of list_git_repos.
#[derive(JsonSchema)]
#[allow(dead_code)]
pub struct GitRepoListOutput {
    /// The repositories.
    repos: Vec<GitRepo>,
    /// Number of repositories.
    count: usize,
}

/// A GitHub repository.
#[derive(JsonSchema)]
#[allow(dead_code)]
pub struct GitRepo {
    /// "owner/name".
    full_name: Option<String>,
    /// URL to deploy from (gitRepo).
    clone_url: Option<String>,
    /// Private repository.
    private: Option<bool>,
    /// Description.
    description: Option<String>,
    /// Last update (RFC 3339).
    updated_at: Option<String>,
}

/// Output of list_git_branches.
#[derive(JsonSchema)]
#[allow(dead_code)]
pub struct BranchListOutput {
    /// Branch names.
    branches: Vec<String>,
}

/// Output of list_git_contents.
#[derive(JsonSchema)]
#[allow(dead_code)]
pub struct GitEntryListOutput {
    /// Files and folders at the path.
    entries: Vec<GitEntry>,
    /// Number of entries.
    count: usize,
}

/// A file or folder of a repository.
#[derive(JsonSchema)]
#[allow(dead_code)]
pub struct GitEntry {
    /// File name.
    name: Option<String>,
    /// Path in the repository.
    path: Option<String>,
    /// file or dir.
    #[serde(rename = "type")]
    kind: Option<String>,
}

/// Output of read_git_file.
#[derive(JsonSchema)]
#[allow(dead_code)]
pub struct GitFileOutput {
    /// "owner/name".
    repo: String,
    /// File path.
    path: String,
    /// File size in bytes, null when unknown.
    size: OrNull<i64>,
    /// File content (untrusted), at most 100 KB.
    content: String,
    /// True when the content was cut.
    truncated: bool,
    /// The per-call marker fencing the content in the text output.
    marker: String,
}

async fn deploy(ctx: &ToolContext, args: DeployArgs) -> Result<ToolOutput, ToolError> {
    check_name("app", &args.name)?;
    let mut body = Map::new();
    body.insert("name".to_owned(), Value::from(args.name.clone()));
    body.insert("gitRepo".to_owned(), Value::from(args.git_repo.clone()));
    body.insert(
        "branch".to_owned(),
        Value::from(args.branch.clone().unwrap_or_else(|| "main".to_owned())),
    );
    put_opt(&mut body, "rootDir", &args.root_dir);
    put_opt(&mut body, "buildMethod", &args.build_method);
    put_opt(&mut body, "dockerfilePath", &args.dockerfile_path);
    put_opt(&mut body, "composePath", &args.compose_path);
    put_opt(&mut body, "buildCommand", &args.build_command);
    put_opt(&mut body, "startCommand", &args.start_command);
    put_opt(&mut body, "installCommand", &args.install_command);
    put_opt(&mut body, "portOverride", &args.port);
    put_opt(&mut body, "autoDeploy", &args.auto_deploy);
    common(
        &mut body,
        &args.env_vars,
        &args.secret_keys,
        &args.domains,
        &args.memory,
        &args.cpus,
        &args.volumes,
        &args.health_path,
        &server_id(ctx, &args.server).await?,
    );
    let project = match &args.project {
        Some(p) => Some(resolve(ctx, Kind::Project, p).await?),
        None => None,
    };
    let path = match &project {
        Some(project) => {
            body.insert("projectId".to_owned(), Value::from(project.id.clone()));
            "/api/projects/services/deploy"
        }
        None => "/api/deploy",
    };
    let app = post(ctx, path, Value::Object(body)).await?;
    Ok(deployed(Some(&args.name), project.as_ref(), &app))
}

async fn deploy_directory(
    ctx: &ToolContext,
    args: DeployDirectoryArgs,
) -> Result<ToolOutput, ToolError> {
    check_name("app", &args.name)?;
    let mut config = Map::new();
    config.insert("name".to_owned(), Value::from(args.name.clone()));
    put_opt(&mut config, "rootDir", &args.root_dir);
    put_opt(&mut config, "buildMethod", &args.build_method);
    put_opt(&mut config, "dockerfilePath", &args.dockerfile_path);
    put_opt(&mut config, "composePath", &args.compose_path);
    put_opt(&mut config, "buildCommand", &args.build_command);
    put_opt(&mut config, "startCommand", &args.start_command);
    put_opt(&mut config, "installCommand", &args.install_command);
    put_opt(&mut config, "portOverride", &args.port);
    common(
        &mut config,
        &args.env_vars,
        &args.secret_keys,
        &args.domains,
        &args.memory,
        &args.cpus,
        &args.volumes,
        &args.health_path,
        &server_id(ctx, &args.server).await?,
    );
    let project = match &args.project {
        Some(p) => Some(resolve(ctx, Kind::Project, p).await?),
        None => None,
    };
    let path = match &project {
        Some(project) => {
            config.insert("projectId".to_owned(), Value::from(project.id.clone()));
            "/api/projects/services/deploy/upload"
        }
        None => "/api/deploy/upload",
    };
    let source = std::path::PathBuf::from(&args.path);
    let config = Value::Object(config);
    let upload = tokio::task::spawn_blocking(move || {
        Upload::from_path(&source, config, UploadLimits::default())
    })
    .await
    .map_err(|e| ToolError::Local(format!("reading the directory failed: {e}")))?
    .map_err(|e| ToolError::Local(e.to_string()))?;
    let (files, bytes) = (upload.file_count(), upload.total_bytes());
    let secrets = upload.skipped_secrets().to_vec();
    let app = ctx.api.send_upload(path, &upload).await?;
    let mut out = deployed(Some(&args.name), project.as_ref(), &app);
    let secrets_note = if secrets.is_empty() {
        String::new()
    } else {
        format!(
            " Not uploaded because they hold secrets: {}. Give the app its secrets as \
             environment variables (update_app env, secretKeys) instead.",
            secrets.join(", ")
        )
    };
    out.text = format!(
        "Uploaded {files} files ({bytes} bytes).{secrets_note} {}",
        out.text
    );
    if let Some(obj) = out.structured.as_object_mut() {
        obj.insert("uploadedFiles".to_owned(), Value::from(files));
        obj.insert("uploadedBytes".to_owned(), Value::from(bytes));
        obj.insert("skippedSecrets".to_owned(), Value::from(secrets));
    }
    Ok(out)
}

async fn deploy_image(ctx: &ToolContext, args: DeployImageArgs) -> Result<ToolOutput, ToolError> {
    if let Some(n) = &args.name {
        check_name("app", n)?;
    }
    let mut body = Map::new();
    body.insert("image".to_owned(), Value::from(args.image.clone()));
    put_opt(&mut body, "name", &args.name);
    put_opt(&mut body, "port", &args.port);
    common(
        &mut body,
        &args.env_vars,
        &args.secret_keys,
        &args.domains,
        &args.memory,
        &args.cpus,
        &args.volumes,
        &args.health_path,
        &server_id(ctx, &args.server).await?,
    );
    let app = post(ctx, "/api/catalog/deploy-image", Value::Object(body)).await?;
    Ok(deployed(args.name.as_deref(), None, &app))
}

async fn deploy_dockerfile(
    ctx: &ToolContext,
    args: DeployDockerfileArgs,
) -> Result<ToolOutput, ToolError> {
    if let Some(n) = &args.name {
        check_name("app", n)?;
    }
    if !args.dockerfile.contains("FROM ") {
        return Err(ToolError::InvalidArguments(
            "the Dockerfile must contain a FROM line (e.g. \"FROM node:22-alpine\")".to_owned(),
        ));
    }
    if args.dockerfile.len() > 64 * 1024 {
        return Err(ToolError::InvalidArguments(
            "the Dockerfile is larger than 64 KB; deploy from Git or a directory instead"
                .to_owned(),
        ));
    }
    let mut body = Map::new();
    body.insert(
        "dockerfile".to_owned(),
        Value::from(args.dockerfile.clone()),
    );
    put_opt(&mut body, "name", &args.name);
    put_opt(&mut body, "port", &args.port);
    common(
        &mut body,
        &args.env_vars,
        &args.secret_keys,
        &args.domains,
        &args.memory,
        &args.cpus,
        &args.volumes,
        &args.health_path,
        &server_id(ctx, &args.server).await?,
    );
    let app = post(ctx, "/api/catalog/deploy-dockerfile", Value::Object(body)).await?;
    Ok(deployed(args.name.as_deref(), None, &app))
}

async fn list_templates(ctx: &ToolContext, _: NoArgs) -> Result<ToolOutput, ToolError> {
    let items = array(get(ctx, "/api/catalog", &[]).await?)
        .iter()
        .map(|t| {
            project(
                t,
                &[
                    "id",
                    "name",
                    "category",
                    "description",
                    "port",
                    "requiredAddons",
                    "env",
                ],
            )
        })
        .collect();
    Ok(list_output("templates", items, "No templates."))
}

async fn deploy_template(
    ctx: &ToolContext,
    args: DeployTemplateArgs,
) -> Result<ToolOutput, ToolError> {
    if let Some(n) = &args.name {
        check_name("app", n)?;
    }
    let mut body = Map::new();
    // Template ids are lowercase slugs ("uptime-kuma"); "Uptime-Kuma " means the same.
    let template = args.template.trim().to_ascii_lowercase();
    body.insert("templateId".to_owned(), Value::from(template.clone()));
    put_opt(&mut body, "name", &args.name);
    common(
        &mut body,
        &args.env_vars,
        &None,
        &args.domains,
        &args.memory,
        &args.cpus,
        &None,
        &None,
        &server_id(ctx, &args.server).await?,
    );
    let app = match post(ctx, "/api/catalog/deploy", Value::Object(body)).await {
        // An unknown template id: answer with the closest ids, as names are answered.
        Err(ToolError::Api(ApiError::Status { status: 404, .. })) => {
            let ids: Vec<String> = match get(ctx, "/api/catalog", &[]).await {
                Ok(items) => array(items)
                    .iter()
                    .map(|t| str_field(t, "id").to_owned())
                    .filter(|id| !id.is_empty())
                    .collect(),
                Err(_) => Vec::new(),
            };
            return Err(ToolError::NotFound {
                kind: "template",
                query: template.clone(),
                suggestions: closest(&template, &ids, 3),
            });
        }
        other => other?,
    };
    Ok(deployed(args.name.as_deref(), None, &app))
}

async fn redeploy(ctx: &ToolContext, args: RedeployArgs) -> Result<ToolOutput, ToolError> {
    let app = resolve(ctx, Kind::App, &args.app).await?;
    let mut body = json!({ "id": app.id });
    if let (Some(nc), Some(obj)) = (args.no_cache, body.as_object_mut()) {
        obj.insert("noCache".to_owned(), Value::from(nc));
    }
    let answer = post(ctx, "/api/apps/redeploy", body)
        .await
        .map_err(|e| app.miss(e))?;
    // The answer is the app itself: its name is known even when the token cannot list.
    let name = match str_field(&answer, "name") {
        "" => app.describe(),
        name => format!("{name} ({})", app.id),
    };
    let text = format!(
        "Redeploying {name}: status {}. Follow progress with get_app or build_logs.",
        str_field(&answer, "status")
    );
    Ok(output(project(&answer, APP_SUMMARY), text))
}

async fn rollback_app(ctx: &ToolContext, args: RollbackArgs) -> Result<ToolOutput, ToolError> {
    let app = resolve(ctx, Kind::App, &args.app).await?;
    let deployment_id = match args.deployment_id {
        Some(id) => id,
        None => previous_deployment(ctx, &app.id, &app.listed).await?,
    };
    let answer = post(
        ctx,
        "/api/apps/rollback",
        json!({ "id": app.id, "deploymentId": deployment_id }),
    )
    .await
    .map_err(|e| match e {
        // The server tells the two 404s apart: "Deployment not found" (unknown, or another
        // app's) and "App not found".
        ToolError::Api(ApiError::Status {
            status: 404,
            ref message,
        }) if message.to_ascii_lowercase().contains("deployment") => ToolError::NotFound {
            kind: "deployment",
            query: deployment_id.clone(),
            suggestions: Vec::new(),
        },
        e => app.miss(e),
    })?;
    let text = format!(
        "Rolled {} back to deployment {deployment_id}: status {}",
        app.name,
        str_field(&answer, "status")
    );
    let mut structured = project(&answer, APP_SUMMARY);
    if let Some(obj) = structured.as_object_mut() {
        obj.insert("deploymentId".to_owned(), Value::from(deployment_id));
    }
    Ok(output(structured, text))
}

/// The build to roll back to: the newest successful build of `app_id` older than the one
/// running now, with a stored image that differs from it.
///
/// Builds are told apart by their image. A rollback adds a deployment record of its own
/// (`trigger: rollback`) that reuses an older build's image, so those records are not
/// builds: counting them would make a second rollback pick the build the first one just left
/// (a roll forward). What runs now is the app's `activeImage` (else the active deployment's
/// image, else the newest successful build's).
async fn previous_deployment(
    ctx: &ToolContext,
    app_id: &str,
    listed: &Value,
) -> Result<String, ToolError> {
    let history = array(get(ctx, "/api/deployments/history", &[]).await.map_err(|e| match e {
        ToolError::Api(ApiError::MissingScope { .. }) => ToolError::InvalidArguments(
            "pass deploymentId: this token cannot read the deployment history (apps:read) to pick the previous deployment".to_owned(),
        ),
        other => other,
    })?);
    let mine: Vec<&Value> = history
        .iter()
        .filter(|d| str_field(d, "appId") == app_id)
        .collect();
    // Newest first, as the history lists them.
    let builds: Vec<&Value> = mine
        .iter()
        .copied()
        .filter(|d| {
            str_field(d, "status") == "success"
                && !str_field(d, "image").is_empty()
                && str_field(d, "trigger") != "rollback"
        })
        .collect();
    let active_id = str_field(listed, "activeDeployId");
    let running = [
        str_field(listed, "activeImage"),
        mine.iter()
            .find(|d| !active_id.is_empty() && str_field(d, "id") == active_id)
            .map_or("", |d| str_field(d, "image")),
        builds.first().map_or("", |d| str_field(d, "image")),
    ]
    .into_iter()
    .find(|image| !image.is_empty())
    .unwrap_or_default();
    // Older than the build that made the running image (all of them if it is unknown).
    let older = builds
        .iter()
        .position(|d| str_field(d, "image") == running)
        .map_or(0, |at| at + 1);
    builds[older.min(builds.len())..]
        .iter()
        .find(|d| str_field(d, "image") != running)
        .map(|d| str_field(d, "id").to_owned())
        .ok_or_else(|| {
            ToolError::Reported(
                "There is no successful build older than the one running now with a stored image to roll back to (see list_deployments); nothing was changed. To go back to a newer build, pass its deploymentId.".to_owned(),
            )
        })
}

async fn redeploy_project(
    ctx: &ToolContext,
    args: RedeployProjectArgs,
) -> Result<ToolOutput, ToolError> {
    let project = resolve(ctx, Kind::Project, &args.project).await?;
    let mut body = json!({ "projectId": project.id });
    if let (Some(nc), Some(obj)) = (args.no_cache, body.as_object_mut()) {
        obj.insert("noCache".to_owned(), Value::from(nc));
    }
    let answer = post(ctx, "/api/projects/redeploy", body)
        .await
        .map_err(|e| project.miss(e))?;
    let text = format!(
        "Redeploying project {}: primary service {} status {}",
        project.name,
        str_field(&answer, "name"),
        str_field(&answer, "status")
    );
    Ok(output(project_app(&answer), text))
}

fn project_app(app: &Value) -> Value {
    project(app, APP_SUMMARY)
}

/// Deployment fields worth listing (never the full build log).
pub(crate) const DEPLOYMENT_SUMMARY: &[&str] = &[
    "id",
    "appId",
    "appName",
    "status",
    "trigger",
    "commit",
    "commitMsg",
    "image",
    "createdAt",
    "duration",
];

async fn list_deployments(
    ctx: &ToolContext,
    args: ListDeploymentsArgs,
) -> Result<ToolOutput, ToolError> {
    let limit = args.limit.unwrap_or(20).clamp(1, 100) as usize;
    let app_id = match &args.app {
        Some(a) => Some(resolve(ctx, Kind::App, a).await?.id),
        None => None,
    };
    let items: Vec<Value> = array(get(ctx, "/api/deployments/history", &[]).await?)
        .iter()
        .filter(|d| {
            app_id
                .as_deref()
                .is_none_or(|id| str_field(d, "appId") == id)
        })
        .take(limit)
        .map(|d| project(d, DEPLOYMENT_SUMMARY))
        .collect();
    Ok(list_output("deployments", items, "No deployments."))
}

async fn list_git_repos(ctx: &ToolContext, _: NoArgs) -> Result<ToolOutput, ToolError> {
    let items = array(get(ctx, "/api/git/repos", &[]).await?)
        .iter()
        .map(|r| {
            project(
                r,
                &[
                    "full_name",
                    "clone_url",
                    "private",
                    "description",
                    "updated_at",
                ],
            )
        })
        .collect();
    Ok(list_output("repos", items, "No repositories."))
}

async fn list_git_branches(ctx: &ToolContext, args: BranchesArgs) -> Result<ToolOutput, ToolError> {
    let branches = array(
        post(
            ctx,
            "/api/git/branches",
            json!({ "gitRepo": args.git_repo }),
        )
        .await?,
    );
    let text = branches
        .iter()
        .filter_map(Value::as_str)
        .collect::<Vec<_>>()
        .join(", ");
    Ok(output(json!({ "branches": branches }), text))
}

async fn list_git_contents(
    ctx: &ToolContext,
    args: GitContentsArgs,
) -> Result<ToolOutput, ToolError> {
    let mut query = vec![("repo", args.repo.clone())];
    query.push(("path", args.path.clone().unwrap_or_default()));
    query.push((
        "branch",
        args.branch.clone().unwrap_or_else(|| "main".to_owned()),
    ));
    let items = array(get(ctx, "/api/git/contents", &query).await?)
        .iter()
        .map(|e| project(e, &["name", "path", "type"]))
        .collect();
    Ok(list_output("entries", items, "Empty folder."))
}

/// Most of a repository file returned to the model.
const MAX_FILE_CHARS: usize = 100 * 1024;

async fn read_git_file(ctx: &ToolContext, args: GitFileArgs) -> Result<ToolOutput, ToolError> {
    let query = [
        ("repo", args.repo.clone()),
        ("path", args.path.clone()),
        (
            "branch",
            args.branch.clone().unwrap_or_else(|| "main".to_owned()),
        ),
    ];
    let file = get(ctx, "/api/git/file", &query).await?;
    let content = str_field(&file, "content");
    let truncated = content.len() > MAX_FILE_CHARS;
    let content: String = content.chars().take(MAX_FILE_CHARS).collect();
    let marker = fence::marker();
    let lines: Vec<String> = content.lines().map(str::to_owned).collect();
    let text = fence::fence(
        &format!("File {} of {}", args.path, args.repo),
        &marker,
        &lines,
    );
    Ok(output(
        json!({
            "repo": args.repo, "path": args.path, "size": file.get("size").cloned().unwrap_or(Value::Null),
            "content": content, "truncated": truncated, "marker": marker,
        }),
        text,
    ))
}
