//! MCP client config writers for `paas setup` (Claude Code, Cursor, Codex, VS Code, Windsurf,
//! Claude Desktop, Gemini CLI), plus [`remove_all`] and [`inspect`] for `paas disconnect
//! --remove-setup` and `paas doctor`.
//!
//! The rule is that the user's config never loses a byte: each file is parsed with a
//! format-preserving parser, only our entry is touched, a file we cannot parse is refused
//! (with the reason) and nothing at all is written when any chosen file is refused. Writes
//! are backed up and atomic, and a re-run that changes nothing writes nothing. Entries never
//! contain the token: `paas mcp` reads it from the keychain or `~/.paas` when it starts.

mod client;
mod document;
pub mod launcher;
mod write;

use std::path::{Path, PathBuf};

pub use client::{Client, Format, HTTP_TOKEN_ENV, Launch, Locations, Scope};
use serde_json::{Map, Value};
pub use write::unused_sibling;

use crate::config::Paths;

/// The entry name the Go CLI used; kept so a re-run replaces its entry instead of adding one.
pub const DEFAULT_NAME: &str = "better-paas";

/// The entry name for a context: `better-paas`, or `better-paas-<context>` for another context
/// so several instances can sit side by side.
pub fn default_name(context: Option<&str>) -> String {
    match context.filter(|c| !c.is_empty() && *c != "default") {
        Some(ctx) => format!("{DEFAULT_NAME}-{ctx}"),
        None => DEFAULT_NAME.to_owned(),
    }
}

/// Whether `name` is acceptable in every client (Codex restricts table names the most).
pub fn valid_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 64
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

#[derive(Debug, thiserror::Error)]
pub enum EditorError {
    /// The file cannot be edited safely (say why; the caller says once that nothing was
    /// written and what to do).
    #[error("{client} ({scope}): refusing to edit {path}: {reason}")]
    Refused {
        client: &'static str,
        scope: Scope,
        path: PathBuf,
        reason: String,
    },
    /// Another program's server already uses the entry name we would write.
    #[error(
        "{client} ({scope}): {path} already has a server named {name:?} that {what}, not paas. \
         Add ours under another name with --name NAME, or replace that entry with --force"
    )]
    Conflict {
        client: &'static str,
        scope: Scope,
        path: PathBuf,
        name: String,
        what: String,
    },
    /// `--remove --name NAME` found an entry of that name that runs another program.
    #[error(
        "{client} ({scope}): {path} has a server named {name:?} that {what}, not paas; it was \
         left alone. Remove it anyway with --force, or leave out --name to remove only the \
         entries that run paas"
    )]
    ForeignRemoval {
        client: &'static str,
        scope: Scope,
        path: PathBuf,
        name: String,
        what: String,
    },
    #[error("{client} ({scope}): {reason}")]
    Unsupported {
        client: &'static str,
        scope: Scope,
        reason: String,
    },
    #[error("{client}: could not write {path}: {reason}")]
    Write {
        client: &'static str,
        path: PathBuf,
        reason: String,
    },
    #[error("{}", .0.iter().map(ToString::to_string).collect::<Vec<_>>().join("\n"))]
    Several(Vec<EditorError>),
}

/// What happened (or, in a dry run, would happen) to one file.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Action {
    Added,
    Updated,
    Removed,
    Unchanged,
}

/// One file's change: the text before and after, and the backup once written.
#[derive(Clone, Debug, serde::Serialize)]
pub struct Change {
    pub client: Client,
    pub scope: Scope,
    pub path: PathBuf,
    /// Entry names concerned.
    pub names: Vec<String>,
    pub action: Action,
    /// Why this file is touched, when it is not the client's own config (the Go CLI's
    /// leftover in `~/.claude/settings.json`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<&'static str>,
    /// Where our entry held a token in plain text that this change takes out (key paths
    /// such as `env.PAAS_TOKEN`, never the value).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub removed_tokens: Vec<String>,
    #[serde(skip)]
    pub before: Option<String>,
    #[serde(skip)]
    pub after: String,
    pub backup: Option<PathBuf>,
}

impl Change {
    /// ` (backup: <path>)` when a backup was made, for the lines that report a write.
    pub fn backup_note(&self) -> String {
        self.backup
            .as_ref()
            .map(|b| format!(" (backup: {})", b.display()))
            .unwrap_or_default()
    }

