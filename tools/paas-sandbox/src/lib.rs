//! An in-memory Better-PaaS that behaves like the real REST API (`shared/spec/paas-api.md`):
//! same routes, guards, error bodies, lockout, audit log and quirks.
//!
//! Public surface used by the `paas` binary and by every test:
//! [`Sandbox::start`] → a running server on a real socket; [`run_foreground`] for
//! `paas sandbox`.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

/// How to start a sandbox.
#[derive(Clone, Debug)]
pub struct SandboxOptions {
    /// Bind address; port 0 picks a free port. Default `127.0.0.1:0`.
    pub addr: SocketAddr,
    /// The admin token; `None` generates 64 hex chars like upstream's first boot.
    pub admin_token: Option<String>,
    /// Save state here atomically on every change and reload it at start.
    pub state_file: Option<PathBuf>,
    /// Create demo data (apps running/stopped/failed, a project, add-ons, cron, backup).
    pub seed: bool,
    /// How long a deploy stays `building`.
    pub build_time: Duration,
    /// Expose the admin-only `/__sandbox/faults` route.
    pub fault_route: bool,
    /// `PAAS_UI_URL` equivalent for the manifest.
    pub ui_url: Option<String>,
}

impl Default for SandboxOptions {
    fn default() -> Self {
        SandboxOptions {
            addr: SocketAddr::from(([127, 0, 0, 1], 0)),
            admin_token: None,
            state_file: None,
            seed: false,
            build_time: Duration::from_millis(300),
            fault_route: false,
            ui_url: None,
        }
    }
}
