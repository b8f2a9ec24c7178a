"""The app in a real browser (Debian's chromium, driven by Playwright) against the real server (`exhibit review`
and `exhibit app`, started as a user starts them) on real runs of the README's sample: the review step (what the
page shows, the audio following a click, an edit saved into transcript.csv and made into the exhibit, the token),
and the Cases page (each folder with its state, a click opening its review step, a bad folder name refused)."""

from __future__ import annotations

import http.client
import http.cookiejar
import json
import os
import shutil
import time
import urllib.error
import urllib.request
from urllib.parse import quote

import pytest

from conftest import SAMPLE, Server, docx_text
from pipeline.config import load_settings
from pipeline.csvio import read_csv, write_csv
from pipeline.errors import PipelineError, TranscriptCsvError
from pipeline.web.record import Run, save, state, version
from pipeline.runner import run

pytestmark = pytest.mark.integration


@pytest.fixture
def server(folder):  # the review step alone (`exhibit review FOLDER`), not conftest's app
    started = Server(folder)
    yield started
    started.stop()


@pytest.fixture
def page(browser, server):
    opened = browser.new_page(viewport={"width": 1280, "height": 900}, locale="zh-CN")   # a Chinese browser
    opened.goto(server.url)
    opened.wait_for_selector(".line")
    yield opened
    opened.close()


def test_the_page_shows_every_line_and_a_click_plays_from_its_start(page, folder):
    _, rows = read_csv(folder / "transcript.csv")
    lines = page.locator(".line")
    assert lines.count() == len(rows) == 6
    assert [lines.nth(i).locator(".text").inner_text() for i in range(6)] == [r["text"] for r in rows]
    assert page.locator(".line .uncertain").count() >= 1          # the words the machine was unsure of, shaded
    assert page.locator("#counter").inner_text() == "已核对 0 / 6 句"   # a Mandarin recording: a Chinese page
    third = float(rows[2]["start"])
    lines.nth(2).click()
    page.wait_for_function(f"() => document.getElementById('audio').currentTime >= {third - 0.01}")
    position = page.evaluate("document.getElementById('audio').currentTime")
    assert third - 0.01 <= position < third + 1.0
    page.wait_for_selector('.line.playing[data-index="2"]')


def test_an_edit_saved_in_the_page_reaches_transcript_csv_and_the_exhibit(page, folder, server):
    _, rows = read_csv(folder / "transcript.csv")
    machine = rows[4]["text"]                      # what the machine heard there (base: 我在冰海星区有房。)
    line = page.locator(".line").nth(4)
    line.locator("button.edit").click()
    page.locator("textarea.edit").fill("我在滨海新区有房。")
    page.keyboard.press("Enter")
    assert page.locator("#counter").inner_text() == "已核对 1 / 6 句"
    started = time.perf_counter()
    page.locator("#save").click()
    page.wait_for_selector("#message:has-text('已保存')")
    _, rows = read_csv(folder / "transcript.csv")
    edited = next(r for r in rows if "滨海新区" in r["text"])
    assert (edited["status"], edited["machine_text"]) == ("corrected", machine)
    page.locator("#render").click()
    page.wait_for_selector("#message:has-text('两份文本已重新生成')", timeout=120_000)
    print(f"\nsaved edit → exhibit made again: {time.perf_counter() - started:.1f} s")
    exhibit = folder / "zh_five_speakers.docx"
    assert str(exhibit) in page.locator("#message").inner_text()
    court, counsel = docx_text(exhibit), docx_text(folder / "zh_five_speakers_counsel.docx")
    assert f"[已校正] {rows[4]['speaker']}：我在滨海新区有房。" in court and machine not in court
    assert machine in counsel                       # the machine's text, in the working copy's corrections
    stages = {r["stage"]: r["ran"] for r in json.loads((folder / "manifest.json").read_text())["stages"]}
    assert not any(stages[s] for s in ("ingest", "diarize", "transcribe", "normalise", "merge"))
    assert stages["review"] and stages["export"]
    if os.environ.get("EXHIBIT_SCREENSHOT"):       # tools: the README's picture of the page
        page.screenshot(path=os.environ["EXHIBIT_SCREENSHOT"])


