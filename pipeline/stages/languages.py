"""The language of each stretch of speech, so that a recording that goes from one language to another (an
English sentence, then Mandarin) is heard in both, each stretch decoded in its own language.

The file's language (detected on its first 30 s of speech, or given) is the default. Each VAD chunk of the
transcribe stage is cut at shorter pauses (SPLIT_SILENCE_MS) into pieces; the model's language detection runs on
each piece of at least MIN_SECONDS, on the piece's own audio only (its encoder run on the piece's frames, not
padded to a 30-s window: on the 53 pieces of 2 s or more of ../shared/eval, a thirteenth of the time and the same
decision). A piece is heard in another language only when that language is one the settings allow ([transcribe]
languages, "zh,en") and the detection is sure of it (at least MIN_PROBABILITY); shorter pieces and unsure ones
keep the file's language, except a short piece whose neighbours in its chunk are long and all switched to the
same language, which goes with them. A long piece the detection is not SURE of is cut again at very short pauses
(an English sentence run into a Mandarin one). Consecutive pieces of one language are joined again, so a
one-language recording is decoded exactly as before (the same chunks, the same parts).

Language identification on short audio is unreliable: MIN_SECONDS and MIN_PROBABILITY were tuned on every
file of ../shared/eval (tools/eval_asr.py --pieces prints the detections), see
docs/accuracy-and-measurements.md "Both languages".
"""

from __future__ import annotations

from dataclasses import dataclass

from pipeline.audio import SAMPLE_RATE

SPLIT_SILENCE_MS = 500     # a pause this long inside a VAD chunk may separate two languages
SPLIT_PAD_MS = 100         # kept around each piece when it is detected on
REFINE_SECONDS = 4.0       # a piece this long that the detection is not SURE of is cut again …
SURE = 0.95
FINE_SILENCE_MS = 50       # … at pauses this long
MIN_SECONDS = 2.0          # a shorter piece is not detected on: it keeps the file's language (or its neighbours')
# the detection's probability from which a piece is heard in another language: on ../shared/eval the pieces of
# 2 s or more that really are in another language scored 0.81–0.90 (English in a Mandarin file), the highest
# wrong allowed language 0.30 (zh on a 0.8-s English piece); Whisper base also said Maori 0.97 and Welsh 0.62
# on English meeting speech, which only the allowed languages keep out
MIN_PROBABILITY = 0.6
FRAMES_STEP = 500          # the encoder hears the piece's frames, padded to a multiple of this (5 s) …
MAX_FRAMES = 3000          # … at most one Whisper window (30 s)


@dataclass(frozen=True)
class Piece:
    """A stretch of one VAD chunk (samples of the track), with what the detection said of it."""

    start: int
    end: int
    detected: str = ""          # the detection's language ("" when the piece was too short to detect on)
    probability: float = 0.0

    @property
    def seconds(self) -> float:
        return (self.end - self.start) / SAMPLE_RATE


def switched(piece: Piece, file_language: str, allowed: tuple[str, ...], min_seconds: float = MIN_SECONDS,
             min_probability: float = MIN_PROBABILITY) -> str:
    """The language the piece is heard in by itself: another language than the file's only when it is one of
    the `allowed` ones, the piece long enough and the detection sure of it."""
    if piece.detected in allowed and piece.detected != file_language and piece.seconds >= min_seconds \
            and piece.probability >= min_probability:
        return piece.detected
    return file_language


def decide(pieces: list[Piece], file_language: str, allowed: tuple[str, ...], min_seconds: float = MIN_SECONDS,
           min_probability: float = MIN_PROBABILITY) -> list[str]:
    """The language of each piece (in order, within one VAD chunk): switched(); a short piece goes with the
    pieces right beside it in the chunk (both, or the one there is at the chunk's edge) when each of them is
    long and switched to the same other language."""
    own = [switched(p, file_language, allowed, min_seconds, min_probability) for p in pieces]
    out = list(own)
    for i, piece in enumerate(pieces):
        beside = [j for j in (i - 1, i + 1) if 0 <= j < len(pieces)]
        if piece.seconds >= min_seconds or not beside or any(pieces[j].seconds < min_seconds for j in beside):
            continue
        languages = {own[j] for j in beside}
        if len(languages) == 1 and file_language not in languages:
            out[i] = languages.pop()
    return out


