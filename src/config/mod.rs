//! Where credentials come from, resolved once into one [`Credentials`] value.
//!
//! Order: `PAAS_API_URL` + `PAAS_TOKEN` from the environment > the OS keychain entry of the
//! current context > `~/.paas/config.json` (the Go CLI's format, still readable by it).
//! Paths are resolved once into [`Paths`] so tests can point HOME at a temp dir.
//!
//! Contexts: the `default` context is the top level of the file (the Go CLI's format, so the
//! Go CLI still reads it); other contexts live under `contexts.<name>`. Each records in
//! `tokenStore` whether its token is in the OS keychain or in the file.

pub mod context_name;
pub mod file;
pub mod store;
pub mod token_shape;

use std::path::PathBuf;

use crate::api::Token;

pub use context_name::{InvalidContextName, validate_context_name};
pub use file::{ConfigFile, ContextRecord, DEFAULT_CONTEXT, StoreKind, set_note_writer};
pub use store::{FileStore, KeychainStore, MemoryStore, TokenStore};
pub use token_shape::{looks_like_token, mask_tokens};

/// Filesystem locations, resolved once.
#[derive(Clone, Debug)]
pub struct Paths {
    pub home: PathBuf,
    /// `~/.paas`
    pub config_dir: PathBuf,
    /// `~/.paas/config.json`
    pub config_file: PathBuf,
}

impl Paths {
    pub fn from_home(home: PathBuf) -> Self {
        let config_dir = home.join(".paas");
        let config_file = config_dir.join("config.json");
        Paths {
            home,
            config_dir,
            config_file,
        }
    }

    /// From the current user's home directory.
    pub fn from_env() -> Result<Self, ConfigError> {
        dirs::home_dir()
            .map(Self::from_home)
            .ok_or(ConfigError::NoHome)
    }

    /// `~/.paas/cache`: scope-probe results, written by `paas mcp` and `paas connect`, read
    /// by `paas mcp` (fallback) and `paas setup` (advice).
    pub fn cache_dir(&self) -> PathBuf {
        self.config_dir.join("cache")
    }
}

/// Where the token of the resolved credentials was found.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum TokenSource {
    Env,
    Keychain,
    File,
}

impl TokenSource {
    pub const fn as_str(self) -> &'static str {
        match self {
            TokenSource::Env => "environment (PAAS_TOKEN)",
            TokenSource::Keychain => "OS keychain",
            TokenSource::File => "~/.paas/config.json",
        }
    }
}

/// Resolved credentials for one PaaS.
#[derive(Clone, Debug)]
pub struct Credentials {
    /// API base URL, no trailing slash.
    pub url: String,
    pub token: Token,
    /// Context name (`default` unless chosen with `--context` / `PAAS_CONTEXT`).
    pub context: String,
    pub source: TokenSource,
    pub profile: Option<String>,
    pub agent_name: Option<String>,
    pub agent_id: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot find the home directory; set HOME")]
    NoHome,
    /// Nothing is stored yet. Carries the context asked for, so that the suggested
    /// `paas connect` connects that context and not the default one.
    #[error("not connected - run: paas connect <url>{}", context_flag(context))]
    NotConnected { context: String },
    #[error("config at {path} is incomplete - run: paas connect <url>")]
    Incomplete { path: String },
    #[error("invalid config at {path}: {detail}")]
    Invalid { path: String, detail: String },
    /// The requested context is not in the file, but others are.
    #[error("{}", unknown_context(name, known))]
    UnknownContext { name: String, known: Vec<String> },
    /// Only one of `PAAS_API_URL` / `PAAS_TOKEN` is set: silently using the stored
    /// credentials instead would hide the mistake.
    #[error(
        "{set} is set but {missing} is not: the environment replaces the stored credentials \
         only when both are set. Set {missing} too, or unset {set} to use the stored \
         credentials (paas connect <url> stores them)"
    )]
    EnvIncomplete {
        set: &'static str,
        missing: &'static str,
    },
    #[error("could not read {path}: {detail}")]
    Io { path: String, detail: String },
    #[error(
        "could not write {path}: {detail}; check that you may write to {dir} \
         (ls -ld {dir}) and that the disk is not full"
    )]
    Write {
        path: String,
        dir: String,
        detail: String,
    },
    #[error("{0}")]
    Other(String),
}

