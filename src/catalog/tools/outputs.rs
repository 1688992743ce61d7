//! Output shapes shared by tools of several toolsets: the outcome of a change addressed by
//! id, and the PaaS's short `{status, message}` answers. The PaaS objects themselves (app,
//! project, add-on, server…) are described next to the tools of their toolset.

#![allow(dead_code)] // Schema-only types: their fields are read by schemars, never by code.

use schemars::JsonSchema;

/// What a change did to one resource.
#[derive(JsonSchema)]
pub struct Outcome {
    /// Id of the resource.
    id: String,
    /// Its name.
    name: Option<String>,
    /// Status the PaaS reported, e.g. deleted, updated or started.
    status: String,
}

/// The PaaS's short answer to an action.
#[derive(JsonSchema)]
pub struct Answer {
    /// Status the PaaS reported, e.g. ok, saved, deleted, sent or started.
    status: Option<String>,
    /// Its explanation, when it gave one.
    message: Option<String>,
}
