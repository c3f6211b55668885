"""A whole public draw in the app: registers imported with the command-line tool, a plan and a joint task
created in the console, then the ceremony from start to seal with three witnesses, the stage window checked
at every step, and a restart in the middle of the reveal after which both windows come back at the same
step. A screenshot of the console and the stage at each step goes to ceremony-NN-<step>-{console,stage}.png in
the e2e screenshot folder ($E2E_SCREENSHOTS/ceremony), or, with E2E_UPDATE_DOCS=1, into docs/screenshots for the
README (scaled to 960 pixels wide when ImageMagick is installed). A test run leaves the working tree as it was."""

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

from conftest import CLI

DOCS = (
    Path(__file__).resolve().parents[2] / "docs" / "screenshots"
    if os.environ.get("E2E_UPDATE_DOCS") == "1"
    else Path(os.environ.get("E2E_SCREENSHOTS", "target/e2e-screenshots")) / "ceremony"
)
TASK_NUMBER = "永市监抽〔2026〕3号"
TASK_NAME = "2026年食品经营者联合抽查"
WITNESSES = [
    ("李明", "人大代表", "永州市人大常委会", "314159"),
    ("周敏", "政协委员", "永州市政协", "271828"),
    ("陈公正", "公证员", "永州市公证处", "1618033"),
]


@pytest.fixture
def demo_db(tmp_path):
    """A database with the demo registers (600 entities, 120 inspectors) imported through `fairdraw import`."""
    db = tmp_path / "data" / "fairdraw.sqlite3"
    db.parent.mkdir(parents=True)
    out = tmp_path / "registers"
    run = lambda *args: subprocess.run([CLI, "--db", str(db), *args], check=True, capture_output=True, timeout=120)
    run("demo", "--out", str(out), "--format", "csv", "--entities", "600", "--inspectors", "120", "--seed", "e2e")
    for register in ("departments", "items", "entities", "inspectors"):
        run("import", register, str(out / f"{register}.csv"))
    return db


class Shots:
    """Numbered screenshots of both windows into DOCS."""

    def __init__(self):
        self.n = 0
        DOCS.mkdir(parents=True, exist_ok=True)
        for old in DOCS.glob("ceremony-*.png"):
            old.unlink()

    def take(self, app, stage, step):
        self.n += 1
        for name, handle in (("console", app.console), ("stage", stage)):
            app.driver.switch_to.window(handle)
            path = DOCS / f"ceremony-{self.n:02d}-{step}-{name}.png"
            app.driver.execute_script("return new Promise(r => requestAnimationFrame(() => setTimeout(r, 800)))")
            app.driver.save_screenshot(str(path))
        app.driver.switch_to.window(app.console)

    def finish(self):
        """Scales every screenshot to 960 pixels wide with 256 colours (ImageMagick), a fifth of the bytes."""
        if shutil.which("mogrify"):
            files = sorted(str(p) for p in DOCS.glob("ceremony-*.png"))
            subprocess.run(["mogrify", "-resize", "960x", "-colors", "256", *files], check=True, timeout=600)


def on_stage(app, stage, check):
    """Runs `check()` in the stage window, then returns to the console."""
    app.driver.switch_to.window(stage)
    try:
        app.wait(lambda d: d.execute_script("return document.body.dataset.ready") == "1", message="stage ready")
        return check()
    finally:
        app.driver.switch_to.window(app.console)


def phase_is(app, phase):
    app.wait(lambda d: d.execute_script("return document.body.dataset.phase") == phase, message=f"stage phase {phase}")


def key(app, k):
    """Presses a key with the focus on no field (as the operator does between steps)."""
    app.driver.execute_script("document.activeElement && document.activeElement.blur()")
    ActionChains(app.driver).send_keys(k).perform()


def fill(app, testid, text):
    el = app.el(testid)
    el.clear()
    el.send_keys(text)


def console_state(app, label):
    app.text_is("ceremony-state", label)


