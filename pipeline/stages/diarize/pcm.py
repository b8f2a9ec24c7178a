"""The mono 16 kHz working copy read as the diarizer needs it: a window at a time from the file, so a
three-hour recording does not become 700 MB of float32 (nor its pages stay mapped) while it is diarized."""

from __future__ import annotations

import struct
from pathlib import Path

import numpy as np


class PcmView:
    """A 16-bit mono PCM WAV as a read-only float32 sequence: len() samples, view[a:b] read from the file
    as float32 in [-1, 1] (the values pipeline.audio.read_wav gives), np.asarray(view) for all of it."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._offset, size, channels, width = _data_chunk(self.path)
        if channels != 1 or width != 2:
            raise ValueError(f"{path}: expected 16-bit mono PCM")
        self._length = size // 2

    def __len__(self) -> int:
        return self._length

    def __getitem__(self, index: slice) -> np.ndarray:
        if not isinstance(index, slice) or index.step not in (None, 1):
            raise TypeError("PcmView is read by slices: view[a:b]")
        start, stop, _ = index.indices(self._length)
        if stop <= start:
            return np.zeros(0, dtype=np.float32)
        with open(self.path, "rb") as fh:
            fh.seek(self._offset + 2 * start)
            pcm = np.fromfile(fh, dtype="<i2", count=stop - start)
        return pcm.astype(np.float32) / 32768.0

    def __array__(self, dtype=None, copy=None) -> np.ndarray:
        samples = self[:]
        return samples if dtype is None else samples.astype(dtype)


def _data_chunk(path: Path) -> tuple[int, int, int, int]:
    """(byte offset of the samples, their size in bytes, channels, bytes per sample) of a RIFF WAVE file."""
    with open(path, "rb") as fh:
        riff, _, wave = struct.unpack("<4sI4s", fh.read(12))
        if riff != b"RIFF" or wave != b"WAVE":
            raise ValueError(f"{path}: not a WAV file")
        channels = width = 0
        while header := fh.read(8):
            if len(header) < 8:
                break
            name, size = struct.unpack("<4sI", header)
            if name == b"fmt ":
                fmt = fh.read(size)
                channels, width = struct.unpack("<H", fmt[2:4])[0], struct.unpack("<H", fmt[14:16])[0] // 8
                fh.seek(size % 2, 1)
            elif name == b"data":
                available = path.stat().st_size - fh.tell()
                return fh.tell(), min(size, available), channels, width
            else:
                fh.seek(size + size % 2, 1)
    raise ValueError(f"{path}: a WAV file without samples")
