"""exhibit batch: every recording in a folder, each into its own run folder exactly as `exhibit transcript`
makes it (the same stages and cache: a second batch reuses what the first finished, and finishes what it left
half done), on Ray. By default a local Ray is started for the run and stopped after it; with an address
(`--address`, or RAY_ADDRESS) the recordings go to an existing Ray cluster. At most `workers` recordings are
processed at once; each Ray worker process keeps the models it loaded for the recordings after the first. A
recording that fails becomes a row with its one-line error; the others go on. batch_summary.csv lists them."""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

from pipeline.artifactio import load
from pipeline.artifacts import AudioAsset, Facts
from pipeline.casefile import Change
from pipeline.config import Settings
from pipeline.csvio import write_csv
from pipeline.errors import Joined, Phrase, PipelineError, os_error
from pipeline.fileio import sha256_file
from pipeline.rundir import RunDir

log = logging.getLogger(__name__)

SUFFIXES = (".wav", ".mp3", ".m4a", ".aac", ".amr", ".flac", ".ogg", ".opus", ".wma", ".mp4", ".mov", ".3gp",
            ".webm", ".mkv")
SUMMARY = "batch_summary.csv"
COLUMNS = ["file", "sha256", "status", "duration", "speakers", "lines", "key_facts", "exhibit", "seconds", "error"]
OK, ERROR = "ok", "error"


@dataclass(frozen=True)
class Job:
    source: Path
    out_dir: Path
    duration: float             # seconds, as the container declares it (0 when unknown): for the progress


@dataclass(frozen=True)
class Outcome:
    job: Job
    status: str                 # ok | error
    sha256: str = ""
    duration: float = 0.0       # seconds of audio decoded
    speakers: int = 0
    lines: int = 0
    key_facts: int = 0
    exhibit: str = ""
    seconds: float = 0.0
    error: str = ""             # one line, in English (the summary's)
    said: Phrase | None = None  # the error's message in any language, where it was keyed (PipelineError.phrase)
    case_changes: tuple[Change, ...] = ()   # what this run changed in the recording's case.toml

    def row(self) -> list[object]:
        return [self.job.source.name, self.sha256, self.status, f"{self.duration:.1f}", self.speakers, self.lines,
                self.key_facts, self.exhibit, f"{self.seconds:.1f}", self.error]


def declared_duration(path: Path) -> float:
    """What the container says the recording lasts (0 when it cannot say): the progress counts audio hours."""
    import av

    from pipeline.stages.ingest import declared_seconds

    try:
        with av.open(str(path)) as container:
            return declared_seconds(container)
    except (av.error.FFmpegError, OSError, ValueError, UnicodeDecodeError):
        return 0.0


def jobs(folder: Path, out: Path) -> list[Job]:
    """One job per recording in `folder` (not its subfolders), by name; each into a folder of its own:
    out/<name without extension>, or out/<name>_<extension> where two recordings share a name, and a number
    after that where even those meet (a.wav and a.mp3 beside a_wav.mp3; names that differ only in case, which
    many file systems take for one)."""
    if not folder.is_dir():
        raise PipelineError.keyed("batch_no_folder", folder=folder)
    if out.exists() and not out.is_dir():
        raise PipelineError.keyed("batch_out_not_folder", folder=out)
    if (out / SUMMARY).exists() and not (out / SUMMARY).is_file():
        raise PipelineError.keyed("batch_summary_not_file", path=out / SUMMARY)
    found = sorted(p for p in folder.iterdir() if p.is_file() and p.suffix.lower() in SUFFIXES
                   and not p.name.startswith("."))
    if not found:
        raise PipelineError.keyed("batch_no_recordings", folder=folder, suffixes=Joined(SUFFIXES))
    stems = [p.stem.casefold() for p in found]
    taken: set[str] = set()
    made = []
    for p in found:
        name = p.stem if stems.count(p.stem.casefold()) == 1 else f"{p.stem}_{p.suffix[1:]}"
        unique, n = name, 1
        while unique.casefold() in taken:
            n += 1
            unique = f"{name}_{n}"
        taken.add(unique.casefold())
        made.append(Job(p, out / unique, declared_duration(p)))
    return made


