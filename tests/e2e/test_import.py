"""The import page: the four demo registers imported from files the fairdraw tool generates (xlsx, and a GBK
CSV), one chosen through the in-app file browser; a file with errors refused as a whole with its problems in
the report table, then imported valid-rows-only with a rejected-rows file."""

import re
import subprocess
from pathlib import Path

import pytest
from selenium.webdriver.remote.file_detector import UselessFileDetector
from selenium.common.exceptions import TimeoutException
from selenium.webdriver.common.by import By

from conftest import CLI

ENTITIES = 300
INSPECTORS = 40


def demo(out: Path, fmt: str):
    subprocess.run(
        [CLI, "demo", "--out", str(out), "--format", fmt, "--entities", str(ENTITIES), "--inspectors", str(INSPECTORS), "--seed", "e2e"],
        check=True, capture_output=True, timeout=120,
    )
    return out


@pytest.fixture
def empty_db(tmp_path):
    """A new database: schema and the 17 departments of the joint meeting, nothing else."""
    db = tmp_path / "data" / "fairdraw.sqlite3"
    subprocess.run([CLI, "--db", str(db), "list", "departments"], check=True, capture_output=True, timeout=60)
    return db



def text_of(app, testid):
    """The text of an element, read in one script: parts of the page are redrawn as the preview reloads."""
    return app.driver.execute_script(
        "const e = document.querySelector(`[data-testid=\"${arguments[0]}\"]`); return e ? e.innerText.trim() : null;", testid
    )


def text_is(app, testid, expected):
    try:
        app.wait(lambda d: text_of(app, testid) == expected)
    except TimeoutException:
        raise AssertionError(f"{testid}: expected {expected!r}, got {text_of(app, testid)!r}") from None


def text_matches(app, testid, pattern):
    try:
        app.wait(lambda d: re.search(pattern, text_of(app, testid) or ""))
    except TimeoutException:
        raise AssertionError(f"{testid}: expected /{pattern}/, got {text_of(app, testid)!r}") from None


def scroll_to(app, testid):
    """Brings a part of the page to the top of the window, for its screenshot."""
    app.driver.execute_script("document.querySelector(`[data-testid=\"${arguments[0]}\"]`).scrollIntoView()", testid)


def counts(app):
    return app.invoke("register_counts")["ok"]


def choose_register_and_file(app, register, path):
    app.select("import-register", register)
    field = app.el("import-file-path")
    field.clear()
    field.send_keys(str(path))
    app.click("import-preview-start")
    text_is(app, "import-info-file", path.name)


def import_and_wait(app):
    app.click("import-start")
    app.wait(lambda d: d.execute_script("return document.querySelector('[data-testid=\"import-result\"]')?.hidden === false"), message="import result")
    return {k: text_of(app, f"report-{k}") for k in ("rows", "added", "updated", "unchanged", "rejected", "warnings")}


def mapping(app):
    """Field → match text of the mapping table, read in one script (the table is redrawn after every choice)."""
    return app.driver.execute_script(
        "return Object.fromEntries([...document.querySelectorAll('[data-testid=\"import-mapping\"] tbody tr')]"
        ".map(tr => [tr.dataset.testid.replace('mapping-', ''), tr.querySelector('td.match').innerText.trim()]));"
    )


def cells(app, testid):
    """The cell texts of the rows marked `testid`, read in one script."""
    return app.driver.execute_script(
        "return [...document.querySelectorAll(`[data-testid=\"${arguments[0]}\"]`)]"
        ".map(tr => [...tr.querySelectorAll('td')].map(td => td.innerText.trim()));",
        testid,
    )


def test_the_four_demo_registers_import_from_files(empty_db, tmp_path, launch):
    xlsx = demo(tmp_path / "xlsx", "xlsx")
    gbk = demo(tmp_path / "gbk", "gbk-csv")
    app = launch(empty_db)
    # Paths are typed as text: a path of an existing file must not be uploaded as a file instead.
    app.driver.file_detector = UselessFileDetector()
    app.ready()
    app.click("nav-import")
    app.el("page-import")

    # Departments (xlsx): the canonical headers map every field exactly.
    choose_register_and_file(app, "departments", xlsx / "departments.xlsx")
    text_is(app, "import-info-header", "1")
    assert mapping(app) == {"code": "一致", "name": "一致"}
    r = import_and_wait(app)
    assert r == {"rows": "17", "added": "0", "updated": "0", "unchanged": "17", "rejected": "0", "warnings": "0"}
    text_is(app, "import-outcome", "已导入：17 行数据，新增 0，更新 0，未变 17。")
    app.el("import-no-problems")

    # Items (xlsx).
    choose_register_and_file(app, "items", xlsx / "items.xlsx")
    r = import_and_wait(app)
    assert r["rejected"] == "0" and r["added"] == r["rows"] and int(r["rows"]) > 0
    assert counts(app)["items"] == int(r["rows"])

    # Entities from the GBK CSV: the encoding is detected and shown; the preview shows the first rows.
    choose_register_and_file(app, "entities", gbk / "entities.csv")
    text_is(app, "import-info-encoding", "GBK/GB18030")
    assert len(app.els('[data-testid="preview-row"]')) == 20
    first = cells(app, "preview-row")[0]
    assert first[0] == "2" and len(first[1]) == 18, first
    app.shot("preview")
    r = import_and_wait(app)
    assert r == {"rows": str(ENTITIES), "added": str(ENTITIES), "updated": "0", "unchanged": "0", "rejected": "0", "warnings": r["warnings"]}
    assert counts(app)["entities"] == ENTITIES

    # Inspectors (xlsx), chosen with the in-app browser: open the folder, click the file.
    app.select("import-register", "inspectors")
    field = app.el("import-file-path")
    field.clear()
    field.send_keys(str(xlsx / "departments.xlsx"))
    app.click("import-file-browse")
    text_is(app, "import-file-folder", str(xlsx))
    names = [e.get_attribute("data-name") for e in app.els('[data-testid="import-file-entry"]')]
    assert names == ["departments.xlsx", "entities.xlsx", "inspectors.xlsx", "items.xlsx"], names
    app.click("import-file-up")
    text_is(app, "import-file-folder", str(tmp_path))
    app.driver.find_element(By.CSS_SELECTOR, '[data-testid="import-file-entry"][data-name="xlsx"]').click()
    text_is(app, "import-file-folder", str(xlsx))
    app.driver.find_element(By.CSS_SELECTOR, '[data-testid="import-file-entry"][data-name="inspectors.xlsx"]').click()
    assert app.el("import-file-path").get_attribute("value") == str(xlsx / "inspectors.xlsx")
    app.click("import-preview-start")
    text_is(app, "import-info-file", "inspectors.xlsx")
    r = import_and_wait(app)
    assert r["rows"] == str(INSPECTORS) and r["added"] == str(INSPECTORS) and r["rejected"] == "0"
    assert counts(app) == {"departments": 17, "entities": ENTITIES, "inspectors": INSPECTORS, "items": counts(app)["items"]}

    # The registers page shows what was imported.
    app.click("nav-registers")
    text_is(app, "count-entities", str(ENTITIES))
    text_is(app, "count-inspectors", str(INSPECTORS))


