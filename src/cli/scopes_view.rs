//! How a token's observed grant is shown to people (connect, status, doctor, tools).

use crate::catalog::{Grant, Profile, Scope};

/// `apps:read, logs:read, …` or a note for the admin token / no scopes.
pub fn scopes_line(grant: &Grant) -> String {
    if grant.admin {
        return "admin token (passes every scope check)".to_owned();
    }
    if grant.scopes.is_empty() {
        return "none observed".to_owned();
    }
    grant
        .scopes
        .iter()
        .map(|s| s.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

/// The profile whose scopes match what was observed (the probe cannot see `logs:read` when
/// `apps:read` is held, nor `agent:admin`, so those are ignored in the comparison).
pub fn matching_profile(grant: &Grant) -> Option<Profile> {
    if grant.admin {
        return None;
    }
    let observable = |s: &&Scope| **s != Scope::LogsRead && **s != Scope::AgentAdmin;
    let seen: Vec<Scope> = grant.scopes.iter().filter(observable).copied().collect();
    Profile::ALL.into_iter().find(|p| {
        let mut want: Vec<Scope> = p.scopes().iter().filter(observable).copied().collect();
        want.sort();
        want == seen
    })
}

/// A "what unlocks it" phrase for a scope: the smallest profile that grants it, or a
/// custom agent.
pub fn unlock_hint(scope: Scope) -> String {
    match Profile::smallest_granting(scope) {
        Some(profile) => format!("scope {scope} (profile {profile})"),
        None => {
            format!("scope {scope} (no profile grants it: an admin must create a custom agent)")
        }
    }
}
