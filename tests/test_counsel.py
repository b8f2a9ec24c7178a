"""The two documents read back from .docx: what the court copy must not carry (counsel's checklist, threat
warnings, integrity points, rule ids and explanations, the user's notes, claims nobody established) and the
counsel's working copy must; the setting that decides the court copy's optional sections. Hand-built, no models."""

from __future__ import annotations

import dataclasses
import re

import pytest
from docx import Document

from builders import ADMIT, OVERLAP, content, labelled
from pipeline.artifacts import Fact, Facts, Point
from pipeline.config import CaseConfig, ExportConfig
from pipeline.errors import ConfigError
from pipeline.export.word import COUNSEL, COURT, write_docx
from pipeline.export.word import styles as S
from pipeline.export.word.counsel import todo_items
from pipeline.export.wording import load_wording

NOTE = "借条原件见证据2，庭前与当事人再核对"
CASE = CaseConfig(case_name="张三诉李四民间借贷纠纷", exhibit_number="证据3", submitting_party="原告 李四",
                  recorded_place="北京市朝阳区某小区")
SILENCE = Point("digital_silence", "digital_silence", {"ms": 600.0, "start": 10.428, "end": 11.028}, 10.428, 11.028)


def two_named():
    """The sample as the issue tries it: both speakers named, one with the basis of the identification, a place
    said, a threat, a note, an integrity point."""
    base = labelled()
    first, second = base.speakers
    speakers = (dataclasses.replace(first, identified_by="来电号码 138xxxx；自我介绍 00:00:12"),
                dataclasses.replace(second, name="李四", role="原告"))
    start = ADMIT.index("五万块钱")
    found = Facts((
        Fact("u0001", 12.7, "SPEAKER_00", "admission", "zh-admission-explicit", (0, 3), "我承认", "", "明确承认"),
        Fact("u0001", 12.7, "SPEAKER_00", "amount", "zh-amount-with-unit", (start, start + 4), "五万块钱",
             "50000 CNY", "金额（带货币单位）", note=NOTE),
        Fact("u0002", 62.5, "SPEAKER_01", "threat", "zh-threat-harm", (0, 2), "你什", "", "威胁（人身伤害或报复）"),
        Fact("u0002", 62.5, "SPEAKER_01", "name", "party_name", (0, 1), "你", "你", "当事人姓名（speakers.csv 中填写）"),
    ), rule_files={"rules/zh.toml": "ee" * 32})
    return dataclasses.replace(base, speakers=speakers), found


def write(tmp_path, copy: str, language: str = "zh", case: CaseConfig = CASE, **settings) -> Document:
    lab, found = two_named()
    made = content(language, lab=lab, found=found, case=case)
    made = dataclasses.replace(made, integrity=(SILENCE,),
                               settings=dataclasses.replace(made.settings, export=ExportConfig(**settings)))
    path = tmp_path / f"{copy}_{language}.docx"
    write_docx(path, made, copy)
    return Document(str(path))


def text_of(doc: Document) -> str:
    cells = [c.text for t in doc.tables for row in t.rows for c in row.cells]
    header = [p.text for p in doc.sections[0].header.paragraphs]
    return "\n".join(header + [p.text for p in doc.paragraphs] + cells)


# what is for counsel only: the checklist and its "not found", the threat warning, the integrity points and their
# "check this place for a cut", rule ids and explanations, the user's note, the working copy's own marks
COUNSEL_ONLY = {
    "zh": ("证据要素核对", "未发现", "提示律师", "可能被排除", "请核查此处是否有剪切或插入", "zh-admission-explicit",
           "party_name", "speakers.csv", "明确承认", NOTE, "律师工作底稿", "提交前待办", "核对统计与更正"),
    "en": ("Evidence checklist", "not found", "for counsel", "may be excluded", "check this place for a cut",
           "zh-admission-explicit", "party_name", "speakers.csv", "明确承认", NOTE, "WORKING COPY",
           "Before filing", "Review statistics and corrections"),
}
# what nobody established and the court copy must never state
UNFOUNDED = ("未作任何改动", "已对照该原始录音核对", "unaltered", "checked against that original recording")


@pytest.mark.parametrize("language", ["zh", "en"])
def test_the_court_copy_carries_none_of_counsels_material_and_the_working_copy_all_of_it(tmp_path, language):
    court, counsel = text_of(write(tmp_path, COURT, language)), text_of(write(tmp_path, COUNSEL, language))
    for item in COUNSEL_ONLY[language]:
        assert item not in court, item
        assert item in counsel, item
    assert not re.search(r"\b(?:zh|en)-[a-z]+(?:-[a-z]+)*\b", court)          # no rule id at all
    for claim in UNFOUNDED:
        assert claim not in court and claim not in counsel
    # both carry the transcript, the index and the declaration, the same lines with the same numbers
    for text in (court, counsel):
        assert ADMIT in text and OVERLAP in text


