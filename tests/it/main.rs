mod catalog;
mod tools_sandbox;
