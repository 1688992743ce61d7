//! `~/.paas/config.json`: the Go CLI's format kept byte-compatible for the default context,
//! plus our own fields (ignored by the Go CLI) for named contexts and where each token lives.
//!
//! The document is kept as an ordered JSON map so that a rewrite preserves fields we do not
//! know (written by a newer version, or by hand) and the key order the user sees. Writes are
//! atomic (temp file in the same directory + rename), the file is 0600 in a 0700 directory,
//! and wrong permissions are repaired on every load and save.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::token_shape::mask_tokens;
use super::{ConfigError, Paths};

/// The context that lives at the top level of the file (the one the Go CLI reads).
pub const DEFAULT_CONTEXT: &str = "default";

/// Where one context's token is kept.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum StoreKind {
    /// The OS credential store (macOS Keychain, Windows Credential Manager, Linux keyutils).
    Keychain,
    /// The `token` field of `~/.paas/config.json` (mode 0600).
    File,
}

impl StoreKind {
    pub const fn as_str(self) -> &'static str {
        match self {
            StoreKind::Keychain => "keychain",
            StoreKind::File => "file",
        }
    }

    /// For humans: where to look.
    pub const fn describe(self) -> &'static str {
        match self {
            StoreKind::Keychain => "OS keychain",
            StoreKind::File => "~/.paas/config.json (mode 0600)",
        }
    }
}

/// Everything recorded about one connection. Field names are the Go CLI's on the wire.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContextRecord {
    /// API base URL without a trailing slash.
    #[serde(default)]
    pub url: String,
    /// Only present when the token lives in the file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub profile: Option<String>,
    /// The agent's display name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(rename = "agentId", default, skip_serializing_if = "Option::is_none")]
    pub agent_id: Option<String>,
    /// Where the token lives; absent in files written by the Go CLI (= file).
    #[serde(
        rename = "tokenStore",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub token_store: Option<StoreKind>,
    /// The dashboard URL found at connect time (for messages that point at it).
    #[serde(rename = "uiUrl", default, skip_serializing_if = "Option::is_none")]
    pub ui_url: Option<String>,
}

impl ContextRecord {
    /// Where the token of this context lives (Go CLI files have no marker: the file).
    pub fn store(&self) -> StoreKind {
        self.token_store.unwrap_or(StoreKind::File)
    }
}

/// Top-level keys that make up the default context, in the Go CLI's order.
const DEFAULT_KEYS: [&str; 7] = [
    "url",
    "token",
    "profile",
    "name",
    "agentId",
    "tokenStore",
    "uiUrl",
];

/// The whole config document.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ConfigFile {
    doc: Map<String, Value>,
}

impl ConfigFile {
    /// Load the file; a missing file is an empty config. Repairs loose permissions.
    pub fn load(paths: &Paths) -> Result<Self, ConfigError> {
        let path = &paths.config_file;
        let text = match std::fs::read_to_string(path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Self::default()),
            Err(e) => return Err(io_error(path, &e)),
        };
        repair_permissions(paths);
        if text.trim().is_empty() {
            return Ok(Self::default());
        }
        let value: Value = serde_json::from_str(&text).map_err(|e| ConfigError::Invalid {
            path: path.display().to_string(),
            detail: format!("{e}; fix or delete the file, then run: paas connect <url>"),
        })?;
        match value {
            Value::Object(doc) => Ok(ConfigFile { doc }),
            _ => Err(ConfigError::Invalid {
                path: path.display().to_string(),
                detail:
                    "expected a JSON object; fix or delete the file, then run: paas connect <url>"
                        .to_owned(),
            }),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.context_names().is_empty()
    }

    /// Names of every context that has a URL, `default` first.
    pub fn context_names(&self) -> Vec<String> {
        let mut names = Vec::new();
        if self.get(DEFAULT_CONTEXT).is_some() {
            names.push(DEFAULT_CONTEXT.to_owned());
        }
        if let Some(Value::Object(contexts)) = self.doc.get("contexts") {
            names.extend(contexts.keys().filter(|k| *k != DEFAULT_CONTEXT).cloned());
        }
        names
    }

