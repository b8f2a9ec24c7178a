"""Review: transcript.csv as a person's review of the transcript, applied without running any model.

The export writes transcript.csv on every run: one row per line with its id, time, speaker, text, `status` and
the machine's text. A person (in Excel, or in the review page of `exhibit review`) may change a line's `text`
and `speaker_id` and set its `status`: `reviewed` when they listened and agree, `corrected` when they changed
it (set by itself when the text or the speaker differs from the machine's). This stage reads the file back
and gives every later stage (key facts, coverage, the documents) the reviewed lines. The machine's text is
never lost: each line keeps it (Utterance.machine_text), and a corrected line is flagged `corrected`.

A person's row is anchored by the stretch of time it covers (start, end) and the machine's text it reviewed
(machine_text), not by its line id: another speaker count, model or merge setting may cut the lines
differently. It is carried onto this transcript's lines only where that is unambiguous: one line is over its
stretch and its machine text is the one reviewed (the whole line), or one longer line holds that machine text
once (the correction replaces those words; the machine's words around them stay). Anything else (the stretch
now under two lines, the machine's text under it changed, no line left there, a review of what is now part of
a longer line) is a conflict (Labelled.conflicts): written back to transcript.csv as its own row, shown in the
review page and the working copy as "to review again" with both texts, counted in the manifest, never applied
and never dropped, until the person deals with it (deletes its row, or marks it dealt with on the review page).

Anything wrong in the file (a status that is not one, a control character, every line emptied) stops the run
in one line naming the row; the outputs of the last run stay as they were.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass, replace
from pathlib import Path

from pipeline.artifacts import Conflict, ConflictReason, Flag, Labelled, Status, Utterance
from pipeline.controls import shows_something
from pipeline.csvio import read_users_csv
from pipeline.errors import Phrase, TranscriptCsvError
from pipeline.stages.label import with_lines
from pipeline.timefmt import hms

log = logging.getLogger(__name__)

VERSION = 2
UNDER = 0.2     # a line is over a row's stretch when it overlaps at least this share of it
SAME_TIME = 0.05   # seconds: a line this close to a row's times is the line the row was written for
TOUCH = 0.25    # seconds: a line overlapping a row's stretch by more holds some of its words
# the columns of transcript.csv, as the export writes them; id, speaker_id, text, status and the machine's text
# and speaker (what the person saw) are read back, start and end only to find a line again
COLUMNS = ["index", "id", "start", "end", "start_hms", "speaker_id", "speaker", "role", "text", "status", "flags",
           "machine_text", "machine_speaker_id", "conflict"]
STATUS_WORDS = {"machine": Status.MACHINE, "reviewed": Status.REVIEWED, "corrected": Status.CORRECTED,
                "": Status.MACHINE, "机器": Status.MACHINE, "已核对": Status.REVIEWED, "已校正": Status.CORRECTED}
MACHINE_ONLY = (Flag.INAUDIBLE, Flag.HALLUCINATION, Flag.VOCABULARY)  # the machine's marks a person's text replaces


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
        number = float(value) if value not in (None, "") else None
    except ValueError:
        return None
    return number if number is not None and math.isfinite(number) and number >= 0 else None


def read_table(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    """transcript.csv's columns and rows as the file holds them; one line naming the problem when it cannot be
    read."""
    return read_users_csv(path, TranscriptCsvError, Phrase("transcript_csv_advice"))


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
        raise TranscriptCsvError.keyed("transcript_csv_columns", path=path)
    out = []
    for number, row in enumerate(rows, start=2):
        word = (row.get("status") or "").strip().lower()
        if word not in STATUS_WORDS:
            raise TranscriptCsvError.keyed("transcript_csv_status", path=path, row=number, status=row.get("status"))
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


def _under(row: Row, lines: tuple[Utterance, ...]) -> list[Utterance]:
    """The lines over a row's stretch of time: each overlapping at least UNDER of it (a neighbour's edge a few
    hundredths of a second over it is not)."""
    if row.start is None or row.end is None:
        return []
    length = max(row.end - row.start, 1e-6)
    return [u for u in lines if (shared := _overlap(row, u)) > 0 and shared >= UNDER * length]


@dataclass(frozen=True)
class Placed:
    """Where a person's row goes on this transcript: onto a whole line, spliced into a longer line in place of
    the machine words it replaced, or nowhere (a conflict)."""

    row: Row
    line: Utterance | None
    splice: bool = False
    conflict: Conflict | None = None


def _conflict(row: Row, reason: ConflictReason, under: list[Utterance], seen: str) -> Conflict:
    return Conflict(start=row.start or 0.0, end=row.end or 0.0, text=row.text, speaker=row.speaker_id,
                    status=row.status if row.status != Status.MACHINE else Status.CORRECTED, machine_text=seen,
                    machine_speaker=row.machine_speaker or "", reason=reason, lines=tuple(u.id for u in under))


def _anchor(row: Row, lines: tuple[Utterance, ...], by_id: dict[str, Utterance], speakers: set[str]) -> Placed:
    """A touched row on this transcript's lines, anchored by the time it covers and the machine text it
    reviewed: carried only where that is unambiguous and the machine's text under it is unchanged."""
    if row.start is None or row.end is None or row.machine_text is None:
        # a row without its times or the machine text it reviewed (a cell emptied, a file from an earlier
        # version): only its own line, still at its time with the text it had, takes it
        line = by_id.get(row.id)
        same = line is not None and (row.machine_text is None or line.text == row.machine_text) and (
            row.start is None or abs(line.start - row.start) < SAME_TIME) and (
            row.end is None or abs(line.end - row.end) < SAME_TIME)
        if same and (row.start is not None or row.machine_text is not None):
            return _speakers_agree(row, line, speakers)
        return Placed(row, None, conflict=_conflict(row, ConflictReason.GONE, [], row.machine_text or ""))
    under = _under(row, lines)
    seen = row.machine_text
    if not under:
        return Placed(row, None, conflict=_conflict(row, ConflictReason.GONE, under, seen))
    if len(under) > 1:
        return Placed(row, None, conflict=_conflict(row, ConflictReason.SPLIT, under, seen))
    line = under[0]
    if line.text == seen:
        return _speakers_agree(row, line, speakers)
    own_speaker = row.speaker_id in ("", row.machine_speaker or line.speaker)
    if seen and line.text.count(seen) == 1 and own_speaker and (row.machine_speaker or line.speaker) == line.speaker:
        if row.text == seen:                  # a review, not a correction, of part of what is now a longer line
            return Placed(row, None, conflict=_conflict(row, ConflictReason.PARTIAL, under, seen))
        return Placed(row, line, splice=True)
    touching = [u for u in lines if _overlap(row, u) > TOUCH]
    split = len(touching) > 1                 # its words are now in this line and (a little) in others
    return Placed(row, None, conflict=_conflict(row, ConflictReason.SPLIT if split else ConflictReason.CHANGED,
                                                touching if split else under, seen))


