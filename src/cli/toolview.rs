//! Which catalogue tools a grant gets, and for the others what would unlock them. Used by
//! `paas status`, `paas tools` and `paas doctor`; the catalogue is the only source.

use serde::Serialize;

use crate::catalog::{self, Grant, Guard, ToolDef};
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

/// Why `tool` is hidden for `grant`, or `None` when it is available.
pub fn hidden_reason(tool: &ToolDef, grant: &Grant) -> Option<String> {
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
