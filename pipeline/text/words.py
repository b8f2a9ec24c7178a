"""Chinese word edges: where a run of recogniser words may be cut (between lines, between speakers, by a mark)
without splitting a Chinese word.

Whisper writes Mandarin mostly one character per word, so its word boundaries say nothing about words:
"测试音" | "频". The edges come from jieba's dictionary (jieba 0.42, its shipped dictionary, no HMM guessing of
unknown words: only a dictionary word is kept whole, so two people's characters are never glued into an
invented word). jieba reads nothing from the network; its log is silenced, and the cache of its prefix
dictionary goes to a folder of this user's own under the temporary folder (never a file another user of the
machine could have left in the shared temporary folder: jieba loads it with marshal).
"""

from __future__ import annotations

import logging
import os
import tempfile
import warnings
from collections.abc import Sequence
from functools import lru_cache


def _cache_dir() -> str:
    """A folder only this user can write to: <tmp>/exhibit-jieba-<uid>, or a new private one if that name is
    taken by someone else or open to others."""
    path = os.path.join(tempfile.gettempdir(), f"exhibit-jieba-{os.getuid()}")
    try:
        os.mkdir(path, 0o700)
    except FileExistsError:
        pass
    except OSError:
        return tempfile.mkdtemp(prefix="exhibit-jieba-")
    info = os.lstat(path)
    if not os.path.isdir(path) or os.path.islink(path) or info.st_uid != os.getuid() or info.st_mode & 0o022:
        return tempfile.mkdtemp(prefix="exhibit-jieba-")
    return path


@lru_cache(maxsize=1)
def _tokenizer():
    with warnings.catch_warnings():   # jieba 0.42 imports pkg_resources, which some setuptools warn about
        warnings.simplefilter("ignore")
        import jieba

    jieba.setLogLevel(logging.WARNING)
    tokenizer = jieba.Tokenizer()
    tokenizer.tmp_dir = _cache_dir()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        tokenizer.initialize()
    return tokenizer


def segment(text: str) -> list[str]:
    """`text` cut into words (jieba's dictionary; punctuation and spaces are words of their own)."""
    return [word for word, _, _ in _tokenizer().tokenize(text, HMM=False)]


def word_edges(pieces: Sequence[str]) -> list[bool]:
    """For the recogniser's words `pieces` (their texts, in order): edges[i] tells whether a cut before
    pieces[i] falls between two words of the language (edges[0] and edges[len(pieces)] are always True).
    A cut inside "音频" (pieces "音", "频") is not an edge; a cut next to a space or a mark always is."""
    offsets, at = [], 0
    for piece in pieces:
        offsets.append(at)
        at += len(piece)
    bounds = {0, at}
    text = "".join(pieces)
    if text:
        bounds |= {end for _, _, end in _tokenizer().tokenize(text, HMM=False)}
    return [o in bounds for o in offsets] + [True]
