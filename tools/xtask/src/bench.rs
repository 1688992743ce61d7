//! The benchmark suites of issues 3 and 4, run against the release binary over loopback.
//!
//! Every request goes to 127.0.0.1. The sandbox enforces upstream's 20 requests/s per IP, so
//! the suites pace themselves instead of measuring the limiter.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use serde_json::{Value, json};

use crate::mcp_client::StdioMcp;
use crate::report::{self, Metric};

const ADMIN_TOKEN: &str = "b0a1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c0d1e2f3a4b5c6d7e8f9a0b1";

struct Options {
    runs: usize,
    out: PathBuf,
}

fn parse(args: &[String]) -> Result<Options> {
    let root = workspace_root();
    let mut options = Options {
        runs: 15,
        out: root.join("docs/benchmarks.md"),
    };
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "--runs" => options.runs = it.next().context("--runs needs a number")?.parse()?,
            "--out" => options.out = PathBuf::from(it.next().context("--out needs a path")?),
            other => bail!("unknown argument {other:?}; use --runs N or --out FILE"),
        }
    }
    Ok(options)
}

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .unwrap_or_else(|_| PathBuf::from("."))
}

/// The cargo profile measured: `dist`, the one `.github/workflows/release.yml` publishes, so
/// the numbers are those of the binary users download (thin LTO and one codegen unit start
/// and answer about 7% faster than the plain `release` build).
const PROFILE: &str = "dist";

fn paas_binary() -> Result<PathBuf> {
    let root = workspace_root();
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let status = Command::new(cargo)
        .args(["build", "--profile", PROFILE, "--locked", "--bin", "paas"])
        .current_dir(&root)
        .status()
        .context("running cargo build")?;
    if !status.success() {
        bail!("cargo build --profile {PROFILE} failed");
    }
    let target = std::env::var("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|_| root.join("target"));
    Ok(target
        .join(PROFILE)
        .join(if cfg!(windows) { "paas.exe" } else { "paas" }))
}

fn free_port() -> Result<u16> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// Pause (so every round trip starts from idle, as an assistant's calls do, and the sandbox's
/// 20 requests/s limit is never reached), then time one step into `samples`, in ms: from its
/// start to the instant it reports the answer arrived (before the bench parses it).
fn paced<T>(samples: &mut Vec<f64>, step: impl FnOnce() -> Result<(T, Instant)>) -> Result<T> {
    std::thread::sleep(Duration::from_millis(110));
    let started = Instant::now();
    let (out, answered) = step()?;
    samples.push(ms(answered - started));
    Ok(out)
}

/// One of xtask's own reference servers (`bare-mcp`, `pipe-echo`), spawned and initialized.
fn reference_server(subcommand: &str) -> Result<StdioMcp> {
    let mut command = Command::new(std::env::current_exe().context("locating xtask")?);
    command.arg(subcommand);
    let mut server = StdioMcp::spawn(command)?;
    server.initialize()?;
    Ok(server)
}

/// Peak resident set size of a live process, in MB (Linux only).
fn peak_rss_mb(pid: u32) -> Option<f64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024.0)
}

struct SandboxProcess {
    child: Child,
    url: String,
}

impl Drop for SandboxProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Start `paas sandbox --seed` and wait for its first answered request.
fn start_sandbox(paas: &Path, http: &http::Http) -> Result<(SandboxProcess, Duration)> {
    let port = free_port()?;
    let url = format!("http://127.0.0.1:{port}");
    let started = Instant::now();
    let child = Command::new(paas)
        .args(["sandbox", "--seed", "--port", &port.to_string()])
        .env("ADMIN_TOKEN", ADMIN_TOKEN)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .context("spawning paas sandbox")?;
    let process = SandboxProcess {
        child,
        url: url.clone(),
    };
    let deadline = started + Duration::from_secs(10);
    loop {
        if http.health(&url) {
            return Ok((process, started.elapsed()));
        }
        if Instant::now() > deadline {
            bail!("paas sandbox did not answer /api/health within 10 s");
        }
        std::thread::sleep(Duration::from_micros(200));
    }
}

