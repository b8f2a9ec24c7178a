"""Diarize: who spoke when, offline, from pyannote.audio parts and CAM++ speaker embeddings.

1. pyannote segmentation-3.0 slides 10 s windows over the recording; the overlap-added count of its local
   speakers gives, per ~17 ms frame, how many people speak (0 = silence, 2 = overlapping speech).
2. CAM++ embeds short windows (1.5 s, hop 0.75 s, the hop growing past 4000 windows) inside the speech. Short windows separate voices that
   segmentation-3.0's local speakers merge (two male voices of an AMI call, for one).
3. Average-linkage agglomerative clustering of the windows (cosine distance). The number of speakers is
   num_speakers when given; otherwise segmentation-3.0 gives a lower bound (the voices it heard together
   inside one 10 s window: one voice → one speaker), and the dendrogram's largest jump in merge cost
   picks the count above it, within [min_speakers, max_speakers]. No global similarity threshold decides
   the count.
4. Each speech frame takes the speaker whose centroid best matches the windows covering it; where the
   segmentation hears two people, the second best matching speaker is added as an overlapping turn.
"""

from __future__ import annotations

import logging
import os
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from pipeline.artifacts import Diarization, Turn
from pipeline.audio import SAMPLE_RATE, read_wav
from pipeline.config import DiarizeConfig
from pipeline.embeddings import SpeakerEmbedder, normalise
from pipeline.errors import ConfigError, MissingModelError
from pipeline.models import resolve
from pipeline.progress import StageProgress, silent

log = logging.getLogger(__name__)

VERSION = 1
BACKENDS = ("local",)
METHOD = "pyannote-segmentation-3.0+campplus-zh-en+ahc"
SEGMENTATION_KEY = "segmentation-3.0"
SEGMENTATION_WEIGHTS = "pytorch_model.bin"


@dataclass(frozen=True)
class Tuning:
    """The algorithm's parameters (measured with tools/eval_diarization.py; not user settings)."""

    segmentation_step: float = 1.0   # s between the 10 s segmentation windows
    window: float = 1.5              # s of audio per CAM++ embedding
    hop: float = 0.75                # s between embedding windows
    min_window: float = 0.4          # s: shorter speech regions get no embedding of their own
    bridge: float = 0.3              # s: silences shorter than this inside speech are embedded across
    max_windows: int = 4000          # the hop grows on long recordings to keep clustering's memory bounded
    min_cluster: int = 2             # windows; smaller clusters join their nearest when counting freely
    min_turn: float = 0.1            # s: shorter turns are dropped
    count_threshold: float = 0.5     # a frame has n speakers when segmentation windows hear n - 1 + this on average
    evidence_seconds: float = 1.0    # s a local speaker must talk in one 10 s window to count as a voice …
    evidence_windows: int = 2        # … in at least this many windows (see local_speakers)


TUNING = Tuning()


@dataclass(frozen=True)
class DiarizeModels:
    segmentation: object             # pyannote.audio Inference (10 s sliding windows, local speakers)
    embedder: SpeakerEmbedder
    model_files: dict[str, str]      # file name → sha256, both models


# ------------------------------------------------------------------------------------------- models


def check_backend(cfg: DiarizeConfig) -> None:
    if cfg.backend not in BACKENDS:
        raise ConfigError(f"diarize backend {cfg.backend!r} is not available: use one of {', '.join(BACKENDS)}")


def _pyannote():
    """pyannote.audio's Inference and Model, imported offline with telemetry off."""
    os.environ["HF_HUB_OFFLINE"] = "1"
    os.environ["PYANNOTE_METRICS_ENABLED"] = "false"
    with warnings.catch_warnings():
        # we hand pyannote waveforms in memory, so its file decoder (torchcodec) is never needed
        warnings.filterwarnings("ignore", message=r"\s*torchcodec is not installed correctly", category=UserWarning)
        from pyannote.audio import Inference, Model
    return Inference, Model


def load_models(tuning: Tuning = TUNING) -> DiarizeModels:
    """Both models, from models/, verified against configs/models.toml."""
    inference_cls, model_cls = _pyannote()
    folder, hashes = resolve(SEGMENTATION_KEY)
    try:
        model = model_cls.from_pretrained(str(folder / SEGMENTATION_WEIGHTS))
    except Exception as exc:  # pyannote/lightning raise several types for an unreadable checkpoint
        raise MissingModelError(f"cannot load the speech segmentation model {folder}: run `make models`") from exc
    inference = inference_cls(model, window="sliding", step=tuning.segmentation_step, skip_aggregation=True)
    embedder = SpeakerEmbedder.load()
    return DiarizeModels(segmentation=inference, embedder=embedder, model_files={**hashes, **embedder.model_files})


