//! `paas setup`: add (or with `--remove`, take out) the paas MCP server entry in the config
//! of each MCP client, without losing a byte of the user's config.

use std::process::ExitCode;

use crate::config::{self, Paths};
use crate::editors::{
    self, Action, Change, Client, HTTP_TOKEN_ENV, Launch, Locations, Plan, Scope, SetupRequest,
};
use anyhow::{Context as _, bail};

use super::Global;

#[derive(Debug, clap::Args)]
#[command(after_help = "\
Examples:
  paas setup                             # every client installed on this machine
  paas setup --client claude-code,codex  # only these
  paas setup --project --client cursor   # .cursor/mcp.json in the current directory
  paas setup --dry-run                   # show the diff, write nothing
  paas setup --http http://127.0.0.1:8808/mcp --client codex
  paas setup --remove                    # take the entries out again

Clients: claude-code, cursor, codex, vscode, windsurf, claude-desktop, gemini.
Each changed file is backed up next to itself (<file>.bak) and written atomically.
The entry never contains your token: `paas mcp` reads it when the editor starts it.")]
pub struct Args {
    /// Clients to configure, comma-separated (default: the ones installed here).
    #[arg(long = "client", value_name = "CLIENT", value_delimiter = ',', value_parser = parse_client)]
    pub clients: Vec<Client>,

    /// Write the project-scoped files in the current directory (.mcp.json, .cursor/mcp.json,
    /// .vscode/mcp.json, .gemini/settings.json, .codex/config.toml) instead of the user's.
    #[arg(long)]
    pub project: bool,

    /// Print the unified diff of every file that would change, and write nothing.
    #[arg(long)]
    pub dry_run: bool,

    /// Remove our entry instead of adding it: the one named --name; for another --context its
    /// better-paas-<context> entry; else every entry that runs `paas mcp`. Other servers are
    /// left alone.
    #[arg(long)]
    pub remove: bool,

    /// Point the clients at a running `paas mcp --http` at this URL (Streamable HTTP) instead
    /// of starting `paas mcp` over stdio. The bearer token is referenced as the
    /// PAAS_MCP_HTTP_TOKEN environment variable, never written.
    #[arg(long, value_name = "URL", conflicts_with = "remove")]
    pub http: Option<String>,

    /// Entry name (default: better-paas, or better-paas-<context> for another context).
    #[arg(long, value_name = "NAME")]
    pub name: Option<String>,
}

fn parse_client(s: &str) -> Result<Client, String> {
    Client::parse(s)
        .ok_or_else(|| format!("unknown client {s:?}; choose from {}", Client::all_ids()))
}

pub async fn run(args: Args, global: &Global) -> anyhow::Result<ExitCode> {
    let paths = Paths::from_env()?;
    let project_dir = if args.project {
        Some(std::env::current_dir().context("cannot read the current directory")?)
    } else {
        None
    };
    let loc = Locations::new(&paths, project_dir.as_deref());
    let scope = if args.project {
        Scope::Project
    } else {
        Scope::User
    };
    let context = global.context.as_deref();

    let name = match &args.name {
        Some(name) if !editors::valid_name(name) => bail!(
            "invalid --name {name:?}: use 1 to 64 letters, digits, '-' or '_' (Codex accepts nothing else)"
        ),
        Some(name) => Some(name.clone()),
        None => None,
    };

    let clients = if !args.clients.is_empty() {
        let mut clients = args.clients.clone();
        clients.sort();
        clients.dedup();
        clients
    } else if args.remove {
        Client::ALL.to_vec()
    } else {
        let found = editors::detect(&loc);
        if found.is_empty() {
            bail!(
                "no MCP client found on this machine (looked for their config directories and \
                 commands on PATH). Choose clients with --client {}",
                Client::all_ids().replace(", ", ",")
            );
        }
        found
    };

    let mut plan = if args.remove {
        // Another context removes only its own entry; the default context removes every
        // paas entry (including ones the Go CLI or an older setup wrote under other names).
        let only = name.or_else(|| {
            context
                .filter(|c| !c.is_empty() && *c != "default")
                .map(|c| editors::default_name(Some(c)))
        });
        editors::plan_remove(&loc, &clients, &[scope], only.as_deref())
    } else {
        let launch = match &args.http {
            Some(url) => Launch::Http {
                url: check_http_url(url)?,
            },
            None => editors::launcher::stdio_launch(context, loc.path_var.as_deref())
                .map_err(anyhow::Error::msg)?,
        };
        let request = SetupRequest {
            clients: clients.clone(),
            scope,
            name: name.unwrap_or_else(|| editors::default_name(context)),
            launch,
        };
        editors::plan_setup(&loc, &request)
    };

    if !plan.errors.is_empty() {
        for error in &plan.errors {
            eprintln!("error: {error}");
        }
        eprintln!("Nothing was written.");
        return Ok(ExitCode::from(1));
    }

    if args.dry_run {
        print_dry_run(&plan);
        return Ok(ExitCode::SUCCESS);
    }

    editors::apply(&mut plan)?;
    print_report(&plan, args.remove);
    if args.remove {
        if plan.changes.iter().all(|c| c.action == Action::Unchanged) {
            println!("No paas entry was found in the chosen clients' {scope} config.");
        }
    } else {
        print_next_steps(&plan, &paths, context, args.http.is_some());
    }
    Ok(ExitCode::SUCCESS)
}

