//! WebSocket routes (spec §3.13, §8.3): one-use ticket, any-of scope check with plain-text
//! failures before the upgrade, then JSON `{message, timestamp}` frames.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::extract::FromRequestParts;
use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::http::{HeaderValue, Request, header};
use axum::response::{IntoResponse, Response};

use crate::http::{not_found_page, text};
use crate::routes::WS_ROUTES;
use crate::server::url_pairs;
use crate::state::Inner;
use crate::util::{self, lock};

pub async fn handle(inner: &Arc<Inner>, req: Request<Body>, _ip: IpAddr) -> Response {
    let path = req.uri().path().to_string();
    let Some((_, scopes)) = WS_ROUTES.iter().find(|(p, _)| *p == path) else {
        return not_found_page();
    };
    let query: HashMap<String, String> = req
        .uri()
        .query()
        .map(|q| url_pairs(q).into_iter().collect())
        .unwrap_or_default();
    let ticket = query.get("ticket").cloned().unwrap_or_default();
    // Consumed even if the scope check then fails.
    let Some(t) = lock(&inner.tickets).remove(&ticket) else {
        return text(401, "Unauthorized");
    };
    if t.expires <= Instant::now() {
        return text(401, "Unauthorized");
    }
    if !t.admin && !scopes.iter().any(|s| t.scopes.iter().any(|h| h == s)) {
        let first = scopes.first().copied().unwrap_or("");
        return text(403, &format!("Forbidden: missing scope {first}"));
    }
    if let Some(refused) = check_origin(inner, &req) {
        return refused;
    }
    let (mut parts, _body) = req.into_parts();
    let upgrade = match WebSocketUpgrade::from_request_parts(&mut parts, &()).await {
        Ok(u) => u,
        Err(rej) => return rej.into_response(),
    };
    let inner = inner.clone();
    let app_id = query.get("appId").cloned().unwrap_or_default();
    upgrade.on_upgrade(move |socket| async move {
        match path.as_str() {
            "/ws/logs" => build_logs(inner, socket, app_id).await,
            "/ws/runtime-logs" => runtime_logs(inner, socket, app_id).await,
            "/ws/stats" => stats(inner, socket).await,
            _ => terminal(socket).await,
        }
    })
}

/// Spec §8.3 step 3, after the ticket (already consumed) and before the upgrade. The refusal
/// is gorilla/websocket's: plain-text `Forbidden` with `Sec-WebSocket-Version: 13`.
fn check_origin(inner: &Inner, req: &Request<Body>) -> Option<Response> {
    let get = |name| req.headers().get(name).and_then(|v| v.to_str().ok());
    if crate::origin::allowed(
        get(header::ORIGIN),
        get(header::HOST),
        inner.opts.ui_url.as_deref(),
    ) {
        return None;
    }
    let mut r = text(403, "Forbidden");
    r.headers_mut().insert(
        header::SEC_WEBSOCKET_VERSION,
        HeaderValue::from_static("13"),
    );
    Some(r)
}

fn frame(message: &str) -> Message {
    Message::Text(
        serde_json::json!({ "message": message, "timestamp": util::now() })
            .to_string()
            .into(),
    )
}

/// Replays the latest deployment's log, then follows it while it builds.
async fn build_logs(inner: Arc<Inner>, mut socket: WebSocket, app_id: String) {
    let app_id = if app_id.is_empty() {
        lock(&inner.db)
            .apps
            .last()
            .map(|a| a.id.clone())
            .unwrap_or_default()
    } else {
        app_id
    };
    let mut sent = 0;
    loop {
        let (lines, building) = {
            let db = lock(&inner.db);
            match db.deployments.iter().rev().find(|d| d.app_id == app_id) {
                Some(d) => (d.logs.clone(), d.status == "building"),
                None => (Vec::new(), false),
            }
        };
        for l in lines.iter().skip(sent) {
            if socket.send(frame(l)).await.is_err() {
                return;
            }
        }
        sent = lines.len().max(sent);
        if !building {
            // Upstream sends no end marker; keep the socket open until the client leaves.
            idle(&mut socket).await;
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Last 200 runtime lines, then new ones as they arrive.
async fn runtime_logs(inner: Arc<Inner>, mut socket: WebSocket, app_id: String) {
    let mut sent = {
        let db = lock(&inner.db);
        db.runtime_logs
            .get(&app_id)
            .map(|l| l.len().saturating_sub(200))
            .unwrap_or(0)
    };
    loop {
        let lines: Vec<String> = {
            let db = lock(&inner.db);
            db.runtime_logs
                .get(&app_id)
                .map(|l| l.iter().skip(sent).cloned().collect())
                .unwrap_or_default()
        };
        sent += lines.len();
        for l in lines {
            if socket.send(frame(&l)).await.is_err() {
                return;
            }
        }
        tokio::select! {
            _ = tokio::time::sleep(Duration::from_millis(250)) => {}
            msg = socket.recv() => if matches!(msg, None | Some(Err(_)) | Some(Ok(Message::Close(_)))) { return },
        }
    }
}

/// Server stats every 2 s.
async fn stats(inner: Arc<Inner>, mut socket: WebSocket) {
    loop {
        let active = lock(&inner.db)
            .apps
            .iter()
            .filter(|a| a.status == "running")
            .count();
        let t = inner.started.elapsed().as_secs_f64();
        let msg = serde_json::json!({
            "cpuUsage": 10.0 + 5.0 * (t / 5.0).sin(),
            "memoryUsage": 40.0 + 2.0 * active as f64,
            "diskUsage": 35.0,
            "activeApps": active,
            "timestamp": util::now(),
        });
        if socket
            .send(Message::Text(msg.to_string().into()))
            .await
            .is_err()
        {
            return;
        }
        tokio::select! {
            _ = tokio::time::sleep(Duration::from_secs(2)) => {}
            msg = socket.recv() => if matches!(msg, None | Some(Err(_)) | Some(Ok(Message::Close(_)))) { return },
        }
    }
}

/// Terminals: the sandbox has no containers or host shell to attach to.
async fn terminal(mut socket: WebSocket) {
    let _ = socket
        .send(Message::Binary(
            b"sandbox: no shell is available in the Better-PaaS sandbox\r\n"
                .to_vec()
                .into(),
        ))
        .await;
    let _ = socket.send(Message::Close(None)).await;
}

async fn idle(socket: &mut WebSocket) {
    while let Some(Ok(m)) = socket.recv().await {
        if matches!(m, Message::Close(_)) {
            return;
        }
    }
}
