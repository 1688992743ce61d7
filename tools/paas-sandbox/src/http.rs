//! The request as handlers see it, and the response helpers that produce upstream's exact
//! shapes (JSON `{"error": …}`, plain-text 404, 200 for every success).

use std::collections::HashMap;
use std::net::IpAddr;

use axum::body::{Body, Bytes};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::Response;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

/// Who is calling, once the auth gate (or `/api/auth/verify`) has decided.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Actor {
    Admin,
    Agent { id: String, scopes: Vec<String> },
}

impl Actor {
    pub fn is_admin(&self) -> bool {
        matches!(self, Actor::Admin)
    }

    pub fn has(&self, scope: &str) -> bool {
        match self {
            Actor::Admin => true,
            Actor::Agent { scopes, .. } => scopes.iter().any(|s| s == scope),
        }
    }
}

/// A multipart part, already read.
#[derive(Clone, Debug)]
pub struct Part {
    pub name: String,
    pub file_name: Option<String>,
    pub data: Bytes,
}

/// One HTTP request after the pipeline has read it.
#[derive(Debug)]
pub struct Call {
    pub method: Method,
    pub path: String,
    pub query: HashMap<String, String>,
    pub headers: HeaderMap,
    pub body: Bytes,
    /// The body exceeded the path's limit (Go's MaxBytesReader error surfaces on decode).
    pub body_too_large: bool,
    pub actor: Option<Actor>,
    pub ip: IpAddr,
    /// Multipart parts for `/upload` routes; `Err` is the message of the 400 (a parse error
    /// or a limit).
    pub parts: Option<Result<Vec<Part>, String>>,
}

impl Call {
    /// A query parameter, `""` when absent (Go's `r.URL.Query().Get`).
    pub fn q(&self, key: &str) -> &str {
        self.query.get(key).map(String::as_str).unwrap_or("")
    }

    /// Decodes the JSON body like Go's `json.NewDecoder(r.Body).Decode` (see [`decode`]);
    /// failures become `400 Bad request: <reason>`.
    pub fn json<T: DeserializeOwned + Default>(&self) -> Result<T, Response> {
        if self.body_too_large {
            return Err(err(400, "Bad request: http: request body too large"));
        }
        if self.body.iter().all(u8::is_ascii_whitespace) {
            return Err(err(400, "Bad request: EOF"));
        }
        decode(&self.body).map_err(|e| err(400, &format!("Bad request: {e}")))
    }

    /// The bearer token from `Authorization: Bearer <t>` (scheme case-insensitive, trimmed).
    pub fn bearer(&self) -> String {
        bearer(&self.headers)
    }
}

/// What upstream's `json.NewDecoder(r.Body).Decode(&v)` does with a body, so the same
/// requests succeed: only the first JSON value is read and whatever follows it is left
/// unread (no "trailing characters" error), `null` leaves `v` at its zero value, and
/// unknown fields are ignored (every body type is `#[serde(default)]` without
/// `deny_unknown_fields`). Go also matches keys case-insensitively; the sandbox does not
/// (see the crate docs' known differences).
pub fn decode<T: DeserializeOwned + Default>(body: &[u8]) -> Result<T, serde_json::Error> {
    let mut first = serde_json::Deserializer::from_slice(body);
    Ok(Option::<T>::deserialize(&mut first)?.unwrap_or_default())
}

/// Extracts the bearer token; empty when there is none.
pub fn bearer(headers: &HeaderMap) -> String {
    let Some(v) = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
    else {
        return String::new();
    };
    let v = v.trim();
    match v.split_once(' ') {
        Some((scheme, rest)) if scheme.eq_ignore_ascii_case("bearer") => rest.trim().to_string(),
        _ => String::new(),
    }
}

fn status(code: u16) -> StatusCode {
    StatusCode::from_u16(code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
}

/// A JSON response with `code`.
pub fn json<T: Serialize>(code: u16, value: &T) -> Response {
    match serde_json::to_vec(value) {
        Ok(mut bytes) => {
            bytes.push(b'\n');
            let mut r = Response::new(Body::from(bytes));
            *r.status_mut() = status(code);
            r.headers_mut().insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            );
            r
        }
        Err(e) => err(500, &format!("Failed to encode response: {e}")),
    }
}

/// 200 with a JSON body (upstream never uses 201/204 for success).
pub fn ok<T: Serialize>(value: &T) -> Response {
    json(200, value)
}

/// `{"error": msg}` with `code`.
pub fn err(code: u16, msg: &str) -> Response {
    json(code, &serde_json::json!({ "error": msg }))
}

/// 405 `Method not allowed`.
pub fn method_not_allowed() -> Response {
    err(405, "Method not allowed")
}

/// A plain-text response (Go's `http.Error`), used by the WebSocket handshake failures.
pub fn text(code: u16, msg: &str) -> Response {
    let mut r = Response::new(Body::from(format!("{msg}\n")));
    *r.status_mut() = status(code);
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    r.headers_mut().insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    r
}

/// Go's `404 page not found` for unknown paths.
pub fn not_found_page() -> Response {
    text(404, "404 page not found")
}

/// 429 with `Retry-After`.
pub fn too_many(msg: &str, retry_after: u64) -> Response {
    let mut r = err(429, msg);
    if let Ok(v) = HeaderValue::from_str(&retry_after.to_string()) {
        r.headers_mut().insert(header::RETRY_AFTER, v);
    }
    r
}
