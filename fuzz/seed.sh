#!/usr/bin/env bash
# Rebuilds the seed corpora fuzz/corpus/TARGET/ from small real files: demo registers (xlsx written by
# rust_xlsxwriter, UTF-8 and GB18030 CSV), exports of an imported database, a record bundle made by
# `fairdraw draw`, its parts, its task file, and the broken files of tests/corpus/.
# Usage: fuzz/seed.sh [path to the fairdraw binary]   (default: builds it with cargo)
set -euo pipefail
cd "$(dirname "$0")/.."
bin="${1:-}"
if [ -z "$bin" ]; then
    cargo build --quiet --bin fairdraw
    bin="${CARGO_TARGET_DIR:-target}/debug/fairdraw"
fi
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
export FAIRDRAW_NOW=2026-06-01T09:30:00+08:00
db="$tmp/f.sqlite3"
c="fuzz/corpus"
rm -rf "$c"
mkdir -p "$c"/{csv_import,xlsx_import,xls_import,bundle_zip,bundle_parts,task_file}

for f in xlsx csv gbk-csv; do
    "$bin" demo --entities 6 --inspectors 60 --format "$f" --out "$tmp/demo-$f" >/dev/null
done
for f in "$tmp"/demo-xlsx/*.xlsx; do cp "$f" "$c/xlsx_import/demo-$(basename "$f")"; done
for f in "$tmp"/demo-csv/*.csv; do cp "$f" "$c/csv_import/demo-utf8-$(basename "$f")"; done
for f in "$tmp"/demo-gbk-csv/*.csv; do cp "$f" "$c/csv_import/demo-gbk-$(basename "$f")"; done

for r in departments items entities inspectors; do
    "$bin" --db "$db" import "$r" "$tmp/demo-xlsx/$r.xlsx" >/dev/null
    "$bin" --db "$db" export "$r" "$tmp/export-$r.xlsx" >/dev/null
    "$bin" --db "$db" export "$r" "$tmp/export-$r.csv" >/dev/null
    cp "$tmp/export-$r.xlsx" "$c/xlsx_import/export-$r.xlsx"
    cp "$tmp/export-$r.csv" "$c/csv_import/export-$r.csv"
done

# D01 has the most inspectors in post in the demo register, enough for groups of two.
dept=D01
staff=$("$bin" --db "$db" --json list inspectors | python3 -c 'import json,sys; print(next(i["staff_no"] for i in json.load(sys.stdin) if i["department"] == "D01"))')
code=$("$bin" --db "$db" --json list entities | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["code"])')
printf 'staff_no,entity_code,reason\n%s,%s,亲属关系\n' "$staff" "$code" > "$tmp/recusals.csv"
cat > "$tmp/task.json" <<JSON
{
  "rules": {
    "algorithm": "fairdraw-draw/1",
    "task": {"number": "永市监抽〔2026〕3号", "name": "2026年食品经营者抽查", "attempt": 1},
    "draw_date": "2026-06-01",
    "scope": {"regions": [], "industries": [], "entity_types": [], "risk_classes": [], "tags_any": []},
    "exclusions": {"statuses": [], "inspected_within_days": null, "entities": []},
    "strata": "risk_class",
    "quota": {"mode": "ratio", "ratios": [], "default_bp": 5000},
    "reserve_per_stratum": 1,
    "inspectors": {"departments": ["$dept"], "group_size": 2, "groups": {"mode": "fixed", "count": 1},
      "leader": {"required": false, "qualification": ""}, "expert_required": false,
      "required_qualifications": [], "active_statuses": ["在岗"], "recuse_same_region": false}
  },
  "recusals": "recusals.csv",
  "witnesses": [{"name": "李明", "role": "人大代表", "unit": "永州市人大常委会", "entropy": "31415926"}],
  "secret": "1111111111111111111111111111111111111111111111111111111111111111"
}
JSON
"$bin" --db "$db" draw "$tmp/task.json" --out "$tmp/bundle.zip" >/dev/null
cp "$tmp/bundle.zip" "$c/bundle_zip/demo-bundle.zip"
"$bin" --db "$db" draw "$tmp/task.json" --out "$tmp/bundle" >/dev/null
for f in bundle.json population.csv inspectors.csv recusals.csv; do cp "$tmp/bundle/$f" "$c/bundle_parts/$f"; done
python3 - "$tmp/task.json" "$tmp/recusals.csv" "$c/task_file" <<'PY'
import json, sys
task = json.load(open(sys.argv[1]))
out = sys.argv[3]
json.dump(task, open(out + "/recusal-file.json", "w"), ensure_ascii=False)
staff, code, reason = open(sys.argv[2]).read().splitlines()[1].split(",")
task["recusals"] = [{"staff_no": staff, "entity_code": code, "reason": reason}]
json.dump(task, open(out + "/inline-recusals.json", "w"), ensure_ascii=False)
task["rules"]["strata"] = "none"
task["rules"]["quota"] = {"mode": "count", "total": 3}
del task["secret"]
json.dump(task, open(out + "/count.json", "w"), ensure_ascii=False)
PY

for f in tests/corpus/*.csv; do cp "$f" "$c/csv_import/"; done
for f in tests/corpus/*.xlsx; do cp "$f" "$c/xlsx_import/"; done
for f in tests/corpus/*.xls; do cp "$f" "$c/xls_import/"; done
ls "$c"/* | wc -l
