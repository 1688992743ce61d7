//! Resource metrics, server addresses and traffic analytics (spec §3.5, §3.10, §3.11).

use schemars::JsonSchema;
use serde::Deserialize;

use super::{NoArgs, OrNull, array, def, get, json_output, list_output, result_schema, schema};
use crate::catalog::resolve::{Kind, resolve};
use crate::catalog::{
    Access, Guard, Method, Scope, ToolContext, ToolDef, ToolError, ToolOutput, Toolset,
};

pub const TOOLS: &[ToolDef] = &[
    ToolDef {
        description: "Current CPU, memory and network usage of every running app (one docker stats sample, takes about a second; do not poll).",
        output_schema: Some(result_schema::<AppMetricsOutput>),
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
        output_schema: Some(result_schema::<ServerAddresses>),
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
        output_schema: Some(result_schema::<Analytics>),
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
        output_schema: Some(result_schema::<AnalyticsOverviewOutput>),
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

/// Output of app_metrics.
#[derive(JsonSchema)]
#[allow(dead_code)]
pub struct AppMetricsOutput {
    /// One sample per running app.
    apps: Vec<AppMetrics>,
    /// Number of apps.
    count: usize,
}

/// Resource usage of one app.
#[derive(JsonSchema)]
#[serde(rename_all = "camelCase")]
#[allow(dead_code)]
pub struct AppMetrics {
    /// App id.
    app_id: Option<String>,
    /// App name.
    name: Option<String>,
    /// CPU use in percent of one core.
    cpu_percent: Option<f64>,
    /// Memory used, MB.
    mem_usage_mb: Option<f64>,
    /// Memory limit, MB.
    mem_limit_mb: Option<f64>,
    /// Memory used, percent of the limit.
    mem_percent: Option<f64>,
    /// Network received, MB.
    net_rx_mb: Option<f64>,
    /// Network sent, MB.
    net_tx_mb: Option<f64>,
}

/// Output of server_info.
#[derive(JsonSchema)]
#[serde(rename_all = "camelCase")]
#[allow(dead_code)]
pub struct ServerAddresses {
    /// Public IP address.
    public_ip: Option<String>,
    /// Local network IP address.
    local_ip: Option<String>,
}

/// Output of app_analytics.
#[derive(JsonSchema)]
#[serde(rename_all = "camelCase")]
#[allow(dead_code)]
pub struct Analytics {
    /// App id.
    app_id: Option<String>,
    /// App name.
    app_name: Option<String>,
    /// Period in days.
    range_days: Option<i64>,
    /// Page views in the period.
    total_views: Option<i64>,
    /// Unique visitors in the period.
    total_visitors: Option<i64>,
    /// Views and visitors per day.
    timeseries: Option<OrNull<Vec<DayTraffic>>>,
    /// Most viewed paths.
    top_pages: Option<OrNull<Vec<LabelCount>>>,
    /// Top referrers.
    top_referrers: Option<OrNull<Vec<LabelCount>>>,
    /// Browsers.
    browsers: Option<OrNull<Vec<LabelCount>>>,
    /// Operating systems.
    os: Option<OrNull<Vec<LabelCount>>>,
    /// Device types.
    devices: Option<OrNull<Vec<LabelCount>>>,
}

/// Traffic of one day.
#[derive(JsonSchema)]
#[allow(dead_code)]
pub struct DayTraffic {
    /// Day (YYYY-MM-DD).
    date: Option<String>,
    /// Page views.
    views: Option<i64>,
    /// Unique visitors.
    visitors: Option<i64>,
}

/// A label and how often it was seen.
#[derive(JsonSchema)]
#[allow(dead_code)]
pub struct LabelCount {
    /// Path, referrer, browser, OS or device.
    label: Option<String>,
    /// Views.
    count: Option<i64>,
}

/// Output of analytics_overview.
#[derive(JsonSchema)]
#[allow(dead_code)]
pub struct AnalyticsOverviewOutput {
    /// Traffic per app.
    apps: Vec<AppTraffic>,
    /// Number of apps.
    count: usize,
}

/// Traffic of one app over the period.
#[derive(JsonSchema)]
#[serde(rename_all = "camelCase")]
#[allow(dead_code)]
pub struct AppTraffic {
    /// App id.
    app_id: Option<String>,
    /// App name.
    app_name: Option<String>,
    /// Page views.
    views: Option<i64>,
    /// Unique visitors.
    visitors: Option<i64>,
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