    /// Unified diff of the change (empty when unchanged).
    pub fn diff(&self) -> String {
        if self.action == Action::Unchanged {
            return String::new();
        }
        let before = self.before.as_deref().unwrap_or("");
        let old_name = if self.before.is_some() {
            self.path.display().to_string()
        } else {
            "/dev/null".to_owned()
        };
        similar::TextDiff::from_lines(before, self.after.as_str())
            .unified_diff()
            .context_radius(3)
            .header(&old_name, &self.path.display().to_string())
            .to_string()
    }
}

/// The planned changes for a set of clients; nothing is written until [`apply`].
#[derive(Debug, Default)]
pub struct Plan {
    pub changes: Vec<Change>,
    /// Clients left out, with why (e.g. no project scope).
    pub skipped: Vec<(Client, String)>,
    pub errors: Vec<EditorError>,
    /// Things the user should know that do not stop the plan (a leftover file we could not
    /// read, for instance).
    pub warnings: Vec<String>,
}

/// What `paas setup` should write.
#[derive(Clone, Debug)]
pub struct SetupRequest {
    pub clients: Vec<Client>,
    pub scope: Scope,
    pub name: String,
    pub launch: Launch,
    /// Replace an entry with our name even when it does not launch paas.
    pub force: bool,
    /// The clients were detected, not named with `--client`: one that cannot take this
    /// launch (Claude Desktop and `--http`) is skipped with the reason, as a client without
    /// the scope is, instead of failing the whole setup. A named one stays an error.
    pub detected: bool,
}

/// Which entries a removal takes out.
#[derive(Clone, Copy, Debug)]
pub enum Selection<'a> {
    /// The entry with exactly this name (`--name`), whatever it runs.
    Named(&'a str),
    /// The entries of one context: those running `paas mcp` for it (`--context NAME`, or no
    /// `--context` for `default`), and a paas HTTP entry with its name (`better-paas` or
    /// `better-paas-<context>`). Entries of other contexts stay, and so do `paas mcp
    /// --sandbox` and `--token-file` entries, which use no stored context's token.
    Context(&'a str),
    /// Every entry that is ours (see [`is_ours`]), whatever its context.
    AllOurs,
}

impl Selection<'_> {
    /// Whether the entry `name` (as JSON) is selected.
    pub fn matches(&self, name: &str, entry: &Value) -> bool {
        match *self {
            Selection::Named(wanted) => name == wanted,
            Selection::AllOurs => is_ours(entry),
            Selection::Context(context) => match launcher::entry_context(entry) {
                Some(runs) => runs == normal_context(context),
                None => is_our_http(entry) && name == default_name(Some(context)),
            },
        }
    }
}

fn normal_context(context: &str) -> &str {
    match context.trim() {
        "" => "default",
        c => c,
    }
}

/// Installed clients (config dir or binary present), in [`Client::ALL`] order.
pub fn detect(loc: &Locations) -> Vec<Client> {
    Client::ALL
        .into_iter()
        .filter(|c| c.is_installed(loc))
        .collect()
}

/// Plan adding/updating the entry for each requested client. An entry with our name that
/// is not ours is refused unless `req.force`. Setting up Claude Code in user scope also
/// takes out the Go CLI's leftover entry in `~/.claude/settings.json`.
pub fn plan_setup(loc: &Locations, req: &SetupRequest) -> Plan {
    let mut plan = Plan::default();
    for &client in &req.clients {
        let Some(path) = client.config_path(req.scope, loc) else {
            plan.skipped.push((
                client,
                format!("{} has no {} scope config file", client.label(), req.scope),
            ));
            continue;
        };
        let entry = match client.entry(&req.launch) {
            Ok(entry) => entry,
            Err(reason) if req.detected => {
                plan.skipped.push((client, reason));
                continue;
            }
            Err(reason) => {
                plan.errors.push(EditorError::Unsupported {
                    client: client.label(),
                    scope: req.scope,
                    reason,
                });
                continue;
            }
        };
        let target = Target {
            client,
            scope: req.scope,
            path,
        };
        push_change(&mut plan, target, Edit::Upsert(entry), &req.name, req.force);
        if client == Client::ClaudeCode && req.scope == Scope::User {
            push_legacy_removal(&mut plan, loc, Selection::AllOurs);
        }
    }
    plan
}

