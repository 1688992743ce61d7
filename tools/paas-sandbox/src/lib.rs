//! An in-memory Better-PaaS that behaves like the real REST API (`shared/spec/paas-api.md`):
//! same routes, guards, error bodies, lockout, audit log and quirks.
//!
//! Public surface used by the `paas` binary and by every test:
//! [`Sandbox::start`] → a running server on a real socket; [`run_foreground`] for
//! `paas sandbox`.
//!
//! What the sandbox adds on top of upstream, all outside upstream's namespace or behaviour:
//! - `GET /connect/agent?state=…&port=…`: the dashboard page of the browser connect flow
//!   (upstream serves it from the Next.js UI). The manifest's `uiUrl` therefore defaults to
//!   the sandbox's own URL ([`SandboxOptions::ui_url`] overrides it).
//! - `/__sandbox/faults` when [`SandboxOptions::fault_route`] is set: admin token only;
//!   `POST {"kind": "latency"|"status"|"tooManyRequests"|"drop"|"malformedJson", "ms": 100,
//!   "status": 503, "retryAfter": 2, "pathPrefix": "/api/apps", "count": 1}` injects,
//!   `DELETE` clears, `GET` reports `{"pending": n}`. The same faults are available as
//!   [`Sandbox::faults`].
//! - A deploy whose git repo or image contains `fail` ends `failed`, so failure paths can be
//!   exercised; everything else builds successfully after [`SandboxOptions::build_time`].
//! - The outside world (GitHub, Cloudflare, S3, SSH, cloud providers, Slack) is never
//!   contacted: routes answer as upstream does when it is not configured or unreachable.
//!
//! Known differences from upstream's JSON decoding: `Bad request: <reason>` carries serde's
//! reason, not Go's text, and body keys must match exactly (Go's decoder also accepts them
//! in another case, e.g. `ID` for `id`).

// Handlers return ready-made HTTP responses as their error type; boxing them buys nothing.
#![allow(clippy::result_large_err)]

mod audit;
mod background;
mod dbexplorer;
mod error;
mod faults;
mod handlers;
mod http;
mod model;
mod multipart;
mod origin;
mod pageviews;
pub mod routes;
mod security;
mod seed;
mod server;
mod state;
mod useragent;
mod util;
mod validate;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::sync::watch;
use tokio::task::JoinHandle;

pub use error::SandboxError;
pub use faults::{Fault, FaultKind, Faults};

use state::{Db, Inner};

/// How to start a sandbox.
#[derive(Clone)]
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
    /// `PAAS_UI_URL` equivalent for the manifest. `None`: the sandbox's own URL, because the
    /// sandbox also serves the `/connect/agent` dashboard page.
    pub ui_url: Option<String>,
    /// Upstream's 20 rps / burst 40 per-IP limiter. On by default; table-driven suites that
    /// fire hundreds of requests from one IP turn it off.
    pub rate_limit: bool,
    /// Honour `X-Forwarded-For` / `X-Real-IP` like upstream's `TRUST_PROXY=true`
    /// ([`SandboxOptions::trust_proxy_from_env`] reads that variable).
    pub trust_proxy: bool,
}

/// Redacts the admin token: options may end up in logs.
impl std::fmt::Debug for SandboxOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SandboxOptions")
            .field("addr", &self.addr)
            .field(
                "admin_token",
                &self.admin_token.as_ref().map(|_| "(redacted)"),
            )
            .field("state_file", &self.state_file)
            .field("seed", &self.seed)
            .field("build_time", &self.build_time)
            .field("fault_route", &self.fault_route)
            .field("ui_url", &self.ui_url)
            .field("rate_limit", &self.rate_limit)
            .field("trust_proxy", &self.trust_proxy)
            .finish()
    }
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
            rate_limit: true,
            trust_proxy: false,
        }
    }
}

impl SandboxOptions {
    /// Upstream's `TRUST_PROXY` environment variable (spec §1.7), for `paas sandbox` to read
    /// the way it reads `ADMIN_TOKEN`: see [`is_trusted_proxy_value`].
    pub fn trust_proxy_from_env() -> bool {
        std::env::var("TRUST_PROXY").is_ok_and(|v| is_trusted_proxy_value(&v))
    }
}

/// Whether a `TRUST_PROXY` value turns proxy headers on: `true`, `1` or `yes` (any case).
pub fn is_trusted_proxy_value(value: &str) -> bool {
    let v = value.trim();
    ["true", "1", "yes"]
        .iter()
        .any(|t| v.eq_ignore_ascii_case(t))
}

/// An agent created through the admin API; `token` is shown once, like upstream.
#[derive(Clone)]
pub struct CreatedAgent {
    pub id: String,
    pub name: String,
    pub token: String,
}

impl std::fmt::Debug for CreatedAgent {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CreatedAgent")
            .field("id", &self.id)
            .field("name", &self.name)
            .field("token", &"bpagt_…(redacted)")
            .finish()
    }
}

