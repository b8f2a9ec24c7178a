"""How much of what was said the transcript covers: the honest measure shown in the exhibit's coverage section.

Of the speech heard (merge.heard_speech: what the VAD heard, and what the diarizer heard in a recording not split
per channel), each second is either covered by text (within WORD_MARGIN of a recognised word's word_span, as the
merge stage counts it, or inside a line a person corrected), marked
unintelligible (an inaudible line: a stretch of INAUDIBLE_MIN s or more with no text), or a short gap (under
INAUDIBLE_MIN s, not shown as a line). The three add up to the speech heard.
"""

from __future__ import annotations

from dataclasses import dataclass
from pipeline.artifacts import Diarization, Flag, Labelled, Transcript
from pipeline.spans import intersection, length, union
from pipeline.stages.merge import WORD_MARGIN, heard_speech, word_span


@dataclass(frozen=True)
class Coverage:
    speech_heard: float         # seconds heard as speech (the VAD's, and the diarizer's turns)
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


def coverage(transcript: Transcript, labelled: Labelled, low_confidence: float,
             diarization: Diarization | None = None) -> Coverage:
    """The coverage of the labelled transcript over the speech heard (the VAD's alone without `diarization`)."""
    speech = union(transcript.speech_regions) if diarization is None else heard_speech(transcript, diarization)
    words = [w for u in labelled.items for w in u.words]
    written = [(u.start, u.end) for u in labelled.items if Flag.CORRECTED in u.flags and u.text]  # by a person
    near_words = union([(a - WORD_MARGIN, b + WORD_MARGIN) for a, b in map(word_span, words)] + written)
    unheard = intersection(speech, union((u.start, u.end) for u in labelled.items if Flag.INAUDIBLE in u.flags))
    return Coverage(
        speech_heard=round(length(speech), 3),
        covered_by_text=round(length(intersection(speech, near_words)), 3),
        # a stereo call: one side's inaudible line may lie under the other side's words; counted once, as text
        unintelligible=round(length(unheard) - length(intersection(unheard, near_words)), 3),
        words=len(words),
        low_confidence_words=sum(1 for w in words if w.probability < low_confidence),
        hallucination_lines=sum(Flag.HALLUCINATION in u.flags for u in labelled.items),
        low_confidence=low_confidence,
    )
