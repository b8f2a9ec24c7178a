"""Every stretch of speech accounted for (issue 22 item 3), on hand-built artifacts, no models: what the model
hears around the VAD's speech, a mark at the end of every sentence and never inside a word, and speech heard
where no word was placed shown as an inaudible line that the coverage counts."""

from __future__ import annotations

import pytest

from pipeline.artifacts import Diarization, Labelled, Segment, Speaker, Transcript, Turn, Word
from pipeline.audio import SAMPLE_RATE
from pipeline.config import MergeConfig, NormaliseConfig
from pipeline.export.coverage import coverage
from pipeline.stages.merge import CHARACTER_SECONDS, INAUDIBLE_MIN, WORD_MARGIN, merge, unheard_stretches, word_span
from pipeline.stages.normalise import normalise
from pipeline.stages.transcribe import HEAR_CONTEXT_SECONDS, hearing_chunks
from pipeline.text.chinese import join_words
from pipeline.text.punctuation import close_line, mark_edges, punctuate
from pipeline.text.words import word_edges

CFG = MergeConfig(max_pause=1.0, max_length=15.0, low_confidence=0.4)
MARKS = "，。？！"


def steady(*texts: str, start: float = 0.0, step: float = 0.25, pauses: dict[int, float] | None = None,
           probability: float = 0.9) -> tuple[Word, ...]:
    """Words `step` long one after another; pauses[i] seconds of silence before word i."""
    out, at = [], start
    for i, text in enumerate(texts):
        at += (pauses or {}).get(i, 0.0)
        out.append(Word(round(at, 3), round(at + step, 3), text, probability))
        at += step
    return tuple(out)


def shown(words) -> str:
    return join_words([w.text for w in words])


def segment(words: tuple[Word, ...], channel: int = -1) -> Segment:
    return Segment(words[0].start, words[-1].end, "".join(w.text for w in words), "", words, -0.3, 0.1, 1.2,
                   channel=channel)


def transcript(*segments: Segment, regions=(), language: str = "zh") -> Transcript:
    return Transcript(language, 0.99, "base", "", 60.0, 30.0, tuple(segments), speech_regions=tuple(regions))


def diarization(*turns: tuple[float, float, str]) -> Diarization:
    made = tuple(Turn(a, b, s) for a, b, s in turns)
    return Diarization("test", made, made, tuple(dict.fromkeys(s for _, _, s in turns)), {}, {})


def labelled(utterances) -> Labelled:
    return Labelled("zh", (Speaker("A", "", "", 1, 0, 0, 0, 0),), tuple(utterances.items))


def marks_inside_words(text: str) -> list[str]:
    """The marks of `text` that stand where jieba's dictionary sees no word edge (text without them)."""
    pieces, marks_at = [], []
    for char in text:
        if char in MARKS:
            marks_at.append(len(pieces))
        else:
            pieces.append(char)
    edges = word_edges(pieces)
    return [f"{''.join(pieces[:i])}|{''.join(pieces[i:])}" for i in marks_at if not edges[i]]


# ------------------------------------------------------------------------------- what the model hears


def test_the_model_hears_a_second_of_context_around_each_stretch_of_speech_within_the_track():
    s = SAMPLE_RATE
    pad = int(HEAR_CONTEXT_SECONDS * s)
    chunks = [{"start": int(0.2 * s), "end": 2 * s}, {"start": 3 * s, "end": 4 * s}, {"start": 10 * s, "end": 11 * s}]
    heard = hearing_chunks(chunks, total=int(11.3 * s))
    # the first two come within 2 × pad of each other: one stretch; none starts before 0 or ends past the track
    assert heard == [{"start": 0, "end": 4 * s + pad}, {"start": 10 * s - pad, "end": int(11.3 * s)}]
    assert chunks[0] == {"start": int(0.2 * s), "end": 2 * s}          # the VAD's own chunks are left as they were
    assert hearing_chunks([], total=s) == []


