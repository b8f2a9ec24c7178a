"""The whole job in the app, as a person does it, in the real browser (Debian's chromium, Playwright, a Chinese
browser) against `exhibit app` on an empty folder: upload the sample on the Cases page, watch the progress
reach the end, name two speakers, correct a line, mark every line reviewed, name the reviewer and fill the case,
make the documents again on the files step, make the evidence package and download its zip — which verifies with `sha256sum -c`
and holds the court copy with the names and the correction and no draft mark.

With EXHIBIT_APP_SCREENSHOTS=<folder> it saves each step as it looks on the way (docs/app_<step>.png)."""

from __future__ import annotations

import os
import subprocess
import zipfile
from pathlib import Path

import pytest

from conftest import ROOT, Server, docx_text
from pipeline.csvio import read_csv

pytestmark = pytest.mark.integration
SAMPLE = ROOT / "samples" / "zh_five_speakers.wav"
NAME = SAMPLE.stem
CORRECTED = "我在滨海新区有房。"


def _shot(page, step: str) -> None:
    folder = os.environ.get("EXHIBIT_APP_SCREENSHOTS")
    if folder:
        page.evaluate("window.scrollTo(0, 0)")
        page.screenshot(path=str(Path(folder) / f"app_{step}.png"))


def test_a_recording_goes_from_upload_to_a_checked_package_in_the_app(browser, tmp_path):
    root = tmp_path / "out"
    root.mkdir()
    server = Server(root, app=True)
    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900}, accept_downloads=True)
    page = context.new_page()
    try:
        # 案件: a new recording, chosen and uploaded
        page.goto(server.url)
        page.wait_for_selector("#send")
        page.locator("#file").set_input_files(str(SAMPLE))
        _shot(page, "cases")
        page.locator("#send").click()

        # 处理中: to the end, then the next step
        page.wait_for_url(f"**/case/{NAME}/progress/")
        page.wait_for_selector("body[data-job='done']", timeout=300_000)
        _shot(page, "progress")
        assert page.locator("#message").inner_text() == "整理完成。"
        folder = root / NAME
        _, lines = read_csv(folder / "transcript.csv")
        page.locator("#next-link").click()

        # 说话人: two voices named, with their roles and how they were identified
        page.wait_for_selector(".voice")
        for speaker, (name, role, basis) in (("SPEAKER_00", ("张三", "被告", "通话对方号码 138xxxx")),
                                             ("SPEAKER_01", ("李四", "原告", "提交人本人"))):
            voice = page.locator(f'.voice[data-id="{speaker}"]')
            for column, value in (("name", name), ("role", role), ("identified_by", basis)):
                voice.locator(f'input[data-column="{column}"]').fill(value)
        _shot(page, "speakers")
        page.locator("#save").click()
        page.wait_for_selector("#message:has-text('已保存到')")
        page.locator("#render").click()                       # the names into the lines the review step shows
        page.wait_for_selector("#message:has-text('两份文本已重新生成')", timeout=180_000)

        # 核对: one line corrected, every other line marked reviewed, saved
        page.locator('#steps a[data-step="review"]').click()
        page.wait_for_selector(".line")
        assert page.locator(".line").count() == len(lines)
        assert page.locator(".line .speaker").first.inner_text() == "张三（被告）"
        corrected = min(4, len(lines) - 1)
        page.locator(".line").nth(corrected).locator("button.edit").click()
        page.locator("textarea.edit").fill(CORRECTED)
        page.keyboard.press("Enter")
        for index in range(len(lines)):
            if index != corrected:
                page.locator(".line").nth(index).locator("button.agree").click()
        assert page.locator("#counter").inner_text() == f"已核对 {len(lines)} / {len(lines)} 句"
        _shot(page, "review")
        page.locator("#save").click()
        page.wait_for_selector("#message:has-text('已保存')")

        # 案件信息: the reviewer and the case, saved; the documents made again
        page.locator('#steps a[data-step="details"]').click()
        page.wait_for_selector("#details:not([hidden])")
        for label, value in (("核对人", "王五"), ("案件名称", "张三诉李四民间借贷纠纷"), ("证据编号", "证据3"),
                             ("录音时间", "2025-03-05 15:30")):
            page.get_by_label(label, exact=True).fill(value)
        page.locator("#save").click()
        page.wait_for_selector("#message:has-text('已保存')")
        _shot(page, "details")

        # 关键内容: as the run found them (shown for the picture; the package indexes them)
        page.locator('#steps a[data-step="facts"]').click()
        page.wait_for_selector("#steps a[aria-current=page]")
        _shot(page, "facts")

        # 文件: the saved work is not in the documents yet — said, and the package refused — until they are made
        # again; then not a draft, and the package made, downloaded and checked
        page.locator('#steps a[data-step="files"]').click()
        page.wait_for_selector("#status:not([hidden])")
        assert page.locator("#verdict").inner_text().endswith(
            "文本生成之后又保存了修改（transcript.csv、case.toml），文本中还没有这些修改：请先重新生成文本，再下载或打包。")
        page.locator("#make-package").click()
        page.wait_for_selector("#package-message.error")
        assert "两份文本中还没有这些修改" in page.locator("#package-message").inner_text()
        assert not (folder / "package.zip").exists()
        page.locator("#update").click()
        page.wait_for_selector("#update", state="hidden", timeout=180_000)
        verdict = page.locator("#verdict").inner_text()            # three voices left unnamed: said, not a draft
        assert "提交法院文本已完成人工核对，可以提交法院。" in verdict and "草稿" not in verdict
        page.locator("#make-package").click()
        page.wait_for_selector("#package-made:not([hidden])", timeout=180_000)
        page.wait_for_function("() => { const shown = document.getElementById('page'); "
                               "return shown.complete && shown.naturalWidth > 0; }", timeout=120_000)
        _shot(page, "files")
        with page.expect_download() as asked:
            page.locator("#package-download").click()
        saved = tmp_path / "downloaded" / asked.value.suggested_filename
        asked.value.save_as(saved)
    finally:
        context.close()
        server.stop()

    with zipfile.ZipFile(saved) as archive:
        archive.extractall(tmp_path / "unzipped")
    unzipped = next(p.parent for p in (tmp_path / "unzipped").rglob("SHA256SUMS"))
    check = subprocess.run(["sha256sum", "-c", "SHA256SUMS"], cwd=unzipped, capture_output=True, text=True)
    listed = (unzipped / "SHA256SUMS").read_text(encoding="utf-8").splitlines()
    assert check.returncode == 0 and check.stdout.count(": OK") == len(listed) >= 5, check.stdout + check.stderr
    assert (unzipped / SAMPLE.name).read_bytes() == SAMPLE.read_bytes()         # the original, untouched
    court = docx_text(unzipped / f"{NAME}.docx")
    assert "张三（被告）" in court and "李四（原告）" in court and "通话对方号码 138xxxx" in court
    assert "[已校正]" in court and CORRECTED in court
    assert lines[corrected]["text"] not in court or lines[corrected]["text"] == CORRECTED
    assert "张三诉李四民间借贷纠纷" in court and "证据3" in court and "王五" in court
    with zipfile.ZipFile(unzipped / f"{NAME}.docx") as document:
        parts = {n: document.read(n).decode("utf-8", "replace") for n in document.namelist() if n.endswith(".xml")}
    assert [n for n, text in parts.items() if "草稿" in text] == []              # no draft mark, headers too
