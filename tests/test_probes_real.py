"""Issue 13, replayed with the real models on the README's sample: two first runs at once, an edited cached
transcript, a moved original, a full disk, a failing export, and the kill -9 / resume matrix (a real SIGKILL
of a real run in each stage, then the same command again, its files compared with an undisturbed run's).
The models run once for the reference folder; every test works on its own copy of it."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
from functools import partial
from pathlib import Path

import pytest

from conftest import ROOT, docx_text, one_line
from conftest import exhibit as exhibit_command
from pipeline.config import load_settings
from pipeline.errors import PipelineError
from pipeline.export.manifest import read_manifest
from pipeline.package import build_package
from pipeline.runner import STAGES, run

pytestmark = pytest.mark.integration
SAMPLE = ROOT / "samples" / "zh_five_speakers.wav"
ENV = {**os.environ, "COLUMNS": "200", "PYTHONPATH": str(ROOT)}
exhibit = partial(exhibit_command, timeout=900)    # the commands here run the models

# a run of `exhibit transcript` that kills itself (SIGKILL, as kill -9) in a given stage: at its start, after
# its n-th file written ("written3"), or right after the first output is moved into place ("moving"); with a
# language given, every output is written in it (so that the new outputs differ from the old ones)
DRIVER = r"""
import os, signal, sys
from pathlib import Path
from pipeline.config import load_settings
from pipeline.runner import run

source, out, stage, moment, language = sys.argv[1:6]
state = {"in": False, "written": 0}
replace = os.replace

def kill():
    os.kill(os.getpid(), signal.SIGKILL)

def counting(src, dst, *args, **kwargs):
    replace(src, dst, *args, **kwargs)
    if state["in"]:
        state["written"] += 1
        if moment == "moving" and ".incoming" in str(src) and ".incoming" not in str(dst):
            kill()
        if moment.startswith("written") and state["written"] == int(moment[len("written"):]):
            kill()

os.replace = counting

def hook(name, completed, total):
    if name == stage and completed == 0:
        state["in"] = True
        if moment == "start":
            kill()