# ------------------------------------------------------------------------------------------ punctuation


def test_a_news_sentence_that_ends_in_a_per_cent_gets_its_full_stop():
    # the 7-s sentence, as Whisper writes it: a character a word, the number and sign as pieces
    ws = steady(*"富士康在印度工厂出现大规模感染目前工厂产量以下降超", "50", "%")
    out = punctuate(ws)
    assert shown(out) == "富士康在印度工厂出现大规模感染目前工厂产量以下降超50%。"
    assert out[-1].raw_text == "%" and out[:-1] == ws[:-1]


@pytest.mark.parametrize("texts, pause_before, expected", [
    # a long pause inside 脱欧 (not in jieba's dictionary: 脱 | 欧) and inside 达摩院 misheard as 搭魔院
    (("英国", "脱", "欧", "欧盟", "内部"), 2, "英国脱欧欧盟内部。"),
    (("体验", "搭", "魔", "院", "推出的"), 2, "体验搭魔院推出的。"),
    # numbers and what they count
    (("他", "说", "借了", "2", ".5", "万"), 5, "他说借了2.5万。"),
    (("产量", "下降", "超", "50", "%"), 4, "产量下降超50%。"),
    (("来了", "一百二十五", "个", "人"), 2, "来了一百二十五个人。"),
    (("欠", "三", "千", "块"), 2, "欠三千块。"),
    # a particle that ends the sentence stays with it
    (("钱", "我", "借", "了"), 3, "钱我借了。"),
    (("这", "是", "我", "借", "的"), 4, "这是我借的。"),
])
def test_no_mark_is_put_inside_a_word_or_a_number_however_long_the_pause(texts, pause_before, expected):
    out = punctuate(steady(*texts, pauses={pause_before: 1.5}))
    assert shown(out) == expected
    assert not marks_inside_words(shown(out))


def test_the_pause_in_a_word_missing_from_the_dictionary_is_no_place_for_a_mark_but_a_known_word_edge_is():
    assert mark_edges(["英国", "脱", "欧", "欧盟"]) == [True, True, False, True, True]
    assert mark_edges(["我", "借", "钱"]) == [True, True, False, True]      # 借钱 is one word
    assert mark_edges(["我", "想", "问"]) == [True, True, False, True]      # 想 | 问: two lone characters
    assert mark_edges(["我想", "问", "我", "在"]) == [True, False, True, True, True]   # 我 stands alone


def test_a_pause_after_a_negation_inside_its_clause_gets_no_comma_but_after_a_no_on_its_own_does():
    denial = punctuate(steady("我", "没有", "借钱", pauses={2: 1.0}))
    assert shown(denial) == "我没有借钱。"                    # not 我没有，借钱 — a denial read as an admission
    assert shown(punctuate(steady("他", "不", "还", pauses={2: 1.0}))) == "他不还。"
    answer = punctuate(steady("没有", "我", "没借", pauses={1: 1.0}))
    assert shown(answer) == "没有，我没借。"
    assert shown(punctuate(steady("不是", "我", "借的", pauses={1: 1.0}))) == "不是，我借的。"


@pytest.mark.parametrize("texts, expected", [
    (("你", "借了", "钱", "吗"), "你借了钱吗？"),
    (("你", "去不去"), "你去不去？"),
    (("他", "有没有", "还"), "他有没有还？"),       # A-not-A asks
    (("他", "没有", "还"), "他没有还。"),
    (("我们", "走", "吧"), "我们走吧。"),              # 吧 here suggests, it does not ask
    (("你", "是", "张三", "吧"), "你是张三吧。"),      # a guess, not put as a question
    (("我", "不", "知道", "他", "借了", "多少"), "我不知道他借了多少。"),
    (("那", "你", "呢"), "那你呢？"),
])
def test_the_final_mark_is_a_question_mark_only_where_the_ending_asks(texts, expected):
    assert shown(punctuate(steady(*texts))) == expected


