"""The case details step (案件信息) in a real browser (Debian's chromium, driven by Playwright) against the real
app (`exhibit app ROOT`, started as a user starts it) on a real run of the README's sample, in a Chinese
browser: details typed in and saved into the folder's case.toml, the list of what the court copy leaves blank
shrinking, the documents made again holding them; a bad date refused in one line with case.toml untouched;
a save from a page loaded before case.toml changed refused."""

from __future__ import annotations

import json

import pytest

from conftest import Server, docx_text
from pipeline import casefile

pytestmark = pytest.mark.integration




@pytest.fixture
def page(browser, folder):
    server = Server(folder.parent, app=True)
    opened = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900}).new_page()
    opened.goto(server.url)                                       # the launch address: the Cases page
    opened.goto(f"{server.base}/case/{folder.name}/details/")
    opened.wait_for_selector("fieldset")
    yield opened
    opened.context.close()
    server.stop()


def test_details_saved_reach_case_toml_and_the_court_copy_made_again(page, folder):
    court = folder / "zh_five_speakers.docx"
    assert "张三诉李四民间借贷纠纷" not in docx_text(court)
    assert page.locator("h1").inner_text() == "案件信息"
    assert page.locator("#steps a[aria-current=page]").inner_text() == "案件信息"
    before = page.locator("#missing").inner_text()
    assert before.startswith("提交法院文本中以下各项留有空白横线：案件名称、案号、证据编号") and "录音时间" in before
    page.get_by_label("案件名称", exact=True).fill("张三诉李四民间借贷纠纷")
    page.get_by_label("证据编号", exact=True).fill("证据7")
    page.get_by_label("录音时间", exact=True).fill("2025-03-05 15:30")
    assert page.locator("#dirty").inner_text() == "有未保存的修改。"
    page.locator("#save").click()
    page.wait_for_selector("#message:has-text('已保存')")
    case = casefile.case_from_file(folder / "case.toml")
    assert (case.case_name, case.exhibit_number, case.recorded_on) == ("张三诉李四民间借贷纠纷", "证据7",
                                                                       "2025-03-05 15:30")
    after = page.locator("#missing").inner_text()
    assert "案件名称" not in after and "证据编号" not in after and "录音时间" not in after and "案号" in after
    assert page.locator("#behind").is_visible() and page.locator("#dirty").inner_text() == ""
    page.locator("#render").click()
    page.wait_for_selector("#rendered:has-text('两份文本已重新生成')", timeout=120_000)
    assert str(court) in page.locator("#rendered").inner_text()
    assert not page.locator("#behind").is_visible()               # the documents show case.toml now
    text = docx_text(court)
    assert "张三诉李四民间借贷纠纷" in text and "证据7" in text and "录音时间：2025年3月5日" in text
    assert casefile.case_from_file(folder / "case.toml") == case    # the run kept the case as saved


def test_a_bad_date_is_refused_in_one_line_and_case_toml_is_unchanged(page, folder):
    before = (folder / "case.toml").read_bytes()
    page.get_by_label("案件名称", exact=True).fill("甲诉乙")
    page.get_by_label("录音时间", exact=True).fill("2025-02-30")
    page.get_by_label("录音时间", exact=True).press("Enter")       # Enter saves too
    page.wait_for_selector("#message.error")
    message = page.locator("#message").inner_text()
    assert message.startswith("未保存：“录音时间”填写有误") and "YYYY-MM-DD" in message and "\n" not in message
    assert (folder / "case.toml").read_bytes() == before
    assert page.locator("#dirty").inner_text() == "有未保存的修改。"   # what was typed stays on the page


def test_a_save_after_case_toml_changed_elsewhere_is_refused(page, folder):
    path = folder / "case.toml"
    path.write_text(path.read_text(encoding="utf-8").replace('case_name = ""', 'case_name = "在编辑器中写的"'),
                    encoding="utf-8")
    page.get_by_label("案号", exact=True).fill("（2025）京0105民初1234号")
    page.locator("#save").click()
    page.wait_for_selector("#message.error")
    assert f"本页面打开后，{path} 已被修改" in page.locator("#message").inner_text()
    kept = casefile.case_from_file(path)
    assert (kept.case_name, kept.case_number) == ("在编辑器中写的", "")


def test_the_case_vocabulary_saved_on_the_page_is_heard_again_when_the_documents_are_made(page, folder):
    """The sample holds 我在滨海新区有房; base hears the place as something that sounds like it (冰海星区 on A) or,
    on another CPU, may hear it right: either way the court copy says 滨海新区 after the vocabulary is saved and
    the documents made again, and a line whose words were written as the term is marked."""
    assert page.locator("#vocabulary-heading").inner_text() == "案件词表"
    page.locator("#vocabulary-text").fill("# 本案地名\n滨海新区")
    assert page.locator("#dirty").inner_text() == "有未保存的修改。" and page.locator("#render").is_disabled()
    page.locator("#vocabulary-save").click()
    page.wait_for_selector("#vocabulary-message:has-text('词表已保存，共 1 个词')")
    assert (folder / "vocabulary.txt").read_text(encoding="utf-8") == "# 本案地名\n滨海新区\n"
    assert page.locator("#behind").is_visible()
    page.locator("#render").click()
    page.wait_for_selector("#rendered:has-text('两份文本已重新生成')", timeout=120_000)
    text = docx_text(folder / "zh_five_speakers.docx")
    assert "滨海新区" in text
    reheard = json.loads((folder / "stages" / "rehear.json").read_text(encoding="utf-8"))["data"]["reheard"]
    assert all(r["written"] == "滨海新区" for r in reheard)
    assert ("[按词表复听]" in text) == bool(reheard) and not page.locator("#behind").is_visible()
