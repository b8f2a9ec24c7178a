"""The export writers on hand-built artifacts (no models): Word exhibit, CSV tables, subtitles, JSON, manifest."""

from __future__ import annotations

import csv
import dataclasses
import hashlib
import io
import json
import re
import tomllib
import zipfile
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from docx import Document
from docx.oxml.ns import qn

from builders import (
    ADMIT,
    MD5,
    MODEL_SHA,
    MODELS,
    OVERLAP,
    PROCESSED,
    SHA,
    _words,
    content,
    facts,
    labelled,
    make_docx,
    transcript,
)
from pipeline.artifactio import from_dict, to_dict
from pipeline.artifacts import Fact, Facts, Labelled, RunManifest, StageRecord, Utterance
from pipeline.config import CONFIG_DIR
from pipeline.errors import ConfigError
from pipeline.export.word import COUNSEL, human_size, write_docx
from pipeline.export.json import write_json
from pipeline.export.manifest import read_manifest, software_versions, write_manifest
from pipeline.export.srt import write_srt
from pipeline.export.tables import KEY_FACTS_HEADER, TRANSCRIPT_HEADER, write_key_facts_csv, write_transcript_csv
from pipeline.export.wording import load_wording
from pipeline.fileio import sha256_file
from pipeline.text.rules import CATEGORIES

# ------------------------------------------------------------------------------------------------ docx


def line_text(text: str) -> str:
    """A transcript line as python-docx reads it, without its line number: `[00:00:12]\t张三（被告）：…`."""
    return text.split("\t", 2)[2] if text.count("\t") >= 2 else text


def paragraphs(doc) -> list[str]:
    return [p.text for p in doc.paragraphs]


def table_rows(table) -> list[list[str]]:
    return [[cell.text for cell in row.cells] for row in table.rows]


def test_docx_header_table_carries_the_file_particulars_and_hashes(tmp_path):
    _, doc = make_docx(tmp_path)
    info = dict(table_rows(doc.tables[0]))
    assert info["文件名称"] == "借款录音.m4a"
    assert info["SHA-256 校验值"] == SHA and info["MD5 校验值"] == MD5
    assert info["文件大小"] == "1,572,864 字节（1.5 MB）"
    assert info["录音时长"] == "00:01:35.2"
    assert info["文件格式"] == "QuickTime / MOV；aac 编码；采样率 44100 Hz；2 声道；码率 128 kbps"
    assert info["语音识别模型"] == "base（SHA-256 前 16 位：c0ffee1111111111）"
    assert info["说话人区分方法"] == "pyannote-segmentation-3.0+campplus"
    assert info["时区"] == "北京时间（UTC+08:00）；本文件中的日期时间均按此时区"      # the one zone, said once
    assert info["整理时间"] == "2025年3月6日 14:30"
    assert info["识别语言"] == "中文（zh，置信度 0.97）"
    assert "模型文件 SHA-256" not in info          # every model file and its sha256: the method section
    # the file's own dates and tags: counsel's to disclose ([export] court_discloses), in the working copy always
    assert "元数据创建时间" not in info and "文件修改时间" not in info
    write_docx(tmp_path / "c.docx", content(), COUNSEL)
    counsel = dict(table_rows(next(t for t in Document(str(tmp_path / "c.docx")).tables
                                   if t.rows[0].cells[0].text == "文件名称")))
    assert counsel["元数据创建时间"] == "2025年3月5日 20:00:00"        # 12:00 UTC, in Beijing time
    assert counsel["文件修改时间"] == "2025年3月5日 20:14:03"
    assert counsel["时区"] == info["时区"]


def test_docx_sections_come_in_order_title_first(tmp_path):
    _, doc = make_docx(tmp_path)
    texts = paragraphs(doc)
    assert texts[0] == "录音文字整理稿" and doc.paragraphs[0].style.name == "Title"
    headings = [p.text for p in doc.paragraphs if p.style.name == "Heading 1"]
    assert headings[:5] == ["一、录音文件信息", "二、说话人", "三、标注说明", "四、录音内容", "五、关键内容索引"]
    assert headings[5:] == ["六、录音覆盖情况", "七、整理方法", "八、声明"]    # the integrity points: counsel's
    body = [el.tag.split("}")[1] for el in doc.element.body]
    assert texts[1].startswith("草稿：")         # not every line reviewed: a draft, said under the title
    assert body[:7] == ["p", "p", "p", "tbl", "p", "p", "tbl"]   # title, draft, heading, file table, heading, lead,
                                                                 # parties


