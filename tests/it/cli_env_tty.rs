//! `paas env` on a terminal masks the token (it would otherwise land on screen and in
//! scrollback); into a pipe, or with `--reveal`, it prints it. The terminal is a real
//! pseudo-terminal from util-linux `script`.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::process::Command;

const TOKEN: &str = "bpagt_0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

fn paas_env(args: &str, on_terminal: bool) -> Option<String> {
    let home = tempfile::tempdir().unwrap();
    let paas = env!("CARGO_BIN_EXE_paas");
    let mut command = if on_terminal {
        if Command::new("script").arg("--version").output().is_err() {
            assert!(
                std::env::var_os("PAAS_REQUIRE_EXTERNAL").is_none(),
                "util-linux `script` is required for the terminal test"
            );
            eprintln!("SKIPPED: util-linux `script` is not installed; cannot make a terminal");
            return None;
        }
        let mut c = Command::new("script");
        c.args(["-qec", &format!("{paas} env {args}"), "/dev/null"]);
        c
    } else {
        let mut c = Command::new(paas);
        c.arg("env").args(args.split_whitespace());
        c
    };
    let output = command
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", home.path())
        .env("PAAS_API_URL", "http://127.0.0.1:9")
        .env("PAAS_TOKEN", TOKEN)
        .output()
        .unwrap();
    assert!(output.status.success(), "{output:?}");
    Some(String::from_utf8_lossy(&output.stdout).into_owned())
}

#[test]
fn the_token_is_masked_on_a_terminal() {
    let Some(screen) = paas_env("--shell sh", true) else {
        return;
    };
    assert!(
        !screen.contains(TOKEN),
        "token reached the terminal:\n{screen}"
    );
    assert!(screen.contains("export PAAS_TOKEN='bpagt_***'"), "{screen}");
    assert!(
        screen.contains("--reveal"),
        "the note says how to print it:\n{screen}"
    );
}

#[test]
fn the_masked_note_gives_the_load_command_of_the_shell() {
    // No $SHELL in the child: sh is the default, so only the others name their shell.
    for (shell, command) in [
        ("sh", "eval \"$(paas env)\""),
        ("fish", "paas env --shell fish | source"),
        (
            "powershell",
            "paas env --shell powershell | Invoke-Expression",
        ),
    ] {
        let Some(screen) = paas_env(&format!("--shell {shell}"), true) else {
            return;
        };
        assert!(screen.contains(command), "{shell}: {screen}");
    }
}

#[test]
fn reveal_prints_it_on_a_terminal() {
    let Some(screen) = paas_env("--shell sh --reveal", true) else {
        return;
    };
    assert!(
        screen.contains(&format!("export PAAS_TOKEN='{TOKEN}'")),
        "{screen}"
    );
}

#[test]
fn a_pipe_gets_the_real_token() {
    let out = paas_env("--shell sh", false).unwrap();
    assert!(
        out.contains(&format!("export PAAS_TOKEN='{TOKEN}'")),
        "{out}"
    );
    let json = paas_env("--json", false).unwrap();
    assert!(json.contains(TOKEN), "{json}");
}
