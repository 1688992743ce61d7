//! Servers (remote Docker hosts over SSH) and the Cloudflare connection (spec §3.5). All
//! need `servers:manage`.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use super::outputs::{Answer, Outcome};
use super::{
    NoArgs, array, check_name, def, get, json_output, list_output, output, post, project, put_opt,
    result_schema, schema, str_field,
};
use crate::catalog::resolve::{Kind, resolve};
use crate::catalog::{
    Access, Guard, Method, Scope, ToolContext, ToolDef, ToolError, ToolOutput, Toolset,
};

const MANAGE: Guard = Guard::Scopes(&[&[Scope::ServersManage]]);

const SERVER_SUMMARY: &[&str] = &[
    "id",
    "name",
    "description",
    "ip",
    "port",
    "sshUser",
    "isLocal",
    "status",
    "lastChecked",
    "publicKey",
];

pub const TOOLS: &[ToolDef] = &[
    ToolDef {
        description: "List the servers apps can run on (\"localhost\" is the PaaS host) with address and connection status.",
        output_schema: Some(result_schema::<ServerListOutput>),
        ..def(
            "list_servers",
            "List servers",
            Toolset::Servers,
            Access::Read,
            MANAGE,
            Method::Get,
            "/api/servers",
            schema::<NoArgs>,
            handler!(list_servers),
        )
    },
    ToolDef {
        description: "Register an existing machine reachable over SSH. The answer contains the public key to add to its authorized_keys; then run test_server.",
        output_schema: Some(result_schema::<Server>),
        ..def(
            "create_server",
            "Add server",
            Toolset::Servers,
            Access::Write,
            MANAGE,
            Method::Post,
            "/api/servers/create",
            schema::<CreateServerArgs>,
            handler!(create_server),
        )
    },
    ToolDef {
        description: "Create a new cloud VM (Hetzner, DigitalOcean or Vultr) with the given provider API token and register it as a server. Costs money at the provider.",
        output_schema: Some(result_schema::<Server>),
        ..def(
            "create_cloud_server",
            "Create cloud server",
            Toolset::Servers,
            Access::Write,
            MANAGE,
            Method::Post,
            "/api/servers/cloud/create",
            schema::<CreateCloudServerArgs>,
            handler!(create_cloud_server),
        )
    },
    ToolDef {
        description: "Change a server's name and description.",
        output_schema: Some(result_schema::<Outcome>),
        idempotent: true,
        ..def(
            "update_server",
            "Update server",
            Toolset::Servers,
            Access::Write,
            MANAGE,
            Method::Post,
            "/api/servers/update",
            schema::<UpdateServerArgs>,
            handler!(update_server),
        )
    },
    ToolDef {
        description: "Remove a server from the PaaS (not localhost; refused while apps are deployed on it).",
        output_schema: Some(result_schema::<Outcome>),
        idempotent: true,
        ..def(
            "delete_server",
            "Remove server",
            Toolset::Servers,
            Access::Destructive,
            MANAGE,
            Method::Post,
            "/api/servers/delete",
            schema::<ServerArgs>,
            handler!(delete_server),
        )
    },
    ToolDef {
        description: "Test the SSH and Docker connection to a server and record its status.",
        output_schema: Some(result_schema::<ServerTest>),
        idempotent: true,
        ..def(
            "test_server",
            "Test server connection",
            Toolset::Servers,
            Access::Write,
            MANAGE,
            Method::Post,
            "/api/servers/test",
            schema::<ServerArgs>,
            handler!(test_server),
        )
    },
    ToolDef {
        description: "Show the SSH public key to add to a server's authorized_keys.",
        output_schema: Some(result_schema::<PublicKey>),
        ..def(
            "get_server_public_key",
            "Get server SSH key",
            Toolset::Servers,
            Access::Read,
            MANAGE,
            Method::Get,
            "/api/servers/keys/public",
            schema::<ServerArgs>,
            handler!(get_server_public_key),
        )
    },
    ToolDef {
        description: "Whether a Cloudflare API token is saved on the PaaS (for create_dns_record).",
        output_schema: Some(result_schema::<CloudflareStatus>),
        ..def(
            "cloudflare_status",
            "Cloudflare status",
            Toolset::Servers,
            Access::Read,
            MANAGE,
            Method::Get,
            "/api/cloudflare/status",
            schema::<NoArgs>,
            handler!(cloudflare_status),
        )
    },
    ToolDef {
        description: "Save a Cloudflare API token on the PaaS (verified against Cloudflare first).",
        output_schema: Some(result_schema::<Answer>),
        idempotent: true,
        ..def(
            "save_cloudflare_token",
            "Save Cloudflare token",
            Toolset::Servers,
            Access::Write,
            MANAGE,
            Method::Post,
            "/api/cloudflare/token/save",
            schema::<CloudflareTokenArgs>,
            handler!(save_cloudflare_token),
        )
    },
    ToolDef {
        description: "Delete the saved Cloudflare API token.",
        output_schema: Some(result_schema::<Answer>),
        idempotent: true,
        ..def(
            "delete_cloudflare_token",
            "Delete Cloudflare token",
            Toolset::Servers,
            Access::Destructive,
            MANAGE,
            Method::Post,
            "/api/cloudflare/token/delete",
            schema::<NoArgs>,
            handler!(delete_cloudflare_token),
        )
    },
];

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ServerArgs {
    /// Server name or id, as shown by list_servers.
    pub server: String,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct CreateServerArgs {
    /// Display name.
    pub name: String,
    /// IP address or hostname.
    pub ip: String,
    /// SSH port (default 22).
    #[serde(default)]
    pub port: Option<u16>,
    /// SSH user (default "root").
    #[serde(default)]
    pub ssh_user: Option<String>,
    /// Free-text description.
    #[serde(default)]
    pub description: Option<String>,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Provider {
    Hetzner,
    Digitalocean,
    Vultr,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct CreateCloudServerArgs {
    /// Cloud provider: hetzner, digitalocean or vultr.
    pub provider: Provider,
    /// The provider's API token (used once, not stored by the tool).
    pub token: String,
    /// Name of the new server: 2-40 lowercase letters, digits or hyphens.
    pub name: String,
    /// Provider region, e.g. "fsn1" or "nyc3" (default: the provider's).
    #[serde(default)]
    pub region: Option<String>,
    /// Provider size/plan, e.g. "cx22" (default: the provider's smallest).
    #[serde(default)]
    pub size: Option<String>,
    /// OS image (default: the provider's Ubuntu LTS).
    #[serde(default)]
    pub image: Option<String>,
    /// SSH user (default "root").
    #[serde(default)]
    pub ssh_user: Option<String>,
    /// Free-text description.
    #[serde(default)]
    pub description: Option<String>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateServerArgs {
    /// Server name or id.
    pub server: String,
    /// New display name.
    pub name: String,
    /// New description (default: empty).
    #[serde(default)]
    pub description: Option<String>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CloudflareTokenArgs {
    /// Cloudflare API token with DNS edit permission.
    pub token: String,
}

/// Output of list_servers.
#[derive(JsonSchema)]
#[allow(dead_code)]
pub struct ServerListOutput {
    /// The servers.
    servers: Vec<Server>,
    /// Number of servers.
    count: usize,
}

/// A server apps can run on (spec §6.4).
#[derive(JsonSchema)]
#[serde(rename_all = "camelCase")]
#[allow(dead_code)]
pub struct Server {
    /// Server id ("localhost" = the PaaS host).
    id: String,
    /// Display name.
    name: Option<String>,
    /// Description.
    description: Option<String>,
    /// IP address or hostname.
    ip: Option<String>,
    /// SSH port.
    port: Option<i64>,
    /// SSH user.
    ssh_user: Option<String>,
    /// True for the PaaS host itself.
    is_local: Option<bool>,
    /// connected, error or unknown.
    status: Option<String>,
    /// Last connection test (RFC 3339).
    last_checked: Option<String>,
    /// SSH public key to add to the server's authorized_keys (create only).
    public_key: Option<String>,
}

/// Output of test_server (a failed test is a tool error).
#[derive(JsonSchema)]
#[serde(rename_all = "camelCase")]
#[allow(dead_code)]
pub struct ServerTest {
    /// connected.
    status: Option<String>,
    /// Docker version on the server.
    docker_version: Option<String>,
}

/// Output of get_server_public_key.
#[derive(JsonSchema)]
#[serde(rename_all = "camelCase")]
#[allow(dead_code)]
pub struct PublicKey {
    /// SSH public key for authorized_keys ("" for localhost).
    public_key: Option<String>,
}

/// Output of cloudflare_status.
#[derive(JsonSchema)]
#[allow(dead_code)]
pub struct CloudflareStatus {
    /// True when a Cloudflare token is saved.
    connected: Option<bool>,
}

async fn list_servers(ctx: &ToolContext, _: NoArgs) -> Result<ToolOutput, ToolError> {
    let items = array(get(ctx, "/api/servers", &[]).await?)
        .iter()
        .map(|s| project(s, SERVER_SUMMARY))
        .collect();
    Ok(list_output("servers", items, "No servers."))
}

async fn create_server(ctx: &ToolContext, args: CreateServerArgs) -> Result<ToolOutput, ToolError> {
    let mut body = Map::new();
    body.insert("name".to_owned(), args.name.clone().into());
    body.insert("ip".to_owned(), args.ip.clone().into());
    put_opt(&mut body, "port", &args.port);
    put_opt(&mut body, "sshUser", &args.ssh_user);
    put_opt(&mut body, "description", &args.description);
    let server = post(ctx, "/api/servers/create", Value::Object(body)).await?;
    let text = format!(
        "Added server {} ({}). Add this public key to ~/.ssh/authorized_keys of {}@{}, then run test_server:\n{}",
        str_field(&server, "name"),
        str_field(&server, "id"),
        str_field(&server, "sshUser"),
        str_field(&server, "ip"),
        str_field(&server, "publicKey")
    );
    Ok(output(project(&server, SERVER_SUMMARY), text))
}

async fn create_cloud_server(
    ctx: &ToolContext,
    args: CreateCloudServerArgs,
) -> Result<ToolOutput, ToolError> {
    check_name("server", &args.name)?;
    let mut body = Map::new();
    body.insert("provider".to_owned(), json!(args.provider));
    body.insert("token".to_owned(), args.token.clone().into());
    body.insert("name".to_owned(), args.name.clone().into());
    put_opt(&mut body, "region", &args.region);
    put_opt(&mut body, "size", &args.size);
    put_opt(&mut body, "image", &args.image);
    put_opt(&mut body, "sshUser", &args.ssh_user);
    put_opt(&mut body, "description", &args.description);
    let server = post(ctx, "/api/servers/cloud/create", Value::Object(body)).await?;
    Ok(json_output(project(&server, SERVER_SUMMARY)))
}

async fn update_server(ctx: &ToolContext, args: UpdateServerArgs) -> Result<ToolOutput, ToolError> {
    let server = resolve(ctx, Kind::Server, &args.server).await?;
    let answer = post(
        ctx,
        "/api/servers/update",
        json!({ "id": server.id, "name": args.name, "description": args.description.clone().unwrap_or_default() }),
    )
    .await
    .map_err(|e| server.miss(e))?;
    Ok(output(
        json!({ "id": server.id, "name": args.name, "status": str_field(&answer, "status") }),
        format!("Updated server {} ({})", args.name, server.id),
    ))
}

async fn by_id(ctx: &ToolContext, query: &str, path: &str) -> Result<(String, Value), ToolError> {
    let server = resolve(ctx, Kind::Server, query).await?;
    let answer = post(ctx, path, json!({ "id": server.id }))
        .await
        .map_err(|e| server.miss(e))?;
    Ok((server.id, answer))
}

async fn delete_server(ctx: &ToolContext, args: ServerArgs) -> Result<ToolOutput, ToolError> {
    let (id, answer) = by_id(ctx, &args.server, "/api/servers/delete").await?;
    Ok(output(
        json!({ "id": id, "status": str_field(&answer, "status") }),
        format!("Removed server {}", args.server),
    ))
}

/// `{status: "connected" | "error", dockerVersion?, error?}`: a failed test is a 200 with
/// `status: "error"`, which the model must not read as success.
async fn test_server(ctx: &ToolContext, args: ServerArgs) -> Result<ToolOutput, ToolError> {
    let (_, answer) = by_id(ctx, &args.server, "/api/servers/test").await?;
    if str_field(&answer, "status") == "error" {
        return Err(ToolError::Reported(format!(
            "The PaaS could not connect to server {} over SSH: {}. Check that the server is up, \
             that its SSH port is reachable from the PaaS, and that the key from \
             get_server_public_key is in the SSH user's ~/.ssh/authorized_keys; then test again.",
            args.server,
            str_field(&answer, "error")
        )));
    }
    Ok(json_output(answer))
}

async fn get_server_public_key(
    ctx: &ToolContext,
    args: ServerArgs,
) -> Result<ToolOutput, ToolError> {
    let server = resolve(ctx, Kind::Server, &args.server).await?;
    let answer = get(
        ctx,
        "/api/servers/keys/public",
        &[("id", server.id.clone())],
    )
    .await
    .map_err(|e| server.miss(e))?;
    Ok(json_output(answer))
}

async fn cloudflare_status(ctx: &ToolContext, _: NoArgs) -> Result<ToolOutput, ToolError> {
    Ok(json_output(get(ctx, "/api/cloudflare/status", &[]).await?))
}

async fn save_cloudflare_token(
    ctx: &ToolContext,
    args: CloudflareTokenArgs,
) -> Result<ToolOutput, ToolError> {
    Ok(json_output(
        post(
            ctx,
            "/api/cloudflare/token/save",
            json!({ "token": args.token }),
        )
        .await?,
    ))
}

async fn delete_cloudflare_token(ctx: &ToolContext, _: NoArgs) -> Result<ToolOutput, ToolError> {
    Ok(json_output(
        post(ctx, "/api/cloudflare/token/delete", json!({})).await?,
    ))
}
