//! Recognising text that looks like a PaaS token, so that it is refused on the command line
//! and masked in error messages instead of being echoed (spec §1.1: an agent token is
//! `bpagt_` + 64 hex characters; the generated admin token is 64 lowercase hex characters).
//!
//! The test is deliberately loose (any `bpagt_` followed by a letter or digit, any run of
//! 64 or more hex digits): refusing a harmless value costs a retry, echoing a secret cannot
//! be undone.

/// The cosmetic prefix of agent tokens.
const AGENT_PREFIX: &str = "bpagt_";

/// Length of the admin token the PaaS generates (32 random bytes, hex).
const ADMIN_HEX_LEN: usize = 64;

/// One token-looking piece of `text`, as a byte range and its masked replacement.
struct Found {
    start: usize,
    end: usize,
    mask: &'static str,
}

/// Whether `text` contains something shaped like an agent or admin token.
pub fn looks_like_token(text: &str) -> bool {
    next_token(text, 0).is_some()
}

/// `text` with every token-looking piece replaced by `bpagt_***` or `***`.
pub fn mask_tokens(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    while let Some(found) = next_token(text, at) {
        out.push_str(&text[at..found.start]);
        out.push_str(found.mask);
        at = found.end;
    }
    out.push_str(&text[at..]);
    out
}

/// The first token-looking piece at or after byte `from`.
fn next_token(text: &str, from: usize) -> Option<Found> {
    let agent = text[from..].match_indices(AGENT_PREFIX).find_map(|(i, _)| {
        let start = from + i;
        let body = start + AGENT_PREFIX.len();
        let len = run_len(&text[body..], |c| c.is_ascii_alphanumeric());
        (len > 0).then_some(Found {
            start,
            end: body + len,
            mask: "bpagt_***",
        })
    });
    let admin = hex_run(text, from).map(|(start, end)| Found {
        start,
        end,
        mask: "***",
    });
    match (agent, admin) {
        (Some(a), Some(b)) => Some(if a.start <= b.start { a } else { b }),
        (a, b) => a.or(b),
    }
}

/// The first run of at least [`ADMIN_HEX_LEN`] lowercase hex digits at or after `from`.
fn hex_run(text: &str, from: usize) -> Option<(usize, usize)> {
    let hex = |c: char| c.is_ascii_digit() || ('a'..='f').contains(&c);
    let bytes = text.as_bytes();
    let mut i = from;
    while i < bytes.len() {
        let len = run_len(&text[i..], hex);
        if len >= ADMIN_HEX_LEN {
            return Some((i, i + len));
        }
        // Skip the short run and the character that ended it (ASCII or not).
        i += len;
        i += text[i..].chars().next().map_or(1, char::len_utf8);
    }
    None
}

/// Bytes at the start of `text` whose characters satisfy `keep` (all ASCII here).
fn run_len(text: &str, keep: impl Fn(char) -> bool) -> usize {
    text.chars()
        .take_while(|c| keep(*c))
        .map(char::len_utf8)
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    const AGENT: &str = "bpagt_9ccb0c3e751216c9b0fae0d7e670f3e4469addca98b74c72ad71dab5c05e2c1b";
    const ADMIN: &str = "5f866fd83205ba248b76375d3967a8e13c72fad512f81ff76688fd17201901ed";

    #[test]
    fn agent_and_admin_tokens_are_recognised_anywhere() {
        for text in [
            AGENT,
            ADMIN,
            &format!("--token={AGENT}"),
            &format!("http://x/?t={ADMIN}"),
            "bpagt_x",
        ] {
            assert!(looks_like_token(text), "{text}");
        }
    }

    #[test]
    fn ordinary_arguments_are_not_tokens() {
        for text in [
            "http://127.0.0.1:18601",
            "staging",
            "bpagt_",
            "--context",
            &ADMIN[..63],
            "élan-bpagt",
        ] {
            assert!(!looks_like_token(text), "{text}");
        }
    }

    #[test]
    fn masking_replaces_each_token_and_keeps_the_rest() {
        let text = format!("a {AGENT} b \"{ADMIN}\" c é");
        assert_eq!(mask_tokens(&text), "a bpagt_*** b \"***\" c é");
        assert_eq!(mask_tokens("nothing here"), "nothing here");
    }
}
