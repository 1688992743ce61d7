//! Fault injection for other suites: latency, error statuses, 429, dropped connections and
//! malformed JSON, for the next N matching requests. Lives outside upstream's namespace.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde::Deserialize;

use crate::util::lock;

/// What goes wrong.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FaultKind {
    /// Wait this long, then answer normally.
    Latency(Duration),
    /// Answer with this status and a JSON `{"error": …}` body.
    Status(u16),
    /// Answer 429 `Too many requests` with this `Retry-After`.
    TooManyRequests { retry_after_secs: u64 },
    /// Close the connection without any response.
    DropConnection,
    /// Answer 200 with a body that is not valid JSON.
    MalformedJson,
}

/// One injected fault: applies to the next `count` requests whose path starts with
/// `path_prefix` (all paths when `None`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Fault {
    pub kind: FaultKind,
    pub path_prefix: Option<String>,
    pub count: usize,
}

impl Fault {
    /// A fault for the next `count` requests on any path.
    pub fn new(kind: FaultKind, count: usize) -> Fault {
        Fault {
            kind,
            path_prefix: None,
            count,
        }
    }

    /// Restricts the fault to paths starting with `prefix`.
    pub fn on(mut self, prefix: &str) -> Fault {
        self.path_prefix = Some(prefix.to_string());
        self
    }
}

/// Cloneable handle on a sandbox's pending faults.
#[derive(Clone, Debug, Default)]
pub struct Faults {
    pending: Arc<Mutex<Vec<Fault>>>,
}

impl Faults {
    /// Queues a fault; faults are consumed in the order injected.
    pub fn inject(&self, fault: Fault) {
        if fault.count > 0 {
            lock(&self.pending).push(fault);
        }
    }

    /// Removes every pending fault.
    pub fn clear(&self) {
        lock(&self.pending).clear();
    }

    /// How many requests are still going to be affected.
    pub fn pending(&self) -> usize {
        lock(&self.pending).iter().map(|f| f.count).sum()
    }

    /// Takes one use of the first fault matching `path`.
    pub(crate) fn take(&self, path: &str) -> Option<FaultKind> {
        let mut pending = lock(&self.pending);
        let idx = pending
            .iter()
            .position(|f| f.path_prefix.as_deref().is_none_or(|p| path.starts_with(p)))?;
        let kind = pending[idx].kind.clone();
        pending[idx].count -= 1;
        if pending[idx].count == 0 {
            pending.remove(idx);
        }
        Some(kind)
    }
}

/// JSON body of `POST /__sandbox/faults`:
/// `{"kind":"latency|status|tooManyRequests|drop|malformedJson", "ms", "status", "retryAfter",
/// "pathPrefix", "count"}`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct FaultRequest {
    kind: String,
    #[serde(default)]
    ms: u64,
    #[serde(default)]
    status: Option<u16>,
    #[serde(default)]
    retry_after: Option<u64>,
    #[serde(default)]
    path_prefix: Option<String>,
    #[serde(default)]
    count: Option<usize>,
}

impl FaultRequest {
    pub(crate) fn into_fault(self) -> Result<Fault, String> {
        let kind = match self.kind.as_str() {
            "latency" => FaultKind::Latency(Duration::from_millis(self.ms)),
            "status" => {
                let s = self.status.unwrap_or(500);
                if !(400..=599).contains(&s) {
                    return Err("status must be 400-599".into());
                }
                FaultKind::Status(s)
            }
            "tooManyRequests" => FaultKind::TooManyRequests {
                retry_after_secs: self.retry_after.unwrap_or(1),
            },
            "drop" | "dropConnection" => FaultKind::DropConnection,
            "malformedJson" => FaultKind::MalformedJson,
            other => {
                return Err(format!(
                    "unknown fault kind {other:?}: use latency, status, tooManyRequests, drop or malformedJson"
                ));
            }
        };
        Ok(Fault {
            kind,
            path_prefix: self.path_prefix.filter(|p| !p.is_empty()),
            count: self.count.unwrap_or(1),
        })
    }
}