def test_keys_move_mark_and_save(page, folder):
    page.locator("body").press("ArrowDown")
    page.wait_for_selector('.line.current[data-index="1"]')
    page.locator("body").press("r")
    assert page.locator('.line[data-index="1"] .status').inner_text() == "已核对"
    page.locator("body").press("Control+s")
    page.wait_for_selector("#message:has-text('已保存')")
    _, rows = read_csv(folder / "transcript.csv")
    assert [r["status"] for r in rows] == ["machine", "reviewed", "machine", "machine", "machine", "machine"]


def _edit(page, index: int, text: str) -> None:
    page.locator(".line").nth(index).locator("button.edit").click()
    page.locator("textarea.edit").fill(text)
    page.keyboard.press("Enter")


def test_two_tabs_never_lose_each_others_saves(browser, server, folder):
    """Issue 19, defect 3: two tabs each save an edit. The second tab's save is refused (it was loaded before
    the first saved); it then shows the first tab's edit and its own, unsaved, to apply again: both end in
    transcript.csv."""
    context = browser.new_context(locale="zh-CN")
    first, second = context.new_page(), context.new_page()
    first.goto(server.url)
    second.goto(server.page)                # the same browser: the cookie the launch address set
    for tab in (first, second):
        tab.wait_for_selector(".line")
    _edit(first, 1, "第一个标签页改的。")
    first.locator("#save").click()
    first.wait_for_selector("#message:has-text('已保存')")
    _edit(second, 3, "第二个标签页改的。")
    second.locator("#save").click()
    second.wait_for_selector("#message.error")
    assert "transcript.csv 或整理稿已被修改" in second.locator("#message").inner_text()      # a Chinese page
    assert second.locator(".line").nth(1).locator(".text").inner_text().startswith("第一个标签页改的。")
    pending = second.locator("#pending")
    assert pending.is_visible() and "第二个标签页改的。" in pending.inner_text()
    if os.environ.get("EXHIBIT_STALE_SCREENSHOT"):     # the README's picture of a refused save
        second.screenshot(path=os.environ["EXHIBIT_STALE_SCREENSHOT"])
    _, rows = read_csv(folder / "transcript.csv")
    assert [r["text"] for r in rows].count("第二个标签页改的。") == 0          # nothing written by the refused save
    pending.locator("button").click()
    second.locator("#save").click()
    second.wait_for_selector("#message:has-text('已保存')")
    _, rows = read_csv(folder / "transcript.csv")
    assert (rows[1]["text"], rows[1]["status"]) == ("第一个标签页改的。", "corrected")
    assert (rows[3]["text"], rows[3]["status"]) == ("第二个标签页改的。", "corrected")
    context.close()


def test_an_edit_in_excel_or_a_run_after_the_page_loaded_is_never_saved_over(page, server, folder):
    """Issue 19, defects 2 and 3: the file changed in Excel after the page loaded, or a save while a run holds
    the folder: the save is refused, nothing is written, and the edit stays on the page."""
    from pipeline.rundir import RunDir

    header, rows = read_csv(folder / "transcript.csv")
    rows[0]["status"] = "reviewed"                             # Excel, after the page loaded
    write_csv(folder / "transcript.csv", header, [[r[h] for h in header] for r in rows])
    excel = (folder / "transcript.csv").read_bytes()
    _edit(page, 2, "页面里改的。")
    with RunDir(folder).lock("exhibit transcript"):             # a run holds the folder
        page.locator("#save").click()
        page.wait_for_selector("#message.error")
        assert f"{folder} 正被另一个 exhibit 进程使用" in page.locator("#message").inner_text()
        assert page.locator(".line").nth(2).locator(".text").inner_text().startswith("页面里改的。")
    assert (folder / "transcript.csv").read_bytes() == excel
    page.locator("#save").click()                               # the run is done; the file is not what was loaded
    page.wait_for_selector("#pending:not([hidden])")
    assert (folder / "transcript.csv").read_bytes() == excel
    assert page.locator(".line").nth(0).locator(".status").inner_text() == "已核对"   # Excel's work, shown
    assert "页面里改的。" in page.locator("#pending").inner_text()


