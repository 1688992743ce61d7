//! Where tokens are kept: a small trait with three backends.
//!
//! - [`KeychainStore`]: the OS credential store through the `keyring` crate (macOS Keychain,
//!   Windows Credential Manager, Linux kernel keyutils). Entries are named service
//!   `paas-mcp`, user `<context>@<api url>`, so two PaaS instances never share an entry.
//! - [`FileStore`]: the `token` field of `~/.paas/config.json` (0600), what the Go CLI reads.
//! - [`MemoryStore`]: for tests.
//!
//! [`choose`] picks the keychain when it actually works (probed by write, read and delete of
//! a throw-away entry), else the file. `PAAS_TOKEN_STORE=keychain|file` forces a backend.

use std::collections::HashMap;
use std::sync::Mutex;

use super::file::{ConfigFile, StoreKind};
use super::{ConfigError, Paths};
use crate::api::Token;

/// Keychain service name of every entry we write.
pub const KEYCHAIN_SERVICE: &str = "paas-mcp";

/// Environment variable that forces a backend: `keychain`, `file` or `auto` (default).
pub const ENV_TOKEN_STORE: &str = "PAAS_TOKEN_STORE";

/// A place that keeps one secret per (context, url).
pub trait TokenStore: Send + Sync {
    fn kind(&self) -> StoreKind;
    fn get(&self, context: &str, url: &str) -> Result<Option<Token>, ConfigError>;
    fn set(&self, context: &str, url: &str, token: &Token) -> Result<(), ConfigError>;
    /// Remove the secret; absent is not an error. Returns whether something was removed.
    fn delete(&self, context: &str, url: &str) -> Result<bool, ConfigError>;
}

fn entry_user(context: &str, url: &str) -> String {
    format!("{context}@{url}")
}

/// The OS credential store.
#[derive(Debug, Default, Clone, Copy)]
pub struct KeychainStore;

impl KeychainStore {
    /// Write, read back and delete a throw-away entry: `Ok` only if all three work.
    pub fn probe() -> Result<(), String> {
        let nonce: u64 = rand::random();
        let user = format!("probe-{nonce:016x}");
        let secret = user.clone();
        with_entry(&user, |e| e.set_password(&secret)).map_err(|e| e.to_string())?;
        let read = with_entry(&user, keyring::Entry::get_password);
        let deleted = with_entry(&user, keyring::Entry::delete_credential);
        match (read, deleted) {
            (Ok(back), Ok(())) if back == secret => Ok(()),
            (Ok(_), Ok(())) => Err("the keychain returned a different value".to_owned()),
            (Err(e), _) | (_, Err(e)) => Err(e.to_string()),
        }
    }
}

/// Run `op` on a fresh entry handle, up to three times while it reports a missing entry.
///
/// Linux keyutils: the first handles a process creates link the user's persistent keyring
/// into the session keyring, and operations through them can fail with "no entry" (seen as
/// `set` failing right after a fresh login session) before the link settles. A fresh
/// handle a moment later works. A genuinely missing entry costs two short retries.
fn with_entry<T>(
    user: &str,
    op: impl Fn(&keyring::Entry) -> keyring::Result<T>,
) -> keyring::Result<T> {
    // The first handle of a process makes the kernel give the process its own session
    // keyring (linked to the persistent one) but keeps the id of the shared one it saw
    // before: a key written through it lands in the shared keyring and the link to the
    // persistent keyring fails. Making (and dropping) one handle first avoids that.
    static WARM_UP: std::sync::Once = std::sync::Once::new();
    WARM_UP.call_once(|| {
        let _ = keyring::Entry::new(KEYCHAIN_SERVICE, "warm-up");
    });
    let attempt = || keyring::Entry::new(KEYCHAIN_SERVICE, user).and_then(|e| op(&e));
    let mut result = attempt();
    for _ in 0..2 {
        match result {
            Err(keyring::Error::NoEntry) => {
                std::thread::sleep(std::time::Duration::from_millis(20));
                result = attempt();
            }
            _ => break,
        }
    }
    result
}

impl TokenStore for KeychainStore {
    fn kind(&self) -> StoreKind {
        StoreKind::Keychain
    }

    fn get(&self, context: &str, url: &str) -> Result<Option<Token>, ConfigError> {
        match with_entry(&entry_user(context, url), keyring::Entry::get_password) {
            Ok(secret) => Ok(Some(Token::new(secret)).filter(|t| !t.is_empty())),
            Err(keyring::Error::NoEntry) => Ok(None),
            Err(e) => Err(ConfigError::Other(format!(
                "could not read the token of context {context:?} from the OS keychain: {e}"
            ))),
        }
    }

    fn set(&self, context: &str, url: &str, token: &Token) -> Result<(), ConfigError> {
        with_entry(&entry_user(context, url), |e| {
            e.set_password(token.expose())
        })
        .map_err(|e| {
            ConfigError::Other(format!(
                "could not store the token in the OS keychain: {e}; \
                 retry with PAAS_TOKEN_STORE=file to keep it in ~/.paas/config.json"
            ))
        })
    }

