//! `paas connect [<url>]`: get a scoped agent token and store it.
//!
//! Three ways to get the token: the browser flow (default; the dashboard approves, a
//! loopback callback or a pasted code brings back a one-time code that is exchanged for the
//! token), `--token-stdin` (a token an admin created), and `--legacy` (the admin token
//! creates the agent from the terminal and is never stored). Every way ends the same:
//! the token is checked and its scopes probed before anything is saved.

use std::io::{BufRead, IsTerminal, Read, Write};
use std::process::ExitCode;
use std::time::Duration;

use anyhow::{Context, anyhow, bail};
use serde::Deserialize;
use serde_json::json;
use tokio::sync::mpsc;

use super::Global;
use crate::api::{ApiError, ApiRequest, Client, ClientOptions, Token};
use crate::catalog::probe::ProbeError;
use crate::catalog::{Grant, Profile, Scope};
use crate::cli::agent_hint::{delete_agent_commands, orphan_agent_hint};
use crate::cli::browser::{self, CallbackServer, CodeDelivery};
use crate::cli::discover::{self, Discovered};
use crate::cli::scopes_view::{matching_profile, profile_line, requested_scopes, scopes_line};
use crate::cli::session::grant_cache_path;
use crate::config::{self, ContextRecord, Paths, StoreKind, store};

#[derive(Debug, clap::Args)]
#[command(after_help = "\
Examples:
  paas connect https://paas.example.com          # approve in the browser
  paas connect paas.example.com --no-browser     # over SSH: open the link elsewhere, paste the code
  paas connect http://localhost:3000 --context dev
  echo \"$AGENT_TOKEN\" | paas connect https://paas.example.com --token-stdin
  paas connect https://paas.example.com --legacy --profile observer --name ci-bot

The token goes to the OS keychain when one works, else to ~/.paas/config.json (mode 0600).
Set PAAS_TOKEN_STORE=file or =keychain to choose. Tokens are never accepted as arguments.")]
pub struct Args {
    /// Dashboard or API URL of your Better-PaaS (asked for when omitted).
    #[arg(value_name = "URL")]
    pub url: Option<String>,

    /// Dashboard URL to open, when discovery picks the wrong one.
    #[arg(long, value_name = "URL")]
    pub ui: Option<String>,

    /// Print the link instead of opening a browser, and accept the code pasted back
    /// (for SSH sessions, where the browser runs on another machine).
    #[arg(long)]
    pub no_browser: bool,

    /// Read an agent token an admin created from stdin instead of using the browser.
    #[arg(long, conflicts_with_all = ["legacy", "no_browser", "ui"])]
    pub token_stdin: bool,

    /// Create the agent from the terminal with the admin token (asked for, or read from
    /// stdin or PAAS_ADMIN_TOKEN; used once, never stored).
    #[arg(long)]
    pub legacy: bool,

    /// Profile of the agent created by --legacy: observer, deployer or operator.
    // Checked by `legacy_only_misuse`, not clap's `requires`: clap lets it through next to
    // --token-stdin, and its message would not say where the profile is chosen instead.
    #[arg(long, value_name = "PROFILE")]
    pub profile: Option<Profile>,

    /// Name of the agent created by --legacy (default "<hostname> CLI").
    #[arg(long, value_name = "NAME")]
    pub name: Option<String>,

    /// Seconds to wait for the browser approval.
    #[arg(long, hide = true, env = "PAAS_CONNECT_TIMEOUT", default_value_t = 300)]
    pub timeout: u64,

    /// Refused: a token on the command line ends up in shell history and `ps`.
    #[arg(long, hide = true, value_name = "TOKEN")]
    pub token: Option<String>,

    /// Refused: a token on the command line ends up in shell history and `ps`.
    #[arg(long, hide = true, value_name = "TOKEN")]
    pub admin_token: Option<String>,
}

