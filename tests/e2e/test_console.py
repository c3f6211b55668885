"""The console: it opens on real register data, pages are honest about what is not built, the language
switch changes every text, and database errors are shown with their closed code."""

import sqlite3
from pathlib import Path

from conftest import ENTITIES


def test_console_shows_the_registers(seeded_db, launch):
    app = launch(seeded_db)
    app.ready()
    app.text_is("app-title", "双随机公开摇号")
    nav = [b.text for b in app.els('[data-testid="sidebar"] button')]
    assert nav == ["名录库", "抽查事项", "导入名录", "抽查计划", "抽查任务", "摇号", "检查结果", "摇号记录", "核验", "设置"]
    app.text_is("count-entities", "3")
    app.text_is("count-inspectors", "2")
    app.text_is("count-departments", "17")
    rows = app.wait_rows("entities", 3)
    # Key order (credit code), whatever order the rows were stored in.
    assert [r[0] for r in rows] == sorted(e[0] for e in ENTITIES)
    assert rows[1] == ["91330000566997460T", "祁阳市湘江米业有限公司", "有限责任公司", "农副食品加工业", "祁阳市", "存续", "C 较高风险", "—"]
    app.text_is("range-entities", "第 1–3 条，共 3 条")
    app.shot("entities")

    app.click("tab-inspectors")
    rows = app.wait_rows("inspectors", 2)
    assert rows[0][:3] == ["S001", "张三", "市场监管局"]
    assert rows[1][2] == "卫健委"
    app.shot("inspectors")

    app.click("tab-departments")
    rows = app.wait_rows("departments", 17)
    assert rows[0] == ["D01", "市场监管局"]
    app.el("filter-departments").send_keys("海关")
    assert app.wait_rows("departments", 1) == [["D17", "永州海关"]]
    app.text_is("range-departments", "第 1–1 条，共 1 条")
    app.el("filter-departments").send_keys("不存在")
    app.text_is("empty-departments", "没有符合筛选条件的记录")
    app.shot("departments-filtered")

    app.click("nav-items")
    rows = app.wait_rows("items", 1)
    assert rows[0] == ["SC-001", "食品生产企业监督检查", "市场监管局", "现场检查", "不低于5%，每年一次"]
    app.shot("items")


def test_unbuilt_parts_say_so(seeded_db, launch):
    app = launch(seeded_db)
    app.ready()
    for page, label in [("results", "检查结果")]:
        app.click(f"nav-{page}")
        app.el(f"page-{page}")
        app.text_matches("unavailable", rf"^尚未实现\s*“{label}”功能尚在开发中，本版本还不能使用。$")
        # Nothing to click on a page that does nothing.
        assert app.els(f'[data-testid="page-{page}"] button, [data-testid="page-{page}"] input') == []
    app.shot("unavailable")


def test_language_switch_changes_the_texts(seeded_db, launch):
    app = launch(seeded_db)
    app.ready()
    app.wait_rows("entities", 3)
    app.click("lang-en")
    app.text_is("nav-registers", "Registers")
    app.text_is("app-title", "fairdraw · Public Random Draw")
    app.text_matches("tab-entities", r"^Entities\s*3$")
    app.text_is("range-entities", "Rows 1–3 of 3")
    headers = [th.text for th in app.els('[data-testid="table-entities"] th')]
    assert headers[:3] == ["Credit code", "Name", "Type"]
    assert app.wait_rows("entities", 3)[1][6] == "C elevated"
    app.shot("english")
    # The choice is stored: a restart keeps it.
    app.quit()
    again = launch(seeded_db)
    again.ready()
    again.text_is("nav-settings", "Settings")
    again.click("lang-zh")
    again.text_is("nav-settings", "设置")
    again.text_is("stage-toggle", "打开投屏")


def test_a_newer_database_is_refused_with_its_code(tmp_path, launch):
    db = tmp_path / "newer.sqlite3"
    con = sqlite3.connect(db)
    con.executescript("CREATE TABLE x (a INTEGER); PRAGMA user_version = 999;")
    con.close()
    before = db.read_bytes()
    app = launch(db)
    app.ready()
    app.el("error-banner")
    app.text_is("error-code", "newer_schema")
    app.text_is("error-title", "数据库版本高于本程序")
    app.text_matches("error-message", r"该数据库由更新版本的 fairdraw 写入（结构版本 999，本程序最高支持 \d+），未作任何改动")
    app.text_is("empty-entities", "无法读取数据，原因见上方的错误信息")
    assert not app.el("table-entities").is_displayed()
    app.shot("newer-schema")
    # The same error through a command, and in the other language after switching.
    assert app.invoke("list_entities", {"page": {"offset": 0, "limit": 10, "filter": ""}})["err"]["code"] == "newer_schema"
    app.click("lang-en")
    app.text_is("error-title", "Database is newer than this program")
    assert db.read_bytes() == before, "a newer database must be left untouched"


def test_a_directory_instead_of_a_database_is_reported(tmp_path, launch):
    db = tmp_path / "a-directory"
    db.mkdir()
    app = launch(db)
    app.ready()
    app.el("error-banner")
    # The core refuses a folder before SQLite sees it, naming the path; the title follows the code.
    app.text_is("error-code", "invalid")
    app.text_is("error-title", "输入的内容无效")
    assert str(db) in app.el("error-message").text, "the core's message names the folder"
    app.shot("directory")
    app.click("error-dismiss")
    app.wait(lambda d: not app.el("error-banner").is_displayed())
    app.shot("directory-dismissed")


def test_fonts_come_from_the_project(seeded_db, launch):
    """The webview uses the fonts of assets/fonts (served from the app itself, never from a URL)."""
    fonts = sorted(p.name for p in (Path(__file__).parents[2] / "assets" / "fonts").glob("*") if p.suffix in (".otf", ".ttf", ".woff", ".woff2"))
    app = launch(seeded_db)
    app.ready()
    faces = app.driver.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "document.fonts.ready.then(() => done([...document.fonts].map(f => [f.family.replaceAll('\"', ''), f.status])));"
    )
    sans = [status for family, status in faces if family == "Fairdraw Sans"]
    if any("mono" not in f.lower() for f in fonts):
        assert sans == ["loaded"], faces
    else:
        assert sans == [], f"no font in assets/fonts, yet the page has {faces}"
    # Nothing on the page refers to another origin.
    urls = app.driver.execute_script(
        "return performance.getEntriesByType('resource').map(e => e.name).filter(u => !u.startsWith(location.origin) && !u.startsWith('ipc:'));"
    )
    assert urls == [], urls
