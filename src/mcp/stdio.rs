//! The stdio transport: newline-delimited JSON-RPC where every bad line gets an answer.
//!
//! rmcp's own line transport drops a line that is not JSON without a word, so a client that
//! sends a broken message waits forever. This one answers as JSON-RPC 2.0 §5.1 asks: not
//! JSON → `-32700 Parse error`, JSON that is not a message → `-32600 Invalid Request` (with the
//! request's id when one can be read, else `null`), a request whose params do not fit its
//! method → `-32602`. Every message says what was wrong and what to send instead.
//!
//! What it keeps from rmcp (`transport/async_rw.rs`):
//! - a bound on one line ([`MAX_LINE_BYTES`]); an oversized line is answered once and its tail
//!   skipped up to the newline without being buffered;
//! - cancel safety: rmcp polls [`Transport::receive`] inside a `select!`, so the partial line,
//!   the "skipping an oversized line" flag and a half-written answer live on the struct and a
//!   dropped future resumes where it stopped;
//! - compatibility: a notification (no `id`) is never answered, so LSP-style or vendor
//!   notifications that rmcp cannot parse stay silently ignored, as rmcp ignores them;
//! - one writer: rmcp's outgoing messages and our error answers share one `FramedWrite`
//!   behind a mutex, so lines never interleave; each message is flushed.
//!
//! Why rmcp stopped answering garbage (rust-sdk issue 938): a peer that echoes what it reads,
//! or logs to the pipe, can turn every answer into another bad line. Two guards here: our
//! answers are valid JSON-RPC error messages, which rmcp accepts and drops (an id-less error
//! is not routed anywhere), so an echo is not a bad line; and at most
//! [`ANSWERS_PER_SECOND`] bad lines are answered per second, the rest only logged (debug).

use std::borrow::Cow;
use std::future::Future;
use std::io;
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures::SinkExt;
use rmcp::RoleServer;
use rmcp::model::{
    CallToolRequest, ClientRequest, CompleteRequest, ErrorCode, ErrorData, GetPromptRequest,
    InitializeRequest, JsonRpcMessage, JsonRpcRequest, ListPromptsRequest,
    ListResourceTemplatesRequest, ListResourcesRequest, ListToolsRequest, PingRequest,
    ReadResourceRequest, RequestId,
};
use rmcp::service::{RxJsonRpcMessage, TxJsonRpcMessage};
use rmcp::transport::Transport;
use serde::Deserialize;
use serde::de::{DeserializeOwned, IgnoredAny};
use serde_json::Value;
use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncWrite, BufReader};
use tokio::sync::Mutex;
use tokio_util::codec::{FramedWrite, LinesCodec, LinesCodecError};

use super::fast_call::FastCalls;

/// Longest accepted line (one message), as rmcp's `DEFAULT_MAX_LINE_LENGTH`: a payload that
/// fits over Streamable HTTP fits over stdio too, and a peer that never sends a newline cannot
/// make us buffer without end.
pub const MAX_LINE_BYTES: usize = 16 * 1024 * 1024;

/// Bad lines answered per second at most; the rest are only logged. A client that makes a
/// mistake sees it at once; a peer stuck in a loop cannot make us flood its input.
pub const ANSWERS_PER_SECOND: u32 = 10;

/// UTF-8 byte order mark, which RFC 8259 §8.1 lets a parser ignore.
const UTF8_BOM: &[u8] = b"\xEF\xBB\xBF";

/// The one writer of stdout, shared by rmcp's answers, error answers and [`super::fast_call`].
pub(super) type Writer<W> = Arc<Mutex<Option<FramedWrite<W, LinesCodec>>>>;

/// An rmcp server transport over any reader/writer pair; see the module doc.
pub struct StdioTransport<R, W> {
    read: BufReader<R>,
    /// The line being read; survives a cancelled `receive`.
    line: Vec<u8>,
    max_line: usize,
    /// Skipping the tail of an oversized line until its newline.
    discarding: bool,
    write: Writer<W>,
    /// An error answer not yet fully written (kept across a cancelled `receive`).
    pending: Option<Pending>,
    budget: AnswerBudget,
    /// `tools/call` answered beside rmcp's loop (see [`super::fast_call`]); `None` in tests
    /// of the transport alone.
    fast: Option<FastCalls>,
}

