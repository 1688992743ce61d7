//! `/api/auth/verify` and `/api/auth/ws-ticket` (spec §3.12, §8.3).

use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::response::Response;
use serde::Deserialize;

use crate::http::{Actor, Call, ok};
use crate::server::authenticate;
use crate::state::{Inner, Ticket};
use crate::util::{self, lock};

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct VerifyBody {
    token: String,
}

/// Public path that validates the token itself (header, else body `{token}`), with the
/// same lockout accounting as the auth gate. A valid call sets the actor, so it is audited.
pub fn verify(inner: &Arc<Inner>, call: &mut Call) -> Response {
    let mut token = call.bearer();
    if token.is_empty() {
        token = crate::http::decode::<VerifyBody>(&call.body)
            .map(|b| b.token.trim().to_string())
            .unwrap_or_default();
    }
    match authenticate(inner, &token, call.ip) {
        Ok(actor) => {
            call.actor = Some(actor);
            ok(&serde_json::json!({ "valid": true }))
        }
        Err(resp) => resp,
    }
}

/// One-use ticket (60 s) snapshotting the caller's admin-ness and scopes.
pub fn ws_ticket(inner: &Arc<Inner>, call: &mut Call) -> Response {
    let (admin, scopes) = match &call.actor {
        Some(Actor::Admin) => (true, Vec::new()),
        Some(Actor::Agent { scopes, .. }) => (false, scopes.clone()),
        None => (false, Vec::new()),
    };
    let ticket = util::random_hex32();
    let mut tickets = lock(&inner.tickets);
    let now = Instant::now();
    tickets.retain(|_, t| t.expires > now);
    tickets.insert(
        ticket.clone(),
        Ticket {
            admin,
            scopes,
            expires: now + Duration::from_secs(60),
        },
    );
    ok(&serde_json::json!({ "ticket": ticket, "expiresIn": 60 }))
}