# Two dozen screenshots and a restart on a shared, loaded machine: longer than the suite's default limit.
@pytest.mark.timeout(900)
def test_a_whole_ceremony_in_the_app_with_the_stage_and_a_restart(demo_db, launch):
    shots = Shots()
    app = launch(demo_db)
    app.ready()
    app.click("stage-toggle")
    stage = app.stage_handle()

    # A draft plan of 市场监管局 and 卫健委.
    app.click("nav-plans")
    fill(app, "plan-title", "2026年度双随机抽查计划")
    app.click("plan-departments-D01")
    app.click("plan-departments-D13")
    app.click("plan-create")
    app.text_is("plan-status-1", "草稿，尚未公示")

    # A joint task; the rules form reports a bad value next to its field before anything is sent.
    app.click("nav-tasks")
    fill(app, "task-number", TASK_NUMBER)
    fill(app, "task-name", TASK_NAME)
    app.select("task-lead", "D01")
    app.click("task-participating-D13")
    app.wait(lambda d: len(app.els('[data-testid^="task-item-"]')) > 2, message="items of both departments")
    items = app.els('[data-testid^="task-item-"]')
    items[0].click()
    items[-1].click()
    fill(app, "rules-group-size", "1")
    app.click("task-create")
    app.text_is("rules-error-groupSize", "应为不小于 2 的整数")
    app.text_is("task-form-error", "请先改正标出的规则项。")
    fill(app, "rules-group-size", "2")
    fill(app, "rules-max-targets", "3")
    app.click("task-create")
    app.wait(lambda d: len(app.els('[data-testid="tasks-table"] tbody tr')) >= 1, message="task listed")
    app.text_matches("task-1", rf"^{re.escape(TASK_NUMBER)}\s*{TASK_NAME}\s*市场监管局、卫健委\s*D01-")
    app.click("task-show-1")
    app.text_matches("task-rules-1", r'"group_size": 2')
    app.driver.execute_script("document.querySelector('[data-testid=tasks-table]').scrollIntoView()")
    shots.take(app, stage, "task")

    # "未经公示的随机抽查工作计划不得实施": publish the plan with its task.
    app.click("nav-plans")
    fill(app, "plan-publish-1-where", "永州市人民政府门户网站")
    app.click("plan-publish-1")
    app.text_matches("plan-status-1", r"^已于 \d{4}-\d\d-\d\d 公示（永州市人民政府门户网站）$")
    app.text_is("plan-task-1", f"{TASK_NUMBER} {TASK_NAME}")
    shots.take(app, stage, "plan")

    # Start: the ceremony goes on the stage.
    app.click("nav-ceremony")
    fill(app, "ceremony-operator", "张三")
    app.click("ceremony-start")
    console_state(app, "准备")
    on_stage(app, stage, lambda: (phase_is(app, "task"), app.text_is("stage-task-title", TASK_NAME), app.text_is("stage-task-number", TASK_NUMBER)))
    app.click("recording-start")
    app.text_matches("page-ceremony", r"会议室摄像机 录像中")
    shots.take(app, stage, "start")

    # Enter freezes the inputs; the stage shows the rules in plain words.
    key(app, Keys.ENTER)
    console_state(app, "输入已冻结")
    rules = app.el("ceremony-rules").text
    assert "按信用风险分类分层抽取" in rules and "随机分为" in rules, rules

    def stage_rules():
        phase_is(app, "rules")
        app.text_is("stage-rules", rules)

    on_stage(app, stage, stage_rules)
    shots.take(app, stage, "rules")

    # Enter again: the commitment, the same on both screens.
    key(app, Keys.ENTER)
    console_state(app, "密钥已承诺")
    commitment = app.el("ceremony-commitment").text.replace(" ", "")
    assert re.fullmatch(r"[0-9a-f]{64}", commitment), commitment
    on_stage(app, stage, lambda: (phase_is(app, "commitment"), app.wait(lambda d: app.el("stage-commitment").text.replace("\n", "").replace(" ", "") == commitment)))
    shots.take(app, stage, "commitment")

    # Witnesses: a missing name is refused by the core, shown next to the form.
    app.click("witness-add")
    app.text_is("witness-error", "name：不能为空")
    for i, (name, role, unit, _) in enumerate(WITNESSES, start=1):
        fill(app, "witness-name", name)
        app.select("witness-role", role)
        fill(app, "witness-unit", unit)
        app.click("witness-add")
        app.text_matches(f"witness-{i}", rf"^{i}\s*{name}\s*{role}\s*{unit}")
    on_stage(app, stage, lambda: (phase_is(app, "witnesses"), app.text_matches("stage-witness-3", r"^陈公正\s*公证员 · 永州市公证处$")))
    shots.take(app, stage, "witnesses")
    key(app, Keys.ENTER)
    console_state(app, "见证人已登记")

    # Entropy per witness, validated by the core; Enter in the field submits it.
    fill(app, "entropy-input-1", "12345")
    app.el("entropy-input-1").send_keys(Keys.ENTER)
    app.text_is("entropy-error-1", "entropy：至少需要 6 位数字，只有 5 位")
    for i, (_, _, _, digits) in enumerate(WITNESSES, start=1):
        fill(app, f"entropy-input-{i}", digits)
        app.el(f"entropy-input-{i}").send_keys(Keys.ENTER)
        app.text_is(f"entropy-{i}", digits)
        if i == 2:
            on_stage(app, stage, lambda: (phase_is(app, "entropy"), app.text_is("stage-entropy-2", "271828"), app.text_is("stage-entropy-3", "等待输入…")))
            shots.take(app, stage, "entropy")
    console_state(app, "随机数已收齐")

    # The seed: the app's secret is public now.
    key(app, Keys.ENTER)
    console_state(app, "种子已生成")
    seed = app.el("ceremony-seed").text.replace(" ", "")
    on_stage(app, stage, lambda: (phase_is(app, "seed"), app.wait(lambda d: app.el("stage-seed").text.replace("\n", "").replace(" ", "") == seed)))
    shots.take(app, stage, "seed")

    # Reveal: space on the console, then → on the projector itself.
    key(app, " ")
    app.text_matches("ceremony-reveal-count", r"^已揭晓 1 / (\d+)$")
    total = int(re.search(r"/ (\d+)$", app.el("ceremony-reveal-count").text).group(1))
    assert total >= 4, total
    on_stage(app, stage, lambda: (phase_is(app, "reveal"), app.text_is("stage-reveal-count", f"第 1 / {total} 个")))
    app.driver.switch_to.window(stage)
    ActionChains(app.driver).send_keys(Keys.ARROW_RIGHT).perform()
    app.driver.switch_to.window(app.console)
    app.text_is("ceremony-reveal-count", f"已揭晓 2 / {total}")
    second = app.els('[data-testid="ceremony-revealed"] tbody tr')[1].find_elements(By.TAG_NAME, "td")[2].text
    on_stage(app, stage, lambda: (app.text_is("stage-reveal-count", f"第 2 / {total} 个"), app.text_is("stage-current-name", second), app.text_matches("stage-current-group", r"^第 \d+ 组：.+（组长）")))
    shots.take(app, stage, "reveal")

    # A restart in the middle of the reveal (ending the session kills the app, as a crash would): both windows
    # come back at the same step.
    app.quit()
    again = launch(demo_db)
    again.ready()
    stage = again.stage_handle()
    again.text_is("ceremony-state", "揭晓中")
    again.text_is("ceremony-reveal-count", f"已揭晓 2 / {total}")
    on_stage(again, stage, lambda: (phase_is(again, "reveal"), again.text_is("stage-reveal-count", f"第 2 / {total} 个"), again.text_is("stage-current-name", second)))
    shots.take(again, stage, "restored")

    # One more, then the rest at once: the final table.
    key(again, Keys.ARROW_RIGHT)
    again.text_is("ceremony-reveal-count", f"已揭晓 3 / {total}")
    fill(again, "marker-text", "第三个检查对象揭晓后，其余一次揭晓")
    again.click("marker-add")
    again.wait(lambda d: again.el("marker-text").get_attribute("value") == "", message="marker recorded")
    again.click("step-reveal-all")
    again.text_is("ceremony-state", "已全部揭晓")
    on_stage(again, stage, lambda: (phase_is(again, "final"), again.wait(lambda d: len(again.els('[data-testid="stage-final"] tbody tr')) == total)))
    shots.take(again, stage, "final")

    # Seal: the record hash and its QR code on the stage.
    key(again, Keys.ENTER)
    again.text_is("ceremony-state", "已封存")
    record = again.el("ceremony-record-hash").text.replace(" ", "")
    assert re.fullmatch(r"[0-9a-f]{64}", record), record

    def sealed():
        phase_is(again, "sealed")
        again.wait(lambda d: again.el("stage-record-hash").text.replace("\n", "").replace(" ", "") == record)
        qr = again.driver.execute_script(
            "const q = document.querySelector('[data-testid=stage-qr]');"
            "return [q.getAttribute('viewBox'), q.querySelector('path').getAttribute('d')];"
        )
        assert qr[0].startswith("-4 -4 ") and qr[1].startswith("M0 0h7v1h-7z"), qr
        # Still no operator controls on the projector.
        assert again.driver.find_elements(By.CSS_SELECTOR, "button, input, select, a") == []

    on_stage(again, stage, sealed)
    shots.take(again, stage, "sealed")
    status = again.invoke("ceremony_status", {"id": 1})["ok"]
    assert status["state"] == "sealed" and status["reveal_position"] == total
    assert [w["entropy"] for w in status["witnesses"]] == [w[3] for w in WITNESSES]
    shots.finish()


