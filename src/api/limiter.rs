//! A client-side token bucket so one bridge never trips the PaaS's per-IP limiter (20
//! requests/s, burst 40, shared with every other client on the IP; spec §1.7).

use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Sustained requests per second we allow ourselves: under the PaaS's 20.
pub const DEFAULT_PER_SECOND: f64 = 18.0;
/// Burst: a full scope probe (13 requests) fits without waiting; half the PaaS's 40.
pub const DEFAULT_BURST: f64 = 20.0;

#[derive(Debug)]
pub struct Limiter {
    per_second: f64,
    burst: f64,
    state: Mutex<Bucket>,
}

#[derive(Debug)]
struct Bucket {
    tokens: f64,
    last: Instant,
}

impl Default for Limiter {
    fn default() -> Self {
        Limiter::new(DEFAULT_PER_SECOND, DEFAULT_BURST)
    }
}

impl Limiter {
    pub fn new(per_second: f64, burst: f64) -> Self {
        let per_second = if per_second.is_finite() && per_second > 0.0 {
            per_second
        } else {
            DEFAULT_PER_SECOND
        };
        let burst = if burst.is_finite() && burst >= 1.0 {
            burst
        } else {
            1.0
        };
        Limiter {
            per_second,
            burst,
            state: Mutex::new(Bucket {
                tokens: burst,
                last: Instant::now(),
            }),
        }
    }

    /// Wait until one request may go out.
    pub async fn acquire(&self) {
        while let Some(wait) = self.try_take() {
            tokio::time::sleep(wait).await;
        }
    }

    /// Take a token now (`None`) or say how long until one is available.
    fn try_take(&self) -> Option<Duration> {
        let mut bucket = self.state.lock().unwrap_or_else(|e| e.into_inner());
        let now = Instant::now();
        let elapsed = now.duration_since(bucket.last).as_secs_f64();
        bucket.tokens = (bucket.tokens + elapsed * self.per_second).min(self.burst);
        bucket.last = now;
        if bucket.tokens >= 1.0 {
            bucket.tokens -= 1.0;
            None
        } else {
            Some(Duration::from_secs_f64(
                (1.0 - bucket.tokens) / self.per_second,
            ))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn burst_then_waits() {
        let limiter = Limiter::new(10.0, 3.0);
        assert!(limiter.try_take().is_none());
        assert!(limiter.try_take().is_none());
        assert!(limiter.try_take().is_none());
        let wait = limiter.try_take().unwrap();
        assert!(wait > Duration::ZERO && wait <= Duration::from_millis(100));
    }
}
