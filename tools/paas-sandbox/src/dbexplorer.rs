//! Embedded databases behind SQL add-ons (real SQLite), and their persistence as images.

use std::collections::BTreeMap;

use crate::state::Inner;

/// Hex images of every SQL add-on database, for the state file and backups.
pub fn images(_inner: &Inner) -> BTreeMap<String, String> {
    BTreeMap::new()
}

/// Re-opens SQL add-on databases from the images in the loaded state.
pub fn restore_images(_inner: &Inner) {}
