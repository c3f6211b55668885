#!/usr/bin/env bash
# Runs every test of fairdraw: formatting, lints, the Rust tests of the whole workspace (core and desktop app),
# the frontend's unit tests (node --test), the Python verifier against Rust-made records, and the desktop app's
# end-to-end tests in a real window (scripts/e2e.sh; skip them with FAIRDRAW_E2E=0).
# This is the README's test command and what CI runs (.ci/run).
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
scripts/setup.sh all

echo "== cargo fmt --check"
cargo fmt --all -- --check
echo "== cargo clippy"
cargo clippy --workspace --all-targets -- -D warnings
echo "== cargo test"
cargo test --workspace --all-targets
echo "== the Python verifier, and random cross-checks with the fairdraw binary"
cargo build --bin fairdraw
FAIRDRAW_BIN="${CARGO_TARGET_DIR:-target}/debug/fairdraw" scripts/verify-python.sh
echo "== frontend unit tests"
node --test ui/tests/
if [ "${FAIRDRAW_E2E:-1}" != 0 ]; then
    echo "== end-to-end tests of the desktop app"
    scripts/e2e.sh
fi
echo "all tests passed"
