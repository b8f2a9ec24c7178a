"""Shared test helpers: where the evaluation audio is, and making real containers from real clips."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import pytest

from pipeline.audio import decode

ROOT = Path(__file__).resolve().parents[1]
EVAL = ROOT.parent / "shared" / "eval"


def eval_file(relative: str) -> Path:
    path = EVAL / relative
    if not path.is_file():
        pytest.fail(f"evaluation file {path} is missing: CI keeps ../shared beside the clone")
    return path


def decode_mono(path: Path, rate: int = 16000) -> np.ndarray:
    """A real clip as float32 mono at `rate` (test input material)."""
    return decode(path, rate=rate)


def _write_video(out, vs) -> None:
    for i in range(5):
        frame = av.VideoFrame.from_ndarray(np.full((48, 64, 3), i * 40, np.uint8), format="rgb24")
        frame.pts, frame.time_base = i, Fraction(1, 5)
        for packet in vs.encode(frame):
            out.mux(packet)
    for packet in vs.encode():
        out.mux(packet)


def encode(samples: np.ndarray | None, path: Path, codec: str = "", rate: int = 16000, layout: str = "mono",
           video: bool = False, metadata: dict[str, str] | None = None) -> Path:
    """Encode float mono samples into a real container with PyAV (the container follows path's suffix);
    samples=None makes a video with no audio track."""
    with av.open(str(path), "w") as out:
        out.metadata.update(metadata or {})
        vs = None
        if video or samples is None:
            vs = out.add_stream("mpeg4", rate=5)
            vs.width, vs.height, vs.pix_fmt = 64, 48, "yuv420p"
        stream = out.add_stream(codec, rate=rate, layout=layout) if samples is not None else None
        if vs is not None:
            _write_video(out, vs)
        if stream is None:
            return path
        fmt = stream.codec_context.codec.audio_formats[0].name
        frame_size = stream.codec_context.frame_size or 1024
        channels = 2 if layout == "stereo" else 1
        resampler = av.AudioResampler(format=fmt, layout=layout, rate=rate)
        for start in range(0, len(samples), frame_size):
            block = samples[start:start + frame_size].astype(np.float32)
            frame = av.AudioFrame.from_ndarray(np.tile(block, (channels, 1)), format="fltp", layout=layout)
            frame.sample_rate, frame.pts, frame.time_base = rate, start, Fraction(1, rate)
            for converted in resampler.resample(frame) if fmt != "fltp" else [frame]:
                for packet in stream.encode(converted):
                    out.mux(packet)
        for packet in stream.encode(None):
            out.mux(packet)
    return path
