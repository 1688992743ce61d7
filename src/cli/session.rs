//! The connection a read-only command works with: resolved credentials plus what the PaaS
//! says about the token right now (the scope probe), without ever failing on the latter.

use std::path::PathBuf;

use crate::api::{Client, ClientOptions, Token};
use crate::catalog::Grant;
use crate::catalog::probe::{ProbeError, probe};
use crate::config::{self, ConfigError, Credentials, Paths};
use crate::mcp::cache;

/// Credentials and the live probe result.
pub struct Session {
    pub credentials: Credentials,
    pub client: Client,
    pub grant: Result<Grant, ProbeError>,
}

/// Resolve the context and probe its token.
pub async fn open(paths: &Paths, context: Option<&str>) -> Result<Session, ConfigError> {
    let credentials = config::resolve(paths, context)?;
    let client = Client::new(
        &credentials.url,
        Some(credentials.token.clone()),
        ClientOptions::default(),
    )
    .map_err(|e| ConfigError::Other(e.to_string()))?;
    let grant = probe(&client).await;
    Ok(Session {
        credentials,
        client,
        grant,
    })
}

/// Where the grant last observed for `url` + `token` is cached: the same file `paas mcp`
/// reads when the PaaS is down at start (`~/.paas/cache/`).
pub fn grant_cache_path(paths: &Paths, url: &str, token: &Token) -> PathBuf {
    cache::path_for(&paths.cache_dir(), url, token)
}

/// The grant last observed for the context's token, without asking the PaaS: for advice
/// printed by commands that work offline (`paas setup`). `None` when not connected or never
/// observed.
pub fn last_known_grant(paths: &Paths, context: Option<&str>) -> Option<Grant> {
    let credentials = config::resolve(paths, context).ok()?;
    let path = grant_cache_path(paths, &credentials.url, &credentials.token);
    cache::load(&path, &credentials.url).map(|cached| cached.grant)
}

/// ` --context NAME` for commands suggested about these credentials: empty for the
/// default context, and for credentials from the environment (their "context" is no stored
/// one, and `--context env` would name a different connection).
pub fn context_flag(credentials: &Credentials) -> String {
    if credentials.source == config::TokenSource::Env {
        String::new()
    } else {
        config::context_flag(&credentials.context)
    }
}

/// What to run about a probe failure.
pub fn probe_fix(error: &ProbeError, credentials: &Credentials) -> String {
    let reconnect = format!(
        "paas connect {}{}",
        credentials.url,
        context_flag(credentials)
    );
    match error {
        ProbeError::Unauthorized => format!("run {reconnect} to get a new token"),
        ProbeError::RateLimited { retry_after_secs } => format!(
            "this address is locked out after failed logins or over the rate limit: wait \
             {retry_after_secs}s and check that no script is using a wrong token"
        ),
        ProbeError::Api(_) => format!(
            "check that the PaaS at {} is running and reachable from here",
            credentials.url
        ),
        ProbeError::Unexpected { .. } => {
            "the PaaS answered in a way this version does not understand; upgrade paas-mcp"
                .to_owned()
        }
    }
}

/// What went wrong with the token check, and what to do, said once (`status`, `tools`).
pub fn problem_text(error: &ProbeError, creds: &Credentials) -> String {
    match error {
        ProbeError::Unauthorized if creds.source == config::TokenSource::Env => format!(
            "the PaaS rejected the token in {token} (401 Unauthorized): it is wrong, was \
             rotated, or its agent was deleted. {token} takes precedence over the stored \
             contexts: fix it, or unset {url} {token} to use a stored context (get a new token \
             with: paas connect {base})",
            token = config::ENV_TOKEN,
            url = config::ENV_URL,
            base = creds.url,
        ),
        ProbeError::Unauthorized => format!(
            "the PaaS rejected the token (401 Unauthorized): it is wrong, was rotated, or its \
             agent was deleted; run paas connect {}{} to get a new one",
            creds.url,
            context_flag(creds)
        ),
        // The probe's first request goes to an admin-only route: naming it would suggest
        // the admin token is involved. The base URL is what the user can check.
        ProbeError::Api(crate::api::ApiError::Unreachable { detail, .. }) => format!(
            "the PaaS could not be reached at {} ({}); check that it is running and reachable \
             from here, and that the URL is right",
            creds.url,
            without_request_url(detail)
        ),
        ProbeError::Api(crate::api::ApiError::Timeout { timeout }) => format!(
            "the PaaS at {} did not answer within {}s; check that it is running and reachable \
             from here",
            creds.url,
            timeout.as_secs()
        ),
        other => format!("{other}; {}", probe_fix(other, creds)),
    }
}

/// The transport error without reqwest's `for url (…)`, which names the probed route.
fn without_request_url(detail: &str) -> String {
    let Some(start) = detail.find(" for url (") else {
        return detail.to_owned();
    };
    match detail[start..].find(')') {
        Some(end) => format!("{}{}", &detail[..start], &detail[start + end + 1..]),
        None => detail[..start].to_owned(),
    }
}
