"""The diarization as standard RTTM (one SPEAKER line per turn, overlapping turns included), with the speaker
ids of speakers.csv, so that any tool (pyannote.metrics, dscore, …) can score or display it."""

from __future__ import annotations

from pathlib import Path

from pipeline.artifacts import Diarization
from pipeline.fileio import write_text_atomic


def rttm_text(diarization: Diarization, uri: str) -> str:
    uri = "_".join(uri.split()) or "recording"  # RTTM fields are separated by spaces
    lines = [
        f"SPEAKER {uri} 1 {t.start:.3f} {t.end - t.start:.3f} <NA> <NA> {t.speaker} <NA> <NA>\n"
        for t in sorted(diarization.turns, key=lambda t: (t.start, t.speaker))
        if t.end > t.start
    ]
    return "".join(lines)


def write_rttm(path: Path, diarization: Diarization, uri: str) -> None:
    write_text_atomic(path, rttm_text(diarization, uri))