    /// One context, if recorded (a record without a URL counts as absent).
    pub fn get(&self, context: &str) -> Option<ContextRecord> {
        let record = if context == DEFAULT_CONTEXT {
            let mut top = Map::new();
            for key in DEFAULT_KEYS {
                if let Some(v) = self.doc.get(key) {
                    top.insert(key.to_owned(), v.clone());
                }
            }
            serde_json::from_value::<ContextRecord>(Value::Object(top)).ok()?
        } else {
            let value = self.doc.get("contexts")?.get(context)?.clone();
            serde_json::from_value::<ContextRecord>(value).ok()?
        };
        with_base_url(record)
    }

    /// Like [`ConfigFile::get`], but a record that is there and cannot be understood is an
    /// error that says what is wrong (instead of looking like "not connected").
    pub fn get_checked(
        &self,
        context: &str,
        path: &Path,
    ) -> Result<Option<ContextRecord>, ConfigError> {
        let fields = if context == DEFAULT_CONTEXT {
            let top: Map<String, Value> = DEFAULT_KEYS
                .iter()
                .filter_map(|key| Some(((*key).to_owned(), self.doc.get(*key)?.clone())))
                .collect();
            if top.is_empty() {
                return Ok(None);
            }
            Value::Object(top)
        } else {
            match self.doc.get("contexts").and_then(|c| c.get(context)) {
                Some(value) => value.clone(),
                None => return Ok(None),
            }
        };
        let invalid = |detail: String| ConfigError::Invalid {
            path: path.display().to_string(),
            detail,
        };
        if let Some(store) = fields.get("tokenStore")
            && !matches!(store.as_str(), Some("keychain" | "file"))
        {
            return Err(invalid(format!(
                "context {context:?} has \"tokenStore\": {}, which this version does not \
                 understand; valid values are \"keychain\" (the token is in the OS keychain) and \
                 \"file\" (the token is in this file). Fix the value, or run: paas connect <url>{}",
                mask_tokens(&store.to_string()),
                super::context_flag(context)
            )));
        }
        let record = serde_json::from_value::<ContextRecord>(fields).map_err(|e| {
            invalid(format!(
                "context {context:?}: {}; fix or delete the file, then run: paas connect <url>",
                mask_tokens(&e.to_string())
            ))
        })?;
        Ok(with_base_url(record))
    }

    /// Whether any field of the default context is present (with or without a URL).
    pub fn has_default_fields(&self) -> bool {
        DEFAULT_KEYS.iter().any(|key| self.doc.contains_key(*key))
    }

    /// Raw top-level value of the default context's `url`/`token`, for `doctor`.
    pub fn raw(&self) -> &Map<String, Value> {
        &self.doc
    }

    /// Insert or replace a context, keeping unknown fields and key order.
    pub fn set(&mut self, context: &str, record: &ContextRecord) {
        let Ok(Value::Object(fields)) = serde_json::to_value(record) else {
            return;
        };
        if context == DEFAULT_CONTEXT {
            if !self.doc.contains_key("version") {
                // Fresh document: the Go CLI's key order.
                let old = std::mem::take(&mut self.doc);
                self.doc.insert("version".to_owned(), Value::from(1));
                self.doc.extend(old);
            }
            self.doc.insert("version".to_owned(), Value::from(1));
            for key in DEFAULT_KEYS {
                match fields.get(key) {
                    Some(v) => {
                        self.doc.insert(key.to_owned(), v.clone());
                    }
                    None => {
                        self.doc.shift_remove(key);
                    }
                }
            }
        } else {
            if !self.doc.contains_key("version") {
                self.doc.insert("version".to_owned(), Value::from(1));
            }
            let contexts = self
                .doc
                .entry("contexts")
                .or_insert_with(|| Value::Object(Map::new()));
            if !contexts.is_object() {
                *contexts = Value::Object(Map::new());
            }
            if let Value::Object(map) = contexts {
                // Keep unknown per-context fields too.
                let mut merged = match map.get(context) {
                    Some(Value::Object(existing)) => existing.clone(),
                    _ => Map::new(),
                };
                for key in DEFAULT_KEYS {
                    match fields.get(key) {
                        Some(v) => {
                            merged.insert(key.to_owned(), v.clone());
                        }
                        None => {
                            merged.shift_remove(key);
                        }
                    }
                }
                map.insert(context.to_owned(), Value::Object(merged));
            }
        }
    }

