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

/// `mcp [--context NAME]`: the arguments of a stdio entry for `context`.
fn mcp_args(context: Option<&str>) -> Vec<String> {
    let mut args = vec!["mcp".to_owned()];
    if let Some(ctx) = context.filter(|c| !c.is_empty() && *c != "default") {
        args.push("--context".to_owned());
        args.push(ctx.to_owned());
    }
    args
}

/// The stdio launch for a project-scoped file: always the bare name `paas`. Those files are
/// usually committed, and an absolute path of this machine would be wrong on every other
/// one. Returns a warning, with what to do, when `paas` on PATH here is missing or is not
/// paas (the entry would then fail on this machine too).
pub fn project_launch(context: Option<&str>, path_var: Option<&OsStr>) -> (Launch, Option<String>) {
    let launch = Launch::Stdio {
        command: "paas".to_owned(),
        args: mcp_args(context),
    };
    let install = "install it on PATH for everyone who uses this project (a release binary, \
                   or `cargo install --path .` in a paas-mcp checkout)";
    let warning = match find_on_path("paas", path_var) {
        None => Some(format!(
            "`paas` is not on PATH, and project entries run the bare command `paas` (a path \
             of this machine would break for everyone else); {install}"
        )),
        Some(found) => {
            let found = dunce::canonicalize(&found).unwrap_or(found);
            let this = std::env::current_exe()
                .ok()
                .map(|exe| dunce::canonicalize(&exe).unwrap_or(exe));
            (this.as_deref() != Some(found.as_path()) && !is_paas_binary(&found)).then(|| {
                format!(
                    "`paas` on PATH is {}, which does not answer like paas (`--version`), and \
                     project entries run the bare command `paas`; {install}, ahead of it on PATH",
                    found.display()
                )
            })
        }
    };
    (launch, warning)
}

/// The stdio launch for this binary in a user-scope file: `paas mcp [--context NAME]`, by
/// name when PATH leads here, else by absolute path.
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
    Ok(Launch::Stdio {
        command,
        args: mcp_args(context),
    })
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

/// Whether a stdio entry (as JSON) launches `paas mcp` (any paas binary, by name or path),
/// with the global options anywhere clap accepts them (`paas --context st mcp`).
pub fn launches_paas_mcp(entry: &serde_json::Value) -> bool {
    paas_mcp_invocation(entry).is_some()
}

/// The global options paas accepts before or after its subcommand (see `cli::Cli`).
const GLOBAL_OPTIONS: [&str; 2] = ["--context", "--log-level"];

/// `paas mcp` options with which the server takes its token from elsewhere than a stored
/// context: the in-memory demo PaaS, or a token file.
const OWN_TOKEN_OPTIONS: [&str; 2] = ["--sandbox", "--token-file"];

/// What an entry's `paas [global options] mcp [options]` arguments say.
struct Invocation {
    /// The `--context` value the arguments give (`None` when they give none).
    context: Option<String>,
    /// One of [`OWN_TOKEN_OPTIONS`] follows `mcp`.
    own_token: bool,
}

/// When the entry runs `paas [global options] mcp [options]`, what its arguments say.
fn paas_mcp_invocation(entry: &serde_json::Value) -> Option<Invocation> {
    let command = entry.get("command").and_then(|c| c.as_str())?;
    let stem = Path::new(command)
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or_default();
    if stem != "paas" {
        return None;
    }
    let args = entry_args(entry);
    let mut rest = args.iter();
    let mut context = None;
    let mut subcommand = None;
    let mut own_token = false;
    while let Some(arg) = rest.next() {
        if *arg == "--" {
            break;
        }
        let option = arg.split_once('=').map_or(*arg, |(option, _)| option);
        if subcommand.is_some() && OWN_TOKEN_OPTIONS.contains(&option) {
            own_token = true;
        }
        if let Some((_, value)) = arg.split_once('=')
            && GLOBAL_OPTIONS.contains(&option)
        {
            if option == "--context" {
                context = Some(value.to_owned());
            }
            continue;
        }
        if GLOBAL_OPTIONS.contains(arg) {
            let value = rest.next()?;
            if *arg == "--context" {
                context = Some((*value).to_owned());
            }
            continue;
        }
        if subcommand.is_none() {
            if arg.starts_with('-') {
                // An option clap would refuse before the subcommand.
                return None;
            }
            subcommand = Some(*arg);
        }
    }
    (subcommand == Some("mcp")).then_some(Invocation { context, own_token })
}

