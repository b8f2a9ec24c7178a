"""The machinery every settings section shares: a section checks itself when it is made (each value's type, its
allowed values and range), and one is made from a file's or a record's data the same way."""

from __future__ import annotations

import dataclasses
import tomllib
from dataclasses import field
from pathlib import Path
from typing import Any, ClassVar

from pipeline.controls import find_control, shows_something
from pipeline.errors import ConfigError, Joined, Name


def choice(default: str, label: str, options: tuple[str, ...]) -> Any:
    return field(default=default, metadata={"label": label, "choices": options})


def number(default: float, label: str, low: float | None = None, high: float | None = None,
            **more: Any) -> Any:
    return field(default=default, metadata={"label": label, "low": low, "high": high, **more})


OUTSIDE_KEYS = "outside_keys"   # metadata: a setting that does not change what a stage makes (left out of keys)


class Section:
    """Checks a settings section when it is made: each value's type, its allowed values and range."""

    section: ClassVar[str] = ""      # its name in the settings file: [transcribe]

    def __post_init__(self) -> None:
        section = self.section
        for f in dataclasses.fields(self):
            value, default = getattr(self, f.name), f.default
            where = f"[{section}] {f.name}"
            if not same_type(value, default):
                raise ConfigError.keyed("setting_type", where=where, kind=Name(type(default).__name__), value=value)
            label = Name(f.metadata.get("label", f.name))
            for text in (value,) if isinstance(value, str) else value if isinstance(value, tuple) else ():
                if found := find_control(text):
                    raise ConfigError.keyed("setting_control", label=label, found=found, where=where)
                if text and not shows_something(text) and text.strip():
                    raise ConfigError.keyed("setting_invisible", label=label, where=where)
            options = f.metadata.get("choices")
            if options and value not in options:
                raise ConfigError.keyed("setting_choice", label=label, options=Joined(options), value=value,
                                        where=where)
            low, high = f.metadata.get("low"), f.metadata.get("high")
            if (low is not None and value < low) or (high is not None and value > high):
                bounds = {"low": f"{low:g}"} | ({"high": f"{high:g}"} if high is not None else {})
                raise ConfigError.keyed("setting_between" if "high" in bounds else "setting_at_least", label=label,
                                        value=value, where=where, **bounds)
        self.check()

    def check(self) -> None:
        """Rules between the fields of one section."""


def same_type(value: Any, default: Any) -> bool:
    if isinstance(default, bool) or isinstance(value, bool):
        return type(value) is type(default)
    if isinstance(default, float):
        return isinstance(value, (int, float))
    if isinstance(default, tuple):
        return isinstance(value, tuple) and all(isinstance(v, str) for v in value)
    return type(value) is type(default)


def section_from(cls: type, data: dict[str, Any], where: str) -> Any:
    known = {f.name: f for f in dataclasses.fields(cls)}
    unknown = sorted(set(data) - set(known))
    if unknown:
        raise ConfigError.keyed("unknown_settings", where=where, names=Joined(tuple(unknown)))
    values = {}
    for name, value in data.items():
        default = known[name].default
        if isinstance(default, tuple) and isinstance(value, list):
            value = tuple(value)
        elif isinstance(default, float) and isinstance(value, int) and not isinstance(value, bool):
            value = float(value)
        if not same_type(value, default):
            raise ConfigError.keyed("setting_type_in", where=where, name=name, kind=Name(type(default).__name__),
                                    value=value)
        values[name] = value
    return cls(**values)


def read_toml(path: Path, what: Name) -> dict[str, Any]:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else exc
        raise ConfigError.keyed("cannot_read", what=what, path=path, reason=str(reason)) from exc