# -------------------------------------------------------------------------------------------- stage


def diarize(wav_path: Path, cfg: DiarizeConfig, progress: StageProgress = silent,
            models: DiarizeModels | None = None) -> Diarization:
    """Diarize the 16 kHz working copy. `models` may be passed in to reuse loaded models (tests, eval)."""
    check_backend(cfg)
    samples = read_wav(wav_path)
    if samples.ndim == 2:
        samples = samples.mean(axis=0)
    return diarize_samples(samples, cfg, models or load_models(), progress)


def diarize_samples(samples: np.ndarray, cfg: DiarizeConfig, models: DiarizeModels,
                    progress: StageProgress = silent, tuning: Tuning = TUNING) -> Diarization:
    """Diarize float32 mono samples at 16 kHz. Progress runs 0 → 100."""
    check_backend(cfg)
    progress(0, 100)
    if len(samples) < tuning.min_window * SAMPLE_RATE:  # too short to tell voices apart (or empty)
        progress(100, 100)
        return _result((), (), {}, models.model_files)
    activity = segment(samples, models.segmentation, tuning, progress)
    count, frames = activity.count, activity.frames
    duration = len(samples) / SAMPLE_RATE
    windows = embedding_windows(count, frames, duration, tuning)
    if not windows:
        progress(100, 100)
        return _result((), (), {}, models.model_files)
    embeddings = _embed(samples, windows, models.embedder, progress)
    labels = cluster(embeddings, cfg, activity.min_speakers, tuning)
    centroids = _centroids(embeddings, labels)
    scores = frame_scores(windows, embeddings @ centroids.T, frames, len(count))
    turns = to_turns(active_speakers(scores, count), frames, tuning.min_turn, duration)
    exclusive = to_turns(active_speakers(scores, np.minimum(count, 1)), frames, tuning.min_turn, duration)
    progress(100, 100)
    return _named(turns, exclusive, centroids, models.model_files)


# ---------------------------------------------------------------------------------- segmentation


@dataclass(frozen=True)
class Activity:
    """What segmentation-3.0 heard."""

    count: np.ndarray                # per frame: how many people speak (0 = silence)
    frames: object                   # the frames' pyannote SlidingWindow
    min_speakers: int                # most distinct voices heard within one 10 s window (see local_speakers)


def segment(samples: np.ndarray, inference, tuning: Tuning = TUNING, progress: StageProgress = silent) -> Activity:
    """Run segmentation-3.0 on 10 s windows and aggregate its local speakers into per-frame counts."""
    import torch
    from pyannote.audio import Inference

    waveform = torch.from_numpy(np.ascontiguousarray(samples, dtype=np.float32)).unsqueeze(0)

    def hook(completed=0, total=1, **_):
        progress(40 * min(completed, total) / max(total, 1), 100)

    segmentations = inference({"waveform": waveform, "sample_rate": SAMPLE_RATE}, hook=hook)
    frames = inference.model.receptive_field
    mean = Inference.aggregate(np.sum(segmentations, axis=-1, keepdims=True), frames, hamming=False,
                               missing=0.0, skip_average=False)
    n_frames = frames.closest_frame(len(samples) / SAMPLE_RATE) + 1
    data = np.zeros(n_frames)
    values = mean.data[:n_frames, 0]
    start = max(0, frames.closest_frame(mean.sliding_window[0].middle))
    data[start:start + len(values)] = values[: n_frames - start]
    count = np.floor(data + 1.0 - tuning.count_threshold).clip(0).astype(np.int64)
    return Activity(count, frames, local_speakers(segmentations.data, frames.step, tuning))


def local_speakers(segmentations: np.ndarray, frame_step: float, tuning: Tuning) -> int:
    """A lower bound on the number of speakers: the largest m such that at least `evidence_windows`
    segmentation windows each hold m local speakers who talk for `evidence_seconds` or more. (Local
    speakers tend to merge similar voices rather than split one: on the evaluation files this never
    exceeded the number of reference speakers who talk 2 s or more.)"""
    talk = segmentations.sum(axis=1) * frame_step          # (windows, local speakers) seconds
    voices = np.sort((talk >= tuning.evidence_seconds).sum(axis=1))[::-1]
    if len(voices) < tuning.evidence_windows:
        return 1
    return max(1, int(voices[tuning.evidence_windows - 1]))


