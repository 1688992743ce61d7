//! `paas doctor`: check every link from the config file to the editors, in order, and say
//! what to fix for each one that is broken. Exit 1 when any check fails.

use std::process::ExitCode;
use std::time::Duration;

use serde::Serialize;

use super::Global;
use crate::api::{ApiRequest, Client, ClientOptions};
use crate::catalog::probe::ProbeError;
use crate::cli::admin_token;
use crate::cli::scopes_view::scopes_line;
use crate::cli::toolview;
use crate::config::{self, ConfigFile, Paths, StoreKind, TokenSource, file::mode_of, store};

#[derive(Debug, clap::Args)]
#[command(after_help = "\
Examples:
  paas doctor
  paas doctor --context staging
  paas doctor --json | jq '.checks[] | select(.status != \"ok\")'")]
pub struct Args {
    /// Print {"ok", "checks": [{name, status, detail, fix}]} as JSON.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
enum Status {
    Ok,
    Warn,
    Fail,
    Skip,
}

#[derive(Debug, Serialize)]
struct Check {
    name: &'static str,
    status: Status,
    detail: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    fix: Option<String>,
}

#[derive(Default)]
struct Checks(Vec<Check>);

impl Checks {
    fn add(
        &mut self,
        name: &'static str,
        status: Status,
        detail: impl Into<String>,
        fix: Option<String>,
    ) {
        self.0.push(Check {
            name,
            status,
            detail: detail.into(),
            fix,
        });
    }
}

pub async fn run(args: Args, global: &Global) -> anyhow::Result<ExitCode> {
    let paths = Paths::from_env()?;
    let context = config::context_name(global.context.as_deref());
    let mut checks = Checks::default();
    diagnose(&paths, &context, global.context.as_deref(), &mut checks).await;
    let ok = checks.0.iter().all(|c| c.status != Status::Fail);
    if args.json {
        let value = serde_json::json!({ "ok": ok, "context": context, "checks": checks.0 });
        println!("{}", serde_json::to_string_pretty(&value)?);
    } else {
        for check in &checks.0 {
            let mark = match check.status {
                Status::Ok => "ok  ",
                Status::Warn => "warn",
                Status::Fail => "FAIL",
                Status::Skip => "skip",
            };
            println!("[{mark}] {:<12} {}", check.name, check.detail);
            if let Some(fix) = &check.fix {
                println!("       fix: {fix}");
            }
        }
        println!(
            "\n{}",
            if ok {
                "Everything needed works."
            } else {
                "Some checks failed: see the fixes above."
            }
        );
    }
    Ok(if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

async fn diagnose(paths: &Paths, context: &str, explicit: Option<&str>, checks: &mut Checks) {
    let connect = "paas connect <url>".to_owned() + &config::context_flag(context);
    let env_creds = config::from_env();
    // 1. The config file.
    let file = match ConfigFile::load(paths) {
        Ok(file) => {
            if file.is_empty() {
                let status = if env_creds.is_some() {
                    Status::Ok
                } else {
                    Status::Fail
                };
                checks.add(
                    "config",
                    status,
                    format!("{} has no connection", paths.config_file.display()),
                    (status == Status::Fail).then(|| format!("run: {connect}")),
                );
            } else {
                let modes = (mode_of(&paths.config_dir), mode_of(&paths.config_file));
                let loose = matches!(modes, (Some(d), _) if d & 0o077 != 0)
                    || matches!(modes, (_, Some(f)) if f & 0o077 != 0);
                checks.add(
                    "config",
                    if loose { Status::Warn } else { Status::Ok },
                    format!(
                        "{} (contexts: {})",
                        paths.config_file.display(),
                        file.context_names().join(", ")
                    ),
                    loose.then(|| {
                        format!(
                            "chmod 700 {} && chmod 600 {}",
                            paths.config_dir.display(),
                            paths.config_file.display()
                        )
                    }),
                );
            }
            Some(file)
        }
        Err(e) => {
            checks.add(
                "config",
                Status::Fail,
                e.to_string(),
                Some(match e {
                    // `paas disconnect` renames a file that does not parse.
                    config::ConfigError::Invalid { .. } => format!(
                        "fix the file, or set it aside with: paas disconnect{}; then run: \
                         {connect}",
                        config::context_flag(context)
                    ),
                    _ => format!("fix or delete the file, then run: {connect}"),
                }),
            );
            None
        }
    };
    // 2. Token store.
    match store::KeychainStore::probe() {
        Ok(()) => checks.add(
            "keychain",
            Status::Ok,
            format!(
                "OS keychain works ({})",
                store::KeychainStore::backend_name()
            ),
            None,
        ),
        Err(e) => checks.add(
            "keychain",
            Status::Warn,
            format!("OS keychain not usable ({e}); tokens go to the config file (mode 0600)"),
            None,
        ),
    }
    let credentials = match config::resolve(paths, explicit) {
        Ok(c) => {
            let detail = match c.source {
                TokenSource::Env => {
                    "from PAAS_API_URL + PAAS_TOKEN (environment overrides the config)".to_owned()
                }
                TokenSource::Keychain => {
                    format!("context {:?}: token in the OS keychain", c.context)
                }
                TokenSource::File => format!(
                    "context {:?}: token in {}",
                    c.context,
                    paths.config_file.display()
                ),
            };
            checks.add("credentials", Status::Ok, detail, None);
            Some(c)
        }
        Err(e) => {
            let recorded = file.as_ref().and_then(|f| f.get(context));
            let hint = match recorded {
                Some(r) if r.store() == StoreKind::Keychain => {
                    format!(
                        "run: paas connect {}{}",
                        r.url,
                        config::context_flag(context)
                    )
                }
                _ => format!("run: {connect}"),
            };
            checks.add("credentials", Status::Fail, e.to_string(), Some(hint));
            None
        }
    };
    let Some(credentials) = credentials else {
        for name in ["reachable", "token", "scopes"] {
            checks.add(name, Status::Skip, "needs credentials", None);
        }
        editors(paths, file.as_ref(), context, checks);
        return;
    };
    let env = credentials.source == TokenSource::Env;
    // 3. Reachability.
    let options = ClientOptions {
        request_timeout: Duration::from_secs(10),
        ..ClientOptions::default()
    };
    let public = Client::new(&credentials.url, None, options.clone());
    let reachable = match public {
        Ok(client) => client.send(ApiRequest::get("/api/health")).await,
        Err(e) => Err(e),
    };
    match reachable {
        Ok(_) => checks.add(
            "reachable",
            Status::Ok,
            format!("{} answers /api/health", credentials.url),
            None,
        ),
        Err(e) => {
            checks.add(
                "reachable",
                Status::Fail,
                e.to_string(),
                Some(if env {
                    format!(
                        "start the PaaS or fix {url}; or unset {url} {token} to use a stored \
                         context",
                        url = config::ENV_URL,
                        token = config::ENV_TOKEN
                    )
                } else {
                    format!(
                        "start the PaaS or check the URL; reconnect with: paas connect <url>{}",
                        config::context_flag(context)
                    )
                }),
            );
            checks.add("token", Status::Skip, "PaaS not reachable", None);
            checks.add("scopes", Status::Skip, "PaaS not reachable", None);
            editors(paths, file.as_ref(), context, checks);
            return;
        }
    }
    // 4. Lockout, token validity, scopes: one probe answers all three.
    let client = Client::new(&credentials.url, Some(credentials.token.clone()), options);
    let grant = match client {
        Ok(client) => crate::catalog::probe::probe(&client).await,
        Err(e) => Err(ProbeError::Api(e)),
    };
    match grant {
        Ok(grant) => {
            checks.add("token", Status::Ok, "accepted by the PaaS", None);
            if grant.admin {
                checks.add(
                    "scopes",
                    Status::Warn,
                    admin_token::consequence(&grant)
                        .unwrap_or_else(|| admin_token::REFUSED.to_owned()),
                    Some(admin_token::fix(&credentials)),
                );
            } else if grant.scopes.is_empty() {
                checks.add(
                    "scopes",
                    Status::Warn,
                    "no scopes observed: only paas_status will be offered",
                    Some("ask an admin for an agent with the scopes you need".to_owned()),
                );
            } else {
                let rows = toolview::rows(Some(&grant));
                let available = rows.iter().filter(|r| r.available == Some(true)).count();
                checks.add(
                    "scopes",
                    Status::Ok,
                    format!(
                        "{} ({available} of {} tools)",
                        scopes_line(&grant),
                        rows.len()
                    ),
                    None,
                );
            }
        }
        Err(ProbeError::RateLimited { retry_after_secs }) => {
            checks.add(
                "token",
                Status::Fail,
                format!("locked out: the PaaS answers 429 for this address (retry after {retry_after_secs}s)"),
                Some("wait, and stop any script that keeps sending a wrong token (each one extends the lockout)".to_owned()),
            );
            checks.add("scopes", Status::Skip, "locked out", None);
        }
        Err(ProbeError::Unauthorized) if env => {
            // There is no "env" context to reconnect: the variable is what to fix.
            checks.add(
                "token",
                Status::Fail,
                format!(
                    "rejected (401): the token in {} is wrong, was rotated, or its agent was \
                     deleted",
                    config::ENV_TOKEN
                ),
                Some(format!(
                    "fix {token}, or unset {url} {token} to use a stored context (get a new \
                     token with: paas connect {base}{flag})",
                    token = config::ENV_TOKEN,
                    url = config::ENV_URL,
                    base = credentials.url,
                    flag = config::context_flag(context)
                )),
            );
            checks.add("scopes", Status::Skip, "token rejected", None);
        }
        Err(ProbeError::Unauthorized) => {
            checks.add(
                "token",
                Status::Fail,
                "rejected (401): the token was rotated or its agent deleted",
                Some(format!(
                    "paas connect {}{}",
                    credentials.url,
                    config::context_flag(&credentials.context)
                )),
            );
            checks.add("scopes", Status::Skip, "token rejected", None);
        }
        Err(e) => {
            checks.add(
                "token",
                Status::Fail,
                e.to_string(),
                Some("retry; if it persists, check the PaaS logs".to_owned()),
            );
            checks.add("scopes", Status::Skip, "token not checked", None);
        }
    }
    editors(paths, file.as_ref(), context, checks);
}

/// Each editor's entry pointing at an existing binary and at a connected context (user
/// configs and the current directory's project configs), and the old Go CLI's leftover in
/// `~/.claude/settings.json`. Editors that are not installed and have no entry are not
/// mentioned; an installed editor without an entry is a warning (`paas setup` fixes it).
/// `file` is the loaded config (`None` when it cannot be read: contexts are not judged then).
/// `context` is the one doctor checks: commands suggested for it carry its `--context`.
fn editors(paths: &Paths, file: Option<&ConfigFile>, context: &str, checks: &mut Checks) {
    use crate::editors::Scope;
    let flag = config::context_flag(context);
    let project = crate::cli::project_dir(paths);
    let statuses = crate::editors::inspect(paths, project.as_deref());
    let mut any = false;
    for status in statuses {
        let label = status.client.label();
        let path = status.path.display();
        if let Some(error) = &status.error {
            any = true;
            checks.add(
                "editor",
                Status::Fail,
                format!("{label}: {path}: {error}"),
                Some(
                    "fix the file by hand; paas setup refuses to touch it until it parses"
                        .to_owned(),
                ),
            );
            continue;
        }
        let ours = crate::editors::default_name(Some(context));
        let project = if status.scope == Scope::Project {
            " --project"
        } else {
            ""
        };
        if let Some(foreign) = status.foreign.iter().find(|f| f.name == ours)
            && status.entries.is_empty()
        {
            // `paas setup` would refuse this name: say so, and give the commands that work.
            any = true;
            let setup = format!("paas setup --client {}{project}{flag}", status.client.id());
            checks.add(
                "editor",
                Status::Warn,
                format!(
                    "{label}: {path} has a server named {:?} that {}, not paas; no paas entry",
                    foreign.name, foreign.what
                ),
                Some(format!(
                    "add ours under another name: {setup} --name other-name, or replace that \
                     entry: {setup} --force"
                )),
            );
            continue;
        }
        if status.entries.is_empty() {
            if status.installed && status.scope == Scope::User {
                any = true;
                checks.add(
                    "editor",
                    Status::Warn,
                    format!("{label}: no paas entry in {path}"),
                    Some(format!("paas setup --client {}{flag}", status.client.id())),
                );
            }
            continue;
        }
        any = true;
        for entry in &status.entries {
            let target = entry
                .url
                .clone()
                .or_else(|| entry.resolved.as_ref().map(|p| p.display().to_string()))
                .or_else(|| entry.command.clone())
                .unwrap_or_default();
            let missing_context = entry
                .context
                .as_deref()
                .filter(|ctx| file.is_some_and(|f| !context_connected(f, ctx)));
            match (&entry.problem, missing_context) {
                (None, None) => checks.add(
                    "editor",
                    Status::Ok,
                    format!("{label}: {:?} in {path} runs {target}", entry.name),
                    None,
                ),
                (None, Some(ctx)) => {
                    checks.add(
                        "editor",
                        Status::Fail,
                        format!(
                            "{label}: {:?} in {path} runs paas for context {ctx:?}, which is not \
                             connected: the assistant gets only paas_status",
                            entry.name
                        ),
                        Some(format!(
                            "paas connect <url>{}, or take the entry out: paas setup --remove \
                             --client {} --name {}{project}",
                            config::context_flag(ctx),
                            status.client.id(),
                            entry.name
                        )),
                    );
                }
                (Some(problem), _) => {
                    // Re-running setup for this entry: its client, scope, context and name.
                    let ctx = entry.context.as_deref().unwrap_or(context);
                    let name = if entry.name == crate::editors::default_name(Some(ctx)) {
                        String::new()
                    } else {
                        format!(" --name {}", entry.name)
                    };
                    let http = match &entry.url {
                        Some(url) => format!(" --http {url}"),
                        None => String::new(),
                    };
                    let setup = format!(
                        "paas setup --client {}{project}{}{name}{http}",
                        status.client.id(),
                        config::context_flag(ctx)
                    );
                    let rotate = if entry.holds_token {
                        " (it rewrites the entry without the token); then rotate the token if \
                         the file was ever shared"
                    } else {
                        ""
                    };
                    checks.add(
                        "editor",
                        Status::Fail,
                        format!("{label}: {:?} in {path}: {problem}", entry.name),
                        Some(match &entry.fix {
                            Some(fix) => fix.clone(),
                            None => format!("{setup}{rotate}"),
                        }),
                    );
                }
            }
        }
    }
    if let Some(legacy) = crate::editors::inspect_legacy(paths) {
        checks.add(
            "editor",
            Status::Warn,
            format!(
                "Claude Code: {} has {:?} ({}), left by the old Go paas CLI; Claude Code \
                 ignores MCP servers in that file, so this entry does nothing",
                legacy.path.display(),
                legacy.name,
                legacy.what
            ),
            Some(
                "paas setup --client claude-code (writes ~/.claude.json and removes the old \
                 entry), or only remove it: paas setup --remove --client claude-code"
                    .to_owned(),
            ),
        );
    }
    if !any {
        checks.add(
            "editor",
            Status::Warn,
            "no editor has the paas MCP server",
            Some(format!("paas setup{flag}")),
        );
    }
}

/// Whether an editor entry's context has a stored connection. `PAAS_API_URL` +
/// `PAAS_TOKEN` stand in for the default context.
fn context_connected(file: &ConfigFile, context: &str) -> bool {
    file.get(context).is_some()
        || (context == config::DEFAULT_CONTEXT && config::from_env().is_some())
}