    fn delete(&self, context: &str, url: &str) -> Result<bool, ConfigError> {
        match with_entry(&entry_user(context, url), keyring::Entry::delete_credential) {
            Ok(()) => Ok(true),
            Err(keyring::Error::NoEntry) => Ok(false),
            Err(e) => Err(ConfigError::Other(format!(
                "could not delete the token of context {context:?} from the OS keychain: {e}"
            ))),
        }
    }
}

/// The `token` field of the context in `~/.paas/config.json`.
#[derive(Debug, Clone)]
pub struct FileStore {
    paths: Paths,
}

impl FileStore {
    pub fn new(paths: &Paths) -> Self {
        FileStore {
            paths: paths.clone(),
        }
    }
}

impl TokenStore for FileStore {
    fn kind(&self) -> StoreKind {
        StoreKind::File
    }

    fn get(&self, context: &str, _url: &str) -> Result<Option<Token>, ConfigError> {
        let file = ConfigFile::load(&self.paths)?;
        Ok(file
            .get(context)
            .and_then(|r| r.token)
            .map(Token::new)
            .filter(|t| !t.is_empty()))
    }

    fn set(&self, context: &str, url: &str, token: &Token) -> Result<(), ConfigError> {
        let mut file = ConfigFile::load(&self.paths)?;
        let mut record = file.get(context).unwrap_or_default();
        record.url = url.to_owned();
        record.token = Some(token.expose().to_owned());
        record.token_store = Some(StoreKind::File);
        file.set(context, &record);
        file.save(&self.paths)
    }

    fn delete(&self, context: &str, _url: &str) -> Result<bool, ConfigError> {
        let mut file = ConfigFile::load(&self.paths)?;
        let Some(mut record) = file.get(context) else {
            return Ok(false);
        };
        let had = record.token.take().is_some();
        if had {
            file.set(context, &record);
            file.save(&self.paths)?;
        }
        Ok(had)
    }
}

/// In-memory secrets, for tests.
#[derive(Debug)]
pub struct MemoryStore {
    kind: StoreKind,
    secrets: Mutex<HashMap<String, String>>,
}

impl MemoryStore {
    /// A store that reports itself as `kind` (tests of keychain-vs-file logic).
    pub fn new(kind: StoreKind) -> Self {
        MemoryStore {
            kind,
            secrets: Mutex::new(HashMap::new()),
        }
    }
}

impl TokenStore for MemoryStore {
    fn kind(&self) -> StoreKind {
        self.kind
    }

    fn get(&self, context: &str, url: &str) -> Result<Option<Token>, ConfigError> {
        let secrets = self
            .secrets
            .lock()
            .map_err(|_| ConfigError::Other("memory store poisoned".to_owned()))?;
        Ok(secrets.get(&entry_user(context, url)).map(Token::new))
    }

    fn set(&self, context: &str, url: &str, token: &Token) -> Result<(), ConfigError> {
        let mut secrets = self
            .secrets
            .lock()
            .map_err(|_| ConfigError::Other("memory store poisoned".to_owned()))?;
        secrets.insert(entry_user(context, url), token.expose().to_owned());
        Ok(())
    }

    fn delete(&self, context: &str, url: &str) -> Result<bool, ConfigError> {
        let mut secrets = self
            .secrets
            .lock()
            .map_err(|_| ConfigError::Other("memory store poisoned".to_owned()))?;
        Ok(secrets.remove(&entry_user(context, url)).is_some())
    }
}

/// What the user asked for with `PAAS_TOKEN_STORE`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StorePreference {
    Auto,
    Keychain,
    File,
}

impl StorePreference {
    pub fn from_env() -> Result<Self, ConfigError> {
        match std::env::var(ENV_TOKEN_STORE)
            .unwrap_or_default()
            .trim()
            .to_ascii_lowercase()
            .as_str()
        {
            "" | "auto" => Ok(StorePreference::Auto),
            "keychain" => Ok(StorePreference::Keychain),
            "file" => Ok(StorePreference::File),
            other => Err(ConfigError::Other(format!(
                "{ENV_TOKEN_STORE}={other:?} is not valid; use auto, keychain or file"
            ))),
        }
    }
}

/// The backend for a new token: the keychain when it works (or is forced), else the file.
/// The second value explains a fallback, for the user.
pub fn choose(paths: &Paths) -> Result<(Box<dyn TokenStore>, Option<String>), ConfigError> {
    match StorePreference::from_env()? {
        StorePreference::File => Ok((Box::new(FileStore::new(paths)), None)),
        StorePreference::Keychain => match KeychainStore::probe() {
            Ok(()) => Ok((Box::new(KeychainStore), None)),
            Err(e) => Err(ConfigError::Other(format!(
                "{ENV_TOKEN_STORE}=keychain but the OS keychain does not work here: {e}"
            ))),
        },
        StorePreference::Auto => match KeychainStore::probe() {
            Ok(()) => Ok((Box::new(KeychainStore), None)),
            Err(e) => Ok((
                Box::new(FileStore::new(paths)),
                Some(format!("OS keychain not usable ({e})")),
            )),
        },
    }
}

/// The backend a recorded context says its token is in.
pub fn for_kind(kind: StoreKind, paths: &Paths) -> Box<dyn TokenStore> {
    match kind {
        StoreKind::Keychain => Box::new(KeychainStore),
        StoreKind::File => Box::new(FileStore::new(paths)),
    }
}
