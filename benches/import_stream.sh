#!/usr/bin/env bash
# Measures import time and peak memory (max RSS) of `fairdraw import` on generated entity files:
# an N-row CSV (default 1,000,000), the same file again (every row unchanged), and an xlsx of M rows
# (default 100,000) written by `fairdraw export`. Numbers go to stdout; nothing is asserted.
#
# Usage: benches/import_stream.sh [N] [M]   (build first: cargo build --release)
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-1000000}
M=${2:-100000}
BIN=${FAIRDRAW:-${CARGO_TARGET_DIR:-target}/release/fairdraw}
DIR=$(mktemp -d)
trap 'rm -rf "$DIR"' EXIT

measure() {
    local label=$1
    shift
    /usr/bin/time -v "$@" >"$DIR/out.txt" 2>"$DIR/time.txt"
    local wall rss
    wall=$(sed -n 's/.*Elapsed (wall clock) time (h:mm:ss or m:ss): //p' "$DIR/time.txt")
    rss=$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$DIR/time.txt")
    printf '%-40s wall %-10s max RSS %6d MiB\n' "$label" "$wall" $((rss / 1024))
}

python3 benches/gen_entities_csv.py "$N" "$DIR/e.csv"
python3 benches/gen_entities_csv.py "$M" "$DIR/m.csv"
echo "CSV: $N rows, $(du -m "$DIR/e.csv" | cut -f1) MiB"
measure "import $N-row CSV (fresh database)" "$BIN" --db "$DIR/a.sqlite3" import entities "$DIR/e.csv"
measure "import $N-row CSV again (unchanged)" "$BIN" --db "$DIR/a.sqlite3" import entities "$DIR/e.csv"
"$BIN" --db "$DIR/b.sqlite3" import entities "$DIR/m.csv" >/dev/null
measure "export $M rows to xlsx" "$BIN" --db "$DIR/b.sqlite3" export entities "$DIR/m.xlsx"
echo "xlsx: $M rows, $(du -m "$DIR/m.xlsx" | cut -f1) MiB"
measure "import $M-row xlsx (fresh database)" "$BIN" --db "$DIR/c.sqlite3" import entities "$DIR/m.xlsx"
measure "export $N rows to CSV" "$BIN" --db "$DIR/a.sqlite3" export entities "$DIR/e-out.csv"
