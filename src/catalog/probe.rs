//! Which scopes does this token hold? Better-PaaS has no who-am-I endpoint (spec §4), so we
//! ask each scope guard directly, without side effects.
//!
//! Guards run *before* a handler's own method check (spec §1.4). Sending the wrong read-only
//! method to a route guarded by one scope therefore answers 403 `missing scope` when the
//! scope is absent and 405 `Method not allowed` when it is present, and the handler never
//! runs. GET and HEAD are never audited (spec §5), so probing leaves no trace in the audit
//! log. Rules for the table below:
//!
//! - POST-only routes are probed with `GET`, GET-only routes with `HEAD`; never a mutating
//!   method, never an audited request.
//! - `/api/metrics/apps` runs `docker stats` on every server: HEAD only (the guard answers
//!   before the handler).
//! - HEAD answers carry no body, so a 403 there is decided on the status alone.
//!
//! Decisions are **fail closed**: a scope is reported only when an answer from past its
//! guard was observed — 405 (or 2xx from a lenient handler), or a 403 naming a *later*
//! scope of the same guard. A 404 (route missing on this server version) counts as absent.
//! 401 means the token was rejected, 429 is reported as such; anything else (5xx from a
//! proxy, …) is an error, never a guess.
//!
//! Two scopes need a note:
//!
//! - `logs:read` is only ever an any-of alternative to `apps:read` (runtime logs, build-log
//!   and runtime-log WebSockets). A wrong-method request to `/api/apps/runtime-logs`
//!   (`Any(apps:read | logs:read)`) says 405 when either is held. So `logs:read` is
//!   reported when that probe says 405 **and** the `apps:read` probe says 403. When
//!   `apps:read` is held, `logs:read` cannot be told apart — and it does not matter: every
//!   route that accepts `logs:read` also accepts `apps:read`, so no tool depends on it. It
//!   is then left out of the grant (never reported unobserved).
//! - `agent:admin` is checked by no route (spec §2.1, §10.1): unobservable and unused.
//!
//! The admin token is recognised by `HEAD /api/audit-logs` (admin-only): 405 for the admin
//! token, 403 `admin token required` for any agent.

use std::fmt;

use futures::{StreamExt, stream};

use crate::api::{Answer, ApiError, ApiRequest, Client, HttpMethod};
use crate::catalog::{Grant, Scope};

/// One side-effect-free request that reveals whether the token holds `scope`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Probe {
    /// The scope this probe observes.
    pub scope: Scope,
    /// Always the *wrong* read-only method for the route (GET on POST routes, HEAD on GET
    /// routes).
    pub method: HttpMethod,
    pub path: &'static str,
    /// The route's full guard, in the server's checking order. A 403 naming a scope listed
    /// *after* `scope` proves `scope` passed (only `/api/deploy` has more than one).
    pub guard: &'static [Scope],
}

impl Probe {
    /// The request this probe sends (no query, no body).
    pub fn request(&self) -> ApiRequest {
        ApiRequest {
            method: self.method,
            path: self.path.to_owned(),
            query: Vec::new(),
            body: None,
        }
    }
}

impl fmt::Display for Probe {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {} ({})", self.method.as_str(), self.path, self.scope)
    }
}

