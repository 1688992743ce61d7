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
    let cases: [(&str, &[&str]); 8] = [
        ("paas", &["--help"]),
        ("connect", &["connect", "--help"]),
        ("status", &["status", "--help"]),
        ("env", &["env", "--help"]),
        ("disconnect", &["disconnect", "--help"]),
        ("doctor", &["doctor", "--help"]),
        ("tools", &["tools", "--help"]),
        ("completions", &["completions", "--help"]),
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
