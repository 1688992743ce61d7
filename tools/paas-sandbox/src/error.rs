//! Errors of the sandbox library itself (start-up, persistence, the admin helper calls).

/// Why the sandbox could not do what its handle was asked to.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SandboxError {
    /// The listening socket could not be bound.
    #[error("cannot listen on {addr}: {source} (pick another --port or free that one)")]
    Bind {
        addr: std::net::SocketAddr,
        #[source]
        source: std::io::Error,
    },
    /// The state file exists but is not a sandbox state.
    #[error("cannot load sandbox state from {path}: {reason} (delete the file to start fresh)")]
    LoadState { path: String, reason: String },
    /// The state file could not be written.
    #[error("cannot save sandbox state to {path}: {reason}")]
    SaveState { path: String, reason: String },
    /// Talking to our own HTTP API failed (used by [`crate::Sandbox::create_agent`]).
    #[error("sandbox admin API call failed: {0}")]
    Api(String),
    /// A local file-system operation failed.
    #[error("{0}")]
    Io(String),
    /// Waiting for Ctrl-C failed.
    #[error("cannot wait for Ctrl-C: {0}")]
    Signal(#[source] std::io::Error),
}
