"""Honest about what the machine did not hear: flagged hallucinations, inaudible stretches, hotwords
(hand-built artifacts, no models)."""

from __future__ import annotations

import json

from pipeline.artifactio import from_dict
from pipeline.artifacts import Diarization, Labelled, Segment, Speaker, Transcript, Turn, Utterance, Word
from pipeline.config import MergeConfig, NormaliseConfig
from pipeline.csvio import read_csv
from pipeline.export.srt import srt_text
from pipeline.export.tables import write_transcript_csv
from pipeline.export.wording import load_wording, utterance_text
from pipeline.stages.merge import merge, unheard_stretches
from pipeline.stages.normalise import normalise
from pipeline.text.hallucinations import known_phrase, load_rules, repetition

CFG = MergeConfig(max_pause=1.0, max_length=30.0, low_confidence=0.4)
RULES = load_rules()
SWITCH = 30.0   # SPEAKER_00 speaks before, SPEAKER_01 after


def diar(t: Transcript) -> Diarization:
    """The turns a diarizer gives where `t` has words or speech regions (they count as heard speech too):
    SPEAKER_00's before SWITCH, SPEAKER_01's after."""
    spans = [(s.start, s.end) for s in t.segments] + list(t.speech_regions)
    turns = []
    for a, b in sorted(spans):
        for lo, hi, who in ((a, min(b, SWITCH), "SPEAKER_00"), (max(a, SWITCH), b, "SPEAKER_01")):
            if hi > lo:
                turns.append(Turn(lo, hi, who))
    return Diarization("test", tuple(turns), tuple(turns), ("SPEAKER_00", "SPEAKER_01"), {}, {})


def _segment(start: float, texts: list[str], ratio: float = 1.2, step: float = 0.5) -> Segment:
    words = tuple(Word(round(start + i * step, 3), round(start + (i + 1) * step, 3), t, 0.9)
                  for i, t in enumerate(texts))
    return Segment(words[0].start, words[-1].end, "".join(texts), "", words, -0.3, 0.05, ratio)


def _transcript(*segments: Segment, regions=()) -> Transcript:
    return Transcript("zh", 0.99, "base", "abc", 80.0, 60.0, tuple(segments), speech_regions=tuple(regions))


# ------------------------------------------------------------------------------------------ hallucinations


def test_known_phrases_are_found_whatever_the_spacing_case_and_punctuation():
    assert known_phrase("请不吝点赞 订阅 转发 打赏支持明镜与点点栏目！", RULES) == "请不吝点赞订阅转发打赏支持明镜与点点栏目"
    assert known_phrase("字幕由Amara.org社群提供", RULES) == "字幕由amaraorg社群提供"
    assert known_phrase("Thanks for watching!", RULES) == "thanksforwatching"
    assert known_phrase("那五万块是我借的", RULES) == ""


def test_a_phrase_said_three_times_in_a_row_is_a_loop_but_natural_repeats_are_not():
    assert repetition("我们走吧我们走吧我们走吧", RULES) == "我们走吧"
    assert repetition("thank you thank you thank you", RULES) == "thank you"
    assert repetition("对对对对对对", RULES) == ""          # people do say 对对对
    assert repetition("no no no", RULES) == ""
    assert repetition("我们走吧我们走吧", RULES) == ""       # twice is not a loop


def test_suspect_lines_are_flagged_and_kept_word_for_word():
    t = _transcript(
        _segment(1.0, ["那", "五万块", "是我借的"]),
        _segment(5.0, ["谢谢", "观看"]),
        _segment(10.0, ["我们", "走吧", "我们", "走吧", "我们", "走吧"]),
        _segment(20.0, ["好", "的"], ratio=2.6),
    )
    shown = normalise(t, NormaliseConfig())
    assert [s.flags for s in shown.segments] == [(), ("hallucination",), ("hallucination",), ("hallucination",)]
    utts = merge(shown, diar(shown), CFG).items
    assert [(u.text, "hallucination" in u.flags) for u in utts] == [
        ("那五万块是我借的。", False), ("谢谢观看。", True), ("我们走吧我们走吧我们走吧。", True), ("好的。", True)]
    assert [s.raw_text for s in shown.segments][1] == "谢谢观看"   # kept as the model wrote it


