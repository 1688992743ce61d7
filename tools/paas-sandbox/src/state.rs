//! Everything the sandbox remembers, and its atomic save/reload (`--state FILE`).
//!
//! `Db` is what upstream keeps in SQLite + files; it is what the state file and backups
//! capture. Volatile security state (lockout, tickets, connect codes) lives beside it.

use std::collections::{BTreeMap, HashMap};
use std::io::Write;
use std::path::Path;
use std::sync::Mutex;
use std::time::Instant;

use serde::{Deserialize, Serialize};

use crate::SandboxOptions;
use crate::error::SandboxError;
use crate::faults::Faults;
use crate::model::{
    Addon, AgentRow, App, AuditLog, Backup, BackupConfig, CronJob, Deployment, NotificationConfig,
    Project, Server,
};
use crate::security::Security;
use crate::util::{self, lock};

/// The persistent state of one sandbox.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Db {
    pub apps: Vec<App>,
    pub deployments: Vec<Deployment>,
    pub agents: Vec<AgentRow>,
    pub audit: Vec<AuditLog>,
    pub projects: Vec<Project>,
    pub addons: Vec<Addon>,
    pub servers: Vec<Server>,
    pub cron: Vec<CronJob>,
    pub backups: Vec<Backup>,
    pub backup_config: BackupConfig,
    pub notifications: NotificationConfig,
    /// Runtime log lines per app id (already `[RFC3339] line`): the app's own output only.
    pub runtime_logs: BTreeMap<String, Vec<String>>,
    /// `/api/track` page views per app id, oldest first.
    pub page_views: BTreeMap<String, Vec<crate::pageviews::PageView>>,
    /// Redis add-on key stores, per add-on id.
    pub redis: BTreeMap<String, BTreeMap<String, String>>,
    /// SQLite images of SQL add-ons (hex), refreshed before every save.
    pub sql_images: BTreeMap<String, String>,
    pub git_token: String,
    pub cloudflare_token: String,
    pub system_domain: String,
    pub onboarding_completed: bool,
    /// Next host port handed to a new app.
    pub next_port: u16,
}

/// A one-use WebSocket ticket (spec §8.3): snapshot of who asked.
#[derive(Clone, Debug)]
pub struct Ticket {
    pub admin: bool,
    pub scopes: Vec<String>,
    pub expires: Instant,
}

/// An approved browser connect, waiting for the CLI's exchange (spec §3.12).
#[derive(Clone, Debug)]
pub struct PendingConnect {
    /// The one-time code the CLI must present.
    pub code: String,
    pub token: String,
    pub profile: String,
    pub name: String,
    pub agent_id: String,
    pub expires: Instant,
}

/// Shared by every request and background task of one sandbox.
pub struct Inner {
    pub opts: SandboxOptions,
    pub admin_token: String,
    pub db: Mutex<Db>,
    pub security: Mutex<Security>,
    pub faults: Faults,
    pub started: Instant,
    pub tickets: Mutex<HashMap<String, Ticket>>,
    pub connects: Mutex<HashMap<String, PendingConnect>>,
    pub sql: Mutex<HashMap<String, rusqlite::Connection>>,
    /// Serializes writers of the state file.
    pub save_lock: Mutex<()>,
    pub trust_proxy: bool,
    /// Holds the SQLite files of SQL add-ons; removed with the sandbox.
    pub sql_dir: tempfile::TempDir,
    /// `http://IP:PORT` of the bound socket.
    pub base_url: String,
}

impl Inner {
    /// Writes the state file if one is configured (temp file + rename, never half-written).
    pub fn save(&self) -> Result<(), SandboxError> {
        let Some(path) = self.opts.state_file.as_ref() else {
            return Ok(());
        };
        let _guard = lock(&self.save_lock);
        let mut db = lock(&self.db).clone();
        db.sql_images = crate::dbexplorer::images(self);
        write_atomic(path, &db)
    }

    /// Saves and logs a failure instead of failing the request that caused it.
    pub fn persist(&self) {
        if let Err(e) = self.save() {
            tracing::error!("{e}");
        }
    }
}

/// Serializes `db` to `path` atomically.
pub fn write_atomic(path: &Path, db: &Db) -> Result<(), SandboxError> {
    let err = |reason: String| SandboxError::SaveState {
        path: path.display().to_string(),
        reason,
    };
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => std::path::PathBuf::from("."),
    };
    let json = serde_json::to_vec(db).map_err(|e| err(e.to_string()))?;
    let mut tmp = tempfile::NamedTempFile::new_in(&dir).map_err(|e| err(e.to_string()))?;
    tmp.write_all(&json).map_err(|e| err(e.to_string()))?;
    tmp.as_file().sync_all().map_err(|e| err(e.to_string()))?;
    tmp.persist(path).map_err(|e| err(e.to_string()))?;
    Ok(())
}

/// Reads a state file; a missing file is a fresh start.
pub fn load(path: &Path) -> Result<Option<Db>, SandboxError> {
    match std::fs::read(path) {
        Ok(bytes) => {
            serde_json::from_slice(&bytes)
                .map(Some)
                .map_err(|e| SandboxError::LoadState {
                    path: path.display().to_string(),
                    reason: e.to_string(),
                })
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(SandboxError::LoadState {
            path: path.display().to_string(),
            reason: e.to_string(),
        }),
    }
}

/// The always-present `localhost` server row.
pub fn localhost_server() -> Server {
    Server {
        id: "localhost".into(),
        name: "localhost".into(),
        description: "This server".into(),
        ip: "127.0.0.1".into(),
        port: 22,
        ssh_user: "root".into(),
        is_local: true,
        status: "connected".into(),
        last_checked: util::now(),
        created_at: util::now(),
        ..Server::default()
    }
}

impl Db {
    pub fn fresh() -> Db {
        Db {
            servers: vec![localhost_server()],
            next_port: 10000,
            ..Db::default()
        }
    }

    pub fn app(&self, id: &str) -> Option<&App> {
        self.apps.iter().find(|a| a.id == id)
    }

    pub fn app_mut(&mut self, id: &str) -> Option<&mut App> {
        self.apps.iter_mut().find(|a| a.id == id)
    }

    pub fn alloc_port(&mut self) -> u16 {
        if self.next_port < 10000 {
            self.next_port = 10000;
        }
        let p = self.next_port;
        self.next_port = self.next_port.wrapping_add(1).max(10000);
        p
    }

    /// Appends a runtime log line `[RFC3339] line`, keeping the newest 5000.
    pub fn runtime_line(&mut self, app_id: &str, line: &str) {
        let logs = self.runtime_logs.entry(app_id.to_string()).or_default();
        logs.push(format!("[{}] {}", util::now(), line));
        if logs.len() > 5000 {
            let drop = logs.len() - 5000;
            logs.drain(..drop);
        }
    }
}
