"""Where the machine's words may be a term of the case's vocabulary misheard: a run of words that sounds like the
term without being it (搭魔院 for 达摩院, 冰海星区 for 滨海新区, Smyth for Smith).

Text is compared token by token: a Chinese character by its toneless pinyin (every reading of a character with
more than one), with the sounds a Mandarin speaker or the model commonly confuses taken as one (zh/z, ch/c,
sh/s, n/l at the start; -ng/-n at the end); a Latin word or number by its letters (difflib ratio ≥ LATIN_ALIKE).
A window of as many tokens as the term is a candidate when it is not already the term and enough of its tokens
sound alike (all of them for a term of one or two tokens, ALIKE_SHARE of them for a longer one), and, for a
Chinese term, one of them sounds the same, tone and all: 你是 (ni3 shi4) sounds alike to 李四 (li3 si4) only
through the confusions n/l and sh/s, and is asked in every other call, so it is not heard again. A candidate is
only a place to listen again (pipeline.stages.rehear): nothing here changes the words.
"""

from __future__ import annotations

import difflib
import math
import re
from dataclasses import dataclass
from functools import lru_cache

from pipeline.text.chinese import to_simplified

LATIN_ALIKE = 0.75      # two Latin words sound alike from this difflib ratio of their letters up
ALIKE_SHARE = 0.7       # a term of three tokens or more: this share of them alike (冰台新区 for 滨海新区: 3 of 4)
TOKEN = re.compile(r"[a-z0-9']+|[\u3400-\u9fff\uf900-\ufaff]")

INITIALS = (("zh", "z"), ("ch", "c"), ("sh", "s"), ("n", "l"))
FINALS = (("ing", "in"), ("eng", "en"), ("ang", "an"))


@dataclass(frozen=True)
class Token:
    text: str         # casefolded, Simplified
    word: int         # the index of the word it is in
    begin: int        # where it starts in that word's text, Simplified and casefolded
    end: int          # where it ends there


@dataclass(frozen=True)
class Candidate:
    term: str
    first: Token      # the window's first token …
    last: Token       # … and its last


def tokens_of(words: list[str]) -> list[Token]:
    """The tokens of a run of words (their texts as the model wrote them), each with where it is."""
    found = []
    for index, word in enumerate(words):
        folded = to_simplified(word).casefold()      # positions in the fold: see rehear._replaced
        found += [Token(m.group(), index, m.start(), m.end()) for m in TOKEN.finditer(folded)]
    return found


def term_tokens(term: str) -> tuple[str, ...]:
    return tuple(t.text for t in tokens_of([term]))


def _fuzzy(syllable: str) -> str:
    for long, short in INITIALS:
        if syllable.startswith(long):
            syllable = short + syllable[len(long):]
            break
    for long, short in FINALS:
        if syllable.endswith(long):
            return syllable[:-len(long)] + short
    return syllable


@lru_cache(maxsize=8192)
def _sounds(character: str) -> frozenset[str]:
    from pypinyin import Style, pinyin

    return frozenset(_fuzzy(s) for s in pinyin(character, style=Style.NORMAL, heteronym=True)[0])


def alike(a: str, b: str) -> bool:
    """Whether two tokens sound alike (a token is a Chinese character or a Latin word or number)."""
    if a == b:
        return True
    chinese_a, chinese_b = len(a) == 1 and not a.isascii(), len(b) == 1 and not b.isascii()
    if chinese_a and chinese_b:
        return bool(_sounds(a) & _sounds(b))
    if chinese_a or chinese_b:
        return False
    return difflib.SequenceMatcher(None, a, b).ratio() >= LATIN_ALIKE


@lru_cache(maxsize=8192)
def _toned(character: str) -> frozenset[str]:
    from pypinyin import Style, pinyin

    return frozenset(pinyin(character, style=Style.TONE3, heteronym=True)[0])


def same(a: str, b: str) -> bool:
    """Whether two tokens sound the same: the same token, or Chinese characters with a reading in common, tone
    and all (拖/脱 tuo1; 冰/滨 bing1/bin1 do not)."""
    return a == b or (len(a) == len(b) == 1 and not a.isascii() and not b.isascii() and bool(_toned(a) & _toned(b)))


def needed(size: int) -> int:
    """How many tokens of a window must sound alike for a term of `size` tokens."""
    return size if size <= 2 else math.ceil(ALIKE_SHARE * size)


def candidates(tokens: list[Token], terms: tuple[str, ...]) -> list[Candidate]:
    """The windows of the tokens that sound like a term without being it, left to right; where windows of
    several terms overlap, the longest term's first (a window is never taken twice)."""
    found: list[Candidate] = []
    taken: set[int] = set()
    for term in sorted(terms, key=lambda t: -len(term_tokens(t))):
        wanted = term_tokens(term)
        size = len(wanted)
        if not size:
            continue
        for start in range(len(tokens) - size + 1):
            window = tokens[start:start + size]
            said = tuple(t.text for t in window)
            if said == wanted or taken & set(range(start, start + size)):
                continue
            pairs = list(zip(said, wanted))
            one_same = all(b.isascii() for b in wanted) or any(same(a, b) for a, b in pairs)
            if one_same and sum(alike(a, b) for a, b in pairs) >= needed(size):
                found.append(Candidate(term, window[0], window[-1]))
                taken |= set(range(start, start + size))
    return sorted(found, key=lambda c: (c.first.word, c.first.begin))


def holds(tokens: list[Token], term: str) -> list[tuple[Token, Token]]:
    """Every place the tokens say the term exactly: (first, last) token."""
    wanted = term_tokens(term)
    size = len(wanted)
    return [(tokens[i], tokens[i + size - 1]) for i in range(len(tokens) - size + 1)
            if size and tuple(t.text for t in tokens[i:i + size]) == wanted]