enum Pending {
    /// Not yet handed to the writer.
    Feed(String),
    /// Handed over; only the flush is left.
    Flush,
}

impl<R, W> StdioTransport<R, W>
where
    R: AsyncRead + Unpin + Send,
    W: AsyncWrite + Unpin + Send + 'static,
{
    pub fn new(read: R, write: W) -> Self {
        Self {
            read: BufReader::new(read),
            line: Vec::new(),
            max_line: MAX_LINE_BYTES,
            discarding: false,
            write: Arc::new(Mutex::new(Some(FramedWrite::new(write, LinesCodec::new())))),
            pending: None,
            budget: AnswerBudget::default(),
            fast: None,
        }
    }

    /// Answer `tools/call` through `fast` instead of handing it to rmcp.
    pub fn with_fast_calls(mut self, fast: FastCalls) -> Self {
        self.fast = Some(fast);
        self
    }

    /// Change the line bound (default [`MAX_LINE_BYTES`]).
    pub fn with_max_line_length(mut self, max_line: usize) -> Self {
        self.max_line = max_line;
        self
    }

    /// Read one `\n`-terminated line into `self.line`, never letting it grow past the bound.
    ///
    /// `fill_buf` consumes nothing when its future is dropped, and the copy into `self.line`
    /// and the matching `consume` happen with no await between them, so a cancelled call
    /// leaves the partial line for the next one (the same reasoning as rmcp's `read_line`).
    async fn read_line(&mut self) -> LineRead {
        loop {
            let (consumed, step) = {
                let available = match self.read.fill_buf().await {
                    Ok(available) => available,
                    Err(e) => return LineRead::Io(e),
                };
                if available.is_empty() {
                    return LineRead::Eof;
                }
                let newline = available.iter().position(|b| *b == b'\n');
                let take = newline.map_or(available.len(), |at| at + 1);
                if self.discarding {
                    (
                        take,
                        if newline.is_some() {
                            Step::EndDiscard
                        } else {
                            Step::More
                        },
                    )
                } else if self.line.len().saturating_add(take) > self.max_line {
                    self.line.clear();
                    (
                        take,
                        if newline.is_some() {
                            Step::Oversized
                        } else {
                            Step::OversizedSkip
                        },
                    )
                } else {
                    self.line.extend_from_slice(&available[..take]);
                    (
                        take,
                        if newline.is_some() {
                            Step::Line
                        } else {
                            Step::More
                        },
                    )
                }
            };
            self.read.consume(consumed);
            match step {
                Step::Line => return LineRead::Line,
                Step::More => {}
                Step::EndDiscard => self.discarding = false,
                Step::Oversized => return LineRead::Oversized,
                Step::OversizedSkip => {
                    self.discarding = true;
                    return LineRead::Oversized;
                }
            }
        }
    }

    /// Write the pending error answer, if any; `Err` when stdout is gone.
    async fn write_pending(&mut self) -> io::Result<()> {
        let write = self.write.clone();
        let mut guard = write.lock().await;
        let framed = guard.as_mut().ok_or_else(closed)?;
        if let Some(Pending::Feed(line)) = &self.pending {
            framed.feed(line.clone()).await.map_err(codec_error)?;
            self.pending = Some(Pending::Flush);
        }
        SinkExt::<String>::flush(framed)
            .await
            .map_err(codec_error)?;
        self.pending = None;
        Ok(())
    }

    /// Queue an answer to a bad line, unless this second's budget is spent.
    fn answer(&mut self, id: Option<RequestId>, error: ErrorData) {
        if !self.budget.take(Instant::now()) {
            tracing::debug!(code = error.code.0, message = %error.message,
                "too many bad lines on stdin this second; not answering this one");
            return;
        }
        tracing::debug!(code = error.code.0, message = %error.message, "answering a bad line on stdin");
        match serde_json::to_string(&error_answer(id.as_ref(), &error)) {
            Ok(line) => self.pending = Some(Pending::Feed(line)),
            Err(e) => tracing::error!("cannot encode an error answer: {e}"),
        }
    }
}