overrides = {"export": {"doc_language": language}} if language else {}
run(Path(source), Path(out), load_settings(overrides=overrides), hook)
"""
CHANGED = "en"    # the export rows of the matrix change every output: the exhibit, tables, subtitles in English


def ran(folder: Path) -> dict[str, bool]:
    return {r.stage: r.ran for r in read_manifest(folder / "manifest.json").stages}


def exhibit_text(path: Path) -> str:
    """The exhibit's text, the processed minute (which differs between two runs' exports) left out."""
    return re.sub(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}", "<minute>", docx_text(path))


def files(folder: Path) -> dict[str, bytes]:
    """Every file of a run folder but the lock and the package."""
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file() and p.name != ".lock" and not p.relative_to(folder).as_posix().startswith("package")}


def _minutes_out(text: str) -> str:
    """The text with every time of day to the minute (hh:mm, not a recording time hh:mm:ss) blanked."""
    return re.sub(r"(?<![\d:])\d{1,2}:\d{2}(?![\d:])", "hh:mm", text)


def same_run(folder: Path, reference: Path) -> list[str]:
    """The files compared (all of them); fails on the first that differs: byte for byte, but for the exhibit
    when it was written in another minute (then its text, and the hashes that name it), and for the manifest
    and the stage records (compared by their keys, inputs and hashes: their times and ran/reused differ)."""
    got, want = files(folder), files(reference)
    assert sorted(got) == sorted(want)
    rewritten = {n for n in want if n.endswith(".docx") and got[n] != want[n]}
    for name in rewritten:      # the minute it was made in is part of its text: that may differ
        assert _minutes_out(exhibit_text(folder / name)) == _minutes_out(exhibit_text(reference / name))

    def chain(data: dict) -> list[tuple]:
        return [(r["stage"], r["cache_key"], r["inputs"], r["artifact_sha256"] if r["stage"] != "export" or
                 not rewritten else "") for r in data["stages"]]

    for name in want:
        if name in ("manifest.json", "stages/records.json"):
            a, b = (json.loads(x) for x in (got[name], want[name]))
            assert chain(a) == chain(b), name
            assert {k: v for k, v in a.get("outputs", {}).items() if k not in rewritten} == \
                   {k: v for k, v in b.get("outputs", {}).items() if k not in rewritten}, name
        elif name == "stages/export.json" and rewritten:
            a, b = (json.loads(x)["data"] for x in (got[name], want[name]))
            assert a["files"] == b["files"]
            assert {k: v for k, v in a["sha256"].items() if k not in rewritten} == \
                   {k: v for k, v in b["sha256"].items() if k not in rewritten}
        elif name not in rewritten:
            assert got[name] == want[name], name
    return sorted(want)


@pytest.fixture(autouse=True)
def no_pdf(monkeypatch):
    """The packages made here need no PDF (test_package.py checks it): LibreOffice is left out."""
    monkeypatch.setattr("pipeline.package.find_soffice", lambda: None)


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    """Two first runs on one new folder started at the same moment (defect 8: both ran the models): one makes
    the exhibit, the other stops at once with one line. Then the same command once more (it settles the two
    steps that read the files the first run wrote for the user): the reference folder."""
    base = tmp_path_factory.mktemp("reference")
    out = base / SAMPLE.stem
    command = [sys.executable, "-m", "pipeline", "transcript", str(SAMPLE), "--out", str(out)]
    procs = [subprocess.Popen(command, cwd=base, env=ENV, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              text=True) for _ in range(2)]
    results = []
    for p in procs:
        stdout, stderr = p.communicate(timeout=900)
        results.append((p.returncode, stdout, stderr, time.monotonic()))
    run(SAMPLE, out, load_settings())
    return out, results


@pytest.fixture(scope="module")
def changed(reference, tmp_path_factory):
    """The reference folder after runs that wrote every output in English (what an interrupted export of that
    change is finished into)."""
    folder = tmp_path_factory.mktemp("changed") / reference[0].name
    shutil.copytree(reference[0], folder)
    english = load_settings(overrides={"export": {"doc_language": CHANGED}})
    run(SAMPLE, folder, english)
    run(SAMPLE, folder, english)    # as a user would run it again: the review file was rewritten in English
    return folder


def copy_of(reference, tmp_path: Path) -> Path:
    folder, _ = reference
    copy = tmp_path / folder.name
    shutil.copytree(folder, copy)
    return copy


def test_8_two_first_runs_at_once_run_the_models_once_and_the_other_says_so(reference):
    out, results = reference
    codes = sorted(r[0] for r in results)
    assert codes == [0, 2], results
    loser = next(r for r in results if r[0] == 2)
    lines = [line for line in loser[2].splitlines() if line.strip()]
    # the holder's pid when it has written it already, else "another process" (it took the lock a moment ago)
    assert len(lines) == 1 and re.search(r"is in use by another exhibit run \((pid \d+|another process)", lines[0])
    winner = next(r for r in results if r[0] == 0)
    assert "diarize" in winner[1] and "(reused)" not in winner[1].splitlines()[0]
    assert not (out / ".lock").exists() and not (out / ".incoming").exists()


# --------------------------------------------------------------------------------- the kill -9 / resume matrix

MATRIX = [("ingest", "start", True)] + [(s.name, "start", False) for s in STAGES[2:]] + \
         [("export", "written3", False), ("export", "moving", False)]


@pytest.mark.parametrize("stage, moment, first", MATRIX, ids=[f"{s}-{m}{'-first-run' if f else ''}"
                                                               for s, m, f in MATRIX])
def test_9_killed_in_each_stage_the_folder_keeps_its_last_whole_set_and_the_rerun_finishes_it(
        reference, changed, tmp_path, stage, moment, first):
    """kill -9 during `stage` (at its start, after its third file, or while its outputs are moved into place):
    the folder holds the previous set of outputs whole (or none, on a first run) and `exhibit package`
    refuses it in one line; the same command again finishes the run, and every file then equals those of an
    undisturbed run. The export is made to run by a change of language (so that each of its new files differs
    from the old one), any other stage by deleting its artifact (it makes the same again)."""
    ref, _ = reference
    language = CHANGED if stage == "export" else ""
    if first:
        folder = tmp_path / ref.name
    else:
        folder = copy_of(reference, tmp_path)
        if stage != "export":
            (folder / "stages" / f"{stage}.json").unlink()
    before = files(folder)
    proc = subprocess.run([sys.executable, "-c", DRIVER, str(SAMPLE), str(folder), stage, moment, language],
                          cwd=tmp_path, env=ENV, capture_output=True, text=True, timeout=900)
    assert proc.returncode == -9, proc.stderr
    outputs = [n for n in files(folder) if not n.startswith(("stages/", ".incoming/"))]
    if first:
        assert outputs == []                                    # a killed first run leaves no output at all
    elif moment != "moving":                                    # the previous set, whole and untouched
        assert sorted(outputs) == sorted(n for n in before if not n.startswith("stages/"))
        for name in outputs:
            assert files(folder)[name] == before[name], name
    if (folder / "manifest.json").exists():
        assert "exhibit transcript" in one_line(exhibit("package", str(folder), "--draft", cwd=tmp_path))
    options = ["--doc-language", language] if language else []
    resumed = exhibit("transcript", str(SAMPLE), "--out", str(folder), *options, cwd=tmp_path)
    assert resumed.returncode == 0, resumed.stderr
    assert ran(folder)[stage] or moment == "moving"
    if first or language:   # as the reference was: once more, for the steps that read what a run wrote for the
        # user (the first run's files; the review file the change of language rewrote)
        run(SAMPLE, folder, load_settings(overrides={"export": {"doc_language": language}} if language else None))
    compared = same_run(folder, changed if language else ref)
    assert len(compared) > 20
    build_package(folder, draft=True)


# ------------------------------------------------------------------------------------------ the other probes


def test_1_a_fabricated_admission_in_the_cached_transcript_never_reaches_exhibit_or_package(reference, tmp_path):
    folder = copy_of(reference, tmp_path)
    path = folder / "stages" / "transcribe.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    word = data["data"]["segments"][0]["words"][0]
    word["text"], word["start"] = "我欠你五万元", 0.2
    path.write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")
    assert "stages/transcribe.json 在整理稿制作完成后被改动过" in \
        one_line(exhibit("package", str(folder), "--draft", cwd=tmp_path))
    strict = exhibit("transcript", str(SAMPLE), "--out", str(folder), "--strict", cwd=tmp_path)
    assert "stopped (--strict)" in one_line(strict) and "transcribe.json" in strict.stderr
    again = exhibit("transcript", str(SAMPLE), "--out", str(folder), cwd=tmp_path)
    assert again.returncode == 0
    warnings = [line for line in again.stderr.splitlines() if "changed" in line]
    assert len(warnings) == 1 and "stages/transcribe.json was changed after the run that made it" in warnings[0]
    assert ran(folder) == {s.name: s.name not in ("ingest", "integrity", "channels", "diarize") for s in STAGES}
    for name in ("transcript.csv", "key_facts.csv", "zh_five_speakers.json"):
        assert "我欠你五万元" not in (folder / name).read_text(encoding="utf-8-sig")
    assert "50000" not in (folder / "key_facts.csv").read_text(encoding="utf-8-sig")
    same_run(folder, reference[0])
    package = build_package(folder, draft=True)
    assert subprocess.run(["sha256sum", "-c", "--quiet", "SHA256SUMS"], cwd=package.folder).returncode == 0


def test_6_a_moved_and_renamed_original_is_recorded_where_it_is_now_without_the_models(reference, tmp_path):
    folder = copy_of(reference, tmp_path)
    first = tmp_path / "evidence" / SAMPLE.name
    first.parent.mkdir()
    shutil.copy2(SAMPLE, first)
    assert exhibit("transcript", str(first), "--out", str(folder), cwd=tmp_path).returncode == 0
    moved = tmp_path / "moved" / "借款录音.wav"
    moved.parent.mkdir()
    first.rename(moved)
    assert "原始录音已不在" in one_line(exhibit("package", str(folder), "--draft", cwd=tmp_path))   # Chinese folder
    proc = exhibit("transcript", str(moved), "--out", str(folder), cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert not any(ran(folder)[s] for s in ("diarize", "transcribe", "normalise", "merge"))
    assert ran(folder)["ingest"] and ran(folder)["export"]
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["original"] == str(moved.resolve())
    names = {p.name for p in folder.iterdir()}
    assert {"借款录音.docx", "借款录音.srt", "借款录音.json", "借款录音.rttm"} <= names
    assert not {n for n in names if n.startswith("zh_five_speakers")}           # the old name's files are gone
    assert "借款录音.wav" in docx_text(folder / "借款录音.docx")
    package = build_package(folder, draft=True)
    assert (package.folder / "借款录音.wav").read_bytes() == SAMPLE.read_bytes()


def test_4_an_export_that_fails_half_way_leaves_the_previous_set_whole(reference, tmp_path, monkeypatch):
    folder = copy_of(reference, tmp_path)
    before = files(folder)

    def broken(path, content):
        raise PipelineError("the Word exhibit could not be written")

    monkeypatch.setattr("pipeline.export.stage.write_docx", broken)
    with pytest.raises(PipelineError):
        run(SAMPLE, folder, load_settings(overrides={"export": {"doc_language": "en"}}))
    after = files(folder)
    assert {n: v for n, v in after.items() if not n.startswith("stages/")} == \
           {n: v for n, v in before.items() if not n.startswith("stages/")}
    assert not (folder / ".incoming").exists() and not (folder / ".lock").exists()


def test_11_a_full_disk_stops_the_run_in_one_line_and_leaves_the_previous_set(reference, tmp_path):
    """On a real full file system (a small tmpfs, filled up; needs root to mount one). A run needs room for
    a second set of outputs (they are made beside the first, then moved into place)."""
    mount = tmp_path / "tiny"
    mount.mkdir()
    size = 2 * sum(len(v) for v in files(reference[0]).values()) // 1024 + 600   # room for a second set
    if subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}k", "tmpfs", str(mount)],
                      capture_output=True).returncode != 0:
        pytest.skip("cannot mount a small tmpfs here (needs root)")
    try:
        folder = mount / reference[0].name
        shutil.copytree(reference[0], folder)
        before = files(folder)
        filler = mount / "filler"
        free = shutil.disk_usage(mount).free
        filler.write_bytes(b"\0" * max(0, free - 40 * 1024))
        proc = exhibit("transcript", str(SAMPLE), "--out", str(folder), "--exhibit", "证据10", cwd=tmp_path)
        assert "the disk is full" in one_line(proc)
        after = files(folder)
        assert {n: v for n, v in after.items() if not n.startswith("stages/")} == \
               {n: v for n, v in before.items() if not n.startswith("stages/")}
        assert not [p for p in folder.rglob("*") if p.name.endswith(".tmp") or p.name == ".incoming"]
        filler.unlink()
        assert exhibit("transcript", str(SAMPLE), "--out", str(folder), "--exhibit", "证据10",
                       cwd=tmp_path).returncode == 0
    finally:
        subprocess.run(["umount", str(mount)], capture_output=True)
