//! The connection a read-only command works with: resolved credentials plus what the PaaS
//! says about the token right now (the scope probe), without ever failing on the latter.

use crate::api::{Client, ClientOptions};
use crate::catalog::Grant;
use crate::catalog::probe::{ProbeError, probe};
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
    let grant = probe(&client).await;
    Ok(Session {
        credentials,
        client,
        grant,
    })
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
