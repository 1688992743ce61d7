mod catalog;
mod tools_sandbox;
mod tools_sweep;
