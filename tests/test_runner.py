"""The runner's stage table and cache, on small stages built here (no models) and on the real ingest and
integrity stages: each key derived from the stage's declaration, downstream stages reused when an upstream
artifact comes out the same, an edited artifact never trusted."""

from __future__ import annotations

import dataclasses
import json
import logging
from dataclasses import dataclass
from pathlib import Path

import pytest

from builders import first_two_stages
from pipeline.artifactio import load
from pipeline.artifacts import Integrity
from pipeline.config import MergeConfig, Settings
from pipeline.fileio import file_digests, sha256_file
from pipeline.rundir import RunDir
from pipeline.runner import STAGES
from pipeline.stagecache import Context, Stage, run_stages


@dataclass(frozen=True)
class Value:
    number: float
    note: str = ""


def _table(calls: list[str]) -> tuple[Stage, ...]:
    """a reads one setting; b reads a's number; c reads only a's note; d reads b and the user's speakers.csv."""
    def make(name, fn):
        def run(c: Context):
            calls.append(name)
            return fn(c)
        return run

    return (
        Stage("a", 1, Value, make("a", lambda c: Value(int(c.settings.merge.max_pause), "kept")),
              settings=("merge.max_pause",)),
        Stage("b", 1, Value, make("b", lambda c: Value(c["a"].number * 2)), inputs=("a",)),
        Stage("c", 1, Value, make("c", lambda c: Value(0.0, c["a"].note.upper())), inputs=("a.note",)),
        Stage("d", 1, Value, make("d", lambda c: Value(c["b"].number + len(c.run.speakers_csv.read_text()))),
              inputs=("b",), files=lambda s, run: (run.speakers_csv,)),
    )


def _run(tmp_path: Path, calls: list[str], max_pause: float = 1.0) -> dict[str, bool]:
    run = RunDir(tmp_path)
    run.work.mkdir(exist_ok=True)
    settings = Settings(merge=MergeConfig(max_pause=max_pause))
    c = Context(source=tmp_path / "none", original=None, settings=settings, run=run)
    calls.clear()
    return {r.stage: r.ran for r in run_stages(_table(calls), c)}


@pytest.fixture
def folder(tmp_path):
    (tmp_path / "speakers.csv").write_text("speaker_id,name\n", encoding="utf-8")
    return tmp_path


def test_a_first_run_makes_everything_and_an_unchanged_one_reuses_everything(folder):
    calls: list[str] = []
    assert _run(folder, calls) == {"a": True, "b": True, "c": True, "d": True} and calls == ["a", "b", "c", "d"]
    first = (folder / "stages" / "d.json").read_bytes()
    assert _run(folder, calls) == {"a": False, "b": False, "c": False, "d": False} and calls == []
    assert (folder / "stages" / "d.json").read_bytes() == first
    records = json.loads((folder / "stages" / "records.json").read_text(encoding="utf-8"))["stages"]
    assert [r["stage"] for r in records] == ["a", "b", "c", "d"]
    assert set(records[3]["inputs"]) == {"b", "file:speakers.csv"}
    assert records[0]["inputs"] == {"settings:merge.max_pause": records[0]["inputs"]["settings:merge.max_pause"]}
    for r in records:
        assert sha256_file(folder / r["artifact"]) == r["artifact_sha256"]


def test_a_changed_setting_reruns_its_stage_and_only_what_its_output_changes(folder):
    calls: list[str] = []
    _run(folder, calls)
    # 1.0 → 1.4: a runs again but makes the same artifact (int(1.4) == 1): nothing after it runs
    assert _run(folder, calls, max_pause=1.4) == {"a": True, "b": False, "c": False, "d": False}
    # 1.4 → 2.0: a's number changes; b and d (which read it) run, c (which reads only a's note) does not
    assert _run(folder, calls, max_pause=2.0) == {"a": True, "b": True, "c": False, "d": True}
    assert json.loads((folder / "stages" / "d.json").read_text())["data"]["number"] == 4.0 + len("speaker_id,name\n")


def test_a_setting_a_stage_does_not_declare_changes_nothing(folder):
    calls: list[str] = []
    _run(folder, calls)
    run = RunDir(folder)
    c = Context(source=folder / "none", original=None, settings=Settings(merge=MergeConfig(low_confidence=0.9)),
                run=run)
    assert {r.stage: r.ran for r in run_stages(_table(calls), c)} == {"a": False, "b": False, "c": False,
                                                                      "d": False}


def test_a_users_file_reruns_the_stage_that_reads_it(folder):
    calls: list[str] = []
    _run(folder, calls)
    (folder / "speakers.csv").write_text("speaker_id,name\nSPEAKER_00,张三\n", encoding="utf-8")
    assert _run(folder, calls) == {"a": False, "b": False, "c": False, "d": True}


