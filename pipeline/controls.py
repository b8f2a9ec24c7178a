"""Control characters in text: the invisible characters (U+0000–U+001F but tab, line feed and carriage return;
U+007F–U+009F; U+FFFE, U+FFFF) that a Word document cannot hold, and the invisible direction controls
(U+202A–U+202E, U+2066–U+2069) that make text show in another order than it is stored (a correction could read
one way in the court copy and another in the record): no name, note, correction or case field needs them.

Text the user gives (settings, options, the case, cells of the CSV files read back) is refused with one line
naming where the character is (find_control). Text the machine found (the recording's file name and tags, the
model's words, rule explanations) is shown in the Word exhibit with each such character written out as
[U+000B] (visible_copy), never dropped silently and never a crash."""

from __future__ import annotations

import dataclasses
import re
import unicodedata
from typing import Any

from pipeline.errors import Phrase

CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ufffe\uffff]")


# characters that show nothing: format characters (U+200B zero width space, U+FEFF, U+00AD soft hyphen …), the
# blank fillers (U+3164, U+FFA0, U+115F, U+1160) and the blank braille pattern (U+2800)
BLANK_FILLERS = "\u3164\uffa0\u115f\u1160\u2800"


def shows_something(text: str) -> bool:
    """Whether text holds a character a reader can see (not only spaces, format characters or blank fillers):
    a reviewer's name made of U+200B alone names nobody."""
    return any(not (c.isspace() or unicodedata.category(c) in ("Cf", "Cc", "Zs", "Zl", "Zp") or c in BLANK_FILLERS)
               for c in text)


def code_point(char: str) -> str:
    return f"U+{ord(char):04X}"


def find_control(text: str) -> Phrase | None:
    """None when text holds no control character, else what and where the first one is, for a message (str() of
    it in English): "an invisible control character (U+000B) after 'Zhang'"."""
    found = CONTROL.search(text)
    if not found:
        return None
    before = text[:found.start()][-12:]
    code = code_point(found.group())
    return Phrase("control_after", {"code": code, "before": before}) if before else \
        Phrase("control_at_start", {"code": code})


def visible(text: str) -> str:
    """text with each control character written out as [U+000B]."""
    return CONTROL.sub(lambda m: f"[{code_point(m.group())}]", text)


def visible_copy(value: Any) -> Any:
    """A copy of a value (frozen dataclasses, tuples, lists, dicts, strings, nested) with every string passed
    through visible(); parts that hold no control character are returned as they are (the same object)."""
    if isinstance(value, str):
        return visible(value) if CONTROL.search(value) else value
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        changed = {}
        for f in dataclasses.fields(value):
            if not f.init:
                continue
            old = getattr(value, f.name)
            new = visible_copy(old)
            if new is not old:
                changed[f.name] = new
        return dataclasses.replace(value, **changed) if changed else value
    if isinstance(value, (tuple, list)):
        items = [visible_copy(v) for v in value]
        if all(a is b for a, b in zip(items, value)):
            return value
        return type(value)(items)
    if isinstance(value, dict):
        pairs = [(visible_copy(k), visible_copy(v)) for k, v in value.items()]
        if all(k is k0 and v is v0 for (k, v), (k0, v0) in zip(pairs, value.items())):
            return value
        return dict(pairs)
    return value
