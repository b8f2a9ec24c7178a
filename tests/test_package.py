"""The evidence package on a run folder built by hand (no models): contents, hashes, clips, and its errors."""

from __future__ import annotations

import dataclasses
import io
import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np
import pytest

from builders import ADMIT, ORIGINAL, OVERLAP, facts, finished_run, sha256
from conftest import ROOT
from pipeline.artifacts import Fact, Facts
from pipeline.audio import SAMPLE_RATE, read_wav
from pipeline.csvio import read_csv
from pipeline.errors import PipelineError
from pipeline.export.manifest import read_manifest, write_manifest
from pipeline.export.pdf import find_soffice
from pipeline.fileio import sha256_file
from pipeline.package import build_package


def libreoffice_here() -> bool:
    """Whether this machine makes PDFs; with EXHIBIT_REQUIRE_PDF=1 (CI) it must."""
    here = find_soffice() is not None
    if not here and os.environ.get("EXHIBIT_REQUIRE_PDF") == "1":
        pytest.fail("EXHIBIT_REQUIRE_PDF=1 but LibreOffice (soffice) is not installed (make pdf-tools installs it)")
    return here


def test_package_holds_the_original_exhibit_tables_manifest_clips_and_checksums(tmp_path):
    run_dir, original = finished_run(tmp_path)
    result = build_package(run_dir)
    folder = run_dir / "package"
    assert result.folder == folder and result.zip_path == run_dir / "package.zip"
    names = sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file())
    pdf = ["借款录音.pdf"] if libreoffice_here() else []
    # the court copy only: not the counsel's working copy, not key_facts.csv with counsel's notes
    assert names == sorted([ORIGINAL, "借款录音.docx", "借款录音.srt", "借款录音.csv",
                            "manifest.json", "clips/00-00-12_admission.wav", "clips/00-00-12_amount.wav",
                            "SHA256SUMS", *pdf])
    assert bool(result.no_pdf) == (not pdf)
    assert (folder / ORIGINAL).read_bytes() == original.read_bytes()
    for name in ("借款录音.docx", "借款录音.srt"):
        assert (folder / name).read_bytes() == (run_dir / name).read_bytes()
    # the clip is the line the fact was said in (12.7–15.2 s) with 2 s either side, from the working copy
    clip, source = read_wav(folder / "clips/00-00-12_amount.wav"), read_wav(run_dir / "stages" / "audio16k.wav")
    start = int(10.7 * SAMPLE_RATE)
    assert len(clip) == int(17.2 * SAMPLE_RATE) - start
    assert np.array_equal(clip, source[start:start + len(clip)])
    # SHA256SUMS: every other file, in sha256sum's own format, and sha256sum itself agrees
    lines = (folder / "SHA256SUMS").read_text(encoding="utf-8").splitlines()
    assert sorted(line.split("  ", 1)[1] for line in lines) == sorted(n for n in names if n != "SHA256SUMS")
    assert f"{sha256(original)}  {ORIGINAL}" in lines
    check = subprocess.run(["sha256sum", "-c", "SHA256SUMS"], cwd=folder, capture_output=True, text=True)
    assert check.returncode == 0 and check.stdout.count(": OK") == len(lines), check.stdout + check.stderr
    (folder / "借款录音.csv").write_bytes(b"tampered")
    assert subprocess.run(["sha256sum", "-c", "--quiet", "SHA256SUMS"], cwd=folder,
                          capture_output=True).returncode != 0
    with zipfile.ZipFile(run_dir / "package.zip") as archive:
        assert sorted(archive.namelist()) == sorted(f"借款录音/{n}" for n in names)
        assert archive.read(f"借款录音/{ORIGINAL}") == original.read_bytes()
    assert not [p for p in run_dir.iterdir() if p.name.startswith(".package")]   # no temp folder left


