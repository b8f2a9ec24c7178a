"""The local diarizer, offline, from pyannote segmentation-3.0 and CAM++ speaker embeddings.

1. segmentation-3.0 slides 10 s windows over the recording; the overlap-added count of its local speakers
   gives, per ~17 ms frame, how many people speak (0 = silence, 2 = overlapping speech).
2. CAM++ embeds short windows (1.5 s, hop 0.75 s, the hop growing past 4000 windows) inside the speech.
   Short windows separate voices that segmentation-3.0's local speakers merge (two male voices of an AMI
   call, for one).
3. Average-linkage agglomerative clustering of the windows (cosine distance). The number of speakers is
   num_speakers when given; otherwise segmentation-3.0 gives a lower bound (the voices it heard together
   inside one 10 s window: one voice → one speaker), and the dendrogram's largest jump in merge cost picks
   the count above it, within [min_speakers, max_speakers]. No global similarity threshold decides the count.
4. Each speech frame takes the speaker whose centroid best matches the windows covering it; where the
   segmentation hears two people, the second best matching speaker is added as an overlapping turn.

The maths of steps 2–4 is in clustering.py; this module runs the models.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from pipeline.artifacts import Diarization
from pipeline.audio import SAMPLE_RATE
from pipeline.config import DiarizeConfig
from pipeline.progress import StageProgress, part, silent
from pipeline.stages.diarize import clustering as maths
from pipeline.stages.diarize.clustering import FrameGrid, Window
from pipeline.stages.diarize.embedder import SpeakerEmbedder
from pipeline.stages.diarize.models import DiarizeModels
from pipeline.stages.diarize.naming import named
from pipeline.stages.diarize.tuning import TUNING, Tuning

METHOD = "pyannote-segmentation-3.0+campplus-zh-en+ahc"


@dataclass(frozen=True)
class Activity:
    """What segmentation-3.0 heard."""

    count: np.ndarray                # per frame: how many people speak (0 = silence)
    frames: FrameGrid                # the frames count is given on
    min_speakers: int                # most distinct voices heard within one 10 s window (see local_speakers)


def frame_grid(receptive_field) -> FrameGrid:
    """The FrameGrid of a pyannote model's output frames (its receptive_field SlidingWindow)."""
    return FrameGrid(start=receptive_field.start, step=receptive_field.step, duration=receptive_field.duration)


def segment(samples: np.ndarray, inference, tuning: Tuning = TUNING, progress: StageProgress = silent) -> Activity:
    """Run segmentation-3.0 on 10 s windows and aggregate its local speakers into per-frame counts.
    Progress: the segmentation windows done of all."""
    import torch

    waveform = torch.from_numpy(np.ascontiguousarray(samples, dtype=np.float32)).unsqueeze(0)

    def hook(completed=0, total=1, **_):
        progress(min(completed, total), max(total, 1))

    segmentations = inference({"waveform": waveform, "sample_rate": SAMPLE_RATE}, hook=hook)
    receptive_field = inference.model.receptive_field
    frames = frame_grid(receptive_field)
    mean = inference.aggregate(np.sum(segmentations, axis=-1, keepdims=True), receptive_field, hamming=False,
                               missing=0.0, skip_average=False)
    n_frames = frames.closest_frame(len(samples) / SAMPLE_RATE) + 1
    data = np.zeros(n_frames)
    values = mean.data[:n_frames, 0]
    start = max(0, frames.closest_frame(mean.sliding_window[0].middle))
    data[start:start + len(values)] = values[: n_frames - start]
    count = np.floor(data + 1.0 - tuning.count_threshold).clip(0).astype(np.int64)
    return Activity(count, frames, maths.local_speakers(segmentations.data, frames.step, tuning))


def embed_windows(samples: np.ndarray, windows: list[Window], embedder: SpeakerEmbedder, batch: int,
                  progress: StageProgress = silent) -> np.ndarray:
    """(windows, 192) CAM++ embeddings of the (start, end) windows of the samples, `batch` windows at a
    time. Progress: the windows done of all."""
    out = []
    for i in range(0, len(windows), batch):
        chunks = [samples[round(a * SAMPLE_RATE):round(b * SAMPLE_RATE)] for a, b in windows[i:i + batch]]
        out.append(embedder.embed(chunks))
        progress(min(i + batch, len(windows)), len(windows))
    return np.concatenate(out)


def diarize_samples(samples: np.ndarray, cfg: DiarizeConfig, models: DiarizeModels,
                    progress: StageProgress = silent, tuning: Tuning = TUNING) -> Diarization:
    """Diarize float32 mono samples at 16 kHz. Progress 0 → 1: segmentation to 0.4, embedding to 0.95."""
    progress(0, 1)
    if len(samples) < tuning.min_window * SAMPLE_RATE:  # too short to tell voices apart (or empty)
        progress(1, 1)
        return named((), (), {}, models.model_files, METHOD, tuning)
    activity = segment(samples, models.segmentation, tuning, part(progress, 0.0, 0.4))
    count, frames = activity.count, activity.frames
    duration = len(samples) / SAMPLE_RATE
    windows = maths.embedding_windows(count, frames, duration, tuning)
    if not windows:
        progress(1, 1)
        return named((), (), {}, models.model_files, METHOD, tuning)
    embeddings = embed_windows(samples, windows, models.embedder, tuning.embed_batch, part(progress, 0.4, 0.95))
    labels = maths.cluster(embeddings, cfg, activity.min_speakers, tuning)
    centroids = maths.centroids(embeddings, labels)
    scores = maths.frame_scores(windows, embeddings @ centroids.T, frames, len(count))
    turns = maths.to_turns(maths.active_speakers(scores, count), frames, tuning.min_turn, duration)
    exclusive = maths.to_turns(maths.active_speakers(scores, np.minimum(count, 1)), frames, tuning.min_turn, duration)
    progress(1, 1)
    return named(turns, exclusive, dict(enumerate(centroids)), models.model_files, METHOD, tuning)
