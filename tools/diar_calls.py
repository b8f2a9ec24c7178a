"""Two-party calls for make eval-diarization, built at eval time from real clips of ../shared/eval (nothing of
them is committed): two different real speakers taking turns, long turns of 4–10 s and short interjections of
1–2 s, with an exact reference RTTM (where each piece was placed, trimmed to its own speech).

Each call is a list of turns (speaker, source file, start, end in the source): the pieces are cut by hand at
pauses of the source (times below), each source is scaled to the same peak, and the pieces are placed one
after the other with the gaps given (a negative gap: the piece starts before the last one ended, an
overlapping interjection, the two added). A piece's reference turn is its placement trimmed to its first and
last 20 ms frame within TRIM_DB of its source's loudest frame, so the turn times are exact and deterministic.

The sources and their licences are in ../shared/eval/README.md (AMI CC BY 4.0 via pyannote-audio's tests,
LibriSpeech CC BY 4.0, faster-whisper MIT, FunASR MIT, AliParaformerAsr examples via wenet/FunASR). AMI pieces
come from stretches the human RTTM gives to one speaker alone (trn03: MÉO069 from 1.2 s; dev00: MEE009 until
13.15 s).

    .venv/bin/python tools/diar_calls.py OUT_DIR     writes OUT_DIR/<call>.wav and <call>.rttm
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from pipeline.audio import SAMPLE_RATE, decode, write_wav

EVAL = Path(__file__).resolve().parents[2] / "shared" / "eval"
PEAK = 0.5          # every source scaled to this peak, so that neither party is a whisper
TRIM_DB = 35.0      # a piece's reference turn: its frames within this of the source's loudest 20 ms frame
FRAME = 320         # 20 ms


@dataclass(frozen=True)
class Piece:
    speaker: str
    source: str          # relative to ../shared/eval
    start: float         # seconds in the source
    end: float
    gap: float = 0.5     # seconds of silence before it (negative: it overlaps the piece before)


JFK, LS = "en/jfk.flac", "en/librispeech-1995-1837-0001.wav"
TRN03, DEV00 = "diar/trn03.wav", "diar/dev00.wav"
ZH1, LLAMA = "zh/csharp_AliParaformerAsr_example_1.wav", "zh/llama.cpp_tests_sample.wav"
ZH2, FUNASR = "zh/csharp_AliParaformerAsr_example_2.wav", "zh/funasr_api_asr_example.wav"
S0724, S0916 = "zh/aishell-BAC009S0724W0121.wav", "zh/cpp_onnxruntime_wave_asr_example.wav"

CALLS: dict[str, tuple[Piece, ...]] = {
    # English, two men (Kennedy in a crowd, a LibriSpeech reader): 2 s openings, two long turns, a 2 s interjection
    "call_en_jfk_ls": (
        Piece("JFK", JFK, 0.25, 2.05, 0.0),
        Piece("LS1995", LS, 0.0, 2.4, 0.6),
        Piece("JFK", JFK, 3.2, 11.0, 0.5),
        Piece("LS1995", LS, 2.45, 6.4, 0.7),
        Piece("JFK", JFK, 0.25, 2.05, 0.4),   # the opening again, as a 2 s interjection
        Piece("LS1995", LS, 6.45, 8.73, 0.5),
    ),
    # English, two men of one AMI meeting room (headset mix): the hard case, an interview with short answers
    "call_en_ami_mm": (
        Piece("MEO069", TRN03, 7.9, 12.7, 0.0),
        Piece("MEE009", DEV00, 2.0, 3.8, 0.5),
        Piece("MEO069", TRN03, 13.3, 17.2, 0.6),
        Piece("MEE009", DEV00, 6.5, 11.3, 0.4),
        Piece("MEO069", TRN03, 5.4, 7.3, 0.5),
        Piece("MEE009", DEV00, 11.9, 13.0, 0.5),
        Piece("MEO069", TRN03, 17.7, 27.0, 0.6),
    ),
    # Mandarin: one side talks, the other answers briefly (3 s in all); one answer starts over the talker
    "call_zh_long_short": (
        Piece("ZH1", ZH1, 0.42, 4.26, 0.0),
        Piece("CLIP002", LLAMA, 1.06, 2.16, 0.5),
        Piece("ZH1", ZH1, 4.88, 12.88, 0.6),
        Piece("CLIP002", LLAMA, 3.62, 5.86, -0.3),
    ),
    # Mandarin: a 1.8 s question, a 4.3 s answer, a 3 s reply
    "call_zh_turns": (
        Piece("ZH2", ZH2, 1.3, 3.14, 0.0),
        Piece("FUNASR_DEMO", FUNASR, 0.9, 5.18, 0.5),
        Piece("ZH2", ZH2, 3.6, 6.6, 0.6),
    ),
    # Mandarin: two AISHELL-1 speakers (one recording set-up: voices are all that differs), 4.3 s and 2.4 s
    "call_zh_aishell": (
        Piece("S0724", S0724, 0.0, 4.28, 0.0),
        Piece("S0916", S0916, 0.0, 2.43, 0.5),
    ),
}


def _source(relative: str, cache: dict[str, np.ndarray]) -> np.ndarray:
    if relative not in cache:
        x = decode(EVAL / relative)
        cache[relative] = (x * (PEAK / max(float(np.abs(x).max()), 1e-9))).astype(np.float32)
    return cache[relative]


def _loudest_db(x: np.ndarray) -> float:
    n = len(x) // FRAME
    return float(10 * np.log10((x[:n * FRAME].reshape(n, FRAME) ** 2).mean(axis=1).max() + 1e-12))


def _speech_extent(piece: np.ndarray, floor_db: float) -> tuple[float, float]:
    """(first, end) seconds of the piece's frames within TRIM_DB of floor_db (its source's loudest frame)."""
    n = max(1, len(piece) // FRAME)
    frames = np.zeros(n * FRAME, dtype=np.float64)
    frames[:min(len(piece), n * FRAME)] = piece[:n * FRAME]
    level = 10 * np.log10((frames.reshape(n, FRAME) ** 2).mean(axis=1) + 1e-12)
    loud = np.flatnonzero(level >= floor_db - TRIM_DB)
    if not len(loud):
        return 0.0, len(piece) / SAMPLE_RATE
    return loud[0] * FRAME / SAMPLE_RATE, min(len(piece), (loud[-1] + 1) * FRAME) / SAMPLE_RATE


def build(name: str) -> tuple[np.ndarray, list[tuple[float, float, str]]]:
    """The call's 16 kHz samples and its reference turns (start, end, speaker) in seconds."""
    cache: dict[str, np.ndarray] = {}
    placed: list[tuple[int, np.ndarray, str, float]] = []
    cursor = 0
    for p in CALLS[name]:
        source = _source(p.source, cache)
        piece = source[round(p.start * SAMPLE_RATE):round(p.end * SAMPLE_RATE)]
        at = max(0, cursor + round(p.gap * SAMPLE_RATE))
        placed.append((at, piece, p.speaker, _loudest_db(source)))
        cursor = at + len(piece)
    audio = np.zeros(cursor, dtype=np.float32)
    turns = []
    for at, piece, speaker, floor_db in placed:
        audio[at:at + len(piece)] += piece
        a, b = _speech_extent(piece, floor_db)
        turns.append((round(at / SAMPLE_RATE + a, 3), round(at / SAMPLE_RATE + b, 3), speaker))
    return np.clip(audio, -1.0, 1.0), turns


def rttm(name: str, turns: list[tuple[float, float, str]]) -> str:
    return "".join(f"SPEAKER {name} 1 {a:.3f} {b - a:.3f} <NA> <NA> {s} <NA> <NA>\n" for a, b, s in turns)


def write(name: str, folder: Path) -> tuple[Path, Path]:
    """<folder>/<name>.wav and <name>.rttm."""
    audio, turns = build(name)
    wav, ref = folder / f"{name}.wav", folder / f"{name}.rttm"
    write_wav(wav, audio)
    ref.write_text(rttm(name, turns), encoding="utf-8")
    return wav, ref


if __name__ == "__main__":
    out = Path(sys.argv[1])
    out.mkdir(parents=True, exist_ok=True)
    for call in CALLS:
        paths = write(call, out)
        print(call, *paths)