def test_docx_transcript_lines_are_exact_and_plain(tmp_path):
    _, doc = make_docx(tmp_path)
    lines = [p for p in doc.paragraphs if p.style.name == "Transcript Line"]
    assert [p.text for p in lines] == ["\t1\t[00:00:12]\t张三（被告）：我承认借了你五万块钱。",
                                       "\t2\t[00:01:02]\t[重叠] 说话人2：你什么时候还？"]
    assert all(run.bold is not True and run.italic is not True and run.underline is not True
               for p in lines for run in p.runs)


def test_docx_legend_names_every_speaker(tmp_path):
    _, doc = make_docx(tmp_path)
    rows = table_rows(doc.tables[1])
    assert rows[0] == ["编号", "姓名（提交人指认）", "身份", "指认依据", "发言时长", "首次发言"]
    assert rows[1] == ["说话人1", "张三", "被告", "—", "00:00:02.5", "00:00:12"]
    assert rows[2] == ["说话人2", "—", "—", "—", "00:00:01.8", "00:01:02"]
    intro = doc.paragraphs[[p.text for p in doc.paragraphs].index("二、说话人") + 1].text
    assert "由提交人提供" in intro and "软件未作核实" in intro
    basis = dataclasses.replace(labelled(), speakers=(dataclasses.replace(labelled().speakers[0],
                                                                         identified_by="来电号码 138xxxx"),
                                                      labelled().speakers[1]))
    _, doc = make_docx(tmp_path, lab=basis)
    assert table_rows(doc.tables[1])[1][3] == "来电号码 138xxxx"


def test_docx_facts_index_has_one_row_per_line_with_its_number_categories_and_values(tmp_path):
    _, doc = make_docx(tmp_path)
    table = doc.tables[3]
    rows = table_rows(table)
    assert rows[0] == ["时间", "行号", "说话人", "原话", "类别", "规范值"]
    assert rows[1:] == [["00:00:12", "1", "张三（被告）", ADMIT, "承认、金额", "人民币 50,000 元"]]   # one row, both
    strong = ["".join(r.text for r in p.runs if r.style.name == "Strong") for p in table.rows[1].cells[3].paragraphs]
    assert strong == ["我承认五万块钱"]                                 # every matched stretch in bold
    assert table.rows[0]._tr.trPr.find(qn("w:tblHeader")) is not None
    assert all(row._tr.trPr.find(qn("w:cantSplit")) is not None for row in table.rows)   # no row split


def test_docx_sets_a_serif_east_asian_body_face_that_word_can_replace(tmp_path):
    path, doc = make_docx(tmp_path)
    fonts = doc.styles["Normal"].element.rPr.rFonts
    assert fonts.get(qn("w:eastAsia")) == "Noto Serif CJK SC" and fonts.get(qn("w:ascii")) == "Times New Roman"
    heading_fonts = doc.styles["Heading 1"].element.rPr.rFonts
    assert heading_fonts.get(qn("w:eastAsia")) == "Noto Sans CJK SC" and heading_fonts.get(qn("w:asciiTheme")) is None
    with zipfile.ZipFile(path) as archive:
        table = archive.read("word/fontTable.xml").decode()
    assert re.search(r'w:name="Noto Serif CJK SC">\s*<w:altName w:val="宋体,SimSun"/>', table)   # Word without Noto
    assert doc.styles["Normal"].element.rPr.find(qn("w:lang")).get(qn("w:eastAsia")) == "zh-CN"


