//! Integration tests of the core library and the `fairdraw` command-line tool: one binary, a module per feature.

mod cli_basics;
mod demo;
mod export;
mod import;
mod pdf;
