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


def similarities(embeddings: np.ndarray, labels: np.ndarray, members: list[int], others: list[int]) -> np.ndarray:
    """(members, others) cosine similarity of the clusters' centroids (unit means of their windows)."""
    means = normalise(np.stack([embeddings[labels == c].mean(axis=0) for c in [*members, *others]]))
    return means[:len(members)] @ means[len(members):].T


def voices(labels: np.ndarray, embeddings: np.ndarray, spans: list[Window] | None,
           tuning: Tuning = TUNING) -> tuple[list[list[int]], list[int]]:
    """The clusters of one cut sorted into voices and fragments: clusters that talk for at least
    short_seconds (`spans`: seconds of audio; else windows × hop) are voices, those whose centroids are as
    similar as same_voice grouped as one voice (average of their pairs, closest first); the others are
    fragments. No long cluster: the largest is the one voice. Returns ([[cluster, …] per voice], fragments)."""
    sizes = cluster_sizes(labels, spans) if spans is not None else np.bincount(labels) * tuning.hop
    present = np.flatnonzero(np.bincount(labels))
    long = [int(c) for c in present if sizes[c] >= tuning.short_seconds] or [int(present[np.argmax(sizes[present])])]
    groups = [[c] for c in long]
    if len(long) > 1:
        sim = similarities(embeddings, labels, long, long)
        index = {c: i for i, c in enumerate(long)}
        while len(groups) > 1:
            pairs = [(np.mean([sim[index[a], index[b]] for a in g for b in h]), i, j)
                     for i, g in enumerate(groups) for j, h in enumerate(groups) if i < j]
            best, i, j = max(pairs)
            if best < tuning.same_voice:
                break
            groups[i] += groups.pop(j)
    return groups, [int(c) for c in present if int(c) not in long]


def settle(labels: np.ndarray, embeddings: np.ndarray, spans: list[Window] | None, keep: int,
           given: int = 0, tuning: Tuning = TUNING) -> np.ndarray:
    """One cut's clusters as speakers (see voices): each voice is a speaker; a fragment joins the voice whose
    centroid is nearest, unless (counting freely) its centroid is less similar than fragment_apart to every
    voice's: then it is a speaker of its own (a short one). At least `keep` speakers (the voices segmentation
    heard at once) and, with `given`, exactly that many (fewer only with fewer clusters): the most distinct
    fragments are kept to make up the number, the closest voices joined to bring it down."""
    groups, fragments = voices(labels, embeddings, spans, tuning)
    out = labels.copy()
    for g in groups:
        out[np.isin(labels, g)] = g[0]
    speakers = [g[0] for g in groups]
    if fragments:
        sim = similarities(embeddings, out, fragments, speakers)   # each fragment to each voice
        nearest_voice = sim.max(axis=1)
        order = np.argsort(nearest_voice)                          # most distinct first
        if given:
            kept = list(order[:max(0, given - len(speakers))])
        else:
            kept = [i for i in order if nearest_voice[i] < tuning.fragment_apart]
            kept += [i for i in order if i not in kept][:max(0, keep - len(speakers) - len(kept))]
        for i, f in enumerate(fragments):
            if i not in set(kept):
                out[labels == f] = speakers[int(np.argmax(sim[i]))]
    out = compact(out)
    while given and out.max() + 1 > given:                          # join the closest two speakers
        present = list(range(out.max() + 1))
        sim = similarities(embeddings, out, present, present) - 2 * np.eye(len(present))
        a, b = np.unravel_index(np.argmax(sim), sim.shape)
        out = compact(np.where(out == max(a, b), min(a, b), out))
    return out


def given_cut(tree: np.ndarray, embeddings: np.ndarray, k: int, spans: list[Window] | None,
              tuning: Tuning = TUNING) -> np.ndarray:
    """k speakers from the dendrogram: the first cut from k clusters on (at most `given_tries` further) that
    holds k voices (clusters that each talk short_seconds or more and are not one voice, see voices), its
    fragments joined to the nearest voice, so that two voices that each talk for many seconds are never
    merged to let a burst of noise or a cough be one of the k; when no cut holds k voices, the cut with the
    most, the most distinct fragments kept to make up k."""
    from scipy.cluster.hierarchy import cut_tree

    n = len(tree) + 1
    ks = list(range(k, min(n, k + tuning.given_tries) + 1))
    cuts = cut_tree(tree, n_clusters=ks)                                   # one pass
    best, most = compact(cuts[:, 0]), 0
    for i in range(len(ks)):
        labels = compact(cuts[:, i])
        found = len(voices(labels, embeddings, spans, tuning)[0])
        if found >= k:
            return settle(labels, embeddings, spans, k, k, tuning)
        if found > most:
            best, most = labels, found
    return settle(best, embeddings, spans, k, k, tuning)


def cluster(embeddings: np.ndarray, cfg: DiarizeConfig, heard: int = 1, tuning: Tuning = TUNING,
            spans: list[Window] | None = None) -> np.ndarray:
    """A cluster index per window. Average-linkage agglomerative clustering on cosine distance, cut at
    cfg.num_speakers speakers when given (see given_cut); otherwise one speaker when segmentation never
    heard two voices in one window (and min_speakers allows), else the count before the largest jump in
    merge cost, at least as many as segmentation heard at once, clusters of fewer than min_cluster windows
    joined to the nearest, and then short fragments folded into the nearest voice unless clearly apart
    (settle). `spans`, the windows' (start, end), measure talk in seconds (else windows × hop)."""
    from scipy.cluster.hierarchy import cut_tree, linkage

    n = len(embeddings)
    low, high = speaker_bounds(cfg, heard, n)
    if n < 2 or high == 1 or (cfg.num_speakers == 0 and low == 1):
        return np.zeros(n, dtype=np.int64)
    tree = linkage(embeddings.astype(np.float64), method="average", metric="cosine")
    if cfg.num_speakers > n:
        log.info("only %d windows of speech: fewer speakers than the %d asked for", n, cfg.num_speakers)
    if cfg.num_speakers > 0:
        return given_cut(tree, embeddings, low, spans, tuning)
    k = largest_jump(tree[:, 2], low, high)
    log.debug("windows %d, speakers heard at once %d, bounds [%d, %d] → %d clusters", n, heard, low, high, k)
    labels = absorb_small(compact(cut_tree(tree, n_clusters=k)[:, 0]), embeddings, tuning.min_cluster, low)
    return settle(labels, embeddings, spans, low, 0, tuning)


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
