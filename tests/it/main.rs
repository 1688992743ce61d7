//! The one integration test binary: each module is one area.

mod cli_chromium;
mod cli_commands;
mod cli_connect;
mod cli_help;
mod cli_support;