def _as_heard(row: Row, lines: tuple[Utterance, ...]) -> bool:
    """A row of a file without the machine_text column (an earlier version's) that still says what the machine
    says there: nobody touched it."""
    return any(row.text and row.text in u.text for u in _under(row, lines)) or any(
        u.id == row.id and u.text == row.text for u in lines)


def _speakers_agree(row: Row, line: Utterance, speakers: set[str]) -> Placed:
    """A row on its whole line, unless the person reviewed or chose a speaker and the line's speaker is no
    longer the one they saw (the voices were told apart again: an id may now name another voice), or the voice
    they chose is not among this transcript's."""
    chose = row.speaker_id not in ("", row.machine_speaker or line.speaker)
    moved = (row.status == Status.REVIEWED or chose) and row.machine_speaker and row.machine_speaker != line.speaker
    if moved or (chose and row.speaker_id not in speakers):
        return Placed(row, None, conflict=_conflict(row, ConflictReason.SPEAKER, [line], row.machine_text or ""))
    return Placed(row, line)


def _place(rows: list[Row], lines: tuple[Utterance, ...], speakers: set[str]) -> tuple[dict[str, list[Placed]],
                                                                                       list[Conflict]]:
    """line id → the rows that review it; and the rows no line takes unambiguously (conflicts). Untouched rows
    of an earlier transcript carry nothing."""
    by_id = {u.id: u for u in lines}
    placed: dict[str, list[Placed]] = {}
    conflicts = []
    for row in rows:
        if not row.touched and (row.machine_text is not None or _as_heard(row, lines)):
            continue
        found = _anchor(row, lines, by_id, speakers)
        if found.conflict is not None:
            conflicts.append(found.conflict)
        else:
            placed.setdefault(found.line.id, []).append(found)
    for line_id, found in list(placed.items()):
        # several rows on one line: only corrections of different words of it go together; otherwise none is
        # applied, and each is shown to review again
        apart = all(p.splice for p in found) and not any(
            _crosses(a, b) for i, a in enumerate(found) for b in found[i + 1:])
        if len(found) > 1 and not apart:
            conflicts += [_conflict(p.row, ConflictReason.TWICE, [p.line], p.row.machine_text or "") for p in found]
            del placed[line_id]
    return placed, conflicts