/// The probe table, one row per observable scope (spec §4 item 3).
pub const PROBES: &[Probe] = &[
    Probe {
        scope: Scope::AppsRead,
        method: HttpMethod::Head,
        path: "/api/apps",
        guard: &[Scope::AppsRead],
    },
    Probe {
        scope: Scope::AppsWrite,
        method: HttpMethod::Get,
        path: "/api/apps/stop",
        guard: &[Scope::AppsWrite],
    },
    Probe {
        scope: Scope::AppsDelete,
        method: HttpMethod::Get,
        path: "/api/apps/delete",
        guard: &[Scope::AppsDelete],
    },
    Probe {
        scope: Scope::AddonsManage,
        method: HttpMethod::Get,
        path: "/api/addons/create",
        guard: &[Scope::AddonsManage],
    },
    Probe {
        scope: Scope::ServersManage,
        method: HttpMethod::Head,
        path: "/api/servers",
        guard: &[Scope::ServersManage],
    },
    Probe {
        scope: Scope::DeployTrigger,
        method: HttpMethod::Get,
        path: "/api/deploy",
        guard: &[Scope::DeployTrigger, Scope::AppsWrite],
    },
    Probe {
        scope: Scope::LogsRead,
        method: HttpMethod::Head,
        path: "/api/apps/runtime-logs",
        guard: &[Scope::AppsRead, Scope::LogsRead],
    },
    Probe {
        scope: Scope::MetricsRead,
        method: HttpMethod::Head,
        path: "/api/metrics/apps",
        guard: &[Scope::MetricsRead],
    },
    Probe {
        scope: Scope::SystemManage,
        method: HttpMethod::Head,
        path: "/api/system/update/status",
        guard: &[Scope::SystemManage],
    },
    Probe {
        scope: Scope::CronManage,
        method: HttpMethod::Head,
        path: "/api/cron",
        guard: &[Scope::CronManage],
    },
    Probe {
        scope: Scope::BackupsManage,
        method: HttpMethod::Head,
        path: "/api/backups",
        guard: &[Scope::BackupsManage],
    },
    Probe {
        scope: Scope::NotificationsManage,
        method: HttpMethod::Head,
        path: "/api/notifications",
        guard: &[Scope::NotificationsManage],
    },
];

/// Scopes no request can reveal (no route checks them).
pub const UNOBSERVABLE: &[Scope] = &[Scope::AgentAdmin];

/// Admin-only route used to tell the admin token from an agent token.
pub const ADMIN_PROBE_PATH: &str = "/api/audit-logs";

/// The admin-detection request: `HEAD /api/audit-logs`.
pub fn admin_probe_request() -> ApiRequest {
    ApiRequest {
        method: HttpMethod::Head,
        path: ADMIN_PROBE_PATH.to_owned(),
        query: Vec::new(),
        body: None,
    }
}

/// Why the scopes could not be observed. The caller falls back to a cached grant or to
/// `paas_status` alone; it never guesses.
#[derive(Debug, Clone, thiserror::Error)]
pub enum ProbeError {
    /// 401 `Unauthorized`: wrong, rotated or revoked token.
    #[error(
        "the PaaS rejected the token (401 Unauthorized): it is wrong, was rotated, or its agent was deleted"
    )]
    Unauthorized,
    /// 429: the IP is locked out or over the 20 req/s limit.
    #[error("the PaaS is rate-limiting this address (429); retry after {retry_after_secs}s")]
    RateLimited { retry_after_secs: u64 },
    /// The PaaS could not be reached, timed out, or the request could not be built.
    #[error(transparent)]
    Api(ApiError),
    /// An answer the probe table does not explain (fail closed).
    #[error("unexpected answer to scope probe {probe}: HTTP {status}")]
    Unexpected { probe: String, status: u16 },
}

/// What one probe request observed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Seen {
    Present,
    Absent,
}

/// Scope probes in flight at once. They reuse keep-alive connections: a handful of
/// connections answers a dozen probes sooner than a dozen new connections would, and asks
/// less of the PaaS.
const PROBE_CONCURRENCY: usize = 4;