/// Plan removing the selected entries from each client's files of `scopes`. A selected
/// entry that does not run paas (only [`Selection::Named`] can pick one) is refused unless
/// `force`.
pub fn plan_remove(
    loc: &Locations,
    clients: &[Client],
    scopes: &[Scope],
    selection: Selection<'_>,
    force: bool,
) -> Plan {
    let mut plan = Plan::default();
    let pred = |n: &str, v: &Value| selection.matches(n, v);
    for &client in clients {
        for &scope in scopes {
            let Some(path) = client.config_path(scope, loc) else {
                continue;
            };
            let target = Target {
                client,
                scope,
                path,
            };
            push_change(&mut plan, target, Edit::Remove(&pred), DEFAULT_NAME, force);
            if client == Client::ClaudeCode && scope == Scope::User {
                push_legacy_removal(&mut plan, loc, selection);
            }
        }
    }
    plan
}

/// Whether an entry is ours, judged by what it runs, not by its name (a server of another
/// program may be called `better-paas` too): it launches `paas mcp` (any paas binary, by
/// name or path), or it reaches `paas mcp --http` with the token variable `paas setup`
/// writes.
pub fn is_ours(entry: &Value) -> bool {
    launcher::launches_paas_mcp(entry) || is_our_http(entry)
}

/// An HTTP entry written by `paas setup --http` (its bearer token comes from
/// [`HTTP_TOKEN_ENV`]), or one whose Authorization header holds a paas agent token in plain
/// text (a hand-made entry for our server, which `paas setup` must be able to clean).
fn is_our_http(entry: &Value) -> bool {
    let names_var = |v: Option<&Value>| {
        v.and_then(Value::as_str)
            .is_some_and(|s| s.contains(HTTP_TOKEN_ENV))
    };
    let authorization = entry.get("headers").and_then(|h| h.get("Authorization"));
    let agent_token = authorization
        .and_then(Value::as_str)
        .is_some_and(|s| crate::config::mask_tokens(s).contains("bpagt_***"));
    names_var(entry.get("bearer_token_env_var")) || names_var(authorization) || agent_token
}

/// Where an entry holds a token in plain text: key paths (`env.PAAS_TOKEN`,
/// `headers.Authorization`, `args`), never the value.
pub fn token_paths(entry: &Value) -> Vec<String> {
    fn holds(value: &Value) -> bool {
        match value {
            Value::String(s) => crate::config::looks_like_token(s),
            Value::Array(items) => items.iter().any(holds),
            Value::Object(map) => map.values().any(holds),
            _ => false,
        }
    }
    let Some(map) = entry.as_object() else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for (key, value) in map {
        match value {
            Value::Object(inner) => out.extend(
                inner
                    .iter()
                    .filter(|(_, v)| holds(v))
                    .map(|(k, _)| format!("{key}.{k}")),
            ),
            other if holds(other) => out.push(key.clone()),
            _ => {}
        }
    }
    out
}

/// The entry to write over `existing` so that no token stays in it: keys `paas setup` does
/// not manage (an `env` table, say) keep their other members, and are dropped when nothing
/// else is left. Managed keys are replaced by `entry` anyway. With the token goes its
/// `PAAS_API_URL` (the pair overrides the stored contexts; `paas mcp` reads the token
/// itself).
fn without_tokens(existing: &Value, entry: &mut Map<String, Value>) -> Vec<String> {
    let mut drop = Vec::new();
    let Some(map) = existing.as_object() else {
        return drop;
    };
    for (key, value) in map {
        if client::MANAGED_KEYS.contains(&key.as_str()) || entry.contains_key(key) {
            continue;
        }
        let tokens = token_paths(&serde_json::json!({ key.as_str(): value }));
        if tokens.is_empty() {
            continue;
        }
        match value {
            Value::Object(inner) => {
                let leaked: Vec<&str> = tokens
                    .iter()
                    .filter_map(|p| p.split_once('.').map(|(_, k)| k))
                    .collect();
                let mut kept = inner.clone();
                kept.retain(|k, _| !leaked.contains(&k.as_str()));
                if leaked.contains(&crate::config::ENV_TOKEN) {
                    kept.shift_remove(crate::config::ENV_URL);
                }
                if kept.is_empty() {
                    drop.push(key.clone());
                } else {
                    entry.insert(key.clone(), Value::Object(kept));
                }
            }
            _ => drop.push(key.clone()),
        }
    }
    drop
}

