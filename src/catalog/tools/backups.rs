//! Backups of the whole PaaS data directory (spec §3.8). The download route is deliberately
//! not a tool: the archive contains the admin token and the encryption key.

use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::{Map, Value, json};

use super::outputs::Answer;
use super::{
    NoArgs, array, def, get, json_output, list_output, output, post, put_opt, result_schema,
    schema, str_field,
};
use crate::catalog::{
    Access, Guard, Method, Scope, ToolContext, ToolDef, ToolError, ToolOutput, Toolset, mask,
};

const MANAGE: Guard = Guard::Scopes(&[&[Scope::BackupsManage]]);

pub const TOOLS: &[ToolDef] = &[
    ToolDef {
        description: "List backups (name, size in bytes, creation time), newest first.",
        output_schema: Some(result_schema::<BackupListOutput>),
        ..def(
            "list_backups",
            "List backups",
            Toolset::Backups,
            Access::Read,
            MANAGE,
            Method::Get,
            "/api/backups",
            schema::<NoArgs>,
            handler!(list_backups),
        )
    },
    ToolDef {
        description: "Create a backup of the PaaS data now (database, config, and add-on data if enabled).",
        output_schema: Some(result_schema::<Backup>),
        ..def(
            "create_backup",
            "Create backup",
            Toolset::Backups,
            Access::Write,
            MANAGE,
            Method::Post,
            "/api/backups/create",
            schema::<NoArgs>,
            handler!(create_backup),
        )
    },
    ToolDef {
        description: "Restore the PaaS from a backup: a safety backup is taken first, then the data is replaced and services restart. Changes made since the backup are lost.",
        output_schema: Some(result_schema::<Answer>),
        ..def(
            "restore_backup",
            "Restore backup",
            Toolset::Backups,
            Access::Destructive,
            MANAGE,
            Method::Post,
            "/api/backups/restore",
            schema::<BackupArgs>,
            handler!(restore_backup),
        )
    },
    ToolDef {
        description: "Delete a backup file. Cannot be undone.",
        output_schema: Some(result_schema::<DeletedBackup>),
        idempotent: true,
        ..def(
            "delete_backup",
            "Delete backup",
            Toolset::Backups,
            Access::Destructive,
            MANAGE,
            Method::Post,
            "/api/backups/delete",
            schema::<BackupArgs>,
            handler!(delete_backup),
        )
    },
    ToolDef {
        description: "Show the backup settings: automatic schedule, retention, databases, S3 target (the S3 secret key is never shown).",
        output_schema: Some(result_schema::<BackupConfig>),
        ..def(
            "get_backup_config",
            "Get backup settings",
            Toolset::Backups,
            Access::Read,
            MANAGE,
            Method::Get,
            "/api/backups/config",
            schema::<NoArgs>,
            handler!(get_backup_config),
        )
    },
    ToolDef {
        description: "Change backup settings. Only the fields you pass change; the rest (including a saved S3 secret key) is kept.",
        output_schema: Some(result_schema::<BackupConfig>),
        idempotent: true,
        ..def(
            "update_backup_config",
            "Update backup settings",
            Toolset::Backups,
            Access::Write,
            MANAGE,
            Method::Post,
            "/api/backups/config/save",
            schema::<BackupConfigArgs>,
            handler!(update_backup_config),
        )
    },
    ToolDef {
        description: "Test the saved S3 backup target (uploads nothing permanent).",
        output_schema: Some(result_schema::<Answer>),
        idempotent: true,
        ..def(
            "test_backup_s3",
            "Test S3 target",
            Toolset::Backups,
            Access::Write,
            MANAGE,
            Method::Post,
            "/api/backups/s3/test",
            schema::<NoArgs>,
            handler!(test_backup_s3),
        )
    },
];

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct BackupArgs {
    /// Backup file name from list_backups, e.g. "backup-20260101-030000.tar.gz".
    pub name: String,
}

#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct BackupConfigArgs {
    /// Take backups automatically.
    #[serde(default)]
    pub auto_enabled: Option<bool>,
    /// Hours between automatic backups (default 24).
    #[serde(default)]
    pub interval_hours: Option<u32>,
    /// Number of backups to keep (default 10).
    #[serde(default)]
    pub retention: Option<u32>,
    /// Include add-on databases.
    #[serde(default)]
    pub include_databases: Option<bool>,
    /// Also upload backups to S3.
    #[serde(default)]
    pub s3_enabled: Option<bool>,
    /// S3 endpoint URL (empty for AWS).
    #[serde(default)]
    pub s3_endpoint: Option<String>,
    /// S3 region.
    #[serde(default)]
    pub s3_region: Option<String>,
    /// S3 bucket.
    #[serde(default)]
    pub s3_bucket: Option<String>,
    /// Key prefix inside the bucket.
    #[serde(default)]
    pub s3_prefix: Option<String>,
    /// S3 access key id.
    #[serde(default)]
    pub s3_access_key_id: Option<String>,
    /// S3 secret key (write-only; never shown back).
    #[serde(default)]
    pub s3_secret_key: Option<String>,
}

/// Output of list_backups.
#[derive(JsonSchema)]
#[allow(dead_code)]
pub struct BackupListOutput {
    /// Backups, newest first.
    backups: Vec<Backup>,
    /// Number of backups.
    count: usize,
}

