"""Running a table of stages: each stage's cache key derived from its declaration, its artifact reused while the
key and the artifact (and what it vouches for) are as recorded, made again otherwise; the records kept in the run
folder as each stage finishes (chain.py). The runner (runner.py) declares the table; this module runs any table.

A cached artifact or working copy that no longer matches its record was changed by someone: it is not trusted,
and that stage and every stage after it run again, said in one line (with strict=True the run stops instead).
"""

from __future__ import annotations

import logging
import os
import sys
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from pipeline.artifactio import from_dict, load, save, to_dict
from pipeline.artifacts import StageRecord
from pipeline.chain import ENVIRONMENT, FILE, SETTING, read_records, upstream, write_records
from pipeline.config import ROOT, Settings
from pipeline.errors import TamperedError
from pipeline.fileio import Digests, sha256_file, sha256_json
from pipeline.progress import ProgressHook, StageProgress, quiet, silent
from pipeline.rundir import RunDir

log = logging.getLogger(__name__)

ABSENT = "absent"                               # a file's digest in a key when the file does not exist


@dataclass
class Context:
    """What a stage's function is given: the original, the settings, the run folder, the artifacts made so far
    and its progress hook."""

    source: Path
    original: Digests
    settings: Settings
    run: RunDir
    artifacts: dict[str, Any] = field(default_factory=dict)
    progress: StageProgress = silent

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
    cost: float = 0.01               # its rough share of a first run's time (for the estimate of the time left)
    alongside: bool = False          # may run at the same time as the stages next to it that it does not read
    gives_way: bool = False          # when it does, it takes only the CPU the others leave (lower priority)


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
        source, part = upstream(name)
        covered[name] = sha256_json(to_dict(getattr(c[source], part))) if part else records[source].artifact_sha256
    for name in stage.settings:
        covered[f"{SETTING}{name}"] = sha256_json(c.settings.value(name))
    for path in stage.files(c.settings, c.run):
        covered[f"{FILE}{_file_name(Path(path), c.run)}"] = sha256_file(path) if Path(path).is_file() else ABSENT
    if stage.environment is not None:
        covered[ENVIRONMENT] = sha256_json(stage.environment(c))
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
        raise TamperedError.keyed("tampered", path=run.root / changed)
    log.warning("%s was changed after the run that made it (its sha256 is not the one recorded): not trusted; "
                "%s and every step after it run again", changed, stage.name)
    return True


def run_stages(stages: tuple[Stage, ...], c: Context, progress: ProgressHook = quiet,
               strict: bool = False) -> list[StageRecord]:
    """Run (or reuse) each stage in order; their artifacts end up in c.artifacts. The records of what was
    run are kept in the run folder (stages/records.json) as each stage finishes. A working file found changed
    makes its stage and every later one run (strict: stops with TamperedError)."""
    records = read_records(c.run)
    if records is None:
        if strict:
            raise TamperedError.keyed("records_unreadable", path=c.run.records)
        log.warning("%s cannot be read (it was damaged or edited): every step runs again", c.run.records)
        records = {}
    done, rerun, lock = [], False, threading.Lock()
    for wave in waves(stages):
        plans = []
        for stage in wave:          # in table order: a working file found changed makes every later stage run
            plan, rerun = _plan(stage, c, records, rerun, strict)
            plans.append(plan)
        if len(plans) == 1:
            done.append(_carry_out(plans[0], c, records, progress, lock))
            continue
        together = sum(plan.artifact is None for plan in plans) > 1     # more than one of them runs
        done += _at_once([lambda plan=plan: _carry_out(plan, c, records, progress, lock, together)
                          for plan in plans])
        with lock:              # kept in table order, whichever of them finished first (the same run, the same file)
            ordered = {s.name: records[s.name] for s in stages if s.name in records}
            ordered |= {name: record for name, record in records.items() if name not in ordered}
            records.clear()
            records.update(ordered)
            write_records(c.run, records)
    return done


