//! The MCP clients we configure: where each keeps its config, how the file is parsed, and
//! the shape of the server entry it expects (from each client's documentation).

use std::ffi::OsString;
use std::fmt;
use std::path::{Path, PathBuf};

use serde_json::{Map, Value, json};

use crate::config::Paths;

/// Environment variable that carries the bearer token for `paas mcp --http`; editor entries
/// reference it by name, never by value.
pub const HTTP_TOKEN_ENV: &str = "PAAS_MCP_HTTP_TOKEN";

/// One MCP client (editor or assistant) that `paas setup` can configure.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Client {
    ClaudeCode,
    Cursor,
    Codex,
    VsCode,
    Windsurf,
    ClaudeDesktop,
    Gemini,
}

/// Whether an entry lives in the user's home (every project) or in one project directory.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Scope {
    User,
    Project,
}

impl fmt::Display for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Scope::User => "user",
            Scope::Project => "project",
        })
    }
}

/// How a config file is parsed. What the client itself would not read is refused, so we
/// never "fix" a file into something the client rejects, nor hide that it is broken.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// Plain JSON (`JSON.parse`): no comments, no trailing commas.
    Json,
    /// JSON with comments but no trailing commas (`strip-json-comments`, then `JSON.parse`).
    JsonComments,
    /// VS Code's JSONC: comments and trailing commas.
    Jsonc,
    Toml,
}

impl Client {
    pub const ALL: [Client; 7] = [
        Client::ClaudeCode,
        Client::Cursor,
        Client::Codex,
        Client::VsCode,
        Client::Windsurf,
        Client::ClaudeDesktop,
        Client::Gemini,
    ];

    /// The id used on the command line (`--client`).
    pub const fn id(self) -> &'static str {
        match self {
            Client::ClaudeCode => "claude-code",
            Client::Cursor => "cursor",
            Client::Codex => "codex",
            Client::VsCode => "vscode",
            Client::Windsurf => "windsurf",
            Client::ClaudeDesktop => "claude-desktop",
            Client::Gemini => "gemini",
        }
    }

    /// Human name for messages.
    pub const fn label(self) -> &'static str {
        match self {
            Client::ClaudeCode => "Claude Code",
            Client::Cursor => "Cursor",
            Client::Codex => "Codex",
            Client::VsCode => "VS Code",
            Client::Windsurf => "Windsurf",
            Client::ClaudeDesktop => "Claude Desktop",
            Client::Gemini => "Gemini CLI",
        }
    }

    /// Parse a `--client` value, accepting a few common spellings.
    pub fn parse(s: &str) -> Option<Client> {
        let s = s.trim().to_ascii_lowercase();
        let client = match s.as_str() {
            "claude-code" | "claude" | "claudecode" | "claude_code" => Client::ClaudeCode,
            "cursor" => Client::Cursor,
            "codex" => Client::Codex,
            "vscode" | "vs-code" | "code" | "copilot" => Client::VsCode,
            "windsurf" => Client::Windsurf,
            "claude-desktop" | "claudedesktop" | "claude_desktop" => Client::ClaudeDesktop,
            "gemini" | "gemini-cli" => Client::Gemini,
            _ => return None,
        };
        Some(client)
    }

    /// Comma-separated list of the valid ids, for error messages.
    pub fn all_ids() -> String {
        Client::ALL.map(Client::id).join(", ")
    }

    pub const fn format(self) -> Format {
        match self {
            // VS Code documents mcp.json as JSON with comments (and trailing commas).
            Client::VsCode => Format::Jsonc,
            // Gemini CLI strips comments from settings.json before JSON.parse.
            Client::Gemini => Format::JsonComments,
            Client::Codex => Format::Toml,
            // Cursor rejects a trailing comma in mcp.json (upstash/context7#563); the others
            // read their files with a plain JSON parser.
            Client::ClaudeCode | Client::Cursor | Client::Windsurf | Client::ClaudeDesktop => {
                Format::Json
            }
        }
    }

    /// The key under which servers are listed.
    pub const fn servers_key(self) -> &'static str {
        match self {
            Client::VsCode => "servers",
            Client::Codex => "mcp_servers",
            _ => "mcpServers",
        }
    }

    /// The config file for `scope`, or `None` when the client has no such scope.
    pub fn config_path(self, scope: Scope, loc: &Locations) -> Option<PathBuf> {
        match scope {
            Scope::User => Some(match self {
                Client::ClaudeCode => match &loc.claude_config_dir {
                    Some(dir) => dir.join(".claude.json"),
                    None => loc.home.join(".claude.json"),
                },
                Client::Cursor => loc.home.join(".cursor").join("mcp.json"),
                Client::Codex => loc.codex_home.join("config.toml"),
                Client::VsCode => loc.app_config.join("Code").join("User").join("mcp.json"),
                Client::Windsurf => loc
                    .home
                    .join(".codeium")
                    .join("windsurf")
                    .join("mcp_config.json"),
                Client::ClaudeDesktop => loc
                    .app_config
                    .join("Claude")
                    .join("claude_desktop_config.json"),
                Client::Gemini => loc.home.join(".gemini").join("settings.json"),
            }),
            Scope::Project => {
                let dir = loc.project_dir.as_ref()?;
                match self {
                    Client::ClaudeCode => Some(dir.join(".mcp.json")),
                    Client::Cursor => Some(dir.join(".cursor").join("mcp.json")),
                    Client::Codex => Some(dir.join(".codex").join("config.toml")),
                    Client::VsCode => Some(dir.join(".vscode").join("mcp.json")),
                    Client::Gemini => Some(dir.join(".gemini").join("settings.json")),
                    Client::Windsurf | Client::ClaudeDesktop => None,
                }
            }
        }
    }

    /// Whether the client looks installed: its config directory exists or its binary is on PATH.
    pub fn is_installed(self, loc: &Locations) -> bool {
        let dirs: Vec<PathBuf> = match self {
            Client::ClaudeCode => vec![
                loc.home.join(".claude.json"),
                loc.home.join(".claude"),
                loc.claude_config_dir.clone().unwrap_or_default(),
            ],
            Client::Cursor => vec![loc.home.join(".cursor")],
            Client::Codex => vec![loc.codex_home.clone()],
            Client::VsCode => vec![loc.app_config.join("Code").join("User")],
            Client::Windsurf => vec![loc.home.join(".codeium").join("windsurf")],
            Client::ClaudeDesktop => vec![loc.app_config.join("Claude")],
            Client::Gemini => vec![loc.home.join(".gemini")],
        };
        let bins: &[&str] = match self {
            Client::ClaudeCode => &["claude"],
            Client::Cursor => &["cursor"],
            Client::Codex => &["codex"],
            Client::VsCode => &["code"],
            Client::Windsurf => &["windsurf"],
            Client::ClaudeDesktop => &[],
            Client::Gemini => &["gemini"],
        };
        dirs.iter().any(|d| !d.as_os_str().is_empty() && d.exists())
            || bins
                .iter()
                .any(|b| super::launcher::find_on_path(b, loc.path_var.as_deref()).is_some())
    }

    /// The server entry this client expects for `launch`, as ordered JSON (TOML entries are
    /// converted from it). Never contains a secret: HTTP entries reference [`HTTP_TOKEN_ENV`].
    pub fn entry(self, launch: &Launch) -> Result<Map<String, Value>, String> {
        let value = match launch {
            Launch::Stdio { command, args } => match self {
                Client::ClaudeCode | Client::VsCode => {
                    json!({"type": "stdio", "command": command, "args": args})
                }
                _ => json!({"command": command, "args": args}),
            },
            Launch::Http { url } => {
                let env_ref = format!("Bearer ${{env:{HTTP_TOKEN_ENV}}}");
                let plain_ref = format!("Bearer ${{{HTTP_TOKEN_ENV}}}");
                match self {
                    Client::ClaudeCode => json!({
                        "type": "http", "url": url, "headers": {"Authorization": plain_ref}
                    }),
                    Client::VsCode => json!({
                        "type": "http", "url": url, "headers": {"Authorization": env_ref}
                    }),
                    Client::Cursor => json!({"url": url, "headers": {"Authorization": env_ref}}),
                    Client::Windsurf => {
                        json!({"serverUrl": url, "headers": {"Authorization": env_ref}})
                    }
                    Client::Gemini => {
                        json!({"httpUrl": url, "headers": {"Authorization": plain_ref}})
                    }
                    Client::Codex => json!({"url": url, "bearer_token_env_var": HTTP_TOKEN_ENV}),
                    Client::ClaudeDesktop => {
                        return Err("Claude Desktop's config file only starts local (stdio) \
                                    servers; add an HTTP server in Claude Desktop under \
                                    Settings > Connectors, or run `paas setup` without --http"
                            .to_owned());
                    }
                }
            }
        };
        match value {
            Value::Object(map) => Ok(map),
            _ => Err("internal error: entry is not an object".to_owned()),
        }
    }
}

