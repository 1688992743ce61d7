//! Benchmark (not a test): sandbox start → first answered request, and resident memory with
//! demo data. Prints one JSON object on stdout.
//!
//! `cargo run -p paas-sandbox --example bench_start --release -- [iterations]`
//! Targets from issue 3: start-to-first-answer under 50 ms, RSS under 30 MB.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // a benchmark binary

use std::time::{Duration, Instant};

use paas_sandbox::{Sandbox, SandboxOptions};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// Minimal HTTP GET over a fresh TCP connection: no client-side setup cost in the timing.
async fn first_answer(addr: std::net::SocketAddr) -> u16 {
    let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
    s.write_all(b"GET /api/health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .await
        .unwrap();
    let mut buf = Vec::new();
    s.read_to_end(&mut buf).await.unwrap();
    let head = String::from_utf8_lossy(&buf);
    head.split_whitespace().nth(1).unwrap().parse().unwrap()
}

fn rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

fn ms(d: Duration) -> f64 {
    (d.as_secs_f64() * 1e6).round() / 1e3
}

#[tokio::main]
async fn main() {
    let iterations: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(20);
    let rss_before = rss_kib();
    let mut samples = Vec::with_capacity(iterations);
    for _ in 0..iterations {
        let t0 = Instant::now();
        let sb = Sandbox::start(SandboxOptions {
            seed: true,
            ..SandboxOptions::default()
        })
        .await
        .unwrap();
        let status = first_answer(sb.addr()).await;
        let took = t0.elapsed();
        assert_eq!(status, 200);
        samples.push(took);
        sb.shutdown().await;
    }
    // RSS with one seeded sandbox alive and serving.
    let sb = Sandbox::start(SandboxOptions {
        seed: true,
        ..SandboxOptions::default()
    })
    .await
    .unwrap();
    first_answer(sb.addr()).await;
    let rss = rss_kib();
    sb.shutdown().await;
    samples.sort();
    let pick = |q: f64| samples[((samples.len() - 1) as f64 * q).round() as usize];
    let out = serde_json::json!({
        "benchmark": "paas-sandbox start_to_first_answer",
        "profile": if cfg!(debug_assertions) { "debug" } else { "release" },
        "iterations": iterations,
        "start_to_first_answer_ms": {
            "min": ms(samples[0]),
            "median": ms(pick(0.5)),
            "p90": ms(pick(0.9)),
            "max": ms(samples[samples.len() - 1]),
        },
        "rss_kib_with_demo_data": rss,
        "rss_kib_before_start": rss_before,
        "targets": { "start_ms": 50, "rss_mib": 30 },
    });
    println!("{out}");
}