pub fn run(args: &[String]) -> Result<()> {
    let options = parse(args)?;
    let paas = paas_binary()?;
    let http = http::Http::new()?;
    let mut metrics = Vec::new();

    // Reference for start-up times: the cost of starting the process at all.
    let mut spawn_floor = Vec::new();
    for _ in 0..options.runs {
        let t = Instant::now();
        let status = Command::new(&paas)
            .arg("--version")
            .stdout(Stdio::null())
            .status()?;
        if !status.success() {
            bail!("paas --version failed");
        }
        spawn_floor.push(ms(t.elapsed()));
    }

    // Sandbox: start to first answered request; RSS with demo data.
    let mut starts = Vec::new();
    for _ in 0..options.runs {
        let (_sandbox, took) = start_sandbox(&paas, &http)?;
        starts.push(ms(took));
    }
    metrics.push(Metric {
        name: "sandbox: start to first answered request (--seed)".into(),
        unit: "ms",
        samples: starts,
        target: Some(50.0),
        reference: Some((
            "process spawn (`paas --version`)".into(),
            spawn_floor.clone(),
        )),
    });

    let (sandbox, _) = start_sandbox(&paas, &http)?;
    let agents = [
        (
            "observer",
            json!(["apps:read", "logs:read", "metrics:read"]),
        ),
        (
            "deployer",
            json!([
                "apps:read",
                "logs:read",
                "metrics:read",
                "apps:write",
                "deploy:trigger"
            ]),
        ),
        (
            "operator",
            json!([
                "apps:read",
                "logs:read",
                "metrics:read",
                "apps:write",
                "deploy:trigger",
                "addons:manage",
                "servers:manage",
                "cron:manage",
                "backups:manage",
                "notifications:manage"
            ]),
        ),
    ];
    let mut tokens = Vec::new();
    for (name, scopes) in &agents {
        let created = http.post(
            &sandbox.url,
            ADMIN_TOKEN,
            "/api/agents/create",
            json!({"name": format!("bench {name}"), "scopes": scopes}),
        )?;
        let token = created["token"]
            .as_str()
            .context("agent create returned no token")?
            .to_owned();
        tokens.push((*name, token));
    }
    let deployer_token = tokens[1].1.clone();
    let apps = http.get(&sandbox.url, ADMIN_TOKEN, "/api/apps")?;
    let app_id = apps
        .as_array()
        .and_then(|a| a.first())
        .and_then(|a| a["id"].as_str())
        .context("the seeded sandbox has no apps")?
        .to_owned();

    let home = tempfile::tempdir()?;
    let mcp_command = |token: &str, extra: &[&str]| {
        let mut c = Command::new(&paas);
        c.arg("mcp")
            .args(extra)
            .env("PAAS_API_URL", &sandbox.url)
            .env("PAAS_TOKEN", token)
            .env("HOME", home.path());
        c
    };

    // MCP cold start: spawn → initialize → tools/list answered (includes the scope probes).
    let mut cold = Vec::new();
    for _ in 0..options.runs {
        std::thread::sleep(Duration::from_millis(1100)); // stay under the sandbox's 20 req/s
        let t = Instant::now();
        let mut client = StdioMcp::spawn(mcp_command(&deployer_token, &[]))?;
        client.initialize()?;
        let (_, answered) = client.request_timed("tools/list", json!({}))?;
        cold.push(ms(answered - t));
    }
    metrics.push(Metric {
        name: "mcp: cold start to answered tools/list (incl. scope probes)".into(),
        unit: "ms",
        samples: cold,
        target: Some(10.0),
        reference: Some(("process spawn (`paas --version`)".into(), spawn_floor)),
    });

    // Per-call latency through MCP vs the same REST call made directly; and a bare `ping`
    // round trip, ours next to an rmcp server that does nothing else and that one next to a
    // plain JSON echo on the same pipes, to show how much of it is the MCP library's own loop.
    std::thread::sleep(Duration::from_millis(1100));
    let mut client = StdioMcp::spawn(mcp_command(&deployer_token, &[]))?;
    client.initialize()?;
    let mut bare = reference_server("bare-mcp")?;
    let mut echo = reference_server("pipe-echo")?;
    let calls = options.runs.max(10) * 4;
    let mut via_mcp = Vec::new();
    let mut direct = Vec::new();
    let mut pings = Vec::new();
    let mut bare_pings = Vec::new();
    let mut echo_pings = Vec::new();
    let path = format!("/api/apps/get?id={app_id}");
    for _ in 0..calls {
        paced(&mut pings, || client.request_timed("ping", json!({})))?;
        paced(&mut bare_pings, || bare.request_timed("ping", json!({})))?;
        paced(&mut echo_pings, || echo.request_timed("ping", json!({})))?;
        paced(&mut direct, || {
            http.get_timed(&sandbox.url, &deployer_token, &path)
        })?;
        let result = paced(&mut via_mcp, || {
            client.request_timed(
                "tools/call",
                json!({"name": "get_app", "arguments": {"app": app_id}}),
            )
        })?;
        if result.get("isError") == Some(&Value::Bool(true)) {
            bail!("get_app failed through MCP: {result}");
        }
    }
    let direct_median = report::stats(&direct).map(|s| s.median).unwrap_or(0.0);
    metrics.push(Metric {
        name: "mcp: tools/call get_app, added latency over direct REST".into(),
        unit: "ms",
        samples: via_mcp.iter().map(|v| v - direct_median).collect(),
        target: Some(0.2),
        reference: None,
    });
    metrics.push(Metric {
        name: "mcp: tools/call get_app, total".into(),
        unit: "ms",
        samples: via_mcp,
        target: None,
        reference: Some(("GET /api/apps/get direct (reqwest)".into(), direct)),
    });
    metrics.push(Metric {
        name: "mcp: ping round trip (no tool, no REST call)".into(),
        unit: "ms",
        samples: pings,
        target: None,
        reference: Some((
            "bare rmcp server ping (`xtask bare-mcp`)".into(),
            bare_pings.clone(),
        )),
    });
    metrics.push(Metric {
        name: "bare rmcp server: ping round trip (`xtask bare-mcp`)".into(),
        unit: "ms",
        samples: bare_pings,
        target: None,
        reference: Some((
            "same pipes, no MCP library (`xtask pipe-echo`)".into(),
            echo_pings,
        )),
    });
    drop(bare);
    drop(echo);
    if let Some(rss) = peak_rss_mb(client.pid()) {
        metrics.push(Metric {
            name: "mcp: peak RSS after calls".into(),
            unit: "MB",
            samples: vec![rss],
            target: Some(15.0),
            reference: None,
        });
    }
    drop(client);
    if let Some(rss) = peak_rss_mb(sandbox.child.id()) {
        metrics.push(Metric {
            name: "sandbox: peak RSS with demo data".into(),
            unit: "MB",
            samples: vec![rss],
            target: Some(30.0),
            reference: None,
        });
    }

    // tools/list size per profile.
    let mut sizes = Vec::new();
    for (name, token) in &tokens {
        std::thread::sleep(Duration::from_millis(1100));
        let mut client = StdioMcp::spawn(mcp_command(token, &[]))?;
        client.initialize()?;
        let (list, bytes) = client.request_sized("tools/list", json!({}))?;
        let count = list["tools"].as_array().map_or(0, Vec::len);
        sizes.push(Metric {
            name: format!("mcp: tools/list size, {name} ({count} tools)"),
            unit: "bytes",
            samples: vec![bytes as f64],
            target: None,
            reference: None,
        });
    }
    std::thread::sleep(Duration::from_millis(1100));
    let mut admin = StdioMcp::spawn(mcp_command(ADMIN_TOKEN, &["--allow-admin-token"]))?;
    admin.initialize()?;
    let (list, bytes) = admin.request_sized("tools/list", json!({}))?;
    let count = list["tools"].as_array().map_or(0, Vec::len);
    sizes.push(Metric {
        name: format!("mcp: tools/list size, admin token ({count} tools)"),
        unit: "bytes",
        samples: vec![bytes as f64],
        target: None,
        reference: None,
    });
    metrics.extend(sizes);

    let header = format!(
        "Written by `cargo run --release -p xtask -- bench` ({} runs per start-up metric, `paas` \
         built with `--profile {PROFILE}` as published, loopback only, on a {}-core machine). \
         Targets are from the issues; ratios below 1 meet them. The sandbox enforces 20 \
         requests/s, so suites pause between runs; pauses are not measured. The clock stops \
         when an answer has arrived, before the bench parses it.",
        options.runs,
        std::thread::available_parallelism().map_or(0, |n| n.get())
    );
    let markdown = report::markdown(&metrics, &header);
    if let Some(dir) = options.out.parent() {
        std::fs::create_dir_all(dir)?;
    }
    std::fs::write(&options.out, &markdown)?;
    println!("{markdown}");
    eprintln!("wrote {}", options.out.display());
    Ok(())
}

