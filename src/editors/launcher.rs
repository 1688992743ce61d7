//! Which command an editor should run to start `paas mcp`, and whether a command found in
//! an existing entry is really a paas binary.
//!
//! We write the bare name `paas` only when `paas` on PATH is this very binary: a PATH name
//! survives upgrades and moves (the Go CLI's absolute path went stale after every upgrade),
//! but pointing at some other `paas` on PATH would launch the wrong program.

use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use super::client::Launch;

/// The executable name on this OS.
pub fn exe_name(base: &str) -> String {
    if cfg!(windows) {
        format!("{base}.exe")
    } else {
        base.to_owned()
    }
}

/// First executable file named `name` in `path_var` (a PATH value).
pub fn find_on_path(name: &str, path_var: Option<&OsStr>) -> Option<PathBuf> {
    let path_var = path_var?;
    let file = exe_name(name);
    std::env::split_paths(path_var)
        .filter(|dir| !dir.as_os_str().is_empty())
        .map(|dir| dir.join(&file))
        .find(|candidate| is_executable(candidate))
}

fn is_executable(path: &Path) -> bool {
    let Ok(meta) = std::fs::metadata(path) else {
        return false;
    };
    if !meta.is_file() {
        return false;
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        meta.permissions().mode() & 0o111 != 0
    }
    #[cfg(not(unix))]
    {
        true
    }
}

/// The stdio launch for this binary: `paas mcp [--context NAME]`, by name when PATH leads
/// here, else by absolute path.
pub fn stdio_launch(context: Option<&str>, path_var: Option<&OsStr>) -> Result<Launch, String> {
    let exe = std::env::current_exe()
        .map_err(|e| format!("cannot find the path of the running paas binary: {e}"))?;
    // `dunce`: on Windows, std's canonical form is a `\\?\C:\...` verbatim path, which is
    // what editors would then be told to spawn; dunce keeps the plain `C:\...` form.
    let exe = dunce::canonicalize(&exe).unwrap_or(exe);
    let on_path = find_on_path("paas", path_var).and_then(|p| dunce::canonicalize(p).ok());
    let command = if on_path.as_deref() == Some(exe.as_path()) {
        "paas".to_owned()
    } else {
        exe.to_str()
            .ok_or_else(|| format!("the paas binary path {} is not UTF-8", exe.display()))?
            .to_owned()
    };
    let mut args = vec!["mcp".to_owned()];
    if let Some(ctx) = context.filter(|c| !c.is_empty() && *c != "default") {
        args.push("--context".to_owned());
        args.push(ctx.to_owned());
    }
    Ok(Launch::Stdio { command, args })
}

/// Resolve an entry's `command` the way the editor would (absolute path or PATH lookup).
pub fn resolve_command(command: &str, path_var: Option<&OsStr>) -> Option<PathBuf> {
    let path = Path::new(command);
    if path.components().count() > 1 || path.is_absolute() {
        return is_executable(path).then(|| path.to_path_buf());
    }
    find_on_path(command, path_var)
}

/// Run `<path> --version` (bounded wait) and check it answers like paas.
pub fn is_paas_binary(path: &Path) -> bool {
    let Ok(mut child) = Command::new(path)
        .arg("--version")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
    else {
        return false;
    };
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        match child.try_wait() {
            Ok(Some(_)) => break,
            Ok(None) if Instant::now() < deadline => std::thread::sleep(Duration::from_millis(20)),
            _ => {
                let _ = child.kill();
                let _ = child.wait();
                return false;
            }
        }
    }
    let Ok(out) = child.wait_with_output() else {
        return false;
    };
    out.status.success() && String::from_utf8_lossy(&out.stdout).starts_with("paas ")
}

/// Whether a stdio entry (as JSON) launches `paas mcp` (any paas binary, by name or path).
pub fn launches_paas_mcp(entry: &serde_json::Value) -> bool {
    let Some(command) = entry.get("command").and_then(|c| c.as_str()) else {
        return false;
    };
    let stem = Path::new(command)
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or_default();
    let first_arg = entry
        .get("args")
        .and_then(|a| a.as_array())
        .and_then(|a| a.first())
        .and_then(|a| a.as_str());
    stem == "paas" && first_arg == Some("mcp")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// With no PATH match, editors get this binary's absolute path, in the form they can
    /// spawn: never a Windows verbatim (`\\?\`) path.
    #[test]
    fn the_launch_path_is_absolute_and_plain() {
        let Launch::Stdio { command, args } = stdio_launch(Some("staging"), None).unwrap() else {
            panic!("a stdio launch was expected");
        };
        let path = Path::new(&command);
        assert!(path.is_absolute(), "{command}");
        assert!(!command.starts_with(r"\\?\"), "{command}");
        assert!(is_executable(path), "{command}");
        assert_eq!(args, ["mcp", "--context", "staging"]);
    }
}
