//! Scheduled commands run inside an app's container (spec §3.7). All need `cron:manage`.

use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::{Map, Value, json};

use super::outputs::Outcome;
use super::{
    NoArgs, array, def, get, json_output, list_output, output, post, put_opt, result_schema,
    schema, str_field,
};
use crate::catalog::resolve::{Kind, resolve};
use crate::catalog::{
    Access, Guard, Method, Scope, ToolContext, ToolDef, ToolError, ToolOutput, Toolset,
};

const MANAGE: Guard = Guard::Scopes(&[&[Scope::CronManage]]);

pub const TOOLS: &[ToolDef] = &[
    ToolDef {
        description: "List all cron jobs: app, schedule, command, enabled, last run and its outcome.",
        output_schema: Some(result_schema::<CronJobListOutput>),
        ..def(
            "list_cron_jobs",
            "List cron jobs",
            Toolset::Cron,
            Access::Read,
            MANAGE,
            Method::Get,
            "/api/cron",
            schema::<NoArgs>,
            handler!(list_cron_jobs),
        )
    },
    ToolDef {
        description: "Schedule a command to run inside an app's container. Schedule is 5-field cron in server time, e.g. \"*/15 * * * *\" (every 15 minutes) or \"0 3 * * 1\" (Mondays 03:00).",
        output_schema: Some(result_schema::<CronJob>),
        ..def(
            "create_cron_job",
            "Create cron job",
            Toolset::Cron,
            Access::Write,
            MANAGE,
            Method::Post,
            "/api/cron/create",
            schema::<CreateCronArgs>,
            handler!(create_cron_job),
        )
    },
    ToolDef {
        description: "Change a cron job's schedule or command, or enable/disable it. Omitted fields are kept.",
        output_schema: Some(result_schema::<CronJob>),
        idempotent: true,
        ..def(
            "update_cron_job",
            "Update cron job",
            Toolset::Cron,
            Access::Write,
            MANAGE,
            Method::Post,
            "/api/cron/update",
            schema::<UpdateCronArgs>,
            handler!(update_cron_job),
        )
    },
    ToolDef {
        description: "Delete a cron job; it stops running. Cannot be undone.",
        output_schema: Some(result_schema::<Outcome>),
        idempotent: true,
        ..def(
            "delete_cron_job",
            "Delete cron job",
            Toolset::Cron,
            Access::Destructive,
            MANAGE,
            Method::Post,
            "/api/cron/delete",
            schema::<CronArgs>,
            handler!(delete_cron_job),
        )
    },
    ToolDef {
        description: "Run a cron job now, once (in the background; see list_cron_jobs for the outcome).",
        output_schema: Some(result_schema::<Outcome>),
        ..def(
            "run_cron_job",
            "Run cron job now",
            Toolset::Cron,
            Access::Write,
            MANAGE,
            Method::Post,
            "/api/cron/run",
            schema::<CronArgs>,
            handler!(run_cron_job),
        )
    },
];

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CronArgs {
    /// Cron job id, as shown by list_cron_jobs.
    pub id: String,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateCronArgs {
    /// App name or id whose container runs the command.
    pub app: String,
    /// 5-field cron schedule (minute hour day-of-month month day-of-week), e.g. "0 3 * * *".
    pub schedule: String,
    /// Shell command, e.g. "npm run cleanup".
    pub command: String,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateCronArgs {
    /// Cron job id.
    pub id: String,
    /// New 5-field cron schedule.
    #[serde(default)]
    pub schedule: Option<String>,
    /// New command.
    #[serde(default)]
    pub command: Option<String>,
    /// Enable (true) or pause (false) the job.
    #[serde(default)]
    pub enabled: Option<bool>,
}

/// Output of list_cron_jobs.
#[derive(JsonSchema)]
#[allow(dead_code)]
pub struct CronJobListOutput {
    /// The cron jobs of all apps.
    jobs: Vec<CronJob>,
    /// Number of jobs.
    count: usize,
}

/// A cron job (spec §6.5).
#[derive(JsonSchema)]
#[serde(rename_all = "camelCase")]
#[allow(dead_code)]
pub struct CronJob {
    /// Cron job id.
    id: String,
    /// Id of the app whose container runs it.
    app_id: Option<String>,
    /// Name of that app.
    app_name: Option<String>,
    /// 5-field cron schedule.
    schedule: Option<String>,
    /// Shell command.
    command: Option<String>,
    /// False when paused.
    enabled: Option<bool>,
    /// Last run (RFC 3339; year 1 = never).
    last_run: Option<String>,
    /// success, failed or "" (never ran).
    last_status: Option<String>,
    /// Creation time (RFC 3339).
    created_at: Option<String>,
}

/// Check the 5-field shape locally so the model gets a precise message.
fn check_schedule(schedule: &str) -> Result<(), ToolError> {
    let fields = schedule.split_whitespace().count();
    if fields == 5 {
        Ok(())
    } else {
        Err(ToolError::InvalidArguments(format!(
            "schedule {schedule:?} has {fields} fields; use exactly 5: minute hour day-of-month month day-of-week, e.g. \"0 3 * * *\""
        )))
    }
}

async fn list_cron_jobs(ctx: &ToolContext, _: NoArgs) -> Result<ToolOutput, ToolError> {
    let items = array(get(ctx, "/api/cron", &[]).await?);
    Ok(list_output("jobs", items, "No cron jobs."))
}

async fn create_cron_job(ctx: &ToolContext, args: CreateCronArgs) -> Result<ToolOutput, ToolError> {
    check_schedule(&args.schedule)?;
    let app = resolve(ctx, Kind::App, &args.app).await?;
    let job = post(
        ctx,
        "/api/cron/create",
        json!({ "appId": app.id, "schedule": args.schedule, "command": args.command }),
    )
    .await?;
    let text = format!(
        "Created cron job {} for {}: \"{}\" at \"{}\"",
        str_field(&job, "id"),
        app.name,
        args.command,
        args.schedule
    );
    Ok(output(job, text))
}

async fn update_cron_job(ctx: &ToolContext, args: UpdateCronArgs) -> Result<ToolOutput, ToolError> {
    if let Some(s) = &args.schedule {
        check_schedule(s)?;
    }
    let mut body = Map::new();
    body.insert("id".to_owned(), args.id.clone().into());
    put_opt(&mut body, "schedule", &args.schedule);
    put_opt(&mut body, "command", &args.command);
    put_opt(&mut body, "enabled", &args.enabled);
    Ok(json_output(
        post(ctx, "/api/cron/update", Value::Object(body)).await?,
    ))
}

/// The server deletes without an existence check and answers success either way (spec
/// §3), so the job is looked up first (same scope): a wrong id is said, not "Deleted".
async fn delete_cron_job(ctx: &ToolContext, args: CronArgs) -> Result<ToolOutput, ToolError> {
    let jobs = array(get(ctx, "/api/cron", &[]).await?);
    if !jobs.iter().any(|j| str_field(j, "id") == args.id) {
        return Err(ToolError::NotFound {
            kind: "cron job",
            query: args.id.clone(),
            suggestions: Vec::new(),
        });
    }
    let answer = post(ctx, "/api/cron/delete", json!({ "id": args.id })).await?;
    Ok(output(
        json!({ "id": args.id, "status": str_field(&answer, "status") }),
        format!("Deleted cron job {}", args.id),
    ))
}

async fn run_cron_job(ctx: &ToolContext, args: CronArgs) -> Result<ToolOutput, ToolError> {
    let answer = post(ctx, "/api/cron/run", json!({ "id": args.id })).await?;
    Ok(output(
        json!({ "id": args.id, "status": str_field(&answer, "status") }),
        format!("Started cron job {}", args.id),
    ))
}