def test_the_working_copy_is_marked_on_every_page_and_names_the_court_copy(tmp_path):
    doc = write(tmp_path, COUNSEL)
    header = [p.text for p in doc.sections[0].header.paragraphs]
    assert header[0] == "\t律师工作底稿·不得提交" and "证据3" in header[1]
    assert doc.paragraphs[0].text == "录音文字整理稿（律师工作底稿）"
    notice = next(p for p in doc.paragraphs if p.style.name == S.NOTICE)
    assert "不得提交法院" in notice.text and "《借款录音.docx》" in notice.text
    court = write(tmp_path, COURT)
    assert "工作底稿" not in "".join(p.text for p in court.sections[0].header.paragraphs)
    notices = [p.text for p in court.paragraphs if p.style.name == S.NOTICE]     # the draft notice only
    assert len(notices) == 1 and notices[0].startswith("草稿：") and "工作底稿" not in notices[0]


def test_the_working_copy_puts_its_own_sections_first_then_everything_the_court_copy_has(tmp_path):
    headings = [p.text for p in write(tmp_path, COUNSEL).paragraphs if p.style.name == S.HEADING]
    assert headings == ["一、提交前待办", "二、证据要素核对", "三、录音证据合法性与原始载体核查", "四、提交法院文本披露的内容",
                        "五、威胁性言语提示", "六、原始录音完整性初步筛查", "七、核对统计与更正", "八、录音文件信息",
                        "九、说话人", "十、标注说明", "十一、录音内容", "十二、关键内容索引（含规则与备注）",
                        "十三、录音覆盖情况", "十四、整理方法", "十五、声明"]
    court = [p.text for p in write(tmp_path, COURT).paragraphs if p.style.name == S.HEADING]
    assert court == ["一、录音文件信息", "二、说话人", "三、标注说明", "四、录音内容", "五、关键内容索引",
                     "六、录音覆盖情况", "七、整理方法", "八、声明"]


def test_before_filing_names_what_is_missing_unsourced_unreviewed_and_to_weigh(tmp_path):
    lab, found = two_named()
    made = dataclasses.replace(content(lab=lab, found=found, case=CASE), integrity=(SILENCE,))
    items = todo_items(made, load_wording("zh"))
    assert items[0] == ("案件信息尚缺：案号、录音时间、录音设备（原始载体）、录音人、核对人。在本录音文件夹的案件文件（case.toml）中"
                        "填写后重新运行即可；在此之前，声明中未陈述的录音情况留有空白横线，其余各项不显示。")
    assert "已填写姓名但未写指认依据：李四" in items[1]          # 张三 has a basis, 李四 none
    assert items[2].startswith("尚未记录核对人") and items[3].startswith("尚有 2 句未记录逐句核对（共 2 句）")
    assert "1 处待核查之处" in items[4] and "威胁性言语的有 1 处" in items[5]
    full = dataclasses.replace(CASE, case_number="（2025）京0105民初1234号", recorded_on="2025-03-05 15:30",
                               recorded_device="华为 Mate 40 手机", recorded_by="李四", reviewed_by="王五")
    done = todo_items(dataclasses.replace(made, settings=dataclasses.replace(made.settings, case=full)),
                      load_wording("zh"))
    assert done[0] == "案件信息已填写齐全。" and "核对人：王五。" in done


def test_the_threat_section_lists_the_lines_with_the_warning(tmp_path):
    doc = write(tmp_path, COUNSEL)
    body = [p.text for p in doc.paragraphs]
    at = body.index("五、威胁性言语提示")
    assert "以威胁方法取得的证据可能被排除" in body[at + 1] and "counsel_only_categories" in body[at + 1]
    threats = next(t for t in doc.tables if any(OVERLAP in c.text for c in t.rows[-1].cells)
                   and t.rows[0].cells[1].text == "行号")
    assert [c.text.split("\n")[0] for c in threats.rows[1].cells][:5] == ["00:01:02", "2", "李四（原告）", OVERLAP,
                                                                          "威胁"]


