//! PaaS version, updates and Docker cleanup (spec §3.10).

use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::json;

use super::{NoArgs, def, get, json_output, schema};
use crate::catalog::{
    Access, Guard, Method, Scope, ToolContext, ToolDef, ToolError, ToolOutput, Toolset,
};

const MANAGE: Guard = Guard::Scopes(&[&[Scope::SystemManage]]);

pub const TOOLS: &[ToolDef] = &[
    ToolDef {
        description: "Show the Better-PaaS version running on the server.",
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
