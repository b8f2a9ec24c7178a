"""The speakers step (说话人) in a real browser (Debian's chromium, driven by Playwright) against the real app
(`exhibit app ROOT`, started as a user starts it) on a real run of the README's sample: every voice of
speakers.csv with a clip that plays, names, roles and bases given and saved into speakers.csv, the documents
made again holding them, the Cases page's state following, and a save over a file changed meanwhile refused
with the person's entries kept."""

from __future__ import annotations

import os
import wave

import pytest

from conftest import docx_text
from pipeline.csvio import read_csv, write_csv

pytestmark = pytest.mark.integration
EDITABLE = ("name", "role", "identified_by")





@pytest.fixture
def page(browser, server, folder):
    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})   # a Chinese browser
    opened = context.new_page()
    opened.goto(server.url)                          # the launch address: the Cases page, the cookie set
    opened.wait_for_selector(".case")
    opened.goto(f"{server.base}/case/{folder.name}/speakers/")
    opened.wait_for_selector(".voice")
    yield opened
    context.close()


def _voice(page, speaker: str):
    return page.locator(f'.voice[data-id="{speaker}"]')


def _name(page, speaker: str, name: str, role: str = "", basis: str = "") -> None:
    voice = _voice(page, speaker)
    for column, value in (("name", name), ("role", role), ("identified_by", basis)):
        voice.locator(f'input[data-column="{column}"]').fill(value)


def _cases(page, base: str) -> dict[str, tuple[str, str]]:
    page.goto(f"{base}/")
    page.wait_for_selector(".case")
    rows = page.locator(".case")
    return {rows.nth(i).locator(".name").inner_text(): (rows.nth(i).locator(".state").inner_text(),
                                                        rows.nth(i).locator(".why").inner_text())
            for i in range(rows.count())}


def _render(page) -> None:
    page.locator("#render").click()
    page.wait_for_selector("#message:has-text('两份文本已重新生成')", timeout=120_000)


def test_every_voice_of_speakers_csv_is_listed_with_a_clip_that_plays(page, folder, server):
    _, rows = read_csv(folder / "speakers.csv")
    voices = page.locator(".voice")
    assert voices.count() == len(rows) == 5
    assert [voices.nth(i).get_attribute("data-id") for i in range(5)] == [r["speaker_id"] for r in rows]
    for i, row in enumerate(rows):
        voice = voices.nth(i)
        assert voice.locator("h2.label").inner_text().startswith(f"说话人{i + 1}")
        stats = voice.locator(".stats").inner_text()
        assert f"发言时长 {row['talk_time']}" in stats and f"发言 {row['turns']} 次" in stats
        assert voice.locator(".sample").all_inner_texts() == [row[c] for c in ("sample_1", "sample_2") if row[c]]
    page.wait_for_function("() => [...document.querySelectorAll('audio.clip')].length === 5 && "   # a function:
                           "[...document.querySelectorAll('audio.clip')].every(a => a.duration > 0)")  # no eval (CSP)
    durations = page.evaluate("[...document.querySelectorAll('audio.clip')].map(a => a.duration)")
    for seconds, row in zip(durations, rows):
        with wave.open(str(folder / row["clip"])) as clip:
            assert abs(seconds - clip.getnframes() / clip.getframerate()) < 0.05
    assert "尚有 5 位说话人未命名" in page.locator("#count").inner_text()
    assert not page.locator("#render-needed").is_visible()          # the documents were made from the file as it is
    assert "由提交人指认" in page.locator("#court").inner_text()          # what the court copy says of the names
    assert page.request.get(f"{server.base}/case/{folder.name}/speakers/clip/SPEAKER_09").status == 404
    assert page.request.get(f"{server.base}/case/{folder.name}/speakers/clip/SPEAKER_00").status == 200
    if os.environ.get("EXHIBIT_SPEAKERS_SCREENSHOT"):
        _name(page, "SPEAKER_00", "张三", "被告", "通话对方号码 138xxxx")
        _name(page, "SPEAKER_01", "李四", "原告")
        page.screenshot(path=os.environ["EXHIBIT_SPEAKERS_SCREENSHOT"])


