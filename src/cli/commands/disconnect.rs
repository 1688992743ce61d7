//! `paas disconnect`: forget the stored credential of a context (keychain and file). The
//! agent stays on the server: an agent token cannot delete itself, only the admin can.

use std::process::ExitCode;

use super::Global;
use crate::cli::agent_hint::delete_agent_commands;
use crate::config::{self, KeychainStore, Paths};

#[derive(Debug, clap::Args)]
#[command(after_help = "\
Examples:
  paas disconnect
  paas disconnect --context staging
  paas disconnect --remove-setup     # also remove the paas entries from editor configs")]
pub struct Args {
    /// Also remove the paas MCP server entries that `paas setup` wrote into editor configs.
    #[arg(long)]
    pub remove_setup: bool,
}

pub async fn run(args: Args, global: &Global) -> anyhow::Result<ExitCode> {
    let paths = Paths::from_env()?;
    let context = config::context_name(global.context.as_deref());
    let forgotten = config::forget(&paths, &context, &KeychainStore)?;
    match &forgotten.record {
        None => println!("Not connected (context {context:?}); no credential to remove."),
        Some(record) => {
            let mut where_ = Vec::new();
            if forgotten.keychain_entry {
                where_.push("the OS keychain".to_owned());
            }
            if forgotten.file_token {
                where_.push(paths.config_file.display().to_string());
            }
            if where_.is_empty() {
                where_.push(format!(
                    "{} (no token was stored)",
                    paths.config_file.display()
                ));
            }
            println!(
                "Disconnected context {context:?} ({}). Removed the credential from {}.",
                record.url,
                where_.join(" and ")
            );
            let agent = match (&record.name, &record.agent_id) {
                (Some(n), Some(id)) => format!(" {n:?} ({id})"),
                (Some(n), None) => format!(" {n:?}"),
                (None, Some(id)) => format!(" {id}"),
                (None, None) => String::new(),
            };
            println!(
                "\nThe agent{agent} still exists on the server, and its token stays valid until \
                 an admin deletes it (dashboard agent list, or with the admin token):\n{}",
                delete_agent_commands(&record.url, record.agent_id.as_deref())
            );
        }
    }
    if std::env::var_os(config::ENV_TOKEN).is_some() {
        println!(
            "\nNote: PAAS_TOKEN is set in this shell's environment and still takes precedence; \
             unset PAAS_API_URL PAAS_TOKEN"
        );
    }
    if args.remove_setup {
        // User-level configs, plus the project configs of the current directory.
        let project = crate::cli::project_dir(&paths);
        match crate::editors::remove_all(&paths, project.as_deref()) {
            Ok(changes) if changes.is_empty() => {
                println!("\nEditor entries: none found, nothing to remove.");
            }
            Ok(changes) => {
                println!("\nRemoved the paas MCP server from:");
                for change in &changes {
                    let backup = change
                        .backup
                        .as_ref()
                        .map(|b| format!(" (backup: {})", b.display()))
                        .unwrap_or_default();
                    println!(
                        "  {:<14} {}{backup}",
                        change.client.label(),
                        change.path.display()
                    );
                }
            }
            Err(e) => {
                // The credential is already gone; the editors were left untouched.
                eprintln!(
                    "error: editor entries were not removed (no editor file was changed): {e}\n\
                     Fix the file, then run: paas setup --remove"
                );
                return Ok(ExitCode::from(1));
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}
