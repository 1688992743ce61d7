//! The connection a read-only command works with: resolved credentials plus what the PaaS
//! says about the token right now (the scope probe), without ever failing on the latter.

use crate::api::{Client, ClientOptions};
use crate::catalog::Grant;
use crate::catalog::probe::{ProbeError, admin_probe_request, probe};
use crate::config::{self, ConfigError, Credentials, Paths};

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
    let grant = checked_probe(&client).await;
    Ok(Session {
        credentials,
        client,
        grant,
    })
}

/// The scope probe, after one request that checks the token is accepted at all.
///
/// The probe sends a dozen requests in parallel; with a revoked or wrong token each one
/// counts as a failed login, and the sixth locks this IP out (spec §1.7) for every client
/// on it. One request first means a bad token costs one failure, not thirteen.
pub async fn checked_probe(client: &Client) -> Result<Grant, ProbeError> {
    match client.answer(&admin_probe_request()).await {
        Ok(answer) if answer.status == 401 => return Err(ProbeError::Unauthorized),
        Ok(answer) if answer.status == 429 => {
            return Err(ProbeError::RateLimited {
                retry_after_secs: answer.retry_after.map_or(1, |d| d.as_secs().max(1)),
            });
        }
        Ok(_) => {}
        Err(e) => return Err(ProbeError::Api(e)),
    }
    probe(client).await
}

/// What to run about a probe failure.
pub fn probe_fix(error: &ProbeError, credentials: &Credentials) -> String {
    let reconnect = format!(
        "paas connect {}{}",
        credentials.url,
        config::context_flag(&credentials.context)
    );
    match error {
        ProbeError::Unauthorized => {
            format!("the token was rotated or its agent deleted: run {reconnect} to get a new one")
        }
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
