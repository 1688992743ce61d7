//! Agent tokens (spec §3.12): admin token only, so these tools appear only when the server
//! runs with the admin token and `--allow-admin-token`.
//!
//! A new token (create, rotate) never goes into the answer, which the model and the chat
//! transcript would keep: it goes into the user's credential store through the
//! [`TokenVault`](crate::catalog::TokenVault), as a named `paas` context, and the answer
//! names that context and the commands that use it.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::{NoArgs, array, def, get, list_output, output, post, result_schema, schema, str_field};
use crate::api::Token;
use crate::catalog::resolve::{closest, pick};
use crate::catalog::{
    Access, AgentIdentity, Guard, Method, Scope, StoredToken, ToolContext, ToolDef, ToolError,
    ToolOutput, Toolset,
};

pub const TOOLS: &[ToolDef] = &[
    ToolDef {
        description: "List agent tokens: id, name, scopes, creation and last use (never the tokens).",
        output_schema: Some(result_schema::<AgentListOutput>),
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
        description: "Create an agent with the given scopes (or a profile: observer, deployer, operator). Its token is never returned: it is stored in the user's credential store (OS keychain, else ~/.paas/config.json) as the paas context agent-<name>. The answer names that context and the commands the user runs to use it (paas env / paas mcp / paas setup --context <context>).",
        output_schema: Some(result_schema::<AgentTokenOutput>),
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
        description: "Replace an agent's token (same scopes); the old token stops working immediately. The new token is never returned: it is stored in the user's credential store, in the paas context that already holds this agent or else a new agent-<name> context, which the answer names with the commands to use it.",
        output_schema: Some(result_schema::<AgentTokenOutput>),
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
        output_schema: Some(result_schema::<AgentDeleted>),
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

/// Output of list_agents.
#[derive(JsonSchema)]
#[allow(dead_code)]
pub struct AgentListOutput {
    /// Agents, newest first.
    agents: Vec<Agent>,
    /// Number of agents.
    count: usize,
}

/// An agent (a scoped token holder; spec §6.8).
#[derive(JsonSchema)]
#[serde(rename_all = "camelCase")]
#[allow(dead_code)]
pub struct Agent {
    /// Agent id (the actorId of its audit entries).
    id: String,
    /// Agent name.
    name: Option<String>,
    /// Its scopes.
    scopes: Option<Vec<String>>,
    /// Creation time (RFC 3339).
    created_at: Option<String>,
    /// Last use (RFC 3339; year 1 = never).
    last_used_at: Option<String>,
}

/// Output of delete_agent.
#[derive(JsonSchema)]
#[allow(dead_code)]
pub struct AgentDeleted {
    /// Agent id.
    id: String,
    /// Agent name.
    name: String,
    /// deleted.
    status: super::OrNull<String>,
}

/// Output of create_agent and rotate_agent. Never contains the token.
#[derive(Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct AgentTokenOutput {
    /// Agent id.
    pub id: String,
    /// Agent name.
    pub name: String,
    /// The agent's scopes.
    pub scopes: Vec<String>,
    /// The paas context that holds the new token (the token itself is never returned).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub context: Option<String>,
    /// Where that context's token is kept: the OS keychain or ~/.paas/config.json.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub token_store: Option<String>,
    /// Commands the user runs to use the token (they print or use it outside the chat).
    pub commands: Vec<String>,
    /// Set when the token could not be stored: it is lost, and what to do about it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub problem: Option<String>,
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
    let agent = NewToken {
        id: str_field(&created, "id").to_owned(),
        name: str_field(&created, "name").to_owned(),
        scopes,
        token: Token::new(str_field(&created, "token")),
    };
    let stored = store(ctx, &agent).await;
    let done = format!(
        "Created agent {} ({}) with {}.",
        agent.name,
        agent.id,
        if agent.scopes.is_empty() {
            "no scopes (it can only reach the routes open to any valid token)".to_owned()
        } else {
            format!("scopes {}", agent.scopes.join(", "))
        }
    );
    Ok(token_output(agent, stored, &done, "The agent exists"))
}

/// A token just issued by the PaaS, with the agent it belongs to.
struct NewToken {
    id: String,
    name: String,
    scopes: Vec<String>,
    token: Token,
}

/// Hand the token to the vault, off the async runtime (keychain and file I/O block).
async fn store(ctx: &ToolContext, agent: &NewToken) -> Result<StoredToken, String> {
    let Some(vault) = ctx.vault.clone() else {
        return Err("this server has no credential store".to_owned());
    };
    if agent.token.is_empty() {
        return Err("the PaaS answer held no token".to_owned());
    }
    let url = ctx.api.base_url();
    let (id, name, scopes, token) = (
        agent.id.clone(),
        agent.name.clone(),
        agent.scopes.clone(),
        agent.token.clone(),
    );
    tokio::task::spawn_blocking(move || {
        vault.store_agent_token(
            AgentIdentity {
                url: &url,
                id: &id,
                name: &name,
                scopes: &scopes,
            },
            &token,
        )
    })
    .await
    .unwrap_or_else(|e| Err(format!("storing the token failed: {e}")))
}

/// The answer for a new token: where it went and how to use it, or that it is lost and how
/// to get another. The token itself is dropped here.
fn token_output(
    agent: NewToken,
    stored: Result<StoredToken, String>,
    done: &str,
    lost_prefix: &str,
) -> ToolOutput {
    let NewToken {
        id, name, scopes, ..
    } = agent;
    let (out, text) = match stored {
        Ok(stored) => {
            let ctx = &stored.context;
            let commands = vec![
                format!("paas env --context {ctx} --reveal"),
                format!("paas mcp --context {ctx}"),
                format!("paas setup --context {ctx}"),
            ];
            let text = format!(
                "{done} Its token was stored {} the paas context \"{ctx}\" ({}); it is never shown \
                 here. The user can: print it for a shell with `{}`; serve it over MCP with `{}`; \
                 add that MCP server to their editors with `{}` (--client NAME for one editor).",
                if stored.updated { "in" } else { "as" },
                stored.store,
                commands[0],
                commands[1],
                commands[2]
            );
            let out = AgentTokenOutput {
                id,
                name,
                scopes,
                context: Some(stored.context),
                token_store: Some(stored.store),
                commands,
                problem: None,
            };
            (out, text)
        }
        Err(problem) => {
            let problem = format!(
                "{lost_prefix}, but its new token could not be stored ({problem}) and is never \
                 shown here, so it is lost. Fix the problem, then call rotate_agent with agent \
                 \"{name}\" to issue and store a new token."
            );
            let text = format!("{done} {problem}");
            let out = AgentTokenOutput {
                id,
                name,
                scopes,
                context: None,
                token_store: None,
                commands: Vec::new(),
                problem: Some(problem),
            };
            (out, text)
        }
    };
    output(serde_json::to_value(&out).unwrap_or(Value::Null), text)
}

/// Resolve an agent name or id; returns (id, name, scopes).
async fn find_agent(
    ctx: &ToolContext,
    query: &str,
) -> Result<(String, String, Vec<String>), ToolError> {
    let agents = array(get(ctx, "/api/agents", &[]).await?);
    let names: Vec<String> = agents
        .iter()
        .map(|a| str_field(a, "name").to_owned())
        .collect();
    let scopes_of = |id: &str| -> Vec<String> {
        agents
            .iter()
            .find(|a| str_field(a, "id") == id)
            .and_then(|a| a.get("scopes"))
            .and_then(Value::as_array)
            .map(|s| {
                s.iter()
                    .filter_map(|v| v.as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default()
    };
    match pick(crate::catalog::resolve::Kind::App, query, agents.clone()) {
        Ok(found) => {
            let scopes = scopes_of(&found.id);
            Ok((found.id, found.name, scopes))
        }
        Err(_) => Err(ToolError::NotFound {
            kind: "agent",
            query: query.to_owned(),
            suggestions: closest(query, &names, 3),
        }),
    }
}

async fn rotate_agent(ctx: &ToolContext, args: AgentArgs) -> Result<ToolOutput, ToolError> {
    let (id, name, scopes) = find_agent(ctx, &args.agent).await?;
    let rotated = post(ctx, "/api/agents/rotate", json!({ "id": id })).await?;
    let agent = NewToken {
        id,
        name,
        scopes,
        token: Token::new(str_field(&rotated, "token")),
    };
    let stored = store(ctx, &agent).await;
    let done = format!(
        "Rotated agent {} ({}); the old token no longer works.",
        agent.name, agent.id
    );
    Ok(token_output(agent, stored, &done, "The agent was rotated"))
}

async fn delete_agent(ctx: &ToolContext, args: AgentArgs) -> Result<ToolOutput, ToolError> {
    let (id, name, _) = find_agent(ctx, &args.agent).await?;
    let answer = post(ctx, "/api/agents/delete", json!({ "id": id })).await?;
    Ok(output(
        json!({ "id": id, "name": name, "status": answer.get("status").cloned().unwrap_or(Value::Null) }),
        format!("Deleted agent {name} ({id}); its token no longer works"),
    ))
}
