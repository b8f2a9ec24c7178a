"""The runner: the stage table, the cache check, progress and the run manifest.

Every stage is declared once, in STAGES: its name and version, the artifact it makes, what it reads (earlier
artifacts, or one field of one; settings sections or single settings; files such as rule files and the user's
speakers.csv and key_facts.csv) and the function that makes it. The cache key is derived from that declaration
alone: the sha256 of each artifact read (stages/<stage>.json, whose bytes stand for its content), of each
setting's value and of each file. A stage runs when its key differs from the one recorded in
stages/records.json, or when its artifact (or a file it vouches for, such as the working copy of the sound or
the exports) no longer matches what was recorded; otherwise its artifact is reused. So after an edit to
speakers.csv only label and what follows it run; after a change to a [normalise] setting, normalise → export.
The manifest lists every stage with its key, what the key covers and its artifact's sha256 (chain.py).

A cached artifact or working copy that no longer matches its record was changed by someone: it is not
trusted, and that stage and every stage after it run again, said in one line (with strict=True the run stops
instead). A run holds the folder's lock (RunDir.lock) and moves its outputs into place as one set, the
manifest last (RunDir.publish).
"""

from __future__ import annotations

import dataclasses
import logging
import shutil
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from pipeline.artifacts import (
    AudioAsset,
    Diarization,
    Exported,
    Facts,
    Flag,
    Integrity,
    Labelled,
    RunManifest,
    StageRecord,
    Transcript,
    Utterances,
    from_dict,
    load,
    save,
    to_dict,
)
from pipeline.chain import original_identity, read_records, write_records
from pipeline.config import ROOT, Settings
from pipeline.errors import PipelineError, TamperedError, os_error
from pipeline.export import stage as export
from pipeline.export.content import exhibit_content, model_files
from pipeline.export.manifest import read_manifest, software_versions, write_manifest
from pipeline.fileio import Digests, file_digests, sha256_file, sha256_json
from pipeline.progress import ProgressHook, StageProgress
from pipeline.rundir import RunDir
from pipeline.stages import diarize, fact_review, facts, ingest, integrity, label, merge, normalise, transcribe
from pipeline.text.rules import load_rules

log = logging.getLogger(__name__)

FLAGGED = (Flag.HALLUCINATION, Flag.INAUDIBLE)  # listed in the manifest: what the machine may have invented or missed
ABSENT = "absent"                               # a file's digest in a key when the file does not exist


def _quiet(stage: str, completed: float, total: float) -> None:
    """The default progress hook: nothing shown."""


@dataclass
class Context:
    """What a stage's function is given: the original, the settings, the run folder, the artifacts made so far
    and its progress hook."""

    source: Path
    original: Digests
    settings: Settings
    run: RunDir
    artifacts: dict[str, Any] = field(default_factory=dict)
    progress: StageProgress = lambda completed, total: None

    def __getitem__(self, stage: str) -> Any:
        return self.artifacts[stage]


def _no_files(settings: Settings, run: RunDir) -> Iterable[Path]:
    return ()


def _always(artifact: Any, run: RunDir) -> str:
    return ""


@dataclass(frozen=True)
class Stage:
    name: str
    version: int
    makes: type
    make: Callable[[Context], Any]
    inputs: tuple[str, ...] = ()     # earlier stages whose artifact it reads ("diarize"), or one field of one
    settings: tuple[str, ...] = ()   # settings sections ("merge") or single settings ("case.recorded_on")
    files: Callable[[Settings, RunDir], Iterable[Path]] = _no_files   # files whose content it depends on
    environment: Callable[[Context], Any] | None = None   # anything else it depends on (JSON-ready)
    # the first file its artifact vouches for that is not as recorded (relative to the run folder), "" when none
    still_valid: Callable[[Any, RunDir], str] = _always


# ------------------------------------------------------------------------------------------ the stages


def _stereo(c: Context) -> Path | None:
    return c.run.stereo_wav if c["ingest"].stereo_wav_path else None


def _hotwords(c: Context) -> str:
    cfg = c.settings.transcribe
    return transcribe.hotword_text(cfg.hotwords, c.run.speakers_csv if cfg.names_as_hotwords else None)