def test_a_broken_transcript_csv_is_said_in_one_line_on_the_page(page, folder):
    text = (folder / "transcript.csv").read_text(encoding="utf-8-sig").replace(",machine,", ",checked,", 1)
    (folder / "transcript.csv").write_text(text, encoding="utf-8-sig")
    page.locator("#render").click()
    page.wait_for_selector("#message.error")
    said = page.locator("#message").inner_text()                                   # a Chinese page
    assert "第 2 行：status 列的“checked”不是 machine、reviewed、corrected 之一" in said


def test_the_page_reads_transcript_csv_as_the_run_does_and_never_saves_over_a_file_the_run_refuses(folder):
    """The page and the review stage read the file one way: a status in Chinese is a status; a file the run
    would refuse is refused by the page in the same line (shown, not saved over: the person's work stays), and
    the page cannot save what the run would refuse."""
    path = folder / "transcript.csv"
    header, rows = read_csv(path)
    rows[0]["status"] = "已核对"
    write_csv(path, header, [[r[h] for h in header] for r in rows])
    shown = state(Run.open(folder), "zh")["lines"]
    assert [line["status"] for line in shown] == ["reviewed"] + ["machine"] * 5
    first = rows[0]["id"]
    for cell, value, message in (
            ("status", "checked", "row 3: status 'checked' is not one of machine, reviewed, corrected"),
            ("text", rows[1]["text"] + "\x0b", "row 3, column text holds an invisible control character (U+000B)")):
        broken = [dict(r) for r in rows]
        broken[1][cell] = value
        write_csv(path, header, [[r[h] for h in header] for r in broken])
        written = path.read_bytes()
        for call in (lambda: state(Run.open(folder), "zh"), lambda: save(folder, [{"id": first, "text": "改"}], version(Run.open(folder)))):
            with pytest.raises(TranscriptCsvError) as info:
                call()
            assert message in str(info.value) and str(path) in str(info.value), info.value
        assert path.read_bytes() == written
    write_csv(path, header, [[r[h] for h in header] for r in rows])
    written = path.read_bytes()
    for edit, message in (({"text": "改\x0b过"}, f"line {first}: the text holds an invisible control character"),
                          ({"status": "maybe"}, "row 2: status 'maybe' is not one of"),
                          ({"speaker_id": "SPEAKER_09"}, f"line {first}: unknown speaker id 'SPEAKER_09'"),
                          ({"text": {"a": 1}}, f"line {first}: the text must be text, not dict"),
                          ({"text": "改\u202e过"}, "the text holds an invisible control character (U+202E)")):
        with pytest.raises(PipelineError) as info:     # what the page would save, the run would refuse
            save(folder, [{"id": first, **edit}], version(Run.open(folder)))
        assert message in str(info.value)
        assert path.read_bytes() == written


def test_the_page_opens_on_a_broken_transcript_csv_and_says_what_is_wrong(folder):
    path = folder / "transcript.csv"
    path.write_text(path.read_text(encoding="utf-8-sig").replace(",machine,", ",checked,", 1), encoding="utf-8-sig")
    server = Server(folder)
    try:
        opener = server.opener()
        asked = urllib.request.Request(server.page, headers={"Accept-Language": "zh-CN,zh;q=0.9"})
        with opener.open(asked, timeout=10) as answer:
            assert answer.status == 200 and f"<title>核对 · {folder.name}</title>" in answer.read().decode("utf-8")
        with pytest.raises(urllib.error.HTTPError) as info:
            opener.open(f"{server.page}api/state", timeout=10)
        assert info.value.code == 400 and "status 'checked' is not one of" in json.load(info.value)["error"]
    finally:
        server.stop()


