#!/usr/bin/env bash
# Whole-process figures (wall time, CPU time, peak RSS via /usr/bin/time -v) of the fairdraw command-line tool
# on demo registers, with the baselines beside them, written as a markdown table.
#
#   import   N entities as GBK CSV (fresh database, then again unchanged); 100,000 entities as xlsx
#   draw     `fairdraw draw` of populations of 10k / 100k / N (three credit strata at 3/5/10 %, 500 inspectors
#            in groups of two, same-region recusal), reading the population from the database
#   verify   the bundles with `fairdraw verify` and with the Python verifier (tools/verify.py)
#   floor    the bare read of the same rows from SQLite (`sqlite3` command-line shell, all columns, in code order)
#   pandas   pandas read_csv + to_sql of the same CSV, and a naive `random.sample` draw of the same strata from
#            the same database (a venv under $CARGO_TARGET_DIR; skipped with a message if pandas cannot be installed)
#
# Usage: scripts/bench.sh [N] [OUT.md]     (N defaults to 1000000; OUT defaults to $TARGET/bench-results.md)
# Builds the release binary if needed. Installs `time` and `sqlite3` with apt-get if missing (needs root).
set -euo pipefail
export FAIRDRAW_BENCH_KEEP=${FAIRDRAW_BENCH_KEEP:-}
cd "$(dirname "$0")/.."
N=${1:-1000000}
TARGET=${CARGO_TARGET_DIR:-target}
OUT=${2:-$TARGET/bench-results.md}
BIN=${FAIRDRAW:-$TARGET/release/fairdraw}
VENV=${FAIRDRAW_BENCH_VENV:-$TARGET/venv-bench}

need() { # command, Debian package
    command -v "$1" >/dev/null 2>&1 && return 0
    echo "installing $2 ..." >&2
    apt-get install -y -qq "$2" >/dev/null 2>&1 || { apt-get update -qq >/dev/null 2>&1 && apt-get install -y -qq "$2" >/dev/null 2>&1; } || true
    command -v "$1" >/dev/null 2>&1
}
need /usr/bin/time time || { echo "bench.sh: /usr/bin/time is needed (apt-get install time)" >&2; exit 1; }
HAVE_SQLITE3=1
need sqlite3 sqlite3 || { HAVE_SQLITE3=0; echo "bench.sh: sqlite3 shell not available: the SQLite floor is skipped" >&2; }
[ -n "${FAIRDRAW:-}" ] || cargo build --release --quiet
W=$(mktemp -d)
[ -n "$FAIRDRAW_BENCH_KEEP" ] && echo "keeping $W" >&2 || trap 'rm -rf "$W"' EXIT

ROWS=()
measure() { # label, command...
    local label=$1
    shift
    if ! /usr/bin/time -v "$@" >"$W/out.txt" 2>"$W/time.txt"; then
        echo "bench.sh: '$label' failed:" >&2
        tail -n 5 "$W/out.txt" >&2; grep -v "^\t" "$W/time.txt" | tail -n 5 >&2
        ROWS+=("| $label | failed | | |")
        return 0
    fi
    local wall user sys rss
    wall=$(sed -n 's/.*Elapsed (wall clock) time (h:mm:ss or m:ss): //p' "$W/time.txt" | awk -F: '{ s = 0; for (i = 1; i <= NF; i++) s = s * 60 + $i; printf "%.2f", s }')
    user=$(sed -n 's/.*User time (seconds): //p' "$W/time.txt")
    sys=$(sed -n 's/.*System time (seconds): //p' "$W/time.txt")
    rss=$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$W/time.txt")
    local cpu
    cpu=$(awk -v u="$user" -v s="$sys" 'BEGIN { printf "%.2f", u + s }')
    ROWS+=("| $label | $wall | $cpu | $((rss / 1024)) |")
    printf '%-58s wall %8ss  cpu %8ss  max RSS %6d MiB\n' "$label" "$wall" "$cpu" $((rss / 1024)) >&2
}

# Demo registers: the large size as GBK CSV, 100k as xlsx (and CSV for pandas), 10k as GBK CSV.
"$BIN" demo --entities "$N" --inspectors 500 --format gbk-csv --out "$W/big" >/dev/null
"$BIN" demo --entities 100000 --inspectors 500 --format xlsx --out "$W/mid" >/dev/null
"$BIN" demo --entities 10000 --inspectors 500 --format gbk-csv --out "$W/small" >/dev/null

# The 500 demo inspectors, all made in post, certified and of 市场监管局 (a group has one inspector per
# department, so groups of two need a single department), as in benches/draw.rs: 250 groups.
python3 - "$W/big/inspectors.csv" "$W/inspectors.csv" <<'PY'
import csv, sys
with open(sys.argv[1], encoding="gb18030", newline="") as f:
    rows = list(csv.reader(f))
for r in rows[1:]:
    r[2], r[8] = "市场监管局", "在岗"
    r[3] = r[3] or "43" + r[0]
    if r[4] < "2026-06-01":
        r[4] = "长期"
with open(sys.argv[2], "w", encoding="utf-8", newline="") as f:
    csv.writer(f).writerows(rows)
PY
setup_db() { # db, demo dir, extension
    "$BIN" --db "$1" import departments "$2/departments.$3" >/dev/null
    "$BIN" --db "$1" import inspectors "$W/inspectors.csv" >/dev/null
}
setup_db "$W/big.sqlite3" "$W/big" csv
setup_db "$W/mid.sqlite3" "$W/mid" xlsx
setup_db "$W/small.sqlite3" "$W/small" csv
measure "import $N entities, GBK CSV, fresh database" "$BIN" --db "$W/big.sqlite3" import entities "$W/big/entities.csv"
measure "import $N entities, GBK CSV, again (all unchanged)" "$BIN" --db "$W/big.sqlite3" import entities "$W/big/entities.csv"
measure "import 100000 entities, xlsx, fresh database" "$BIN" --db "$W/mid.sqlite3" import entities "$W/mid/entities.xlsx"
"$BIN" --db "$W/small.sqlite3" import entities "$W/small/entities.csv" >/dev/null

