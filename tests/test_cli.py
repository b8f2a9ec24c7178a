"""The command line as a user meets it: one line and exit code 2 for every bad input, nothing left behind."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from conftest import encode, eval_file, exhibit
from pipeline.audio import write_wav


def _bad_inputs(d: Path) -> dict[str, tuple[Path, str]]:
    cut = eval_file("zh/funasr_api_asr_example.mp3").read_bytes()
    (d / "empty.m4a").write_bytes(b"")
    (d / "借条.mp3").write_text("这不是录音文件\n" * 50, encoding="utf-8")
    (d / "cut.mp3").write_bytes(cut[: len(cut) // 3])
    (d / "folder.wav").mkdir()
    write_wav(d / "silent.wav", np.zeros(0, np.float32))
    return {
        "missing": (d / "nowhere.m4a", "no such file"),
        "empty": (d / "empty.m4a", "the file is empty"),
        "not audio": (d / "借条.mp3", "not a recognised audio or video file"),
        "truncated": (d / "cut.mp3", "truncated"),
        "no audio track": (encode(None, d / "screen.mp4"), "has no audio track"),
        "folder": (d / "folder.wav", "is a folder, not a recording"),
        "zero samples": (d / "silent.wav", "holds no sound that can be decoded"),
    }


@pytest.mark.parametrize("case", ["missing", "empty", "not audio", "truncated", "no audio track", "folder",
                                  "zero samples"])
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


def test_facts_command_writes_facts_csv(tmp_path):
    src = tmp_path / "lines.csv"
    src.write_text("id,text,lang\nd09,去年12月20号你转给我的那三万块，我记得。,zh\nd26,Let's grab lunch first.,en\n",
                   encoding="utf-8")
    proc = exhibit("facts", str(src), "--out", str(tmp_path / "facts.csv"), "--recorded-on", "2025-03-05",
                   cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert (tmp_path / "facts.csv").read_text(encoding="utf-8-sig").splitlines() == [
        "id,categories,amounts,dates", "d09,admission;amount;date,30000,2024-12-20 (computed)", "d26,,,"]


def test_facts_command_with_a_users_rule_file(tmp_path):
    src = tmp_path / "lines.csv"
    src.write_text("id,text\n1,我打了欠条。\n", encoding="utf-8")
    rules = tmp_path / "my_rules.toml"
    rules.write_text('language = "zh"\n[[rules]]\nid = "my-iou"\ncategory = "admission"\npatterns = ["打了欠条"]\n'
                     'explanation = "承认打过欠条"\n', encoding="utf-8")
    proc = exhibit("facts", str(src), "-o", str(tmp_path / "f.csv"), "--rules", str(rules), cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "1,admission,," in (tmp_path / "f.csv").read_text(encoding="utf-8-sig")


@pytest.mark.parametrize("setup, args, message", [
    (None, ["facts", "missing.csv", "-o", "f.csv"], "missing.csv: no such file"),
    ("id,words\n1,x\n", ["facts", "in.csv", "-o", "f.csv"], "missing column(s) text"),
    ("id,text\n1,x\n", ["facts", "in.csv", "-o", "f.csv", "--recorded-on", "5.3.2025"], "YYYY-MM-DD"),
    ("id,text\n1,x\n", ["facts", "in.csv", "-o", "f.csv", "--rules", "bad.toml"], "bad.toml: rule oops: bad pattern"),
    ("id,text\n1,x\n", ["facts", "in.csv", "-o", "f.csv", "--rules", "none.toml"], "none.toml: no such rule file"),
    (None, ["transcript", "rec.wav", "--rules", "bad.toml"], "bad.toml: rule oops: bad pattern"),
    (None, ["transcript", "rec.wav", "--highlight", "bold"], "highlight must be one of none, inline"),
    (None, ["transcript", "rec.wav", "--recorded-on", "yesterday"], "YYYY-MM-DD"),
    (None, ["transcript", "rec.wav", "--compute-type", "int3"], "compute type must be one of float32, int8"),
    (None, ["transcript", "rec.wav", "--device", "gpu"], "device must be one of cpu, cuda, auto"),
    (None, ["transcript", "rec.wav", "--doc-language", "fr"], "exhibit language must be one of auto, zh, en"),
    (None, ["transcript", "rec.wav", "--case", "nocase.toml"], "nocase.toml: no such case file"),
    (None, ["transcript", "rec.wav", "--case", "bad_case.toml"], "bad_case.toml: unknown setting(s) judge"),
    (None, ["transcript", "rec.wav", "--case", "broken_case.toml"], "cannot read case file"),
])
def test_facts_options_fail_in_one_line(tmp_path, setup, args, message):
    if setup:
        (tmp_path / "in.csv").write_text(setup, encoding="utf-8")
    (tmp_path / "bad.toml").write_text('language = "zh"\n[[rules]]\nid = "oops"\ncategory = "admission"\n'
                                       'patterns = ["("]\nexplanation = "x"\n', encoding="utf-8")
    (tmp_path / "bad_case.toml").write_text('case_name = "x"\njudge = "y"\n', encoding="utf-8")
    (tmp_path / "broken_case.toml").write_text('case_name = "unterminated\n', encoding="utf-8")
    (tmp_path / "rec.wav").write_bytes(eval_file("en/jfk.flac").read_bytes())
    proc = exhibit(*args, cwd=tmp_path)
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert proc.returncode == 2 and len(lines) == 1 and message in lines[0], proc.stderr
    assert not (tmp_path / "f.csv").exists() and not (tmp_path / "out").exists()


def test_a_run_closes_naming_both_documents_the_case_details_missing_and_unsourced_names(tmp_path, monkeypatch):
    """The closing lines of `exhibit transcript` (the run itself stubbed: no models)."""
    from typer.testing import CliRunner

    import pipeline.runner
    from pipeline.artifacts import Labelled, RunManifest, Speaker
    from pipeline.cli import app

    seen = {}

    def fake_run(source, out, settings, progress, strict=False, case_file=None):
        seen["case"] = settings.case
        speakers = (Speaker("SPEAKER_00", "张三", "被告", 1, 2.0, 1, 0.0, 2.0, identified_by="来电号码"),
                    Speaker("SPEAKER_01", "李四", "原告", 2, 2.0, 1, 3.0, 5.0),
                    Speaker("SPEAKER_02", "", "", 3, 2.0, 1, 6.0, 8.0))
        manifest = RunManifest({}, str(source), "ab" * 32, "ab" * 32, {}, {}, (), {}, "2025-03-06T14:30:00+08:00")
        from pipeline.casefile import Change

        return pipeline.runner.RunResult(out, {"docx": out / "rec.docx", "counsel_docx": out / "rec_counsel.docx",
                                               "speakers": out / "speakers.csv", "case": out / "case.toml"}, manifest,
                                         Labelled("zh", speakers, ()), settings,
                                         (Change("exhibit_number", "证据3", "证据4"),))

    monkeypatch.setattr(pipeline.runner, "run", fake_run)
    (tmp_path / "rec.wav").write_bytes(b"x")

    def close(*more: str):
        return CliRunner().invoke(app, ["transcript", str(tmp_path / "rec.wav"), "--out", str(tmp_path / "o"),
                                        "--recorded-place", "北京市朝阳区", "--recorded-on", "2025-03-05 15:30",
                                        "--recorded-device", "华为 Mate 40 手机", "--recorded-by", "李四", *more])

    result = close("--doc-language", "en")
    assert result.exit_code == 0, result.output
    case = seen["case"]
    assert (case.recorded_place, case.recorded_on, case.recorded_device, case.recorded_by) == (
        "北京市朝阳区", "2025-03-05 15:30", "华为 Mate 40 手机", "李四")
    lines = result.output.splitlines()
    assert any(line.startswith("exhibit for the court: ") and line.endswith("rec.docx") for line in lines)
    assert any("counsel's working copy (never filed)" in line and "rec_counsel.docx" in line for line in lines)
    assert any(line.startswith("name the speakers") and "(Speaker 3 not named yet" in line for line in lines)
    assert "say how each named speaker was identified (identified_by in" in result.output and "李四" in result.output
    missing = next(line for line in lines if line.startswith("case details still missing: "))
    assert missing == ("case details still missing: case name (--case-name), case number (--case-number), exhibit "
                       "number (--exhibit), submitting party (--party), reviewer (--reviewed-by) (kept with the "
                       f"recording in {tmp_path / 'o' / 'case.toml'})")
    assert f"{tmp_path / 'o' / 'case.toml'}: exhibit number (--exhibit) changed from 证据3 to 证据4" in lines
    # a Chinese exhibit (the recording's language): the closing lines in Chinese too (issue 21, item 5)
    zh = close().output.splitlines()
    assert f"提交法院的整理稿：{tmp_path / 'o' / 'rec.docx'}" in zh
    assert any(line.startswith("请在 ") and "尚未填写：说话人3" in line for line in zh)
    assert f"{tmp_path / 'o' / 'case.toml'}：证据编号（--exhibit）由“证据3”改为“证据4”" in zh
    assert any(line.startswith("案件信息尚缺：案件名称（--case-name）、案号（--case-number）") for line in zh)
    assert zh[-1] == f"原始录音未被改动：sha256 {'ab' * 32}"


def test_version_and_what_zero_means_in_the_help():
    """Issue 21, item 5 (part): `exhibit --version`; --speakers and --threads say what 0 means."""
    import tomllib

    from typer.testing import CliRunner

    from conftest import ROOT
    from pipeline.cli import app

    version = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["version"]
    shown = CliRunner().invoke(app, ["--version"])
    assert shown.exit_code == 0 and shown.output.strip() == f"exhibit {version}"
    boxed = CliRunner().invoke(app, ["transcript", "--help"]).output        # rich's boxes wrap the help text
    helped = " ".join(boxed.replace("│", " ").split())
    assert "Exact number of speakers; 0 (the default) = estimate it." in helped
    assert "CPU cores Whisper uses; 0 (the default) = all." in helped
