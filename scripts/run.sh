#!/usr/bin/env bash
# Sets up and runs fairdraw.
# - With a display (DISPLAY or WAYLAND_DISPLAY set): builds the desktop app, prepares a demo database (registers
#   imported from spreadsheets, a published plan, a joint task ready to draw) and opens the app on it.
# - Without a display: runs a whole public draw headlessly on demo data (scripts/demo-ceremony.sh), from the
#   import of the registers to the sealed record verified by fairdraw and by the independent Python verifier.
# The demo data lives in ./fairdraw-demo (recreated on each run). Installs system packages idempotently.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
target="${CARGO_TARGET_DIR:-target}"

if [ -n "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ] && [ "${FAIRDRAW_HEADLESS:-0}" != 1 ]; then
    scripts/setup.sh app
    cargo build --release --bin fairdraw -p fairdraw
    cargo build --release -p fairdraw-app
    scripts/demo-ceremony.sh --prepare-only "$target/release/fairdraw" fairdraw-demo
    echo "启动桌面应用 / starting the desktop app on fairdraw-demo/fairdraw.sqlite3"
    exec "$target/release/fairdraw-app" --db fairdraw-demo/fairdraw.sqlite3
else
    scripts/setup.sh core
    cargo build --release --bin fairdraw -p fairdraw
    echo "没有图形显示，运行无界面演示摇号 / no display: running a headless demo ceremony"
    scripts/demo-ceremony.sh "$target/release/fairdraw" fairdraw-demo
fi