def test_every_request_without_the_cookie_the_launch_address_gives_is_refused(server):
    case = server.page.removeprefix(server.base)                    # /case/<name>/: the review step
    for path, data in (("/", None), ("/api/cases", None), (case, None), (case + "api/state", None),
                       (case + "audio", None), ("/static/review.js", None), ("/static/cases.js", None),
                       (case + "api/save", b'{"lines": []}'), (case + "api/render", b"{}"),
                       ("/api/language", b'{"language": "zh"}')):
        for cookie in ("", "exhibit_app=wrong", "exhibit_app=\u00e9t\u00e9"):        # not ASCII: no 500
            headers = {"Cookie": cookie} if cookie else {}
            request = urllib.request.Request(server.base + path, data=data, headers=headers)
            with pytest.raises(urllib.error.HTTPError) as info:
                urllib.request.urlopen(request, timeout=10)
            assert info.value.code == 403 and info.value.read().decode().startswith("refused: "), (path, cookie)
    opener = server.opener()
    with opener.open(f"{server.page}api/state", timeout=10) as answer:   # no language asked for: English
        assert json.load(answer)["language"] == "en"
        assert answer.headers["Referrer-Policy"] == "no-referrer"
        assert "default-src 'self'" in answer.headers["Content-Security-Policy"]
    with pytest.raises(urllib.error.HTTPError) as info:          # the launch address works once
        urllib.request.urlopen(server.url, timeout=10)
    assert info.value.code == 403 and "used already" in info.value.read().decode()


def _post(opener, url: str, body: bytes, **headers) -> tuple[int, str]:
    request = urllib.request.Request(url, data=body, headers={"Content-Type": "application/json", **headers})
    try:
        with opener.open(request, timeout=30) as answer:
            return answer.status, answer.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def test_the_server_refuses_what_a_careful_local_server_refuses_in_one_line(server, folder):
    """Issue 19: DNS rebinding, another site's request, a form post, an oversized or malformed body: each gets a
    4xx and one line, never a traceback, and transcript.csv is not touched."""
    opener = server.opener()
    before = (folder / "transcript.csv").read_bytes()
    save = f"{server.page}api/save"
    rebound = urllib.request.Request(f"{server.page}api/state", headers={"Host": "attacker.example"})
    with pytest.raises(urllib.error.HTTPError) as info:
        opener.open(rebound, timeout=10)
    assert info.value.code == 403 and "is served as 127.0.0.1:" in info.value.read().decode()
    answers = {
        "foreign origin": _post(opener, save, b'{"lines": []}', Origin="https://attacker.example"),
        "a form": _post(opener, save, b"lines=1", **{"Content-Type": "application/x-www-form-urlencoded"}),
        "too big": _post(opener, save, b'{"lines": []}', **{"Content-Length": str((4 << 20) + 1)}),
        "not json": _post(opener, save, b"{lines"),
        "a list": _post(opener, save, b"[1, 2]"),
        "lines not a list": _post(opener, save, b'{"lines": "u0001"}'),
        "a line not an object": _post(opener, save, b'{"lines": [1]}'),
        "deep": _post(opener, save, b"[" * 100_000),
    }
    for case, (status, text) in answers.items():
        assert 400 <= status < 500 and "\n" not in text.strip() and "Traceback" not in text, (case, status, text)
    assert [answers[c][0] for c in ("foreign origin", "a form", "too big")] == [403, 415, 413]
    assert json.loads(answers["a list"][1])["error"].startswith("bad request: the body must be")
    assert (folder / "transcript.csv").read_bytes() == before


