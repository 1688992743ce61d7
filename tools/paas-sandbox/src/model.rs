//! The stored records (spec §6). Field names and omitempty behaviour follow upstream's JSON.
//! These are the *stored* forms; handlers build masked public views from them.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

fn is_empty(s: &str) -> bool {
    s.is_empty()
}

/// An application (spec §6.1). Secrets are stored in clear and masked by [`App::public`].
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct App {
    pub id: String,
    pub name: String,
    pub status: String,
    pub git_repo: String,
    pub branch: String,
    pub port: u16,
    pub url: String,
    pub created_at: String,
    #[serde(skip_serializing_if = "is_empty")]
    pub git_token: String,
    pub root_dir: String,
    pub env_vars: Option<BTreeMap<String, String>>,
    pub build_command: String,
    pub start_command: String,
    pub install_command: String,
    pub port_override: i64,
    pub vulnerabilities_count: i64,
    pub build_method: String,
    pub dockerfile_path: String,
    pub compose_path: String,
    #[serde(skip_serializing_if = "is_empty")]
    pub compose_content: String,
    #[serde(skip_serializing_if = "is_empty")]
    pub compose_project: String,
    #[serde(skip_serializing_if = "is_empty")]
    pub compose_service: String,
    pub compose_web: bool,
    pub compose_primary: bool,
    #[serde(skip_serializing_if = "is_empty")]
    pub image: String,
    #[serde(skip_serializing_if = "is_empty")]
    pub dockerfile_content: String,
    #[serde(skip_serializing_if = "is_empty")]
    pub catalog_id: String,
    pub domains: Option<Vec<String>>,
    pub memory: String,
    pub cpus: String,
    pub volumes: Option<Vec<String>>,
    pub health_path: String,
    #[serde(skip_serializing_if = "is_empty")]
    pub active_image: String,
    #[serde(skip_serializing_if = "is_empty")]
    pub active_deploy_id: String,
    #[serde(skip_serializing_if = "is_empty")]
    pub active_commit: String,
    #[serde(skip_serializing_if = "is_empty")]
    pub active_commit_msg: String,
    pub secret_keys: Option<Vec<String>>,
    #[serde(skip_serializing_if = "is_empty")]
    pub webhook_secret: String,
    pub auto_deploy: bool,
    pub server_id: String,
    #[serde(skip_serializing_if = "is_empty")]
    pub project_id: String,
    #[serde(skip_serializing_if = "is_empty")]
    pub service_name: String,
}

impl App {
    /// The public view: secret env values, the git token and the webhook secret become `***`.
    pub fn public(&self) -> App {
        let mut a = self.clone();
        if !a.git_token.is_empty() {
            a.git_token = "***".into();
        }
        if !a.webhook_secret.is_empty() {
            a.webhook_secret = "***".into();
        }
        let secrets = a.secret_keys.clone().unwrap_or_default();
        if let Some(env) = a.env_vars.as_mut() {
            for k in &secrets {
                if let Some(v) = env.get_mut(k) {
                    *v = "***".into();
                }
            }
        }
        a
    }
}

/// A deployment record (spec §6.9).
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Deployment {
    pub id: String,
    pub app_id: String,
    pub app_name: String,
    pub status: String,
    pub logs: Vec<String>,
    pub created_at: String,
    pub duration: String,
    #[serde(skip_serializing_if = "is_empty")]
    pub image: String,
    #[serde(skip_serializing_if = "is_empty")]
    pub trigger: String,
    pub commit: String,
    #[serde(skip_serializing_if = "is_empty")]
    pub commit_msg: String,
}

/// A stored agent: the token itself is never kept, only its SHA-256.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct AgentRow {
    pub id: String,
    pub name: String,
    pub scopes: Vec<String>,
    pub created_at: String,
    pub last_used_at: String,
    pub token_hash: String,
}

/// The agent as the API shows it (spec §6.8).
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AgentView {
    pub id: String,
    pub name: String,
    pub scopes: Vec<String>,
    pub created_at: String,
    pub last_used_at: String,
}

