"""Artifacts as JSON: an artifact (a frozen dataclass of pipeline.artifacts) saved in the run folder as
stages/<stage>.json and read back, checked. The same data always gives the same bytes, so a file's sha256 stands
for its content."""

from __future__ import annotations

import dataclasses
import functools
import json
import types
import typing
from pathlib import Path
from typing import Any, TypeVar

from pipeline.fileio import write_text_atomic

SCHEMA_VERSION = 2

T = TypeVar("T")


def to_dict(obj: Any) -> Any:
    """A JSON-ready copy of an artifact (dataclasses → dicts, tuples → lists)."""
    if dataclasses.is_dataclass(obj):
        return {f.name: to_dict(getattr(obj, f.name)) for f in dataclasses.fields(obj)}
    if isinstance(obj, (list, tuple)):
        return [to_dict(v) for v in obj]
    if isinstance(obj, dict):
        return {str(k): to_dict(v) for k, v in obj.items()}
    return obj


def _build(tp: Any, value: Any) -> Any:
    origin = typing.get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        inner = [a for a in typing.get_args(tp) if a is not type(None)]
        if value is None or len(inner) > 1:   # None, or one of several plain types (str | float)
            return value
        return _build(inner[0], value)
    if dataclasses.is_dataclass(tp):
        return from_dict(tp, value)
    if origin is tuple:
        args = typing.get_args(tp)
        if len(args) == 2 and args[1] is Ellipsis:
            return tuple(_build(args[0], v) for v in value)
        return tuple(_build(a, v) for a, v in zip(args, value))
    if origin is list:
        (inner,) = typing.get_args(tp)
        return [_build(inner, v) for v in value]
    if origin is dict:
        _, inner = typing.get_args(tp)
        return {k: _build(inner, v) for k, v in value.items()}
    if tp is float and isinstance(value, int):
        return float(value)
    return value


@functools.cache
def _fields(cls: type) -> tuple[tuple[str, Any], ...]:
    """Each field's name and type (resolved once per class: a 60-minute transcript has 30,000 words)."""
    hints = typing.get_type_hints(cls)
    return tuple((f.name, hints[f.name]) for f in dataclasses.fields(cls))


def from_dict(cls: type[T], data: dict[str, Any]) -> T:
    """Rebuild an artifact from what to_dict produced; unknown keys are ignored."""
    return cls(**{name: _build(tp, data[name]) for name, tp in _fields(cls) if name in data})


def artifact_text(obj: Any) -> str:
    """An artifact as the JSON text saved for it: equal data, equal text."""
    payload = {"schema": SCHEMA_VERSION, "type": type(obj).__name__, "data": to_dict(obj)}
    return json.dumps(payload, ensure_ascii=False, indent=1)


def save(obj: Any, path: Path) -> None:
    """Write an artifact as JSON atomically (temp file, then rename)."""
    write_text_atomic(path, artifact_text(obj))


def load(cls: type[T], path: Path) -> T | None:
    """The artifact at path, or None when it is absent, unreadable, or of another type or schema."""
    try:
        payload = json.loads(path.read_text(encoding="utf-8"))
        if payload.get("schema") != SCHEMA_VERSION or payload.get("type") != cls.__name__:
            return None
        return from_dict(cls, payload["data"])
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None
