"""Two-channel recordings: telling a call recorded one side per channel (is_call) from a stereo recording of
one room, and diarizing a call as one speaker per channel (diarize_channels)."""

from __future__ import annotations

import logging
from collections.abc import Callable

import numpy as np

from pipeline.artifacts import Diarization
from pipeline.audio import SAMPLE_RATE
from pipeline.progress import StageProgress, part, silent
from pipeline.stages.diarize.clustering import FrameGrid, normalise, to_turns
from pipeline.stages.diarize.embedder import SpeakerEmbedder
from pipeline.stages.diarize.models import DiarizeModels
from pipeline.stages.diarize.naming import named
from pipeline.stages.diarize.segmentation import segment
from pipeline.stages.diarize.tuning import TUNING, Tuning

log = logging.getLogger(__name__)

METHOD_STEREO = "stereo-channels"


def frame_energy(samples: np.ndarray, frames: FrameGrid, n_frames: int, width: float) -> np.ndarray:
    """(channels, frames) dB energy of `width` s of audio centred on each frame, for (channels, samples)."""
    power = np.concatenate([np.zeros((samples.shape[0], 1)), np.cumsum(samples.astype(np.float64) ** 2, axis=1)], axis=1)
    centres = frames.middles(np.arange(n_frames))
    a = np.clip(np.round((centres - width / 2) * SAMPLE_RATE).astype(np.int64), 0, samples.shape[1])
    b = np.clip(np.round((centres + width / 2) * SAMPLE_RATE).astype(np.int64), 0, samples.shape[1])
    mean = (power[:, b] - power[:, a]) / np.maximum(b - a, 1)
    return 10 * np.log10(mean + 1e-10)


def is_call(stereo: np.ndarray, embedder: Callable[[], SpeakerEmbedder], tuning: Tuning = TUNING) -> bool:
    """Whether two channels carry two different voices (a call recorded one side per channel): most
    speech frames (`stereo_frame` s) are dominated by one channel (louder by `dominance_db`), each channel
    dominates some of them, and the CAM++ embeddings of each channel's dominated speech are dissimilar.
    `embedder` gives the embedder, asked for (and so loaded) only once the levels point to a call."""
    left, right = stereo[0], stereo[1]
    hop = int(tuning.stereo_frame * SAMPLE_RATE)
    n = min(len(left), len(right)) // hop
    if n < tuning.call_min_frames:
        return False
    energy = 10 * np.log10((np.stack([left[:n * hop], right[:n * hop]]).reshape(2, n, hop).astype(np.float64) ** 2)
                           .mean(axis=2) + 1e-10)
    loudest = energy.max(axis=0)
    speech = loudest > max(tuning.call_floor_db, np.percentile(loudest, tuning.call_percentile) - tuning.call_range_db)
    difference = (energy[0] - energy[1])[speech]
    if speech.sum() < tuning.call_min_frames:
        return False
    dominated = np.abs(difference) >= tuning.dominance_db
    sides = [(difference >= tuning.dominance_db).mean(), (difference <= -tuning.dominance_db).mean()]
    log.debug("stereo: %.2f of speech frames dominated by one channel (L %.2f, R %.2f)", dominated.mean(), *sides)
    if dominated.mean() < tuning.call_dominated or min(sides) < tuning.call_side:
        return False
    most = int(round(tuning.call_max_seconds / tuning.stereo_frame))
    chunks = []
    for channel, mask in ((left, np.flatnonzero(speech)[difference >= tuning.dominance_db]),
                          (right, np.flatnonzero(speech)[difference <= -tuning.dominance_db])):
        audio = np.concatenate([channel[i * hop:(i + 1) * hop] for i in mask[:most]])
        if len(audio) < tuning.min_window * SAMPLE_RATE:
            return False
        chunks.append(audio)
    a, b = embedder().embed(chunks)
    similarity = float(a @ b)
    log.debug("stereo: the channels' voices have cosine similarity %.2f", similarity)
    return similarity < tuning.call_similarity


def diarize_channels(stereo: np.ndarray, models: DiarizeModels, progress: StageProgress = silent,
                     tuning: Tuning = TUNING) -> Diarization:
    """One speaker per channel: SPEAKER_00 = left, SPEAKER_01 = right. A channel speaks where
    segmentation-3.0 hears speech on it and it is not merely the other side's echo (more than
    `echo_db` below the other channel); where both speak, the exclusive turn goes to the louder.
    Progress 0 → 1: each channel's segmentation 0.45 of it."""
    progress(0, 1)
    duration = stereo.shape[1] / SAMPLE_RATE
    if stereo.shape[1] < tuning.min_window * SAMPLE_RATE:
        progress(1, 1)
        return named((), (), {}, models.model_files, METHOD_STEREO, tuning)
    activities = [segment(stereo[i], models.segmentation, tuning, part(progress, 0.45 * i, 0.45 * (i + 1)))
                  for i in range(2)]
    frames = activities[0].frames
    n = min(len(a.count) for a in activities)
    energy = frame_energy(stereo[:2], frames, n, tuning.energy_width)
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
            vectors = models.embedder.embed([stereo[i, round(a * SAMPLE_RATE):round(b * SAMPLE_RATE)] for a, b in runs])
            centroids[i] = normalise(vectors.mean(axis=0, keepdims=True))[0]
    progress(1, 1)
    return named(turns, exclusive, centroids, models.model_files, METHOD_STEREO, tuning, channels=2)
