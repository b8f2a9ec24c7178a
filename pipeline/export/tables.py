"""The two tables a person opens in Excel: transcript.csv (one row per line: the review file the review stage
reads back) and key_facts.csv (one row per key fact). Written through the one CSV writer (UTF-8 with BOM)."""

from __future__ import annotations

from pathlib import Path

from pipeline.artifacts import Facts, Labelled
from pipeline.csvio import write_csv
from pipeline.export.wording import (
    computed_text,
    load_wording,
    marks,
    speaker_label,
    speaker_text,
    speakers_by_id,
)
from pipeline.stages.fact_review import fact_id
from pipeline.stages.review import COLUMNS as TRANSCRIPT_HEADER
from pipeline.timefmt import hms

KEY_FACTS_HEADER = ["fact_id", "time", "start", "speaker", "text", "category", "matched", "value", "rule_id",
                    "explanation", "note"]
FLAG_SEPARATOR = ";"


def _seconds(value: float) -> str:
    return f"{value:.3f}"


def write_transcript_csv(path: Path, labelled: Labelled, language: str) -> None:
    """One row per line: its id and time, the speaker (`speaker` as the exhibit, in `language`, shows it), the
    text as shown, its review status, flags, and the machine's text and speaker (what a person's edits are
    compared with)."""
    speakers = speakers_by_id(labelled)
    wording = load_wording(language)
    rows: list[list[object]] = []
    for index, u in enumerate(labelled.items, start=1):
        speaker = speakers.get(u.speaker)
        rows.append([index, u.id, _seconds(u.start), _seconds(u.end), hms(u.start), u.speaker,
                     speaker_label(speaker, wording) if speaker else u.speaker, speaker.role if speaker else "",
                     u.text, u.status, FLAG_SEPARATOR.join(u.flags), u.machine,
                     u.machine_speaker or u.speaker, ""])
    for c in labelled.conflicts:      # a person's review no line takes: its own row, kept until reviewed again
        speaker = speakers.get(c.speaker)
        rows.append(["", "", _seconds(c.start), _seconds(c.end), hms(c.start), c.speaker,
                     speaker_label(speaker, wording) if speaker else c.speaker, speaker.role if speaker else "",
                     c.text, c.status, "", c.machine_text, c.machine_speaker,
                     wording["conflicts"][c.reason]])
    write_csv(path, TRANSCRIPT_HEADER, rows)


def write_court_csv(path: Path, labelled: Labelled, language: str) -> None:
    """The court copy's lines as a table for the evidence package: line number, time, speaker as the court copy
    shows it, text and marks, headed in the document's language ([court_csv]); none of the review's working
    columns (status, the machine's text, conflicts)."""
    speakers = speakers_by_id(labelled)
    wording = load_wording(language)
    words = wording["court_csv"]
    rows = [[index, hms(u.start), hms(u.end), speaker_text(speakers.get(u.speaker), wording, fallback=u.speaker),
             u.text, " ".join(marks(u, wording))] for index, u in enumerate(labelled.items, start=1)]
    write_csv(path, [words[key] for key in ("line", "start", "end", "speaker", "text", "marks")], rows)


def write_key_facts_csv(path: Path, labelled: Labelled, facts: Facts, language: str) -> None:
    """`speaker` is the display text (张三（被告）); `text` the whole utterance, `matched` the marked words, `value`
    the normalised value (a date worked out from the recording date marked so: 2025-04-15（推算）).
    The user may delete rows and write in `note`: the next run reads both back (stages/fact_review.py)."""
    speakers = speakers_by_id(labelled)
    texts = {u.id: u.text for u in labelled.items}
    wording = load_wording(language)
    rows: list[list[object]] = [
        [fact_id(f), hms(f.start), _seconds(f.start), speaker_text(speakers.get(f.speaker), wording, fallback=f.speaker),
         texts.get(f.utterance_id, f.matched), f.category, f.matched,
         computed_text(f.value, wording) if f.computed else f.value, f.rule_id, f.explanation, f.note]
        for f in sorted(facts.items, key=lambda f: (f.start, f.span))
    ]
    write_csv(path, KEY_FACTS_HEADER, rows)