def _runs(mask: np.ndarray) -> list[tuple[int, int]]:
    """[(first, last + 1)] of each run of True in a 1-d boolean array."""
    edges = np.diff(np.concatenate([[0], mask.astype(np.int8), [0]]))
    return list(zip(np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)))


def speech_regions(count: np.ndarray, frames, bridge: float) -> list[tuple[float, float]]:
    """(start, end) seconds of speech, silences shorter than `bridge` joined over."""
    regions: list[tuple[float, float]] = []
    for first, last in _runs(count > 0):
        start, end = frames[first].middle, frames[last - 1].middle + frames.step
        if regions and start - regions[-1][1] < bridge:
            regions[-1] = (regions[-1][0], end)
        else:
            regions.append((start, end))
    return regions


def embedding_windows(count: np.ndarray, frames, duration: float, tuning: Tuning) -> list[tuple[float, float]]:
    """(start, end) seconds of the windows to embed: `window` long, `hop` apart (more on long recordings,
    at most max_windows in all), inside speech."""
    regions = [(max(0.0, a), min(duration, b)) for a, b in speech_regions(count, frames, tuning.bridge)]
    regions = [(a, b) for a, b in regions if b - a >= tuning.min_window]
    hop = max(tuning.hop, sum(b - a for a, b in regions) / tuning.max_windows)
    windows = []
    for start, end in regions:
        length = end - start
        if length <= tuning.window:
            windows.append((start, end))
            continue
        n = int(np.ceil((length - tuning.window) / hop)) + 1
        windows += [(start + o, start + o + tuning.window) for o in np.linspace(0.0, length - tuning.window, n)]
    return windows


def _embed(samples: np.ndarray, windows, embedder: SpeakerEmbedder, progress: StageProgress) -> np.ndarray:
    out = []
    step = 64
    for i in range(0, len(windows), step):
        chunks = [samples[round(a * SAMPLE_RATE):round(b * SAMPLE_RATE)] for a, b in windows[i:i + step]]
        out.append(embedder.embed(chunks))
        progress(40 + 55 * min(i + step, len(windows)) / len(windows), 100)
    return np.concatenate(out)


# ------------------------------------------------------------------------------------- clustering


def _compact(labels: np.ndarray) -> np.ndarray:
    return np.unique(labels, return_inverse=True)[1].astype(np.int64)


def speaker_bounds(cfg: DiarizeConfig, heard: int, n: int) -> tuple[int, int]:
    """(fewest, most) speakers to consider for n windows: cfg.num_speakers when given; otherwise
    [min_speakers raised to the voices segmentation heard at once, max_speakers]."""
    if cfg.num_speakers > 0:
        k = min(cfg.num_speakers, n)
        return k, k
    high = max(1, min(cfg.max_speakers, n))
    return max(1, min(max(cfg.min_speakers, heard), high)), high


def largest_jump(heights: np.ndarray, low: int, high: int) -> int:
    """The number of clusters k in [low, high] (k >= 2) before the largest rise in the dendrogram's merge
    heights: the merge that would leave k - 1 clusters costs most more than the one that left k."""
    n = len(heights) + 1
    candidates = [k for k in range(max(low, 2), high + 1) if n - k - 1 >= 0]
    if not candidates:
        return min(high, n)
    return max(candidates, key=lambda k: heights[n - k] - heights[n - k - 1])


def _absorb_small(labels: np.ndarray, embeddings: np.ndarray, min_size: int, keep: int) -> np.ndarray:
    """Clusters of fewer than min_size windows join the nearest cluster, smallest first, while more
    than `keep` clusters remain."""
    labels = labels.copy()
    while True:
        sizes = np.bincount(labels)
        present = np.flatnonzero(sizes)
        smallest = present[np.argmin(sizes[present])]
        if len(present) <= keep or sizes[smallest] >= min_size:
            return _compact(labels)
        others = present[present != smallest]
        centroids = normalise(np.stack([embeddings[labels == c].mean(axis=0) for c in others]))
        members = labels == smallest
        labels[members] = others[np.argmax(embeddings[members] @ centroids.T, axis=1)]


