//! `tools/call` over stdio answered beside rmcp's service loop.
//!
//! Issue 4 sets a budget of 0.2 ms for what a tool call adds to the REST call it makes. The
//! benchmark (`docs/benchmarks.md`) shows where that time goes on a stdio round trip: the
//! pipes themselves (the `pipe-echo` row), rmcp's service loop (a task spawned per request,
//! a channel to the sink, another task to send the answer: about 0.09 ms after an idle
//! pause, the `bare-mcp` row against `pipe-echo`), and the tool's own work. The loop alone
//! is nearly half the budget, so the one request of a session's steady state that is
//! latency-bound, `tools/call`, is answered here instead: straight from the transport to
//! [`PaasServer::call`], which rmcp's dispatch calls too, so both paths give the same answer.
//!
//! Only where rmcp's dispatch has nothing more to add:
//! - in a session opened with `initialize` and `notifications/initialized` (the 2025-06-18
//!   and 2025-11-25 lifecycle); 2026-07-28 sessions, which negotiate per request, and any
//!   request whose `_meta` names a protocol version go through rmcp;
//! - the answer gets the same legacy-peer shaping rmcp applies (no `resultType`, object-only
//!   structured content); paas never answers with a task, so rmcp's tasks-capability check
//!   has nothing to refuse;
//! - `notifications/cancelled` for a call answered here stops it and no answer is sent, as
//!   rmcp does for its own requests (the notification still reaches rmcp, which ignores an id
//!   it does not know).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use rmcp::RoleServer;
use rmcp::model::{
    ClientNotification, ClientRequest, GetMeta, Implementation, JsonRpcMessage,
    JsonRpcNotification, JsonRpcRequest, RequestId, ServerResult,
};
use rmcp::service::{RxJsonRpcMessage, TxJsonRpcMessage};
use tokio::io::AsyncWrite;
use tokio::task::AbortHandle;

use super::server::PaasServer;
use super::stdio::{Writer, write_line};

/// The session facts the fast path needs, and the calls it is answering.
pub struct FastCalls {
    server: PaasServer,
    /// The client's name and version from `initialize` (for the User-Agent).
    client: Option<Implementation>,
    /// `notifications/initialized` arrived after an `initialize`: the session's lifecycle is
    /// the legacy one and its requests need no per-request negotiation.
    ready: bool,
    saw_initialize: bool,
    running: Arc<Mutex<HashMap<RequestId, AbortHandle>>>,
}

impl FastCalls {
    pub fn new(server: PaasServer) -> Self {
        FastCalls {
            server,
            client: None,
            ready: false,
            saw_initialize: false,
            running: Arc::default(),
        }
    }

    /// Take `message` if it is a `tools/call` this path answers (the answer is written to
    /// `write` when the call ends); otherwise hand it back for rmcp, noting what the session
    /// state needs on the way.
    pub fn intercept<W>(
        &mut self,
        message: RxJsonRpcMessage<RoleServer>,
        write: &Writer<W>,
    ) -> Option<RxJsonRpcMessage<RoleServer>>
    where
        W: AsyncWrite + Unpin + Send + 'static,
    {
        match &message {
            JsonRpcMessage::Request(JsonRpcRequest {
                request: ClientRequest::InitializeRequest(init),
                ..
            }) => {
                self.saw_initialize = true;
                self.client = Some(init.params.client_info.clone());
            }
            JsonRpcMessage::Notification(JsonRpcNotification {
                notification: ClientNotification::InitializedNotification(_),
                ..
            }) => self.ready = self.saw_initialize,
            JsonRpcMessage::Notification(JsonRpcNotification {
                notification: ClientNotification::CancelledNotification(cancelled),
                ..
            }) => {
                if let Some(id) = &cancelled.params.request_id
                    && let Some(call) = lock(&self.running).remove(id)
                {
                    tracing::info!(%id, "tools/call cancelled by the client");
                    call.abort();
                }
            }
            JsonRpcMessage::Request(JsonRpcRequest {
                request: request @ ClientRequest::CallToolRequest(_),
                ..
            }) if self.ready && request.get_meta().protocol_version().is_none() => {
                let JsonRpcMessage::Request(JsonRpcRequest {
                    id,
                    request: ClientRequest::CallToolRequest(call),
                    ..
                }) = message
                else {
                    return Some(message);
                };
                tracing::debug!(%id, tool = %call.params.name, "tools/call on the fast path");
                self.spawn(id, call.params, write.clone());
                return None;
            }
            _ => {}
        }
        Some(message)
    }

    fn spawn<W>(&self, id: RequestId, params: rmcp::model::CallToolRequestParams, write: Writer<W>)
    where
        W: AsyncWrite + Unpin + Send + 'static,
    {
        let (server, client, running) = (
            self.server.clone(),
            self.client.clone(),
            self.running.clone(),
        );
        // Held across spawn and insert, so a call that ends at once still finds its entry
        // to remove.
        let mut calls = lock(&self.running);
        let key = id.clone();
        let task = tokio::spawn(async move {
            let answer: TxJsonRpcMessage<RoleServer> =
                match server.call(params, client.as_ref()).await {
                    Ok(response) => {
                        let mut result = ServerResult::from(response);
                        result.strip_result_type_for_legacy_peer();
                        result.strip_non_object_output_for_legacy_peer();
                        JsonRpcMessage::response(result, id.clone())
                    }
                    Err(error) => JsonRpcMessage::error(error, Some(id.clone())),
                };
            // Removed before writing: a cancel that arrives now has nothing left to stop.
            lock(&running).remove(&id);
            if let Err(e) = send(&write, &answer).await {
                tracing::error!(%id, "cannot write the tools/call answer: {e}");
            }
        });
        calls.insert(key, task.abort_handle());
    }
}

async fn send<W>(write: &Writer<W>, message: &TxJsonRpcMessage<RoleServer>) -> std::io::Result<()>
where
    W: AsyncWrite + Unpin + Send + 'static,
{
    let line = serde_json::to_string(message).map_err(std::io::Error::from)?;
    write_line(write, line).await
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    match mutex.lock() {
        Ok(guard) => guard,
        Err(poisoned) => poisoned.into_inner(),
    }
}
