"""Lines cut only where speech stops (issue 20, item 8), on real speech with the real models: four Mandarin voices
of ../shared/eval/zh joined with no gap between them (each clip's silent edges cut off), so that the diarizer's
turn edges and Whisper's word timings meet inside the talk. Before the fix a run of this file gave
"……有房。提" | "到你以后……" and "……好用。国" | "州市……": the first character of a voice's first word in
the previous voice's line. The tests compare a run with its own words and the joins' known times, never with
one machine's exact text: every change of speaker between lines falls where the speech stops (the earlier line
ends in a mark, or a pause of PAUSE_SECONDS lies between), never inside a dictionary word, and within JOIN_SLACK
seconds of a join."""

from __future__ import annotations

import numpy as np
import pytest

from conftest import decode_mono, encode, eval_file
from pipeline.artifactio import load
from pipeline.artifacts import Utterances
from pipeline.config import load_settings
from pipeline.runner import run
from pipeline.text.punctuation import PAUSE_SECONDS
from pipeline.text.words import word_edges

pytestmark = pytest.mark.integration
CLIPS = ("zh/funasr_api_asr_example.wav", "zh/llama.cpp_tests_sample.wav", "zh/zero_shot_prompt.wav",
         "zh/aishell-BAC009S0724W0121.wav")
RATE = 16000
JOIN_SLACK = 0.5   # seconds: the diarizer's turn edge and the word timings around a join are this close to it
MARKS = "，。？！"


def _trimmed(samples: np.ndarray, hop: int = 160) -> np.ndarray:
    """The clip from 50 ms before its first loud frame to 20 ms after its last (10 % of its loudest frame)."""
    loud = np.sqrt(np.mean(samples[: len(samples) // hop * hop].reshape(-1, hop) ** 2, axis=1))
    on = np.flatnonzero(loud > 0.1 * loud.max())
    return samples[max(0, on[0] * hop - 800): (on[-1] + 1) * hop + 320]


@pytest.fixture(scope="module")
def joined(tmp_path_factory):
    """The run's lines and the times of the three joins."""
    clips = [_trimmed(decode_mono(eval_file(c))) for c in CLIPS]
    folder = tmp_path_factory.mktemp("four")
    path = encode(np.concatenate(clips), folder / "zh_four_voices.wav", codec="pcm_s16le")
    out = folder / "out"
    run(path, out, load_settings())
    joins = list(np.cumsum([len(c) / RATE for c in clips])[:-1])
    return load(Utterances, out / "stages" / "merge.json").items, joins


def _changes(lines):
    spoken = [u for u in lines if u.words]
    return [(a, b) for a, b in zip(spoken, spoken[1:]) if a.speaker != b.speaker]


def test_four_voices_joined_with_no_gap_are_cut_where_the_speech_stops(joined):
    lines, joins = joined
    changes = _changes(lines)
    assert len(changes) >= 3, [(u.speaker, u.text) for u in lines]
    for earlier, later in changes:
        assert earlier.text[-1] in MARKS or later.start - earlier.end >= PAUSE_SECONDS, (earlier.text, later.text)
        assert word_edges([earlier.words[-1].text, later.words[0].text])[1], (earlier.text, later.text)
        assert min(abs(later.start - j) for j in joins) <= JOIN_SLACK, (later.start, joins)


def test_no_line_ends_on_a_word_that_cannot_end_a_sentence_followed_by_more_of_the_same_voice(joined):
    from pipeline.text.punctuation import leaves_open

    lines, _ = joined
    spoken = [u for u in lines if u.words]
    assert not [(a.text, b.text) for a, b in zip(spoken, spoken[1:])
                if a.speaker == b.speaker and leaves_open(a.text) and b.start - a.end <= 3.0]
