"""Chinese text helpers: Traditional → Simplified, CJK detection, joining words without stray spaces."""

from __future__ import annotations

import re
from functools import lru_cache

_CJK = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_CJK_PUNCT = r"\u3000-\u303f\uff00-\uffef"
_SPACE_BETWEEN_CJK = re.compile(rf"(?<=[{_CJK}{_CJK_PUNCT}])\s+(?=[{_CJK}{_CJK_PUNCT}])")
CJK_CHARACTER = rf"[{_CJK}]"        # one Chinese character (a regular-expression class)
_HAS_CJK = re.compile(CJK_CHARACTER)


@lru_cache(maxsize=1)
def _t2s():
    import opencc

    return opencc.OpenCC("t2s")


def to_simplified(text: str) -> str:
    return _t2s().convert(text) if _HAS_CJK.search(text) else text


def has_cjk(text: str) -> bool:
    return bool(_HAS_CJK.search(text))


_HALF_TO_FULL = {",": "，", "?": "？", "!": "！", ":": "：", ";": "；"}
_HALF_PUNCT_NEAR_CJK = re.compile(rf"(?<=[{_CJK}])\s*([,?!:;])|([,?!:;])\s*(?=[{_CJK}])")
_PERIOD_AFTER_CJK = re.compile(rf"(?<=[{_CJK}])\.(?![.\d])")  # not "3.5", not an ellipsis "..."


def chinese_punctuation(text: str) -> str:
    """ASCII , ? ! : ; next to Chinese characters become their full-width forms (，？！：；), and a full stop
    right after a Chinese character becomes "。"."""
    text = _HALF_PUNCT_NEAR_CJK.sub(lambda m: _HALF_TO_FULL[m.group(1) or m.group(2)], text)
    return _PERIOD_AFTER_CJK.sub("。", text)


def join_words(words: list[str]) -> str:
    """Join recogniser words: English words carry their own leading space; no space between Chinese."""
    return _SPACE_BETWEEN_CJK.sub("", "".join(words)).strip()
