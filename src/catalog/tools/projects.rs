//! Projects: multi-service groups (spec §3.2).

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::{Map, Value, json};

use super::apps::{APP_SUMMARY, AppSummary};
use super::outputs::Outcome;
use super::{
    NoArgs, OrNull, array, check_name, def, get, list_output, output, post, project, put_opt,
    result_schema, schema, str_field,
};
use crate::catalog::resolve::{Kind, resolve, server_id};
use crate::catalog::{
    Access, Guard, Method, Scope, ToolContext, ToolDef, ToolError, ToolOutput, Toolset, mask,
};

const READ: Guard = Guard::Scopes(&[&[Scope::AppsRead]]);
const WRITE: Guard = Guard::Scopes(&[&[Scope::AppsWrite]]);

const PROJECT_SUMMARY: &[&str] = &[
    "id",
    "name",
    "description",
    "status",
    "serviceCount",
    "deployType",
    "primaryServiceId",
    "serviceStatuses",
    "serverId",
    "createdAt",
];

pub const TOOLS: &[ToolDef] = &[
    ToolDef {
        description: "List projects (groups of services) with their status and service count.",
        aliases: &["paas_list_projects"],
        output_schema: Some(result_schema::<ProjectListOutput>),
        ..def(
            "list_projects",
            "List projects",
            Toolset::Projects,
            Access::Read,
            READ,
            Method::Get,
            "/api/projects",
            schema::<NoArgs>,
            handler!(list_projects),
        )
    },
    ToolDef {
        description: "Show one project and its services.",
        output_schema: Some(result_schema::<ProjectDetailOutput>),
        ..def(
            "get_project",
            "Get project",
            Toolset::Projects,
            Access::Read,
            READ,
            Method::Get,
            "/api/projects/get",
            schema::<ProjectArgs>,
            handler!(get_project),
        )
    },
    ToolDef {
        description: "Create an empty project; add services with deploy or deploy_directory (project argument). A taken name gets a -2, -3… suffix.",
        output_schema: Some(result_schema::<ProjectSummaryOut>),
        ..def(
            "create_project",
            "Create project",
            Toolset::Projects,
            Access::Write,
            WRITE,
            Method::Post,
            "/api/projects/create",
            schema::<CreateProjectArgs>,
            handler!(create_project),
        )
    },
    ToolDef {
        description: "Rename a project and/or change its description (to change only the description, pass the current name as name).",
        output_schema: Some(result_schema::<ProjectSummaryOut>),
        idempotent: true,
        ..def(
            "rename_project",
            "Rename project",
            Toolset::Projects,
            Access::Write,
            WRITE,
            Method::Post,
            "/api/projects/rename",
            schema::<RenameProjectArgs>,
            handler!(rename_project),
        )
    },
    ToolDef {
        description: "Delete a project AND all of its services. Cannot be undone.",
        output_schema: Some(result_schema::<Outcome>),
        idempotent: true,
        ..def(
            "delete_project",
            "Delete project",
            Toolset::Projects,
            Access::Destructive,
            Guard::Scopes(&[&[Scope::AppsDelete]]),
            Method::Post,
            "/api/projects/delete",
            schema::<ProjectArgs>,
            handler!(delete_project),
        )
    },
    ToolDef {
        description: "Show the deploy configuration of a compose or Dockerfile project (source, paths, env var names; secret values masked).",
        output_schema: Some(result_schema::<ProjectConfig>),
        ..def(
            "get_project_config",
            "Get project config",
            Toolset::Projects,
            Access::Read,
            READ,
            Method::Get,
            "/api/projects/config",
            schema::<ProjectArgs>,
            handler!(get_project_config),
        )
    },
    ToolDef {
        description: "Change the deploy configuration of a compose or Dockerfile project. Only the fields you pass change; the rest is kept. Redeploy with redeploy_project to apply.",
        output_schema: Some(result_schema::<AppSummary>),
        idempotent: true,
        ..def(
            "update_project_config",
            "Update project config",
            Toolset::Projects,
            Access::Write,
            Guard::Scopes(&[&[Scope::AppsRead], &[Scope::AppsWrite]]),
            Method::Post,
            "/api/projects/config/update",
            schema::<UpdateProjectConfigArgs>,
            handler!(update_project_config),
        )
    },
];

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ProjectArgs {
    /// Project name or id, as shown by list_projects.
    pub project: String,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateProjectArgs {
    /// Project name: 2-40 lowercase letters, digits or hyphens.
    pub name: String,
    /// Short description (max 100 characters).
    #[serde(default)]
    pub description: Option<String>,
    /// Server name or id for the project's services (default "localhost").
    #[serde(default)]
    pub server: Option<String>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RenameProjectArgs {
    /// Project name or id.
    pub project: String,
    /// New name: 2-40 lowercase letters, digits or hyphens.
    pub name: String,
    /// New description (max 100 characters); omitted = unchanged.
    #[serde(default)]
    pub description: Option<String>,
}

#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct UpdateProjectConfigArgs {
    /// Project name or id.
    pub project: String,
    /// Git repository URL.
    #[serde(default)]
    pub git_repo: Option<String>,
    /// Git branch.
    #[serde(default)]
    pub branch: Option<String>,
    /// Subdirectory to build (relative, no "..").
    #[serde(default)]
    pub root_dir: Option<String>,
    /// Compose file path relative to rootDir.
    #[serde(default)]
    pub compose_path: Option<String>,
    /// Inline compose file content (overrides the repository's).
    #[serde(default)]
    pub compose_content: Option<String>,
    /// Dockerfile path relative to rootDir.
    #[serde(default)]
    pub dockerfile_path: Option<String>,
    /// Inline Dockerfile content.
    #[serde(default)]
    pub dockerfile_content: Option<String>,
    /// Env vars to add or overwrite (KEY -> value); others are kept.
    #[serde(default)]
    pub env: Option<BTreeMap<String, String>>,
    /// Env var names whose values are secret; added to the current list.
    #[serde(default)]
    pub secret_keys: Option<Vec<String>>,
    /// Redeploy on every push.
    #[serde(default)]
    pub auto_deploy: Option<bool>,
}

/// Output of list_projects.
#[derive(JsonSchema)]
#[allow(dead_code)]
pub struct ProjectListOutput {
    /// The projects.
    projects: Vec<ProjectSummaryOut>,
    /// Number of projects.
    count: usize,
}

/// One project in a list.
#[derive(JsonSchema)]
#[serde(rename_all = "camelCase")]
#[allow(dead_code)]
pub struct ProjectSummaryOut {
    /// Opaque project id.
    id: String,
    /// Unique project name.
    name: String,
    /// Short description.
    description: Option<String>,
    /// Worst status of its services: building, failed, running or stopped.
    status: Option<String>,
    /// Number of services.
    service_count: Option<u32>,
    /// compose, dockerfile or dockerfile-inline, for projects deployed as one unit.
    deploy_type: Option<String>,
    /// Id of the primary service.
    primary_service_id: Option<String>,
    /// Per-service id, name and status.
    service_statuses: Option<Vec<ServiceStatus>>,
    /// Server the services run on.
    server_id: Option<String>,
    /// Creation time (RFC 3339).
    created_at: Option<String>,
}

/// A service's status inside a project summary.
#[derive(JsonSchema)]
#[allow(dead_code)]
pub struct ServiceStatus {
    /// App id.
    id: Option<String>,
    /// App name.
    name: Option<String>,
    /// building, running, stopped or failed.
    status: Option<String>,
}

/// Output of get_project: the project and its services.
#[derive(JsonSchema)]
#[allow(dead_code)]
pub struct ProjectDetailOutput {
    #[serde(flatten)]
    project: ProjectSummaryOut,
    /// Its services (apps).
    services: Vec<AppSummary>,
}

/// The deploy configuration of a compose or Dockerfile project; secret values masked.
#[derive(JsonSchema)]
#[serde(rename_all = "camelCase")]
#[allow(dead_code)]
pub struct ProjectConfig {
    /// Project id.
    project_id: Option<String>,
    /// compose, dockerfile or dockerfile-inline.
    deploy_type: Option<String>,
    /// Id of the primary service.
    primary_service_id: Option<String>,
    /// Git repository URL.
    git_repo: Option<String>,
    /// Git branch.
    branch: Option<String>,
    /// Subdirectory that is built.
    root_dir: Option<String>,
    /// Compose file path.
    compose_path: Option<String>,
    /// Inline compose file.
    compose_content: Option<String>,
    /// Dockerfile path.
    dockerfile_path: Option<String>,
    /// Inline Dockerfile.
    dockerfile_content: Option<String>,
    /// Env vars, KEY -> value; secret values are "***".
    env_vars: Option<OrNull<BTreeMap<String, String>>>,
    /// Names of the env vars whose values are secret.
    secret_keys: Option<OrNull<Vec<String>>>,
    /// Redeploys on every push.
    auto_deploy: Option<bool>,
    /// Number of services.
    service_count: Option<i64>,
}

async fn list_projects(ctx: &ToolContext, _: NoArgs) -> Result<ToolOutput, ToolError> {
    let items = array(get(ctx, "/api/projects", &[]).await?)
        .iter()
        .map(|p| project(p, PROJECT_SUMMARY))
        .collect();
    Ok(list_output("projects", items, "No projects yet."))
}

async fn get_project(ctx: &ToolContext, args: ProjectArgs) -> Result<ToolOutput, ToolError> {
    let p = resolve(ctx, Kind::Project, &args.project).await?;
    let detail = get(ctx, "/api/projects/get", &[("id", p.id.clone())])
        .await
        .map_err(|e| p.miss(e))?;
    let mut structured = project(&detail, PROJECT_SUMMARY);
    let services: Vec<Value> = array(detail.get("services").cloned().unwrap_or(Value::Null))
        .iter()
        .map(|s| project(s, APP_SUMMARY))
        .collect();
    let text = format!(
        "Project {} ({}) {}: {} services\n{}",
        str_field(&detail, "name"),
        str_field(&detail, "id"),
        str_field(&detail, "status"),
        services.len(),
        services
            .iter()
            .map(super::apps::app_line)
            .collect::<Vec<_>>()
            .join("\n")
    );
    if let Some(obj) = structured.as_object_mut() {
        obj.insert("services".to_owned(), Value::Array(services));
    }
    Ok(output(structured, text))
}

async fn create_project(
    ctx: &ToolContext,
    args: CreateProjectArgs,
) -> Result<ToolOutput, ToolError> {
    check_name("project", &args.name)?;
    let mut body = Map::new();
    body.insert("name".to_owned(), Value::from(args.name.clone()));
    put_opt(&mut body, "description", &args.description);
    put_opt(&mut body, "serverId", &server_id(ctx, &args.server).await?);
    let created = post(ctx, "/api/projects/create", Value::Object(body)).await?;
    let name = str_field(&created, "name").to_owned();
    let mut text = format!("Created project {name} ({})", str_field(&created, "id"));
    if name != args.name {
        text.push_str(&format!(
            " (\"{}\" was taken, so the server chose \"{name}\")",
            args.name
        ));
    }
    Ok(output(project(&created, PROJECT_SUMMARY), text))
}

async fn rename_project(
    ctx: &ToolContext,
    args: RenameProjectArgs,
) -> Result<ToolOutput, ToolError> {
    check_name("project", &args.name)?;
    let p = resolve(ctx, Kind::Project, &args.project).await?;
    // Keep the description unless asked to change it; when the project could not be
    // listed (no apps:read) the field is left out rather than sent empty.
    let mut body = json!({ "id": p.id, "name": args.name });
    let description = args.description.clone().or_else(|| {
        p.listed
            .get("description")
            .and_then(Value::as_str)
            .map(str::to_owned)
    });
    if let (Some(d), Some(obj)) = (description, body.as_object_mut()) {
        obj.insert("description".to_owned(), Value::from(d));
    }
    let renamed = post(ctx, "/api/projects/rename", body)
        .await
        .map_err(|e| p.miss(e))?;
    let new_name = str_field(&renamed, "name");
    let mut text = format!("Renamed project {} to {new_name}", p.name);
    if new_name != args.name {
        text.push_str(&format!(
            ". Note: the name \"{}\" was taken, so the server chose \"{new_name}\"",
            args.name
        ));
    }
    Ok(output(project(&renamed, PROJECT_SUMMARY), text))
}

async fn delete_project(ctx: &ToolContext, args: ProjectArgs) -> Result<ToolOutput, ToolError> {
    let p = resolve(ctx, Kind::Project, &args.project).await?;
    let answer = post(ctx, "/api/projects/delete", json!({ "id": p.id }))
        .await
        .map_err(|e| p.miss(e))?;
    let mut structured = json!({ "id": p.id, "status": str_field(&answer, "status") });
    if let (Some(name), Some(obj)) = (p.known_name(), structured.as_object_mut()) {
        obj.insert("name".to_owned(), Value::from(name));
    }
    Ok(output(
        structured,
        format!("Deleted project {} and its services", p.describe()),
    ))
}

async fn get_project_config(ctx: &ToolContext, args: ProjectArgs) -> Result<ToolOutput, ToolError> {
    let p = resolve(ctx, Kind::Project, &args.project).await?;
    let mut config = get(ctx, "/api/projects/config", &[("id", p.id.clone())])
        .await
        .map_err(|e| p.miss(e))?;
    mask::app(&mut config);
    Ok(super::json_output(config))
}

async fn update_project_config(
    ctx: &ToolContext,
    args: UpdateProjectConfigArgs,
) -> Result<ToolOutput, ToolError> {
    let p = resolve(ctx, Kind::Project, &args.project).await?;
    let current = get(ctx, "/api/projects/config", &[("id", p.id.clone())])
        .await
        .map_err(|e| p.miss(e))?;
    let mut body = Map::new();
    body.insert("projectId".to_owned(), Value::from(p.id.clone()));
    for key in [
        "gitRepo",
        "branch",
        "rootDir",
        "composePath",
        "dockerfilePath",
        "autoDeploy",
    ] {
        if let Some(v) = current.get(key).filter(|v| !v.is_null()) {
            body.insert(key.to_owned(), v.clone());
        }
    }
    let mut secret_keys: Vec<String> = current
        .get("secretKeys")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default();
    put_opt(&mut body, "gitRepo", &args.git_repo);
    put_opt(&mut body, "branch", &args.branch);
    put_opt(&mut body, "rootDir", &args.root_dir);
    put_opt(&mut body, "composePath", &args.compose_path);
    put_opt(&mut body, "composeContent", &args.compose_content);
    put_opt(&mut body, "dockerfilePath", &args.dockerfile_path);
    put_opt(&mut body, "dockerfileContent", &args.dockerfile_content);
    put_opt(&mut body, "autoDeploy", &args.auto_deploy);
    for k in args.secret_keys.iter().flatten() {
        if !secret_keys.contains(k) {
            secret_keys.push(k.clone());
        }
    }
    if let Some(env) = &args.env {
        let mut merged: Map<String, Value> = current
            .get("envVars")
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default();
        for (k, v) in env {
            if v == mask::MASK && merged.contains_key(k) {
                continue;
            }
            merged.insert(k.clone(), Value::from(v.clone()));
        }
        for (k, v) in &merged {
            if v.as_str() == Some(mask::MASK) && !secret_keys.contains(k) {
                secret_keys.push(k.clone());
            }
        }
        body.insert("envVars".to_owned(), Value::Object(merged));
    }
    body.insert("secretKeys".to_owned(), json!(secret_keys));
    let app = post(ctx, "/api/projects/config/update", Value::Object(body)).await?;
    let app = super::apps::public_app(app);
    Ok(output(
        project(&app, APP_SUMMARY),
        format!(
            "Updated the configuration of project {}. Run redeploy_project to apply.",
            p.name
        ),
    ))
}
