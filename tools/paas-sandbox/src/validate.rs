//! Input validation of spec §7, with upstream's messages.

/// The app-name rule: `^[a-z0-9][a-z0-9-]{0,38}[a-z0-9]$`.
pub fn is_app_name(s: &str) -> bool {
    let b = s.as_bytes();
    let alnum = |c: &u8| c.is_ascii_lowercase() || c.is_ascii_digit();
    (2..=40).contains(&b.len())
        && b.first().is_some_and(alnum)
        && b.last().is_some_and(alnum)
        && b.iter().all(|c| alnum(c) || *c == b'-')
}

pub const NAME_MSG: &str = "invalid name: use 2-40 lowercase letters, digits, or hyphens (must start and end alphanumeric)";

/// `memory`: `^[0-9]+(b|k|m|g)?$` after lower-casing; empty = unlimited.
pub fn memory(s: &str) -> Result<(), String> {
    if s.is_empty() {
        return Ok(());
    }
    let l = s.to_ascii_lowercase();
    let digits = l.trim_end_matches(['b', 'k', 'm', 'g']);
    let suffix_len = l.len() - digits.len();
    if digits.is_empty() || suffix_len > 1 || !digits.bytes().all(|c| c.is_ascii_digit()) {
        return Err(format!(
            "invalid memory limit {s:?}: use a number with optional b, k, m or g suffix (e.g. 512m)"
        ));
    }
    Ok(())
}

/// `cpus`: float in (0, 256]; empty = unlimited.
pub fn cpus(s: &str) -> Result<(), String> {
    if s.is_empty() {
        return Ok(());
    }
    match s.parse::<f64>() {
        Ok(v) if v > 0.0 && v <= 256.0 => Ok(()),
        _ => Err(format!(
            "invalid cpus {s:?}: must be a number greater than 0 and at most 256"
        )),
    }
}

/// Hostname: labels of `[a-z0-9-]` not starting/ending with `-`, TLD ≥ 2 letters, ≤ 253.
pub fn domain(d: &str) -> Result<(), String> {
    let bad = || Err(format!("invalid domain {d:?}"));
    if d.is_empty() || d.len() > 253 {
        return bad();
    }
    let labels: Vec<&str> = d.split('.').collect();
    if labels.len() < 2 {
        return bad();
    }
    for l in &labels {
        let b = l.as_bytes();
        if b.is_empty()
            || b.len() > 63
            || b[0] == b'-'
            || b[b.len() - 1] == b'-'
            || !b
                .iter()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == b'-')
        {
            return bad();
        }
    }
    let tld = labels.last().copied().unwrap_or("");
    if tld.len() < 2 || !tld.bytes().all(|c| c.is_ascii_lowercase()) {
        return bad();
    }
    Ok(())
}

/// Lower-cases and strips a trailing dot, as upstream does before validating.
pub fn normalize_domain(d: &str) -> String {
    d.trim().trim_end_matches('.').to_ascii_lowercase()
}

/// `source:/container/path[:ro|rw]`.
pub fn volume(v: &str) -> Result<(), String> {
    let bad = |why: &str| Err(format!("invalid volume {v:?}: {why}"));
    if v.chars()
        .any(|c| c.is_whitespace() || ";&|`$<>\\\"'(){}*?!".contains(c))
    {
        return bad("must not contain whitespace or shell metacharacters");
    }
    let parts: Vec<&str> = v.split(':').collect();
    if !(2..=3).contains(&parts.len()) {
        return bad("use source:/container/path[:ro|rw]");
    }
    let (src, dst) = (parts[0], parts[1]);
    let named = src
        .bytes()
        .next()
        .is_some_and(|c| c.is_ascii_alphanumeric())
        && src
            .bytes()
            .all(|c| c.is_ascii_alphanumeric() || b"._-".contains(&c));
    if !(named || src.starts_with('/')) {
        return bad("source must be a named volume or an absolute path");
    }
    if !dst.starts_with('/') {
        return bad("container path must be absolute");
    }
    if parts.len() == 3 && !matches!(parts[2], "ro" | "rw") {
        return bad("mode must be ro or rw");
    }
    Ok(())
}

