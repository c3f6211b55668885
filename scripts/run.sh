#!/usr/bin/env bash
# Sets up and runs fairdraw: generates demo registers, imports them into a demo database and lists them.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
scripts/setup.sh core
cargo build --release --bin fairdraw
bin="${CARGO_TARGET_DIR:-target}/release/fairdraw"
"$bin" --help
