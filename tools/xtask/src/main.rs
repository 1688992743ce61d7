//! Developer tasks. `cargo run --release -p xtask -- bench [--runs N] [--out FILE]` builds the
//! `paas` binary as the release workflow publishes it (`--profile dist`), measures it against a
//! local `paas sandbox` over loopback, and writes a Markdown table (median, min, max, ratio to
//! target and to a reference measured in the same run) to `docs/benchmarks.md`.
//!
//! This is a benchmark, not a test: nothing in `cargo test` depends on timings.

mod bare_mcp;
mod bench;
mod mcp_client;
mod pipe_echo;
mod report;

use std::process::ExitCode;

/// The runtime every xtask piece uses: one thread, like `paas mcp` over stdio.
fn current_thread_runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    use anyhow::Context as _;
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("starting the runtime")
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("bench") => bench::run(&args[1..]),
        // Spawned by `bench` as the reference MCP server; not meant to be run by hand.
        Some("bare-mcp") => bare_mcp::run(),
        // Spawned by `bench` as the no-MCP-library floor of a stdio round trip.
        Some("pipe-echo") => pipe_echo::run(),
        _ => {
            eprintln!("usage: cargo run --release -p xtask -- bench [--runs N] [--out FILE]");
            return ExitCode::from(2);
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(1)
        }
    }
}
