//! `paas_status`: always available, even with no or a broken token. It renders what the
//! `mcp` layer knows (connection, context, agent, observed scopes, hidden tools and what
//! would unlock them, and the problem with what to run) plus an apps summary when the
//! token can read apps.

use serde_json::{Value, json};

use super::{NoArgs, array, def, get, output, result_schema, schema};
use crate::catalog::tools::apps::app_line;
use crate::catalog::{
    Access, Guard, Method, Scope, StatusSnapshot, ToolContext, ToolDef, ToolError, ToolOutput,
    Toolset,
};

pub const TOOLS: &[ToolDef] = &[ToolDef {
    description: "Show how this MCP server is connected to Better-PaaS: URL, context, agent, observed token scopes, which tools are hidden and which scope would unlock them, any problem and the command that fixes it, plus a summary of the apps when the token can read them.",
    idempotent: true,
    output_schema: Some(result_schema::<StatusOutput>),
    ..def(
        "paas_status",
        "Connection status",
        Toolset::Status,
        Access::Read,
        Guard::Scopes(&[]),
        Method::Get,
        "/api/health",
        schema::<NoArgs>,
        handler!(paas_status),
    )
}];

/// Output of paas_status: the server's status plus, when the token can read apps, a
/// summary of them.
#[derive(schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
#[allow(dead_code)]
pub struct StatusOutput {
    #[serde(flatten)]
    status: StatusSnapshot,
    /// Apps (id, name, status, url), when the token holds apps:read.
    apps: Option<Vec<StatusApp>>,
    /// Why the apps could not be listed, if that failed.
    apps_error: Option<String>,
}

/// One app in the status summary.
#[derive(schemars::JsonSchema)]
#[allow(dead_code)]
pub struct StatusApp {
    /// App id.
    id: String,
    /// App name.
    name: String,
    /// building, running, stopped or failed.
    status: String,
    /// Default URL.
    url: Option<String>,
}

async fn paas_status(ctx: &ToolContext, _: NoArgs) -> Result<ToolOutput, ToolError> {
    let snapshot: StatusSnapshot = ctx.status.read().map(|s| s.clone()).unwrap_or_default();
    let can_read_apps = snapshot.connected
        && !snapshot.admin_refused
        && (snapshot.admin_token || snapshot.observed_scopes.contains(&Scope::AppsRead));
    let mut structured = super::drop_nulls(serde_json::to_value(&snapshot).unwrap_or(Value::Null));
    let mut text = render(&snapshot);
    if can_read_apps {
        match get(ctx, "/api/apps", &[]).await {
            Ok(apps) => {
                let apps = array(apps);
                let summary: Vec<Value> = apps
                    .iter()
                    .map(|a| super::project(a, &["id", "name", "status", "url"]))
                    .collect();
                text.push_str(&format!("\nApps ({}):", summary.len()));
                for a in &summary {
                    text.push_str(&format!("\n  {}", app_line(a)));
                }
                if let Some(obj) = structured.as_object_mut() {
                    obj.insert("apps".to_owned(), Value::Array(summary));
                }
            }
            Err(e) => {
                text.push_str(&format!("\nApps: could not be listed: {e}"));
                if let Some(obj) = structured.as_object_mut() {
                    obj.insert("appsError".to_owned(), json!(e.to_string()));
                }
            }
        }
    }
    Ok(output(structured, text))
}

fn render(s: &StatusSnapshot) -> String {
    let mut lines = Vec::new();
    let url = if s.url.is_empty() {
        "(not configured)"
    } else {
        s.url.as_str()
    };
    lines.push(format!(
        "PaaS: {url} — {}",
        if s.connected {
            "connected"
        } else {
            "not connected"
        }
    ));
    if !s.context.is_empty() {
        lines.push(format!("Context: {}", s.context));
    }
    if !s.token_source.is_empty() {
        lines.push(format!("Token from: {}", s.token_source));
    }
    if s.admin_refused {
        lines.push("Token: the ADMIN token, refused (see Problem); no tool uses it".to_owned());
    } else if s.admin_token {
        lines.push("Token: the ADMIN token (all scopes and admin-only tools)".to_owned());
    } else if let Some(name) = &s.agent_name {
        lines.push(format!(
            "Agent: {name}{}{}",
            s.agent_id
                .as_deref()
                .map(|id| format!(" ({id})"))
                .unwrap_or_default(),
            s.profile
                .as_deref()
                .map(|p| format!(", profile {p}"))
                .unwrap_or_default()
        ));
    }
    if s.connected && !s.admin_token {
        let scopes: Vec<&str> = s.observed_scopes.iter().map(|s| s.as_str()).collect();
        lines.push(format!(
            "Observed scopes: {}",
            if scopes.is_empty() {
                "none".to_owned()
            } else {
                scopes.join(", ")
            }
        ));
        if s.observed_scopes.contains(&Scope::AppsRead) {
            // The probes cannot tell logs:read apart next to apps:read (both open the same
            // log route), and it adds no tool then; say so rather than let it look absent.
            lines.push(
                "  (logs:read cannot be observed while apps:read is held; with apps:read it \
                 unlocks nothing more, so the tool list is the same either way)"
                    .to_owned(),
            );
        }
    }
    // What is wrong comes before the tool lists: it is what the model must tell the user.
    if let Some(switch) = &s.token_switch {
        lines.push(format!("Token: {switch}"));
    }
    if let Some(problem) = &s.problem {
        lines.push(format!("Problem: {problem}"));
    }
    lines.push(format!("Tools available: {}", s.tools_available.len()));
    match s.tools_hidden.first() {
        None => {}
        // One reason for all (no connection, a refused token): one line, not ninety.
        Some(first) if s.tools_hidden.iter().all(|h| h.reason == first.reason) => {
            lines.push(format!(
                "Hidden tools ({}): all of them, because {}",
                s.tools_hidden.len(),
                first.reason
            ));
        }
        Some(_) => {
            lines.push(format!("Hidden tools ({}):", s.tools_hidden.len()));
            for h in &s.tools_hidden {
                lines.push(format!("  {} — {}", h.name, h.reason));
            }
        }
    }
    lines.join("\n")
}
