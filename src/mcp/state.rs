//! State shared by every MCP session of one server: the connection, the observed grant, the
//! current tool selection, the `paas_status` snapshot and the peers to notify.
//!
//! The tool set depends only on the token (not on the session), so HTTP sessions share it;
//! a change is pushed to every live session as `notifications/tools/list_changed`.
//!
//! The token can change while serving: the probe loop re-reads the credential source (the
//! keychain or config.json of the context, or the `--token-file`) and switches to a token
//! that `paas connect` stored since, so a rejected or replaced token never needs a restart.

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

use rmcp::service::{Peer, RoleServer, SubscriptionSink};
use tokio::sync::Notify;

use crate::api::{self, ClientOptions};
use crate::catalog::probe::{self, ProbeError};
use crate::catalog::{Grant, Scope, StatusSnapshot, TokenVault, ToolContext};
use crate::config::{self, Credentials};

use super::cache;
use super::filter::Filter;
use super::in_flight::InFlight;
use super::selection::Selection;
use super::tools;

/// How long the first probe may take before the server starts with the cached grant (or
/// `paas_status` alone) and keeps probing in the background.
const STARTUP_PROBE_BUDGET: Duration = Duration::from_secs(4);

/// While the token is rejected, how often the credential source is read again for a new
/// one. A local read (file, keychain) only: the PaaS hears nothing until the token changes.
pub const REJECTED_RELOAD_EVERY: Duration = Duration::from_secs(5);

/// After a 429, the soonest the scope check runs again, whatever the Retry-After: a PaaS
/// that is shedding load is not asked every second.
const RATE_LIMITED_RECHECK: Duration = Duration::from_secs(5);

/// Where a new token comes from, for the messages that tell the user how to give the
/// server one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Renewal {
    /// The keychain or config.json of the context: `paas connect` writes it.
    Connect,
    /// The `--token-file` at this path.
    TokenFile(PathBuf),
}

/// How to read the credentials again while serving: same source order and context as at
/// start. Absent for a token from the environment (a process's environment cannot change)
/// and for `--sandbox` (its token lives as long as the server).
#[derive(Clone)]
pub struct CredentialSource {
    pub renewal: Renewal,
    /// Re-resolve: a cheap local read (config file, keychain, token file), never a PaaS
    /// request. The error is the sentence for the log.
    pub reload: Arc<dyn Fn() -> Result<Credentials, String> + Send + Sync>,
}

impl std::fmt::Debug for CredentialSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CredentialSource")
            .field("renewal", &self.renewal)
            .finish_non_exhaustive()
    }
}

/// Everything `paas mcp` decided before serving.
#[derive(Clone, Debug)]
pub struct ServerSettings {
    /// Resolved credentials, or why there are none (the message says what to run).
    pub credentials: Result<Credentials, String>,
    /// Where to look for a new token while serving; `None` when it cannot change.
    pub source: Option<CredentialSource>,
    /// Where `create_agent` / `rotate_agent` store new tokens (never in their answer).
    pub vault: Option<Arc<dyn TokenVault>>,
    pub filter: Filter,
    pub allow_admin_token: bool,
    /// `~/.paas/cache` (scope probe results).
    pub cache_dir: PathBuf,
    /// Background re-probe period.
    pub reprobe_every: Duration,
    /// Timeouts and base User-Agent of the REST client.
    pub client_options: ClientOptions,
    /// Where the token comes from, when it is not one of the stored or environment sources
    /// the credentials name (`--token-file`, `--sandbox`): shown by `paas_status`.
    pub token_origin: Option<String>,
}

impl ServerSettings {
    /// How often the credential source is read again while there is no usable token
    /// (rejected, or none configured yet): never slower than the regular re-probe.
    fn reload_every(&self) -> Duration {
        self.reprobe_every.min(REJECTED_RELOAD_EVERY)
    }
}

/// One place to notify: a legacy session (`initialize`) or a 2026-07-28 subscription.
#[derive(Clone)]
enum Notifier {
    Peer(Peer<RoleServer>),
    Subscription(SubscriptionSink),
}

