//! `paas setup` run as a process with a temporary HOME and project directory: each client's
//! file matches its documented format, merges keep every byte of the user's config, an
//! unparsable file is refused and untouched, backups, dry-run, remove, idempotent re-runs,
//! `--project`, `--http`, and the token never reaches an editor config.

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

pub const BIN: &str = env!("CARGO_BIN_EXE_paas");
const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/editors");
pub const TOKEN: &str = "bpagt_setuptestsecret0123456789abcdef";

/// A temporary HOME and project directory; every command runs with a cleared environment so
/// nothing can reach the real HOME.
pub struct Env {
    pub home: tempfile::TempDir,
    pub project: tempfile::TempDir,
    pub path: OsString,
}

impl Env {
    pub fn new() -> Self {
        let home = tempfile::tempdir().expect("temp home");
        // A PATH with nothing on it: clients installed on this machine (npm puts claude and
        // codex in /usr/bin) must not count as installed in the temp HOME.
        let path = home.path().join("no-bin").into_os_string();
        Env {
            home,
            project: tempfile::tempdir().expect("temp project"),
            path,
        }
    }

    pub fn home(&self) -> &Path {
        self.home.path()
    }

    pub fn h(&self, rel: &str) -> PathBuf {
        self.home.path().join(rel)
    }

    pub fn p(&self, rel: &str) -> PathBuf {
        self.project.path().join(rel)
    }

    /// Put the directory of the paas binary first on PATH (so `paas` resolves to it).
    pub fn with_paas_on_path(mut self) -> Self {
        let dir = Path::new(BIN).parent().expect("bin dir");
        let mut path = dir.as_os_str().to_owned();
        path.push(":");
        path.push(&self.path);
        self.path = path;
        self
    }

    pub fn command(&self, program: &str) -> Command {
        let mut cmd = Command::new(program);
        cmd.env_clear()
            .env("HOME", self.home())
            .env("PATH", &self.path)
            .env("LANG", "C.UTF-8")
            .current_dir(self.project.path());
        cmd
    }

    pub fn paas(&self, args: &[&str]) -> Output {
        self.command(BIN).args(args).output().expect("run paas")
    }

    /// Store a connected config so `paas mcp` has credentials (and so the token is on disk).
    pub fn write_paas_config(&self, url: &str) {
        let dir = self.h(".paas");
        std::fs::create_dir_all(&dir).expect("mkdir .paas");
        let cfg = serde_json::json!({"url": url, "token": TOKEN, "profile": "deployer", "name": "setup-test"});
        std::fs::write(dir.join("config.json"), cfg.to_string()).expect("write config");
    }
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[track_caller]
pub fn assert_ok(o: &Output) {
    assert!(
        o.status.success(),
        "paas failed ({:?})\nstdout:\n{}\nstderr:\n{}",
        o.status.code(),
        stdout(o),
        stderr(o)
    );
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()))
}

fn json(path: &Path) -> Value {
    serde_json::from_str(&read(path))
        .unwrap_or_else(|e| panic!("{} is not JSON: {e}", path.display()))
}

fn jsonc(path: &Path) -> Value {
    let text = read(path);
    jsonc_parser::cst::CstRootNode::parse(&text, &Default::default())
        .unwrap_or_else(|e| panic!("{} is not JSONC: {e}", path.display()))
        .value()
        .and_then(|v| v.to_serde_value())
        .expect("a value")
}

fn toml_json(path: &Path) -> Value {
    let doc: toml_edit::DocumentMut = read(path).parse().expect("valid TOML");
    fn item(i: &toml_edit::Item) -> Value {
        match i {
            toml_edit::Item::Value(v) => val(v),
            toml_edit::Item::Table(t) => {
                Value::Object(t.iter().map(|(k, v)| (k.to_owned(), item(v))).collect())
            }
            _ => Value::Null,
        }
    }
    fn val(v: &toml_edit::Value) -> Value {
        match v {
            toml_edit::Value::String(s) => Value::String(s.value().clone()),
            toml_edit::Value::Array(a) => Value::Array(a.iter().map(val).collect()),
            toml_edit::Value::InlineTable(t) => {
                Value::Object(t.iter().map(|(k, v)| (k.to_owned(), val(v))).collect())
            }
            toml_edit::Value::Integer(i) => Value::from(*i.value()),
            toml_edit::Value::Boolean(b) => Value::Bool(*b.value()),
            other => Value::String(other.to_string()),
        }
    }
    item(doc.as_item())
}

fn fixture(name: &str, command: &str) -> String {
    read(&Path::new(FIXTURES).join(name)).replace("@PAAS@", command)
}

/// (client id, user config path relative to HOME, fixture) on Linux.
const USER_FILES: [(&str, &str, &str); 7] = [
    ("claude-code", ".claude.json", "claude-code.json"),
    ("cursor", ".cursor/mcp.json", "cursor.json"),
    ("codex", ".codex/config.toml", "codex.toml"),
    ("vscode", ".config/Code/User/mcp.json", "vscode.json"),
    (
        "windsurf",
        ".codeium/windsurf/mcp_config.json",
        "windsurf.json",
    ),
    (
        "claude-desktop",
        ".config/Claude/claude_desktop_config.json",
        "claude-desktop.json",
    ),
    ("gemini", ".gemini/settings.json", "gemini.json"),
];

const ALL: &str = "claude-code,cursor,codex,vscode,windsurf,claude-desktop,gemini";

fn canonical_bin() -> String {
    std::fs::canonicalize(BIN)
        .expect("canonical bin")
        .to_string_lossy()
        .into_owned()
}

#[test]
fn fresh_home_gets_each_clients_documented_format() {
    let env = Env::new();
    let out = env.paas(&["setup", "--client", ALL]);
    assert_ok(&out);
    let command = canonical_bin();
    for (client, rel, fix) in USER_FILES {
        let path = env.h(rel);
        assert!(path.exists(), "{client}: {rel} not written");
        if fix.ends_with(".toml") {
            let want: toml_edit::DocumentMut = fixture(fix, &command).parse().expect("fixture");
            let _ = want;
            let got = toml_json(&path);
            assert_eq!(
                got["mcp_servers"]["better-paas"]["command"],
                command.as_str()
            );
            assert_eq!(
                got["mcp_servers"]["better-paas"]["args"],
                serde_json::json!(["mcp"])
            );
            assert_eq!(got.as_object().map(|o| o.len()), Some(1), "{client}: {got}");
        } else {
            let want: Value = serde_json::from_str(&fixture(fix, &command)).expect("fixture JSON");
            assert_eq!(json(&path), want, "{client}: {rel}");
        }
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).expect("meta").permissions().mode() & 0o777;
            assert_eq!(mode, 0o600, "{client}: new user config should be private");
        }
        assert!(
            stdout(&out).contains(&path.display().to_string()),
            "{client} not reported"
        );
    }
    assert!(stdout(&out).contains("Next steps"), "{}", stdout(&out));
    assert!(stdout(&out).contains("List my Better-PaaS apps"));
}

#[test]
fn command_is_the_path_name_only_when_it_resolves_to_this_binary() {
    let env = Env::new().with_paas_on_path();
    assert_ok(&env.paas(&["setup", "--client", "cursor"]));
    assert_eq!(
        json(&env.h(".cursor/mcp.json"))["mcpServers"]["better-paas"]["command"],
        "paas"
    );

    // Another `paas` earlier on PATH: write the absolute path of the one running.
    let env = Env::new();
    let fake_dir = fake_paas_in(&env);
    let mut env = env;
    env.path = fake_dir.into_os_string();
    assert_ok(&env.paas(&["setup", "--client", "cursor"]));
    assert_eq!(
        json(&env.h(".cursor/mcp.json"))["mcpServers"]["better-paas"]["command"],
        canonical_bin().as_str()
    );
}

