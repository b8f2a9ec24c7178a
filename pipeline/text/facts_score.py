"""Scoring the key-fact engine against a labelled table (keyfacts_dev.csv, tests/data/keyfacts_cases.csv):
precision, recall and F1 per category, and the share of expected amounts found with exactly the right value."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from pipeline.text.facts_table import CATEGORY_SEPARATOR, VALUE_SEPARATOR, LineFacts
from pipeline.text.rules import CATEGORIES


@dataclass
class Counts:
    tp: int = 0
    fp: int = 0
    fn: int = 0

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    @property
    def f1(self) -> float:
        return 2 * self.tp / (2 * self.tp + self.fp + self.fn) if self.tp + self.fp + self.fn else 1.0


@dataclass
class Score:
    categories: dict[str, Counts] = field(default_factory=lambda: {c: Counts() for c in CATEGORIES})
    amounts_expected: int = 0
    amounts_right: int = 0
    amounts_extra: int = 0          # values found that the table does not list
    wrong_lines: list[str] = field(default_factory=list)   # ids whose categories or amounts differ

    @property
    def amount_share(self) -> float:
        return self.amounts_right / self.amounts_expected if self.amounts_expected else 1.0


def split(value: str, separator: str) -> list[str]:
    return [v.strip() for v in value.split(separator) if v.strip()]


def score(expected: list[dict[str, str]], found: list[LineFacts]) -> Score:
    """expected: rows with id, categories, amounts (as in keyfacts_dev.csv); found: the engine's, same ids."""
    by_id = {f.id: f for f in found}
    result = Score()
    for row in expected:
        got = by_id[row["id"]]
        want_cats, got_cats = set(split(row["categories"], CATEGORY_SEPARATOR)), set(got.categories)
        for c, counts in result.categories.items():
            counts.tp += c in want_cats and c in got_cats
            counts.fp += c in got_cats and c not in want_cats
            counts.fn += c in want_cats and c not in got_cats
        want_amounts, got_amounts = Counter(split(row["amounts"], VALUE_SEPARATOR)), Counter(got.amounts)
        right = sum((want_amounts & got_amounts).values())
        result.amounts_expected += sum(want_amounts.values())
        result.amounts_right += right
        result.amounts_extra += sum(got_amounts.values()) - right
        if want_cats != got_cats or want_amounts != got_amounts:
            result.wrong_lines.append(row["id"])
    return result


def table(name: str, s: Score, lines: int) -> str:
    """The printed table: one row per category, then the amounts."""
    out = [f"{name} ({lines} lines)", f"{'category':<10} {'P':>6} {'R':>6} {'F1':>6}   tp  fp  fn"]
    for c, k in s.categories.items():
        out.append(f"{c:<10} {k.precision:6.2f} {k.recall:6.2f} {k.f1:6.2f}  {k.tp:3d} {k.fp:3d} {k.fn:3d}")
    out.append(f"amounts exactly right: {s.amounts_right}/{s.amounts_expected} = {s.amount_share:.0%}"
               f" (extra values found: {s.amounts_extra})")
    if s.wrong_lines:
        out.append(f"lines that differ: {', '.join(s.wrong_lines)}")
    return "\n".join(out)
