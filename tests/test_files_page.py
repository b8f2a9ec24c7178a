"""The files step (文件) in a real browser (Debian's chromium, driven by Playwright, in Chinese) against the real
app (`exhibit app`, started as a user starts it) on real runs of the README's sample: a draft says so and why and
is not packaged; a reviewed run shows its first page as LibreOffice lays it out, is packaged, and the zip the
browser downloads checks (`sha256sum -c SHA256SUMS`) and holds a court copy with no draft mark."""

from __future__ import annotations

import hashlib
import os
import re
import subprocess
import zipfile
from pathlib import Path

import pytest

from conftest import ROOT
from pipeline.config import load_settings
from pipeline.csvio import read_csv, write_csv
from pipeline.export.pdf import find_soffice
from pipeline.runner import run

pytestmark = pytest.mark.integration
SAMPLE = ROOT / "samples" / "zh_five_speakers.wav"
NAME = SAMPLE.stem





@pytest.fixture
def browser_page(browser, server):
    if find_soffice() is None:
        pytest.skip("LibreOffice is not installed (make pdf-tools installs it)")
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN", accept_downloads=True)
    opened = context.new_page()
    opened.goto(server.url)                          # the launch address: its cookie, then the Cases page
    yield opened
    context.close()


def open_files(page, server) -> None:
    page.goto(f"{server.base}/case/{NAME}/files/")
    page.wait_for_selector("#status:not([hidden])")


def first_page_shown(page) -> None:
    """The court copy's first page, made by LibreOffice on first open, has loaded in the page."""
    page.wait_for_function("() => { const shown = document.getElementById('page'); "
                           "return shown.complete && shown.naturalWidth > 0; }", timeout=120_000)


def test_a_draft_says_so_and_why_and_is_not_packaged(browser_page, server, folder):
    page = browser_page
    _, lines = read_csv(folder / "transcript.csv")
    _, voices = read_csv(folder / "speakers.csv")
    open_files(page, server)
    assert page.locator("#verdict").inner_text() == "草稿提交法院文本还是草稿，不得作为正式整理稿提交法院。原因如下："
    reasons = page.locator("#reasons li")
    assert [reasons.nth(i).inner_text() for i in range(reasons.count())] == [
        f"尚有 {len(voices)} 位说话人未命名 去命名说话人",
        f"尚有 {len(lines)} 句（共 {len(lines)} 句）未记录人工核对 去核对",
        "核对人尚未写明 去写明核对人"]
    assert [reasons.nth(i).locator("a").get_attribute("href") for i in range(3)] == [
        f"/case/{NAME}/speakers/", f"/case/{NAME}/", f"/case/{NAME}/details/"]
    court, counsel = page.locator('tr[data-role="court_docx"]'), page.locator('tr[data-role="counsel_docx"]')
    assert "草稿" in court.inner_text() and f"{NAME}.docx" in court.inner_text()
    assert "律师工作底稿" in counsel.inner_text() and "不得提交法院" in counsel.inner_text()
    first_page_shown(page)                            # a draft's first page is shown too
    page.locator("#make-package").click()
    page.wait_for_selector("#package-message.error")
    refusal = page.locator("#package-message").inner_text()
    assert refusal.startswith("提交法院文本还是草稿，不能生成证据包。") and "核对人尚未写明" in refusal
    assert f"提交法院的整理稿仍是草稿（共 {len(lines)} 句，其中 {len(lines)} 句未核对；未写明核对人）" in refusal
    assert not (folder / "package.zip").exists() and not (folder / "package").exists()


