//! `paas mcp`: serve the tools this token permits over stdio or Streamable HTTP.
//!
//! Never exits before the handshake because of credentials: missing or wrong credentials
//! start a server that offers only `paas_status`, which says what is wrong and what to run.
//! Only usage errors (unknown tool or toolset names, a risky bind) exit early, with code 2.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use tokio_util::sync::CancellationToken;

use super::Global;
use crate::api::{ClientOptions, Token};
use crate::catalog::{Profile, Scope};
use crate::config::{self, Credentials, Paths, TokenSource};
use crate::mcp::state::{CredentialSource, Renewal};
use crate::mcp::vault::ConfigVault;
use crate::mcp::{self, Filter, ServerSettings, Shared, http};

#[derive(Debug, clap::Args)]
#[command(after_help = "\
Examples:
  paas mcp                                   # stdio; token from env, keychain or config
  paas mcp --read-only --toolsets apps,logs  # only reads of apps and logs
  paas mcp --http 127.0.0.1:8765             # Streamable HTTP at /mcp; bearer on stderr
  paas mcp --sandbox --profile observer      # try it against an in-memory demo PaaS
  claude mcp add better-paas -- paas mcp     # what `paas setup` writes for Claude Code")]
pub struct Args {
    /// Serve Streamable HTTP on this address (e.g. 127.0.0.1:8765) at /mcp instead of stdio.
    #[arg(long, value_name = "ADDR")]
    pub http: Option<SocketAddr>,

    /// Allow --http to bind a non-loopback address (anyone who can reach it and has the
    /// HTTP token acts with this PaaS token).
    #[arg(long, requires = "http")]
    pub allow_remote: bool,

    /// Extra Host header values accepted over HTTP (e.g. my-box.lan:8765), for --allow-remote.
    #[arg(long, value_name = "HOST", value_delimiter = ',', requires = "http")]
    pub allowed_hosts: Vec<String>,

    /// Browser origins allowed to call the HTTP endpoint (e.g. http://localhost:3000).
    /// None by default: MCP clients are not browsers.
    #[arg(long, value_name = "ORIGIN", value_delimiter = ',', requires = "http")]
    pub allowed_origins: Vec<String>,

    /// Accept the admin token (refused by default: create a scoped agent instead). With it,
    /// the admin-only tools (agents, audit logs) appear too.
    #[arg(long)]
    pub allow_admin_token: bool,

    /// Only offer tools that never change anything.
    #[arg(long)]
    pub read_only: bool,

    /// Only offer tools of these toolsets (comma-separated).
    #[arg(long, value_name = "TOOLSETS", value_delimiter = ',')]
    pub toolsets: Vec<String>,

    /// Only offer these tools (comma-separated).
    #[arg(long, value_name = "TOOLS", value_delimiter = ',')]
    pub tools: Vec<String>,

    /// Never offer these tools (comma-separated).
    #[arg(long, value_name = "TOOLS", value_delimiter = ',')]
    pub exclude_tools: Vec<String>,

    /// Read the PaaS token from this file instead of the environment, keychain or config
    /// (the URL still comes from PAAS_API_URL or the config).
    #[arg(long, value_name = "PATH", conflicts_with = "sandbox")]
    pub token_file: Option<PathBuf>,

    /// Start an in-memory demo PaaS (with sample apps) and serve it with a new agent token.
    #[arg(long)]
    pub sandbox: bool,

    /// With --sandbox: the agent's profile (observer, deployer, operator). Default deployer.
    #[arg(
        long,
        value_name = "PROFILE",
        requires = "sandbox",
        conflicts_with = "scopes"
    )]
    pub profile: Option<Profile>,

    /// With --sandbox: the agent's exact scopes (comma-separated).
    #[arg(
        long,
        value_name = "SCOPES",
        value_delimiter = ',',
        requires = "sandbox"
    )]
    pub scopes: Vec<Scope>,

    /// Seconds before a PaaS request is given up.
    #[arg(long, value_name = "SECS", default_value_t = 30, hide = true)]
    pub request_timeout_secs: u64,

    /// Seconds between background scope checks.
    #[arg(long, value_name = "SECS", default_value_t = 60, hide = true)]
    pub reprobe_secs: u64,
}

