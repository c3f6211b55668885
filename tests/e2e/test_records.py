"""The records and verify pages: a ceremony run through the command-line tool (scripts/demo-ceremony.sh) is
listed with its state and record hash, its PDF record and bundle are exported from the app (the bundle byte for
byte the one the tool exports), verifies as MATCH with the recorded seed, and a tampered copy shows its first difference."""

import json
import re
import subprocess
import zipfile
from pathlib import Path

import pytest
from selenium.webdriver.remote.file_detector import UselessFileDetector

from conftest import CLI

ROOT = Path(__file__).parents[2]
TASK = "永市监抽〔2026〕3号"


@pytest.fixture(scope="module")
def ceremony(tmp_path_factory):
    """A sealed ceremony on demo data, made by the same CLI steps as the demo script; its own export beside it."""
    work = tmp_path_factory.mktemp("ceremony") / "demo"
    subprocess.run([str(ROOT / "scripts" / "demo-ceremony.sh"), CLI, str(work)], check=True, capture_output=True, timeout=600)
    db = work / "fairdraw.sqlite3"
    status = json.loads(subprocess.run([CLI, "--db", str(db), "--json", "ceremony", "status", "1"], check=True, capture_output=True, timeout=60).stdout)
    # scripts/demo-ceremony.sh writes the PDF record and the bundle with `fairdraw record export` into 记录/.
    (bundle,) = (work / "记录").glob("*.fairdraw.zip")
    return {"db": db, "cli_bundle": bundle, "status": status, "work": work}


def cells(app, testid):
    return app.driver.execute_script(
        "return [...document.querySelectorAll(`[data-testid=\"${arguments[0]}\"]`)]"
        ".map(tr => [...tr.querySelectorAll('td')].map(td => td.innerText.trim()));",
        testid,
    )


def tamper(src: Path, dst: Path, member: str, old: str, new: str):
    """A copy of the bundle with one text changed in one member."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info.filename)
            if info.filename == member:
                text = data.decode("utf-8")
                assert old in text, f"{old!r} not in {member}"
                data = text.replace(old, new, 1).encode("utf-8")
            zout.writestr(info, data)


def verify(app, path):
    field = app.el("verify-file-path")
    field.clear()
    field.send_keys(str(path))
    app.click("verify-start")
    app.wait(lambda d: app.el("verify-result").is_displayed(), message="verdict")


# The bundle's size after its path, as the page writes it (binary units).
SIZE = r"（(\d+(?:\.\d)?) (B|KB|MB)）"


def assert_size(text, path):
    """The size shown at the end of `text` is the file's, to the shown precision."""
    number, unit = re.search(SIZE + "$", text).groups()
    scale = 1024 ** ["B", "KB", "MB"].index(unit)
    precision = 0.1 if "." in number else 1
    assert abs(float(number) * scale - path.stat().st_size) <= precision * scale / 2 + 1, (text, path.stat().st_size)


def test_a_sealed_record_is_exported_and_verified(ceremony, tmp_path, launch):
    status = ceremony["status"]
    record_hash = status["ceremony"]["record_hash"] if "ceremony" in status else status["record_hash"]
    seed = status["ceremony"]["seed"] if "ceremony" in status else status["seed"]
    app = launch(ceremony["db"])
    # Paths are typed as text: a path of an existing file must not be uploaded as a file instead.
    app.driver.file_detector = UselessFileDetector()
    app.ready()
    app.click("nav-records")
    app.el("records-table")
    rows = cells(app, "ceremony-row")
    assert rows == [["1", TASK, "2026年食品经营者联合抽查", "1", "已封存", rows[0][5], record_hash, "导出记录"]]
    app.shot("records")

    # The PDF record and the bundle, to a folder typed into the chooser (what `fairdraw record export` writes).
    out = tmp_path / "导出"
    app.click("records-export-1")
    app.el("records-folder-path").send_keys(str(out))
    app.click("records-export-record")
    pdf = out / f"{TASK}-第1次-摇号记录.pdf"
    exported = out / f"{TASK}-第1次.fairdraw.zip"
    app.text_matches("records-record-status", "^已导出摇号记录 PDF：" + re.escape(str(pdf)) + r"（\d+ 页）；记录包：" + re.escape(str(exported)) + SIZE + "$")
    assert_size(app.el("records-record-status").text, exported)
    assert pdf.read_bytes().startswith(b"%PDF-")
    # Records are deterministic: the app's bundle is the tool's, byte for byte.
    assert exported.read_bytes() == ceremony["cli_bundle"].read_bytes()
    app.shot("records-exported")

    # The bundle alone, under the proposed name, to another folder.
    alone = tmp_path / "只要记录包"
    alone.mkdir()
    assert app.el("records-file-name").get_attribute("value") == f"{TASK}-第1次.fairdraw.zip"
    field = app.el("records-folder-path")
    field.clear()
    field.send_keys(str(alone))
    app.click("records-export-start")
    app.text_matches("records-export-status", "^记录包已导出：" + re.escape(str(alone / exported.name)) + SIZE + "$")
    assert_size(app.el("records-export-status").text, alone / exported.name)
    assert (alone / exported.name).read_bytes() == exported.read_bytes()
    # Exporting again never overwrites.
    app.click("records-export-start")
    app.el("error-banner")
    app.text_is("error-code", "invalid")
    app.text_matches("error-message", "已存在")
    app.click("error-dismiss")

    # Verify the exported bundle: MATCH, with the recorded seed.
    app.click("nav-verify")
    verify(app, exported)
    app.text_is("verify-verdict", "一致")
    app.text_is("verify-line-1", seed)
    app.shot("verify-match")

    # A witness's entropy changed in a copy: the seed no longer matches, and the page says where.
    bundle = json.loads(zipfile.ZipFile(exported).read("bundle.json"))
    entropy = bundle["witnesses"][0]["entropy"]
    forged = tmp_path / "forged.zip"
    tamper(exported, forged, "bundle.json", f'"entropy": "{entropy}"', f'"entropy": "{entropy}9"')
    verify(app, forged)
    app.text_is("verify-verdict", "不一致")
    app.text_is("verify-line-0", "seed")
    app.text_is("verify-line-1", seed)
    assert app.el("verify-line-2").text not in ("", seed)
    app.shot("verify-mismatch")

    # A changed population row changes the first fingerprint, and English says so too.
    population = zipfile.ZipFile(exported).read("population.csv").decode("utf-8").splitlines()
    name = population[1].split(",")[1]
    renamed = tmp_path / "renamed.zip"
    tamper(exported, renamed, "population.csv", name, name + "X")
    app.click("lang-en")
    app.text_is("nav-verify", "Verify")
    verify(app, renamed)
    app.text_is("verify-verdict", "MISMATCH")
    app.text_is("verify-line-0", "fingerprints.population")
