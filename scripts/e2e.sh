#!/usr/bin/env bash
# End-to-end tests of the desktop app in a real window: builds the app (debug), starts a virtual X display
# (Xvfb) and tauri-driver (which drives WebKitWebDriver), and runs the Python WebDriver tests in tests/e2e/.
# Screenshots of every step go to $CARGO_TARGET_DIR/e2e-screenshots (or target/e2e-screenshots);
# E2E_UPDATE_DOCS=1 writes the ceremony's pairs into docs/screenshots instead (the README shows them).
# Installs what it needs idempotently: Debian packages (scripts/setup.sh app), tauri-driver (cargo install),
# Python selenium, pytest and pytest-timeout (in a venv under the target directory).
# Usage: scripts/e2e.sh [pytest arguments, e.g. -k stage]
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
target="${CARGO_TARGET_DIR:-target}"
case "$target" in /*) ;; *) target="$PWD/$target" ;; esac

scripts/setup.sh app
if ! command -v tauri-driver >/dev/null 2>&1; then
    echo "e2e: installing tauri-driver" >&2
    cargo install tauri-driver --locked
fi
venv="$target/e2e-venv"
if ! "$venv/bin/python" -c "import selenium, pytest, pytest_timeout" >/dev/null 2>&1; then
    echo "e2e: installing selenium, pytest and pytest-timeout into $venv" >&2
    python3 -m venv "$venv"
    "$venv/bin/pip" install -q selenium pytest pytest-timeout
fi

echo "== e2e: building the app and the command-line tool (debug)"
cargo build -p fairdraw-app -p fairdraw --bins

# shellcheck source=lib/display.sh
. scripts/lib/display.sh
start_xvfb
display="$DISPLAY_FOR_APP"

# A tauri-driver (or its WebKitWebDriver) left over from an interrupted run would answer instead of ours.
port="${E2E_PORT:-4444}"  # E2E_PORT: another port, for two runs on one machine
native_port=$((port + 1))
for p in "$port" "$native_port"; do
    for pid in $(ss -ltnpH "sport = :$p" 2>/dev/null | grep -o 'pid=[0-9]*' | cut -d= -f2 | sort -u); do
        name="$(cat "/proc/$pid/comm" 2>/dev/null || true)"
        case "$name" in
            tauri-driver | WebKitWebDriver)
                echo "e2e: stopping stale $name (pid $pid) on port $p" >&2
                kill "$pid" || true
                ;;
            *)
                echo "e2e: port $p is used by $name (pid $pid); not ours, giving up" >&2
                exit 1
                ;;
        esac
    done
done

DISPLAY="$display" start_background tauri-driver --port "$port" --native-port "$native_port" \
    >"$target/e2e-tauri-driver.log" 2>&1
for _ in $(seq 1 100); do
    if python3 -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:$port/status', timeout=1)" 2>/dev/null; then
        break
    fi
    sleep 0.1
done

screenshots="$target/e2e-screenshots"
rm -rf "$screenshots"
mkdir -p "$screenshots"
echo "== e2e: running tests/e2e on display $display (screenshots in $screenshots)"
E2E_APP="$target/debug/fairdraw-app" \
E2E_CLI="$target/debug/fairdraw" \
E2E_WEBDRIVER="http://127.0.0.1:$port" \
E2E_SCREENSHOTS="$screenshots" \
    "$venv/bin/python" -m pytest -q -p no:cacheprovider tests/e2e "$@"
