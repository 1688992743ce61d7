//! The command line: clap definitions and dispatch. Each subcommand lives in
//! `commands/<name>.rs` as an `Args` struct plus `run`.
//!
//! Exit codes: 0 success, 1 error, 2 usage (clap's own exit code for bad arguments).

pub mod admin_token;
pub mod agent_hint;
pub mod browser;
pub mod commands;
pub mod discover;
pub mod scopes_view;
pub mod session;
pub mod toolview;

use std::process::ExitCode;

use clap::{CommandFactory, FromArgMatches, Parser, Subcommand};

use crate::config;

/// Let AI assistants operate your Better-PaaS with a scoped agent token.
#[derive(Debug, Parser)]
#[command(
    name = "paas",
    version,
    about,
    long_about = None,
    propagate_version = true,
    disable_version_flag = true,
    after_help = "\
Getting started:
  paas connect https://paas.example.com   # approve a scoped agent in the browser
  paas setup                              # add the MCP server to your editors
  paas status                             # what works, which tools your assistant gets

Exit codes: 0 success, 1 error, 2 usage.
Environment: PAAS_API_URL + PAAS_TOKEN override the stored credentials; PAAS_CONTEXT
selects a context; PAAS_TOKEN_STORE=keychain|file chooses where connect stores the token."
)]
pub struct Cli {
    /// Named connection to use (several PaaS instances can be connected at once).
    #[arg(long, global = true, env = "PAAS_CONTEXT", value_name = "NAME")]
    pub context: Option<String>,

    /// Log verbosity on stderr: error, warn, info, debug or trace.
    #[arg(
        long,
        global = true,
        env = "PAAS_LOG",
        default_value = "warn",
        value_name = "LEVEL",
        value_parser = parse_log_level
    )]
    pub log_level: String,

    /// Print version
    // Our own flag instead of clap's, to add the Go CLI's `-v` (paas-cli.md §1) as a hidden
    // alias: scripts written for it keep working. Listed last, where clap puts its own.
    #[arg(
        short = 'V',
        long,
        short_alias = 'v',
        global = true,
        display_order = 10_000,
        action = clap::ArgAction::Version
    )]
    version: Option<bool>,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve MCP (stdio, or Streamable HTTP with --http) with the tools this token permits.
    Mcp(Box<commands::mcp::Args>),
    /// Run an in-memory Better-PaaS on 127.0.0.1 for trying things and for tests.
    Sandbox(commands::sandbox::Args),
    /// Connect to a Better-PaaS: get a scoped agent token through the browser.
    Connect(commands::connect::Args),
    /// Add the paas MCP server to your editors (Claude Code, Cursor, Codex, VS Code, ...).
    Setup(commands::setup::Args),
    /// Show the connection, the token's scopes, the tools it gets and an apps summary.
    Status(commands::status::Args),
    /// Print shell lines that export PAAS_API_URL and PAAS_TOKEN.
    Env(commands::env::Args),
    /// Forget the stored credential (and optionally the editor entries).
    Disconnect(commands::disconnect::Args),
    /// Check every link from config to editor and say what to fix.
    Doctor(commands::doctor::Args),
    /// List the tool catalogue, and which tools this token gets.
    Tools(commands::tools::Args),
    /// Print a shell completion script.
    Completions(commands::completions::Args),
    /// The Go CLI's `paas version` (paas-cli.md §1): prints what `paas --version` prints.
    #[command(hide = true)]
    Version,
}

/// The current directory as the project whose editor configs (`.mcp.json`, `.cursor/…`,
/// `.vscode/…`) are checked or cleaned, unless it is the home directory: there the
/// "project" files are the user-level ones and must not be handled twice.
pub fn project_dir(paths: &crate::config::Paths) -> Option<std::path::PathBuf> {
    let cwd = std::env::current_dir().ok()?;
    let same = |a: &std::path::Path, b: &std::path::Path| match (a.canonicalize(), b.canonicalize())
    {
        (Ok(a), Ok(b)) => a == b,
        _ => a == b,
    };
    (!same(&cwd, &paths.home)).then_some(cwd)
}

