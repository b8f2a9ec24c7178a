"""How much of what was said the transcript covers: the honest measure shown in the exhibit's coverage section.

Of the speech the VAD heard (Transcript.speech_regions), each second is either covered by text (within
WORD_MARGIN of a recognised word, as the merge stage counts it, or inside a line a person corrected), marked
unintelligible (an inaudible line: a stretch of INAUDIBLE_MIN s or more with no text), or a short gap (under
INAUDIBLE_MIN s, not shown as a line). The three add up to the speech heard.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable

from pipeline.artifacts import Flag, Labelled, Transcript
from pipeline.stages.merge import WORD_MARGIN

Span = tuple[float, float]


@dataclass(frozen=True)
class Coverage:
    speech_heard: float         # seconds the VAD heard as speech
    covered_by_text: float      # seconds of that speech near a recognised word
    unintelligible: float       # seconds of that speech in inaudible lines ([听不清 …])
    words: int                  # words in the transcript
    low_confidence_words: int   # words heard with a probability under the threshold (marked in the exhibit)
    hallucination_lines: int    # lines flagged as possibly invented text
    low_confidence: float       # the threshold used

    @property
    def short_gaps(self) -> float:
        """Speech with no text in stretches too short for an inaudible line."""
        return max(0.0, round(self.speech_heard - self.covered_by_text - self.unintelligible, 3))

    def share(self, seconds: float) -> float:
        """seconds as a share (0–1) of the speech heard; 0 when nothing was heard."""
        return seconds / self.speech_heard if self.speech_heard > 0 else 0.0


def _union(spans: Iterable[Span]) -> list[Span]:
    out: list[Span] = []
    for start, end in sorted(spans):
        if end <= start:
            continue
        if out and start <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], end))
        else:
            out.append((start, end))
    return out


def _length(spans: list[Span]) -> float:
    return sum(end - start for start, end in spans)


def _intersection(a: list[Span], b: list[Span]) -> list[Span]:
    """The overlap of two sorted lists of disjoint spans."""
    out, i, j = [], 0, 0
    while i < len(a) and j < len(b):
        start, end = max(a[i][0], b[j][0]), min(a[i][1], b[j][1])
        if end > start:
            out.append((start, end))
        if a[i][1] < b[j][1]:
            i += 1
        else:
            j += 1
    return out


def coverage(transcript: Transcript, labelled: Labelled, low_confidence: float) -> Coverage:
    """The coverage of the labelled transcript over the speech the VAD heard."""
    speech = _union(transcript.speech_regions)
    words = [w for u in labelled.items for w in u.words]
    written = [(u.start, u.end) for u in labelled.items if Flag.CORRECTED in u.flags and u.text]  # by a person
    near_words = _union([(w.start - WORD_MARGIN, w.end + WORD_MARGIN) for w in words] + written)
    unheard = _intersection(speech, _union((u.start, u.end) for u in labelled.items if Flag.INAUDIBLE in u.flags))
    return Coverage(
        speech_heard=round(_length(speech), 3),
        covered_by_text=round(_length(_intersection(speech, near_words)), 3),
        # a stereo call: one side's inaudible line may lie under the other side's words; counted once, as text
        unintelligible=round(_length(unheard) - _length(_intersection(unheard, near_words)), 3),
        words=len(words),
        low_confidence_words=sum(1 for w in words if w.probability < low_confidence),
        hallucination_lines=sum(Flag.HALLUCINATION in u.flags for u in labelled.items),
        low_confidence=low_confidence,
    )
