"""make eval-asr: transcribe every file of ../shared/eval/references.tsv that has a reference text, two ways,
and print one table comparing them per file and in total:

- before: faster-whisper run the plain way, with its defaults (model.transcribe(audio, beam_size=5): no VAD,
  no word timestamps, no post-processing, language detected), on the same audio with the same loaded model;
- after: the pipeline's transcribe and normalise stages (VAD, word timings, Traditional→Simplified, Chinese
  punctuation).

Columns: CER (Mandarin: punctuation and spaces removed, Traditional→Simplified) or WER (English: lower-cased,
punctuation removed), with jiwer; what the reader sees: Traditional characters in the text (characters
OpenCC t2s changes) and Chinese punctuation marks per 100 Chinese characters; and the real-time factor
(the fastest of TIMING_RUNS runs of each, as the machine may be shared).
Then, for up to three files, the two texts one above the other.

    .venv/bin/python tools/eval_asr.py [--compute-type int8]
"""

from __future__ import annotations

import argparse
import csv
import re
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import jiwer

from pipeline.audio import SAMPLE_RATE, read_wav
from pipeline.config import load_settings
from pipeline.fileio import file_digests
from pipeline.rundir import RunDir
from pipeline.stages.ingest import ingest
from pipeline.stages.normalise import normalise as normalise_stage
from pipeline.stages.transcribe import load_model, transcribe
from pipeline.text.chinese import CJK_CHARACTER, join_words, to_simplified

EVAL = Path(__file__).resolve().parents[2] / "shared" / "eval"
CHINESE_MARKS = set("，。？！：；、")
BEFORE_BEAM = 5
TIMING_RUNS = 2          # each way runs this often per file; the fastest time counts (the machine is shared)


@dataclass
class Run:
    text: str
    seconds: float


@dataclass
class Result:
    file: str
    lang: str                    # "zh" or "en"
    reference: str
    duration: float
    before: Run
    after: Run


def normalise(text: str, lang: str) -> str:
    if lang.startswith("zh"):
        return re.sub(r"[\W_]+", "", to_simplified(text)).lower()
    return " ".join(re.sub(r"[^\w' ]+", " ", text.lower()).split())


def traditional(text: str) -> int:
    """How many characters OpenCC t2s changes."""
    simplified = to_simplified(text)
    if len(simplified) == len(text):
        return sum(a != b for a, b in zip(text, simplified))
    return sum(to_simplified(c) != c for c in text)


def chinese_characters(text: str) -> int:
    return len(re.findall(CJK_CHARACTER, text))


def marks(text: str) -> int:
    return sum(c in CHINESE_MARKS for c in text)


def per_100(texts: list[str]) -> str:
    chars = sum(chinese_characters(t) for t in texts)
    return f"{100 * sum(marks(t) for t in texts) / chars:.1f}" if chars else "-"


def error_rate(lang: str, refs: list[str], hyps: list[str]) -> float:
    return jiwer.cer(refs, hyps) if lang == "zh" else jiwer.wer(refs, hyps)


def joined(texts) -> str:
    """Segment texts as one line: a space between English segments, none between Chinese ones."""
    return join_words([" " + t.strip() for t in texts])


def rows() -> list[dict[str, str]]:
    with open(EVAL / "references.tsv", encoding="utf-8") as fh:
        table = list(csv.DictReader(fh, delimiter="\t"))
    # files whose reference is one text (not speaker turns in an RTTM file, not per-channel text)
    return [r for r in table if ".rttm" not in r["reference"] and " | " not in r["reference"] and r["lang"] != "-"]


def timed(make_text) -> Run:
    """The text of the first of TIMING_RUNS runs, with the fastest run's seconds."""
    texts, times = [], []
    for _ in range(TIMING_RUNS):
        started = time.perf_counter()
        texts.append(make_text())
        times.append(time.perf_counter() - started)
    return Run(texts[0], min(times))


def run_before(model, wav: Path) -> Run:
    def text() -> str:
        segments, _ = model.transcribe(read_wav(wav), beam_size=BEFORE_BEAM)
        return joined(s.text for s in segments)                 # the generator decodes here
    return timed(text)


def run_after(model, wav: Path, settings) -> Run:
    def text() -> str:
        raw = transcribe(wav, settings.transcribe, model=model)
        return joined(s.text for s in normalise_stage(raw, settings.normalise).segments)
    return timed(text)


def evaluate(row: dict[str, str], model, settings) -> Result:
    src = EVAL / row["file"]
    with tempfile.TemporaryDirectory() as tmp:
        run = RunDir(Path(tmp))
        ingest(src, file_digests(src), run)
        duration = len(read_wav(run.wav)) / SAMPLE_RATE
        before, after = run_before(model, run.wav), run_after(model, run.wav, settings)
    lang = "zh" if row["lang"].startswith("zh") else "en"
    return Result(row["file"], lang, row["reference"], duration, before, after)