def test_the_page_speaks_the_browsers_language_until_the_person_switches(browser, folder):
    """A Chinese recording made into an English exhibit, opened in an English browser: the page is English; the
    switch in the navigation turns it (and every later page) Chinese, whatever the browser prefers."""
    run(SAMPLE, folder, load_settings(overrides={"export": {"doc_language": "en"}}))
    english = Server(folder)
    try:
        context = browser.new_context(locale="en-US")
        opened = context.new_page()
        opened.goto(english.url)
        opened.wait_for_selector(".line")
        assert opened.locator("#counter").inner_text() == "Reviewed 0 / 6 lines"
        assert opened.locator(".line .speaker").first.inner_text() == "Speaker 1"
        assert opened.locator('#steps a[aria-current="page"]').inner_text() == "Review"
        opened.locator('#languages button[data-language="zh"]').click()
        opened.wait_for_function("() => document.documentElement.lang === 'zh'")   # a function: CSP forbids eval
        opened.wait_for_selector(".line")
        assert opened.locator("#counter").inner_text() == "已核对 0 / 6 句"
        assert opened.locator('#steps a[aria-current="page"]').inner_text() == "核对"
        opened.locator('#steps a[data-step="cases"]').click()
        opened.wait_for_selector(".case")
        assert opened.locator("h1").inner_text() == "案件"
        context.close()
    finally:
        english.stop()


def test_a_correction_stays_on_its_words_when_the_lines_are_cut_again(browser, tmp_path):
    """Issue 19, defect 1, on a real two-speaker recording: a correction, then a run with --speakers 1 (the
    lines are cut again, several into one): the correction replaces only its own words in the longer line and
    the machine's words around it stay. Then a run with the speakers found again (the longer line is split):
    the correction no line takes unambiguously is a conflict, shown in the page, the working copy and the
    manifest, applied to no line."""
    from conftest import eval_file

    recording = eval_file("diar/dev00.wav")
    out, alone = tmp_path / "call", tmp_path / "alone"
    first = run(recording, out, load_settings())
    merged = run(recording, alone, load_settings(overrides={"diarize": {"num_speakers": 1}}))
    longer = {u.text: u for u in merged.labelled.items}
    # a line of the first run that the one-speaker run puts inside a longer line (whatever this CPU heard)
    line = next(u for u in first.labelled.items if u.text and any(
        t != u.text and t.count(u.text) == 1 for t in longer))
    into = next(t for t in longer if t != line.text and t.count(line.text) == 1)
    header, rows = read_csv(out / "transcript.csv")
    row = next(r for r in rows if r["id"] == line.id)
    row["text"] = f"CORRECTED {line.text}"
    write_csv(out / "transcript.csv", header, [[r[h] for h in header] for r in rows])

    one = run(recording, out, load_settings(overrides={"diarize": {"num_speakers": 1}}))
    (carried,) = [u for u in one.labelled.items if u.status == "corrected"]
    assert carried.text == into.replace(line.text, f"CORRECTED {line.text}", 1) and carried.machine_text == into
    assert one.labelled.conflicts == () and one.manifest.review["conflicts"] == 0
    court = docx_text(out / "dev00.docx")
    assert "[corrected]" in court and carried.text in court

    again = run(recording, out, load_settings())
    assert [u for u in again.labelled.items if u.status != "machine"] == []          # on no other words
    (conflict,) = again.labelled.conflicts
    assert conflict.reason == "split" and conflict.text == carried.text and len(conflict.lines) >= 2
    assert again.manifest.review["conflicts"] == 1
    counsel = docx_text(out / "dev00_counsel.docx")
    assert "To review again" in counsel and carried.text in counsel and carried.text not in docx_text(out / "dev00.docx")
    _, rows = read_csv(out / "transcript.csv")
    assert rows[-1]["text"] == carried.text and rows[-1]["conflict"].startswith("this stretch is now under two")
    server = Server(out)
    try:
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.goto(server.url)
        page.wait_for_selector("#conflicts:not([hidden])")
        shown = page.locator("#conflicts").inner_text()
        assert "To review again" in shown and carried.text in shown and into in shown
        if os.environ.get("EXHIBIT_CONFLICT_SCREENSHOT"):
            page.screenshot(path=os.environ["EXHIBIT_CONFLICT_SCREENSHOT"])
        page.locator("#conflicts button").click()              # the person has dealt with it, and saves
        page.locator("#save").click()
        page.wait_for_selector("#message:has-text('Saved')")
        page.close()
    finally:
        server.stop()
    _, rows = read_csv(out / "transcript.csv")
    assert [r["conflict"] for r in rows if r["conflict"]] == []
    assert run(recording, out, load_settings()).labelled.conflicts == ()