pub async fn run(args: Args, global: &Global) -> anyhow::Result<ExitCode> {
    let filter = match Filter::new(
        args.read_only,
        &args.toolsets,
        &args.tools,
        &args.exclude_tools,
    ) {
        Ok(filter) => filter,
        Err(e) => {
            eprintln!("error: {e}");
            return Ok(ExitCode::from(2));
        }
    };
    if let Some(addr) = args.http {
        if !addr.ip().is_loopback() && !args.allow_remote {
            eprintln!(
                "error: refusing to serve MCP on non-loopback address {addr}: anyone who can reach \
                 it and learns the HTTP token acts with your PaaS token. Bind 127.0.0.1, or pass \
                 --allow-remote if you really mean it (put TLS in front)."
            );
            return Ok(ExitCode::from(2));
        }
        if !addr.ip().is_loopback() {
            tracing::warn!(
                %addr,
                "serving MCP on a non-loopback address: anyone who can reach it and learns the \
                 HTTP token acts with your PaaS token; put TLS in front, and list the host names \
                 clients use with --allowed-hosts (only loopback names are accepted otherwise)"
            );
        }
    }
    let paths = Paths::from_env().context("cannot locate the home directory")?;

    // Keep the sandbox alive for as long as we serve.
    let mut sandbox = None;
    let credentials = if args.sandbox {
        let (sb, creds) = start_sandbox(&args).await?;
        sandbox = Some(sb);
        Ok(creds)
    } else if let Some(problem) = &global.context_problem {
        Err(format!("{problem}. {RESTART_AFTER_FIX}"))
    } else {
        resolve_credentials(&paths, global, args.token_file.as_deref()).map_err(|e| {
            if args.token_file.is_none() && environment_decides() {
                format!("{e}. {RESTART_AFTER_FIX}")
            } else {
                e
            }
        })
    };
    // Where to look for a new token while serving: wherever `paas connect` (or the token
    // file) puts it, also when there are no usable credentials yet. Not for the sandbox, nor
    // when the server's own arguments or environment decide (neither can change while it
    // runs: reading them again would only repeat the same answer).
    let source = match &credentials {
        _ if args.sandbox || global.context_problem.is_some() => None,
        _ if args.token_file.is_none() && environment_decides() => None,
        Ok(creds) if creds.source == TokenSource::Env => None,
        _ => Some(credential_source(&paths, global, args.token_file.clone())),
    };

    let settings = ServerSettings {
        credentials,
        source,
        vault: Some(Arc::new(ConfigVault::new(paths.clone()))),
        filter,
        allow_admin_token: args.allow_admin_token,
        cache_dir: paths.cache_dir(),
        reprobe_every: Duration::from_secs(args.reprobe_secs.max(1)),
        token_origin: if args.sandbox {
            Some("the sandbox agent created at start (--sandbox)".to_owned())
        } else {
            args.token_file
                .as_ref()
                .map(|path| format!("--token-file {}", path.display()))
        },
        client_options: ClientOptions {
            request_timeout: Duration::from_secs(args.request_timeout_secs.max(1)),
            ..ClientOptions::default()
        },
    };
    let shared = Shared::new(settings).context("cannot build the HTTP client")?;
    // Probe while the handshake is answered; tools/list waits for the first result.
    let prober = tokio::spawn({
        let shared = shared.clone();
        async move {
            let retry_after = shared.startup_probe().await;
            shared.probe_loop(retry_after).await;
        }
    });

    // On SIGINT or SIGTERM: stop taking connections (HTTP), let the calls in flight answer
    // (bounded), then end the sessions.
    let stop_accepting = CancellationToken::new();
    let end_sessions = CancellationToken::new();
    tokio::spawn({
        let (stop_accepting, end_sessions) = (stop_accepting.clone(), end_sessions.clone());
        let shared = shared.clone();
        async move {
            let signal = shutdown_signal().await;
            tracing::info!("{signal}; shutting down");
            stop_accepting.cancel();
            let calls = shared.in_flight().count();
            if calls > 0 {
                tracing::info!(calls, "waiting for the calls in flight to answer");
                if shared.in_flight().drained(SHUTDOWN_DRAIN).await {
                    // A finished handler's result still passes rmcp's service loop and the
                    // session's stream before it is written; ending the sessions at once
                    // would drop it.
                    tokio::time::sleep(SHUTDOWN_FLUSH).await;
                } else {
                    tracing::warn!(
                        "calls still in flight after {} s; ending them unanswered",
                        SHUTDOWN_DRAIN.as_secs()
                    );
                }
            }
            end_sessions.cancel();
        }
    });

    let outcome = match args.http {
        None => mcp::serve_stdio(shared.clone(), end_sessions).await,
        Some(addr) => serve_http(shared.clone(), addr, &args, stop_accepting, end_sessions).await,
    };
    prober.abort();
    if let Some(sandbox) = sandbox {
        sandbox.shutdown().await;
    }
    outcome?;
    Ok(ExitCode::SUCCESS)
}

