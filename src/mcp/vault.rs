//! [`ConfigVault`]: the [`TokenVault`] of `paas mcp`, the same credential store
//! `paas connect` uses (OS keychain when it works, else `~/.paas/config.json` with mode
//! 0600; `PAAS_TOKEN_STORE` forces one). New agent tokens from `create_agent` and
//! `rotate_agent` land here as named contexts instead of in the model's context.

use std::collections::BTreeSet;

use crate::api::Token;
use crate::catalog::{AgentIdentity, Profile, Scope, StoredToken, TokenVault};
use crate::config::{self, ConfigFile, ContextRecord, KeychainStore, Paths, store};

/// Stores agent tokens as contexts of the user's `paas` config.
#[derive(Debug, Clone)]
pub struct ConfigVault {
    paths: Paths,
}

impl ConfigVault {
    pub fn new(paths: Paths) -> Self {
        ConfigVault { paths }
    }
}

impl TokenVault for ConfigVault {
    fn store_agent_token(
        &self,
        agent: AgentIdentity<'_>,
        token: &Token,
    ) -> Result<StoredToken, String> {
        let url = agent.url.trim_end_matches('/');
        let file = ConfigFile::load(&self.paths).map_err(|e| e.to_string())?;
        let holder = file.context_names().into_iter().find(|name| {
            file.get(name).is_some_and(|r| {
                r.url.trim_end_matches('/') == url && r.agent_id.as_deref() == Some(agent.id)
            })
        });
        let previous = holder.as_deref().and_then(|name| file.get(name));
        let (context, updated) = match holder {
            Some(name) => (name, true),
            None => (free_context_name(&file, agent.name, agent.id), false),
        };
        let (store, fallback) = store::choose(&self.paths).map_err(|e| e.to_string())?;
        if let Some(reason) = fallback {
            tracing::info!("{reason}; storing the agent token in the config file");
        }
        let record = ContextRecord {
            url: url.to_owned(),
            token: None,
            profile: profile_of(agent.scopes).map(|p| p.as_str().to_owned()),
            name: Some(agent.name.to_owned()),
            agent_id: Some(agent.id.to_owned()),
            token_store: None,
            ui_url: previous.and_then(|p| p.ui_url),
        };
        config::save_connection(
            &self.paths,
            &context,
            record,
            token,
            store.as_ref(),
            &KeychainStore,
        )
        .map_err(|e| e.to_string())?;
        Ok(StoredToken {
            context,
            store: store.kind().describe().to_owned(),
            updated,
        })
    }
}

/// `agent-<name>` in characters a shell and `--context` take as is; `-2`, `-3`… when a
/// context of that name already exists (it belongs to something else).
fn free_context_name(file: &ConfigFile, name: &str, id: &str) -> String {
    let clean = |s: &str| -> String {
        let mut out = String::new();
        for c in s.chars() {
            if c.is_ascii_alphanumeric() || c == '_' || c == '.' {
                out.push(c.to_ascii_lowercase());
            } else if !out.ends_with('-') {
                out.push('-');
            }
        }
        out.trim_matches('-').chars().take(48).collect()
    };
    let stem = match clean(name) {
        s if s.is_empty() => format!("agent-{}", clean(id)),
        s => format!("agent-{s}"),
    };
    let taken: BTreeSet<String> = file.context_names().into_iter().collect();
    std::iter::once(stem.clone())
        .chain((2..).map(|n| format!("{stem}-{n}")))
        .find(|candidate| !taken.contains(candidate))
        .unwrap_or(stem)
}

/// The profile whose scopes are exactly these, for `paas status` and `paas_status`.
fn profile_of(scopes: &[String]) -> Option<Profile> {
    let have: BTreeSet<Scope> = scopes.iter().filter_map(|s| s.parse().ok()).collect();
    if have.len() != scopes.len() {
        return None;
    }
    Profile::ALL
        .into_iter()
        .find(|p| p.scopes().iter().copied().collect::<BTreeSet<_>>() == have)
}