/// Only http(s) URLs with a host; the path is kept as given (usually `/mcp`).
fn check_http_url(raw: &str) -> anyhow::Result<String> {
    let url = url::Url::parse(raw.trim()).with_context(|| {
        format!("invalid --http URL {raw:?}: give the full URL, e.g. http://127.0.0.1:8808/mcp")
    })?;
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
        bail!("invalid --http URL {raw:?}: it must start with http:// or https:// and name a host");
    }
    if !url.username().is_empty() || url.password().is_some() {
        bail!("the --http URL must not contain credentials; the token comes from {HTTP_TOKEN_ENV}");
    }
    Ok(url.to_string())
}

fn describe(change: &Change) -> String {
    format!("{} ({})", change.client.label(), change.scope)
}

fn quoted_names(change: &Change) -> String {
    change
        .names
        .iter()
        .map(|n| format!("\"{n}\""))
        .collect::<Vec<_>>()
        .join(", ")
}

fn print_dry_run(plan: &Plan) {
    for change in &plan.changes {
        if change.action == Action::Unchanged {
            println!(
                "= {}: {} already up to date in {}",
                describe(change),
                quoted_names(change),
                change.path.display()
            );
        } else {
            println!(
                "~ {}: would {} {} in {}",
                describe(change),
                verb(change.action),
                quoted_names(change),
                change.path.display()
            );
            print!("{}", change.diff());
        }
    }
    print_skipped(plan);
    println!("Dry run: nothing was written.");
}

const fn verb(action: Action) -> &'static str {
    match action {
        Action::Added => "add",
        Action::Updated => "update",
        Action::Removed => "remove",
        Action::Unchanged => "keep",
    }
}

fn print_report(plan: &Plan, remove: bool) {
    for change in &plan.changes {
        let what = match change.action {
            Action::Added => "added",
            Action::Updated => "updated",
            Action::Removed => "removed",
            Action::Unchanged => {
                println!(
                    "= {}: {} already up to date in {} (not rewritten)",
                    describe(change),
                    quoted_names(change),
                    change.path.display()
                );
                continue;
            }
        };
        let prep = if remove { "from" } else { "in" };
        let backup = change
            .backup
            .as_ref()
            .map(|b| format!(" (backup: {})", b.display()))
            .unwrap_or_default();
        println!(
            "✓ {}: {what} {} {prep} {}{backup}",
            describe(change),
            quoted_names(change),
            change.path.display()
        );
    }
    print_skipped(plan);
}

fn print_skipped(plan: &Plan) {
    for (client, why) in &plan.skipped {
        println!("- {}: skipped: {why}", client.label());
    }
}

fn print_next_steps(plan: &Plan, paths: &Paths, context: Option<&str>, http: bool) {
    let touched: Vec<&Change> = plan.changes.iter().collect();
    if touched.is_empty() {
        return;
    }
    println!();
    println!("Next steps:");
    let mut labels: Vec<&str> = touched.iter().map(|c| c.client.label()).collect();
    labels.dedup();
    println!(
        "  1. Restart {} (running sessions do not reload MCP servers).",
        labels.join(", ")
    );
    if let Some(c) = touched.iter().find(|c| c.client == Client::ClaudeCode) {
        let name = c.names.first().map(String::as_str).unwrap_or("better-paas");
        println!("     Check Claude Code with: claude mcp get {name}");
    }
    if touched.iter().any(|c| c.client == Client::Codex) {
        println!("     Check Codex with: codex mcp list");
    }
    if touched
        .iter()
        .any(|c| c.client == Client::Codex && c.scope == Scope::Project)
    {
        println!("     Codex reads .codex/config.toml only in a project you marked as trusted.");
    }
    println!("  2. Ask your assistant, for example:");
    println!("       \"List my Better-PaaS apps\"");
    println!("       \"Show the last 100 log lines of my-app\"");
    println!("       \"Redeploy my-app and tell me when it is running\"");
    if http {
        println!(
            "  The clients send the bearer token from the {HTTP_TOKEN_ENV} environment variable:"
        );
        println!("  export it where the editor starts, with the token `paas mcp --http` uses.");
    } else if let Err(config::ConfigError::NotConnected) = config::resolve(paths, context) {
        println!("  Not connected yet: run `paas connect <url>` before the first use.");
    }
    println!(
        "  Terminal fallback (no MCP): {}",
        super::env::load_command(super::env::default_shell())
    );
}