def test_a_whole_line_with_no_mark_gets_one_in_its_language_and_a_line_left_open_does_not():
    assert shown(close_line(steady("我", "借了", "他", "五万块"))) == "我借了他五万块。"
    assert shown(close_line(steady("你", "还钱", "吗"))) == "你还钱吗？"
    assert shown(close_line(steady(" ask", " not", " what", " your", " country"))) == "ask not what your country."
    assert shown(close_line(steady(" Do", " you", " owe", " him"))) == "Do you owe him?"
    assert shown(close_line(steady(" Where", " did", " you", " put", " it"))) == "Where did you put it?"
    assert shown(close_line(steady(" What", " I", " mean", " is", " this"))) == "What I mean is this."
    assert shown(close_line(steady(" paid", " 2.5"))) == "paid 2.5."
    for left_open in (steady("因为"), steady("我", "认为", "最重要的", "就是"), steady(" I", " went", " to", " the")):
        assert close_line(left_open) == left_open
    has_a_mark = steady("正义，", "所以")            # a mark already: its last clause may run on into the next line
    assert close_line(has_a_mark) == has_a_mark
    closed = close_line(steady("好", "的"))
    assert closed[-1].text == "的。" and closed[-1].raw_text == "的"   # the model's own text is kept


def test_every_line_the_merge_makes_that_ends_a_sentence_ends_with_a_mark_and_none_is_inside_a_word():
    # a call: A speaks, then B, then A again, the last with no mark from the segment rules (a number ends it)
    a1 = steady(*"我上个月借了你", "五万块", start=0.0)
    b1 = steady(*"那你什么时候还", start=3.0, pauses={3: 0.8})       # a pause inside 什么: no comma
    a2 = steady(*"下个月还你", "5", "万", start=8.0)
    english = steady(" I", " will", " pay", " you", " back", start=12.0)
    t = normalise(transcript(segment(a1), segment(b1), segment(a2), segment(english),
                             regions=[(0.0, 14.0)]), NormaliseConfig())
    lines = merge(t, diarization((0.0, 2.8, "A"), (2.8, 7.8, "B"), (7.8, 14.0, "A")), CFG).items
    texts = [u.text for u in lines if u.text]
    assert texts == ["我上个月借了你五万块。", "那你什么时候还。", "下个月还你5万。", "I will pay you back."]
    assert not any(marks_inside_words(text) for text in texts)
    # a pause longer than max_pause inside 什么 cuts the line there: it gets no mark (the next line goes on)
    cut = normalise(transcript(segment(steady(*"那你什么时候还", pauses={3: 1.2})), regions=[(0.0, 4.0)]),
                    NormaliseConfig())
    assert [u.text for u in merge(cut, diarization((0.0, 4.0, "B")), CFG).items] == ["那你什", "么时候还。"]


def test_with_punctuation_off_the_merge_adds_no_mark():
    t = transcript(segment(steady("我", "借了", "钱")), regions=[(0.0, 1.0)])
    assert [u.text for u in merge(t, diarization((0.0, 1.0, "A")), CFG, punctuation=False).items] == ["我借了钱"]


# ------------------------------------------------------------------------------ speech with no word on it


def test_a_gap_of_two_seconds_between_words_of_one_segment_over_heard_speech_is_an_inaudible_line():
    gap = INAUDIBLE_MIN + 2 * WORD_MARGIN          # the threshold: 2 s between two words
    ws = steady("我", "借了", "你", "钱", pauses={2: gap + 1.0})     # one Whisper segment, 3 s skipped in it
    t = normalise(transcript(segment(ws), regions=[(0.0, 4.2)]), NormaliseConfig())
    lines = merge(t, diarization((0.0, 4.2, "A")), CFG).items
    # the pause gave a comma (the sentence goes on after what was not heard)
    assert [(u.text, u.flags) for u in lines] == [("我借了，", ()), ("", ("inaudible",)), ("你钱。", ())]
    hole = lines[1]
    assert (hole.start, hole.end) == pytest.approx((ws[1].end + WORD_MARGIN, ws[2].start - WORD_MARGIN))
    c = coverage(t, labelled(merge(t, diarization((0.0, 4.2, "A")), CFG)), 0.4, diarization((0.0, 4.2, "A")))
    assert c.unintelligible == pytest.approx(hole.end - hole.start)
    # just under the threshold: no line, a short gap in the coverage
    near = steady("我", "借了", "你", "钱", pauses={2: gap - 0.2})
    t2 = normalise(transcript(segment(near), regions=[(0.0, 4.2)]), NormaliseConfig())
    assert all(u.text for u in merge(t2, diarization((0.0, 4.2, "A")), CFG).items)


