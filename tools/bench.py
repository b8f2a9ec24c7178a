"""make bench / make bench-long: the pipeline's speed and memory on a long recording joined from the real meeting
clips in ../shared/eval.

make bench (side by side): `exhibit transcript` with its defaults and plain faster-whisper (tools/plain_whisper.py:
the same model and compute type, beam 5, VAD, word timestamps) on the same 5-minute file, each in a fresh process,
alternating, --runs times (median): wall, CPU and peak RSS of each, and the ratio pipeline / plain. When the
default compute type is not float32, plain float32 faster-whisper is measured too.

make bench-long (--stages): one run in this process on a 60-minute file, each stage's seconds and peak RSS, then
the re-render after naming a speaker in speakers.csv. With --call the file is a two-channel phone call instead:
turns of CALL_TURN seconds of the same AMI excerpts, one side at a time, other meetings' voices on each channel
(split per channel by the channels stage).

--languages: the transcribe stage alone on the 5-minute file, in this process with one loaded model, with one
language for the whole file ([transcribe] languages = "") and with each stretch in its own language (the setting),
alternating, --runs times each: the median seconds of each, and how many lines were heard in another language
(the cost of stages.languages on a one-language recording).

    .venv/bin/python tools/bench.py [--minutes 5] [--runs 3] [--stages [--call] | --languages] [--keep DIR]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from pipeline.artifactio import load
from pipeline.artifacts import Channels
from pipeline.audio import SAMPLE_RATE, decode, write_wav
from pipeline.config import load_settings
from pipeline.csvio import read_csv, write_csv
from pipeline.export.manifest import read_manifest
from pipeline.rundir import RunDir
from pipeline.runner import run

ROOT = Path(__file__).resolve().parents[1]
EVAL = ROOT.parent / "shared" / "eval"


def joined_ami(minutes: float) -> np.ndarray:
    """The AMI meeting excerpts of ../shared/eval (30 s each, real speech, 1–4 speakers; all but the synthetic
    file, in name order) joined and cut to `minutes` (also tools/eval_diarization.py --minutes)."""
    clips = [c for c in sorted((EVAL / "diar").glob("*.wav")) if not c.name.startswith("synth")]
    need = int(minutes * 60 * SAMPLE_RATE)
    parts, have = [], 0
    while have < need:
        for clip in clips:
            parts.append(decode(clip))
            have += parts[-1].size
            if have >= need:
                break
    return np.concatenate(parts)[:need]


def build_input(minutes: float, folder: Path) -> Path:
    """The joined AMI excerpts as one long recording in `folder`."""
    path = folder / f"bench_{minutes:g}min.wav"
    write_wav(path, joined_ami(minutes))
    return path


CALL_TURN = 4.0     # s each side talks before the other answers, in the --call recording
CALL_SHIFT = 150.0  # s between where the left and the right side are taken from the joined excerpts


def build_call(minutes: float, folder: Path) -> Path:
    """A two-channel call of `minutes` in `folder`: CALL_TURN-second turns, one side at a time, of the joined AMI
    excerpts, the right side CALL_SHIFT seconds further on (five excerpts on: other meetings, other voices)."""
    need, turn = int(minutes * 60 * SAMPLE_RATE), int(CALL_TURN * SAMPLE_RATE)
    left = joined_ami(minutes)
    sides = (left, np.roll(left, -int(CALL_SHIFT * SAMPLE_RATE)))
    call = np.zeros((2, need), np.float32)
    for i, start in enumerate(range(0, need, turn)):
        call[i % 2, start:start + turn] = sides[i % 2][start:start + turn]
    path = folder / f"bench_call_{minutes:g}min.wav"
    write_wav(path, call)
    return path


# ------------------------------------------------------------------------------------------- side by side


@dataclass(frozen=True)
class Measured:
    wall: float
    cpu: float
    rss_mib: float


def measure(command: list[str]) -> Measured:
    """Wall seconds, CPU seconds (user + system) and peak RSS of a command run in a fresh process."""
    with tempfile.TemporaryFile() as said:    # a file, not a pipe: nobody reads a pipe while waiting, and a full one
        started = time.perf_counter()         # would stop the command
        proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=said)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - started
        if os.waitstatus_to_exitcode(status) != 0:
            said.seek(0)
            raise SystemExit(f"{' '.join(command)} failed: {said.read().decode(errors='replace')[-400:]}")
    return Measured(wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024)


def side_by_side(source: Path, folder: Path, runs: int) -> None:
    settings = load_settings()
    compute = settings.transcribe.compute_type
    python = sys.executable
    plain = [python, str(ROOT / "tools" / "plain_whisper.py"), str(source)]
    commands = {f"exhibit transcript (defaults: {compute})":
                lambda i: [python, "-m", "pipeline", "transcript", str(source), "--out", str(folder / f"out{i}")],
                f"plain faster-whisper, {compute}": lambda i: plain + ["--compute-type", compute]}
    if compute != "float32":
        commands["plain faster-whisper, float32"] = lambda i: plain + ["--compute-type", "float32"]
    results: dict[str, list[Measured]] = {name: [] for name in commands}
    for i in range(runs):                          # alternating, so a busy moment hits every command alike
        for name, command in commands.items():
            results[name].append(measure(command(i)))
            print(f"  run {i + 1}/{runs} {name}: {results[name][-1].wall:.1f} s", flush=True)
    median = {name: Measured(*(statistics.median(getattr(m, f) for m in ms) for f in ("wall", "cpu", "rss_mib")))
              for name, ms in results.items()}
    print(f"\ninput: {source.name}; machine: {os.cpu_count()} cores; median of {runs} alternating runs")
    print(f"{'command':<48}{'wall s':>9}{'CPU s':>9}{'peak RSS MiB':>14}")
    for name, m in median.items():
        print(f"{name:<48}{m.wall:>9.1f}{m.cpu:>9.1f}{m.rss_mib:>14.0f}")
    names = list(median)
    ratio = median[names[0]].wall / median[names[1]].wall
    print(f"pipeline / plain faster-whisper ({compute}), wall: {ratio:.2f}×")
    if len(names) > 2:
        print(f"pipeline ({compute}) / plain faster-whisper (float32), wall: "
              f"{median[names[0]].wall / median[names[2]].wall:.2f}×")
    stages = read_manifest(folder / "out0" / "manifest.json").stages
    print("stages of the first pipeline run: " + ", ".join(f"{s.stage} {s.seconds:.1f} s" for s in stages))


# ------------------------------------------------------------------------------------------------ stages


def rss_mib(field: str = "VmRSS") -> float:
    """This process's resident memory now (VmRSS) or at its peak (VmHWM), in MiB (Linux)."""
    with open("/proc/self/status") as fh:
        return next((int(line.split()[1]) / 1024 for line in fh if line.startswith(field + ":")), 0.0)


