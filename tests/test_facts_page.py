"""The key-facts step (关键内容) in a real browser (Debian's chromium, driven by Playwright, in Chinese) against the
real app (`exhibit app ROOT`, started as a user starts it) on a real run of the README's sample, whose
key_facts.csv holds two facts (广州市 and 冰海星区, both places): the page lists every row with its words; a
fact's play button plays its line and pauses at its end; a note written and another fact removed, saved, the
documents made again: the counsel's working copy holds the note and no longer the removed fact, the court copy
holds neither the note nor the fact; a stale save, a save while a run holds the folder and a broken file are
each refused in one line, nothing written."""

from __future__ import annotations

import os
import time
from pathlib import Path
from urllib.parse import quote

import pytest
from docx import Document

from conftest import ROOT, docx_text
from pipeline.artifactio import load
from pipeline.artifacts import Facts, Labelled
from pipeline.config import load_settings
from pipeline.csvio import read_csv, write_csv
from pipeline.export.wording import load_wording
from pipeline.rundir import RunDir
from pipeline.runner import run
from pipeline.stages.fact_review import fact_id

pytestmark = pytest.mark.integration
SAMPLE = ROOT / "samples" / "zh_five_speakers.wav"
COLUMNS = ("time", "speaker", "text", "category", "matched", "value", "explanation", "note")





@pytest.fixture
def page(browser, server, folder):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")   # a Chinese browser
    opened = context.new_page()
    opened.goto(server.url)                                 # the launch address sets the cookie
    opened.goto(f"{server.base}/case/{quote(folder.name, safe='')}/facts/")
    opened.wait_for_selector("tr.fact")
    yield opened
    context.close()


def _spans(folder: Path) -> dict[str, tuple[float, float]]:
    """fact_id → (start, end) of the line each key fact was found in, from the run's own artifacts."""
    run_dir = RunDir(folder)
    found = load(Facts, run_dir.artifact("facts"))
    lines = {u.id: u for u in load(Labelled, run_dir.artifact("review")).items}
    return {fact_id(f): (lines[f.utterance_id].start, lines[f.utterance_id].end) for f in found.items}


def _index(path: Path) -> list[str]:
    """The text of every row of a document's key-content index (the table headed 时间 行号 说话人 原话 …)."""
    words = load_wording("zh")["facts"]
    header = [words[k] for k in ("time", "line", "speaker", "quote", "category", "value")]
    tables = [t for t in Document(str(path)).tables if [c.text for c in t.rows[0].cells] == header]
    assert len(tables) == 1, path
    return [" ".join(c.text for c in row.cells) for row in tables[0].rows[1:]]


def test_the_page_lists_every_row_of_key_facts_csv_with_its_words(page, folder):
    _, rows = read_csv(folder / "key_facts.csv")
    shown = page.locator("tr.fact")
    assert shown.count() == len(rows) == 2
    for i, row in enumerate(rows):
        cells = shown.nth(i)
        assert cells.get_attribute("data-fact-id") == row["fact_id"]
        for column in ("time", "speaker", "text", "matched", "value", "explanation"):
            assert cells.locator(f"td.{column}").inner_text() == row[column], column
        assert cells.locator("td.text strong").inner_text() == row["matched"]
        assert cells.locator("td.category").inner_text() == "地点" == load_wording("zh")["categories"][row["category"]]
        assert cells.locator("td.note textarea").input_value() == row["note"]
    assert [rows[0]["matched"], rows[1]["matched"]] == ["广州市", "冰海星区"]
    assert page.locator("#count").inner_text() == "key_facts.csv 共 2 条"
    assert page.locator('#steps a[aria-current="page"]').inner_text() == "关键内容"
    notes = page.locator("#counsel-notes").inner_text()
    assert "只写入律师工作底稿 zh_five_speakers_counsel.docx" in notes
    assert "不写入提交法院的整理稿 zh_five_speakers.docx" in notes
    assert "以后再生成也不会把它找回来" in page.locator("#removed-stays").inner_text()