def cluster(embeddings: np.ndarray, cfg: DiarizeConfig, heard: int = 1, tuning: Tuning = TUNING) -> np.ndarray:
    """A cluster index per window. Average-linkage agglomerative clustering on cosine distance, cut at
    cfg.num_speakers clusters when given; otherwise one speaker when segmentation never heard two voices
    in one window (and min_speakers allows), else the count before the largest jump in merge cost, at
    least as many as segmentation heard at once."""
    from scipy.cluster.hierarchy import cut_tree, linkage

    n = len(embeddings)
    low, high = speaker_bounds(cfg, heard, n)
    if n < 2 or high == 1 or (cfg.num_speakers == 0 and low == 1):
        return np.zeros(n, dtype=np.int64)
    tree = linkage(embeddings.astype(np.float64), method="average", metric="cosine")
    k = low if low == high else largest_jump(tree[:, 2], low, high)
    log.debug("windows %d, speakers heard at once %d, bounds [%d, %d] → %d clusters", n, heard, low, high, k)
    labels = _compact(cut_tree(tree, n_clusters=k)[:, 0])
    if cfg.num_speakers > n:
        log.info("only %d windows of speech: fewer speakers than the %d asked for", n, cfg.num_speakers)
    if cfg.num_speakers > 0:
        return labels
    return _absorb_small(labels, embeddings, tuning.min_cluster, low)


def _centroids(embeddings: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """(clusters, 192): the unit-length mean of each cluster's unit-length embeddings."""
    return normalise(np.stack([embeddings[labels == c].mean(axis=0) for c in range(labels.max() + 1)]))


# --------------------------------------------------------------------------------------- labelling


def frame_scores(windows, window_scores: np.ndarray, frames, n_frames: int) -> np.ndarray:
    """(frames, speakers): mean similarity to each speaker of the windows covering a frame; a frame no
    window covers takes the scores of the nearest window."""
    total = np.zeros((n_frames, window_scores.shape[1]))
    covered = np.zeros(n_frames)
    for (start, end), scores in zip(windows, window_scores):
        a, b = frames.closest_frame(start), frames.closest_frame(end)
        total[a:b + 1] += scores
        covered[a:b + 1] += 1
    hit = covered > 0
    total[hit] /= covered[hit, None]
    total[~hit] = window_scores[_nearest(np.array([(a + b) / 2 for a, b in windows]),
                                         frames[0].middle + frames.step * np.flatnonzero(~hit))]
    return total


def _nearest(centres: np.ndarray, times: np.ndarray) -> np.ndarray:
    """Index of the nearest of the (ascending) centres for each time."""
    right = np.clip(np.searchsorted(centres, times), 1, max(1, len(centres) - 1))
    left = right - 1
    if len(centres) == 1:
        return np.zeros(len(times), dtype=np.int64)
    return np.where(np.abs(times - centres[left]) <= np.abs(centres[right] - times), left, right)


def active_speakers(scores: np.ndarray, count: np.ndarray) -> np.ndarray:
    """(frames, speakers) booleans: the count[f] best scoring speakers of each frame."""
    ranks = np.argsort(np.argsort(-scores, axis=1), axis=1)
    return ranks < count[:, None]


def to_turns(activity: np.ndarray, frames, min_turn: float, duration: float) -> list[tuple[float, float, int]]:
    """(start, end, speaker index) of each run of activity, in time order, within [0, duration]; runs
    shorter than min_turn are dropped."""
    turns = []
    for speaker in range(activity.shape[1]):
        for first, last in _runs(activity[:, speaker]):
            start = max(0.0, float(frames[first].middle - frames.step / 2))
            end = min(duration, float(frames[last - 1].middle + frames.step / 2))
            if end - start >= min_turn:
                turns.append((start, end, speaker))
    return sorted(turns)


# ------------------------------------------------------------------------------------------ output


def _named(turns, exclusive, centroids: np.ndarray, model_files: dict[str, str]) -> Diarization:
    """Cluster indices renamed SPEAKER_00, SPEAKER_01 … in order of first appearance."""
    order: dict[int, str] = {}
    for _, _, index in sorted(turns):
        order.setdefault(index, f"SPEAKER_{len(order):02d}")
    named = tuple(Turn(round(a, 3), round(b, 3), order[i]) for a, b, i in turns if i in order)
    named_exclusive = tuple(Turn(round(a, 3), round(b, 3), order[i]) for a, b, i in exclusive if i in order)
    vectors = {name: tuple(round(float(v), 6) for v in centroids[index]) for index, name in order.items()}
    return _result(named, named_exclusive, vectors, model_files)


def _result(turns, exclusive, centroids, model_files) -> Diarization:
    speakers = tuple(sorted({t.speaker for t in turns}))
    return Diarization(method=METHOD, turns=tuple(turns), exclusive_turns=tuple(exclusive), speakers=speakers,
                       model_files=dict(model_files), centroids=dict(centroids))
