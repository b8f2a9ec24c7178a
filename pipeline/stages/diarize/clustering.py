"""The diarizer's maths on arrays: speech regions and embedding windows from per-frame speaker counts, the
lower bound on speakers, agglomerative clustering of the window embeddings, per-frame speaker scores and
turns. numpy and scipy only (no model, no torch), so every step is testable on hand-built data.

Frames are the segmentation model's output frames, described by a FrameGrid (start, step, duration) whose
arithmetic is pyannote.core.SlidingWindow's, so times round-trip exactly as pyannote computes them.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np

from pipeline.config import DiarizeConfig
from pipeline.spans import length, union
from pipeline.stages.diarize.tuning import TUNING, Tuning

log = logging.getLogger(__name__)

Window = tuple[float, float]                 # (start, end) seconds
IndexedTurn = tuple[float, float, int]       # (start, end, speaker index)


@dataclass(frozen=True)
class FrameGrid:
    """Frames of `duration` s every `step` s from `start`: frame i spans [start + i·step, … + duration]."""

    start: float
    step: float
    duration: float

    def closest_frame(self, t: float) -> int:
        """The frame whose middle is closest to t (pyannote's SlidingWindow.closest_frame)."""
        return int(np.rint((t - self.start - 0.5 * self.duration) / self.step))

    def middle(self, i: int) -> float:
        """The middle of frame i (pyannote's SlidingWindow[i].middle)."""
        s = self.start + i * self.step
        return 0.5 * (s + (s + self.duration))

    def middles(self, indices: np.ndarray) -> np.ndarray:
        """Middles of many frames at once: frame 0's middle plus whole steps."""
        return self.middle(0) + self.step * np.asarray(indices)


def normalise(vectors: np.ndarray) -> np.ndarray:
    """Rows scaled to unit L2 norm (rows of zeros stay zero)."""
    norms = np.linalg.norm(vectors, axis=-1, keepdims=True)
    return vectors / np.maximum(norms, 1e-12)


def runs(mask: np.ndarray) -> list[tuple[int, int]]:
    """[(first, last + 1)] of each run of True in a 1-d boolean array."""
    edges = np.diff(np.concatenate([[0], mask.astype(np.int8), [0]]))
    return list(zip(np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)))


# --------------------------------------------------------------------------------- what to embed


def voices_heard(talk: np.ndarray, tuning: Tuning = TUNING) -> int:
    """A lower bound on the number of speakers from the seconds each of segmentation's local speakers talks in
    each window (windows, local speakers): the largest m such that at least `evidence_windows` windows each
    hold m local speakers who talk for `evidence_seconds` or more. (Local speakers tend to merge similar
    voices rather than split one: on the evaluation files, at one window of evidence, this never exceeded
    the reference count.)"""
    voices = np.sort((talk >= tuning.evidence_seconds).sum(axis=1))[::-1]
    if len(voices) < tuning.evidence_windows:
        return 1
    return max(1, int(voices[tuning.evidence_windows - 1]))


def speech_regions(count: np.ndarray, frames: FrameGrid, bridge: float) -> list[Window]:
    """(start, end) seconds of speech (count > 0), silences shorter than `bridge` joined over."""
    regions: list[Window] = []
    for first, last in runs(count > 0):
        start, end = frames.middle(first), frames.middle(last - 1) + frames.step
        if regions and start - regions[-1][1] < bridge:
            regions[-1] = (regions[-1][0], end)
        else:
            regions.append((start, end))
    return regions


def embedding_windows(count: np.ndarray, frames: FrameGrid, duration: float, tuning: Tuning = TUNING) -> list[Window]:
    """(start, end) seconds of the windows to embed: `window` long, `hop` apart (more on long recordings,
    at most max_windows in all), inside speech (only where one voice speaks, with single_only, when any)."""
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


# ------------------------------------------------------------------------------------- clustering


def compact(labels: np.ndarray) -> np.ndarray:
    """Labels renumbered 0, 1, … in ascending order of the old labels."""
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


def cluster_sizes(labels: np.ndarray, spans: list[Window] | None = None) -> np.ndarray:
    """Per cluster label: the seconds of audio its windows cover (overlaps counted once) when the windows'
    spans are given, else its number of windows."""
    if spans is None:
        return np.bincount(labels).astype(float)
    sizes = np.zeros(labels.max() + 1)
    for c in np.unique(labels):
        sizes[c] = length(union(spans[i] for i in np.flatnonzero(labels == c)))
    return sizes


def absorb_small(labels: np.ndarray, embeddings: np.ndarray, min_size: float, keep: int,
                 spans: list[Window] | None = None) -> np.ndarray:
    """Clusters smaller than min_size (seconds of audio with `spans`, else windows) join the nearest cluster
    (by centroid), smallest first, while more than `keep` clusters remain."""
    labels = labels.copy()
    while True:
        sizes = cluster_sizes(labels, spans)
        present = np.flatnonzero(np.bincount(labels))
        smallest = present[np.argmin(sizes[present])]
        if len(present) <= keep or sizes[smallest] >= min_size:
            return compact(labels)
        others = present[present != smallest]
        means = normalise(np.stack([embeddings[labels == c].mean(axis=0) for c in others]))
        members = labels == smallest
        labels[members] = others[np.argmax(embeddings[members] @ means.T, axis=1)]


