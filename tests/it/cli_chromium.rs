//! `paas connect` with a real browser: headless Chromium, driven over the Chrome DevTools
//! protocol, fills the sandbox's `/connect/agent` page (admin token, name, profile,
//! Authorize) and follows the redirect to the CLI's loopback callback.
//!
//! Needs the `chromium` binary (Debian package `chromium`); without it the test says so
//! loudly and passes (or fails, with `PAAS_REQUIRE_EXTERNAL=1` as in CI); `.ci/run` installs it.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::process::Stdio;
use std::time::Duration;

use futures::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio_tungstenite::tungstenite::Message;

use crate::cli_support::{Connecting, HANG_GUARD, Home, agent_names, sandbox, skip_or_fail};

fn chromium() -> Option<std::path::PathBuf> {
    let candidates = [
        "chromium",
        "chromium-browser",
        "google-chrome",
        "google-chrome-stable",
    ];
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .flat_map(|dir| candidates.iter().map(move |c| dir.join(c)))
        .find(|p| p.is_file())
}

/// A CDP session on one page target.
struct Cdp {
    ws: tokio_tungstenite::WebSocketStream<
        tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>,
    >,
    next_id: u64,
}

impl Cdp {
    async fn call(&mut self, method: &str, params: Value) -> Value {
        self.next_id += 1;
        let id = self.next_id;
        let message = json!({ "id": id, "method": method, "params": params }).to_string();
        self.ws
            .send(Message::text(message))
            .await
            .expect("CDP send");
        while let Some(frame) = self.ws.next().await {
            let Message::Text(text) = frame.expect("CDP frame") else {
                continue;
            };
            let value: Value = serde_json::from_str(text.as_str()).expect("CDP JSON");
            if value.get("id").and_then(Value::as_u64) == Some(id) {
                assert!(value.get("error").is_none(), "CDP {method} failed: {value}");
                return value["result"].clone();
            }
        }
        panic!("CDP connection closed during {method}");
    }

    async fn eval(&mut self, expression: &str) -> Value {
        let result = self
            .call(
                "Runtime.evaluate",
                json!({ "expression": expression, "returnByValue": true }),
            )
            .await;
        result["result"]["value"].clone()
    }

    /// Poll `expression` until it is `true` (the page loads and navigates on its own).
    async fn wait_for(&mut self, expression: &str) {
        tokio::time::timeout(HANG_GUARD, async {
            loop {
                if self.eval(expression).await == Value::Bool(true) {
                    return;
                }
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        })
        .await
        .unwrap_or_else(|_| panic!("page never satisfied {expression}"));
    }
}

#[tokio::test]
async fn connect_through_headless_chromium() {
    let Some(browser) = chromium() else {
        skip_or_fail(
            "connect_through_headless_chromium",
            "no chromium on PATH; install it (Debian: apt-get install -y chromium)",
        );
        return;
    };
    let sandbox = sandbox().await;
    let home = Home::new();
    let mut connecting = Connecting::start(&home, &["connect", &sandbox.url(), "--no-browser"]);
    let (link, _, _) = connecting.link().await;

    let profile_dir = tempfile::tempdir().unwrap();
    let mut chrome = tokio::process::Command::new(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-dev-shm-usage",
            "--remote-debugging-port=0",
        ])
        .arg(format!("--user-data-dir={}", profile_dir.path().display()))
        .arg("about:blank")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("chromium starts");
    // Chromium announces its DevTools endpoint on stderr.
    let mut stderr = BufReader::new(chrome.stderr.take().unwrap()).lines();
    let browser_ws = tokio::time::timeout(HANG_GUARD, async {
        while let Some(line) = stderr.next_line().await.expect("chromium stderr") {
            if let Some(pos) = line.find("ws://") {
                return line[pos..].trim().to_owned();
            }
        }
        panic!("chromium exited without a DevTools endpoint");
    })
    .await
    .expect("DevTools endpoint before the hang guard");
    // Keep draining stderr so chromium never blocks on a full pipe.
    tokio::spawn(async move { while let Ok(Some(_)) = stderr.next_line().await {} });
    let http_base = browser_ws
        .trim_start_matches("ws://")
        .split('/')
        .next()
        .unwrap()
        .to_owned();
    let targets: Value = reqwest::get(format!("http://{http_base}/json/list"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let page_ws = targets
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["type"] == "page")
        .and_then(|t| t["webSocketDebuggerUrl"].as_str())
        .expect("a page target")
        .to_owned();
    let (ws, _) = tokio_tungstenite::connect_async(page_ws)
        .await
        .expect("CDP connects");
    let mut cdp = Cdp { ws, next_id: 0 };

    cdp.call("Page.navigate", json!({ "url": link })).await;
    cdp.wait_for(
        "!!document.getElementById('authorize') && !document.getElementById('form').hidden",
    )
    .await;
    let token = serde_json::to_string(sandbox.admin_token()).unwrap();
    cdp.eval(&format!(
        "document.getElementById('admin-token').value = {token};\
         document.getElementById('agent-name').value = 'chromium agent';\
         document.getElementById('profile-operator').click();\
         document.getElementById('authorize').click(); true"
    ))
    .await;
    // The page approves, then navigates to the CLI's callback, which answers "Connected".
    cdp.wait_for("document.getElementById('result') !== null && document.getElementById('result').textContent === 'Connected'")
        .await;

    let run = connecting.finish().await;
    assert_eq!(run.code, 0, "{run:?}");
    assert!(
        run.stdout.contains("Connected successfully."),
        "{}",
        run.stdout
    );
    // The operator profile asked for logs:read; it is shown although no probe can see it.
    assert!(
        run.stdout
            .contains("Scopes:   apps:read, apps:write, addons:manage"),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("logs:read"), "{}", run.stdout);
    let config: Value = serde_json::from_str(&home.config_text().unwrap()).unwrap();
    assert_eq!(config["profile"], "operator");
    assert_eq!(config["name"], "chromium agent");
    assert!(
        agent_names(&sandbox)
            .await
            .contains(&"chromium agent".to_owned())
    );
    let _ = chrome.kill().await;
    sandbox.shutdown().await;
}