/// `context "x" is not connected; known contexts: a, b (use --context a)`.
fn unknown_context(name: &str, known: &[String]) -> String {
    let example = known.first().map_or("NAME", String::as_str);
    let switch = if known.len() == 1 {
        format!("use --context {example}")
    } else {
        "use --context NAME".to_owned()
    };
    format!(
        "context {name:?} is not connected; known contexts: {} ({switch}), or connect it: \
         paas connect <url>{}",
        known.join(", "),
        context_flag(name)
    )
}

/// The environment variables that override the config file (what `paas env` prints).
pub const ENV_URL: &str = "PAAS_API_URL";
pub const ENV_TOKEN: &str = "PAAS_TOKEN";
pub const ENV_CONTEXT: &str = "PAAS_CONTEXT";

/// Resolve credentials: environment first, then the keychain/file of `context`.
pub fn resolve(paths: &Paths, context: Option<&str>) -> Result<Credentials, ConfigError> {
    resolve_with(paths, context, &KeychainStore)
}

/// The context name to use: the argument, else `PAAS_CONTEXT`, else `default`.
pub fn context_name(context: Option<&str>) -> String {
    context
        .map(str::to_owned)
        .or_else(|| std::env::var(ENV_CONTEXT).ok())
        .map(|c| c.trim().to_owned())
        .filter(|c| !c.is_empty())
        .unwrap_or_else(|| DEFAULT_CONTEXT.to_owned())
}

/// `PAAS_API_URL` + `PAAS_TOKEN`, when both are set and non-empty.
pub fn from_env() -> Option<Credentials> {
    let url = std::env::var(ENV_URL)
        .ok()
        .filter(|v| !v.trim().is_empty())?;
    let token = std::env::var(ENV_TOKEN)
        .ok()
        .filter(|v| !v.trim().is_empty())?;
    Some(Credentials {
        url: base_url(&url),
        token: Token::new(token),
        context: "env".to_owned(),
        source: TokenSource::Env,
        profile: None,
        agent_name: None,
        agent_id: None,
    })
}

/// An error when exactly one of `PAAS_API_URL` / `PAAS_TOKEN` is set.
pub fn check_env_pair() -> Result<(), ConfigError> {
    let set = |name: &str| std::env::var(name).is_ok_and(|v| !v.trim().is_empty());
    match (set(ENV_URL), set(ENV_TOKEN)) {
        (true, false) => Err(ConfigError::EnvIncomplete {
            set: ENV_URL,
            missing: ENV_TOKEN,
        }),
        (false, true) => Err(ConfigError::EnvIncomplete {
            set: ENV_TOKEN,
            missing: ENV_URL,
        }),
        _ => Ok(()),
    }
}

/// Refuse a base URL that is not http(s), without echoing it when it looks like a token
/// (a token pasted into the wrong field must not end up on screen or in logs).
fn check_url(url: &str, origin: &str, fix: &str) -> Result<(), ConfigError> {
    if looks_like_token(url) {
        return Err(ConfigError::Other(format!(
            "{origin} holds what looks like a token ({}), not a PaaS URL; {fix}",
            mask_tokens(url)
        )));
    }
    let lower = url.to_ascii_lowercase();
    if lower.starts_with("http://") || lower.starts_with("https://") {
        Ok(())
    } else {
        Err(ConfigError::Other(format!(
            "{origin} is {url:?}, not an http:// or https:// URL; {fix}"
        )))
    }
}

