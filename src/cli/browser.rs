//! The browser half of `paas connect`: a loopback callback server that receives the one-time
//! code, a reader for a code pasted into the terminal (SSH sessions, where the browser runs
//! on another machine and cannot reach our loopback port), and opening the browser.
//!
//! Both paths deliver a [`CodeDelivery`] on one channel. The callback page is rendered only
//! after the exchange finished, so "Connected" in the browser means connected.

use std::collections::HashMap;
use std::net::SocketAddr;

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use tokio::sync::{mpsc, oneshot};

/// A code that arrived, and where to report the outcome (the callback page waits for it).
#[derive(Debug)]
pub struct CodeDelivery {
    pub code: String,
    pub reply: Option<oneshot::Sender<Result<(), String>>>,
}

/// 24 random bytes as hex (48 chars): the server accepts 16–128 of `[A-Za-z0-9_-]`.
pub fn new_state() -> String {
    let bytes: [u8; 24] = rand::random();
    hex::encode(bytes)
}

#[derive(Clone)]
struct CallbackState {
    state: String,
    tx: mpsc::Sender<CodeDelivery>,
}

/// A running loopback listener on `127.0.0.1:<random port>`, path `/callback`.
pub struct CallbackServer {
    pub port: u16,
    shutdown: Option<oneshot::Sender<()>>,
    task: tokio::task::JoinHandle<()>,
}

impl CallbackServer {
    pub async fn start(
        state: String,
        tx: mpsc::Sender<CodeDelivery>,
    ) -> Result<CallbackServer, std::io::Error> {
        let listener = tokio::net::TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], 0))).await?;
        let port = listener.local_addr()?.port();
        let app = axum::Router::new()
            .route("/callback", axum::routing::get(callback))
            .with_state(CallbackState { state, tx });
        let (shutdown, stop) = oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app)
                .with_graceful_shutdown(async {
                    let _ = stop.await;
                })
                .await;
        });
        Ok(CallbackServer {
            port,
            shutdown: Some(shutdown),
            task,
        })
    }

    /// Stop accepting; give an in-flight page up to 2 s to finish.
    pub async fn stop(mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        let _ = tokio::time::timeout(std::time::Duration::from_secs(2), &mut self.task).await;
    }
}

async fn callback(
    State(st): State<CallbackState>,
    Query(params): Query<HashMap<String, String>>,
) -> Response {
    let code = params.get("code").map(String::as_str).unwrap_or_default();
    let state = params.get("state").map(String::as_str).unwrap_or_default();
    if code.is_empty() || state.is_empty() {
        return (StatusCode::BAD_REQUEST, "missing code or state").into_response();
    }
    if state != st.state {
        return (StatusCode::BAD_REQUEST, "state mismatch").into_response();
    }
    let (reply, outcome) = oneshot::channel();
    if st
        .tx
        .send(CodeDelivery {
            code: code.to_owned(),
            reply: Some(reply),
        })
        .await
        .is_err()
    {
        return page(
            StatusCode::GONE,
            "Too late",
            "The terminal is no longer waiting. Run paas connect again.",
        );
    }
    match tokio::time::timeout(std::time::Duration::from_secs(60), outcome).await {
        Ok(Ok(Ok(()))) => page(
            StatusCode::OK,
            "Connected",
            "You can close this tab and return to your terminal.",
        ),
        Ok(Ok(Err(message))) => page(StatusCode::BAD_GATEWAY, "Not connected", &message),
        _ => page(
            StatusCode::GATEWAY_TIMEOUT,
            "Still working",
            "Check your terminal for the result.",
        ),
    }
}

fn page(status: StatusCode, title: &str, body: &str) -> Response {
    let html = format!(
        "<!doctype html><html><head><meta charset=\"utf-8\"><title>paas: {title}</title>\
         <style>body{{font-family:system-ui,sans-serif;background:#111;color:#eee;\
         display:flex;align-items:center;justify-content:center;height:100vh;margin:0}}\
         main{{max-width:32rem;text-align:center}}</style></head>\
         <body><main><h1 id=\"result\">{}</h1><p>{}</p></main></body></html>",
        escape_html(title),
        escape_html(body)
    );
    (status, Html(html)).into_response()
}