enum LineRead {
    /// A whole line (with its `\n`) is in `line`.
    Line,
    /// The line was longer than the bound and has been dropped.
    Oversized,
    Eof,
    Io(io::Error),
}

/// What to do once `fill_buf`'s borrow has ended.
enum Step {
    Line,
    More,
    EndDiscard,
    Oversized,
    OversizedSkip,
}

impl<R, W> Transport<RoleServer> for StdioTransport<R, W>
where
    R: AsyncRead + Unpin + Send,
    W: AsyncWrite + Unpin + Send + 'static,
{
    type Error = io::Error;

    fn send(
        &mut self,
        item: TxJsonRpcMessage<RoleServer>,
    ) -> impl Future<Output = Result<(), Self::Error>> + Send + 'static {
        let write = self.write.clone();
        let line = serde_json::to_string(&item);
        async move { write_line(&write, line.map_err(io::Error::from)?).await }
    }

    async fn receive(&mut self) -> Option<RxJsonRpcMessage<RoleServer>> {
        loop {
            if self.pending.is_some()
                && let Err(e) = self.write_pending().await
            {
                tracing::error!("cannot write to stdout: {e}");
                return None;
            }
            let verdict = match self.read_line().await {
                LineRead::Line => {
                    let verdict = classify(&self.line);
                    self.line.clear();
                    verdict
                }
                LineRead::Oversized => Verdict::Answer {
                    id: None,
                    error: ErrorData::invalid_request(
                        format!(
                            "Invalid Request: message longer than {} bytes, discarded; \
                             send smaller messages (one JSON-RPC message per line)",
                            self.max_line
                        ),
                        None,
                    ),
                },
                // A trailing fragment without a newline is not a message.
                LineRead::Eof => return None,
                LineRead::Io(e) => {
                    tracing::error!("cannot read stdin: {e}");
                    return None;
                }
            };
            match verdict {
                Verdict::Deliver(message) => match &mut self.fast {
                    // `None`: a tools/call the fast path answers; read the next line.
                    Some(fast) => {
                        if let Some(message) = fast.intercept(*message, &self.write) {
                            return Some(message);
                        }
                    }
                    None => return Some(*message),
                },
                Verdict::Skip => {}
                Verdict::Ignore(why) => tracing::debug!("ignoring a line on stdin: {why}"),
                Verdict::Answer { id, error } => self.answer(id, error),
            }
        }
    }

    async fn close(&mut self) -> Result<(), Self::Error> {
        let mut guard = self.write.lock().await;
        if let Some(mut framed) = guard.take() {
            SinkExt::<String>::flush(&mut framed)
                .await
                .map_err(codec_error)?;
        }
        Ok(())
    }
}

/// Write one message line (the codec adds the newline) and flush it.
pub(super) async fn write_line<W>(write: &Writer<W>, line: String) -> io::Result<()>
where
    W: AsyncWrite + Unpin + Send + 'static,
{
    let mut guard = write.lock().await;
    let framed = guard.as_mut().ok_or_else(closed)?;
    framed.send(line).await.map_err(codec_error)
}

fn closed() -> io::Error {
    io::Error::new(io::ErrorKind::NotConnected, "stdout is closed")
}

fn codec_error(e: LinesCodecError) -> io::Error {
    match e {
        LinesCodecError::Io(e) => e,
        other => io::Error::other(other),
    }
}

/// A JSON-RPC error response. Written by hand rather than through rmcp's `JsonRpcError`,
/// which leaves `id` out when unknown, where JSON-RPC 2.0 §5 asks for `"id": null`.
fn error_answer(id: Option<&RequestId>, error: &ErrorData) -> Value {
    serde_json::json!({"jsonrpc": "2.0", "id": id, "error": error})
}

/// What one line on stdin amounts to.
#[derive(Debug)]
enum Verdict {
    /// A message for rmcp.
    Deliver(Box<RxJsonRpcMessage<RoleServer>>),
    /// A blank line.
    Skip,
    /// Not answered (a notification or a response we cannot read); logged at debug.
    Ignore(String),
    /// Answered with this error.
    Answer {
        id: Option<RequestId>,
        error: ErrorData,
    },
}

