"""Where one speaker's words end and the next one's begin: a change of speaker moved to where speech can stop.

The diarizer's turn edges and the recogniser's word timings are each off by a few tenths of a second, so a
change of speaker between two recogniser words is checked against the words of the language:

1. Never inside a word. Whisper writes Mandarin mostly a character at a time; a change between "测试音" and
   "频" is inside the word 音频 (jieba's dictionary, pipeline.text.words). The whole word goes to the speaker
   whose turns cover more of its sound (from its first character's start to its last one's end); on a tie, to
   the speaker more of its characters' time was given to, then to the earlier one. Its audio decides, not the
   nearer edge: the edge nearer in characters can be the wrong side when one character was long.
2. Where the speech stops. A change between two words with no mark and no pause between them (the voice ran
   on) moves to the nearest place within STOP_SLACK seconds where it stopped: after a mark the punctuation
   put there ("房。" | "希望…") or at a pause of PAUSE_SECONDS or more, at a word edge, never past another
   change. Both the turn edge and the word timings are off by a few tenths of a second: "…有房。提" | "到你…"
   becomes "…有房。" | "提到你…".
3. Not after a word that opens a sentence, nor before a particle that ends one. "今天" or "这是" (words that
   never end a sentence, pipeline.text.punctuation) just before a change go with the next speaker, and a
   particle (呢, 吗, 吧, 了 …) just after one goes with the previous speaker — each only when the pause on
   that side is the shorter one (the word sits with the speech it is moved to).

A word no turn gave a speaker (UNKNOWN) takes part only when every piece of the word is unknown; steps 2 and 3
leave a change to or from UNKNOWN where it is.
"""

from __future__ import annotations

from bisect import bisect_left

from pipeline.artifacts import UNKNOWN_SPEAKER, Turn, Word
from pipeline.text.punctuation import (CLOSERS, NEVER_LAST, OPENS_ALONE, PAUSE_SECONDS, ends_sentence, last_clause,
                                      pause_before)
from pipeline.text.words import word_edges

_MARKS = "，。？！、：；,.?!:; "
STOP_SLACK = 0.6   # seconds: how far a change of speaker is moved to where the speech stopped


def settle(words: list[Word], speakers: list[str], turns: tuple[Turn, ...], max_pause: float) -> list[str]:
    """`speakers` (one per word) with every change of speaker at a word edge where the speech stops (1–3)."""
    edges = word_edges([w.text for w in words])
    for i in range(1, len(words)):
        if words[i].start - words[i - 1].end > max_pause:
            edges[i] = True
    out = whole_words(words, speakers, turns, edges)
    return settle_changes(words, to_stops(words, out, edges))


def _stops(words: list[Word], k: int) -> bool:
    """Whether the speech stops between words k-1 and k: a mark after k-1, or a pause."""
    return words[k - 1].text.rstrip()[-1:] in _MARKS or pause_before(words[k - 1], words[k]) >= PAUSE_SECONDS


def to_stops(words: list[Word], speakers: list[str], edges: list[bool], slack: float = STOP_SLACK) -> list[str]:
    """`speakers` with each change of speaker where the voice ran on moved to the nearest stop within `slack`."""
    out = list(speakers)
    for k in range(1, len(words)):
        before, after = out[k - 1], out[k]
        if before == after or UNKNOWN_SPEAKER in (before, after) or _stops(words, k):
            continue
        at = words[k].start
        found = []
        j = k - 1                                   # back into the earlier speaker's words
        while j >= 1 and out[j - 1] == before and at - words[j].start <= slack:
            if edges[j] and _stops(words, j):
                found.append((at - words[j].start, j))
                break
            j -= 1
        j = k + 1                                   # on into the later speaker's words
        while j < len(words) and out[j] == after and words[j].start - at <= slack:
            if edges[j] and _stops(words, j):
                found.append((words[j].start - at, j))
                break
            j += 1
        if found:
            _, j = min(found)
            for i in range(min(j, k), max(j, k)):
                out[i] = after if j < k else before
    return out


