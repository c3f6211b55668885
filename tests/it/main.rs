//! Integration tests of the core library and the `fairdraw` command-line tool: one binary, a module per feature.

mod audit;
mod backup;
mod bundle_reading;
mod ceremony;
mod cli_basics;
mod corpus;
mod crash;
mod demo;
mod draw_cli;
mod draw_fixtures;
mod draw_properties;
mod draw_uniformity;
mod export;
mod failures;
mod import;
mod import_journal;
mod import_order;
mod import_rollback;
mod journal;
mod notice;
mod pdf;
mod plan;
mod record;
mod result;
mod vectors;
mod verify;