def test_two_voices_named_on_the_page_reach_speakers_csv_and_the_court_copy(page, folder, server):
    header, before = read_csv(folder / "speakers.csv")
    _name(page, "SPEAKER_00", "张三", "被告", "通话对方号码 138xxxx")
    _name(page, "SPEAKER_01", "李四", "原告")
    unsourced = _voice(page, "SPEAKER_01").locator(".flag.unsourced")
    assert unsourced.is_visible() and not _voice(page, "SPEAKER_00").locator(".flag.unsourced").is_visible()
    _voice(page, "SPEAKER_01").locator('input[data-column="identified_by"]').fill("对话中自称")
    assert not unsourced.is_visible()
    assert page.locator("#count").inner_text() == "尚有 3 位说话人未命名"
    page.locator("#save").click()
    page.wait_for_selector("#message:has-text('已保存到')")
    assert page.locator("#render-needed").is_visible()               # the documents are not made by a save
    now_header, after = read_csv(folder / "speakers.csv")
    assert now_header == header
    assert [tuple(r[c] for c in EDITABLE) for r in after] == [
        ("张三", "被告", "通话对方号码 138xxxx"), ("李四", "原告", "对话中自称"), *[("", "", "")] * 3]
    kept = [c for c in header if c not in EDITABLE]
    assert [[r[c] for c in kept] for r in after] == [[r[c] for c in kept] for r in before]
    _render(page)
    court = docx_text(folder / "zh_five_speakers.docx")
    assert f"张三（被告）：{before[0]['sample_1']}" in court and f"李四（原告）：{before[1]['sample_1']}" in court
    assert "通话对方号码 138xxxx" in court and "对话中自称" in court
    state, why = _cases(page, server.base)[folder.name]
    assert state == "待命名" and "尚有 3 位说话人未命名" in why


def test_naming_every_voice_takes_the_folder_out_of_needs_names_once_the_documents_are_made(page, folder, server):
    people = [("张三", "被告", "通话对方号码 138xxxx"), ("李四", "原告", "提交人本人"), ("王五", "证人", "声音熟悉"),
              ("赵六", "第三人", "对话中自称"), ("孙七", "证人", "声音熟悉")]
    for row, person in zip(read_csv(folder / "speakers.csv")[1], people):
        _name(page, row["speaker_id"], *person)
    assert page.locator("#count").inner_text() == "每位说话人都已命名"
    page.locator("#save").click()
    page.wait_for_selector("#message:has-text('已保存到')")
    assert [tuple(r[c] for c in EDITABLE) for r in read_csv(folder / "speakers.csv")[1]] == people
    assert _cases(page, server.base)[folder.name][0] == "待命名"           # the documents are not made yet
    page.goto(f"{server.base}/case/{folder.name}/speakers/")
    page.wait_for_selector(".voice")
    assert [page.locator('.voice input[data-column="name"]').nth(i).input_value() for i in range(5)] == \
        [p[0] for p in people]
    assert page.locator("#render-needed").is_visible()    # on the page opened again: the documents are older
    _render(page)
    assert not page.locator("#render").is_visible() and not page.locator("#render-needed").is_visible()
    court = docx_text(folder / "zh_five_speakers.docx")
    assert all(f"{name}（{role}）" in court for name, role, _ in people)
    state, why = _cases(page, server.base)[folder.name]
    assert state != "待命名" and "未命名" not in why


def test_a_save_over_a_file_changed_since_the_page_loaded_is_refused_and_the_entries_kept(page, folder):
    header, rows = read_csv(folder / "speakers.csv")
    rows[2]["name"] = "王五"                                          # saved in Excel meanwhile
    write_csv(folder / "speakers.csv", header, [[r[c] for c in header] for r in rows])
    changed = (folder / "speakers.csv").read_bytes()
    _name(page, "SPEAKER_01", "李四", "原告", "提交人本人")
    page.locator("#save").click()
    page.wait_for_selector("#message.error")
    said = page.locator("#message").inner_text()
    assert f"本页面打开后，{folder / 'speakers.csv'} 已被修改" in said and "为免覆盖，本次未保存" in said   # Chinese
    assert said.endswith("请核对后再保存。你的修改保留在标黄的格中。")
    assert (folder / "speakers.csv").read_bytes() == changed                   # nothing saved over it
    assert _voice(page, "SPEAKER_02").locator('input[data-column="name"]').input_value() == "王五"   # the file's now
    kept = _voice(page, "SPEAKER_01").locator('input[data-column="name"]')
    assert kept.input_value() == "李四" and "pending" in kept.get_attribute("class")
    page.locator("#save").click()
    page.wait_for_selector("#message:has-text('已保存到')")
    assert [(r["name"], r["role"]) for r in read_csv(folder / "speakers.csv")[1][:3]] == [("", ""), ("李四", "原告"),
                                                                                         ("王五", "")]