def test_the_court_copy_shows_the_optional_sections_the_setting_names(tmp_path):
    bare = write(tmp_path, COURT, court_sections=())
    headings = [p.text for p in bare.paragraphs if p.style.name == S.HEADING]
    assert headings == ["一、录音文件信息", "二、说话人", "三、标注说明", "四、录音内容", "五、声明"]
    assert len(bare.inline_shapes) == 0                                          # no timeline either
    screened = write(tmp_path, COURT, court_sections=("index", "integrity"))
    headings = [p.text for p in screened.paragraphs if p.style.name == S.HEADING]
    assert headings[4:] == ["五、关键内容索引", "六、原始录音完整性初步筛查", "七、声明"]
    assert "请核查此处是否有剪切或插入" in text_of(screened)                       # the lawyer asked for it
    counsel = write(tmp_path, COUNSEL, court_sections=())                        # the working copy shows all
    assert len([p for p in counsel.paragraphs if p.style.name == S.HEADING]) == 15
    shown = {row.cells[0].text: row.cells[2].text for t in counsel.tables if t.rows[0].cells[0].text == "内容"
             for row in t.rows[1:]}            # the working copy says the court copy lists this point
    assert shown["原始录音完整性初步筛查（1 处待核查点）"] == '如需披露，在 court_sections 中加入 "integrity"'
    assert shown["文件修改时间"] == '如需披露，在 court_discloses 中加入 "file_times"' and shown["文件名称"] == ""
    listed = write(tmp_path, COUNSEL, court_sections=("integrity",))
    shown = {row.cells[0].text: row.cells[2].text for t in listed.tables if t.rows[0].cells[0].text == "内容"
             for row in t.rows[1:]}
    assert shown["数字静音（采样值全为零）"].startswith("需注意：提交法院文本列出了此待核查点：00:00:10.428")
    with pytest.raises(ConfigError, match="court sections must be among timeline, index, coverage, integrity, "
                                          "method, not 'checklist'"):
        ExportConfig(court_sections=("checklist",))


def test_the_parties_are_headed_as_identified_by_the_submitting_party_on_a_stated_basis(tmp_path):
    doc = write(tmp_path, COURT)
    parties = next(t for t in doc.tables if t.rows[0].cells[1].text == "姓名（提交人指认）")
    rows = [[c.text for c in row.cells] for row in parties.rows]
    assert rows[0][:4] == ["编号", "姓名（提交人指认）", "身份", "指认依据"]
    assert rows[1][:4] == ["说话人1", "张三", "被告", "来电号码 138xxxx；自我介绍 00:00:12"]
    assert rows[2][:4] == ["说话人2", "李四", "原告", "—"]
    en = write(tmp_path, COURT, "en")
    assert any(c.text == "Name (as identified by the submitting party)" for t in en.tables for c in t.rows[0].cells)


@pytest.mark.parametrize("language", ["zh", "en"])
def test_threat_language_is_indexed_for_counsel_only_unless_counsel_chooses_otherwise(tmp_path, language):
    """Issue 20, item 2: an index category that can only hurt the submitting party stays in the working copy; the
    line itself stays in both transcripts."""
    label = load_wording(language)["categories"]["threat"]
    court = write(tmp_path, COURT, language)
    index = next(t for t in court.tables if t.rows[0].cells[1].text in ("行号", "Line") and len(t.columns) >= 5)
    assert not any(label in c.text for row in index.rows[1:] for c in row.cells)
    assert OVERLAP in text_of(court)                                   # the words are not hidden
    assert label in text_of(write(tmp_path, COUNSEL, language))
    chosen = write(tmp_path, COURT, language, counsel_only_categories=())
    index = next(t for t in chosen.tables if t.rows[0].cells[1].text in ("行号", "Line") and len(t.columns) >= 5)
    assert any(label in c.text for row in index.rows[1:] for c in row.cells)


def test_every_time_in_a_document_is_in_the_one_zone_it_states_once(tmp_path):
    """Issue 20, item 3: the case's zone (Beijing time here), stated once; no other zone in the document."""
    for copy in (COURT, COUNSEL):
        text = text_of(write(tmp_path, copy, case=dataclasses.replace(CASE, recorded_on="2025-03-05 15:30")))
        assert text.count("UTC") == 1 and "北京时间（UTC+08:00）；本文件中的日期时间均按此时区" in text
    text = text_of(write(tmp_path, COUNSEL, "en", case=dataclasses.replace(CASE, time_zone="America/New_York")))
    assert "UTC" not in text                       # daylight saving: local time by name, no one offset claimed
    assert "America/New_York local time (daylight saving time applies); every date and time" in text
    tokyo = text_of(write(tmp_path, COUNSEL, "en", case=dataclasses.replace(CASE, time_zone="Asia/Tokyo")))
    assert tokyo.count("UTC") == 1 and "Asia/Tokyo time (UTC+09:00); every date and time" in tokyo
    assert "2025-03-06 01:30" in text          # made 14:30 in Beijing = 01:30 in New York


