//! How a token's scopes are shown to people (connect, status, doctor, tools).
//!
//! The probe sees only what the PaaS reveals: `logs:read` cannot be told apart while
//! `apps:read` is held (see `catalog::probe`), so an observed grant never lists it then.
//! Output must not drop it silently: where the requested scopes are known (the agent that
//! `paas connect` created), those are shown; where only observations exist, a note says
//! what cannot be seen.

use std::collections::BTreeSet;

use crate::catalog::{Grant, Profile, Scope};

/// Said next to observed scopes that include `apps:read`.
pub const LOGS_READ_NOTE: &str = "logs:read cannot be observed while apps:read is held; it does \
                                  not change which tools are offered";

/// Scopes the token may hold although the probe cannot see them: `logs:read` while
/// `apps:read` is held. What `--json` output lists beside the observed `scopes`, so that a
/// program is not told less than a person reading [`scopes_line`].
pub fn unobservable_scopes(grant: &Grant) -> Vec<Scope> {
    if !grant.admin && grant.has(Scope::AppsRead) && !grant.has(Scope::LogsRead) {
        vec![Scope::LogsRead]
    } else {
        Vec::new()
    }
}

/// The `scopesNote` of `--json` output: [`LOGS_READ_NOTE`] when something is unobservable.
pub fn scopes_note(grant: &Grant) -> Option<&'static str> {
    (!unobservable_scopes(grant).is_empty()).then_some(LOGS_READ_NOTE)
}

/// `apps:read, metrics:read (…note…)`, or a note for the admin token / no scopes.
pub fn scopes_line(grant: &Grant) -> String {
    if grant.admin {
        return "admin token (passes every scope check)".to_owned();
    }
    if grant.scopes.is_empty() {
        return "none observed".to_owned();
    }
    let list = join(grant.scopes.iter().copied());
    if grant.has(Scope::AppsRead) {
        format!("{list} ({LOGS_READ_NOTE})")
    } else {
        list
    }
}

/// The scopes an agent was created with, and, when the PaaS revealed something else, the
/// observed line to show beside them (`None` when the observation agrees).
pub fn requested_scopes(requested: &[Scope], grant: &Grant) -> (String, Option<String>) {
    let wanted: BTreeSet<Scope> = requested.iter().copied().collect();
    let visible = |s: &Scope| {
        *s != Scope::AgentAdmin && !(*s == Scope::LogsRead && wanted.contains(&Scope::AppsRead))
    };
    let expected: BTreeSet<Scope> = wanted.iter().copied().filter(visible).collect();
    let line = join(wanted.iter().copied());
    let differs = grant.admin || expected != grant.scopes;
    (line, differs.then(|| scopes_line(grant)))
}

/// `deployer (observer + …)`, a profile name this version does not know, or a plain
/// statement that the token has no profile (what `status --json` reports as `null`).
pub fn profile_line(profile: Option<&str>) -> String {
    match profile {
        Some(name) => match name.parse::<Profile>() {
            Ok(p) => format!("{p} ({})", p.description()),
            Err(_) => name.to_owned(),
        },
        None => "none (its own scope list, not observer, deployer or operator)".to_owned(),
    }
}

fn join(scopes: impl Iterator<Item = Scope>) -> String {
    scopes.map(|s| s.as_str()).collect::<Vec<_>>().join(", ")
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requested_profile_scopes_agree_with_what_the_probe_can_see() {
        let observer = Profile::Observer.scopes();
        let seen = Grant::agent([Scope::AppsRead, Scope::MetricsRead]);
        let (line, observed) = requested_scopes(observer, &seen);
        assert_eq!(line, "apps:read, logs:read, metrics:read");
        assert_eq!(observed, None);

        let less = Grant::agent([Scope::AppsRead]);
        let (_, observed) = requested_scopes(observer, &less);
        assert_eq!(
            observed.as_deref(),
            Some(format!("apps:read ({LOGS_READ_NOTE})").as_str())
        );
    }

    #[test]
    fn observed_lines_mention_logs_read_only_when_it_is_invisible() {
        let logs_only = Grant::agent([Scope::LogsRead, Scope::MetricsRead]);
        assert_eq!(scopes_line(&logs_only), "logs:read, metrics:read");
        let apps = Grant::agent([Scope::AppsRead]);
        assert!(scopes_line(&apps).contains("logs:read cannot be observed"));
        assert_eq!(unobservable_scopes(&apps), vec![Scope::LogsRead]);
        assert!(unobservable_scopes(&logs_only).is_empty());
    }
}