def _at_once(calls: list[Callable[[], Any]]) -> list[Any]:
    """The calls' results, each call run in a thread of its own that ends with it (a thread whose priority a
    stage lowered is never reused); the first call's error, in order, is raised."""
    results: list[Any] = [None] * len(calls)
    errors: list[BaseException | None] = [None] * len(calls)

    def work(i: int) -> None:
        try:
            results[i] = calls[i]()
        except BaseException as exc:  # handed to the caller's thread below
            errors[i] = exc

    threads = [threading.Thread(target=work, args=(i,), name=f"stage-{i}") for i in range(len(calls))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for error in errors:
        if error is not None:
            raise error
    return results


def _give_way() -> None:
    """Lower this thread's priority (nice + 10; Linux, where a thread has its own): the stage then runs on the CPU
    the others leave, and the threads it starts inherit that. The thread ends with the stage (_at_once)."""
    if sys.platform == "linux":
        thread = threading.get_native_id()
        try:
            os.setpriority(os.PRIO_PROCESS, thread, min(19, os.getpriority(os.PRIO_PROCESS, thread) + 10))
        except OSError as exc:  # not allowed here: the stage runs at the same priority as the others
            log.info("could not lower the priority of a stage running beside another: %s", exc)


def waves(stages: tuple[Stage, ...]) -> list[list[Stage]]:
    """The stages in order, those marked `alongside` that read nothing of each other grouped to run at once."""
    grouped: list[list[Stage]] = []
    for stage in stages:
        last = grouped[-1] if grouped else []
        reads = {upstream(name)[0] for name in stage.inputs}
        if stage.alongside and last and all(s.alongside for s in last) and not reads & {s.name for s in last}:
            last.append(stage)
        else:
            grouped.append([stage])
    return grouped


@dataclass(frozen=True)
class _Plan:
    stage: Stage
    covered: dict[str, str]
    key: str
    artifact: Any | None        # the artifact to reuse; None: the stage runs


def _plan(stage: Stage, c: Context, records: dict[str, StageRecord], rerun: bool,
          strict: bool) -> tuple[_Plan, bool]:
    """Whether the stage runs or its artifact is reused, and whether the stages after it must run whatever their
    keys (`rerun` passed on, or a working file of this stage found changed)."""
    covered = _covered(stage, c, records)
    key = sha256_json({"stage": stage.name, "version": stage.version, "covers": covered})
    artifact, changed = _reusable(stage, key, records.get(stage.name), c.run)
    if changed:
        rerun = _distrust(stage, changed, c.run, strict) or rerun
    return _Plan(stage, covered, key, None if rerun else artifact), rerun


def _carry_out(plan: _Plan, c: Context, records: dict[str, StageRecord], progress: ProgressHook,
               lock: threading.Lock, together: bool = False) -> StageRecord:
    """Run the stage (or take its artifact as reused) and record it. Stages of one wave do this at once
    (`together`, when more than one of them runs): each has its own context (its progress hook), a stage that
    gives way runs in a thread of lower priority, and the records are written one at a time."""
    stage, started = plan.stage, time.perf_counter()
    progress(stage.name, 0, 1)
    artifact, ran = plan.artifact, plan.artifact is None
    path = c.run.artifact(stage.name)
    if ran:
        log.info("running %s", stage.name)
        own = replace(c, progress=lambda completed, total: progress(stage.name, completed, total))
        if together and stage.gives_way:
            _give_way()
        # as a later run would load it (an int where a float is declared becomes a float …): the stages after
        # it get the same input, and the file the same bytes, whether it was made now or reused
        artifact = from_dict(stage.makes, to_dict(stage.make(own)))
        save(artifact, path)
    else:
        log.info("%s: reused", stage.name)
    progress(stage.name, 1, 1)
    c.artifacts[stage.name] = artifact
    # a reused artifact was hashed and found as recorded when it was planned (_reusable)
    digest = sha256_file(path) if ran else records[stage.name].artifact_sha256
    record = StageRecord(stage=stage.name, version=stage.version, cache_key=plan.key, ran=ran,
                         seconds=round(time.perf_counter() - started, 3), artifact=c.run.relative(path),
                         artifact_sha256=digest, inputs=plan.covered)
    with lock:
        records[stage.name] = record
        write_records(c.run, records)
    return record
