//! Integration tests of the core library and the `fairdraw` command-line tool: one binary, a module per feature.

mod cli_basics;
mod draw_fixtures;
mod draw_properties;
mod vectors;
mod demo;