def test_docx_in_english(tmp_path):
    lab = labelled("en", "John Smith", "Defendant")
    _, doc = make_docx(tmp_path, "en", lab)
    texts = paragraphs(doc)
    assert texts[0] == "Transcript of Audio Recording"
    lines = [line_text(p.text) for p in doc.paragraphs if p.style.name == "Transcript Line"]
    assert lines == ["[00:00:12]\tJohn Smith (Defendant): 我承认借了你五万块钱。",
                     "[00:01:02]\t[overlapping] Speaker 2: 你什么时候还？"]
    info = dict(table_rows(doc.tables[0]))
    assert info["SHA-256"] == SHA and info["File size"] == "1,572,864 bytes (1.5 MB)"
    assert table_rows(doc.tables[3])[0] == ["Time", "Line", "Speaker", "Quote", "Category", "Normalised value"]
    assert table_rows(doc.tables[3])[1][4:] == ["Admission, Amount", "CNY 50,000"]
    headings = [p.text for p in doc.paragraphs if p.style.name == "Heading 1"]
    assert headings[:5] == ["1. The recording", "2. Speakers", "3. Notation", "4. Transcript",
                            "5. Index of key content"]
    wording = "\n".join(texts + [c for t in doc.tables for r in table_rows(t) for c in r])
    for zh in ("录音文字整理稿", "重叠", "说明", "校验值", "字节", "提交人", "录音时间"):
        assert zh not in wording


def test_docx_without_facts_or_speech_says_so(tmp_path):
    empty = Labelled(language="zh", speakers=(), items=())
    _, doc = make_docx(tmp_path, lab=empty, found=Facts(items=()))
    texts = paragraphs(doc)
    assert "（录音中没有识别出语音。）" in texts and "未按规则标出关键内容。" in texts
    assert len(doc.inline_shapes) == 0
    # the working copy's checklist: every element "not found"
    path = tmp_path / "counsel.docx"
    write_docx(path, content(lab=empty, found=Facts(items=())), COUNSEL)
    checklist = next(t for t in Document(str(path)).tables if table_rows(t)[0] == ["要素", "录音中的时间"])
    assert [r[1] for r in table_rows(checklist)[1:]] == ["未发现"] * 5


def test_docx_rejects_an_unknown_language(tmp_path):
    with pytest.raises(ConfigError, match="fr"):
        make_docx(tmp_path, "fr")
    assert list(tmp_path.iterdir()) == []


def test_docx_is_written_whole_with_no_temp_file_left(tmp_path):
    path, doc = make_docx(tmp_path)
    assert [p.name for p in tmp_path.iterdir()] == [path.name]
    with zipfile.ZipFile(path) as archive:
        assert archive.testzip() is None and not any("thumbnail" in n for n in archive.namelist())
    assert doc.core_properties.title == "录音文字整理稿 借款录音.m4a"
    assert doc.core_properties.created == datetime(2025, 3, 6, 6, 30, tzinfo=timezone.utc)


def test_docx_is_byte_identical_for_the_same_inputs_and_processed_time(tmp_path, monkeypatch):
    """Reproducible: two runs in different seconds (and a processed time given to the second, not the minute)
    give the same sha256; every zip entry carries the processed time, core properties are fixed by it."""
    import time as time_module

    first, second = tmp_path / "a", tmp_path / "b"
    first.mkdir(), second.mkdir()
    a, _ = make_docx(first)
    real = time_module.time()
    monkeypatch.setattr(time_module, "time", lambda: real + 3671.0)   # zipfile stamps entries with time.time()
    write_docx(second / a.name, content(processed=PROCESSED.replace(second=42, microsecond=7)))
    monkeypatch.undo()
    digest = [hashlib.sha256(p.read_bytes()).hexdigest() for p in (a, second / a.name)]
    assert digest[0] == digest[1]
    with zipfile.ZipFile(a) as archive:
        names = archive.namelist()
        assert names[0] == "[Content_Types].xml" and names[1:] == sorted(names[1:])
        assert {i.date_time for i in archive.infolist()} == {(2025, 3, 6, 6, 30, 0)}
        core = archive.read("docProps/core.xml").decode()
    for field in ("created", "modified"):
        assert f"<dcterms:{field} xsi:type=\"dcterms:W3CDTF\">2025-03-06T06:30:00Z</dcterms:{field}>" in core
    assert "<cp:lastPrinted>2025-03-06T06:30:00Z</cp:lastPrinted>" in core
    assert "<cp:revision>1</cp:revision>" in core and "<dc:creator>exhibit</dc:creator>" in core
    assert "python-docx" not in core
    assert any(n.startswith("word/media/") for n in names)        # the timeline picture is in it
    later = tmp_path / "later.docx"
    write_docx(later, content(processed=PROCESSED + timedelta(days=1)))
    assert hashlib.sha256(later.read_bytes()).hexdigest() != digest[0]   # another processed date: other bytes