/// How long a shutdown waits for tool calls in flight to answer before ending the sessions.
const SHUTDOWN_DRAIN: Duration = Duration::from_secs(10);

/// After the last call in flight answered, how long its answer gets to reach the client.
const SHUTDOWN_FLUSH: Duration = Duration::from_millis(250);

/// Resolves on the first SIGINT (Ctrl-C) or, on Unix, SIGTERM (what editors, `kill` and
/// service managers send); names it for the log. Never resolves when no handler can be
/// installed: an unwatchable signal must not look like a request to stop.
async fn shutdown_signal() -> &'static str {
    let interrupt = async {
        match tokio::signal::ctrl_c().await {
            Ok(()) => "interrupted",
            Err(e) => {
                tracing::debug!("cannot watch for Ctrl-C: {e}");
                std::future::pending().await
            }
        }
    };
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut terminate) => tokio::select! {
                name = interrupt => name,
                _ = terminate.recv() => "terminated",
            },
            Err(e) => {
                tracing::debug!("cannot watch for SIGTERM: {e}");
                interrupt.await
            }
        }
    }
    #[cfg(not(unix))]
    {
        interrupt.await
    }
}

async fn serve_http(
    shared: Arc<Shared>,
    addr: SocketAddr,
    args: &Args,
    stop_accepting: CancellationToken,
    end_sessions: CancellationToken,
) -> Result<(), mcp::ServeError> {
    let (bearer, generated) = match std::env::var("PAAS_MCP_HTTP_TOKEN") {
        Ok(token) if !token.trim().is_empty() => (token.trim().to_owned(), false),
        _ => (http::generate_token(), true),
    };
    let bound = http::bind(addr).await?;
    eprintln!("paas mcp: Streamable HTTP on http://{}/mcp", bound.addr);
    if generated {
        // Printed once, on stderr only, so HTTP clients can be configured.
        eprintln!(
            "paas mcp: HTTP clients must send `Authorization: Bearer {bearer}` \
             (set PAAS_MCP_HTTP_TOKEN to choose it)"
        );
    }
    let options = http::HttpOptions {
        addr: bound.addr,
        bearer,
        extra_hosts: args.allowed_hosts.clone(),
        allowed_origins: args.allowed_origins.clone(),
    };
    http::serve(shared, bound, options, stop_accepting, end_sessions).await?;
    Ok(())
}