def test_an_artifact_edited_on_disk_is_made_again_not_trusted(folder, caplog):
    """b.json edited: b and every stage after it run again (the folder is rebuilt from the point where it was
    tampered with), said in one line."""
    calls: list[str] = []
    _run(folder, calls)
    path = folder / "stages" / "b.json"
    path.write_text(path.read_text().replace('"number": 2.0', '"number": 50000.0'), encoding="utf-8")
    with caplog.at_level(logging.WARNING, logger="pipeline.runner"):
        assert _run(folder, calls) == {"a": False, "b": True, "c": True, "d": True}
    assert json.loads(path.read_text())["data"]["number"] == 2.0
    assert [r.getMessage() for r in caplog.records] == [
        "stages/b.json was changed after the run that made it (its sha256 is not the one recorded): not trusted; "
        "b and every step after it run again"]
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="pipeline.runner"):    # made again: trusted again
        assert _run(folder, calls) == {"a": False, "b": False, "c": False, "d": False}
    assert not caplog.records


def test_an_artifact_is_saved_as_a_later_run_loads_it(folder):
    """a returns an int where a float is declared: saved (and handed on) as the float a reuse would load, so
    a stage's file has the same bytes whether its inputs were made just now or reused."""
    calls: list[str] = []
    _run(folder, calls)
    assert '"number": 1.0' in (folder / "stages" / "a.json").read_text()


# ------------------------------------------------------------------------- the real ingest and integrity


def test_the_integrity_screen_runs_once_per_original(tmp_path):
    assert [s.name for s in STAGES[:2]] == ["ingest", "integrity"]
    run, screen = first_two_stages(tmp_path)
    assert screen() == {"ingest": True, "integrity": True}
    # a re-render needs neither the decoding nor the original's screen again
    assert screen() == {"ingest": False, "integrity": False}
    integrity = load(Integrity, run.artifact("integrity"))
    assert [p.kind for p in integrity.points] == ["software_tag"]
    # the working copy of the sound deleted: ingest is made again from the original, and as the original is the
    # same, so is its artifact, and the screen is not done again (a changed one: test_probes.py, test 2)
    wav_sha256 = sha256_file(run.wav)
    run.wav.unlink()
    assert screen() == {"ingest": True, "integrity": False}
    assert sha256_file(run.wav) == wav_sha256


def test_every_stage_is_declared_once_and_reads_only_earlier_stages():
    names = [s.name for s in STAGES]
    assert names == ["ingest", "integrity", "channels", "diarize", "transcribe", "rehear", "normalise", "merge",
                     "label", "review", "facts", "fact_review", "export"]
    for position, stage in enumerate(STAGES):
        for name in stage.inputs:
            assert names.index(name.split(".")[0]) < position, (stage.name, name)
        for setting in stage.settings:
            Settings().value(setting)           # every declared setting exists
    assert dataclasses.fields(Settings)          # export declares every section: the documents show them
    assert set(STAGES[-1].settings) == {f.name for f in dataclasses.fields(Settings)}


def test_stages_that_read_nothing_of_each_other_run_at_the_same_time(tmp_path):
    """diarize and transcribe in the real table; here two stages that each wait for the other to have started:
    run one after the other they would wait forever (the test times out in a second instead)."""
    import threading

    from pipeline.stagecache import waves

    assert [[s.name for s in wave] for wave in waves(STAGES)][3] == ["diarize", "transcribe"]
    both = threading.Barrier(2, timeout=5)

    def meet(value: float):
        def make(c):
            both.wait()
            return Value(value)
        return make

    table = (Stage("a", 1, Value, meet(1.0), alongside=True), Stage("b", 1, Value, meet(2.0), alongside=True),
             Stage("c", 1, Value, lambda c: Value(c["a"].number + c["b"].number), inputs=("a", "b")))
    run = RunDir(tmp_path)
    run.work.mkdir()
    c = Context(source=tmp_path / "none", original=None, settings=Settings(), run=run)
    records = run_stages(table, c)
    assert [(r.stage, r.ran) for r in records] == [("a", True), ("b", True), ("c", True)]
    assert c["c"].number == 3.0
    saved = json.loads(run.records.read_text(encoding="utf-8"))["stages"]
    assert sorted(r["stage"] for r in saved) == ["a", "b", "c"]


def test_stages_run_at_the_same_time_are_recorded_in_table_order_whichever_finished_first(tmp_path):
    """records.json is the same file whichever of diarize and transcribe a machine finishes first (on float32 the
    transcriber finished first and a killed run's resumed records differed from an uninterrupted one's)."""
    import threading

    b_done = threading.Event()

    def late(c):
        assert b_done.wait(5)
        return Value(1.0)

    def early(c):
        b_done.set()
        return Value(2.0)

    table = (Stage("a", 1, Value, late, alongside=True), Stage("b", 1, Value, early, alongside=True))
    run = RunDir(tmp_path)
    run.work.mkdir()
    run_stages(table, Context(source=tmp_path / "none", original=None, settings=Settings(), run=run))
    saved = json.loads(run.records.read_text(encoding="utf-8"))["stages"]
    assert [r["stage"] for r in saved] == ["a", "b"]



