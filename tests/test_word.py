"""The Word exhibit's content and form (pipeline/export/word/), on hand-built artifacts (no models)."""

from __future__ import annotations

import dataclasses
import re
import zipfile

from docx import Document
from docx.enum.style import WD_STYLE_TYPE
from docx.oxml.ns import qn
from lxml import etree

from matplotlib.font_manager import FontPath

from builders import ADMIT, SHA, asset, content, labelled, make_docx, utterances
from pipeline.artifacts import UNKNOWN_SPEAKER, Diarization, Labelled, Speaker, Turn, Utterance, Word
from pipeline.config import CaseConfig
from pipeline.export import timeline
from pipeline.export.timeline import TimelineRow, timeline_png
from pipeline.export.word import COUNSEL, write_docx
from pipeline.export.word import styles as S
from pipeline.export.word.blocks import styled_runs
from pipeline.export.word import transcript
from pipeline.export.word.transcript import party_as_speaker, timeline_rows, word_spans
from pipeline.export.wording import load_wording, number_label
from conftest import docx_text, flow_paragraphs

CASE = CaseConfig(case_name="张三诉李四民间借贷纠纷", case_number="（2025）京0105民初1234号", exhibit_number="证据3",
                  submitting_party="原告 张三", recorded_on="2025-03-05", recorded_place="北京市朝阳区某茶馆",
                  recorded_device="华为 Mate 40 手机", recorded_by="张三")
W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def lines(doc) -> list:
    return [p for p in doc.paragraphs if p.style.name == S.TRANSCRIPT_LINE]


def styled(doc, style: str) -> list[str]:
    """Per transcript line, the text in `style` (adjacent runs joined)."""
    return ["".join(r.text for r in p.runs if r.style.name == style) for p in lines(doc)]


def all_text(doc) -> str:
    cells = [c.text for t in doc.tables for row in t.rows for c in row.cells]
    return "\n".join([p.text for p in doc.paragraphs] + cells)


# ---------------------------------------------------------------------------------------- page marks


def _fields(paragraph) -> list[str]:
    return [f.get(qn("w:instr")) for f in paragraph._p.iter(qn("w:fldSimple"))]


def test_every_page_header_has_the_exhibit_number_and_the_sha_prefix_and_the_footer_counts_pages(tmp_path):
    _, doc = make_docx(tmp_path, case=CASE)
    section = doc.sections[0]
    header = "\n".join(p.text for p in section.header.paragraphs)
    assert "证据3" in header and f"SHA-256 {SHA[:16]}" in header and SHA[:17] not in header
    assert section.header.paragraphs[0].style.name == S.HEADER
    footer = section.footer.paragraphs[0]
    assert _fields(footer) == ["PAGE", "NUMPAGES"] and footer.text.startswith("第") and "共" in footer.text
    assert not section.header.is_linked_to_previous


def test_the_header_without_an_exhibit_number_shows_the_sha_prefix_only(tmp_path):
    _, doc = make_docx(tmp_path, "en")
    draft, header = (p.text for p in doc.sections[0].header.paragraphs)
    assert draft == "\tDRAFT — NOT REVIEWED" and header.strip() == f"Original SHA-256 {SHA[:16]}…"
    assert _fields(doc.sections[0].footer.paragraphs[0]) == ["PAGE", "NUMPAGES"]


def test_page_is_a4_with_even_margins(tmp_path):
    _, doc = make_docx(tmp_path)
    section = doc.sections[0]
    assert (round(section.page_width.cm, 1), round(section.page_height.cm, 1)) == (21.0, 29.7)
    assert {round(m.cm, 2) for m in (section.left_margin, section.right_margin, section.top_margin,
                                     section.bottom_margin)} == {2.5}


# -------------------------------------------------------------------------------------- case, recording