#[test]
fn non_default_context_gets_its_own_entry_and_flag() {
    let env = Env::new().with_paas_on_path();
    assert_ok(&env.paas(&[
        "--context",
        "staging",
        "setup",
        "--client",
        "claude-code,codex",
    ]));
    let entry = &json(&env.h(".claude.json"))["mcpServers"]["better-paas-staging"];
    assert_eq!(
        entry["args"],
        serde_json::json!(["mcp", "--context", "staging"])
    );
    let codex = toml_json(&env.h(".codex/config.toml"));
    assert_eq!(
        codex["mcp_servers"]["better-paas-staging"]["args"],
        serde_json::json!(["mcp", "--context", "staging"])
    );
    // Removing for one context leaves the other context's entry alone.
    assert_ok(&env.paas(&["setup", "--client", "claude-code"]));
    assert_ok(&env.paas(&[
        "--context",
        "staging",
        "setup",
        "--remove",
        "--client",
        "claude-code",
    ]));
    let servers = &json(&env.h(".claude.json"))["mcpServers"];
    assert!(servers.get("better-paas-staging").is_none(), "{servers}");
    assert_eq!(servers["better-paas"]["args"], serde_json::json!(["mcp"]));
    // --name overrides, and a bad name is refused before anything is written.
    assert_ok(&env.paas(&["setup", "--client", "cursor", "--name", "paas_prod"]));
    assert!(json(&env.h(".cursor/mcp.json"))["mcpServers"]["paas_prod"].is_object());
    // A bad name is a usage error (exit 2), like an unknown client.
    for bad_name in ["a b", ""] {
        let bad = env.paas(&["setup", "--client", "gemini", "--name", bad_name]);
        assert_eq!(bad.status.code(), Some(2), "{bad_name:?}: {}", stderr(&bad));
        assert!(stderr(&bad).contains("--name"), "{}", stderr(&bad));
        assert!(stderr(&bad).contains("letters, digits"), "{}", stderr(&bad));
    }
    assert!(!env.h(".gemini/settings.json").exists());
}

/// VS Code reads mcp.json as JSONC: comments, trailing commas, odd spacing.
const VSCODE_JSONC: &str = r#"{
    // Personal servers. Do not reorder!
    "zeta": true,
    "servers": {
        "github": { "type": "stdio", "command": "docker", "args": ["run", "-i", "ghcr.io/github/github-mcp-server"] }, // pinned
        /* block comment */
        "alpha":   {"type": "http", "url": "https://example.com/mcp"},
    },
    "alpha": 1,
}
"#;

/// Cursor reads plain JSON; this one has its own indentation and one-line entries.
const CURSOR_JSON: &str = "{\n    \"zeta\": true,\n    \"mcpServers\": {\n        \"github\": { \"command\": \"docker\", \"args\": [\"run\", \"-i\"] },\n        \"alpha\":   {\"url\": \"https://example.com/mcp\"}\n    },\n    \"alpha\": 1\n}\n";

const CODEX_TOML: &str = r#"# Codex settings, hand-written
model = "gpt-5-codex"  # favourite
approval_policy = "on-request"

[mcp_servers.docs]
command = "docs-mcp"   # keep me
args = ["--stdio"]
env = { DOCS_TOKEN_FILE = "/run/docs" }

[profiles.fast]
model = "o4-mini"
"#;

/// Claude Code writes ~/.claude.json pretty-printed with two spaces.
const CLAUDE_JSON: &str = r#"{
  "numStartups": 42,
  "mcpServers": {
    "other": {
      "type": "stdio",
      "command": "other-mcp",
      "args": [],
      "env": {}
    }
  },
  "projects": {
    "/x": {
      "allowedTools": []
    }
  },
  "userID": "abc"
}"#;

fn seed(env: &Env) {
    for (rel, text) in [
        (".cursor/mcp.json", CURSOR_JSON),
        (".config/Code/User/mcp.json", VSCODE_JSONC),
        (".codex/config.toml", CODEX_TOML),
        (".claude.json", CLAUDE_JSON),
    ] {
        let path = env.h(rel);
        std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        std::fs::write(&path, text).expect("seed");
    }
}

