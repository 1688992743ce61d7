//! Apps, projects and add-ons are addressed by **name or id** in every tool, through this
//! one resolver. A miss answers with the closest existing names, so the model can correct
//! itself in one step instead of listing everything.
//!
//! Resolving a name needs the list route, which needs `apps:read`. A token without it (e.g.
//! `logs:read` only, or `apps:write` only) still gets every tool its scopes allow: the value
//! is then passed through as an id, and the server's 404 becomes the same not-found error
//! (without suggestions, since nothing could be listed).

use serde_json::Value;

use super::tools::{array, get, str_field};
use super::{Scope, ToolContext, ToolError};
use crate::api::ApiError;

/// What can be looked up.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    App,
    Project,
    Addon,
    /// Servers are listed with `servers:manage`, the scope every server tool needs.
    Server,
}

impl Kind {
    pub const fn noun(self) -> &'static str {
        match self {
            Kind::App => "app",
            Kind::Project => "project",
            Kind::Addon => "add-on",
            Kind::Server => "server",
        }
    }

    const fn list_path(self) -> &'static str {
        match self {
            Kind::App => "/api/apps",
            Kind::Project => "/api/projects",
            Kind::Addon => "/api/addons",
            Kind::Server => "/api/servers",
        }
    }
}

/// A resolved object: its id, its name, and the list entry when one was read.
#[derive(Clone, Debug)]
pub struct Resolved {
    pub kind: Kind,
    pub id: String,
    pub name: String,
    /// The object as listed (`Null` when the value was passed through as an id).
    pub listed: Value,
}

impl Resolved {
    /// The name, when it was looked up; `None` when the value was passed through as an id
    /// (the token cannot list names), so no answer states the id as the name.
    pub fn known_name(&self) -> Option<&str> {
        (!self.listed.is_null()).then_some(self.name.as_str())
    }

    /// Turn the PaaS's 404 for this object into a not-found error. When it was listed a
    /// moment ago, say that it has just gone (deleted or renamed meanwhile), not that no such
    /// name exists.
    pub fn miss(&self, err: ToolError) -> ToolError {
        match (&err, self.known_name()) {
            (ToolError::Api(ApiError::Status { status: 404, .. }), Some(name)) => {
                let kind = self.kind.noun();
                ToolError::Reported(format!(
                    "The {kind} {name} ({}) was listed a moment ago, but the PaaS now answers \
                     404 {kind} not found: it was probably deleted or renamed just now. List the \
                     {kind}s again to see what exists.",
                    self.id
                ))
            }
            _ => not_found_hint(self.kind, &self.id, err),
        }
    }

    /// `name (id)` for sentences, or the id alone when the name is not known.
    pub fn describe(&self) -> String {
        match self.known_name() {
            Some(name) => format!("{name} ({})", self.id),
            None => self.id.clone(),
        }
    }
}

/// Resolve `query` (name or id) to one object of `kind`.
pub async fn resolve(ctx: &ToolContext, kind: Kind, query: &str) -> Result<Resolved, ToolError> {
    let query = query.trim();
    if query.is_empty() {
        return Err(ToolError::InvalidArguments(format!(
            "{} name or id is required",
            kind.noun()
        )));
    }
    if can_list(ctx, kind) == Some(false) {
        return Ok(passthrough(kind, query));
    }
    let items = match get(ctx, kind.list_path(), &[]).await {
        Ok(v) => array(v),
        // Unknown grant and the list is refused: fall back to treating it as an id.
        Err(ToolError::Api(ApiError::MissingScope { .. })) => return Ok(passthrough(kind, query)),
        Err(e) => return Err(e),
    };
    pick(kind, query, items)
}

/// The server id for a deploy or create body: `server` is a name or an id (`localhost` is
/// the PaaS host and always exists). Without `servers:manage` nothing can be listed, and the
/// value goes through as an id.
pub async fn server_id(
    ctx: &ToolContext,
    server: &Option<String>,
) -> Result<Option<String>, ToolError> {
    match server.as_deref().map(str::trim) {
        None => Ok(None),
        Some(LOCAL_SERVER) => Ok(Some(LOCAL_SERVER.to_owned())),
        Some(query) => Ok(Some(resolve(ctx, Kind::Server, query).await?.id)),
    }
}

/// The row id of the PaaS host among the servers (spec §6.4).
const LOCAL_SERVER: &str = "localhost";

/// Match `query` against listed objects: exact id, then exact name, then case-insensitive
/// name; a miss lists the closest names.
pub fn pick(kind: Kind, query: &str, items: Vec<Value>) -> Result<Resolved, ToolError> {
    // Some kinds (servers, projects) allow duplicate names: never guess between them. The
    // strongest match decides: an id, else exact names, else case-insensitive names.
    if !items.iter().any(|i| str_field(i, "id") == query) {
        let ids_named = |same: &dyn Fn(&str) -> bool| -> Vec<&str> {
            items
                .iter()
                .filter(|i| same(str_field(i, "name")))
                .map(|i| str_field(i, "id"))
                .collect()
        };
        let mut same = ids_named(&|n| n == query);
        if same.is_empty() {
            same = ids_named(&|n| n.eq_ignore_ascii_case(query));
        }
        if same.len() > 1 {
            return Err(ToolError::InvalidArguments(format!(
                "{} {}s are named {query:?} (ids: {}); pass the id of the one you mean",
                same.len(),
                kind.noun(),
                same.join(", ")
            )));
        }
    }
    let found = items
        .iter()
        .position(|i| str_field(i, "id") == query)
        .or_else(|| items.iter().position(|i| str_field(i, "name") == query))
        .or_else(|| {
            items
                .iter()
                .position(|i| str_field(i, "name").eq_ignore_ascii_case(query))
        });
    let all_names: Vec<String> = items
        .iter()
        .map(|i| str_field(i, "name").to_owned())
        .filter(|n| !n.is_empty())
        .collect();
    match found.and_then(|at| items.into_iter().nth(at)) {
        Some(item) => Ok(Resolved {
            kind,
            id: str_field(&item, "id").to_owned(),
            name: str_field(&item, "name").to_owned(),
            listed: item,
        }),
        None => Err(ToolError::NotFound {
            kind: kind.noun(),
            query: query.to_owned(),
            suggestions: closest(query, &all_names, 3),
        }),
    }
}

