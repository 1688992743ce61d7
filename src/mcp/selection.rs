//! Which catalogue tools this server offers right now, and why each other one is hidden.
//!
//! Pure function of (observed grant, filter): recomputed after every probe, compared with
//! the previous selection to decide whether to send `tools/list_changed`.

use crate::catalog::{self, Grant, Guard, HiddenTool, Profile, ToolDef};

use super::filter::{Filter, STATUS_TOOL};

/// The tools offered, in catalogue order, plus the hidden ones with the reason.
#[derive(Clone, Debug, Default)]
pub struct Selection {
    pub tools: Vec<&'static ToolDef>,
    pub hidden: Vec<HiddenTool>,
}

impl Selection {
    /// `grant = None` means "no usable credentials": only `paas_status` is served.
    pub fn compute(grant: Option<&Grant>, filter: &Filter) -> Self {
        let mut selection = Selection::default();
        for def in catalog::all() {
            if def.name == STATUS_TOOL {
                selection.tools.push(def);
                continue;
            }
            let Some(grant) = grant else {
                selection.hidden.push(HiddenTool {
                    name: def.name.to_owned(),
                    reason: "no working connection to the PaaS (see problem)".to_owned(),
                });
                continue;
            };
            if !def.guard.allows(grant) {
                selection.hidden.push(HiddenTool {
                    name: def.name.to_owned(),
                    reason: unlock_reason(def, grant),
                });
                continue;
            }
            match filter.removes(def) {
                Some(reason) => selection.hidden.push(HiddenTool {
                    name: def.name.to_owned(),
                    reason: reason.to_owned(),
                }),
                None => selection.tools.push(def),
            }
        }
        selection
    }

    pub fn names(&self) -> Vec<String> {
        self.tools.iter().map(|t| t.name.to_owned()).collect()
    }

    /// The selected tool answering to `name` (canonical name or hidden alias).
    pub fn find(&self, name: &str) -> Option<&'static ToolDef> {
        self.tools
            .iter()
            .copied()
            .find(|t| t.name == name || t.aliases.contains(&name))
    }

    /// Why `name` is not offered, when it is a catalogue tool.
    pub fn hidden_reason(&self, name: &str) -> Option<String> {
        let def = catalog::find(name)?;
        self.hidden
            .iter()
            .find(|h| h.name == def.name)
            .map(|h| h.reason.clone())
    }
}

/// What would unlock a tool the grant does not satisfy, in words the model can relay.
fn unlock_reason(def: &ToolDef, grant: &Grant) -> String {
    match def.guard {
        Guard::Admin => {
            "admin token only (and `paas mcp --allow-admin-token`); not available to agents"
                .to_owned()
        }
        Guard::Scopes(groups) => match grant.first_missing(groups) {
            Some(scope) => match Profile::smallest_granting(scope) {
                Some(profile) => format!("needs scope {scope} (profile {profile} or wider)"),
                None => format!("needs scope {scope} (no profile grants it; an admin must add it)"),
            },
            None => "not permitted".to_owned(),
        },
    }
}