def test_the_pdf_is_the_exhibit_converted_and_is_checksummed(tmp_path):
    if not libreoffice_here():
        pytest.skip("LibreOffice (soffice) is not installed (make pdf-tools installs it)")
    run_dir, _ = finished_run(tmp_path)
    result = build_package(run_dir)
    pdf = run_dir / "package" / "借款录音.pdf"
    assert result.no_pdf == "" and pdf.read_bytes().startswith(b"%PDF")
    assert result.files["借款录音.pdf"] == sha256(pdf)
    sums = (run_dir / "package" / "SHA256SUMS").read_text(encoding="utf-8").splitlines()
    assert f"{sha256(pdf)}  借款录音.pdf" in sums
    with zipfile.ZipFile(run_dir / "package.zip") as archive:
        assert archive.read("借款录音/借款录音.pdf") == pdf.read_bytes()
    if shutil.which("pdftotext"):
        text = subprocess.run(["pdftotext", "-enc", "UTF-8", str(pdf), "-"], capture_output=True, text=True).stdout
        assert "录音文字整理稿" in "".join(text.split())


@pytest.mark.parametrize("soffice", ["absent", "failing"])
def test_without_a_working_libreoffice_the_package_has_no_pdf_and_says_why(tmp_path, monkeypatch, soffice):
    run_dir, _ = finished_run(tmp_path)
    failing = shutil.which("false")
    if soffice == "failing" and not failing:
        pytest.skip("no `false` command to stand in for a failing LibreOffice")
    monkeypatch.setattr("pipeline.package.find_soffice", lambda: None if soffice == "absent" else failing)
    result = build_package(run_dir)
    folder = run_dir / "package"
    assert not list(folder.glob("*.pdf")) and "借款录音.pdf" not in result.files
    assert "pdf" not in (folder / "SHA256SUMS").read_text(encoding="utf-8")
    assert "\n" not in result.no_pdf and "no PDF" in result.no_pdf
    assert ("LibreOffice is not installed" if soffice == "absent" else "exit code 1") in result.no_pdf
    check = subprocess.run(["sha256sum", "-c", "--quiet", "SHA256SUMS"], cwd=folder, capture_output=True)
    assert check.returncode == 0
    assert not [p for p in run_dir.iterdir() if p.name.startswith(".package")]


def test_packaging_again_replaces_the_package_with_the_same_bytes(tmp_path):
    run_dir, _ = finished_run(tmp_path)
    build_package(run_dir)
    first = {p.name: sha256(p) for p in (run_dir / "package.zip", run_dir / "package" / "SHA256SUMS")}
    (run_dir / "package" / "stray.txt").write_text("x")
    build_package(run_dir)
    assert {p.name: sha256(p) for p in (run_dir / "package.zip", run_dir / "package" / "SHA256SUMS")} == first
    assert not (run_dir / "package" / "stray.txt").exists()


def test_a_changed_or_missing_original_is_one_error_and_leaves_no_package(tmp_path):
    run_dir, original = finished_run(tmp_path)
    original.write_bytes(original.read_bytes()[:-2] + b"\x00\x01")
    with pytest.raises(PipelineError, match="is not the recording this exhibit was made from"):
        build_package(run_dir)
    original.unlink()
    with pytest.raises(PipelineError, match="is not at .* any more"):
        build_package(run_dir)
    assert not [p for p in run_dir.iterdir() if p.name.startswith((".package", "package"))]


def test_an_output_edited_after_the_run_is_refused(tmp_path):
    run_dir, _ = finished_run(tmp_path)
    (run_dir / "借款录音.srt").write_text("edited", encoding="utf-8")
    with pytest.raises(PipelineError, match="changed after the exhibit was made"):
        build_package(run_dir)


def _exhibit(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "pipeline", *args], cwd=cwd, capture_output=True, text=True,
                          env={**os.environ, "COLUMNS": "200", "PYTHONPATH": str(ROOT)}, timeout=120)


