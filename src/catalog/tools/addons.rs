//! Add-ons: managed Postgres, MySQL and Redis containers (spec §3.4). Credentials are
//! redacted by the server; connection env is injected into apps by attach_addon.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::{
    NoArgs, OrNull, array, check_name, def, get, json_output, list_output, output, post, project,
    result_schema, schema, str_field,
};
use crate::catalog::resolve::{Kind, resolve, server_id};
use crate::catalog::{
    Access, Guard, Method, Scope, ToolContext, ToolDef, ToolError, ToolOutput, Toolset,
};

const READ: Guard = Guard::Scopes(&[&[Scope::AppsRead]]);
const MANAGE: Guard = Guard::Scopes(&[&[Scope::AddonsManage]]);

const ADDON_SUMMARY: &[&str] = &[
    "id",
    "name",
    "type",
    "status",
    "attachedApps",
    "serverId",
    "createdAt",
];

pub const TOOLS: &[ToolDef] = &[
    ToolDef {
        description: "List add-ons (Postgres, MySQL, Redis) with status and the apps they are attached to.",
        output_schema: Some(result_schema::<AddonListOutput>),
        ..def(
            "list_addons",
            "List add-ons",
            Toolset::Addons,
            Access::Read,
            READ,
            Method::Get,
            "/api/addons",
            schema::<NoArgs>,
            handler!(list_addons),
        )
    },
    ToolDef {
        description: "Show one add-on, including its connection env var names (passwords and URLs masked).",
        output_schema: Some(result_schema::<Addon>),
        ..def(
            "get_addon",
            "Get add-on",
            Toolset::Addons,
            Access::Read,
            READ,
            Method::Get,
            "/api/addons/get",
            schema::<AddonArgs>,
            handler!(get_addon),
        )
    },
    ToolDef {
        description: "Create a database add-on (postgres, mysql or redis). It starts asynchronously (status building, then running).",
        output_schema: Some(result_schema::<AddonOut>),
        ..def(
            "create_addon",
            "Create add-on",
            Toolset::Addons,
            Access::Write,
            MANAGE,
            Method::Post,
            "/api/addons/create",
            schema::<CreateAddonArgs>,
            handler!(create_addon),
        )
    },
    ToolDef {
        description: "Delete an add-on; with deleteData also its data volume (all data lost). Cannot be undone.",
        output_schema: Some(result_schema::<AddonDeleted>),
        idempotent: true,
        ..def(
            "delete_addon",
            "Delete add-on",
            Toolset::Addons,
            Access::Destructive,
            MANAGE,
            Method::Post,
            "/api/addons/delete",
            schema::<DeleteAddonArgs>,
            handler!(delete_addon),
        )
    },
    ToolDef {
        description: "Attach an add-on to an app: its connection env vars (e.g. DATABASE_URL) are added to the app as secrets. Redeploy the app to use them.",
        output_schema: Some(result_schema::<AttachOutput>),
        idempotent: true,
        ..def(
            "attach_addon",
            "Attach add-on",
            Toolset::Addons,
            Access::Write,
            MANAGE,
            Method::Post,
            "/api/addons/attach",
            schema::<AttachArgs>,
            handler!(attach_addon),
        )
    },
    ToolDef {
        description: "Detach an add-on from an app (its connection env vars are removed from the app; the data stays).",
        output_schema: Some(result_schema::<AttachOutput>),
        idempotent: true,
        ..def(
            "detach_addon",
            "Detach add-on",
            Toolset::Addons,
            Access::Write,
            MANAGE,
            Method::Post,
            "/api/addons/detach",
            schema::<AttachArgs>,
            handler!(detach_addon),
        )
    },
];

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AddonArgs {
    /// Add-on name or id, as shown by list_addons.
    pub addon: String,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum AddonType {
    Postgres,
    Mysql,
    Redis,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct CreateAddonArgs {
    /// Database type: postgres, mysql or redis.
    #[serde(rename = "type")]
    pub kind: AddonType,
    /// Add-on name: 2-40 lowercase letters, digits or hyphens.
    pub name: String,
    /// Server name or id to run it on (default "localhost"; must match the apps it serves).
    #[serde(default)]
    pub server: Option<String>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct DeleteAddonArgs {
    /// Add-on name or id.
    pub addon: String,
    /// Also delete the data volume (default false: the volume is kept).
    #[serde(default)]
    pub delete_data: Option<bool>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AttachArgs {
    /// Add-on name or id.
    pub addon: String,
    /// App name or id (on the same server as the add-on).
    pub app: String,
}

/// Output of list_addons.
#[derive(JsonSchema)]
#[allow(dead_code)]
pub struct AddonListOutput {
    /// The add-ons.
    addons: Vec<AddonOut>,
    /// Number of add-ons.
    count: usize,
}

/// One add-on in a list.
#[derive(JsonSchema)]
#[serde(rename_all = "camelCase")]
#[allow(dead_code)]
pub struct AddonOut {
    /// Opaque add-on id.
    id: String,
    /// Add-on name.
    name: String,
    /// postgres, mysql or redis.
    #[serde(rename = "type")]
    kind: String,
    /// building, running, stopped or failed.
    status: String,
    /// Ids of the apps it is attached to.
    attached_apps: Option<OrNull<Vec<String>>>,
    /// Server it runs on.
    server_id: Option<String>,
    /// Creation time (RFC 3339).
    created_at: Option<String>,
}

/// An add-on in detail (spec §6.3); passwords and URLs in connEnv are "***".
#[derive(JsonSchema)]
#[serde(rename_all = "camelCase")]
#[allow(dead_code)]
pub struct Addon {
    #[serde(flatten)]
    summary: AddonOut,
    /// Docker container name.
    container_name: Option<String>,
    /// Data volume.
    volume: Option<String>,
    /// Port inside the PaaS network.
    port: Option<i64>,
    /// Connection env vars injected into attached apps.
    conn_env: Option<OrNull<std::collections::BTreeMap<String, String>>>,
}

/// Output of delete_addon.
#[derive(JsonSchema)]
#[serde(rename_all = "camelCase")]
#[allow(dead_code)]
pub struct AddonDeleted {
    /// Add-on id.
    id: String,
    /// Add-on name (left out when the token cannot list add-ons and the id was given).
    name: Option<String>,
    /// deleted.
    status: String,
    /// True when the data volume was deleted too.
    data_deleted: bool,
}

/// Output of attach_addon and detach_addon.
#[derive(JsonSchema)]
#[serde(rename_all = "camelCase")]
#[allow(dead_code)]
pub struct AttachOutput {
    /// Add-on id.
    addon_id: String,
    /// Add-on name.
    addon: String,
    /// App id.
    app_id: String,
    /// App name.
    app: String,
}

async fn list_addons(ctx: &ToolContext, _: NoArgs) -> Result<ToolOutput, ToolError> {
    let items = array(get(ctx, "/api/addons", &[]).await?)
        .iter()
        .map(|a| project(a, ADDON_SUMMARY))
        .collect();
    Ok(list_output("addons", items, "No add-ons yet."))
}

async fn get_addon(ctx: &ToolContext, args: AddonArgs) -> Result<ToolOutput, ToolError> {
    let addon = resolve(ctx, Kind::Addon, &args.addon).await?;
    let mut detail = get(ctx, "/api/addons/get", &[("id", addon.id.clone())])
        .await
        .map_err(|e| addon.miss(e))?;
    if let Some(env) = detail.get("connEnv").cloned()
        && let Some(obj) = detail.as_object_mut()
    {
        obj.insert(
            "connEnv".to_owned(),
            crate::catalog::mask::env_map(&env, &[]),
        );
    }
    Ok(json_output(detail))
}

async fn create_addon(ctx: &ToolContext, args: CreateAddonArgs) -> Result<ToolOutput, ToolError> {
    check_name("add-on", &args.name)?;
    let mut body = json!({ "type": args.kind, "name": args.name });
    if let (Some(s), Some(obj)) = (server_id(ctx, &args.server).await?, body.as_object_mut()) {
        obj.insert("serverId".to_owned(), s.into());
    }
    let created = post(ctx, "/api/addons/create", body).await?;
    let text = format!(
        "Creating {} add-on {} ({}): status {}",
        str_field(&created, "type"),
        str_field(&created, "name"),
        str_field(&created, "id"),
        str_field(&created, "status")
    );
    Ok(output(project(&created, ADDON_SUMMARY), text))
}

async fn delete_addon(ctx: &ToolContext, args: DeleteAddonArgs) -> Result<ToolOutput, ToolError> {
    let addon = resolve(ctx, Kind::Addon, &args.addon).await?;
    let delete_data = args.delete_data.unwrap_or(false);
    post(
        ctx,
        "/api/addons/delete",
        json!({ "id": addon.id, "deleteData": delete_data }),
    )
    .await
    .map_err(|e| addon.miss(e))?;
    let mut structured = json!({ "id": addon.id, "status": "deleted", "dataDeleted": delete_data });
    if let (Some(name), Some(obj)) = (addon.known_name(), structured.as_object_mut()) {
        obj.insert("name".to_owned(), serde_json::Value::from(name));
    }
    Ok(output(
        structured,
        format!(
            "Deleted add-on {}{}",
            addon.describe(),
            if delete_data {
                " and its data"
            } else {
                " (data volume kept)"
            }
        ),
    ))
}

async fn attach(
    ctx: &ToolContext,
    args: AttachArgs,
    path: &str,
    verb: &str,
) -> Result<ToolOutput, ToolError> {
    let addon = resolve(ctx, Kind::Addon, &args.addon).await?;
    let app = resolve(ctx, Kind::App, &args.app).await?;
    let updated = post(ctx, path, json!({ "addonId": addon.id, "appId": app.id })).await?;
    Ok(output(
        json!({ "addonId": addon.id, "addon": addon.name, "appId": app.id, "app": str_field(&updated, "name") }),
        format!(
            "{verb} add-on {} {} app {}. Redeploy the app to apply.",
            addon.name,
            if verb == "Attached" { "to" } else { "from" },
            app.name
        ),
    ))
}

async fn attach_addon(ctx: &ToolContext, args: AttachArgs) -> Result<ToolOutput, ToolError> {
    attach(ctx, args, "/api/addons/attach", "Attached").await
}

async fn detach_addon(ctx: &ToolContext, args: AttachArgs) -> Result<ToolOutput, ToolError> {
    attach(ctx, args, "/api/addons/detach", "Detached").await
}
