//! The last successful scope probe, on disk, so a server started while the PaaS is down
//! still offers the tools the token held last time (and nothing more).
//!
//! One file per (URL, token) pair under `~/.paas/cache/`, named by a SHA-256 of both: the
//! token itself never touches the disk here. Files are written atomically with mode 0600.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::api::Token;
use crate::catalog::Grant;

/// What is stored: the grant and when it was observed.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct CachedGrant {
    pub url: String,
    pub grant: Grant,
    /// RFC 3339.
    pub probed_at: String,
}

/// Where the cached grant of `url` + `token` lives.
pub fn path_for(cache_dir: &Path, url: &str, token: &Token) -> PathBuf {
    let mut hasher = Sha256::new();
    hasher.update(url.trim_end_matches('/').as_bytes());
    hasher.update(b"\n");
    hasher.update(token.expose().as_bytes());
    let digest = hex::encode(hasher.finalize());
    cache_dir.join(format!("grant-{}.json", &digest[..32]))
}

/// Read a cached grant; any problem (missing, unreadable, other URL) is just "no cache".
pub fn load(path: &Path, url: &str) -> Option<CachedGrant> {
    let text = std::fs::read_to_string(path).ok()?;
    let cached: CachedGrant = serde_json::from_str(&text).ok()?;
    (cached.url == url).then_some(cached)
}

/// Write atomically (temp file + rename) with mode 0600. Failures are logged, never fatal:
/// the cache is an optimisation for a PaaS that is down.
pub fn store(path: &Path, url: &str, grant: &Grant) {
    let cached = CachedGrant {
        url: url.to_owned(),
        grant: grant.clone(),
        probed_at: chrono::Utc::now().to_rfc3339(),
    };
    if let Err(e) = write_private(path, &cached) {
        tracing::warn!(path = %path.display(), error = %e, "could not cache the scope probe");
    }
}

fn write_private(path: &Path, cached: &CachedGrant) -> std::io::Result<()> {
    let dir = path
        .parent()
        .ok_or_else(|| std::io::Error::other("cache path has no parent"))?;
    std::fs::create_dir_all(dir)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let _ = std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700));
    }
    let mut file = tempfile::NamedTempFile::new_in(dir)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        file.as_file()
            .set_permissions(std::fs::Permissions::from_mode(0o600))?;
    }
    // One write: serde's writer would issue a syscall per token on the unbuffered file.
    let bytes = serde_json::to_vec_pretty(cached).map_err(std::io::Error::other)?;
    std::io::Write::write_all(&mut file, &bytes)?;
    file.persist(path).map_err(|e| e.error)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::Scope;

    #[test]
    fn round_trip_is_private_and_keyed_by_url_and_token() {
        let dir = tempfile::tempdir().unwrap();
        let token = Token::new("bpagt_secret");
        let path = path_for(dir.path(), "http://a", &token);
        assert_ne!(path, path_for(dir.path(), "http://b", &token));
        assert_ne!(path, path_for(dir.path(), "http://a", &Token::new("other")));
        assert!(!path.display().to_string().contains("secret"));
        let grant = Grant::agent([Scope::AppsRead]);
        store(&path, "http://a", &grant);
        assert_eq!(load(&path, "http://a").unwrap().grant, grant);
        assert!(load(&path, "http://b").is_none());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }
}
