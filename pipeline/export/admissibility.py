"""What decides whether a recording is admissible, checked for counsel from the case file and the run (the counsel
copy's checks; wording in configs/exhibit_<lang>.toml [admissibility]). Nothing is assumed: a point counsel has
not stated is an open item, and what the run can compare it compares:

- each point counsel states (case fields CaseConfig.CHECKS): did the recorder take part in the conversation, the
  place, how it was recorded (no threat, coercion, restricted liberty, inducement), privacy or trade secrets,
  the original carrier and who holds it, the purpose of proof, the evidence that corroborates it;
- the sha256 of the file as it sits on the device (carrier_sha256) against the original's;
- each named speaker's identification basis: none stated, or a basis citing a time that points at no line with
  a self-introduction, a name or a phone number, is flagged;
- the file's own dates (its modified time, its metadata's creation date) against the stated recording date.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date, tzinfo

from pipeline.artifacts import UNKNOWN_SPEAKER, AudioAsset, Facts, Labelled, Speaker, Utterance
from pipeline.config import CaseConfig
from pipeline.stages.facts import tagged_date
from pipeline.timefmt import hms, in_zone, parse_moment

OPEN, STATED, MATCHES, FLAGGED = "open", "stated", "matches", "flagged"   # a check's outcome
CITED_TIME = re.compile(r"(?<!\d)(?:(\d{1,2}):)?(\d{1,2}):(\d{2})(?!\d)")   # 00:01:05 or 01:05 in a basis
PHONE = re.compile(r"(?<!\d)(?:1[3-9]\d{9}|\d{3,4}-?\d{7,8})(?!\d)")      # a mobile or landline number
CITE_SLACK = 1.0                   # seconds: a cited hh:mm:ss (whole seconds) reaches a line starting within it


@dataclass(frozen=True)
class Check:
    key: str                       # a CaseConfig.CHECKS field, "carrier_sha256", "identity", "file_date"
    status: str                    # OPEN, STATED, MATCHES or FLAGGED
    stated: str = ""               # what counsel states, as stated
    reason: str = ""               # why FLAGGED (or which comparison), a key of the wording
    values: dict[str, str] = field(default_factory=dict)   # for the wording: speaker, time, line, date …


def stated_checks(case: CaseConfig, asset: AudioAsset) -> list[Check]:
    """The points counsel states, in CaseConfig.CHECKS order; the carrier's sha256 compared with the original's."""
    found = []
    for key in CaseConfig.CHECKS:
        value = getattr(case, key).strip()
        if key == "carrier_sha256" and value:
            same = value.lower() == asset.sha256
            found.append(Check(key, MATCHES if same else FLAGGED, value, "" if same else "carrier_differs",
                               {"original": asset.sha256}))
        else:
            found.append(Check(key, STATED if value else OPEN, value))
    return found


def _cited_times(basis: str) -> list[float]:
    """The times a basis cites, as a Chinese keyboard may type them too (００：０１：０５, 00：01：05)."""
    return [int(h or 0) * 3600 + int(m) * 60 + int(s)
            for h, m, s in CITED_TIME.findall(unicodedata.normalize("NFKC", basis))]


def _line_at(labelled: Labelled, seconds: float) -> tuple[int, Utterance] | None:
    """The line (its number from 1, and the line) heard at a cited time (whole seconds, as documents cite)."""
    for number, u in enumerate(labelled.items, 1):
        if u.start - CITE_SLACK <= seconds <= u.end:
            return number, u
    return None


def _identifies(u: Utterance, speaker: Speaker, facts: Facts) -> bool:
    """The line identifies this speaker: their own self-introduction, their name said (by anyone), or a phone
    number; another speaker introducing themself there identifies someone else."""
    for f in facts.items:
        if f.utterance_id != u.id:
            continue
        if f.category == "self_id" and f.speaker == speaker.id:
            return True
        if f.category == "name" and speaker.name and speaker.name in f.value:
            return True
    return bool(PHONE.search(u.text)) or bool(speaker.name and speaker.name in u.text and u.speaker != speaker.id)


def _introduced_as_another(labelled: Labelled, speaker: Speaker, facts: Facts) -> dict[str, str] | None:
    """Where a line given to this speaker introduces its speaker by another name (我是孙七 said by 周八), else
    None: the name given or the speaker separation is wrong there."""
    numbers = {u.id: n for n, u in enumerate(labelled.items, 1)}
    for f in facts.items:
        core = f.value.strip().lstrip("老小").removesuffix("总")    # 老王, 小王, 王总: the surname is what is said
        if f.category == "self_id" and f.speaker == speaker.id and core and core not in speaker.name:
            return {"time": hms(f.start), "line": str(numbers.get(f.utterance_id, "")), "said": f.value.strip()}
    return None


def identity_checks(labelled: Labelled, facts: Facts) -> list[Check]:
    """Per named speaker: the basis stated, and every time it cites checked against the transcript."""
    found = []
    for s in labelled.speakers:
        if s.id == UNKNOWN_SPEAKER or not s.name:
            continue
        basis = s.identified_by.strip()
        values = {"speaker": s.name, "basis": basis}
        other = _introduced_as_another(labelled, s, facts)
        if other is not None:
            found.append(Check("identity", FLAGGED, basis, "self_id_other", {**values, **other}))
            continue
        if not basis:
            found.append(Check("identity", FLAGGED, "", "no_basis", values))
            continue
        bad = []
        for seconds in _cited_times(basis):
            line = _line_at(labelled, seconds)
            if line is None or not _identifies(line[1], s, facts):
                bad.append((seconds, line))
        if bad:
            seconds, line = bad[0]
            found.append(Check("identity", FLAGGED, basis, "cited_line_empty" if line else "cited_no_line",
                               {**values, "time": hms(seconds), "line": str(line[0]) if line else ""}))
        else:
            found.append(Check("identity", STATED, basis, "cited_checked" if _cited_times(basis) else "", values))
    return found


def file_dates(asset: AudioAsset, zone: tzinfo) -> dict[str, date]:
    """The dates the file carries: its metadata's creation date and its file system modified time (in the
    document's zone), by kind."""
    dates = {}
    created = tagged_date(asset, zone)
    if created is not None:
        dates["created"] = created
    modified = parse_moment(asset.modified)
    if modified is not None:
        dates["modified"] = in_zone(modified, zone).date()
    return dates


def date_checks(case: CaseConfig, asset: AudioAsset, zone: tzinfo) -> list[Check]:
    """Each date the file carries against the stated recording date: the same day, another day (flagged: the
    other side may say the file was made or changed later), or nothing stated to compare with (open)."""
    stated = case.recorded_date()
    found = []
    for kind, day in file_dates(asset, zone).items():
        values = {"kind": kind, "file_date": day.isoformat(), "stated": stated.isoformat() if stated else ""}
        if stated is None:
            found.append(Check("file_date", OPEN, "", "not_stated", values))
        else:
            found.append(Check("file_date", MATCHES if day == stated else FLAGGED, case.recorded_on,
                               "same_day" if day == stated else "other_day", values))
    return found


def checks(case: CaseConfig, asset: AudioAsset, labelled: Labelled, facts: Facts, zone: tzinfo) -> list[Check]:
    return [*stated_checks(case, asset), *identity_checks(labelled, facts), *date_checks(case, asset, zone)]
