"""exhibit batch: a folder of real clips (and one file that is not a recording) on a local Ray, as a user runs
it; which files it takes and where each goes (no models)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ROOT, eval_file
from pipeline.batch import jobs
from pipeline.csvio import read_csv
from pipeline.errors import PipelineError
from pipeline.fileio import sha256_file


def test_every_recording_of_the_folder_is_a_job_with_its_own_folder(tmp_path):
    for name in ("call.m4a", "call.mp3", "meeting.WAV", "notes.txt", ".hidden.mp3"):
        (tmp_path / name).write_bytes(b"x")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "inner.wav").write_bytes(b"x")
    found = jobs(tmp_path, tmp_path / "out")
    assert [(j.source.name, j.out_dir.name, j.duration) for j in found] == [
        ("call.m4a", "call_m4a", 0.0), ("call.mp3", "call_mp3", 0.0), ("meeting.WAV", "meeting", 0.0)]


def test_recordings_whose_folder_names_meet_each_get_their_own(tmp_path):
    """Issue 19: a.wav and a.mp3 beside a_wav.mp3 gave two recordings out/a_wav; names that differ only in
    case are one folder on many file systems."""
    for name in ("a.wav", "a.mp3", "a_wav.mp3", "Call.wav", "call.mp3"):
        (tmp_path / name).write_bytes(b"x")
    found = jobs(tmp_path, tmp_path / "out")
    assert {j.source.name: j.out_dir.name for j in found} == {
        "Call.wav": "Call_wav", "a.mp3": "a_mp3", "a.wav": "a_wav", "a_wav.mp3": "a_wav_2", "call.mp3": "call_mp3"}


def test_an_out_that_is_a_file_or_a_summary_that_is_a_folder_is_one_line_before_any_work(tmp_path):
    from typer.testing import CliRunner

    from pipeline.cli import app

    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "a.wav").write_bytes(b"x")
    (tmp_path / "out.txt").write_text("mine", encoding="utf-8")
    (tmp_path / "out" / "batch_summary.csv").mkdir(parents=True)
    for out, message in ((tmp_path / "out.txt", "out.txt: not a folder (--out names the folder"),
                         (tmp_path / "out", "batch_summary.csv: not a file: the batch writes its summary there")):
        result = CliRunner().invoke(app, ["batch", str(tmp_path / "in"), "--out", str(out)])
        assert result.exit_code == 2 and message in result.output and "Traceback" not in result.output
    assert (tmp_path / "out.txt").read_text(encoding="utf-8") == "mine"
    assert [p.name for p in (tmp_path / "out").iterdir()] == ["batch_summary.csv"]


def test_a_folder_with_no_recordings_is_one_line(tmp_path):
    with pytest.raises(PipelineError, match="no recordings in it"):
        jobs(tmp_path, tmp_path / "out")
    with pytest.raises(PipelineError, match="no such folder"):
        jobs(tmp_path / "absent", tmp_path / "out")


def _batch(folder: Path, out: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "pipeline", "batch", str(folder), "--out", str(out), "--workers", "2"],
                          capture_output=True, text=True, timeout=900,
                          env={**os.environ, "COLUMNS": "200", "PYTHONPATH": str(ROOT)})


@pytest.mark.integration
def test_a_folder_of_real_clips_with_a_broken_file_gives_the_summary_exit_2_and_a_rerun_skips(tmp_path):
    folder = tmp_path / "phone"
    folder.mkdir()
    for clip in ("en/jfk.flac", "zh/llama.cpp_tests_sample.wav", "diar/dev00.wav"):
        shutil.copy(eval_file(clip), folder)
    (folder / "借条.mp3").write_text("这不是录音文件\n" * 20, encoding="utf-8")
    out = tmp_path / "out"
    proc = _batch(folder, out)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert "4 recordings" in proc.stdout and "3 of 4 recordings made" in proc.stdout
    header, rows = read_csv(out / "batch_summary.csv")
    assert header == ["file", "sha256", "status", "duration", "speakers", "lines", "key_facts", "exhibit", "seconds",
                      "error"]
    by_file = {r["file"]: r for r in rows}
    assert sorted(by_file) == ["dev00.wav", "jfk.flac", "llama.cpp_tests_sample.wav", "借条.mp3"]
    broken = by_file.pop("借条.mp3")
    assert broken["status"] == "error" and "not a recognised audio or video file" in broken["error"]
    assert broken["sha256"] == sha256_file(folder / "借条.mp3") and not (out / "借条").exists()
    for name, row in by_file.items():
        assert row["status"] == "ok" and row["error"] == "" and row["sha256"] == sha256_file(folder / name)
        assert Path(row["exhibit"]).is_file() and Path(row["exhibit"]).parent == out / Path(name).stem
    assert by_file["dev00.wav"]["speakers"] == "2" and float(by_file["dev00.wav"]["duration"]) == pytest.approx(30.0)
    assert int(by_file["jfk.flac"]["lines"]) >= 1
    # as `exhibit transcript` makes it: the same folder, the same files
    assert {p.name for p in (out / "jfk").iterdir()} >= {"jfk.docx", "transcript.csv", "speakers.csv",
                                                         "manifest.json", "stages"}
    again = _batch(folder, out)
    assert again.returncode == 2
    for name in by_file:
        manifest = json.loads((out / Path(name).stem / "manifest.json").read_text(encoding="utf-8"))
        ran = {s["stage"]: s["ran"] for s in manifest["stages"]}
        assert not any(ran[s] for s in ("ingest", "diarize", "transcribe", "export")), (name, ran)


def test_a_batch_worker_keeps_its_models_and_a_single_run_lets_them_go():
    from pipeline.models import keep_loaded, loaded

    made = []

    def load():
        made.append(object())
        return made[-1]

    try:
        assert loaded("m", load) is not loaded("m", load) and len(made) == 2     # a single run: each time anew
        keep_loaded()                                                            # what a batch worker does
        first = loaded("m", load)
        assert loaded("m", load) is first and len(made) == 3
    finally:
        keep_loaded(False)
    assert loaded("m", load) is not first