def forced_cut(tree: np.ndarray, embeddings: np.ndarray, plain: np.ndarray, k: int, min_size: float,
               spans: list[Window] | None = None, tries: int = 20) -> np.ndarray:
    """k clusters (fewer only with fewer windows): the first cut of the dendrogram from k clusters on (at most
    `tries` further) that holds k clusters of at least min_size, its smaller ones joined to the nearest, so
    that a burst of noise or a cough does not take one of the k speakers; `plain`, the cut at k, otherwise."""
    from scipy.cluster.hierarchy import cut_tree

    n = len(tree) + 1
    further = list(range(k + 1, min(n, k + tries) + 1))
    cuts = cut_tree(tree, n_clusters=further) if further else np.zeros((n, 0), dtype=np.int64)   # one pass
    for labels in [plain, *(compact(cuts[:, i]) for i in range(len(further)))]:
        large = int((cluster_sizes(labels, spans) >= min_size).sum())
        if large >= k:
            joined = absorb_small(labels, embeddings, min_size, k, spans)
            return joined if joined.max() + 1 == k else plain
    return plain


def cluster(embeddings: np.ndarray, cfg: DiarizeConfig, heard: int = 1, tuning: Tuning = TUNING,
            spans: list[Window] | None = None) -> np.ndarray:
    """A cluster index per window. Average-linkage agglomerative clustering on cosine distance, cut at
    cfg.num_speakers clusters when given (see forced_cut); otherwise one speaker when segmentation never
    heard two voices in one window (and min_speakers allows), else the count before the largest jump in
    merge cost, at least as many as segmentation heard at once, clusters of fewer than min_cluster windows
    joined to the nearest. With a given number and the windows' `spans`, clusters covering less than
    min_cluster_seconds of audio do not take one of the speakers (measured: a 1.7 s noise in dev01 did)."""
    from scipy.cluster.hierarchy import cut_tree, linkage

    n = len(embeddings)
    low, high = speaker_bounds(cfg, heard, n)
    if n < 2 or high == 1 or (cfg.num_speakers == 0 and low == 1):
        return np.zeros(n, dtype=np.int64)
    tree = linkage(embeddings.astype(np.float64), method="average", metric="cosine")
    k = low if low == high else largest_jump(tree[:, 2], low, high)
    log.debug("windows %d, speakers heard at once %d, bounds [%d, %d] → %d clusters", n, heard, low, high, k)
    labels = compact(cut_tree(tree, n_clusters=k)[:, 0])
    if cfg.num_speakers > n:
        log.info("only %d windows of speech: fewer speakers than the %d asked for", n, cfg.num_speakers)
    if cfg.num_speakers > 0:
        if spans is None:
            return labels
        return forced_cut(tree, embeddings, labels, k, tuning.min_cluster_seconds, spans)
    return absorb_small(labels, embeddings, tuning.min_cluster, low)


def centroids(embeddings: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """(clusters, dimension): the unit-length mean of each cluster's unit-length embeddings."""
    return normalise(np.stack([embeddings[labels == c].mean(axis=0) for c in range(labels.max() + 1)]))


# --------------------------------------------------------------------------------------- labelling


def frame_scores(windows: list[Window], window_scores: np.ndarray, frames: FrameGrid, n_frames: int) -> np.ndarray:
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
    total[~hit] = window_scores[nearest(np.array([(a + b) / 2 for a, b in windows]),
                                        frames.middles(np.flatnonzero(~hit)))]
    return total


def nearest(centres: np.ndarray, times: np.ndarray) -> np.ndarray:
    """Index of the nearest of the (ascending) centres for each time (the earlier one on a tie)."""
    right = np.clip(np.searchsorted(centres, times), 1, max(1, len(centres) - 1))
    left = right - 1
    if len(centres) == 1:
        return np.zeros(len(times), dtype=np.int64)
    return np.where(np.abs(times - centres[left]) <= np.abs(centres[right] - times), left, right)


def active_speakers(scores: np.ndarray, count: np.ndarray, chunk: int = 1 << 16) -> np.ndarray:
    """(frames, speakers) booleans: the count[f] best scoring speakers of each frame (`chunk` frames at a
    time, so that the rank arrays stay small on long recordings)."""
    active = np.zeros(scores.shape, dtype=bool)
    for a in range(0, len(scores), chunk):
        ranks = np.argsort(np.argsort(-scores[a:a + chunk], axis=1), axis=1)
        active[a:a + chunk] = ranks < count[a:a + chunk, None]
    return active


def to_turns(activity: np.ndarray, frames: FrameGrid, min_turn: float, duration: float) -> list[IndexedTurn]:
    """(start, end, speaker index) of each run of activity (frames, speakers), in time order, within
    [0, duration]; runs shorter than min_turn are dropped."""
    turns = []
    for speaker in range(activity.shape[1]):
        for first, last in runs(activity[:, speaker]):
            start = max(0.0, float(frames.middle(first) - frames.step / 2))
            end = min(duration, float(frames.middle(last - 1) + frames.step / 2))
            if end - start >= min_turn:
                turns.append((start, end, speaker))
    return sorted(turns)