def test_package_command_and_its_one_line_errors(tmp_path):
    run_dir, _ = finished_run(tmp_path)
    proc = _exhibit("package", str(run_dir), cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "package" in proc.stdout and (run_dir / "package" / "SHA256SUMS").is_file()
    not_run = tmp_path / "out" / "other"
    not_run.mkdir()
    (run_dir / "stages" / "label.json").unlink()
    # a folder that is no exhibit speaks the locale's language (English here), a Chinese exhibit's folder Chinese
    for folder, message in ((not_run, "manifest.json is missing"), (run_dir, "缺少 ")):
        proc = _exhibit("package", str(folder), cwd=tmp_path)
        lines = [line for line in proc.stderr.splitlines() if line.strip()]
        assert proc.returncode == 2 and len(lines) == 1 and message in lines[0], proc.stderr
    assert "stages/label.json。请重新运行 `exhibit transcript`，然后再打包" in lines[0]
    shutil.rmtree(not_run)


def test_sha256sums_escapes_names_as_gnu_sha256sum_does(tmp_path):
    """Issue 19: a recording whose name holds a newline (or a backslash, a carriage return) broke
    `sha256sum -c SHA256SUMS`: its line is now in GNU's escaped form, the same line sha256sum itself writes."""
    import shutil
    import subprocess

    from pipeline.package import sums_line

    if shutil.which("sha256sum") is None:
        pytest.skip("GNU sha256sum is not installed")
    names = ["录音\n第二行.m4a", "a\\b.wav", "c\rd.wav", "plain 证据.docx"]
    for i, name in enumerate(names):
        (tmp_path / name).write_bytes(bytes([i]) * 10)
    ours = "".join(sums_line(sha256_file(tmp_path / n), n) for n in names)
    gnu = subprocess.run(["sha256sum", "--", *names], cwd=tmp_path, capture_output=True, text=True, check=True).stdout
    assert ours == gnu
    (tmp_path / "SHA256SUMS").write_text(ours, encoding="utf-8")
    checked = subprocess.run(["sha256sum", "-c", "SHA256SUMS"], cwd=tmp_path, capture_output=True, text=True)
    assert checked.returncode == 0 and checked.stdout.count(": OK") == 4, checked.stdout + checked.stderr


def test_the_printed_check_command_runs_as_printed_whatever_the_folder_is_called(tmp_path, monkeypatch):
    import subprocess

    from typer.testing import CliRunner

    from pipeline.cli import app

    monkeypatch.setattr("pipeline.package.find_soffice", lambda: None)        # no PDF needed here
    base = tmp_path / "张三's case $(date)"
    base.mkdir()
    run_dir, _ = finished_run(base)
    result = CliRunner().invoke(app, ["package", str(run_dir)])
    assert result.exit_code == 0, result.output
    command = next(line for line in result.output.splitlines() if line.startswith("核验方法："))   # a Chinese exhibit
    checked = subprocess.run(["bash", "-c", command.removeprefix("核验方法：")], capture_output=True, text=True)
    assert checked.returncode == 0 and f"{ORIGINAL}: OK" in checked.stdout, checked.stderr


def test_a_folder_with_reviews_to_do_again_is_not_packaged(tmp_path):
    """Conflicts (a person's corrections the lines no longer take) are counsel's working material and mean the
    review is not done: the package is refused in one line, nothing is made."""
    run_dir, _ = finished_run(tmp_path)
    manifest = read_manifest(run_dir / "manifest.json")
    write_manifest(run_dir / "manifest.json", dataclasses.replace(manifest, review={"conflicts": 2}))
    with pytest.raises(PipelineError) as refused:
        build_package(run_dir)
    assert "2 review(s) are to be done again (conflicts" in str(refused.value) and "\n" not in str(refused.value)
    assert not (run_dir / "package").exists() and not (run_dir / "package.zip").exists()


def test_a_draft_is_refused_unless_asked_for_and_then_says_it_is_one(tmp_path):
    """Issue 20, item 1: a court copy with lines not reviewed, or no reviewer named, is not packaged by default."""
    from typer.testing import CliRunner

    from pipeline.cli import app

    run_dir, _ = finished_run(tmp_path, reviewed=False)
    with pytest.raises(PipelineError, match=r"the court copy is still a draft \(2 of 2 lines not reviewed, no reviewer "
                                            r"named\)"):
        build_package(run_dir)
    refused = CliRunner().invoke(app, ["package", str(run_dir)])      # one line (in Chinese: test_cli_language)
    lines = [line for line in refused.output.splitlines() if line.strip()]
    assert refused.exit_code == 2 and len(lines) == 1, refused.output
    assert not (run_dir / "package").exists() and not (run_dir / "package.zip").exists()
    made = CliRunner().invoke(app, ["package", str(run_dir), "--draft"])
    assert made.exit_code == 0 and "此证据包中的整理稿是草稿" in made.output, made.output
    court = json.loads((run_dir / "package" / "manifest.json").read_text(encoding="utf-8"))
    assert court["draft"] is True and court["review"] == {"lines": 2, "reviewed": 0, "corrected": 0, "reviewer": "",
                                                          "method": ""}
    reviewed_dir, _ = finished_run(tmp_path / "reviewed")
    assert build_package(reviewed_dir).draft is False


def test_the_package_holds_nothing_of_this_computer_or_of_counsels(tmp_path):
    """Issue 20, item 4: no absolute path, no user name, no counsel-only file name or note, no category kept to
    the working copy — searched in every packaged file (inside the docx and the zip too, the PDF's text)."""
    threat = Fact("u0002", 62.5, "SPEAKER_01", "threat", "zh-threat-harm", (0, 1), "你", "", "威胁")
    noted = Facts(tuple(dataclasses.replace(f, note="庭前再与当事人核对借条") for f in facts().items) + (threat,),
                  facts().rule_files)
    run_dir, original = finished_run(tmp_path, evidence="home/zhang_lawyer_x/证据", found=noted)
    result = build_package(run_dir)
    folder = result.folder
    assert not [n for n in result.files if "threat" in n]          # its clip stays out with its category

    def texts(name: str, data: bytes) -> list[str]:
        if name.endswith((".docx", ".zip")):
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                return [t for inner in archive.namelist() for t in texts(inner, archive.read(inner))]
        if name.endswith(".pdf"):
            shown = subprocess.run(["pdftotext", "-enc", "UTF-8", "-", "-"], input=data, capture_output=True)
            return [data.decode("latin-1"), shown.stdout.decode("utf-8", "replace")]
        return [data.decode("utf-8", "replace"), data.decode("latin-1")]

    found = [(p.name, t) for p in [*folder.rglob("*"), run_dir / "package.zip"] if p.is_file()
             for t in texts(p.name, p.read_bytes())]
    forbidden = [str(tmp_path), "zhang_lawyer_x", "/home/", "_counsel", "key_facts", "庭前再与当事人核对借条",
                 "zh-threat-harm", "zh-amount", str(original.parent)]
    leaks = [(name, word) for name, text in found for word in forbidden if word in text]
    assert leaks == []
    court = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    assert court["kind"] == "exhibit-court-package" and court["exhibit_number"] == "证据3"
    assert court["recording"]["file_name"] == ORIGINAL and court["recording"]["sha256"] == sha256(original)
    assert court["files"] == {n: sha for n, sha in result.files.items() if n != "manifest.json"}
    assert court["review"]["reviewer"] == "李律师" and court["review"]["reviewed"] == 2


def test_the_packages_table_is_the_court_copys_lines(tmp_path):
    run_dir, _ = finished_run(tmp_path)
    build_package(run_dir)
    header, rows = read_csv(run_dir / "package" / "借款录音.csv")
    assert header == ["行号", "开始时间", "结束时间", "说话人", "内容", "标记"]
    assert [(r["行号"], r["开始时间"], r["说话人"], r["内容"]) for r in rows] == [
        ("1", "00:00:12", "张三（被告）", ADMIT), ("2", "00:01:02", "说话人2", OVERLAP)]
    assert rows[1]["标记"] == "[重叠]"


def test_an_edited_manifest_cannot_make_a_draft_look_reviewed(tmp_path):
    """Hostile test of issue 20: the reviewer written into manifest.json after the run; the export step's record
    holds the hash of the case it was made with, so the package is refused in one line."""
    run_dir, _ = finished_run(tmp_path, reviewed=False)
    manifest = json.loads((run_dir / "manifest.json").read_text(encoding="utf-8"))
    manifest["settings"]["case"]["reviewed_by"] = "伪造人"
    (run_dir / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False), encoding="utf-8")
    with pytest.raises(PipelineError, match=r"manifest.json: its \[case\] settings are not those the exhibit was "
                                            r"made with \(was it edited\?\)"):
        build_package(run_dir)
    assert not (run_dir / "package").exists()