#[test]
fn merge_keeps_comments_order_and_other_servers_and_remove_restores_every_byte() {
    let env = Env::new().with_paas_on_path();
    seed(&env);
    let clients = "cursor,vscode,codex,claude-code";
    let out = env.paas(&["setup", "--client", clients]);
    assert_ok(&out);

    let vscode = read(&env.h(".config/Code/User/mcp.json"));
    for kept in [
        "// Personal servers. Do not reorder!",
        "// pinned",
        "/* block comment */",
        r#""alpha":   {"type": "http", "url": "https://example.com/mcp"},"#,
    ] {
        assert!(vscode.contains(kept), "lost {kept:?}:\n{vscode}");
    }
    let v = jsonc(&env.h(".config/Code/User/mcp.json"));
    let top: Vec<&String> = v.as_object().expect("object").keys().collect();
    assert_eq!(top, ["zeta", "servers", "alpha"], "key order changed");
    let servers: Vec<&String> = v["servers"].as_object().expect("servers").keys().collect();
    assert_eq!(servers, ["github", "alpha", "better-paas"]);
    assert_eq!(
        v["servers"]["better-paas"],
        serde_json::json!({"type": "stdio", "command": "paas", "args": ["mcp"]})
    );

    let cursor = read(&env.h(".cursor/mcp.json"));
    assert!(
        cursor.contains(r#""alpha":   {"url": "https://example.com/mcp"}"#),
        "{cursor}"
    );
    let c = json(&env.h(".cursor/mcp.json"));
    let top: Vec<&String> = c.as_object().expect("object").keys().collect();
    assert_eq!(top, ["zeta", "mcpServers", "alpha"], "key order changed");
    let servers: Vec<&String> = c["mcpServers"]
        .as_object()
        .expect("servers")
        .keys()
        .collect();
    assert_eq!(servers, ["github", "alpha", "better-paas"]);
    assert_eq!(
        c["mcpServers"]["better-paas"],
        serde_json::json!({"command": "paas", "args": ["mcp"]})
    );

    let codex = read(&env.h(".codex/config.toml"));
    assert!(codex.starts_with(CODEX_TOML.lines().next().expect("line")));
    for kept in [
        "# favourite",
        "# keep me",
        "[profiles.fast]",
        "env = { DOCS_TOKEN_FILE = \"/run/docs\" }",
    ] {
        assert!(codex.contains(kept), "lost {kept:?}:\n{codex}");
    }
    let t = toml_json(&env.h(".codex/config.toml"));
    assert_eq!(t["mcp_servers"]["better-paas"]["command"], "paas");
    assert_eq!(t["mcp_servers"]["docs"]["command"], "docs-mcp");

    let claude = json(&env.h(".claude.json"));
    assert_eq!(claude["numStartups"], 42);
    assert_eq!(claude["userID"], "abc");
    assert_eq!(claude["mcpServers"]["other"]["command"], "other-mcp");
    let keys: Vec<&String> = claude.as_object().expect("object").keys().collect();
    assert_eq!(keys, ["numStartups", "mcpServers", "projects", "userID"]);

    // Backups hold the exact original bytes.
    assert_eq!(read(&env.h(".cursor/mcp.json.bak")), CURSOR_JSON);
    assert_eq!(read(&env.h(".config/Code/User/mcp.json.bak")), VSCODE_JSONC);
    assert_eq!(read(&env.h(".codex/config.toml.bak")), CODEX_TOML);
    assert_eq!(read(&env.h(".claude.json.bak")), CLAUDE_JSON);

    // --remove takes out only our entry: the files are byte-for-byte what they were.
    let out = env.paas(&["setup", "--remove", "--client", clients]);
    assert_ok(&out);
    assert!(
        stdout(&out).contains("removed \"better-paas\""),
        "{}",
        stdout(&out)
    );
    assert_eq!(read(&env.h(".cursor/mcp.json")), CURSOR_JSON);
    assert_eq!(read(&env.h(".config/Code/User/mcp.json")), VSCODE_JSONC);
    assert_eq!(read(&env.h(".codex/config.toml")), CODEX_TOML);
    assert_eq!(read(&env.h(".claude.json")), CLAUDE_JSON);
    // The second backup did not overwrite the first.
    assert!(env.h(".cursor/mcp.json.bak.1").exists());
}

#[test]
fn unparsable_file_is_refused_and_nothing_is_written() {
    let env = Env::new();
    let broken_claude = "{\"mcpServers\": {\"x\": {\"command\": \"y\"}},}\n"; // trailing comma: not JSON
    let broken_toml = "[mcp_servers.docs\ncommand = 1\n";
    std::fs::write(env.h(".claude.json"), broken_claude).expect("write");
    std::fs::create_dir_all(env.h(".codex")).expect("mkdir");
    std::fs::write(env.h(".codex/config.toml"), broken_toml).expect("write");
    std::fs::create_dir_all(env.h(".cursor")).expect("mkdir");
    std::fs::write(env.h(".cursor/mcp.json"), "{}\n").expect("write");

    let out = env.paas(&["setup", "--client", "claude-code,codex,cursor"]);
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    let err = stderr(&out);
    assert!(
        err.contains(&env.h(".claude.json").display().to_string()),
        "{err}"
    );
    assert!(err.contains("not valid JSON"), "{err}");
    assert!(err.contains("not valid TOML"), "{err}");
    // Said once, after every refused file, not once per file and again at the end.
    assert_eq!(err.matches("Nothing was written").count(), 1, "{err}");
    assert_eq!(
        err.to_lowercase().matches("nothing was written").count(),
        1,
        "{err}"
    );
    assert_eq!(err.matches("run again").count(), 1, "{err}");
    assert_eq!(read(&env.h(".claude.json")), broken_claude);
    assert_eq!(read(&env.h(".codex/config.toml")), broken_toml);
    assert_eq!(
        read(&env.h(".cursor/mcp.json")),
        "{}\n",
        "valid file must not be written either"
    );
    assert!(!env.h(".claude.json.bak").exists());
    assert!(!env.h(".cursor/mcp.json.bak").exists());

    // A top level that is not an object, or a servers key that is not an object.
    std::fs::write(env.h(".cursor/mcp.json"), "[1, 2]\n").expect("write");
    let out = env.paas(&["setup", "--client", "cursor"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("not a JSON object"),
        "{}",
        stderr(&out)
    );
    std::fs::write(env.h(".cursor/mcp.json"), "{\"mcpServers\": []}\n").expect("write");
    let out = env.paas(&["setup", "--client", "cursor"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("\"mcpServers\" is not an object"),
        "{}",
        stderr(&out)
    );
    assert_eq!(read(&env.h(".cursor/mcp.json")), "{\"mcpServers\": []}\n");
}

#[test]
fn comments_are_refused_where_the_client_reads_plain_json_and_kept_where_it_reads_jsonc() {
    let env = Env::new();
    let with_comment = "{\n  // mine\n  \"mcpServers\": {}\n}\n";
    // Cursor rejects comments and trailing commas in mcp.json: refuse rather than hide it.
    std::fs::create_dir_all(env.h(".cursor")).expect("mkdir");
    std::fs::write(env.h(".cursor/mcp.json"), with_comment).expect("write");
    let out = env.paas(&["setup", "--client", "cursor"]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(read(&env.h(".cursor/mcp.json")), with_comment);
    // Gemini CLI strips comments but not trailing commas.
    std::fs::create_dir_all(env.h(".gemini")).expect("mkdir");
    std::fs::write(env.h(".gemini/settings.json"), "{\"a\": 1,}\n").expect("write");
    let out = env.paas(&["setup", "--client", "gemini"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("trailing commas are not"),
        "{}",
        stderr(&out)
    );
    std::fs::create_dir_all(env.h(".codeium/windsurf")).expect("mkdir");
    std::fs::write(env.h(".codeium/windsurf/mcp_config.json"), with_comment).expect("write");
    let out = env.paas(&["setup", "--client", "windsurf"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("comments and trailing commas are not allowed"),
        "{}",
        stderr(&out)
    );
    assert_eq!(
        read(&env.h(".codeium/windsurf/mcp_config.json")),
        with_comment
    );

    std::fs::create_dir_all(env.h(".gemini")).expect("mkdir");
    std::fs::write(env.h(".gemini/settings.json"), with_comment).expect("write");
    assert_ok(&env.paas(&["setup", "--client", "gemini"]));
    let text = read(&env.h(".gemini/settings.json"));
    assert!(text.contains("// mine"), "{text}");
    assert!(jsonc(&env.h(".gemini/settings.json"))["mcpServers"]["better-paas"].is_object());
}

#[test]
fn dry_run_prints_a_diff_and_writes_nothing() {
    let env = Env::new();
    seed(&env);
    let before_cursor = read(&env.h(".cursor/mcp.json"));
    let out = env.paas(&["setup", "--dry-run", "--client", "cursor,gemini"]);
    assert_ok(&out);
    let text = stdout(&out);
    let cursor_path = env.h(".cursor/mcp.json").display().to_string();
    assert!(text.contains(&format!("--- {cursor_path}")), "{text}");
    assert!(text.contains(&format!("+++ {cursor_path}")), "{text}");
    assert!(text.contains("+        \"better-paas\": {"), "{text}");
    assert!(
        text.contains("--- /dev/null"),
        "new file shown as created: {text}"
    );
    assert!(text.contains("Dry run: nothing was written."));
    assert_eq!(read(&env.h(".cursor/mcp.json")), before_cursor);
    assert!(!env.h(".cursor/mcp.json.bak").exists());
    assert!(
        !env.h(".gemini").exists(),
        "dry run must not even create directories"
    );
}

#[test]
fn rerun_is_idempotent_no_rewrite_no_backup() {
    let env = Env::new().with_paas_on_path();
    seed(&env);
    assert_ok(&env.paas(&["setup", "--client", "cursor,codex,claude-code"]));
    let snapshot: Vec<(String, std::time::SystemTime)> =
        [".cursor/mcp.json", ".codex/config.toml", ".claude.json"]
            .iter()
            .map(|r| {
                let p = env.h(r);
                (
                    read(&p),
                    std::fs::metadata(&p)
                        .and_then(|m| m.modified())
                        .expect("mtime"),
                )
            })
            .collect();
    let out = env.paas(&["setup", "--client", "cursor,codex,claude-code"]);
    assert_ok(&out);
    assert_eq!(
        stdout(&out).matches("already up to date").count(),
        3,
        "{}",
        stdout(&out)
    );
    for (rel, (text, mtime)) in [".cursor/mcp.json", ".codex/config.toml", ".claude.json"]
        .iter()
        .zip(snapshot)
    {
        let p = env.h(rel);
        assert_eq!(read(&p), text, "{rel} changed");
        assert_eq!(
            std::fs::metadata(&p)
                .and_then(|m| m.modified())
                .expect("mtime"),
            mtime,
            "{rel} rewritten"
        );
    }
    assert!(
        !env.h(".cursor/mcp.json.bak.1").exists(),
        "no second backup when unchanged"
    );
    let dry = env.paas(&["setup", "--dry-run", "--client", "cursor"]);
    assert!(!stdout(&dry).contains("+++"), "{}", stdout(&dry));
}

#[test]
fn update_fixes_a_stale_command_and_keeps_keys_the_user_added() {
    let env = Env::new().with_paas_on_path();
    std::fs::create_dir_all(env.h(".cursor")).expect("mkdir");
    std::fs::write(
        env.h(".cursor/mcp.json"),
        r#"{"mcpServers":{"better-paas":{"command":"/old/go/bin/paas","args":["mcp"],"env":{"PAAS_LOG":"debug"},"disabled":false}}}"#,
    )
    .expect("write");
    let out = env.paas(&["setup", "--client", "cursor"]);
    assert_ok(&out);
    assert!(
        stdout(&out).contains("updated \"better-paas\""),
        "{}",
        stdout(&out)
    );
    let entry = &json(&env.h(".cursor/mcp.json"))["mcpServers"]["better-paas"];
    assert_eq!(entry["command"], "paas");
    assert_eq!(entry["env"]["PAAS_LOG"], "debug");
    assert_eq!(entry["disabled"], false);
}

#[test]
fn project_scope_writes_project_files_only() {
    let env = Env::new().with_paas_on_path();
    let out = env.paas(&[
        "setup",
        "--project",
        "--client",
        "claude-code,cursor,vscode,gemini,codex,windsurf",
    ]);
    assert_ok(&out);
    assert_eq!(
        json(&env.p(".mcp.json"))["mcpServers"]["better-paas"]["command"],
        "paas"
    );
    assert_eq!(
        json(&env.p(".cursor/mcp.json"))["mcpServers"]["better-paas"]["args"],
        serde_json::json!(["mcp"])
    );
    assert_eq!(
        json(&env.p(".vscode/mcp.json"))["servers"]["better-paas"]["type"],
        "stdio"
    );
    assert!(json(&env.p(".gemini/settings.json"))["mcpServers"]["better-paas"].is_object());
    assert_eq!(
        toml_json(&env.p(".codex/config.toml"))["mcp_servers"]["better-paas"]["command"],
        "paas"
    );
    assert!(
        stdout(&out).contains("Windsurf: skipped"),
        "{}",
        stdout(&out)
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(env.p(".mcp.json"))
            .expect("meta")
            .permissions()
            .mode()
            & 0o777;
        assert_eq!(mode, 0o644, "project files are shared with the repository");
    }
    for rel in [".claude.json", ".cursor", ".codex", ".gemini", ".config"] {
        assert!(!env.h(rel).exists(), "{rel} written in HOME");
    }
}

#[test]
fn http_entries_reference_the_token_variable_in_each_clients_syntax() {
    let env = Env::new();
    let url = "http://127.0.0.1:8808/mcp";
    let out = env.paas(&[
        "setup",
        "--http",
        url,
        "--client",
        "claude-code,cursor,vscode,windsurf,gemini,codex",
    ]);
    assert_ok(&out);
    let want: Value =
        serde_json::from_str(&read(&Path::new(FIXTURES).join("http.json")).replace("@URL@", url))
            .expect("fixture");
    assert_eq!(
        json(&env.h(".claude.json"))["mcpServers"]["better-paas"],
        want["claude-code"]
    );
    assert_eq!(
        json(&env.h(".cursor/mcp.json"))["mcpServers"]["better-paas"],
        want["cursor"]
    );
    assert_eq!(
        json(&env.h(".config/Code/User/mcp.json"))["servers"]["better-paas"],
        want["vscode"]
    );
    assert_eq!(
        json(&env.h(".codeium/windsurf/mcp_config.json"))["mcpServers"]["better-paas"],
        want["windsurf"]
    );
    assert_eq!(
        json(&env.h(".gemini/settings.json"))["mcpServers"]["better-paas"],
        want["gemini"]
    );
    assert_eq!(
        toml_json(&env.h(".codex/config.toml"))["mcp_servers"]["better-paas"],
        want["codex"]
    );
    assert!(stdout(&out).contains("PAAS_MCP_HTTP_TOKEN"));

    // Switching back to stdio drops the HTTP keys.
    assert_ok(&env.paas(&["setup", "--client", "cursor"]));
    let entry = &json(&env.h(".cursor/mcp.json"))["mcpServers"]["better-paas"];
    assert!(
        entry.get("url").is_none() && entry.get("headers").is_none(),
        "{entry}"
    );

    // Claude Desktop cannot take an HTTP entry in its file; bad URLs are refused.
    let out = env.paas(&["setup", "--http", url, "--client", "claude-desktop"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("Connectors"), "{}", stderr(&out));
    for bad in [
        "ftp://x/mcp",
        "not a url",
        "notaurl",
        "http://user:pw@127.0.0.1/mcp",
    ] {
        let out = env.paas(&["setup", "--http", bad, "--client", "cursor"]);
        assert_eq!(
            out.status.code(),
            Some(2),
            "{bad}: a bad URL is a usage error"
        );
        assert!(stderr(&out).contains("--http"), "{bad}: {}", stderr(&out));
    }
}

#[test]
fn the_token_never_reaches_an_editor_config() {
    let env = Env::new();
    env.write_paas_config("http://127.0.0.1:9");
    assert_ok(&env.paas(&["setup", "--client", ALL]));
    assert_ok(&env.paas(&[
        "setup",
        "--project",
        "--client",
        "claude-code,cursor,vscode,gemini,codex",
    ]));
    assert_ok(&env.paas(&[
        "setup",
        "--http",
        "http://127.0.0.1:8808/mcp",
        "--client",
        "cursor,codex",
    ]));
    let mut files = Vec::new();
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        for e in std::fs::read_dir(dir).expect("read_dir").flatten() {
            let p = e.path();
            if p.is_dir() {
                walk(&p, out);
            } else {
                out.push(p);
            }
        }
    }
    walk(env.home(), &mut files);
    walk(env.project.path(), &mut files);
    let editor_files: Vec<&PathBuf> = files
        .iter()
        .filter(|p| !p.starts_with(env.h(".paas")))
        .collect();
    assert!(editor_files.len() >= 12, "{editor_files:?}");
    for f in editor_files {
        assert!(
            !read(f).contains(TOKEN),
            "token leaked into {}",
            f.display()
        );
    }
}

#[test]
fn default_clients_are_the_installed_ones() {
    let env = Env::new();
    std::fs::create_dir_all(env.h(".cursor")).expect("mkdir");
    std::fs::create_dir_all(env.h(".codex")).expect("mkdir");
    let out = env.paas(&["setup"]);
    assert_ok(&out);
    assert!(env.h(".cursor/mcp.json").exists());
    assert!(env.h(".codex/config.toml").exists());
    for rel in [".claude.json", ".gemini", ".codeium", ".config"] {
        assert!(
            !env.h(rel).exists(),
            "{rel} created for a client that is not installed"
        );
    }

    let empty = Env::new();
    let out = empty.paas(&["setup"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("--client"), "{}", stderr(&out));

    let out = empty.paas(&["setup", "--client", "emacs"]);
    assert_eq!(
        out.status.code(),
        Some(2),
        "unknown client is a usage error"
    );
    assert!(stderr(&out).contains("claude-code"), "{}", stderr(&out));
}

/// Claude Desktop's file only starts stdio servers: `setup --http` for the installed clients
/// skips it with a note (as `--project` skips clients without that scope) and configures the
/// others; naming it with `--client` stays an error.
#[test]
fn http_setup_skips_an_installed_claude_desktop_unless_it_is_named() {
    let env = Env::new();
    std::fs::create_dir_all(env.h(".cursor")).expect("mkdir");
    std::fs::create_dir_all(env.h(".config/Claude")).expect("mkdir");
    let url = "http://127.0.0.1:8808/mcp";
    let out = env.paas(&["setup", "--http", url]);
    assert_ok(&out);
    assert_eq!(
        json(&env.h(".cursor/mcp.json"))["mcpServers"]["better-paas"]["url"],
        url
    );
    assert!(
        stdout(&out).contains("- Claude Desktop: skipped: Claude Desktop's config file only starts local (stdio) servers"),
        "{}",
        stdout(&out)
    );
    assert!(!env.h(".config/Claude/claude_desktop_config.json").exists());

    let out = env.paas(&["setup", "--http", url, "--client", "claude-desktop"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("only starts local (stdio) servers"),
        "{}",
        stderr(&out)
    );
    assert!(!env.h(".config/Claude/claude_desktop_config.json").exists());
}

#[cfg(unix)]
#[test]
fn a_symlinked_config_is_written_through_and_stays_a_link() {
    let env = Env::new();
    let real = env.h("dotfiles/cursor-mcp.json");
    std::fs::create_dir_all(real.parent().expect("parent")).expect("mkdir");
    std::fs::write(&real, "{\"mcpServers\": {}}\n").expect("write");
    std::fs::create_dir_all(env.h(".cursor")).expect("mkdir");
    std::os::unix::fs::symlink(&real, env.h(".cursor/mcp.json")).expect("symlink");
    assert_ok(&env.paas(&["setup", "--client", "cursor"]));
    assert!(
        std::fs::symlink_metadata(env.h(".cursor/mcp.json"))
            .expect("meta")
            .file_type()
            .is_symlink()
    );
    assert!(json(&real)["mcpServers"]["better-paas"].is_object());
}

#[test]
fn inspect_and_remove_all_see_what_setup_wrote() {
    use paas_mcp::config::Paths;
    use paas_mcp::editors;

    let env = Env::new();
    seed(&env);
    assert_ok(&env.paas(&["setup", "--client", "cursor,codex"]));
    assert_ok(&env.paas(&["setup", "--project", "--client", "claude-code"]));
    // An entry pointing at a binary that no longer exists (the Go CLI's stale path).
    std::fs::create_dir_all(env.h(".gemini")).expect("mkdir");
    std::fs::write(
        env.h(".gemini/settings.json"),
        r#"{"mcpServers":{"better-paas":{"command":"/gone/paas","args":["mcp"]}}}"#,
    )
    .expect("write");

    let paths = Paths::from_home(env.home().to_path_buf());
    let status = editors::inspect(&paths, Some(env.project.path()));
    let find = |c: editors::Client, s: editors::Scope| {
        status
            .iter()
            .find(|e| e.client == c && e.scope == s)
            .expect("status row")
    };
    let cursor = find(editors::Client::Cursor, editors::Scope::User);
    assert!(cursor.ok(), "{cursor:?}");
    assert_eq!(cursor.entries[0].name, "better-paas");
    assert!(find(editors::Client::Codex, editors::Scope::User).ok());
    // Project files run the bare `paas` (they are shared); whether it resolves depends on
    // this process's PATH, so only the entry is checked here.
    let claude_project = find(editors::Client::ClaudeCode, editors::Scope::Project);
    assert_eq!(
        claude_project.entries[0].command.as_deref(),
        Some("paas"),
        "{claude_project:?}"
    );
    let gemini = find(editors::Client::Gemini, editors::Scope::User);
    assert!(!gemini.ok());
    assert!(
        gemini.entries[0]
            .problem
            .as_deref()
            .unwrap_or("")
            .contains("/gone/paas"),
        "{gemini:?}"
    );
    let claude_user = find(editors::Client::ClaudeCode, editors::Scope::User);
    assert!(
        claude_user.file_exists && claude_user.entries.is_empty(),
        "{claude_user:?}"
    );

    let changes = editors::remove_all(&paths, "default")
        .expect("remove_all")
        .changes;
    assert_eq!(changes.len(), 3, "{changes:?}");
    assert_eq!(read(&env.h(".cursor/mcp.json")), CURSOR_JSON);
    assert_eq!(read(&env.h(".codex/config.toml")), CODEX_TOML);
    // The shared project file is not touched; it is reported instead.
    assert_eq!(
        json(&env.p(".mcp.json"))["mcpServers"]["better-paas"]["command"],
        "paas"
    );
    assert_eq!(
        editors::project_files_with(&paths, env.project.path(), "default"),
        vec![env.p(".mcp.json")]
    );
    assert!(
        editors::inspect(&paths, None)
            .iter()
            .all(|s| s.entries.is_empty())
    );
    // Nothing left: a second call changes nothing.
    assert!(
        editors::remove_all(&paths, "default")
            .expect("again")
            .changes
            .is_empty()
    );
}

#[test]
fn crlf_line_endings_are_kept() {
    let env = Env::new();
    let original = "{\r\n  \"mcpServers\": {\r\n    \"a\": {\"command\": \"x\"}\r\n  }\r\n}\r\n";
    std::fs::create_dir_all(env.h(".cursor")).expect("mkdir");
    std::fs::write(env.h(".cursor/mcp.json"), original).expect("write");
    assert_ok(&env.paas(&["setup", "--client", "cursor"]));
    let text = read(&env.h(".cursor/mcp.json"));
    assert!(text.contains("better-paas"));
    assert_eq!(
        text.matches('\n').count(),
        text.matches("\r\n").count(),
        "{text:?}"
    );
    assert_ok(&env.paas(&["setup", "--remove", "--client", "cursor"]));
    assert_eq!(read(&env.h(".cursor/mcp.json")), original);
}

/// `toml_edit` writes LF: a CRLF Codex config must keep CRLF on every line, the user's own
/// included, and `--remove` must give back the original bytes.
#[test]
fn crlf_line_endings_are_kept_in_toml() {
    let env = Env::new();
    let original = "model = \"o3\"\r\n# mine\r\n[mcp_servers.docs]\r\ncommand = \"docs\"\r\n";
    std::fs::create_dir_all(env.h(".codex")).expect("mkdir");
    std::fs::write(env.h(".codex/config.toml"), original).expect("write");
    assert_ok(&env.paas(&["setup", "--client", "codex"]));
    let text = read(&env.h(".codex/config.toml"));
    assert!(text.contains("[mcp_servers.better-paas]"), "{text:?}");
    assert!(text.starts_with("model = \"o3\"\r\n# mine\r\n"), "{text:?}");
    assert_eq!(
        text.matches('\n').count(),
        text.matches("\r\n").count(),
        "{text:?}"
    );
    assert_ok(&env.paas(&["setup", "--remove", "--client", "codex"]));
    assert_eq!(read(&env.h(".codex/config.toml")), original);
}

#[test]
fn help_is_pinned_and_has_examples() {
    let env = Env::new();
    let out = env
        .command(BIN)
        .args(["setup", "--help"])
        .env("COLUMNS", "100")
        .output()
        .expect("run paas");
    assert_ok(&out);
    let text = stdout(&out);
    assert!(text.contains("Examples:"), "{text}");
    insta::assert_snapshot!("setup_help", text);
}

/// The setup lines of a Go CLI `~/.claude/settings.json`: its own settings, another server,
/// and the `better-paas` entry Claude Code never read.
const GO_CLAUDE_SETTINGS: &str = r#"{
  "model": "opus",
  "mcpServers": {
    "better-paas": {
      "command": "/home/me/go/bin/paas",
      "args": [
        "mcp"
      ]
    },
    "notes": {
      "command": "notes-mcp"
    }
  },
  "permissions": {
    "allow": []
  }
}
"#;

/// The same file without our entry, every other byte as it was.
const GO_CLAUDE_SETTINGS_CLEANED: &str = r#"{
  "model": "opus",
  "mcpServers": {
    "notes": {
      "command": "notes-mcp"
    }
  },
  "permissions": {
    "allow": []
  }
}
"#;

fn write_go_settings(env: &Env) -> PathBuf {
    let path = env.h(".claude/settings.json");
    std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
    std::fs::write(&path, GO_CLAUDE_SETTINGS).expect("write");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o640)).expect("chmod");
    }
    path
}

#[cfg(unix)]
fn mode(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).expect("meta").permissions().mode() & 0o777
}

#[test]
fn the_go_clis_leftover_in_claude_settings_is_reported_then_removed_by_setup() {
    let env = Env::new().with_paas_on_path();
    let settings = write_go_settings(&env);

    let doctor = env.paas(&["doctor"]);
    let text = stdout(&doctor);
    let line = text
        .lines()
        .find(|l| l.contains("settings.json"))
        .unwrap_or_else(|| panic!("doctor does not mention the leftover:\n{text}"));
    assert!(line.starts_with("[warn] editor"), "{line}");
    for said in [
        settings.display().to_string().as_str(),
        "old Go paas CLI",
        "ignores",
        "/home/me/go/bin/paas mcp",
    ] {
        assert!(line.contains(said), "{said:?} not in {line}");
    }
    assert!(
        text.contains("fix: paas setup --client claude-code"),
        "{text}"
    );

    let out = env.paas(&["setup", "--client", "claude-code"]);
    assert_ok(&out);
    assert_eq!(read(&settings), GO_CLAUDE_SETTINGS_CLEANED);
    assert_eq!(
        read(&env.h(".claude/settings.json.bak")),
        GO_CLAUDE_SETTINGS
    );
    #[cfg(unix)]
    assert_eq!(mode(&settings), 0o640, "the file keeps its mode");
    let report = stdout(&out);
    assert!(
        report.contains(&format!(
            "removed \"better-paas\" from {}",
            settings.display()
        )),
        "{report}"
    );
    assert!(report.contains("old Go paas CLI"), "{report}");
    // The real entry went where Claude Code reads it.
    assert!(json(&env.h(".claude.json"))["mcpServers"]["better-paas"].is_object());
    // Nothing left to report.
    assert!(
        !stdout(&env.paas(&["doctor"])).contains("settings.json"),
        "leftover still reported"
    );
}

#[test]
fn setup_remove_takes_out_the_go_leftover_but_never_someone_elses_entry() {
    let env = Env::new();
    let settings = write_go_settings(&env);
    let out = env.paas(&["setup", "--remove", "--client", "claude-code"]);
    assert_ok(&out);
    assert_eq!(read(&settings), GO_CLAUDE_SETTINGS_CLEANED);
    assert!(
        stdout(&out).contains("removed \"better-paas\""),
        "{}",
        stdout(&out)
    );

    // An entry named better-paas in settings.json that does not run paas is not ours.
    let foreign = r#"{"mcpServers": {"better-paas": {"command": "npx", "args": ["other"]}}}"#;
    std::fs::write(&settings, foreign).expect("write");
    assert_ok(&env.paas(&["setup", "--remove", "--client", "claude-code"]));
    assert_ok(&env.paas(&["setup", "--client", "claude-code"]));
    assert_eq!(read(&settings), foreign);
    assert!(!stdout(&env.paas(&["doctor"])).contains("settings.json"));
}

#[test]
fn an_entry_with_our_name_that_runs_another_program_is_not_replaced() {
    let env = Env::new().with_paas_on_path();
    let original = r#"{"mcpServers":{"better-paas":{"command":"npx","args":["some-other"]}}}"#;
    let path = env.h(".cursor/mcp.json");
    std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
    std::fs::write(&path, original).expect("write");

    let out = env.paas(&["setup", "--client", "cursor"]);
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    let err = stderr(&out);
    for said in [
        path.display().to_string().as_str(),
        "\"better-paas\"",
        "`npx some-other`",
        "--name NAME",
        "--force",
    ] {
        assert!(err.contains(said), "{said:?} not in {err}");
    }
    assert_eq!(err.matches("Nothing was written").count(), 1, "{err}");
    assert_eq!(read(&path), original);
    assert!(!env.h(".cursor/mcp.json.bak").exists());

    // Neither removal takes it either.
    assert_ok(&env.paas(&["setup", "--remove", "--client", "cursor"]));
    assert_eq!(read(&path), original);

    // Another name keeps theirs next to ours; --force replaces theirs.
    assert_ok(&env.paas(&["setup", "--client", "cursor", "--name", "paas-prod"]));
    let servers = json(&path)["mcpServers"].clone();
    assert_eq!(servers["better-paas"]["command"], "npx");
    assert_eq!(servers["paas-prod"]["command"], "paas");
    assert_ok(&env.paas(&["setup", "--client", "cursor", "--force"]));
    assert_eq!(json(&path)["mcpServers"]["better-paas"]["command"], "paas");
}

#[test]
fn project_entries_run_the_bare_paas_command_and_warn_when_it_is_not_on_path() {
    // No paas on PATH: still the bare name (the file is shared), with a warning saying how
    // to install it.
    let env = Env::new();
    let out = env.paas(&["setup", "--project", "--client", "claude-code,vscode"]);
    assert_ok(&out);
    assert_eq!(
        json(&env.p(".mcp.json"))["mcpServers"]["better-paas"]["command"],
        "paas"
    );
    assert_eq!(
        json(&env.p(".vscode/mcp.json"))["servers"]["better-paas"]["command"],
        "paas"
    );
    let err = stderr(&out);
    assert!(err.contains("warning: `paas` is not on PATH"), "{err}");
    assert!(err.contains("cargo install"), "{err}");
    for file in [".mcp.json", ".vscode/mcp.json"] {
        assert!(
            !read(&env.p(file)).contains(&canonical_bin()),
            "{file} holds this machine's path"
        );
    }

    // Another program called paas on PATH: named in the warning.
    let mut env = Env::new();
    let fake_dir = fake_paas_in(&env);
    let fake = fake_dir.join("paas");
    env.path = fake_dir.into_os_string();
    let out = env.paas(&["setup", "--project", "--client", "claude-code"]);
    assert_ok(&out);
    assert!(
        stderr(&out).contains(&format!("`paas` on PATH is {}", fake.display())),
        "{}",
        stderr(&out)
    );
    assert_eq!(
        json(&env.p(".mcp.json"))["mcpServers"]["better-paas"]["command"],
        "paas"
    );

    // This binary on PATH: no warning.
    let env = Env::new().with_paas_on_path();
    let out = env.paas(&["setup", "--project", "--client", "claude-code"]);
    assert_ok(&out);
    assert!(!stderr(&out).contains("PATH"), "{}", stderr(&out));
}

#[test]
fn setup_for_an_unconnected_context_writes_warns_and_names_the_context_in_every_hint() {
    let env = Env::new().with_paas_on_path();
    env.write_paas_config("http://127.0.0.1:9");
    let out = env.paas(&["setup", "--client", "cursor", "--context", "nope"]);
    assert_ok(&out);
    assert_eq!(
        json(&env.h(".cursor/mcp.json"))["mcpServers"]["better-paas-nope"]["args"],
        serde_json::json!(["mcp", "--context", "nope"])
    );
    let err = stderr(&out);
    assert!(err.contains("context \"nope\" is not connected"), "{err}");
    assert!(err.contains("paas connect <url> --context nope"), "{err}");
    let text = stdout(&out);
    assert!(
        text.contains("eval \"$(paas env --context nope)\""),
        "{text}"
    );
    assert!(!text.contains("$(paas env)"), "{text}");

    // The connected default context: no warning, and the hint has no --context.
    let out = env.paas(&["setup", "--client", "cursor"]);
    assert_ok(&out);
    assert!(!stderr(&out).contains("not connected"), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("eval \"$(paas env)\""),
        "{}",
        stdout(&out)
    );

    // doctor: the default entry is fine; the "nope" one is not.
    let doctor = stdout(&env.paas(&["doctor"]));
    let line = |name: &str| {
        doctor
            .lines()
            .find(|l| l.contains("Cursor") && l.contains(&format!("\"{name}\"")))
            .unwrap_or_else(|| panic!("no line for {name}:\n{doctor}"))
            .to_owned()
    };
    assert!(line("better-paas").starts_with("[ok"), "{doctor}");
    let nope = line("better-paas-nope");
    assert!(nope.starts_with("[FAIL]"), "{nope}");
    assert!(nope.contains("\"nope\", which is not connected"), "{nope}");
    assert!(
        doctor.contains("fix: paas connect <url> --context nope"),
        "{doctor}"
    );

    // After `paas disconnect` the default entry is not [ok] either.
    assert_ok(&env.paas(&["disconnect"]));
    let doctor = stdout(&env.paas(&["doctor"]));
    let default_line = doctor
        .lines()
        .find(|l| l.contains("Cursor") && l.contains("\"better-paas\""))
        .unwrap_or_else(|| panic!("no line:\n{doctor}"));
    assert!(default_line.starts_with("[FAIL]"), "{doctor}");
    assert!(default_line.contains("not connected"), "{doctor}");
}

mod with_sandbox {
    //! The QA repros that start from `paas connect URL --token-stdin` against a sandbox.

    use super::{GO_CLAUDE_SETTINGS, GO_CLAUDE_SETTINGS_CLEANED};
    use crate::cli_support::{Home, run_cmd, sandbox, skip_or_fail};
    use serde_json::Value;

    async fn connect(home: &Home, sandbox: &paas_sandbox::Sandbox, context: Option<&str>) {
        let name = format!("setup-{}", context.unwrap_or("default"));
        let agent = sandbox.create_agent(&name, &["apps:read"]).await.unwrap();
        let url = sandbox.url();
        let mut args = vec!["connect", url.as_str(), "--token-stdin"];
        if let Some(ctx) = context {
            args.extend(["--context", ctx]);
        }
        let run = home.run(&args, &agent.token).await;
        assert_eq!(run.code, 0, "{run:?}");
    }

    /// Runs in HOME, so no project directory (the test's cwd is the repository) is touched.
    async fn run_in_home(home: &Home, args: &[&str]) -> crate::cli_support::Run {
        let mut cmd = home.cmd(args);
        cmd.current_dir(home.path());
        run_cmd(cmd, "").await
    }

    fn servers(home: &Home) -> Value {
        let text = std::fs::read_to_string(home.path().join(".cursor/mcp.json")).unwrap();
        serde_json::from_str::<Value>(&text).unwrap()["mcpServers"].clone()
    }

    #[tokio::test]
    async fn disconnect_remove_setup_takes_out_only_that_contexts_entries() {
        let sandbox = sandbox().await;
        let home = Home::new();
        connect(&home, &sandbox, None).await;
        connect(&home, &sandbox, Some("staging")).await;
        let settings = home.path().join(".claude/settings.json");
        std::fs::create_dir_all(settings.parent().unwrap()).unwrap();
        std::fs::write(&settings, GO_CLAUDE_SETTINGS).unwrap();
        for args in [
            &["setup", "--client", "cursor"][..],
            &["setup", "--client", "cursor", "--context", "staging"],
        ] {
            let run = run_in_home(&home, args).await;
            assert_eq!(run.code, 0, "{run:?}");
        }
        let s = servers(&home);
        assert!(
            s["better-paas"].is_object() && s["better-paas-staging"].is_object(),
            "{s}"
        );

        let run = run_in_home(&home, &["disconnect", "--remove-setup"]).await;
        assert_eq!(run.code, 0, "{run:?}");
        let s = servers(&home);
        assert!(s.get("better-paas").is_none(), "{s}");
        assert_eq!(
            s["better-paas-staging"]["args"],
            serde_json::json!(["mcp", "--context", "staging"]),
            "staging is still connected: its entry must stay"
        );
        // The Go CLI's leftover served the default context: gone with it.
        assert_eq!(
            std::fs::read_to_string(&settings).unwrap(),
            GO_CLAUDE_SETTINGS_CLEANED
        );
        let status = home.run(&["status", "--context", "staging"], "").await;
        assert_eq!(status.code, 0, "{status:?}");

        let run = run_in_home(
            &home,
            &["disconnect", "--remove-setup", "--context", "staging"],
        )
        .await;
        assert_eq!(run.code, 0, "{run:?}");
        assert_eq!(servers(&home), serde_json::json!({}));
        sandbox.shutdown().await;
    }

    #[tokio::test]
    async fn disconnect_with_an_unreadable_config_sets_it_aside_and_goes_on() {
        let sandbox = sandbox().await;
        let home = Home::new();
        connect(&home, &sandbox, None).await;
        connect(&home, &sandbox, Some("staging")).await;
        let run = run_in_home(&home, &["setup", "--client", "cursor"]).await;
        assert_eq!(run.code, 0, "{run:?}");
        let config = home.config_file();
        let full = std::fs::read_to_string(&config).unwrap();
        let truncated = &full[..full.len() / 2];
        std::fs::write(&config, truncated).unwrap();
        let doctor = run_in_home(&home, &["doctor"]).await;
        assert!(
            doctor.stdout.contains("set it aside with: paas disconnect"),
            "{}",
            doctor.stdout
        );

        let run = run_in_home(&home, &["disconnect", "--remove-setup"]).await;
        assert_eq!(run.code, 0, "{run:?}");
        assert!(!config.exists(), "the unreadable file is still in place");
        let aside: Vec<_> = std::fs::read_dir(home.path().join(".paas"))
            .unwrap()
            .flatten()
            .map(|e| e.path())
            .filter(|p| {
                p.file_name()
                    .unwrap()
                    .to_string_lossy()
                    .starts_with("config.json.unreadable-")
            })
            .collect();
        assert_eq!(aside.len(), 1, "{aside:?}");
        assert_eq!(std::fs::read_to_string(&aside[0]).unwrap(), truncated);
        #[cfg(unix)]
        assert_eq!(super::mode(&aside[0]), 0o600, "mode kept");
        for said in [
            aside[0].display().to_string().as_str(),
            "not valid JSON",
            "Moved it aside",
        ] {
            assert!(run.stdout.contains(said), "{said:?} not in {}", run.stdout);
        }
        // The rest of the command still ran.
        assert!(servers(&home).get("better-paas").is_none());
        // And the tool works again.
        let again = home.run(&["disconnect"], "").await;
        assert_eq!(again.code, 0, "{again:?}");
        sandbox.shutdown().await;
    }

    #[tokio::test]
    async fn disconnect_with_an_unreadable_config_removes_the_keychain_token() {
        let sandbox = sandbox().await;
        let agent = sandbox
            .create_agent("kc-aside", &["apps:read"])
            .await
            .unwrap();
        let home = Home::new();
        let url = sandbox.url();
        let mut cmd = home.cmd(&[
            "connect",
            url.as_str(),
            "--token-stdin",
            "--context",
            "kcaside",
        ]);
        cmd.env("PAAS_TOKEN_STORE", "keychain");
        let run = run_cmd(cmd, &agent.token).await;
        if run.code != 0 {
            skip_or_fail(
                "disconnect_with_an_unreadable_config_removes_the_keychain_token",
                &format!("no usable OS keychain here ({})", run.stderr.trim()),
            );
            return;
        }
        let keychain = paas_mcp::config::KeychainStore;
        let stored =
            paas_mcp::config::TokenStore::get(&keychain, "kcaside", &sandbox.url()).unwrap();
        assert!(stored.is_some());
        // Cut the file right after the context's URL.
        let config = home.config_file();
        let full = std::fs::read_to_string(&config).unwrap();
        let cut = full.find("\"tokenStore\"").expect("tokenStore recorded");
        std::fs::write(&config, &full[..cut]).unwrap();

        let run = run_in_home(&home, &["disconnect", "--context", "kcaside"]).await;
        assert_eq!(run.code, 0, "{run:?}");
        assert!(
            run.stdout
                .contains("Removed the token of context \"kcaside\" from the OS keychain"),
            "{}",
            run.stdout
        );
        assert!(
            paas_mcp::config::TokenStore::get(&keychain, "kcaside", &sandbox.url())
                .unwrap()
                .is_none()
        );
        sandbox.shutdown().await;
    }
}

/// A directory under `env`'s home holding an executable `paas` that is another program.
fn fake_paas_in(env: &Env) -> std::path::PathBuf {
    let fake_dir = env.h("bin");
    std::fs::create_dir_all(&fake_dir).expect("mkdir");
    let fake = fake_dir.join("paas");
    std::fs::write(&fake, "#!/bin/sh\necho other\n").expect("write fake");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&fake, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    }
    fake_dir
}

/// Write `text` to `path`, creating its directory.
fn put(path: &Path, text: &str) {
    std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
    std::fs::write(path, text).expect("write");
}

/// The doctor line about `needle`, and the fix line under it.
fn doctor_check(doctor: &str, needle: &str) -> (String, String) {
    let lines: Vec<&str> = doctor.lines().collect();
    let at = lines
        .iter()
        .position(|l| l.contains(needle))
        .unwrap_or_else(|| panic!("no line with {needle:?}:\n{doctor}"));
    let fix = lines
        .get(at + 1)
        .filter(|l| l.trim_start().starts_with("fix:"))
        .map(|l| (*l).to_owned())
        .unwrap_or_default();
    (lines[at].to_owned(), fix)
}

#[test]
fn doctor_names_a_foreign_entry_under_our_name_and_a_fix_that_works() {
    let env = Env::new().with_paas_on_path();
    env.write_paas_config("http://127.0.0.1:9");
    let path = env.h(".cursor/mcp.json");
    let original = r#"{"mcpServers":{"better-paas":{"command":"npx","args":["better-paas-mcp"]}}}"#;
    put(&path, original);
    let doctor = stdout(&env.paas(&["doctor"]));
    assert!(!doctor.contains("no paas entry in"), "{doctor}");
    let (line, fix) = doctor_check(&doctor, "`npx better-paas-mcp`");
    assert!(
        line.contains("Cursor") && line.contains("\"better-paas\""),
        "{line}"
    );
    assert!(
        fix.contains("paas setup --client cursor --name other-name") && fix.contains("--force"),
        "{fix}"
    );
    // The suggested command works, and keeps theirs.
    assert_ok(&env.paas(&["setup", "--client", "cursor", "--name", "other-name"]));
    let servers = json(&path)["mcpServers"].clone();
    assert_eq!(servers["better-paas"]["command"], "npx");
    assert_eq!(servers["other-name"]["args"], serde_json::json!(["mcp"]));
}

#[test]
fn remove_by_name_refuses_an_entry_that_does_not_run_paas_unless_forced() {
    let env = Env::new();
    let path = env.h(".codex/config.toml");
    let original = "[mcp_servers.better-paas]\ncommand = \"npx\"\nargs = [\"better-paas-mcp\"]\n";
    put(&path, original);
    let out = env.paas(&[
        "setup",
        "--remove",
        "--client",
        "codex",
        "--name",
        "better-paas",
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    let err = stderr(&out);
    for said in ["`npx better-paas-mcp`", "--force", "Nothing was written"] {
        assert!(err.contains(said), "{said:?} not in {err}");
    }
    assert_eq!(read(&path), original);
    let out = env.paas(&[
        "setup",
        "--remove",
        "--client",
        "codex",
        "--name",
        "better-paas",
        "--force",
    ]);
    assert_ok(&out);
    assert!(!read(&path).contains("npx"), "{}", read(&path));
}

#[test]
fn a_project_entry_whose_paas_is_not_on_path_is_fixed_by_installing_paas() {
    let env = Env::new();
    assert_ok(&env.paas(&["setup", "--project", "--client", "cursor"]));
    let doctor = stdout(&env.paas(&["doctor"]));
    let project_file = env.p(".cursor/mcp.json").display().to_string();
    let (line, fix) = doctor_check(&doctor, &project_file);
    assert!(
        line.starts_with("[FAIL]") && line.contains("not on PATH"),
        "{line}"
    );
    assert!(!line.contains("paas setup"), "{line}");
    assert!(
        fix.contains("put paas on PATH") && fix.contains("cargo install"),
        "{fix}"
    );
    assert!(!fix.contains("paas setup"), "{fix}");
}

#[test]
fn a_token_in_an_editor_entry_is_flagged_and_setup_takes_it_out() {
    let env = Env::new().with_paas_on_path();
    env.write_paas_config("http://127.0.0.1:9");
    let cursor = env.h(".cursor/mcp.json");
    put(
        &cursor,
        &format!(
            r#"{{"mcpServers":{{"better-paas":{{"command":"paas","args":["mcp"],"env":{{"PAAS_API_URL":"http://127.0.0.1:9","PAAS_TOKEN":"{TOKEN}","KEEP":"me"}}}}}}}}"#
        ),
    );
    let codex = env.h(".codex/config.toml");
    put(
        &codex,
        &format!(
            "[mcp_servers.better-paas]\ncommand = \"paas\"\nargs = [\"mcp\"]\n\n[mcp_servers.better-paas.env]\nPAAS_TOKEN = \"{TOKEN}\"\n"
        ),
    );
    let gemini = env.h(".gemini/settings.json");
    put(
        &gemini,
        &format!(
            r#"{{"mcpServers":{{"better-paas":{{"httpUrl":"http://127.0.0.1:8808/mcp","headers":{{"Authorization":"Bearer {TOKEN}"}}}}}}}}"#
        ),
    );

    let out = env.paas(&["doctor"]);
    let doctor = stdout(&out);
    assert!(
        !doctor.contains(TOKEN) && !stderr(&out).contains(TOKEN),
        "{doctor}"
    );
    for (file, place) in [
        (&cursor, "env.PAAS_TOKEN"),
        (&codex, "env.PAAS_TOKEN"),
        (&gemini, "headers.Authorization"),
    ] {
        let (line, fix) = doctor_check(&doctor, &file.display().to_string());
        assert!(line.starts_with("[FAIL]"), "{line}");
        assert!(
            line.contains("token in plain text") && line.contains(place),
            "{line}"
        );
        assert!(
            fix.contains("paas setup --client") && fix.contains("rotate"),
            "{fix}"
        );
    }

    let dry = env.paas(&["setup", "--client", "cursor,codex,gemini", "--dry-run"]);
    assert_ok(&dry);
    assert!(!stdout(&dry).contains(TOKEN), "{}", stdout(&dry));
    let out = env.paas(&["setup", "--client", "cursor,codex,gemini"]);
    assert_ok(&out);
    let text = stdout(&out);
    assert!(!text.contains(TOKEN), "{text}");
    assert!(!text.contains("already up to date"), "{text}");
    assert_eq!(text.matches("removed a token").count(), 3, "{text}");
    assert!(text.contains("rotate the token"), "{text}");
    for file in [&cursor, &codex, &gemini] {
        assert!(!read(file).contains("bpagt_"), "{}", read(file));
        let backup = PathBuf::from(format!("{}.bak", file.display()));
        assert!(backup.exists(), "{}", backup.display());
    }
    // Other env keys stay; the URL goes with its token.
    let entry = json(&cursor)["mcpServers"]["better-paas"].clone();
    assert_eq!(entry["env"], serde_json::json!({"KEEP": "me"}), "{entry}");
    assert_eq!(entry["args"], serde_json::json!(["mcp"]));
    assert!(
        toml_json(&codex)["mcp_servers"]["better-paas"]
            .get("env")
            .is_none()
    );
    let doctor = stdout(&env.paas(&["doctor"]));
    assert!(!doctor.contains("token in plain text"), "{doctor}");
}

#[test]
fn disconnect_remove_setup_leaves_shared_project_files_alone_and_says_so() {
    let env = Env::new().with_paas_on_path();
    env.write_paas_config("http://127.0.0.1:9");
    assert_ok(&env.paas(&["setup", "--project", "--client", "cursor,claude-code"]));
    assert_ok(&env.paas(&["setup", "--client", "cursor"]));
    let project = read(&env.p(".cursor/mcp.json"));
    let shared = read(&env.p(".mcp.json"));
    let out = env.paas(&["disconnect", "--remove-setup"]);
    assert_ok(&out);
    let text = stdout(&out);
    assert_eq!(read(&env.p(".cursor/mcp.json")), project);
    assert_eq!(read(&env.p(".mcp.json")), shared);
    assert!(
        json(&env.h(".cursor/mcp.json"))["mcpServers"]
            .get("better-paas")
            .is_none()
    );
    assert_eq!(text.matches("left alone").count(), 1, "{text}");
    assert!(text.contains("paas setup --remove --project"), "{text}");

    // Nothing of that context in the project files: no note.
    let out = env.paas(&["disconnect", "--remove-setup", "--context", "other"]);
    assert_ok(&out);
    assert!(!stdout(&out).contains("left alone"), "{}", stdout(&out));
}

#[test]
fn a_dry_run_for_an_unconnected_context_does_not_say_it_wrote() {
    let env = Env::new().with_paas_on_path();
    let out = env.paas(&[
        "setup",
        "--client",
        "cursor",
        "--context",
        "stg",
        "--dry-run",
    ]);
    assert_ok(&out);
    let err = stderr(&out);
    assert!(err.contains("context \"stg\" is not connected"), "{err}");
    assert!(!err.contains("was written"), "{err}");
    assert!(err.contains("once the entry is written"), "{err}");
    assert!(!env.h(".cursor/mcp.json").exists());
}

#[test]
fn global_options_before_mcp_are_understood_by_doctor_and_disconnect() {
    let env = Env::new().with_paas_on_path();
    env.write_paas_config("http://127.0.0.1:9");
    let path = env.h(".cursor/mcp.json");
    put(
        &path,
        r#"{"mcpServers":{"a":{"command":"paas","args":["--context","nope3","mcp"]},"b":{"command":"paas","args":["--log-level=info","--context=nope3","mcp"]},"c":{"command":"paas","args":["--log-level","debug","mcp"]}}}"#,
    );
    let doctor = stdout(&env.paas(&["doctor"]));
    for name in ["\"a\"", "\"b\""] {
        let (line, fix) = doctor_check(&doctor, &format!("Cursor: {name}"));
        assert!(line.contains("\"nope3\", which is not connected"), "{line}");
        assert!(fix.contains("--context nope3"), "{fix}");
    }
    let (line, _) = doctor_check(&doctor, "Cursor: \"c\"");
    assert!(line.starts_with("[ok"), "{line}");
    assert_ok(&env.paas(&["disconnect", "--remove-setup", "--context", "nope3"]));
    let servers = json(&path)["mcpServers"].clone();
    assert!(
        servers.get("a").is_none() && servers.get("b").is_none(),
        "{servers}"
    );
    assert!(servers.get("c").is_some(), "{servers}");
}

#[test]
fn doctor_for_another_context_puts_it_in_every_command_it_suggests() {
    let env = Env::new().with_paas_on_path();
    std::fs::create_dir_all(env.h(".cursor")).expect("mkdir");
    let doctor = stdout(&env.paas(&["doctor", "--context", "stg"]));
    let fixes: Vec<&str> = doctor
        .lines()
        .filter(|l| l.trim_start().starts_with("fix:") && l.contains("paas "))
        .collect();
    assert!(fixes.len() >= 2, "{doctor}");
    for fix in &fixes {
        assert!(fix.contains("--context stg"), "{fix}\n{doctor}");
    }
    assert!(
        doctor.contains("paas setup --client cursor --context stg"),
        "{doctor}"
    );
    let doctor = stdout(&env.paas(&["doctor", "--context", "stg"]));
    assert!(
        doctor.contains("paas connect <url> --context stg"),
        "{doctor}"
    );
}