def test_without_a_zone_named_the_documents_use_this_computers(monkeypatch):
    import time

    monkeypatch.setenv("TZ", "America/New_York")
    time.tzset()
    try:
        assert CaseConfig().zone().utcoffset(None).total_seconds() / 3600 in (-5, -4)
    finally:
        monkeypatch.undo()
        time.tzset()


# ------------------------------------------------------------------------------------------ translation


def _paragraphs(doc: Document) -> list[str]:
    return [p.text for p in doc.paragraphs]


def test_an_english_copy_of_a_mandarin_recording_says_the_transcript_is_the_original_and_leaves_a_certificate(
        tmp_path):
    court = write(tmp_path, COURT, "en")
    texts = _paragraphs(court)
    note = texts.index("The recording is in Chinese. The transcript below is in the original language of the "
                       "recording (Chinese); the software has not translated it. An English translation, where "
                       "required, is to be made by a translator, who completes the translator's certificate at the "
                       "end of this document.")
    assert texts[note + 1].endswith("Transcript")                  # the note stands right before the transcript
    start = next(i for i, t in enumerate(texts) if t.endswith("Translator's certificate"))
    assert court.paragraphs[start].style.name == S.HEADING
    certificate = texts[start:]
    assert "translate from Chinese into English" in certificate[1] and certificate[1].startswith("I, ________")
    assert certificate[2:] == ["Name of translator: ________________",
                               "Qualification or translation agency: ________________",
                               "Signature of translator: ________________    Date: ________________"]
    kept = [(p.paragraph_format.keep_together, p.paragraph_format.keep_with_next) for p in court.paragraphs[start:]]
    assert kept == [(True, True)] * 4 + [(True, False)]
    declaration = next(i for i, t in enumerate(texts) if t.endswith("Declaration"))
    assert declaration < start and not court.paragraphs[start - 1].paragraph_format.keep_with_next
    todo = todo_items(content("en", case=CASE), load_wording("en"))
    assert "a translator's certificate is to be completed" in todo[-1] and "Chinese" in todo[-1]
    assert "translator's certificate is to be completed" in text_of(write(tmp_path, COUNSEL, "en"))


def test_a_copy_in_the_recordings_own_language_has_no_translation_note_or_certificate(tmp_path):
    for doc in (write(tmp_path, COURT, "zh"), write(tmp_path, COUNSEL, "zh")):
        assert "译者证明" not in text_of(doc) and "未作翻译" not in text_of(doc)
    assert not any("译者" in item for item in todo_items(content("zh", case=CASE), load_wording("zh")))
    english = content("en", lab=labelled("en", "John Smith", ""), case=CASE)
    assert not any("translator" in item for item in todo_items(english, load_wording("en")))
    path = tmp_path / "english.docx"
    write_docx(path, english)
    assert "Translator's certificate" not in text_of(Document(str(path)))


def test_a_chinese_copy_of_an_english_recording_has_the_chinese_certificate(tmp_path):
    made = content("zh", lab=labelled("en", "John Smith", ""), case=CASE)
    path = tmp_path / "zh.docx"
    write_docx(path, made)
    texts = _paragraphs(Document(str(path)))
    assert ("录音使用的语言为英语。“录音内容”一节是录音的原文（英语），软件未作翻译；"
            "如需中文译文，应由译者翻译，并填写本整理稿末尾的译者证明。") in texts
    assert texts[-5].endswith("译者证明") and "通晓英语和中文" in texts[-4] and texts[-1].startswith("译者签名：")
    assert "译者证明" in todo_items(made, load_wording("zh"))[-1]


def test_a_threat_said_by_the_submitting_party_is_said_plainly_to_counsel(tmp_path):
    """two_named(): 李四 (原告) is the speaker of the threat line and CASE's submitting party is 原告 李四."""
    text = text_of(write(tmp_path, COUNSEL))
    assert "需注意：00:01:02 处被标为威胁性言语的话出自提交人一方（原告 李四，按 speakers.csv 中的指认）" in text
    other = text_of(write(tmp_path, COUNSEL, case=dataclasses.replace(CASE, submitting_party="被告 张三")))
    assert "处被标为威胁性言语的话出自提交人一方" not in other
