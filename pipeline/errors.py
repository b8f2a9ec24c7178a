"""The errors a user can act on. The CLI turns each into one line and exit code 2, in the user's language.

An error raised with `keyed(key, **params)` carries a Phrase: a key of the [errors] table of the wording files
(configs/exhibit_en.toml, exhibit_zh.toml) and the values of its {placeholders}. Its str() is the English
template filled in; `text("zh")` the Chinese one. An error raised with a plain text says it in English in every
language (the CLI puts the Chinese 错误： before it)."""

from __future__ import annotations

import errno
import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Self

from pipeline.locations import wording_file

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Phrase:
    """A message, or a part of one, in any of the wording files' languages: [errors] `key`, its placeholders
    filled with `params`. A value may itself be a Phrase, a PipelineError, a Name, Joined or Each: each is said
    in the same language. str() is the English."""

    key: str
    params: Mapping[str, Any] = field(default_factory=dict)

    def text(self, language: str = "en") -> str:
        try:
            template = error_wording(language)[self.key]
            return template.format(**{name: said(value, language) for name, value in self.params.items()})
        except (OSError, KeyError, IndexError, ValueError, TypeError) as exc:   # a wording file without it
            log.warning("[errors] %s in the %s wording: %s", self.key, language, exc)
            return self.text("en") if language != "en" else f"{self.key} {dict(self.params)}"

    def __str__(self) -> str:
        return self.text("en")


class Name(str):
    """A name inside a message (a setting's label, a kind of value) as the code writes it, in English; a message
    shows it as its language's [errors.names] names it (as it is where that does not)."""


class Each(dict):
    """A value the code has in each language ({"en": "Recording date", "zh": "录音时间"}: a page's own words for
    it); a message shows its language's, the English where it has none."""


@dataclass(frozen=True)
class Joined:
    """Several values in one placeholder, each said in the message's language, between [errors] `separator`."""

    items: tuple[Any, ...]
    separator: str = "list_separator"


def error_wording(language: str) -> Mapping[str, Any]:
    """The [errors] table of configs/exhibit_<language>.toml; OSError or TOMLDecodeError if it cannot be read."""
    return wording_file(language).get("errors", {})


def said(value: Any, language: str) -> Any:
    """A placeholder's value as a message in `language` shows it."""
    if isinstance(value, (Phrase, PipelineError)):
        return value.text(language)
    if isinstance(value, Joined):
        return error_wording(language)[value.separator].join(str(said(v, language)) for v in value.items)
    if isinstance(value, Name):
        return error_wording(language).get("names", {}).get(value, str(value))
    if isinstance(value, Each):
        return value.get(language, value.get("en", ""))
    return value


class PipelineError(Exception):
    """A problem with the user's input or set-up, worded for a lawyer, not a programmer."""

    @classmethod
    def keyed(cls, key: str, /, **params: Any) -> Self:
        """This error with the message [errors] `key` of the wording files, its placeholders filled by params."""
        return cls(Phrase(key, params))

    @property
    def phrase(self) -> Phrase | None:
        """The keyed message (None for an error raised with a plain English text)."""
        return self.args[0] if len(self.args) == 1 and isinstance(self.args[0], Phrase) else None

    def text(self, language: str = "en") -> str:
        """The message in `language` (zh, en): a keyed one in that language's words, any other as it was given."""
        return self.phrase.text(language) if self.phrase else str(self)


class BadAudioError(PipelineError):
    """The recording is missing, empty, corrupt, or has no audio stream."""


class MissingModelError(PipelineError):
    """A model file is absent or does not match the hash recorded in configs/models.toml."""


class SpeakersCsvError(PipelineError):
    """speakers.csv cannot be read or names a speaker that does not exist."""


class TamperedError(PipelineError):
    """A working file of a run folder is not as the run that made it recorded (exhibit transcript --strict)."""


class ConfigError(PipelineError):
    """A settings or rules file is malformed."""


class ManifestError(PipelineError, ValueError):
    """A run folder's manifest.json cannot be read as the record of a run (a ValueError too, for the callers that
    take an unreadable record as no record)."""


class TranscriptCsvError(PipelineError):
    """transcript.csv (the review of the transcript) cannot be read or names a line or speaker that does not exist."""


class StaleSaveError(PipelineError):
    """A save made from a page loaded before transcript.csv or the run last changed: refused, nothing written."""


# the operating-system errors said in the user's language, by errno: (key, the C library's English for it); the
# English message is the one the system gave, so another wording of it stays as it is
_OS_ERRORS = {errno.EACCES: ("no_permission", "Permission denied"),
              errno.EPERM: ("not_permitted", "Operation not permitted"),
              errno.EROFS: ("read_only", "Read-only file system")}


def os_error(exc: OSError, where: Path) -> PipelineError:
    """An operating-system error (disk full, no permission …) met while writing in `where`, as one line."""
    if exc.errno == errno.ENOSPC:
        return PipelineError.keyed("disk_full", folder=where)
    path = exc.filename or where
    key, english = _OS_ERRORS.get(exc.errno, ("", ""))
    if key and exc.strerror == english:
        return PipelineError.keyed(key, path=path)
    return PipelineError(f"{path}: {exc.strerror or exc}")
