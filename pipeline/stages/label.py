"""Label: the user names the speakers in speakers.csv; this stage writes it once and applies it on every run.

speakers.csv (UTF-8 with BOM for Excel; a GBK file saved by Excel is read too) has one row per speaker id:
speaker_id, name, role, identified_by (how the submitting party knows who the voice is: 来电号码 138…、自我介绍
00:01:05、当事人辨认声音), and help columns that are not read back (talk time, turns, first/last heard, the
listening clip, two sample lines). Two ids given the same name are one person: their lines are merged under
the first id.

Every speaker keeps the number of its first appearance in the recording (说话人3 is the third voice heard),
whether or not it or another speaker is named: notes made on a first draft keep pointing at the right voice.
First appearance is the diarization's (first_appearance: its turns, which the RTTM lists), so the numbers,
the RTTM, the legend and the timeline agree; a voice with no line is not numbered. A voice the diarizer kept
although it talks only a few seconds is marked short (Speaker.short; the `uncertain` column of speakers.csv).

The voices the file's ids stand for are kept beside it (stages/speakers_voices.json: each id's mean CAM++
embedding). When the speakers are found again differently (`--speakers 3` after a first run with 2), the
names the user gave are carried to the new ids whose voices match (by embedding, not by id) and
speakers.csv is rewritten with the new ids.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from pipeline.artifacts import UNKNOWN_SPEAKER, Diarization, Labelled, Speaker, Utterance, Utterances
from pipeline.csvio import read_users_csv, write_csv
from pipeline.errors import Joined, Phrase, SpeakersCsvError
from pipeline.fileio import write_bytes_atomic, write_text_atomic
from pipeline.locations import wording_file
from pipeline.rundir import RunDir
from pipeline.spans import length, union
from pipeline.timefmt import hms

log = logging.getLogger(__name__)

VERSION = 5   # 5: numbered in the diarization's order of first appearance; short voices marked
HEADER = ["speaker_id", "name", "role", "identified_by", "talk_time", "turns", "first_heard", "last_heard", "clip",
          "sample_1", "sample_2", "uncertain"]
SAMPLE_CHARS = 60
SAME_VOICE = 0.6   # cosine similarity of two CAM++ centroids above which they are taken as one voice

Naming = tuple[str, str, str]       # (name, role, identified_by) as the user wrote them
Names = dict[str, Naming]           # speaker id → its naming
UNNAMED: Naming = ("", "", "")


@dataclass(frozen=True)
class _Stats:
    talk_time: float
    turns: int
    first: float
    last: float
    samples: tuple[Utterance, ...]  # the two longest lines, in time order


def _stats(items: tuple[Utterance, ...], order: tuple[str, ...] = ()) -> dict[str, _Stats]:
    """Per speaker id, in order of first appearance: in `order` (the diarization's) for the ids it holds, then
    by first line (lines no speaker was found for last)."""
    by_speaker: dict[str, list[Utterance]] = {}
    for u in sorted(items, key=lambda u: u.start):
        by_speaker.setdefault(u.speaker, []).append(u)
    rank = {sid: i for i, sid in enumerate(order)}
    by_speaker = dict(sorted(by_speaker.items(), key=lambda kv: (kv[0] == UNKNOWN_SPEAKER,
                                                                  rank.get(kv[0], len(rank)), kv[1][0].start)))
    return {
        sid: _Stats(talk_time=sum(u.end - u.start for u in us), turns=len(us), first=us[0].start, last=us[-1].end,
                    samples=tuple(sorted(sorted(us, key=lambda u: -len(u.text))[:2], key=lambda u: u.start)))
        for sid, us in by_speaker.items()
    }


def first_appearance(diarization: Diarization) -> tuple[str, ...]:
    """The speakers in order of first appearance in the diarization's turns (the RTTM's order): the order the
    documents number them in."""
    return tuple(dict.fromkeys(t.speaker for t in sorted(diarization.turns, key=lambda t: (t.start, t.end))))


def short_voices(diarization: Diarization) -> frozenset[str]:
    """The speakers the local diarizer kept though each talks for less than its short_seconds (its turns'
    union): a fragment clearly apart from every longer voice, or kept to make up a given number."""
    limit = diarization.tuning.get("short_seconds", 0.0)
    if not limit or diarization.channel_speakers:
        return frozenset()
    spans: dict[str, list[tuple[float, float]]] = {}
    for t in diarization.turns:
        spans.setdefault(t.speaker, []).append((t.start, t.end))
    return frozenset(s for s, own in spans.items() if length(union(own)) < limit)


def _heard(diarization: Diarization | None) -> tuple[tuple[str, ...], frozenset[str]]:
    return (first_appearance(diarization), short_voices(diarization)) if diarization else ((), frozenset())


def short_note(language: str) -> str:
    """What speakers.csv's `uncertain` column says of a short voice, in the recording's language (zh or en):
    configs/exhibit_<language>.toml [parties] short."""
    return wording_file("zh" if language.startswith("zh") else "en")["parties"]["short"]


def write_csv_file(run: RunDir, utterances: Utterances, names: Names, diarization: Diarization | None = None) -> None:
    """speakers.csv: one row per speaker id (in order of first appearance), with the names and roles given so
    far, and for a voice the diarizer kept though it talks only a few seconds, that it is short and uncertain."""
    rows = []
    order, short = _heard(diarization)
    for sid, s in _stats(utterances.items, order).items():
        samples = [u.text[:SAMPLE_CHARS] for u in s.samples] + ["", ""]
        clip = run.relative(run.speaker_clip(sid)) if sid != UNKNOWN_SPEAKER else ""
        rows.append([sid, *names.get(sid, UNNAMED), hms(s.talk_time), s.turns, hms(s.first), hms(s.last), clip,
                     *samples[:2], short_note(utterances.language) if sid in short else ""])
    write_csv(run.speakers_csv, HEADER, rows)


def read_names(path: Path, known: list[str]) -> Names:
    """{speaker id: (name, role, identified_by)} from the user's speakers.csv (a file without the
    identified_by column, as earlier versions wrote it, is read too); a clear error for anything wrong."""
    return names_in(*read_table(path), path, known)


def read_table(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    """speakers.csv's columns and rows as the file has them (csvio.read_csv), a file that cannot be read said in
    one line (SpeakersCsvError)."""
    return read_users_csv(path, SpeakersCsvError, Phrase("speakers_csv_advice"))


def names_in(header: list[str], rows: list[dict[str, str]], path: Path, known: list[str]) -> Names:
    """read_names' checks of the file's rows as csvio.read_csv gives them (`path` names the file in a message):
    the app's page checks what it is about to save with them."""
    missing = [c for c in ("speaker_id", "name") if c not in header]
    if missing:
        raise SpeakersCsvError.keyed("speakers_csv_columns", path=path, columns=Joined(tuple(HEADER[:3])),
                                     missing=Joined(tuple(missing)))
    names: Names = {}
    rows_of: dict[str, int] = {}
    for row_number, row in enumerate(rows, start=2):
        sid = (row.get("speaker_id") or "").strip()
        if sid not in known:
            raise SpeakersCsvError.keyed("speakers_csv_unknown", path=path, row=row_number, id=sid,
                                         known=Joined(tuple(known)) if known else Phrase("no_speakers"))
        if sid in names:
            raise SpeakersCsvError.keyed("speakers_csv_twice", path=path, row=row_number, id=sid)
        names[sid] = tuple((row.get(column) or "").strip() for column in ("name", "role", "identified_by"))
        rows_of[sid] = row_number
    _one_party_each(names, rows_of, path)
    return names