def test_a_facts_play_button_plays_its_line_and_pauses_at_its_end(page, folder):
    _, rows = read_csv(folder / "key_facts.csv")
    start, end = _spans(folder)[rows[1]["fact_id"]]
    assert start == pytest.approx(float(rows[1]["start"]), abs=1e-3) and end > start
    page.locator("tr.fact").nth(1).locator("button.play").click()
    page.wait_for_function(f"() => {{ const a = document.getElementById('audio'); "
                           f"return !a.paused && a.currentTime > {start + 0.2}; }}", timeout=10_000)
    playing = page.evaluate("() => document.getElementById('audio').currentTime")
    assert start <= playing <= end
    assert page.locator("tr.fact").nth(1).get_attribute("class") == "fact playing"
    assert page.locator("tr.fact").nth(1).locator("button.play").inner_text() == "停止"
    page.wait_for_function("() => document.getElementById('audio').paused", timeout=(end - start + 5) * 1000)
    stopped = page.evaluate("() => document.getElementById('audio').currentTime")
    assert end - 0.05 <= stopped <= end + 0.25, (stopped, end)
    assert page.locator("tr.fact").nth(1).locator("button.play").inner_text() == "播放"


def test_a_note_and_a_removal_saved_reach_the_counsel_copy_only_once_the_documents_are_made_again(page, folder):
    court, counsel = folder / "zh_five_speakers.docx", folder / "zh_five_speakers_counsel.docx"
    for document in (court, counsel):                          # before: both facts in both indexes
        index = _index(document)
        assert any("广州市" in row for row in index) and any("冰海星区" in row for row in index), document
    header, before = read_csv(folder / "key_facts.csv")
    note = "协会全称待向对方核实"
    asked = []
    page.on("dialog", lambda dialog: (asked.append(dialog.message), dialog.accept()))
    page.locator("tr.fact").nth(0).locator("td.note textarea").fill(note)
    page.locator("tr.fact").nth(1).locator("button.remove").click()
    assert len(asked) == 1 and "冰海星区" in asked[0] and "以后再生成也不会把它找回来" in asked[0]
    assert page.locator("tr.fact").nth(1).get_attribute("class") == "fact removing"
    assert page.locator("#message").inner_text() == "有未保存的修改"
    if os.environ.get("EXHIBIT_FACTS_SCREENSHOT"):       # docs/app_facts.png: a note written, a fact to remove
        page.screenshot(path=os.environ["EXHIBIT_FACTS_SCREENSHOT"])
    page.locator("#save").click()
    page.wait_for_selector("#message:has-text('已保存')")
    assert "请点击“重新生成文本”" in page.locator("#message").inner_text()
    assert page.locator("tr.fact").count() == 1
    assert "两份文本尚未反映" in page.locator("#notice").inner_text()
    after_header, after = read_csv(folder / "key_facts.csv")
    assert after_header == header and after == [{**before[0], "note": note}]
    assert note not in docx_text(counsel)                     # not made again by itself
    started = time.perf_counter()
    page.locator("#render").click()
    page.wait_for_selector("#message:has-text('两份文本已重新生成')", timeout=120_000)
    print(f"\nnote and removal saved → documents made again: {time.perf_counter() - started:.1f} s")
    assert str(court) in page.locator("#message").inner_text()
    assert page.locator("#notice").is_hidden() and page.locator("tr.fact").count() == 1
    assert page.locator("tr.fact td.note textarea").input_value() == note
    assert note in docx_text(counsel) and note not in docx_text(court)
    for document in (court, counsel):
        index = _index(document)
        assert any("广州市" in row for row in index) and not any("冰海星区" in row for row in index), document
    assert [(r["fact_id"], r["note"]) for r in read_csv(folder / "key_facts.csv")[1]] == [(before[0]["fact_id"], note)]
    run(SAMPLE, folder, load_settings())                      # another run: the removed fact stays out
    assert not any("冰海星区" in row for row in _index(counsel))