def test_case_block_shows_only_the_fields_given(tmp_path):
    _, doc = make_docx(tmp_path, case=CASE)
    block = [p.text for p in doc.paragraphs if p.style.name == S.CASE_FIELD]
    assert block == ["案件名称：\t张三诉李四民间借贷纠纷", "案号：\t（2025）京0105民初1234号", "证据编号：\t证据3",
                     "提交人：\t原告 张三"]
    only_number = CaseConfig(case_number="（2025）京0105民初1234号")
    _, doc = make_docx(tmp_path, case=only_number)
    assert [p.text for p in doc.paragraphs if p.style.name == S.CASE_FIELD] == ["案号：\t（2025）京0105民初1234号"]
    _, doc = make_docx(tmp_path)
    assert [p for p in doc.paragraphs if p.style.name == S.CASE_FIELD] == []
    assert "案件名称" not in all_text(doc)
    assert not any("提交人陈述" in row.cells[0].text for row in doc.tables[0].rows)   # nothing stated, nothing shown


def test_recording_table_shows_what_the_submitting_party_states_as_stated(tmp_path):
    _, doc = make_docx(tmp_path, case=CASE)
    info = {row.cells[0].text: row.cells[1].text for row in doc.tables[0].rows}
    assert info["录音地点（提交人陈述）"] == "北京市朝阳区某茶馆"
    assert info["录音时间（提交人陈述）"] == "2025年3月5日"
    assert info["录音设备（提交人陈述）"] == "华为 Mate 40 手机" and info["录音人（提交人陈述）"] == "张三"
    _, doc = make_docx(tmp_path, "en", labelled("en", "John Smith", "Defendant"), case=CASE)
    info = {row.cells[0].text: row.cells[1].text for row in doc.tables[0].rows}
    assert info["Recorded at (as stated by the submitting party)"] == "北京市朝阳区某茶馆"
    assert [p.text for p in doc.paragraphs if p.style.name == S.CASE_FIELD][2] == "Exhibit:\t证据3"
    assert info["Recorded on (as stated by the submitting party)"] == "2025-03-05"
    _, doc = make_docx(tmp_path, case=dataclasses.replace(CASE, recorded_on="2025-03-05 15:30"))
    info = {row.cells[0].text: row.cells[1].text for row in doc.tables[0].rows}
    assert info["录音时间（提交人陈述）"] == "2025年3月5日 15:30"      # a time of day, as stated (no zone)


def test_recording_table_shows_the_device_and_encoder_tags_and_the_creation_date(tmp_path):
    tags = {"creation_time": "2025-03-05T12:00:00.000000Z", "encoder": "com.apple.VoiceMemos (iPhone 14)",
            "major_brand": "M4A ", "com.apple.quicktime.make": "Apple", "com.apple.quicktime.model": "iPhone 14",
            "stream.handler_name": "Core Media Audio", "stream.creation_time": "2025-03-05T12:00:00.000000Z",
            "title": "新录音 3"}
    _, doc = make_docx(tmp_path, audio=dataclasses.replace(asset(), tags=tags))
    court = {row.cells[0].text for row in doc.tables[0].rows}
    assert "元数据创建时间" not in court and "元数据中的设备及软件信息" not in court     # not chosen for the court
    london = content(audio=dataclasses.replace(asset(), tags=tags), case=CaseConfig(time_zone="Europe/London"))
    chosen = dataclasses.replace(london, settings=dataclasses.replace(
        london.settings, export=dataclasses.replace(london.settings.export,
                                                    court_discloses=("tags", "metadata_dates"))))
    write_docx(tmp_path / "chosen.docx", chosen)
    doc = Document(str(tmp_path / "chosen.docx"))
    info = {row.cells[0].text: row.cells[1].text for row in doc.tables[0].rows}
    assert info["元数据创建时间"] == "2025年3月5日 12:00:00" and "文件修改时间" not in info
    assert info["时区"] == "Europe/London 当地时间（含夏令时）；本文件中的日期时间均按此时区"
    assert info["元数据中的设备及软件信息"].splitlines() == [
        "com.apple.quicktime.make: Apple", "com.apple.quicktime.model: iPhone 14",
        "encoder: com.apple.VoiceMemos (iPhone 14)", "stream.handler_name: Core Media Audio"]
    write_docx(tmp_path / "none.docx", dataclasses.replace(chosen, asset=dataclasses.replace(asset(), tags={})))
    info = {row.cells[0].text for row in Document(str(tmp_path / "none.docx")).tables[0].rows}
    assert "元数据中的设备及软件信息" not in info and "元数据创建时间" not in info