def test_a_void_needs_a_reason_and_shows_on_the_stage(demo_db, launch, tmp_path):
    # The plan and task come from the command-line tool here; the test above makes them in the console.
    rules = tmp_path / "rules.json"
    rules.write_text(
        '{"scope": {"regions": [], "industries": [], "entity_types": [], "risk_classes": [], "tags_any": []},'
        ' "exclusions": {"statuses": [], "inspected_within_days": null, "entities": []}, "strata": "none",'
        ' "quota": {"mode": "count", "total": 4}, "reserve_per_stratum": null,'
        ' "inspectors": {"group_size": 2, "groups": {"mode": "fixed", "count": 2},'
        ' "leader": {"required": false, "qualification": ""}, "expert_required": false,'
        ' "required_qualifications": [], "active_statuses": ["在岗"], "recuse_same_region": false}}',
        encoding="utf-8",
    )
    cli = lambda *args: subprocess.run([CLI, "--db", str(demo_db), *args], check=True, capture_output=True, timeout=60)
    cli("plan", "create", "--year", "2026", "--title", "计划", "--departments", "D01")
    cli("task", "create", "--plan", "1", "--number", "T-1", "--name", "食品抽查", "--lead", "D01", "--items", "D01-001",
        "--method", "实地检查", "--rules", str(rules))
    cli("plan", "publish", "1", "--on", "2026-01-05", "--where", "门户网站")
    app = launch(demo_db)
    app.ready()
    app.click("stage-toggle")
    stage = app.stage_handle()
    app.click("nav-ceremony")
    fill(app, "ceremony-operator", "张三")
    app.click("ceremony-start")
    app.text_is("ceremony-state", "准备")
    key(app, Keys.ENTER)
    app.text_is("ceremony-state", "输入已冻结")
    app.click("void-submit")
    app.text_is("void-error", "reason：不能为空")
    app.text_is("ceremony-state", "输入已冻结")
    fill(app, "void-reason", "投影仪故障，改日重新摇号")
    app.click("void-submit")
    app.text_is("ceremony-state", "已作废")
    app.text_is("ceremony-voided", "已作废：投影仪故障，改日重新摇号（张三）")
    # No step, no void and no recording controls on a voided attempt.
    assert app.els('[data-testid^="step-"], [data-testid="void-form"], [data-testid="recording-start"]') == []
    on_stage(app, stage, lambda: (phase_is(app, "voided"), app.text_is("stage-void-reason", "投影仪故障，改日重新摇号")))
    # Back to the list: the stage returns to its idle screen, and the voided attempt is listed.
    app.click("ceremony-leave")
    app.text_matches("ceremony-list", r"T-1 食品抽查\s*第 1 次\s*已作废")
    on_stage(app, stage, lambda: phase_is(app, "idle"))