/// Up to `max` names closest to `query` (substring matches first, then by edit distance,
/// dropping names that share almost nothing with the query).
pub fn closest(query: &str, candidates: &[String], max: usize) -> Vec<String> {
    let q = query.to_ascii_lowercase();
    let mut scored: Vec<(usize, usize, &String)> = candidates
        .iter()
        .filter_map(|name| {
            let n = name.to_ascii_lowercase();
            let substring = n.contains(&q) || q.contains(&n);
            let distance = strsim::levenshtein(&q, &n);
            let limit = q.len().max(n.len()) / 2 + 1;
            (substring || distance <= limit).then_some((usize::from(!substring), distance, name))
        })
        .collect();
    scored.sort();
    scored
        .into_iter()
        .take(max)
        .map(|(_, _, n)| n.clone())
        .collect()
}

fn passthrough(kind: Kind, query: &str) -> Resolved {
    Resolved {
        kind,
        id: query.to_owned(),
        name: query.to_owned(),
        listed: Value::Null,
    }
}

/// Whether this token may list objects of `kind` (apps, projects and add-ons need
/// `apps:read`, servers `servers:manage`), from the last probe: `Some(true)`, `Some(false)`,
/// or `None` when no probe result is known yet.
fn can_list(ctx: &ToolContext, kind: Kind) -> Option<bool> {
    let status = ctx.status.read().ok()?;
    if status.admin_token {
        return Some(true);
    }
    if !status.connected && status.observed_scopes.is_empty() {
        return None;
    }
    let needs = match kind {
        Kind::Server => Scope::ServersManage,
        Kind::App | Kind::Project | Kind::Addon => Scope::AppsRead,
    };
    Some(status.observed_scopes.contains(&needs))
}

/// Whether `query` has the shape of a Better-PaaS id: 10 lowercase letters or digits (spec
/// §1, "opaque short strings"). Such a query can be tried as an id first, saving the list
/// request; a 404 then falls back to [`resolve`], so a name of that shape still works and an
/// exact id keeps winning over a name, as in [`pick`].
pub fn looks_like_id(query: &str) -> bool {
    query.len() == 10
        && query
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
}

/// Turn a 404 on an id that was passed through into a not-found error with a hint.
pub fn not_found_hint(kind: Kind, query: &str, err: ToolError) -> ToolError {
    match err {
        ToolError::Api(ApiError::Status { status: 404, .. }) => ToolError::NotFound {
            kind: kind.noun(),
            query: query.to_owned(),
            suggestions: Vec::new(),
        },
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn apps() -> Vec<Value> {
        vec![
            json!({"id": "a1", "name": "web-shop"}),
            json!({"id": "b2", "name": "api"}),
            json!({"id": "c3", "name": "worker"}),
        ]
    }

    #[test]
    fn id_shape() {
        assert!(looks_like_id("5pfgh3r2kz"));
        assert!(!looks_like_id("web-shop"));
        assert!(!looks_like_id("5PFGH3R2KZ"));
        assert!(!looks_like_id("5pfgh3r2kz1"));
        assert!(!looks_like_id(""));
    }

    #[test]
    fn a_name_shared_by_two_is_never_guessed() {
        let mut items = apps();
        items.push(json!({"id": "d4", "name": "worker"}));
        items.push(json!({"id": "e5", "name": "API"}));
        match pick(Kind::Server, "worker", items.clone()) {
            Err(ToolError::InvalidArguments(m)) => {
                assert!(m.contains("c3, d4") && m.contains("pass the id"), "{m}")
            }
            other => panic!("ambiguous name resolved: {other:?}"),
        }
        assert_eq!(pick(Kind::Server, "d4", items.clone()).unwrap().id, "d4");
        // An exact name beats a case-insensitive one; two case-insensitive ones are ambiguous.
        assert_eq!(pick(Kind::Server, "api", items.clone()).unwrap().id, "b2");
        assert!(pick(Kind::Server, "Api", items).is_err());
    }

    #[test]
    fn by_id_or_name() {
        assert_eq!(pick(Kind::App, "b2", apps()).unwrap().name, "api");
        assert_eq!(pick(Kind::App, "worker", apps()).unwrap().id, "c3");
        assert_eq!(pick(Kind::App, "API", apps()).unwrap().id, "b2");
    }

    #[test]
    fn miss_suggests_closest() {
        match pick(Kind::App, "web-shp", apps()) {
            Err(ToolError::NotFound { suggestions, .. }) => assert_eq!(suggestions, ["web-shop"]),
            other => panic!("{other:?}"),
        }
        match pick(Kind::App, "zzzzzzzzzzzz", apps()) {
            Err(ToolError::NotFound { suggestions, .. }) => assert!(suggestions.is_empty()),
            other => panic!("{other:?}"),
        }
    }
}
