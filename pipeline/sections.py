"""The machinery every settings section shares: a section checks itself when it is made (each value's type, its
allowed values and range), and one is made from a file's or a record's data the same way."""

from __future__ import annotations

import dataclasses
import tomllib
from dataclasses import field
from pathlib import Path
from typing import Any, ClassVar

from pipeline.controls import find_control, shows_something
from pipeline.errors import ConfigError


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
                raise ConfigError(f"{where} should be a {type(default).__name__}, not {value!r}")
            label = f.metadata.get("label", f.name)
            for text in (value,) if isinstance(value, str) else value if isinstance(value, tuple) else ():
                if found := find_control(text):
                    raise ConfigError(f"{label} holds {found}: remove it ({where})")
                if text and not shows_something(text) and text.strip():
                    raise ConfigError(f"{label} holds only characters that show nothing (such as U+200B): write "
                                      f"it out, or leave it empty ({where})")
            options = f.metadata.get("choices")
            if options and value not in options:
                raise ConfigError(f"{label} must be one of {', '.join(options)}, not {value!r} ({where})")
            low, high = f.metadata.get("low"), f.metadata.get("high")
            if (low is not None and value < low) or (high is not None and value > high):
                bounds = f"at least {low:g}" if high is None else f"between {low:g} and {high:g}"
                raise ConfigError(f"{label} must be {bounds}, not {value!r} ({where})")
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
        raise ConfigError(f"{where}: unknown setting(s) {', '.join(unknown)}")
    values = {}
    for name, value in data.items():
        default = known[name].default
        if isinstance(default, tuple) and isinstance(value, list):
            value = tuple(value)
        elif isinstance(default, float) and isinstance(value, int) and not isinstance(value, bool):
            value = float(value)
        if not same_type(value, default):
            raise ConfigError(f"{where}: {name} should be a {type(default).__name__}, not {value!r}")
        values[name] = value
    return cls(**values)


def read_toml(path: Path, what: str) -> dict[str, Any]:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else exc
        raise ConfigError(f"cannot read {what} {path}: {reason}") from exc
