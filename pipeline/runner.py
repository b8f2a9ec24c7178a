"""The runner: the stage table, the run (lock, checks, the manifest) — the cache check that runs a table is
stagecache.py.

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
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from pipeline.artifactio import load
from pipeline.artifacts import (
    AudioAsset,
    Channels,
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
)
from pipeline import casefile, received, vocabulary
from pipeline.chain import original_identity, working_copy_changed
from pipeline.config import Settings
from pipeline.errors import Joined, Phrase, PipelineError, os_error
from pipeline.export import stage as export
from pipeline.export.content import exhibit_content, model_files
from pipeline.export.manifest import read_manifest, software_versions, write_manifest
from pipeline.fileio import file_digests, sha256_file
from pipeline.progress import ProgressHook, quiet
from pipeline.rundir import RunDir
from pipeline.stagecache import ABSENT, Context, Stage, run_stages
from pipeline.stages import (
    channels,
    diarize,
    fact_review,
    facts,
    ingest,
    integrity,
    label,
    merge,
    normalise,
    rehear,
    review,
    transcribe,
)
from pipeline.text.rules import load_rules

log = logging.getLogger(__name__)

FLAGGED = (Flag.HALLUCINATION, Flag.INAUDIBLE)  # listed in the manifest: what the machine may have invented or missed


# ------------------------------------------------------------------------------------------ the stages


def _stereo(c: Context) -> Path | None:
    return c.run.stereo_wav if c["ingest"].stereo_wav_path else None


def hotwords(settings: Settings, run: RunDir) -> vocabulary.Hotwords:
    """The hotwords of a run: --hotwords, the parties of the case file, the names in speakers.csv (when
    names_as_hotwords) and the folder's vocabulary.txt (vocabulary.py)."""
    cfg, case = settings.transcribe, settings.case
    return vocabulary.gather(cfg.hotwords, case.case_name, case.submitting_party,
                             run.speakers_csv if cfg.names_as_hotwords else None, run.vocabulary)


def _terms(c: Context) -> tuple[str, ...]:
    """What the rehear stage is keyed on besides the transcript: the terms (a comment added to vocabulary.txt,
    or a term moved from it to the case file, hears nothing again)."""
    return tuple(term for term, _ in hotwords(c.settings, c.run).terms)


def _working_copies_match(asset: AudioAsset, run: RunDir) -> str:
    changed = working_copy_changed(asset, run)
    return run.relative(changed) if changed else ""


def _original(c: Context) -> dict[str, str]:
    return original_identity(c.original.sha256, str(c.source.resolve()), ingest.file_time(c.source))


def _diarize(c: Context) -> Diarization:
    """One speaker per channel for a call recorded one side per channel (see the channels stage), else the
    voices of the mono working copy."""
    split = c["channels"].split
    cfg = dataclasses.replace(c.settings.diarize, channels="split" if split else "mix")
    return diarize.diarize(c.run.wav, cfg, c.progress, stereo_path=_stereo(c) if split else None)


def _export(c: Context) -> Exported:
    content = exhibit_content(c["ingest"], c["normalise"], c["diarize"], c["review"], c["fact_review"],
                              c["integrity"].points, c.settings, software_versions(), datetime.now().astimezone())
    return export.export(content, c.run, c.progress)


# the models' steps read the working copies of the sound, not where the original is: keyed on their hashes,
# they are reused when the original is moved
SOUND = ("ingest.wav_sha256", "ingest.stereo_wav_sha256")