/// A backup archive.
#[derive(JsonSchema)]
#[serde(rename_all = "camelCase")]
#[allow(dead_code)]
pub struct Backup {
    /// File name, for restore_backup and delete_backup.
    name: String,
    /// Size in bytes.
    size_bytes: Option<i64>,
    /// Creation time (RFC 3339).
    created_at: Option<String>,
}

/// Output of delete_backup.
#[derive(JsonSchema)]
#[allow(dead_code)]
pub struct DeletedBackup {
    /// File name.
    name: String,
    /// deleted.
    status: String,
}

/// Backup settings (spec §6.7); the S3 secret key is never shown.
#[derive(JsonSchema)]
#[serde(rename_all = "camelCase")]
#[allow(dead_code)]
pub struct BackupConfig {
    /// Automatic backups on.
    auto_enabled: Option<bool>,
    /// Hours between automatic backups.
    interval_hours: Option<i64>,
    /// Backups kept.
    retention: Option<i64>,
    /// Add-on databases included.
    include_databases: Option<bool>,
    /// Upload to S3 on.
    s3_enabled: Option<bool>,
    /// S3 endpoint URL ("" = AWS).
    s3_endpoint: Option<String>,
    /// S3 region.
    s3_region: Option<String>,
    /// S3 bucket.
    s3_bucket: Option<String>,
    /// Key prefix in the bucket.
    s3_prefix: Option<String>,
    /// S3 access key id.
    s3_access_key_id: Option<String>,
    /// True when an S3 secret key is saved.
    s3_secret_key_set: Option<bool>,
}

fn check_backup_name(name: &str) -> Result<(), ToolError> {
    if name.is_empty() || name.contains('/') || name.contains('\\') || !name.ends_with(".tar.gz") {
        return Err(ToolError::InvalidArguments(format!(
            "invalid backup name {name:?}: use a file name from list_backups ending in .tar.gz"
        )));
    }
    Ok(())
}

async fn list_backups(ctx: &ToolContext, _: NoArgs) -> Result<ToolOutput, ToolError> {
    let items = array(get(ctx, "/api/backups", &[]).await?);
    Ok(list_output("backups", items, "No backups yet."))
}

async fn create_backup(ctx: &ToolContext, _: NoArgs) -> Result<ToolOutput, ToolError> {
    let backup = post(ctx, "/api/backups/create", json!({})).await?;
    let text = format!(
        "Created backup {} ({} bytes)",
        str_field(&backup, "name"),
        backup.get("sizeBytes").cloned().unwrap_or(Value::Null)
    );
    Ok(output(backup, text))
}

async fn restore_backup(ctx: &ToolContext, args: BackupArgs) -> Result<ToolOutput, ToolError> {
    check_backup_name(&args.name)?;
    Ok(json_output(
        post(ctx, "/api/backups/restore", json!({ "name": args.name })).await?,
    ))
}

async fn delete_backup(ctx: &ToolContext, args: BackupArgs) -> Result<ToolOutput, ToolError> {
    check_backup_name(&args.name)?;
    let answer = post(ctx, "/api/backups/delete", json!({ "name": args.name })).await?;
    Ok(output(
        json!({ "name": args.name, "status": str_field(&answer, "status") }),
        format!("Deleted backup {}", args.name),
    ))
}

/// Never show the S3 secret, whatever the server sends.
fn redact_config(mut config: Value) -> Value {
    if let Some(obj) = config.as_object_mut()
        && obj
            .get("s3SecretKey")
            .and_then(Value::as_str)
            .is_some_and(|s| !s.is_empty())
    {
        obj.insert("s3SecretKey".to_owned(), Value::from(mask::MASK));
    }
    config
}

async fn get_backup_config(ctx: &ToolContext, _: NoArgs) -> Result<ToolOutput, ToolError> {
    Ok(json_output(redact_config(
        get(ctx, "/api/backups/config", &[]).await?,
    )))
}

async fn update_backup_config(
    ctx: &ToolContext,
    args: BackupConfigArgs,
) -> Result<ToolOutput, ToolError> {
    let current = get(ctx, "/api/backups/config", &[]).await?;
    let mut body: Map<String, Value> = current.as_object().cloned().unwrap_or_default();
    body.remove("s3SecretKeySet");
    body.remove("s3SecretKey");
    put_opt(&mut body, "autoEnabled", &args.auto_enabled);
    put_opt(&mut body, "intervalHours", &args.interval_hours);
    put_opt(&mut body, "retention", &args.retention);
    put_opt(&mut body, "includeDatabases", &args.include_databases);
    put_opt(&mut body, "s3Enabled", &args.s3_enabled);
    put_opt(&mut body, "s3Endpoint", &args.s3_endpoint);
    put_opt(&mut body, "s3Region", &args.s3_region);
    put_opt(&mut body, "s3Bucket", &args.s3_bucket);
    put_opt(&mut body, "s3Prefix", &args.s3_prefix);
    put_opt(&mut body, "s3AccessKeyId", &args.s3_access_key_id);
    put_opt(&mut body, "s3SecretKey", &args.s3_secret_key);
    let saved = post(ctx, "/api/backups/config/save", Value::Object(body)).await?;
    Ok(json_output(redact_config(saved)))
}

async fn test_backup_s3(ctx: &ToolContext, _: NoArgs) -> Result<ToolOutput, ToolError> {
    let current = get(ctx, "/api/backups/config", &[]).await?;
    Ok(json_output(
        post(ctx, "/api/backups/s3/test", current).await?,
    ))
}
