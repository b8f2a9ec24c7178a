"""make bench: time every stage on a 5-minute recording built by joining real meeting clips from ../shared/eval,
and print each stage's real-time factor and the process's peak memory while it ran.

    .venv/bin/python tools/bench.py [--minutes 5] [--keep DIR]
"""

from __future__ import annotations

import argparse
import os
import tempfile
import threading
import time
from pathlib import Path

import numpy as np

from pipeline.audio import SAMPLE_RATE, decode, write_wav
from pipeline.config import load_settings
from pipeline.runner import run

EVAL = Path(__file__).resolve().parents[2] / "shared" / "eval"


def _rss_mb() -> float:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


class StageMeter:
    """Progress hook that records, per stage, wall time from its first call and the peak RSS seen meanwhile."""

    def __init__(self) -> None:
        self.current: str | None = None
        self.started: dict[str, float] = {}
        self.ended: dict[str, float] = {}
        self.peak: dict[str, float] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()

    def _sample(self) -> None:
        while not self._stop.wait(0.05):
            if self.current:
                self.peak[self.current] = max(self.peak.get(self.current, 0.0), _rss_mb())

    def __call__(self, stage: str, completed: float, total: float) -> None:
        if stage != self.current:
            if self.current:
                self.ended[self.current] = time.perf_counter()
            self.current = stage
            self.started.setdefault(stage, time.perf_counter())
            self.peak[stage] = max(self.peak.get(stage, 0.0), _rss_mb())

    def close(self) -> None:
        if self.current:
            self.ended[self.current] = time.perf_counter()
        self._stop.set()
        self._thread.join()


def build_input(minutes: float, folder: Path) -> Path:
    """Join the AMI meeting excerpts (30 s each, real speech, 1–4 speakers) into one long recording."""
    clips = sorted((EVAL / "diar").glob("*.wav"))
    clips = [c for c in clips if not c.name.startswith("synth")]
    need = int(minutes * 60 * SAMPLE_RATE)
    parts, have = [], 0
    while have < need:
        for clip in clips:
            parts.append(decode(clip))
            have += parts[-1].size
            if have >= need:
                break
    path = folder / f"bench_{minutes:g}min.wav"
    write_wav(path, np.concatenate(parts)[:need])
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=5.0)
    parser.add_argument("--keep", type=Path, help="keep the input and outputs in this folder")
    args = parser.parse_args()
    folder = args.keep or Path(tempfile.mkdtemp(prefix="exhibit-bench-"))
    folder.mkdir(parents=True, exist_ok=True)
    source = build_input(args.minutes, folder)
    duration = args.minutes * 60
    meter = StageMeter()
    t0 = time.perf_counter()
    result = run(source, folder / "out", load_settings(), meter)
    total = time.perf_counter() - t0
    meter.close()
    print(f"input: {source.name}, {duration:.0f} s of real meeting audio (AMI excerpts from ../shared/eval)")
    print(f"machine: {os.cpu_count()} cores")
    print(f"{'stage':<12}{'seconds':>10}{'RTF':>9}{'peak RSS MB':>14}")
    for rec in result.manifest.stages:
        seconds = meter.ended.get(rec.stage, 0.0) - meter.started.get(rec.stage, 0.0)
        print(f"{rec.stage:<12}{seconds:>10.2f}{seconds / duration:>9.3f}{meter.peak.get(rec.stage, 0.0):>14.0f}")
    print(f"{'total':<12}{total:>10.2f}{total / duration:>9.3f}{max(meter.peak.values()):>14.0f}")
    print(f"utterances: {len(result.labelled.items)}, speakers found: {len(result.labelled.speakers)}")


if __name__ == "__main__":
    main()