# cost: each stage's rough share of a first run (make bench: diarization and transcription are nearly all of it)
STAGES: tuple[Stage, ...] = (
    Stage("ingest", ingest.VERSION, AudioAsset,
          lambda c: ingest.ingest(c.source, c.original, c.run, c.progress),
          environment=_original, still_valid=_working_copies_match, cost=0.02),
    Stage("integrity", integrity.VERSION, Integrity,
          lambda c: integrity.screen(c["ingest"], c.source, c.progress), inputs=("ingest",), cost=0.02),
    Stage("channels", channels.VERSION, Channels,
          lambda c: channels.decide(c["ingest"], c.run, c.settings.diarize),
          inputs=SOUND, settings=("diarize.channels",)),
    Stage("diarize", diarize.VERSION, Diarization, _diarize,
          inputs=(*SOUND, "channels.split"), settings=("diarize",), cost=0.35, alongside=True,
          gives_way=True),   # on one core (diarize/onnx.py) at a lower priority beside the transcriber: it fills the
                             # CPU time Whisper's decoding leaves idle (make bench, 5 minutes on 2 cores: 16.1 s
                             # against 18.8 s on two cores at the same priority)
    Stage("transcribe", transcribe.VERSION, Transcript,
          lambda c: transcribe.transcribe(c.run.wav, c.settings.transcribe, c.progress,
                                          channels_path=_stereo(c) if c["channels"].split else None),
          inputs=(*SOUND, "channels.split"), settings=("transcribe",), cost=0.55, alongside=True),
    Stage("rehear", rehear.VERSION, Transcript,
          lambda c: rehear.rehear(c["transcribe"], c.run.wav, _terms(c), c.settings.transcribe, c.progress,
                                  channels_path=_stereo(c) if c["channels"].split else None),
          inputs=("transcribe", *SOUND, "channels.split"), settings=("transcribe",), environment=_terms,
          cost=0.02),
    Stage("normalise", normalise.VERSION, Transcript,
          lambda c: normalise.normalise(c["rehear"], c.settings.normalise),
          inputs=("rehear",), settings=("normalise",),
          files=lambda s, run: (s.normalise.hallucinations_path,)),
    Stage("merge", merge.VERSION, Utterances,
          lambda c: merge.merge(c["normalise"], c["diarize"], c.settings.merge, c.settings.normalise.punctuation),
          inputs=("normalise", "diarize"), settings=("merge", "normalise.punctuation")),
    Stage("label", label.VERSION, Labelled,
          lambda c: label.label(c["merge"], c["diarize"], c.run),
          inputs=("merge", "diarize"), files=lambda s, run: (run.speakers_csv, run.voices)),
    Stage("review", review.VERSION, Labelled,
          lambda c: review.review(c["label"], c.run.transcript_csv),
          inputs=("label",), files=lambda s, run: (run.transcript_csv,)),
    Stage("facts", facts.VERSION, Facts,
          lambda c: facts.find_facts(c["review"], c.settings.facts, facts.reference_date(c.settings.case)),
          inputs=("review",), settings=("facts", "case.recorded_on"),
          files=lambda s, run: s.facts.paths),
    Stage("fact_review", fact_review.VERSION, Facts,
          lambda c: fact_review.apply_review(c["facts"], c.run.key_facts_csv, c.run.key_facts_seen),
          inputs=("facts",), files=lambda s, run: (run.key_facts_csv, run.key_facts_seen)),
    Stage("export", export.VERSION, Exported, _export,
          inputs=("ingest", "integrity", "normalise", "diarize", "review", "fact_review"),
          settings=tuple(f.name for f in dataclasses.fields(Settings)), files=lambda s, run: export.FILES,
          environment=lambda c: software_versions(), still_valid=export.still_written, cost=0.03),
)


# ------------------------------------------------------------------------------------------- the run


@dataclass(frozen=True)
class RunResult:
    out_dir: Path
    outputs: dict[str, Path]     # role ("docx", "speakers", …) → file
    manifest: RunManifest
    labelled: Labelled
    settings: Settings                       # as the run used them: the case settled with the folder's case.toml
    case_changes: tuple[casefile.Change, ...] = ()   # what this run changed in the folder's case.toml


def check_inputs(source: Path, settings: Settings) -> None:
    """What can be checked in a second, before any model runs: the recording is a non-empty file, the rule
    files (the user's among them) are well formed."""
    ingest.check_readable(source)
    load_rules(settings.facts.paths)


def run(source: Path, out_dir: Path, settings: Settings, progress: ProgressHook = quiet,
        strict: bool = False, case_file: Path | None = None) -> RunResult:
    """Run every stage (or reuse its cached artifact) and write the exhibit and its companions to out_dir.
    strict: stop (TamperedError) instead of making again a working file found changed since the run that made it.
    case_file: the case file settings.case was read from (--case), refused when it names another recording."""
    check_inputs(source, settings)
    folder = RunDir(out_dir)
    created = _first_missing(out_dir.absolute())
    try:
        folder.root.mkdir(parents=True, exist_ok=True)
        with folder.lock("exhibit transcript"):
            try:
                return _run(source, folder, settings, progress, strict, case_file)
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
    """Refuse a folder that holds the work of another recording: what a person wrote there (names, corrections,
    notes) was made for that one. Its working copy says which, and so does manifest.json (the record beside
    the person's files), so deleting stages/ does not unbind them."""
    previous = load(AudioAsset, run.artifact("ingest"))
    found = (previous.file_name, previous.sha256) if previous is not None else None
    if found is None and run.manifest.is_file():
        try:
            recorded = read_manifest(run.manifest)
            found = (Path(recorded.original).name, recorded.original_sha256_before)
        except (OSError, ValueError, KeyError, TypeError):
            found = None
    if found is None or found[1] == sha256:
        return
    work = [p.name for p in (run.speakers_csv, run.transcript_csv, run.key_facts_csv) if p.is_file()]
    held = Phrase("another_recording_files", {"files": Joined(tuple(work))}) if work else ""
    raise PipelineError.keyed("another_recording", folder=run.root, name=found[0], sha256=found[1][:12], held=held,
                              example=f"{run.root.name}_2")