/// Parse, set up logging on stderr, run, and map the outcome to an exit code.
pub fn main() -> ExitCode {
    quiet_broken_pipe();
    let args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    if let Some(position) = token_argument(&args) {
        eprintln!("{}", token_argument_refusal(position));
        return ExitCode::from(2);
    }
    let matches = Cli::command().get_matches_from(args);
    let context_origin = match matches.value_source("context") {
        Some(clap::parser::ValueSource::EnvVariable) => config::ENV_CONTEXT,
        _ => "--context",
    };
    let cli = match Cli::from_arg_matches(&matches) {
        Ok(cli) => cli,
        Err(e) => e.exit(),
    };
    init_tracing(&cli.log_level);
    let is_mcp = matches!(&cli.command, Command::Mcp(_));
    let mut context_problem = None;
    if let Some(name) = &cli.context
        && let Err(e) = config::validate_context_name(name)
    {
        let problem = format!("{e} (from {context_origin})");
        if !is_mcp {
            eprintln!("error: {problem}");
            return ExitCode::from(2);
        }
        // `paas mcp` never exits before the handshake: an editor starts it with the
        // context in its env block, and only `paas_status` can tell the user what is wrong.
        context_problem = Some(problem);
    }
    if !is_mcp {
        // A person reads these: one plain line, not a timestamped log record. `paas mcp`
        // keeps the tracing default (its stderr goes to an editor's log file).
        config::set_note_writer(|note| eprintln!("note: {note}"));
    }
    if let Some(warning) = env_override_warning(&cli, context_origin) {
        if is_mcp {
            tracing::warn!("{warning}");
        } else {
            eprintln!("warning: {warning}");
        }
    }
    // `paas mcp` over stdio serves one client, mostly waiting on stdin and the PaaS:
    // a single-threaded runtime starts faster and avoids cross-thread wake-ups on every
    // message. Everything else (the sandbox, the HTTP transport) keeps the worker pool.
    let single_client = matches!(&cli.command, Command::Mcp(args) if args.http.is_none());
    let mut builder = if single_client {
        tokio::runtime::Builder::new_current_thread()
    } else {
        tokio::runtime::Builder::new_multi_thread()
    };
    let runtime = match builder.enable_all().build() {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("error: could not start the async runtime: {e}");
            return ExitCode::from(1);
        }
    };
    match runtime.block_on(run(cli, context_problem)) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(1)
        }
    }
}

/// The 1-based position of the first argument that looks like a token, if any. Checked
/// before clap sees the arguments: clap repeats an unexpected argument in its error.
fn token_argument(args: &[std::ffi::OsString]) -> Option<usize> {
    args.iter()
        .skip(1)
        .position(|arg| config::looks_like_token(&arg.to_string_lossy()))
        .map(|i| i + 1)
}

/// Why a token on the command line is refused and what to use instead (never the token).
fn token_argument_refusal(position: usize) -> String {
    format!(
        "error: argument {position} looks like a PaaS token; tokens are never accepted on the \
         command line (they end up in shell history and in the process list, visible to other \
         users). Nothing was run. Instead:\n  \
         Store an agent token:  echo \"$TOKEN\" | paas connect <url> --token-stdin\n  \
         Serve it over MCP:     paas mcp --token-file FILE\n  \
         For one shell:         PAAS_API_URL + PAAS_TOKEN in the environment (eval \"$(paas env)\" sets both)\n  \
         Admin token:           paas connect <url> --legacy   (asks for it, or reads it from stdin)\n\
         If the token is in your shell history now, delete that entry (or rotate the token)."
    )
}