    /// Forget a context. Returns whether it existed.
    pub fn remove(&mut self, context: &str) -> bool {
        let existed = self.get(context).is_some();
        if context == DEFAULT_CONTEXT {
            for key in DEFAULT_KEYS {
                self.doc.shift_remove(key);
            }
        } else if let Some(Value::Object(map)) = self.doc.get_mut("contexts") {
            map.shift_remove(context);
            if map.is_empty() {
                self.doc.shift_remove("contexts");
            }
        }
        existed
    }

    /// True when nothing but `version` is left: the file can be deleted.
    pub fn is_blank(&self) -> bool {
        self.doc.keys().all(|k| k == "version")
    }

    /// Write atomically with mode 0600 in a 0700 directory; delete the file when blank.
    /// A symlinked config file (say, into a dotfiles repository) stays a link: its target is
    /// written (or, when blank, emptied of every context) instead.
    pub fn save(&self, paths: &Paths) -> Result<(), ConfigError> {
        let linked =
            std::fs::symlink_metadata(&paths.config_file).is_ok_and(|m| m.file_type().is_symlink());
        if self.is_blank() && !linked {
            return match std::fs::remove_file(&paths.config_file) {
                Ok(()) => Ok(()),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
                Err(e) => Err(write_error(&paths.config_file, &e)),
            };
        }
        let mut text = serde_json::to_string_pretty(&Value::Object(self.doc.clone()))
            .map_err(|e| ConfigError::Other(format!("could not encode the config: {e}")))?;
        text.push('\n');
        write_private(&paths.config_dir, &paths.config_file, text.as_bytes())
    }
}

/// Atomically write `bytes` to `file` (0600), creating or repairing `dir` to 0700. When
/// `file` is a symlink the write goes to its target, through a temporary file in the
/// target's directory (a rename only is atomic within one file system), so the link stays.
pub fn write_private(dir: &Path, file: &Path, bytes: &[u8]) -> Result<(), ConfigError> {
    ensure_private_dir(dir)?;
    let target = link_target(file).map_err(|e| write_error(file, &e))?;
    let target_dir = match target.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent.to_path_buf(),
        _ => dir.to_path_buf(),
    };
    let failed = |e: &std::io::Error| write_error(&target, e);
    let mut temp = tempfile::Builder::new()
        .prefix(".config.json.")
        .suffix(".tmp")
        .tempfile_in(&target_dir)
        .map_err(|e| failed(&e))?;
    // tempfile creates the file 0600 on Unix already; be explicit anyway.
    set_mode(temp.path(), 0o600).map_err(|e| failed(&e))?;
    temp.write_all(bytes).map_err(|e| failed(&e))?;
    temp.as_file().sync_all().map_err(|e| failed(&e))?;
    temp.persist(&target).map_err(|e| failed(&e.error))?;
    Ok(())
}

/// Follow `path` through symlinks to the file they finally name (which may not exist yet).
fn link_target(path: &Path) -> std::io::Result<PathBuf> {
    let mut current = path.to_path_buf();
    // The kernel's own limit on nested links (Linux MAXSYMLINKS).
    for _ in 0..40 {
        match std::fs::symlink_metadata(&current) {
            Ok(meta) if meta.file_type().is_symlink() => {
                let next = std::fs::read_link(&current)?;
                current = match current.parent() {
                    Some(parent) => parent.join(next),
                    None => next,
                };
            }
            _ => return Ok(current),
        }
    }
    Err(std::io::Error::other(format!(
        "too many levels of symbolic links from {}",
        path.display()
    )))
}

