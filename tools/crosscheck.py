#!/usr/bin/env python3
"""Random cross-check: records made by the Rust `fairdraw` from random inputs, verified by tools/verify.py.

随机交叉核验：用 fairdraw（Rust 实现）按随机输入生成记录包，再用独立的 verify.py 核验。

Standard library only. Two kinds of case, each from its own random seed (printed, so a failure can be re-run):

- draw: `fairdraw demo` (random seed and sizes) → `fairdraw import` → `fairdraw draw TASK.json` with random rules
  (strata, ratios or counts, joint departments, leader and expert, recuse_same_region, explicit recusals and
  exclusions). A bundle must be MATCH here. When `fairdraw draw` refuses the rules as infeasible (exit code 1),
  the same inputs, rebuilt here from the registers, must be found infeasible by verify.py too, for the same
  department, stratum or entity.
- ceremony: a whole ceremony through the command line (plan, task, voided attempts at random steps, witnesses,
  entropy, seed, reveal, seal, addenda after the seal) → `fairdraw ceremony export` → verify.py with the record
  hash printed at the seal as the paper record's; then a few tampered copies must be refused at the right field.

Usage:
    python3 tools/crosscheck.py [--bin FAIRDRAW] [--seed S] [--worlds W] [--draws N] [--ceremonies M]
    python3 tools/crosscheck.py --fixture OUT.zip [--bin FAIRDRAW]   # the ceremony bundle of the unit tests

The binary is --bin, else $FAIRDRAW_BIN, else $CARGO_TARGET_DIR/debug/fairdraw, else target/debug/fairdraw.
Exit code 0 when every case agrees, 1 otherwise; failing bundles are kept and their paths printed. A draw case
is reproduced exactly by its seeds; a ceremony case only in its choices, since `fairdraw ceremony commit` draws
the app's secret from the operating system and the draw date is today's.
"""

import argparse
import datetime
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
import traceback
import zipfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)

import verify  # noqa: E402
from test_verify import ceremony_tampers, run_tamper  # noqa: E402

STATUSES = ["吊销", "撤销", "注销", "迁出"]
WITNESS_NAMES = ["李明", "陈公正", "王𠮷", "欧阳娜娜", "张三丰", "Zhāng Wěi"]
WITNESS_ROLES = ["人大代表", "政协委员", "公证员", "新闻媒体", "行业协会", "纪检监察", "企业代表", "其他"]
UNITS = ["永州市人大常委会", "永州市公证处", "永州日报社", "", "冷水滩区个体劳动者协会"]
OPERATORS = ["张三", "李四", "王五", "赵𠮷"]
METHODS = ["实地检查", "书面检查", "网络监测", "检验检测", "委托专业机构", "其他部门结果"]


def find_binary(explicit=None):
    """The fairdraw binary: explicit, $FAIRDRAW_BIN, $CARGO_TARGET_DIR/debug/fairdraw, target/debug/fairdraw."""
    if explicit:
        return explicit
    if os.environ.get("FAIRDRAW_BIN"):
        return os.environ["FAIRDRAW_BIN"]
    target = os.environ.get("CARGO_TARGET_DIR") or os.path.join(ROOT, "target")
    return os.path.join(target, "debug", "fairdraw")


class Failure(Exception):
    """A disagreement between the two implementations (or a command that should have worked and did not)."""


