//! `GET /api/audit-logs` (admin only, spec §5).

use std::sync::Arc;

use axum::response::Response;

use crate::audit::parse_limit;
use crate::http::{Call, ok};
use crate::state::Inner;
use crate::util::lock;

/// Newest first, `limit` quirk, `null` when empty, no filters.
pub fn list(inner: &Arc<Inner>, call: &mut Call) -> Response {
    let limit = parse_limit(call.q("limit"));
    let db = lock(&inner.db);
    if db.audit.is_empty() {
        return ok(&serde_json::Value::Null);
    }
    let v: Vec<_> = db.audit.iter().rev().take(limit).collect();
    ok(&v)
}