def bad_entities(path: Path):
    """A GBK CSV as a county office might send it: a title row, headers by other names, and three bad rows."""
    rows = [
        "2026年检查对象名录",
        "信用代码,企业名称,风险等级,备注",
        "91330000566997460T,祁阳市湘江米业有限公司,C,",
        "9133000056699746,永州市冷水滩区百家食品店,B,少两位",
        "91330000566997460T,祁阳市湘江米业有限公司（重复）,C,",
        "91110105MA0012008X,永州潇湘药业有限公司,Z,",
    ]
    path.write_bytes(("\r\n".join(rows) + "\r\n").encode("gbk"))
    return path


def test_a_file_with_errors_is_refused_then_imported_valid_rows_only(empty_db, tmp_path, launch):
    bad = bad_entities(tmp_path / "名录-有错误.csv")
    app = launch(empty_db)
    # Paths are typed as text: a path of an existing file must not be uploaded as a file instead.
    app.driver.file_detector = UselessFileDetector()
    app.ready()
    app.click("nav-import")
    choose_register_and_file(app, "entities", bad)
    text_is(app, "import-info-header", "2")
    # Headers found by other names are marked for a look; the remarks column is not imported.
    assert mapping(app)["code"] == "请核对"
    assert mapping(app)["risk_class"] == "请核对"
    assert "unsure" in app.el("mapping-code").get_attribute("class")
    # The operator takes the risk column away, sees the preview change, then puts it back.
    app.select("map-risk_class", "")
    app.wait(lambda d: mapping(app)["risk_class"] == "—")
    app.select("map-risk_class", "2")
    app.wait(lambda d: mapping(app)["risk_class"] == "手动指定")
    scroll_to(app, "import-mapping")
    app.shot("mapping")

    # All-or-nothing (the default): nothing is written, and the report table names every problem.
    r = import_and_wait(app)
    assert r == {"rows": "4", "added": "0", "updated": "0", "unchanged": "0", "rejected": "3", "warnings": "0"}
    text_is(app, "import-outcome", "未导入：3 行有错误，数据库未作任何改动。请改正文件后重新导入，或选择“只导入无误的行”。")
    problems = cells(app, "problem-row")
    assert problems == [
        [bad.name, "—", "4", "信用代码", "9133000056699746", "错误", "代码格式错误：长度为 16 位，应为 18 位统一社会信用代码或 15 位注册号"],
        [bad.name, "—", "5", "信用代码", "91330000566997460T", "错误", "与本文件第 3 行重复"],
        [bad.name, "—", "6", "风险等级", "Z", "错误", "无法识别的信用风险分类（应为 A/B/C/D 或 低/一般/较高/高）"],
    ]
    assert counts(app)["entities"] == 0
    scroll_to(app, "import-result")
    app.shot("report-refused")

    # Only the valid rows, explicitly, with the rejected rows written to a CSV file.
    report = tmp_path / "问题行.csv"
    app.click("import-partial")
    field = app.el("import-report")
    field.clear()
    field.send_keys(str(report))
    r = import_and_wait(app)
    assert r["added"] == "1" and r["rejected"] == "3"
    text_is(app, "import-outcome", "已导入无误的行：新增 1，更新 0，未变 0；3 行有错误，未导入。")
    text_is(app, "import-report-written", f"有错误的 3 行已写入：{report}")
    text = report.read_text(encoding="utf-8-sig")
    assert "9133000056699746" in text and "与本文件第 3 行重复" in text, text
    assert counts(app)["entities"] == 1
    scroll_to(app, "import-result")
    app.shot("report")

    # The same report in English.
    app.click("lang-en")
    text_is(app, "nav-import", "Import")
    app.click("import-start")
    text_matches(app, "import-outcome", r"^Valid rows imported: 0 added, 0 updated, 1 unchanged; 3 rows with errors were not imported\.$")
    first = cells(app, "problem-row")[0]
    assert first[5:] == ["error", "malformed code: 16 characters long, expected an 18-character credit code or a 15-digit registration number"]
    scroll_to(app, "import-result")
    app.shot("report-en")