/// `--profile` / `--name` without `--legacy`, said as a usage error with where the profile
/// and name come from instead: silently ignoring them would store a token other than the
/// one asked for (`--profile observer --token-stdin` with a deployer's token).
fn legacy_only_misuse(args: &Args) -> Option<String> {
    if args.legacy {
        return None;
    }
    let given: Vec<&str> = [
        args.profile.is_some().then_some("--profile"),
        args.name.is_some().then_some("--name"),
    ]
    .into_iter()
    .flatten()
    .collect();
    if given.is_empty() {
        return None;
    }
    let instead = if args.token_stdin {
        "with --token-stdin the token's own scopes and agent name decide (ask the admin for an \
         agent with the profile you want)"
    } else {
        "in the browser flow you pick the profile and the agent name in the browser when you \
         approve"
    };
    let verb = if given.len() > 1 { "apply" } else { "applies" };
    Some(format!(
        "{} only {verb} to --legacy, which creates the agent from the terminal; {instead}",
        given.join(" and ")
    ))
}

/// What a successful token acquisition brings back, before it is checked and saved.
struct Acquired {
    api: String,
    ui: Option<String>,
    token: Token,
    profile: Option<String>,
    name: Option<String>,
    agent_id: Option<String>,
    /// The scopes the agent was created with, when this connect created it (legacy and
    /// browser flows): shown instead of the observation, which cannot see `logs:read`.
    requested: Option<Vec<Scope>>,
}

pub async fn run(args: Args, global: &Global) -> anyhow::Result<ExitCode> {
    let context = config::context_name(global.context.as_deref());
    // Every command suggested below names the context, so following it acts on this one.
    let flag = config::context_flag(&context);
    if args.token.is_some() || args.admin_token.is_some() {
        eprintln!(
            "error: tokens are never accepted as command-line arguments (they leak into shell \
             history and process lists).\n  Agent token:  echo \"$TOKEN\" | paas connect <url>{flag} --token-stdin\n  \
             Admin token:  paas connect <url>{flag} --legacy   (asks for it, or reads it from stdin)"
        );
        return Ok(ExitCode::from(2));
    }
    if let Some(message) = legacy_only_misuse(&args) {
        eprintln!("error: {message}");
        return Ok(ExitCode::from(2));
    }
    let paths = Paths::from_env()?;
    let input = match &args.url {
        Some(url) => url.clone(),
        None => match prompt_url()? {
            Some(url) => url,
            None => {
                eprintln!("error: URL is required: paas connect <url>{flag}");
                return Ok(ExitCode::from(2));
            }
        },
    };
    // A malformed URL argument is a usage error, like any other bad argument: checked
    // before any request, `--ui` included (discovery would only look at it at the end).
    let normalized = discover::normalize(&input).and_then(|url| {
        args.ui
            .as_deref()
            .map(discover::normalize)
            .transpose()
            .map(|_| url)
    });
    let mut input = match normalized {
        Ok(url) => url,
        Err(e) => {
            eprintln!("error: {e}");
            return Ok(ExitCode::from(2));
        }
    };
    // Whether stdout already carries lines, so the success block is set off by a blank line
    // only when there is something above it.
    let mut said = false;
    if let Some(base) = discover::strip_api_suffix(&input) {
        println!("Using {base} (paas adds /api to every request itself).");
        input = base;
        said = true;
    }

    let acquired = if args.token_stdin {
        let token = read_token_stdin(&flag)?;
        let found = discover::discover(&input, None).await?;
        Acquired {
            api: found.api,
            ui: Some(found.ui),
            token,
            profile: None,
            name: None,
            agent_id: None,
            requested: None,
        }
    } else {
        let found = discover::discover(&input, args.ui.as_deref()).await?;
        said = true;
        if found.api == found.ui {
            println!("Connecting to {} ...", found.api);
        } else {
            println!(
                "Connecting...\n  Dashboard: {}\n  API:       {}",
                found.ui, found.api
            );
        }
        if args.legacy {
            legacy(&found, &args, &flag).await?
        } else {
            browser_flow(&found, &args, &flag).await?
        }
    };
    finish(&paths, &context, acquired, said).await
}