/// Classify one line (with or without its `\n`, `\r\n`, leading BOM).
fn classify(line: &[u8]) -> Verdict {
    let line = line.strip_suffix(b"\n").unwrap_or(line);
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    let line = line.strip_prefix(UTF8_BOM).unwrap_or(line);
    if line.iter().all(u8::is_ascii_whitespace) {
        return Verdict::Skip;
    }
    if let Some(message) = decode_hot(line) {
        return Verdict::Deliver(Box::new(message));
    }
    let message_error = match serde_json::from_slice::<RxJsonRpcMessage<RoleServer>>(line) {
        Ok(message) => {
            return misfit_params(&message).unwrap_or(Verdict::Deliver(Box::new(message)));
        }
        Err(e) => e,
    };
    let value = match serde_json::from_slice::<Value>(line) {
        Ok(value) => value,
        Err(e) => {
            return answer(
                None,
                ErrorCode::PARSE_ERROR,
                format!("Parse error: {e}; send one JSON-RPC message per line"),
            );
        }
    };
    let object = match value {
        Value::Object(object) => object,
        Value::Array(_) => {
            return answer(
                None,
                ErrorCode::INVALID_REQUEST,
                "Invalid Request: batches (JSON arrays) are not part of MCP since 2025-06-18; \
                 send each message as its own line"
                    .to_owned(),
            );
        }
        other => {
            return answer(
                None,
                ErrorCode::INVALID_REQUEST,
                format!(
                    "Invalid Request: a JSON-RPC message is a JSON object, not {}; {SHAPE}",
                    kind(&other)
                ),
            );
        }
    };
    let method = object.get("method");
    let id = match object.get("id") {
        None => None,
        Some(Value::String(s)) => Some(RequestId::String(s.as_str().into())),
        Some(Value::Number(n)) if n.as_i64().is_some() => n.as_i64().map(RequestId::Number),
        Some(_) => {
            return answer(
                None,
                ErrorCode::INVALID_REQUEST,
                "Invalid Request: \"id\" must be a string or an integer".to_owned(),
            );
        }
    };
    let Some(id) = id else {
        if let Some(method) = method {
            // A notification is never answered (JSON-RPC 2.0 §4.1). rmcp also lets unknown
            // ones pass silently: clients send LSP-style and vendor notifications.
            let what = if method.as_str().is_some_and(is_standard_notification) {
                "a malformed"
            } else {
                "an unknown"
            };
            return Verdict::Ignore(format!("{what} notification {method}: {message_error}"));
        }
        if object.contains_key("result") || object.contains_key("error") {
            return Verdict::Ignore(format!("a malformed response: {message_error}"));
        }
        return answer(
            None,
            ErrorCode::INVALID_REQUEST,
            format!("Invalid Request: {message_error}; {SHAPE}"),
        );
    };
    if method.is_none() && (object.contains_key("result") || object.contains_key("error")) {
        // Answering a response could start a ping-pong with a confused peer.
        return Verdict::Ignore(format!("a malformed response to {id}: {message_error}"));
    }
    if object.get("jsonrpc").and_then(Value::as_str) != Some("2.0") {
        return answer(
            Some(id),
            ErrorCode::INVALID_REQUEST,
            "Invalid Request: \"jsonrpc\" must be \"2.0\"".to_owned(),
        );
    }
    match method {
        Some(Value::String(method)) => answer(
            Some(id),
            ErrorCode::INVALID_PARAMS,
            format!("Invalid params for {method}: {message_error}"),
        ),
        Some(_) => answer(
            Some(id),
            ErrorCode::INVALID_REQUEST,
            "Invalid Request: \"method\" must be a string".to_owned(),
        ),
        None => answer(
            Some(id),
            ErrorCode::INVALID_REQUEST,
            format!("Invalid Request: {message_error}; {SHAPE}"),
        ),
    }
}

