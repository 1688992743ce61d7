//! The Better-PaaS REST client: one `reqwest` client, one place that turns HTTP answers into
//! [`ApiError`]s. No rmcp, no clap, no printing.

mod error;
mod limiter;
mod token;
pub mod upload;

use std::sync::Arc;
use std::time::Duration;

use serde_json::Value;

pub use error::ApiError;
use limiter::Limiter;
pub use token::Token;

/// How to build a [`Client`].
#[derive(Clone, Debug)]
pub struct ClientOptions {
    /// `paas-mcp/<version>` plus, for MCP calls, the client's name and version.
    pub user_agent: String,
    pub connect_timeout: Duration,
    pub request_timeout: Duration,
}

impl Default for ClientOptions {
    fn default() -> Self {
        ClientOptions {
            user_agent: format!("paas-mcp/{}", env!("CARGO_PKG_VERSION")),
            connect_timeout: Duration::from_secs(5),
            request_timeout: Duration::from_secs(30),
        }
    }
}

/// HTTP method of an [`ApiRequest`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HttpMethod {
    Get,
    Head,
    Post,
    Delete,
}

impl HttpMethod {
    pub const fn as_str(self) -> &'static str {
        match self {
            HttpMethod::Get => "GET",
            HttpMethod::Head => "HEAD",
            HttpMethod::Post => "POST",
            HttpMethod::Delete => "DELETE",
        }
    }
}

/// A raw answer: status, the server's error message (if the body had one) and
/// `Retry-After`. Used by the scope probes, which decide on the status alone.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Answer {
    pub status: u16,
    /// `error` of a JSON error body, or the trimmed text body; `None` when empty (HEAD).
    pub message: Option<String>,
    pub retry_after: Option<Duration>,
}

/// One request to the PaaS.
#[derive(Clone, Debug)]
pub struct ApiRequest {
    pub method: HttpMethod,
    /// Path starting with `/` (e.g. `/api/apps/get`).
    pub path: String,
    pub query: Vec<(String, String)>,
    pub body: Option<Value>,
}

impl ApiRequest {
    pub fn get(path: impl Into<String>) -> Self {
        ApiRequest {
            method: HttpMethod::Get,
            path: path.into(),
            query: Vec::new(),
            body: None,
        }
    }

    pub fn post(path: impl Into<String>, body: Value) -> Self {
        ApiRequest {
            method: HttpMethod::Post,
            path: path.into(),
            query: Vec::new(),
            body: Some(body),
        }
    }

    pub fn query(mut self, key: &str, value: impl ToString) -> Self {
        self.query.push((key.to_owned(), value.to_string()));
        self
    }
}

/// An authenticated client for one PaaS base URL. Cheap to clone (shares the pool and the
/// rate limiter).
///
/// Every request carries a fresh `X-Request-Id` and the current User-Agent, goes through a
/// client-side limiter that keeps under the PaaS's 20 requests/s, and on 429 honours
/// `Retry-After` once when it is at most [`MAX_RETRY_AFTER`]. A 401 is never retried (each
/// failure feeds the PaaS's per-IP lockout, spec §1.7).
#[derive(Clone, Debug)]
pub struct Client {
    http: reqwest::Client,
    base: url::Url,
    token: Option<Token>,
    request_timeout: Duration,
    user_agent: String,
    limiter: Arc<Limiter>,
}

/// The longest `Retry-After` we wait out (once) before giving the 429 to the caller.
pub const MAX_RETRY_AFTER: Duration = Duration::from_secs(5);

/// The product part of every User-Agent.
pub fn base_user_agent() -> String {
    format!("paas-mcp/{}", env!("CARGO_PKG_VERSION"))
}

impl Client {
    /// `base` is the API URL (`http://127.0.0.1:8080`); a trailing slash is ignored.
    pub fn new(base: &str, token: Option<Token>, options: ClientOptions) -> Result<Self, ApiError> {
        let trimmed = base.trim().trim_end_matches('/');
        let base = url::Url::parse(trimmed)
            .map_err(|e| ApiError::Invalid(format!("invalid PaaS URL {trimmed:?}: {e}")))?;
        if !matches!(base.scheme(), "http" | "https") {
            return Err(ApiError::Invalid(format!(
                "invalid PaaS URL {trimmed:?}: use http:// or https://"
            )));
        }
        let origin = base.origin();
        // Never follow a redirect to another origin: the Authorization header must not leave
        // the PaaS it was issued for.
        let policy = reqwest::redirect::Policy::custom(move |attempt| {
            if attempt.previous().len() >= 5 || attempt.url().origin() != origin {
                attempt.stop()
            } else {
                attempt.follow()
            }
        });
        let mut builder = reqwest::Client::builder()
            .user_agent(options.user_agent.clone())
            .connect_timeout(options.connect_timeout)
            .timeout(options.request_timeout)
            .redirect(policy);
        if base.scheme() == "http" {
            // Plain HTTP never does a TLS handshake (redirects cannot leave the origin, so
            // not even to https://). An empty trust store skips loading the system's root
            // certificates, which costs ~100 ms of file reads and parsing at start-up.
            builder = builder.tls_certs_only(std::iter::empty());
        }
        let http = builder
            .build()
            .map_err(|e| ApiError::Invalid(format!("could not build HTTP client: {e}")))?;
        Ok(Client {
            http,
            base,
            token,
            request_timeout: options.request_timeout,
            user_agent: options.user_agent,
            limiter: Arc::new(Limiter::default()),
        })
    }

