//! A bearer token that never prints itself.

use std::fmt;

/// A PaaS token (agent `bpagt_…` or admin). `Debug` and `Display` are redacted so a token
/// cannot leak through logs or error messages; [`Token::expose`] is the only way out.
#[derive(Clone, PartialEq, Eq)]
pub struct Token(String);

impl Token {
    pub fn new(raw: impl Into<String>) -> Self {
        Token(raw.into().trim().to_owned())
    }

    /// The raw secret, for the `Authorization` header and the credential store only.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// Agent tokens carry a cosmetic `bpagt_` prefix (spec §1.1).
    pub fn looks_like_agent(&self) -> bool {
        self.0.starts_with("bpagt_")
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// A short, non-reversible fingerprint (hex of SHA-256, 12 chars) for cache keys and
    /// "which token is this" displays.
    pub fn fingerprint(&self) -> String {
        use sha2::{Digest, Sha256};
        let digest = Sha256::digest(self.0.as_bytes());
        hex::encode(digest)[..12].to_owned()
    }
}

impl fmt::Debug for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Token(***)")
    }
}

impl fmt::Display for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.looks_like_agent() {
            f.write_str("bpagt_***")
        } else {
            f.write_str("***")
        }
    }
}