# The task: three strata at 3/5/10 %, 250 groups of two, same-region recusal.
python3 - "$W" <<'PY'
import json, sys
w = sys.argv[1]
rules = {
    "algorithm": "fairdraw-draw/1",
    "task": {"number": "永市监抽〔2026〕99号", "name": "基准测试", "attempt": 1},
    "draw_date": "2026-06-01",
    "scope": {"regions": [], "industries": [], "entity_types": [], "risk_classes": ["A", "B", "C"], "tags_any": []},
    "exclusions": {"statuses": ["吊销", "撤销", "注销", "迁出"], "inspected_within_days": 365, "entities": []},
    "strata": "risk_class",
    "quota": {"mode": "ratio", "ratios": [{"stratum": "A", "bp": 300}, {"stratum": "B", "bp": 500},
              {"stratum": "C", "bp": 1000}], "default_bp": None},
    "reserve_per_stratum": None,
    "inspectors": {"departments": ["D01"], "group_size": 2, "groups": {"mode": "fixed", "count": 250},
                   "leader": {"required": False, "qualification": ""}, "expert_required": False,
                   "required_qualifications": [], "active_statuses": ["在岗"], "recuse_same_region": True},
}
task = {"rules": rules, "recusals": [],
        "witnesses": [{"name": "李明", "role": "人大代表", "unit": "永州市人大常委会", "entropy": "31415926"}],
        "secret": "11" * 32}
json.dump(task, open(f"{w}/task.json", "w"), ensure_ascii=False)
PY

for size in small mid big; do
    n=$(case $size in small) echo 10000 ;; mid) echo 100000 ;; big) echo "$N" ;; esac)
    db="$W/$size.sqlite3"
    if [ "$HAVE_SQLITE3" = 1 ]; then
        measure "floor: sqlite3 reads the $n entity rows" sqlite3 "$db" "SELECT * FROM entity ORDER BY code"
    fi
    measure "draw $n (fairdraw draw, reads the register)" "$BIN" --db "$db" draw "$W/task.json" --out "$W/$size.fairdraw.zip"
    measure "verify $n bundle, Rust (fairdraw verify)" "$BIN" verify "$W/$size.fairdraw.zip"
    measure "verify $n bundle, Python (tools/verify.py)" python3 tools/verify.py "$W/$size.fairdraw.zip"
done

# pandas baselines.
if [ ! -x "$VENV/bin/python" ] || ! "$VENV/bin/python" -c "import pandas" 2>/dev/null; then
    { python3 -m venv "$VENV" && "$VENV/bin/pip" install -q pandas; } >/dev/null 2>&1 || true
fi
if "$VENV/bin/python" -c "import pandas" 2>/dev/null; then
    cat >"$W/pandas_import.py" <<'PY'
import sqlite3, sys
import pandas as pd
# The fairdraw CSV has one title row above the header; every value is read as text, as fairdraw does.
df = pd.read_csv(sys.argv[1], encoding="gb18030", skiprows=1, dtype=str, keep_default_na=False)
con = sqlite3.connect(sys.argv[2])
df.to_sql("entity", con, index=False, if_exists="replace", chunksize=50_000)
con.commit()
print(len(df))
PY
    cat >"$W/naive_draw.py" <<'PY'
import random, sqlite3, sys
# A naive draw: read the population, stratify by credit class, random.sample each stratum at 3/5/10 %,
# shuffle the in-post inspectors into pairs. No canonical order, no fingerprints, no recusal check.
con = sqlite3.connect(sys.argv[1])
strata = {"A": [], "B": [], "C": []}
for code, risk in con.execute("SELECT code, risk_class FROM entity ORDER BY code"):
    if risk in strata:
        strata[risk].append(code)
rng = random.Random(1)
targets = []
for key, bp in (("A", 300), ("B", 500), ("C", 1000)):
    targets += rng.sample(strata[key], -(-len(strata[key]) * bp // 10000))
inspectors = [r[0] for r in con.execute("SELECT staff_no FROM inspector WHERE status = '在岗'")]
rng.shuffle(inspectors)
groups = [inspectors[i:i + 2] for i in range(0, 500, 2)]
print(len(targets), len(groups))
PY
    measure "pandas: read_csv + to_sql of the $N-row GBK CSV" "$VENV/bin/python" "$W/pandas_import.py" "$W/big/entities.csv" "$W/pandas.sqlite3"
    for size in small mid big; do
        n=$(case $size in small) echo 10000 ;; mid) echo 100000 ;; big) echo "$N" ;; esac)
        measure "naive Python draw (random.sample) of $n" python3 "$W/naive_draw.py" "$W/$size.sqlite3"
    done
else
    echo "bench.sh: pandas could not be installed into $VENV: the pandas baseline is skipped" >&2
    ROWS+=("| pandas baseline | skipped: pandas could not be installed | | |")
fi

mkdir -p "$(dirname "$OUT")"
{
    echo "Measured $(date -u +%Y-%m-%dT%H:%MZ) on $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg); $(sqlite3 --version 2>/dev/null | cut -d' ' -f1 | sed 's/^/sqlite3 shell /')"
    echo
    echo "| what | wall s | CPU s (user+sys) | peak RSS MiB |"
    echo "|---|---:|---:|---:|"
    printf '%s\n' "${ROWS[@]}"
} >"$OUT"
cat "$OUT"
