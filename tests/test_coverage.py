"""Coverage: the speech the VAD heard, split into covered by text, unintelligible and short gaps."""

from __future__ import annotations

import pytest

from pipeline.artifacts import Labelled, Speaker, Transcript, Utterance, Word
from pipeline.export.coverage import coverage
from pipeline.stages.merge import CHARACTER_SECONDS, WORD_MARGIN


def _transcript(regions) -> Transcript:
    return Transcript(language="zh", language_probability=1.0, model="base", model_sha256="", duration=120.0,
                      speech_duration=0.0, segments=(), speech_regions=tuple(regions))


def _labelled(items) -> Labelled:
    return Labelled(language="zh", speakers=(Speaker("SPEAKER_00", "", "", 1, 0, 0, 0, 0),), items=tuple(items))


def test_speech_splits_into_covered_unintelligible_and_short_gaps():
    words = (Word(10.0, 11.0, "我", 0.9), Word(11.0, 12.0, "借", 0.2), Word(20.0, 21.0, "钱", 0.35))
    items = [
        Utterance("u0001", "SPEAKER_00", 10.0, 12.0, "我借", words[:2]),
        Utterance("u0002", "SPEAKER_00", 14.0, 18.0, "", (), flags=("inaudible",)),
        Utterance("u0003", "SPEAKER_00", 20.0, 21.0, "钱", words[2:], flags=("hallucination",)),
    ]
    # speech 9.0–22.0 (13 s) and 50–52 (2 s, with no text and no line: a gap the merge left unshown)
    c = coverage(_transcript([(9.0, 22.0), (50.0, 52.0)]), _labelled(items), low_confidence=0.4)
    # 钱 (p 0.35, one character drawn over 1 s) counts only its last CHARACTER_SECONDS as heard (merge.word_span)
    covered = (12.0 + WORD_MARGIN - (10.0 - WORD_MARGIN)) + (CHARACTER_SECONDS + 2 * WORD_MARGIN)
    assert c.speech_heard == 15.0
    assert c.covered_by_text == pytest.approx(covered)
    assert c.unintelligible == 4.0
    assert c.short_gaps == pytest.approx(15.0 - covered - 4.0)
    assert c.share(c.unintelligible) == pytest.approx(4 / 15)
    assert (c.words, c.low_confidence_words, c.hallucination_lines) == (3, 2, 1)


def test_text_outside_the_speech_heard_does_not_count_as_coverage():
    words = (Word(100.0, 101.0, "喂", 0.9),)
    c = coverage(_transcript([(0.0, 10.0)]), _labelled([Utterance("u0001", "SPEAKER_00", 100, 101, "喂", words)]), 0.4)
    assert (c.speech_heard, c.covered_by_text, c.short_gaps) == (10.0, 0.0, 10.0)


def test_nothing_heard_gives_zero_shares_not_an_error():
    c = coverage(_transcript([]), _labelled([]), low_confidence=0.4)
    assert (c.speech_heard, c.covered_by_text, c.unintelligible, c.short_gaps) == (0.0, 0.0, 0.0, 0.0)
    assert c.share(c.covered_by_text) == 0.0
