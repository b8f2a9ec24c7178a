"""The diarizer's parameters: every number the algorithm uses, in one frozen dataclass (measured with
tools/eval_diarization.py; not user settings). The artifact records the values that made it."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass


@dataclass(frozen=True)
class Tuning:
    # segmentation-3.0 (local speakers, per-frame speaker count)
    segmentation_step: float = 1.0   # s between the 10 s segmentation windows (each frame heard by 10)
    segmentation_batch: int = 4      # windows run at once (memory grows with it: ~20 MB a window)
    soft_count: bool = True          # count = expected speakers under the powerset probabilities (else argmax)
    count_threshold: float = 0.5     # a frame has speech when the windows hear this many speakers on average …
    overlap_threshold: float = 0.3   # … and n >= 2 speakers when they hear n - 1 + this on average
    evidence_seconds: float = 1.0    # s a local speaker must talk in one 10 s window to count as a voice …
    evidence_windows: int = 1        # … in at least this many windows (see clustering.voices_heard)
    # CAM++ embedding windows
    window: float = 1.5              # s of audio per CAM++ embedding
    hop: float = 0.75                # s between embedding windows
    min_window: float = 0.4          # s: shorter speech regions get no embedding of their own
    bridge: float = 0.3              # s: silences shorter than this inside speech are embedded across
    max_windows: int = 4000          # the hop grows on long recordings to keep clustering's memory bounded
    single_only: bool = True         # embed only where segmentation hears one voice (overlap excluded)
    embed_batch: int = 64            # windows handed to CAM++ at a time (progress is reported per batch)
    # clustering and turns
    min_cluster: int = 2             # windows; smaller clusters join their nearest when counting freely
    short_seconds: float = 4.0       # s of talk: a cluster with less is a fragment, not a voice (clustering.voices)
    same_voice: float = 0.7          # cosine of two voices' centroids from which they are one voice
    fragment_apart: float = 0.6      # counting freely, a fragment less similar than this to every voice is kept
    given_tries: int = 20            # cuts tried past a given number of speakers to find that many voices
    min_turn: float = 0.1            # s: shorter turns are dropped
    # stereo: is it a call recorded one side per channel? (see stereo.is_call)
    stereo_frame: float = 0.05       # s of audio per frame when comparing the channels' levels
    call_min_frames: int = 10        # fewer frames (or speech frames) than this: not a call
    call_percentile: float = 95.0    # speech: frames within call_range_db of this percentile of the loudest level …
    call_range_db: float = 30.0      # …
    call_floor_db: float = -60.0     # … and above this dBFS (below it a frame is silence)
    dominance_db: float = 6.0        # a frame is one channel's when louder by this much …
    call_dominated: float = 0.5      # … a call when this share of speech frames is one channel's …
    call_side: float = 0.05          # … each channel has at least this share …
    call_similarity: float = 0.5     # … and the two channels' voices are less similar than this (cosine)
    call_max_seconds: float = 20.0   # s of each channel's dominated speech embedded to compare the voices
    # stereo: one speaker per channel (see stereo.diarize_channels)
    energy_width: float = 0.05       # s of audio centred on each segmentation frame to measure its level
    echo_db: float = 15.0            # a channel this far below the other only hears its echo

    def record(self) -> dict[str, float]:
        """The values as the artifact keeps them (Diarization.tuning)."""
        return {name: float(value) for name, value in dataclasses.asdict(self).items()}


TUNING = Tuning()
