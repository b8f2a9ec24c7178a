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

import dataclasses
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

VERSION = 2
BACKENDS = ("local", "pyannote-pipeline")
CHANNELS = ("auto", "split", "mix")
METHOD = "pyannote-segmentation-3.0+campplus-zh-en+ahc"
METHOD_STEREO = "stereo-channels"
METHOD_PIPELINE = "pyannote-pipeline"
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
    single_only: bool = True         # embed only where segmentation hears one voice (overlap excluded)
    dominance_db: float = 6.0        # stereo: a 50 ms frame is one channel's when louder by this much …
    call_dominated: float = 0.5      # … a call when this share of speech frames is one channel's …
    call_side: float = 0.05          # … each channel has at least this share …
    call_similarity: float = 0.5     # … and the two channels' voices are less similar than this (cosine)
    call_floor_db: float = -60.0     # dBFS below which a frame is silence
    echo_db: float = 15.0            # split: a channel this far below the other only hears its echo


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
    if cfg.channels not in CHANNELS:
        raise ConfigError(f"diarize channels {cfg.channels!r} is not known: use one of {', '.join(CHANNELS)}")
    if cfg.backend == "pyannote-pipeline" and not cfg.pipeline.strip():
        raise ConfigError("diarize backend pyannote-pipeline needs `pipeline` in [diarize]: a local folder holding "
                          "its config.yaml, or a hub name such as pyannote/speaker-diarization-community-1")


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
            models: DiarizeModels | None = None, stereo_path: Path | None = None) -> Diarization:
    """Diarize the 16 kHz working copy. `models` may be passed in to reuse loaded models (tests, eval).
    `stereo_path`, the two-channel working copy of a 2+ channel original, allows one speaker per channel
    (cfg.channels: "split", or "auto" when the channels carry different voices, see is_call)."""
    check_backend(cfg)
    stereo = read_wav(stereo_path) if stereo_path else None
    if stereo is not None and (stereo.ndim != 2 or stereo.shape[0] < 2):
        stereo = None
    if cfg.channels == "split" and stereo is None:
        raise ConfigError("channels = split needs a recording with two channels (one side of the call on each); "
                          "this recording has one: use channels = auto or mix")
    if stereo is not None and cfg.channels != "mix":
        models = models or load_models()
        if cfg.channels == "split" or is_call(stereo, models.embedder):
            return diarize_channels(stereo, models, progress)
    samples = read_wav(wav_path)
    if samples.ndim == 2:
        samples = samples.mean(axis=0)
    if cfg.backend == "pyannote-pipeline":
        return diarize_with_pipeline(samples, cfg, progress)
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
    voiced = count == 1 if tuning.single_only and (count == 1).any() else count
    regions = [(max(0.0, a), min(duration, b)) for a, b in speech_regions(voiced, frames, tuning.bridge)]
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


# ------------------------------------------------------------------------------------ stereo calls


def _frame_energy(samples: np.ndarray, frames, n_frames: int, width: float = 0.05) -> np.ndarray:
    """dB energy of `width` s of audio centred on each frame (channels, frames) for (channels, samples)."""
    power = np.concatenate([np.zeros((samples.shape[0], 1)), np.cumsum(samples.astype(np.float64) ** 2, axis=1)], axis=1)
    centres = frames[0].middle + frames.step * np.arange(n_frames)
    a = np.clip(np.round((centres - width / 2) * SAMPLE_RATE).astype(np.int64), 0, samples.shape[1])
    b = np.clip(np.round((centres + width / 2) * SAMPLE_RATE).astype(np.int64), 0, samples.shape[1])
    mean = (power[:, b] - power[:, a]) / np.maximum(b - a, 1)
    return 10 * np.log10(mean + 1e-10)


