#!/usr/bin/env bash
# A whole public draw, headless, on demo data: registers generated and imported from spreadsheets, a published
# plan, a joint task (市场监管局 + 卫健委), a ceremony with three witnesses from commitment to sealed record, the
# PDF record and the record bundle exported together, the bundle verified by fairdraw itself and by the
# independent Python verifier, and the task notice (一公开) written as HTML and xlsx.
#
# Usage: scripts/demo-ceremony.sh [--prepare-only] [BIN] [WORKDIR]
#   --prepare-only  stop once the task is ready to draw (what the desktop app opens on in scripts/run.sh)
#   BIN      the fairdraw binary (default: target/release/fairdraw, built by scripts/run.sh)
#   WORKDIR  where the demo database, spreadsheets and record go (default: ./fairdraw-demo, recreated)
# Prints every command before running it, as an operator would type it.
set -euo pipefail
cd "$(dirname "$0")/.."
prepare_only=0
if [ "${1:-}" = "--prepare-only" ]; then
    prepare_only=1
    shift
fi
bin="${1:-${CARGO_TARGET_DIR:-target}/release/fairdraw}"
work="${2:-fairdraw-demo}"
bin="$(realpath "$bin")"
rm -rf "$work"
mkdir -p "$work"
work="$(realpath "$work")"
export FAIRDRAW_DB="$work/fairdraw.sqlite3"

step() {
    printf '\n\033[1m$ fairdraw %s\033[0m\n' "$*"
    "$bin" "$@"
}

echo "演示数据库 / demo database: $FAIRDRAW_DB"
step demo --out "$work/registers" --format xlsx --entities 5000 --inspectors 200 --seed 演示
for register in departments items entities inspectors; do
    step import "$register" "$work/registers/$register.xlsx"
done

step plan create --year 2026 --title 2026年度双随机抽查计划 --departments D01,D13

# Three items of each department's list (抽查事项清单), from the imported register.
items="$("$bin" --json list items | python3 -c '
import json, sys
rows = json.load(sys.stdin)
codes = [r["code"] for r in rows if r["department"] == "D01"][:2] + [r["code"] for r in rows if r["department"] == "D13"][:1]
print(",".join(codes))
')"
cat > "$work/rules.json" <<'EOF'
{
  "scope": {"regions": [], "industries": [], "entity_types": [], "risk_classes": [], "tags_any": []},
  "exclusions": {"statuses": ["吊销", "撤销", "注销", "迁出"], "inspected_within_days": 365, "entities": []},
  "strata": "risk_class",
  "quota": {"mode": "ratio", "ratios": [{"stratum": "A", "bp": 20}, {"stratum": "D", "bp": 300}], "default_bp": 50},
  "reserve_per_stratum": null,
  "inspectors": {"group_size": 3, "groups": {"mode": "per_targets", "max_targets": 8},
    "leader": {"required": true, "qualification": ""}, "expert_required": false,
    "required_qualifications": [], "active_statuses": ["在岗"], "recuse_same_region": false}
}
EOF
step task create --plan 1 --number 永市监抽〔2026〕3号 --name 2026年食品经营者联合抽查 --lead 市场监管局 \
    --participating 卫健委 --items "$items" --method 实地检查 --start 2026-06-15 --end 2026-07-15 \
    --rules "$work/rules.json" --operator 王五
# "未经公示的随机抽查工作计划不得实施": the plan, with its task, is published before anything is drawn.
step plan publish 1 --on 2026-03-01 --where 永州市人民政府门户网站
if [ "$prepare_only" = 1 ]; then
    printf '\n演示数据已就绪 / demo data ready: %s\n' "$FAIRDRAW_DB"
    exit 0
fi

step ceremony start 永市监抽〔2026〕3号 --operator 张三
step ceremony record-start 1 --device 会议室摄像机
step ceremony freeze 1
step ceremony commit 1
step ceremony witness 1 --name 李明 --role 人大代表 --unit 永州市人大常委会
step ceremony witness 1 --name 周敏 --role 政协委员 --unit 永州市政协
step ceremony witness 1 --name 陈公正 --role 公证员 --unit 永州市公证处
step ceremony close-witnesses 1
step ceremony entropy 1 --witness 1 314159
step ceremony entropy 1 --witness 2 271828
step ceremony entropy 1 --witness 3 1618033
step ceremony seed 1
step ceremony reveal 1
step ceremony reveal 1
step ceremony reveal 1 --all
step ceremony seal 1
step ceremony record-stop 1 --device 会议室摄像机
step ceremony status 1
step audit
step record export 1 --out "$work/记录"
bundle="$(ls "$work"/记录/*.fairdraw.zip)"
step verify "$bundle"
printf '\n\033[1m$ python3 tools/verify.py %s\033[0m\n' "$bundle"
python3 tools/verify.py "$bundle"
mkdir -p "$work/公示"
step notice task 1 --out "$work/公示/抽查对象名单.html"
step notice task 1 --out "$work/公示/抽查对象名单.xlsx"
printf '\n演示完成 / demo finished: %s\n' "$work"
ls -l "$work"/记录 "$work"/公示
