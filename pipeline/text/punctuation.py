"""Chinese punctuation where the model gave none: a rule-based fallback on the words of one segment.

Whisper base mostly writes Mandarin with no punctuation at all, sometimes with a space between clauses.
Prompting it for punctuation made it invent text, so the exhibit gets its marks from these rules instead:

- "，" after a Chinese word followed by a pause, or by a space the model put between two Chinese words.
  A pause is the silence between the two words plus the silence hidden at the start of the next word: the
  aligner hands a pause to the word after it (on ../shared/eval, "我在" runs 2.08–3.98 s of which 1.4 s is
  silence, while the gaps between words never exceed 0.26 s), so a confident word longer than a spoken
  syllable per character counts its excess as pause. A long word the model is unsure of more often hides
  speech it missed (csharp example 3: "一定" lasts 2.98 s at p 0.42 over continuous speech), so it does not.
- "。" at the end of a segment that does not already end in punctuation, or "？" when its last clause ends
  in a question particle (see is_question) — but no mark at all where the words leave the sentence open
  (就是, 因为, 但是, 把, 的话 …, see runs_on): a segment ends where the voice detector cut the speech or the
  model paused, and the sentence often runs on into the next one (我认为跑步最重要的就是 | 给我带来了身体健康). A wrong "？" would change what a quoted party said, so a
  question mark is only put where the ending makes it a question; anything else gets "。" (吧, 嘛, 啊 and a
  question word inside a clause — 我不知道他说了什么 — do not make a question).
- No mark where a sentence cannot end or a word would be cut: nothing at a pause inside a word (jieba's
  dictionary, pipeline.text.words: "测试音 | 频" is one word, also across the end of a segment when the next
  segment's text is given), no "，" after a word that binds to the next one (这是, 这个, 把 …, see
  BINDS_FORWARD), no "。" after a word that opens a sentence and never ends one (如果说, 其实, 然后, 这是 …,
  see NEVER_LAST; 今天, 现在 … when they are the whole clause, see OPENS_ALONE), nor before a next segment
  that opens with a particle ending this sentence (呢, 吗, 了 …, see CLOSERS).

Only Chinese is touched: a mark is added only where the words on both sides (at the end: the last word) are
Chinese. English segments carry their own punctuation. Words keep their timings; Word.raw_text keeps the
model's own text whenever the shown text differs.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace

from pipeline.artifacts import Word
from pipeline.text.chinese import CJK_CHARACTER
from pipeline.text.words import word_edges

PAUSE_SECONDS = 0.4                 # a pause this long between two Chinese words ends a clause
SYLLABLE_SECONDS = 0.5              # longest a spoken character takes; beyond it a word holds silence
CONFIDENT = 0.5                     # probability from which a long word's extra length counts as pause
SHORT_CLAUSE = 3                    # "你呢", "那你呢": a clause this short ending in 呢 asks a question
COMMA, FULL_STOP, QUESTION_MARK = "，", "。", "？"
# what ends a sentence (where merge may cut a line, what a rule's `unless_sentence` looks within), as a regular
# expression: one of these marks, or a "." that follows no English title (Mr. Chen) and no number goes on (1.5)
TITLES = ("mr", "mrs", "ms", "dr", "vs", "jr", "sr", "prof")
SENTENCE_END = "[。！？!?…]|" + "".join(rf"(?<!\b(?i:{title}))" for title in TITLES) + r"\.(?!\d)"
_ENDS_HERE = re.compile(rf"(?:{SENTENCE_END})$")

_CJK_CHAR = re.compile(CJK_CHARACTER)
_QUESTION_PARTICLES = ("吗",)
_MA_NOT_QUESTION = ("什么", "怎么", "这么", "那么", "多么", "要么")   # 么 that is not the question 么 (是么)
_QUESTION_WORDS = ("谁", "什么", "哪", "怎", "多少", "干嘛")            # with 呢: 他去哪儿了呢
_A_NOT_A = re.compile(r"(.)[不没]\1.?$")                               # 是不是, 有没有, 可不可以
_CLAUSE_BREAK = re.compile(r"[^\w]+")
# endings that leave a Mandarin sentence open: conjunctions, prepositions, "what matters is …", degree adverbs,
# demonstratives waiting for their noun (a sentence does not end on them, the speech runs on)
RUN_ON_ENDINGS = ("因为", "所以", "但是", "可是", "而且", "并且", "或者", "然后", "如果", "要是", "虽然", "尽管",
                  "不过", "以及", "和", "跟", "与", "把", "被", "对于", "关于", "为了", "通过", "根据", "按照",
                  "除了", "的话", "的是", "就是", "非常", "特别", "比较", "很", "最", "更", "这个", "那个", "一个",
                  "这些", "那些", "这种", "那种")
RUN_ON_SHORTEST = 3                 # a clause this short may be a whole answer (就是！): not counted as open
# words that open or carry on a sentence and never end one, however short the clause (其实。 is never a sentence)
NEVER_LAST = ("如果说", "其实", "然后", "就是说", "也就是说", "比如说", "比如", "例如", "这是", "那是", "这就是",
              "那就是", "我觉得", "我认为", "所以说", "因为", "但是", "可是", "而且", "并且", "如果", "要是", "虽然",
              "尽管", "首先", "其次", "另外", "那么", "还有就是", "对于", "关于")
# words that open a sentence when they are the whole clause (今天，我们…); with more before them they may end one
OPENS_ALONE = ("今天", "明天", "昨天", "现在", "当时", "后来", "那时候", "这时候", "这边", "那边", "这里", "那里",
               "那", "这", "所以", "还有")
# words that bind to the next word: a pause after them is a hesitation inside the phrase, not a clause break
BINDS_FORWARD = ("这是", "那是", "这个", "那个", "一个", "这些", "那些", "这种", "那种", "把", "被", "和", "跟",
                 "与", "对于", "关于")
# particles that end a sentence and never open one (a line or a segment starting with one has lost its sentence)
CLOSERS = ("呢", "吗", "吧", "啊", "呀", "嘛", "啦", "哦", "了", "的", "么", "哈")


def ends_sentence(text: str) -> bool:
    """Whether a sentence ends with this text (a word, a line): its last mark is one SENTENCE_END matches."""
    return _ENDS_HERE.search(text.strip()) is not None

def punctuate(words: Sequence[Word], pause: float = PAUSE_SECONDS, following: str = "") -> tuple[Word, ...]:
    """The words of one Chinese segment with "，" after pauses (`pause` seconds or more) and spaces between
    Chinese words and "。" or "？" at its end, where the model put no punctuation. `following` is the text
    the same voice goes on with right after the segment (the next segment's start), if any."""
    out = list(words)
    edges = word_edges([w.text for w in out] + ([following] if following else []))
    for i in range(len(out) - 1):
        if _is_chinese_end(out[i]) and _is_chinese_start(out[i + 1]) and edges[i + 1] \
                and _clause_break(out[i], out[i + 1], pause) \
                and not last_clause("".join(w.text for w in out[:i + 1])).endswith(BINDS_FORWARD):
            out[i] = _with_text(out[i], out[i].text + COMMA)
            out[i + 1] = _with_text(out[i + 1], out[i + 1].text.lstrip())
    text = "".join(w.text for w in out)
    if out and _is_chinese_end(out[-1]) and edges[len(out)] and not runs_on(text) \
            and not following.strip().startswith(CLOSERS):
        out[-1] = _with_text(out[-1], out[-1].text + final_mark(text))
    return tuple(out)


def last_clause(text: str) -> str:
    """The last clause of `text`, its marks and spaces left out ("" when it has none)."""
    clauses = [c for c in _CLAUSE_BREAK.split(text) if c]
    return clauses[-1] if clauses else ""


def runs_on(text: str) -> bool:
    """Whether the last clause of `text` leaves the sentence open (最重要的就是, 因为, 把这个, 其实, 如果说, a
    clause that is only 今天): then no sentence end is put after it."""
    clause = last_clause(text)
    return (len(clause) >= RUN_ON_SHORTEST and clause.endswith(RUN_ON_ENDINGS)) or clause.endswith(NEVER_LAST) \
        or clause in OPENS_ALONE


def leaves_open(text: str) -> bool:
    """Whether a line's text stops where no sentence can end: no sentence end after its last word and its last
    clause runs on (runs_on: "……这是，", "今天，", "其实")."""
    return bool(text.strip()) and not ends_sentence(text) and runs_on(text)


def pause_before(before: Word, after: Word) -> float:
    """Seconds of silence between two words: the gap, plus the excess length of a confident next word."""
    gap = max(0.0, after.start - before.end)
    if after.probability < CONFIDENT:
        return gap
    spoken = SYLLABLE_SECONDS * max(1, len(_CJK_CHAR.findall(after.text)))
    return gap + max(0.0, (after.end - after.start) - spoken)


def final_mark(text: str) -> str:
    """"？" when the last clause of `text` is a question (is_question), else "。"."""
    clauses = [c for c in _CLAUSE_BREAK.split(text) if c]
    return QUESTION_MARK if clauses and is_question(clauses[-1]) else FULL_STOP


def is_question(clause: str) -> bool:
    """A clause asks a question when it ends in 吗, in the question 么 (是么, not 什么/这么), in 呢 after a
    question word or in a short clause (你呢), or in an A-not-A form (是不是, 有没有, 可不可以)."""
    if clause.endswith(_QUESTION_PARTICLES) or _A_NOT_A.search(clause):
        return True
    if clause.endswith("么"):
        return not clause.endswith(_MA_NOT_QUESTION)
    if clause.endswith("呢"):
        return len(clause) <= SHORT_CLAUSE or any(q in clause for q in _QUESTION_WORDS)
    return False


def _clause_break(before: Word, after: Word, pause: float) -> bool:
    return after.text[:1].isspace() or pause_before(before, after) >= pause


def _is_chinese_end(word: Word) -> bool:
    text = word.text.rstrip()
    return bool(text) and bool(_CJK_CHAR.fullmatch(text[-1]))


def _is_chinese_start(word: Word) -> bool:
    text = word.text.lstrip()
    return bool(text) and bool(_CJK_CHAR.fullmatch(text[0]))


def _with_text(word: Word, text: str) -> Word:
    if text == word.text:
        return word
    return replace(word, text=text, raw_text=word.raw_text or word.text)
