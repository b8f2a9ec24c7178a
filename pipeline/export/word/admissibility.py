"""Two sections of the counsel's working copy only: the admissibility checks (export/admissibility.py: what
counsel states, what the run compares) and what the court copy discloses (each particular, the integrity
points, the key-content categories: disclosed or not, and the setting that changes it)."""

from __future__ import annotations

from docx.document import Document as DocumentObject
from docx.shared import Cm

from pipeline.export.admissibility import FLAGGED, OPEN, Check, checks
from pipeline.export.content import ExhibitContent
from pipeline.export.word.blocks import heading, lead, table
from pipeline.export.word.method import point_text
from pipeline.export.word.recording import DISCLOSED_BY, recording_rows
from pipeline.export.wording import Wording
from pipeline.timefmt import date_text, parse_moment

CHECK_COLUMNS = (Cm(5.0), Cm(7.0), Cm(4.0))
DISCLOSURE_COLUMNS = (Cm(5.0), Cm(2.6), Cm(8.4))


def content_checks(content: ExhibitContent) -> list[Check]:
    return checks(content.settings.case, content.asset, content.labelled, content.facts, content.zone)


def open_and_flagged(content: ExhibitContent) -> tuple[int, int]:
    """How many admissibility points are open and how many to check (for the working copy's to-do)."""
    found = content_checks(content)
    return sum(c.status == OPEN for c in found), sum(c.status == FLAGGED for c in found)


def _day(text: str, wording: Wording) -> str:
    moment = parse_moment(text)
    return date_text(moment, wording["formats"]) if moment else text


def _row(check: Check, wording: Wording) -> list[str]:
    words = wording["admissibility"]
    values = dict(check.values)
    for key in ("file_date", "stated"):
        if values.get(key):
            values[key] = _day(values[key], wording)
    item = (words["identity"].format(speaker=values["speaker"]) if check.key == "identity"
            else words[values["kind"]] if check.key == "file_date" else words[check.key])
    seen = values["file_date"] if check.key == "file_date" else check.stated or words["not_stated"]
    if check.reason:
        seen = f"{seen}\n{words['reasons'][check.reason].format(**values)}"
    return [item, seen, words["outcomes"][check.status]]


def admissibility_section(doc: DocumentObject, content: ExhibitContent, wording: Wording) -> None:
    words = wording["admissibility"]
    heading(doc, words["heading"])
    lead(doc, words["intro"])
    table(doc, CHECK_COLUMNS, [words["item"], words["found"], words["outcome"]],
          [_row(c, wording) for c in content_checks(content)])


def disclosure_rows(content: ExhibitContent, wording: Wording) -> list[list[str]]:
    """Every particular the working copy shows, disclosed in the court copy or not (and the switch); the integrity
    points; the key-content categories kept to the working copy."""
    words, export = wording["disclosure"], content.settings.export
    court = {key for key, _ in recording_rows(content, wording, counsel=False)}
    rows = []
    for key, _ in recording_rows(content, wording, counsel=True):
        shown = key in court
        note = "" if shown else words["switch"].format(switch=DISCLOSED_BY[key])
        rows.append([wording["file"][key], words["shown" if shown else "withheld"], note])
    if content.integrity:
        if "integrity" in export.court_sections:
            rows += [[wording["integrity"]["checks"].get(p.check, p.check), words["shown"],
                      words["integrity_shown"].format(seen=point_text(p, wording["integrity"]["details"]))]
                     for p in content.integrity]
        else:
            rows.append([words["integrity_withheld"].format(count=len(content.integrity)), words["withheld"],
                         words["integrity_switch"]])
    for key in export.counsel_only_categories:
        count = sum(f.category == key for f in content.facts.items)
        if count:
            rows.append([words["category"].format(category=wording["categories"].get(key, key), count=count),
                         words["withheld"], words["category_switch"].format(key=key)])
    return rows


def disclosure_section(doc: DocumentObject, content: ExhibitContent, wording: Wording) -> None:
    words = wording["disclosure"]
    heading(doc, words["heading"])
    lead(doc, words["intro"])
    table(doc, DISCLOSURE_COLUMNS, [words["item"], words["court"], words["note"]], disclosure_rows(content, wording))