/// The credentials in use and their client; replaced when a new token is picked up.
struct Live {
    /// Resolved credentials, or why there are none.
    credentials: Result<Credentials, String>,
    /// The PaaS client exists only when credentials resolved and the URL parsed.
    client: Option<api::Client>,
    /// What handlers get: `client`, or without credentials a client with no token that is
    /// never used (only `paas_status` is served then).
    handler_client: api::Client,
    /// Set once the server switched to a new token: when and from where (for `paas_status`).
    switched: Option<String>,
    /// Why these credentials cannot work at all (none configured, unusable URL): nothing is
    /// probed until the credential source yields usable ones.
    fatal: Option<String>,
}

/// The shared server state. Cheap to reach through `Arc`.
pub struct Shared {
    settings: ServerSettings,
    live: RwLock<Live>,
    /// `paas_status`'s facts, shared with every handler context.
    status: Arc<RwLock<StatusSnapshot>>,
    /// Shared, not cloned, by every call: a call reads it once.
    selection: RwLock<Arc<Selection>>,
    /// Live sessions to notify, keyed so a finished subscription can remove itself.
    notifiers: Mutex<Vec<(u64, Notifier)>>,
    next_notifier: AtomicU64,
    reprobe: Notify,
    /// Becomes true once the first scope check is applied.
    ready: tokio::sync::watch::Sender<bool>,
    /// The PaaS answered 401 to this token: stop sending it.
    rejected: AtomicBool,
    /// Tool calls being answered (a shutdown waits for them).
    in_flight: InFlight,
}

/// The outcome of one scope check, before it is applied.
#[derive(Debug)]
enum Observation {
    Granted(Grant),
    Rejected,
    /// The PaaS answered 429: this IP is over its request limit or locked out (the limit
    /// and the lockout are shared with every client on the machine).
    RateLimited {
        retry_after: Duration,
    },
    Unavailable(String),
}

impl Observation {
    /// When to check again sooner than the regular re-probe.
    fn retry_after(&self) -> Option<Duration> {
        match self {
            Observation::RateLimited { retry_after } => Some(*retry_after),
            _ => None,
        }
    }
}

impl Shared {
    /// Build the state; does no I/O (see [`Shared::startup_probe`]).
    ///
    /// Fails only when no HTTP client can be built at all (TLS backend unavailable).
    pub fn new(settings: ServerSettings) -> Result<Arc<Self>, api::ApiError> {
        let status = Arc::new(RwLock::new(StatusSnapshot::default()));
        let (client, fatal) = match &settings.credentials {
            Ok(creds) => match api::Client::new(
                &creds.url,
                Some(creds.token.clone()),
                settings.client_options.clone(),
            ) {
                Ok(client) => (Some(client), None),
                Err(e) => (
                    None,
                    Some(format!(
                        "the configured PaaS URL {:?} is not usable ({e}); run: paas connect <url>",
                        creds.url
                    )),
                ),
            },
            Err(problem) => (None, Some(problem.clone())),
        };
        // A server started before `paas connect` picks the connection up by itself.
        let fatal = match (fatal, &settings.source) {
            (Some(problem), Some(source)) if matches!(source.renewal, Renewal::Connect) => {
                Some(format!(
                    "{problem} (this server picks the connection up within {} s of paas \
                     connect; no restart needed)",
                    settings.reload_every().as_secs().max(1)
                ))
            }
            (fatal, _) => fatal,
        };
        let handler_client = match &client {
            Some(client) => client.clone(),
            None => api::Client::new("http://127.0.0.1:9", None, settings.client_options.clone())?,
        };
        let shared = Shared {
            live: RwLock::new(Live {
                credentials: settings.credentials.clone(),
                client,
                handler_client,
                switched: None,
                fatal: fatal.clone(),
            }),
            status,
            selection: RwLock::new(Arc::new(Selection::default())),
            notifiers: Mutex::new(Vec::new()),
            next_notifier: AtomicU64::new(0),
            reprobe: Notify::new(),
            ready: tokio::sync::watch::Sender::new(false),
            rejected: AtomicBool::new(false),
            in_flight: InFlight::default(),
            settings,
        };
        shared.apply_selection(None, false, false, fatal);
        Ok(Arc::new(shared))
    }