    /// A client sharing this one's connection pool and limiter whose requests carry
    /// `user_agent` (e.g. after MCP `initialize`, see [`Client::with_mcp_client`]).
    pub fn with_user_agent(&self, user_agent: impl Into<String>) -> Client {
        Client {
            user_agent: user_agent.into(),
            ..self.clone()
        }
    }

    /// `paas-mcp/<version> (<client name>/<client version>)`, from the MCP `initialize`
    /// request's `clientInfo`. Control characters are dropped so a client cannot inject
    /// headers.
    pub fn with_mcp_client(&self, name: &str, version: &str) -> Client {
        let clean = |s: &str| -> String {
            s.chars()
                .filter(|c| !c.is_control())
                .take(64)
                .collect::<String>()
                .trim()
                .to_owned()
        };
        let (name, version) = (clean(name), clean(version));
        let ua = match (name.is_empty(), version.is_empty()) {
            (true, _) => base_user_agent(),
            (false, true) => format!("{} ({name})", base_user_agent()),
            (false, false) => format!("{} ({name}/{version})", base_user_agent()),
        };
        self.with_user_agent(ua)
    }

    /// Replace the client-side limiter (requests per second sustained, burst). The PaaS
    /// allows 20/s with a burst of 40 per IP, shared with every other client on the IP.
    pub fn with_rate_limit(&self, per_second: f64, burst: f64) -> Client {
        Client {
            limiter: Arc::new(Limiter::new(per_second, burst)),
            ..self.clone()
        }
    }

    /// The User-Agent this client sends.
    pub fn user_agent(&self) -> &str {
        &self.user_agent
    }

    /// The API base URL, without a trailing slash.
    pub fn base_url(&self) -> String {
        self.base.as_str().trim_end_matches('/').to_owned()
    }

    pub fn token(&self) -> Option<&Token> {
        self.token.as_ref()
    }

    /// Send one request; 2xx bodies are parsed as JSON (empty body → `null`).
    pub async fn send(&self, request: ApiRequest) -> Result<Value, ApiError> {
        let response = self.send_raw(&request).await?;
        self.json_body(response).await
    }

    /// Send a multipart upload (`/api/deploy/upload` and the project variant) and parse the
    /// JSON answer. The form is rebuilt for the one retry after a 429.
    pub async fn send_upload(
        &self,
        path: &str,
        upload: &upload::Upload,
    ) -> Result<Value, ApiError> {
        let url = self.url(path, &[]);
        let response = self
            .dispatch(&|| {
                let form = upload.form()?;
                Ok(self
                    .http
                    .request(reqwest::Method::POST, url.clone())
                    .multipart(form))
            })
            .await?;
        if !response.status().is_success() {
            return Err(error_from_response(response).await);
        }
        self.json_body(response).await
    }

    async fn json_body(&self, response: reqwest::Response) -> Result<Value, ApiError> {
        let status = response.status().as_u16();
        let bytes = response
            .bytes()
            .await
            .map_err(|e| self.transport_error(&e))?;
        if bytes.is_empty() {
            return Ok(Value::Null);
        }
        serde_json::from_slice(&bytes).map_err(|e| ApiError::Malformed {
            status,
            detail: e.to_string(),
        })
    }

    /// Send one request and return only the status code.
    pub async fn status_of(&self, request: ApiRequest) -> Result<u16, ApiError> {
        Ok(self.answer(&request).await?.status)
    }

    /// Send one request and return its status and error message without mapping it to an
    /// error (for scope probes: the wrong read-only method on a route, where 403 and 405 are
    /// both meaningful answers). Transport failures are still errors.
    pub async fn answer(&self, request: &ApiRequest) -> Result<Answer, ApiError> {
        let response = self.dispatch(&|| Ok(self.request(request))).await?;
        let status = response.status().as_u16();
        let retry_after = retry_after(response.headers());
        let body = response.text().await.unwrap_or_default();
        Ok(Answer {
            status,
            message: error_message(&body),
            retry_after,
        })
    }

    /// Send and map every non-2xx answer to an [`ApiError`]; returns the 2xx response.
    pub async fn send_raw(&self, request: &ApiRequest) -> Result<reqwest::Response, ApiError> {
        let response = self.dispatch(&|| Ok(self.request(request))).await?;
        if response.status().is_success() {
            return Ok(response);
        }
        Err(error_from_response(response).await)
    }

    /// `path` under the base URL (which may have a path prefix), with `query` appended.
    /// Built from the parsed base instead of re-parsing a whole URL string per request,
    /// which (host validation included) was a visible part of a tool call's CPU time.
    fn url(&self, path: &str, query: &[(String, String)]) -> url::Url {
        let mut url = self.base.clone();
        let prefix = url.path().trim_end_matches('/');
        let full = format!("{prefix}{path}");
        url.set_path(&full);
        url.set_query(None);
        url.set_fragment(None);
        if !query.is_empty() {
            url.query_pairs_mut().extend_pairs(query);
        }
        url
    }