def test_a_page_left_open_never_saves_over_a_newer_run(page, folder):
    """Issue 19, defect 2, replayed: the page is open, the exhibit is made again in the terminal with other
    lines (another speaker count), then the old page saves: refused, nothing written; the page shows the new
    run's lines and the edit beside them."""
    _edit(page, 1, "旧页面上的修改。")
    newer = run(SAMPLE, folder, load_settings(overrides={"diarize": {"num_speakers": 4}}))
    written = (folder / "transcript.csv").read_bytes()
    page.locator("#save").click()
    page.wait_for_selector("#pending:not([hidden])")
    assert (folder / "transcript.csv").read_bytes() == written
    assert page.locator(".line").count() == len(newer.labelled.items)
    assert "旧页面上的修改。" in page.locator("#pending").inner_text()


# ------------------------------------------------------------------------------------------ the Cases page


@pytest.fixture(scope="module")
def cases_root(made, tmp_path_factory):
    """A root folder as out/ is after two recordings: one a draft (speakers named, no line reviewed, no
    reviewer), one reviewed (every line reviewed by a named reviewer), and beside them a folder that holds no
    run, a hidden copy of a run folder and a link to a run folder outside the root."""
    root = tmp_path_factory.mktemp("app") / "out"
    draft, reviewed = root / "甲案 草稿", root / "乙案"
    for folder in (draft, reviewed):
        shutil.copytree(made, folder)
        header, rows = read_csv(folder / "speakers.csv")
        for n, row in enumerate(rows, start=1):
            row["name"], row["identified_by"] = f"说话人甲{n}", "自我介绍"
        write_csv(folder / "speakers.csv", header, [[r[h] for h in header] for r in rows])
    run(SAMPLE, draft, load_settings())
    run(SAMPLE, reviewed, load_settings(overrides={"case": {"reviewed_by": "李律师"}}))
    header, rows = read_csv(reviewed / "transcript.csv")
    for row in rows:
        row["status"] = "reviewed"
    write_csv(reviewed / "transcript.csv", header, [[r[h] for h in header] for r in rows])
    run(SAMPLE, reviewed, load_settings())
    (root / "照片").mkdir()
    shutil.copytree(made, root / ".hidden")
    (root / "link").symlink_to(made, target_is_directory=True)
    return root


@pytest.fixture
def app(cases_root):
    started = Server(cases_root, app=True)
    yield started
    started.stop()


def _cases(page) -> dict[str, tuple[str, str]]:
    page.wait_for_selector(".case")
    rows = page.locator(".case")
    return {rows.nth(i).locator(".name").inner_text(): (rows.nth(i).locator(".state").inner_text(),
                                                        rows.nth(i).locator(".why").inner_text())
            for i in range(rows.count())}


