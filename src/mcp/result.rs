//! The one place where tool outcomes become MCP results.
//!
//! A tool that ran and failed is `Ok(CallToolResult { is_error: true })` with a sentence the
//! model can act on (which scope, which profile, what to run, when to retry). Only requests
//! the server cannot route at all (an unknown tool name) become JSON-RPC errors, and those
//! are built in `server.rs`.

use rmcp::model::{CallToolResult, ContentBlock};

use crate::api::ApiError;
use crate::catalog::{Profile, Scope, ToolError, ToolOutput};

/// A mapped failure, plus whether the token's scopes should be probed again (the server
/// said the token lost a scope or was rejected).
#[derive(Debug)]
pub struct Mapped {
    pub result: CallToolResult,
    pub reprobe: bool,
}

/// What the failure sentences depend on beyond the error itself: this server's token.
#[derive(Clone, Debug, Default)]
pub struct CallFacts {
    /// The token may list apps, projects and add-ons (`apps:read`), so a miss was looked up
    /// by name; without it a name was tried as an id and the model must pass ids.
    pub can_list_names: bool,
    /// What the user does about a rejected token (from where this server's token came:
    /// `paas connect`, a token file, or the environment, which needs a restart).
    pub renew_advice: Option<String>,
}

/// A successful call: the text rendering for every client, `structuredContent` for clients
/// that read it (only objects are allowed there by the MCP schema).
pub fn success(output: ToolOutput) -> CallToolResult {
    let mut result = CallToolResult::success(vec![ContentBlock::text(output.text)]);
    if output.structured.is_object() {
        result.structured_content = Some(output.structured);
    }
    result
}

/// A tool-level error with one text block.
pub fn error_text(message: impl Into<String>) -> CallToolResult {
    CallToolResult::error(vec![ContentBlock::text(message.into())])
}

/// Map a failed tool call to a result the model can act on.
pub fn failure(tool: &str, error: &ToolError, facts: &CallFacts) -> Mapped {
    let (message, reprobe) = match error {
        ToolError::InvalidArguments(detail) => (
            format!(
                "Invalid arguments for {tool}: {detail}. Check the tool's input schema and call it again with corrected arguments."
            ),
            false,
        ),
        ToolError::NotFound {
            kind,
            query,
            suggestions,
        } => {
            let by_name = matches!(*kind, "app" | "project" | "add-on");
            let hint = if !suggestions.is_empty() {
                format!("Closest names: {}.", suggestions.join(", "))
            } else if by_name && !facts.can_list_names {
                format!(
                    "This token cannot look up {kind}s by name (listing them needs the scope \
                     apps:read), so {query:?} was tried as an id and no {kind} has that id. Pass \
                     the {kind}'s id (ask the user for it), or reconnect with a profile that \
                     grants apps:read."
                )
            } else if *kind == "template" {
                "list_templates shows the template ids.".to_owned()
            } else if *kind == "cron job" {
                "list_cron_jobs shows the cron jobs and their ids.".to_owned()
            } else if *kind == "deployment" {
                "It is not one of this app's deployments; list_deployments shows them with their ids.".to_owned()
            } else {
                format!("No {kind} has a similar name; list them first to see what exists.")
            };
            (format!("{kind} {query:?} not found. {hint}"), false)
        }
        ToolError::Local(detail) => (
            format!("{tool} failed before reaching the PaaS: {detail}"),
            false,
        ),
        ToolError::Reported(detail) => (detail.clone(), false),
        ToolError::Api(api) => api_message(tool, api, facts),
    };
    let mut result = error_text(message);
    if let ToolError::NotFound { suggestions, .. } = error
        && !suggestions.is_empty()
    {
        result.structured_content = Some(serde_json::json!({ "suggestions": suggestions }));
    }
    Mapped { result, reprobe }
}