/// A running sandbox. Dropping it without [`Sandbox::shutdown`] leaves the server task
/// running until the runtime ends.
pub struct Sandbox {
    addr: SocketAddr,
    inner: Arc<Inner>,
    stop: watch::Sender<bool>,
    tasks: Vec<JoinHandle<()>>,
}

impl std::fmt::Debug for Sandbox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sandbox").field("addr", &self.addr).finish()
    }
}

impl Sandbox {
    /// Binds, loads or seeds state, and serves in background tokio tasks.
    pub async fn start(opts: SandboxOptions) -> Result<Sandbox, SandboxError> {
        let listener = tokio::net::TcpListener::bind(opts.addr)
            .await
            .map_err(|source| SandboxError::Bind {
                addr: opts.addr,
                source,
            })?;
        let addr = listener.local_addr().map_err(|source| SandboxError::Bind {
            addr: opts.addr,
            source,
        })?;
        let loaded = match opts.state_file.as_deref() {
            Some(p) => state::load(p)?,
            None => None,
        };
        let fresh = loaded.is_none();
        let db = loaded.unwrap_or_else(Db::fresh);
        let admin_token = opts.admin_token.clone().unwrap_or_else(util::random_hex32);
        let trust_proxy = opts.trust_proxy;
        let sql_dir = tempfile::Builder::new()
            .prefix("paas-sandbox-")
            .tempdir()
            .map_err(|e| SandboxError::Io(format!("cannot create a temporary directory: {e}")))?;
        let inner = Arc::new(Inner {
            sql_dir,
            opts,
            admin_token,
            db: Mutex::new(db),
            security: Mutex::new(security::Security::default()),
            faults: Faults::default(),
            started: Instant::now(),
            tickets: Mutex::new(HashMap::new()),
            connects: Mutex::new(HashMap::new()),
            sql: Mutex::new(HashMap::new()),
            save_lock: Mutex::new(()),
            trust_proxy,
            base_url: format!("http://{addr}"),
        });
        dbexplorer::restore_images(&inner);
        if fresh && inner.opts.seed {
            seed::seed(&inner);
        }
        background::resume(&inner);
        inner.save()?;
        let (stop, stop_rx) = watch::channel(false);
        let tasks = vec![
            tokio::spawn(server::serve(listener, inner.clone(), stop_rx.clone())),
            tokio::spawn(background::ticker(inner.clone(), stop_rx)),
        ];
        Ok(Sandbox {
            addr,
            inner,
            stop,
            tasks,
        })
    }

    /// The bound address (the real port when started with port 0).
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Base URL, e.g. `http://127.0.0.1:41234`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The admin token (generated unless given in the options).
    pub fn admin_token(&self) -> &str {
        &self.inner.admin_token
    }

    /// Creates an agent through the real admin HTTP API (`POST /api/agents/create`), so it
    /// is audited like upstream.
    pub async fn create_agent(
        &self,
        name: &str,
        scopes: &[&str],
    ) -> Result<CreatedAgent, SandboxError> {
        let body = serde_json::json!({ "name": name, "scopes": scopes }).to_string();
        let (status, text) = handlers::selfcall::post(
            self.addr,
            "/api/agents/create",
            &self.inner.admin_token,
            &body,
        )
        .await
        .map_err(SandboxError::Api)?;
        let v: serde_json::Value = serde_json::from_str(&text)
            .map_err(|e| SandboxError::Api(format!("HTTP {status}: {e}: {text}")))?;
        if status != 200 {
            return Err(SandboxError::Api(format!("HTTP {status}: {text}")));
        }
        let field = |k: &str| v.get(k).and_then(|x| x.as_str()).unwrap_or("").to_string();
        Ok(CreatedAgent {
            id: field("id"),
            name: field("name"),
            token: field("token"),
        })
    }

    /// Handle to inject faults into this sandbox's next requests.
    pub fn faults(&self) -> Faults {
        self.inner.faults.clone()
    }

    /// Stops accepting, closes open connections, stops background work, saves state.
    pub async fn shutdown(self) {
        let _ = self.stop.send(true);
        for t in self.tasks {
            let _ = t.await;
        }
        self.inner.persist();
    }
}

/// Runs a sandbox in the foreground: prints upstream-style banner (URL and, once, the admin
/// token) to stderr and serves until Ctrl-C.
pub async fn run_foreground(opts: SandboxOptions) -> Result<(), SandboxError> {
    let generated = opts.admin_token.is_none();
    let sandbox = Sandbox::start(opts).await?;
    eprintln!("Better-PaaS sandbox listening on {}", sandbox.url());
    if generated {
        eprintln!("Admin token (shown once): {}", sandbox.admin_token());
    } else {
        eprintln!("Admin token: (as configured)");
    }
    eprintln!("Press Ctrl-C to stop.");
    let signal = tokio::signal::ctrl_c().await;
    eprintln!("Stopping sandbox…");
    sandbox.shutdown().await;
    signal.map_err(SandboxError::Signal)
}
