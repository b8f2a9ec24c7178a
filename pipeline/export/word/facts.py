"""The key-content index: one row per transcript line with key content — its time, its line number (as in the
transcript), the speaker, the line with every matched stretch in Strong, its categories in plain words and the
normalised values as a court writes them (人民币 50,000 元, 2025年3月5日 15:30; a date worked out from the recording
date marked 2025年4月15日（推算）).

The court copy shows only that. The counsel's working copy adds, in the same rows, which rule marked what and
why, and the user's notes from key_facts.csv."""

from __future__ import annotations

from dataclasses import dataclass

from docx.document import Document as DocumentObject
from docx.shared import Cm
from docx.table import _Cell

from pipeline.artifacts import Fact, Utterance
from pipeline.export.content import ExhibitContent
from pipeline.export.wording import Wording, speaker_text, speakers_by_id, value_text
from pipeline.export.word import styles as S
from pipeline.export.word.blocks import cell_line, cell_text, heading, lead, paragraph, run, styled_runs, table
from pipeline.text.rules import CATEGORIES
from pipeline.timefmt import hms

INDEX_COLUMNS = (Cm(1.9), Cm(1.3), Cm(2.8), Cm(5.6), Cm(2.0), Cm(2.4))
SHOWN_VALUES = ("amount", "date")   # categories whose value says more than the words; others only when it differs


@dataclass(frozen=True)
class IndexRow:
    line: int                      # the line's number in the transcript (from 1)
    utterance: Utterance | None
    facts: tuple[Fact, ...]        # in the order they appear in the line


def index_rows(content: ExhibitContent, facts: tuple[Fact, ...]) -> list[IndexRow]:
    """The facts grouped by the line they were said in, lines in transcript order."""
    numbers = {u.id: n for n, u in enumerate(content.labelled.items, start=1)}
    lines = {u.id: u for u in content.labelled.items}
    grouped: dict[str, list[Fact]] = {}
    for fact in sorted(facts, key=lambda f: (f.start, numbers.get(f.utterance_id, 0), f.span)):
        grouped.setdefault(fact.utterance_id, []).append(fact)
    return [IndexRow(numbers.get(uid, 0), lines.get(uid), tuple(found)) for uid, found in grouped.items()]


def _spans(text: str, facts: tuple[Fact, ...]) -> list[tuple[int, int]]:
    """The matched stretches that are where the facts say in the text, overlapping ones joined."""
    spans = sorted(f.span for f in facts if f.matched and text[f.span[0]:f.span[1]] == f.matched)
    joined: list[tuple[int, int]] = []
    for start, end in spans:
        if joined and start <= joined[-1][1]:
            joined[-1] = (joined[-1][0], max(end, joined[-1][1]))
        else:
            joined.append((start, end))
    return joined


def _quote(cell: _Cell, row: IndexRow, wording: Wording, counsel: bool) -> None:
    """The whole line with the matched words in Strong (the matched words alone when the line's text no longer
    holds them); for counsel, the user's notes under it."""
    text = row.utterance.text if row.utterance else ""
    spans = _spans(text, row.facts)
    first = cell_text(cell, "")
    if spans:
        for piece, style in styled_runs(text, ((S.STRONG, spans),)):
            run(first, piece, style)
    else:
        first.add_run(text or "；".join(f.matched for f in row.facts))
    if counsel:
        for note in dict.fromkeys(f.note for f in row.facts if f.note):
            cell_line(cell, wording["facts"]["note"].format(note=note))


def categories_text(facts: tuple[Fact, ...], wording: Wording) -> str:
    found = {f.category for f in facts}
    ordered = [c for c in CATEGORIES if c in found] + sorted(found - set(CATEGORIES))
    return wording["facts"]["separator"].join(wording["categories"].get(c, c) for c in ordered)


def values_text(facts: tuple[Fact, ...], wording: Wording) -> str:
    """The values that say more than the matched words (amounts, dates, the name an answer confirms), each once."""
    shown = [value_text(f.category, f.value, wording, f.computed) for f in facts
             if f.value and (f.category in SHOWN_VALUES or f.value != f.matched)]
    return "\n".join(dict.fromkeys(shown)) or wording["blank"]


def _category_cell(cell: _Cell, row: IndexRow, wording: Wording, counsel: bool) -> None:
    cell_text(cell, categories_text(row.facts, wording))
    if counsel:
        for fact in row.facts:
            cell_line(cell, wording["facts"]["rule"].format(
                category=wording["categories"].get(fact.category, fact.category), explanation=fact.explanation,
                rule=fact.rule_id))


def index_table(doc: DocumentObject, content: ExhibitContent, wording: Wording, facts: tuple[Fact, ...],
                counsel: bool) -> None:
    """The index of these facts, one row per line (rules and notes in it for counsel)."""
    columns = wording["facts"]
    header = [columns[k] for k in ("time", "line", "speaker", "quote", "category", "value")]
    rows = index_rows(content, facts)
    speakers = speakers_by_id(content.labelled)
    grid = table(doc, INDEX_COLUMNS, header, [
        [hms(r.facts[0].start), str(r.line) if r.line else wording["blank"],
         speaker_text(speakers.get(r.facts[0].speaker), wording, fallback=r.facts[0].speaker), "", "",
         values_text(r.facts, wording)] for r in rows])
    for cells, row in zip((r.cells for r in grid.rows[1:]), rows):
        _quote(cells[3], row, wording, counsel)
        _category_cell(cells[4], row, wording, counsel)


def facts_section(doc: DocumentObject, content: ExhibitContent, wording: Wording, counsel: bool = False) -> None:
    """The key-content index (the counsel's working copy: with each rule and the user's notes)."""
    heading(doc, wording["headings"]["counsel_facts" if counsel else "facts"])
    if not content.facts.items:
        paragraph(doc, wording["no_facts"])
        return
    lead(doc, wording["facts"]["intro"])
    index_table(doc, content, wording, content.facts.items, counsel)
