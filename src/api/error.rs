//! Every way a PaaS request can fail, as data the callers can branch on.

use std::time::Duration;

/// A failed request. Built in one place (`Client::send`) from the status and the server's
/// `{"error": "..."}` body (spec §1.6).
#[derive(Debug, Clone, thiserror::Error)]
pub enum ApiError {
    /// 401 with exactly `Unauthorized`: the token is wrong, rotated or its agent deleted.
    #[error("Unauthorized: the token was rejected")]
    Unauthorized,
    /// 403 `Forbidden: missing scope <scope>`.
    #[error("Forbidden: missing scope {scope}")]
    MissingScope { scope: String },
    /// 403 `Forbidden: admin token required`.
    #[error("Forbidden: admin token required")]
    AdminRequired,
    /// 429, either the lockout or the 20 req/s limiter; `retry_after` from the header.
    #[error("{message} (retry after {}s)", retry_after.as_secs())]
    RateLimited {
        message: String,
        retry_after: Duration,
    },
    /// Any other 4xx/5xx with the server's message (404 `App not found`, 400 validation,
    /// 409 conflicts, 401 `No GitHub token configured`, 5xx `Failed to …`).
    #[error("{message} (HTTP {status})")]
    Status { status: u16, message: String },
    /// The PaaS could not be reached, or the connection dropped.
    #[error("could not reach the PaaS at {url}: {detail}")]
    Unreachable { url: String, detail: String },
    /// The request took longer than the configured timeout.
    #[error("the PaaS did not answer within {}s", timeout.as_secs())]
    Timeout { timeout: Duration },
    /// A 2xx answer whose body was not the JSON we expected.
    #[error("the PaaS sent a response that is not valid JSON ({detail})")]
    Malformed { status: u16, detail: String },
    /// A request we refuse to build (bad URL, bad argument).
    #[error("{0}")]
    Invalid(String),
}

impl ApiError {
    /// The HTTP status, when the server answered.
    pub fn status(&self) -> Option<u16> {
        match self {
            ApiError::Unauthorized => Some(401),
            ApiError::MissingScope { .. } | ApiError::AdminRequired => Some(403),
            ApiError::RateLimited { .. } => Some(429),
            ApiError::Status { status, .. } | ApiError::Malformed { status, .. } => Some(*status),
            _ => None,
        }
    }
}
