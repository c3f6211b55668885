#!/usr/bin/env bash
# Installs what fairdraw needs to build and test on Debian/Ubuntu, idempotently (as root, or with sudo).
# Usage: scripts/setup.sh [core|app|all]   (default: all)
#   core: build the core crate and run its tests (compiler, Python, PDF tools, fonts)
#   app:  additionally the desktop app and its end-to-end tests (WebKitGTK, Xvfb, WebKitWebDriver)
set -euo pipefail
what="${1:-all}"

core_pkgs=(build-essential pkg-config python3 poppler-utils fonts-noto-cjk fonts-dejavu-core)
# The desktop app: WebKitGTK to build it; Xvfb, WebKitWebDriver, Python venv and ss (iproute2) for its
# end-to-end tests (scripts/e2e.sh); ImageMagick for icons and screenshots.
app_pkgs=(libwebkit2gtk-4.1-dev xvfb xauth webkit2gtk-driver python3-venv iproute2 imagemagick fonts-wqy-microhei)

pkgs=("${core_pkgs[@]}")
if [ "$what" = "app" ] || [ "$what" = "all" ]; then
    pkgs+=("${app_pkgs[@]}")
    # Node runs the frontend's unit tests (node --test) and the Tauri CLI for bundles; any Node >= 18 will do.
    command -v node >/dev/null 2>&1 || pkgs+=(nodejs npm)
fi

missing=()
for p in "${pkgs[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
    SUDO=""
    [ "$(id -u)" -ne 0 ] && SUDO="sudo"
    echo "setup: installing ${missing[*]}" >&2
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if ! command -v cargo >/dev/null 2>&1; then
    if [ -x "$HOME/.cargo/bin/cargo" ]; then
        echo "setup: cargo is in ~/.cargo/bin; add it to PATH" >&2
    else
        echo "setup: installing Rust with rustup" >&2
        command -v curl >/dev/null 2>&1 || apt-get install -y -qq curl ca-certificates >/dev/null
        curl -sSf https://sh.rustup.rs | sh -s -- -y --profile minimal --component rustfmt,clippy
    fi
fi
