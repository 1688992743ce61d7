//! addons handlers (spec §3).

super::stubs!(list, get, create, delete, attach, detach);

/// Creates an add-on of `kind` and attaches it to `app_id` (catalog templates).
pub fn create_attached(_inner: &std::sync::Arc<crate::state::Inner>, _kind: &str, _app_id: &str) {}
