//! `paas status`: one screen that answers "is this working and what can my assistant do":
//! URL, context, agent, where the token lives, the scopes the PaaS honours right now, tools
//! available and hidden (with what unlocks each), and an apps summary.

use std::collections::BTreeMap;
use std::process::ExitCode;

use serde::Serialize;
use serde_json::Value;

use super::Global;
use crate::api::ApiRequest;
use crate::catalog::{Grant, Scope};
use crate::cli::admin_token;
use crate::cli::scopes_view::{scopes_line, scopes_note, unlock_hint, unobservable_scopes};
use crate::cli::session;
use crate::cli::toolview::{self, ToolRow};
use crate::config::{self, Paths, TokenSource};

#[derive(Debug, clap::Args)]
#[command(after_help = "\
Examples:
  paas status
  paas status --context staging
  paas status --json | jq '.toolsHidden'")]
pub struct Args {
    /// Print the report as JSON.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct Report {
    /// The credentials came from `PAAS_API_URL` + `PAAS_TOKEN`, not from a context.
    #[serde(skip)]
    from_env: bool,
    /// ` --context NAME` for the commands the text suggests (empty for the default).
    #[serde(skip)]
    context_flag: String,
    /// `null` only when no credentials could be resolved.
    url: Option<String>,
    context: String,
    agent_name: Option<String>,
    agent_id: Option<String>,
    profile: Option<String>,
    token_store: &'static str,
    connected: bool,
    admin_token: bool,
    /// What the probe observed; `null` when no probe succeeded (unknown, not "none").
    scopes: Option<Vec<Scope>>,
    /// Scopes the token may hold that the probe cannot see (`logs:read` next to
    /// `apps:read`); `null` when unknown.
    unobservable_scopes: Option<Vec<Scope>>,
    scopes_note: Option<&'static str>,
    tools_available: Vec<String>,
    tools_hidden: Vec<Hidden>,
    #[serde(flatten)]
    admin: admin_token::Facts,
    apps: Option<Apps>,
    projects: Option<usize>,
    problem: Option<String>,
}

impl Report {
    /// The report when no credentials could be resolved (not connected, a broken config):
    /// nothing is known but the context asked for and the problem.
    fn unresolved(context: Option<&str>, problem: String) -> Report {
        Report {
            from_env: false,
            context_flag: String::new(),
            url: None,
            context: config::context_name(context),
            agent_name: None,
            agent_id: None,
            profile: None,
            token_store: "none",
            connected: false,
            admin_token: false,
            scopes: None,
            unobservable_scopes: None,
            scopes_note: None,
            tools_available: Vec::new(),
            tools_hidden: Vec::new(),
            admin: admin_token::facts(None),
            apps: None,
            projects: None,
            problem: Some(problem),
        }
    }
}