def is_call(stereo: np.ndarray, embedder: SpeakerEmbedder, tuning: Tuning = TUNING) -> bool:
    """Whether two channels carry two different voices (a call recorded one side per channel): most
    speech frames (50 ms) are dominated by one channel (louder by `dominance_db`), each channel dominates
    some of them, and the CAM++ embeddings of each channel's dominated speech are dissimilar."""
    left, right = stereo[0], stereo[1]
    hop = int(0.05 * SAMPLE_RATE)
    n = min(len(left), len(right)) // hop
    if n < 10:
        return False
    energy = 10 * np.log10((np.stack([left[:n * hop], right[:n * hop]]).reshape(2, n, hop).astype(np.float64) ** 2)
                           .mean(axis=2) + 1e-10)
    loudest = energy.max(axis=0)
    speech = loudest > max(tuning.call_floor_db, np.percentile(loudest, 95) - 30.0)
    difference = (energy[0] - energy[1])[speech]
    if speech.sum() < 10:
        return False
    dominated = np.abs(difference) >= tuning.dominance_db
    sides = [(difference >= tuning.dominance_db).mean(), (difference <= -tuning.dominance_db).mean()]
    log.debug("stereo: %.2f of speech frames dominated by one channel (L %.2f, R %.2f)", dominated.mean(), *sides)
    if dominated.mean() < tuning.call_dominated or min(sides) < tuning.call_side:
        return False
    chunks = []
    for channel, mask in ((left, np.flatnonzero(speech)[difference >= tuning.dominance_db]),
                          (right, np.flatnonzero(speech)[difference <= -tuning.dominance_db])):
        audio = np.concatenate([channel[i * hop:(i + 1) * hop] for i in mask[:400]])  # at most 20 s
        if len(audio) < tuning.min_window * SAMPLE_RATE:
            return False
        chunks.append(audio)
    a, b = embedder.embed(chunks)
    similarity = float(a @ b)
    log.debug("stereo: the channels' voices have cosine similarity %.2f", similarity)
    return similarity < tuning.call_similarity


def diarize_channels(stereo: np.ndarray, models: DiarizeModels, progress: StageProgress = silent,
                     tuning: Tuning = TUNING) -> Diarization:
    """One speaker per channel: SPEAKER_00 = left, SPEAKER_01 = right. A channel speaks where
    segmentation-3.0 hears speech on it and it is not merely the other side's echo (more than
    `echo_db` below the other channel); where both speak, the exclusive turn goes to the louder."""
    progress(0, 100)
    duration = stereo.shape[1] / SAMPLE_RATE
    if stereo.shape[1] < tuning.min_window * SAMPLE_RATE:
        progress(100, 100)
        return _result((), (), {}, models.model_files, METHOD_STEREO)
    activities = []
    for i in range(2):
        activities.append(segment(stereo[i], models.segmentation, tuning,
                                  lambda done, total, i=i: progress(45 * i + 45 * done / 40, 100)))
    frames = activities[0].frames
    n = min(len(a.count) for a in activities)
    energy = _frame_energy(stereo[:2], frames, n)
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
    progress(100, 100)
    names = {0: "SPEAKER_00", 1: "SPEAKER_01"}
    named = tuple(Turn(round(a, 3), round(b, 3), names[i]) for a, b, i in turns)
    named_exclusive = tuple(Turn(round(a, 3), round(b, 3), names[i]) for a, b, i in exclusive)
    vectors = {names[i]: tuple(round(float(v), 6) for v in c) for i, c in centroids.items()}
    return _result(named, named_exclusive, vectors, models.model_files, METHOD_STEREO,
                   channel_speakers=(names[0], names[1]))


# ------------------------------------------------------------------------ stock pyannote pipeline


def _hub_offline(offline: bool) -> None:
    os.environ["HF_HUB_OFFLINE"] = "1" if offline else "0"
    os.environ["PYANNOTE_METRICS_ENABLED"] = "false"
    try:
        from huggingface_hub import constants
        constants.HF_HUB_OFFLINE = offline  # read at import time; keep it in step with the environment
    except ImportError:
        pass


