//! Filters that only ever remove tools: `--read-only`, `--toolsets`, `--tools`,
//! `--exclude-tools`.
//!
//! Order: the scope guard decides first (fail closed), then these filters narrow further.
//! Nothing here can add a tool the token does not permit. `paas_status` is exempt so a
//! misconfigured server can always explain itself.

use std::collections::BTreeSet;

use crate::catalog::{self, Access, ToolDef, Toolset};

/// The name of the one tool that is always served.
pub const STATUS_TOOL: &str = "paas_status";

/// User-chosen narrowing of the tool set. Built with [`Filter::new`], which rejects unknown
/// names so a typo never silently hides (or fails to hide) a tool.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Filter {
    pub read_only: bool,
    /// `None` = every toolset.
    pub toolsets: Option<BTreeSet<Toolset>>,
    /// `None` = every tool.
    pub tools: Option<BTreeSet<&'static str>>,
    pub exclude: BTreeSet<&'static str>,
}

/// A name given to a filter flag that matches nothing in the catalogue.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FilterError {
    #[error("unknown toolset {name:?} in --toolsets; valid toolsets: {valid}")]
    UnknownToolset { name: String, valid: String },
    #[error("unknown tool {name:?} in {flag}; valid tools: {valid}")]
    UnknownTool {
        name: String,
        flag: &'static str,
        valid: String,
    },
    #[error(
        "paas_status cannot be excluded: it is always served, so the server can say what is \
         wrong (connection, token, hidden tools); remove it from --exclude-tools"
    )]
    StatusExcluded,
}

impl Filter {
    /// Validate the raw flag values against the catalogue. Tool names may be canonical names
    /// or hidden aliases (resolved to the canonical name).
    pub fn new(
        read_only: bool,
        toolsets: &[String],
        tools: &[String],
        exclude: &[String],
    ) -> Result<Self, FilterError> {
        let toolsets = if toolsets.is_empty() {
            None
        } else {
            let mut set = BTreeSet::new();
            for raw in toolsets {
                let name = raw.trim();
                let toolset = Toolset::ALL
                    .into_iter()
                    .find(|t| t.as_str().eq_ignore_ascii_case(name))
                    .ok_or_else(|| FilterError::UnknownToolset {
                        name: name.to_owned(),
                        valid: Toolset::ALL.map(Toolset::as_str).join(", "),
                    })?;
                set.insert(toolset);
            }
            Some(set)
        };
        let tools = if tools.is_empty() {
            None
        } else {
            Some(resolve_names(tools, "--tools")?)
        };
        let exclude = resolve_names(exclude, "--exclude-tools")?;
        if exclude.contains(STATUS_TOOL) {
            return Err(FilterError::StatusExcluded);
        }
        Ok(Filter {
            read_only,
            toolsets,
            tools,
            exclude,
        })
    }

    /// Why this filter removes `def`, or `None` when it keeps it.
    pub fn removes(&self, def: &ToolDef) -> Option<&'static str> {
        if def.name == STATUS_TOOL {
            return None;
        }
        if self.read_only && def.access != Access::Read {
            return Some("removed by --read-only");
        }
        if let Some(toolsets) = &self.toolsets
            && !toolsets.contains(&def.toolset)
        {
            return Some("removed by --toolsets");
        }
        if let Some(tools) = &self.tools
            && !tools.contains(def.name)
        {
            return Some("removed by --tools");
        }
        if self.exclude.contains(def.name) {
            return Some("removed by --exclude-tools");
        }
        None
    }
}

fn resolve_names(
    raw: &[String],
    flag: &'static str,
) -> Result<BTreeSet<&'static str>, FilterError> {
    let mut set = BTreeSet::new();
    for name in raw {
        let name = name.trim();
        let def = catalog::find(name).ok_or_else(|| FilterError::UnknownTool {
            name: name.to_owned(),
            flag,
            valid: catalog::all()
                .iter()
                .map(|t| t.name)
                .collect::<Vec<_>>()
                .join(", "),
        })?;
        set.insert(def.name);
    }
    Ok(set)
}
