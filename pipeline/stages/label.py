"""Label: the user names the speakers in speakers.csv; this stage writes it once and applies it on every run.

speakers.csv (UTF-8 with BOM for Excel; a GBK file saved by Excel is read too) has one row per speaker id:
speaker_id, name, role, and read-only help columns (talk time, turns, first/last heard, a sample line).
Two ids given the same name are one person: their lines are merged under the first id.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

from pipeline.artifacts import Labelled, Speaker, Utterance, Utterances
from pipeline.csvio import read_csv, write_csv
from pipeline.errors import SpeakersCsvError
from pipeline.timefmt import hms

VERSION = 1
CSV_NAME = "speakers.csv"
HEADER = ["speaker_id", "name", "role", "talk_time", "turns", "first_heard", "last_heard", "sample"]
SAMPLE_CHARS = 60
UNKNOWN_LABEL = {"zh": "未识别说话人", "en": "Unidentified speaker"}


@dataclass(frozen=True)
class _Stats:
    talk_time: float
    turns: int
    first: float
    last: float
    sample: str


def default_label(position: int, language: str) -> str:
    """说话人1, 说话人2 … for Chinese recordings; Speaker 1, Speaker 2 … otherwise."""
    return f"说话人{position}" if language == "zh" else f"Speaker {position}"


def _stats(items: tuple[Utterance, ...]) -> dict[str, _Stats]:
    """Per speaker id, in order of first appearance."""
    stats: dict[str, _Stats] = {}
    for u in sorted(items, key=lambda u: u.start):
        s = stats.get(u.speaker)
        if s is None:
            stats[u.speaker] = _Stats(u.end - u.start, 1, u.start, u.end, u.text)
        else:
            sample = u.text if len(u.text) > len(s.sample) else s.sample
            stats[u.speaker] = _Stats(s.talk_time + u.end - u.start, s.turns + 1, s.first, u.end, sample)
    return stats


def write_template(path: Path, utterances: Utterances) -> None:
    """The speakers.csv a user fills in: one row per speaker id, name and role empty."""
    rows = [
        [sid, "", "", hms(s.talk_time), s.turns, hms(s.first), hms(s.last), s.sample[:SAMPLE_CHARS]]
        for sid, s in _stats(utterances.items).items()
    ]
    write_csv(path, HEADER, rows)


def read_names(path: Path, known: list[str]) -> dict[str, tuple[str, str]]:
    """{speaker id: (name, role)} from the user's speakers.csv; a clear error for anything wrong."""
    try:
        header, rows = read_csv(path)
    except (OSError, ValueError) as exc:
        raise SpeakersCsvError(f"{path}: cannot be read ({exc}); delete it to get a fresh one") from exc
    missing = [c for c in ("speaker_id", "name") if c not in header]
    if missing:
        raise SpeakersCsvError(
            f"{path}: the first row must name the columns {', '.join(HEADER[:3])} "
            f"(missing: {', '.join(missing)}); delete the file to get a fresh one"
        )
    names: dict[str, tuple[str, str]] = {}
    for row_number, row in enumerate(rows, start=2):
        sid = (row.get("speaker_id") or "").strip()
        if sid not in known:
            raise SpeakersCsvError(
                f"{path}: row {row_number}: unknown speaker id {sid!r} (this recording has "
                f"{', '.join(known) or 'no speakers'}); delete the file to get a fresh one"
            )
        if sid in names:
            raise SpeakersCsvError(f"{path}: row {row_number}: speaker id {sid} appears twice")
        names[sid] = ((row.get("name") or "").strip(), (row.get("role") or "").strip())
    return names


def apply_names(utterances: Utterances, names: dict[str, tuple[str, str]]) -> Labelled:
    """Labelled utterances: names and roles applied, ids that share a name merged under the first one."""
    stats = _stats(utterances.items)
    canonical: dict[str, str] = {}
    first_with_name: dict[str, str] = {}
    for sid in stats:
        name = names.get(sid, ("", ""))[0]
        canonical[sid] = first_with_name.setdefault(name, sid) if name else sid
    items = tuple(replace(u, speaker=canonical[u.speaker]) for u in utterances.items)
    merged = _stats(items)
    speakers = []
    unnamed = 0
    for sid, s in merged.items():
        name = names.get(sid, ("", ""))[0]
        role = next((names[o][1] for o in stats if canonical[o] == sid and names.get(o, ("", ""))[1]), "")
        if name:
            label = name
        elif sid == "UNKNOWN":
            label = UNKNOWN_LABEL["zh" if utterances.language == "zh" else "en"]
        else:
            unnamed += 1
            label = default_label(unnamed, utterances.language)
        speakers.append(Speaker(id=sid, label=label, name=name, role=role, talk_time=round(s.talk_time, 3),
                                turns=s.turns, first_heard=s.first, last_heard=s.last))
    return Labelled(language=utterances.language, speakers=tuple(speakers), items=items)


def label(utterances: Utterances, csv_path: Path) -> Labelled:
    """Write speakers.csv when it is absent; apply it when present."""
    if not csv_path.exists():
        write_template(csv_path, utterances)
        return apply_names(utterances, {})
    return apply_names(utterances, read_names(csv_path, list(_stats(utterances.items))))
