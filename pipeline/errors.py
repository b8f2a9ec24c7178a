"""The errors a user can act on. The CLI turns each into one line and exit code 2."""

from __future__ import annotations

import errno
from pathlib import Path


class PipelineError(Exception):
    """A problem with the user's input or set-up, worded for a lawyer, not a programmer."""


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


class TranscriptCsvError(PipelineError):
    """transcript.csv (the review of the transcript) cannot be read or names a line or speaker that does not exist."""


class StaleSaveError(PipelineError):
    """A save made from a page loaded before transcript.csv or the run last changed: refused, nothing written."""


def os_error(exc: OSError, where: Path) -> PipelineError:
    """An operating-system error (disk full, no permission …) met while writing in `where`, as one line."""
    if exc.errno == errno.ENOSPC:
        return PipelineError(f"{where}: the disk is full: free some space, then run again (the files of the "
                             "previous run are as they were)")
    return PipelineError(f"{exc.filename or where}: {exc.strerror or exc}")