def test_the_cases_page_lists_each_folder_with_its_state_and_a_click_opens_its_review_step(browser, app, cases_root):
    context = browser.new_context(locale="zh-CN")            # a Chinese browser: a Chinese page
    page = context.new_page()
    page.goto(app.url)
    listed = _cases(page)
    assert page.title() == "案件" and page.locator("h1").inner_text() == "案件"
    assert set(listed) == {"甲案 草稿", "乙案"}                 # no folder without a run, no hidden one, no link
    state, why = listed["甲案 草稿"]
    assert state == "草稿" and "尚有 6 句（共 6 句）未记录人工核对" in why and "核对人尚未写明" in why
    assert listed["乙案"] == ("已核对", "")
    if os.environ.get("EXHIBIT_CASES_SCREENSHOT"):
        page.screenshot(path=os.environ["EXHIBIT_CASES_SCREENSHOT"])
    page.locator('.case[data-name="甲案 草稿"] a.review').click()
    page.wait_for_selector(".line")
    assert page.url == f"{app.base}/case/{quote('甲案 草稿', safe='')}/"
    _, rows = read_csv(cases_root / "甲案 草稿" / "transcript.csv")
    lines = page.locator(".line")
    assert lines.count() == len(rows) == 6
    assert [lines.nth(i).locator(".text").inner_text() for i in range(6)] == [r["text"] for r in rows]
    assert page.locator("#counter").inner_text() == "已核对 0 / 6 句"
    assert lines.first.locator(".speaker").inner_text() == rows[0]["speaker"] != ""
    page.locator('#steps a[data-step="cases"]').click()                             # back to the Cases page, then the other case
    page.locator('.case[data-name="乙案"] a.review').click()
    page.wait_for_selector(".line")
    assert page.locator("#counter").inner_text() == "已核对 6 / 6 句"
    context.close()


def test_the_cases_page_is_english_for_a_browser_that_prefers_english(browser, app):
    context = browser.new_context(locale="en-US")
    page = context.new_page()
    page.goto(app.url)
    listed = _cases(page)
    assert page.title() == "Cases"
    assert listed["甲案 草稿"][0] == "Draft" and "no reviewer is named" in listed["甲案 草稿"][1]
    assert listed["乙案"] == ("Reviewed", "")
    assert page.locator('.case[data-name="乙案"] a.review').inner_text() == "Review"
    context.close()


def _raw_get(server: Server, path: str) -> tuple[int, str]:
    """GET `path` exactly as written (no client tidies up its dots), with the app's cookie."""
    cookie = "; ".join(f"{c.name}={c.value}" for c in server.jar)
    connection = http.client.HTTPConnection(server.base.removeprefix("http://"), timeout=10)
    try:
        connection.request("GET", path, headers={"Cookie": cookie})
        answer = connection.getresponse()
        return answer.status, answer.read().decode("utf-8", "replace")
    finally:
        connection.close()


def test_a_folder_name_that_is_not_a_case_folder_of_the_root_is_refused(app, cases_root):
    app.opener()
    status, text = _raw_get(app, f"/case/{quote('乙案')}/api/state")
    assert status == 200 and json.loads(text)["lines"]          # the cookie works: a case folder's lines
    outside = cases_root.parent.parent / "outside"
    for path in ("/case/../x/api/state", "/case/..%2Fx/api/state", "/case/%2e%2e/api/state",
                 "/case/%2E%2E%2F%2E%2E%2Foutside/api/state", f"/case/..%2F{outside.name}/api/state",
                 "/case/./api/state", "/case/.hidden/api/state", "/case/.hidden/", "/case/.hidden/audio",
                 f"/case/{quote('照片')}/api/state", "/case/link/api/state", "/case/link/audio",
                 "/case/%E4%B9%99%E6%A1%88%5C..%5C/api/state", "/case/nothing/api/state", "/case/../x/audio"):
        status, text = _raw_get(app, path)
        assert status == 404 and "\n" not in text.strip() and '"lines"' not in text, (path, status, text)
    for path in ("/case/.hidden/api/save", "/case/..%2Fx/api/render"):     # and nothing is written
        connection = http.client.HTTPConnection(app.base.removeprefix("http://"), timeout=10)
        cookie = "; ".join(f"{c.name}={c.value}" for c in app.jar)
        connection.request("POST", path, body=b"{}", headers={"Cookie": cookie, "Content-Type": "application/json"})
        answer = connection.getresponse()
        assert answer.status == 404, (path, answer.status)
        connection.close()