def _overlap(a0: float, a1: float, b0: float, b1: float) -> float:
    return max(0.0, min(a1, b1) - max(a0, b0))


def _covered(speaker: str, start: float, end: float, turns: tuple[Turn, ...], ends: list[float]) -> float:
    """Seconds of [start, end] inside `speaker`'s turns (`turns` sorted by start, `ends` their running max end)."""
    i = bisect_left(ends, start)
    total = 0.0
    for turn in turns[i:]:
        if turn.start >= end:
            break
        if turn.speaker == speaker:
            total += _overlap(start, end, turn.start, turn.end)
    return total


def whole_words(words: list[Word], speakers: list[str], turns: tuple[Turn, ...], edges: list[bool]) -> list[str]:
    """`speakers` (one per word) with every word of the language given to one speaker (`edges`: word_edges)."""
    turns = tuple(sorted(turns, key=lambda t: t.start))
    ends, latest = [], float("-inf")
    for turn in turns:
        latest = max(latest, turn.end)
        ends.append(latest)
    out = list(speakers)
    start = 0
    for i in range(1, len(words) + 1):
        if not edges[i]:
            continue
        span = range(start, i)
        start = i
        heard = {out[k] for k in span} - {UNKNOWN_SPEAKER}
        if len(heard) + (UNKNOWN_SPEAKER in {out[k] for k in span}) <= 1 or not heard:
            continue
        a, b = words[span[0]].start, words[span[-1]].end

        def score(speaker: str, span=span, a=a, b=b) -> tuple[float, float, int]:
            given = sum(words[k].end - words[k].start for k in span if out[k] == speaker)
            first = min(k for k in span if out[k] == speaker)
            return (round(_covered(speaker, a, b, turns, ends), 6), round(given, 6), -first)

        chosen = max(heard, key=score)
        for k in span:
            out[k] = chosen
    return out


def _bare(text: str) -> str:
    return text.strip().strip(_MARKS)


def settle_changes(words: list[Word], speakers: list[str]) -> list[str]:
    """`speakers` with an opening word before a change moved to the next speaker and a closing particle after
    one moved to the previous speaker, where the pauses say it belongs there."""
    out = list(speakers)
    for k in range(1, len(words)):
        before, after = out[k - 1], out[k]
        if before == after or UNKNOWN_SPEAKER in (before, after):
            continue
        if _bare(words[k].text) in CLOSERS and (k + 1 == len(words) or out[k + 1] != before) \
                and pause_before(words[k - 1], words[k]) <= _pause_after(words, k):
            out[k] = before
            continue
        first = _opening(words, out, k)
        if first is not None and (first == 0 or pause_before(words[first - 1], words[first])
                                  >= pause_before(words[k - 1], words[k])):
            for j in range(first, k):
                out[j] = after
    return out


def _pause_after(words: list[Word], k: int) -> float:
    return pause_before(words[k], words[k + 1]) if k + 1 < len(words) else float("inf")


def _opening(words: list[Word], speakers: list[str], k: int) -> int | None:
    """The index of the first word of a clause-opening word (NEVER_LAST, or OPENS_ALONE as a clause of its
    own) that ends right before index k and opens its clause, or None."""
    if ends_sentence(words[k - 1].text):
        return None
    text = ""
    for j in range(k - 1, max(-1, k - 5), -1):
        if speakers[j] != speakers[k - 1]:
            return None
        if j < k - 1 and words[j].text.rstrip()[-1:] in _MARKS:
            return None
        text = _bare(words[j].text) + text
        opens_clause = j == 0 or words[j - 1].text.rstrip()[-1:] in _MARKS or speakers[j - 1] != speakers[k - 1]
        if opens_clause and (text in NEVER_LAST or text in OPENS_ALONE) and last_clause(text) == text:
            return j
    return None
