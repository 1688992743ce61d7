//! `paas setup`: add (or with `--remove`, take out) the paas MCP server entry in the config
//! of each MCP client, without losing a byte of the user's config.

use std::process::ExitCode;

use crate::config::{self, ConfigFile, Paths};
use crate::editors::{
    self, Action, Change, Client, EditorError, HTTP_TOKEN_ENV, Launch, Locations, Plan, Scope,
    Selection, SetupRequest,
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

    /// Remove our entry instead of adding it: the one named --name; for another --context that
    /// context's entries (better-paas-<context>, or running `paas mcp --context <context>`);
    /// else every entry that runs `paas mcp`. Other servers are left alone.
    #[arg(long)]
    pub remove: bool,

    /// Point the clients at a running `paas mcp --http` at this URL (Streamable HTTP) instead
    /// of starting `paas mcp` over stdio. The bearer token is referenced as the
    /// PAAS_MCP_HTTP_TOKEN environment variable, never written. Claude Desktop only starts
    /// stdio servers: it is skipped unless named with --client (then an error).
    #[arg(long, value_name = "URL", conflicts_with = "remove", value_parser = parse_http_url)]
    pub http: Option<String>,

    /// Entry name (default: better-paas, or better-paas-<context> for another context).
    #[arg(long, value_name = "NAME", value_parser = parse_name)]
    pub name: Option<String>,

    /// Replace an entry with our name even when it runs another program; with --remove
    /// --name, remove it even then (without it, such an entry is left alone and nothing is
    /// written).
    #[arg(long)]
    pub force: bool,
}

fn parse_client(s: &str) -> Result<Client, String> {
    Client::parse(s)
        .ok_or_else(|| format!("unknown client {s:?}; choose from {}", Client::all_ids()))
}

fn parse_name(s: &str) -> Result<String, String> {
    if editors::valid_name(s) {
        Ok(s.to_owned())
    } else {
        Err("use 1 to 64 letters, digits, '-' or '_' (Codex accepts nothing else)".to_owned())
    }
}

/// Only http(s) URLs with a host and no credentials; the path is kept as given (usually
/// `/mcp`). A bad URL is a usage error (exit 2), reported by clap.
fn parse_http_url(raw: &str) -> Result<String, String> {
    let url = url::Url::parse(raw.trim())
        .map_err(|e| format!("{e}; give the full URL, e.g. http://127.0.0.1:8808/mcp"))?;
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
        return Err("it must start with http:// or https:// and name a host".to_owned());
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(format!(
            "it must not contain credentials; the token comes from {HTTP_TOKEN_ENV}"
        ));
    }
    Ok(url.to_string())
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
    let context_name = config::context_name(global.context.as_deref());
    let context = Some(context_name.as_str()).filter(|c| *c != config::DEFAULT_CONTEXT);
    let name = args.name.clone();

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

    let mut warnings = Vec::new();
    let mut plan = if args.remove {
        // --name removes that entry; another context removes only its own entries; the
        // default context removes every paas entry (including ones the Go CLI or an older
        // setup wrote under other names), as --help says.
        let selection = match (&name, context) {
            (Some(name), _) => Selection::Named(name),
            (None, Some(ctx)) => Selection::Context(ctx),
            (None, None) => Selection::AllOurs,
        };
        editors::plan_remove(&loc, &clients, &[scope], selection, args.force)
    } else {
        let launch = match (&args.http, scope) {
            (Some(url), _) => Launch::Http { url: url.clone() },
            (None, Scope::Project) => {
                let (launch, warning) =
                    editors::launcher::project_launch(context, loc.path_var.as_deref());
                warnings.extend(warning);
                launch
            }
            (None, Scope::User) => {
                editors::launcher::stdio_launch(context, loc.path_var.as_deref())
                    .map_err(anyhow::Error::msg)?
            }
        };
        if args.http.is_none() {
            warnings.extend(not_connected_warning(&paths, &context_name, args.dry_run));
        }
        let request = SetupRequest {
            clients: clients.clone(),
            scope,
            name: name.unwrap_or_else(|| editors::default_name(context)),
            launch,
            force: args.force,
            detected: args.clients.is_empty(),
        };
        editors::plan_setup(&loc, &request)
    };
    warnings.append(&mut plan.warnings);

    if !plan.errors.is_empty() {
        for error in &plan.errors {
            eprintln!("error: {error}");
        }
        let refused = plan
            .errors
            .iter()
            .filter(|e| matches!(e, EditorError::Refused { .. }))
            .count();
        match refused {
            0 => eprintln!("Nothing was written."),
            1 => eprintln!(
                "Nothing was written; fix the file named above (or move it away) and run again."
            ),
            _ => eprintln!(
                "Nothing was written; fix the files named above (or move them away) and run again."
            ),
        }
        return Ok(ExitCode::from(1));
    }

    if args.dry_run {
        print_dry_run(&plan);
        print_warnings(&warnings);
        return Ok(ExitCode::SUCCESS);
    }

    editors::apply(&mut plan)?;
    print_report(&plan, args.remove);
    if args.remove {
        if plan.changes.iter().all(|c| c.action == Action::Unchanged) {
            println!("No paas entry was found in the chosen clients' {scope} config.");
        }
    } else {
        print_next_steps(&plan, &paths, &context_name, args.http.is_some());
    }
    print_warnings(&warnings);
    Ok(ExitCode::SUCCESS)
}

