//! Route handlers, one file per area of spec §3. Each gets the already-authorized call; the
//! dispatcher has done the guard and method checks.

pub mod addons;
pub mod agents;
pub mod analytics;
pub mod apps;
pub mod audit;
pub mod auth;
pub mod backups;
pub mod catalog;
pub mod connect;
pub mod cron;
pub mod dashboard;
pub mod dbexplorer;
pub mod deploy;
pub mod faults;
pub mod git;
pub mod notifications;
pub mod projects;
pub mod selfcall;
pub mod servers;
pub mod system;
pub mod ws;

use axum::response::Response;

/// Placeholder answer for handlers not written yet (guards and method checks still apply).
#[allow(dead_code)]
pub fn unimplemented_route(path: &str) -> Response {
    crate::http::err(501, &format!("{path} is not simulated by the sandbox yet"))
}

/// Declares placeholder handlers.
#[allow(unused_macros)]
macro_rules! stubs {
    ($($name:ident),* $(,)?) => {
        $(
            pub fn $name(
                _inner: &std::sync::Arc<crate::state::Inner>,
                call: &mut crate::http::Call,
            ) -> axum::response::Response {
                super::unimplemented_route(&call.path)
            }
        )*
    };
}
#[allow(unused_imports)]
pub(crate) use stubs;

/// `{"id": …}` bodies.
#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct IdBody {
    pub id: String,
}
