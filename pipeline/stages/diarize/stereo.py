"""Two-channel recordings: telling a call recorded one side per channel (is_call) from a stereo recording of
one room, and diarizing a call as one speaker per channel (diarize_channels)."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence

import numpy as np

from pipeline.artifacts import Diarization
from pipeline.audio import SAMPLE_RATE
from pipeline.progress import StageProgress, part, silent
from pipeline.stages.diarize.clustering import FrameGrid, normalise, to_turns
from pipeline.stages.diarize.embedder import SpeakerEmbedder
from pipeline.stages.diarize.local import embed_windows
from pipeline.stages.diarize.models import DiarizeModels
from pipeline.stages.diarize.naming import named
from pipeline.stages.diarize.segmentation import segment
from pipeline.stages.diarize.tuning import TUNING, Tuning

log = logging.getLogger(__name__)

METHOD_STEREO = "stereo-channels"
BLOCK_SECONDS = 60.0    # the channels' levels are measured this much audio at a time (memory flat in duration)

# the channels of a two-channel recording, each read by slices: a (channels, samples) array, or
# audio.channel_views of the working copy (read from the file a block at a time)
Sides = Sequence


def frame_energy(sides: Sides, frames: FrameGrid, n_frames: int, width: float) -> np.ndarray:
    """(2, frames) dB energy of `width` s of audio centred on each frame, of the first two channels, read a
    block of frames at a time."""
    length = len(sides[0])
    centres = frames.middles(np.arange(n_frames))
    a = np.clip(np.round((centres - width / 2) * SAMPLE_RATE).astype(np.int64), 0, length)
    b = np.clip(np.round((centres + width / 2) * SAMPLE_RATE).astype(np.int64), 0, length)
    mean = np.zeros((2, n_frames))
    per_block = max(1, int(BLOCK_SECONDS / frames.step))
    for first in range(0, n_frames, per_block):
        starts, ends = a[first:first + per_block], b[first:first + per_block]
        low, high = int(starts.min()), int(ends.max())
        block = np.stack([np.asarray(side[low:high], dtype=np.float64) for side in sides[:2]])
        power = np.concatenate([np.zeros((2, 1)), np.cumsum(block ** 2, axis=1)], axis=1)
        mean[:, first:first + per_block] = (power[:, ends - low] - power[:, starts - low]) / np.maximum(ends - starts, 1)
    return 10 * np.log10(mean + 1e-10)


def _levels(sides: Sides, hop: int, n: int) -> np.ndarray:
    """(2, n) dB level of each `hop`-sample frame of the first two channels, read a block at a time."""
    per_block = max(1, int(BLOCK_SECONDS * SAMPLE_RATE) // hop)
    levels = np.zeros((2, n))
    for first in range(0, n, per_block):
        count = min(per_block, n - first)
        block = np.stack([np.asarray(side[first * hop:(first + count) * hop], dtype=np.float64)
                          for side in sides[:2]]).reshape(2, count, hop)
        levels[:, first:first + count] = 10 * np.log10((block ** 2).mean(axis=2) + 1e-10)
    return levels


def _frames(side: Sequence, indices: np.ndarray, hop: int) -> np.ndarray:
    """The `hop`-sample frames `indices` (ascending) of one channel, one after the other: each run of
    consecutive frames read at once."""
    if not len(indices):
        return np.zeros(0, np.float32)
    breaks = np.flatnonzero(np.diff(indices) > 1) + 1
    runs = zip(np.concatenate([[0], breaks]), np.concatenate([breaks, [len(indices)]]))
    return np.concatenate([np.asarray(side[indices[i] * hop:(indices[j - 1] + 1) * hop]) for i, j in runs])


def is_call(sides: Sides, embedder: Callable[[], SpeakerEmbedder], tuning: Tuning = TUNING) -> bool:
    """Whether two channels carry two different voices (a call recorded one side per channel): most
    speech frames (`stereo_frame` s) are dominated by one channel (louder by `dominance_db`), each channel
    dominates some of them, and the CAM++ embeddings of each channel's dominated speech are dissimilar.
    `embedder` gives the embedder, asked for (and so loaded) only once the levels point to a call."""
    hop = int(tuning.stereo_frame * SAMPLE_RATE)
    n = min(len(sides[0]), len(sides[1])) // hop
    if n < tuning.call_min_frames:
        return False
    energy = _levels(sides, hop, n)
    loudest = energy.max(axis=0)
    speech = loudest > max(tuning.call_floor_db, np.percentile(loudest, tuning.call_percentile) - tuning.call_range_db)
    difference = (energy[0] - energy[1])[speech]
    if speech.sum() < tuning.call_min_frames:
        return False
    dominated = np.abs(difference) >= tuning.dominance_db
    sides_share = [(difference >= tuning.dominance_db).mean(), (difference <= -tuning.dominance_db).mean()]
    log.debug("stereo: %.2f of speech frames dominated by one channel (L %.2f, R %.2f)", dominated.mean(),
              *sides_share)
    if dominated.mean() < tuning.call_dominated or min(sides_share) < tuning.call_side:
        return False
    most = int(round(tuning.call_max_seconds / tuning.stereo_frame))
    chunks = []
    for side, mask in ((sides[0], np.flatnonzero(speech)[difference >= tuning.dominance_db]),
                       (sides[1], np.flatnonzero(speech)[difference <= -tuning.dominance_db])):
        audio = _frames(side, mask[:most], hop)
        if len(audio) < tuning.min_window * SAMPLE_RATE:
            return False
        chunks.append(audio)
    a, b = embedder().embed(chunks)
    similarity = float(a @ b)
    log.debug("stereo: the channels' voices have cosine similarity %.2f", similarity)
    return similarity < tuning.call_similarity


def diarize_channels(sides: Sides, models: DiarizeModels, progress: StageProgress = silent,
                     tuning: Tuning = TUNING) -> Diarization:
    """One speaker per channel: SPEAKER_00 = left, SPEAKER_01 = right. A channel speaks where
    segmentation-3.0 hears speech on it and it is not merely the other side's echo (more than
    `echo_db` below the other channel); where both speak, the exclusive turn goes to the louder.
    Progress 0 → 1: each channel's segmentation 0.45 of it, its embeddings 0.05."""
    progress(0, 1)
    duration = len(sides[0]) / SAMPLE_RATE
    if len(sides[0]) < tuning.min_window * SAMPLE_RATE:
        progress(1, 1)
        return named((), (), {}, models.model_files, METHOD_STEREO, tuning)
    activities = [segment(sides[i], models.segmentation, tuning, part(progress, 0.45 * i, 0.45 * (i + 1)))
                  for i in range(2)]
    frames = activities[0].frames
    n = min(len(a.count) for a in activities)
    energy = frame_energy(sides, frames, n, tuning.energy_width)
    active = np.stack([(activities[i].count[:n] > 0) & (energy[i] >= energy[1 - i] - tuning.echo_db)
                       for i in range(2)], axis=1)
    louder = np.stack([energy[0] >= energy[1], energy[1] > energy[0]], axis=1)
    exclusive_mask = active & (louder | ~active[:, ::-1])
    turns = to_turns(active, frames, tuning.min_turn, duration)
    exclusive = to_turns(exclusive_mask, frames, tuning.min_turn, duration)
    centroids = {}
    for i in range(2):
        runs = [(a, b) for a, b, s in exclusive if s == i and b - a >= tuning.min_window]
        if runs:
            vectors = embed_windows(sides[i], runs, models.embedder, tuning.embed_batch,
                                    part(progress, 0.9 + 0.05 * i, 0.95 + 0.05 * i))
            centroids[i] = normalise(vectors.mean(axis=0, keepdims=True))[0]
    progress(1, 1)
    return named(turns, exclusive, centroids, models.model_files, METHOD_STEREO, tuning, channels=2)
