//! `paas disconnect`: forget the stored credential of a context (keychain and file). The
//! agent stays on the server: an agent token cannot delete itself, only the admin can.

use std::process::ExitCode;

use std::cell::RefCell;
use std::path::{Path, PathBuf};

use anyhow::Context as _;
use serde::de::{DeserializeSeed, Deserializer, IgnoredAny, MapAccess, Visitor};

use super::Global;
use crate::cli::agent_hint::delete_agent_commands;
use crate::config::{self, ConfigError, KeychainStore, Paths, TokenStore};

#[derive(Debug, clap::Args)]
#[command(after_help = "\
Examples:
  paas disconnect
  paas disconnect --context staging
  paas disconnect --remove-setup     # also remove this context's entries from your editor configs

--remove-setup edits only your user-level editor configs. Project files (./.mcp.json,
./.cursor/mcp.json...) are shared with everyone who uses the project and are left alone;
remove their entries explicitly with: paas setup --remove --project")]
pub struct Args {
    /// Also remove this context's paas MCP server entries from your user-level editor
    /// configs (project files are shared, and left alone).
    #[arg(long)]
    pub remove_setup: bool,
}

pub async fn run(args: Args, global: &Global) -> anyhow::Result<ExitCode> {
    let paths = Paths::from_env()?;
    let context = config::context_name(global.context.as_deref());
    match config::forget(&paths, &context, &KeychainStore) {
        Ok(forgotten) => report_forgotten(&paths, &context, &forgotten),
        // A config file that does not parse must not lock the user out of disconnecting
        // (the Go CLI deleted it): set it aside instead, so nothing in it is lost.
        Err(e @ ConfigError::Invalid { .. }) => {
            if !set_aside_unreadable(&paths, &context)? {
                return Err(e.into());
            }
        }
        Err(e) => return Err(e.into()),
    }
    if std::env::var_os(config::ENV_TOKEN).is_some() {
        println!(
            "\nNote: PAAS_TOKEN is set in this shell's environment and still takes precedence; \
             unset PAAS_API_URL PAAS_TOKEN"
        );
    }
    if args.remove_setup {
        // User-level configs only: project files are shared with everyone who uses the
        // project, and disconnecting one's own credential must not change them. Only this
        // context's entries: the other contexts are still connected.
        match crate::editors::remove_all(&paths, &context) {
            Ok(removed) => {
                if removed.changes.is_empty() {
                    println!(
                        "\nEditor entries: none found for context {context:?}, nothing to remove."
                    );
                } else {
                    println!(
                        "\nRemoved the paas MCP server from (context {context:?} only; other \
                         contexts keep theirs):"
                    );
                    for change in &removed.changes {
                        let backup = change.backup_note();
                        println!(
                            "  {:<14} {}{backup}",
                            change.client.label(),
                            change.path.display()
                        );
                        if let Some(note) = change.note {
                            println!("  {:<14} ({note})", "");
                        }
                    }
                }
                for warning in &removed.warnings {
                    eprintln!("warning: {warning}");
                }
                print_project_note(&paths, &context);
            }
            Err(e) => {
                // The credential is already gone; the editors were left untouched.
                eprintln!(
                    "error: editor entries were not removed (no editor file was changed):\n{e}\n\
                     Fix the file, then run again: paas disconnect --remove-setup{}",
                    config::context_flag(&context)
                );
                return Ok(ExitCode::from(1));
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Say once, when the current directory's project files hold entries of `context`, that
/// they were left alone and how to remove them.
fn print_project_note(paths: &Paths, context: &str) {
    let Some(dir) = crate::cli::project_dir(paths) else {
        return;
    };
    let files = crate::editors::project_files_with(paths, &dir, context);
    if files.is_empty() {
        return;
    }
    let list = files
        .iter()
        .map(|f| f.display().to_string())
        .collect::<Vec<_>>()
        .join(", ");
    println!(
        "\nProject files here also have entries for context {context:?} ({list}). They are \
         shared with everyone who uses the project, so they were left alone; to remove them, \
         run in this directory: paas setup --remove --project{}",
        config::context_flag(context)
    );
}

fn report_forgotten(paths: &Paths, context: &str, forgotten: &config::Forgotten) {
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
}

/// Disconnect with a config file that does not parse: remove the context's keychain token
/// (its URL is read from the part of the file that still parses), then rename the file
/// aside next to itself with a timestamp (a rename keeps its mode) rather than delete it:
/// it may hold other contexts and settings the user wants back. Returns `false`, touching
/// nothing, when the file does parse (then one record in it is wrong, which the user fixes).
fn set_aside_unreadable(paths: &Paths, context: &str) -> anyhow::Result<bool> {
    let file = &paths.config_file;
    let text = std::fs::read(file).with_context(|| format!("cannot read {}", file.display()))?;
    let text = String::from_utf8_lossy(&text);
    let why = match serde_json::from_str::<serde_json::Value>(&text) {
        Err(e) => format!("it is not valid JSON ({e})"),
        Ok(serde_json::Value::Object(_)) => return Ok(false),
        Ok(_) => "it is not a JSON object".to_owned(),
    };
    let keychain = match salvage_url(&text, context) {
        Some(url) => match KeychainStore.delete(context, &url) {
            Ok(true) => format!("Removed the token of context {context:?} from the OS keychain."),
            Ok(false) => format!("The OS keychain held no token for context {context:?}."),
            Err(e) => format!("warning: {e}"),
        },
        None => format!(
            "The URL of context {context:?} could not be read from the file, so a token that \
             `paas connect` may have put in the OS keychain was not removed: delete the \
             keychain entry of service \"{}\" whose account starts with \"{context}@\".",
            config::store::KEYCHAIN_SERVICE
        ),
    };
    let aside = aside_path(file);
    std::fs::rename(file, &aside).with_context(|| {
        format!(
            "{} cannot be parsed and could not be moved aside to {}",
            file.display(),
            aside.display()
        )
    })?;
    println!(
        "{} could not be read: {why}. Moved it aside to {} (renamed, not deleted, file mode \
         unchanged: it may hold other contexts and settings you want back).",
        file.display(),
        aside.display()
    );
    println!("{keychain}");
    println!(
        "Context {context:?} is disconnected. The set-aside file may still hold tokens: \
         delete it once nothing in it is needed. Connect again with: paas connect <url>{}",
        config::context_flag(context)
    );
    Ok(true)
}

/// `config.json.unreadable-<UTC time>` next to the file, not overwriting anything.
fn aside_path(file: &Path) -> PathBuf {
    let stamp = chrono::Utc::now().format("%Y%m%dT%H%M%SZ");
    crate::editors::unused_sibling(file, &format!(".unreadable-{stamp}"))
}

/// The `url` of `context` in a config file that no longer parses (cut short by a full
/// disk, or half edited by hand): the JSON is read as far as it goes, in the layout of
/// `config::file` (the default context at the top level, others under `contexts.<name>`).
fn salvage_url(text: &str, context: &str) -> Option<String> {
    let path: Vec<&str> = if context == config::DEFAULT_CONTEXT {
        Vec::new()
    } else {
        vec!["contexts", context]
    };
    let found = RefCell::new(None);
    let seek = Seek {
        path: &path,
        found: &found,
    };
    let _ = seek.deserialize(&mut serde_json::Deserializer::from_str(text));
    found
        .into_inner()
        .map(|url: String| url.trim().trim_end_matches('/').to_owned())
        .filter(|url| !url.is_empty())
}

/// Walks objects along `path` and records the `url` string found at its end; whatever the
/// parser reads before an error is kept.
struct Seek<'p> {
    path: &'p [&'p str],
    found: &'p RefCell<Option<String>>,
}

impl<'de> DeserializeSeed<'de> for Seek<'_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for Seek<'_> {
    type Value = ();

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while let Some(key) = map.next_key::<String>()? {
            match self.path.split_first() {
                None if key == "url" => {
                    if let Ok(url) = map.next_value::<String>() {
                        *self.found.borrow_mut() = Some(url);
                    }
                    return Ok(());
                }
                Some((first, rest)) if key == *first => {
                    return map.next_value_seed(Seek {
                        path: rest,
                        found: self.found,
                    });
                }
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(())
    }
}