/// Where the Go CLI wrote its Claude Code entry: `~/.claude/settings.json`, a file Claude
/// Code does not read MCP servers from (spec paas-cli.md §4).
pub fn legacy_claude_settings(loc: &Locations) -> PathBuf {
    loc.home.join(".claude").join("settings.json")
}

/// The Go CLI's leftover: named `better-paas` and launching a paas binary. Nothing else in
/// that file is ours.
fn is_legacy_entry(name: &str, entry: &Value) -> bool {
    name == DEFAULT_NAME && launcher::launches_paas_mcp(entry)
}

const LEGACY_NOTE: &str = "the old Go paas CLI's entry; Claude Code ignores MCP servers in \
                           ~/.claude/settings.json";

/// Plan taking the Go CLI's leftover out of `~/.claude/settings.json` when `selection`
/// covers it. This file is not one we manage: when it cannot be read or parsed, we say so
/// and leave it, without stopping the rest of the plan.
fn push_legacy_removal(plan: &mut Plan, loc: &Locations, selection: Selection<'_>) {
    let path = legacy_claude_settings(loc);
    if plan.changes.iter().any(|c| c.path == path) {
        return;
    }
    let pred = |n: &str, v: &Value| is_legacy_entry(n, v) && selection.matches(n, v);
    let mut side = Plan::default();
    let target = Target {
        client: Client::ClaudeCode,
        scope: Scope::User,
        path: path.clone(),
    };
    push_change(&mut side, target, Edit::Remove(&pred), DEFAULT_NAME, false);
    for error in side.errors {
        plan.warnings.push(format!(
            "{error}; it may hold the old Go paas CLI's \"better-paas\" entry (which Claude \
             Code ignores) and was left as it is"
        ));
    }
    for mut change in side.changes {
        change.note = Some(LEGACY_NOTE);
        plan.changes.push(change);
    }
}

/// One file to edit, for [`push_change`].
struct Target {
    client: Client,
    scope: Scope,
    path: PathBuf,
}

/// What [`push_change`] does to one file: write `name`'s entry (taking out of the existing
/// entry any token it holds), or remove every entry the predicate selects.
enum Edit<'a> {
    Upsert(Map<String, Value>),
    Remove(&'a dyn Fn(&str, &Value) -> bool),
}

