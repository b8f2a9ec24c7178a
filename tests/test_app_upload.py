"""A new recording through the app, in the real browser against the real server (`exhibit app ROOT`): chosen on
the Cases page, streamed into a new case folder, kept untouched and read-only, its sha256 shown, the run followed
on the progress step to its end and its next step; a file that is no recording fails in one line and can be
started again; a run cancelled stops and leaves the recording; an upload cut off leaves nothing."""

from __future__ import annotations

import hashlib
import http.client
import json
import os
import stat
import time
import urllib.error
import urllib.request
from urllib.parse import quote, urlencode

import pytest

from conftest import ROOT, Server, eval_file

pytestmark = pytest.mark.integration
SAMPLE = ROOT / "samples" / "zh_five_speakers.wav"


@pytest.fixture
def app(tmp_path):
    root = tmp_path / "out"
    root.mkdir()
    started = Server(root, app=True)
    yield started, root
    started.stop()


@pytest.fixture
def chinese(browser):
    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    yield context.new_page()
    context.close()


def test_a_recording_chosen_on_the_cases_page_is_kept_untouched_and_made_into_an_exhibit(app, chinese):
    server, root = app
    page = chinese
    page.goto(server.url)
    page.wait_for_selector("#send")
    assert page.locator("#new-title").inner_text() == "新建录音"
    page.locator("#file").set_input_files(str(SAMPLE))
    page.locator("#send").click()
    page.wait_for_url("**/case/zh_five_speakers/progress/")
    page.wait_for_selector("body[data-job='done']", timeout=180_000)
    if os.environ.get("EXHIBIT_PROGRESS_SCREENSHOT"):
        page.screenshot(path=os.environ["EXHIBIT_PROGRESS_SCREENSHOT"], full_page=True)
    sha256 = hashlib.sha256(SAMPLE.read_bytes()).hexdigest()
    assert sha256 in page.locator("#received").inner_text()
    assert page.locator("#message").inner_text() == "整理完成。"
    assert [page.locator("#stages tr").nth(i).get_attribute("data-stage") for i in range(3)] == \
        ["ingest", "integrity", "channels"]
    assert page.locator("#next-link").inner_text() == "下一步：说话人"
    folder = root / "zh_five_speakers"
    kept = folder / "original" / SAMPLE.name
    assert kept.read_bytes() == SAMPLE.read_bytes() and not kept.stat().st_mode & (stat.S_IWUSR | stat.S_IWGRP)
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["received"]["file_name"] == SAMPLE.name and manifest["received"]["sha256"] == sha256
    assert manifest["received"]["through"] == "exhibit app" and manifest["original_sha256_after"] == sha256
    assert (folder / "zh_five_speakers.docx").is_file()
    page.locator("#next-link").click()
    page.wait_for_url("**/case/zh_five_speakers/speakers/")
    page.goto(server.base + "/")
    row = page.locator('.case[data-name="zh_five_speakers"]')
    assert row.locator(".state").inner_text() == "待命名"


def test_a_file_that_is_no_recording_fails_in_one_line_and_can_be_started_again(app, chinese, tmp_path):
    server, root = app
    bogus = tmp_path / "借款通话.m4a"
    bogus.write_bytes(b"this is a note, not a recording\n" * 10)
    chinese.goto(server.url)
    chinese.locator("#file").set_input_files(str(bogus))
    chinese.locator("#send").click()
    chinese.wait_for_url("**/progress/")
    chinese.wait_for_selector("body[data-job='failed']", timeout=60_000)
    said = chinese.locator("#message").inner_text()
    assert said.startswith("整理失败：") and "借款通话.m4a" in said and "\n" not in said
    assert chinese.locator("#start").is_visible()
    assert chinese.locator("h1").inner_text() == "处理中：已接收，未整理"
    folder = root / "借款通话"
    assert not (folder / "manifest.json").exists() and (folder / "original" / "借款通话.m4a").is_file()
    chinese.locator('#steps a[data-step="review"]').click()        # a step of a folder not made yet: said so
    chinese.wait_for_selector("#message.error")
    assert "借款通话 不是已完成的整理稿文件夹" in chinese.locator("#message").inner_text()
    assert chinese.locator('#steps a[aria-current="page"]').inner_text() == "核对"
    answer = chinese.request.get(f"{server.base}/case/{quote('借款通话', safe='')}/audio")
    assert answer.status == 400 and "\n" not in answer.json()["error"]


def test_a_run_cancelled_stops_and_keeps_the_recording(app, chinese):
    server, root = app
    long = eval_file("diar/dev00.wav")
    chinese.goto(server.url)
    chinese.locator("#file").set_input_files(str(long))
    chinese.locator("#send").click()
    chinese.wait_for_url("**/progress/")
    chinese.wait_for_selector("#cancel:visible")
    chinese.locator("#cancel").click()
    chinese.wait_for_selector("body[data-job='cancelled']", timeout=30_000)
    assert chinese.locator("#message").inner_text().startswith("已取消")
    folder = root / long.stem
    assert (folder / "original" / long.name).read_bytes() == long.read_bytes()
    assert not (folder / "manifest.json").exists() and not (folder / ".incoming").exists()
    chinese.goto(server.base + "/")
    assert chinese.locator(f'.case[data-name="{long.stem}"] .state').inner_text() == "已接收，未整理"


def test_an_upload_cut_off_or_refused_leaves_nothing(app):
    server, root = app
    opener = server.opener()
    cookie = "; ".join(f"{c.name}={c.value}" for c in server.jar)
    host = server.base.removeprefix("http://")
    connection = http.client.HTTPConnection(host, timeout=10)
    connection.putrequest("POST", "/api/upload?" + urlencode({"name": "半截.wav"}))
    for key, value in (("Cookie", cookie), ("Content-Type", "application/octet-stream"),
                       ("Content-Length", str(10 << 20)), ("Origin", server.base)):
        connection.putheader(key, value)
    connection.endheaders()
    connection.send(SAMPLE.read_bytes()[:100_000])          # a tenth of what it said, then gone
    connection.close()
    for body, headers, code in ((b"{}", {"Content-Type": "application/json"}, 415),
                                (b"", {"Content-Type": "application/octet-stream"}, 400),
                                (b"x" * 10, {"Content-Type": "application/octet-stream",
                                             "Origin": "http://evil.example"}, 403)):
        request = urllib.request.Request(server.base + "/api/upload?" + urlencode({"name": "a.wav"}), data=body,
                                         headers=headers)
        with pytest.raises(urllib.error.HTTPError) as info:
            opener.open(request, timeout=10)
        assert info.value.code == code, (headers, info.value.read())
    with opener.open(server.base + "/api/cases", timeout=10) as answer:
        assert json.load(answer)["cases"] == []
    deadline = time.monotonic() + 10              # the server notices the cut-off connection on its next read
    while any(root.iterdir()) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert list(root.iterdir()) == []