class Fairdraw:
    """Runs the command-line tool against one database, in English, with JSON output."""

    def __init__(self, binary, db):
        self.binary = binary
        self.db = db
        self.calls = 0

    def run(self, *args, expect=(0,)):
        """Returns (exit code, parsed JSON of stdout or None, stderr text)."""
        self.calls += 1
        proc = subprocess.run([self.binary, "--json", "--lang", "en", "--db", self.db] + [str(a) for a in args],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        out = proc.stdout.decode("utf-8", "replace")
        err = proc.stderr.decode("utf-8", "replace")
        if expect is not None and proc.returncode not in expect:
            raise Failure("fairdraw %s: exit %d: %s%s" % (" ".join(str(a) for a in args), proc.returncode,
                                                          out.strip()[:500], err.strip()[:500]))
        try:
            value = json.loads(out) if out.strip() else None
        except ValueError:
            value = None
        return proc.returncode, value, err

    def error(self, stderr):
        """The `error` object of a JSON error on standard error ({} if there is none)."""
        try:
            return json.loads(stderr).get("error", {})
        except (ValueError, AttributeError):
            return {}


# ---------------------------------------------------------------------------------------------------------
# A world: demo registers imported into a fresh database
# ---------------------------------------------------------------------------------------------------------


class World:
    def __init__(self, fd, entities, inspectors, items):
        self.fd = fd
        self.entities = [_entity_fields(e) for e in entities]
        self.inspectors = [_inspector_fields(i) for i in inspectors]
        self.items = items
        self.plan = None
        self.tasks = 0


def _entity_fields(e):
    out = {f: ("" if e.get(f) is None else e[f]) for f in verify.ENTITY_FIELDS}
    out["tags"] = list(e.get("tags") or [])
    return out


def _inspector_fields(i):
    out = {f: ("" if i.get(f) is None else i[f]) for f in verify.INSPECTOR_FIELDS}
    out["qualifications"] = list(i.get("qualifications") or [])
    out["expert"] = bool(i.get("expert"))
    return out


def make_world(binary, folder, rnd, entities=None, inspectors=None, demo_seed=None):
    os.makedirs(folder, exist_ok=True)
    fd = Fairdraw(binary, os.path.join(folder, "fairdraw.sqlite3"))
    n = entities or rnd.choice([30, 100, 300, 1000])
    m = inspectors or rnd.choice([40, 80, 150])
    fmt = rnd.choice(["csv", "csv", "xlsx", "gbk-csv"])
    seed = demo_seed or "cross-%d" % rnd.randrange(10 ** 6)
    fd.run("demo", "--entities", n, "--inspectors", m, "--seed", seed, "--format", fmt,
           "--out", os.path.join(folder, "demo"))
    ext = "xlsx" if fmt == "xlsx" else "csv"
    for register in ("entities", "inspectors", "items"):
        fd.run("import", register, os.path.join(folder, "demo", "%s.%s" % (register, ext)))
    ents = fd.run("list", "entities")[1]
    insp = fd.run("list", "inspectors")[1]
    items = fd.run("list", "items")[1]
    return World(fd, ents, insp, items), "demo --entities %d --inspectors %d --seed %s --format %s" % (n, m, seed, fmt)


# ---------------------------------------------------------------------------------------------------------
# Random rules over a world's registers
# ---------------------------------------------------------------------------------------------------------


def _subset(rnd, values, low, high):
    values = sorted(set(values))
    if not values:
        return []
    return sorted(rnd.sample(values, rnd.randint(min(low, len(values)), min(high, len(values)))))


def random_rules(rnd, world, draw_date):
    """A §4.4 rules object (without task) drawn at random, usually feasible, sometimes not."""
    ents, pool = world.entities, world.inspectors
    scope = {"regions": [], "industries": [], "entity_types": [], "risk_classes": [], "tags_any": []}
    pick = rnd.random()
    if pick < 0.12:
        scope["regions"] = _subset(rnd, [e["region"] for e in ents if e["region"]], 1, 5)
    elif pick < 0.2:
        scope["industries"] = _subset(rnd, [e["industry"] for e in ents if e["industry"]], 1, 3)
    elif pick < 0.26:
        scope["entity_types"] = _subset(rnd, [e["entity_type"] for e in ents if e["entity_type"]], 1, 3)
    elif pick < 0.33:
        scope["risk_classes"] = _subset(rnd, ["A", "B", "C", "D", "未分类"], 1, 4)
    elif pick < 0.4:
        scope["tags_any"] = _subset(rnd, [t for e in ents for t in e["tags"]], 1, 2)
    population = [e for e in ents if in_scope(scope, e)]
    codes = [e["code"] for e in population]

    strata = rnd.choice(["none", "risk_class", "risk_class", "region"])
    keys = {"none": [""], "risk_class": ["A", "B", "C", "D", "未分类"],
            "region": sorted({e["region"] or "未分类" for e in population}) or ["未分类"]}[strata]
    mode = rnd.choice(["ratio", "ratio", "count", "per_stratum"])
    if mode == "ratio":
        listed = _subset(rnd, keys, 0, len(keys))
        ratios = [0, 1, 100, 300, 300, 500, 500, 1000, 3000, 12000]
        quota = {"mode": "ratio", "ratios": [{"stratum": k, "bp": rnd.choice(ratios)} for k in listed],
                 "default_bp": rnd.choice([None, 300, 500, 1000, 1000, 2000])}
    elif mode == "count":
        quota = {"mode": "count", "total": rnd.randint(0, max(1, len(population) // 6) + 1)}
    else:
        listed = _subset(rnd, keys, 1, len(keys))
        quota = {"mode": "per_stratum", "counts": [{"stratum": k, "count": rnd.choice([0, 1, 2, 3, 5])} for k in listed]}

    by_department = {}
    for i in pool:
        by_department.setdefault(i["department"], []).append(i)
    departments_with_staff = sorted(d for d, xs in by_department.items() if len(xs) >= 2) or sorted(by_department)
    lead = "D01" if "D01" in by_department and rnd.random() < 0.7 else rnd.choice(departments_with_staff)
    others = [d for d in departments_with_staff if d != lead]
    participating = _subset(rnd, others, 1, 2) if rnd.random() < 0.4 else []
    departments = [lead] + participating
    leader_required = rnd.random() < 0.6
    leader_quals = [q for i in by_department.get(lead, []) for q in i["qualifications"]]
    leader_qualification = rnd.choice(leader_quals) if leader_required and leader_quals and rnd.random() < 0.2 else ""
    expert_required = rnd.random() < 0.15
    need = len(departments) + (1 if leader_required and expert_required else 0)
    group_size = max(2, need) + rnd.choice([0, 0, 0, 1, 2])
    if rnd.random() < 0.05:
        group_size = rnd.choice([1, 2, need - 1 if need > 2 else 1])  # below the §8.2 minimum: infeasible
    all_quals = [q for i in pool if i["department"] in departments for q in i["qualifications"]]
    required = [rnd.choice(all_quals)] if all_quals and rnd.random() < 0.05 else []
    rules = {
        "algorithm": "fairdraw-draw/1",
        "scope": scope,
        "exclusions": {
            "statuses": _subset(rnd, STATUSES, 4, 4) if rnd.random() < 0.8 else _subset(rnd, STATUSES, 0, 3),
            "inspected_within_days": rnd.choice([None, 0, 90, 365, 365, 730]),
            "entities": [{"code": c, "reason": rnd.choice(["正在立案调查", "已列入经营异常名录"])}
                         for c in sorted(rnd.sample(codes, min(len(codes), rnd.choice([0, 0, 1, 3]))))],
        },
        "strata": strata,
        "quota": quota,
        "reserve_per_stratum": rnd.choice([None, None, 0, 1, 2, 5]),
        "inspectors": {
            "departments": departments,
            "group_size": group_size,
            "groups": rnd.choice([{"mode": "fixed", "count": rnd.randint(1, 4)},
                                  {"mode": "per_targets", "max_targets": rnd.choice([3, 8, 20, 60])}]),
            "leader": {"required": leader_required, "qualification": leader_qualification},
            "expert_required": expert_required,
            "required_qualifications": required,
            "active_statuses": ["在岗"] if rnd.random() < 0.85 else sorted(["借调", "在岗"]),
            "recuse_same_region": rnd.random() < 0.35,
        },
    }
    staff = [i["staff_no"] for i in pool if i["department"] in departments]
    pairs = set()
    for _ in range(rnd.choice([0, 0, 2, 5, 12])):
        if staff and codes:
            pairs.add((rnd.choice(staff), rnd.choice(codes) if rnd.random() < 0.9 else "91431100MA4L99999X"))
    recusals = [{"staff_no": s, "entity_code": c, "reason": rnd.choice(["亲属关系", "曾在该企业任职", "利害关系"])}
                for s, c in sorted(pairs)]
    return rules, recusals


def in_scope(scope, e):
    """§6.1: the task's population is every register entity within the scope."""
    return ((not scope["regions"] or e["region"] in scope["regions"])
            and (not scope["industries"] or e["industry"] in scope["industries"])
            and (not scope["entity_types"] or e["entity_type"] in scope["entity_types"])
            and (not scope["risk_classes"] or (e["risk_class"] or "未分类") in scope["risk_classes"])
            and (not scope["tags_any"] or any(t in scope["tags_any"] for t in e["tags"])))


def random_witnesses(rnd, min_digits=6):
    names = rnd.sample(WITNESS_NAMES, rnd.randint(1, 3))
    return [{"name": n, "role": rnd.choice(WITNESS_ROLES), "unit": rnd.choice(UNITS),
             "entropy": "".join(rnd.choice("0123456789") for _ in range(rnd.randint(min_digits, min_digits + 6)))}
            for n in names]


def rebuilt_result(world, rules, recusals, witnesses, secret):
    """The draw verify.py computes from the registers, as `fairdraw draw` selects them (every register entity
    within the scope, every inspector of the rules' departments)."""
    population = [e for e in world.entities if in_scope(rules["scope"], e)]
    pool = [i for i in world.inspectors if i["department"] in rules["inspectors"]["departments"]]
    vector = {"input": {"rules": rules, "population": population, "inspectors": pool, "recusals": recusals,
                        "secret": secret, "entropies": [w["entropy"] for w in witnesses]}}
    return verify.compute(verify.vector_inputs(vector, "rebuilt"))


# ---------------------------------------------------------------------------------------------------------
# Case (a): fairdraw draw TASK.json
# ---------------------------------------------------------------------------------------------------------


def draw_case(world, folder, rnd, stats):
    draw_date = rnd.choice(["2026-06-01", "2026-03-15", "2026-12-01", "2027-02-28"])
    rules, recusals = random_rules(rnd, world, draw_date)
    rules = dict(rules, task={"number": "永市监抽〔2026〕%d号" % rnd.randint(1, 999), "name": "随机交叉核验",
                              "attempt": rnd.choice([1, 1, 2])}, draw_date=draw_date)
    rules = {k: rules[k] for k in ("algorithm", "task", "draw_date", "scope", "exclusions", "strata", "quota",
                                   "reserve_per_stratum", "inspectors")}
    witnesses = random_witnesses(rnd)
    task = {"rules": rules, "recusals": recusals, "witnesses": witnesses}
    secret = "%064x" % rnd.getrandbits(256)
    task["secret"] = secret
    os.makedirs(folder, exist_ok=True)
    task_path = os.path.join(folder, "task.json")
    with open(task_path, "w", encoding="utf-8") as f:
        json.dump(task, f, ensure_ascii=False, indent=1)
    out = os.path.join(folder, "record.fairdraw.zip" if rnd.random() < 0.5 else "record")
    code, _, err = world.fd.run("draw", task_path, "--out", out, expect=(0, 1))
    try:
        mine = rebuilt_result(world, rules, recusals, witnesses, secret)
    except verify.VerifyError as e:
        raise Failure("verify.py refuses the rebuilt inputs (%s, %s): %s" % (e.kind, e.place(), e.en))
    if code == 1:
        error = world.fd.error(err)
        if error.get("code") != "infeasible":
            raise Failure("fairdraw draw refused the task: %s" % (error or err.strip()[:500]))
        if mine.infeasible is None:
            raise Failure("fairdraw draw: infeasible (%s); verify.py draws from the same inputs" % error.get("message"))
        subject = mine.infeasible.subject
        if subject[0] != "condition" and subject[1] not in error.get("message", ""):
            raise Failure("both infeasible, but fairdraw says %r and verify.py names %s %r (%s)" % (
                error.get("message"), subject[0], subject[1], mine.infeasible.en))
        stats["infeasible"] += 1
        stats["subjects"][subject[0]] = stats["subjects"].get(subject[0], 0) + 1
        return
    result, report = verify.verify_bundle(out)
    if result != verify.EXIT_MATCH:
        raise Failure("verify.py on the bundle of fairdraw draw: %s" % json.dumps(
            {k: v for k, v in report.items() if k != "_display"}, ensure_ascii=False)[:1500])
    # The inputs rebuilt from the registers are the bundle's inputs: the infeasible comparison above is sound.
    if mine.infeasible is not None or mine.fingerprints["inputs"] != report["fingerprints"]["inputs"]:
        raise Failure("the inputs rebuilt from the registers differ from the bundle's (fp_inputs %s, bundle %s)" % (
            mine.fingerprints["inputs"], report["fingerprints"]["inputs"]))
    stats["matched"] += 1
    stats["targets"] += report["targets"]
    stats["unassigned"] += report["unassigned"] > 0
    stats["joint"] += len(rules["inspectors"]["departments"]) > 1
    stats["recusal"] += bool(recusals) or rules["inspectors"]["recuse_same_region"]
    shutil.rmtree(folder)


# ---------------------------------------------------------------------------------------------------------
# Case (b): a ceremony through the command line
# ---------------------------------------------------------------------------------------------------------

STEPS = ["start", "record", "freeze", "commit", "witness", "close", "entropy", "seed", "reveal"]


def feasible_rules(world, folder, rnd, draw_date):
    """Random rules that `fairdraw draw` can draw today (tried on a throwaway task file)."""
    for _ in range(40):
        rules, recusals = random_rules(rnd, world, draw_date)
        probe = dict(rules, task={"number": "probe", "name": "probe", "attempt": 1}, draw_date=draw_date)
        path = os.path.join(folder, "probe.json")
        with open(path, "w", encoding="utf-8") as f:
            json.dump({"rules": probe, "recusals": recusals, "witnesses": random_witnesses(rnd)}, f, ensure_ascii=False)
        code, _, _ = world.fd.run("draw", path, "--out", os.path.join(folder, "probe"), expect=(0, 1))
        targets = 0
        if code == 0:
            with open(os.path.join(folder, "probe", "bundle.json"), encoding="utf-8") as f:
                targets = len(json.load(f)["outcome"]["targets"])
        shutil.rmtree(os.path.join(folder, "probe"), ignore_errors=True)
        if code == 0 and (targets > 0 or rnd.random() < 0.1):
            return rules, recusals
    raise Failure("no feasible random rules found in 40 tries")


def ceremony_case(world, folder, rnd, stats, rules=None, void_at=None, extras=None):
    """Run one task's ceremony: voided attempts stopped at the steps `void_at` (random if None), then a sealed
    attempt, then addenda (`extras`: all of them if True, a random choice if None). Returns (bundle zip, the
    record hash printed at the seal)."""
    fd = world.fd
    os.makedirs(folder, exist_ok=True)
    draw_date = datetime.date.today().isoformat()
    rules, recusals = rules or feasible_rules(world, folder, rnd, draw_date)
    departments = rules["inspectors"]["departments"]
    if world.plan is None:
        plan = fd.run("plan", "create", "--year", 2026, "--title", "2026年度双随机抽查计划",
                      "--departments", ",".join(sorted(set(d["department"] for d in world.inspectors))))[1]
        world.plan = plan["id"]
        fd.run("plan", "publish", world.plan, "--on", "2026-03-01", "--where", "永州市人民政府门户网站")
    world.tasks += 1
    number = "永市监抽〔2026〕%d号" % world.tasks
    with open(os.path.join(folder, "rules.json"), "w", encoding="utf-8") as f:
        json.dump(rules, f, ensure_ascii=False)
    args = ["task", "create", "--plan", world.plan, "--number", number, "--name", "联合抽查%d" % world.tasks,
            "--lead", departments[0], "--method", rnd.choice(METHODS), "--rules", os.path.join(folder, "rules.json"),
            "--operator", rnd.choice(OPERATORS)]
    if len(departments) > 1:
        args += ["--participating", ",".join(departments[1:])]
    items = [i["code"] for i in world.items if i["department"] in departments]
    if items:
        args += ["--items", ",".join(sorted(rnd.sample(items, min(len(items), rnd.randint(1, 3)))))]
    if recusals:
        if rnd.random() < 0.5:
            path = os.path.join(folder, "recusals.json")
            with open(path, "w", encoding="utf-8") as f:
                json.dump(recusals, f, ensure_ascii=False)
        else:
            path = os.path.join(folder, "recusals.csv")
            with open(path, "w", encoding="utf-8", newline="") as f:
                f.write("staff_no,entity_code,reason\n" + "".join(
                    "%s,%s,%s\n" % (r["staff_no"], r["entity_code"], r["reason"]) for r in recusals))
        args += ["--recusals", path]
    task = fd.run(*args)[1]
    fd.run("plan", "publish-adjustment", task["adjustment"], "--on", "2026-03-02", "--where", "永州市市场监管局网站")

    if void_at is None:
        void_at = [rnd.choice(STEPS) for _ in range(rnd.choice([0, 0, 1, 1, 2]))]
    for step in void_at:
        ceremony = run_steps(fd, rnd, number, step)
        fd.run("ceremony", "void", ceremony, "--reason", rnd.choice(["停电", "见证人未到场", "投影故障，重新摇号"]),
               "--operator", rnd.choice(OPERATORS))
    ceremony = run_steps(fd, rnd, number, "all", interleave=1 if extras else 0.3)
    sealed = fd.run("ceremony", "seal", ceremony)[1]
    record_hash = sealed["record_hash"]
    def chance(p):
        return extras if extras is not None else rnd.random() < p

    if extras is not False:
        if sealed.get("recordings") and chance(0.7):
            fd.run("ceremony", "record-stop", ceremony, "--device", "会议室摄像机")
        if chance(0.5):
            video = os.path.join(folder, "ceremony.mp4")
            with open(video, "wb") as f:
                f.write(bytes(rnd.getrandbits(8) for _ in range(rnd.randint(0, 3000))))
            fd.run("ceremony", "attach-video", ceremony, video)
        reserves = sealed.get("reserves") or []
        if reserves and chance(0.5):
            strata = {r.get("stratum") for r in reserves if isinstance(r, dict)}
            targets = [t for t in (sealed.get("revealed") or []) if isinstance(t, dict) and t.get("stratum") in strata]
            if targets:
                fd.run("ceremony", "use-reserve", ceremony, "--target", rnd.choice(targets)["code"],
                       "--reason", "已注销", "--operator", rnd.choice(OPERATORS))
        if chance(0.3):
            fd.run("ceremony", "mark", ceremony, "封存后补记：录像已移交档案室")
    bundle = os.path.join(folder, "record.fairdraw.zip")
    fd.run("ceremony", "export", ceremony, "--out", bundle)
    stats["voided"] += len(void_at)
    return bundle, record_hash


def run_steps(fd, rnd, task_number, last, interleave=0.3):
    """Start an attempt and run it up to step `last` (or through the reveal, "all"); returns the ceremony id.
    `interleave` is the chance of another journaled change during the witness step."""
    min_digits = rnd.choice([None, 6, 8])
    args = ["ceremony", "start", task_number, "--operator", rnd.choice(OPERATORS)]
    if min_digits:
        args += ["--min-digits", min_digits]
    ceremony = fd.run(*args)[1]["id"]
    steps = STEPS[1:] if last == "all" else STEPS[1:STEPS.index(last) + 1]
    witnesses = random_witnesses(rnd, min_digits or 6)
    for step in steps:
        if step == "record" and (last == "all" or rnd.random() < 0.6):
            fd.run("ceremony", "record-start", ceremony, "--device", "会议室摄像机")
        elif step == "freeze":
            fd.run("ceremony", "freeze", ceremony)
        elif step == "commit":
            fd.run("ceremony", "commit", ceremony)
        elif step == "witness":
            for w in witnesses:
                fd.run("ceremony", "witness", ceremony, "--name", w["name"], "--role", w["role"], "--unit", w["unit"])
            if rnd.random() < 0.3:
                fd.run("ceremony", "mark", ceremony, "见证人已就位")
            if rnd.random() < interleave:
                # Another change of the database meanwhile: its journal entry is not in this task's bundle,
                # which leaves a gap in the bundle's seq numbers.
                fd.run("plan", "create", "--year", 2027, "--title", "2027年度计划（草稿）", "--departments", "D01")
        elif step == "close":
            fd.run("ceremony", "close-witnesses", ceremony)
        elif step == "entropy":
            for k, w in enumerate(witnesses, 1):
                fd.run("ceremony", "entropy", ceremony, "--witness", k, w["entropy"])
        elif step == "seed":
            fd.run("ceremony", "seed", ceremony)
        elif step == "reveal":
            for _ in range(rnd.randint(0, 3)):
                fd.run("ceremony", "reveal", ceremony, expect=(0, 1))
            if last == "all":
                fd.run("ceremony", "reveal", ceremony, "--all", expect=(0, 1))
    return ceremony


def check_ceremony_bundle(bundle, record_hash, folder, rnd, stats):
    """MATCH with the paper record hash; each tampered copy refused at its field."""
    result, report = verify.verify_bundle(bundle, record_hash)
    if result != verify.EXIT_MATCH:
        raise Failure("verify.py on the exported ceremony: %s" % json.dumps(
            {k: v for k, v in report.items() if k != "_display"}, ensure_ascii=False)[:1500])
    stats["entries"] += report["journal"]["entries"]
    stats["links"] += report["journal"]["links"]
    unpacked = os.path.join(folder, "unpacked")
    with zipfile.ZipFile(bundle) as z:
        z.extractall(unpacked)
    with open(os.path.join(unpacked, "bundle.json"), encoding="utf-8") as f:
        original = json.load(f)
    for name, mutate, field in ceremony_tampers(original, rnd):
        got = run_tamper(unpacked, original, mutate)
        if got != field:
            raise Failure("tampered copy (%s): expected a difference at %s, verify.py reports %s" % (name, field, got))
        stats["tampers"] += 1
    if verify.verify_bundle(bundle, "%064x" % (int(record_hash, 16) ^ 1))[1]["difference"]["field"] != "paper.record_hash":
        raise Failure("a paper record hash one bit off was not reported at paper.record_hash")


# ---------------------------------------------------------------------------------------------------------
# Main
# ---------------------------------------------------------------------------------------------------------


def cross(binary, seed, worlds, draws, ceremonies):
    print("crosscheck: fairdraw %s, master seed %d (re-run: python3 tools/crosscheck.py --seed %d --worlds %d "
          "--draws %d --ceremonies %d)" % (binary, seed, seed, worlds, draws, ceremonies, ))
    tmp = tempfile.mkdtemp(prefix="fairdraw-crosscheck-")
    master = random.Random(seed)
    stats = dict.fromkeys(("matched", "infeasible", "targets", "unassigned", "joint", "recusal", "ceremonies",
                           "voided", "entries", "links", "tampers"), 0)
    stats["subjects"] = {}
    failures = []
    started = time.perf_counter()
    calls = 0
    for w in range(worlds):
        world_seed = master.randrange(2 ** 32)
        rnd = random.Random(world_seed)
        where = os.path.join(tmp, "world%d" % w)
        try:
            world, how = make_world(binary, where, rnd)
        except Failure as e:
            failures.append("world %d (seed %d): %s" % (w, world_seed, e))
            continue
        print("world %d (seed %d): %s" % (w, world_seed, how))
        share = lambda total: total // worlds + (1 if w < total % worlds else 0)  # noqa: E731
        cases = [("draw", i) for i in range(share(draws))] + [("ceremony", i) for i in range(share(ceremonies))]
        for kind, i in cases:
            case_seed = rnd.randrange(2 ** 32)
            case_rnd = random.Random(case_seed)
            folder = os.path.join(where, "%s%d" % (kind, i))
            try:
                if kind == "draw":
                    draw_case(world, folder, case_rnd, stats)
                else:
                    bundle, record_hash = ceremony_case(world, folder, case_rnd, stats)
                    check_ceremony_bundle(bundle, record_hash, folder, case_rnd, stats)
                    stats["ceremonies"] += 1
                    shutil.rmtree(folder)
            except Exception as e:  # a crash in a case is a failure of that case, reported with its seeds
                if isinstance(e, verify.VerifyError):
                    message = "%s (%s)" % (e.en, e.place())
                elif isinstance(e, Failure):
                    message = str(e)
                else:
                    message = "".join(traceback.format_exception_only(type(e), e)).strip()
                failures.append("world %d (seed %d), %s case %d (seed %d): %s; kept in %s" % (
                    w, world_seed, kind, i, case_seed, message, folder))
                print("FAIL " + failures[-1])
        calls += world.fd.calls
    print("draws: %d bundles MATCH (%d targets; %d joint, %d with recusal, %d with unassigned targets), "
          "%d infeasible for both naming the same subject (%s)" % (
              stats["matched"], stats["targets"], stats["joint"], stats["recusal"], stats["unassigned"],
              stats["infeasible"], ", ".join("%s %d" % kv for kv in sorted(stats["subjects"].items())) or "none"))
    print("ceremonies: %d exported bundles MATCH with the record hash printed at the seal (%d voided attempts, "
          "%d journal entries re-hashed, %d links); %d tampered copies each refused at the right field" % (
              stats["ceremonies"], stats["voided"], stats["entries"], stats["links"], stats["tampers"]))
    print("%d fairdraw commands in %.1f s" % (calls, time.perf_counter() - started))
    if failures:
        print("%d FAILURES:" % len(failures))
        for f in failures:
            print("  " + f)
        return 1
    shutil.rmtree(tmp)
    return 0


FIXTURE_RULES = {
    "algorithm": "fairdraw-draw/1",
    "scope": {"regions": [], "industries": [], "entity_types": [], "risk_classes": [], "tags_any": []},
    "exclusions": {"statuses": STATUSES, "inspected_within_days": 365, "entities": []},
    "strata": "risk_class",
    "quota": {"mode": "ratio", "ratios": [{"stratum": "A", "bp": 500}], "default_bp": 1000},
    "reserve_per_stratum": None,
    "inspectors": {"departments": ["D01"], "group_size": 2, "groups": {"mode": "fixed", "count": 2},
                   "leader": {"required": True, "qualification": ""}, "expert_required": False,
                   "required_qualifications": [], "active_statuses": ["在岗"], "recuse_same_region": True},
}


def make_fixture(binary, out):
    """The ceremony bundle the unit tests tamper with: small registers, one attempt voided after its commitment,
    a sealed attempt with a recording, witnesses and targets, then every addendum (recording stopped, video,
    reserve used, a marker)."""
    rnd = random.Random(20261201)
    tmp = tempfile.mkdtemp(prefix="fairdraw-fixture-")
    try:
        world, _ = make_world(binary, os.path.join(tmp, "world"), rnd, entities=80, inspectors=40,
                              demo_seed="fixture")
        code = sorted(e["code"] for e in world.entities)[3]
        staff = sorted(i["staff_no"] for i in world.inspectors if i["department"] == "D01")[0]
        recusals = [{"staff_no": staff, "entity_code": code, "reason": "亲属关系"}]
        bundle, record_hash = ceremony_case(world, os.path.join(tmp, "case"), rnd, {"voided": 0},
                                            rules=(FIXTURE_RULES, recusals), void_at=["commit"], extras=True)
        shutil.copyfile(bundle, out)
        with zipfile.ZipFile(bundle) as z:
            data = json.loads(z.read("bundle.json"))
        print("fixture written: %s (record hash %s, %d events, %d targets, %d witnesses)" % (
            out, record_hash, len(data["events"]), len(data["outcome"]["targets"]), len(data["witnesses"])))
    finally:
        shutil.rmtree(tmp)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--bin", help="the fairdraw binary")
    parser.add_argument("--seed", type=int, help="master seed (default: random, printed)")
    parser.add_argument("--worlds", type=int, default=2, help="demo register sets (databases)")
    parser.add_argument("--draws", type=int, default=20, help="fairdraw draw cases in total")
    parser.add_argument("--ceremonies", type=int, default=4, help="ceremony cases in total")
    parser.add_argument("--fixture", metavar="OUT.zip", help="write the unit tests' ceremony bundle instead")
    args = parser.parse_args()
    binary = find_binary(args.bin)
    if not os.path.isfile(binary):
        print("crosscheck: no fairdraw binary at %s (build it with cargo build --bin fairdraw, or set FAIRDRAW_BIN)"
              % binary, file=sys.stderr)
        return 2
    if args.fixture:
        make_fixture(binary, args.fixture)
        return 0
    seed = args.seed if args.seed is not None else random.SystemRandom().randrange(2 ** 32)
    return cross(binary, seed, args.worlds, args.draws, args.ceremonies)


if __name__ == "__main__":
    sys.exit(main())