def test_hashes_are_in_the_hash_style(tmp_path):
    _, doc = make_docx(tmp_path)
    rows = {row.cells[0].text: row.cells[1].paragraphs[0].style.name for row in doc.tables[0].rows}
    assert rows["SHA-256 校验值"] == rows["MD5 校验值"] == S.TABLE_HASH and rows["文件名称"] == S.TABLE_TEXT


# ------------------------------------------------------------------------------------ transcript lines


def _many() -> Labelled:
    base = labelled()
    extra = (Utterance("u0003", "SPEAKER_00", 70.0, 72.0, "", (), ("inaudible",)),
             Utterance("u0004", "SPEAKER_00", 80.0, 81.0, "好的。", (Word(80.0, 81.0, "好的。", 0.9),)))
    return dataclasses.replace(base, items=base.items + extra)


def test_lines_are_numbered_from_one_without_gaps(tmp_path):
    _, doc = make_docx(tmp_path, lab=_many())
    texts = [p.text for p in lines(doc)]
    assert [t.split("\t")[1] for t in texts] == ["1", "2", "3", "4"]
    assert texts[2] == "\t3\t[00:01:10]\t张三（被告）：[听不清 00:01:10–00:01:12]"
    assert texts[3] == "\t4\t[00:01:20]\t张三（被告）：好的。"


def test_exactly_the_low_confidence_words_are_uncertain(tmp_path):
    _, doc = make_docx(tmp_path)
    assert styled(doc, S.UNCERTAIN) == ["", "什么时候"]      # p 0.3 < 0.4; 0.8, 0.9, 0.95 are not
    _, doc = make_docx(tmp_path, low_confidence=0.85)
    assert styled(doc, S.UNCERTAIN) == ["", "什么时候还？"]
    _, doc = make_docx(tmp_path, low_confidence=0.0)
    assert styled(doc, S.UNCERTAIN) == ["", ""]
    key = next(row.cells[1].text for row in doc.tables[2].rows if row.cells[0].text == "灰底字词")
    assert "0" in key and "0.4" not in key                 # the threshold in the notation key


def test_words_that_do_not_spell_the_text_shade_nothing(tmp_path):
    base = labelled()
    odd = dataclasses.replace(base.items[1], text="你什么时候还钱？")   # text edited: words no longer match
    _, doc = make_docx(tmp_path, lab=dataclasses.replace(base, items=(base.items[0], odd)))
    assert styled(doc, S.UNCERTAIN) == ["", ""]
    assert lines(doc)[1].text.endswith("你什么时候还钱？")


def test_word_spans_follow_the_joined_text():
    english = Utterance("u1", "S", 0, 1, "I paid you, okay?", (Word(0, .1, " I", .9), Word(.1, .2, " paid", .9),
                                                              Word(.2, .3, " you,", .9), Word(.3, .4, " okay?", .9)))
    assert [english.text[a:b] for a, b in word_spans(english)] == ["I", "paid", "you,", "okay?"]
    chinese = utterances()[1]
    assert [chinese.text[a:b] for a, b in word_spans(chinese)] == ["你", "什么时候", "还？"]
    assert word_spans(dataclasses.replace(chinese, text="你什么时候还")) is None   # the text lost its "？"


def test_uncertain_wins_where_it_overlaps_a_key_fact(tmp_path):
    assert styled_runs("我承认借了", ((S.KEY_FACT, [(0, 3)]), (S.UNCERTAIN, [(2, 4)]))) == [
        ("我承", S.KEY_FACT), ("认借", S.UNCERTAIN), ("了", None)]
    base = labelled()
    first = base.items[0]
    words = tuple(dataclasses.replace(w, probability=0.2) if w.text in "五万" else w for w in first.words)
    lab = dataclasses.replace(base, items=(dataclasses.replace(first, words=words), base.items[1]))
    _, doc = make_docx(tmp_path, lab=lab, highlight="inline")
    assert styled(doc, S.UNCERTAIN)[0] == "五万" and styled(doc, S.KEY_FACT)[0] == "我承认块钱"