def _working_copies_match(asset: AudioAsset, run: RunDir) -> str:
    for path, digest in ((run.wav, asset.wav_sha256), (run.stereo_wav, asset.stereo_wav_sha256)):
        if (digest or path == run.wav) and (not path.is_file() or sha256_file(path) != digest):
            return run.relative(path)
    return ""


def _original(c: Context) -> dict[str, str]:
    return original_identity(c.original.sha256, str(c.source.resolve()), ingest.file_time(c.source))


def _export(c: Context) -> Exported:
    content = exhibit_content(c["ingest"], c["normalise"], c["diarize"], c["label"], c["fact_review"],
                              c["integrity"].points, c.settings, software_versions(), datetime.now().astimezone())
    return export.export(content, c.run)


# the models' steps read the working copies of the sound, not where the original is: keyed on their hashes,
# they are reused when the original is moved
SOUND = ("ingest.wav_sha256", "ingest.stereo_wav_sha256")

STAGES: tuple[Stage, ...] = (
    Stage("ingest", ingest.VERSION, AudioAsset,
          lambda c: ingest.ingest(c.source, c.original, c.run, c.progress),
          environment=_original, still_valid=_working_copies_match),
    Stage("integrity", integrity.VERSION, Integrity,
          lambda c: integrity.screen(c["ingest"], c.source), inputs=("ingest",)),
    Stage("diarize", diarize.VERSION, Diarization,
          lambda c: diarize.diarize(c.run.wav, c.settings.diarize, c.progress, stereo_path=_stereo(c)),
          inputs=SOUND, settings=("diarize",)),
    Stage("transcribe", transcribe.VERSION, Transcript,
          lambda c: transcribe.transcribe(c.run.wav, c.settings.transcribe, c.progress, hotwords=_hotwords(c),
                                          channels_path=_stereo(c) if c["diarize"].channel_speakers else None),
          inputs=(*SOUND, "diarize.channel_speakers"), settings=("transcribe",), environment=_hotwords),
    Stage("normalise", normalise.VERSION, Transcript,
          lambda c: normalise.normalise(c["transcribe"], c.settings.normalise),
          inputs=("transcribe",), settings=("normalise",),
          files=lambda s, run: (s.normalise.hallucinations_path,)),
    Stage("merge", merge.VERSION, Utterances,
          lambda c: merge.merge(c["normalise"], c["diarize"], c.settings.merge),
          inputs=("normalise", "diarize"), settings=("merge",)),
    Stage("label", label.VERSION, Labelled,
          lambda c: label.label(c["merge"], c["diarize"], c.run),
          inputs=("merge", "diarize"), files=lambda s, run: (run.speakers_csv, run.voices)),
    Stage("facts", facts.VERSION, Facts,
          lambda c: facts.find_facts(c["label"], c.settings.facts, facts.reference_date(c.settings.case,
                                                                                          c["ingest"])),
          inputs=("label", "ingest"), settings=("facts", "case.recorded_on"),
          files=lambda s, run: s.facts.paths),
    Stage("fact_review", fact_review.VERSION, Facts,
          lambda c: fact_review.apply_review(c["facts"], c.run.key_facts_csv, c.run.key_facts_seen),
          inputs=("facts",), files=lambda s, run: (run.key_facts_csv, run.key_facts_seen)),
    Stage("export", export.VERSION, Exported, _export,
          inputs=("ingest", "integrity", "normalise", "diarize", "label", "fact_review"),
          settings=tuple(f.name for f in dataclasses.fields(Settings)), files=lambda s, run: export.FILES,
          environment=lambda c: software_versions(), still_valid=export.still_written),
)


# ---------------------------------------------------------------------------------------- the cache


def _file_name(path: Path, run: RunDir) -> str:
    for base in (run.root, ROOT):
        if path.is_relative_to(base):
            return path.relative_to(base).as_posix()
    return str(path)


def _covered(stage: Stage, c: Context, records: dict[str, StageRecord]) -> dict[str, str]:
    """What the stage's cache key covers: each input, setting and file named as the manifest shows it, with
    its sha256."""
    covered = {}
    for name in stage.inputs:
        source, _, part = name.partition(".")
        covered[name] = sha256_json(to_dict(getattr(c[source], part))) if part else records[source].artifact_sha256
    for name in stage.settings:
        covered[f"settings:{name}"] = sha256_json(c.settings.value(name))
    for path in stage.files(c.settings, c.run):
        covered[f"file:{_file_name(Path(path), c.run)}"] = sha256_file(path) if Path(path).is_file() else ABSENT
    if stage.environment is not None:
        covered["environment"] = sha256_json(stage.environment(c))
    return covered


