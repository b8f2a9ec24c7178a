"""One short listening clip per speaker id (out/<name>/speakers/<id>.wav), so that a user can hear each voice
before naming it in speakers.csv. The clip is the speaker's longest stretch of speech that nobody else talks
over, at most CLIP_SECONDS long."""

from __future__ import annotations

from pathlib import Path

from pipeline.artifacts import Diarization, Turn
from pipeline.audio import SAMPLE_RATE, read_wav, write_wav
from pipeline.rundir import RunDir
from pipeline.stages.merge import overlap_regions

CLIP_SECONDS = 8.0


def _clean_stretches(turn: Turn, overlaps: list[tuple[float, float]]) -> list[tuple[float, float]]:
    """The parts of a turn that no overlap region covers."""
    pieces = [(turn.start, turn.end)]
    for a, b in overlaps:
        pieces = [p for s, e in pieces for p in ((s, min(e, a)), (max(s, b), e)) if p[1] > p[0]]
    return pieces


def clearest_stretch(diarization: Diarization, speaker: str) -> tuple[float, float] | None:
    overlaps = overlap_regions(diarization.turns)
    stretches = [p for t in diarization.exclusive_turns if t.speaker == speaker for p in _clean_stretches(t, overlaps)]
    if not stretches:
        return None
    start, end = max(stretches, key=lambda p: p[1] - p[0])
    return start, min(end, start + CLIP_SECONDS)


def write_speaker_clips(run: RunDir, diarization: Diarization, into: RunDir | None = None) -> dict[str, Path]:
    """speaker id → clip file, for every speaker with speech of their own, cut from the run's working copy
    into the speakers/ folder of `into` (the run folder itself when not given). The clip of an id no longer
    found is removed when the new outputs are moved into place (runner._stale)."""
    into = into or run
    into.speaker_clips.mkdir(exist_ok=True)
    clips = {}
    for speaker in diarization.speakers:
        stretch = clearest_stretch(diarization, speaker)
        if stretch is None:
            continue
        start, end = (int(round(x * SAMPLE_RATE)) for x in stretch)
        path = into.speaker_clip(speaker)
        write_wav(path, read_wav(run.wav, start, end))
        clips[speaker] = path
    return clips
