"""The one way every backend turns speaker indices into the Diarization artifact: names SPEAKER_00,
SPEAKER_01 … (in order of first appearance, or in channel order for a stereo call split per channel),
times rounded to the millisecond, centroids to 6 decimals, with the model files, method and tuning."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import numpy as np

from pipeline.artifacts import Diarization, Turn
from pipeline.stages.diarize.clustering import IndexedTurn
from pipeline.stages.diarize.tuning import Tuning


def speaker_name(index: int) -> str:
    return f"SPEAKER_{index:02d}"


def named(turns: Iterable[IndexedTurn], exclusive: Iterable[IndexedTurn], centroids: Mapping[int, np.ndarray],
          model_files: Mapping[str, str], method: str, tuning: Tuning | None = None,
          channels: int = 0) -> Diarization:
    """The artifact for (start, end, speaker index) turns and exclusive turns. With `channels`, speaker i is
    channel i's (SPEAKER_00 = left) and Diarization.channel_speakers names them; otherwise speakers are
    named in order of first appearance in `turns` and indices that never appear there are dropped.
    `centroids` maps a speaker index to its mean embedding (speakers without one get none); `tuning` is
    recorded when the local algorithm made the turns."""
    turns, exclusive = list(turns), list(exclusive)
    if channels:
        order = {i: speaker_name(i) for i in range(channels)}
    else:
        order = {}
        for _, _, index in sorted(turns):
            order.setdefault(index, speaker_name(len(order)))
    named_turns = tuple(Turn(round(a, 3), round(b, 3), order[i]) for a, b, i in turns if i in order)
    named_exclusive = tuple(Turn(round(a, 3), round(b, 3), order[i]) for a, b, i in exclusive if i in order)
    vectors = {name: tuple(round(float(v), 6) for v in centroids[index])
               for index, name in order.items() if index in centroids}
    return Diarization(method=method, turns=named_turns, exclusive_turns=named_exclusive,
                       speakers=tuple(sorted({t.speaker for t in named_turns})), model_files=dict(model_files),
                       centroids=vectors, channel_speakers=tuple(order.values()) if channels else (),
                       tuning=tuning.record() if tuning else {})
