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

/// `{"id": …}` bodies.
#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct IdBody {
    pub id: String,
}