def _review_record(labelled: Labelled, settings: Settings, record: StageRecord) -> dict[str, Any]:
    """What the manifest says of the review: the file as read, the lines machine / reviewed / corrected, who
    reviewed, and how many reviews the lines no longer take (conflicts: to review again, not applied)."""
    return {"file": "transcript.csv", "sha256": record.inputs.get("file:transcript.csv", ABSENT),
            "lines": review.counts(labelled), "reviewer": settings.case.reviewed_by.strip(),
            "conflicts": len(labelled.conflicts)}


def _keep_the_persons_review(run: RunDir, review_record: StageRecord, written: dict[str, str]) -> dict[str, str]:
    """transcript.csv changed (in Excel, say) after the review stage read it: the person's file is kept as it
    is, not replaced by this run's (which does not hold that change), and the manifest records it as it is.
    Returns the outputs' sha256 as they will be in the folder."""
    name = run.relative(run.transcript_csv)
    read = review_record.inputs.get(f"file:{name}", ABSENT)
    now = sha256_file(run.transcript_csv) if run.transcript_csv.is_file() else ABSENT
    if read == now or now == ABSENT:
        return written
    run.staged().transcript_csv.unlink(missing_ok=True)
    log.warning("%s was changed while this run made the exhibit: it is kept as you left it, and this exhibit "
                "does not hold that change yet; run again to apply it", run.transcript_csv)
    return {**written, name: now}


def _keep_the_case(run: RunDir, settled: casefile.Settled, source: Path, sha256: str,
                   written: dict[str, str]) -> dict[str, str]:
    """The folder's case.toml with the case this run used, staged with the outputs; when a person changed it
    while the run made the exhibit, theirs is kept as they left it (and the run says to run again). Returns the
    outputs' sha256 as they will be in the folder."""
    name = run.relative(run.case_toml)
    now = sha256_file(run.case_toml) if run.case_toml.is_file() else ""
    if now != settled.read:
        log.warning("%s was changed while this run made the exhibit: it is kept as you left it, and this exhibit "
                    "does not hold that change yet; run again to apply it", run.case_toml)
        return {**written, name: now} if now else written
    run.incoming.mkdir(exist_ok=True)
    casefile.write(run.staged().case_toml, settled.case, sha256, source.name)
    return {**written, name: sha256_file(run.staged().case_toml)}


def _stale(run: RunDir, manifest: RunManifest) -> list[str]:
    """The outputs of the previous run that this one does not make again (another recording name's files, the
    clip of a voice no longer found): removed when the new set is moved into place."""
    try:
        previous = read_manifest(run.manifest).outputs if run.manifest.is_file() else {}
    except (OSError, ValueError, KeyError, TypeError):
        previous = {}
    return sorted(set(previous) - set(manifest.outputs))


def _run(source: Path, run: RunDir, settings: Settings, progress: ProgressHook, strict: bool,
         case_file: Path | None) -> RunResult:
    before = file_digests(source)
    if run.finish_interrupted():
        log.warning("%s: the last run was stopped while moving its outputs into place: they were moved now",
                    run.root)
    _check_same_recording(run, before.sha256)
    if case_file is not None:
        casefile.refuse_for_another(case_file, before.sha256)
    settled = casefile.settle(run, settings.case, before.sha256)
    settings = dataclasses.replace(settings, case=settled.case)
    run.work.mkdir(parents=True, exist_ok=True)
    c = Context(source=source, original=before, settings=settings, run=run)
    done = run_stages(STAGES, c, progress, strict)
    after = file_digests(source)
    if after.sha256 != before.sha256:
        raise PipelineError.keyed("original_changed", path=source)
    exported: Exported = c["export"]
    labelled: Labelled = c["review"]
    written = _keep_the_persons_review(run, next(r for r in done if r.stage == "review"), dict(exported.sha256))
    written = _keep_the_case(run, settled, source, before.sha256, written)
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
        outputs={**written, run.relative(run.speakers_csv): sha256_file(run.speakers_csv)},
        created=datetime.now().astimezone().isoformat(timespec="seconds"),
        flagged={flag: tuple(u.id for u in labelled.items if flag in u.flags) for flag in FLAGGED},
        review=_review_record(labelled, c.settings, next(r for r in done if r.stage == "review")),
        received=received.for_recording(run.received, before.sha256),
        hotwords=hotwords(settings, run).by_source(),
    )
    outputs["manifest"] = run.manifest
    outputs["case"] = run.case_toml
    write_manifest(run.staged().manifest, manifest)
    run.publish(remove=_stale(run, manifest))
    return RunResult(out_dir=run.root, outputs=outputs, manifest=manifest, labelled=labelled, settings=settings,
                     case_changes=settled.changes)
