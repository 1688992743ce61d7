//! Backups (spec §3.8): capture the whole sandbox state (incl. add-on databases) and
//! restore it. Download returns a gzip'd tar-like stream of the JSON state.

use std::sync::Arc;

use axum::body::Body;
use axum::http::{HeaderValue, header};
use axum::response::Response;
use serde::Deserialize;

use crate::http::{Call, err, ok};
use crate::model::{Backup, BackupConfig};
use crate::state::{Db, Inner};
use crate::util::{self, lock};
use crate::validate;

/// Captures the current state (without the backups list itself).
pub fn capture(inner: &Inner) -> Backup {
    let mut db = lock(&inner.db).clone();
    db.backups.clear();
    db.sql_images = crate::dbexplorer::images(inner);
    let snapshot = serde_json::to_string(&db).unwrap_or_default();
    let now = chrono::Utc::now();
    Backup {
        name: format!(
            "backup-{}-{}.tar.gz",
            now.format("%Y%m%d-%H%M%S"),
            util::random_suffix(4)
        ),
        size_bytes: snapshot.len() as i64,
        created_at: util::now(),
        snapshot,
    }
}

fn entry(b: &Backup) -> serde_json::Value {
    serde_json::json!({ "name": b.name, "sizeBytes": b.size_bytes, "createdAt": b.created_at })
}

/// `GET /api/backups`: newest first.
pub fn list(inner: &Arc<Inner>, _call: &mut Call) -> Response {
    let db = lock(&inner.db);
    let v: Vec<_> = db.backups.iter().rev().map(entry).collect();
    ok(&v)
}

/// `POST /api/backups/create`.
pub fn create(inner: &Arc<Inner>, _call: &mut Call) -> Response {
    let b = capture(inner);
    let e = entry(&b);
    let mut db = lock(&inner.db);
    db.backups.push(b);
    let keep = usize::try_from(db.backup_config.retention.max(1)).unwrap_or(10);
    while db.backups.len() > keep {
        db.backups.remove(0);
    }
    ok(&e)
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct NameReq {
    name: String,
}

fn find(inner: &Inner, name: &str) -> Result<Backup, Response> {
    if !validate::backup_name(name) {
        return Err(err(400, "invalid backup name"));
    }
    lock(&inner.db)
        .backups
        .iter()
        .find(|b| b.name == name)
        .cloned()
        .ok_or_else(|| err(404, "Backup not found"))
}

/// `GET /api/backups/download?name=`: the captured state, gzip-framed.
pub fn download(inner: &Arc<Inner>, call: &mut Call) -> Response {
    let b = match find(inner, call.q("name")) {
        Ok(b) => b,
        Err(e) => return e,
    };
    let mut r = Response::new(Body::from(gzip_stored(b.snapshot.as_bytes())));
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/gzip"),
    );
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{}\"", b.name)) {
        r.headers_mut().insert(header::CONTENT_DISPOSITION, v);
    }
    r
}

/// `POST /api/backups/restore`: safety backup, then the captured state replaces the
/// current one (agents and the audit log included, like restoring upstream's data dir).
pub fn restore(inner: &Arc<Inner>, call: &mut Call) -> Response {
    let r: NameReq = match call.json() {
        Ok(r) => r,
        Err(e) => return e,
    };
    let b = match find(inner, &r.name) {
        Ok(b) => b,
        Err(e) => return e,
    };
    let restored: Db = match serde_json::from_str(&b.snapshot) {
        Ok(d) => d,
        Err(e) => return err(500, &format!("Failed to restore backup: {e}")),
    };
    let safety = capture(inner);
    {
        let mut db = lock(&inner.db);
        let mut backups = std::mem::take(&mut db.backups);
        backups.push(safety);
        *db = restored;
        db.backups = backups;
    }
    let images = lock(&inner.db).sql_images.clone();
    crate::dbexplorer::load_images(inner, &images);
    ok(&serde_json::json!({
        "status": "started",
        "message": "Restore started; services are restarting",
    }))
}

/// `POST /api/backups/delete`.
pub fn delete(inner: &Arc<Inner>, call: &mut Call) -> Response {
    let r: NameReq = match call.json() {
        Ok(r) => r,
        Err(e) => return e,
    };
    if let Err(e) = find(inner, &r.name) {
        return e;
    }
    lock(&inner.db).backups.retain(|b| b.name != r.name);
    ok(&serde_json::json!({ "status": "deleted" }))
}

fn redacted(c: &BackupConfig) -> BackupConfig {
    let mut c = c.clone();
    c.s3_secret_key_set = !c.s3_secret_key.is_empty();
    c.s3_secret_key = String::new();
    c
}

/// `GET /api/backups/config`.
pub fn config(inner: &Arc<Inner>, _call: &mut Call) -> Response {
    ok(&redacted(&lock(&inner.db).backup_config))
}

/// `POST /api/backups/config/save`: an empty `s3SecretKey` keeps the stored one.
pub fn config_save(inner: &Arc<Inner>, call: &mut Call) -> Response {
    let mut c: BackupConfig = match call.json() {
        Ok(c) => c,
        Err(e) => return e,
    };
    if c.interval_hours <= 0 {
        c.interval_hours = 24;
    }
    if c.retention <= 0 {
        c.retention = 10;
    }
    let mut db = lock(&inner.db);
    if c.s3_secret_key.is_empty() {
        c.s3_secret_key = db.backup_config.s3_secret_key.clone();
    }
    db.backup_config = c.clone();
    ok(&redacted(&c))
}

/// `POST /api/backups/s3/test`: S3 is outside the sandbox.
pub fn s3_test(_inner: &Arc<Inner>, call: &mut Call) -> Response {
    let c: BackupConfig = match call.json() {
        Ok(c) => c,
        Err(e) => return e,
    };
    if c.s3_bucket.is_empty() || c.s3_endpoint.is_empty() {
        return err(400, "S3 endpoint and bucket are required");
    }
    err(
        502,
        &format!(
            "S3 test failed: cannot reach {} from the sandbox",
            c.s3_endpoint
        ),
    )
}

/// A valid gzip member with "stored" deflate blocks (no compression crate needed).
fn gzip_stored(data: &[u8]) -> Vec<u8> {
    let mut out = vec![0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff];
    let mut chunks = data.chunks(65535).peekable();
    if chunks.peek().is_none() {
        out.extend_from_slice(&[1, 0, 0, 0xff, 0xff]);
    }
    while let Some(c) = chunks.next() {
        let last = u8::from(chunks.peek().is_none());
        let len = c.len() as u16;
        out.push(last);
        out.extend_from_slice(&len.to_le_bytes());
        out.extend_from_slice(&(!len).to_le_bytes());
        out.extend_from_slice(c);
    }
    out.extend_from_slice(&crc32(data).to_le_bytes());
    out.extend_from_slice(&(data.len() as u32).to_le_bytes());
    out
}

fn crc32(data: &[u8]) -> u32 {
    let mut crc = 0xffff_ffffu32;
    for &b in data {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 != 0 {
                (crc >> 1) ^ 0xedb8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}
