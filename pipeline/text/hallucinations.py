"""Text Whisper invents rather than hears: known phrases (configs/hallucinations.toml) and repetition loops.
Used to flag a segment (and so the lines made of its words), never to delete it."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from pipeline.config import CONFIG_DIR
from pipeline.errors import ConfigError

PATH = CONFIG_DIR / "hallucinations.toml"
_TOKEN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]|[^\W_\u3400-\u9fff\uf900-\ufaff]+")  # a CJK character or a word


@dataclass(frozen=True)
class HallucinationRules:
    phrases: tuple[str, ...]       # normalised (lower case, no spaces or punctuation)
    min_repeats: int = 3
    max_unit: int = 12
    max_compression_ratio: float = 2.4


def normalise(text: str) -> str:
    return "".join(_TOKEN.findall(text.lower()))


@lru_cache(maxsize=None)
def load_rules(path: Path = PATH) -> HallucinationRules:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        return HallucinationRules(
            phrases=tuple(p for p in (normalise(x) for x in data.get("phrases", [])) if p),
            min_repeats=int(data.get("min_repeats", 3)), max_unit=int(data.get("max_unit", 12)),
            max_compression_ratio=float(data.get("max_compression_ratio", 2.4)))
    except (OSError, tomllib.TOMLDecodeError, TypeError, ValueError) as exc:
        raise ConfigError(f"cannot read the hallucination list {path}: {exc}") from exc


def known_phrase(text: str, rules: HallucinationRules) -> str:
    """The first known phrase the text contains (as normalised), "" when none."""
    flat = normalise(text)
    return next((p for p in rules.phrases if p in flat), "")


def _primitive(unit: list[str]) -> bool:
    """Not itself a repetition of a shorter unit (对对 is 对 twice)."""
    n = len(unit)
    return not any(n % k == 0 and unit == unit[:k] * (n // k) for k in range(1, n))


def repetition(text: str, rules: HallucinationRules) -> str:
    """A phrase of 2+ characters (or 2+ words) said min_repeats times in a row, "" when none."""
    tokens = _TOKEN.findall(text.lower())
    for size in range(2, rules.max_unit + 1):
        run = size * rules.min_repeats
        for i in range(0, len(tokens) - run + 1):
            unit = tokens[i:i + size]
            if tokens[i:i + run] == unit * rules.min_repeats and _primitive(unit):
                return ("" if len(unit[0]) == 1 else " ").join(unit)
    return ""


def looks_invented(text: str, compression_ratio: float, rules: HallucinationRules) -> bool:
    return (bool(known_phrase(text, rules)) or bool(repetition(text, rules))
            or compression_ratio > rules.max_compression_ratio)