/// Plan one file's edit. The file is read and parsed once here: the refusals (a foreign
/// entry), the token cleaning and the change all work from that one reading.
fn push_change(plan: &mut Plan, target: Target, edit: Edit<'_>, name: &str, force: bool) {
    let Target {
        client,
        scope,
        path,
    } = target;
    let refused = |reason: String| EditorError::Refused {
        client: client.label(),
        scope,
        path: path.clone(),
        reason,
    };
    let real = write::real_target(&path);
    let before = match write::read(&real) {
        Ok(b) => b,
        Err(reason) => {
            plan.errors.push(refused(reason));
            return;
        }
    };
    let remove = matches!(edit, Edit::Remove(_));
    if remove && before.is_none() {
        return;
    }
    let text = before.as_deref().unwrap_or("");
    let (format, key) = (client.format(), client.servers_key());
    let names_before = match document::entries(format, text, key) {
        Ok(e) => e,
        Err(reason) => {
            plan.errors.push(refused(reason));
            return;
        }
    };
    if let Edit::Remove(pred) = edit
        && !force
        && let Some((foreign, existing)) =
            names_before.iter().find(|(n, v)| pred(n, v) && !is_ours(v))
    {
        plan.errors.push(EditorError::ForeignRemoval {
            client: client.label(),
            scope,
            path,
            name: foreign.clone(),
            what: launcher::describe_entry(existing),
        });
        return;
    }
    if !remove
        && !force
        && let Some((_, existing)) = names_before.iter().find(|(n, _)| n == name)
        && !is_ours(existing)
    {
        plan.errors.push(EditorError::Conflict {
            client: client.label(),
            scope,
            path,
            name: name.to_owned(),
            what: launcher::describe_entry(existing),
        });
        return;
    }
    let (entry, drop);
    let op = match edit {
        Edit::Remove(pred) => document::Op::Remove(pred),
        Edit::Upsert(mut upsert) => {
            drop = names_before
                .iter()
                .find(|(n, _)| n == name)
                .map(|(_, existing)| without_tokens(existing, &mut upsert))
                .unwrap_or_default();
            entry = upsert;
            document::Op::Upsert {
                name,
                entry: &entry,
                drop: &drop,
            }
        }
    };
    let after = match document::edit(format, text, key, &op) {
        Ok(a) => a,
        Err(reason) => {
            plan.errors.push(refused(reason));
            return;
        }
    };
    let changed = before.as_deref() != Some(after.as_str());
    let names: Vec<String> = if remove {
        let remaining = document::entries(format, &after, key).unwrap_or_default();
        names_before
            .iter()
            .map(|(n, _)| n.clone())
            .filter(|n| !remaining.iter().any(|(r, _)| r == n))
            .collect()
    } else {
        vec![name.to_owned()]
    };
    if remove && names.is_empty() {
        return;
    }
    let removed_tokens = if remove {
        Vec::new()
    } else {
        let old = names_before.iter().find(|(n, _)| n == name);
        let new = document::entries(format, &after, key)
            .unwrap_or_default()
            .into_iter()
            .find(|(n, _)| n == name);
        let left = new.map(|(_, v)| token_paths(&v)).unwrap_or_default();
        old.map(|(_, v)| token_paths(v))
            .unwrap_or_default()
            .into_iter()
            .filter(|p| !left.contains(p))
            .collect()
    };
    let action = match (changed, remove) {
        (false, _) => Action::Unchanged,
        (true, true) => Action::Removed,
        (true, false) if names_before.iter().any(|(n, _)| n == name) => Action::Updated,
        (true, false) => Action::Added,
    };
    plan.changes.push(Change {
        client,
        scope,
        path,
        names,
        action,
        note: None,
        removed_tokens,
        before,
        after,
        backup: None,
    });
}

/// Write every changed file of the plan (backup, temp file, rename). Stops at the first
/// failure; files written before it stay written (each one whole, with its backup).
pub fn apply(plan: &mut Plan) -> Result<(), EditorError> {
    for change in plan
        .changes
        .iter_mut()
        .filter(|c| c.action != Action::Unchanged)
    {
        // Project files are usually committed and shared: world-readable like the rest of
        // the repository. User files stay private to the user.
        let mode = match change.scope {
            Scope::User => 0o600,
            Scope::Project => 0o644,
        };
        change.backup = write::replace(&change.path, change.before.as_deref(), &change.after, mode)
            .map_err(|reason| EditorError::Write {
                client: change.client.label(),
                path: change.path.clone(),
                reason,
            })?;
    }
    Ok(())
}

/// What [`remove_all`] did: the files changed, and warnings about files left alone.
#[derive(Debug, Default)]
pub struct Removed {
    pub changes: Vec<Change>,
    pub warnings: Vec<String>,
}

/// Remove the entries of `context` (see [`Selection::Context`]) from every client's user
/// config; other contexts' entries stay. Used by `paas disconnect --remove-setup`, which
/// forgets one user's credential: project files are shared with everyone who uses the
/// project, so they are never touched here (see [`project_files_with`]). Nothing is written
/// when any file cannot be parsed.
pub fn remove_all(paths: &Paths, context: &str) -> Result<Removed, EditorError> {
    let loc = Locations::new(paths, None);
    let mut plan = plan_remove(
        &loc,
        &Client::ALL,
        &[Scope::User],
        Selection::Context(context),
        false,
    );
    if !plan.errors.is_empty() {
        return Err(EditorError::Several(plan.errors));
    }
    apply(&mut plan)?;
    Ok(Removed {
        changes: plan
            .changes
            .into_iter()
            .filter(|c| c.action != Action::Unchanged)
            .collect(),
        warnings: plan.warnings,
    })
}

