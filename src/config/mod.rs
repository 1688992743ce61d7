//! Where credentials come from, resolved once into one [`Credentials`] value.
//!
//! Order: `PAAS_API_URL` + `PAAS_TOKEN` from the environment > the OS keychain entry of the
//! current context > `~/.paas/config.json` (the Go CLI's format, still readable by it).
//! Paths are resolved once into [`Paths`] so tests can point HOME at a temp dir.

use std::path::PathBuf;

use crate::api::Token;

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
    #[error("not connected - run: paas connect <url>")]
    NotConnected,
    #[error("config at {path} is incomplete - run: paas connect <url>")]
    Incomplete { path: String },
    #[error("invalid config at {path}: {detail}")]
    Invalid { path: String, detail: String },
    #[error("no context named {name:?} in {path}; known contexts: {known}")]
    UnknownContext {
        name: String,
        path: String,
        known: String,
    },
    #[error("could not read {path}: {detail}")]
    Io { path: String, detail: String },
    #[error("{0}")]
    Other(String),
}

/// The environment variables that override the config file (what `paas env` prints).
pub const ENV_URL: &str = "PAAS_API_URL";
pub const ENV_TOKEN: &str = "PAAS_TOKEN";
pub const ENV_CONTEXT: &str = "PAAS_CONTEXT";

/// Resolve credentials: environment first, then the keychain/file of `context`.
pub fn resolve(paths: &Paths, context: Option<&str>) -> Result<Credentials, ConfigError> {
    let env_url = std::env::var(ENV_URL).ok().filter(|v| !v.trim().is_empty());
    let env_token = std::env::var(ENV_TOKEN)
        .ok()
        .filter(|v| !v.trim().is_empty());
    if let (Some(url), Some(token)) = (env_url, env_token) {
        return Ok(Credentials {
            url: url.trim().trim_end_matches('/').to_owned(),
            token: Token::new(token),
            context: "env".to_owned(),
            source: TokenSource::Env,
            profile: None,
            agent_name: None,
            agent_id: None,
        });
    }
    let _ = context;
    let path = paths.config_file.display().to_string();
    let text = match std::fs::read_to_string(&paths.config_file) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(ConfigError::NotConnected);
        }
        Err(e) => {
            return Err(ConfigError::Io {
                path,
                detail: e.to_string(),
            });
        }
    };
    let value: serde_json::Value =
        serde_json::from_str(&text).map_err(|e| ConfigError::Invalid {
            path: path.clone(),
            detail: e.to_string(),
        })?;
    let field = |k: &str| {
        value
            .get(k)
            .and_then(|v| v.as_str())
            .map(str::to_owned)
            .filter(|s| !s.is_empty())
    };
    let (Some(url), Some(token)) = (field("url"), field("token")) else {
        return Err(ConfigError::Incomplete { path });
    };
    Ok(Credentials {
        url: url.trim_end_matches('/').to_owned(),
        token: Token::new(token),
        context: "default".to_owned(),
        source: TokenSource::File,
        profile: field("profile"),
        agent_name: field("name"),
        agent_id: field("agentId"),
    })
}