/// Commands that use the resolved credentials (where `PAAS_API_URL` + `PAAS_TOKEN` win over
/// the context): a context asked for there is ignored, and the user should know.
fn env_override_warning(cli: &Cli, origin: &str) -> Option<String> {
    let uses_credentials = matches!(
        cli.command,
        Command::Mcp(_)
            | Command::Status(_)
            | Command::Env(_)
            | Command::Doctor(_)
            | Command::Tools(_)
    );
    let context = cli.context.as_deref()?;
    if !uses_credentials || config::from_env().is_none() {
        return None;
    }
    if let Command::Mcp(args) = &cli.command
        && (args.sandbox || args.token_file.is_some())
    {
        return None;
    }
    let asked = if origin == config::ENV_CONTEXT {
        format!("{origin}={context}")
    } else {
        format!("{origin} {context}")
    };
    Some(format!(
        "{url} and {token} are set and take precedence over {asked}: using the environment's \
         credentials, not the context. To use the context: unset {url} {token}",
        url = config::ENV_URL,
        token = config::ENV_TOKEN,
    ))
}

/// `paas status | head` closes our stdout early; `println!` then panics with "Broken pipe".
/// That is the reader's choice, not an error: end quietly like other Unix tools.
fn quiet_broken_pipe() {
    let default = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let payload = info
            .payload()
            .downcast_ref::<String>()
            .map(String::as_str)
            .or_else(|| info.payload().downcast_ref::<&str>().copied())
            .unwrap_or_default();
        if payload.contains("Broken pipe") {
            std::process::exit(0);
        }
        default(info);
    }));
}

/// The levels `--log-level` / `PAAS_LOG` take, as said in errors.
const LOG_LEVELS: &str = "error, warn, info, debug, trace (or off)";

/// Check `--log-level` / `PAAS_LOG` before anything runs: a level, or tracing filter
/// directives such as `warn,paas_mcp=debug`. EnvFilter itself accepts any word (`bogus`
/// reads as "everything from a module named bogus"), which made a typo silently mean
/// "warn only"; so a part without `=` must be a level, and a `target=level` part must parse
/// as a directive.
fn parse_log_level(value: &str) -> Result<String, String> {
    let invalid = |part: &str| {
        format!(
            "{part:?} is not a log level; use one of {LOG_LEVELS}, or filter directives such \
             as warn,paas_mcp=debug"
        )
    };
    let parts: Vec<&str> = value.split(',').map(str::trim).collect();
    if parts.iter().all(|part| part.is_empty()) {
        return Err(invalid(value));
    }
    for part in parts.into_iter().filter(|part| !part.is_empty()) {
        let valid = if part.contains('=') {
            part.parse::<tracing_subscriber::filter::Directive>()
                .is_ok()
        } else {
            matches!(
                part.to_ascii_lowercase().as_str(),
                "error" | "warn" | "info" | "debug" | "trace" | "off"
            )
        };
        if !valid {
            return Err(invalid(part));
        }
    }
    Ok(value.to_owned())
}

/// Logs go to stderr only: in `paas mcp` stdout belongs to the protocol.
fn init_tracing(level: &str) {
    let filter = tracing_subscriber::EnvFilter::try_new(level)
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        // Colour only for a person at a terminal; editors capture MCP server stderr into
        // log files, where escape codes are noise.
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_target(false)
        .try_init();
}

/// Dispatch one parsed command. `context_problem`: why `--context` / `PAAS_CONTEXT` is not
/// a usable name (only `paas mcp` gets this far with one).
pub async fn run(cli: Cli, context_problem: Option<String>) -> anyhow::Result<ExitCode> {
    let global = commands::Global {
        context: cli.context,
        context_problem,
    };
    match cli.command {
        Command::Mcp(args) => commands::mcp::run(*args, &global).await,
        Command::Sandbox(args) => commands::sandbox::run(args, &global).await,
        Command::Connect(args) => commands::connect::run(args, &global).await,
        Command::Setup(args) => commands::setup::run(args, &global).await,
        Command::Status(args) => commands::status::run(args, &global).await,
        Command::Env(args) => commands::env::run(args, &global).await,
        Command::Disconnect(args) => commands::disconnect::run(args, &global).await,
        Command::Doctor(args) => commands::doctor::run(args, &global).await,
        Command::Tools(args) => commands::tools::run(args, &global).await,
        Command::Completions(args) => commands::completions::run(args, &global).await,
        Command::Version => {
            print!("{}", Cli::command().render_version());
            Ok(ExitCode::SUCCESS)
        }
    }
}