/// Create the directory with mode 0700, or repair its mode if it is looser.
pub fn ensure_private_dir(dir: &Path) -> Result<(), ConfigError> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(dir)
            .map_err(|e| write_error(dir, &e))?;
    }
    #[cfg(not(unix))]
    std::fs::create_dir_all(dir).map_err(|e| write_error(dir, &e))?;
    if mode_of(dir).is_some_and(|m| m & 0o077 != 0) {
        set_mode(dir, 0o700).map_err(|e| write_error(dir, &e))?;
    }
    Ok(())
}

/// Tighten the directory to 0700 and the file to 0600 if either is readable by others.
pub fn repair_permissions(paths: &Paths) {
    for (path, mode) in [(&paths.config_dir, 0o700), (&paths.config_file, 0o600)] {
        if let Some(current) = mode_of(path)
            && current & 0o077 != 0
        {
            match set_mode(path, mode) {
                Ok(()) => note(&format!(
                    "{} was mode {current:o} (open to other users); tightened to {mode:o}",
                    path.display()
                )),
                Err(e) => note(&format!(
                    "{} is mode {current:o} (open to other users) and could not be tightened: \
                     {e}; run: chmod {mode:o} {}",
                    path.display(),
                    path.display()
                )),
            }
        }
    }
}

/// Where notes about repaired permissions go: a tracing warning unless the program chose
/// otherwise (the CLI prints a plain `note:` line; `paas mcp` keeps the log line on stderr).
static NOTE_WRITER: OnceLock<fn(&str)> = OnceLock::new();

/// Send notes from config handling to `writer` from now on (first call wins).
pub fn set_note_writer(writer: fn(&str)) {
    let _ = NOTE_WRITER.set(writer);
}

fn note(message: &str) {
    match NOTE_WRITER.get() {
        Some(writer) => writer(message),
        None => tracing::warn!("{message}"),
    }
}

/// Permission bits (Unix only; `None` elsewhere or when the path does not exist).
pub fn mode_of(path: &Path) -> Option<u32> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::metadata(path)
            .ok()
            .map(|m| m.permissions().mode() & 0o777)
    }
    #[cfg(not(unix))]
    {
        let _ = path;
        None
    }
}

fn set_mode(path: &Path, mode: u32) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))
    }
    #[cfg(not(unix))]
    {
        let _ = (path, mode);
        Ok(())
    }
}

fn io_error(path: &Path, e: &std::io::Error) -> ConfigError {
    ConfigError::Io {
        path: path.display().to_string(),
        detail: e.to_string(),
    }
}

/// A failed write names the file the user knows (never a temporary file) and its directory.
fn write_error(path: &Path, e: &std::io::Error) -> ConfigError {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(path);
    // The OS reason only: tempfile adds the random temporary path to its errors.
    let detail = match e.raw_os_error() {
        Some(code) => std::io::Error::from_raw_os_error(code).to_string(),
        None => {
            let text = e.to_string();
            text.split(" at path ")
                .next()
                .unwrap_or_default()
                .to_owned()
        }
    };
    ConfigError::Write {
        path: path.display().to_string(),
        dir: dir.display().to_string(),
        detail,
    }
}

/// A read record with its URL as every command uses it (see [`super::base_url`]): a Go CLI
/// config may end it in `/`, and hints built from it would say `//api/...`. `None` for a
/// record without a URL, which counts as absent.
fn with_base_url(mut record: ContextRecord) -> Option<ContextRecord> {
    record.url = super::base_url(&record.url);
    (!record.url.is_empty()).then_some(record)
}