/// Check the token, show its scopes, store it. On failure after an agent was created,
/// say so and how to delete it.
async fn finish(
    paths: &Paths,
    context: &str,
    acquired: Acquired,
    said: bool,
) -> anyhow::Result<ExitCode> {
    let created_agent = acquired.agent_id.is_some();
    let result = check_and_save(paths, context, &acquired, said).await;
    match result {
        Ok(()) => Ok(ExitCode::SUCCESS),
        Err(e) if created_agent => Err(anyhow!(
            "{e:#}\nNothing was saved. {}",
            orphan_agent_hint(&acquired.api, acquired.agent_id.as_deref())
        )),
        Err(e) => Err(anyhow!("{e:#}\nNothing was saved.")),
    }
}

async fn check_and_save(
    paths: &Paths,
    context: &str,
    acquired: &Acquired,
    said: bool,
) -> anyhow::Result<()> {
    let client = Client::new(
        &acquired.api,
        Some(acquired.token.clone()),
        ClientOptions::default(),
    )?;
    let grant = crate::catalog::probe::probe(&client)
        .await
        .map_err(|e| match e {
            ProbeError::RateLimited { retry_after_secs } => anyhow!(
                "could not check the token: the PaaS at {} {}",
                acquired.api,
                discover::rate_limit_advice(Some(retry_after_secs), false)
            ),
            ProbeError::Api(e) => anyhow!("could not check the token: {e}"),
            e => anyhow!("the token does not work: {e}"),
        })?;
    if grant.admin {
        let flag = config::context_flag(context);
        bail!(
            "this is the admin token, not an agent token. Storing it would give an assistant \
             every power over the PaaS. Create a scoped agent instead: paas connect {api}{flag} \
             (browser) or paas connect {api}{flag} --legacy",
            api = acquired.api,
        );
    }
    let (store, fallback) = store::choose(paths)?;
    if let Some(reason) = &fallback {
        tracing::info!("{reason}; storing the token in the config file");
    }
    let previous = config::ConfigFile::load(paths)?.get(context);
    let profile = acquired
        .profile
        .clone()
        .or_else(|| matching_profile(&grant).map(|p| p.as_str().to_owned()));
    let record = ContextRecord {
        url: acquired.api.clone(),
        token: None,
        profile: profile.clone(),
        name: acquired.name.clone(),
        agent_id: acquired.agent_id.clone(),
        token_store: None,
        ui_url: acquired.ui.clone(),
    };
    config::save_connection(
        paths,
        context,
        record,
        &acquired.token,
        store.as_ref(),
        &config::KeychainStore,
    )
    .context("failed to save the credential")?;
    // What `paas mcp` falls back to while the PaaS is down, and what `paas setup` bases
    // its example requests on.
    crate::mcp::cache::store(
        &grant_cache_path(paths, &acquired.api, &acquired.token),
        &acquired.api,
        &grant,
    );
    print_success(
        paths,
        context,
        acquired,
        &grant,
        profile.as_deref(),
        (store.kind(), fallback),
        said,
    );
    // The agent behind the replaced token keeps a live token on its server: say so.
    if let Some(previous) = previous {
        let same_agent = previous.url == acquired.api.trim_end_matches('/')
            && previous.agent_id.is_some()
            && previous.agent_id == acquired.agent_id;
        if !same_agent {
            let agent = previous
                .name
                .as_deref()
                .map(|n| format!(" {n:?}"))
                .unwrap_or_default();
            println!(
                "\nNote: this replaced the previous connection of context {context:?} ({}). Its \
                 agent{agent} still exists there; if you no longer need it, delete it with the \
                 admin token:\n{}",
                previous.url,
                delete_agent_commands(&previous.url, previous.agent_id.as_deref())
            );
        }
    }
    Ok(())
}

fn print_success(
    paths: &Paths,
    context: &str,
    acquired: &Acquired,
    grant: &Grant,
    profile: Option<&str>,
    (store, fallback): (StoreKind, Option<String>),
    said: bool,
) {
    let store_line = match (store, fallback) {
        (StoreKind::Keychain, _) => {
            format!("OS keychain ({})", config::KeychainStore::backend_name())
        }
        (StoreKind::File, Some(why)) => {
            format!("{} (mode 0600; {why})", paths.config_file.display())
        }
        (StoreKind::File, None) => format!("{} (mode 0600)", paths.config_file.display()),
    };
    if said {
        println!();
    }
    println!("Connected successfully.");
    println!("  URL:      {}", acquired.api);
    println!("  Context:  {context}");
    println!("  Profile:  {}", profile_line(profile));
    if let Some(name) = &acquired.name {
        println!("  Agent:    {name}");
    }
    match &acquired.requested {
        Some(requested) => {
            let (line, observed) = requested_scopes(requested, grant);
            println!("  Scopes:   {line}");
            if let Some(observed) = observed {
                println!("  Observed: {observed}");
            }
        }
        None => println!("  Scopes:   {}", scopes_line(grant)),
    }
    println!("  Token:    {store_line}");
    println!("  Config:   {}", paths.config_file.display());
    let flag = config::context_flag(context);
    println!("\nNext: paas setup{flag}   (add the MCP server to your editors)");
    println!("Try:  paas status{flag}");
}

