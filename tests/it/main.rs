mod setup;
mod setup_clients;
//! The one integration test binary: each module is one area.

mod cli_chromium;
mod cli_connect;
mod cli_support;
