//! Which URL is the API and which is the dashboard, exactly as the Go CLI finds out
//! (`paas-cli.md` §3.1): manifest on the input, health fallback, `PAAS_UI_URL`, the local-dev
//! `:8080` → `:3000` swap, `--ui` last, then a final health check of the API.

use std::time::Duration;

use serde::Deserialize;

/// The two URLs a connect needs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Discovered {
    /// API base, no trailing slash.
    pub api: String,
    /// Dashboard base (where `/connect/agent` lives), no trailing slash.
    pub ui: String,
}

#[derive(Debug, thiserror::Error)]
pub enum DiscoverError {
    #[error("the URL is empty; give your dashboard URL, e.g. https://paas.example.com")]
    Empty,
    #[error(
        "{input:?} is not a URL paas can use: {reason}; use your dashboard URL, e.g. \
         https://paas.example.com"
    )]
    Invalid { input: String, reason: String },
    /// The value is never echoed: it is a secret that already sits in the shell history.
    #[error(
        "a token was given where the URL belongs (it is not repeated here). Give the PaaS URL \
         as the argument and the token on stdin:\n  \
         echo \"$AGENT_TOKEN\" | paas connect https://paas.example.com --token-stdin\n\
         An admin token is asked for by: paas connect https://paas.example.com --legacy\n\
         A token typed on the command line stays in your shell history: delete it there, or \
         rotate the token."
    )]
    TokenAsUrl,
    #[error(
        "could not reach PaaS at {url} - use your dashboard URL (e.g. https://paas.example.com) \
         and ensure it is running ({detail})"
    )]
    Unreachable { url: String, detail: String },
    #[error(
        "the server at {url} answered, but it does not look like a Better-PaaS API ({detail}). \
         Check the URL: give the Better-PaaS API URL (or a dashboard URL that serves \
         /.well-known/better-paas.json), and name the dashboard with --ui <url> when it lives \
         elsewhere"
    )]
    NotPaas { url: String, detail: String },
    #[error(
        "{url} answered with plain HTTP, not TLS ({detail}): the server speaks plain HTTP on \
         this port; try {http}"
    )]
    PlainHttp {
        url: String,
        http: String,
        detail: String,
    },
    #[error("the PaaS at {url} {}", rate_limit_advice(*.retry_after_secs, *.lockout))]
    RateLimited {
        url: String,
        retry_after_secs: Option<u64>,
        /// The auth lockout (`Too many failed attempts`) rather than the global limiter.
        lockout: bool,
    },
    #[error(
        "PaaS API at {api} is not reachable ({detail}); check that the backend is running, \
         or pass the API URL directly"
    )]
    ApiDown { api: String, detail: String },
}

