"""The command line as a user meets it: one line and exit code 2 for every bad input, nothing left behind."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ROOT, encode, eval_file


def exhibit(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "COLUMNS": "200"}
    return subprocess.run([sys.executable, "-m", "pipeline", *args], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=600)


def _bad_inputs(d: Path) -> dict[str, tuple[Path, str]]:
    cut = eval_file("zh/funasr_api_asr_example.mp3").read_bytes()
    (d / "empty.m4a").write_bytes(b"")
    (d / "借条.mp3").write_text("这不是录音文件\n" * 50, encoding="utf-8")
    (d / "cut.mp3").write_bytes(cut[: len(cut) // 3])
    return {
        "missing": (d / "nowhere.m4a", "no such file"),
        "empty": (d / "empty.m4a", "the file is empty"),
        "not audio": (d / "借条.mp3", "not a recognised audio or video file"),
        "truncated": (d / "cut.mp3", "truncated"),
        "no audio track": (encode(None, d / "screen.mp4"), "has no audio track"),
    }


@pytest.mark.parametrize("case", ["missing", "empty", "not audio", "truncated", "no audio track"])
def test_bad_input_gives_one_line_exit_2_and_no_output_folder(tmp_path, case):
    path, message = _bad_inputs(tmp_path)[case]
    proc = exhibit("transcript", str(path), cwd=tmp_path)
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert proc.returncode == 2, proc.stderr
    assert len(lines) == 1 and lines[0].startswith("error:") and message in lines[0] and path.name in lines[0]
    assert not (tmp_path / "out").exists()


def test_help_names_the_commands(tmp_path):
    proc = exhibit("--help", cwd=tmp_path)
    assert proc.returncode == 0 and "transcript" in proc.stdout and "models" in proc.stdout


def test_unknown_settings_value_is_a_clear_error(tmp_path):
    proc = exhibit("transcript", str(eval_file("en/jfk.flac")), "--speakers", "-1", cwd=tmp_path)
    assert proc.returncode == 2 and "--speakers" in proc.stderr