/// Ask for the URL on a terminal; `None` when stdin is not one (scripts must pass it).
fn prompt_url() -> anyhow::Result<Option<String>> {
    if !std::io::stdin().is_terminal() {
        return Ok(None);
    }
    print!("PaaS URL [http://localhost:8080]: ");
    std::io::stdout().flush()?;
    let mut line = String::new();
    if std::io::stdin().lock().read_line(&mut line)? == 0 {
        return Ok(None);
    }
    let line = line.trim();
    Ok(Some(if line.is_empty() {
        "http://localhost:8080".to_owned()
    } else {
        line.to_owned()
    }))
}

/// The token piped to `--token-stdin`; `flag` is the ` --context NAME` of the examples.
fn read_token_stdin(flag: &str) -> anyhow::Result<Token> {
    if std::io::stdin().is_terminal() {
        eprintln!("Paste the agent token and press Ctrl-D:");
    }
    let mut text = String::new();
    std::io::stdin()
        .read_to_string(&mut text)
        .context("could not read the token from stdin")?;
    let token = Token::new(text);
    if token.is_empty() {
        bail!(
            "no token on stdin: pipe the agent token in, e.g. echo \"$TOKEN\" | paas connect <url>{flag} --token-stdin"
        );
    }
    let problem =
        wrapped_token_problem(token.expose()).or_else(|| token_text_problem(token.expose(), true));
    if let Some(problem) = problem {
        bail!(
            "{problem}, so it is not a token (it is not shown here). Nothing was saved, and nothing \
             was sent to the PaaS. \
             Pipe the agent token alone, one line (bpagt_ followed by 64 hex digits), e.g.\n  \
             echo \"$AGENT_TOKEN\" | paas connect <url>{flag} --token-stdin\n  \
             paas connect <url>{flag} --token-stdin < token.txt   (the file holding only the token)"
        );
    }
    Ok(token)
}

/// Whether `text` (already trimmed) is a token wrapped in what it was copied from: a shell
/// assignment (`PAAS_TOKEN=…`, `export PAAS_TOKEN=…`, a `.env` line) or an HTTP header value
/// (`Bearer …`). Sent as is, it would only earn a 401, which also counts toward the PaaS's
/// lockout of this address; said before any request instead. Agent tokens hold no `=`.
fn wrapped_token_problem(text: &str) -> Option<&'static str> {
    let lower = text.to_ascii_lowercase();
    if lower.starts_with("bearer ") || lower.starts_with("authorization:") {
        return Some(
            "the input starts with an HTTP header prefix (\"Bearer \" or \"Authorization:\"), \
             not with the token itself",
        );
    }
    let assignment = text.strip_prefix("export ").unwrap_or(text).trim_start();
    let is_name = |name: &str| {
        let name = name.strip_prefix("$env:").unwrap_or(name).trim_end();
        !name.is_empty()
            && !name.starts_with(|c: char| c.is_ascii_digit())
            && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
    };
    match assignment.split_once('=') {
        Some((name, _)) if is_name(name) => Some(
            "the input is a variable assignment (NAME=value, as in a .env file or an export \
             line), not the token itself",
        ),
        _ => None,
    }
}