/// What to say about an HTTP 429 from Better-PaaS (spec §1.7), after "the PaaS at <url>".
/// A 429 means the server is up and refusing this address for a while, never "unreachable".
pub fn rate_limit_advice(retry_after_secs: Option<u64>, lockout: bool) -> String {
    let wait = match retry_after_secs {
        Some(secs) => format!("wait {secs}s (its Retry-After)"),
        None => "wait a few seconds".to_owned(),
    };
    let retry = retry_after_secs
        .map(|secs| format!(", retry after {secs}s"))
        .unwrap_or_default();
    if lockout {
        format!(
            "has locked this address out after repeated wrong tokens (HTTP 429{retry}). After 5 \
             wrong tokens it refuses the address for 2s, doubling with each further failure up \
             to 15 minutes. {wait}, then try again, and check that no script keeps sending a \
             wrong token"
        )
    } else {
        format!(
            "is rate-limiting this address (HTTP 429{retry}): it allows 20 requests per second \
             per address, and locks an address out for a while after repeated wrong tokens. \
             {wait}, then try again"
        )
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Manifest {
    #[serde(default)]
    api_url: String,
    #[serde(default)]
    ui_url: String,
}

/// Whether `input` looks like a token rather than a URL. Such a value must never be echoed
/// back, not even inside a "could not reach" message. The token shapes are
/// [`config::looks_like_token`](crate::config::looks_like_token)'s; a URL adds two looser
/// ones: `bpagt_` in any case, and a host made only of 32 or more hex digits (a cut admin
/// token; the whole one is 64, spec §1.1).
pub fn looks_like_token(input: &str) -> bool {
    let s = input.trim();
    if crate::config::looks_like_token(s) || s.to_ascii_lowercase().contains("bpagt_") {
        return true;
    }
    let bare = s.split_once("://").map_or(s, |(_, rest)| rest);
    let host = bare.split(['/', ':', '?', '#']).next().unwrap_or_default();
    host.len() >= 32 && host.chars().all(|c| c.is_ascii_hexdigit())
}

/// Trim, drop a trailing slash, and add a scheme when the user typed none (`http://` for
/// localhost and loopback addresses, `https://` otherwise).
pub fn normalize(input: &str) -> Result<String, DiscoverError> {
    if looks_like_token(input) {
        return Err(DiscoverError::TokenAsUrl);
    }
    let invalid = |reason: String| DiscoverError::Invalid {
        input: input.to_owned(),
        reason,
    };
    let spaced = input.trim();
    if spaced.is_empty() {
        return Err(DiscoverError::Empty);
    }
    // Judged before the trailing slashes go: `http://` must not become the host `http:`.
    if let Some((scheme, rest)) = spaced.split_once("://") {
        if !scheme.eq_ignore_ascii_case("http") && !scheme.eq_ignore_ascii_case("https") {
            return Err(invalid(format!(
                "the scheme is {scheme}://, and only http:// and https:// are supported"
            )));
        }
        if rest.trim_start_matches('/').is_empty() {
            return Err(invalid("it has no host name after the scheme".to_owned()));
        }
    } else if let Some((scheme, _)) = spaced.split_once(':')
        && (scheme.eq_ignore_ascii_case("http") || scheme.eq_ignore_ascii_case("https"))
    {
        return Err(invalid(format!(
            "{scheme}: must be followed by // and a host name ({scheme}://host)"
        )));
    }
    let trimmed = spaced.trim_end_matches('/');
    let with_scheme = if trimmed.contains("://") {
        trimmed.to_owned()
    } else if trimmed.starts_with("localhost") || trimmed.starts_with("127.") {
        format!("http://{trimmed}")
    } else {
        format!("https://{trimmed}")
    };
    let parsed = url::Url::parse(&with_scheme).map_err(|e| {
        invalid(match e {
            url::ParseError::EmptyHost => "it has no host name".to_owned(),
            url::ParseError::InvalidPort => "the port is not a number from 1 to 65535".to_owned(),
            other => format!("it cannot be parsed ({other})"),
        })
    })?;
    if parsed.host_str().is_none_or(str::is_empty) {
        return Err(invalid("it has no host name".to_owned()));
    }
    Ok(with_scheme)
}

/// The base of a [`normalize`]d URL that ends in `/api`, which users copy from API docs
/// and curl lines; every request path already starts with `/api`. `None` otherwise.
pub fn strip_api_suffix(url: &str) -> Option<String> {
    let base = url.strip_suffix("/api")?;
    // Keep "https://api" (a host named api) as it is.
    base.split_once("://")
        .is_some_and(|(_, rest)| !rest.is_empty())
        .then(|| base.to_owned())
}

/// Why `GET /api/health` did not prove a Better-PaaS API.
enum HealthFailure {
    /// No answer at all (refused, timed out, DNS): the detail is the root cause.
    NoAnswer(String),
    /// A TLS handshake with a server that speaks plain HTTP.
    PlainHttp(String),
    /// Something answered, but not the Better-PaaS health JSON (404, 401, an HTML page…).
    NotPaas(String),
    /// 5xx: a proxy in front of a backend that is down, or a failing backend.
    ServerError(String),
    /// 429: the limiter or the auth lockout.
    RateLimited {
        retry_after_secs: Option<u64>,
        lockout: bool,
    },
}

impl HealthFailure {
    /// The error for `url`, when it was the user's input (`api == false`) or the API the
    /// discovery settled on.
    fn into_error(self, url: &str, api: bool) -> DiscoverError {
        let url = url.to_owned();
        match self {
            HealthFailure::PlainHttp(detail) => DiscoverError::PlainHttp {
                http: url.replacen("https://", "http://", 1),
                url,
                detail,
            },
            HealthFailure::NotPaas(detail) => DiscoverError::NotPaas { url, detail },
            HealthFailure::RateLimited {
                retry_after_secs,
                lockout,
            } => DiscoverError::RateLimited {
                url,
                retry_after_secs,
                lockout,
            },
            HealthFailure::NoAnswer(detail) | HealthFailure::ServerError(detail) if api => {
                DiscoverError::ApiDown { api: url, detail }
            }
            HealthFailure::NoAnswer(detail) | HealthFailure::ServerError(detail) => {
                DiscoverError::Unreachable { url, detail }
            }
        }
    }
}

/// Run discovery for `input` (already [`normalize`]d).
pub async fn discover(input: &str, ui_override: Option<&str>) -> Result<Discovered, DiscoverError> {
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(15))
        .user_agent(format!("paas-mcp/{}", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| DiscoverError::Unreachable {
            url: input.to_owned(),
            detail: e.to_string(),
        })?;
    let mut api = String::new();
    let mut ui = String::new();

    let manifest = fetch_manifest(&http, input).await;
    if let Some(m) = &manifest {
        api = m.api_url.trim_end_matches('/').to_owned();
        ui = m.ui_url.trim_end_matches('/').to_owned();
        if ui.is_empty() && input != api {
            ui = input.to_owned();
        }
    }
    if api.is_empty() {
        health(&http, input)
            .await
            .map_err(|failure| failure.into_error(input, false))?;
        api = input.to_owned();
        ui = input.to_owned();
        if let Some(m) = fetch_manifest(&http, input).await {
            api = m.api_url.trim_end_matches('/').to_owned();
            if !m.ui_url.is_empty() {
                ui = m.ui_url.trim_end_matches('/').to_owned();
            }
        }
    }
    if ui.is_empty() {
        ui = derive_ui(&api);
    }
    if let Some(forced) = ui_override {
        ui = normalize(forced)?;
    }
    health(&http, &api)
        .await
        .map_err(|failure| failure.into_error(&api, true))?;
    Ok(Discovered { api, ui })
}

/// Step 4 of §3.1: `PAAS_UI_URL`, else the local-dev port swap, else the API itself.
pub fn derive_ui(api: &str) -> String {
    if let Ok(ui) = std::env::var("PAAS_UI_URL")
        && !ui.trim().is_empty()
    {
        return ui.trim().trim_end_matches('/').to_owned();
    }
    if api.contains(":8080") && (api.contains("localhost") || api.contains("127.0.0.1")) {
        return api.replacen(":8080", ":3000", 1);
    }
    api.to_owned()
}

async fn fetch_manifest(http: &reqwest::Client, base: &str) -> Option<Manifest> {
    let response = http
        .get(format!("{base}/.well-known/better-paas.json"))
        .send()
        .await
        .ok()?;
    if response.status() != reqwest::StatusCode::OK {
        return None;
    }
    let manifest: Manifest = response.json().await.ok()?;
    (!manifest.api_url.trim().is_empty()).then_some(manifest)
}

/// `GET /api/health` must answer 200 with the health JSON (`{"status": "healthy", …}`,
/// spec §3.10): a 200 HTML page (a dashboard's catch-all route) is not an API.
async fn health(http: &reqwest::Client, base: &str) -> Result<(), HealthFailure> {
    let response = match http.get(format!("{base}/api/health")).send().await {
        Ok(response) => response,
        Err(e) => {
            let detail = error_chain(&e);
            return Err(
                if base.starts_with("https://") && is_tls_to_plain_http(&detail) {
                    HealthFailure::PlainHttp(detail)
                } else {
                    HealthFailure::NoAnswer(detail)
                },
            );
        }
    };
    let status = response.status().as_u16();
    match status {
        200 => {
            let body: Option<serde_json::Value> = response.json().await.ok();
            if body.as_ref().and_then(|b| b.get("status")).is_some() {
                Ok(())
            } else {
                Err(HealthFailure::NotPaas(
                    "GET /api/health answered HTTP 200, but not with the Better-PaaS health JSON"
                        .to_owned(),
                ))
            }
        }
        429 => {
            let retry_after_secs = response
                .headers()
                .get(reqwest::header::RETRY_AFTER)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.trim().parse::<u64>().ok());
            let text = response.text().await.unwrap_or_default();
            Err(HealthFailure::RateLimited {
                retry_after_secs,
                lockout: text.contains("failed attempts"),
            })
        }
        500..=599 => Err(HealthFailure::ServerError(format!(
            "GET /api/health answered HTTP {status}"
        ))),
        _ => Err(HealthFailure::NotPaas(format!(
            "GET /api/health answered HTTP {status}"
        ))),
    }
}

/// What rustls (or OpenSSL) says when the other side answers a TLS hello in plain HTTP.
fn is_tls_to_plain_http(detail: &str) -> bool {
    [
        "InvalidContentType",
        "corrupt message",
        "wrong version number",
    ]
    .iter()
    .any(|needle| detail.contains(needle))
}

/// The root cause of a reqwest error ("Connection refused (os error 111)" is usually three
/// levels down, under "error sending request for url …"); the URL is already in our message.
pub fn error_chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut root = e;
    while let Some(inner) = root.source() {
        root = inner;
    }
    let text = root.to_string();
    if text.contains("tcp connect error") || text.is_empty() {
        e.to_string()
    } else {
        text
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn normalize_adds_a_scheme_and_drops_the_slash() {
        assert_eq!(
            normalize("localhost:8080/").unwrap(),
            "http://localhost:8080"
        );
        assert_eq!(
            normalize("paas.example.com").unwrap(),
            "https://paas.example.com"
        );
        assert_eq!(normalize(" http://x:1 ").unwrap(), "http://x:1");
        assert!(normalize("").is_err());
        assert!(normalize("ftp://x").is_err());
        for no_host in ["http://", "https:///", "http:", "http://:8080"] {
            let err = normalize(no_host).unwrap_err().to_string();
            assert!(err.contains("host name"), "{no_host}: {err}");
        }
    }

    #[test]
    fn tokens_are_recognised_and_never_echoed() {
        let agent = format!("bpagt_{}", "68aa".repeat(16));
        let admin = "0123456789abcdef".repeat(4);
        for input in [
            agent.clone(),
            format!("https://{agent}"),
            admin.clone(),
            format!("http://{admin}/"),
        ] {
            assert!(looks_like_token(&input), "{input}");
            let err = normalize(&input).unwrap_err().to_string();
            assert!(!err.contains(&input) && !err.contains("68aa"), "{err}");
            assert!(err.contains("--token-stdin"), "{err}");
        }
        for url in [
            "paas.example.com",
            "http://localhost:8080",
            "https://deadbeef.example.com",
        ] {
            assert!(!looks_like_token(url), "{url}");
        }
    }

    #[test]
    fn an_api_suffix_is_stripped() {
        assert_eq!(
            strip_api_suffix("http://127.0.0.1:1/api").as_deref(),
            Some("http://127.0.0.1:1")
        );
        assert_eq!(
            strip_api_suffix("https://x.example.com/paas/api").as_deref(),
            Some("https://x.example.com/paas")
        );
        assert_eq!(strip_api_suffix("https://api"), None);
        assert_eq!(strip_api_suffix("https://x.example.com/apis"), None);
        assert_eq!(strip_api_suffix("https://x.example.com"), None);
    }

    #[test]
    fn local_dev_port_swap() {
        assert_eq!(derive_ui("http://localhost:8080"), "http://localhost:3000");
        assert_eq!(
            derive_ui("https://paas.example.com"),
            "https://paas.example.com"
        );
    }
}

#[cfg(test)]
mod server_tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    async fn serve(app: axum::Router) -> String {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        url
    }

    #[tokio::test]
    async fn health_only_origin_is_both_api_and_dashboard() {
        let url = serve(axum::Router::new().route(
            "/api/health",
            axum::routing::get(|| async { axum::Json(serde_json::json!({"status": "healthy"})) }),
        ))
        .await;
        let found = discover(&url, None).await.unwrap();
        assert_eq!(found.api, url);
        assert_eq!(found.ui, url);
    }

    #[tokio::test]
    async fn a_server_without_manifest_or_health_is_not_a_paas() {
        let url = serve(axum::Router::new()).await;
        let err = discover(&url, None).await.unwrap_err();
        assert!(
            err.to_string()
                .contains("answered, but it does not look like a Better-PaaS API"),
            "{err}"
        );
        assert!(err.to_string().contains("404"), "{err}");
    }

    #[tokio::test]
    async fn a_page_answering_health_with_html_is_not_a_paas() {
        let url = serve(axum::Router::new().route(
            "/api/health",
            axum::routing::get(|| async { axum::response::Html("<html>dashboard</html>") }),
        ))
        .await;
        let err = discover(&url, None).await.unwrap_err();
        assert!(matches!(err, DiscoverError::NotPaas { .. }), "{err}");
    }

    #[tokio::test]
    async fn a_manifest_pointing_at_a_dead_api_says_the_api_is_down() {
        let dead = {
            let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            format!("http://{}", l.local_addr().unwrap())
        };
        let api = dead.clone();
        let url = serve(axum::Router::new().route(
            "/.well-known/better-paas.json",
            axum::routing::get(move || {
                let api = api.clone();
                async move { axum::Json(serde_json::json!({"apiUrl": api})) }
            }),
        ))
        .await;
        let err = discover(&url, None).await.unwrap_err();
        assert!(
            err.to_string()
                .contains(&format!("PaaS API at {dead} is not reachable")),
            "{err}"
        );
    }
}