def _one_party_each(names: Names, rows_of: dict[str, int], path: Path) -> None:
    """Two voices with one name and two roles are two people (李四（原告）, 李四（被告）); a voice with that
    name and no role could be either, so the file is refused naming the rows."""
    roles: dict[str, set[str]] = {}
    for name, role, _ in names.values():
        if name:
            roles.setdefault(name, set()).add(role.casefold())
    for name, given in roles.items():
        if len(given - {""}) > 1 and "" in given:
            rows = sorted(rows_of[sid] for sid, n in names.items() if n[0] == name)
            raise SpeakersCsvError.keyed("speakers_csv_roles", path=path, rows=Joined(tuple(rows)), name=name,
                                         roles="、".join(sorted(given - {""})))


def match_voices(old: dict[str, tuple[float, ...]], new: dict[str, tuple[float, ...]],
                 threshold: float = SAME_VOICE) -> dict[str, str]:
    """old id → new id for voices that match (cosine similarity of centroids ≥ threshold), best pairs first,
    each new id used once."""
    pairs = []
    for o, a in old.items():
        for n, b in new.items():
            va, vb = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
            denom = float(np.linalg.norm(va) * np.linalg.norm(vb))
            if denom > 0:
                pairs.append((float(va @ vb) / denom, o, n))
    mapping: dict[str, str] = {}
    for similarity, o, n in sorted(pairs, reverse=True):
        if similarity >= threshold and o not in mapping and n not in mapping.values():
            mapping[o] = n
    return mapping


