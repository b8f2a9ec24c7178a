"""The key-fact engine over a table of utterances: `exhibit facts UTTERANCES.csv --out FACTS.csv` and
tools/eval_facts.py both go through facts_for_csv, so what is measured is what the command does.

UTTERANCES.csv: columns id and text, optionally lang (zh/en; else read from the text) and speaker; other
columns are ignored. Lines are read in order, as the facts stage reads a transcript (rules.answered): a line
whose speaker differs from that of the last line with text before it (both given) may answer it ("张三吗？" —
"嗯，是我"). FACTS.csv: id, categories (joined by ';'), amounts (plain numbers joined by '|'), dates (normalised
values joined by '|'; one worked out from the recording date, --recorded-on, followed by " (computed)") — the
format of ../shared/eval/keyfacts_dev.csv.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

from pipeline.csvio import read_users_csv, write_csv
from pipeline.errors import ConfigError, Joined, Phrase, PipelineError
from pipeline.text.rules import CATEGORIES, Match, RuleSet, answered, match_text, utterance_language

REQUIRED_COLUMNS = ("id", "text")
FACTS_HEADER = ["id", "categories", "amounts", "dates"]
CATEGORY_SEPARATOR = ";"
VALUE_SEPARATOR = "|"
COMPUTED_MARK = " (computed)"   # after a date worked out from the recording date (下个月十五号), not said


@dataclass(frozen=True)
class Line:
    id: str
    text: str
    lang: str = ""
    speaker: str = ""


@dataclass(frozen=True)
class LineFacts:
    id: str
    matches: tuple[Match, ...]

    @property
    def categories(self) -> list[str]:
        """Categories found, in the engine's fixed order."""
        found = {m.category for m in self.matches}
        return [c for c in CATEGORIES if c in found]

    @property
    def amounts(self) -> list[str]:
        """Plain numbers ('50000'), without currency or the '+' of 两万多."""
        return [m.value.split()[0].rstrip("+") for m in self.matches if m.category == "amount" and m.value]

    @property
    def dates(self) -> list[str]:
        """Normalised dates; one worked out from the recording date marked so ('2025-04-15 (computed)')."""
        return [m.value + (COMPUTED_MARK if m.computed else "") for m in self.matches
                if m.category == "date" and m.value]

    def row(self) -> list[str]:
        return [self.id, CATEGORY_SEPARATOR.join(self.categories), VALUE_SEPARATOR.join(self.amounts),
                VALUE_SEPARATOR.join(self.dates)]


def read_lines(path: Path) -> list[Line]:
    """The utterances of a CSV; PipelineError (one line) when the file or a required column is missing."""
    if not path.is_file():
        raise PipelineError.keyed("no_such_file", path=path)
    header, rows = read_users_csv(path, PipelineError, Phrase("facts_csv_advice"))
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    if missing:
        raise PipelineError.keyed("facts_csv_columns", path=path, missing=Joined(tuple(missing)),
                                  found=Joined(tuple(header)))
    return [Line(r["id"], r["text"], (r.get("lang") or "").strip().lower(), r.get("speaker") or "") for r in rows]


def facts_of_lines(lines: list[Line], rules: RuleSet, reference: date | None = None) -> list[LineFacts]:
    """The engine on each line: the line's lang when given, else the language its text is written in; as
    `previous`, what the line may answer (rules.answered)."""
    out = []
    for line, asked in zip(lines, answered([(line.speaker, line.text) for line in lines])):
        lang = line.lang or utterance_language(line.text, "zh")
        if lang not in ("zh", "en"):
            raise ConfigError(f"line {line.id}: lang must be zh or en, not {line.lang!r}")
        out.append(LineFacts(line.id, tuple(match_text(line.text, lang, rules, (), reference, asked))))
    return out


def facts_for_csv(path: Path, rules: RuleSet, reference: date | None = None) -> list[LineFacts]:
    """What `exhibit facts` computes for UTTERANCES.csv."""
    return facts_of_lines(read_lines(path), rules, reference)


def write_facts_csv(path: Path, found: list[LineFacts]) -> None:
    write_csv(path, FACTS_HEADER, [f.row() for f in found])
