"""The normalise stage on the model's raw output (hand-built, as faster-whisper hands it over; no models): the
shown text beside the model's own, and each [normalise] setting doing what it says."""

from __future__ import annotations

from types import SimpleNamespace

from pipeline.artifacts import Transcript
from pipeline.config import NormaliseConfig
from pipeline.stages.normalise import normalise
from pipeline.stages.transcribe import _segment
from pipeline.text.chinese import join_words


def _whisper_segment(text: str, items: list[tuple[str, float, float]], ratio: float = 1.1):
    fake = [SimpleNamespace(word=t, start=s, end=e, probability=0.9) for t, s, e in items]
    return SimpleNamespace(start=items[0][1], end=items[-1][2], text=text, words=fake, avg_logprob=-0.2,
                           no_speech_prob=0.01, compression_ratio=ratio)


def _raw(language: str, *segments) -> Transcript:
    """What the transcribe stage records: the model's segments, untouched."""
    return Transcript(language, 0.99, "base", "", 10.0, 9.0, tuple(_segment(s, -1) for s in segments))


BREXIT = _whisper_segment("但是現在不同了 英國脫歐", [("但是", 0.0, 0.4), ("現在", 0.4, 0.7), ("不同", 0.7, 1.0),
                                                 ("了", 1.0, 1.2), (" 英國", 1.2, 1.5), ("脫歐", 1.5, 1.9)])


def test_the_transcribe_stage_keeps_the_models_text_untouched():
    (segment,) = _raw("zh", BREXIT).segments
    assert segment.text == "但是現在不同了 英國脫歐" and segment.raw_text == ""
    assert [w.text for w in segment.words] == ["但是", "現在", "不同", "了", " 英國", "脫歐"]


def test_segments_of_chinese_are_punctuated_and_their_text_is_the_joined_words():
    (seg,) = normalise(_raw("zh", BREXIT), NormaliseConfig()).segments
    assert seg.text == "但是现在不同了，英国脱欧。" == join_words([w.text for w in seg.words])
    assert seg.raw_text == "但是現在不同了 英國脫歐"                      # the model's text, untouched
    assert [w.raw_text for w in seg.words] == ["", "現在", "", "了", " 英國", "脫歐"]
    assert [(w.start, w.end) for w in seg.words][4] == (1.2, 1.5)      # timings as the model gave them


def test_segments_in_other_languages_are_not_punctuated():
    items = [(" Ask", 0.0, 0.3), (" not", 1.5, 1.8)]
    (seg,) = normalise(_raw("en", _whisper_segment(" Ask not", items)), NormaliseConfig()).segments
    assert seg.text == "Ask not"
    zh_words_in_an_english_call = [("我在", 0.0, 0.4), ("家", 1.4, 1.6)]
    (seg,) = normalise(_raw("en", _whisper_segment("我在家", zh_words_in_an_english_call)), NormaliseConfig()).segments
    assert seg.text == "我在家"


def test_each_setting_turns_its_step_off_or_moves_it():
    pause = _whisper_segment("我想问我在家", [("我想", 0.0, 0.4), ("问", 0.4, 0.6), ("我在", 0.9, 1.2), ("家", 1.2, 1.4)])
    raw = _raw("zh", BREXIT, pause)
    shown = [s.text for s in normalise(raw, NormaliseConfig()).segments]
    assert shown == ["但是现在不同了，英国脱欧。", "我想问我在家。"]                  # a 0.3 s pause: no comma
    assert [s.text for s in normalise(raw, NormaliseConfig(pause_seconds=0.2)).segments][1] == "我想问，我在家。"
    assert [s.text for s in normalise(raw, NormaliseConfig(simplified=False)).segments][0] == "但是現在不同了，英國脫歐。"
    assert [s.text for s in normalise(raw, NormaliseConfig(punctuation=False)).segments][0] == "但是现在不同了英国脱欧"


def test_a_segment_the_model_is_known_to_invent_is_flagged_not_dropped(tmp_path):
    invented = _whisper_segment("字幕由Amara.org社群提供", [("字幕", 5.0, 5.5), ("由", 5.5, 5.6), ("Amara", 5.6, 6.0),
                                                        (".org", 6.0, 6.3), ("社群", 6.3, 6.6), ("提供", 6.6, 7.0)])
    loop = _whisper_segment("好的", [("好", 8.0, 8.2), ("的", 8.2, 8.4)], ratio=2.6)
    segments = normalise(_raw("zh", BREXIT, invented, loop), NormaliseConfig()).segments
    assert [s.flags for s in segments] == [(), ("hallucination",), ("hallucination",)]
    assert segments[1].text.startswith("字幕由Amara.org社群提供")
    mine = tmp_path / "mine.toml"
    mine.write_text('phrases = ["英国脱欧"]\nmax_compression_ratio = 3.0\n', encoding="utf-8")
    segments = normalise(_raw("zh", BREXIT, invented, loop), NormaliseConfig(hallucinations=str(mine))).segments
    assert [s.flags for s in segments] == [("hallucination",), (), ()]
