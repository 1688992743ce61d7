//! What `paas mcp` does with the admin token, said once for `paas status`, `paas tools` and
//! `paas doctor`.
//!
//! The entry `paas setup` writes has no `--allow-admin-token`, so with the admin token the
//! assistant gets `paas_status` and nothing else. Reporting the admin token's full reach
//! instead ("92 available") would promise tools the assistant never sees; the reports say
//! what is served by default and, separately, what the flag would add.

use serde::Serialize;

use crate::catalog::{self, Grant, ToolDef};
use crate::cli::session;
use crate::config::{self, Credentials, TokenSource};
use crate::mcp::filter::STATUS_TOOL;

/// The warning about the admin token (doctor's check, the status and tools notes).
pub const REFUSED: &str = "this is the admin token: paas mcp refuses it unless --allow-admin-token";

/// Why a tool is hidden when the token is the admin token.
pub const HIDDEN_REASON: &str =
    "paas mcp refuses the admin token (it serves this with --allow-admin-token)";

/// Whether `tool` is withheld from `grant` because `paas mcp` (without
/// `--allow-admin-token`) refuses the admin token; it still serves `paas_status`, which says why.
pub fn withholds(tool: &ToolDef, grant: &Grant) -> bool {
    grant.admin && tool.name != STATUS_TOOL
}

/// The tools `paas mcp --allow-admin-token` would serve to `grant`; `None` for an agent token,
/// which the flag does not change.
pub fn served_with_flag(grant: &Grant) -> Option<Vec<&'static str>> {
    grant.admin.then(|| {
        catalog::all()
            .iter()
            .filter(|tool| tool.guard.allows(grant))
            .map(|tool| tool.name)
            .collect()
    })
}

/// The one-line consequence for the reports: what the assistant gets, and what the flag adds.
pub fn consequence(grant: &Grant) -> Option<String> {
    let with_flag = served_with_flag(grant)?;
    Some(format!(
        "{REFUSED}, so your assistant gets only {STATUS_TOOL}; with paas mcp \
         --allow-admin-token it would get all {} tools, the admin-only ones (agents, audit \
         logs) included",
        with_flag.len()
    ))
}

/// The admin-token part of `paas status --json` and `paas tools --json`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Facts {
    /// `paas mcp` without `--allow-admin-token` refuses this token and serves only
    /// `paas_status`.
    pub admin_token_refused: bool,
    /// The tools `paas mcp --allow-admin-token` would serve; `null` for an agent token.
    pub tools_with_allow_admin_token: Option<Vec<&'static str>>,
    /// [`consequence`], for scripts that relay it.
    pub admin_token_note: Option<String>,
}

/// The [`Facts`] about `grant` (all empty when no grant is known).
pub fn facts(grant: Option<&Grant>) -> Facts {
    Facts {
        admin_token_refused: grant.is_some_and(|g| g.admin),
        tools_with_allow_admin_token: grant.and_then(served_with_flag),
        admin_token_note: grant.and_then(consequence),
    }
}

/// What to do instead of handing the assistant the admin token.
pub fn fix(credentials: &Credentials) -> String {
    if credentials.source == TokenSource::Env {
        format!(
            "put a scoped agent's token in {} instead of the admin token",
            config::ENV_TOKEN
        )
    } else {
        format!(
            "connect a scoped agent instead: paas connect {}{}",
            credentials.url,
            session::context_flag(credentials)
        )
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::catalog::{Profile, Scope};

    #[test]
    fn only_the_admin_token_is_refused() {
        let admin = Grant::admin();
        let status = catalog::find(STATUS_TOOL).unwrap();
        let list_apps = catalog::find("list_apps").unwrap();
        assert!(!withholds(status, &admin));
        assert!(withholds(list_apps, &admin));
        assert_eq!(
            served_with_flag(&admin).unwrap().len(),
            catalog::all().len()
        );
        assert!(consequence(&admin).unwrap().contains("only paas_status"));

        let operator = Grant::agent(Profile::Operator.scopes().iter().copied());
        assert!(!withholds(list_apps, &operator));
        assert_eq!(served_with_flag(&operator), None);
        assert_eq!(consequence(&Grant::agent([Scope::AppsRead])), None);
    }
}