/// The sentence for a failed REST call, and whether to re-probe the token's scopes.
fn api_message(tool: &str, error: &ApiError, facts: &CallFacts) -> (String, bool) {
    match error {
        ApiError::MissingScope { scope } => (missing_scope(tool, scope), true),
        ApiError::Unauthorized => (
            format!(
                "The PaaS rejected the token (401 Unauthorized): the agent was deleted or its \
                 token was rotated. Ask the user to fix it: {}. Do not retry this call: repeated \
                 rejected tokens lock this machine out.",
                facts
                    .renew_advice
                    .as_deref()
                    .unwrap_or("run `paas connect <url>` to get a new agent token")
            ),
            true,
        ),
        ApiError::AdminRequired => (
            format!(
                "{tool} needs the admin token (403 Forbidden: admin token required). Agent tokens \
                 can never call it; an administrator has to do this in the dashboard."
            ),
            true,
        ),
        ApiError::RateLimited {
            message,
            retry_after,
        } => (
            format!(
                "The PaaS is rate limiting requests (429: {message}). Wait {} s, then retry once.",
                retry_after.as_secs().max(1)
            ),
            false,
        ),
        ApiError::Status {
            status: 404,
            message,
        } if !facts.can_list_names => (
            format!(
                "Not found (HTTP 404): {message}. This token cannot look up apps, projects or \
                 add-ons by name (listing them needs the scope apps:read), so names were tried as \
                 ids: pass the ids (ask the user for them), or reconnect with a profile that \
                 grants apps:read."
            ),
            false,
        ),
        ApiError::Status {
            status: 404,
            message,
        } => (
            format!(
                "Not found (HTTP 404): {message}. The name or id may be wrong or the resource was \
                 deleted; list the resources to see what exists."
            ),
            false,
        ),
        ApiError::Status { status, message } if *status >= 500 => (
            format!(
                "The PaaS failed while handling {tool} (HTTP {status}): {message}. This is a \
                 server-side error, not a problem with the arguments; retry later or check the \
                 PaaS logs."
            ),
            false,
        ),
        // Not an auth failure (spec §1.5): the PaaS has no GitHub token of its own.
        ApiError::Status {
            status: 401,
            message,
        } if message.contains("GitHub token") => (
            format!(
                "{tool} needs the PaaS's own GitHub token, and none is configured ({message}). \
                 This is not about the agent token, which works: an administrator must save a \
                 GitHub token in the dashboard settings. Deploying a public repository by its \
                 URL works without it."
            ),
            false,
        ),
        ApiError::Status { status, message } => (
            format!("The PaaS refused {tool} (HTTP {status}): {message}."),
            false,
        ),
        ApiError::Unreachable { url, detail } => (
            format!(
                "Could not reach the PaaS at {url} ({detail}). Check that it is running and \
                 reachable (`paas status`), then retry."
            ),
            false,
        ),
        ApiError::Timeout { timeout } => (
            format!(
                "The PaaS did not answer {tool} within {} s. It may be overloaded; the action may \
                 or may not have happened, so check its state before retrying.",
                timeout.as_secs()
            ),
            false,
        ),
        ApiError::Malformed { status, detail } => (
            format!(
                "The PaaS answered {tool} with HTTP {status} but the body was not the JSON \
                 expected ({detail}). The action may have happened; check its state before retrying."
            ),
            false,
        ),
        ApiError::Invalid(detail) => (
            format!("{tool} could not build the request: {detail}"),
            false,
        ),
    }
}

/// 403 `missing scope X`: name the scope and the smallest connect profile that grants it.
pub fn missing_scope(tool: &str, scope: &str) -> String {
    let fix = match scope
        .parse::<Scope>()
        .ok()
        .and_then(Profile::smallest_granting)
    {
        Some(profile) => format!(
            "Reconnect with a profile that grants it: `paas connect <url> --profile {profile}`."
        ),
        None => "No connect profile grants it: an administrator must create an agent with this \
                 scope (POST /api/agents/create)."
            .to_owned(),
    };
    format!(
        "This token lacks the scope {scope} needed by {tool} (403 Forbidden: missing scope \
         {scope}). The token's permissions changed since the tool list was built; the list is \
         being refreshed. {fix}"
    )
}