def test_the_notation_example_is_this_cases_speaker_or_party_never_a_made_up_name(tmp_path):
    def example(language="zh", name="", role="", party=""):
        lab = labelled(language, name, role)
        _, doc = make_docx(tmp_path, language, lab=lab, case=CaseConfig(submitting_party=party))
        return doc.tables[2].rows[2].cells[0].text

    assert example(name="张三", role="被告", party="原告 王五") == "张三（被告）"     # 张三 is in this legend
    assert example(party="原告 王五") == "王五（原告）"                # nobody named yet: the submitting party
    assert example(party="被上诉人北京某某有限公司") == "北京某某有限公司（被上诉人）"
    assert example(party="王五") == "王五"
    assert example() == "说话人1"
    assert example("en", party="Plaintiff Wang Wu") == "Wang Wu (Plaintiff)"
    assert example("en", party="Plaintiffs' Association") == "Plaintiffs' Association"
    assert example("en") == "Speaker 1"
    for language in ("zh", "en"):
        assert "张三" not in example(language, party="原告 王五") and "John Smith" not in example(language)


def test_a_party_is_shown_as_a_speaker_is():
    roles = load_wording("zh")["notation"]["party_roles"]
    zh = load_wording("zh")
    assert party_as_speaker("原告  王五 ", roles, zh) == "王五（原告）"
    assert party_as_speaker("被告人张三", roles, zh) == "张三（被告人）"      # the longest role first
    assert party_as_speaker("原告", roles, zh) == "原告" and party_as_speaker("", roles, zh) == ""


def test_notation_key_explains_every_mark(tmp_path):
    _, doc = make_docx(tmp_path)
    terms = [row.cells[0].text for row in doc.tables[2].rows]
    assert terms == ["[00:01:23]", "1、2、3 ……", "张三（被告）", "[听不清 00:01:05–00:01:09]", "[重叠]", "[疑似误识别]",
                     "[已校正]", "[按词表复听]", "灰底字词", "关键内容索引"]
    assert "由提交人指认" in doc.tables[2].rows[2].cells[1].text     # names are the submitting party's
    assert "首次识别的文字另有记录" in doc.tables[2].rows[7].cells[1].text   # the case's terms: heard again
    grey = doc.tables[2].rows[8].cells[0].paragraphs[0].runs
    assert [r.style.name for r in grey] == [S.UNCERTAIN]
    _, doc = make_docx(tmp_path, highlight="inline")
    assert "黄底字词" in [row.cells[0].text for row in doc.tables[2].rows]


# -------------------------------------------------------------------------------------------- timeline


