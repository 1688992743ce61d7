//! The tool catalogue: the single source of truth for every MCP tool.
//!
//! Each tool is declared once as a [`ToolDef`]: name, toolset, access level, required scope
//! groups, HTTP route, typed arguments (a `serde` + `schemars` struct whose doc comments are
//! what the model reads) and a handler. Registration (`mcp`), `paas tools`, the README table,
//! the annotations and the tests all iterate [`all()`]; nothing about a tool is written twice.
//!
//! This layer knows the REST client (`api`) but nothing of rmcp or clap.

pub mod docs;
pub mod fence;
pub mod mask;
pub mod probe;
pub mod resolve;
pub mod schemas;
pub mod scopes;
pub mod tools;
pub mod vault;

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use serde::Serialize;
use serde_json::{Map, Value};

pub use probe::{ProbeError, probe};
pub use scopes::{Grant, Profile, Scope, UnknownScope};
pub use vault::{AgentIdentity, StoredToken, TokenVault};

/// How much a tool can change. Annotations and `--read-only` are derived from this alone.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Access {
    /// Never changes anything (`readOnlyHint: true`).
    Read,
    /// Changes state but loses nothing (`readOnlyHint: false, destructiveHint: false`).
    Write,
    /// Deletes, restores, prunes, or writes data that cannot be recovered
    /// (`destructiveHint: true`).
    Destructive,
}

impl Access {
    pub const fn as_str(self) -> &'static str {
        match self {
            Access::Read => "read",
            Access::Write => "write",
            Access::Destructive => "destructive",
        }
    }
}

/// Groups of tools that can be switched on and off together with `--toolsets`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Toolset {
    Status,
    Apps,
    Deploy,
    Domains,
    Logs,
    Metrics,
    Projects,
    Addons,
    Database,
    Servers,
    Cron,
    Backups,
    Notifications,
    System,
    Agents,
    Audit,
}

impl Toolset {
    pub const ALL: [Toolset; 16] = [
        Toolset::Status,
        Toolset::Apps,
        Toolset::Deploy,
        Toolset::Domains,
        Toolset::Logs,
        Toolset::Metrics,
        Toolset::Projects,
        Toolset::Addons,
        Toolset::Database,
        Toolset::Servers,
        Toolset::Cron,
        Toolset::Backups,
        Toolset::Notifications,
        Toolset::System,
        Toolset::Agents,
        Toolset::Audit,
    ];

    pub const fn as_str(self) -> &'static str {
        match self {
            Toolset::Status => "status",
            Toolset::Apps => "apps",
            Toolset::Deploy => "deploy",
            Toolset::Domains => "domains",
            Toolset::Logs => "logs",
            Toolset::Metrics => "metrics",
            Toolset::Projects => "projects",
            Toolset::Addons => "addons",
            Toolset::Database => "database",
            Toolset::Servers => "servers",
            Toolset::Cron => "cron",
            Toolset::Backups => "backups",
            Toolset::Notifications => "notifications",
            Toolset::System => "system",
            Toolset::Agents => "agents",
            Toolset::Audit => "audit",
        }
    }
}

/// HTTP method of a route, as data (the catalogue is `const`-friendly; no reqwest types).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
pub enum Method {
    #[serde(rename = "GET")]
    Get,
    #[serde(rename = "POST")]
    Post,
    #[serde(rename = "DELETE")]
    Delete,
}

impl Method {
    pub const fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
            Method::Delete => "DELETE",
        }
    }
}

/// The REST route a tool's main request goes to (a tool may first read, e.g. to resolve a
/// name, but this is the request that needs the scopes).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
pub struct Route {
    pub method: Method,
    pub path: &'static str,
}

/// Who may call a tool: the scope groups for agents, or the admin token only.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Guard {
    /// All-of groups, each any-of (spec §1.4). `&[]` means any valid token.
    Scopes(&'static [&'static [Scope]]),
    /// Only the admin token (spec §1.4 `adminGate`); such tools appear only with
    /// `--allow-admin-token`.
    Admin,
}

impl Guard {
    pub fn allows(&self, grant: &Grant) -> bool {
        match self {
            Guard::Scopes(groups) => grant.satisfies(groups),
            Guard::Admin => grant.admin,
        }
    }
}

/// What a successful tool call returns: structured JSON (matches the output schema) and a
/// compact text rendering for clients that only show text.
#[derive(Clone, Debug, PartialEq)]
pub struct ToolOutput {
    pub structured: Value,
    pub text: String,
}

/// Future returned by a tool handler.
pub type ToolFuture<'a> = Pin<Box<dyn Future<Output = Result<ToolOutput, ToolError>> + Send + 'a>>;

