"""Review: transcript.csv as a person's review of the transcript, applied without running any model.

The export writes transcript.csv on every run: one row per line with its id, time, speaker, text, `status` and
the machine's text. A person (in Excel, or in the review page of `exhibit review`) may change a line's `text`
and `speaker_id` and set its `status`: `reviewed` when they listened and agree, `corrected` when they changed
it (set by itself when the text or the speaker differs from the machine's). This stage reads the file back
and gives every later stage (key facts, coverage, the documents) the reviewed lines. The machine's text is
never lost: each line keeps it (Utterance.machine_text), and a corrected line is flagged `corrected`.

A row is found again by the line its time overlaps most (its own line id first among equals; a later run with
another model may cut the lines differently). So a new machine run never
overwrites a person's text; a reviewed or corrected line whose machine text has changed since keeps the
person's text and records the text they reviewed (Utterance.reviewed_against).

Anything wrong in the file (a line id or speaker that does not exist, a status that is not one, two reviewed
rows on one line, every line emptied) stops the run in one line naming the row; the outputs of the last run
stay as they were.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from pathlib import Path

from pipeline.artifacts import Flag, Labelled, Status, Utterance
from pipeline.csvio import read_users_csv
from pipeline.errors import TranscriptCsvError
from pipeline.stages.label import with_lines
from pipeline.timefmt import hms

log = logging.getLogger(__name__)

VERSION = 1
# the columns of transcript.csv, as the export writes them; id, speaker_id, text, status and the machine's text
# and speaker (what the person saw) are read back, start and end only to find a line again
COLUMNS = ["index", "id", "start", "end", "start_hms", "speaker_id", "speaker", "role", "text", "status", "flags",
           "machine_text", "machine_speaker_id"]
STATUS_WORDS = {"machine": Status.MACHINE, "reviewed": Status.REVIEWED, "corrected": Status.CORRECTED,
                "": Status.MACHINE, "机器": Status.MACHINE, "已核对": Status.REVIEWED, "已校正": Status.CORRECTED}
MACHINE_ONLY = (Flag.INAUDIBLE, Flag.HALLUCINATION)   # the machine's marks that a person's text replaces


@dataclass(frozen=True)
class Row:
    number: int                 # its row in the file (the header is row 1)
    id: str
    start: float | None
    end: float | None
    speaker_id: str
    text: str
    status: Status
    machine_text: str | None    # the machine text the person saw; None when the file has no such column
    machine_speaker: str | None  # the machine's speaker id the person saw; None when the file has no such column

    @property
    def touched(self) -> bool:
        """Whether a person did anything to the row."""
        return (self.status != Status.MACHINE or (self.machine_text is not None and self.text != self.machine_text)
                or (self.machine_speaker is not None and self.speaker_id not in ("", self.machine_speaker)))


def _number(value: str | None) -> float | None:
    try:
        return float(value) if value not in (None, "") else None
    except ValueError:
        return None


def read_table(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    """transcript.csv's columns and rows as the file holds them; one line naming the problem when it cannot be
    read."""
    return read_users_csv(path, TranscriptCsvError, "fix it, or delete it to start the review over from the "
                          "machine's text")


def read_rows(path: Path) -> list[Row] | None:
    """The rows of transcript.csv; None when the file holds no review (an older file without an id column)."""
    return parse_rows(*read_table(path), path)


def parse_rows(header: list[str], rows: list[dict[str, str]], path: Path) -> list[Row] | None:
    """The rows of transcript.csv read by read_table (`path` names it in the messages); None when it has no id
    column (an older file: no review)."""
    if "id" not in header:
        log.warning("%s has no id column (written by an earlier version): read as not reviewed", path)
        return None
    if "text" not in header:
        raise TranscriptCsvError(f"{path}: the first row must name the columns id and text (and speaker_id, "
                                 "status); fix it, or delete the file to start the review over")
    out = []
    for number, row in enumerate(rows, start=2):
        word = (row.get("status") or "").strip().lower()
        if word not in STATUS_WORDS:
            raise TranscriptCsvError(f"{path}: row {number}: status {row.get('status')!r} is not one of machine, "
                                     "reviewed, corrected")
        out.append(Row(number=number, id=(row.get("id") or "").strip(), start=_number(row.get("start")),
                       end=_number(row.get("end")), speaker_id=(row.get("speaker_id") or "").strip(),
                       text=(row.get("text") or "").strip(), status=STATUS_WORDS[word],
                       machine_text=(row.get("machine_text") or "").strip() if "machine_text" in header else None,
                       machine_speaker=((row.get("machine_speaker_id") or "").strip()
                                        if "machine_speaker_id" in header else None)))
    return out


def _overlap(row: Row, line: Utterance) -> float:
    if row.start is None or row.end is None:
        return 0.0
    return max(0.0, min(row.end, line.end) - max(row.start, line.start)) or (
        1e-9 if row.start == line.start else 0.0)


def _place(rows: list[Row], lines: tuple[Utterance, ...], path: Path) -> dict[str, Row]:
    """line id → the row that reviews it."""
    by_id = {u.id: u for u in lines}
    placed: dict[str, Row] = {}
    for row in rows:
        if row.start is None or row.end is None:
            line = by_id.get(row.id)
        else:   # the line its time overlaps most (its own id first among equals)
            best = max(lines, key=lambda u: (_overlap(row, u), u.id == row.id), default=None)
            line = best if best is not None and _overlap(row, best) > 0 else None
        if line is None:
            if not row.touched:
                continue              # an untouched row of an earlier transcript: nothing to keep
            known = f"{lines[0].id}–{lines[-1].id}" if lines else "none"
            raise TranscriptCsvError(f"{path}: row {row.number}: there is no line {row.id!r}"
                                     f"{f' at {hms(row.start)}' if row.start is not None else ''} in this "
                                     f"transcript (its lines are {known}); fix the id, or delete the row")
        earlier = placed.get(line.id)
        if earlier is not None:
            if not row.touched:
                continue
            if earlier.touched:
                raise TranscriptCsvError(f"{path}: rows {earlier.number} and {row.number} both review line "
                                         f"{line.id} ({hms(line.start)}): put their text in one row and delete "
                                         "the other")
        placed[line.id] = row
    return placed


def _apply(line: Utterance, row: Row | None, speakers: set[str], path: Path) -> Utterance:
    machine = replace(line, machine_text=line.text, status=Status.MACHINE)
    if row is None or not row.touched:
        return machine      # untouched: the machine's (current) text and speaker
    seen_speaker = row.machine_speaker or line.speaker        # the speaker the person saw
    speaker = line.speaker if row.speaker_id in ("", seen_speaker) else row.speaker_id
    if speaker not in speakers:
        raise TranscriptCsvError(f"{path}: row {row.number}: unknown speaker id {speaker!r} (this recording has "
                                 f"{', '.join(sorted(speakers))})")
    seen = row.machine_text if row.machine_text is not None else line.text   # what the person reviewed
    changed = seen != line.text
    if row.status == Status.MACHINE and row.text == seen and speaker == line.speaker:
        return machine
    corrected = row.text != line.text or speaker != line.speaker
    flags = line.flags
    if corrected:
        flags = tuple(f for f in flags if f not in MACHINE_ONLY) + (Flag.CORRECTED,)
    return replace(line, text=row.text, speaker=speaker, flags=flags,
                   status=Status.CORRECTED if corrected else Status.REVIEWED, machine_text=line.text,
                   machine_speaker=line.speaker if speaker != line.speaker else "",
                   reviewed_against=seen if changed else "")


def review(labelled: Labelled, csv_path: Path) -> Labelled:
    """The lines as reviewed in transcript.csv (every line as the machine wrote it when there is no file)."""
    return reviewed(labelled, read_rows(csv_path) if csv_path.exists() else None, csv_path)


def reviewed(labelled: Labelled, rows: list[Row] | None, csv_path: Path) -> Labelled:
    """The lines as reviewed in `rows` (parse_rows of the file at `csv_path`, which the messages name)."""
    placed = _place(rows, labelled.items, csv_path) if rows else {}
    speakers = {s.id for s in labelled.speakers}
    items = tuple(_apply(u, placed.get(u.id), speakers, csv_path) for u in labelled.items)
    if any(u.text for u in labelled.items) and not any(u.text for u in items):
        raise TranscriptCsvError(f"{csv_path}: every line's text is empty: the transcript would say nothing; "
                                 "restore the text, or delete the file to start the review over")
    for u in items:
        if u.reviewed_against:
            log.warning("line %s (%s): the machine's text changed since it was reviewed; the person's text is kept",
                        u.id, hms(u.start))
    return with_lines(labelled, items)


def counts(labelled: Labelled) -> dict[str, int]:
    """How many lines are as the machine wrote them, reviewed and corrected."""
    return {status.value: sum(u.status == status for u in labelled.items) for status in Status}
