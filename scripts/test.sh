#!/usr/bin/env bash
# Runs every test of fairdraw: formatting, lints, the Rust tests of the whole workspace (core and desktop app),
# the Python verifier against Rust-made records, the headless demo ceremony of scripts/run.sh, the frontend's
# unit tests (node --test), and the desktop app's end-to-end tests in a real window (scripts/e2e.sh; skip them
# with FAIRDRAW_E2E=0).
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
# On a CPU with AVX2 the kernel tests must run the AVX2 kernels too, not only their SSE2 fallbacks.
if grep -qw avx2 /proc/cpuinfo 2>/dev/null; then export FAIRDRAW_REQUIRE_AVX2=1; fi
cargo test --workspace --all-targets
echo "== the Python verifier, and random cross-checks with the fairdraw binary"
cargo build --bin fairdraw
FAIRDRAW_BIN="${CARGO_TARGET_DIR:-target}/debug/fairdraw" scripts/verify-python.sh
echo "== the headless demo ceremony of the README's run command (scripts/demo-ceremony.sh)"
demo_dir="$(mktemp -d)"
scripts/demo-ceremony.sh "${CARGO_TARGET_DIR:-target}/debug/fairdraw" "$demo_dir/demo" > "$demo_dir/demo.log" 2>&1 ||
    { cat "$demo_dir/demo.log"; exit 1; }
tail -n 4 "$demo_dir/demo.log"
rm -rf "$demo_dir"
echo "== frontend unit tests"
node --test ui/tests/
if [ "${FAIRDRAW_E2E:-1}" != 0 ]; then
    echo "== end-to-end tests of the desktop app"
    scripts/e2e.sh
fi
echo "all tests passed"
