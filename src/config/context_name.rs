//! The one rule for context names a user asks for (`--context`, `PAAS_CONTEXT`).
//!
//! A context name ends up in editor entry names (`better-paas-<context>`), keychain entry
//! names and commands we print, so it is limited to what all of them take as is: 1 to 52
//! ASCII letters, digits, `-` or `_` (the characters editor entry names allow; 52 keeps
//! `better-paas-<context>` within the 64 characters Codex accepts for an entry name).
//! Names already stored in `~/.paas/config.json` are not checked: the Go CLI's file and
//! older versions must keep loading. Only what the user asks for is validated.

use super::token_shape::{looks_like_token, mask_tokens};

/// Longest accepted context name.
pub const MAX_CONTEXT_NAME: usize = 52;

/// Why a requested context name was refused. The message never repeats a token-looking
/// value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InvalidContextName {
    #[error(
        "the context name is empty; leave --context out (and PAAS_CONTEXT unset) for the default context"
    )]
    Empty,
    #[error(
        "the context name {shown:?} looks like a token; tokens never go in --context or PAAS_CONTEXT. \
         A context name is 1 to {MAX_CONTEXT_NAME} ASCII letters, digits, '-' or '_'"
    )]
    Token { shown: String },
    #[error(
        "invalid context name {name:?}: use 1 to {MAX_CONTEXT_NAME} ASCII letters, digits, '-' or '_' \
         (for example staging or prod_eu)"
    )]
    Characters { name: String },
}

/// Check a context name the user asked for.
pub fn validate_context_name(name: &str) -> Result<(), InvalidContextName> {
    if name.is_empty() {
        return Err(InvalidContextName::Empty);
    }
    if looks_like_token(name) {
        return Err(InvalidContextName::Token {
            shown: mask_tokens(name),
        });
    }
    let valid = name.len() <= MAX_CONTEXT_NAME
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if valid {
        Ok(())
    } else {
        Err(InvalidContextName::Characters {
            name: name.to_owned(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_rule_accepts_plain_names_and_refuses_the_rest() {
        for ok in ["default", "staging", "prod_eu-2", &"z".repeat(52)] {
            assert_eq!(validate_context_name(ok), Ok(()), "{ok}");
        }
        assert_eq!(validate_context_name(""), Err(InvalidContextName::Empty));
        for bad in ["a b", "../x", "x/y", "é", &"z".repeat(53), " staging"] {
            assert!(
                matches!(
                    validate_context_name(bad),
                    Err(InvalidContextName::Characters { .. })
                ),
                "{bad}"
            );
        }
    }

    #[test]
    fn a_token_is_refused_without_being_repeated() {
        let token = format!("bpagt_{}", "ab12".repeat(16));
        let message = validate_context_name(&token).unwrap_err().to_string();
        assert!(!message.contains(&token), "{message}");
        assert!(message.contains("bpagt_***"), "{message}");
    }
}
