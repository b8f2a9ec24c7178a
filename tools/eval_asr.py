"""make eval-asr: transcribe every file of ../shared/eval/references.tsv that has a reference text and print
CER (Mandarin: punctuation and spaces removed, Traditional→Simplified) or WER (English: lower-cased,
punctuation removed) per file and in total, with jiwer, plus the real-time factor.

    .venv/bin/python tools/eval_asr.py
"""

from __future__ import annotations

import csv
import re
import tempfile
import time
from pathlib import Path

import jiwer

from pipeline.config import load_settings
from pipeline.stages.ingest import file_digests, ingest
from pipeline.stages.transcribe import load_model, transcribe
from pipeline.text.chinese import to_simplified

EVAL = Path(__file__).resolve().parents[2] / "shared" / "eval"


def normalise(text: str, lang: str) -> str:
    if lang.startswith("zh"):
        return re.sub(r"[\W_]+", "", to_simplified(text)).lower()
    return " ".join(re.sub(r"[^\w' ]+", " ", text.lower()).split())


def rows() -> list[dict[str, str]]:
    with open(EVAL / "references.tsv", encoding="utf-8") as fh:
        table = list(csv.DictReader(fh, delimiter="\t"))
    # files whose reference is one text (not speaker turns in an RTTM file, not per-channel text)
    return [r for r in table if ".rttm" not in r["reference"] and " | " not in r["reference"] and r["lang"] != "-"]


def main() -> None:
    cfg = load_settings().transcribe
    model, _ = load_model(cfg)
    scores: dict[str, tuple[list[str], list[str]]] = {"zh": ([], []), "en": ([], [])}
    audio_seconds = compute_seconds = 0.0
    print(f"{'file':<46}{'lang':<6}{'metric':<7}{'score':>7}  hypothesis")
    for row in rows():
        src = EVAL / row["file"]
        with tempfile.TemporaryDirectory() as tmp:
            asset = ingest(src, file_digests(src), Path(tmp))
            started = time.perf_counter()
            result = transcribe(Path(tmp) / asset.wav_path, cfg, model=model)
            compute_seconds += time.perf_counter() - started
        audio_seconds += asset.duration
        hyp_text = "".join(s.text for s in result.segments)
        lang = "zh" if row["lang"].startswith("zh") else "en"
        ref, hyp = normalise(row["reference"], row["lang"]), normalise(hyp_text, row["lang"])
        metric = "CER" if lang == "zh" else "WER"
        score = jiwer.cer(ref, hyp) if lang == "zh" else jiwer.wer(ref, hyp)
        scores[lang][0].append(ref)
        scores[lang][1].append(hyp)
        print(f"{row['file']:<46}{row['lang']:<6}{metric:<7}{score:>7.3f}  {hyp_text}")
    zh_refs, zh_hyps = scores["zh"]
    en_refs, en_hyps = scores["en"]
    print(f"total Mandarin CER: {jiwer.cer(zh_refs, zh_hyps):.3f} over {len(zh_refs)} files")
    print(f"total English WER:  {jiwer.wer(en_refs, en_hyps):.3f} over {len(en_refs)} files")
    print(f"real-time factor:   {compute_seconds / audio_seconds:.3f} ({compute_seconds:.1f} s for "
          f"{audio_seconds:.1f} s of audio, model {cfg.model}, {cfg.compute_type})")


if __name__ == "__main__":
    main()