class StageMeter:
    """Progress hook that records the peak RSS seen while each stage ran (from its first report to its last
    report of completion). Stages that run at the same time (diarize and transcribe) share the peak of the
    process while both ran."""

    def __init__(self) -> None:
        self.active: set[str] = set()
        self.peak: dict[str, float] = {}
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()

    def _sample(self) -> None:
        while not self._stop.wait(0.05):
            rss = rss_mib()
            with self._lock:
                for stage in self.active:
                    self.peak[stage] = max(self.peak.get(stage, 0.0), rss)

    def __call__(self, stage: str, completed: float, total: float) -> None:
        rss = rss_mib()
        with self._lock:
            self.peak[stage] = max(self.peak.get(stage, 0.0), rss)
            if completed >= total:
                self.active.discard(stage)
            else:
                self.active.add(stage)

    def close(self) -> None:
        self._stop.set()
        self._thread.join()


def stages(source: Path, folder: Path, minutes: float, call: bool = False) -> None:
    duration = minutes * 60
    meter = StageMeter()
    t0 = time.perf_counter()
    result = run(source, folder / "out", load_settings(), meter)
    total = time.perf_counter() - t0
    meter.close()
    print(f"input: {source.name}, {duration:.0f} s of " + ("a two-channel call (the AMI excerpts, other meetings on "
          f"each side, {CALL_TURN:g} s turns)" if call else "real meeting audio (AMI excerpts from ../shared/eval)"))
    print(f"machine: {os.cpu_count()} cores")
    print(f"{'stage':<12}{'seconds':>10}{'RTF':>9}{'peak RSS MiB':>14}")
    for rec in result.manifest.stages:
        print(f"{rec.stage:<12}{rec.seconds:>10.2f}{rec.seconds / duration:>9.3f}{meter.peak.get(rec.stage, 0.0):>14.0f}")
    print(f"{'total':<12}{total:>10.2f}{total / duration:>9.3f}{max(meter.peak.values()):>14.0f}")
    print("(diarize and transcribe run at the same time: each one's seconds are its own, its peak RSS the "
          "process's while it ran)")
    split = load(Channels, RunDir(folder / "out").artifact("channels"))
    print(f"utterances: {len(result.labelled.items)}, speakers found: {len(result.labelled.speakers)}"
          f"{' (one per channel: ' + split.why + ')' if split.split else ''}")
    csv_path = result.outputs["speakers"]
    header, rows = read_csv(csv_path)
    rows[0]["name"] = "张三"
    write_csv(csv_path, header, [[r.get(h, "") for h in header] for r in rows])
    started = time.perf_counter()
    again = run(source, folder / "out", load_settings())
    ran = [r.stage for r in again.manifest.stages if r.ran]
    print(f"re-render after naming a speaker in speakers.csv: {time.perf_counter() - started:.2f} s "
          f"(ran: {', '.join(ran)})")


