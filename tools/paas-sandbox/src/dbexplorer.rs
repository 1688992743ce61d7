//! Embedded databases behind SQL add-ons: one real SQLite file per add-on in the sandbox's
//! private temp dir. Their bytes travel in the state file and in backups as hex "images".

use std::collections::BTreeMap;
use std::path::PathBuf;

use rusqlite::Connection;

use crate::model::Addon;
use crate::state::Inner;
use crate::util::lock;

fn path(inner: &Inner, id: &str) -> PathBuf {
    inner.sql_dir.path().join(format!("{id}.sqlite"))
}

/// Whether this add-on type is explored with SQL (postgres, mysql) rather than Redis.
pub fn is_sql(kind: &str) -> bool {
    matches!(kind, "postgres" | "mysql")
}

/// Opens (creating) the database of a new SQL add-on.
pub fn provision(inner: &Inner, addon: &Addon) {
    if !is_sql(&addon.kind) {
        return;
    }
    match Connection::open(path(inner, &addon.id)) {
        Ok(c) => {
            lock(&inner.sql).insert(addon.id.clone(), c);
        }
        Err(e) => tracing::error!("cannot create database for add-on {}: {e}", addon.id),
    }
}

/// Closes and removes an add-on's database.
pub fn drop_db(inner: &Inner, id: &str) {
    lock(&inner.sql).remove(id);
    let _ = std::fs::remove_file(path(inner, id));
}

/// Runs `f` on the add-on's connection.
pub fn with_conn<T>(inner: &Inner, id: &str, f: impl FnOnce(&Connection) -> T) -> Option<T> {
    let sql = lock(&inner.sql);
    sql.get(id).map(f)
}

/// Hex images of every SQL add-on database, for the state file and backups.
pub fn images(inner: &Inner) -> BTreeMap<String, String> {
    let sql = lock(&inner.sql);
    sql.keys()
        .filter_map(|id| {
            std::fs::read(path(inner, id))
                .ok()
                .map(|b| (id.clone(), hex::encode(b)))
        })
        .collect()
}

/// Replaces every SQL database with the images in `images` (reload, backup restore).
pub fn load_images(inner: &Inner, images: &BTreeMap<String, String>) {
    let mut sql = lock(&inner.sql);
    sql.clear();
    for (id, image) in images {
        let p = path(inner, id);
        let Ok(bytes) = hex::decode(image) else {
            continue;
        };
        if std::fs::write(&p, bytes).is_err() {
            continue;
        }
        if let Ok(c) = Connection::open(&p) {
            sql.insert(id.clone(), c);
        }
    }
}

/// After a reload: images from the loaded state; SQL add-ons without one get a fresh DB.
pub fn restore_images(inner: &Inner) {
    let (images, addons) = {
        let db = lock(&inner.db);
        (db.sql_images.clone(), db.addons.clone())
    };
    load_images(inner, &images);
    for a in addons {
        if is_sql(&a.kind) && !lock(&inner.sql).contains_key(&a.id) {
            provision(inner, &a);
        }
    }
}