def test_every_line_made_of_a_flagged_segments_words_is_flagged():
    """A segment the model invented is split between two speakers' turns: both lines carry the mark."""
    t = _transcript(_segment(28.0, ["谢谢", "大家", "收看", "谢谢", "观看"], step=1.0))
    utts = merge(normalise(t, NormaliseConfig()), diar(t), CFG).items
    assert [(u.speaker, "hallucination" in u.flags) for u in utts] == [("SPEAKER_00", True), ("SPEAKER_01", True)]


def test_the_exhibit_marks_a_flagged_line_in_its_language():
    u = Utterance("u0001", "SPEAKER_00", 5.0, 6.0, "谢谢观看", (), ("hallucination",))
    zh = utterance_text(u, None, load_wording("zh"), with_time=True)
    assert zh == "[00:00:05] [疑似误识别] SPEAKER_00：谢谢观看"
    en = utterance_text(u, None, load_wording("en"), with_time=False)
    assert en.startswith("[possible recognition artefact] SPEAKER_00")


# ------------------------------------------------------------------------------------------- inaudible


def test_speech_far_from_every_word_is_an_unheard_stretch():
    words = [Word(10.0, 12.0, "好", 0.9)]
    # a region with no words; one with words only at its start; one too short to show
    assert unheard_stretches([(2.0, 5.5), (9.6, 16.0), (20.0, 20.8)], words) == [(2.0, 5.5), (12.5, 16.0)]
    assert unheard_stretches([(9.6, 13.0)], words) == []     # padding around a heard word is not a gap


def test_speech_with_no_text_becomes_an_inaudible_line_of_the_speaker_heard_then():
    t = _transcript(_segment(1.0, ["那", "五万块"]), _segment(40.0, ["好"]),
                    regions=[(0.6, 2.4), (32.0, 35.5), (39.6, 41.0)])
    utts = merge(t, diar(t), CFG).items
    assert [(u.id, u.speaker, u.text, u.flags) for u in utts] == [
        ("u0001", "SPEAKER_00", "那五万块。", ()),
        ("u0002", "SPEAKER_01", "", ("inaudible",)),
        ("u0003", "SPEAKER_01", "好。", ()),
    ]
    assert (utts[1].start, utts[1].end, utts[1].words) == (32.0, 35.5, ())


def test_an_inaudible_line_reads_with_its_time_range_in_word_srt_and_csv(tmp_path):
    u = Utterance("u0002", "SPEAKER_01", 65.2, 69.9, "", (), ("inaudible",))
    speaker = Speaker("SPEAKER_01", "张三", "被告", 0, 1.0, 1, 65.2, 69.9)
    assert utterance_text(u, speaker, load_wording("zh"), with_time=True) == "[00:01:05] 张三（被告）：[听不清 00:01:05–00:01:09]"
    assert utterance_text(u, None, load_wording("en"), with_time=False) == "SPEAKER_01: [inaudible 00:01:05–00:01:09]"
    no_mark = Utterance("u0003", "SPEAKER_01", 1.0, 2.0, "", (), ())
    assert utterance_text(no_mark, None, load_wording("zh"), with_time=False).endswith("（无法辨认）")
    labelled = Labelled("zh", (speaker,), (u,))
    assert "00:01:05,200 --> 00:01:09,900\n张三（被告）：[听不清 00:01:05–00:01:09]" in srt_text(labelled, "zh")
    assert "00:01:05,200 --> 00:01:09,900\n张三 (被告): [inaudible 00:01:05–00:01:09]" in srt_text(labelled, "en")
    write_transcript_csv(tmp_path / "t.csv", labelled, "zh")
    _, rows = read_csv(tmp_path / "t.csv")
    assert (rows[0]["text"], rows[0]["flags"], rows[0]["start"]) == ("", "inaudible", "65.200")


def test_a_transcript_saved_before_speech_regions_existed_still_loads():
    old = {"language": "zh", "language_probability": 0.9, "model": "base", "model_sha256": "", "duration": 3.0,
           "speech_duration": 2.0, "segments": []}
    t = from_dict(Transcript, json.loads(json.dumps(old)))
    assert t.speech_regions == () and t.hotwords == ""
    assert merge(t, diar(t), CFG).items == ()