HEADER = (f"{'file':<42}{'lang':<5}{'metric':<7}{'score':>13}{'Traditional':>13}{'marks/100 zh':>14}"
          f"{'RTF':>13}")
UNDER = f"{'':<54}{'before→after':>13}{'before→after':>13}{'before→after':>14}{'before→after':>13}"


def line(name: str, lang: str, metric: str, score: tuple[float, float], trad: tuple[int, int],
         punct: tuple[str, str], rtf: tuple[float, float]) -> str:
    return (f"{name:<42}{lang:<5}{metric:<7}{score[0]:>6.3f}→{score[1]:<6.3f}{trad[0]:>6}→{trad[1]:<6}"
            f"{punct[0]:>7}→{punct[1]:<6}{rtf[0]:>6.3f}→{rtf[1]:<6.3f}")


def file_line(r: Result) -> str:
    ref = normalise(r.reference, r.lang)
    score = tuple(error_rate(r.lang, [ref], [normalise(run.text, r.lang)]) for run in (r.before, r.after))
    return line(r.file, r.lang, "CER" if r.lang == "zh" else "WER", score,
                (traditional(r.before.text), traditional(r.after.text)),
                (per_100([r.before.text]), per_100([r.after.text])),
                (r.before.seconds / r.duration, r.after.seconds / r.duration))


def total_line(results: list[Result], lang: str) -> str:
    chosen = [r for r in results if r.lang == lang]
    refs = [normalise(r.reference, lang) for r in chosen]
    score = tuple(error_rate(lang, refs, [normalise(getattr(r, side).text, lang) for r in chosen])
                  for side in ("before", "after"))
    seconds = sum(r.duration for r in chosen)
    return line(f"total ({len(chosen)} files, {seconds:.1f} s)", lang, "CER" if lang == "zh" else "WER", score,
                tuple(sum(traditional(getattr(r, side).text) for r in chosen) for side in ("before", "after")),
                tuple(per_100([getattr(r, side).text for r in chosen]) for side in ("before", "after")),
                tuple(sum(getattr(r, side).seconds for r in chosen) / seconds for side in ("before", "after")))


def examples(results: list[Result]) -> list[tuple[str, Result]]:
    """Up to three files to show: the most Traditional characters before, the most punctuation added, and
    the largest change in error rate — each a different file, each only when there is one."""
    def gain(r: Result) -> int:
        return marks(r.after.text) - marks(r.before.text)

    def change(r: Result) -> float:
        ref = normalise(r.reference, r.lang)
        return abs(error_rate(r.lang, [ref], [normalise(r.after.text, r.lang)])
                   - error_rate(r.lang, [ref], [normalise(r.before.text, r.lang)]))

    picks: list[tuple[str, Result]] = []
    for why, key in (("Traditional characters before", lambda r: traditional(r.before.text)),
                     ("punctuation added", gain), ("largest change in error rate", change)):
        left = [r for r in results if r not in [p for _, p in picks] and key(r) > 0]
        if left:
            picks.append((why, max(left, key=key)))
    return picks


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--compute-type", default="", help="as --compute-type of exhibit transcript (default: the "
                                                          "setting)")
    args = parser.parse_args()
    overrides = {"transcribe": {"compute_type": args.compute_type}} if args.compute_type else {}
    settings = load_settings(overrides=overrides)
    cfg = settings.transcribe
    model, _ = load_model(cfg)
    results = [evaluate(row, model, settings) for row in rows()]
    print(f"before: faster-whisper defaults (beam {BEFORE_BEAM}, no VAD, no word timestamps, language detected);"
          f" after: the pipeline's transcribe and normalise stages. Model {cfg.model}, {cfg.compute_type}, same "
          "loaded model.")
    print("marks/100 zh counts the full-width marks a Chinese reader expects (，。？！：；、); ASCII , . ? in Chinese "
          "text do not count. Traditional: characters OpenCC t2s changes. RTF: seconds of compute per second of audio "
          f"(fastest of {TIMING_RUNS} runs).")
    print(HEADER)
    print(UNDER)
    for r in results:
        print(file_line(r))
    for lang in ("zh", "en"):
        if any(r.lang == lang for r in results):
            print(total_line(results, lang))
    for why, r in examples(results):
        print(f"\n{r.file} ({why})\n  reference: {r.reference}\n  before:    {r.before.text}\n"
              f"  after:     {r.after.text}")


if __name__ == "__main__":
    main()
