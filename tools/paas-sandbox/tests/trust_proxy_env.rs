//! `TRUST_PROXY` from the environment (spec §1.7), as `paas sandbox` reads it: then the
//! first `X-Forwarded-For` hop is the client, for the audit log and for the lockout.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test helpers

mod common;

use common::*;
use paas_sandbox::SandboxOptions;
use serde_json::json;

/// Set in the child process: `1` when the child's `TRUST_PROXY` should be honoured.
const CHILD: &str = "PAAS_SANDBOX_TEST_EXPECT_TRUSTED";

/// A test cannot change its own environment (that needs `unsafe`, and threads race), so this
/// one re-runs itself in a child process per `TRUST_PROXY` value.
#[tokio::test]
async fn trust_proxy_env_decides_whose_ip_counts() {
    let Ok(expect) = std::env::var(CHILD) else {
        for (value, trusted) in [("true", true), ("1", true), ("yes", true), ("false", false)] {
            let out = std::process::Command::new(std::env::current_exe().unwrap())
                .args(["--exact", "trust_proxy_env_decides_whose_ip_counts"])
                .env(CHILD, if trusted { "1" } else { "0" })
                .env("TRUST_PROXY", value)
                .output()
                .unwrap();
            let stdout = String::from_utf8_lossy(&out.stdout);
            assert!(
                out.status.success() && stdout.contains("1 passed"),
                "TRUST_PROXY={value}: {stdout}"
            );
        }
        return;
    };
    let trusted = expect == "1";
    let sb = start_with(SandboxOptions {
        trust_proxy: SandboxOptions::trust_proxy_from_env(),
        ..Default::default()
    })
    .await;
    let admin = sb.admin_token().to_string();
    let r = client()
        .post(format!("{}/api/nope", sb.url()))
        .bearer_auth(&admin)
        .header("X-Forwarded-For", "9.9.9.9")
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 404);
    let (_, v) = get(&sb, "/api/audit-logs?limit=1", &admin).await;
    let want = if trusted { "9.9.9.9" } else { "127.0.0.1" };
    assert_eq!(v[0]["ipAddress"], want, "{v}");
    let mut codes = Vec::new();
    for i in 1..=6 {
        let r = client()
            .get(format!("{}/api/apps", sb.url()))
            .bearer_auth("bad")
            .header("X-Forwarded-For", format!("9.9.9.{i}"))
            .send()
            .await
            .unwrap();
        codes.push(r.status().as_u16());
    }
    let sixth = if trusted { 401 } else { 429 };
    assert_eq!(
        codes,
        [401, 401, 401, 401, 401, sixth],
        "lockout keyed by client IP"
    );
    sb.shutdown().await;
}

#[test]
fn trust_proxy_values() {
    for v in ["true", "1", "yes", "TRUE", " Yes "] {
        assert!(paas_sandbox::is_trusted_proxy_value(v), "{v:?}");
    }
    for v in ["", "0", "false", "no", "on", "y"] {
        assert!(!paas_sandbox::is_trusted_proxy_value(v), "{v:?}");
    }
}