def test_a_stage_that_gives_way_runs_at_a_lower_priority_only_beside_another(tmp_path):
    """The diarizer gives way to the transcriber: run beside it, its thread's priority is lowered (on Linux);
    run alone (the other's artifact reused), it is not."""
    import os
    import sys
    import threading

    seen = {}

    def make(name: str):
        def stage(c):
            nice = os.getpriority(os.PRIO_PROCESS, threading.get_native_id()) if sys.platform == "linux" else 0
            seen[name] = nice
            return Value(1.0)
        return stage

    base = os.getpriority(os.PRIO_PROCESS, 0) if sys.platform == "linux" else 0
    table = (Stage("a", 1, Value, make("a"), alongside=True, gives_way=True),
             Stage("b", 1, Value, make("b"), alongside=True))
    run = RunDir(tmp_path)
    run.work.mkdir()
    run_stages(table, Context(source=tmp_path / "none", original=None, settings=Settings(), run=run))
    lowered = base + 10 if sys.platform == "linux" else 0
    assert seen == {"a": min(lowered, 19), "b": base}
    seen.clear()
    again = (Stage("a", 2, Value, make("a"), alongside=True, gives_way=True), table[1])   # a changed, b reused
    run_stages(again, Context(source=tmp_path / "none", original=None, settings=Settings(), run=run))
    assert seen == {"a": base}
    assert os.getpriority(os.PRIO_PROCESS, threading.get_native_id()) == base if sys.platform == "linux" else True


def test_outputs_thrown_away_after_a_failed_run_are_made_again_without_a_false_changed_warning(tmp_path, caplog):
    """A run that fails after the export made its outputs (in .incoming/) but before they were moved into place:
    the next run makes them again, and says nothing of files changed behind its back (none were)."""
    from pipeline.artifacts import Exported
    from pipeline.export.stage import still_written

    run = RunDir(tmp_path / "run")
    run.work.mkdir(parents=True)
    source = tmp_path / "rec.wav"
    source.write_bytes(b"sound")
    text = {"now": "first"}

    def export(c: Context) -> Exported:
        c.run.staged().root.mkdir(exist_ok=True)
        (c.run.staged().root / "out.txt").write_text(text["now"], encoding="utf-8")
        return Exported(files={"out": "out.txt"}, sha256={"out.txt": sha256_file(c.run.staged().root / "out.txt")})

    table = (Stage("export", 1, Exported, export, environment=lambda c: text["now"], still_valid=still_written),)

    def go() -> list[bool]:
        c = Context(source=source, original=file_digests(source), settings=Settings(), run=run)
        return [r.ran for r in run_stages(table, c)]

    assert go() == [True]
    run.publish(remove=[])
    text["now"] = "second"
    assert go() == [True]
    run.discard_incoming()                      # the run failed before its outputs were moved into place
    assert (run.root / "out.txt").read_text(encoding="utf-8") == "first"
    with caplog.at_level(logging.WARNING):
        assert go() == [True]
    assert not [r for r in caplog.records if "changed" in r.getMessage()], caplog.text


def test_a_folder_holding_another_recordings_work_is_refused_even_without_its_working_files(tmp_path):
    """Issue 19, item 4 of the probe: another recording's corrections and names are never applied to this one.
    With stages/ deleted, manifest.json still says which recording the person's files were written for."""
    import numpy as np

    from pipeline.artifacts import RunManifest
    from pipeline.audio import write_wav
    from pipeline.errors import PipelineError
    from pipeline.export.manifest import write_manifest
    from pipeline.runner import run

    recording = tmp_path / "call.wav"
    write_wav(recording, np.zeros(16000, np.float32))
    out = tmp_path / "out" / "call"
    out.mkdir(parents=True)
    write_manifest(out / "manifest.json", RunManifest(
        software={}, original="/evidence/call.m4a", original_sha256_before="a" * 64, original_sha256_after="a" * 64,
        settings={}, models={}, stages=(), outputs={}, created="2025-03-06T14:30:00+08:00"))
    (out / "speakers.csv").write_text("speaker_id,name,role\nSPEAKER_00,张三,被告\n", encoding="utf-8")
    (out / "transcript.csv").write_text("index,id,text\n1,u0001,我在滨海新区有房。\n", encoding="utf-8")
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    with pytest.raises(PipelineError) as refused:
        run(recording, out, Settings())
    message = str(refused.value)
    assert message.startswith(f"{out} already holds the exhibit of another recording (call.m4a, sha256 aaaaaaaaaaaa…)")
    assert "its speakers.csv, transcript.csv were written for that recording and are not applied to this one" in message
    assert "with --out (for example call_2)" in message and "\n" not in message
    assert {p.name: p.read_bytes() for p in out.iterdir() if p.name != ".lock"} == before   # nothing touched
