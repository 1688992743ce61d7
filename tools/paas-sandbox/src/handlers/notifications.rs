//! Notification settings (spec §3.9). URLs are returned in clear, as upstream does.

use std::sync::Arc;

use axum::response::Response;

use crate::http::{Call, err, ok};
use crate::model::NotificationConfig;
use crate::state::Inner;
use crate::util::lock;

/// `GET /api/notifications`.
pub fn get(inner: &Arc<Inner>, _call: &mut Call) -> Response {
    ok(&lock(&inner.db).notifications)
}

/// `POST /api/notifications/save`.
pub fn save(inner: &Arc<Inner>, call: &mut Call) -> Response {
    let c: NotificationConfig = match call.json() {
        Ok(c) => c,
        Err(e) => return e,
    };
    for u in [&c.slack_webhook_url, &c.generic_url] {
        let web = u.starts_with("https://") || u.starts_with("http://");
        if !u.is_empty() && !web {
            return err(
                400,
                &format!("invalid URL {u:?}: must start with http:// or https://"),
            );
        }
    }
    lock(&inner.db).notifications = c.clone();
    ok(&c)
}

/// `POST /api/notifications/test`: the sandbox cannot reach Slack or webhooks.
pub fn test(inner: &Arc<Inner>, _call: &mut Call) -> Response {
    let c = lock(&inner.db).notifications.clone();
    if c.slack_webhook_url.is_empty() && c.generic_url.is_empty() {
        return err(400, "No notification channel configured");
    }
    err(
        502,
        "Failed to send test notification: the sandbox has no outbound network",
    )
}