#[derive(Debug, Serialize)]
struct Hidden {
    name: String,
    reason: String,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct Apps {
    total: usize,
    by_status: BTreeMap<String, usize>,
    items: Vec<AppLine>,
}

#[derive(Debug, Serialize)]
struct AppLine {
    name: String,
    status: String,
    id: String,
    url: String,
}

pub async fn run(args: Args, global: &Global) -> anyhow::Result<ExitCode> {
    let paths = Paths::from_env()?;
    let session = match session::open(&paths, global.context.as_deref()).await {
        Ok(session) => session,
        // A script running `paas status --json | jq .connected` gets an answer here too.
        Err(e) if args.json => {
            let report = Report::unresolved(global.context.as_deref(), e.to_string());
            println!("{}", serde_json::to_string_pretty(&report)?);
            return Ok(ExitCode::from(1));
        }
        Err(e) => return Err(e.into()),
    };
    let creds = &session.credentials;
    let (grant, problem) = match &session.grant {
        Ok(grant) => (Some(grant.clone()), None),
        Err(e) => (None, Some(session::problem_text(e, creds))),
    };
    let rows: Vec<ToolRow> = toolview::rows(grant.as_ref());
    let mut apps = None;
    let mut projects = None;
    let mut apps_note = None;
    if let Some(g) = &grant {
        if g.has(Scope::AppsRead) {
            match session.client.send(ApiRequest::get("/api/apps")).await {
                Ok(value) => apps = Some(summarize(&value)),
                Err(e) => apps_note = Some(format!("could not list apps: {e}")),
            }
            if let Ok(Value::Array(list)) =
                session.client.send(ApiRequest::get("/api/projects")).await
            {
                projects = Some(list.len());
            }
        } else {
            apps_note = Some(format!(
                "apps are not visible: {}",
                unlock_hint(Scope::AppsRead)
            ));
        }
    }
    let report = Report {
        from_env: creds.source == TokenSource::Env,
        context_flag: session::context_flag(creds),
        url: Some(creds.url.clone()),
        context: creds.context.clone(),
        agent_name: creds.agent_name.clone(),
        agent_id: creds.agent_id.clone(),
        profile: creds.profile.clone(),
        token_store: creds.source.as_str(),
        connected: grant.is_some(),
        admin_token: grant.as_ref().is_some_and(|g| g.admin),
        scopes: grant.as_ref().map(|g| g.scopes.iter().copied().collect()),
        unobservable_scopes: grant.as_ref().map(unobservable_scopes),
        scopes_note: grant.as_ref().and_then(scopes_note),
        tools_available: rows
            .iter()
            .filter(|r| r.available == Some(true))
            .map(|r| r.name.to_owned())
            .collect(),
        tools_hidden: rows
            .iter()
            .filter_map(|r| {
                r.hidden_reason.as_ref().map(|reason| Hidden {
                    name: r.name.to_owned(),
                    reason: reason.clone(),
                })
            })
            .collect(),
        admin: admin_token::facts(grant.as_ref()),
        apps,
        projects,
        problem: problem.clone(),
    };
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        let admin_fix = admin_token::fix(creds);
        print_text(&report, grant.as_ref(), apps_note.as_deref(), &admin_fix);
    }
    Ok(if problem.is_some() {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

fn summarize(value: &Value) -> Apps {
    let list = value.as_array().cloned().unwrap_or_default();
    let field = |app: &Value, key: &str| {
        app.get(key)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned()
    };
    let items: Vec<AppLine> = list
        .iter()
        .map(|app| AppLine {
            name: field(app, "name"),
            status: field(app, "status"),
            id: field(app, "id"),
            url: field(app, "url"),
        })
        .collect();
    let mut by_status = BTreeMap::new();
    for app in &items {
        *by_status.entry(app.status.clone()).or_insert(0) += 1;
    }
    Apps {
        total: items.len(),
        by_status,
        items,
    }
}

/// `admin_fix`: what to do when the token is the admin token (printed only then).
fn print_text(report: &Report, grant: Option<&Grant>, apps_note: Option<&str>, admin_fix: &str) {
    println!("Better-PaaS  {}", report.url.as_deref().unwrap_or_default());
    if report.from_env {
        // Not "env": that could be a context's name too.
        println!(
            "Context      environment ({}, {})",
            config::ENV_URL,
            config::ENV_TOKEN
        );
    } else {
        println!("Context      {}", report.context);
    }
    let who = match (&report.agent_name, &report.agent_id) {
        _ if report.admin_token => "none: this is the admin token".to_owned(),
        (Some(name), _) if !name.trim().is_empty() => name.clone(),
        (_, Some(id)) if !id.is_empty() => format!("unnamed agent {id}"),
        _ if report.from_env => "unknown (token from PAAS_TOKEN)".to_owned(),
        _ => "unnamed agent".to_owned(),
    };
    let agent = match &report.profile {
        Some(profile) if !report.admin_token => format!("{who} ({profile})"),
        _ => who,
    };
    println!("Agent        {agent}");
    println!("Token        {}", report.token_store);
    match grant {
        Some(g) => println!("Scopes       {}", scopes_line(g)),
        None => println!("Scopes       unknown"),
    }
    if let Some(problem) = &report.problem {
        println!("\nProblem: {problem}");
        return;
    }
    println!(
        "Tools        {} available, {} hidden (paas tools{} for details)",
        report.tools_available.len(),
        report.tools_hidden.len(),
        report.context_flag
    );
    // Grouped by what would unlock them: one line per missing scope, not one per tool.
    let mut groups: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for hidden in &report.tools_hidden {
        groups.entry(&hidden.reason).or_default().push(&hidden.name);
    }
    for (reason, names) in groups {
        let shown: Vec<&str> = names.iter().take(5).copied().collect();
        let more = names.len().saturating_sub(shown.len());
        let tail = if more > 0 {
            format!(", +{more} more")
        } else {
            String::new()
        };
        println!(
            "  {} hidden, {reason}: {}{tail}",
            names.len(),
            shown.join(", ")
        );
    }
    if let Some(note) = &report.admin.admin_token_note {
        println!("\nWarning: {note}.\n  Fix: {admin_fix}");
    }
    println!();
    if let Some(note) = apps_note {
        println!("{note}");
    }
    if let Some(apps) = &report.apps {
        if apps.total == 0 {
            println!("No apps deployed yet.");
        } else {
            let counts: Vec<String> = apps
                .by_status
                .iter()
                .map(|(s, n)| format!("{n} {s}"))
                .collect();
            println!("Apps: {} ({})", apps.total, counts.join(", "));
            let width = apps
                .items
                .iter()
                .map(|a| a.name.len())
                .max()
                .unwrap_or(4)
                .max(4);
            println!("  {:<width$}  {:<8}  {:<12}  URL", "NAME", "STATUS", "ID");
            for app in &apps.items {
                let url = if app.url.chars().count() > 48 {
                    format!("{}...", app.url.chars().take(45).collect::<String>())
                } else {
                    app.url.clone()
                };
                println!(
                    "  {:<width$}  {:<8}  {:<12}  {url}",
                    app.name, app.status, app.id
                );
            }
        }
    }
    if let Some(n) = report.projects
        && n > 0
    {
        println!("Projects: {n}");
    }
}
