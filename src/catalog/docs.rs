//! The README tool table, generated from the catalogue so it can never drift (CI
//! regenerates it and checks `git diff`).

use super::{Guard, all};

/// A Markdown table: name, toolset, access, required scopes, route; one row per tool in
/// catalogue order. Scope groups render as `a + b` (all of) and `a | b` (any of).
pub fn markdown_table() -> String {
    let mut out = String::from(
        "| Tool | Toolset | Access | Required scopes | Route |\n|---|---|---|---|---|\n",
    );
    for tool in all() {
        let scopes = scopes_text(&tool.guard);
        let aliases = if tool.aliases.is_empty() {
            String::new()
        } else {
            format!(
                " (alias {})",
                tool.aliases
                    .iter()
                    .map(|a| format!("`{a}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        };
        out.push_str(&format!(
            "| `{}`{aliases} | {} | {} | {scopes} | `{} {}` |\n",
            tool.name,
            tool.toolset.as_str(),
            tool.access.as_str(),
            tool.route.method.as_str(),
            tool.route.path
        ));
    }
    out
}

/// How a guard reads in docs and `paas tools`: `apps:read + apps:write`, `apps:read | logs:read`,
/// `admin token`, or `any token`.
pub fn scopes_text(guard: &Guard) -> String {
    match guard {
        Guard::Admin => "admin token".to_owned(),
        Guard::Scopes([]) => "any token".to_owned(),
        Guard::Scopes(groups) => groups
            .iter()
            .map(|g| {
                g.iter()
                    .map(|s| format!("`{}`", s.as_str()))
                    .collect::<Vec<_>>()
                    .join(" \\| ")
            })
            .collect::<Vec<_>>()
            .join(" + "),
    }
}
