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
    #[error("URL is required")]
    Empty,
    #[error("{0:?} is not a URL; use your dashboard URL, e.g. https://paas.example.com")]
    Invalid(String),
    #[error(
        "could not reach PaaS at {url} - use your dashboard URL (e.g. https://paas.example.com) \
         and ensure it is running ({detail})"
    )]
    Unreachable { url: String, detail: String },
    #[error(
        "PaaS API at {api} is not reachable ({detail}); check that the backend is running, \
         or pass the API URL directly"
    )]
    ApiDown { api: String, detail: String },
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Manifest {
    #[serde(default)]
    api_url: String,
    #[serde(default)]
    ui_url: String,
}

/// Trim, drop a trailing slash, and add a scheme when the user typed none (`http://` for
/// localhost and loopback addresses, `https://` otherwise).
pub fn normalize(input: &str) -> Result<String, DiscoverError> {
    let trimmed = input.trim().trim_end_matches('/');
    if trimmed.is_empty() {
        return Err(DiscoverError::Empty);
    }
    let with_scheme = if trimmed.contains("://") {
        trimmed.to_owned()
    } else if trimmed.starts_with("localhost") || trimmed.starts_with("127.") {
        format!("http://{trimmed}")
    } else {
        format!("https://{trimmed}")
    };
    let parsed =
        url::Url::parse(&with_scheme).map_err(|_| DiscoverError::Invalid(input.to_owned()))?;
    if !matches!(parsed.scheme(), "http" | "https") || parsed.host_str().is_none() {
        return Err(DiscoverError::Invalid(input.to_owned()));
    }
    Ok(with_scheme)
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
        match health(&http, input).await {
            Ok(()) => {
                api = input.to_owned();
                ui = input.to_owned();
                if let Some(m) = fetch_manifest(&http, input).await {
                    api = m.api_url.trim_end_matches('/').to_owned();
                    if !m.ui_url.is_empty() {
                        ui = m.ui_url.trim_end_matches('/').to_owned();
                    }
                }
            }
            Err(detail) => {
                return Err(DiscoverError::Unreachable {
                    url: input.to_owned(),
                    detail,
                });
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
        .map_err(|detail| DiscoverError::ApiDown {
            api: api.clone(),
            detail,
        })?;
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

async fn health(http: &reqwest::Client, base: &str) -> Result<(), String> {
    match http.get(format!("{base}/api/health")).send().await {
        Ok(r) if r.status() == reqwest::StatusCode::OK => Ok(()),
        Ok(r) => Err(format!(
            "GET /api/health answered HTTP {}",
            r.status().as_u16()
        )),
        Err(e) => Err(error_chain(&e)),
    }
}

/// A reqwest error with its causes ("connection refused" is usually two levels down).
pub fn error_chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(inner) = source {
        let s = inner.to_string();
        if !text.contains(&s) {
            text = format!("{text}: {s}");
        }
        source = inner.source();
    }
    text
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
    async fn neither_manifest_nor_health_is_unreachable() {
        let url = serve(axum::Router::new()).await;
        let err = discover(&url, None).await.unwrap_err();
        assert!(err.to_string().contains("could not reach PaaS"), "{err}");
        assert!(err.to_string().contains("404"), "{err}");
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