def load_pipeline(cfg: DiarizeConfig):
    """The stock pyannote.audio pipeline named by cfg.pipeline: a local folder (config.yaml inside) or a hub
    name, with the hub offline unless cfg.token is given. Telemetry off. (pipeline, model files)."""
    ref = cfg.pipeline.strip()
    _hub_offline(not cfg.token)
    _pyannote()
    _hub_offline(not cfg.token)  # _pyannote() sets offline; a token turns the hub back on
    from pyannote.audio import Pipeline
    from pyannote.audio.telemetry.metrics import set_telemetry_metrics

    set_telemetry_metrics(False)
    folder = Path(ref).expanduser()
    local = folder.exists() or ref.startswith((".", "/", "~")) or ref.count("/") != 1
    files: dict[str, str] = {}
    if local:
        if not folder.is_dir() or not (folder / "config.yaml").is_file():
            raise MissingModelError(f"diarization pipeline folder {folder} does not exist or has no config.yaml in it")
        from pipeline.models import sha256_file
        files = {"pipeline:config.yaml": sha256_file(folder / "config.yaml")}
        _check_local_models(folder / "config.yaml")
    where = f"folder {folder}" if local else f"{ref} ({'hub' if cfg.token else 'local Hugging Face cache only'})"
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            loaded = Pipeline.from_pretrained(str(folder) if local else ref, token=cfg.token or None)
    except Exception as exc:  # pyannote, huggingface_hub and torch raise many types for what is missing
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise MissingModelError(f"cannot load the diarization pipeline from {where}: {reason[:300]}") from exc
    if loaded is None:
        raise MissingModelError(f"cannot load the diarization pipeline from {where}: not found")
    return loaded, files


def _check_local_models(config_yaml: Path) -> None:
    """One line naming the model a local pipeline's config.yaml points at that is not on disk."""
    import yaml

    try:
        params = (yaml.safe_load(config_yaml.read_text(encoding="utf-8")) or {}).get("pipeline", {}).get("params", {})
    except (OSError, yaml.YAMLError, AttributeError) as exc:
        raise ConfigError(f"{config_yaml}: not a readable pyannote pipeline config.yaml ({exc})") from exc
    for role, value in (params or {}).items():
        if isinstance(value, str) and value.startswith(("/", ".", "~")):
            path = (config_yaml.parent / Path(value).expanduser()).resolve()
            if not path.exists():
                raise MissingModelError(f"the diarization pipeline in {config_yaml.parent} needs its {role} model "
                                        f"{path}, which is not there")


def diarize_with_pipeline(samples: np.ndarray, cfg: DiarizeConfig, progress: StageProgress = silent,
                          loaded=None) -> Diarization:
    """Run a stock pyannote.audio pipeline on float32 mono 16 kHz samples."""
    import torch

    pipe, files = loaded or load_pipeline(cfg)
    progress(0, 100)
    kwargs = {"num_speakers": cfg.num_speakers} if cfg.num_speakers > 0 else {
        "min_speakers": cfg.min_speakers, "max_speakers": cfg.max_speakers}
    waveform = torch.from_numpy(np.ascontiguousarray(samples, dtype=np.float32)).unsqueeze(0)
    output = pipe({"waveform": waveform, "sample_rate": SAMPLE_RATE}, **kwargs)
    annotation = getattr(output, "speaker_diarization", output)
    exclusive = getattr(output, "exclusive_speaker_diarization", None) or annotation
    labels = {label: i for i, label in enumerate(annotation.labels())}

    def turns_of(a):
        return sorted((s.start, s.end, labels[label]) for s, _, label in a.itertracks(yield_label=True)
                      if label in labels)

    embeddings = getattr(output, "speaker_embeddings", None)
    centroids = normalise(np.asarray(embeddings)) if embeddings is not None and len(embeddings) == len(labels) \
        else np.zeros((len(labels), 0))
    progress(100, 100)
    result = _named(turns_of(annotation), turns_of(exclusive), centroids, files)
    return dataclasses.replace(result, method=f"{METHOD_PIPELINE}:{cfg.pipeline.strip()}")


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


def _result(turns, exclusive, centroids, model_files, method: str = METHOD,
            channel_speakers: tuple[str, ...] = ()) -> Diarization:
    speakers = tuple(sorted({t.speaker for t in turns}))
    return Diarization(method=method, turns=tuple(turns), exclusive_turns=tuple(exclusive), speakers=speakers,
                       model_files=dict(model_files), centroids=dict(centroids), channel_speakers=channel_speakers)
