"""Audio as the pipeline reads it: the one PyAV decoder (any container to 16 kHz float32), and the 16 kHz PCM
working copies (never the original)."""

from __future__ import annotations

import wave
from collections.abc import Iterator
from pathlib import Path

import av
import numpy as np

from pipeline.fileio import temp_beside

SAMPLE_RATE = 16000


def resampled(container, stream, stereo: bool = False,
              rate: int = SAMPLE_RATE) -> Iterator[tuple[int, list[np.ndarray], list[np.ndarray]]]:
    """Decode one audio stream frame by frame, resampled to float32 at `rate` (16 kHz). Yields (samples of the
    original stream in this frame, mono blocks (n,), two-channel blocks (2, n)); the two-channel blocks hold
    the first two channels and are only made when `stereo`. The last item flushes the resamplers (0 original
    samples)."""
    mono = av.AudioResampler(format="flt", layout="mono", rate=rate)
    two = av.AudioResampler(format="fltp", layout=stream.layout, rate=rate) if stereo else None
    for frame in container.decode(stream):
        yield (frame.samples, [o.to_ndarray().reshape(-1) for o in mono.resample(frame)],
               [o.to_ndarray()[:2] for o in two.resample(frame)] if two else [])
    yield (0, [o.to_ndarray().reshape(-1) for o in mono.resample(None)],
           [o.to_ndarray()[:2] for o in two.resample(None)] if two else [])


def decode(path: Path, stereo: bool = False, rate: int = SAMPLE_RATE) -> np.ndarray:
    """The first audio stream of a file as float32 at `rate` (16 kHz): (samples,) mono, or (channels ≤ 2,
    samples) with `stereo`. For test material, evaluation and benchmarks; the ingest stage decodes the
    original itself (with progress and checks) through `resampled`."""
    with av.open(str(path)) as container:
        stream = container.streams.audio[0]
        if stereo and (stream.codec_context.channels or 0) < 2:   # one channel: (1, n)
            return decode(path, rate=rate)[None, :]
        blocks = [b for _, mono, two in resampled(container, stream, stereo, rate)
                  for b in (two if stereo else mono)]
    if stereo:
        return np.concatenate(blocks, axis=1).astype(np.float32) if blocks else np.zeros((1, 0), np.float32)
    return np.concatenate(blocks).astype(np.float32) if blocks else np.zeros(0, np.float32)


def read_wav(path: Path, start: int = 0, end: int | None = None) -> np.ndarray:
    """A 16-bit PCM WAV (or its samples start:end) as float32 in [-1, 1], shape (samples,) for mono or
    (channels, samples). Reading a part keeps memory to that part on a long recording."""
    with wave.open(str(path), "rb") as wf:
        if wf.getsampwidth() != 2:
            raise ValueError(f"{path}: expected 16-bit PCM")
        channels = wf.getnchannels()
        total = wf.getnframes()
        start = min(max(0, start), total)
        stop = total if end is None else min(max(start, end), total)
        wf.setpos(start)
        data = np.frombuffer(wf.readframes(stop - start), dtype="<i2").astype(np.float32) / 32768.0
    if channels == 1:
        return data
    return data.reshape(-1, channels).T.copy()


class WavView:
    """A 16-bit WAV working copy as a read-only float32 sequence: len() samples, view[a:b] read from the file
    (read_wav's values), np.asarray(view) for all of it; of a mono file, or of one channel (`channel`) of a file
    with more. A three-hour recording is read a window at a time instead of becoming 700 MB of float32."""

    def __init__(self, path: Path, channel: int | None = None) -> None:
        self.path, self.channel = Path(path), channel
        with wave.open(str(self.path), "rb") as wf:
            channels = wf.getnchannels()
            if wf.getsampwidth() != 2 or (channels != 1 if channel is None else not 0 <= channel < channels
                                          or channels < 2):
                raise ValueError(f"{path}: expected 16-bit {'mono ' if channel is None else ''}PCM"
                                 f"{f' with a channel {channel}' if channel is not None else ''}")
            self._length = wf.getnframes()

    def __len__(self) -> int:
        return self._length

    def __getitem__(self, index: slice) -> np.ndarray:
        if not isinstance(index, slice) or index.step not in (None, 1):
            raise TypeError("WavView is read by slices: view[a:b]")
        start, stop, _ = index.indices(self._length)
        samples = read_wav(self.path, start, max(start, stop))
        return samples if self.channel is None else samples[self.channel].copy()

    def __array__(self, dtype=None, copy=None) -> np.ndarray:
        samples = self[:]
        return samples if dtype is None else samples.astype(dtype)


def channel_views(path: Path) -> list[WavView]:
    """A WavView of each channel of a WAV working copy with two or more channels (ValueError for one)."""
    with wave.open(str(path), "rb") as wf:
        channels = wf.getnchannels()
    return [WavView(path, i) for i in range(channels)]


class WavWriter:
    """A 16-bit PCM WAV written block by block (float samples, (n,) or (channels, n)), so that a long recording
    is never held whole; put in place (renamed) only when the `with` block ends without an error."""

    def __init__(self, path: Path, channels: int = 1, sample_rate: int = SAMPLE_RATE):
        self.path, self.tmp, self.samples = path, temp_beside(path), 0
        self.wave = wave.open(str(self.tmp), "wb")
        self.wave.setnchannels(channels)
        self.wave.setsampwidth(2)
        self.wave.setframerate(sample_rate)

    def write(self, samples: np.ndarray) -> None:
        arr = np.asarray(samples, dtype=np.float32)
        if arr.ndim == 1:
            arr = arr[None, :]
        self.wave.writeframes((np.clip(arr, -1.0, 1.0) * 32767.0).round().astype("<i2").T.tobytes())
        self.samples += arr.shape[1]

    def __enter__(self) -> WavWriter:
        return self

    def __exit__(self, kind, error, trace) -> None:
        try:
            self.wave.close()
            if kind is None:
                self.tmp.replace(self.path)
        finally:
            self.tmp.unlink(missing_ok=True)


def write_wav(path: Path, samples: np.ndarray, sample_rate: int = SAMPLE_RATE) -> None:
    """Write float samples, shape (samples,) or (channels, samples), as 16-bit PCM, atomically."""
    arr = np.asarray(samples, dtype=np.float32)
    with WavWriter(path, 1 if arr.ndim == 1 else arr.shape[0], sample_rate) as writer:
        writer.write(arr)