def review_everything(folder: Path) -> None:
    """What a person does before filing: every line marked reviewed in transcript.csv, every voice named in
    speakers.csv, the reviewer named in case.toml; then the documents made again (the models are not run)."""
    header, rows = read_csv(folder / "transcript.csv")
    for row in rows:
        row["status"] = "reviewed"
    write_csv(folder / "transcript.csv", header, [[r[h] for h in header] for r in rows])
    header, voices = read_csv(folder / "speakers.csv")
    for number, voice in enumerate(voices, 1):
        voice["name"], voice["identified_by"] = f"证人{number}", "提交人指认"
    write_csv(folder / "speakers.csv", header, [[v[h] for h in header] for v in voices])
    case = (folder / "case.toml").read_text(encoding="utf-8")
    named = re.sub(r'^reviewed_by = ""', 'reviewed_by = "王五"', case, count=1, flags=re.M)
    assert named != case
    (folder / "case.toml").write_text(named, encoding="utf-8")
    run(SAMPLE, folder, load_settings())


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def test_a_reviewed_run_shows_its_first_page_and_its_package_downloads_and_checks(browser_page, server, folder,
                                                                                   tmp_path):
    page = browser_page
    open_files(page, server)
    first_page_shown(page)                            # the draft's first page, kept in preview/ …
    drafted = sha256((folder / f"{NAME}.docx").read_bytes())
    assert (folder / "preview" / f"{drafted}.png").is_file()
    review_everything(folder)
    assert (folder / "preview" / f"{drafted}.png").is_file()          # … which the run left alone
    court = (folder / f"{NAME}.docx").read_bytes()
    assert sha256(court) != drafted
    open_files(page, server)
    assert page.locator("#verdict").inner_text() == "已核对提交法院文本已完成人工核对，可以提交法院。"
    assert page.locator("#reasons li").count() == 0
    first_page_shown(page)                            # made again, for the court copy as it is now
    assert sorted(p.name for p in (folder / "preview").iterdir()) == [f"{sha256(court)}.pdf", f"{sha256(court)}.png"]
    png = (folder / "preview" / f"{sha256(court)}.png").read_bytes()
    assert page.evaluate("document.getElementById('page').naturalWidth") == int.from_bytes(png[16:20], "big")
    with page.expect_download() as asked:
        page.locator('tr[data-role="court_docx"] a.download').click()
    assert asked.value.suggested_filename == f"{NAME}.docx"
    assert Path(asked.value.path()).read_bytes() == court
    page.locator("#make-package").click()
    page.wait_for_selector("#package-made:not([hidden])", timeout=120_000)
    assert page.locator("#package-message").inner_text() == ""               # LibreOffice is here: a PDF in it
    assert page.locator("#package-note").inner_text() == "证据包已生成。"
    with page.expect_download() as asked:
        page.locator("#package-download").click()
    assert asked.value.suggested_filename == f"{NAME}_package.zip"
    saved = tmp_path / "downloaded" / f"{NAME}_package.zip"
    asked.value.save_as(saved)
    assert page.locator("td.zip-sha256").inner_text() == sha256(saved.read_bytes())
    assert saved.read_bytes() == (folder / "package.zip").read_bytes()
    with zipfile.ZipFile(saved) as archive:
        archive.extractall(tmp_path / "unzipped")
    unzipped = tmp_path / "unzipped" / NAME
    sums = (unzipped / "SHA256SUMS").read_text(encoding="utf-8")
    assert page.locator("#sums").inner_text().strip() == sums.strip()
    assert {f"{NAME}.docx", f"{NAME}.pdf", SAMPLE.name} <= {line.split("  ", 1)[1] for line in sums.splitlines()}
    check = subprocess.run(["sha256sum", "-c", "SHA256SUMS"], cwd=unzipped, capture_output=True, text=True)
    assert check.returncode == 0 and check.stdout.count(": OK") == len(sums.splitlines()), check.stdout + check.stderr
    with zipfile.ZipFile(unzipped / f"{NAME}.docx") as document:
        parts = {n: document.read(n).decode("utf-8", "replace") for n in document.namelist() if n.endswith(".xml")}
    assert any("王五" in text for text in parts.values())                  # the reviewer, in the declaration
    assert [n for n, text in parts.items() if "草稿" in text] == []          # no draft mark anywhere, headers too
    size = (folder / "package.zip").stat().st_size
    assert page.locator("td.zip-size").inner_text().startswith(f"{size:,} 字节（")
    if os.environ.get("EXHIBIT_SCREENSHOT"):       # the picture of the page (docs/app_files.png)
        page.evaluate("window.scrollTo(0, 0)")
        page.screenshot(path=os.environ["EXHIBIT_SCREENSHOT"])
    page.goto(f"{server.base}/")
    page.wait_for_selector("tr.case")
    assert page.locator(f'tr.case[data-name="{NAME}"] .state').inner_text() == "已打包"