/// A tool handler: arguments as JSON (validated by deserialising into the tool's typed
/// argument struct) → one or more REST calls → output.
pub type Handler = for<'a> fn(&'a ToolContext, Value) -> ToolFuture<'a>;

/// Everything a handler may use. Built once per server (cheap to share).
#[derive(Clone)]
pub struct ToolContext {
    pub api: crate::api::Client,
    /// Live facts about this server for `paas_status` (filled by the `mcp` layer).
    pub status: Arc<std::sync::RwLock<StatusSnapshot>>,
    /// Where new agent tokens go instead of the tool result; `None` where there is no
    /// credential store (the tools then say the token could not be stored).
    pub vault: Option<Arc<dyn TokenVault>>,
}

/// What `paas_status` reports; the `mcp` layer keeps it current after every probe.
#[derive(Clone, Debug, Default, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct StatusSnapshot {
    /// The PaaS API URL this server talks to.
    pub url: String,
    /// The named config context in use.
    pub context: String,
    /// The agent's name, when known from the config.
    pub agent_name: Option<String>,
    /// The agent's id, when known from the config.
    pub agent_id: Option<String>,
    /// The profile the agent was created with (observer, deployer, operator), if known.
    pub profile: Option<String>,
    /// Where the token came from (environment, keychain, config file).
    pub token_source: String,
    /// The PaaS answered and accepted the token at the last probe.
    pub connected: bool,
    /// The token is the admin token.
    pub admin_token: bool,
    /// The admin token was refused (the server runs without `--allow-admin-token`): only
    /// `paas_status` is served and nothing is sent with it.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub admin_refused: bool,
    /// Scopes observed by the last probe.
    pub observed_scopes: Vec<Scope>,
    /// Tools currently offered.
    pub tools_available: Vec<String>,
    /// Hidden tool name → what would unlock it (e.g. `"scope apps:delete"`).
    pub tools_hidden: Vec<HiddenTool>,
    /// Set when something is wrong; says what and what to run.
    pub problem: Option<String>,
    /// Set when the server switched to a new token while running: when and from where.
    pub token_switch: Option<String>,
}

#[derive(Clone, Debug, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct HiddenTool {
    /// Tool name.
    pub name: String,
    /// What would unlock it.
    pub reason: String,
}

/// A tool call that ran and failed. The `mcp` layer renders these (in one place) into tool
/// results the model can act on.
#[derive(Debug, thiserror::Error)]
pub enum ToolError {
    /// Arguments did not match the schema or break a rule the server would reject.
    #[error("invalid arguments: {0}")]
    InvalidArguments(String),
    /// A name or id matched nothing; `suggestions` are the closest names that exist.
    #[error("{kind} {query:?} not found")]
    NotFound {
        kind: &'static str,
        query: String,
        suggestions: Vec<String>,
    },
    /// The request reached the PaaS and was refused or failed.
    #[error(transparent)]
    Api(#[from] crate::api::ApiError),
    /// Local failure before any request (e.g. reading a directory to upload).
    #[error("{0}")]
    Local(String),
    /// The PaaS carried out the request and answered 200 with a failure in the body (e.g. a
    /// server connection test that could not connect): the sentence says what failed.
    #[error("{0}")]
    Reported(String),
}

/// One tool, declared once.
#[derive(Clone, Copy)]
pub struct ToolDef {
    /// snake_case verb_noun, unique.
    pub name: &'static str,
    /// Human title (MCP `title` and annotation title).
    pub title: &'static str,
    /// What the model reads to decide when to call it.
    pub description: &'static str,
    pub toolset: Toolset,
    pub access: Access,
    /// Repeating the call with the same arguments has no further effect (MCP
    /// `idempotentHint`; only meaningful for non-read tools).
    pub idempotent: bool,
    pub guard: Guard,
    pub route: Route,
    /// Older names that keep working but are not listed (the Go server's `paas_*` names).
    pub aliases: &'static [&'static str],
    /// JSON Schema of the arguments, generated from the typed argument struct.
    pub input_schema: fn() -> Map<String, Value>,
    /// JSON Schema of `structuredContent`, when the output has a fixed shape.
    pub output_schema: Option<fn() -> Map<String, Value>>,
    pub handler: Handler,
}

impl std::fmt::Debug for ToolDef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ToolDef")
            .field("name", &self.name)
            .finish_non_exhaustive()
    }
}

/// Every tool in the catalogue, in a stable order (toolset, then declaration order).
pub fn all() -> &'static [ToolDef] {
    static ALL: std::sync::LazyLock<Vec<ToolDef>> = std::sync::LazyLock::new(tools::collect);
    &ALL
}

/// Look a tool up by name or hidden alias.
pub fn find(name: &str) -> Option<&'static ToolDef> {
    all()
        .iter()
        .find(|t| t.name == name || t.aliases.contains(&name))
}
