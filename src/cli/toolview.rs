//! Which catalogue tools a grant gets, and for the others what would unlock them. Used by
//! `paas status`, `paas tools` and `paas doctor`; the catalogue is the only source.

use serde::Serialize;

use crate::catalog::{self, Grant, Guard, ToolDef};
use crate::cli::admin_token;
use crate::cli::scopes_view::unlock_hint;

/// `apps:read + (apps:read | logs:read)`, `any valid token`, or `admin token`.
pub fn guard_text(guard: &Guard) -> String {
    match guard {
        Guard::Admin => "admin token".to_owned(),
        Guard::Scopes([]) => "any valid token".to_owned(),
        Guard::Scopes(groups) => groups
            .iter()
            .map(|group| {
                let names: Vec<&str> = group.iter().map(|s| s.as_str()).collect();
                if names.len() > 1 {
                    format!("({})", names.join(" | "))
                } else {
                    names.join("")
                }
            })
            .collect::<Vec<_>>()
            .join(" + "),
    }
}

/// Why `tool` is hidden for `grant`, or `None` when it is available: what `paas mcp` as
/// `paas setup` writes it serves, so the admin token gets `paas_status` alone.
pub fn hidden_reason(tool: &ToolDef, grant: &Grant) -> Option<String> {
    if admin_token::withholds(tool, grant) {
        return Some(admin_token::HIDDEN_REASON.to_owned());
    }
    if tool.guard.allows(grant) {
        return None;
    }
    Some(match tool.guard {
        Guard::Admin => {
            "admin-only: needs the admin token and paas mcp --allow-admin-token".to_owned()
        }
        Guard::Scopes(groups) => match grant.first_missing(groups) {
            Some(scope) => format!("needs {}", unlock_hint(scope)),
            None => "not permitted".to_owned(),
        },
    })
}

/// One catalogue row for `paas tools --json` and `paas status --json`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ToolRow {
    pub name: &'static str,
    pub title: &'static str,
    pub toolset: &'static str,
    pub access: &'static str,
    /// Human form of the guard.
    pub requires: String,
    /// `None` when no grant is known (not connected).
    pub available: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hidden_reason: Option<String>,
}

pub fn rows(grant: Option<&Grant>) -> Vec<ToolRow> {
    catalog::all()
        .iter()
        .map(|tool| {
            let hidden = grant.and_then(|g| hidden_reason(tool, g));
            ToolRow {
                name: tool.name,
                title: tool.title,
                toolset: tool.toolset.as_str(),
                access: tool.access.as_str(),
                requires: guard_text(&tool.guard),
                available: grant.map(|_| hidden.is_none()),
                hidden_reason: hidden,
            }
        })
        .collect()
}

/// Example requests for an assistant, each with the tool that carries it out.
const EXAMPLE_PROMPTS: &[(&str, &str)] = &[
    ("List my Better-PaaS apps", "list_apps"),
    ("Show the last 100 log lines of my-app", "read_logs"),
    ("Redeploy my-app and tell me when it is running", "redeploy"),
    ("How much CPU and memory do my apps use?", "app_metrics"),
];

/// Asked when no example fits the token (every token gets `paas_status`).
const FALLBACK_PROMPT: &str = "What can you do on my Better-PaaS?";

/// Up to three example requests that the tools of `grant` can carry out (all of the usual
/// ones when the grant is unknown), so no suggestion runs into a missing scope.
pub fn example_prompts(grant: Option<&Grant>) -> Vec<&'static str> {
    let fits = |tool: &str| match (grant, catalog::find(tool)) {
        (None, _) => true,
        (Some(g), Some(def)) => def.guard.allows(g),
        (Some(_), None) => false,
    };
    let mut prompts: Vec<&'static str> = EXAMPLE_PROMPTS
        .iter()
        .filter(|(_, tool)| fits(tool))
        .map(|(prompt, _)| *prompt)
        .take(3)
        .collect();
    if prompts.is_empty() {
        prompts.push(FALLBACK_PROMPT);
    }
    prompts
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::{Profile, Scope};

    #[test]
    fn examples_follow_the_grant() {
        let observer = Grant::agent(Profile::Observer.scopes().iter().copied());
        let prompts = example_prompts(Some(&observer));
        assert!(
            prompts.iter().all(|p| !p.contains("Redeploy")),
            "{prompts:?}"
        );
        assert!(prompts.contains(&"List my Better-PaaS apps"));
        let deployer = Grant::agent(Profile::Deployer.scopes().iter().copied());
        assert!(
            example_prompts(Some(&deployer))
                .iter()
                .any(|p| p.contains("Redeploy"))
        );
        let cron = Grant::agent([Scope::CronManage]);
        assert_eq!(example_prompts(Some(&cron)), vec![FALLBACK_PROMPT]);
        assert_eq!(example_prompts(None).len(), 3);
    }
}
