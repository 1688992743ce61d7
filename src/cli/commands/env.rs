//! `paas env`: print lines that export `PAAS_API_URL` and `PAAS_TOKEN` (plus the Go CLI's
//! `PAAS_URL`) for a shell, quoted so that no character of the value is ever interpreted.

use std::io::IsTerminal;
use std::process::ExitCode;

use super::Global;
use crate::config::{self, Paths};

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Shell {
    /// POSIX sh, bash, zsh: `export NAME='value'`.
    Sh,
    /// fish: `set -gx NAME 'value'`.
    Fish,
    /// PowerShell: `$env:NAME = 'value'`.
    Powershell,
}

#[derive(Debug, clap::Args)]
#[command(after_help = "\
Examples:
  eval \"$(paas env)\"                          # bash, zsh
  paas env --shell fish | source
  paas env --shell powershell | Invoke-Expression
  paas env --json | jq -r .url

The token is printed only into a pipe or a command substitution; on a terminal it is
shown masked unless you pass --reveal.")]
pub struct Args {
    /// Shell syntax to print (default: from $SHELL, PowerShell on Windows).
    #[arg(long, value_enum, value_name = "SHELL")]
    pub shell: Option<Shell>,

    /// Print {"url", "token", "context"} as JSON instead.
    #[arg(long, conflicts_with = "shell")]
    pub json: bool,

    /// Print the token even when stdout is a terminal (where it is masked by default, so it
    /// does not end up on screen, in a screen share or in terminal scrollback).
    #[arg(long)]
    pub reveal: bool,
}

pub async fn run(args: Args, global: &Global) -> anyhow::Result<ExitCode> {
    let paths = Paths::from_env()?;
    let credentials = config::resolve(&paths, global.context.as_deref())?;
    let shell = args.shell.unwrap_or_else(default_shell);
    let masked = std::io::stdout().is_terminal() && !args.reveal;
    if masked {
        eprintln!(
            "# token masked on a terminal: use {}, or --reveal to print it",
            load_command_for(shell, &crate::cli::session::context_flag(&credentials))
        );
    }
    let token = if masked {
        credentials.token.to_string()
    } else {
        credentials.token.expose().to_owned()
    };
    if args.json {
        let value = serde_json::json!({
            "url": credentials.url,
            "token": token,
            "context": credentials.context,
        });
        println!("{}", serde_json::to_string_pretty(&value)?);
        return Ok(ExitCode::SUCCESS);
    }
    let vars = [
        ("PAAS_URL", credentials.url.as_str()),
        (config::ENV_URL, credentials.url.as_str()),
        (config::ENV_TOKEN, token.as_str()),
    ];
    for (name, value) in vars {
        println!("{}", line(shell, name, value));
    }
    Ok(ExitCode::SUCCESS)
}

/// The command that loads `paas env` into a session of `shell`; `--shell` is spelled out
/// only when `paas env` would not pick that shell by itself.
pub fn load_command(shell: Shell) -> String {
    load_command_for(shell, "")
}

/// [`load_command`] for a context: `context_flag` is ` --context NAME` (or empty for the
/// default), so the command loads the context that was asked for.
pub fn load_command_for(shell: Shell, context_flag: &str) -> String {
    let env = if shell == default_shell() {
        format!("paas env{context_flag}")
    } else {
        let value = clap::ValueEnum::to_possible_value(&shell);
        let name = value.as_ref().map_or("sh", |v| v.get_name());
        format!("paas env{context_flag} --shell {name}")
    };
    match shell {
        Shell::Sh => format!("eval \"$({env})\""),
        Shell::Fish => format!("{env} | source"),
        Shell::Powershell => format!("{env} | Invoke-Expression"),
    }
}

/// The shell `paas env` prints for when `--shell` is not given.
pub fn default_shell() -> Shell {
    if cfg!(windows) {
        return Shell::Powershell;
    }
    match std::env::var("SHELL") {
        Ok(s) if s.ends_with("/fish") || s == "fish" => Shell::Fish,
        _ => Shell::Sh,
    }
}

/// One assignment in `shell`'s syntax, with `value` inside single quotes escaped the way
/// that shell requires (nothing is expanded inside them).
pub fn line(shell: Shell, name: &str, value: &str) -> String {
    match shell {
        Shell::Sh => format!("export {name}='{}'", value.replace('\'', "'\\''")),
        Shell::Fish => format!(
            "set -gx {name} '{}'",
            value.replace('\\', "\\\\").replace('\'', "\\'")
        ),
        Shell::Powershell => format!("$env:{name} = '{}'", value.replace('\'', "''")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_load_command_names_the_context() {
        let sh = load_command_for(Shell::Sh, " --context stg");
        let fish = load_command_for(Shell::Fish, " --context stg");
        if default_shell() == Shell::Sh {
            assert_eq!(sh, "eval \"$(paas env --context stg)\"");
        }
        assert!(fish.contains("paas env --context stg"), "{fish}");
        assert_eq!(
            load_command(Shell::Powershell),
            load_command_for(Shell::Powershell, "")
        );
    }
}
