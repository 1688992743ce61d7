//! One file per subcommand: `Args` (clap) and `run`.

pub mod completions;
pub mod connect;
pub mod disconnect;
pub mod doctor;
pub mod env;
pub mod mcp;
pub mod sandbox;
pub mod setup;
pub mod status;
pub mod tools;

/// Options every command sees.
#[derive(Debug, Clone, Default)]
pub struct Global {
    /// `--context` / `PAAS_CONTEXT`.
    pub context: Option<String>,
    /// Why `context` is not a valid context name, with where it came from; only `paas mcp`
    /// runs with one (it serves `paas_status` with this problem instead of exiting).
    pub context_problem: Option<String>,
}