/// Why `text` (already trimmed) cannot be a bearer token, or `None`. Checked before any
/// request: the HTTP library would refuse the header with "failed to parse header value",
/// which reads like a network problem. Agent tokens hold no spaces either; an admin token
/// set through `ADMIN_TOKEN` is any string, so only what a header cannot carry is refused.
fn token_text_problem(text: &str, agent: bool) -> Option<&'static str> {
    if text.contains(['\n', '\r']) {
        Some("the input holds more than one line")
    } else if text.chars().any(|c| c.is_control() || !c.is_ascii()) {
        Some(
            "the input contains a character a token cannot contain (a control or non-ASCII character)",
        )
    } else if agent && text.contains(' ') {
        Some("the input contains a space, which an agent token cannot contain")
    } else {
        None
    }
}

#[derive(Deserialize)]
struct Exchanged {
    #[serde(default)]
    url: String,
    #[serde(default)]
    token: String,
    #[serde(default)]
    profile: String,
    #[serde(default)]
    name: String,
    #[serde(default, rename = "agentId")]
    agent_id: String,
}

async fn browser_flow(found: &Discovered, args: &Args, flag: &str) -> anyhow::Result<Acquired> {
    let mut interrupt = browser::Interrupt::new().context("could not listen for Ctrl-C")?;
    let state = browser::new_state();
    let (tx, mut rx) = mpsc::channel::<CodeDelivery>(4);
    let server = CallbackServer::start(state.clone(), tx.clone())
        .await
        .context("failed to start the local callback server")?;
    let link = format!(
        "{}/connect/agent?state={state}&port={}",
        found.ui, server.port
    );
    if args.no_browser {
        println!(
            "Open this link in a browser where you can sign in to the dashboard:\n\n  {link}\n"
        );
        println!(
            "After you approve, this terminal continues by itself. If the browser ends on an \
             error page instead (it runs on another machine), copy the address it shows, or \
             just its code= value, and paste it here."
        );
        browser::spawn_paste_reader(state.clone(), tx);
    } else {
        println!("Opening browser to authorize the CLI...");
        if let Err(e) = browser::open(&link) {
            eprintln!("warning: could not open browser: {e}");
        }
        println!("If the browser does not open, visit:\n\n  {link}\n");
        if std::io::stdin().is_terminal() {
            // Same fallback as --no-browser when the link was opened on another machine.
            println!(
                "If the browser ends on an error page (it runs on another machine), paste the \
                 address it shows here."
            );
            browser::spawn_paste_reader(state.clone(), tx);
        } else {
            drop(tx);
        }
    }
    println!("Waiting for authorization in the browser...");
    std::io::stdout().flush()?;

    let timeout = Duration::from_secs(args.timeout);
    let deadline = tokio::time::sleep(timeout);
    tokio::pin!(deadline);
    let mut open = true;
    let outcome = loop {
        tokio::select! {
            delivery = rx.recv(), if open => {
                let Some(delivery) = delivery else {
                    // Every sender is gone; only the deadline or Ctrl-C can end the wait.
                    open = false;
                    continue;
                };
                let result = exchange(&found.api, &state, &delivery.code, flag).await;
                if let Some(reply) = delivery.reply {
                    let _ = reply.send(result.as_ref().map(|_| ()).map_err(|e| format!("{e:#}")));
                }
                break result;
            }
            _ = &mut deadline => {
                break Err(anyhow!(
                    "timed out waiting for browser authorization ({}); run paas connect {}{flag} again.\n{}",
                    human_duration(timeout),
                    found.api,
                    orphan_agent_hint(&found.api, None)
                ));
            }
            _ = interrupt.recv() => {
                break Err(anyhow!(
                    "connect aborted; nothing was saved.\n{}",
                    orphan_agent_hint(&found.api, None)
                ));
            }
        }
    };
    server.stop().await;
    let exchanged = outcome?;
    let token = Token::new(exchanged.token);
    if token.is_empty() {
        bail!(
            "the server returned no token; nothing was saved.\n{}",
            orphan_agent_hint(
                &found.api,
                Some(&exchanged.agent_id)
                    .filter(|s| !s.is_empty())
                    .map(String::as_str)
            )
        );
    }
    let requested = exchanged
        .profile
        .parse::<Profile>()
        .ok()
        .map(|p| p.scopes().to_vec());
    let api = if exchanged.url.trim().is_empty() {
        found.api.clone()
    } else {
        exchanged.url.trim().trim_end_matches('/').to_owned()
    };
    Ok(Acquired {
        api,
        ui: Some(found.ui.clone()),
        token,
        profile: Some(exchanged.profile).filter(|s| !s.is_empty()),
        name: Some(exchanged.name).filter(|s| !s.is_empty()),
        agent_id: Some(exchanged.agent_id).filter(|s| !s.is_empty()),
        requested,
    })
}