/// Relative path without leading `/` or `~` and without `..`.
pub fn rel_path(p: &str, what: &str, strict: bool) -> Result<(), String> {
    let bad = p.starts_with('/')
        || p.starts_with('~')
        || p.split(['/', '\\']).any(|seg| seg == "..")
        || (strict && (p.contains('\\') || p.contains('\0')));
    if bad {
        Err(format!("invalid {what} path"))
    } else {
        Ok(())
    }
}

/// `buildMethod`.
pub fn build_method(m: &str) -> Result<(), String> {
    match m {
        "" | "nixpacks" | "dockerfile" | "compose" | "image" | "dockerfile-inline" => Ok(()),
        _ => Err("invalid build method".into()),
    }
}

/// Image reference for deploy-image.
pub fn image(i: &str) -> Result<(), String> {
    let ok = !i.is_empty()
        && i.len() <= 255
        && i.bytes()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || b"./-_:@".contains(&c))
        && !i.starts_with(['.', '-', '/', ':', '@']);
    if ok {
        Ok(())
    } else {
        Err(format!(
            "invalid image reference {i:?}: use registry/name[:tag][@sha256:digest] in lowercase"
        ))
    }
}

/// Inline Dockerfile: non-empty, ≤ 64 KB, contains `FROM `.
pub fn dockerfile(d: &str) -> Result<(), String> {
    if d.trim().is_empty() {
        return Err("dockerfile is required".into());
    }
    if d.len() > 64 * 1024 {
        return Err("dockerfile too large (max 64 KB)".into());
    }
    if !d.contains("FROM ") {
        return Err("dockerfile must contain a FROM instruction".into());
    }
    Ok(())
}

/// Five-field cron schedule with upstream's ranges.
pub fn cron(s: &str) -> Result<(), String> {
    let fields: Vec<&str> = s.split_whitespace().collect();
    if fields.len() != 5 {
        return Err(format!(
            "Invalid cron schedule {s:?}: expected 5 fields (minute hour day month weekday)"
        ));
    }
    const RANGES: [(u32, u32, &str); 5] = [
        (0, 59, "minute"),
        (0, 23, "hour"),
        (1, 31, "day of month"),
        (1, 12, "month"),
        (0, 6, "day of week"),
    ];
    for (f, (lo, hi, name)) in fields.iter().zip(RANGES) {
        if crate::background::cron_field_values(f, lo, hi).is_none() {
            return Err(format!(
                "Invalid cron schedule {s:?}: bad {name} field {f:?} (allowed {lo}-{hi})"
            ));
        }
    }
    Ok(())
}

/// Backup file names.
pub fn backup_name(n: &str) -> bool {
    !n.is_empty() && !n.contains('/') && !n.contains('\\') && n.ends_with(".tar.gz")
}

/// Connect state: 16–128 chars of `[A-Za-z0-9_-]`.
pub fn connect_state(s: &str) -> bool {
    (16..=128).contains(&s.len())
        && s.bytes()
            .all(|c| c.is_ascii_alphanumeric() || c == b'_' || c == b'-')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn app_names() {
        assert!(is_app_name("my-api"));
        assert!(is_app_name("a1"));
        assert!(!is_app_name("a"));
        assert!(!is_app_name("-ab"));
        assert!(!is_app_name("ab-"));
        assert!(!is_app_name("My-api"));
        assert!(!is_app_name(&"a".repeat(41)));
    }

    #[test]
    fn limits() {
        assert!(memory("512m").is_ok());
        assert!(memory("512M").is_ok());
        assert!(memory("lots").is_err());
        assert!(cpus("0.5").is_ok());
        assert!(cpus("0").is_err());
        assert!(cpus("257").is_err());
        assert!(domain("app.example.com").is_ok());
        assert!(domain("localhost").is_err());
        assert!(volume("data:/var/lib/data").is_ok());
        assert!(volume("data:/x:rx").is_err());
        assert!(volume("rel/path:/x").is_err());
        assert!(cron("*/5 * * * *").is_ok());
        assert!(cron("60 * * * *").is_err());
        assert!(cron("* * * *").is_err());
    }
}
