//! Agent tokens (spec §3.12): admin token only, so these tools appear only when the server
//! runs with the admin token and `--allow-admin-token`. New tokens are shown once, in the
//! answer to the call that made them.

use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::{Value, json};

use super::{NoArgs, array, def, get, list_output, output, post, schema, str_field};
use crate::catalog::resolve::{closest, pick};
use crate::catalog::{
    Access, Guard, Method, Scope, ToolContext, ToolDef, ToolError, ToolOutput, Toolset,
};

pub const TOOLS: &[ToolDef] = &[
    ToolDef {
        description: "List agent tokens: id, name, scopes, creation and last use (never the tokens).",
        ..def(
            "list_agents",
            "List agents",
            Toolset::Agents,
            Access::Read,
            Guard::Admin,
            Method::Get,
            "/api/agents",
            schema::<NoArgs>,
            handler!(list_agents),
        )
    },
    ToolDef {
        description: "Create an agent token with the given scopes (or a profile: observer, deployer, operator). The token is in the answer ONCE; store it safely and never echo it.",
        ..def(
            "create_agent",
            "Create agent",
            Toolset::Agents,
            Access::Write,
            Guard::Admin,
            Method::Post,
            "/api/agents/create",
            schema::<CreateAgentArgs>,
            handler!(create_agent),
        )
    },
    ToolDef {
        description: "Replace an agent's token (same scopes); the old token stops working immediately. The new token is in the answer ONCE.",
        ..def(
            "rotate_agent",
            "Rotate agent token",
            Toolset::Agents,
            Access::Write,
            Guard::Admin,
            Method::Post,
            "/api/agents/rotate",
            schema::<AgentArgs>,
            handler!(rotate_agent),
        )
    },
    ToolDef {
        description: "Delete an agent; its token stops working immediately. Cannot be undone.",
        idempotent: true,
        ..def(
            "delete_agent",
            "Delete agent",
            Toolset::Agents,
            Access::Destructive,
            Guard::Admin,
            Method::Post,
            "/api/agents/delete",
            schema::<AgentArgs>,
            handler!(delete_agent),
        )
    },
];

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AgentArgs {
    /// Agent name or id, as shown by list_agents.
    pub agent: String,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateAgentArgs {
    /// Agent name, e.g. "claude-laptop".
    pub name: String,
    /// Scopes, e.g. ["apps:read", "logs:read"]. Valid: apps:read, apps:write, apps:delete, addons:manage, servers:manage, deploy:trigger, logs:read, metrics:read, system:manage, cron:manage, backups:manage, notifications:manage, agent:admin.
    #[serde(default)]
    pub scopes: Option<Vec<String>>,
    /// Instead of scopes: observer, deployer or operator.
    #[serde(default)]
    pub profile: Option<String>,
}

async fn list_agents(ctx: &ToolContext, _: NoArgs) -> Result<ToolOutput, ToolError> {
    let items = array(get(ctx, "/api/agents", &[]).await?)
        .iter()
        .map(|a| super::project(a, &["id", "name", "scopes", "createdAt", "lastUsedAt"]))
        .collect();
    Ok(list_output("agents", items, "No agents."))
}

async fn create_agent(ctx: &ToolContext, args: CreateAgentArgs) -> Result<ToolOutput, ToolError> {
    let scopes: Vec<String> = match (&args.scopes, &args.profile) {
        (Some(_), Some(_)) => {
            return Err(ToolError::InvalidArguments(
                "pass scopes or profile, not both".to_owned(),
            ));
        }
        (Some(scopes), None) => {
            for s in scopes {
                s.parse::<Scope>()
                    .map_err(|e| ToolError::InvalidArguments(e.to_string()))?;
            }
            scopes.clone()
        }
        (None, Some(profile)) => profile
            .parse::<crate::catalog::Profile>()
            .map_err(ToolError::InvalidArguments)?
            .scopes()
            .iter()
            .map(|s| s.as_str().to_owned())
            .collect(),
        (None, None) => {
            return Err(ToolError::InvalidArguments(
                "pass scopes (e.g. [\"apps:read\"]) or a profile (observer, deployer, operator)"
                    .to_owned(),
            ));
        }
    };
    let created = post(
        ctx,
        "/api/agents/create",
        json!({ "name": args.name, "scopes": scopes }),
    )
    .await?;
    let text = format!(
        "Created agent {} ({}) with scopes {}. Its token (shown once): {}",
        str_field(&created, "name"),
        str_field(&created, "id"),
        scopes.join(", "),
        str_field(&created, "token")
    );
    Ok(output(created, text))
}

async fn find_agent(ctx: &ToolContext, query: &str) -> Result<(String, String), ToolError> {
    let agents = array(get(ctx, "/api/agents", &[]).await?);
    let names: Vec<String> = agents
        .iter()
        .map(|a| str_field(a, "name").to_owned())
        .collect();
    match pick(crate::catalog::resolve::Kind::App, query, agents) {
        Ok(found) => Ok((found.id, found.name)),
        Err(_) => Err(ToolError::NotFound {
            kind: "agent",
            query: query.to_owned(),
            suggestions: closest(query, &names, 3),
        }),
    }
}

async fn rotate_agent(ctx: &ToolContext, args: AgentArgs) -> Result<ToolOutput, ToolError> {
    let (id, name) = find_agent(ctx, &args.agent).await?;
    let rotated = post(ctx, "/api/agents/rotate", json!({ "id": id })).await?;
    let text = format!(
        "Rotated agent {name} ({id}); the old token no longer works. New token (shown once): {}",
        str_field(&rotated, "token")
    );
    Ok(output(rotated, text))
}

async fn delete_agent(ctx: &ToolContext, args: AgentArgs) -> Result<ToolOutput, ToolError> {
    let (id, name) = find_agent(ctx, &args.agent).await?;
    let answer = post(ctx, "/api/agents/delete", json!({ "id": id })).await?;
    Ok(output(
        json!({ "id": id, "name": name, "status": answer.get("status").cloned().unwrap_or(Value::Null) }),
        format!("Deleted agent {name} ({id}); its token no longer works"),
    ))
}