/// Keys of a server entry that `paas setup` manages. Other keys a user added to our entry
/// (`env`, `disabled`, timeouts...) are kept on update.
pub const MANAGED_KEYS: [&str; 8] = [
    "type",
    "command",
    "args",
    "url",
    "httpUrl",
    "serverUrl",
    "headers",
    "bearer_token_env_var",
];

/// How the client starts or reaches the server.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Launch {
    /// Start `command args...` and speak MCP over stdio.
    Stdio { command: String, args: Vec<String> },
    /// Connect to a running `paas mcp --http` (Streamable HTTP).
    Http { url: String },
}

/// Where config files live, resolved once so tests can point everything at a temp HOME.
#[derive(Clone, Debug)]
pub struct Locations {
    pub home: PathBuf,
    /// Per-OS application config dir: `~/.config` (or `$XDG_CONFIG_HOME`) on Linux,
    /// `~/Library/Application Support` on macOS, `%APPDATA%` on Windows.
    pub app_config: PathBuf,
    /// `$CODEX_HOME` or `~/.codex`.
    pub codex_home: PathBuf,
    /// `$CLAUDE_CONFIG_DIR` when set (Claude Code then keeps `.claude.json` there).
    pub claude_config_dir: Option<PathBuf>,
    /// The project directory for project-scoped files.
    pub project_dir: Option<PathBuf>,
    /// `PATH`, for detecting installed clients and resolving `paas`.
    pub path_var: Option<OsString>,
}

impl Locations {
    /// Resolve from the user's paths and the environment.
    pub fn new(paths: &Paths, project_dir: Option<&Path>) -> Self {
        let home = paths.home.clone();
        let env_dir = |k: &str| {
            std::env::var_os(k)
                .map(PathBuf::from)
                .filter(|p| p.is_absolute())
        };
        let app_config = if cfg!(target_os = "macos") {
            home.join("Library").join("Application Support")
        } else if cfg!(windows) {
            env_dir("APPDATA").unwrap_or_else(|| home.join("AppData").join("Roaming"))
        } else {
            env_dir("XDG_CONFIG_HOME").unwrap_or_else(|| home.join(".config"))
        };
        Locations {
            codex_home: env_dir("CODEX_HOME").unwrap_or_else(|| home.join(".codex")),
            claude_config_dir: env_dir("CLAUDE_CONFIG_DIR"),
            app_config,
            home,
            project_dir: project_dir.map(Path::to_path_buf),
            path_var: std::env::var_os("PATH"),
        }
    }
}
