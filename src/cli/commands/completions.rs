//! `paas completions <shell>`: print a completion script generated from the clap definitions.

use std::process::ExitCode;

use clap::CommandFactory;

use super::Global;

#[derive(Debug, clap::Args)]
#[command(
    after_help = "Examples:\n  paas completions bash > ~/.local/share/bash-completion/completions/paas\n  paas completions zsh > \"${fpath[1]}/_paas\"\n  paas completions fish > ~/.config/fish/completions/paas.fish"
)]
pub struct Args {
    /// bash, zsh, fish, powershell or elvish.
    pub shell: clap_complete::Shell,
}

pub async fn run(args: Args, _global: &Global) -> anyhow::Result<ExitCode> {
    let mut command = super::super::Cli::command();
    clap_complete::generate(args.shell, &mut command, "paas", &mut std::io::stdout());
    Ok(ExitCode::SUCCESS)
}
