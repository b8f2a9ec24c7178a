"""The case kept with the recording (issue 20, item 5): out/<name>/case.toml written by the first run, read by
every later run, updated (and said) when a detail is given again; configs/case.toml only the defaults of a new
folder; a case file written for another recording refused. Real runs on two seconds of faint noise."""

from __future__ import annotations

import tomllib
from pathlib import Path

import numpy as np
import pytest

from conftest import docx_text
from pipeline import casefile
from pipeline.audio import write_wav
from pipeline.config import CaseConfig, Settings
from pipeline.errors import ConfigError, PipelineError
from pipeline.runner import run

pytestmark = pytest.mark.integration


def _recording(path: Path, seed: int = 0) -> Path:
    write_wav(path, (np.random.default_rng(seed).standard_normal(32000) * 0.001).astype(np.float32))
    return path


def _given(**details: str) -> Settings:
    return Settings(case=CaseConfig(**details))


def test_the_case_given_once_stays_with_the_recording_and_a_new_value_is_said(tmp_path):
    source, out = _recording(tmp_path / "借款录音.wav"), tmp_path / "out" / "借款录音"
    run(source, out, _given(exhibit_number="证据3", submitting_party="原告 李四", case_name="李四诉王五民间借贷纠纷"))
    kept = tomllib.loads((out / "case.toml").read_text(encoding="utf-8"))
    assert kept["exhibit_number"] == "证据3" and kept["submitting_party"] == "原告 李四"
    assert kept["recording_sha256"] == casefile.sha256_file(source)

    again = run(source, out, Settings())          # a later run given nothing: every detail still there
    assert again.case_changes == ()
    assert again.settings.case.exhibit_number == "证据3"
    text = docx_text(out / "借款录音.docx")
    assert "证据3" in text and "原告 李四" in text and "李四诉王五民间借贷纠纷" in text

    changed = run(source, out, _given(exhibit_number="证据4"))
    assert changed.case_changes == (casefile.Change("exhibit_number", "证据3", "证据4"),)
    assert "证据4" in docx_text(out / "借款录音.docx") and "证据3" not in docx_text(out / "借款录音.docx")
    assert tomllib.loads((out / "case.toml").read_text(encoding="utf-8"))["case_name"] == "李四诉王五民间借贷纠纷"
    assert changed.manifest.outputs["case.toml"] == casefile.sha256_file(out / "case.toml")


def test_a_detail_cleared_in_the_folders_case_file_stays_cleared(tmp_path):
    source, out = _recording(tmp_path / "a.wav"), tmp_path / "a"
    run(source, out, _given(recorded_place="北京市朝阳区", exhibit_number="证据1"))
    path = out / "case.toml"
    path.write_text(path.read_text(encoding="utf-8").replace('"北京市朝阳区"', '""'), encoding="utf-8")
    result = run(source, out, Settings())
    assert result.settings.case.recorded_place == "" and result.settings.case.exhibit_number == "证据1"
    assert "北京市朝阳区" not in docx_text(out / "a.docx")


def test_the_shipped_defaults_reach_only_new_folders(tmp_path, monkeypatch):
    defaults = tmp_path / "defaults.toml"
    defaults.write_text('case_name = "甲案"\nsubmitting_party = "原告 甲"\n', encoding="utf-8")
    monkeypatch.setattr(casefile, "DEFAULTS", defaults)
    first = _recording(tmp_path / "first.wav", 1)
    run(first, tmp_path / "first", _given(exhibit_number="证据1"))
    defaults.write_text('case_name = "乙案"\n', encoding="utf-8")          # the defaults now another case's
    second = _recording(tmp_path / "second.wav", 2)
    run(second, tmp_path / "second", Settings())
    assert run(first, tmp_path / "first", Settings()).settings.case.case_name == "甲案"   # not 乙案
    assert "乙案" in docx_text(tmp_path / "second" / "second.docx")
    assert "甲案" not in docx_text(tmp_path / "second" / "second.docx")


def test_a_case_file_written_for_another_recording_is_refused(tmp_path):
    one, other = _recording(tmp_path / "one.wav", 1), _recording(tmp_path / "other.wav", 2)
    run(one, tmp_path / "one", _given(case_name="甲案"))
    target = tmp_path / "other"
    target.mkdir()
    (target / "case.toml").write_bytes((tmp_path / "one" / "case.toml").read_bytes())
    with pytest.raises(PipelineError, match=r"case.toml was written for another recording \(sha256 [0-9a-f]{12}…\)"):
        run(other, target, Settings())
    assert sorted(p.name for p in target.iterdir() if p.name != ".lock") == ["case.toml"]


def test_a_bad_value_in_the_folders_case_file_is_one_line_naming_it(tmp_path):
    source, out = _recording(tmp_path / "a.wav"), tmp_path / "a"
    run(source, out, Settings())
    path = out / "case.toml"
    path.write_text(path.read_text(encoding="utf-8").replace('time_zone = ""', 'time_zone = "Mars/Olympus"'),
                    encoding="utf-8")
    with pytest.raises(ConfigError, match=rf"^{path}: time zone 'Mars/Olympus' is not a zone name "):
        run(source, out, Settings())


def test_a_case_file_of_another_recording_given_with_case_is_refused(tmp_path):
    """Hostile test of issue 20: --case out/<other>/case.toml applied another recording's case and re-bound it."""
    one, other = _recording(tmp_path / "one.wav", 1), _recording(tmp_path / "other.wav", 2)
    run(one, tmp_path / "one", _given(case_name="秘密案件B", exhibit_number="证据7"))
    given = tmp_path / "one" / "case.toml"
    with pytest.raises(PipelineError, match=r"one/case.toml was written for another recording \(sha256 "):
        run(other, tmp_path / "other", Settings(case=casefile.case_from_file(given)), case_file=given)
    assert not (tmp_path / "other").exists()
    again = run(one, tmp_path / "one", Settings(case=casefile.case_from_file(given)), case_file=given)
    assert again.settings.case.case_name == "秘密案件B"          # its own recording: fine
    with pytest.raises(PipelineError, match="a batch's case file names none"):
        casefile.refuse_for_batch(given)


def test_a_batch_run_says_what_it_changed_in_a_recordings_case(tmp_path):
    """Hostile test of issue 20: a batch re-run with --case replaced a recording's own exhibit number silently."""
    from pipeline.batch import Job, process

    source, out = _recording(tmp_path / "a.wav"), tmp_path / "out" / "a"
    run(source, out, _given(exhibit_number="证据10"))
    outcome = process(Job(source, out, 2.0), _given(exhibit_number="证据3"))
    assert outcome.status == "ok" and outcome.case_changes == (casefile.Change("exhibit_number", "证据10", "证据3"),)
