"""make eval-diarization: diarize the AMI excerpts and the five-speaker Mandarin file of ../shared/eval/diar
and print, per file and in total, DER (pyannote.metrics, overlap included) with collar 0.25 s and 0 s, its
parts (missed speech, false alarm, speaker confusion, collar 0.25 s, as % of reference speech), the number
of speakers found against the reference, the real-time factor (diarize time / audio duration, models
already loaded) and the diarizer's CPU seconds (process time of all its threads: on a shared machine a
steadier measure of its cost than the wall clock).

With --minutes N it times the diarize stage instead on an N-minute recording joined from the AMI excerpts
(as tools/bench.py's build_input makes it), its working copy on disk as in a run: wall and CPU seconds, RTF
and the process's peak RSS (run it in a fresh process per length to compare peaks; with --tuning the
samples are read whole and handed over).

    .venv/bin/python tools/eval_diarization.py [--tuning window=1.5,hop=0.75] [--only dev00,trn01]
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tuning", default="", help="override diarize.Tuning fields, e.g. window=1.5,hop=0.75")
    parser.add_argument("--only", default="", help="comma-separated file ids")
    parser.add_argument("--minutes", type=float, default=0.0, help="time an N-minute joined recording instead")
    args = parser.parse_args()
    tuning = parse_tuning(args.tuning)
    if args.minutes:
        return long_recording(args.minutes, tuning)
    files = [f for f in FILES + [STEREO] if not args.only or f[0] in args.only.split(",")]
    models = load_models()
    cfg = DiarizeConfig()
    references = {name: load_rttm(DIAR / name) for name in {rttm for _, _, rttm in files} if name}
    metrics = {0.25: DiarizationErrorRate(collar=0.25, skip_overlap=False),
               0.0: DiarizationErrorRate(collar=0.0, skip_overlap=False)}
    dev = {c: DiarizationErrorRate(collar=c, skip_overlap=False) for c in (0.25, 0.0)}
    audio_total = compute_total = cpu_total = 0.0
    right_count = 0
    notes: list[str] = []
    print(f"{'file':<15}{'dur s':>6}{'ref':>5}{'found':>6}{'DER.25':>8}{'miss':>7}{'FA':>7}{'conf':>7}"
          f"{'DER0':>8}{'RTF':>7}{'CPU s':>7}")
    for uri, wav_name, rttm in files:
        # the working copies diarize() gets: the mono mix, and both channels of the call (no RTTM: STEREO)
        mono = decode(DIAR / wav_name)
        stereo = None if rttm else decode(DIAR / wav_name, stereo=True)
        duration = (len(mono) if stereo is None else stereo.shape[1]) / SAMPLE_RATE
        started, cpu = time.perf_counter(), time.process_time()
        result = diarize_audio(mono, stereo, cfg, models, tuning=tuning)
        seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
        if rttm:
            reference = references[rttm][uri]
        else:
            reference = channel_reference(uri, stereo)
            notes.append(f"{uri}: no RTTM; reference = each channel's speech by energy (L = one speaker, "
                         f"R = the other); detected as a call: {result.method == METHOD_STEREO} "
                         f"(method {result.method})")
        hyp = hypothesis(uri, result.turns)
        uem = Timeline([Segment(0.0, duration)])
        d25 = metrics[0.25](reference, hyp, uem=uem, detailed=True)
        d0 = metrics[0.0](reference, hyp, uem=uem)
        if uri in DEV:
            for c, metric in dev.items():
                metric(reference, hyp, uem=uem, detailed=True)
        parts = [100 * d25[p] / max(d25["total"], 1e-9) for p in PARTS]
        n_ref = len(reference.labels())
        right_count += n_ref == len(result.speakers)
        audio_total += duration
        compute_total += seconds
        cpu_total += cpu
        print(f"{uri:<15}{duration:>6.1f}{n_ref:>5}{len(result.speakers):>6}{100 * d25['diarization error rate']:>8.1f}"
              + "".join(f"{p:>7.1f}" for p in parts) + f"{100 * d0:>8.1f}{seconds / duration:>7.3f}{cpu:>7.2f}")
    detail = metrics[0.25].accumulated_
    parts = [100 * detail[p] / max(detail["total"], 1e-9) for p in PARTS]
    print(f"{'TOTAL':<15}{audio_total:>6.1f}{'':>5}{f'{right_count}/{len(files)}':>6}{100 * abs(metrics[0.25]):>8.1f}"
          + "".join(f"{p:>7.1f}" for p in parts) + f"{100 * abs(metrics[0.0]):>8.1f}{compute_total / audio_total:>7.3f}{cpu_total:>7.2f}")
    if any(f[0] in DEV for f in files):
        detail = dev[0.25].accumulated_
        parts = [100 * detail[p] / max(detail["total"], 1e-9) for p in PARTS]
        print(f"{'AMI dev files (dev00+dev01)':<32}{100 * abs(dev[0.25]):>8.1f}" + "".join(f"{p:>7.1f}" for p in parts)
              + f"{100 * abs(dev[0.0]):>8.1f}")
    for note in notes:
        print(note)
    print("DER and its parts in % of reference speech (parts at collar 0.25 s); 'found' in TOTAL = files whose "
          "speaker count is right; RTF = diarize seconds / audio seconds, models loaded once beforehand; CPU s = the diarizer's "
          "process time (all threads).")


if __name__ == "__main__":
    main()