def person(names: Names, sid: str) -> tuple[str, str] | None:
    """Who a voice is: its name, with its role when another voice has the same name and another role (two
    people); None when it is not named."""
    name, role, _ = names.get(sid, UNNAMED)
    if not name:
        return None
    roles = {r.casefold() for n, r, _ in names.values() if n == name and r}     # Plaintiff = plaintiff
    return (name, role.casefold() if len(roles) > 1 else "")


def apply_names(utterances: Utterances, names: Names, diarization: Diarization | None = None) -> Labelled:
    """Labelled utterances: names, roles and how each was identified applied, ids that are one person (one
    name; one role, or two where the name is shared by two people) merged under the first one; every speaker
    numbered by its first appearance (named or not) in the diarization's turns when given (else by its first
    line), listed in that order, those it kept though short marked so."""
    order, short = _heard(diarization)
    stats = _stats(utterances.items, order)
    numbers = {sid: n for n, sid in enumerate((s for s in stats if s != UNKNOWN_SPEAKER), start=1)}
    canonical: dict[str, str] = {}
    first_of: dict[tuple[str, str], str] = {}
    for sid in stats:
        who = person(names, sid)
        canonical[sid] = first_of.setdefault(who, sid) if who else sid
    items = tuple(replace(u, speaker=canonical[u.speaker]) for u in utterances.items)
    speakers = []
    for sid, s in _stats(items, order).items():
        merged = [names.get(o, UNNAMED) for o in stats if canonical[o] == sid]
        role = next((n[1] for n in merged if n[1]), "")
        basis = "；".join(dict.fromkeys(n[2] for n in merged if n[2]))
        speakers.append(Speaker(id=sid, name=names.get(sid, UNNAMED)[0], role=role, number=numbers.get(sid, 0),
                                talk_time=round(s.talk_time, 3), turns=s.turns, first_heard=s.first,
                                last_heard=s.last, identified_by=basis,
                                short=all(o in short for o in stats if canonical[o] == sid)))
    return Labelled(language=utterances.language, speakers=tuple(speakers), items=items)


def with_lines(labelled: Labelled, items: tuple[Utterance, ...]) -> Labelled:
    """The same speakers (names, roles, numbers) over other lines: each speaker's talk time, turns and first and
    last time counted again, a speaker left with no line left out (after a person gave lines to others)."""
    stats = _stats(items)
    speakers = tuple(replace(s, talk_time=round(stats[s.id].talk_time, 3), turns=stats[s.id].turns,
                             first_heard=stats[s.id].first, last_heard=stats[s.id].last)
                     for s in labelled.speakers if s.id in stats)
    return Labelled(language=labelled.language, speakers=speakers, items=items)


def _read_voices(path: Path) -> dict[str, tuple[float, ...]] | None:
    try:
        return {k: tuple(v) for k, v in json.loads(path.read_text(encoding="utf-8"))["centroids"].items()}
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _write_voices(path: Path, centroids: dict[str, tuple[float, ...]]) -> None:
    write_text_atomic(path, json.dumps({"centroids": centroids}))


def label(utterances: Utterances, diarization: Diarization, run: RunDir) -> Labelled:
    """Write speakers.csv when it is absent; apply it when present, carrying names to new ids by voice when
    the speakers were found again differently."""
    csv_path, voices_path = run.speakers_csv, run.voices
    current = list(_stats(utterances.items))
    if not csv_path.exists():
        write_csv_file(run, utterances, {}, diarization)
        _write_voices(voices_path, diarization.centroids)
        return apply_names(utterances, {}, diarization)
    voices = _read_voices(voices_path)
    if voices is None or voices == diarization.centroids:
        return apply_names(utterances, read_names(csv_path, current), diarization)
    old_names = read_names(csv_path, sorted(set(voices) | {UNKNOWN_SPEAKER}))
    mapping = match_voices({k: v for k, v in voices.items() if k in old_names}, diarization.centroids)
    names = {mapping[o]: nr for o, nr in old_names.items() if o in mapping}
    for o, (name, _, _) in old_names.items():
        if name and o not in mapping:
            log.warning("%s (%s) has no matching voice among the speakers found now; the earlier file is kept "
                        "as %s", name, o, run.speakers_previous_csv.name)
    write_bytes_atomic(run.speakers_previous_csv, csv_path.read_bytes())
    write_csv_file(run, utterances, names, diarization)
    _write_voices(voices_path, diarization.centroids)
    return apply_names(utterances, names, diarization)
