"""The local diarizer, offline, from pyannote segmentation-3.0 and CAM++ speaker embeddings.

1. segmentation-3.0 slides 10 s windows over the recording (segmentation.py); the average over windows of
   the speakers it hears gives, per ~17 ms frame, how many people speak (0 = silence, 2 = overlap).
2. CAM++ embeds short windows (1.5 s, hop 0.75 s, the hop growing past 4000 windows) inside the speech.
   Short windows separate voices that segmentation-3.0's local speakers merge (two male voices of an AMI
   call, for one).
3. Average-linkage agglomerative clustering of the windows (cosine distance). The number of speakers is
   num_speakers when given; otherwise segmentation-3.0 gives a lower bound (the voices it heard together
   inside one 10 s window: one voice → one speaker), and the dendrogram's largest jump in merge cost picks
   the count above it, within [min_speakers, max_speakers]. Then (clustering.settle) a cluster that talks
   under 4 s is a fragment: it joins the nearest voice unless clearly apart from every one (cosine < 0.6), and
   a given count keeps that many voices that each talk, never merging two of them to make room for a fragment.
4. Each speech frame takes the speaker whose centroid best matches the windows covering it; where the
   segmentation hears two people, the second best matching speaker is added as an overlapping turn.

The maths of steps 2–4 is in clustering.py; this module runs the models.
"""

from __future__ import annotations

import numpy as np

from pipeline.artifacts import Diarization
from pipeline.audio import SAMPLE_RATE
from pipeline.config import DiarizeConfig
from pipeline.progress import StageProgress, part, silent
from pipeline.stages.diarize import clustering as maths
from pipeline.stages.diarize.clustering import Window
from pipeline.stages.diarize.embedder import SpeakerEmbedder
from pipeline.stages.diarize.models import DiarizeModels
from pipeline.stages.diarize.naming import named
from pipeline.stages.diarize.segmentation import Activity, segment
from pipeline.stages.diarize.tuning import TUNING, Tuning

METHOD = "pyannote-segmentation-3.0+campplus-zh-en+ahc"


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
    """Diarize float32 mono samples at 16 kHz (an array or a WavView). Progress 0 → 1: segmentation to 0.6,
    embedding to 0.97 (their shares of the CPU time, measured on 5 minutes)."""
    progress(0, 1)
    if len(samples) < tuning.min_window * SAMPLE_RATE:  # too short to tell voices apart (or empty)
        progress(1, 1)
        return named((), (), {}, models.model_files, METHOD, tuning)
    activity = segment(samples, models.segmentation, tuning, part(progress, 0.0, 0.6))
    count, frames = activity.count, activity.frames
    duration = len(samples) / SAMPLE_RATE
    windows = maths.embedding_windows(count, frames, duration, tuning)
    if not windows:
        progress(1, 1)
        return named((), (), {}, models.model_files, METHOD, tuning)
    embeddings = embed_windows(samples, windows, models.embedder, tuning.embed_batch, part(progress, 0.6, 0.97))
    turns, exclusive, centroids = speakers(activity, windows, embeddings, cfg, duration, tuning)
    progress(1, 1)
    return named(turns, exclusive, dict(enumerate(centroids)), models.model_files, METHOD, tuning)


def speakers(activity: Activity, windows: list[Window], embeddings: np.ndarray, cfg: DiarizeConfig,
             duration: float, tuning: Tuning = TUNING) -> tuple[list, list, np.ndarray]:
    """Steps 3–4 on what the models gave: (turns, exclusive turns, centroids) from the segmentation's
    activity and the windows' embeddings."""
    count, frames = activity.count, activity.frames
    labels = maths.cluster(embeddings, cfg, activity.min_speakers, tuning, windows)
    centroids = maths.centroids(embeddings, labels)
    scores = maths.frame_scores(windows, embeddings @ centroids.T, frames, len(count))
    turns = maths.to_turns(maths.active_speakers(scores, count), frames, tuning.min_turn, duration)
    exclusive = maths.to_turns(maths.active_speakers(scores, np.minimum(count, 1)), frames, tuning.min_turn, duration)
    return turns, exclusive, centroids
