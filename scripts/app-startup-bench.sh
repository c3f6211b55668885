#!/usr/bin/env bash
# Measures the desktop app's cold start to an interactive console, and its idle memory.
#
# Start: from launching the process until the console has rendered its first page from the database and
# called the `ui_ready` command (the app prints "console ready at <unix ms>" on stderr once).
# Memory: after the console settled (5 s), the resident memory of the app process and all its descendants
# (WebKitWebProcess, WebKitNetworkProcess), as RSS (shared pages counted in every process), PSS (shared pages
# divided among the processes sharing them) and USS (pages private to these processes: what closing the app
# gives back). Under Xvfb, WebKit renders with Mesa's software renderer (llvmpipe), which adds LLVM's pages.
# Each run uses a fresh copy of a new database and a fresh settings file, under Xvfb.
#
# Usage: scripts/app-startup-bench.sh [--debug] [runs]    (default: release build, 5 runs)
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
profile=release
if [ "${1:-}" = "--debug" ]; then
    profile=debug
    shift
fi
runs="${1:-5}"
target="${CARGO_TARGET_DIR:-target}"
case "$target" in /*) ;; *) target="$PWD/$target" ;; esac

scripts/setup.sh app >&2
if [ "$profile" = release ]; then
    # The same build as `npx tauri build` makes for the installers (it adds tauri/custom-protocol).
    cargo build --release -p fairdraw-app --bins --features tauri/custom-protocol >&2
    cargo build --release -p fairdraw --bins >&2
else
    cargo build -p fairdraw-app -p fairdraw --bins >&2
fi
app="$target/$profile/fairdraw-app"
cli="$target/$profile/fairdraw"

work="$(mktemp -d)"
# shellcheck source=lib/display.sh
. scripts/lib/display.sh
trap 'stop_started; rm -rf "$work"' EXIT INT TERM
start_xvfb
display="$DISPLAY_FOR_APP"

"$cli" --db "$work/template/fairdraw.sqlite3" list departments >/dev/null

# Sums VmRSS, Pss and private pages (kB) over a process and all its descendants.
memory() {
    python3 - "$1" <<'EOF'
import os, sys
root = int(sys.argv[1])
children = {}
for p in os.listdir("/proc"):
    if p.isdigit():
        try:
            with open(f"/proc/{p}/stat") as f:
                ppid = int(f.read().rsplit(")", 1)[1].split()[1])
            children.setdefault(ppid, []).append(int(p))
        except OSError:
            pass
todo, tree = [root], []
while todo:
    p = todo.pop()
    tree.append(p)
    todo += children.get(p, [])
rss = pss = uss = 0
names = []
for p in tree:
    try:
        with open(f"/proc/{p}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    rss += int(line.split()[1])
        with open(f"/proc/{p}/smaps_rollup") as f:
            for line in f:
                if line.startswith("Pss:"):
                    pss += int(line.split()[1])
                if line.startswith(("Private_Clean:", "Private_Dirty:")):
                    uss += int(line.split()[1])
        with open(f"/proc/{p}/comm") as f:
            names.append(f.read().strip())
    except OSError:
        pass
print(rss, pss, uss, ",".join(sorted(names)))
EOF
}

echo "bench: $runs runs of $app ($profile) on $display" >&2
starts=()
for i in $(seq 1 "$runs"); do
    rm -rf "$work/run"
    cp -r "$work/template" "$work/run"
    log="$work/run/stderr.log"
    t0="$(date +%s%3N)"
    DISPLAY="$display" start_background "$app" --db "$work/run/fairdraw.sqlite3" 2>"$log"
    pid=$last_pid
    ready=""
    for _ in $(seq 1 600); do
        ready="$(grep -o 'console ready at [0-9]*' "$log" 2>/dev/null | grep -o '[0-9]*$' || true)"
        [ -n "$ready" ] && break
        sleep 0.05
    done
    if [ -z "$ready" ]; then
        echo "bench: run $i: the console did not report ready within 30 s" >&2
        cat "$log" >&2
        exit 1
    fi
    start_ms=$((ready - t0))
    starts+=("$start_ms")
    sleep 5
    read -r rss pss uss names < <(memory "$pid")
    printf 'run %d: ready after %d ms; idle memory RSS %d MiB, PSS %d MiB, USS %d MiB (%s)\n' \
        "$i" "$start_ms" $((rss / 1024)) $((pss / 1024)) $((uss / 1024)) "$names"
    kill -- "-$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
done
sorted="$(printf '%s\n' "${starts[@]}" | sort -n)"
median="$(echo "$sorted" | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : int((a[NR/2]+a[NR/2+1])/2)}')"
printf 'start to interactive console: median %d ms, min %d ms, max %d ms over %d runs (first run: %d ms)\n' \
    "$median" "$(echo "$sorted" | head -1)" "$(echo "$sorted" | tail -1)" "$runs" "${starts[0]}"
