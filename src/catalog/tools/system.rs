//! PaaS version, updates and Docker cleanup (spec §3.10).

use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::json;

use super::{NoArgs, OrNull, def, get, json_output, result_schema, schema};
use crate::catalog::{
    Access, Guard, Method, Scope, ToolContext, ToolDef, ToolError, ToolOutput, Toolset,
};

const MANAGE: Guard = Guard::Scopes(&[&[Scope::SystemManage]]);

pub const TOOLS: &[ToolDef] = &[
    ToolDef {
        description: "Show the Better-PaaS version running on the server.",
        output_schema: Some(result_schema::<SystemVersion>),
        ..def(
            "system_version",
            "PaaS version",
            Toolset::System,
            Access::Read,
            Guard::Scopes(&[&[Scope::AppsRead]]),
            Method::Get,
            "/api/system/version",
            schema::<NoArgs>,
            handler!(system_version),
        )
    },
    ToolDef {
        description: "Check whether a newer Better-PaaS release is available.",
        output_schema: Some(result_schema::<UpdateCheck>),
        ..def(
            "check_update",
            "Check for updates",
            Toolset::System,
            Access::Read,
            MANAGE,
            Method::Get,
            "/api/system/update/check",
            schema::<CheckUpdateArgs>,
            handler!(check_update),
        )
    },
    ToolDef {
        description: "Show the state and log of a running or finished Better-PaaS update.",
        output_schema: Some(result_schema::<UpdateStatus>),
        ..def(
            "update_status",
            "Update status",
            Toolset::System,
            Access::Read,
            MANAGE,
            Method::Get,
            "/api/system/update/status",
            schema::<NoArgs>,
            handler!(update_status),
        )
    },
    ToolDef {
        description: "Update Better-PaaS to the latest release. The PaaS restarts; this MCP server loses the connection for a while.",
        output_schema: Some(result_schema::<UpdateStarted>),
        ..def(
            "apply_update",
            "Apply update",
            Toolset::System,
            Access::Destructive,
            MANAGE,
            Method::Post,
            "/api/system/update/apply",
            schema::<NoArgs>,
            handler!(apply_update),
        )
    },
    ToolDef {
        description: "Remove unused Docker images, containers, networks and build cache on the PaaS host to free disk space. Rollbacks to pruned images become impossible.",
        output_schema: Some(result_schema::<PruneOutput>),
        ..def(
            "docker_prune",
            "Prune Docker",
            Toolset::System,
            Access::Destructive,
            MANAGE,
            Method::Post,
            "/api/docker/prune",
            schema::<NoArgs>,
            handler!(docker_prune),
        )
    },
];

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CheckUpdateArgs {
    /// Ask the release server now instead of using the cached answer (default false).
    #[serde(default)]
    pub force: Option<bool>,
}

/// Output of system_version.
#[derive(JsonSchema)]
#[serde(rename_all = "camelCase")]
#[allow(dead_code)]
pub struct SystemVersion {
    /// PaaS version.
    version: Option<String>,
    /// True when the PaaS runs from a git checkout (apply_update works).
    git_checkout: Option<bool>,
    /// Repository updates come from.
    update_repo: Option<String>,
}

/// Output of check_update.
#[derive(JsonSchema)]
#[serde(rename_all = "camelCase")]
#[allow(dead_code)]
pub struct UpdateCheck {
    /// Running version.
    current: Option<String>,
    /// Newest version.
    latest: Option<String>,
    /// True when latest is newer.
    has_update: Option<bool>,
    /// False when no release feed is configured.
    configured: Option<bool>,
    /// The newest release.
    release: Option<OrNull<Release>>,
    /// When the feed was read (RFC 3339).
    checked_at: Option<String>,
}

/// A PaaS release.
#[derive(JsonSchema)]
#[serde(rename_all = "camelCase")]
#[allow(dead_code)]
pub struct Release {
    /// Tag, e.g. v1.4.0.
    tag_name: Option<String>,
    /// Title.
    name: Option<String>,
    /// Release notes.
    notes: Option<String>,
    /// Release page.
    url: Option<String>,
    /// Publication time (RFC 3339).
    published_at: Option<String>,
}

/// Output of update_status.
#[derive(JsonSchema)]
#[serde(rename_all = "camelCase")]
#[allow(dead_code)]
pub struct UpdateStatus {
    /// Update state, e.g. idle.
    state: Option<String>,
    /// True while an update runs.
    in_progress: Option<bool>,
    /// Output of the last update.
    log: Option<serde_json::Value>,
}

/// Output of apply_update.
#[derive(JsonSchema)]
#[allow(dead_code)]
pub struct UpdateStarted {
    /// started.
    status: Option<String>,
    /// Version being installed.
    target: Option<String>,
    /// What happens next (the PaaS restarts).
    message: Option<String>,
}

/// Output of docker_prune.
#[derive(JsonSchema)]
#[allow(dead_code)]
pub struct PruneOutput {
    /// pruned.
    status: Option<String>,
    /// Docker's report of what was removed.
    output: Option<String>,
}

async fn system_version(ctx: &ToolContext, _: NoArgs) -> Result<ToolOutput, ToolError> {
    Ok(json_output(get(ctx, "/api/system/version", &[]).await?))
}

async fn check_update(ctx: &ToolContext, args: CheckUpdateArgs) -> Result<ToolOutput, ToolError> {
    let query: Vec<(&str, String)> = if args.force.unwrap_or(false) {
        vec![("force", "1".to_owned())]
    } else {
        Vec::new()
    };
    Ok(json_output(
        get(ctx, "/api/system/update/check", &query).await?,
    ))
}

async fn update_status(ctx: &ToolContext, _: NoArgs) -> Result<ToolOutput, ToolError> {
    Ok(json_output(
        get(ctx, "/api/system/update/status", &[]).await?,
    ))
}

async fn apply_update(ctx: &ToolContext, _: NoArgs) -> Result<ToolOutput, ToolError> {
    Ok(json_output(
        super::post(ctx, "/api/system/update/apply", json!({})).await?,
    ))
}

async fn docker_prune(ctx: &ToolContext, _: NoArgs) -> Result<ToolOutput, ToolError> {
    Ok(json_output(
        super::post(ctx, "/api/docker/prune", json!({})).await?,
    ))
}
