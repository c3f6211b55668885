"""Fixtures of the end-to-end tests: a seeded temporary database, and a WebDriver session that launches the
real app (through tauri-driver) on that database. Run through scripts/e2e.sh, which sets the E2E_*
environment variables and starts Xvfb and tauri-driver."""

import os
import re
import sqlite3
import subprocess
import time
from pathlib import Path

import pytest
from selenium import webdriver
from selenium.common.exceptions import TimeoutException
from selenium.webdriver.common.by import By
from selenium.webdriver.common.options import ArgOptions
from selenium.webdriver.remote.client_config import ClientConfig
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import Select, WebDriverWait

APP = os.environ["E2E_APP"]
CLI = os.environ["E2E_CLI"]
WEBDRIVER = os.environ.get("E2E_WEBDRIVER", "http://127.0.0.1:4444")
SCREENSHOTS = Path(os.environ.get("E2E_SCREENSHOTS", "target/e2e-screenshots"))
WAIT = 15  # seconds: the longest any single step may take before the test fails
COMMAND_TIMEOUT = 60  # seconds: the longest a single WebDriver request (including starting the app) may take

# Sample rows until the import and demo commands of the core land; they go through the schema's own
# constraints (STRICT tables, CHECKs, foreign keys), so a row the core could not read would be refused here.
ENTITIES = [
    ("91330000566997460T", "祁阳市湘江米业有限公司", "有限责任公司", "农副食品加工业", "祁阳市", "存续", "C"),
    ("91330000697024247P", "永州市冷水滩区百家食品店", "个体工商户", "批发和零售业", "冷水滩区", "在业", "B"),
    ("91110105MA0012008X", "永州潇湘药业有限公司", "有限责任公司", "医药制造业", "零陵区", "存续", "A"),
]
INSPECTORS = [
    ("S001", "张三", "D01", "43110012345", "2027-12-31", '["食品安全"]', 1, "冷水滩区", "在岗"),
    ("S002", "李四", "D13", "43110054321", "2026-06-30", '["公共卫生"]', 0, "零陵区", "在岗"),
]
ITEMS = [("SC-001", "食品生产企业监督检查", "D01", "现场检查", "不低于5%，每年一次")]


def seed(db: Path) -> Path:
    """Creates the database with the fairdraw command-line tool (schema and departments), then adds a few
    register rows."""
    subprocess.run([CLI, "--db", str(db), "list", "departments"], check=True, capture_output=True, timeout=60)
    con = sqlite3.connect(db)
    with con:
        con.execute("PRAGMA foreign_keys = ON")
        con.executemany(
            "INSERT INTO entity (code, name, entity_type, industry, region, status, risk_class) VALUES (?,?,?,?,?,?,?)",
            ENTITIES,
        )
        con.executemany(
            "INSERT INTO inspector (staff_no, name, department, certificate_no, certificate_valid_until,"
            " qualifications, expert, region, status) VALUES (?,?,?,?,?,?,?,?,?)",
            INSPECTORS,
        )
        con.executemany(
            "INSERT INTO item (code, name, department, method, ratio_frequency) VALUES (?,?,?,?,?)", ITEMS
        )
    con.close()
    return db


@pytest.fixture
def seeded_db(tmp_path):
    return seed(tmp_path / "data" / "fairdraw.sqlite3")


class App:
    """One running app under WebDriver, with helpers that always wait with a timeout."""

    def __init__(self, db: Path, name: str):
        options = ArgOptions()
        options.set_capability("browserName", "wry")
        options.set_capability("tauri:options", {"application": APP, "args": ["--db", str(db)]})
        # Every WebDriver request has a deadline too: a hung request fails the test instead of the whole run.
        config = ClientConfig(remote_server_addr=WEBDRIVER, timeout=COMMAND_TIMEOUT)
        self.driver = webdriver.Remote(command_executor=WEBDRIVER, options=options, client_config=config)
        self.driver.set_page_load_timeout(WAIT)
        self.driver.set_script_timeout(WAIT)
        self.name = name
        self.shots = 0
        self.console = self.driver.current_window_handle

    def wait(self, condition, timeout=WAIT, message=""):
        return WebDriverWait(self.driver, timeout).until(condition, message)

    def el(self, testid):
        return self.wait(EC.presence_of_element_located((By.CSS_SELECTOR, f'[data-testid="{testid}"]')),
                         message=f"element {testid}")

    def els(self, css):
        return self.driver.find_elements(By.CSS_SELECTOR, css)

    def click(self, testid):
        self.wait(EC.element_to_be_clickable((By.CSS_SELECTOR, f'[data-testid="{testid}"]')),
                  message=f"clickable {testid}").click()

    def text_is(self, testid, expected):
        try:
            self.wait(lambda d: self.el(testid).text == expected)
        except TimeoutException:
            raise AssertionError(f"{testid}: expected {expected!r}, got {self.el(testid).text!r}") from None

    def text_matches(self, testid, pattern):
        try:
            self.wait(lambda d: re.search(pattern, self.el(testid).text))
        except TimeoutException:
            raise AssertionError(f"{testid}: expected /{pattern}/, got {self.el(testid).text!r}") from None

    def rows(self, register):
        return self.els(f'[data-testid="table-{register}"] tbody tr')

    def wait_rows(self, register, n):
        try:
            self.wait(lambda d: len(self.rows(register)) == n and not self.el(f"table-{register}").get_attribute("hidden"))
        except TimeoutException:
            raise AssertionError(f"{register}: expected {n} rows, got {len(self.rows(register))}") from None
        return [[td.text for td in tr.find_elements(By.TAG_NAME, "td")] for tr in self.rows(register)]

    def ready(self):
        self.wait(lambda d: d.execute_script("return document.body.dataset.ready") == "1", message="console ready")

    def select(self, testid, value):
        Select(self.el(testid)).select_by_value(value)

    def invoke(self, command, args=None):
        """Calls a command from the page, as the frontend does; returns {"ok": value} or {"err": error}."""
        return self.driver.execute_async_script(
            "const done = arguments[arguments.length - 1];"
            "window.__TAURI__.core.invoke(arguments[0], arguments[1])"
            ".then(ok => done({ok}), err => done({err}));",
            command,
            args or {},
        )

    def stage_handle(self):
        self.wait(lambda d: len(d.window_handles) == 2, message="stage window")
        return next(h for h in self.driver.window_handles if h != self.console)

    def shot(self, step):
        self.shots += 1
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        time.sleep(0.2)  # let the last paint land
        self.driver.save_screenshot(str(SCREENSHOTS / f"{self.name}-{self.shots:02d}-{step}.png"))

    def quit(self):
        self.driver.quit()


@pytest.fixture
def launch(request):
    """`launch(db)` starts the app on `db`; every app started is quit at the end of the test."""
    apps = []

    def start(db):
        app = App(db, request.node.name.removeprefix("test_"))
        apps.append(app)
        return app

    yield start
    for app in apps:
        try:
            app.quit()
        except Exception:  # the session may already be gone when a test quit it itself
            pass
