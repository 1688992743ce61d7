//! Resource metrics, server addresses and traffic analytics (spec §3.5, §3.10, §3.11).

use schemars::JsonSchema;
use serde::Deserialize;

use super::{NoArgs, array, def, get, json_output, list_output, schema};
use crate::catalog::resolve::{Kind, resolve};
use crate::catalog::{
    Access, Guard, Method, Scope, ToolContext, ToolDef, ToolError, ToolOutput, Toolset,
};

pub const TOOLS: &[ToolDef] = &[
    ToolDef {
        description: "Current CPU, memory and network usage of every running app (one docker stats sample, takes about a second; do not poll).",
        ..def(
            "app_metrics",
            "App metrics",
            Toolset::Metrics,
            Access::Read,
            Guard::Scopes(&[&[Scope::MetricsRead]]),
            Method::Get,
            "/api/metrics/apps",
            schema::<NoArgs>,
            handler!(app_metrics),
        )
    },
    ToolDef {
        description: "The PaaS server's public and local IP addresses (e.g. to point DNS at).",
        ..def(
            "server_info",
            "Server addresses",
            Toolset::Metrics,
            Access::Read,
            Guard::Scopes(&[&[Scope::AppsRead, Scope::MetricsRead]]),
            Method::Get,
            "/api/server/info",
            schema::<NoArgs>,
            handler!(server_info),
        )
    },
    ToolDef {
        description: "Traffic analytics of one app: views, visitors, time series, top pages and referrers, browsers, OS, devices.",
        ..def(
            "app_analytics",
            "App analytics",
            Toolset::Metrics,
            Access::Read,
            Guard::Scopes(&[&[Scope::AppsRead]]),
            Method::Get,
            "/api/analytics",
            schema::<AnalyticsArgs>,
            handler!(app_analytics),
        )
    },
    ToolDef {
        description: "Views and visitors per app over a period.",
        ..def(
            "analytics_overview",
            "Analytics overview",
            Toolset::Metrics,
            Access::Read,
            Guard::Scopes(&[&[Scope::AppsRead]]),
            Method::Get,
            "/api/analytics/overview",
            schema::<OverviewArgs>,
            handler!(analytics_overview),
        )
    },
];

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AnalyticsArgs {
    /// App name or id.
    pub app: String,
    /// Period in days: 1, 7, 30 or 90 (default 7).
    #[serde(default)]
    pub days: Option<u32>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct OverviewArgs {
    /// Period in days: 1, 7, 30 or 90 (default 7).
    #[serde(default)]
    pub days: Option<u32>,
}

fn days(d: Option<u32>) -> Result<String, ToolError> {
    match d.unwrap_or(7) {
        d @ (1 | 7 | 30 | 90) => Ok(d.to_string()),
        other => Err(ToolError::InvalidArguments(format!(
            "days must be 1, 7, 30 or 90, not {other}"
        ))),
    }
}

async fn app_metrics(ctx: &ToolContext, _: NoArgs) -> Result<ToolOutput, ToolError> {
    let items = array(get(ctx, "/api/metrics/apps", &[]).await?);
    Ok(list_output("apps", items, "No running apps."))
}

async fn server_info(ctx: &ToolContext, _: NoArgs) -> Result<ToolOutput, ToolError> {
    Ok(json_output(get(ctx, "/api/server/info", &[]).await?))
}

async fn app_analytics(ctx: &ToolContext, args: AnalyticsArgs) -> Result<ToolOutput, ToolError> {
    let days = days(args.days)?;
    let app = resolve(ctx, Kind::App, &args.app).await?;
    let answer = get(
        ctx,
        "/api/analytics",
        &[("id", app.id.clone()), ("days", days)],
    )
    .await
    .map_err(|e| app.miss(e))?;
    Ok(json_output(answer))
}

async fn analytics_overview(
    ctx: &ToolContext,
    args: OverviewArgs,
) -> Result<ToolOutput, ToolError> {
    let days = days(args.days)?;
    let items = array(get(ctx, "/api/analytics/overview", &[("days", days)]).await?);
    Ok(list_output("apps", items, "No analytics yet."))
}