def test_speech_the_diarizer_heard_where_the_vad_heard_none_is_an_inaudible_line_and_counts_as_heard():
    ws = steady("好", "的", start=1.0)
    t = normalise(transcript(segment(ws), regions=[(0.6, 1.9)]), NormaliseConfig())
    diar = diarization((0.8, 1.6, "A"), (20.0, 23.5, "B"))          # B spoke where the VAD heard nothing
    lines = merge(t, diar, CFG).items
    assert [(u.speaker, u.text, u.flags, u.start, u.end) for u in lines] == [
        ("A", "好的。", (), 1.0, 1.5), ("B", "", ("inaudible",), 20.0, 23.5)]
    c = coverage(t, labelled(merge(t, diar, CFG)), 0.4, diar)
    assert c.speech_heard == pytest.approx(1.3 + 3.5)
    assert c.unintelligible == pytest.approx(3.5)
    assert coverage(t, labelled(merge(t, diar, CFG)), 0.4).speech_heard == pytest.approx(1.3)   # the VAD's alone


def test_a_long_word_the_model_was_unsure_of_covers_only_its_spoken_end():
    # csharp example 3: "他" then "一定" stretched over an English sentence the model left out
    unsure = (Word(0.0, 0.16, "他", 0.15), Word(0.16, 4.2, "一定", 0.42), Word(4.2, 4.5, "在家", 0.9))
    assert word_span(unsure[1]) == pytest.approx((4.2 - 2 * CHARACTER_SECONDS, 4.2))
    assert unheard_stretches([(0.0, 4.6)], list(unsure)) == [(0.66, 3.1)]
    t = normalise(transcript(segment(unsure), regions=[(0.0, 4.6)]), NormaliseConfig())
    lines = merge(t, diarization((0.0, 4.6, "A")), CFG).items
    # the line keeps its words (and says it is unsure); the stretch the word was drawn over shows beside it
    assert [(u.text, u.flags, u.start, u.end) for u in lines] == [
        ("他一定在家。", ("low_confidence",), 0.0, 4.5), ("", ("inaudible",), 0.66, 3.1)]
    sure = (Word(0.0, 0.16, "他", 0.9), Word(0.16, 4.2, "一定", 0.9), Word(4.2, 4.5, "在家", 0.9))
    assert word_span(sure[1]) == (0.16, 4.2) and unheard_stretches([(0.0, 4.6)], list(sure)) == []
    english = Word(0.0, 3.0, " well", 0.2)                     # not a Chinese word: all of it counts
    assert word_span(english) == (0.0, 3.0)


def test_the_coverage_adds_up_with_the_new_lines():
    ws = steady("我", "借了", "你", "钱", pauses={2: 3.0})
    t = normalise(transcript(segment(ws), regions=[(0.0, 6.0)]), NormaliseConfig())
    diar = diarization((0.0, 6.0, "A"), (10.0, 12.0, "A"))
    c = coverage(t, labelled(merge(t, diar, CFG)), 0.4, diar)
    assert c.covered_by_text + c.unintelligible + c.short_gaps == pytest.approx(c.speech_heard)
    assert c.speech_heard == pytest.approx(8.0) and c.unintelligible >= 2.0 + 1.0
