//! `/__sandbox/faults` (only with `fault_route`): admin-only; POST JSON injects, DELETE clears,
//! GET reports how many requests are still affected.

use std::net::IpAddr;
use std::sync::Arc;

use axum::body::Body;
use axum::http::{Method, Request};
use axum::response::Response;

use crate::faults::FaultRequest;
use crate::http::{self, err, ok};
use crate::server::{authenticate, read_all};
use crate::state::Inner;

pub async fn handle(inner: &Arc<Inner>, req: Request<Body>, ip: IpAddr) -> Response {
    let token = http::bearer(req.headers());
    match authenticate(inner, &token, ip) {
        Ok(a) if a.is_admin() => {}
        Ok(_) => return err(403, "Forbidden: admin token required"),
        Err(resp) => return resp,
    }
    let method = req.method().clone();
    if method == Method::DELETE {
        inner.faults.clear();
        return ok(&serde_json::json!({ "status": "cleared" }));
    }
    if method == Method::GET {
        return ok(&serde_json::json!({ "pending": inner.faults.pending() }));
    }
    if method != Method::POST {
        return http::method_not_allowed();
    }
    let body = read_all(req.into_body()).await;
    let fr: FaultRequest = match serde_json::from_slice(&body) {
        Ok(f) => f,
        Err(e) => return err(400, &format!("Bad request: {e}")),
    };
    match fr.into_fault() {
        Ok(f) => {
            inner.faults.inject(f);
            ok(&serde_json::json!({ "status": "injected", "pending": inner.faults.pending() }))
        }
        Err(m) => err(400, &m),
    }
}
