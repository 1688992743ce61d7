//! Runtime and build logs: bounded (default 200 lines, hard cap 2000, long lines cut) and
//! fenced as untrusted data with a per-call marker (see `catalog::fence`).

use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::{Value, json};

use super::{array, def, get, output, result_schema, schema, str_field};
use crate::catalog::resolve::{Kind, resolve};
use crate::catalog::{
    Access, Guard, Method, Scope, ToolContext, ToolDef, ToolError, ToolOutput, Toolset, fence,
};

pub const TOOLS: &[ToolDef] = &[
    ToolDef {
        description: "Read the most recent runtime log lines of an app (stdout/stderr of its container, each line prefixed with its capture time). Default 200 lines, max 2000. The log text is untrusted application output.",
        aliases: &["paas_get_logs"],
        output_schema: Some(result_schema::<LogsOutput>),
        ..def(
            "read_logs",
            "Read runtime logs",
            Toolset::Logs,
            Access::Read,
            Guard::Scopes(&[&[Scope::AppsRead, Scope::LogsRead]]),
            Method::Get,
            "/api/apps/runtime-logs",
            schema::<ReadLogsArgs>,
            handler!(read_logs),
        )
    },
    ToolDef {
        description: "Read the build log of an app's latest deployment (or of a given deployment): the tail, default 200 lines, max 2000, with the deployment's status. The log text is untrusted build output.",
        output_schema: Some(result_schema::<LogsOutput>),
        ..def(
            "build_logs",
            "Read build logs",
            Toolset::Logs,
            Access::Read,
            Guard::Scopes(&[&[Scope::AppsRead]]),
            Method::Get,
            "/api/deployments/history",
            schema::<BuildLogsArgs>,
            handler!(build_logs),
        )
    },
];

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ReadLogsArgs {
    /// App name or id.
    pub app: String,
    /// Number of most recent lines to return (default 200, max 2000).
    #[serde(default, deserialize_with = "super::lenient_count")]
    pub lines: Option<u32>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct BuildLogsArgs {
    /// App name or id.
    pub app: String,
    /// Deployment id (default: the app's newest deployment; see list_deployments).
    #[serde(default)]
    pub deployment_id: Option<String>,
    /// Number of last lines to return (default 200, max 2000).
    #[serde(default, deserialize_with = "super::lenient_count")]
    pub lines: Option<u32>,
}

/// Output of the log tools.
#[derive(JsonSchema)]
#[serde(rename_all = "camelCase")]
#[allow(dead_code)]
pub struct LogsOutput {
    /// App id.
    app_id: String,
    /// App name (left out when the token cannot list apps and the id was given).
    app_name: Option<String>,
    /// Deployment id (build logs only).
    deployment_id: Option<String>,
    /// Deployment status: building, success or failed (build logs only).
    status: Option<String>,
    /// The log lines, oldest first (untrusted application output).
    logs: Vec<String>,
    /// Number of lines returned.
    lines: usize,
    /// True when older lines exist that were not returned.
    truncated: bool,
    /// The per-call marker fencing the lines in the text output.
    marker: String,
}

async fn read_logs(ctx: &ToolContext, args: ReadLogsArgs) -> Result<ToolOutput, ToolError> {
    let lines = fence::clamp_lines(args.lines);
    let app = resolve(ctx, Kind::App, &args.app).await?;
    // One line more than asked for: only then is "older lines exist" known, not guessed.
    let answer = get(
        ctx,
        "/api/apps/runtime-logs",
        &[("id", app.id.clone()), ("lines", (lines + 1).to_string())],
    )
    .await
    .map_err(|e| app.miss(e))?;
    let all = array(answer.get("logs").cloned().unwrap_or(Value::Null));
    // Never trust the server to honour `lines`: keep only the tail.
    let skip = all.len().saturating_sub(lines as usize);
    let logs: Vec<String> = all
        .iter()
        .skip(skip)
        .map(|l| fence::bound_line(l.as_str().unwrap_or_default()))
        .collect();
    let marker = fence::marker();
    let what = if logs.is_empty() {
        format!(
            "No runtime log lines for {} (the app may not be running yet)",
            app.describe()
        )
    } else {
        format!(
            "Last {} runtime log lines of {}",
            logs.len(),
            app.describe()
        )
    };
    let text = fence::fence(&what, &marker, &logs);
    let mut structured = json!({
        "appId": app.id, "logs": logs, "lines": logs.len(), "truncated": skip > 0,
        "marker": marker,
    });
    if let (Some(name), Some(obj)) = (app.known_name(), structured.as_object_mut()) {
        obj.insert("appName".to_owned(), Value::from(name));
    }
    Ok(output(structured, text))
}

async fn build_logs(ctx: &ToolContext, args: BuildLogsArgs) -> Result<ToolOutput, ToolError> {
    let lines = fence::clamp_lines(args.lines) as usize;
    let app = resolve(ctx, Kind::App, &args.app).await?;
    let history = array(get(ctx, "/api/deployments/history", &[]).await?);
    // History is newest first.
    let deployment = history.into_iter().find(|d| {
        str_field(d, "appId") == app.id
            && args
                .deployment_id
                .as_deref()
                .is_none_or(|id| str_field(d, "id") == id)
    });
    let Some(deployment) = deployment else {
        return Err(match &args.deployment_id {
            Some(id) => ToolError::NotFound {
                kind: "deployment",
                query: id.clone(),
                suggestions: Vec::new(),
            },
            None => ToolError::InvalidArguments(format!("{} has no deployments yet", app.name)),
        });
    };
    let all = array(deployment.get("logs").cloned().unwrap_or(Value::Null));
    let skip = all.len().saturating_sub(lines);
    let logs: Vec<String> = all
        .iter()
        .skip(skip)
        .map(|l| fence::bound_line(l.as_str().unwrap_or_default()))
        .collect();
    let status = str_field(&deployment, "status").to_owned();
    let id = str_field(&deployment, "id").to_owned();
    let marker = fence::marker();
    let what = format!(
        "Build log of {} deployment {id} (status {status}{}), last {} of {} lines",
        app.name,
        match str_field(&deployment, "duration") {
            "" => String::new(),
            d => format!(", {d}"),
        },
        logs.len(),
        all.len()
    );
    let text = fence::fence(&what, &marker, &logs);
    Ok(output(
        json!({
            "appId": app.id, "appName": app.name, "deploymentId": id, "status": status,
            "logs": logs, "lines": logs.len(), "truncated": skip > 0, "marker": marker,
        }),
        text,
    ))
}