/// The requests of a session's steady state (`tools/call`, `tools/list`, `ping`), decoded
/// straight into their rmcp type. rmcp's generic decode buffers the line and tries
/// `ClientRequest`'s untagged variants one by one, building a serde error for each miss
/// (`tools/call` is the 14th): a tenth of a tool call's CPU time. The value is the same one
/// the generic decode builds (see the tests); a line that is anything else, or odd in any way
/// (no id, a stray `result`/`error`, `jsonrpc` not "2.0", params that do not fit), returns
/// `None` and takes the generic path with its error answers.
fn decode_hot(line: &[u8]) -> Option<RxJsonRpcMessage<RoleServer>> {
    /// The envelope, read without buffering: `params` is skipped here.
    #[derive(Deserialize)]
    struct Head<'a> {
        #[serde(borrow)]
        jsonrpc: Option<Cow<'a, str>>,
        id: Option<RequestId>,
        #[serde(borrow)]
        method: Option<Cow<'a, str>>,
        #[serde(default, deserialize_with = "present")]
        result: bool,
        #[serde(default, deserialize_with = "present")]
        error: bool,
    }
    fn present<'de, D: serde::Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
        IgnoredAny::deserialize(d).map(|_| true)
    }
    let head: Head<'_> = serde_json::from_slice(line).ok()?;
    if head.jsonrpc.as_deref() != Some("2.0") || head.result || head.error {
        return None;
    }
    let request: ClientRequest = match head.method.as_deref()? {
        "tools/call" => serde_json::from_slice::<CallToolRequest>(line).ok()?.into(),
        "tools/list" => serde_json::from_slice::<ListToolsRequest>(line)
            .ok()?
            .into(),
        "ping" => serde_json::from_slice::<PingRequest>(line).ok()?.into(),
        _ => return None,
    };
    Some(JsonRpcMessage::Request(JsonRpcRequest::new(
        head.id?, request,
    )))
}

/// A standard method whose params do not fit its type: rmcp's untagged `ClientRequest` then
/// falls back to `CustomRequest`, and the request would be answered "method not found" for,
/// say, `tools/call`. Answer -32602 with serde's reason instead.
fn misfit_params(message: &RxJsonRpcMessage<RoleServer>) -> Option<Verdict> {
    let JsonRpcMessage::Request(request) = message else {
        return None;
    };
    let ClientRequest::CustomRequest(custom) = &request.request else {
        return None;
    };
    let body = serde_json::json!({"method": custom.method, "params": custom.params});
    fn check<T: DeserializeOwned>(body: &Value) -> Option<serde_json::Error> {
        T::deserialize(body).err()
    }
    let error = match custom.method.as_str() {
        "initialize" => check::<InitializeRequest>(&body),
        "ping" => check::<PingRequest>(&body),
        "tools/list" => check::<ListToolsRequest>(&body),
        "tools/call" => check::<CallToolRequest>(&body),
        "prompts/list" => check::<ListPromptsRequest>(&body),
        "prompts/get" => check::<GetPromptRequest>(&body),
        "resources/list" => check::<ListResourcesRequest>(&body),
        "resources/templates/list" => check::<ListResourceTemplatesRequest>(&body),
        "resources/read" => check::<ReadResourceRequest>(&body),
        "completion/complete" => check::<CompleteRequest>(&body),
        _ => None,
    }?;
    Some(answer(
        Some(request.id.clone()),
        ErrorCode::INVALID_PARAMS,
        format!("Invalid params for {}: {error}", custom.method),
    ))
}

/// What a message looks like, for error texts.
const SHAPE: &str = "send {\"jsonrpc\":\"2.0\",\"id\":<string or integer>,\"method\":\"...\",\
                     \"params\":{...}} (or no \"id\" for a notification), one per line";

fn answer(id: Option<RequestId>, code: ErrorCode, message: String) -> Verdict {
    Verdict::Answer {
        id,
        error: ErrorData::new(code, message, None),
    }
}

fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// The MCP notifications (2026-07-28), as rmcp's `is_standard_notification`: a malformed one
/// of these is logged as malformed, anything else as unknown. Neither is answered.
fn is_standard_notification(method: &str) -> bool {
    matches!(
        method,
        "notifications/cancelled"
            | "notifications/initialized"
            | "notifications/message"
            | "notifications/progress"
            | "notifications/prompts/list_changed"
            | "notifications/resources/list_changed"
            | "notifications/resources/updated"
            | "notifications/roots/list_changed"
            | "notifications/subscriptions/acknowledged"
            | "notifications/tools/list_changed"
    )
}

