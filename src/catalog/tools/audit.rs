//! The PaaS audit log (spec §5): admin token only. No filters exist upstream; filtering by
//! actor or action here is done on the newest ≤500 entries.

use schemars::JsonSchema;
use serde::Deserialize;

use super::{array, def, get, list_output, result_schema, schema, str_field};
use crate::catalog::{Access, Guard, Method, ToolContext, ToolDef, ToolError, ToolOutput, Toolset};

pub const TOOLS: &[ToolDef] = &[ToolDef {
    description: "Read the PaaS audit log, newest first: who (admin or agent id) did what (action, resource type), from which IP, when. Only mutating requests are recorded.",
    output_schema: Some(result_schema::<AuditLogOutput>),
    ..def(
        "audit_logs",
        "Audit log",
        Toolset::Audit,
        Access::Read,
        Guard::Admin,
        Method::Get,
        "/api/audit-logs",
        schema::<AuditArgs>,
        handler!(audit_logs),
    )
}];

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct AuditArgs {
    /// Number of newest entries to read, 1-500 (default 50).
    #[serde(default, deserialize_with = "super::lenient_count")]
    pub limit: Option<u32>,
    /// Only entries by this actor id ("admin" or an agent id from list_agents).
    #[serde(default)]
    pub actor_id: Option<String>,
    /// Only entries whose action contains this text, e.g. "app:" or "deploy".
    #[serde(default)]
    pub action: Option<String>,
}

/// Output of audit_logs.
#[derive(JsonSchema)]
#[allow(dead_code)]
pub struct AuditLogOutput {
    /// Entries, newest first.
    entries: Vec<AuditEntry>,
    /// Number of entries.
    count: usize,
}

/// One audit entry (spec §5).
#[derive(JsonSchema)]
#[serde(rename_all = "camelCase")]
#[allow(dead_code)]
pub struct AuditEntry {
    /// Entry id.
    id: Option<String>,
    /// admin or agent.
    actor_type: Option<String>,
    /// "admin" or the agent id.
    actor_id: Option<String>,
    /// What was done, e.g. app:deploy.
    action: Option<String>,
    /// app, addon, project, server… or "".
    resource_type: Option<String>,
    /// success.
    outcome: Option<String>,
    /// Client IP address.
    ip_address: Option<String>,
    /// Time (RFC 3339).
    created_at: Option<String>,
}

async fn audit_logs(ctx: &ToolContext, args: AuditArgs) -> Result<ToolOutput, ToolError> {
    let limit = args.limit.unwrap_or(50).clamp(1, 500);
    let items: Vec<_> = array(get(ctx, "/api/audit-logs", &[("limit", limit.to_string())]).await?)
        .into_iter()
        .filter(|e| {
            args.actor_id
                .as_deref()
                .is_none_or(|a| str_field(e, "actorId") == a)
        })
        .filter(|e| {
            args.action
                .as_deref()
                .is_none_or(|a| str_field(e, "action").contains(a))
        })
        .collect();
    Ok(list_output("entries", items, "No audit entries."))
}
