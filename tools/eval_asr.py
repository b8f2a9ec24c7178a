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

Then "Both languages": recordings that go from one language to another, each transcribed by the pipeline with one
language for the whole file (before: [transcribe] languages = "") and with each stretch heard in its own language
(after: the setting, "zh,en"): two clips generated here from real clips (CODE_SWITCHING: an English speech then
Mandarin, Mandarin then an English reading; the reference is theirs joined) and the eval set's own mixed clip. Per
clip: the English kept (WER of the Latin-letter words against the English reference; 1.000 = all lost), the
Mandarin (CER of the Chinese characters against the Mandarin reference), the language of each line, and the time.

--languages sets the setting for the main table's "after" (--languages "" = one language per file, as before
per-stretch languages); --pieces prints, for every eval file and generated clip, each piece of speech the language
detection ran on (stages.languages) with its detection and the language it was heard in (how MIN_SECONDS and
MIN_PROBABILITY were tuned).

Then the case vocabulary (issue 22): each file is run through the pipeline again with a vocabulary, once as a
run uses it (stages/rehear.py: the stretches whose words sound like a term heard again with the terms as
hotwords) and once as the initial prompt (Mandarin files; the English ones get no prompt). The vocabulary of a
file whose reference holds proper nouns is those terms (tools/eval_vocabulary.tsv, chosen by reading the
references); every other file gets all of those terms, a case vocabulary whose words it does not hold. Printed:
the name error rate (share of the vocabulary's terms in the reference that the text misses) and CER/WER without
→ with the vocabulary, per file and in total for the files whose words the vocabulary holds and for the others.

    .venv/bin/python tools/eval_asr.py [--compute-type int8] [--languages zh,en] [--pieces]

The RTF of "without" is the fastest of TIMING_RUNS runs, that of "vocab." of one run.
"""

from __future__ import annotations

import argparse
import csv
import dataclasses
import re
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import jiwer
import numpy as np

from pipeline.audio import SAMPLE_RATE, decode, read_wav, write_wav
from pipeline.config import load_settings
from pipeline.fileio import file_digests
from pipeline.rundir import RunDir
from pipeline.stages.ingest import ingest
from pipeline.stages import languages as stretch_languages
from pipeline.stages.normalise import normalise as normalise_stage
from pipeline.stages.rehear import rehear
from pipeline.stages.transcribe import _first_speech, _speech_only, load_model, speech_chunks, transcribe, vad_options
from pipeline.text.chinese import CJK_CHARACTER, join_words, to_simplified

EVAL = Path(__file__).resolve().parents[2] / "shared" / "eval"
CHINESE_MARKS = set("，。？！：；、")
BEFORE_BEAM = 5
TIMING_RUNS = 2          # each way runs this often per file; the fastest time counts (the machine is shared)
VOCABULARY = Path(__file__).with_name("eval_vocabulary.tsv")


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
    terms: tuple[str, ...] = ()  # the vocabulary it was run with
    own: bool = False            # whether those are terms of its reference (else another case's)
    hinted: Run | None = None    # the pipeline with the vocabulary (heard again where words sound like a term)
    prompted: Run | None = None  # … as the initial prompt (Mandarin only)


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


def vocabularies() -> dict[str, tuple[str, ...]]:
    """{file: the terms of its case vocabulary} from tools/eval_vocabulary.tsv."""
    lines = [line for line in VOCABULARY.read_text(encoding="utf-8").splitlines()
             if line.strip() and not line.startswith("#")]
    return {row["file"]: tuple(t.strip() for t in row["terms"].split(",") if t.strip())
            for row in csv.DictReader(lines, delimiter="\t")}


def timed(make_text, runs: int = TIMING_RUNS) -> Run:
    """The text of the first of `runs` runs, with the fastest run's seconds."""
    texts, times = [], []
    for _ in range(runs):
        started = time.perf_counter()
        texts.append(make_text())
        times.append(time.perf_counter() - started)
    return Run(texts[0], min(times))


def run_before(model, wav: Path) -> Run:
    def text() -> str:
        segments, _ = model.transcribe(read_wav(wav), beam_size=BEFORE_BEAM)
        return joined(s.text for s in segments)                 # the generator decodes here
    return timed(text)


def run_after(model, wav: Path, settings, terms: tuple[str, ...] = (), runs: int = TIMING_RUNS) -> Run:
    def text() -> str:
        raw = transcribe(wav, settings.transcribe, model=model)
        if terms:                                             # what a run does with the case's terms
            raw = rehear(raw, wav, terms, settings.transcribe, model=model)
        return joined(s.text for s in normalise_stage(raw, settings.normalise).segments)
    return timed(text, runs)


def evaluate(row: dict[str, str], model, settings, terms: tuple[str, ...], own: bool) -> Result:
    src = EVAL / row["file"]
    lang = "zh" if row["lang"].startswith("zh") else "en"
    prompting = dataclasses.replace(settings, transcribe=dataclasses.replace(
        settings.transcribe, initial_prompt_zh="，".join(terms) + "。"))
    with tempfile.TemporaryDirectory() as tmp:
        run = RunDir(Path(tmp))
        ingest(src, file_digests(src), run)
        duration = len(read_wav(run.wav)) / SAMPLE_RATE
        before, after = run_before(model, run.wav), run_after(model, run.wav, settings)
        hinted = run_after(model, run.wav, settings, terms, runs=1)
        prompted = run_after(model, run.wav, prompting, runs=1) if lang == "zh" else None
    return Result(row["file"], lang, row["reference"], duration, before, after, terms, own, hinted, prompted)


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


def found(terms: tuple[str, ...], reference: str, text: str, lang: str) -> tuple[int, int]:
    """(times the terms occur in the reference, times of those the text misses), both normalised as scored."""
    ref, hyp = normalise(reference, lang), normalise(text, lang)
    total = missed = 0
    for term in terms:
        n = normalise(term, lang)
        count = ref.count(n) if n else 0
        total += count
        missed += max(0, count - hyp.count(n))
    return total, missed


def ways(r: Result) -> list[Run | None]:
    return [r.after, r.hinted, r.prompted]


def score(results: list[Result], way: int) -> str:
    """CER/WER of the files (one language) the way given (0 without, 1 vocabulary, 2 prompt); "-" when a file
    was not run that way."""
    runs = [ways(r)[way] for r in results]
    if not results or any(run is None for run in runs):
        return "-"
    lang = results[0].lang
    refs = [normalise(r.reference, lang) for r in results]
    return f"{error_rate(lang, refs, [normalise(run.text, lang) for run in runs]):.3f}"


def name_error(results: list[Result], way: int) -> str:
    """missed/total and the share, the way given."""
    counts = [found(r.terms, r.reference, ways(r)[way].text, r.lang) for r in results if ways(r)[way] is not None]
    if len(counts) < len(results):
        return "-"
    total, missed = sum(c[0] for c in counts), sum(c[1] for c in counts)
    return f"{missed}/{total}={missed / total:.2f}" if total else "-"


VOCAB_HEADER = f"{'file':<42}{'lang':<5}{'vocabulary':<28}{'names missed (rate)':>32}{'CER/WER':>24}{'RTF':>14}"
VOCAB_UNDER = f"{'':<75}{'without→vocab.→prompt':>32}{'without→vocab.→prompt':>24}{'without→vocab.':>14}"


def vocabulary_line(name: str, lang: str, terms: str, results: list[Result]) -> str:
    names = "→".join(name_error(results, w) for w in range(3))
    scores = "→".join(score(results, w) for w in range(3))
    seconds = sum(r.duration for r in results)
    rtf = "→".join(f"{sum(ways(r)[w].seconds for r in results) / seconds:.3f}" for w in range(2))
    return f"{name:<42}{lang:<5}{terms:<28}{names:>32}{scores:>24}{rtf:>14}"


def print_vocabulary(results: list[Result]) -> None:
    print(f"\nCase vocabulary ({VOCABULARY.name}): the pipeline without it → with it (stages/rehear.py: heard again "
          "with it as hotwords where the words sound like a term) → with it as the "
          "initial prompt (Mandarin only). A file whose reference holds proper nouns gets those (its own); every "
          "other file gets all of them (another case's words). Names missed: occurrences of the vocabulary's "
          "terms in the reference that the text does not hold.")
    print(VOCAB_HEADER)
    print(VOCAB_UNDER)
    for r in results:
        terms = ",".join(r.terms) if r.own else "(another case's)"
        print(vocabulary_line(r.file, r.lang, terms[:27], [r]))
    for own, what in ((True, "its words in the vocabulary"), (False, "its words not in it")):
        for lang in ("zh", "en"):
            chosen = [r for r in results if r.own == own and r.lang == lang]
            if chosen:
                seconds = sum(r.duration for r in chosen)
                print(vocabulary_line(f"total, {what} ({len(chosen)}, {seconds:.0f} s)", lang, "", chosen))
    for r in results:
        if r.own:
            print(f"\n{r.file} [{','.join(r.terms)}]\n  reference: {r.reference}\n  without:   {r.after.text}\n"
                  f"  vocab.:    {r.hinted.text}" + (f"\n  prompt:    {r.prompted.text}" if r.prompted else ""))
# ------------------------------------------------------------------------------------------ both languages

# clips joined into one recording that changes language: (file of ../shared/eval, seconds of silence after it)
CODE_SWITCHING = {
    "en→zh (generated)": (("en/jfk.flac", 0.8), ("zh/csharp_AliParaformerAsr_example_1.wav", 0.5),
                          ("zh/funasr_api_asr_example.wav", 0.0)),
    "zh→en (generated)": (("zh/csharp_AliParaformerAsr_example_2.wav", 0.5), ("zh/llama.cpp_tests_sample.wav", 0.8),
                          ("en/librispeech-1995-1837-0001.wav", 0.0)),
}
MIXED = "zh/csharp_AliParaformerAsr_example_3.wav"    # the eval set's own clip: English then Mandarin, no pause
LATIN = re.compile(r"[A-Za-z][A-Za-z']*")


def references() -> dict[str, str]:
    return {r["file"]: r["reference"] for r in rows()}


def code_switching_clip(parts, path: Path) -> str:
    """The clips joined (16 kHz mono, each followed by its silence) written to `path`; their references joined."""
    refs = references()
    audio = [a for name, gap in parts for a in (decode(EVAL / name), np.zeros(int(gap * SAMPLE_RATE), np.float32))]
    write_wav(path, np.concatenate(audio))
    return " ".join(refs[name] for name, _ in parts)


def english_part(text: str) -> str:
    return normalise(" ".join(LATIN.findall(text)), "en")


def mandarin_part(text: str) -> str:
    return normalise("".join(re.findall(CJK_CHARACTER, to_simplified(text))), "zh")


@dataclass
class Heard:
    text: str
    lines: list[tuple[str, str]]     # (language, text) of each segment
    language: str                    # the file's
    seconds: float


def pipeline_heard(model, wav: Path, settings, languages: str) -> Heard:
    cfg = dataclasses.replace(settings.transcribe, languages=languages)
    started = time.perf_counter()
    shown = normalise_stage(transcribe(wav, cfg, model=model), settings.normalise)
    seconds = time.perf_counter() - started
    return Heard(joined(s.text for s in shown.segments), [(s.language, s.text.strip()) for s in shown.segments],
                 shown.language, seconds)


def both_languages(model, settings) -> None:
    after_setting = settings.transcribe.languages
    print(f"\nBoth languages: before = one language for the whole file (languages \"\"), after = each stretch in "
          f"its own language (languages \"{after_setting}\"). English: WER of the Latin-letter words (1.000 = all "
          "lost); Mandarin: CER of the Chinese characters.")
    print(f"{'clip':<42}{'file lang':>10}{'English WER':>16}{'Mandarin CER':>16}{'seconds':>14}")
    print(f"{'':<52}{'before→after':>16}{'before→after':>16}{'before→after':>14}")
    clips = [(name, parts) for name, parts in CODE_SWITCHING.items()] + [(MIXED, None)]
    shown = []
    with tempfile.TemporaryDirectory() as tmp:
        for i, (name, parts) in enumerate(clips):
            src = Path(tmp) / f"clip{i}.wav" if parts else EVAL / MIXED
            reference = code_switching_clip(parts, src) if parts else references()[MIXED]
            run = RunDir(Path(tmp) / f"run{i}")
            ingest(src, file_digests(src), run)
            before, after = (pipeline_heard(model, run.wav, settings, languages) for languages in ("", after_setting))
            en = [jiwer.wer(english_part(reference), english_part(h.text) or "-") for h in (before, after)]
            zh = [jiwer.cer(mandarin_part(reference), mandarin_part(h.text) or "-") for h in (before, after)]
            print(f"{name:<42}{after.language:>10}{en[0]:>8.3f}→{en[1]:<7.3f}{zh[0]:>8.3f}→{zh[1]:<7.3f}"
                  f"{before.seconds:>7.2f}→{after.seconds:<6.2f}")
            shown.append((name, reference, before, after))
    for name, reference, before, after in shown:
        print(f"\n{name}\n  reference: {reference}")
        for side, heard in (("before", before), ("after", after)):
            print(f"  {side}:" + "".join(f"\n    [{lang}] {text}" for lang, text in heard.lines))


def languages_cost(model, settings) -> None:
    """The transcribe stage's time on every file of the main table, one language per file against each stretch in
    its own language, alternating, the fastest of TIMING_RUNS each (the machine may be shared)."""
    ways = {"": dataclasses.replace(settings.transcribe, languages=""), "after": settings.transcribe}
    total = dict.fromkeys(ways, 0.0)
    audio = 0.0
    with tempfile.TemporaryDirectory() as tmp:
        for i, row in enumerate(rows()):
            src = EVAL / row["file"]
            run = RunDir(Path(tmp) / f"run{i}")
            ingest(src, file_digests(src), run)
            audio += len(read_wav(run.wav)) / SAMPLE_RATE
            best = dict.fromkeys(ways, float("inf"))
            for _ in range(TIMING_RUNS):
                for name, cfg in ways.items():
                    started = time.perf_counter()
                    transcribe(run.wav, cfg, model=model)
                    best[name] = min(best[name], time.perf_counter() - started)
            for name in ways:
                total[name] += best[name]
    print(f"\nTranscribe stage on the {len(rows())} files above ({audio:.1f} s), fastest of {TIMING_RUNS} runs "
          f"each, alternating: one language per file {total['']:.2f} s (RTF {total[''] / audio:.3f}) → each "
          f"stretch in its own language {total['after']:.2f} s (RTF {total['after'] / audio:.3f}), "
          f"{100 * (total['after'] / total[''] - 1):+.0f} %")


def pieces(model, settings) -> None:
    """Each piece the language detection ran on, for every eval file and generated clip."""
    cfg = settings.transcribe
    vad, allowed = vad_options(cfg), stretch_languages.allowed_languages(cfg.languages or "zh,en")
    print(f"\nPieces (stages.languages: MIN_SECONDS {stretch_languages.MIN_SECONDS}, MIN_PROBABILITY "
          f"{stretch_languages.MIN_PROBABILITY}, allowed {','.join(allowed)}): file, file language, start, seconds, "
          "detection (- = too short), heard in")
    files = sorted(p for p in EVAL.rglob("*") if p.suffix in (".wav", ".flac", ".mp3"))
    with tempfile.TemporaryDirectory() as tmp:
        clips = []
        for i, (name, parts) in enumerate(CODE_SWITCHING.items()):
            clips.append((name, Path(tmp) / f"clip{i}.wav"))
            code_switching_clip(parts, clips[-1][1])
        for name, path in [(str(f.relative_to(EVAL)), f) for f in files] + clips:
            audio = decode(path)
            chunks = speech_chunks(audio, vad)
            if not chunks:
                continue
            language, _, _ = model.detect_language(_speech_only(audio, _first_speech(chunks)))
            for chunk in chunks:
                found = stretch_languages.pieces_of(model, audio, chunk, vad)
                for piece, heard in zip(found, stretch_languages.decide(found, language, allowed)):
                    detected = f"{piece.detected} {piece.probability:.3f}" if piece.detected else "-"
                    print(f"  {name:<40}{language:>4}{piece.start / SAMPLE_RATE:>8.2f}{piece.seconds:>7.2f}  "
                          f"{detected:<10} {heard}{'  (switched)' if heard != language else ''}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--compute-type", default="", help="as --compute-type of exhibit transcript (default: the "
                                                          "setting)")
    parser.add_argument("--languages", default=None, help="[transcribe] languages for the pipeline (default: the "
                                                          "setting; \"\" = one language per file)")
    parser.add_argument("--pieces", action="store_true", help="also print every piece the language detection ran on")
    args = parser.parse_args()
    overrides = {"transcribe": {"compute_type": args.compute_type}} if args.compute_type else {}
    if args.languages is not None:
        overrides.setdefault("transcribe", {})["languages"] = args.languages
    settings = load_settings(overrides=overrides)
    cfg = settings.transcribe
    model, _ = load_model(cfg)
    own = vocabularies()
    every = tuple(dict.fromkeys(t for terms in own.values() for t in terms))
    results = [evaluate(row, model, settings, own.get(row["file"], every), row["file"] in own) for row in rows()]
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
    print_vocabulary(results)
    both = dataclasses.replace(settings, transcribe=dataclasses.replace(cfg, languages=cfg.languages or "zh,en"))
    both_languages(model, both)
    languages_cost(model, both)
    if args.pieces:
        pieces(model, settings)


if __name__ == "__main__":
    main()