/// At most [`ANSWERS_PER_SECOND`] answers in any one-second window.
#[derive(Debug, Default)]
struct AnswerBudget {
    window_start: Option<Instant>,
    used: u32,
    suppressed: u64,
}

impl AnswerBudget {
    fn take(&mut self, now: Instant) -> bool {
        let expired = self
            .window_start
            .is_none_or(|start| now.saturating_duration_since(start) >= Duration::from_secs(1));
        if expired {
            if self.suppressed > 0 {
                tracing::warn!(
                    suppressed = self.suppressed,
                    "bad lines on stdin went unanswered (more than {ANSWERS_PER_SECOND} a second)"
                );
            }
            self.window_start = Some(now);
            self.used = 0;
            self.suppressed = 0;
        }
        if self.used < ANSWERS_PER_SECOND {
            self.used += 1;
            true
        } else {
            self.suppressed += 1;
            false
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

    use super::*;
    use tokio::io::{AsyncWriteExt, DuplexStream};

    fn code_and_id(verdict: Verdict) -> (i32, Option<RequestId>) {
        match verdict {
            Verdict::Answer { id, error } => (error.code.0, id),
            other => panic!("expected an answer, got {other:?}"),
        }
    }

    #[test]
    fn not_json_is_a_parse_error_without_id() {
        for line in [
            &b"this is not json\n"[..],
            b"[1,2",
            b"{\"id\":1,",
            b"\xff\xfe\n",
        ] {
            assert_eq!(code_and_id(classify(line)), (-32700, None), "{line:?}");
        }
        match classify(b"nope") {
            Verdict::Answer { error, .. } => {
                assert!(
                    error.message.starts_with("Parse error: expected"),
                    "{error:?}"
                );
                assert!(error.message.contains("one JSON-RPC message per line"));
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn json_that_is_not_a_message_is_an_invalid_request() {
        assert_eq!(code_and_id(classify(b"{}")), (-32600, None));
        assert_eq!(code_and_id(classify(b"42")), (-32600, None));
        assert_eq!(code_and_id(classify(b"[]")), (-32600, None));
        assert_eq!(
            code_and_id(classify(
                br#"{"jsonrpc":"2.0","id":{"a":1},"method":"ping"}"#
            )),
            (-32600, None)
        );
        assert_eq!(
            code_and_id(classify(
                br#"{"jsonrpc":"1.0","id":3,"method":"tools/list"}"#
            )),
            (-32600, Some(RequestId::Number(3)))
        );
        assert_eq!(
            code_and_id(classify(br#"{"jsonrpc":"2.0","id":"x","method":5}"#)),
            (-32600, Some(RequestId::String("x".into())))
        );
        match classify(b"[{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}]") {
            Verdict::Answer { error, .. } => assert!(error.message.contains("batches")),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn wrong_params_are_answered_for_the_request_id() {
        let (code, id) = code_and_id(classify(
            br#"{"jsonrpc":"2.0","id":9,"method":"tools/call","params":"x"}"#,
        ));
        assert_eq!(id, Some(RequestId::Number(9)));
        assert_eq!(code, -32602);
    }

    #[test]
    fn a_known_method_with_params_of_the_wrong_shape_is_invalid_params() {
        match classify(br#"{"jsonrpc":"2.0","id":"a","method":"tools/call","params":{"name":5}}"#) {
            Verdict::Answer { id, error } => {
                assert_eq!(id, Some(RequestId::String("a".into())));
                assert_eq!(error.code.0, -32602);
                assert!(
                    error.message.starts_with("Invalid params for tools/call: "),
                    "{error:?}"
                );
            }
            other => panic!("{other:?}"),
        }
        // A vendor method stays a custom request for the server to answer.
        assert!(matches!(
            classify(br#"{"jsonrpc":"2.0","id":1,"method":"vendor/x","params":{"a":1}}"#),
            Verdict::Deliver(_)
        ));
        assert!(matches!(
            classify(br#"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"x"}}"#),
            Verdict::Deliver(_)
        ));
    }

    #[test]
    fn notifications_and_responses_are_never_answered() {
        for line in [
            &br#"{"jsonrpc":"2.0","method":"$/progress","params":{"x":1}}"#[..],
            br#"{"jsonrpc":"2.0","method":"notifications/progress","params":7}"#,
            br#"{"jsonrpc":"2.0","method":"vendor/thing"}"#,
            br#"{"jsonrpc":"2.0","id":4,"result":1,"error":{}}"#,
        ] {
            assert!(
                matches!(classify(line), Verdict::Ignore(_) | Verdict::Deliver(_)),
                "{}",
                String::from_utf8_lossy(line)
            );
        }
    }

    #[test]
    fn hot_requests_decode_to_what_the_generic_decode_builds() {
        // Debug shows every field but not the `_meta` kept in the extensions; the
        // serialised form shows that too.
        let show = |message: &RxJsonRpcMessage<RoleServer>| {
            format!("{message:?} {}", serde_json::to_string(message).unwrap())
        };
        let generic =
            |line: &str| show(&serde_json::from_str::<RxJsonRpcMessage<RoleServer>>(line).unwrap());
        for line in [
            r#"{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"get_app","arguments":{"app":"shop-web","n":[1,{"x":null}]}}}"#,
            r#"{"id":"a-1","method":"tools/call","jsonrpc":"2.0","params":{"name":"x","_meta":{"progressToken":3,"io.modelcontextprotocol/clientInfo":{"name":"c","version":"1"}}}}"#,
            r#"{"jsonrpc":"2.0","id":8,"method":"tools/call","params":{"name":"x","arguments":{}},"extra":true}"#,
            r#"{"jsonrpc":"2.0","id":9,"method":"tools/list"}"#,
            r#"{"jsonrpc":"2.0","id":10,"method":"tools/list","params":{"cursor":"c","_meta":{"k":"v"}}}"#,
            r#"{"jsonrpc":"2.0","id":-11,"method":"ping"}"#,
            r#"{"jsonrpc":"2.0","id":12,"method":"ping","params":{"_meta":{"k":1}}}"#,
        ] {
            let hot = decode_hot(line.as_bytes()).unwrap_or_else(|| panic!("not hot: {line}"));
            assert_eq!(show(&hot), generic(line), "{line}");
        }
        // Anything unusual goes the generic way, which answers it or hands it on.
        for line in [
            r#"{"jsonrpc":"2.0","method":"tools/call","params":{"name":"x"}}"#,
            r#"{"jsonrpc":"1.0","id":1,"method":"tools/call","params":{"name":"x"}}"#,
            r#"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"arguments":{}}}"#,
            r#"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"x"},"result":null}"#,
            r#"{"jsonrpc":"2.0","id":1,"id":2,"method":"ping"}"#,
            r#"{"jsonrpc":"2.0","id":1.5,"method":"ping"}"#,
            r#"{"jsonrpc":"2.0","id":1,"method":"initialize","params":{}}"#,
        ] {
            assert!(decode_hot(line.as_bytes()).is_none(), "{line}");
        }
    }

    #[test]
    fn crlf_bom_and_blank_lines() {
        let line = b"\xEF\xBB\xBF{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}\r\n";
        assert!(matches!(classify(line), Verdict::Deliver(_)));
        assert!(matches!(classify(b"\r\n"), Verdict::Skip));
        assert!(matches!(classify(b"  \t\n"), Verdict::Skip));
    }

    #[test]
    fn our_own_answers_read_back_as_messages_not_as_bad_lines() {
        let answer = error_answer(None, &ErrorData::parse_error("Parse error: x", None));
        let line = serde_json::to_vec(&answer).unwrap();
        assert_eq!(answer["id"], Value::Null);
        assert!(matches!(classify(&line), Verdict::Deliver(_)));
    }

    #[test]
    fn budget_allows_a_bounded_number_per_second() {
        let mut budget = AnswerBudget::default();
        let t0 = Instant::now();
        let allowed = (0..100).filter(|_| budget.take(t0)).count();
        assert_eq!(allowed, ANSWERS_PER_SECOND as usize);
        assert!(!budget.take(t0 + Duration::from_millis(999)));
        assert!(budget.take(t0 + Duration::from_secs(1)));
    }

    type Server =
        StdioTransport<tokio::io::ReadHalf<DuplexStream>, tokio::io::WriteHalf<DuplexStream>>;

    /// A transport on one end of an in-memory pipe; the test holds the other end.
    fn pipe(max_line: usize) -> (Server, DuplexStream) {
        let (ours, theirs) = tokio::io::duplex(1 << 16);
        let (read, write) = tokio::io::split(ours);
        (
            StdioTransport::new(read, write).with_max_line_length(max_line),
            theirs,
        )
    }

    async fn receive(server: &mut Server) -> Option<RxJsonRpcMessage<RoleServer>> {
        tokio::time::timeout(Duration::from_secs(10), server.receive())
            .await
            .expect("receive finished")
    }

    fn request_id(message: &RxJsonRpcMessage<RoleServer>) -> RequestId {
        match message {
            JsonRpcMessage::Request(request) => request.id.clone(),
            other => panic!("expected a request, got {other:?}"),
        }
    }

    #[tokio::test]
    async fn oversized_line_is_answered_once_and_skipped_without_buffering() {
        let (mut server, peer) = pipe(64);
        let (peer_read, mut peer_write) = tokio::io::split(peer);
        let long = "x".repeat(1000);
        peer_write
            .write_all(
                format!("{long}\n{{\"jsonrpc\":\"2.0\",\"id\":5,\"method\":\"ping\"}}\n")
                    .as_bytes(),
            )
            .await
            .unwrap();
        let message = receive(&mut server)
            .await
            .expect("the request after the long line");
        assert_eq!(request_id(&message), RequestId::Number(5));
        assert!(server.line.capacity() <= 128, "buffered the long line");
        // The answer was written before the next line was read; EOF then ends the session.
        peer_write.shutdown().await.unwrap();
        assert!(receive(&mut server).await.is_none());
        let mut lines = tokio::io::BufReader::new(peer_read).lines();
        let answer: Value =
            serde_json::from_str(&lines.next_line().await.unwrap().unwrap()).unwrap();
        assert_eq!(answer["id"], Value::Null);
        assert_eq!(answer["error"]["code"], -32600);
        assert!(
            answer["error"]["message"]
                .as_str()
                .unwrap()
                .contains("longer than 64 bytes")
        );
    }

    #[tokio::test]
    async fn a_partial_line_survives_a_cancelled_receive() {
        let (mut server, mut peer) = pipe(MAX_LINE_BYTES);
        peer.write_all(b"{\"jsonrpc\":\"2.0\",\"id\":")
            .await
            .unwrap();
        let cancelled = tokio::time::timeout(Duration::from_millis(50), server.receive()).await;
        assert!(cancelled.is_err(), "a half line must not make a message");
        peer.write_all(b"11,\"method\":\"ping\"}\r\n")
            .await
            .unwrap();
        let message = receive(&mut server).await.expect("the completed line");
        assert_eq!(request_id(&message), RequestId::Number(11));
    }

    #[tokio::test]
    async fn answers_and_sends_share_one_writer_line_by_line() {
        let (mut server, peer) = pipe(MAX_LINE_BYTES);
        let (peer_read, mut peer_write) = tokio::io::split(peer);
        peer_write
            .write_all(b"garbage\n{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}\n")
            .await
            .unwrap();
        let message = receive(&mut server).await.unwrap();
        let id = request_id(&message);
        server
            .send(JsonRpcMessage::error(
                ErrorData::internal_error("x", None),
                Some(id),
            ))
            .await
            .unwrap();
        peer_write.shutdown().await.unwrap();
        assert!(receive(&mut server).await.is_none());
        server.close().await.unwrap();
        drop(server);
        let mut lines = tokio::io::BufReader::new(peer_read).lines();
        let mut seen = Vec::new();
        while let Some(line) = lines.next_line().await.unwrap() {
            let value: Value = serde_json::from_str(&line).unwrap();
            seen.push((value["id"].clone(), value["error"]["code"].clone()));
        }
        assert_eq!(
            seen,
            vec![
                (Value::Null, Value::from(-32700)),
                (Value::from(1), Value::from(-32603)),
            ]
        );
    }
}
