//! The thirteen Better-PaaS scopes and the three connect-flow profiles (spec §2).
//!
//! Scopes are a closed set on the server (agent creation rejects anything else), so they are
//! an enum here: a typo is a compile error, not a tool that silently never appears.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// One server scope. `as_str` is the exact wire value.
#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    schemars::JsonSchema,
)]
pub enum Scope {
    #[serde(rename = "apps:read")]
    AppsRead,
    #[serde(rename = "apps:write")]
    AppsWrite,
    #[serde(rename = "apps:delete")]
    AppsDelete,
    #[serde(rename = "addons:manage")]
    AddonsManage,
    #[serde(rename = "servers:manage")]
    ServersManage,
    #[serde(rename = "deploy:trigger")]
    DeployTrigger,
    #[serde(rename = "logs:read")]
    LogsRead,
    #[serde(rename = "metrics:read")]
    MetricsRead,
    #[serde(rename = "system:manage")]
    SystemManage,
    #[serde(rename = "cron:manage")]
    CronManage,
    #[serde(rename = "backups:manage")]
    BackupsManage,
    #[serde(rename = "notifications:manage")]
    NotificationsManage,
    #[serde(rename = "agent:admin")]
    AgentAdmin,
}

impl Scope {
    /// Every scope, in the server's `AllScopes` order.
    pub const ALL: [Scope; 13] = [
        Scope::AppsRead,
        Scope::AppsWrite,
        Scope::AppsDelete,
        Scope::AddonsManage,
        Scope::ServersManage,
        Scope::DeployTrigger,
        Scope::LogsRead,
        Scope::MetricsRead,
        Scope::SystemManage,
        Scope::CronManage,
        Scope::BackupsManage,
        Scope::NotificationsManage,
        Scope::AgentAdmin,
    ];

    /// The exact string the server uses.
    pub const fn as_str(self) -> &'static str {
        match self {
            Scope::AppsRead => "apps:read",
            Scope::AppsWrite => "apps:write",
            Scope::AppsDelete => "apps:delete",
            Scope::AddonsManage => "addons:manage",
            Scope::ServersManage => "servers:manage",
            Scope::DeployTrigger => "deploy:trigger",
            Scope::LogsRead => "logs:read",
            Scope::MetricsRead => "metrics:read",
            Scope::SystemManage => "system:manage",
            Scope::CronManage => "cron:manage",
            Scope::BackupsManage => "backups:manage",
            Scope::NotificationsManage => "notifications:manage",
            Scope::AgentAdmin => "agent:admin",
        }
    }
}

impl fmt::Display for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A string that is not one of the thirteen scopes.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown scope {0:?}; valid scopes: {valid}", valid = Scope::ALL.map(Scope::as_str).join(", "))]
pub struct UnknownScope(pub String);

impl FromStr for Scope {
    type Err = UnknownScope;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Scope::ALL
            .into_iter()
            .find(|scope| scope.as_str() == s.trim())
            .ok_or_else(|| UnknownScope(s.to_owned()))
    }
}

/// The connect-flow profiles (spec §2.2). The server stores only the scope list.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Profile {
    Observer,
    Deployer,
    Operator,
}

impl Profile {
    pub const ALL: [Profile; 3] = [Profile::Observer, Profile::Deployer, Profile::Operator];

    pub const fn as_str(self) -> &'static str {
        match self {
            Profile::Observer => "observer",
            Profile::Deployer => "deployer",
            Profile::Operator => "operator",
        }
    }

    /// The scopes the server grants for this profile, in the server's order.
    pub const fn scopes(self) -> &'static [Scope] {
        use Scope::*;
        match self {
            Profile::Observer => &[AppsRead, LogsRead, MetricsRead],
            Profile::Deployer => &[AppsRead, LogsRead, MetricsRead, AppsWrite, DeployTrigger],
            Profile::Operator => &[
                AppsRead,
                LogsRead,
                MetricsRead,
                AppsWrite,
                DeployTrigger,
                AddonsManage,
                ServersManage,
                CronManage,
                BackupsManage,
                NotificationsManage,
            ],
        }
    }

    /// One line for menus and `paas status`.
    pub const fn description(self) -> &'static str {
        match self {
            Profile::Observer => "read apps, logs, metrics and deployment history; no changes",
            Profile::Deployer => "observer + deploy, redeploy, rollback, start/stop, update apps",
            Profile::Operator => {
                "deployer + add-ons and databases, servers, cron, backups, notifications"
            }
        }
    }

    /// The smallest profile that grants `scope`, if any profile does.
    pub fn smallest_granting(scope: Scope) -> Option<Profile> {
        Profile::ALL
            .into_iter()
            .find(|p| p.scopes().contains(&scope))
    }
}

impl fmt::Display for Profile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Profile {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Profile::ALL
            .into_iter()
            .find(|p| p.as_str().eq_ignore_ascii_case(s.trim()))
            .ok_or_else(|| format!("unknown profile {s:?}; use observer, deployer or operator"))
    }
}

/// What a token was observed to hold: a set of scopes, plus whether it is the admin token
/// (which passes every scope check and the admin-only gate).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Grant {
    pub admin: bool,
    pub scopes: std::collections::BTreeSet<Scope>,
}

impl Grant {
    pub fn agent(scopes: impl IntoIterator<Item = Scope>) -> Self {
        Grant {
            admin: false,
            scopes: scopes.into_iter().collect(),
        }
    }

    pub fn admin() -> Self {
        Grant {
            admin: true,
            scopes: Scope::ALL.into_iter().collect(),
        }
    }

    pub fn has(&self, scope: Scope) -> bool {
        self.admin || self.scopes.contains(&scope)
    }

    /// All-of groups, each any-of: the server's `scoped(..)` is one group per scope,
    /// `scopedAny(a|b)` is one group with two members.
    pub fn satisfies(&self, groups: &[&[Scope]]) -> bool {
        groups
            .iter()
            .all(|group| group.iter().any(|s| self.has(*s)))
    }

    /// The first group this grant does not satisfy (what the server's 403 would name).
    pub fn first_missing(&self, groups: &[&[Scope]]) -> Option<Scope> {
        groups
            .iter()
            .find(|group| !group.iter().any(|s| self.has(*s)))
            .and_then(|group| group.first().copied())
    }
}
