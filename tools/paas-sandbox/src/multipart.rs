//! The multipart body of the `/upload` routes and its limits (spec §1.8: 500 MiB per upload,
//! at most 10 000 files, 100 MiB per file).
//!
//! The pipeline has already read the whole body under [`MAX_BODY`]. axum's `Multipart`
//! extractor would cut it again at its own 2 MB default, and the only way to raise that is a
//! `DefaultBodyLimit` layer; so the extraction runs as a one-off handler wrapped in that layer.

use std::sync::{Arc, Mutex};

use axum::body::Body;
use axum::extract::{DefaultBodyLimit, Multipart};
use axum::handler::Handler;
use axum::http::Request;

use crate::http::{Call, Part};
use crate::util::lock;

/// Whole upload body.
pub const MAX_BODY: usize = 500 << 20;
/// `files` parts per upload.
pub const MAX_FILES: usize = 10_000;
/// Bytes per `files` part.
pub const MAX_FILE_SIZE: usize = 100 << 20;
/// Every part: `files` and `paths` in pairs, plus `config` and `archive`. More cannot be a
/// valid upload; stopping there bounds the memory a hostile body of tiny parts can take.
const MAX_PARTS: usize = 2 * MAX_FILES + 2;

/// `Err` is the whole message of the 400: a limit's own text, or `Bad request: <reason>`.
type Parsed = Result<Vec<Part>, String>;

/// Reads every part.
pub async fn parse(call: &Call) -> Parsed {
    if call.body_too_large {
        return Err(bad_request("http: request body too large"));
    }
    let mut req = Request::new(Body::from(call.body.clone()));
    *req.headers_mut() = call.headers.clone();
    *req.method_mut() = call.method.clone();
    // A handler can only answer with a response, so it hands the parts back through a slot.
    let slot: Arc<Mutex<Option<Parsed>>> = Arc::default();
    let filled = slot.clone();
    let read = move |mp: Multipart| async move {
        let parsed = collect(mp).await;
        *lock(&filled) = Some(parsed);
    };
    let resp = read
        .layer(DefaultBodyLimit::max(MAX_BODY))
        .call(req, ())
        .await;
    let parsed = lock(&slot).take();
    match parsed {
        Some(parsed) => parsed,
        // The extractor refused the request itself (not multipart, no boundary): its
        // rejection text says why.
        None => {
            let why = crate::server::read_all(resp.into_body()).await;
            Err(bad_request(String::from_utf8_lossy(&why).trim()))
        }
    }
}

async fn collect(mut mp: Multipart) -> Parsed {
    let mut parts = Vec::new();
    let mut files = 0;
    while let Some(field) = mp
        .next_field()
        .await
        .map_err(|e| bad_request(&e.body_text()))?
    {
        if parts.len() == MAX_PARTS {
            return Err(bad_request("multipart: message too large"));
        }
        let name = field.name().unwrap_or("").to_string();
        let file_name = field.file_name().map(str::to_string);
        let is_file = name == "files";
        if is_file {
            files += 1;
            if files > MAX_FILES {
                return Err("too many files".into());
            }
        }
        let data = field
            .bytes()
            .await
            .map_err(|e| bad_request(&e.body_text()))?;
        if is_file && data.len() > MAX_FILE_SIZE {
            return Err("file too large".into());
        }
        parts.push(Part {
            name,
            file_name,
            data,
        });
    }
    Ok(parts)
}

fn bad_request(why: &str) -> String {
    format!("Bad request: {why}")
}
