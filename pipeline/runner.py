"""The stage order, the cache check, the progress hook and the run manifest.

Each stage's artifact is saved in <out>/stages/<stage>.json with the cache key that produced it: a hash of
the stage's version, its input artifacts and its settings section. A stage whose key matches is not run
again, so after the user edits speakers.csv only label → facts → export run (unless names_as_hotwords is on:
then new names are hotwords for the model, and transcribe and merge run again too).
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import logging
import shutil
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Callable, TypeVar

from pipeline.artifacts import (
    AudioAsset,
    Diarization,
    Facts,
    Labelled,
    RunManifest,
    StageRecord,
    Transcript,
    Utterances,
    load,
    save,
)
from pipeline.config import CONFIG_DIR, Settings, config_hash
from pipeline.coverage import coverage
from pipeline.errors import PipelineError
from pipeline.export.clips import write_speaker_clips
from pipeline.export.content import ExhibitContent
from pipeline.export.word import write_docx
from pipeline.export.json import write_json
from pipeline.export.manifest import output_digests, software_versions, write_manifest
from pipeline.export.rttm import write_rttm
from pipeline.export.srt import write_srt
from pipeline.export.fact_review import SEEN_NAME, apply_review
from pipeline.export.tables import write_key_facts_csv, write_transcript_csv
from pipeline.export.wording import doc_language
from pipeline.integrity import write_integrity
from pipeline.models import sha256_file
from pipeline.progress import ProgressHook, StageProgress
from pipeline.stages import diarize, facts, ingest, label, merge, transcribe

log = logging.getLogger(__name__)

T = TypeVar("T")
WORK = "stages"
FLAGGED = ("hallucination", "inaudible")  # listed in the manifest: what the machine may have invented or missed


def _quiet(stage: str, completed: float, total: float) -> None:
    """The default progress hook: nothing shown."""


@dataclass(frozen=True)
class RunResult:
    out_dir: Path
    outputs: dict[str, Path]     # role ("docx", "speakers", …) → file
    manifest: RunManifest
    labelled: Labelled


def _key(*parts: Any) -> str:
    return hashlib.sha256(json.dumps(parts, sort_keys=True, ensure_ascii=False).encode("utf-8")).hexdigest()


class _Run:
    def __init__(self, source: Path, out_dir: Path, settings: Settings, progress: ProgressHook):
        self.source, self.out_dir, self.settings, self.progress = source, out_dir, settings, progress
        self.work = out_dir / WORK
        self.records: list[StageRecord] = []

    def hook(self, stage: str) -> StageProgress:
        return lambda completed, total: self.progress(stage, completed, total)

    def stage(self, name: str, version: int, inputs: list[Any], cls: type[T], make: Callable[[StageProgress], T],
              valid: Callable[[T], bool] = lambda _: True) -> T:
        key = _key(name, version, inputs)
        path = self.work / f"{name}.json"
        started = time.perf_counter()
        artifact = load(cls, path, key)
        ran = artifact is None or not valid(artifact)
        self.progress(name, 0, 1)
        if ran:
            log.info("running %s", name)
            artifact = make(self.hook(name))
            save(artifact, path, key)
        else:
            log.info("%s: cached", name)
        self.progress(name, 1, 1)
        self.records.append(StageRecord(stage=name, version=version, cache_key=key, ran=ran,
                                        seconds=round(time.perf_counter() - started, 3),
                                        artifact=f"{WORK}/{path.name}", artifact_sha256=sha256_file(path)))
        return artifact

    def digest(self, name: str) -> str:
        return next(r.artifact_sha256 for r in self.records if r.stage == name)


def _check_same_recording(work: Path, sha256: str) -> None:
    previous = load(AudioAsset, work / "ingest.json")
    if previous is not None and previous.sha256 != sha256:
        raise PipelineError(
            f"{work.parent} already holds the exhibit of another recording ({previous.file_name}, sha256 "
            f"{previous.sha256[:12]}…): choose another folder with --out, or delete that one"
        )


def _model_hashes(transcript: Transcript, diarization: Diarization) -> dict[str, str]:
    """Model file → sha256 for everything that produced the transcript and the speaker turns."""
    whisper = {f"whisper:{transcript.model}": transcript.model_sha256} if transcript.model_sha256 else {}
    return {**whisper, **diarization.model_files}


def _doc_language(settings: Settings, language: str) -> str:
    return doc_language(language) if settings.export.doc_language == "auto" else settings.export.doc_language


def run(source: Path, out_dir: Path, settings: Settings, progress: ProgressHook = _quiet) -> RunResult:
    """Run every stage (or reuse its cached artifact) and write the exhibit and its companions to out_dir."""
    ingest.check_readable(source)
    created = _first_missing(out_dir.absolute())
    finished = False
    try:
        result = _run(source, out_dir, settings, progress)
        finished = True
        return result
    except OSError as exc:  # disk full, no permission …: still one line for the user
        raise PipelineError(f"{exc.filename or out_dir}: {exc.strerror or exc}") from exc
    finally:
        if not finished and created is not None:  # a first run that failed leaves no folder behind
            shutil.rmtree(created, ignore_errors=True)


def _first_missing(folder: Path) -> Path | None:
    """The outermost folder of `folder`'s path that does not exist yet (what a run will create), or None."""
    if folder.exists():
        return None
    while not folder.parent.exists():
        folder = folder.parent
    return folder


