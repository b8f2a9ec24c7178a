"""The whole path on the README's sample, with the real models: exhibit, CSV edit, re-run, integrity."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

import pytest
from docx import Document

from conftest import ROOT
from pipeline.config import load_settings
from pipeline.csvio import read_csv, write_csv
from pipeline.runner import run

pytestmark = pytest.mark.integration
SAMPLE = ROOT / "samples" / "zh_five_speakers.wav"


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def docx_text(path: Path) -> str:
    doc = Document(str(path))
    parts = [p.text for p in doc.paragraphs]
    parts += [cell.text for table in doc.tables for row in table.rows for cell in row.cells]
    return "\n".join(parts)


@pytest.fixture(scope="module")
def first(tmp_path_factory):
    out = tmp_path_factory.mktemp("run") / SAMPLE.stem
    before = sha256(SAMPLE)
    result = run(SAMPLE, out, load_settings())
    return before, out, result


def test_first_run_writes_the_exhibit_and_its_companions(first):
    before, out, result = first
    names = {p.name for p in out.iterdir()}
    assert {"zh_five_speakers.docx", "transcript.csv", "key_facts.csv", "zh_five_speakers.srt",
            "zh_five_speakers.json", "manifest.json", "speakers.csv"} <= names
    text = docx_text(out / "zh_five_speakers.docx")
    assert before in text and hashlib.md5(SAMPLE.read_bytes()).hexdigest() in text
    assert "语音识别模型" in text and "每一天都要快乐" in text
    assert re.search(r"\[00:00:0[4-6]\] 说话人\d：欢迎大家来体验", text), text
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    for name, digest in manifest["outputs"].items():
        assert sha256(out / name) == digest
    assert manifest["original_sha256_before"] == manifest["original_sha256_after"] == before == sha256(SAMPLE)


def test_each_voice_is_its_own_speaker_in_speakers_csv(first):
    _, out, result = first
    header, rows = read_csv(out / "speakers.csv")
    assert header[:3] == ["speaker_id", "name", "role"]
    assert len(rows) == 5, rows
    samples = " ".join(r["sample"] for r in rows)
    assert "欢迎大家来体验" in samples and "希望你以后" in samples


def test_rerun_after_naming_speakers_only_rerenders(first):
    before, out, _ = first
    header, rows = read_csv(out / "speakers.csv")
    named = {rows[0]["speaker_id"]: ("张三", "被告"), rows[1]["speaker_id"]: ("李四", "原告")}
    write_csv(out / "speakers.csv", header,
              [[r["speaker_id"], *named.get(r["speaker_id"], ("", "")), *list(r.values())[3:]] for r in rows])
    result = run(SAMPLE, out, load_settings())
    ran = {rec.stage: rec.ran for rec in result.manifest.stages}
    assert ran == {"ingest": False, "transcribe": False, "diarize": False, "merge": False, "label": True,
                   "facts": True, "export": True}
    text = docx_text(out / "zh_five_speakers.docx")
    assert re.search(r"\[00:00:00\] 张三（被告）：广州市", text), text
    assert "李四（原告）：欢迎大家来体验" in text
    assert "张三" in {s.label for s in result.labelled.speakers}
    assert sha256(SAMPLE) == before