def test_wording_files_have_the_same_keys_and_name_every_category():
    def keys(data, prefix=""):
        out = set()
        for k, v in data.items():
            out |= keys(v, f"{prefix}{k}.") if isinstance(v, dict) else {prefix + k}
        return out

    zh, en = (tomllib.loads((CONFIG_DIR / f"exhibit_{lang}.toml").read_text("utf-8")) for lang in ("zh", "en"))
    assert keys(zh) == keys(en)
    assert set(zh["categories"]) == set(en["categories"]) == set(CATEGORIES)
    assert "notes" not in zh and "fonts" not in zh          # the notation key says it; styles are in the template
    assert load_wording("zh")["title"] == "录音文字整理稿"


def test_human_size():
    assert [human_size(n) for n in (512, 1536, 1_572_864, 3 * 1024**3)] == ["512 B", "1.5 KB", "1.5 MB", "3.0 GB"]


# ------------------------------------------------------------------------------------------------- csv


def read_back(path: Path) -> tuple[bytes, list[list[str]]]:
    data = path.read_bytes()
    return data, list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))


def test_transcript_csv_reads_back_with_columns_and_chinese(tmp_path):
    path = tmp_path / "transcript.csv"
    write_transcript_csv(path, labelled(), "zh")
    data, rows = read_back(path)
    assert data.startswith(b"\xef\xbb\xbf")
    assert rows[0] == TRANSCRIPT_HEADER == ["index", "id", "start", "end", "start_hms", "speaker_id", "speaker",
                                            "role", "text", "status", "flags", "machine_text", "machine_speaker_id",
                                            "conflict"]
    assert rows[1] == ["1", "u0001", "12.700", "15.200", "00:00:12", "SPEAKER_00", "张三", "被告", ADMIT, "machine",
                       "", ADMIT, "SPEAKER_00", ""]
    assert rows[2] == ["2", "u0002", "62.500", "64.300", "00:01:02", "SPEAKER_01", "说话人2", "", OVERLAP, "machine",
                       "overlap;low_confidence", OVERLAP, "SPEAKER_01", ""]


def test_key_facts_csv_reads_back(tmp_path):
    path = tmp_path / "key_facts.csv"
    write_key_facts_csv(path, labelled(), facts(), "zh")
    _, rows = read_back(path)
    assert rows[0] == KEY_FACTS_HEADER == ["fact_id", "time", "start", "speaker", "text", "category", "matched",
                                           "value", "rule_id", "explanation", "note"]
    assert rows[1] == ["u0001-admission-0", "00:00:12", "12.700", "张三（被告）", ADMIT, "admission", "我承认", "",
                       "zh-admission-explicit", "明确承认", ""]
    start = ADMIT.index("五万块钱")
    assert rows[2] == [f"u0001-amount-{start}", "00:00:12", "12.700", "张三（被告）", ADMIT, "amount", "五万块钱",
                       "50000 CNY", "zh-amount", "金额", ""]


# a date worked out from the recording date (下个月十五号, recorded on 2024-06-18) and the same date said outright
PROMISE = "我下个月十五号之前一定把钱还给你。"
WRITTEN = "借条写的是2024年7月15日。"


def dated() -> tuple[Labelled, Facts]:
    items = (Utterance("u0001", "SPEAKER_00", 12.7, 15.2, PROMISE, _words(PROMISE, 12.7, 15.2)),
             Utterance("u0002", "SPEAKER_01", 62.5, 64.3, WRITTEN, _words(WRITTEN, 62.5, 64.3)))
    said, written = PROMISE.index("下个月"), WRITTEN.index("2024")
    found = Facts(items=(
        Fact("u0001", 12.7, "SPEAKER_00", "date", "zh-date-relative", (said, said + 8), "下个月十五号之前",
             "2024-07-15", "相对日期", computed=True),
        Fact("u0002", 62.5, "SPEAKER_01", "date", "zh-date-absolute", (written, written + 10), "2024年7月15日",
             "2024-07-15", "日期"),
    ))
    return dataclasses.replace(labelled(), items=items), found


@pytest.mark.parametrize("language, computed, said", [("zh", "2024年7月15日（推算）", "2024年7月15日"),
                                                      ("en", "2024-07-15 (computed)", "2024-07-15")])