def stretches(chunk: dict, pieces: list[Piece], languages: list[str]) -> list[tuple[dict, str]]:
    """The chunk cut where the language changes (halfway through the pause between two pieces), each stretch
    with its language; one stretch, the chunk itself, when the language does not change."""
    out: list[tuple[dict, str]] = []
    start = chunk["start"]
    for i in range(1, len(pieces)):
        if languages[i] != languages[i - 1]:
            cut = (pieces[i - 1].end + pieces[i].start) // 2
            out.append(({"start": start, "end": cut}, languages[i - 1]))
            start = cut
    out.append(({"start": start, "end": chunk["end"]}, languages[-1] if languages else ""))
    return out


def detect(model, samples) -> tuple[str, float]:
    """(language, probability) the model hears in these samples: its encoder run on their own frames (padded to
    a multiple of FRAMES_STEP, at most MAX_FRAMES), then its language token."""
    import numpy as np

    features = model.feature_extractor(samples)[:, :MAX_FRAMES]
    frames = min(MAX_FRAMES, -(-features.shape[-1] // FRAMES_STEP) * FRAMES_STEP)
    features = np.pad(features, ((0, 0), (0, frames - features.shape[-1])))
    results = model.model.detect_language(model.encode(features))[0]
    token, probability = results[0]
    return token[2:-2], float(probability)


def _cut(track, chunk: dict, options, silence_ms: int) -> list[Piece]:
    """The chunk cut at pauses of `silence_ms` (the VAD's other options as the stage's)."""
    from dataclasses import replace

    from faster_whisper.vad import get_speech_timestamps

    finer = replace(options, min_silence_duration_ms=min(silence_ms, options.min_silence_duration_ms),
                    speech_pad_ms=min(SPLIT_PAD_MS, options.speech_pad_ms))
    found = get_speech_timestamps(track[chunk["start"]:chunk["end"]], finer, sampling_rate=SAMPLE_RATE)
    return [Piece(c["start"] + chunk["start"], c["end"] + chunk["start"]) for c in found] or \
        [Piece(chunk["start"], chunk["end"])]


def _detected(model, track, piece: Piece) -> Piece:
    """The piece with the model's detection when it is MIN_SECONDS or longer (else as it is)."""
    if piece.seconds < MIN_SECONDS:
        return piece
    return Piece(piece.start, piece.end, *detect(model, track[piece.start:piece.end]))


def pieces_of(model, track, chunk: dict, options) -> list[Piece]:
    """The chunk cut at pauses of SPLIT_SILENCE_MS, each piece of MIN_SECONDS or more with the model's
    detection; a piece of REFINE_SECONDS or more that the model is not sure of (under SURE) is cut again at
    pauses of FINE_SILENCE_MS (an English sentence run into a Mandarin one), when that finds more than one."""
    out: list[Piece] = []
    for piece in (_detected(model, track, p) for p in _cut(track, chunk, options, SPLIT_SILENCE_MS)):
        if piece.seconds >= REFINE_SECONDS and piece.probability < SURE:
            finer = _cut(track, {"start": piece.start, "end": piece.end}, options, FINE_SILENCE_MS)
            if len(finer) > 1:
                out += [_detected(model, track, p) for p in finer]
                continue
        out.append(piece)
    return out


def allowed_languages(setting: str) -> tuple[str, ...]:
    """The languages of the setting ("zh,en" → ("zh", "en")); () when it names none (one language per file)."""
    return tuple(dict.fromkeys(w.strip().lower() for w in setting.replace("，", ",").split(",") if w.strip()))


def by_language(model, track, chunks: list[dict], file_language: str, options,
                allowed: tuple[str, ...]) -> list[tuple[dict, str]]:
    """The VAD chunks, each cut where the language changes, with the language each stretch is heard in (every
    chunk in the file's language, and nothing detected, when no other language is allowed)."""
    if not [a for a in allowed if a != file_language]:
        return [(chunk, file_language) for chunk in chunks]
    out: list[tuple[dict, str]] = []
    for chunk in chunks:
        pieces = pieces_of(model, track, chunk, options)
        out += stretches(chunk, pieces, decide(pieces, file_language, allowed))
    return out


def runs(heard: list[tuple[dict, str]]) -> list[tuple[list[dict], str]]:
    """Runs of consecutive stretches of one language (the transcribe stage cuts each into the parts the model
    hears at once)."""
    out: list[tuple[list[dict], str]] = []
    for chunk, language in heard:
        if out and out[-1][1] == language:
            out[-1][0].append(chunk)
        else:
            out.append(([chunk], language))
    return out
