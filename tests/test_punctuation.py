"""The rule-based Chinese punctuation fallback, on hand-built words (no models)."""

from __future__ import annotations

import pytest

from pipeline.artifacts import Word
from pipeline.text.chinese import chinese_punctuation, join_words
from pipeline.text.punctuation import PAUSE_SECONDS, final_mark, is_question, punctuate, runs_on


def words(*items: tuple[str, float, float] | tuple[str, float, float, float]) -> tuple[Word, ...]:
    """(text, start, end[, probability]) → Words."""
    return tuple(Word(start=i[1], end=i[2], text=i[0], probability=i[3] if len(i) > 3 else 0.9) for i in items)


def steady(*texts: str, step: float = 0.25, gap: float = 0.0) -> tuple[Word, ...]:
    """Words of one character-ish each, `step` long, `gap` apart."""
    return words(*((t, i * (step + gap), i * (step + gap) + step) for i, t in enumerate(texts)))


def shown(ws) -> str:
    return join_words([w.text for w in ws])


def test_a_pause_between_chinese_words_gets_a_comma_and_the_end_a_full_stop():
    ws = words(("我想", 0.0, 0.5), ("问", 0.5, 0.8), ("我在", 0.8 + PAUSE_SECONDS + 0.1, 1.6), ("有房", 1.6, 2.0))
    out = punctuate(ws)
    assert shown(out) == "我想问，我在有房。"
    assert [w.text for w in out] == ["我想", "问，", "我在", "有房。"]
    assert [w.raw_text for w in out] == ["", "问", "", "有房"]         # the model's own text is kept
    assert [(w.start, w.end, w.probability) for w in out] == [(w.start, w.end, w.probability) for w in ws]


def test_a_short_gap_inside_a_clause_gets_no_comma():
    ws = steady("有", "种", "推", "理", gap=PAUSE_SECONDS - 0.2)
    assert shown(punctuate(ws)) == "有种推理。"


def test_a_pause_hidden_at_the_start_of_a_long_confident_word_counts_but_not_in_an_unsure_one():
    # as the aligner gives it on ../shared/eval/zh/llama.cpp_tests_sample.wav: "我在" 2.08–3.98 s, 1.4 s silent
    heard = words(("我想", 0.66, 1.54, 0.87), ("问", 1.54, 2.08, 0.95), ("我在", 2.08, 3.98, 0.80),
                  ("有房", 3.98, 4.5, 0.9))
    assert shown(punctuate(heard)) == "我想问，我在有房。"
    # csharp example 3: "一定" 0.16–3.14 s at p 0.42 over continuous speech the model partly missed
    unsure = words(("他", 0.0, 0.16, 0.15), ("一定", 0.16, 3.14, 0.42), ("在", 3.14, 3.4), ("家", 3.4, 3.6))
    assert shown(punctuate(unsure)) == "他一定在家。"


def test_a_space_the_model_put_between_chinese_words_becomes_a_comma_with_no_space_left():
    ws = words(("现在", 0.0, 0.3), ("不同", 0.3, 0.6), ("了", 0.6, 0.8), (" 英国", 0.8, 1.1), ("脱欧", 1.1, 1.4))
    out = punctuate(ws)
    assert shown(out) == "现在不同了，英国脱欧。"
    assert out[3].text == "英国" and out[3].raw_text == " 英国"
    assert " " not in "".join(w.text for w in out)


def test_existing_punctuation_is_not_doubled():
    ws = words(("正义，", 0.0, 0.4), ("所以", 1.2, 1.5), ("对吗？", 1.5, 1.9))
    out = punctuate(ws)
    assert shown(out) == "正义，所以对吗？"
    assert out == ws                                                   # nothing changed, not even raw_text
    stop = words(("感", 0.0, 0.3), ("觉。", 0.3, 0.6))
    assert punctuate(stop) == stop


def test_english_is_untouched_and_mixed_text_gets_commas_only_between_chinese_words():
    english = words((" Ask", 0.0, 0.3), (" not", 1.5, 1.8), (" what", 1.8, 2.0))
    assert punctuate(english) == english
    mixed = words(("我用", 0.0, 0.4), (" iPhone", 1.4, 1.9), ("拍的", 2.9, 3.2), ("照片", 3.2, 3.6), (" OK", 4.6, 4.9))
    out = punctuate(mixed)
    # no comma next to English; the Chinese sentence ends with its mark, even after an English word
    assert shown(out) == "我用 iPhone拍的照片 OK。"
    assert out[:-1] == mixed[:-1] and out[-1].raw_text == " OK"


@pytest.mark.parametrize("clause, question", [
    ("你明天来吗", True), ("你说什么了吗", True), ("是么", True), ("你呢", True), ("那他去哪儿了呢", True),
    ("是不是", True), ("你有没有", True), ("这个可不可以", True), ("你还钱是不是啊", True),
    ("我正在吃饭呢", False), ("你是张三吧", False), ("我们走吧", False), ("我不知道他说了什么", False),
    ("没什么", False), ("就这么", False), ("欢迎大家来体验", False), ("每一天都要快乐喔", False),
])
def test_question_particles(clause, question):
    assert is_question(clause) is question
    assert final_mark(clause) == ("？" if question else "。")


def test_only_the_last_clause_decides_the_final_mark():
    assert final_mark("你问我什么，我不知道") == "。"
    assert final_mark("我不知道，你知道吗") == "？"
    ws = words(("他", 0.0, 0.2), ("还钱", 0.2, 0.6), ("了", 0.6, 0.8), ("吗", 0.8, 1.0))
    assert shown(punctuate(ws)) == "他还钱了吗？"


def test_a_full_stop_after_chinese_becomes_full_width_but_not_a_decimal_point_or_an_ellipsis():
    assert chinese_punctuation("我借了他3.5万.") == "我借了他3.5万。"
    assert chinese_punctuation("好...") == "好..."
    assert chinese_punctuation("He paid 3.5. Then left.") == "He paid 3.5. Then left."


@pytest.mark.parametrize("text, open_", [
    ("我认为跑步最重要的就是", True), ("我想说的是", True), ("如果你不还的话", True), ("因为", True),
    ("我们先把这个", True), ("但是不要因为", True), ("就是", False), ("我也是", False), ("是我借的", False),
    ("你什么时候还", False), ("他说跑步很", True),
])
def test_a_clause_that_leaves_the_sentence_open_is_recognised(text, open_):
    assert runs_on(text) is open_


def test_no_sentence_end_where_the_speech_runs_on_into_the_next_segment():
    # the lecture's VAD cut: 我认为跑步最重要的就是 | 给我带来了身体健康 — no 。 after 就是
    first = punctuate(words(("我认为", 0.0, 0.6), ("跑步", 0.6, 1.0), ("最重要的", 1.0, 1.6), ("就是", 1.6, 2.0)))
    second = punctuate(words(("给我", 4.2, 4.6), ("带来了", 4.6, 5.0), ("身体健康", 5.0, 5.8)))
    assert shown(first) + shown(second) == "我认为跑步最重要的就是给我带来了身体健康。"
