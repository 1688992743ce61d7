//! Benchmark of `paas mcp` against an in-process sandbox (not a test). Prints JSON:
//! cold start to an answered `tools/list` (scope probes included), the latency a tool call
//! adds over the same REST call made directly, peak RSS of the server, and the size of
//! `tools/list` per profile.
//!
//! ```sh
//! cargo build --release --bin paas
//! cargo run --release --example bench_mcp            # uses target/release/paas
//! PAAS_BIN=target/debug/paas cargo run --example bench_mcp
//! ```

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::PathBuf;
use std::process::Stdio;
use std::time::{Duration, Instant};

use paas_sandbox::{Sandbox, SandboxOptions};
use rmcp::ServiceExt;
use rmcp::model::{CallToolRequestParams, ClientCapabilities, ClientConfig, Implementation};
use rmcp::service::{RoleClient, RunningService};
use rmcp::transport::TokioChildProcess;
use serde_json::{Value, json};

const COLD_STARTS: usize = 10;
const CALLS: usize = 30;

fn paas_bin() -> PathBuf {
    if let Some(bin) = std::env::var_os("PAAS_BIN") {
        return bin.into();
    }
    // target/<profile>/examples/bench_mcp -> target/<profile>/paas
    let exe = std::env::current_exe().unwrap();
    exe.parent().unwrap().parent().unwrap().join("paas")
}

fn command(url: &str, token: &str, home: &std::path::Path) -> tokio::process::Command {
    let mut cmd = tokio::process::Command::new(paas_bin());
    cmd.arg("mcp")
        .env_clear()
        .env("HOME", home)
        .env("PAAS_API_URL", url)
        .env("PAAS_TOKEN", token)
        .kill_on_drop(true);
    cmd
}

async fn connect(
    cmd: tokio::process::Command,
) -> (RunningService<RoleClient, ClientConfig>, Option<u32>) {
    let (transport, _) = TokioChildProcess::builder(cmd)
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let pid = transport.id();
    let info = ClientConfig::new(
        ClientCapabilities::default(),
        Implementation::new("bench", "1"),
    );
    (info.serve(transport).await.unwrap(), pid)
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.partial_cmp(b).unwrap());
    v[v.len() / 2]
}

fn peak_rss_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|n| n.parse().ok())
}

#[tokio::main]
async fn main() {
    let sandbox = Sandbox::start(SandboxOptions {
        seed: true,
        ..Default::default()
    })
    .await
    .unwrap();
    let url = sandbox.url();
    let home = tempfile::tempdir().unwrap();
    let mut sizes = serde_json::Map::new();
    let mut token_for_calls = String::new();
    for profile in ["observer", "deployer", "operator"] {
        let scopes: Vec<&str> = profile
            .parse::<paas_mcp::catalog::Profile>()
            .unwrap()
            .scopes()
            .iter()
            .map(|s| s.as_str())
            .collect();
        let agent = sandbox
            .create_agent(&format!("bench-{profile}"), &scopes)
            .await
            .unwrap();
        let (client, _) = connect(command(&url, &agent.token, home.path())).await;
        let tools = client.list_all_tools().await.unwrap();
        let bytes = serde_json::to_vec(&json!({ "tools": tools }))
            .unwrap()
            .len();
        sizes.insert(
            profile.to_owned(),
            json!({ "tools": tools.len(), "bytes": bytes }),
        );
        client.cancel().await.ok();
        token_for_calls = agent.token;
    }

    // Cold start: spawn -> initialize -> tools/list answered (probes included).
    let mut cold = Vec::new();
    for _ in 0..COLD_STARTS {
        let started = Instant::now();
        let (client, _) = connect(command(&url, &token_for_calls, home.path())).await;
        client.list_all_tools().await.unwrap();
        cold.push(started.elapsed().as_secs_f64() * 1000.0);
        client.cancel().await.ok();
        tokio::time::sleep(Duration::from_millis(800)).await; // stay under 20 req/s
    }

    // Per-call overhead: list_apps through MCP vs GET /api/apps directly.
    let (client, pid) = connect(command(&url, &token_for_calls, home.path())).await;
    let http = reqwest::Client::new();
    let mut direct = Vec::new();
    let mut via_mcp = Vec::new();
    for _ in 0..CALLS {
        let t = Instant::now();
        let _: Value = http
            .get(format!("{url}/api/apps"))
            .bearer_auth(&token_for_calls)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        direct.push(t.elapsed().as_secs_f64() * 1000.0);
        tokio::time::sleep(Duration::from_millis(60)).await;
        let t = Instant::now();
        let result = client
            .call_tool(CallToolRequestParams::new("list_apps"))
            .await
            .unwrap();
        assert_ne!(result.is_error, Some(true));
        via_mcp.push(t.elapsed().as_secs_f64() * 1000.0);
        tokio::time::sleep(Duration::from_millis(60)).await;
    }
    let rss = pid.and_then(peak_rss_kib);
    client.cancel().await.ok();
    let (direct_ms, mcp_ms) = (median(direct), median(via_mcp));
    let report = json!({
        "cold_start_to_tools_list_ms": { "median": median(cold.clone()), "samples": cold },
        "list_apps_direct_rest_ms_median": direct_ms,
        "list_apps_via_mcp_ms_median": mcp_ms,
        "per_call_overhead_ms_median": mcp_ms - direct_ms,
        "peak_rss_kib": rss,
        "tools_list_per_profile": sizes,
    });
    println!("{}", serde_json::to_string_pretty(&report).unwrap());
    sandbox.shutdown().await;
}