def test_the_index_marks_a_date_worked_out_from_the_recording_date(tmp_path, language, computed, said):
    lab, found = dated()
    _, doc = make_docx(tmp_path, language, lab, found)
    value = load_wording(language)["facts"]["value"]
    (index,) = [t for t in doc.tables if table_rows(t)[0][-1] == value]
    assert [row[-1] for row in table_rows(index)[1:]] == [computed, said]


@pytest.mark.parametrize("language, computed", [("zh", "2024-07-15（推算）"), ("en", "2024-07-15 (computed)")])
def test_key_facts_csv_marks_a_date_worked_out_from_the_recording_date(tmp_path, language, computed):
    lab, found = dated()
    write_key_facts_csv(tmp_path / "key_facts.csv", lab, found, language)
    _, rows = read_back(tmp_path / "key_facts.csv")
    value = rows[0].index("value")
    assert [(r[0], r[value]) for r in rows[1:]] == [("u0001-date-1", computed), ("u0002-date-5", "2024-07-15")]


def test_the_facts_artifact_keeps_whether_a_date_was_computed():
    _, found = dated()
    assert [f.computed for f in from_dict(Facts, json.loads(json.dumps(to_dict(found)))).items] == [True, False]


# ------------------------------------------------------------------------------------------------- srt


def test_srt_cues_have_exact_times_and_speaker_prefix(tmp_path):
    path = tmp_path / "a.srt"
    write_srt(path, labelled(), "zh")
    blocks = path.read_text(encoding="utf-8").strip().split("\n\n")
    assert blocks == [
        "1\n00:00:12,700 --> 00:00:15,200\n张三（被告）：我承认借了你五万块钱。",
        "2\n00:01:02,500 --> 00:01:04,300\n[重叠] 说话人2：你什么时候还？",
    ]


def test_srt_in_english_uses_english_punctuation(tmp_path):
    path = tmp_path / "a.srt"
    write_srt(path, labelled("en", "John Smith", ""), "en")
    text = path.read_text(encoding="utf-8")
    assert "\nJohn Smith: 我承认" in text and "\n[overlapping] Speaker 2: 你什么" in text


def test_every_output_follows_the_exhibit_language_not_the_recordings(tmp_path):
    """--doc-language en on a Mandarin recording: English marks and speaker labels in the subtitles, both
    tables, the JSON and the Word exhibit's legend and lines; the Chinese words themselves as said."""
    lab = labelled("zh", "", "")
    write_srt(tmp_path / "a.srt", lab, "en")
    assert "\n[overlapping] Speaker 2: 你什么时候还？" in (tmp_path / "a.srt").read_text(encoding="utf-8")
    write_transcript_csv(tmp_path / "t.csv", lab, "en")
    assert [r[6] for r in read_back(tmp_path / "t.csv")[1][1:]] == ["Speaker 1", "Speaker 2"]
    write_key_facts_csv(tmp_path / "k.csv", lab, facts(), "en")
    assert {r[3] for r in read_back(tmp_path / "k.csv")[1][1:]} == {"Speaker 1"}
    write_json(tmp_path / "a.json", content("en", lab))
    doc = json.loads((tmp_path / "a.json").read_text(encoding="utf-8"))
    assert [s["label"] for s in doc["speakers"]] == ["Speaker 1", "Speaker 2"] and doc["language"] == "zh"
    _, word = make_docx(tmp_path, "en", lab)
    text = "\n".join(paragraphs(word)) + "\n".join(c for t in word.tables for r in table_rows(t) for c in r)
    assert "Speaker 1: 我承认借了你五万块钱。" in text and "Speaker 2" in text
    assert "说话人" not in text and "重叠" not in text


# ------------------------------------------------------------------------------------------------ json


def test_json_round_trips_the_key_fields(tmp_path):
    path = tmp_path / "a.json"
    write_json(path, content())
    raw = path.read_text(encoding="utf-8")
    assert ADMIT in raw                                    # ensure_ascii=False: Chinese as written
    doc = json.loads(raw)
    assert doc["file"]["sha256"] == SHA and doc["file"]["md5"] == MD5 and doc["file"]["file_name"] == "借款录音.m4a"
    assert doc["language"] == "zh"
    assert doc["transcription"]["model_sha256"] == MODEL_SHA
    assert doc["diarization"]["method"] == "pyannote-segmentation-3.0+campplus"
    assert [(s["id"], s["label"], s["role"]) for s in doc["speakers"]] == [("SPEAKER_00", "张三", "被告"),
                                                                          ("SPEAKER_01", "说话人2", "")]
    second = doc["utterances"][1]
    assert second["speaker"] == "说话人2" and second["flags"] == ["overlap", "low_confidence"]
    assert second["words"][1] == {"start": 63.0, "end": 63.6, "text": "什么时候", "raw_text": "什麼時候",
                                  "probability": 0.3}
    assert second["words"][0]["raw_text"] == "你"
    assert doc["transcription"]["segments"][0]["raw_text"] == ADMIT + "你什麼時候還？"
    assert [(f["category"], f["matched"], f["value"], f["span"]) for f in doc["facts"]][0] == \
        ("amount", "五万块钱", "50000 CNY", [6, 10])


