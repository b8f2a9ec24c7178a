"""Subtitles: one cue per utterance, the speaker before the words, to play beside the original recording."""

from __future__ import annotations

from pathlib import Path

from pipeline.artifacts import Labelled, write_text_atomic
from pipeline.export.wording import doc_language, load_wording, speakers_by_id, utterance_text
from pipeline.timefmt import srt_time


def srt_text(labelled: Labelled) -> str:
    wording = load_wording(doc_language(labelled.language))
    speakers = speakers_by_id(labelled)
    cues = [
        f"{number}\n{srt_time(u.start)} --> {srt_time(u.end)}\n"
        f"{utterance_text(u, speakers.get(u.speaker), wording, with_time=False)}\n"
        for number, u in enumerate(labelled.items, start=1)
    ]
    return "\n".join(cues)


def write_srt(path: Path, labelled: Labelled) -> None:
    write_text_atomic(path, srt_text(labelled))