fn escape_html(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// What a pasted line means: the whole callback URL (checked against our state) or the
/// bare code from its `code=` parameter.
///
/// Only something shaped like a connect code is ever sent: the server deletes the pending
/// session on the first exchange attempt, right or wrong, so a stray "y" or half a code
/// would burn the session and leave an agent nobody holds the token of.
pub fn parse_pasted(line: &str, expected_state: &str) -> Result<Option<String>, String> {
    let text = line.trim();
    if text.is_empty() {
        return Ok(None);
    }
    let code = if text.contains("code=") {
        let query = text.split_once('?').map_or(text, |(_, q)| q);
        let params: HashMap<String, String> = url::form_urlencoded::parse(query.as_bytes())
            .into_owned()
            .collect();
        if let Some(state) = params.get("state")
            && state != expected_state
        {
            return Err(
                "that link belongs to another connect attempt (state mismatch); paste the \
                 address from the tab this command opened"
                    .to_owned(),
            );
        }
        params.get("code").cloned().unwrap_or_default()
    } else {
        text.to_owned()
    };
    if is_connect_code(&code) {
        Ok(Some(code))
    } else {
        Err(
            "that does not look like a connect code (64 hex characters); paste the code= \
             value or the whole address from the browser. Still waiting (Ctrl-C to stop)."
                .to_owned(),
        )
    }
}

/// The server's one-time code: 32 random bytes as lowercase hex (spec: paas-cli.md §3.2
/// step 5). The server compares it byte for byte, so nothing else can ever match.
fn is_connect_code(text: &str) -> bool {
    text.len() == 64
        && text
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// Read pasted lines from stdin on a blocking thread and deliver codes. Stops at EOF.
pub fn spawn_paste_reader(state: String, tx: mpsc::Sender<CodeDelivery>) {
    std::thread::spawn(move || {
        let stdin = std::io::stdin();
        let mut line = String::new();
        loop {
            line.clear();
            match stdin.read_line(&mut line) {
                Ok(0) | Err(_) => return,
                Ok(_) => {}
            }
            match parse_pasted(&line, &state) {
                Ok(Some(code)) => {
                    let _ = tx.blocking_send(CodeDelivery { code, reply: None });
                    return;
                }
                Ok(None) => {}
                Err(message) => eprintln!("{message}"),
            }
        }
    });
}

/// Open `url` in the default browser. `PAAS_BROWSER` (a command) overrides the platform
/// opener; `PAAS_BROWSER=none` never opens anything.
pub fn open(url: &str) -> Result<(), String> {
    let custom = std::env::var("PAAS_BROWSER")
        .ok()
        .filter(|b| !b.trim().is_empty());
    let (program, args): (String, Vec<String>) = match custom {
        Some(b) if b.trim() == "none" => return Err("PAAS_BROWSER=none".to_owned()),
        Some(b) => (b.trim().to_owned(), vec![url.to_owned()]),
        None if cfg!(target_os = "macos") => ("open".to_owned(), vec![url.to_owned()]),
        None if cfg!(windows) => (
            "rundll32".to_owned(),
            vec!["url.dll,FileProtocolHandler".to_owned(), url.to_owned()],
        ),
        None => ("xdg-open".to_owned(), vec![url.to_owned()]),
    };
    std::process::Command::new(&program)
        .args(&args)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .map(|_| ())
        .map_err(|e| format!("{program}: {e}"))
}

/// Ctrl-C, listened for from the moment this is created (a bare `ctrl_c()` future only
/// installs its handler when first polled, and a signal before that kills the process
/// without the "an agent may exist" message).
pub struct Interrupt {
    #[cfg(unix)]
    signal: tokio::signal::unix::Signal,
}

impl Interrupt {
    pub fn new() -> std::io::Result<Interrupt> {
        Ok(Interrupt {
            #[cfg(unix)]
            signal: tokio::signal::unix::signal(tokio::signal::unix::SignalKind::interrupt())?,
        })
    }

    pub async fn recv(&mut self) {
        #[cfg(unix)]
        {
            self.signal.recv().await;
        }
        #[cfg(not(unix))]
        {
            let _ = tokio::signal::ctrl_c().await;
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn pasted_url_or_code() {
        let s = "abcdefabcdefabcdef";
        let code = "c0de".repeat(16);
        assert_eq!(
            parse_pasted(
                &format!("http://127.0.0.1:5/callback?code={code}&state={s}\n"),
                s
            )
            .unwrap(),
            Some(code.clone())
        );
        assert_eq!(
            parse_pasted(&format!(" {code} "), s).unwrap(),
            Some(code.clone())
        );
        assert!(parse_pasted(&format!("http://x/callback?code={code}&state=other"), s).is_err());
        assert!(parse_pasted("not a code!", s).is_err());
        assert_eq!(parse_pasted("\n", s).unwrap(), None);
    }

    #[test]
    fn only_a_code_shaped_line_is_sent() {
        let s = "abcdefabcdefabcdef";
        let code = "0123456789abcdef".repeat(4);
        for typo in [
            "y",
            "deadbeef",
            &code[..63],
            &format!("{code}0"),
            &format!("{}g", &code[..63]),
            &format!("http://127.0.0.1:5/callback?code={}&state={s}", &code[..40]),
            &format!("http://127.0.0.1:5/callback?code=&state={s}"),
        ] {
            let err = parse_pasted(typo, s).unwrap_err();
            assert!(
                err.contains("does not look like a connect code"),
                "{typo}: {err}"
            );
        }
        // The server writes lowercase hex and compares exactly: uppercase can never match.
        assert!(parse_pasted(&code.to_uppercase(), s).is_err());
    }
}
