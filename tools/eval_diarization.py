"""make eval-diarization: diarize the AMI excerpts and the five-speaker Mandarin file of ../shared/eval/diar, the
stereo call, and the two-party calls tools/diar_calls.py builds from real clips (into a temporary folder, at each
run: nothing of them is committed), and print, per file and in total, DER (pyannote.metrics, overlap included)
with collar 0.25 s and 0 s, its parts (missed speech, false alarm, speaker confusion, collar 0.25 s, as % of
reference speech), the number of speakers found against the reference, the real-time factor (diarize time / audio
duration, models already loaded) and the diarizer's CPU seconds (process time of all its threads: on a shared
machine a steadier measure of its cost than the wall clock).

With --minutes N it times the diarize stage instead on an N-minute recording joined from the AMI excerpts
(as tools/bench.py's build_input makes it), its working copy on disk as in a run: wall and CPU seconds, RTF
and the process's peak RSS (run it in a fresh process per length to compare peaks; with --tuning the
samples are read whole and handed over).

    .venv/bin/python tools/eval_diarization.py [--tuning window=1.5,hop=0.75] [--only dev00,trn01] [--given]
    .venv/bin/python tools/eval_diarization.py --minutes 5
"""

from __future__ import annotations

import argparse
import dataclasses
import resource
import tempfile
import time
from pathlib import Path

import numpy as np
from pyannote.core import Annotation, Segment, Timeline
from pyannote.database.util import load_rttm
from pyannote.metrics.diarization import DiarizationErrorRate

from pipeline.audio import SAMPLE_RATE, decode
from pipeline.config import DiarizeConfig
from pipeline.stages.diarize import METHOD_STEREO, TUNING, Tuning, diarize, diarize_audio, load_models
from bench import build_input, rss_mib   # tools/: the same joined recording make bench-long times
from diar_calls import CALLS, write as write_call

EVAL = Path(__file__).resolve().parents[2] / "shared" / "eval"
DIAR = EVAL / "diar"
AMI_IDS = ["dev00", "dev01"] + [f"trn{i:02d}" for i in range(1, 10)] + ["trn00"]
# (file id in the RTTM, wav file name, RTTM file name)
FILES = [(i, f"{i}.wav", "dev.rttm" if i.startswith("dev") else "ami.rttm") for i in AMI_IDS]
FILES[-1] = ("trn00", "trñ00.wav", "ami.rttm")  # a non-ASCII file name on purpose
FILES.append(("synth_zh_5spk", "synth_zh_5spk.wav", "synth_zh_5spk.rttm"))
STEREO = ("stereo", "../stereo/stereo_diarization.wav", "")  # no RTTM: reference built per channel
DEV = ("dev00", "dev01")
PARTS = ("missed detection", "false alarm", "confusion")


def channel_reference(uri: str, stereo: np.ndarray, hop: float = 0.05, below: float = 15.0,
                      bridge: float = 0.3) -> Annotation:
    """A reference for a call with one speaker per channel and no RTTM: each channel's speech (50 ms frames
    within `below` dB of that channel's 95th-percentile level and louder than the other channel's echo,
    gaps under `bridge` s joined) is its speaker's: L = SPEAKER_00, R = SPEAKER_01."""
    n = stereo.shape[1] // int(hop * SAMPLE_RATE)
    frames = stereo[:, : n * int(hop * SAMPLE_RATE)].reshape(2, n, -1).astype(np.float64)
    energy = 10 * np.log10((frames ** 2).mean(axis=2) + 1e-10)
    annotation = Annotation(uri=uri)
    for c, name in enumerate(("SPEAKER_00", "SPEAKER_01")):
        speech = (energy[c] > np.percentile(energy[c], 95) - below) & (energy[c] > energy[1 - c] - below)
        timeline = Timeline([Segment(i * hop, (i + 1) * hop) for i in np.flatnonzero(speech)])
        for segment in timeline.support(collar=bridge):
            annotation[segment] = name
    return annotation


def hypothesis(uri: str, turns) -> Annotation:
    annotation = Annotation(uri=uri)
    for i, t in enumerate(turns):
        annotation[Segment(t.start, t.end), i] = t.speaker
    return annotation


