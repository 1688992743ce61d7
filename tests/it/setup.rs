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
    let fake_dir = env.h("bin");
    std::fs::create_dir_all(&fake_dir).expect("mkdir");
    let fake = fake_dir.join("paas");
    std::fs::write(&fake, "#!/bin/sh\necho other\n").expect("write fake");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&fake, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    }
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
    let bad = env.paas(&["setup", "--client", "gemini", "--name", "a b"]);
    assert_eq!(bad.status.code(), Some(1));
    assert!(stderr(&bad).contains("invalid --name"), "{}", stderr(&bad));
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
    assert!(err.contains("Nothing was written"), "{err}");
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
    for bad in ["ftp://x/mcp", "not a url", "http://user:pw@127.0.0.1/mcp"] {
        let out = env.paas(&["setup", "--http", bad, "--client", "cursor"]);
        assert_eq!(out.status.code(), Some(1), "{bad}");
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
    assert!(find(editors::Client::ClaudeCode, editors::Scope::Project).ok());
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

    let changes = editors::remove_all(&paths, Some(env.project.path())).expect("remove_all");
    assert_eq!(changes.len(), 4, "{changes:?}");
    assert_eq!(read(&env.h(".cursor/mcp.json")), CURSOR_JSON);
    assert_eq!(read(&env.h(".codex/config.toml")), CODEX_TOML);
    assert!(
        json(&env.p(".mcp.json"))["mcpServers"]
            .as_object()
            .expect("obj")
            .is_empty()
    );
    assert!(
        editors::inspect(&paths, Some(env.project.path()))
            .iter()
            .all(|s| s.entries.is_empty())
    );
    // Nothing left: a second call changes nothing.
    assert!(
        editors::remove_all(&paths, Some(env.project.path()))
            .expect("again")
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
