//! `paas tools`: the tool catalogue with the scopes each tool needs and, when connected,
//! which tools this token gets and why the others are hidden.

use std::process::ExitCode;

use super::Global;
use crate::cli::admin_token;
use crate::cli::scopes_view::{scopes_line, scopes_note, unobservable_scopes};
use crate::cli::session;
use crate::cli::toolview;
use crate::config::Paths;

#[derive(Debug, clap::Args)]
#[command(after_help = "\
Examples:
  paas tools                      # the catalogue, and what this token gets
  paas tools --json | jq '.tools[] | select(.available == false)'")]
pub struct Args {
    /// Print {"connected", "scopes", "tools": [...]} as JSON.
    #[arg(long)]
    pub json: bool,
}

pub async fn run(args: Args, global: &Global) -> anyhow::Result<ExitCode> {
    let paths = Paths::from_env()?;
    // Not connected is fine here: the catalogue is still worth showing.
    let (grant, note) = match session::open(&paths, global.context.as_deref()).await {
        Ok(session) => match session.grant {
            Ok(grant) => (Some(grant), None),
            Err(e) => (None, Some(session::problem_text(&e, &session.credentials))),
        },
        Err(e) => (None, Some(e.to_string())),
    };
    let rows = toolview::rows(grant.as_ref());
    let admin = admin_token::facts(grant.as_ref());
    if args.json {
        let mut value = serde_json::json!({
            "connected": grant.is_some(),
            "admin": grant.as_ref().is_some_and(|g| g.admin),
            "scopes": grant.as_ref().map(|g| g.scopes.iter().map(|s| s.as_str()).collect::<Vec<_>>()),
            "unobservableScopes": grant.as_ref().map(unobservable_scopes),
            "scopesNote": grant.as_ref().and_then(scopes_note),
            "note": note,
        });
        if let (Some(fields), serde_json::Value::Object(extra)) =
            (value.as_object_mut(), serde_json::to_value(&admin)?)
        {
            fields.extend(extra);
            fields.insert("tools".to_owned(), serde_json::to_value(&rows)?);
        }
        println!("{}", serde_json::to_string_pretty(&value)?);
        return Ok(ExitCode::SUCCESS);
    }
    match (&grant, &note) {
        (Some(g), _) => println!("Token scopes: {}\n", scopes_line(g)),
        (None, Some(n)) => println!("Not showing what this token gets: {n}\n"),
        (None, None) => {}
    }
    if let Some(note) = &admin.admin_token_note {
        println!("Warning: {note}.\n");
    }
    if rows.is_empty() {
        println!("The tool catalogue is empty in this build.");
        return Ok(ExitCode::SUCCESS);
    }
    let width = rows.iter().map(|r| r.name.len()).max().unwrap_or(4).max(4);
    let req_width = rows
        .iter()
        .map(|r| r.requires.len())
        .max()
        .unwrap_or(8)
        .max(8);
    println!(
        "{:<width$}  {:<11}  {:<13}  {:<req_width$}  {}",
        "TOOL",
        "ACCESS",
        "TOOLSET",
        "REQUIRES",
        if grant.is_some() { "THIS TOKEN" } else { "" }
    );
    for row in &rows {
        let state = match (row.available, &row.hidden_reason) {
            (Some(true), _) => "available".to_owned(),
            (Some(false), Some(reason)) => format!("hidden: {reason}"),
            _ => String::new(),
        };
        println!(
            "{:<width$}  {:<11}  {:<13}  {:<req_width$}  {state}",
            row.name, row.access, row.toolset, row.requires
        );
    }
    if let Some(g) = &grant {
        let available = rows.iter().filter(|r| r.available == Some(true)).count();
        let with_flag = match &admin.tools_with_allow_admin_token {
            Some(names) => format!(" ({} with paas mcp --allow-admin-token)", names.len()),
            None => String::new(),
        };
        println!(
            "\n{available} of {} tools available to this {}{with_flag}.",
            rows.len(),
            if g.admin { "admin token" } else { "agent" }
        );
    }
    Ok(ExitCode::SUCCESS)
}
