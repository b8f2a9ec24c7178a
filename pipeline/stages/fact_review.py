"""Fact review: key_facts.csv as the user's review of the key facts. A row deleted there is a fact left out of
the exhibit, a `note` written there is shown in the index. A stage whose cache key holds the file's hash: it
runs again (in milliseconds) whenever the user edits the file.

Each row carries a `fact_id` (utterance, category, position in the line). The ids written so far are kept in
stages/key_facts_seen.json, so that a fact whose row is missing from key_facts.csv is told apart from a fact
that is new (found by a rule file added since): the first is dropped, the second is shown. Without
key_facts.csv (never written, or deleted by the user to start over) every fact is shown again.
"""

from __future__ import annotations

import dataclasses
import json
import logging
from pathlib import Path

from pipeline.artifacts import Fact, Facts
from pipeline.csvio import read_users_csv
from pipeline.errors import Phrase, PipelineError
from pipeline.fileio import write_text_atomic

log = logging.getLogger(__name__)

VERSION = 1
ID_COLUMN = "fact_id"
NOTE_COLUMN = "note"


def fact_id(fact: Fact) -> str:
    """A stable id for a fact: u0012-amount-5 (the line, the category, where in the line it starts)."""
    return f"{fact.utterance_id}-{fact.category}-{fact.span[0]}"


def read_table(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    """key_facts.csv's header and rows as the user left them (the one CSV reader); a file it cannot take is
    refused in one line (PipelineError) saying what to do."""
    return read_users_csv(path, PipelineError, Phrase("key_facts_csv_advice"))


def _read_review(path: Path) -> dict[str, str] | None:
    """fact_id → note of each row of key_facts.csv; None when there is no file or no fact_id column."""
    if not path.exists():
        return None
    header, rows = read_table(path)
    if ID_COLUMN not in header:
        log.warning("%s has no %s column: every key fact is listed again", path, ID_COLUMN)
        return None
    review: dict[str, str] = {}
    for number, row in enumerate(rows, start=2):
        fid = row.get(ID_COLUMN)
        if fid in review:
            log.warning("%s: row %d: fact_id %s appears twice: the first row's note is kept", path, number, fid)
        elif fid:
            review[fid] = row.get(NOTE_COLUMN, "")
    return review


def _report_unknown(path: Path, review: dict[str, str], found: Facts) -> None:
    """Say in one line which rows name no key fact of this recording (they are ignored)."""
    unknown = sorted(set(review) - {fact_id(f) for f in found.items})
    if unknown:
        shown = ", ".join(unknown[:3]) + (f" and {len(unknown) - 3} more" if len(unknown) > 3 else "")
        log.warning("%s: fact_id %s is not among the key facts found in this recording: %s ignored (keep the "
                    "fact_id column as it was written; to add a fact, add a rule)", path, shown,
                    "that row is" if len(unknown) == 1 else "those rows are")


def _read_seen(path: Path) -> set[str]:
    try:
        return set(json.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError, TypeError):
        return set()


def apply_review(found: Facts, key_facts_csv: Path, seen_path: Path) -> Facts:
    """The facts to show: those whose row the user deleted from key_facts.csv left out, notes attached.
    Records the ids now listed in seen_path (beside the ones seen before, so a deleted row stays deleted)."""
    review = _read_review(key_facts_csv)
    if review is not None:
        _report_unknown(key_facts_csv, review, found)
    seen = _read_seen(seen_path) if review is not None else set()
    kept = []
    for fact in found.items:
        fid = fact_id(fact)
        if review is not None and fid in seen and fid not in review:
            continue
        kept.append(dataclasses.replace(fact, note=(review or {}).get(fid, "")))
    seen |= {fact_id(f) for f in kept}
    write_text_atomic(seen_path, json.dumps(sorted(seen), ensure_ascii=False, indent=0))
    return Facts(tuple(kept), found.rule_files)
