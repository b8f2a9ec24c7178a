"""The runs the app starts: `exhibit transcript <original> --out <folder> --events` as a process of its own (the
command line's runner, files and stage cache; the models' memory is never the server's, and cancelling is
stopping that process), one at a time per folder. A thread reads the process's progress (one JSON line per
progress call, cli._events) and keeps what the progress step shows: each stage's share done, the whole, the
time left, and at the end the one line of a failure as the command line prints it, in the interface's language
(LANG is set for the process)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from pipeline.errors import PipelineError
from pipeline.rundir import RunDir
from pipeline.runner import STAGES

RUNNING, DONE, FAILED, CANCELLED = "running", "done", "failed", "cancelled"
COSTS = {s.name: s.cost for s in STAGES}
LOCALES = {"zh": "zh_CN.UTF-8", "en": "en_US.UTF-8"}
GRACE = 10.0            # seconds a cancelled run has to stop before it is killed


@dataclass
class Job:
    folder: Path
    process: subprocess.Popen
    started: float = field(default_factory=time.monotonic)
    since: float = field(default_factory=time.time)             # when it started, by the clock files are dated by
    stages: dict[str, float] = field(default_factory=dict)      # stage → share done (0–1)
    status: str = RUNNING
    stopping: bool = False                                      # cancel was asked: it ends as cancelled
    error: str = ""
    ended: float | None = None

    def share(self) -> float:
        """The whole run's share done, each stage weighed by its cost (runner.STAGES)."""
        total = sum(COSTS.values())
        return min(1.0, sum(COSTS.get(s, 0.0) * d for s, d in self.stages.items()) / total) if total else 0.0

    def seen(self) -> dict:
        """What the progress step shows."""
        share = 1.0 if self.status == DONE else self.share()
        elapsed = (self.ended or time.monotonic()) - self.started
        left = elapsed * (1 - share) / share if self.status == RUNNING and share >= 0.03 else None
        return {"status": self.status, "share": round(share, 4), "elapsed": round(elapsed, 1),
                "left": round(left, 1) if left is not None else None,
                "stages": [{"stage": s, "share": round(d, 4)} for s, d in self.stages.items()],
                "error": self.error}


class Jobs:
    """The runs of one app (one server), by folder name."""

    def __init__(self) -> None:
        self._jobs: dict[str, Job] = {}
        self._lock = threading.Lock()

    def start(self, name: str, folder: Path, original: Path, language: str, options: tuple[str, ...] = ()) -> Job:
        """Start making the exhibit of `original` in `folder`; PipelineError when a run holds the folder."""
        with self._lock:
            running = self._jobs.get(name)
            if (running is not None and running.status == RUNNING) or RunDir(folder).held():
                raise PipelineError.keyed("app_run_running", folder=folder.name)
            command = [sys.executable, "-m", "pipeline", "transcript", str(original), "--out", str(folder),
                       "--events", *options]
            env = {**os.environ, "LANG": LOCALES[language], "LC_ALL": LOCALES[language],
                   "PYTHONPATH": os.pathsep.join(p for p in (str(Path(__file__).resolve().parents[2]),
                                                             os.environ.get("PYTHONPATH", "")) if p)}
            process = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                       stderr=subprocess.PIPE, text=True, encoding="utf-8", errors="replace",
                                       env=env, start_new_session=True)
            job = self._jobs[name] = Job(folder, process)
        threading.Thread(target=self._follow, args=(job,), daemon=True).start()
        return job

    def get(self, name: str) -> Job | None:
        with self._lock:
            return self._jobs.get(name)

    def cancel(self, name: str) -> bool:
        """Stop the run of `name` (its whole process group): True when one was running."""
        job = self.get(name)
        if job is None or job.status != RUNNING or job.stopping:
            return False
        job.stopping = True
        _signal(job.process, signal.SIGTERM)
        threading.Timer(GRACE, _signal, [job.process, signal.SIGKILL]).start()
        return True

    def _follow(self, job: Job) -> None:
        errors: list[str] = []
        reader = threading.Thread(target=lambda: errors.extend(job.process.stderr), daemon=True)
        reader.start()
        for line in job.process.stdout:
            event = _event(line)
            if event is None:            # the command's closing lines: the steps of the app say what is next
                continue
            stage, completed, total = event
            job.stages[stage] = min(1.0, completed / total) if total > 0 else 1.0
        code = job.process.wait()
        reader.join()
        _tidy(RunDir(job.folder))
        job.ended = time.monotonic()
        if code == 0 or _made_since(RunDir(job.folder), job.since):   # a cancel that came after the last move
            job.status = DONE
        elif job.stopping or code in (-signal.SIGTERM, -signal.SIGKILL):
            job.status = CANCELLED
        else:
            job.status = FAILED
            job.error = _last_line(errors) or f"the run stopped (exit code {code})"


def _made_since(run: RunDir, since: float) -> bool:
    try:
        return run.manifest.stat().st_mtime >= since
    except FileNotFoundError:
        return False


def _tidy(run: RunDir) -> None:
    """After a run stopped (cancelled, failed): the outputs it was moving into place are moved (the set it made is
    whole), those it had not started to move are thrown away — as the next run would do, now, so that the folder
    is not shown as processing meanwhile. Left to the next run when another holds the folder."""
    try:
        with run.lock("exhibit app"):
            run.finish_interrupted()
    except (PipelineError, OSError):
        pass


def _signal(process: subprocess.Popen, sig: int) -> None:
    if process.poll() is None:
        try:
            os.killpg(process.pid, sig)
        except (ProcessLookupError, PermissionError):
            pass


def _event(line: str) -> tuple[str, float, float] | None:
    """(stage, completed, total) of a progress line, None for any other line."""
    if not line.startswith("{"):
        return None
    try:
        data = json.loads(line)
        return str(data["stage"]), float(data["completed"]), float(data["total"])
    except (ValueError, KeyError, TypeError):
        return None


def _last_line(lines: list[str]) -> str:
    """The one line the command line printed for a failure (without its error: prefix)."""
    for line in reversed(lines):
        text = " ".join(line.split())
        if text:
            for prefix in ("error:", "错误："):
                if text.startswith(prefix):
                    return text[len(prefix):].strip()
            return text
    return ""
