//! Where a tool puts a new secret instead of its answer.
//!
//! `create_agent` and `rotate_agent` receive a fresh agent token from the PaaS. Returning it
//! would put it into the model's context and the chat transcript, so they hand it to a
//! [`TokenVault`] instead: the user's own credential store, as a named context. The `mcp`
//! layer implements it with `config` (OS keychain, else `~/.paas/config.json`); the
//! catalogue only knows this trait, so it never touches the disk itself.

use crate::api::Token;

/// The agent a new token belongs to.
#[derive(Clone, Copy, Debug)]
pub struct AgentIdentity<'a> {
    /// The PaaS API URL that issued the token.
    pub url: &'a str,
    pub id: &'a str,
    pub name: &'a str,
    pub scopes: &'a [String],
}

/// Where a token was stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredToken {
    /// The `paas` context that now holds it (`--context NAME`).
    pub context: String,
    /// For humans: "OS keychain" or the config file.
    pub store: String,
    /// True when an existing context of this agent was updated (rotate), false when new.
    pub updated: bool,
}

/// The user's credential store, as seen by tools.
pub trait TokenVault: Send + Sync + std::fmt::Debug {
    /// Store `token` of `agent`: into the context that already holds this agent on this
    /// PaaS, else into a new one named after the agent. Blocking (keychain, file); call it
    /// off the async runtime. The error says what failed and never contains the token.
    fn store_agent_token(
        &self,
        agent: AgentIdentity<'_>,
        token: &Token,
    ) -> Result<StoredToken, String>;
}
