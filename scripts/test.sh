#!/usr/bin/env bash
# Runs every test of fairdraw: formatting, lints, the Rust tests, the Python verifier against Rust-made records.
# This is the README's test command and what CI runs (.ci/run).
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
scripts/setup.sh core

echo "== cargo fmt --check"
cargo fmt --all -- --check
echo "== cargo clippy"
cargo clippy --all-targets -- -D warnings
echo "== cargo test"
cargo test --all-targets
echo "== the Python verifier, and random cross-checks with the fairdraw binary"
cargo build --bin fairdraw
FAIRDRAW_BIN="${CARGO_TARGET_DIR:-target}/debug/fairdraw" scripts/verify-python.sh
echo "all tests passed"