    /// The handler context for a call: the client of the current token (it changes when a
    /// new token is picked up, so take a fresh one per call).
    pub fn context(&self) -> ToolContext {
        let api = self.read_live().handler_client.clone();
        ToolContext {
            api,
            status: self.status.clone(),
            vault: self.settings.vault.clone(),
        }
    }

    fn read_live(&self) -> std::sync::RwLockReadGuard<'_, Live> {
        match self.live.read() {
            Ok(guard) => guard,
            Err(poisoned) => poisoned.into_inner(),
        }
    }

    fn write_live(&self) -> std::sync::RwLockWriteGuard<'_, Live> {
        match self.live.write() {
            Ok(guard) => guard,
            Err(poisoned) => poisoned.into_inner(),
        }
    }

    /// Tool calls being answered, for a shutdown to wait on.
    pub fn in_flight(&self) -> &InFlight {
        &self.in_flight
    }

    pub fn selection(&self) -> Arc<Selection> {
        match self.selection.read() {
            Ok(guard) => guard.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    /// Ask the background loop to check the scopes now (after a 403 missing scope).
    pub fn request_reprobe(&self) {
        self.reprobe.notify_one();
    }

    /// A tool call made with `token` got 401: that token is dead. Record it without sending
    /// more requests with it (every rejected request feeds the PaaS's IP lockout), and wake
    /// the loop so a token `paas connect` stored meanwhile is picked up at once. A 401 for a
    /// token already replaced (a call that was in flight during a switch) changes nothing.
    pub async fn token_rejected(&self, token: Option<&api::Token>) {
        let current = self
            .read_live()
            .credentials
            .as_ref()
            .ok()
            .map(|c| c.token.clone());
        if token.is_some() && token != current.as_ref() {
            return;
        }
        self.apply(Observation::Rejected, true).await;
        self.reprobe.notify_one();
    }

    /// Remember a legacy session's peer; closed sessions are pruned here so a long-running
    /// HTTP server does not accumulate them.
    pub fn register_peer(&self, peer: Peer<RoleServer>) {
        let id = self.next_notifier.fetch_add(1, Ordering::Relaxed);
        let mut notifiers = self.lock_notifiers();
        notifiers.retain(|(_, n)| match n {
            Notifier::Peer(p) => !p.is_transport_closed(),
            Notifier::Subscription(_) => true,
        });
        notifiers.push((id, Notifier::Peer(peer)));
    }

    /// Remember a 2026-07-28 `subscriptions/listen` sink; returns the key for
    /// [`Shared::unregister`] when the subscription ends.
    pub fn register_subscription(&self, sink: SubscriptionSink) -> u64 {
        let id = self.next_notifier.fetch_add(1, Ordering::Relaxed);
        self.lock_notifiers()
            .push((id, Notifier::Subscription(sink)));
        id
    }

    pub fn unregister(&self, id: u64) {
        self.lock_notifiers().retain(|(key, _)| *key != id);
    }

    fn lock_notifiers(&self) -> std::sync::MutexGuard<'_, Vec<(u64, Notifier)>> {
        match self.notifiers.lock() {
            Ok(guard) => guard,
            Err(poisoned) => poisoned.into_inner(),
        }
    }

    /// The first probe, bounded by [`STARTUP_PROBE_BUDGET`]. It runs while the handshake
    /// is answered; `tools/list` and `tools/call` wait for it ([`Shared::ready`]) so the
    /// first list is already the token's.
    ///
    /// Returns how soon to check again when the PaaS asked to wait (429), for
    /// [`Shared::probe_loop`].
    pub async fn startup_probe(&self) -> Option<Duration> {
        if self.is_fatal() {
            self.ready.send_replace(true);
            return None;
        }
        let started = tokio::time::Instant::now();
        let check = async {
            let first = self.observe().await;
            // Editors start their MCP servers together, and the PaaS limits requests per
            // IP: a short Retry-After that fits the budget is waited out once, so the first
            // list is the token's rather than `paas_status` alone until the next re-probe.
            match first.retry_after() {
                Some(wait) if started.elapsed() + wait < STARTUP_PROBE_BUDGET => {
                    tracing::info!(
                        seconds = wait.as_secs(),
                        "the PaaS is rate-limiting the scope check; retrying once"
                    );
                    tokio::time::sleep(wait).await;
                    self.observe().await
                }
                _ => first,
            }
        };
        let observation = match tokio::time::timeout(STARTUP_PROBE_BUDGET, check).await {
            Ok(observation) => observation,
            Err(_) => Observation::Unavailable(format!(
                "the scope check did not finish within {} s",
                STARTUP_PROBE_BUDGET.as_secs()
            )),
        };
        let retry_after = observation.retry_after();
        // No `tools/list_changed` for this one: nobody has a list yet (tools/list waits for
        // `ready`), so the first list a client gets is already this one.
        let observed = self.apply(observation, false).await;
        self.ready.send_replace(true);
        remember(observed);
        retry_after
    }

    /// [`ready`](Self::ready) for `tools/list`, whose answer needs the MCP definitions of the
    /// selected tools next: while the first scope check is still waiting on the network,
    /// build them (one at a time, so probe answers are read between two) for the tools the last
    /// successful check of this URL and token selected (the probe cache), its likely outcome.
    /// Only the check decides what is listed; a wrong guess costs idle time and a little
    /// memory. Without a cache there is nothing to guess from.
    pub async fn ready_for_list(&self) {
        if *self.ready.borrow() {
            return;
        }
        let ready = self.ready();
        let warm = self.warm_likely_tools();
        tokio::pin!(ready, warm);
        tokio::select! {
            biased;
            () = &mut ready => {}
            () = &mut warm => ready.await,
        }
    }

    async fn warm_likely_tools(&self) {
        let likely = {
            let live = self.read_live();
            let Ok(creds) = &live.credentials else {
                return;
            };
            let path = cache::path_for(&self.settings.cache_dir, &creds.url, &creds.token);
            let Some(cached) = cache::load(&path, &creds.url) else {
                return;
            };
            if cached.grant.admin && !self.settings.allow_admin_token {
                return;
            }
            Selection::compute(Some(&cached.grant), &self.settings.filter).tools
        };
        for def in likely {
            tools::warm(def);
            tokio::task::yield_now().await;
        }
    }

    /// Wait until the first scope check has been applied (bounded: a stuck check never
    /// blocks a client for longer than the start-up budget).
    pub async fn ready(&self) {
        if *self.ready.borrow() {
            return;
        }
        let mut ready = self.ready.subscribe();
        let _ = tokio::time::timeout(
            STARTUP_PROBE_BUDGET + Duration::from_secs(1),
            ready.wait_for(|done| *done),
        )
        .await;
    }

    /// Re-probe every `reprobe_every`, and at once when asked. Before each probe the
    /// credential source is read again and a changed token is switched to. While the token
    /// is rejected, only that local read runs (every [`REJECTED_RELOAD_EVERY`] at most).
    /// After a 429 the next check comes once the PaaS's Retry-After has passed (`retry_after`
    /// starts it, from [`Shared::startup_probe`]), not a whole period later. Runs until the
    /// task is dropped.
    pub async fn probe_loop(self: Arc<Self>, mut retry_after: Option<Duration>) {
        if self.is_fatal() && self.settings.source.is_none() {
            return;
        }
        loop {
            let regular = if self.is_rejected() || self.is_fatal() {
                self.settings.reload_every()
            } else {
                self.settings.reprobe_every
            };
            let wait = retry_after
                .take()
                .map_or(regular, |soon| soon.max(RATE_LIMITED_RECHECK).min(regular));
            tokio::select! {
                () = tokio::time::sleep(wait) => {}
                () = self.reprobe.notified() => {}
            }
            let switched = self.pick_up_new_token().await;
            if self.is_fatal() {
                // Still nothing usable: keep reading the source, never probe.
                continue;
            }
            if self.is_rejected() && !switched {
                // Never probe again with a token the PaaS already refused: it feeds the
                // lockout. `paas connect` stores a new one; the next read picks it up.
                continue;
            }
            let observation = self.observe().await;
            retry_after = observation.retry_after();
            remember(self.apply(observation, true).await);
        }
    }

    /// Read the credential source again; when its token or URL differs from the one in use,
    /// make it the one every later call and probe uses. True when it switched.
    async fn pick_up_new_token(&self) -> bool {
        let Some(source) = self.settings.source.clone() else {
            return false;
        };
        let reload = source.reload.clone();
        let fresh = match tokio::task::spawn_blocking(move || reload()).await {
            Ok(Ok(fresh)) => fresh,
            Ok(Err(problem)) => {
                tracing::debug!(%problem, "re-reading the credentials failed; keeping the token");
                return false;
            }
            Err(e) => {
                tracing::debug!(error = %e, "re-reading the credentials failed; keeping the token");
                return false;
            }
        };
        let was_rejected = self.is_rejected();
        let had_none = self.is_fatal();
        {
            let live = self.read_live();
            if let Ok(current) = &live.credentials
                && current.token == fresh.token
                && current.url == fresh.url
            {
                return false;
            }
        }
        let client = match api::Client::new(
            &fresh.url,
            Some(fresh.token.clone()),
            self.settings.client_options.clone(),
        ) {
            Ok(client) => client,
            Err(e) => {
                tracing::warn!(url = %fresh.url, error = %e, "the new credentials are not usable; keeping the old token");
                return false;
            }
        };
        let from = match &source.renewal {
            Renewal::Connect => format!("stored by paas connect for context {:?}", fresh.context),
            Renewal::TokenFile(path) => format!("in {}", path.display()),
        };
        let why = if had_none {
            "the server started without a usable connection"
        } else if was_rejected {
            "the previous one was rejected"
        } else {
            "it replaced the one this server started with"
        };
        let note = format!(
            "switched to the token {from} at {} ({why}); no restart was needed",
            chrono::Utc::now().format("%Y-%m-%d %H:%M:%S UTC")
        );
        tracing::info!(context = %fresh.context, url = %fresh.url, "picked up a new token");
        {
            let mut live = self.write_live();
            live.credentials = Ok(fresh);
            live.handler_client = client.clone();
            live.client = Some(client);
            live.switched = Some(note);
            live.fatal = None;
        }
        self.rejected.store(false, Ordering::Relaxed);
        true
    }

    fn is_fatal(&self) -> bool {
        self.read_live().fatal.is_some()
    }

    fn is_rejected(&self) -> bool {
        self.rejected.load(Ordering::Relaxed)
    }

    async fn observe(&self) -> Observation {
        let Some(client) = self.read_live().client.clone() else {
            return Observation::Unavailable("no PaaS client".to_owned());
        };
        // `probe` checks the token with one request before fanning out (spec §1.7 lockout).
        match probe::probe(&client).await {
            Ok(grant) => Observation::Granted(grant),
            Err(ProbeError::Unauthorized) => Observation::Rejected,
            Err(ProbeError::RateLimited { retry_after_secs }) => Observation::RateLimited {
                retry_after: Duration::from_secs(retry_after_secs.max(1)),
            },
            Err(e) => Observation::Unavailable(e.to_string()),
        }
    }

    /// Record an observation; with `announce`, push `tools/list_changed` if the set changed.
    /// Returns a freshly observed grant for the caller to [`remember`] once nobody waits.
    async fn apply(&self, observation: Observation, announce: bool) -> Option<Observed> {
        let Ok(creds) = self.read_live().credentials.clone() else {
            return None;
        };
        let cache_path = cache::path_for(&self.settings.cache_dir, &creds.url, &creds.token);
        let mut observed = None;
        let (grant, connected, problem) = match observation {
            Observation::Granted(grant) => {
                observed = Some(Observed {
                    cache_path: cache_path.clone(),
                    url: creds.url.clone(),
                    grant: grant.clone(),
                });
                (Some(grant), true, None)
            }
            Observation::Rejected => {
                self.rejected.store(true, Ordering::Relaxed);
                (
                    None,
                    false,
                    Some(format!(
                        "the PaaS at {} rejected the token (401 Unauthorized): it is wrong, was \
                         rotated, or its agent was deleted. {}",
                        creds.url,
                        self.renew_advice(&creds)
                    )),
                )
            }
            Observation::RateLimited { retry_after } => {
                let detail = format!(
                    "the PaaS at {} is rate-limiting this machine's address (429 Too Many \
                     Requests); its limit of 20 requests/s and its lockout after failed logins \
                     are shared by every client on this machine. Checking again in {} s",
                    creds.url,
                    retry_after.as_secs()
                );
                match cache::load(&cache_path, &creds.url) {
                    Some(cached) => (
                        Some(cached.grant),
                        false,
                        Some(format!(
                            "{detail}; meanwhile serving the tools of the last successful \
                             check ({})",
                            cached.probed_at
                        )),
                    ),
                    None => (None, false, Some(detail)),
                }
            }
            Observation::Unavailable(detail) => match cache::load(&cache_path, &creds.url) {
                Some(cached) => (
                    Some(cached.grant),
                    false,
                    Some(format!(
                        "cannot check the token's scopes right now ({detail}); serving the tools \
                         of the last successful check ({}). Retrying in the background",
                        cached.probed_at
                    )),
                ),
                None => (
                    None,
                    false,
                    Some(format!(
                        "cannot reach the PaaS at {} to check the token's scopes ({detail}). \
                         Check that it is running and the URL is right (`paas status`); \
                         retrying in the background",
                        creds.url
                    )),
                ),
            },
        };
        let refused_admin = grant
            .as_ref()
            .is_some_and(|g| g.admin && !self.settings.allow_admin_token);
        let (grant, problem) = match grant {
            _ if refused_admin => (None, Some(ADMIN_REFUSED.to_owned()).or(problem)),
            other => (other, problem),
        };
        let changed = self.apply_selection(grant.as_ref(), connected, refused_admin, problem);
        if changed && announce {
            self.notify_tools_changed().await;
        }
        observed
    }

    /// Recompute the selection and the status snapshot; true when the tool list changed.
    /// `refused_admin`: the token is the admin token and `--allow-admin-token` is off, so
    /// nothing but `paas_status` is served, and the status says why.
    fn apply_selection(
        &self,
        grant: Option<&Grant>,
        connected: bool,
        refused_admin: bool,
        problem: Option<String>,
    ) -> bool {
        let mut selection = Selection::compute(grant, &self.settings.filter);
        if refused_admin {
            for hidden in &mut selection.hidden {
                hidden.reason =
                    "the admin token is refused without --allow-admin-token (see problem)"
                        .to_owned();
            }
        }
        let names = selection.names();
        let changed = {
            let mut current = match self.selection.write() {
                Ok(guard) => guard,
                Err(poisoned) => poisoned.into_inner(),
            };
            let changed = current.names() != names;
            *current = Arc::new(selection.clone());
            changed
        };
        let mut status = match self.status.write() {
            Ok(guard) => guard,
            Err(poisoned) => poisoned.into_inner(),
        };
        let live = self.read_live();
        let creds = live.credentials.as_ref().ok();
        *status = StatusSnapshot {
            url: creds.map(|c| c.url.clone()).unwrap_or_default(),
            context: creds.map(|c| c.context.clone()).unwrap_or_default(),
            agent_name: creds.and_then(|c| c.agent_name.clone()),
            agent_id: creds.and_then(|c| c.agent_id.clone()),
            profile: creds.and_then(|c| c.profile.clone()),
            token_source: match (creds, &self.settings.token_origin) {
                (None, _) => "none".to_owned(),
                (Some(_), Some(origin)) => origin.clone(),
                (Some(c), None) => c.source.as_str().to_owned(),
            },
            connected,
            admin_token: refused_admin || grant.is_some_and(|g| g.admin),
            admin_refused: refused_admin,
            observed_scopes: grant
                .map(|g| g.scopes.iter().copied().collect())
                .unwrap_or_default(),
            tools_available: names,
            tools_hidden: selection.hidden,
            problem,
            token_switch: live.switched.clone(),
        };
        changed
    }

    /// What is wrong right now (no credentials, a rejected or refused token, an unreachable
    /// PaaS), with what to do; `None` when the server works.
    pub fn problem(&self) -> Option<String> {
        match self.status.read() {
            Ok(guard) => guard.problem.clone(),
            Err(poisoned) => poisoned.into_inner().problem.clone(),
        }
    }

    /// What a failed call's message depends on: whether names can be listed, and how this
    /// server's token is renewed.
    pub fn call_facts(&self) -> super::result::CallFacts {
        let can_list_names = {
            let status = match self.status.read() {
                Ok(guard) => guard,
                Err(poisoned) => poisoned.into_inner(),
            };
            // Before the first successful check nothing is known: assume a listing happened.
            status.admin_token
                || status.observed_scopes.contains(&Scope::AppsRead)
                || (!status.connected && status.observed_scopes.is_empty())
        };
        let renew_advice = {
            let live = self.read_live();
            live.credentials.as_ref().ok().map(|c| self.renew_advice(c))
        };
        super::result::CallFacts {
            can_list_names,
            renew_advice,
        }
    }

    /// What the user does about a rejected token, and that no restart is needed when the
    /// server can pick the new one up itself.
    fn renew_advice(&self, creds: &Credentials) -> String {
        let within = self.settings.reload_every().as_secs().max(1);
        match self.settings.source.as_ref().map(|s| &s.renewal) {
            Some(Renewal::Connect) => format!(
                "Run: paas connect {}{}; the server picks the new token up within {within} s, no \
                 restart needed",
                creds.url,
                config::context_flag(&creds.context)
            ),
            Some(Renewal::TokenFile(path)) => format!(
                "Write a valid token to {} (e.g. from paas connect {}); the server picks it up \
                 within {within} s, no restart needed",
                path.display(),
                creds.url
            ),
            None => format!(
                "The token comes from the environment (PAAS_TOKEN), which cannot change while the \
                 server runs: set a valid one and restart the MCP server (or your editor), or \
                 unset PAAS_TOKEN and run: paas connect {}",
                creds.url
            ),
        }
    }

    /// Push `tools/list_changed` to every live session; forget the ones that are gone.
    async fn notify_tools_changed(&self) {
        let notifiers = self.lock_notifiers().clone();
        let mut dead = Vec::new();
        for (id, notifier) in &notifiers {
            let ok = match notifier {
                Notifier::Peer(peer) => {
                    !peer.is_transport_closed() && peer.notify_tool_list_changed().await.is_ok()
                }
                Notifier::Subscription(sink) => sink.notify_tool_list_changed().await.is_ok(),
            };
            if !ok {
                dead.push(*id);
            }
        }
        if !dead.is_empty() {
            self.lock_notifiers().retain(|(id, _)| !dead.contains(id));
        }
    }
}

/// A grant the PaaS just confirmed, to be cached on disk for when it cannot be reached.
struct Observed {
    cache_path: PathBuf,
    url: String,
    grant: Grant,
}

/// Write the probe cache (the fallback when the PaaS is unreachable at the next start) on a
/// blocking thread: the atomic rename costs about as much as answering `tools/list`, and
/// nobody waits for it. A write under way is finished before the process exits.
fn remember(observed: Option<Observed>) {
    if let Some(o) = observed {
        tokio::task::spawn_blocking(move || cache::store(&o.cache_path, &o.url, &o.grant));
    }
}

/// Refusal text for the admin token without `--allow-admin-token` (quotes the guide).
pub const ADMIN_REFUSED: &str = "this is the admin token, the master key of the PaaS; paas mcp \
refuses it by default. The agent access guide says: \"Never share the admin token. Create scoped \
agents for every tool and person instead.\" Run: paas connect <url> (pick a profile in the \
browser) to get a scoped agent token, or start the server with --allow-admin-token if you really \
mean to give the assistant full control";