/// The entry is written anyway (a user may set up before connecting: `paas mcp` offers
/// `paas_status` until `paas connect` runs), but the user must know what to run.
fn not_connected_warning(paths: &Paths, context: &str, dry_run: bool) -> Option<String> {
    let connect = format!("paas connect <url>{}", config::context_flag(context));
    match ConfigFile::load(paths) {
        Ok(file) if file.get(context).is_some() => None,
        // PAAS_API_URL + PAAS_TOKEN serve the default context without a stored connection.
        Ok(_) if context == config::DEFAULT_CONTEXT && config::from_env().is_some() => None,
        Ok(_) if dry_run => Some(format!(
            "context {context:?} is not connected: once the entry is written, the server will \
             offer only paas_status until you run `{connect}`"
        )),
        Ok(_) => Some(format!(
            "context {context:?} is not connected: the entry was written, but until you run \
             `{connect}` the server offers only paas_status"
        )),
        Err(e) => Some(format!(
            "could not check whether context {context:?} is connected ({e}); if it is not, run \
             `{connect}`"
        )),
    }
}

fn print_warnings(warnings: &[String]) {
    for warning in warnings {
        eprintln!("warning: {warning}");
    }
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
            if let Some(note) = change.note {
                println!("    ({note})");
            }
            print_removed_tokens(change, true);
            print!("{}", mask_diff(&change.diff()));
        }
    }
    print_skipped(plan);
    println!("Dry run: nothing was written.");
}

/// The diff with every token masked: a dry run must not print the token it would remove.
fn mask_diff(diff: &str) -> String {
    config::mask_tokens(diff)
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
        let prep = if remove || change.action == Action::Removed {
            "from"
        } else {
            "in"
        };
        let backup = change.backup_note();
        println!(
            "✓ {}: {what} {} {prep} {}{backup}",
            describe(change),
            quoted_names(change),
            change.path.display()
        );
        print_note(change);
    }
    print_skipped(plan);
}

fn print_note(change: &Change) {
    if let Some(note) = change.note {
        println!("    ({note})");
    }
    print_removed_tokens(change, false);
}

/// Say that our entry held a token (where, never the value) and that it is taken out.
fn print_removed_tokens(change: &Change, dry_run: bool) {
    if change.removed_tokens.is_empty() {
        return;
    }
    let did = if dry_run { "would remove" } else { "removed" };
    let backup = match &change.backup {
        Some(b) => format!(
            "; the backup {} still holds it: delete it once you no longer need it",
            b.display()
        ),
        None => String::new(),
    };
    println!(
        "    ({did} a token that sat in plain text in the entry ({}): `paas mcp` reads the \
         token itself. If this file was ever shared, committed or synced, rotate the token{backup})",
        change.removed_tokens.join(", ")
    );
}

fn print_skipped(plan: &Plan) {
    for (client, why) in &plan.skipped {
        println!("- {}: skipped: {why}", client.label());
    }
}

fn print_next_steps(plan: &Plan, paths: &Paths, context: &str, http: bool) {
    let touched: Vec<&Change> = plan.changes.iter().filter(|c| c.note.is_none()).collect();
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
    let grant = crate::cli::session::last_known_grant(paths, Some(context));
    for prompt in crate::cli::toolview::example_prompts(grant.as_ref()) {
        println!("       \"{prompt}\"");
    }
    if http {
        println!(
            "  The clients send the bearer token from the {HTTP_TOKEN_ENV} environment variable:"
        );
        println!("  export it where the editor starts, with the token `paas mcp --http` uses.");
    }
    // `paas env` prints the default context's credentials unless told otherwise.
    let fallback = super::env::load_command(super::env::default_shell()).replacen(
        "paas env",
        &format!("paas env{}", config::context_flag(context)),
        1,
    );
    println!("  Terminal fallback (no MCP): {fallback}");
}