/// Probe the admin gate, then every observable scope.
///
/// The admin gate goes first and alone: with a revoked or wrong token every request counts
/// as a failed login and the sixth locks this IP out (spec §1.7) for every client on it, so a
/// bad token costs one failure, not thirteen. Its answer also tells the admin token apart,
/// which holds everything and needs no scope probes. Returns [`Grant::admin`] for the admin
/// token, otherwise the observed agent scopes.
pub async fn probe(client: &Client) -> Result<Grant, ProbeError> {
    if classify_admin(client.answer(&admin_probe_request()).await)? {
        return Ok(Grant::admin());
    }
    // Collected first: a lazy `map` closure here makes the future's `Send` bound
    // unprovable for the compiler (higher-ranked lifetime).
    let requests: Vec<_> = PROBES
        .iter()
        .map(|p| async move {
            let answer = client.answer(&p.request()).await;
            classify(p, answer).map(|seen| (p.scope, seen))
        })
        .collect();
    let mut answers = stream::iter(requests).buffer_unordered(PROBE_CONCURRENCY);
    let mut seen = std::collections::BTreeMap::new();
    while let Some(result) = answers.next().await {
        let (scope, s) = result?;
        seen.insert(scope, s);
    }
    Ok(grant_from(&seen))
}

/// Combine per-probe observations into a grant (see the module docs for `logs:read`).
fn grant_from(seen: &std::collections::BTreeMap<Scope, Seen>) -> Grant {
    let present = |s: Scope| seen.get(&s) == Some(&Seen::Present);
    let apps_read = present(Scope::AppsRead);
    let scopes = PROBES.iter().map(|p| p.scope).filter(|&scope| {
        if scope == Scope::LogsRead {
            // The runtime-logs guard is any-of; only meaningful without apps:read.
            present(Scope::LogsRead) && seen.get(&Scope::AppsRead) == Some(&Seen::Absent)
        } else {
            present(scope)
        }
    });
    let mut grant = Grant::agent(scopes);
    if apps_read {
        grant.scopes.remove(&Scope::LogsRead);
    }
    grant
}

fn classify(probe: &Probe, answer: Result<Answer, ApiError>) -> Result<Seen, ProbeError> {
    let answer = answer.map_err(ProbeError::Api)?;
    match answer.status {
        // Past the guard: the handler refused the method (405), or a lenient server let the
        // read-only method through (2xx). Both prove the guard passed. (A 400 is not taken
        // as proof: a proxy in front of the PaaS can send one.)
        405 | 200..=299 => Ok(Seen::Present),
        // The route does not exist on this server version: nothing observed, so absent.
        404 => {
            tracing::warn!(probe = %probe, "scope probe route not found; treating the scope as absent");
            Ok(Seen::Absent)
        }
        403 => {
            // HEAD answers have no body: a 403 is "absent". With a body, a 403 naming a
            // scope checked *after* ours proves ours passed.
            let named = answer
                .message
                .as_deref()
                .and_then(|m| m.strip_prefix("Forbidden: missing scope "))
                .map(str::trim);
            let position = |name: &str| probe.guard.iter().position(|s| s.as_str() == name);
            let ours = probe.guard.iter().position(|s| *s == probe.scope);
            match (named.and_then(position), ours) {
                (Some(named_at), Some(ours_at)) if named_at > ours_at => Ok(Seen::Present),
                _ => Ok(Seen::Absent),
            }
        }
        status => common_failure(status, &answer).map_or_else(
            || {
                Err(ProbeError::Unexpected {
                    probe: probe.to_string(),
                    status,
                })
            },
            Err,
        ),
    }
}

fn classify_admin(answer: Result<Answer, ApiError>) -> Result<bool, ProbeError> {
    let answer = answer.map_err(ProbeError::Api)?;
    match answer.status {
        // Only the admin token passes the gate; the handler then refuses HEAD (or a
        // lenient server answers 200).
        405 | 200 => Ok(true),
        403 => Ok(false),
        status => common_failure(status, &answer).map_or_else(
            || {
                Err(ProbeError::Unexpected {
                    probe: format!("HEAD {ADMIN_PROBE_PATH} (admin)"),
                    status,
                })
            },
            Err,
        ),
    }
}