/// Blocking HTTP helpers on top of reqwest's async client (one small runtime).
mod http {

    use std::time::Instant;

    use anyhow::{Context, Result, bail};
    use serde_json::Value;

    pub struct Http {
        runtime: tokio::runtime::Runtime,
        client: ::reqwest::Client,
    }

    impl Http {
        pub fn new() -> Result<Self> {
            let runtime = crate::current_thread_runtime()?;
            let client = ::reqwest::Client::builder().no_proxy().build()?;
            Ok(Http { runtime, client })
        }

        pub fn health(&self, base: &str) -> bool {
            self.runtime.block_on(async {
                    matches!(self.client.get(format!("{base}/api/health")).send().await, Ok(r) if r.status().is_success())
                })
        }

        pub fn get(&self, base: &str, token: &str, path: &str) -> Result<Value> {
            self.get_timed(base, token, path).map(|(value, _)| value)
        }

        /// [`get`](Self::get), plus the instant the whole body had arrived (before parsing),
        /// to compare with
        /// [`StdioMcp::request_timed`](crate::mcp_client::StdioMcp::request_timed).
        pub fn get_timed(&self, base: &str, token: &str, path: &str) -> Result<(Value, Instant)> {
            self.runtime.block_on(async {
                let response = self
                    .client
                    .get(format!("{base}{path}"))
                    .bearer_auth(token)
                    .send()
                    .await?;
                let status = response.status();
                let text = response.text().await?;
                let answered = Instant::now();
                Ok((parse(status, &text)?, answered))
            })
        }

        pub fn post(&self, base: &str, token: &str, path: &str, body: Value) -> Result<Value> {
            self.runtime.block_on(async {
                let response = self
                    .client
                    .post(format!("{base}{path}"))
                    .bearer_auth(token)
                    .json(&body)
                    .send()
                    .await?;
                decode(response).await
            })
        }
    }

    async fn decode(response: ::reqwest::Response) -> Result<Value> {
        let status = response.status();
        let text = response.text().await?;
        parse(status, &text)
    }

    fn parse(status: ::reqwest::StatusCode, text: &str) -> Result<Value> {
        if !status.is_success() {
            bail!("HTTP {status}: {text}");
        }
        serde_json::from_str(text).context("response is not JSON")
    }
}
