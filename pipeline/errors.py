"""The errors a user can act on. The CLI turns each into one line and exit code 2."""

from __future__ import annotations


class PipelineError(Exception):
    """A problem with the user's input or set-up, worded for a lawyer, not a programmer."""


class BadAudioError(PipelineError):
    """The recording is missing, empty, corrupt, or has no audio stream."""


class MissingModelError(PipelineError):
    """A model file is absent or does not match the hash recorded in configs/models.toml."""


class SpeakersCsvError(PipelineError):
    """speakers.csv cannot be read or names a speaker that does not exist."""


class ConfigError(PipelineError):
    """A settings or rules file is malformed."""


class TranscriptCsvError(PipelineError):
    """transcript.csv (the review of the transcript) cannot be read or names a line or speaker that does not exist."""