def _run(source: Path, out_dir: Path, settings: Settings, progress: ProgressHook) -> RunResult:
    before = ingest.file_digests(source)
    r = _Run(source, out_dir, settings, progress)
    r.work.mkdir(parents=True, exist_ok=True)
    _check_same_recording(r.work, before.sha256)

    asset = r.stage("ingest", ingest.VERSION, [before.sha256], AudioAsset,
                    lambda p: ingest.ingest(source, before, r.work, p),
                    valid=lambda a: (r.work / a.wav_path).is_file()
                    and (not a.stereo_wav_path or (r.work / a.stereo_wav_path).is_file()))
    wav = r.work / asset.wav_path
    stereo = r.work / asset.stereo_wav_path if asset.stereo_wav_path else None
    stereo_digest = stereo and sha256_file(stereo)
    diarization = r.stage("diarize", diarize.VERSION,
                          [asset.wav_sha256, config_hash(settings.diarize), stereo_digest],
                          Diarization, lambda p: diarize.diarize(wav, settings.diarize, p, stereo_path=stereo))
    per_channel = stereo if diarization.channel_speakers else None  # a call split per channel: hear each side
    named = out_dir / label.CSV_NAME if settings.transcribe.names_as_hotwords else None
    hotwords = transcribe.hotword_text(settings.transcribe.hotwords, named)
    transcript = r.stage("transcribe", transcribe.VERSION,
                         [asset.wav_sha256, config_hash(settings.transcribe), per_channel and stereo_digest, hotwords],
                         Transcript, lambda p: transcribe.transcribe(wav, settings.transcribe, p,
                                                                     channels_path=per_channel, hotwords=hotwords))
    utterances = r.stage("merge", merge.VERSION,
                         [r.digest("transcribe"), r.digest("diarize"), config_hash(settings.merge),
                          sha256_file(CONFIG_DIR / "hallucinations.toml")],
                         Utterances, lambda p: merge.merge(transcript, diarization, settings.merge))
    speakers_csv = out_dir / label.CSV_NAME
    csv_digest = sha256_file(speakers_csv) if speakers_csv.exists() else "absent"
    labelled = r.stage("label", label.VERSION, [r.digest("merge"), csv_digest], Labelled,
                       lambda p: label.label(utterances, diarization, speakers_csv, r.work / label.VOICES_NAME))
    rule_digests = [sha256_file(CONFIG_DIR / f) for f in settings.facts.rule_files]
    recorded = facts.reference_date(settings.case.recorded_on, ingest.recorded_date(asset))
    found = r.stage("facts", facts.VERSION,
                    [r.digest("label"), config_hash(settings.facts), rule_digests, str(recorded)],
                    Facts, lambda p: facts.find_facts(labelled, settings.facts, reference=recorded))
    found = apply_review(found, out_dir / "key_facts.csv", r.work / SEEN_NAME)  # rows the user deleted, notes

    started = time.perf_counter()
    processed = datetime.now().astimezone()  # "date processed" in the exhibit, and its document properties
    progress("export", 0, 1)
    models = _model_hashes(transcript, diarization)
    software = software_versions()
    integrity_path = out_dir / "integrity.json"   # points for an examiner to check in the original
    points = write_integrity(integrity_path, asset, source)
    content = ExhibitContent(asset=asset, transcript=transcript, diarization=diarization, labelled=labelled,
                             facts=found, models=models,
                             coverage=coverage(transcript, labelled, settings.merge.low_confidence),
                             integrity=tuple(points), settings=settings, software=software,
                             language=_doc_language(settings, labelled.language), processed=processed)
    outputs = _export(out_dir, content)
    outputs.update({f"clip {sid}": path for sid, path in write_speaker_clips(out_dir, wav, diarization).items()})
    outputs["integrity"] = integrity_path
    outputs["speakers"] = speakers_csv
    progress("export", 1, 1)
    r.records.append(StageRecord(stage="export", version=1, cache_key="", ran=True,
                                 seconds=round(time.perf_counter() - started, 3), artifact="", artifact_sha256=""))

    after = ingest.file_digests(source)
    if after.sha256 != before.sha256:
        raise PipelineError(f"{source}: the original changed while it was being processed; run again on a copy "
                            "that nothing else is writing to")
    manifest = RunManifest(
        software=software,
        original=str(source.resolve()),
        original_sha256_before=before.sha256,
        original_sha256_after=after.sha256,
        settings=dataclasses.asdict(settings),
        models=models,
        stages=tuple(r.records),
        outputs=output_digests(out_dir, outputs),
        created=processed.isoformat(timespec="seconds"),
        flagged={flag: tuple(u.id for u in labelled.items if flag in u.flags) for flag in FLAGGED},
    )
    outputs["manifest"] = out_dir / "manifest.json"
    write_manifest(outputs["manifest"], manifest)
    return RunResult(out_dir=out_dir, outputs=outputs, manifest=manifest, labelled=labelled)


def _export(out_dir: Path, content: ExhibitContent) -> dict[str, Path]:
    stem = Path(content.asset.file_name).stem
    outputs = {
        "docx": out_dir / f"{stem}.docx",
        "transcript_csv": out_dir / "transcript.csv",
        "key_facts_csv": out_dir / "key_facts.csv",
        "srt": out_dir / f"{stem}.srt",
        "json": out_dir / f"{stem}.json",
        "rttm": out_dir / f"{stem}.rttm",
    }
    labelled, found = content.labelled, content.facts
    write_transcript_csv(outputs["transcript_csv"], labelled)
    write_key_facts_csv(outputs["key_facts_csv"], labelled, found)
    write_srt(outputs["srt"], labelled)
    write_json(outputs["json"], content.asset, content.transcript, content.diarization, labelled, found,
               content.coverage)
    write_rttm(outputs["rttm"], content.diarization, stem)
    write_docx(outputs["docx"], content)
    return outputs
