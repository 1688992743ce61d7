//! The WebSocket Origin check of spec §8.3 step 3. A ticket in a URL is not enough on its
//! own: a page on a foreign site must not open a stream, so a browser `Origin` has to be the
//! dashboard's or carry the API's own hostname. Server-side clients send no `Origin`.
//!
//! "The API's hostname" is the hostname of the `Host` the request came to (ports ignored:
//! upstream's dashboard and API usually share a host on different ports). The dashboard
//! origin (upstream `DASHBOARD_ORIGIN`) is the origin of the sandbox's `ui_url`; without one
//! the dashboard is the sandbox itself, which the Host rule already covers.

/// Whether a handshake with this `Origin` may be upgraded.
pub fn allowed(origin: Option<&str>, host: Option<&str>, dashboard: Option<&str>) -> bool {
    let origin = origin.map(str::trim).unwrap_or("");
    if origin.is_empty() {
        return true;
    }
    let origin = origin.trim_end_matches('/');
    if dashboard
        .and_then(origin_of)
        .is_some_and(|d| d.eq_ignore_ascii_case(origin))
    {
        return true;
    }
    match (authority(origin), host) {
        (Some(a), Some(h)) => {
            let (a, h) = (hostname(a), hostname(h.trim()));
            !a.is_empty() && a.eq_ignore_ascii_case(h)
        }
        _ => false,
    }
}

/// `scheme://authority` of a URL, without path or trailing slash.
fn origin_of(url: &str) -> Option<&str> {
    let url = url.trim();
    let scheme_len = url.find("://")? + 3;
    let auth = authority(url)?;
    Some(&url[..scheme_len + auth.len()])
}

/// The `host[:port]` part of `scheme://host[:port][/…]`.
fn authority(url: &str) -> Option<&str> {
    let (_, rest) = url.split_once("://")?;
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    Some(&rest[..end])
}

/// `host[:port]` without the port (`[::1]:80` → `[::1]`).
fn hostname(authority: &str) -> &str {
    match authority.rsplit_once(':') {
        Some((h, port))
            if port.bytes().all(|b| b.is_ascii_digit())
                && (!h.contains(':') || h.ends_with(']')) =>
        {
            h
        }
        _ => authority,
    }
}

#[cfg(test)]
mod tests {
    use super::allowed;

    const HOST: Option<&str> = Some("127.0.0.1:8080");

    #[test]
    fn no_origin_is_a_server_side_client() {
        assert!(allowed(None, HOST, None));
        assert!(allowed(Some(""), HOST, None));
    }

    #[test]
    fn same_hostname_any_port() {
        assert!(allowed(Some("http://127.0.0.1:8080"), HOST, None));
        assert!(allowed(Some("https://127.0.0.1:3000/"), HOST, None));
        assert!(allowed(Some("http://[::1]:3000"), Some("[::1]:8080"), None));
        assert!(allowed(
            Some("http://API.example"),
            Some("api.example"),
            None
        ));
    }

    #[test]
    fn foreign_or_malformed_origins_are_refused() {
        assert!(!allowed(Some("http://evil.example.com"), HOST, None));
        assert!(!allowed(Some("null"), HOST, None));
        assert!(!allowed(Some("http://127.0.0.1.evil:8080"), HOST, None));
        assert!(!allowed(Some("http://127.0.0.1"), None, None));
    }

    #[test]
    fn the_dashboard_origin_counts() {
        let ui = Some("https://dash.example:3000/some/path");
        assert!(allowed(Some("https://dash.example:3000"), HOST, ui));
        assert!(!allowed(Some("http://dash.example:3000"), HOST, ui));
        assert!(!allowed(Some("https://dash.example:4000"), HOST, ui));
    }
}
