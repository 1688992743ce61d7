mod catalog;
mod tools_sandbox;
mod tools_scopes;
mod tools_sweep;
