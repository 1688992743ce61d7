//! Small helpers shared by every module: ids, tokens, times, locking.

use std::sync::{Mutex, MutexGuard};

use rand::Rng;
use sha2::{Digest, Sha256};

/// Locks a mutex, recovering from poisoning: a panicked request must not take the sandbox down.
pub(crate) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// A 10-character lowercase id, like upstream's opaque ids (they also pass the app-name regex,
/// which matters for runtime logs, spec §8.1).
pub(crate) fn new_id() -> String {
    const ALPHABET: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";
    let mut rng = rand::rng();
    (0..10)
        .map(|_| ALPHABET[rng.random_range(0..ALPHABET.len())] as char)
        .collect()
}

/// `n` random lowercase alphanumerics (name-collision suffixes).
pub(crate) fn random_suffix(n: usize) -> String {
    let mut id = new_id();
    id.truncate(n);
    id
}

/// 32 random bytes as 64 lowercase hex chars (admin token, tickets, connect codes).
pub(crate) fn random_hex32() -> String {
    let bytes: [u8; 32] = rand::rng().random();
    hex::encode(bytes)
}

/// A fresh agent token: `bpagt_` + 64 hex chars.
pub(crate) fn new_agent_token() -> String {
    format!("bpagt_{}", random_hex32())
}

/// SHA-256 of a token, hex; only this is stored for agents.
pub(crate) fn hash_token(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// Constant-time comparison so the admin check does not leak prefix length through timing.
pub(crate) fn ct_eq(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Now as RFC 3339 with sub-second precision, the way Go marshals `time.Time`.
pub(crate) fn now() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true)
}

/// Go's zero `time.Time` as JSON (omitempty does not drop it).
pub(crate) const ZERO_TIME: &str = "0001-01-01T00:00:00Z";
