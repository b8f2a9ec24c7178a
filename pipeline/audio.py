"""Reading and writing the 16 kHz PCM working copies (never the original)."""

from __future__ import annotations

import wave
from pathlib import Path

import numpy as np

from pipeline.artifacts import write_bytes_atomic

SAMPLE_RATE = 16000


def read_wav(path: Path) -> np.ndarray:
    """A 16-bit PCM WAV as float32 in [-1, 1], shape (samples,) for mono or (channels, samples)."""
    with wave.open(str(path), "rb") as wf:
        if wf.getsampwidth() != 2:
            raise ValueError(f"{path}: expected 16-bit PCM")
        channels = wf.getnchannels()
        data = np.frombuffer(wf.readframes(wf.getnframes()), dtype="<i2").astype(np.float32) / 32768.0
    if channels == 1:
        return data
    return data.reshape(-1, channels).T.copy()


def write_wav(path: Path, samples: np.ndarray, sample_rate: int = SAMPLE_RATE) -> None:
    """Write float samples, shape (samples,) or (channels, samples), as 16-bit PCM, atomically."""
    arr = np.asarray(samples, dtype=np.float32)
    if arr.ndim == 1:
        arr = arr[None, :]
    pcm = (np.clip(arr, -1.0, 1.0) * 32767.0).round().astype("<i2").T.tobytes()
    tmp = path.with_name(f".{path.name}.tmp")
    with wave.open(str(tmp), "wb") as wf:
        wf.setnchannels(arr.shape[0])
        wf.setsampwidth(2)
        wf.setframerate(sample_rate)
        wf.writeframes(pcm)
    tmp.replace(path)


__all__ = ["SAMPLE_RATE", "read_wav", "write_wav", "write_bytes_atomic"]