/// The string arguments of an entry (non-strings skipped).
fn entry_args(entry: &serde_json::Value) -> Vec<&str> {
    entry
        .get("args")
        .and_then(|a| a.as_array())
        .map(|a| a.iter().filter_map(|v| v.as_str()).collect())
        .unwrap_or_default()
}

/// The context a `paas mcp` entry serves: its `--context NAME` argument (before or after
/// `mcp`), else a `PAAS_CONTEXT` in its `env`, else `default`. `None` when the entry does
/// not launch `paas mcp` (an HTTP entry reaches a server whose context the file does not
/// say), and when it launches one that takes no stored context's token (`--sandbox`,
/// `--token-file`): disconnecting a context must leave such an entry alone.
pub fn entry_context(entry: &serde_json::Value) -> Option<String> {
    let invocation = paas_mcp_invocation(entry)?;
    if invocation.own_token {
        return None;
    }
    let context = invocation.context.or_else(|| {
        entry
            .get("env")
            .and_then(|e| e.get("PAAS_CONTEXT"))
            .and_then(|v| v.as_str())
            .map(str::to_owned)
    });
    Some(
        context
            .map(|c| c.trim().to_owned())
            .filter(|c| !c.is_empty())
            .unwrap_or_else(|| "default".to_owned()),
    )
}

/// How an entry starts or reaches its server, for messages: `npx some-other`, a URL.
pub fn describe_entry(entry: &serde_json::Value) -> String {
    if let Some(command) = entry.get("command").and_then(|c| c.as_str()) {
        let mut line = vec![command];
        line.extend(entry_args(entry));
        return format!("runs `{}`", line.join(" "));
    }
    for key in ["url", "httpUrl", "serverUrl"] {
        if let Some(url) = entry.get(key).and_then(|u| u.as_str()) {
            return format!("connects to {url}");
        }
    }
    "has neither a command nor a URL".to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every way an entry can name its context; entries that do not run `paas mcp` have none.
    #[test]
    fn the_context_of_an_entry_is_read_from_its_arguments_or_env() {
        let ctx = |v: serde_json::Value| entry_context(&v);
        let cases = [
            (
                serde_json::json!({"command": "paas", "args": ["mcp"]}),
                Some("default"),
            ),
            (
                serde_json::json!({"command": "/x/paas", "args": ["mcp", "--context", "st"]}),
                Some("st"),
            ),
            (
                serde_json::json!({"command": "paas", "args": ["mcp", "--context=st"]}),
                Some("st"),
            ),
            (
                serde_json::json!({"command": "paas", "args": ["mcp"], "env": {"PAAS_CONTEXT": "e"}}),
                Some("e"),
            ),
            (
                serde_json::json!({"command": "paas", "args": ["--context", "g", "mcp"]}),
                Some("g"),
            ),
            (
                serde_json::json!({"command": "paas", "args": ["--log-level=debug", "--context=g", "mcp"]}),
                Some("g"),
            ),
            (
                serde_json::json!({"command": "paas", "args": ["--log-level", "info", "mcp", "--http"]}),
                Some("default"),
            ),
            (
                serde_json::json!({"command": "paas", "args": ["--context", "mcp", "status"]}),
                None,
            ),
            (
                serde_json::json!({"command": "paas", "args": ["status"]}),
                None,
            ),
            (serde_json::json!({"command": "npx", "args": ["mcp"]}), None),
            // Servers that take no stored context's token belong to no context.
            (
                serde_json::json!({"command": "paas", "args": ["mcp", "--sandbox"]}),
                None,
            ),
            (
                serde_json::json!({"command": "/x/paas", "args": ["--context", "st", "mcp", "--token-file", "/t"]}),
                None,
            ),
            (
                serde_json::json!({"command": "paas", "args": ["mcp", "--token-file=/t"]}),
                None,
            ),
            (
                serde_json::json!({"url": "http://127.0.0.1:8808/mcp"}),
                None,
            ),
        ];
        for (entry, want) in cases {
            assert_eq!(ctx(entry.clone()).as_deref(), want, "{entry}");
        }
    }

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
