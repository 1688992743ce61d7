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
    /// Which platform store backs the keychain here, for `connect` and `doctor`.
    pub fn backend_name() -> &'static str {
        #[cfg(target_os = "linux")]
        {
            let usable =
                std::thread::scope(|s| s.spawn(secret_service_usable).join().unwrap_or(false));
            if usable {
                "Secret Service"
            } else {
                "kernel keyutils; cleared on reboot"
            }
        }
        #[cfg(target_os = "macos")]
        {
            "macOS Keychain"
        }
        #[cfg(windows)]
        {
            "Windows Credential Manager"
        }
        #[cfg(not(any(target_os = "linux", target_os = "macos", windows)))]
        {
            "platform store"
        }
    }

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
/// Linux keyutils without a login session keyring (containers, some SSH setups): the first
/// handle of a thread makes the kernel give the thread its own session keyring (linked to
/// the persistent one) but keeps the id of the shared one it saw before, so a key written
/// through it would land in the shared keyring and the link to the persistent keyring
/// fails. Making (and dropping) one handle first avoids that; the retry on a fresh handle
/// covers what is left.
///
/// Every operation runs on its own short-lived thread: the Secret Service client blocks on
/// a private tokio runtime, which must not be started from inside ours.
fn with_entry<T: Send>(
    user: &str,
    op: impl Fn(&keyring::Entry) -> keyring::Result<T> + Sync,
) -> keyring::Result<T> {
    std::thread::scope(|scope| {
        scope
            .spawn(|| {
                // Per thread: without a login session keyring, each thread gets its own.
                let _ = new_entry("warm-up");
                let attempt = || new_entry(user).and_then(|e| op(&e));
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
            })
            .join()
            .unwrap_or_else(|_| {
                Err(keyring::Error::PlatformFailure(
                    "the keychain call panicked".into(),
                ))
            })
    })
}

/// An entry in the platform store. On Linux: the Secret Service (GNOME Keyring, KWallet)
/// behind a keyutils cache when a Secret Service answers, so tokens survive a reboot;
/// otherwise (SSH sessions, servers, CI) the kernel keyutils store alone, which lasts until
/// reboot. Elsewhere the platform default (macOS Keychain, Windows Credential Manager).
fn new_entry(user: &str) -> keyring::Result<keyring::Entry> {
    #[cfg(target_os = "linux")]
    {
        if secret_service_usable() {
            let credential =
                keyring::keyutils_persistent::KeyutilsPersistentCredential::new_with_target(
                    None,
                    KEYCHAIN_SERVICE,
                    user,
                )?;
            return Ok(keyring::Entry::new_with_credential(Box::new(credential)));
        }
        let credential =
            keyring::keyutils::KeyutilsCredential::new_with_target(None, KEYCHAIN_SERVICE, user)?;
        Ok(keyring::Entry::new_with_credential(Box::new(credential)))
    }
    #[cfg(not(target_os = "linux"))]
    {
        keyring::Entry::new(KEYCHAIN_SERVICE, user)
    }
}

/// Whether a Secret Service answers on the session bus (asked once per process): a lookup
/// of an entry that does not exist must say "no entry", not fail.
#[cfg(target_os = "linux")]
fn secret_service_usable() -> bool {
    static USABLE: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *USABLE.get_or_init(|| {
        if std::env::var_os("DBUS_SESSION_BUS_ADDRESS").is_none() {
            return false;
        }
        let lookup = keyring::secret_service::SsCredential::new_with_target(
            None,
            KEYCHAIN_SERVICE,
            "secret-service-probe",
        )
        .map(|c| keyring::Entry::new_with_credential(Box::new(c)))
        .and_then(|e| e.get_password());
        matches!(lookup, Ok(_) | Err(keyring::Error::NoEntry))
    })
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
                "{ENV_TOKEN_STORE}={:?} is not valid; use auto, keychain or file",
                super::mask_tokens(other)
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