/// The project files of `project_dir` that hold entries of `context`: what
/// `paas setup --remove --project` would take out. Nothing is written.
pub fn project_files_with(paths: &Paths, project_dir: &Path, context: &str) -> Vec<PathBuf> {
    let loc = Locations::new(paths, Some(project_dir));
    let plan = plan_remove(
        &loc,
        &Client::ALL,
        &[Scope::Project],
        Selection::Context(context),
        false,
    );
    plan.changes
        .into_iter()
        .filter(|c| c.action == Action::Removed)
        .map(|c| c.path)
        .collect()
}

/// One paas entry found in a client's config.
#[derive(Clone, Debug, serde::Serialize)]
pub struct FoundEntry {
    pub name: String,
    /// stdio command as written.
    pub command: Option<String>,
    pub args: Vec<String>,
    /// HTTP URL for a Streamable HTTP entry.
    pub url: Option<String>,
    /// The command resolved like the editor would (absolute path or PATH).
    pub resolved: Option<PathBuf>,
    /// The paas context a stdio entry serves (`default` without `--context`); `None` for an
    /// HTTP entry, whose server decides, and for `paas mcp --sandbox` or `--token-file`,
    /// which take no stored context's token.
    pub context: Option<String>,
    /// What is wrong with the entry; `None` when it looks right.
    pub problem: Option<String>,
    /// What to do about `problem` when re-running `paas setup` would not fix it (a project
    /// entry whose `paas` is not on PATH); `None` when `paas setup` is the fix.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fix: Option<String>,
    /// The entry holds a token in plain text (`paas setup` takes it out).
    pub holds_token: bool,
}

/// A server of another program under a name `paas setup` writes (`better-paas` or
/// `better-paas-<context>`): setup refuses to replace it without `--force`.
#[derive(Clone, Debug, serde::Serialize)]
pub struct ForeignEntry {
    pub name: String,
    /// What it runs, e.g. "runs `npx better-paas-mcp`".
    pub what: String,
}

/// The state of one client's config file for `paas doctor`.
#[derive(Clone, Debug, serde::Serialize)]
pub struct EntryStatus {
    pub client: Client,
    pub scope: Scope,
    pub path: PathBuf,
    pub file_exists: bool,
    /// Whether the client looks installed on this machine.
    pub installed: bool,
    /// Set when the file cannot be read or parsed.
    pub error: Option<String>,
    /// Our entries (see [`is_ours`]).
    pub entries: Vec<FoundEntry>,
    /// Other programs' servers under one of our entry names.
    pub foreign: Vec<ForeignEntry>,
}

impl EntryStatus {
    /// A paas entry is present and none of them has a problem.
    pub fn ok(&self) -> bool {
        self.error.is_none()
            && !self.entries.is_empty()
            && self.entries.iter().all(|e| e.problem.is_none())
    }
}

/// The Go CLI's leftover entry in `~/.claude/settings.json`, for `paas doctor`.
#[derive(Clone, Debug, serde::Serialize)]
pub struct LegacyEntry {
    pub path: PathBuf,
    pub name: String,
    /// What it runs, e.g. "runs `/home/me/go/bin/paas mcp`".
    pub what: String,
}

/// Find the Go CLI's `better-paas` entry in `~/.claude/settings.json` (ours only: named
/// `better-paas` and launching a paas binary). A file that is missing or cannot be parsed
/// holds none we could remove, so it yields nothing.
pub fn inspect_legacy(paths: &Paths) -> Option<LegacyEntry> {
    let loc = Locations::new(paths, None);
    let path = legacy_claude_settings(&loc);
    let text = write::read(&write::real_target(&path)).ok()??;
    let client = Client::ClaudeCode;
    let entries = document::entries(client.format(), &text, client.servers_key()).ok()?;
    entries
        .into_iter()
        .find(|(n, v)| is_legacy_entry(n, v))
        .map(|(name, value)| LegacyEntry {
            what: launcher::describe_entry(&value),
            path,
            name,
        })
}