# -------------------------------------------------------------------------------------------- manifest


def test_manifest_output_hashes_match_the_files(tmp_path):
    outputs = {"docx": make_docx(tmp_path)[0], "srt": tmp_path / "a.srt"}
    write_srt(outputs["srt"], labelled(), "zh")
    versions = software_versions()
    manifest = RunManifest(
        software=versions, original="/evidence/借款录音.m4a", original_sha256_before=SHA,
        original_sha256_after=SHA, settings={"export": {"doc_language": "auto"}}, models=MODELS,
        stages=(StageRecord("ingest", 1, "k" * 64, True, 0.5, "stages/ingest.json", "d" * 64),),
        outputs={p.name: sha256_file(p) for p in outputs.values()}, created="2025-03-06T14:30:00+00:00")
    path = tmp_path / "manifest.json"
    write_manifest(path, manifest)
    written = json.loads(path.read_text(encoding="utf-8"))
    assert set(written["outputs"]) == {"exhibit_zh.docx", "a.srt"}
    for name, digest in written["outputs"].items():
        assert hashlib.sha256((tmp_path / name).read_bytes()).hexdigest() == digest
    assert read_manifest(path) == manifest
    assert from_dict(RunManifest, written).stages[0].stage == "ingest"


def test_software_versions_names_the_packages_that_made_the_exhibit():
    from importlib import metadata

    versions = software_versions()
    assert versions["python-docx"] == metadata.version("python-docx")
    assert versions["exhibit"] == metadata.version("exhibit")
    assert {"faster-whisper", "ctranslate2", "pyannote.audio", "torch", "python"} <= set(versions)
    assert re.fullmatch(r"3\.11\.\d+", versions["python"])
    assert software_versions(("no-such-package-exhibit",))["no-such-package-exhibit"] == "not installed"


# ---------------------------------------------------------------------------- checklist, notes, highlight


def test_counsel_checklist_gives_each_element_its_times_or_not_found(tmp_path):
    found = Facts(facts().items + (
        Fact("u0002", 62.5, "SPEAKER_01", "threat", "zh-threat-harm", (0, 2), "你什", "", "威胁"),))
    path = tmp_path / "counsel.docx"
    write_docx(path, content(found=found), COUNSEL)
    doc = Document(str(path))
    rows = table_rows(next(t for t in doc.tables if table_rows(t)[0] == ["要素", "录音中的时间"]))
    assert rows[0] == ["要素", "录音中的时间"]
    assert rows[1:] == [
        ["张三（被告）的身份（自报姓名或被称呼姓名）", "未发现"],
        ["说话人2的身份（自报姓名或被称呼姓名）", "未发现"],
        ["日期、时间、地点", "未发现"],
        ["对核心事实的承认", "00:00:12"],
        ["金额", "00:00:12"],
        ["威胁性言语（提示律师：以威胁方法取得的证据可能被排除）", "00:01:02"],
    ]
    assert "二、证据要素核对" in paragraphs(doc)


def test_checklist_counts_self_id_by_the_speaker_and_the_name_entered_for_them():
    from pipeline.export.checklist import checklist

    lab = labelled()
    found = Facts((
        Fact("u0002", 62.5, "SPEAKER_01", "self_id", "zh-self-id", (2, 5), "李建国", "李建国", "自报"),
        Fact("u0002", 62.5, "SPEAKER_01", "name", "party_name", (0, 2), "张三", "张三", "当事人"),
        Fact("u0001", 12.7, "SPEAKER_00", "date", "zh-date", (0, 2), "三月", "三月", "日期"),
    ))
    items = {(i.key, i.subject): i.times for i in checklist(lab, found)}
    assert items[("identity", "SPEAKER_00")] == (62.5,)   # named 张三 (as in speakers.csv) by the other party
    assert items[("identity", "SPEAKER_01")] == (62.5,)   # gave their own name
    assert items[("when_where", "")] == (12.7,) and items[("threat", "")] == ()