def _media(path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as archive:
        return {n: archive.read(n) for n in archive.namelist() if n.startswith("word/media/")}


def test_the_speaker_timeline_is_in_the_document_under_the_legend(tmp_path):
    path, doc = make_docx(tmp_path)
    expected = timeline_png([TimelineRow("张三（被告）", "1", ((12.5, 15.4),)),
                             TimelineRow("说话人2", "2", ((62.3, 64.5),))], 95.24, "录音时间（时:分:秒）")
    assert list(_media(path).values()) == [expected]
    assert len(doc.inline_shapes) == 1 and round(doc.inline_shapes[0].width.cm, 1) == 16.0
    body = list(doc.element.body)
    legend = body.index(doc.tables[1]._tbl)      # (under the legend's lead paragraph and table)
    figure = body[legend + 1]
    assert figure.tag == qn("w:p") and figure.find(f".//{W}drawing") is not None
    assert body[legend + 2].xpath("string(.)").startswith("图 1")
    path, _ = make_docx(tmp_path, "en", labelled("en", "John Smith", ""))
    (english,) = _media(path).values()
    assert english == timeline_png([TimelineRow("John Smith", "Speaker 1", ((12.5, 15.4),)),
                                    TimelineRow("Speaker 2", "Speaker 2", ((62.3, 64.5),))], 95.24,
                                   "Time in recording (hh:mm:ss)")


def test_timeline_rows_follow_the_legend_and_merge_ids_given_one_name():
    # SPEAKER_02 was given the same name as SPEAKER_00 in speakers.csv: its lines are under SPEAKER_00 now
    turns = (Turn(12.5, 15.4, "SPEAKER_00"), Turn(30.0, 33.0, "SPEAKER_02"), Turn(62.3, 64.5, "SPEAKER_01"))
    dia = Diarization("m", turns, turns, ("SPEAKER_00", "SPEAKER_01", "SPEAKER_02"), {}, {})
    base = labelled()
    merged = Utterance("u0009", "SPEAKER_00", 30.1, 32.8, "对。", (Word(30.1, 32.8, "对。", 0.9),))
    lab = dataclasses.replace(base, items=(base.items[0], merged, base.items[1]))
    rows = timeline_rows(content(lab=lab, dia=dia), load_wording("zh"))
    assert rows == [TimelineRow("张三（被告）", "1", ((12.5, 15.4), (30.0, 33.0))),
                    TimelineRow("说话人2", "2", ((62.3, 64.5),))]


def test_timeline_labels_are_the_legends_numbers_and_names_never_the_diarizers_ids():
    unnamed = labelled(name="", role="")
    unknown = Speaker(UNKNOWN_SPEAKER, "", "", 0, 1.0, 1, 80.0, 81.0)
    lab = dataclasses.replace(unnamed, speakers=(*unnamed.speakers, unknown),
                              items=(*unnamed.items, Utterance("u0003", UNKNOWN_SPEAKER, 80.0, 81.0, "嗯。", ())))
    zh = timeline_rows(content(lab=lab), load_wording("zh"))
    legend = [number_label(s, load_wording("zh")) for s in lab.speakers]
    assert [r.label for r in zh] == legend == ["说话人1", "说话人2", "未识别说话人"]
    assert [r.fallback for r in zh] == ["1", "2", "?"]
    en = timeline_rows(content("en", lab=dataclasses.replace(lab, language="en")), load_wording("en"))
    assert [(r.label, r.fallback) for r in en] == [("Speaker 1", "Speaker 1"), ("Speaker 2", "Speaker 2"),
                                                   ("Unidentified speaker", "Unidentified")]
    assert not any("SPEAKER_" in r.label + r.fallback for r in zh + en)


def test_on_a_computer_with_no_chinese_font_the_timeline_shows_the_legends_numbers(tmp_path, monkeypatch):
    """Where no installed font draws Chinese, the lanes read 1, 2 (the legend's 说话人1, 说话人2) and the axis its
    time format — never SPEAKER_00 or an English word in a Chinese document."""
    latin_only = (FontPath(str(timeline.BUNDLED_SANS), 0),)
    monkeypatch.setattr(timeline, "_candidate_faces", lambda: latin_only)
    transcript._figure.cache_clear()
    path, _ = make_docx(tmp_path, lab=labelled(name="", role=""))
    (drawn,) = _media(path).values()
    transcript._figure.cache_clear()
    assert drawn == timeline_png([TimelineRow("1", "1", ((12.5, 15.4),)), TimelineRow("2", "2", ((62.3, 64.5),))],
                                 95.24, "hh:mm:ss")
    assert drawn != timeline_png([TimelineRow("SPEAKER_00", "x", ((12.5, 15.4),)),
                                  TimelineRow("SPEAKER_01", "x", ((62.3, 64.5),))], 95.24, "time")


def test_no_speakers_no_timeline(tmp_path):
    path, doc = make_docx(tmp_path, lab=Labelled(language="zh", speakers=(), items=()))
    assert _media(path) == {} and len(doc.inline_shapes) == 0


# ------------------------------------------------------------------------------------------ pagination


def test_the_declaration_with_its_signature_lines_is_kept_on_one_page(tmp_path):
    """The declaration's body is one block that never breaks across pages (a one-cell table whose row may not
    split), right after its heading, which keeps with it: the signature lines cannot land on a page of their own.
    (tests/test_pdf.py lays it out in LibreOffice.)"""
    for copy in ("court", COUNSEL):
        path = tmp_path / f"{copy}.docx"
        write_docx(path, content(case=CASE), copy)
        doc = Document(str(path))
        body = list(doc.element.body.iterchildren())
        at = next(i for i, el in enumerate(body) if el.tag == qn("w:p") and "".join(el.itertext()).endswith("声明"))
        block = body[at + 1]
        assert block.tag == qn("w:tbl") and len(block.findall(qn("w:tr"))) == 1
        assert block.find(qn("w:tr")).find(qn("w:trPr")).find(qn("w:cantSplit")) is not None
        inside = [p.text for p in flow_paragraphs(doc)]
        first = inside.index("（一）本整理稿的制作")
        assert inside[first - 1].endswith("声明") and inside[first + 1].startswith("本整理稿根据文件名为")
        assert inside[-1].startswith("提交人（签名或盖章）")
        assert doc.styles[S.HEADING].paragraph_format.keep_with_next


# ------------------------------------------------------------------------------------- form: the styles


def _direct_run_formatting(path) -> list[str]:
    with zipfile.ZipFile(path) as archive:
        root = etree.fromstring(archive.read("word/document.xml"))
    found = []
    for rpr in root.find(f"{W}body").iter(f"{W}rPr"):
        for child in rpr:
            name = etree.QName(child).localname
            if name != "rStyle":
                found.append(f"{name} in {''.join(rpr.getparent().itertext())[:30]!r}")
    return found


def test_the_body_has_no_direct_run_formatting_only_styles(tmp_path):
    """Styling lives in configs/exhibit_template.docx: no run in the body may carry its own font, size,
    bold, colour, highlight or shading."""
    for language, lab in (("zh", labelled()), ("en", labelled("en", "John Smith", "Defendant"))):
        path, _ = make_docx(tmp_path, language, lab, case=CASE, highlight="inline")
        assert _direct_run_formatting(path) == [], language
        with zipfile.ZipFile(path) as archive:
            body = archive.read("word/document.xml").decode()
        assert not re.search(r"<w:(sz|b|rFonts|color|highlight|shd)\b", body.split("<w:sectPr")[0])


def test_the_template_defines_every_style_the_writer_names():
    template = Document(str(S.TEMPLATE))
    kinds = {s.name: s.type for s in template.styles}
    for names, kind in ((S.PARAGRAPH_STYLES, WD_STYLE_TYPE.PARAGRAPH), (S.CHARACTER_STYLES, WD_STYLE_TYPE.CHARACTER),
                        (S.TABLE_STYLES, WD_STYLE_TYPE.TABLE)):
        for name in names:
            assert kinds.get(name) == kind, name
    assert [el.tag for el in template.element.body] == [qn("w:sectPr")]      # an empty body
    normal = template.styles[S.NORMAL].element.rPr
    assert normal.rFonts.get(qn("w:eastAsia")) == "Noto Serif CJK SC" and template.styles[S.NORMAL].font.size.pt == 12
    assert template.styles[S.TITLE].element.rPr.rFonts.get(qn("w:eastAsia")) == "Noto Sans CJK SC"
    assert template.styles[S.HEADING].paragraph_format.keep_with_next
    assert template.styles[S.LEAD].paragraph_format.keep_with_next      # an intro stays with its table
    assert template.styles[S.UNCERTAIN].element.rPr.find(qn("w:shd")) is not None
    assert template.styles[S.KEY_FACT].element.rPr.find(qn("w:shd")) is not None


def test_the_committed_template_is_what_the_builder_makes():
    import importlib.util

    from pipeline.config import ROOT

    spec = importlib.util.spec_from_file_location("make_template", ROOT / "tools" / "make_template.py")
    builder = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(builder)
    assert builder.template_bytes() == S.TEMPLATE.read_bytes(), "run tools/make_template.py and commit the result"


def test_styles_not_code_carry_the_look_of_the_key_facts_index(tmp_path):
    _, doc = make_docx(tmp_path)
    index = doc.tables[3]
    assert {p.style.name for c in index.rows[0].cells for p in c.paragraphs} == {S.TABLE_HEADING}
    assert [p.style.name for p in index.rows[1].cells[4].paragraphs] == [S.TABLE_TEXT]   # no rule in the court copy
    assert ADMIT in index.rows[1].cells[3].text
    quote = [(r.text, r.style.name) for p in index.rows[1].cells[3].paragraphs for r in p.runs]
    assert quote == [("我承认", S.STRONG), ("借了你", "Default Paragraph Font"), ("五万块钱", S.STRONG),
                     ("。", "Default Paragraph Font")]                  # the words that matched, in Strong
    path = tmp_path / "counsel.docx"
    write_docx(path, content(), COUNSEL)
    counsel = next(t for t in Document(str(path)).tables if t.rows[0].cells[1].text == "行号")
    assert [p.style.name for p in counsel.rows[1].cells[4].paragraphs] == [S.TABLE_TEXT, S.TABLE_NOTE, S.TABLE_NOTE]


def test_the_court_copy_is_a_draft_until_every_line_is_reviewed_and_a_reviewer_named(tmp_path):
    """Issue 20, item 1: the draft mark on every page (header), under the title (why) and in the declaration,
    until every line is reviewed or corrected and a reviewer is named; then none of it. The working copy is never
    marked a draft (it is never filed)."""
    from pipeline.artifacts import Status

    lab = labelled()
    done = dataclasses.replace(lab, items=tuple(dataclasses.replace(u, status=Status.REVIEWED if i else
                                                                    Status.CORRECTED)
                                                for i, u in enumerate(lab.items)))
    half = dataclasses.replace(done, items=(dataclasses.replace(done.items[0], status=Status.MACHINE),
                                            *done.items[1:]))
    named = CaseConfig(reviewed_by="李律师")
    total = len(lab.items)
    for language, the, case, reason in (
            ("zh", half, named, f"草稿：尚有 1 句（共 {total} 句）未记录人工核对。"),
            ("zh", done, CaseConfig(), "草稿：核对人尚未写明。"),
            ("zh", lab, CaseConfig(), f"草稿：尚有 {total} 句（共 {total} 句）未记录人工核对；核对人尚未写明。"),
            ("en", half, named, f"DRAFT: 1 of {total} lines have no recorded review."),
            ("zh", done, named, ""),
            ("en", done, named, "")):
        _, doc = make_docx(tmp_path, language, lab=the, case=case)
        header = [p.text for p in doc.sections[0].header.paragraphs]
        title, under = doc.paragraphs[0].text, doc.paragraphs[1].text
        made = next(p.text for p in flow_paragraphs(doc) if p.text.startswith(("本整理稿根据", "This transcript was made")))
        mark = load_wording(language)["header"]["draft"]
        if reason:
            assert header[0] == f"\t{mark}" and under.startswith(reason), (language, under)
            assert made.endswith(("不得作为正式整理稿提交。", "not to be filed as the transcript."))
        else:
            assert mark not in "".join(header) and not under.startswith(("草稿", "DRAFT")), under
            assert "草稿" not in made and "DRAFT" not in made
        assert title in ("录音文字整理稿", "Transcript of Audio Recording")
        counsel = write_docx(tmp_path / "c.docx", content(language, lab=the, case=case), COUNSEL)
        assert counsel is None and mark not in "".join(p.text for p in Document(str(tmp_path / "c.docx"))
                                                       .sections[0].header.paragraphs)


def test_the_documents_name_the_program_that_made_them_not_the_templates(tmp_path):
    """The template's docProps/app.xml said Microsoft Macintosh Word 14.0 and Normal.dotm: a false origin."""
    for copy in ("court", COUNSEL):
        write_docx(tmp_path / f"{copy}.docx", content(), copy)
        with zipfile.ZipFile(tmp_path / f"{copy}.docx") as archive:
            app = archive.read("docProps/app.xml").decode("utf-8")
        assert "<Application>exhibit</Application>" in app and "Word" not in app and "Normal.dotm" not in app


def test_every_tag_the_file_carries_is_shown_to_counsel_and_none_to_the_court_unless_chosen(tmp_path):
    tags = {"creation_time": "2024-06-25T02:00:00Z", "encoder": "Adobe Audition 14.0 (Macintosh)",
            "title": "录音0618", "comment": "edited"}
    made = content(audio=dataclasses.replace(asset(), tags=tags))
    write_docx(tmp_path / "court.docx", made)
    write_docx(tmp_path / "counsel.docx", made, COUNSEL)
    court, counsel = (docx_text(tmp_path / f"{copy}.docx") for copy in ("court", "counsel"))
    for said in ("Adobe Audition", "录音0618", "comment: edited", "2024年6月25日"):
        assert said not in court and said in counsel, said
    rows = {r.cells[0].text: r.cells[1].text for t in Document(str(tmp_path / "counsel.docx")).tables
            for r in t.rows if len(r.cells) == 3}
    assert rows["元数据中的其他标签"] == "不披露" and rows["元数据中的设备及软件信息"] == "不披露"
