"""The evidence checklist at the top of the key-facts index: did the recording capture each party's identity,
the date/time/place, an admission, an amount, any threat language — and at what times. Wording lives in
configs/exhibit_<lang>.toml [checklist]; this module only decides what was found where."""

from __future__ import annotations

from dataclasses import dataclass

from pipeline.artifacts import Facts, Labelled

# (item, the categories that answer it); identity is asked once per speaker
ITEMS = (("when_where", ("date", "place")), ("admission", ("admission",)), ("amount", ("amount",)),
         ("threat", ("threat",)))


@dataclass(frozen=True)
class CheckItem:
    key: str                    # identity, when_where, admission, amount, threat
    subject: str                # the speaker's id for identity, else ""
    times: tuple[float, ...]    # where it was heard, in order; () = not found


def _identity(labelled: Labelled, facts: Facts) -> list[CheckItem]:
    """Per speaker: where they gave their name (self_id) or were named as entered in speakers.csv."""
    items = []
    for s in labelled.speakers:
        times = {f.start for f in facts.items
                 if (f.category == "self_id" and f.speaker == s.id)
                 or (f.category in ("name", "self_id") and s.name and f.value == s.name)}
        items.append(CheckItem("identity", s.id, tuple(sorted(times))))
    if not labelled.speakers:
        times = {f.start for f in facts.items if f.category in ("self_id", "name")}
        items.append(CheckItem("identity", "", tuple(sorted(times))))
    return items


def checklist(labelled: Labelled, facts: Facts) -> list[CheckItem]:
    items = _identity(labelled, facts)
    for key, categories in ITEMS:
        times = {f.start for f in facts.items if f.category in categories}
        items.append(CheckItem(key, "", tuple(sorted(times))))
    return items
