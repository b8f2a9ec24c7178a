"""Merge: give each word the speaker whose turn overlaps it most, then group words into utterances.

An utterance is a run of consecutive words of one speaker, ended by a pause longer than max_pause or when it
would grow longer than max_length. Words no turn covers go to the nearest turn within NEAREST_TURN seconds,
else to the speaker UNKNOWN (flagged no_speaker). Words heard while two people speak at once are flagged overlap; a line with a word heard with low
probability is flagged low_confidence.
"""

from __future__ import annotations

from bisect import bisect_right

from pipeline.artifacts import Diarization, Transcript, Turn, Utterance, Utterances, Word
from pipeline.config import MergeConfig
from pipeline.text.chinese import join_words

VERSION = 1
NEAREST_TURN = 1.0  # seconds
UNKNOWN = "UNKNOWN"


def _overlap(a0: float, a1: float, b0: float, b1: float) -> float:
    return max(0.0, min(a1, b1) - max(a0, b0))


def _gap(word: Word, turn: Turn) -> float:
    return max(turn.start - word.end, word.start - turn.end, 0.0)


def _speaker_of(word: Word, turns: tuple[Turn, ...], starts: list[float]) -> str:
    """The speaker whose exclusive turn overlaps the word most, else the nearest turn's speaker."""
    i = bisect_right(starts, word.end)
    candidates = turns[max(0, i - 8):i + 1]  # exclusive turns do not overlap: only the last few can
    if not candidates:
        return UNKNOWN
    best = max(candidates, key=lambda t: _overlap(word.start, word.end, t.start, t.end))
    if _overlap(word.start, word.end, best.start, best.end) > 0:
        return best.speaker
    nearest = min(candidates, key=lambda t: _gap(word, t))
    return nearest.speaker if _gap(word, nearest) <= NEAREST_TURN else UNKNOWN


def overlap_regions(turns: tuple[Turn, ...]) -> list[tuple[float, float]]:
    """Stretches where two or more turns of different speakers are active at once."""
    events = sorted([(t.start, 1, t.speaker) for t in turns] + [(t.end, -1, t.speaker) for t in turns])
    active: dict[str, int] = {}
    regions, opened = [], None
    for time, delta, speaker in events:
        active[speaker] = active.get(speaker, 0) + delta
        if not active[speaker]:
            del active[speaker]
        if len(active) >= 2 and opened is None:
            opened = time
        elif len(active) < 2 and opened is not None:
            if time > opened:
                regions.append((opened, time))
            opened = None
    return regions


def _in_overlap(word: Word, regions: list[tuple[float, float]]) -> bool:
    return any(_overlap(word.start, word.end, a, b) > 0.5 * max(word.end - word.start, 1e-3) for a, b in regions)


def _utterance(index: int, speaker: str, words: list[Word], overlapped: bool, cfg: MergeConfig) -> Utterance:
    flags = []
    if overlapped:
        flags.append("overlap")
    if speaker == UNKNOWN:
        flags.append("no_speaker")
    if any(w.probability < cfg.low_confidence for w in words):
        flags.append("low_confidence")
    return Utterance(id=f"u{index:04d}", speaker=speaker, start=words[0].start, end=words[-1].end,
                     text=join_words([w.text for w in words]), words=tuple(words), flags=tuple(flags))


def merge(transcript: Transcript, diarization: Diarization, cfg: MergeConfig) -> Utterances:
    turns = tuple(sorted(diarization.exclusive_turns, key=lambda t: t.start))
    starts = [t.start for t in turns]
    regions = overlap_regions(diarization.turns)
    items: list[Utterance] = []
    current: list[Word] = []
    current_speaker, overlapped = UNKNOWN, False

    def close() -> None:
        nonlocal current, overlapped
        if current:
            items.append(_utterance(len(items) + 1, current_speaker, current, overlapped, cfg))
        current, overlapped = [], False

    words = [w for seg in transcript.segments for w in seg.words if w.text.strip()]
    for word in words:
        speaker = _speaker_of(word, turns, starts)
        if current and (
            speaker != current_speaker
            or word.start - current[-1].end > cfg.max_pause
            or word.end - current[0].start > cfg.max_length
        ):
            close()
        current_speaker = speaker
        current.append(word)
        overlapped = overlapped or _in_overlap(word, regions)
    close()
    return Utterances(language=transcript.language, items=tuple(items))
