//! Tool calls being answered, so that a shutdown lets them finish instead of cutting their
//! answers off: the PaaS may already be carrying the action out, and the client should
//! learn how it ended.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use tokio::sync::Notify;

#[derive(Debug, Default)]
pub struct InFlight {
    count: AtomicUsize,
    idle: Notify,
}

/// Held while one call is answered; dropping it ends the call.
#[must_use = "the call counts as in flight only while the guard lives"]
pub struct CallGuard<'a>(&'a InFlight);

impl InFlight {
    pub fn enter(&self) -> CallGuard<'_> {
        self.count.fetch_add(1, Ordering::AcqRel);
        CallGuard(self)
    }

    pub fn count(&self) -> usize {
        self.count.load(Ordering::Acquire)
    }

    /// Wait until no call is in flight, at most `bound`. True when they all finished.
    pub async fn drained(&self, bound: Duration) -> bool {
        let deadline = tokio::time::Instant::now() + bound;
        loop {
            let idle = self.idle.notified();
            tokio::pin!(idle);
            // Registered before the count is read, so a call ending in between still wakes us.
            idle.as_mut().enable();
            if self.count() == 0 {
                return true;
            }
            if tokio::time::timeout_at(deadline, idle).await.is_err() {
                return self.count() == 0;
            }
        }
    }
}

impl Drop for CallGuard<'_> {
    fn drop(&mut self) {
        if self.0.count.fetch_sub(1, Ordering::AcqRel) == 1 {
            self.0.idle.notify_waiters();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn drained_waits_for_the_last_call_and_no_longer_than_the_bound() {
        let calls = std::sync::Arc::new(InFlight::default());
        assert!(calls.drained(Duration::from_millis(1)).await);

        let held = calls.clone();
        let (started, start) = tokio::sync::oneshot::channel();
        let call = tokio::spawn(async move {
            let _guard = held.enter();
            let _ = started.send(());
            tokio::time::sleep(Duration::from_millis(50)).await;
        });
        start.await.unwrap();
        assert_eq!(calls.count(), 1);
        assert!(
            !calls.drained(Duration::from_millis(5)).await,
            "bound respected"
        );
        assert!(
            calls.drained(Duration::from_secs(5)).await,
            "woken when it ends"
        );
        assert_eq!(calls.count(), 0);
        call.await.unwrap();
    }
}