def process(job: Job, settings: Settings) -> Outcome:
    """One recording, as `exhibit transcript` makes it; its error as one line."""
    from pipeline.runner import run

    started = time.perf_counter()
    try:
        result = run(job.source, job.out_dir, settings)
    except PipelineError as exc:
        return Outcome(job, ERROR, sha256=digest(job.source), seconds=time.perf_counter() - started,
                       error=str(exc).replace("\n", " "), said=exc.phrase)
    except Exception as exc:  # noqa: BLE001 — a batch goes on; the row says what stopped this recording
        log.exception("%s", job.source)
        return Outcome(job, ERROR, sha256=digest(job.source), seconds=time.perf_counter() - started,
                       error=f"unexpected {type(exc).__name__}: {exc}".replace("\n", " "))
    folder = RunDir(result.out_dir)
    facts, asset = load(Facts, folder.artifact("fact_review")), load(AudioAsset, folder.artifact("ingest"))
    return Outcome(job, OK, sha256=result.manifest.original_sha256_after, duration=asset.duration if asset else 0.0,
                   speakers=len(result.labelled.speakers), lines=len(result.labelled.items),
                   key_facts=len(facts.items) if facts else 0, exhibit=str(result.outputs["docx"]),
                   seconds=time.perf_counter() - started, case_changes=result.case_changes)


def _threads(settings: Settings, workers: int, local: bool) -> Settings:
    """Each of `workers` recordings at once gets its share of this machine's cores (unless set)."""
    if settings.transcribe.cpu_threads or not local:
        return settings
    share = max(1, (os.cpu_count() or 1) // workers)
    return replace(settings, transcribe=replace(settings.transcribe, cpu_threads=share))


def _remote(job: Job, settings: Settings) -> Outcome:
    """What a Ray worker does: keeps the models it loads for its next recordings, then makes the recording's
    exhibit (its share of the cores is in the settings: cpu_threads)."""
    from pipeline.models import keep_loaded

    keep_loaded()
    return process(job, settings)


def run_batch(folder: Path, out: Path, settings: Settings, workers: int = 1, address: str | None = None,
              started: Callable[[list[Job], str], None] = lambda jobs, address: None,
              done: Callable[[Outcome], None] = lambda outcome: None) -> list[Outcome]:
    """Every recording of `folder` on Ray, at most `workers` at once: `started` hears the jobs and where they
    run (the Ray cluster's address, "" for a Ray on this computer) once Ray is up, `done` each outcome as it
    comes. Writes out/batch_summary.csv and returns the outcomes
    in file order."""
    import ray

    todo = jobs(folder, out)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise os_error(exc, out) from exc
    address = address or os.environ.get("RAY_ADDRESS") or None
    os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")      # nothing leaves this machine
    try:
        if address:
            ray.init(address=address, logging_level=logging.ERROR, log_to_driver=False)
        else:
            ray.init(num_cpus=max(workers, os.cpu_count() or 1), include_dashboard=False,
                     logging_level=logging.ERROR, log_to_driver=False)
    except (ConnectionError, RuntimeError, ValueError) as exc:
        raise PipelineError(f"cannot start Ray{f' at {address}' if address else ''}: {exc}".splitlines()[0]) from exc
    started(todo, address or "")
    try:
        outcomes = _distribute(ray, todo, _threads(settings, workers, not address), workers, done)
    finally:
        ray.shutdown()
    ordered = sorted(outcomes, key=lambda o: o.job.source.name)
    write_csv(out / SUMMARY, COLUMNS, [o.row() for o in ordered])
    return ordered


def _distribute(ray, todo: list[Job], settings: Settings, workers: int, done) -> list[Outcome]:
    task = ray.remote(num_cpus=1, max_retries=0)(_remote)
    waiting, running, outcomes = list(todo), {}, []
    while waiting or running:
        while waiting and len(running) < workers:
            job = waiting.pop(0)
            running[task.remote(job, settings)] = job
        ready, _ = ray.wait(list(running), num_returns=1)
        job = running.pop(ready[0])
        try:
            outcome = ray.get(ready[0])
        except ray.exceptions.RayError as exc:      # the worker died (out of memory, a crash): this row only
            said = Phrase("batch_worker_stopped", {"kind": type(exc).__name__})
            outcome = Outcome(job, ERROR, error=str(said), said=said)
        outcomes.append(outcome)
        done(outcome)
    return outcomes


def digest(path: Path) -> str:
    """The sha256 of a recording that could not be processed (its row still identifies the file)."""
    try:
        return sha256_file(path)
    except OSError:
        return ""
