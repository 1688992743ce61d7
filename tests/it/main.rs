mod setup;
mod setup_clients;
