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
}
