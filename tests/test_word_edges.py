"""Lines cut only where speech stops (issue 20, item 8), on hand-built words (no models): no word split across
speakers or lines, no sentence end after a word that cannot end one, an open line carried over a pause."""

from __future__ import annotations

import subprocess
import sys
from types import SimpleNamespace

import pytest

from pipeline.artifacts import Diarization, Segment, Transcript, Turn, Word
from pipeline.config import MergeConfig, NormaliseConfig
from pipeline.stages.merge import merge
from pipeline.stages.normalise import normalise
from pipeline.stages.transcribe import _segment
from pipeline.stages.word_speakers import STOP_SLACK, settle_changes, to_stops, whole_words
from pipeline.text.chinese import join_words
from pipeline.text.punctuation import leaves_open, punctuate, runs_on
from pipeline.text.words import segment, word_edges

CFG = MergeConfig(max_pause=1.0, max_length=30.0, low_confidence=0.4, open_pause=3.0)
ONE_CHARACTER = 0.25   # seconds a built character lasts


def chars(text: str, start: float, step: float = ONE_CHARACTER, gap: float = 0.0) -> list[Word]:
    """One Word per character, as Whisper writes Mandarin."""
    return [Word(start + i * (step + gap), start + i * (step + gap) + step, c, 0.9) for i, c in enumerate(text)]


def transcript(*segments: list[Word]) -> Transcript:
    segs = tuple(Segment(ws[0].start, ws[-1].end, "".join(w.text for w in ws), "", tuple(ws), -0.2, 0.01, 1.2)
                 for ws in segments)
    return Transcript("zh", 0.99, "base", "abc", 60.0, 50.0, segs)


def diarization(*turns: tuple[float, float, str]) -> Diarization:
    t = tuple(Turn(*x) for x in turns)
    return Diarization("test", t, t, tuple(sorted({x.speaker for x in t})), {}, {})


def lines(utterances) -> list[tuple[str, str]]:
    return [(u.speaker, u.text) for u in utterances.items]


def shown(ws) -> str:
    return join_words([w.text for w in ws])


# --- word edges ---------------------------------------------------------------------------------------

def test_word_edges_keep_a_dictionary_word_whole_and_cut_freely_at_marks_and_spaces():
    assert segment("下面我们来播放一些测试音频") == ["下面", "我们", "来", "播放", "一些", "测试", "音频"]
    edges = word_edges(["测", "试", "音", "频", "。", "好"])
    assert edges == [True, False, True, False, True, True, True]
    assert word_edges(["He", " paid", "，", "钱"]) == [True] * 5
    assert word_edges([]) == [True]


