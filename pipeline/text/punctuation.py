"""Chinese punctuation where the model gave none: a rule-based fallback on the words of one segment, and a
closing mark for a whole line that has none (close_line, used by the merge stage).

Whisper base mostly writes Mandarin with no punctuation at all, sometimes with a space between clauses.
Prompting it for punctuation made it invent text, so the exhibit gets its marks from these rules instead:

- "，" after a Chinese word followed by a pause, or by a space the model put between two Chinese words.
  A pause is the silence between the two words plus the silence hidden at the start of the next word: the
  aligner hands a pause to the word after it (on ../shared/eval, "我在" runs 2.08–3.98 s of which 1.4 s is
  silence, while the gaps between words never exceed 0.26 s), so a confident word longer than a spoken
  syllable per character counts its excess as pause. A long word the model is unsure of more often hides
  speech it missed (csharp example 3: "一定" lasts 2.98 s at p 0.42 over continuous speech), so it does not.
- "。" at the end of a segment of Chinese that does not already end in punctuation — also when its last word
  is a number, a per cent sign or an English word (超50%, 我用的是iPhone) — or "？" when its last clause
  ends in a question particle (see is_question) — but no mark at all where the words leave the sentence open
  (就是, 因为, 但是, 把, 的话 …, see runs_on): a segment ends where the voice detector cut the speech or the
  model paused, and the sentence often runs on into the next one (我认为跑步最重要的就是 | 给我带来了身体健康).
  A wrong "？" would change what a quoted party said, so a question mark is only put where the ending makes it
  a question; anything else gets "。" (吧, 嘛, 啊 and a question word inside a clause — 我不知道他说了什么 — do
  not make a question).
- No mark where a sentence cannot end or a word would be cut (mark_edges): nothing at a pause inside a word
  (jieba's dictionary, pipeline.text.words: "测试音 | 频" is one word, also across the end of a segment when
  the next segment's text is given), nor between two lone characters of jieba's cut that are not words on
  their own (脱 | 欧: 脱欧 is missing from the dictionary), nor between a number and what it counts (50 | %,
  2.5 | 万, 一百二十五 | 个), nor before a particle that ends a sentence (借 | 了); no "，" after a word that
  binds to the next one (这是, 这个, 把 …, see BINDS_FORWARD) nor after a negation inside its clause (我没有 |
  借钱 — a mark would read as an admission; 没有，我没借 keeps its comma), no "。" after a word that opens a
  sentence and never ends one (如果说, 其实, 然后, 这是 …, see NEVER_LAST; 今天, 现在 … when they are the whole
  clause, see OPENS_ALONE), nor before a next segment that opens with a particle ending this sentence (呢, 吗,
  了 …, see CLOSERS).
- A whole line with no mark at all that does not stop where its sentence is left open gets one at its end
  (close_line): "。"/"？" as above when it holds Chinese, "." — or "?" when it opens as an English question
  does (Do you …, Where did …) — when it is English.

Within a segment a mark is added only where the words on both sides are Chinese; English segments carry their
own punctuation. Words keep their timings; Word.raw_text keeps the model's own text whenever the shown text
differs.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace

from pipeline.artifacts import Word
from pipeline.text.chinese import CJK_CHARACTER
from pipeline.text.words import segment, word_edges

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
# negations bind to what they negate: a pause after one inside a clause (我没有 | 借钱) is a hesitation, and a
# mark there would turn a denial into an admission ("我没有，借钱"); alone they may be the whole answer (没有，…)
NEGATIONS = ("不", "没", "没有", "不是", "别", "不要", "未", "不会", "不能", "不用")
# one-character words that stand on their own: a mark may go next to them even where jieba's other neighbour is
# one character too (我 | 借). Two one-character pieces with neither of these are most often a word jieba's
# dictionary lacks (脱 | 欧, 达 | 摩院 misheard as 搭 | 魔院): no mark between them
STANDS_ALONE = frozenset("我你他她它您咱谁这那是有在和跟与对好嗯哦啊呢吗吧了的呀嘛啦哈喂诶哎唉噢行嗯")
NUMERAL = re.compile(r"[0-9０-９零〇一二两三四五六七八九十百千万亿几半.．]$")
# what follows a number and belongs to it: a unit, a measure word, a per cent sign, more of the number
COUNTED = re.compile(r"^[0-9０-９.．%％‰万亿千百十个只条件张本位名次元块角毛分秒岁年月日号天点斤米倍台辆家间套份"
                     r"层楼周期户口头]")
# particles that end a sentence and never open one (a line or a segment starting with one has lost its sentence)
CLOSERS = ("呢", "吗", "吧", "啊", "呀", "嘛", "啦", "哦", "了", "的", "么", "哈")


# any mark a line may already have: then close_line leaves it as it is
_ANY_MARK = re.compile(r"[，。？！：；、,?!:;…]|\.(?!\d)")
# an English line that opens with a verb before its subject (Do you, Is it), or a question word before one
EN_QUESTION = re.compile(r"(?i)^\s*(?:(?:who|what|when|where|why|which|how)\s+)?(?:do|does|did|is|are|was|were|"
                         r"can|could|will|would|should|shall|may|have|has|had|am|isn't|aren't|don't|doesn't|"
                         r"didn't|won't|can't)\s+(?:i|you|he|she|it|we|they|there|this|that|your|my)\b")
# English words a sentence does not end on: the voice broke off
EN_RUN_ON = frozenset("and or but because so the a an to of in on at for with that if my your his her their our "
                      "is are was were be".split())


def ends_sentence(text: str) -> bool:
    """Whether a sentence ends with this text (a word, a line): its last mark is one SENTENCE_END matches."""
    return _ENDS_HERE.search(text.strip()) is not None

def punctuate(words: Sequence[Word], pause: float = PAUSE_SECONDS, following: str = "") -> tuple[Word, ...]:
    """The words of one Chinese segment with "，" after pauses (`pause` seconds or more) and spaces between
    Chinese words and "。" or "？" at its end, where the model put no punctuation. `following` is the text
    the same voice goes on with right after the segment (the next segment's start), if any."""
    out = list(words)
    edges = mark_edges([w.text for w in out] + ([following] if following else []))
    for i in range(len(out) - 1):
        said = "".join(w.text for w in out[:i + 1])
        if _is_chinese_end(out[i]) and _is_chinese_start(out[i + 1]) and edges[i + 1] \
                and _clause_break(out[i], out[i + 1], pause) and not last_clause(said).endswith(BINDS_FORWARD) \
                and not _negation_inside(said):
            out[i] = _with_text(out[i], out[i].text + COMMA)
            out[i + 1] = _with_text(out[i + 1], out[i + 1].text.lstrip())
    text = "".join(w.text for w in out)
    if out and _ends_chinese_sentence(out[-1], text) and edges[len(out)] and not runs_on(text) \
            and not following.strip().startswith(CLOSERS):
        out[-1] = _with_text(out[-1], out[-1].text.rstrip() + final_mark(text))
    return tuple(out)


def close_line(words: Sequence[Word], following: str = "") -> tuple[Word, ...]:
    """A line's words with a sentence end after its last word when the line has no mark at all and does not
    stop where its sentence is left open (the voice broke off: runs_on, or an English line ending in and, the,
    to …; nothing is added then). A line holding Chinese gets final_mark's "。"/"？"; an English line "?" when
    it opens the way an English question does (EN_QUESTION: Do you…, Is it…, Where did…), else ".". A line
    with a mark anywhere keeps what the model and the segment rules gave it (its last clause may run on into
    the next line). `following` is the text of the next line, if any: no mark where the two lines' words join
    into one (mark_edges: a line cut inside 什么 at a long pause)."""
    out = list(words)
    text = "".join(w.text for w in out).strip()
    if not text or _ANY_MARK.search(text) or not (text[-1].isalnum() or text[-1] in "%％‰") \
            or following.strip().startswith(CLOSERS) \
            or following and not mark_edges([w.text for w in out] + [following])[len(out)]:
        return tuple(out)
    if _CJK_CHAR.search(text):
        if runs_on(text):
            return tuple(out)
        mark = final_mark(text)
    else:
        if text.lower().split()[-1] in EN_RUN_ON:
            return tuple(out)
        mark = "?" if EN_QUESTION.match(text) else "."
    out[-1] = _with_text(out[-1], out[-1].text.rstrip() + mark)
    return tuple(out)


def mark_edges(pieces: Sequence[str]) -> list[bool]:
    """For the recogniser's words `pieces`: marks[i] tells whether a mark may go before pieces[i] (the first
    and past the last: always). Only at a word edge of jieba's dictionary (words.word_edges), and not where
    that edge is likely inside a word all the same: between two one-character pieces of jieba's cut neither of
    which stands alone (STANDS_ALONE: 脱 | 欧 is the word 脱欧, missing from the dictionary), between a number
    and what it counts (50 | %, 2.5 | 万, 一百二十五 | 个), or before a particle that ends a sentence (借 | 了)."""
    edges = word_edges(pieces)
    text = "".join(pieces)
    tokens, starts, at = segment(text) if text else [], {}, 0
    for token in tokens:
        starts[at] = token
        at += len(token)
    ends = {}
    at = 0
    for token in tokens:
        at += len(token)
        ends[at] = token
    offset = 0
    for i, piece in enumerate(pieces):
        if 0 < offset < len(text) and edges[i]:
            edges[i] = _may_mark(ends.get(offset, ""), starts.get(offset, ""))
        offset += len(piece)
    return edges


def _may_mark(before: str, after: str) -> bool:
    """Whether a mark may go between jieba's words `before` and `after` (see mark_edges)."""
    if not before.strip() or not after.strip() or not _CJK_CHAR.fullmatch(before[-1]) and not before[-1].isalnum():
        return True                                 # next to a space or a mark: always a place to stop
    if len(before) == 1 and len(after) == 1 and _CJK_CHAR.fullmatch(before) and _CJK_CHAR.fullmatch(after) \
            and before not in STANDS_ALONE and after not in STANDS_ALONE:
        return False
    if NUMERAL.search(before) and COUNTED.match(after):
        return False
    return after not in CLOSERS


def _negation_inside(text: str) -> bool:
    """Whether `text` ends in a negation that does not open its sentence (我没有 | 借钱, but 没有 | 我没借)."""
    sentence = re.split(SENTENCE_END, text)[-1]
    flat = "".join(c for c in sentence if c.isalnum())
    return flat.endswith(NEGATIONS) and flat not in NEGATIONS


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


def _ends_chinese_sentence(last: Word, text: str) -> bool:
    """Whether a segment whose text is `text` and whose last word is `last` is Chinese that may take a final
    mark: it holds Chinese and its last word ends in a Chinese character, a digit, a per cent sign or a Latin
    letter (超50%, 我用的是iPhone), not in a mark."""
    end = last.text.rstrip()[-1:]
    return bool(end) and bool(_CJK_CHAR.search(text)) and (bool(_CJK_CHAR.fullmatch(end)) or end.isalnum()
                                                           or end in "%％‰")


def _is_chinese_start(word: Word) -> bool:
    text = word.text.lstrip()
    return bool(text) and bool(_CJK_CHAR.fullmatch(text[0]))


def _with_text(word: Word, text: str) -> Word:
    if text == word.text:
        return word
    return replace(word, text=text, raw_text=word.raw_text or word.text)
