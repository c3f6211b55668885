"""The stage window: opened from the console, it shows the idle screen from stored data and settings,
carries no operator controls, follows theme and language changes, and is restored after a restart."""

import re

from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys


def test_stage_shows_the_idle_screen_from_core_state(seeded_db, launch):
    app = launch(seeded_db)
    app.ready()
    app.click("nav-settings")
    app.select("settings-department", "D01")
    app.text_is("header-department", "市场监管局")
    app.shot("settings")
    app.click("stage-toggle")
    app.text_is("stage-toggle", "关闭投屏")
    stage = app.stage_handle()
    app.driver.switch_to.window(stage)
    app.wait(lambda d: d.execute_script("return document.body.dataset.ready") == "1", message="stage ready")
    app.text_is("stage-title", "双随机公开摇号")
    app.text_is("stage-department", "市场监管局")
    app.text_matches("stage-time", r"^\d\d:\d\d:\d\d$")
    app.text_matches("stage-date", r"^\d{4}年\d{1,2}月\d{1,2}日 星期[日一二三四五六]$")
    assert "theme-light" in app.el("stage").get_attribute("class")
    # No operator controls on the projector.
    assert app.driver.find_elements(By.CSS_SELECTOR, "button, input, select, a") == []
    app.shot("stage-light")

    # Settings changed in the console reach the stage through events.
    app.driver.switch_to.window(app.console)
    app.select("settings-theme", "dark")
    app.select("settings-department", "D17")
    app.click("lang-en")
    app.driver.switch_to.window(stage)
    app.wait(lambda d: "theme-dark" in app.el("stage").get_attribute("class"), message="dark theme")
    app.text_is("stage-department", "永州海关")
    app.text_is("stage-title", "Public Random Draw")
    app.text_is("stage-status", "Waiting for the draw to begin")
    app.text_matches("stage-date", r"^(Sun|Mon|Tues|Wednes|Thurs|Fri|Satur)day, \d{1,2} [A-Z][a-z]+ \d{4}$")
    app.shot("stage-dark-english")

    # The stage window may only read its view.
    denied = app.invoke("list_entities", {"page": {"offset": 0, "limit": 10, "filter": ""}})
    assert "not allowed" in str(denied.get("err")), denied


def test_f11_on_the_stage_toggles_full_screen(seeded_db, launch):
    app = launch(seeded_db)
    app.ready()
    app.click("stage-toggle")
    stage = app.stage_handle()
    for expected in ("退出全屏", "投屏全屏"):
        app.driver.switch_to.window(stage)
        app.el("stage-title")
        ActionChains(app.driver).send_keys(Keys.F11).perform()
        # The console learns of it through the windows-changed event.
        app.driver.switch_to.window(app.console)
        app.text_is("stage-fullscreen", expected)
    assert app.invoke("windows_state")["ok"] == {"stage_open": True, "stage_fullscreen": False}
    # The choice is remembered for the next time the stage opens.
    settings = app.invoke("get_settings")["ok"]["settings"]
    assert settings["stage"]["fullscreen"] is False


def test_open_windows_are_restored_after_a_restart(seeded_db, launch):
    app = launch(seeded_db)
    app.ready()
    app.click("stage-toggle")
    app.stage_handle()
    # Ending the session kills the app, as a crash or power cut would.
    app.quit()
    again = launch(seeded_db)
    again.ready()
    stage = again.stage_handle()
    again.text_is("stage-toggle", "关闭投屏")
    # Closing the stage from the console is remembered too.
    again.click("stage-toggle")
    again.wait(lambda d: len(d.window_handles) == 1, message="stage closed")
    assert stage not in again.driver.window_handles
    again.quit()
    third = launch(seeded_db)
    third.ready()
    third.text_is("stage-toggle", "打开投屏")
    assert len(third.driver.window_handles) == 1


def test_backup_reports_progress_and_writes_a_copy(seeded_db, launch):
    app = launch(seeded_db)
    app.ready()
    app.click("nav-settings")
    app.text_is("settings-db-path", str(seeded_db))
    app.text_matches("settings-schema", r"^\d+（本程序支持至 \d+）$")
    app.click("backup-start")
    app.text_matches("backup-status", r"^已备份到 .*fairdraw-\d{8}-\d{6}\.sqlite3（[\d.]+ KB）$")
    path = re.search(r"已备份到 (.*)（", app.el("backup-status").text).group(1)
    assert app.el("backup-progress").get_attribute("value") == "100"
    app.shot("backup-done")
    backups = list((seeded_db.parent / "backups").glob("fairdraw-*.sqlite3"))
    assert [str(p) for p in backups] == [path]
    import sqlite3

    con = sqlite3.connect(path)
    assert con.execute("SELECT count(*) FROM entity").fetchone()[0] == 3
    con.close()