fn common_failure(status: u16, answer: &Answer) -> Option<ProbeError> {
    match status {
        401 => Some(ProbeError::Unauthorized),
        429 => Some(ProbeError::RateLimited {
            retry_after_secs: answer.retry_after.map_or(1, |d| d.as_secs().max(1)),
        }),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ans(status: u16, message: Option<&str>) -> Result<Answer, ApiError> {
        Ok(Answer {
            status,
            message: message.map(str::to_owned),
            retry_after: None,
        })
    }

    fn deploy_probe() -> &'static Probe {
        PROBES
            .iter()
            .find(|p| p.scope == Scope::DeployTrigger)
            .unwrap()
    }

    #[test]
    fn table_probes_every_observable_scope_once() {
        for scope in Scope::ALL {
            let n = PROBES.iter().filter(|p| p.scope == scope).count();
            let expected = usize::from(!UNOBSERVABLE.contains(&scope));
            assert_eq!(n, expected, "{scope}");
        }
    }

    #[test]
    fn table_uses_only_read_only_methods() {
        for p in PROBES {
            assert!(
                matches!(p.method, HttpMethod::Get | HttpMethod::Head),
                "{p}"
            );
            assert!(p.guard.contains(&p.scope), "{p}");
        }
        let metrics = PROBES
            .iter()
            .find(|p| p.path == "/api/metrics/apps")
            .unwrap();
        assert_eq!(metrics.method, HttpMethod::Head);
    }

    #[test]
    fn status_decides_presence() {
        let p = &PROBES[0];
        assert_eq!(classify(p, ans(405, None)).unwrap(), Seen::Present);
        assert_eq!(classify(p, ans(403, None)).unwrap(), Seen::Absent);
        assert!(matches!(
            classify(p, ans(401, Some("Unauthorized"))),
            Err(ProbeError::Unauthorized)
        ));
        assert_eq!(classify(p, ans(200, None)).unwrap(), Seen::Present);
        assert_eq!(classify(p, ans(404, None)).unwrap(), Seen::Absent);
        assert!(matches!(
            classify(p, ans(400, None)),
            Err(ProbeError::Unexpected { status: 400, .. })
        ));
        assert!(matches!(
            classify(p, ans(502, None)),
            Err(ProbeError::Unexpected { status: 502, .. })
        ));
        assert!(matches!(
            classify(p, ans(500, None)),
            Err(ProbeError::Unexpected { .. })
        ));
        assert!(matches!(
            classify(p, ans(429, None)),
            Err(ProbeError::RateLimited { .. })
        ));
    }

    #[test]
    fn deploy_probe_reads_which_scope_the_guard_named() {
        let p = deploy_probe();
        let missing = |s: &str| ans(403, Some(&format!("Forbidden: missing scope {s}")));
        assert_eq!(
            classify(p, missing("deploy:trigger")).unwrap(),
            Seen::Absent
        );
        assert_eq!(classify(p, missing("apps:write")).unwrap(), Seen::Present);
        assert_eq!(classify(p, ans(405, None)).unwrap(), Seen::Present);
    }

    #[test]
    fn logs_read_only_reported_without_apps_read() {
        use std::collections::BTreeMap;
        let only_logs: BTreeMap<_, _> = [
            (Scope::AppsRead, Seen::Absent),
            (Scope::LogsRead, Seen::Present),
        ]
        .into();
        assert!(grant_from(&only_logs).scopes.contains(&Scope::LogsRead));
        let with_apps: BTreeMap<_, _> = [
            (Scope::AppsRead, Seen::Present),
            (Scope::LogsRead, Seen::Present),
        ]
        .into();
        let g = grant_from(&with_apps);
        assert!(g.scopes.contains(&Scope::AppsRead));
        assert!(!g.scopes.contains(&Scope::LogsRead));
    }

    #[test]
    fn admin_probe() {
        assert!(classify_admin(ans(405, None)).unwrap());
        assert!(!classify_admin(ans(403, None)).unwrap());
        assert!(matches!(
            classify_admin(ans(401, None)),
            Err(ProbeError::Unauthorized)
        ));
    }
}
