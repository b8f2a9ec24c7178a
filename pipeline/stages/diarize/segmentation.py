"""segmentation-3.0 slid over a recording: 10 s windows every `segmentation_step` s, run a batch at a time and
aggregated as they come, so memory is bounded by one batch whatever the length of the recording.

The network gives, per window and per ~17 ms frame, the probabilities of its 7 powerset classes (silence, one
of three local speakers, or two of them at once). Per frame, the windows covering it are averaged (as
pyannote.audio's Inference.aggregate does, without Hamming weights) into how many people speak: with
`soft_count`, the expected number of speakers under those probabilities; otherwise the number in each
window's most probable class (pyannote's own hard count). Each window's local speakers also give a lower
bound on the number of speakers (clustering.voices_heard).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from itertools import combinations

import numpy as np

from pipeline.audio import SAMPLE_RATE
from pipeline.progress import StageProgress, silent
from pipeline.stages.diarize import clustering as maths
from pipeline.stages.diarize.clustering import FrameGrid
from pipeline.stages.diarize.tuning import TUNING, Tuning

Forward = Callable[[np.ndarray], np.ndarray]   # (batch, 1, samples) float32 → (batch, frames, classes) log-probs

# segmentation-3.0's shape, as its pyannote.audio Model states it (a test compares them): 10 s windows, 3 local
# speakers at most 2 at once, output frames of its receptive field
WINDOW_SAMPLES = 160000
LOCAL_SPEAKERS, AT_ONCE = 3, 2
FRAMES = FrameGrid(start=0.0, step=0.016875, duration=0.0619375)


def powerset(speakers: int = LOCAL_SPEAKERS, at_once: int = AT_ONCE) -> np.ndarray:
    """(classes, speakers) 0/1: who speaks in each powerset class, in pyannote.audio's order (nobody, each
    one alone, then each pair …)."""
    classes = [c for size in range(at_once + 1) for c in combinations(range(speakers), size)]
    mapping = np.zeros((len(classes), speakers), dtype=np.float32)
    for row, members in enumerate(classes):
        mapping[row, list(members)] = 1.0
    return mapping


@dataclass(frozen=True)
class Activity:
    """What segmentation-3.0 heard."""

    count: np.ndarray                # per frame: how many people speak (0 = silence)
    frames: FrameGrid                # the frames count is given on
    min_speakers: int                # most distinct voices heard within one 10 s window (see voices_heard)


@dataclass(frozen=True)
class Segmenter:
    """segmentation-3.0 as the diarizer uses it: a forward function on batches of windows and what it needs to
    place the outputs in time."""

    forward: Forward
    powerset: np.ndarray             # (classes, local speakers) 0/1: who speaks in each powerset class
    window: int                      # samples per window (10 s)
    frames: FrameGrid                # the network's output frames (its receptive field)

    @classmethod
    def from_onnx(cls, runtime: Forward) -> Segmenter:
        """The checked ONNX export run by ONNX Runtime: neither torch nor pyannote.audio is imported."""
        return cls(forward=runtime, powerset=powerset(), window=WINDOW_SAMPLES, frames=FRAMES)

    @classmethod
    def from_pyannote(cls, model) -> Segmenter:
        """From a loaded pyannote.audio segmentation Model (in eval mode), run by torch."""
        import torch
        from pyannote.audio.utils.powerset import Powerset

        def forward(batch: np.ndarray) -> np.ndarray:
            with torch.inference_mode():
                return model(torch.from_numpy(batch)).numpy()

        rf, spec = model.receptive_field, model.specifications
        powerset = Powerset(len(spec.classes), spec.powerset_max_classes).mapping.numpy().astype(np.float32)
        return cls(forward=forward, powerset=powerset,
                   window=model.audio.get_num_samples(model.specifications.duration),
                   frames=FrameGrid(start=rf.start, step=rf.step, duration=rf.duration))


def window_starts(n_samples: int, window: int, step: int) -> list[int]:
    """First sample of each window, as pyannote.audio's Inference slides them: whole windows every `step`
    samples, then one more (zero-padded) from the end of the last of them if samples remain."""
    full = (n_samples - window) // step + 1 if n_samples >= window else 0
    starts = [i * step for i in range(full)]
    if n_samples < window or (n_samples - window) % step > 0:
        starts.append(full * step)
    return starts


def segment(samples: np.ndarray, segmenter: Segmenter, tuning: Tuning = TUNING,
            progress: StageProgress = silent) -> Activity:
    """Per-frame speaker counts of float32 mono samples at 16 kHz. Progress: the windows done of all."""
    step = round(tuning.segmentation_step * SAMPLE_RATE)
    starts = window_starts(len(samples), segmenter.window, step)
    grid = segmenter.frames
    # the aggregation frames (pyannote's aggregate: the model's frames, from the first window's start)
    per_window = None
    total = covered = None
    sizes = segmenter.powerset.sum(axis=1)
    talks = []
    progress(0, len(starts))
    for first in range(0, len(starts), tuning.segmentation_batch):
        batch_starts = starts[first:first + tuning.segmentation_batch]
        batch = np.zeros((len(batch_starts), 1, segmenter.window), dtype=np.float32)
        for row, a in enumerate(batch_starts):
            chunk = samples[a:a + segmenter.window]
            batch[row, 0, :len(chunk)] = chunk
        probabilities = np.exp(segmenter.forward(batch))
        if per_window is None:
            per_window = probabilities.shape[1]
            n_agg = int(np.rint((segmenter.window + step * (len(starts) - 1)) / SAMPLE_RATE / grid.step)) + 1
            total, covered = np.zeros(n_agg), np.zeros(n_agg)
        hard = segmenter.powerset[probabilities.argmax(axis=-1)]          # (batch, frames, local speakers)
        counts = probabilities @ sizes if tuning.soft_count else hard.sum(axis=-1)
        for a, frame_counts in zip(batch_starts, counts):
            f = int(np.rint(a / SAMPLE_RATE / grid.step))
            total[f:f + per_window] += frame_counts
            covered[f:f + per_window] += 1.0
        talks.append(hard.sum(axis=1) * grid.step)                         # (batch, local speakers) seconds
        progress(min(first + tuning.segmentation_batch, len(starts)), len(starts))
    mean = total / np.maximum(covered, 1e-12)
    n_frames = grid.closest_frame(len(samples) / SAMPLE_RATE) + 1
    data = np.zeros(n_frames)
    offset = max(0, grid.closest_frame(0.5 * grid.duration))          # the first aggregation frame's middle
    values = mean[:n_frames - offset]
    data[offset:offset + len(values)] = values
    return Activity(speaker_count(data, tuning), grid, maths.voices_heard(np.concatenate(talks), tuning))


def speaker_count(mean: np.ndarray, tuning: Tuning = TUNING) -> np.ndarray:
    """How many people speak in each frame, from the average number the windows hear: none below
    count_threshold, else 1 + the whole overlaps above 1 (an overlap counts from 1 + overlap_threshold)."""
    extra = np.floor(mean - tuning.overlap_threshold).clip(0)
    return np.where(mean >= tuning.count_threshold, 1 + extra, 0).astype(np.int64)