def test_a_stale_save_and_a_save_while_a_run_holds_the_folder_are_refused(page, folder):
    path = folder / "key_facts.csv"
    page.locator("tr.fact").nth(0).locator("td.note textarea").fill("页面里写的")
    with RunDir(folder).lock("exhibit transcript"):             # a run holds the folder
        page.locator("#save").click()
        page.wait_for_selector("#message.error")
        assert f"{folder} 正被一次运行占用（正在生成文本），本次未保存" in page.locator("#message").inner_text()
    header, rows = read_csv(path)
    rows[1]["note"] = "Excel 里写的"                            # Excel, after the page loaded
    write_csv(path, header, [[r[h] for h in header] for r in rows])
    excel = path.read_bytes()
    page.locator("#save").click()
    page.wait_for_selector("#message:has-text('已被修改')")
    assert "为免覆盖，本次未保存。请刷新页面后再改" in page.locator("#message").inner_text()
    assert page.locator("#reload").is_visible()
    assert path.read_bytes() == excel
    page.locator("#reload").click()
    page.wait_for_selector("tr.fact")
    page.wait_for_function("() => document.querySelectorAll('tr.fact textarea')[1].value === 'Excel 里写的'")


def test_a_broken_key_facts_csv_is_said_in_the_runs_one_line(page, folder):
    path = folder / "key_facts.csv"
    header, rows = read_csv(path)
    rows[0]["note"] = "从 Word 粘贴\x0b"
    write_csv(path, header, [[r[h] for h in header] for r in rows])
    page.reload()
    page.wait_for_selector("#message.error")
    shown = page.locator("#message").inner_text()
    assert f"{path}：第 2 行 note 列中有一个看不见的控制字符（U+000B）" in shown            # a Chinese page
    assert page.locator("tr.fact").count() == 0


def test_the_steps_addresses_are_guarded_as_every_route_of_the_app(server, folder):
    """The server's one set of protections covers this step too: no cookie, no entry; a malformed body or a
    name that is no case folder gets a 4xx and one line; key_facts.csv is not touched."""
    import json
    import urllib.error
    import urllib.request

    before = (folder / "key_facts.csv").read_bytes()
    step = f"{server.base}/case/{quote(folder.name, safe='')}/facts/"
    for address, data in ((step, None), (step + "api/state", None), (step + "api/save", b'{"version": ""}')):
        request = urllib.request.Request(address, data=data, headers={"Content-Type": "application/json"})
        with pytest.raises(urllib.error.HTTPError) as info:
            urllib.request.urlopen(request, timeout=10)
        assert info.value.code == 403 and info.value.read().decode().startswith("refused: "), address
    opener = server.opener()

    def post(address: str, body: bytes) -> tuple[int, str]:
        request = urllib.request.Request(address, data=body, headers={"Content-Type": "application/json"})
        try:
            with opener.open(request, timeout=10) as answer:
                return answer.status, answer.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode()

    for body in (b"[1]", b'{"version": 1}', b'{"version": "", "remove": "u0001-place-0"}', b'{"version": "", '
                 b'"notes": []}', b'{"version": "", "remove": [1]}'):
        status, text = post(step + "api/save", body)
        assert status == 400 and json.loads(text)["error"].startswith("bad request: the body must be"), body
    status, text = post(step + "api/save", b'{"version": "0", "notes": {}, "remove": []}')
    assert status == 409 and json.loads(text)["stale"] is True
    status, text = post(f"{server.base}/case/.hidden/facts/api/save", b'{"version": ""}')
    assert status == 404 and text.startswith("refused: ")
    with opener.open(step + "api/state", timeout=10) as answer:
        assert json.load(answer)["rows"][0]["matched"] == "广州市"
    assert (folder / "key_facts.csv").read_bytes() == before