def _span(placed: Placed) -> tuple[int, int]:
    """Where the machine words a spliced correction replaces are in its line's text (they occur there once)."""
    at = placed.line.text.index(placed.row.machine_text)
    return at, at + len(placed.row.machine_text)


def _crosses(a: Placed, b: Placed) -> bool:
    (a0, a1), (b0, b1) = _span(a), _span(b)
    return a0 < b1 and b0 < a1


def _apply(line: Utterance, rows: list[Placed]) -> Utterance:
    machine = replace(line, machine_text=line.text, status=Status.MACHINE)
    if not rows:
        return machine      # untouched: the machine's (current) text and speaker
    if rows[0].splice:      # corrections of parts of what is now one longer line: the machine words around stay
        text = line.text
        for placed in sorted(rows, key=_span, reverse=True):     # from the end, so the places stay where they were
            start, end = _span(placed)
            text = text[:start] + placed.row.text + text[end:]
        flags = tuple(f for f in line.flags if f not in MACHINE_ONLY) + (Flag.CORRECTED,)
        return replace(line, text=text, flags=flags, status=Status.CORRECTED, machine_text=line.text)
    row = rows[0].row
    # the speaker the person chose, else the line's (a chosen one is a voice of this transcript: _speakers_agree)
    speaker = line.speaker if row.speaker_id in ("", row.machine_speaker or line.speaker) else row.speaker_id
    if row.status == Status.MACHINE and row.text == line.text and speaker == line.speaker:
        return machine
    corrected = row.text != line.text or speaker != line.speaker
    flags = line.flags
    if corrected:
        flags = tuple(f for f in flags if f not in MACHINE_ONLY) + (Flag.CORRECTED,)
    return replace(line, text=row.text, speaker=speaker, flags=flags,
                   status=Status.CORRECTED if corrected else Status.REVIEWED, machine_text=line.text,
                   machine_speaker=line.speaker if speaker != line.speaker else "")


def review(labelled: Labelled, csv_path: Path) -> Labelled:
    """The lines as reviewed in transcript.csv (every line as the machine wrote it when there is no file)."""
    return reviewed(labelled, read_rows(csv_path) if csv_path.exists() else None, csv_path)


def reviewed(labelled: Labelled, rows: list[Row] | None, csv_path: Path) -> Labelled:
    """The lines as reviewed in `rows` (parse_rows of the file at `csv_path`, which the messages name), and the
    rows the lines no longer take unambiguously, as conflicts (until the person deals with them: the row
    deleted in Excel or marked on the review page)."""
    speakers = {s.id for s in labelled.speakers}
    placed, conflicts = _place(rows, labelled.items, speakers) if rows else ({}, [])
    items = tuple(_apply(u, placed.get(u.id, [])) for u in labelled.items)
    if any(u.text for u in labelled.items) and not any(u.text for u in items):
        raise TranscriptCsvError.keyed("transcript_csv_all_empty", path=csv_path)
    for c in conflicts:
        log.warning("%s–%s: a review no longer fits this transcript's lines (%s): shown to review again, not "
                    "applied", hms(c.start), hms(c.end), c.reason)
    return replace(with_lines(labelled, items), conflicts=tuple(conflicts))


def counts(labelled: Labelled) -> dict[str, int]:
    """How many lines are as the machine wrote them, reviewed and corrected."""
    return {status.value: sum(u.status == status for u in labelled.items) for status in Status}


def unfinished(labelled: Labelled, reviewer: str) -> dict[str, int]:
    """Why the transcript is still a draft: lines with no recorded review ("unchecked"), no reviewer named
    ("no_reviewer": 1) and reviews to do again ("conflicts"), each left out when none; {} when every line is
    reviewed or corrected by a named reviewer — only then may the court copy look final."""
    why = {"unchecked": counts(labelled)[Status.MACHINE], "no_reviewer": int(not shows_something(reviewer)),
           "conflicts": len(labelled.conflicts)}
    return {key: n for key, n in why.items() if n}