async fn exchange(api: &str, state: &str, code: &str, flag: &str) -> anyhow::Result<Exchanged> {
    let client = Client::new(api, None, ClientOptions::default())?;
    let request = ApiRequest::post(
        "/api/connect/agent/exchange",
        json!({ "state": state, "code": code }),
    );
    match client.send(request).await {
        Ok(value) => serde_json::from_value(value)
            .map_err(|e| anyhow!("exchange failed: unexpected answer from the server ({e})")),
        Err(ApiError::Status { status: 401, .. }) | Err(ApiError::Unauthorized) => Err(anyhow!(
            "exchange failed: the connect code is invalid, expired or was already used (codes \
             work once, for 5 minutes). Run paas connect {api}{flag} again; nothing was saved.\n{}",
            orphan_agent_hint(api, None)
        )),
        Err(e) => Err(anyhow!(
            "exchange failed: {e}. The CLI must reach the API URL {api}; nothing was saved."
        )),
    }
}

fn human_duration(d: Duration) -> String {
    let secs = d.as_secs();
    if secs >= 60 && secs.is_multiple_of(60) {
        format!("{}m", secs / 60)
    } else {
        format!("{secs}s")
    }
}

/// `--legacy`: the admin token creates the agent. The admin token is only held in memory.
async fn legacy(found: &Discovered, args: &Args, flag: &str) -> anyhow::Result<Acquired> {
    let interactive = std::io::stdin().is_terminal();
    let admin = read_admin_token(interactive)?;
    let admin_client = Client::new(&found.api, Some(admin), ClientOptions::default())?;
    match admin_client
        .send(ApiRequest::post("/api/auth/verify", json!({})))
        .await
    {
        Ok(_) => {}
        Err(ApiError::Unauthorized) => bail!(
            "admin token rejected: the PaaS at {} answered 401 Unauthorized. Nothing was \
             created or saved.\n\
             The admin token is printed on the PaaS server by: cd ~/better-paas/backend && \
             ./server token (or read backend/data/admin_token.txt there; when the server's \
             environment sets ADMIN_TOKEN, that value is the token).\n\
             Careful: after 5 wrong tokens the PaaS locks this address out for 2s, doubling \
             with each further failure up to 15 minutes, valid tokens included.",
            found.api
        ),
        Err(ApiError::RateLimited {
            message,
            retry_after,
        }) => bail!(
            "could not check the admin token: the PaaS at {} {}. Nothing was created or saved.",
            found.api,
            discover::rate_limit_advice(
                Some(retry_after.as_secs().max(1)),
                message.contains("failed attempts")
            )
        ),
        Err(e) => bail!("could not check the admin token: {e}. Nothing was created or saved."),
    }
    let grant = crate::catalog::probe::probe(&admin_client)
        .await
        .map_err(|e| anyhow!("could not check the admin token: {e}"))?;
    if !grant.admin {
        bail!(
            "that is an agent token, not the admin token (it cannot create agents). To store \
             it as is: echo \"$TOKEN\" | paas connect {}{flag} --token-stdin",
            found.api
        );
    }
    let profile = match args.profile {
        Some(p) => p,
        None if interactive => prompt_profile()?,
        None => {
            println!("No --profile given; using deployer.");
            Profile::Deployer
        }
    };
    let default_name = format!("{} CLI", hostname());
    let name = match &args.name {
        Some(n) if !n.trim().is_empty() => n.trim().to_owned(),
        Some(_) => bail!("--name must not be empty"),
        None if interactive => {
            print!("Agent name [{default_name}]: ");
            std::io::stdout().flush()?;
            let mut line = String::new();
            std::io::stdin().lock().read_line(&mut line)?;
            Some(line.trim().to_owned())
                .filter(|s| !s.is_empty())
                .unwrap_or(default_name)
        }
        None => default_name,
    };
    println!(
        "Creating agent {name:?} with profile {profile:?} ...",
        profile = profile.as_str()
    );
    let scopes: Vec<&str> = profile.scopes().iter().map(|s| s.as_str()).collect();
    let created = admin_client
        .send(ApiRequest::post(
            "/api/agents/create",
            json!({ "name": name, "scopes": scopes }),
        ))
        .await
        .map_err(|e| anyhow!("failed to create agent: {e}"))?;
    let token = created
        .get("token")
        .and_then(|v| v.as_str())
        .map(Token::new)
        .filter(|t| !t.is_empty());
    let agent_id = created
        .get("id")
        .and_then(|v| v.as_str())
        .map(str::to_owned);
    let Some(token) = token else {
        bail!(
            "server did not return an agent token; nothing was saved.\n{}",
            orphan_agent_hint(&found.api, agent_id.as_deref())
        );
    };
    Ok(Acquired {
        api: found.api.clone(),
        ui: Some(found.ui.clone()),
        token,
        profile: Some(profile.as_str().to_owned()),
        name: Some(name),
        agent_id,
        requested: Some(profile.scopes().to_vec()),
    })
}

