//! The `paas` binary: parse, dispatch, exit. Everything else lives in the library.

fn main() -> std::process::ExitCode {
    paas_mcp::cli::main()
}