    fn request(&self, request: &ApiRequest) -> reqwest::RequestBuilder {
        let method = match request.method {
            HttpMethod::Get => reqwest::Method::GET,
            HttpMethod::Head => reqwest::Method::HEAD,
            HttpMethod::Post => reqwest::Method::POST,
            HttpMethod::Delete => reqwest::Method::DELETE,
        };
        let mut builder = self
            .http
            .request(method, self.url(&request.path, &request.query));
        if let Some(body) = &request.body {
            builder = builder.json(body);
        }
        builder
    }

    /// The one place a request leaves: limiter, headers, the single bounded 429 retry.
    async fn dispatch(
        &self,
        make: &(dyn Fn() -> Result<reqwest::RequestBuilder, ApiError> + Sync),
    ) -> Result<reqwest::Response, ApiError> {
        let mut retried = false;
        loop {
            self.limiter.acquire().await;
            let request_id = new_request_id();
            let mut builder = make()?
                .header(reqwest::header::USER_AGENT, self.user_agent.as_str())
                .header("X-Request-Id", request_id.as_str());
            if let Some(token) = &self.token {
                builder = builder.bearer_auth(token.expose());
            }
            let response = builder.send().await.map_err(|e| self.transport_error(&e))?;
            let status = response.status().as_u16();
            tracing::debug!(request_id, status, url = %response.url().path(), "PaaS answered");
            if status == 429 && !retried {
                let wait = retry_after(response.headers()).unwrap_or(Duration::from_secs(1));
                if wait <= MAX_RETRY_AFTER {
                    retried = true;
                    tracing::info!(
                        request_id,
                        wait_secs = wait.as_secs(),
                        "429 from the PaaS; retrying once after Retry-After"
                    );
                    tokio::time::sleep(wait).await;
                    continue;
                }
            }
            return Ok(response);
        }
    }

    fn transport_error(&self, e: &reqwest::Error) -> ApiError {
        if e.is_timeout() {
            ApiError::Timeout {
                timeout: self.request_timeout,
            }
        } else {
            let mut detail = e.to_string();
            let mut source = std::error::Error::source(e);
            while let Some(inner) = source {
                detail = format!("{detail}: {inner}");
                source = inner.source();
            }
            ApiError::Unreachable {
                url: self.base_url(),
                detail,
            }
        }
    }
}

/// 16 random hex characters, enough to find one call in the PaaS's and our logs.
fn new_request_id() -> String {
    let bytes: [u8; 8] = rand::random();
    hex::encode(bytes)
}

/// The one place an HTTP error answer becomes an [`ApiError`] (spec §1.6).
async fn error_from_response(response: reqwest::Response) -> ApiError {
    let status = response.status().as_u16();
    let retry_after = retry_after(response.headers());
    let body = response.text().await.unwrap_or_default();
    let message = error_message(&body).unwrap_or_default();
    match (status, message.as_str()) {
        (401, "Unauthorized") => ApiError::Unauthorized,
        (403, "Forbidden: admin token required") => ApiError::AdminRequired,
        (403, m) if m.starts_with("Forbidden: missing scope ") => ApiError::MissingScope {
            scope: m.trim_start_matches("Forbidden: missing scope ").to_owned(),
        },
        (429, _) => ApiError::RateLimited {
            message,
            retry_after: retry_after.unwrap_or(Duration::from_secs(1)),
        },
        _ => ApiError::Status { status, message },
    }
}

/// `Retry-After` in seconds (the only form Better-PaaS sends).
fn retry_after(headers: &reqwest::header::HeaderMap) -> Option<Duration> {
    headers
        .get(reqwest::header::RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok())
        .map(Duration::from_secs)
}

/// The `error` field of a JSON error body (spec §1.6), else the trimmed text; `None` if empty.
fn error_message(body: &str) -> Option<String> {
    let message = serde_json::from_str::<Value>(body)
        .ok()
        .and_then(|v| v.get("error").and_then(Value::as_str).map(str::to_owned))
        .unwrap_or_else(|| body.trim().to_owned());
    (!message.is_empty()).then_some(message)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn request_urls_keep_the_base_prefix_and_encode_the_query() {
        let query = vec![("id".to_owned(), "a b&c/é".to_owned())];
        for (base, want) in [
            (
                "http://127.0.0.1:8080",
                "http://127.0.0.1:8080/api/apps/get?id=a+b%26c%2F%C3%A9",
            ),
            (
                "https://paas.example/base/",
                "https://paas.example/base/api/apps/get?id=a+b%26c%2F%C3%A9",
            ),
        ] {
            let client = Client::new(base, None, ClientOptions::default()).unwrap();
            assert_eq!(client.url("/api/apps/get", &query).as_str(), want);
            assert_eq!(
                client.url("/api/apps", &[]).as_str(),
                want.split("/get").next().unwrap()
            );
        }
    }
}