/// How the server reads its credentials again while running (a token `paas connect` stored
/// since start, or a rewritten `--token-file`): the same resolution as at start.
fn credential_source(
    paths: &Paths,
    global: &Global,
    token_file: Option<PathBuf>,
) -> CredentialSource {
    let renewal = match &token_file {
        Some(path) => Renewal::TokenFile(path.clone()),
        None => Renewal::Connect,
    };
    let (paths, context) = (paths.clone(), global.context.clone());
    CredentialSource {
        renewal,
        reload: Arc::new(move || {
            let global = Global {
                context: context.clone(),
                context_problem: None,
            };
            resolve_credentials(&paths, &global, token_file.as_deref())
        }),
    }
}

/// Credentials as `Ok`, or the sentence `paas_status` will show.
fn resolve_credentials(
    paths: &Paths,
    global: &Global,
    token_file: Option<&std::path::Path>,
) -> Result<Credentials, String> {
    let resolved = config::resolve(paths, global.context.as_deref());
    let Some(token_file) = token_file else {
        return resolved.map_err(|e| e.to_string());
    };
    let token = std::fs::read_to_string(token_file)
        .map(Token::new)
        .map_err(|e| format!("cannot read --token-file {}: {e}", token_file.display()))?;
    if token.is_empty() {
        return Err(format!("--token-file {} is empty", token_file.display()));
    }
    let url = std::env::var(config::ENV_URL)
        .ok()
        .filter(|u| !u.trim().is_empty())
        .or_else(|| resolved.as_ref().ok().map(|c| c.url.clone()))
        .ok_or_else(|| {
            "--token-file needs a PaaS URL: set PAAS_API_URL or run paas connect <url>".to_owned()
        })?;
    Ok(Credentials {
        url: url.trim().trim_end_matches('/').to_owned(),
        token,
        context: global
            .context
            .clone()
            .unwrap_or_else(|| "token-file".to_owned()),
        source: TokenSource::File,
        profile: None,
        agent_name: None,
        agent_id: None,
    })
}

/// What to do once the server's configuration (its arguments or environment) is fixed.
const RESTART_AFTER_FIX: &str = "A running server cannot see a change to its own arguments or \
environment: fix them in the MCP server's entry (its args or env block), then restart the MCP \
server (or the editor)";

/// `PAAS_API_URL` or `PAAS_TOKEN` is set, so the environment, which cannot change while the
/// server runs, decides the credentials (both set: they are used; one set: an error).
fn environment_decides() -> bool {
    config::from_env().is_some() || config::check_env_pair().is_err()
}

/// `--sandbox`: an in-memory PaaS with demo data and a fresh agent of the chosen scopes.
async fn start_sandbox(args: &Args) -> anyhow::Result<(paas_sandbox::Sandbox, Credentials)> {
    let sandbox = paas_sandbox::Sandbox::start(paas_sandbox::SandboxOptions {
        seed: true,
        ..Default::default()
    })
    .await
    .context("cannot start the sandbox")?;
    let (label, scopes): (String, Vec<&str>) = if args.scopes.is_empty() {
        let profile = args.profile.unwrap_or(Profile::Deployer);
        (
            profile.to_string(),
            profile.scopes().iter().map(|s| s.as_str()).collect(),
        )
    } else {
        (
            "custom".to_owned(),
            args.scopes.iter().map(|s| s.as_str()).collect(),
        )
    };
    let agent = sandbox
        .create_agent(&format!("mcp-sandbox-{label}"), &scopes)
        .await
        .context("cannot create the sandbox agent")?;
    eprintln!(
        "paas mcp: sandbox PaaS at {} with demo data; serving agent {:?} ({label}: {})",
        sandbox.url(),
        agent.name,
        scopes.join(", ")
    );
    let creds = Credentials {
        url: sandbox.url(),
        token: Token::new(agent.token.clone()),
        context: "sandbox".to_owned(),
        source: TokenSource::Env,
        profile: (label != "custom").then_some(label),
        agent_name: Some(agent.name.clone()),
        agent_id: Some(agent.id.clone()),
    };
    Ok((sandbox, creds))
}
