//! `xtask pipe-echo`: the floor under any stdio MCP server. It answers every JSON-RPC request
//! line with an empty result over the same non-blocking pipes and current-thread runtime as
//! `paas mcp`, decoding with `serde_json` only: no MCP library, no dispatch, no state.
//!
//! The benchmark pings it next to `xtask bare-mcp`, so the report shows what a round trip
//! through the pipes costs on this machine and what the MCP library's loop adds on top.

use anyhow::{Context, Result};
use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};

pub fn run() -> Result<()> {
    let runtime = crate::current_thread_runtime()?;
    runtime.block_on(async {
        let (read, mut write) = rmcp::transport::stdio_pipes();
        let mut lines = BufReader::new(read).lines();
        while let Some(line) = lines.next_line().await.context("reading stdin")? {
            let Ok(message) = serde_json::from_str::<Value>(&line) else {
                continue;
            };
            // Notifications (no id) get no answer, as in MCP.
            let Some(id) = message.get("id") else {
                continue;
            };
            let mut answer = json!({"jsonrpc": "2.0", "id": id, "result": {}}).to_string();
            answer.push('\n');
            write
                .write_all(answer.as_bytes())
                .await
                .context("writing stdout")?;
            write.flush().await.context("writing stdout")?;
        }
        Ok(())
    })
}