def test_the_users_note_is_under_the_quote_in_the_working_copy_only(tmp_path):
    noted = Facts(tuple(dataclasses.replace(f, note="借条原件见证据2") if f.category == "amount" else f
                        for f in facts().items))
    _, court = make_docx(tmp_path, found=noted)
    assert table_rows(court.tables[3])[1][3] == ADMIT
    path = tmp_path / "counsel.docx"
    write_docx(path, content(found=noted), COUNSEL)
    index = next(t for t in Document(str(path)).tables if table_rows(t)[0][:2] == ["时间", "行号"])
    row = table_rows(index)[1]
    assert row[3] == ADMIT + "\n备注：借条原件见证据2"
    assert row[4] == "承认、金额\n承认：明确承认（规则 zh-admission-explicit）\n金额：金额（规则 zh-amount）"


def _shaded(doc) -> list[str]:
    return [r.text for p in doc.paragraphs if p.style.name == "Transcript Line" for r in p.runs
            if r.style.name == "Key Fact"]


def test_transcript_body_is_plain_by_default_and_shaded_inline_on_request(tmp_path):
    _, plain = make_docx(tmp_path)
    assert _shaded(plain) == []
    assert not any(r.bold for p in plain.paragraphs if p.style.name == "Transcript Line" for r in p.runs)
    path = tmp_path / "inline.docx"
    write_docx(path, content(highlight="inline"))
    doc = Document(str(path))
    assert _shaded(doc) == ["我承认", "五万块钱"]
    line = next(p for p in doc.paragraphs if "[00:00:12]" in p.text and p.style.name == "Transcript Line")
    assert line_text(line.text) == "[00:00:12]\t张三（被告）：" + ADMIT and not any(r.bold for r in line.runs)
    with pytest.raises(ConfigError, match="highlight must be one of none, inline"):
        write_docx(tmp_path / "x.docx", content(highlight="bold"))


def test_json_gives_the_value_of_each_number_said_and_keeps_the_spoken_text(tmp_path):
    path = tmp_path / "a.json"
    write_json(path, content())
    first = json.loads(path.read_text(encoding="utf-8"))["utterances"][0]
    assert first["text"] == ADMIT                                   # 五万块钱 as said
    at = ADMIT.index("五万块钱")
    assert first["numbers"] == [{"said": "五万块钱", "span": [at, at + 4], "value": "50000", "currency": "CNY"}]


@pytest.mark.parametrize("language, shown", [("zh", "无：录音中未识别出语音"),
                                             ("en", "none: no speech was recognised in the recording")])
def test_silence_is_said_to_hold_no_speech_not_to_be_a_language(language, shown):
    """Issue 19: Whisper names a language with a confidence even for silence or noise (English, 0.63): a
    recording in which no word was recognised is said to have none."""
    from pipeline.export.wording import load_wording
    from pipeline.export.word.recording import recording_rows

    silent = dataclasses.replace(content(language), transcript=dataclasses.replace(transcript(), segments=()))
    rows = dict(recording_rows(silent, load_wording(language)))
    assert rows["language"] == shown
    heard = dict(recording_rows(content(language), load_wording(language)))["language"]
    assert "0.97" in heard and "zh" in heard                     # a recording with words keeps its language


@pytest.mark.parametrize("language, shown", [("zh", "中文（zh，运行时指定，未经软件识别）"),
                                             ("en", "Chinese (zh, given for the run, not detected)")])
def test_a_language_given_for_the_run_is_said_to_be_given_with_no_confidence(language, shown):
    """A language chosen for the run (--language, the app's spoken-language choice) was not detected: the
    particulars say so, and state no confidence nobody measured."""
    from pipeline.config import TranscribeConfig
    from pipeline.export.wording import load_wording
    from pipeline.export.word.recording import recording_rows

    made = content(language)
    given = dataclasses.replace(made, settings=dataclasses.replace(made.settings,
                                                                   transcribe=TranscribeConfig(language="zh")))
    assert dict(recording_rows(given, load_wording(language)))["language"] == shown
