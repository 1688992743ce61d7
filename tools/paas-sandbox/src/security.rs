//! Per-IP brute-force lockout and the global token-bucket limiter (spec §1.7).

use std::collections::HashMap;
use std::net::IpAddr;
use std::time::{Duration, Instant};

/// Failures allowed before the first lock.
const FREE_FAILURES: u32 = 5;
const FIRST_LOCK: Duration = Duration::from_secs(2);
const MAX_LOCK: Duration = Duration::from_secs(15 * 60);
const RATE_PER_SEC: f64 = 20.0;
const BURST: f64 = 40.0;

#[derive(Debug, Default)]
struct Attempts {
    failures: u32,
    locked_until: Option<Instant>,
    last_seen: Option<Instant>,
}

#[derive(Debug)]
struct Bucket {
    tokens: f64,
    at: Instant,
}

/// Lockout and limiter state for one sandbox.
#[derive(Debug, Default)]
pub struct Security {
    attempts: HashMap<IpAddr, Attempts>,
    buckets: HashMap<IpAddr, Bucket>,
}

/// Seconds until `until`, rounded up, at least 1 (the `Retry-After` value).
fn secs_until(until: Instant, now: Instant) -> u64 {
    let left = until.saturating_duration_since(now);
    let secs = left.as_secs() + u64::from(left.subsec_nanos() > 0);
    secs.max(1)
}

impl Security {
    /// `Some(retry_after)` when `ip` is currently locked out.
    pub fn locked(&mut self, ip: IpAddr) -> Option<u64> {
        let now = Instant::now();
        self.sweep(now);
        let a = self.attempts.get(&ip)?;
        match a.locked_until {
            Some(until) if until > now => Some(secs_until(until, now)),
            _ => None,
        }
    }

    /// Records a wrong, non-empty token; `Some(retry_after)` if this failure tripped a lock.
    pub fn fail(&mut self, ip: IpAddr) -> Option<u64> {
        let now = Instant::now();
        let a = self.attempts.entry(ip).or_default();
        a.failures += 1;
        a.last_seen = Some(now);
        if a.failures <= FREE_FAILURES {
            return None;
        }
        let doublings = (a.failures - FREE_FAILURES - 1).min(20);
        let lock = FIRST_LOCK.saturating_mul(1u32 << doublings).min(MAX_LOCK);
        let until = now + lock;
        a.locked_until = Some(until);
        Some(secs_until(until, now))
    }

    /// A successful authentication clears the IP's history.
    pub fn succeed(&mut self, ip: IpAddr) {
        self.attempts.remove(&ip);
    }

    /// Token bucket: `Ok` if the request may proceed.
    pub fn allow(&mut self, ip: IpAddr) -> bool {
        let now = Instant::now();
        let b = self.buckets.entry(ip).or_insert(Bucket {
            tokens: BURST,
            at: now,
        });
        let elapsed = now.saturating_duration_since(b.at).as_secs_f64();
        b.tokens = (b.tokens + elapsed * RATE_PER_SEC).min(BURST);
        b.at = now;
        if b.tokens >= 1.0 {
            b.tokens -= 1.0;
            true
        } else {
            false
        }
    }

    /// Idle entries are forgotten after 15 minutes.
    fn sweep(&mut self, now: Instant) {
        self.attempts.retain(|_, a| {
            let idle = a
                .last_seen
                .is_none_or(|t| now.saturating_duration_since(t) < MAX_LOCK);
            let locked = a.locked_until.is_some_and(|u| u > now);
            idle || locked
        });
    }
}