impl AgentRow {
    pub fn view(&self) -> AgentView {
        AgentView {
            id: self.id.clone(),
            name: self.name.clone(),
            scopes: self.scopes.clone(),
            created_at: self.created_at.clone(),
            last_used_at: self.last_used_at.clone(),
        }
    }
}

/// One audit record (spec §5).
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct AuditLog {
    pub id: String,
    pub actor_type: String,
    #[serde(skip_serializing_if = "is_empty")]
    pub actor_id: String,
    pub action: String,
    pub resource_type: String,
    #[serde(skip_serializing_if = "is_empty")]
    pub resource_id: String,
    #[serde(skip_serializing_if = "is_empty")]
    pub payload_summary: String,
    pub outcome: String,
    #[serde(skip_serializing_if = "is_empty")]
    pub ip_address: String,
    pub created_at: String,
}

/// A project (spec §6.2).
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Project {
    pub id: String,
    pub name: String,
    #[serde(skip_serializing_if = "is_empty")]
    pub description: String,
    pub created_at: String,
    pub server_id: String,
}

/// An add-on (spec §6.3). `conn_env` holds real values; the public view masks them.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Addon {
    pub id: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub name: String,
    pub container_name: String,
    pub status: String,
    pub volume: String,
    pub port: u16,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub conn_env: BTreeMap<String, String>,
    pub attached_apps: Vec<String>,
    pub created_at: String,
    pub server_id: String,
}

impl Addon {
    /// Keys containing PASSWORD/URL/DSN are shown as `***`.
    pub fn public(&self) -> Addon {
        let mut a = self.clone();
        for (k, v) in a.conn_env.iter_mut() {
            if k.contains("PASSWORD") || k.contains("URL") || k.contains("DSN") {
                *v = "***".into();
            }
        }
        a
    }
}

/// A deployment target (spec §6.4).
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Server {
    pub id: String,
    pub name: String,
    pub description: String,
    pub ip: String,
    pub port: u16,
    pub ssh_user: String,
    #[serde(skip_serializing_if = "is_empty")]
    pub ssh_host_key: String,
    pub is_local: bool,
    pub status: String,
    pub last_checked: String,
    pub created_at: String,
    #[serde(skip_serializing_if = "is_empty")]
    pub public_key: String,
}

/// A cron job (spec §6.5).
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct CronJob {
    pub id: String,
    pub app_id: String,
    pub app_name: String,
    pub schedule: String,
    pub command: String,
    pub enabled: bool,
    pub last_run: String,
    pub last_status: String,
    pub created_at: String,
}

/// Notification settings (spec §6.6).
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct NotificationConfig {
    pub slack_webhook_url: String,
    pub generic_url: String,
    pub on_success: bool,
    pub on_failure: bool,
}

impl Default for NotificationConfig {
    fn default() -> Self {
        NotificationConfig {
            slack_webhook_url: String::new(),
            generic_url: String::new(),
            on_success: true,
            on_failure: true,
        }
    }
}

/// Backup settings (spec §6.7); `s3_secret_key` is write-only.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct BackupConfig {
    pub auto_enabled: bool,
    pub interval_hours: i64,
    pub retention: i64,
    pub include_databases: bool,
    pub s3_enabled: bool,
    pub s3_endpoint: String,
    pub s3_region: String,
    pub s3_bucket: String,
    pub s3_prefix: String,
    pub s3_access_key_id: String,
    #[serde(skip_serializing_if = "is_empty")]
    pub s3_secret_key: String,
    pub s3_secret_key_set: bool,
}

impl Default for BackupConfig {
    fn default() -> Self {
        BackupConfig {
            auto_enabled: false,
            interval_hours: 24,
            retention: 10,
            include_databases: true,
            s3_enabled: false,
            s3_endpoint: String::new(),
            s3_region: String::new(),
            s3_bucket: String::new(),
            s3_prefix: String::new(),
            s3_access_key_id: String::new(),
            s3_secret_key: String::new(),
            s3_secret_key_set: false,
        }
    }
}

/// A stored backup: the listed entry plus the captured state it restores.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Backup {
    pub name: String,
    pub size_bytes: i64,
    pub created_at: String,
    /// The serialized [`crate::state::Db`] at capture time (without backups themselves).
    pub snapshot: String,
}