/// Inspect every client's user config (and project configs of `project_dir`): does it hold
/// a paas entry, and does that entry's command exist and answer like paas? Runs each distinct
/// command once with `--version`.
pub fn inspect(paths: &Paths, project_dir: Option<&Path>) -> Vec<EntryStatus> {
    let loc = Locations::new(paths, project_dir);
    let mut out = Vec::new();
    let mut checked: Vec<(PathBuf, bool)> = Vec::new();
    for client in Client::ALL {
        for scope in [Scope::User, Scope::Project] {
            let Some(path) = client.config_path(scope, &loc) else {
                continue;
            };
            let mut status = EntryStatus {
                client,
                scope,
                file_exists: path.exists(),
                installed: client.is_installed(&loc),
                path: path.clone(),
                error: None,
                entries: Vec::new(),
                foreign: Vec::new(),
            };
            let text = match write::read(&write::real_target(&path)) {
                Ok(Some(text)) => text,
                Ok(None) => {
                    out.push(status);
                    continue;
                }
                Err(e) => {
                    status.error = Some(e);
                    out.push(status);
                    continue;
                }
            };
            match document::entries(client.format(), &text, client.servers_key()) {
                Ok(entries) => {
                    for (name, value) in entries {
                        if is_ours(&value) {
                            let found = found_entry(name, &value, scope, &loc, &mut checked);
                            status.entries.push(found);
                        } else if name == DEFAULT_NAME
                            || name.starts_with(&format!("{DEFAULT_NAME}-"))
                        {
                            status.foreign.push(ForeignEntry {
                                what: launcher::describe_entry(&value),
                                name,
                            });
                        }
                    }
                }
                Err(e) => status.error = Some(e),
            }
            out.push(status);
        }
    }
    out
}

fn found_entry(
    name: String,
    value: &Value,
    scope: Scope,
    loc: &Locations,
    checked: &mut Vec<(PathBuf, bool)>,
) -> FoundEntry {
    let str_field = |k: &str| value.get(k).and_then(Value::as_str).map(str::to_owned);
    let command = str_field("command");
    let url = str_field("url")
        .or_else(|| str_field("httpUrl"))
        .or_else(|| str_field("serverUrl"));
    let args = value
        .get("args")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default();
    let mut entry = FoundEntry {
        name,
        command: command.clone(),
        args,
        url: url.clone(),
        resolved: None,
        context: launcher::entry_context(value),
        problem: None,
        fix: None,
        holds_token: false,
    };
    // A project entry runs the bare `paas` on purpose (the file is shared): when that is
    // not paas here, the fix is to install paas on PATH; setup would write the same entry.
    let project_fix = (scope == Scope::Project).then(|| {
        "put paas on PATH: install a release binary into a directory on PATH, or run \
         `cargo install --path .` in a paas-mcp checkout"
            .to_owned()
    });
    match (command, url) {
        (Some(command), _) => {
            entry.resolved = launcher::resolve_command(&command, loc.path_var.as_deref());
            entry.problem = match &entry.resolved {
                None if project_fix.is_some() => {
                    entry.fix.clone_from(&project_fix);
                    Some(format!(
                        "the command {command:?} is not on PATH (project entries run the bare \
                         command, so that the shared file works on every machine)"
                    ))
                }
                None => Some(format!(
                    "the command {command:?} does not exist or is not on PATH"
                )),
                Some(path) => {
                    let is_paas = match checked.iter().find(|(p, _)| p == path) {
                        Some((_, ok)) => *ok,
                        None => {
                            let ok = launcher::is_paas_binary(path);
                            checked.push((path.clone(), ok));
                            ok
                        }
                    };
                    if !is_paas {
                        entry.fix.clone_from(&project_fix);
                    }
                    (!is_paas).then(|| {
                        format!("{} does not answer like paas (`--version`)", path.display())
                    })
                }
            };
            if entry.problem.is_none() && !launcher::launches_paas_mcp(value) {
                entry.problem = Some("the entry does not run `paas mcp`".into());
            }
        }
        (None, Some(_)) => {}
        (None, None) => {
            entry.problem = Some("the entry has neither a command nor a URL".into());
        }
    }
    // Checked last: it outranks the others, as `paas setup` fixes them all at once.
    let tokens = token_paths(value);
    if !tokens.is_empty() {
        entry.fix = None;
        entry.holds_token = true;
        entry.problem = Some(format!(
            "it holds a token in plain text ({}): anyone who can read the file can use it",
            tokens.join(", ")
        ));
    }
    entry
}