/// The admin token for `--legacy`: `PAAS_ADMIN_TOKEN` when set (it only counts together
/// with `--legacy`, unlike upstream where it silently switched modes), else a hidden prompt
/// on a terminal, else one line of stdin.
fn read_admin_token(interactive: bool) -> anyhow::Result<Token> {
    let raw = if let Ok(from_env) = std::env::var("PAAS_ADMIN_TOKEN")
        && !from_env.trim().is_empty()
    {
        from_env
    } else if interactive {
        println!("Paste your admin token (from ./server token on the VPS). It is not saved.");
        print!("Admin token: ");
        std::io::stdout().flush()?;
        console::Term::stdout()
            .read_secure_line()
            .context("could not read the admin token")?
    } else {
        let mut line = String::new();
        std::io::stdin()
            .lock()
            .read_line(&mut line)
            .context("could not read the admin token from stdin")?;
        line
    };
    let token = Token::new(raw);
    if token.is_empty() {
        bail!("admin token is required: type it when asked, or pipe it on stdin");
    }
    if let Some(problem) = token_text_problem(token.expose(), false) {
        bail!(
            "{problem}, so it is not the admin token (it is not shown here). Nothing was \
             created or saved. Give the admin token alone: type it when asked, pipe it as one \
             line, or set PAAS_ADMIN_TOKEN to it."
        );
    }
    Ok(token)
}

fn prompt_profile() -> anyhow::Result<Profile> {
    println!("Choose a profile:");
    for (i, p) in Profile::ALL.iter().enumerate() {
        let mark = if *p == Profile::Deployer { "*" } else { " " };
        println!("  {}) {mark} {:<9} {}", i + 1, p.as_str(), p.description());
    }
    loop {
        print!("Profile [deployer]: ");
        std::io::stdout().flush()?;
        let mut line = String::new();
        if std::io::stdin().lock().read_line(&mut line)? == 0 {
            return Ok(Profile::Deployer);
        }
        let answer = line.trim();
        if answer.is_empty() {
            return Ok(Profile::Deployer);
        }
        if let Ok(n) = answer.parse::<usize>()
            && let Some(p) = n.checked_sub(1).and_then(|i| Profile::ALL.get(i))
        {
            return Ok(*p);
        }
        match answer.parse::<Profile>() {
            Ok(p) => return Ok(p),
            Err(e) => println!("{e}"),
        }
    }
}

/// This machine's name, for the default agent name.
fn hostname() -> String {
    let from_env = std::env::var("HOSTNAME")
        .or_else(|_| std::env::var("COMPUTERNAME"))
        .ok();
    let from_file = || std::fs::read_to_string("/etc/hostname").ok();
    let from_cmd = || {
        std::process::Command::new("hostname")
            .output()
            .ok()
            .and_then(|o| String::from_utf8(o.stdout).ok())
    };
    from_env
        .or_else(from_file)
        .or_else(from_cmd)
        .map(|h| h.trim().to_owned())
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "paas".to_owned())
}
