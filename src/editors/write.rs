//! Writing a config file without ever leaving it half-written: back up the old bytes, write a
//! temp file next to it with the same mode, then rename over it. A symlinked config (dotfile
//! managers) is written through to its target so the link survives.

use std::io::Write;
use std::path::{Path, PathBuf};

/// The file actually written for `path`: the symlink target when `path` is a symlink.
pub fn real_target(path: &Path) -> PathBuf {
    match std::fs::symlink_metadata(path) {
        Ok(meta) if meta.file_type().is_symlink() => {
            dunce::canonicalize(path).unwrap_or_else(|_| path.to_path_buf())
        }
        _ => path.to_path_buf(),
    }
}

/// Read a config file; `Ok(None)` when it does not exist.
pub fn read(path: &Path) -> Result<Option<String>, String> {
    match std::fs::read(path) {
        Ok(bytes) => String::from_utf8(bytes)
            .map(Some)
            .map_err(|_| "the file is not UTF-8 text".to_owned()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(format!("cannot read it: {e}")),
    }
}

/// A backup path next to `path` that does not exist yet: `<file>.bak`, then `<file>.bak.1`...
pub fn backup_path(path: &Path) -> PathBuf {
    unused_sibling(path, ".bak")
}

/// `<file><suffix>` next to `path`, or `<file><suffix>.1`, `.2`... : the first that does not
/// exist yet, so setting a file aside never overwrites an earlier one.
pub fn unused_sibling(path: &Path, suffix: &str) -> PathBuf {
    let base = {
        let mut s = path.as_os_str().to_owned();
        s.push(suffix);
        PathBuf::from(s)
    };
    if !base.exists() {
        return base;
    }
    (1u32..)
        .map(|n| {
            let mut s = base.as_os_str().to_owned();
            s.push(format!(".{n}"));
            PathBuf::from(s)
        })
        .find(|p| !p.exists())
        .unwrap_or(base)
}

/// Replace `path` (its real target) with `contents`. `original` is what we read and edited:
/// if the file changed meanwhile (the editor saved it), nothing is written. Returns the
/// backup path when there was a previous file.
pub fn replace(
    path: &Path,
    original: Option<&str>,
    contents: &str,
    new_file_mode: u32,
) -> Result<Option<PathBuf>, String> {
    let target = real_target(path);
    let current = read(&target)?;
    if current.as_deref() != original {
        return Err("the file changed while paas was editing it; run the command again".into());
    }
    let dir = target
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("."));
    std::fs::create_dir_all(&dir)
        .map_err(|e| format!("cannot create the directory {}: {e}", dir.display()))?;

    let backup = match original {
        Some(_) => {
            let backup = backup_path(&target);
            std::fs::copy(&target, &backup)
                .map_err(|e| format!("cannot back it up to {}: {e}", backup.display()))?;
            Some(backup)
        }
        None => None,
    };

    let file_name = target
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "config".to_owned());
    let mut tmp = tempfile::Builder::new()
        .prefix(&format!(".{file_name}."))
        .suffix(".paas-tmp")
        .tempfile_in(&dir)
        .map_err(|e| format!("cannot create a temporary file in {}: {e}", dir.display()))?;
    tmp.write_all(contents.as_bytes())
        .and_then(|()| tmp.as_file().sync_all())
        .map_err(|e| format!("cannot write the temporary file: {e}"))?;
    set_mode(tmp.path(), &target, new_file_mode)?;
    tmp.persist(&target)
        .map_err(|e| format!("cannot move the new file into place: {}", e.error))?;
    Ok(backup)
}

#[cfg(unix)]
fn set_mode(tmp: &Path, target: &Path, new_file_mode: u32) -> Result<(), String> {
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(target)
        .map(|m| m.permissions().mode() & 0o7777)
        .unwrap_or(new_file_mode);
    std::fs::set_permissions(tmp, std::fs::Permissions::from_mode(mode))
        .map_err(|e| format!("cannot set the file mode: {e}"))
}

#[cfg(not(unix))]
fn set_mode(_tmp: &Path, _target: &Path, _new_file_mode: u32) -> Result<(), String> {
    Ok(())
}