def languages_cost(source: Path, runs: int) -> None:
    """The transcribe stage with one language per file and with per-stretch languages, alternating."""
    import dataclasses

    from pipeline.stages.transcribe import load_model, transcribe

    cfg = load_settings().transcribe
    model, _ = load_model(cfg)
    ways = {"one language per file (languages \"\")": dataclasses.replace(cfg, languages=""),
            f"each stretch in its own (languages \"{cfg.languages}\")": cfg}
    seconds: dict[str, list[float]] = {name: [] for name in ways}
    heard: dict[str, tuple[str, ...]] = {}
    for _ in range(runs):
        for name, way in ways.items():
            started = time.perf_counter()
            found = transcribe(source, way, model=model)
            seconds[name].append(time.perf_counter() - started)
            heard[name] = tuple(s.language for s in found.segments)
    print(f"transcribe stage on {source.name} ({cfg.model}, {cfg.compute_type}), median of {runs} runs:")
    for name in ways:
        other = sum(language != found.language for language in heard[name])
        print(f"  {name:<45} {statistics.median(seconds[name]):7.2f} s   segments {len(heard[name])}, "
              f"in another language than the file's: {other}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=5.0)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--stages", action="store_true", help="per-stage time and peak RSS of one run here")
    parser.add_argument("--call", action="store_true", help="with --stages: a two-channel call (build_call)")
    parser.add_argument("--keep", type=Path, help="keep the input and outputs in this folder")
    parser.add_argument("--languages", action="store_true", help="the transcribe stage with and without per-stretch "
                                                                 "languages")
    args = parser.parse_args()
    if args.call and not args.stages:
        parser.error("--call goes with --stages (the side-by-side comparison is on the mono recording)")
    with tempfile.TemporaryDirectory(prefix="exhibit-bench-") as scratch:   # removed afterwards unless --keep
        folder = args.keep or Path(scratch)
        folder.mkdir(parents=True, exist_ok=True)
        source = (build_call if args.call else build_input)(args.minutes, folder)
        if args.languages:
            languages_cost(source, args.runs)
        elif args.stages:
            stages(source, folder, args.minutes, args.call)
        else:
            side_by_side(source, folder, args.runs)


if __name__ == "__main__":
    main()