def _reusable(stage: Stage, key: str, record: StageRecord | None, run: RunDir) -> tuple[Any | None, str]:
    """(the stage's artifact on disk, "") when its record has this key and the artifact (and what it vouches
    for) is still as recorded; else (None, the file that is there but no longer as recorded, or "")."""
    path = run.artifact(stage.name)
    if record is None or record.cache_key != key or not path.is_file():
        return None, ""
    if sha256_file(path) != record.artifact_sha256:
        return None, run.relative(path)
    artifact = load(stage.makes, path)
    if artifact is None:
        return None, run.relative(path)
    changed = stage.still_valid(artifact, run)
    if changed:
        return None, changed if (run.root / changed).exists() else ""
    return artifact, ""


def _distrust(stage: Stage, changed: str, run: RunDir, strict: bool) -> bool:
    """Say in one line that a file of the run folder was changed since it was made (stop, when strict and it
    is a working file); True when it is a working file (stages/…): then every later stage runs too."""
    working = changed.startswith(f"{run.work.name}/")
    if not working:
        log.warning("%s was changed since this run folder's last run wrote it: %s writes it again", changed,
                    stage.name)
        return False
    if strict:
        raise TamperedError(f"{run.root / changed} was changed after the run that made it (its sha256 is not the "
                            "one recorded): stopped (--strict). Find out who changed it; run without --strict to "
                            "make it and every step after it again")
    log.warning("%s was changed after the run that made it (its sha256 is not the one recorded): not trusted; "
                "%s and every step after it run again", changed, stage.name)
    return True


def run_stages(stages: tuple[Stage, ...], c: Context, progress: ProgressHook = _quiet,
               strict: bool = False) -> list[StageRecord]:
    """Run (or reuse) each stage in order; their artifacts end up in c.artifacts. The records of what was
    run are kept in the run folder (stages/records.json) as each stage finishes. A working file found changed
    makes its stage and every later one run (strict: stops with TamperedError)."""
    records = read_records(c.run)
    if records is None:
        if strict:
            raise TamperedError(f"{c.run.records} cannot be read (it was damaged or edited): stopped (--strict); "
                                "run without --strict to make every step again")
        log.warning("%s cannot be read (it was damaged or edited): every step runs again", c.run.records)
        records = {}
    done, rerun = [], False
    for stage in stages:
        record, rerun = _execute(stage, c, records, progress, rerun, strict)
        done.append(record)
    return done


def _execute(stage: Stage, c: Context, records: dict[str, StageRecord], progress: ProgressHook, rerun: bool,
             strict: bool) -> tuple[StageRecord, bool]:
    """The stage's record, and whether the stages after it must run whatever their keys (`rerun` passed on, or
    a working file of this stage found changed)."""
    started = time.perf_counter()
    covered = _covered(stage, c, records)
    key = sha256_json({"stage": stage.name, "version": stage.version, "covers": covered})
    progress(stage.name, 0, 1)
    artifact, changed = _reusable(stage, key, records.get(stage.name), c.run)
    if changed:
        rerun = _distrust(stage, changed, c.run, strict) or rerun
    if rerun:
        artifact = None
    ran = artifact is None
    path = c.run.artifact(stage.name)
    if ran:
        log.info("running %s", stage.name)
        c.progress = lambda completed, total: progress(stage.name, completed, total)
        # as a later run would load it (an int where a float is declared becomes a float …): the stages after
        # it get the same input, and the file the same bytes, whether it was made now or reused
        artifact = from_dict(stage.makes, to_dict(stage.make(c)))
        save(artifact, path)
    else:
        log.info("%s: reused", stage.name)
    progress(stage.name, 1, 1)
    c.artifacts[stage.name] = artifact
    record = StageRecord(stage=stage.name, version=stage.version, cache_key=key, ran=ran,
                         seconds=round(time.perf_counter() - started, 3), artifact=c.run.relative(path),
                         artifact_sha256=sha256_file(path), inputs=covered)
    records[stage.name] = record
    write_records(c.run, records)
    return record, rerun


# ------------------------------------------------------------------------------------------- the run


