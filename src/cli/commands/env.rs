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

This prints the token: use it to hand credentials to a tool, not in a shared terminal.")]
pub struct Args {
    /// Shell syntax to print (default: from $SHELL, PowerShell on Windows).
    #[arg(long, value_enum, value_name = "SHELL")]
    pub shell: Option<Shell>,

    /// Print {"url", "token", "context"} as JSON instead.
    #[arg(long, conflicts_with = "shell")]
    pub json: bool,
}

pub async fn run(args: Args, global: &Global) -> anyhow::Result<ExitCode> {
    let paths = Paths::from_env()?;
    let credentials = config::resolve(&paths, global.context.as_deref())?;
    if std::io::stdout().is_terminal() {
        eprintln!("# note: this prints your token; prefer eval \"$(paas env)\"");
    }
    if args.json {
        let value = serde_json::json!({
            "url": credentials.url,
            "token": credentials.token.expose(),
            "context": credentials.context,
        });
        println!("{}", serde_json::to_string_pretty(&value)?);
        return Ok(ExitCode::SUCCESS);
    }
    let shell = args.shell.unwrap_or_else(default_shell);
    let vars = [
        ("PAAS_URL", credentials.url.as_str()),
        (config::ENV_URL, credentials.url.as_str()),
        (config::ENV_TOKEN, credentials.token.expose()),
    ];
    for (name, value) in vars {
        println!("{}", line(shell, name, value));
    }
    Ok(ExitCode::SUCCESS)
}

fn default_shell() -> Shell {
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
