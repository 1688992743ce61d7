//! A deliberately small User-Agent classifier for the analytics breakdowns (spec §3.11):
//! coarse browser / OS / device buckets, enough for `browsers`, `os` and `devices` to mean
//! something in the sandbox. Order matters: Edge and Opera also say "Chrome", Chrome also
//! says "Safari", iPads also say "Mac OS X", Android also says "Linux".

/// The three buckets of one User-Agent.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Client {
    pub browser: &'static str,
    pub os: &'static str,
    pub device: &'static str,
}

pub fn classify(ua: &str) -> Client {
    let ua = ua.trim();
    if ua.is_empty() {
        return Client {
            browser: "Unknown",
            os: "Unknown",
            device: "Unknown",
        };
    }
    Client {
        browser: browser(ua),
        os: os(ua),
        device: device(ua),
    }
}

fn has(ua: &str, needles: &[&str]) -> bool {
    needles.iter().any(|n| ua.contains(n))
}

fn is_bot(ua: &str) -> bool {
    let lower = ua.to_ascii_lowercase();
    has(&lower, &["bot", "crawler", "spider", "curl/", "wget/"])
}

fn browser(ua: &str) -> &'static str {
    if is_bot(ua) {
        "Bot"
    } else if has(ua, &["Edg/", "EdgA/", "EdgiOS/"]) {
        "Edge"
    } else if has(ua, &["OPR/", "Opera"]) {
        "Opera"
    } else if has(ua, &["Firefox/", "FxiOS/"]) {
        "Firefox"
    } else if has(ua, &["Chrome/", "CriOS/", "Chromium/"]) {
        "Chrome"
    } else if ua.contains("Safari/") {
        "Safari"
    } else {
        "Other"
    }
}

fn os(ua: &str) -> &'static str {
    if ua.contains("Windows") {
        "Windows"
    } else if has(ua, &["iPhone", "iPad", "iPod"]) {
        "iOS"
    } else if has(ua, &["Mac OS X", "Macintosh"]) {
        "macOS"
    } else if ua.contains("Android") {
        "Android"
    } else if ua.contains("CrOS") {
        "ChromeOS"
    } else if ua.contains("Linux") {
        "Linux"
    } else {
        "Other"
    }
}

fn device(ua: &str) -> &'static str {
    if is_bot(ua) {
        "Bot"
    } else if has(ua, &["iPad", "Tablet"]) || (ua.contains("Android") && !ua.contains("Mobile")) {
        "Tablet"
    } else if has(ua, &["Mobi", "iPhone", "iPod"]) {
        "Mobile"
    } else {
        "Desktop"
    }
}

#[cfg(test)]
mod tests {
    use super::{Client, classify};

    fn c(browser: &'static str, os: &'static str, device: &'static str) -> Client {
        Client {
            browser,
            os,
            device,
        }
    }

    #[test]
    fn common_agents() {
        let cases = [
            (
                "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/120.0 Safari/537.36",
                c("Chrome", "Linux", "Desktop"),
            ),
            (
                "Mozilla/5.0 (Windows NT 10.0; Win64; x64) Chrome/120.0 Safari/537.36 Edg/120.0",
                c("Edge", "Windows", "Desktop"),
            ),
            (
                "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) Version/17.0 Mobile/15E148 Safari/604.1",
                c("Safari", "iOS", "Mobile"),
            ),
            (
                "Mozilla/5.0 (iPad; CPU OS 17_0 like Mac OS X) Version/17.0 Safari/604.1",
                c("Safari", "iOS", "Tablet"),
            ),
            (
                "Mozilla/5.0 (Linux; Android 14; Pixel 8) Chrome/120.0 Mobile Safari/537.36",
                c("Chrome", "Android", "Mobile"),
            ),
            (
                "Mozilla/5.0 (Macintosh; Intel Mac OS X 14.0; rv:121.0) Gecko/20100101 Firefox/121.0",
                c("Firefox", "macOS", "Desktop"),
            ),
            ("curl/8.5.0", c("Bot", "Other", "Bot")),
            ("", c("Unknown", "Unknown", "Unknown")),
        ];
        for (ua, want) in cases {
            assert_eq!(classify(ua), want, "{ua}");
        }
    }
}
