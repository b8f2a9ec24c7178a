"""The key-content index: the evidence checklist (each element with the times it was heard, or "not found"),
then one row per fact: time, speaker, the quote with the matched words in Strong, category with the rule's
explanation, the normalised value, and the user's note from key_facts.csv."""

from __future__ import annotations

from docx.document import Document as DocumentObject
from docx.shared import Cm
from docx.table import _Cell

from pipeline.artifacts import Fact, Utterance
from pipeline.export.checklist import checklist
from pipeline.export.content import ExhibitContent
from pipeline.export.wording import Wording, speaker_text, speakers_by_id
from pipeline.export.word import styles as S
from pipeline.export.word.blocks import cell_line, cell_text, heading, paragraph, table
from pipeline.timefmt import hms

FACTS_COLUMNS = (Cm(2.2), Cm(2.9), Cm(5.5), Cm(2.6), Cm(2.8))
CHECKLIST_COLUMNS = (Cm(10.0), Cm(6.0))
CHECKLIST_TIMES = 5               # times listed per checklist item before "and N more"


def _times_text(times: tuple[float, ...], words: Wording, separator: str) -> str:
    if not times:
        return words["not_found"]
    shown = separator.join(hms(t) for t in times[:CHECKLIST_TIMES])
    rest = len(times) - CHECKLIST_TIMES
    return f"{shown} {words['more'].format(count=len(times))}" if rest > 0 else shown


def _checklist(doc: DocumentObject, content: ExhibitContent, wording: Wording) -> None:
    """What the recording proves at a glance: each element with the times it was heard, or "not found"."""
    words = wording["checklist"]
    speakers = speakers_by_id(content.labelled)
    separator = "、" if wording["language"] == "zh" else ", "
    rows = []
    for item in checklist(content.labelled, content.facts):
        if item.key == "identity":
            label = (words["identity"].format(speaker=speaker_text(speakers[item.subject], wording))
                     if item.subject else words["identity_all"])
        else:
            label = words[item.key]
        rows.append([label, _times_text(item.times, words, separator)])
    paragraph(doc, words["heading"], S.SUBHEADING)
    table(doc, CHECKLIST_COLUMNS, [words["item"], words["heard"]], rows)
    paragraph(doc)   # two tables in a row would join into one


def _quote(cell: _Cell, utterance: Utterance | None, fact: Fact, wording: Wording) -> None:
    """The whole utterance, the words the rule matched in Strong (or only those words if the text differs);
    the user's note from key_facts.csv below it."""
    text = utterance.text if utterance else ""
    start, end = fact.span
    if text[start:end] != fact.matched or not fact.matched:
        cell_text(cell, text or fact.matched)
    else:
        first = cell_text(cell, "")
        for part, style in ((text[:start], None), (text[start:end], S.STRONG), (text[end:], None)):
            if part:
                first.add_run(part, style=style)
    if fact.note:
        cell_line(cell, wording["facts"]["note"].format(note=fact.note))


def _category_cell(cell: _Cell, fact: Fact, wording: Wording) -> None:
    cell_text(cell, wording["categories"].get(fact.category, fact.category))
    if fact.explanation:
        cell_line(cell, fact.explanation)
    cell_line(cell, wording["facts"]["rule"].format(rule=fact.rule_id))


def facts_section(doc: DocumentObject, content: ExhibitContent, wording: Wording) -> None:
    heading(doc, wording["headings"]["facts"])
    _checklist(doc, content, wording)
    facts, labelled = content.facts, content.labelled
    if not facts.items:
        paragraph(doc, wording["no_facts"])
        return
    columns = wording["facts"]
    header = [columns[k] for k in ("time", "speaker", "quote", "category", "value")]
    ordered = sorted(facts.items, key=lambda f: (f.start, f.span))
    speakers, utterances = speakers_by_id(labelled), {u.id: u for u in labelled.items}
    grid = table(doc, FACTS_COLUMNS, header,
                 [[hms(f.start), speaker_text(speakers.get(f.speaker), wording, fallback=f.speaker), "", "",
                   f.value or wording["blank"]] for f in ordered])
    for row, fact in zip(grid.rows[1:], ordered):
        _quote(row.cells[2], utterances.get(fact.utterance_id), fact, wording)
        _category_cell(row.cells[3], fact, wording)
