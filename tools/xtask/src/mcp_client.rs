//! A deliberately tiny MCP client over a child's stdio (newline-delimited JSON-RPC), so the
//! benchmark measures the server and not a client library.

use std::io::{BufRead, BufReader, Write};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::time::Instant;

use anyhow::{Context, Result, bail};
use serde_json::{Value, json};

pub struct StdioMcp {
    child: Child,
    stdin: ChildStdin,
    stdout: BufReader<ChildStdout>,
    next_id: u64,
}

impl StdioMcp {
    pub fn spawn(mut command: Command) -> Result<Self> {
        let mut child = command
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .context("spawning the MCP server")?;
        let stdin = child.stdin.take().context("no stdin")?;
        let stdout = BufReader::new(child.stdout.take().context("no stdout")?);
        Ok(StdioMcp {
            child,
            stdin,
            stdout,
            next_id: 1,
        })
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// `initialize` + `notifications/initialized`.
    pub fn initialize(&mut self) -> Result<Value> {
        let result = self.request(
            "initialize",
            json!({
                "protocolVersion": "2025-06-18",
                "capabilities": {},
                "clientInfo": {"name": "paas-bench", "version": "0"}
            }),
        )?;
        self.notify("notifications/initialized", json!({}))?;
        Ok(result)
    }

    /// Send one request and wait for its `result` (notifications in between are skipped).
    pub fn request(&mut self, method: &str, params: Value) -> Result<Value> {
        self.request_timed(method, params).map(|(result, _)| result)
    }

    /// [`request`](Self::request), plus the instant its answer line was read: the moment the
    /// server has answered. Timed suites stop the clock there, so this client's own parsing
    /// of the answer (about 1 ms for a 47 KB `tools/list` after an idle pause) is not counted
    /// as the server's time.
    pub fn request_timed(&mut self, method: &str, params: Value) -> Result<(Value, Instant)> {
        let id = self.next_id;
        self.next_id += 1;
        self.send(&json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}))?;
        let mut buf = String::new();
        loop {
            buf.clear();
            if self.stdout.read_line(&mut buf)? == 0 {
                bail!("the MCP server closed stdout while waiting for {method}");
            }
            let answered = Instant::now();
            let mut message: Value = serde_json::from_str(buf.trim())
                .with_context(|| format!("non-JSON line from the MCP server: {buf:?}"))?;
            if message.get("id").and_then(Value::as_u64) == Some(id) {
                if let Some(error) = message.get("error") {
                    bail!("{method} failed: {error}");
                }
                return Ok((message["result"].take(), answered));
            }
        }
    }

    /// [`request`](Self::request), plus the size of the compact JSON `result` (what a client
    /// puts into the model's context), for size measurements.
    pub fn request_sized(&mut self, method: &str, params: Value) -> Result<(Value, usize)> {
        let result = self.request(method, params)?;
        let size = serde_json::to_vec(&result)?.len();
        Ok((result, size))
    }

    fn notify(&mut self, method: &str, params: Value) -> Result<()> {
        self.send(&json!({"jsonrpc": "2.0", "method": method, "params": params}))
    }

    /// One message, one `write`, as real clients do. (`writeln!` on the unbuffered pipe
    /// would issue a write per formatted piece, waking the server on every fragment.)
    fn send(&mut self, message: &Value) -> Result<()> {
        let mut line = serde_json::to_vec(message)?;
        line.push(b'\n');
        self.stdin.write_all(&line)?;
        self.stdin.flush()?;
        Ok(())
    }
}

impl Drop for StdioMcp {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