/// [`resolve`] with an explicit keychain backend (tests pass a [`MemoryStore`]).
pub fn resolve_with(
    paths: &Paths,
    context: Option<&str>,
    keychain: &dyn TokenStore,
) -> Result<Credentials, ConfigError> {
    if let Some(credentials) = from_env() {
        check_url(
            &credentials.url,
            ENV_URL,
            "set it to the PaaS URL, e.g. https://paas.example.com",
        )?;
        return Ok(credentials);
    }
    check_env_pair()?;
    let name = context_name(context);
    let file = ConfigFile::load(paths)?;
    let path = paths.config_file.display().to_string();
    let Some(record) = file.get_checked(&name, &paths.config_file)? else {
        if file.is_empty() {
            return Err(ConfigError::NotConnected { context: name });
        }
        if name == DEFAULT_CONTEXT && file.has_default_fields() {
            return Err(ConfigError::Incomplete { path });
        }
        return Err(ConfigError::UnknownContext {
            name,
            known: file.context_names(),
        });
    };
    check_url(
        &record.url,
        &format!("the \"url\" of context {name:?} in {path}"),
        &format!("fix it, or run: paas connect <url>{}", context_flag(&name)),
    )?;
    let url = record.url.clone();
    let (token, source) = match record.store() {
        StoreKind::Keychain => match keychain.get(&name, &url)? {
            Some(token) => (token, TokenSource::Keychain),
            None => match record.token.clone().filter(|t| !t.trim().is_empty()) {
                Some(token) => (Token::new(token), TokenSource::File),
                None => {
                    return Err(ConfigError::Other(format!(
                        "the token of context {name:?} should be in the OS keychain but is not \
                         there (the Linux kernel keyring is cleared on reboot); run: paas connect {url}{}",
                        context_flag(&name)
                    )));
                }
            },
        },
        StoreKind::File => match record.token.clone().filter(|t| !t.trim().is_empty()) {
            Some(token) => (Token::new(token), TokenSource::File),
            None => {
                return Err(ConfigError::Other(format!(
                    "context {name:?} in {path} has no token; run: paas connect {url}{}",
                    context_flag(&name)
                )));
            }
        },
    };
    Ok(Credentials {
        url,
        token,
        context: name,
        source,
        profile: record.profile,
        agent_name: record.name,
        agent_id: record.agent_id,
    })
}

/// A PaaS URL as stored and shown: no surrounding spaces, no trailing `/` (paths are
/// appended to it, and `http://host/` + `/api/...` would ask for `//api/...`, a 404).
pub fn base_url(url: &str) -> String {
    url.trim().trim_end_matches('/').to_owned()
}

/// ` --context NAME` for messages, empty for the default context.
pub fn context_flag(context: &str) -> String {
    if context == DEFAULT_CONTEXT {
        String::new()
    } else {
        format!(" --context {context}")
    }
}

/// Save a new connection: the token into `store`, the record into the file. If the file
/// cannot be written, the keychain entry is removed again (nothing half-written). A token
/// of the same context stored elsewhere before (other URL, other backend) is removed.
pub fn save_connection(
    paths: &Paths,
    context: &str,
    mut record: ContextRecord,
    token: &Token,
    store: &dyn TokenStore,
    keychain: &dyn TokenStore,
) -> Result<(), ConfigError> {
    let mut file = ConfigFile::load(paths)?;
    let previous = file.get(context);
    record.url = base_url(&record.url);
    record.token_store = Some(store.kind());
    match store.kind() {
        StoreKind::Keychain => {
            record.token = None;
            store.set(context, &record.url, token)?;
            file.set(context, &record);
            if let Err(e) = file.save(paths) {
                let _ = store.delete(context, &record.url);
                return Err(e);
            }
        }
        StoreKind::File => {
            record.token = Some(token.expose().to_owned());
            file.set(context, &record);
            file.save(paths)?;
        }
    }
    if let Some(previous) = previous
        && previous.store() == StoreKind::Keychain
        && (store.kind() != StoreKind::Keychain || previous.url != record.url)
    {
        let _ = keychain.delete(context, &previous.url);
    }
    Ok(())
}

/// What [`forget`] removed.
#[derive(Debug, Default, Clone)]
pub struct Forgotten {
    pub record: Option<ContextRecord>,
    pub keychain_entry: bool,
    pub file_token: bool,
}

/// Remove a context's token from the keychain and the file, and its record from the file.
pub fn forget(
    paths: &Paths,
    context: &str,
    keychain: &dyn TokenStore,
) -> Result<Forgotten, ConfigError> {
    let mut file = ConfigFile::load(paths)?;
    let Some(record) = file.get(context) else {
        return Ok(Forgotten::default());
    };
    // Try the keychain even if the record says "file": an older connect may have left one.
    let keychain_entry = match keychain.delete(context, &record.url) {
        Ok(removed) => removed,
        Err(e) if record.store() == StoreKind::Keychain => return Err(e),
        Err(_) => false,
    };
    let file_token = record.token.is_some();
    file.remove(context);
    file.save(paths)?;
    Ok(Forgotten {
        record: Some(record),
        keychain_entry,
        file_token,
    })
}

#[cfg(test)]
mod tests;