def test_jieba_prints_nothing_and_fetches_nothing_when_it_starts():
    code = ("import socket\n"
            "def refuse(*a, **k): raise OSError('no network')\n"
            "socket.socket.connect = refuse\n"
            "from pipeline.text.words import segment\n"
            "assert segment('测试音频') == ['测试', '音频']\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout == "" and done.stderr == ""


# --- a change of speaker inside a word ----------------------------------------------------------------

def test_a_turn_boundary_inside_a_word_gives_the_whole_word_to_one_speaker():
    # "…播放一些测试音" | "频。现在…": the diarizer's edge falls between 音 and 频 (the case)
    first = chars("下面我们来播放一些测试音频", 0.0)             # 13 characters: 0.0–3.25 s
    second = chars("现在开始", 3.6)
    t = transcript(first + second)
    edge = first[11].end                                         # right after 音: 频 is the other voice's
    out = merge(t, diarization((0.0, edge, "SPEAKER_00"), (edge, 5.0, "SPEAKER_01")), CFG)
    texts = [text for _, text in lines(out)]
    assert not any(text.endswith("音") for text in texts) and not any(text.startswith("频") for text in texts)
    assert "音频" in "".join(texts) and all(("音" in x) == ("频" in x) for x in texts)


def edges_of(ws: list[Word]) -> list[bool]:
    return word_edges([w.text for w in ws])


def test_the_word_goes_to_the_speaker_whose_turn_covers_more_of_its_sound():
    # 音 is long (0.6 s), 频 short: the edge nearer in characters (before 频) would be the wrong side
    ws = [Word(0.0, 0.3, "测", 0.9), Word(0.3, 0.6, "试", 0.9), Word(0.6, 1.2, "音", 0.9), Word(1.2, 1.4, "频", 0.9)]
    turns = (Turn(0.0, 1.25, "A"), Turn(1.25, 3.0, "B"))
    assert whole_words(ws, ["A", "A", "A", "B"], turns, edges_of(ws)) == ["A"] * 4
    # the turn edge early in 音: more of the word's sound is B's, so the whole word is B's
    turns = (Turn(0.0, 0.7, "A"), Turn(0.7, 3.0, "B"))
    assert whole_words(ws, ["A", "A", "A", "B"], turns, edges_of(ws)) == ["A", "A", "B", "B"]


def test_a_change_at_a_word_edge_or_after_a_long_pause_stays_where_it_is():
    ws = chars("测试音频", 0.0)
    turns = (Turn(0.0, 0.5, "A"), Turn(0.5, 2.0, "B"))
    assert whole_words(ws, ["A", "A", "B", "B"], turns, edges_of(ws)) == ["A", "A", "B", "B"]   # 测试 | 音频
    apart = [Word(0.0, 0.3, "音", 0.9), Word(1.6, 1.9, "频", 0.9)]                      # 1.3 s apart: two words
    assert whole_words(apart, ["A", "B"], (Turn(0.0, 0.5, "A"), Turn(1.5, 2.0, "B")),
                       [True, True, True]) == ["A", "B"]


def test_a_piece_no_turn_covers_follows_the_speaker_of_the_rest_of_its_word():
    ws = chars("音频", 0.0)
    assert whole_words(ws, ["A", "UNKNOWN"], (Turn(0.0, 0.3, "A"),), edges_of(ws)) == ["A", "A"]


# --- where the speech stops --------------------------------------------------------------------------

def test_a_change_where_the_voice_ran_on_moves_to_the_nearest_stop():
    # the timings of a real run (a four-voice file joined with no gap): "…有房。" then 希望 heard as 提到 at p 0.08
    ws = [Word(8.42, 8.78, "房。", 0.67), Word(8.78, 9.12, "提", 0.08), Word(9.12, 9.2, "到", 0.97),
          Word(9.2, 9.36, "你", 0.93), Word(9.36, 9.52, "以", 0.99)]
    assert to_stops(ws, ["A", "A", "A", "B", "B"], edges_of(ws)) == ["A", "B", "B", "B", "B"]
    # a change at a mark or at a pause stays; a stop farther than STOP_SLACK is not reached
    assert to_stops(ws, ["A", "B", "B", "B", "B"], edges_of(ws)) == ["A", "B", "B", "B", "B"]
    far = [Word(0.0, 0.3, "好。", 0.9)] + chars("我们今天开庭", 0.3)
    speakers = ["A"] * 5 + ["B"] * 2
    assert far[5].start - far[1].start > STOP_SLACK and to_stops(far, speakers, edges_of(far)) == speakers


def test_a_change_is_never_moved_past_another_change_or_into_a_word():
    ws = chars("好。", 0.0) + chars("对", 0.5) + chars("我们", 0.75)
    assert to_stops(ws, ["A", "A", "C", "B", "B"], edges_of(ws)) == ["A", "A", "C", "B", "B"]


# --- an opening word or a closing particle at a change of speaker --------------------------------------

def test_an_opening_word_before_a_change_goes_with_the_speech_it_opens():
    # A: "好的。今天" | B: "我们开庭": 今天 sits against B's speech (0.05 s) and 0.8 s after A's 。
    ws = chars("好的。", 0.0) + chars("今天", 1.55) + chars("我们开庭", 2.1)
    speakers = ["A"] * 5 + ["B"] * 4
    assert settle_changes(ws, speakers) == ["A"] * 3 + ["B"] * 6
    # the same words with the pause after 今天: they stay A's ("今天" ended A's turn)
    ws = chars("好的。", 0.0) + chars("今天", 0.8) + chars("我们开庭", 2.1)
    assert settle_changes(ws, speakers) == speakers


def test_a_closing_particle_after_a_change_goes_back_to_the_sentence_it_ends():
    ws = chars("你怎么看", 0.0) + [Word(1.0, 1.2, "呢？", 0.9)] + chars("我觉得可以。", 2.0)
    speakers = ["A"] * 4 + ["B"] * 7
    assert settle_changes(ws, speakers) == ["A"] * 5 + ["B"] * 6


# --- marks: 。 only where a sentence ends ---------------------------------------------------------------

@pytest.mark.parametrize("text", ["如果说", "其实", "然后", "这是", "我觉得", "今天", "因为"])
def test_a_word_that_cannot_end_a_sentence_gets_no_full_stop_at_a_segment_end(text):
    assert shown(punctuate(chars(text, 0.0))) == text
    assert runs_on(text) and leaves_open(text + "，") and leaves_open(text)


@pytest.mark.parametrize("text, mark", [("我们今天", "。"), ("是我借的", "。"), ("你来吗", "？"), ("就是", "。")])
def test_words_that_can_end_a_sentence_still_get_their_mark(text, mark):
    assert shown(punctuate(chars(text, 0.0))) == text + mark
    assert not leaves_open(text + mark)


def test_a_pause_inside_a_sentence_gets_a_comma_or_nothing_never_a_full_stop():
    # 如果说 [0.6 s] 你不还 [0.6 s] 这是 [0.6 s] 一个问题
    ws = chars("如果说", 0.0) + chars("你不还", 1.35) + chars("这是", 2.7) + chars("一个问题", 3.8)
    assert shown(punctuate(ws)) == "如果说，你不还，这是一个问题。"


def test_no_mark_inside_a_word_even_at_a_pause_or_at_a_segment_end():
    ws = chars("测试音", 0.0) + chars("频", 1.2)                 # 0.45 s pause inside 音频
    assert shown(punctuate(ws)) == "测试音频。"
    assert shown(punctuate(chars("播放一些测试音", 0.0), following="频就")) == "播放一些测试音"
    assert shown(punctuate(chars("你怎么看", 0.0), following="呢")) == "你怎么看"
    assert shown(punctuate(chars("我们开庭", 0.0), following="现在")) == "我们开庭。"


def _whisper(items: list[Word]):
    fake = [SimpleNamespace(word=w.text, start=w.start, end=w.end, probability=0.9) for w in items]
    return SimpleNamespace(start=items[0].start, end=items[-1].end, text="".join(w.text for w in items),
                           words=fake, avg_logprob=-0.2, no_speech_prob=0.01, compression_ratio=1.1)


def test_normalise_reads_the_next_segment_to_find_the_word_edge_at_a_segment_end():
    raw = Transcript("zh", 0.99, "base", "", 10.0, 9.0, tuple(_segment(_whisper(s), -1) for s in (
        chars("下面播放测试音", 0.0), chars("频现在开始", 1.9), chars("好的", 6.0))))
    texts = [s.text for s in normalise(raw, NormaliseConfig()).segments]
    assert texts == ["下面播放测试音", "频现在开始。", "好的。"]


# --- lines: an open line goes on over a pause ---------------------------------------------------------

def test_a_line_left_open_goes_on_over_a_pause_of_the_same_speaker():
    t = transcript(chars("我们这是，", 0.0), chars("第一次开庭。", 3.0), chars("好的。", 7.5))   # 1.75 s, 3 s pauses
    out = merge(t, diarization((0.0, 1.25, "A"), (3.0, 4.5, "A"), (7.5, 8.25, "A")), CFG)   # turns: the speech
    assert lines(out) == [("A", "我们这是，第一次开庭。"), ("A", "好的。")]


def test_a_finished_line_or_a_pause_longer_than_open_pause_still_ends_the_line():
    t = transcript(chars("我们开庭。", 0.0), chars("其实", 3.0), chars("不用。", 6.6))   # 3.1 s
    out = merge(t, diarization((0.0, 1.25, "A"), (3.0, 3.5, "A"), (6.6, 7.35, "A")), CFG)
    assert lines(out) == [("A", "我们开庭。"), ("A", "其实"), ("A", "不用。")]