def reset_peak() -> bool:
    """Start the process's peak RSS (VmHWM) afresh from now (Linux), so that the peak measured is the
    diarizer's, not that of joining the input."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
        return True
    except OSError:
        return False


def long_recording(minutes: float, tuning: Tuning) -> None:
    """Time the diarize stage (its working copy on disk, as a run has it) on a joined recording of `minutes`
    and print its cost and the peak memory."""
    with tempfile.TemporaryDirectory(prefix="exhibit-diar-") as folder:
        wav = build_input(minutes, Path(folder))
        duration = minutes * 60
        models = load_models()
        loaded = rss_mib()
        reset = reset_peak()
        reports: list[float] = []
        wall, cpu = time.perf_counter(), time.process_time()
        result = diarize(wav, DiarizeConfig(), lambda c, t: reports.append(c / t), models, tuning=tuning)
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    peak = rss_mib("VmHWM") if reset else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"{minutes:g} min of AMI excerpts joined: {len(result.speakers)} speakers, {len(result.turns)} turns")
    print(f"wall {wall:.1f} s (RTF {wall / duration:.4f}), CPU {cpu:.1f} s (CPU RTF {cpu / duration:.4f}), "
          f"RSS with models loaded {loaded:.0f} MB, peak RSS {'while it ran' if reset else 'of the process'} "
          f"{peak:.0f} MB, progress reports {len(reports)}")


def parse_tuning(text: str) -> Tuning:
    values = {}
    for item in filter(None, text.split(",")):
        key, value = item.split("=")
        values[key] = type(getattr(TUNING, key))(value)
    return dataclasses.replace(TUNING, **values)


class Group:
    """DER at collar 0.25 s and 0 s accumulated over a group of files, and how many have the right count."""

    def __init__(self, label: str):
        self.label = label
        self.metrics = {c: DiarizationErrorRate(collar=c, skip_overlap=False) for c in (0.25, 0.0)}
        self.files = self.right = 0
        self.audio = self.wall = self.cpu = 0.0

    def add(self, reference: Annotation, hyp: Annotation, uem: Timeline, right: bool, duration: float = 0.0,
            wall: float = 0.0, cpu: float = 0.0) -> tuple[dict, float]:
        d25 = self.metrics[0.25](reference, hyp, uem=uem, detailed=True)
        d0 = self.metrics[0.0](reference, hyp, uem=uem)
        self.files += 1
        self.right += right
        self.audio, self.wall, self.cpu = self.audio + duration, self.wall + wall, self.cpu + cpu
        return d25, d0

    def line(self) -> str:
        detail = self.metrics[0.25].accumulated_
        parts = [100 * detail[p] / max(detail["total"], 1e-9) for p in PARTS]
        timing = f"{self.wall / self.audio:>7.3f}{self.cpu:>7.2f}" if self.audio else ""
        return (f"{self.label:<19}{self.audio:>6.1f}{'':>5}{f'{self.right}/{self.files}':>6}"
                f"{100 * abs(self.metrics[0.25]):>8.1f}" + "".join(f"{p:>7.1f}" for p in parts)
                + f"{100 * abs(self.metrics[0.0]):>8.1f}" + timing)


def kept_shares(reference: Annotation, hyp: Annotation) -> dict[str, float]:
    """Per reference speaker: the share of its speech the hypothesis speaker mapped to it (the optimal
    one-to-one mapping, as DER's) gives to it."""
    mapping = DiarizationErrorRate().optimal_mapping(reference, hyp)
    found = {ref: hyp_label for hyp_label, ref in mapping.items()}
    shares = {}
    for speaker in reference.labels():
        own = reference.label_timeline(speaker).support()
        mine = hyp.label_timeline(found[speaker]).support() if speaker in found else Timeline()
        shares[speaker] = own.crop(mine, mode="intersection").duration() / max(own.duration(), 1e-9)
    return shares


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tuning", default="", help="override diarize.Tuning fields, e.g. window=1.5,hop=0.75")
    parser.add_argument("--only", default="", help="comma-separated file ids")
    parser.add_argument("--given", action="store_true", help="give each file its reference number of speakers "
                        "(--speakers N)")
    parser.add_argument("--minutes", type=float, default=0.0, help="time an N-minute joined recording instead")
    args = parser.parse_args()
    tuning = parse_tuning(args.tuning)
    if args.minutes:
        return long_recording(args.minutes, tuning)
    only = set(filter(None, args.only.split(",")))
    with tempfile.TemporaryDirectory(prefix="exhibit-calls-") as folder:
        made = {c: write_call(c, Path(folder)) for c in CALLS if not only or c in only}
        files = [f for f in FILES + [STEREO] if not only or f[0] in only]
        files += [(c, str(wav), str(rttm)) for c, (wav, rttm) in made.items()]   # absolute: DIAR / them is them
        evaluate(files, tuning, args.given)


def evaluate(files: list[tuple[str, str, str]], tuning: Tuning, given: bool) -> None:
    models = load_models()
    references = {name: load_rttm(DIAR / name) for name in {rttm for _, _, rttm in files} if name}
    groups = {"meetings": Group(f"MEETINGS ({len([f for f in files if f[0] not in CALLS])})"),
              "calls": Group(f"CALLS ({len([f for f in files if f[0] in CALLS])})"),
              "dev": Group("AMI dev00+dev01")}
    notes: list[str] = []
    print(f"{'file':<19}{'dur s':>6}{'ref':>5}{'found':>6}{'DER.25':>8}{'miss':>7}{'FA':>7}{'conf':>7}"
          f"{'DER0':>8}{'RTF':>7}{'CPU s':>7}  speakers found (s) / calls: share of each voice kept")
    for uri, wav_name, rttm in files:
        # the working copies diarize() gets: the mono mix, and both channels of the call (no RTTM: STEREO)
        mono = decode(DIAR / wav_name)
        stereo = None if rttm else decode(DIAR / wav_name, stereo=True)
        duration = (len(mono) if stereo is None else stereo.shape[1]) / SAMPLE_RATE
        reference = references[rttm][uri] if rttm else channel_reference(uri, stereo)
        cfg = DiarizeConfig(num_speakers=len(reference.labels()) if given else 0)
        started, cpu = time.perf_counter(), time.process_time()
        result = diarize_audio(mono, stereo, cfg, models, tuning=tuning)
        seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
        if not rttm:
            notes.append(f"{uri}: no RTTM; reference = each channel's speech by energy (L = one speaker, "
                         f"R = the other); detected as a call: {result.method == METHOD_STEREO} "
                         f"(method {result.method})")
        hyp = hypothesis(uri, result.turns)
        uem = Timeline([Segment(0.0, duration)])
        n_ref = len(reference.labels())
        right = n_ref == len(result.speakers)
        group = groups["calls" if uri in CALLS else "meetings"]
        d25, d0 = group.add(reference, hyp, uem, right, duration, seconds, cpu)
        if uri in DEV:
            groups["dev"].add(reference, hyp, uem, right)
        parts = [100 * d25[p] / max(d25["total"], 1e-9) for p in PARTS]
        talk = sorted((hyp.label_timeline(s).support().duration() for s in hyp.labels()), reverse=True)
        kept = kept_shares(reference, hyp) if uri in CALLS else {}
        print(f"{uri:<19}{duration:>6.1f}{n_ref:>5}{len(result.speakers):>6}"
              f"{100 * d25['diarization error rate']:>8.1f}" + "".join(f"{p:>7.1f}" for p in parts)
              + f"{100 * d0:>8.1f}{seconds / duration:>7.3f}{cpu:>7.2f}  " + " ".join(f"{t:.1f}" for t in talk)
              + ("  kept " + " ".join(f"{s} {v:.0%}" for s, v in kept.items()) if kept else ""))
    for group in groups.values():
        if group.files:
            print(group.line())
    for note in notes:
        print(note)
    print("DER and its parts in % of reference speech (parts at collar 0.25 s); 'found' in a group's line = files "
          "whose speaker count is right; RTF = diarize seconds / audio seconds, models loaded once beforehand; "
          "CPU s = the diarizer's process time (all threads); kept = the share of a voice's reference speech the "
          "speaker found for it (optimal mapping) covers." + (" Each file was given its reference number of "
                                                              "speakers (--given)." if given else ""))


if __name__ == "__main__":
    main()
