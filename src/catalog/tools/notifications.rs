//! Deploy notifications (spec §3.9). The PaaS returns the Slack and webhook URLs in clear;
//! they are secrets (anyone holding them can post), so answers show only their host.

use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::{Map, Value, json};

use super::outputs::Answer;
use super::{NoArgs, def, get, json_output, post, put_opt, result_schema, schema};
use crate::catalog::{
    Access, Guard, Method, Scope, ToolContext, ToolDef, ToolError, ToolOutput, Toolset, mask,
};

const MANAGE: Guard = Guard::Scopes(&[&[Scope::NotificationsManage]]);

pub const TOOLS: &[ToolDef] = &[
    ToolDef {
        description: "Show the deploy notification settings: whether Slack and a generic webhook are configured (URLs masked to their host) and which events notify.",
        output_schema: Some(result_schema::<NotificationSettings>),
        ..def(
            "get_notifications",
            "Get notification settings",
            Toolset::Notifications,
            Access::Read,
            MANAGE,
            Method::Get,
            "/api/notifications",
            schema::<NoArgs>,
            handler!(get_notifications),
        )
    },
    ToolDef {
        description: "Change the deploy notification settings. Only the fields you pass change; an empty URL turns that channel off.",
        output_schema: Some(result_schema::<NotificationSettings>),
        idempotent: true,
        ..def(
            "update_notifications",
            "Update notification settings",
            Toolset::Notifications,
            Access::Write,
            MANAGE,
            Method::Post,
            "/api/notifications/save",
            schema::<NotificationArgs>,
            handler!(update_notifications),
        )
    },
    ToolDef {
        description: "Send a test notification to the configured channels.",
        output_schema: Some(result_schema::<Answer>),
        ..def(
            "test_notifications",
            "Send test notification",
            Toolset::Notifications,
            Access::Write,
            MANAGE,
            Method::Post,
            "/api/notifications/test",
            schema::<NoArgs>,
            handler!(test_notifications),
        )
    },
];

#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct NotificationArgs {
    /// Slack incoming-webhook URL ("" to turn Slack off).
    #[serde(default)]
    pub slack_webhook_url: Option<String>,
    /// Generic webhook URL that receives a JSON POST per deploy ("" to turn it off).
    #[serde(default)]
    pub generic_url: Option<String>,
    /// Notify on successful deploys.
    #[serde(default)]
    pub on_success: Option<bool>,
    /// Notify on failed deploys.
    #[serde(default)]
    pub on_failure: Option<bool>,
}

/// Deploy notification settings; URLs reduced to their host ("https://host/***").
#[derive(JsonSchema)]
#[serde(rename_all = "camelCase")]
#[allow(dead_code)]
pub struct NotificationSettings {
    /// Slack webhook, masked ("" = off).
    slack_webhook_url: Option<String>,
    /// Generic webhook, masked ("" = off).
    generic_url: Option<String>,
    /// Notify on successful deploys.
    on_success: Option<bool>,
    /// Notify on failed deploys.
    on_failure: Option<bool>,
}

/// The config with both URLs reduced to their host.
fn masked(mut config: Value) -> Value {
    if let Some(obj) = config.as_object_mut() {
        for key in ["slackWebhookUrl", "genericUrl"] {
            if let Some(url) = obj.get(key).and_then(Value::as_str) {
                let m = mask::url(url);
                obj.insert(key.to_owned(), Value::from(m));
            }
        }
    }
    config
}

async fn get_notifications(ctx: &ToolContext, _: NoArgs) -> Result<ToolOutput, ToolError> {
    Ok(json_output(masked(
        get(ctx, "/api/notifications", &[]).await?,
    )))
}

async fn update_notifications(
    ctx: &ToolContext,
    args: NotificationArgs,
) -> Result<ToolOutput, ToolError> {
    let current = get(ctx, "/api/notifications", &[]).await?;
    let mut body: Map<String, Value> = current.as_object().cloned().unwrap_or_default();
    put_opt(&mut body, "slackWebhookUrl", &args.slack_webhook_url);
    put_opt(&mut body, "genericUrl", &args.generic_url);
    put_opt(&mut body, "onSuccess", &args.on_success);
    put_opt(&mut body, "onFailure", &args.on_failure);
    let saved = post(ctx, "/api/notifications/save", Value::Object(body)).await?;
    Ok(json_output(masked(saved)))
}

async fn test_notifications(ctx: &ToolContext, _: NoArgs) -> Result<ToolOutput, ToolError> {
    Ok(json_output(
        post(ctx, "/api/notifications/test", json!({})).await?,
    ))
}
