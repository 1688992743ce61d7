//! `--help` of the top level and of every command this area owns, pinned as snapshots: a
//! help change must be reviewed (`cargo insta review`), never slip in.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use crate::cli_support::Home;

async fn help(args: &[&str]) -> String {
    let home = Home::new();
    let mut cmd = home.cmd(args);
    // Fixed width: clap wraps to the terminal, and there is none here.
    cmd.env("COLUMNS", "100");
    let run = crate::cli_support::run_cmd(cmd, "").await;
    assert_eq!(run.code, 0, "{run:?}");
    assert!(run.stderr.is_empty(), "{}", run.stderr);
    run.stdout
}

#[tokio::test]
async fn help_snapshots() {
    let cases: [(&str, &[&str]); 10] = [
        ("paas", &["--help"]),
        ("connect", &["connect", "--help"]),
        ("status", &["status", "--help"]),
        ("env", &["env", "--help"]),
        ("disconnect", &["disconnect", "--help"]),
        ("doctor", &["doctor", "--help"]),
        ("tools", &["tools", "--help"]),
        ("completions", &["completions", "--help"]),
        ("mcp", &["mcp", "--help"]),
        ("sandbox", &["sandbox", "--help"]),
    ];
    for (name, args) in cases {
        let text = help(args).await;
        if name != "paas" {
            assert!(
                text.contains("Examples:"),
                "{name} --help has no examples:\n{text}"
            );
        }
        insta::assert_snapshot!(format!("help_{name}"), text);
    }
}

#[tokio::test]
async fn usage_errors_exit_2() {
    let home = Home::new();
    for args in [
        &["connect", "--no-such-flag"][..],
        &["env", "--shell", "tcsh"],
        &["frobnicate"],
    ] {
        let run = home.run(args, "").await;
        assert_eq!(run.code, 2, "{args:?}: {run:?}");
        assert!(run.stderr.contains("error:"), "{}", run.stderr);
    }
}

#[tokio::test]
async fn a_closed_stdout_ends_quietly() {
    // Like `paas completions bash | head -0`: the reader is gone before anything is written,
    // so every write fails with EPIPE.
    let home = Home::new();
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    let mut cmd = home.cmd(&["completions", "bash"]);
    cmd.stdout(writer).stderr(std::process::Stdio::piped());
    let output = tokio::time::timeout(
        crate::cli_support::HANG_GUARD,
        cmd.spawn().unwrap().wait_with_output(),
    )
    .await
    .unwrap()
    .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_eq!(output.status.code(), Some(0), "{stderr}");
}

/// The Go CLI's `paas version` and `paas -v` (paas-cli.md §1) print what `paas --version`
/// prints, exit 0; scripts and docs written for it keep working. `version` stays out of the
/// help (the snapshots above pin that).
#[tokio::test]
async fn the_go_clis_version_invocations_still_work() {
    let home = Home::new();
    let want = home.run(&["--version"], "").await;
    assert_eq!(want.code, 0, "{want:?}");
    assert_eq!(want.stdout, format!("paas {}\n", env!("CARGO_PKG_VERSION")));
    for args in [&["version"][..], &["-v"], &["-V"]] {
        let run = home.run(args, "").await;
        assert_eq!(run.code, 0, "{args:?}: {run:?}");
        assert_eq!(run.stdout, want.stdout, "{args:?}");
        assert!(run.stderr.is_empty(), "{args:?}: {}", run.stderr);
    }
    let help = home.run(&["--help"], "").await;
    assert!(
        !help.stdout.lines().any(|l| l.starts_with("  version ")),
        "{}",
        help.stdout
    );
}