@dataclass(frozen=True)
class RunResult:
    out_dir: Path
    outputs: dict[str, Path]     # role ("docx", "speakers", …) → file
    manifest: RunManifest
    labelled: Labelled


def check_inputs(source: Path, settings: Settings) -> None:
    """What can be checked in a second, before any model runs: the recording is a non-empty file, the rule
    files (the user's among them) are well formed."""
    ingest.check_readable(source)
    load_rules(settings.facts.paths)


def run(source: Path, out_dir: Path, settings: Settings, progress: ProgressHook = _quiet,
        strict: bool = False) -> RunResult:
    """Run every stage (or reuse its cached artifact) and write the exhibit and its companions to out_dir.
    strict: stop (TamperedError) instead of making again a working file found changed since the run that made it."""
    check_inputs(source, settings)
    folder = RunDir(out_dir)
    created = _first_missing(out_dir.absolute())
    try:
        folder.root.mkdir(parents=True, exist_ok=True)
        with folder.lock("exhibit transcript"):
            try:
                return _run(source, folder, settings, progress, strict)
            except BaseException:
                folder.discard_incoming()   # outputs not yet moved into place: the previous set stays whole
                if created is not None:     # a first run that failed leaves no folder behind
                    shutil.rmtree(created, ignore_errors=True)
                raise
    except OSError as exc:  # disk full, no permission …: still one line for the user
        raise os_error(exc, out_dir) from exc


def _first_missing(folder: Path) -> Path | None:
    """The outermost folder of `folder`'s path that does not exist yet (what a run will create), or None."""
    if folder.exists():
        return None
    while not folder.parent.exists():
        folder = folder.parent
    return folder


def _check_same_recording(run: RunDir, sha256: str) -> None:
    previous = load(AudioAsset, run.artifact("ingest"))
    if previous is not None and previous.sha256 != sha256:
        raise PipelineError(
            f"{run.root} already holds the exhibit of another recording ({previous.file_name}, sha256 "
            f"{previous.sha256[:12]}…): choose another folder with --out, or delete that one"
        )


def _stale(run: RunDir, manifest: RunManifest) -> list[str]:
    """The outputs of the previous run that this one does not make again (another recording name's files, the
    clip of a voice no longer found): removed when the new set is moved into place."""
    try:
        previous = read_manifest(run.manifest).outputs if run.manifest.is_file() else {}
    except (OSError, ValueError, KeyError, TypeError):
        previous = {}
    return sorted(set(previous) - set(manifest.outputs) - {run.relative(run.speakers_csv)})


def _run(source: Path, run: RunDir, settings: Settings, progress: ProgressHook, strict: bool) -> RunResult:
    before = file_digests(source)
    run.work.mkdir(parents=True, exist_ok=True)
    if run.finish_interrupted():
        log.warning("%s: the last run was stopped while moving its outputs into place: they were moved now",
                    run.root)
    _check_same_recording(run, before.sha256)
    c = Context(source=source, original=before, settings=settings, run=run)
    done = run_stages(STAGES, c, progress, strict)
    after = file_digests(source)
    if after.sha256 != before.sha256:
        raise PipelineError(f"{source}: the original changed while it was being processed; run again on a copy "
                            "that nothing else is writing to")
    exported: Exported = c["export"]
    labelled: Labelled = c["label"]
    outputs = {role: run.root / name for role, name in exported.files.items()}
    outputs["speakers"] = run.speakers_csv
    manifest = RunManifest(
        software=software_versions(),
        original=str(source.resolve()),
        original_sha256_before=before.sha256,
        original_sha256_after=after.sha256,
        settings=settings.public(),
        models=model_files(c["transcribe"], c["diarize"]),
        stages=tuple(done),
        outputs={**exported.sha256, run.relative(run.speakers_csv): sha256_file(run.speakers_csv)},
        created=datetime.now().astimezone().isoformat(timespec="seconds"),
        flagged={flag: tuple(u.id for u in labelled.items if flag in u.flags) for flag in FLAGGED},
    )
    outputs["manifest"] = run.manifest
    run.incoming.mkdir(exist_ok=True)
    write_manifest(run.staged().manifest, manifest)
    run.publish(remove=_stale(run, manifest))
    return RunResult(out_dir=run.root, outputs=outputs, manifest=manifest, labelled=labelled)
