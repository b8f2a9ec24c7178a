"""Subtitles: one cue per utterance, the speaker before the words, to play beside the original recording."""

from __future__ import annotations

from pathlib import Path

from pipeline.artifacts import Labelled
from pipeline.export.wording import load_wording, speakers_by_id, utterance_text
from pipeline.fileio import write_text_atomic
from pipeline.timefmt import srt_time


def srt_text(labelled: Labelled, language: str) -> str:
    """The subtitles in `language` (the exhibit's: speaker labels and marks)."""
    wording = load_wording(language)
    speakers = speakers_by_id(labelled)
    cues = [
        f"{number}\n{srt_time(u.start)} --> {srt_time(u.end)}\n"
        f"{utterance_text(u, speakers.get(u.speaker), wording, with_time=False)}\n"
        for number, u in enumerate(labelled.items, start=1)
    ]
    return "\n".join(cues)


def write_srt(path: Path, labelled: Labelled, language: str) -> None:
    write_text_atomic(path, srt_text(labelled, language))
