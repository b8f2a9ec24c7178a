"""Ingest: hash and probe the original, decode its audio with PyAV to a 16 kHz mono working copy.

The original is opened read-only and never written. Any container PyAV (FFmpeg's libraries, bundled in its
wheel) can read works: wav, mp3, m4a/aac, amr, flac, ogg/opus, and the audio track of mp4/mov.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import av
import numpy as np

from pipeline.artifacts import AudioAsset
from pipeline.audio import SAMPLE_RATE, write_wav
from pipeline.errors import BadAudioError
from pipeline.progress import StageProgress, silent
from pipeline.timefmt import hms

log = logging.getLogger(__name__)

WAV_NAME = "audio16k.wav"
STEREO_WAV_NAME = "audio16k_stereo.wav"  # only for originals with 2+ channels (a call recorded per side)
VERSION = 2
# A decoded stream this much shorter than its container declares is treated as truncated.
TRUNCATION_TOLERANCE = (2.0, 0.05)  # seconds, share of the declared duration (whichever is larger)


@dataclass(frozen=True)
class Digests:
    sha256: str
    md5: str
    size: int


def file_digests(path: Path, chunk: int = 1 << 20) -> Digests:
    """sha256 and md5 of a file in one read-only pass."""
    sha, md5, size = hashlib.sha256(), hashlib.md5(), 0
    with open(path, "rb") as fh:
        while block := fh.read(chunk):
            sha.update(block)
            md5.update(block)
            size += len(block)
    return Digests(sha.hexdigest(), md5.hexdigest(), size)


def recorded_date(asset: AudioAsset) -> date | None:
    """The recording date the file itself states (a creation_time/date tag, as phones write), else None.
    The file's modification time is not used: copying a file changes it."""
    for key in ("creation_time", "stream.creation_time", "date", "DATE"):
        value = asset.tags.get(key, "").strip()
        if not value:
            continue
        try:
            return datetime.fromisoformat(value.replace("Z", "+00:00")).date()
        except ValueError:
            continue
    return None


def check_readable(path: Path) -> None:
    """Fail early, in one line, on what is obviously not a recording."""
    if not path.exists():
        raise BadAudioError(f"{path}: no such file")
    if not path.is_file():
        raise BadAudioError(f"{path}: is a folder, not a recording")
    if path.stat().st_size == 0:
        raise BadAudioError(f"{path}: the file is empty (0 bytes)")


def _tags(container: av.container.InputContainer, stream: av.audio.stream.AudioStream) -> dict[str, str]:
    tags = {str(k): str(v) for k, v in container.metadata.items()}
    tags.update({f"stream.{k}": str(v) for k, v in stream.metadata.items()})
    return dict(sorted(tags.items()))


def _decode(path: Path, container, stream, progress: StageProgress, declared: float,
            stereo: list[np.ndarray] | None = None) -> tuple[np.ndarray, float]:
    """All audio as 16 kHz mono float32, and the duration of the original stream in seconds. When `stereo`
    is a list, the first two channels are also appended to it as (2, n) float32 blocks."""
    resampler = av.AudioResampler(format="flt", layout="mono", rate=SAMPLE_RATE)
    # all channels, planar, at 16 kHz; the first two (left, right) are kept
    two = av.AudioResampler(format="fltp", layout=stream.layout, rate=SAMPLE_RATE) if stereo is not None else None
    chunks: list[np.ndarray] = []
    original_samples = 0
    rate = stream.codec_context.sample_rate or SAMPLE_RATE
    try:
        for frame in container.decode(stream):
            original_samples += frame.samples
            for out in resampler.resample(frame):
                chunks.append(out.to_ndarray().reshape(-1))
            if two is not None:
                stereo += [out.to_ndarray()[:2] for out in two.resample(frame)]
            if declared > 0 and len(chunks) % 200 == 0:
                progress(min(original_samples / rate, declared), declared)
        for out in resampler.resample(None):
            chunks.append(out.to_ndarray().reshape(-1))
        if two is not None:
            stereo += [out.to_ndarray()[:2] for out in two.resample(None)]
    except (av.error.FFmpegError, ValueError) as exc:
        heard = hms(original_samples / rate)
        reason = getattr(exc, "strerror", None) or exc
        raise BadAudioError(f"{path}: the audio is damaged or truncated (decoding failed after {heard}: {reason})") from exc
    samples = np.concatenate(chunks) if chunks else np.zeros(0, dtype=np.float32)
    return samples.astype(np.float32, copy=False), original_samples / rate


# How the common recording formats begin: (offset, bytes, name).
SIGNATURES = ((4, b"ftyp", "MP4/M4A"), (0, b"RIFF", "WAV"), (0, b"ID3", "MP3"), (0, b"fLaC", "FLAC"),
              (0, b"OggS", "Ogg"), (0, b"#!AMR", "AMR"), (0, b"\x1a\x45\xdf\xa3", "WebM/Matroska"))


def _looks_like(path: Path) -> str | None:
    """The format a file's first bytes announce, if it is one of the common recording formats."""
    with open(path, "rb") as fh:
        head = fh.read(16)
    return next((name for offset, magic, name in SIGNATURES if head[offset:offset + len(magic)] == magic), None)


def _open(path: Path):
    try:
        return av.open(str(path), mode="r")
    except (av.error.FFmpegError, UnicodeDecodeError, ValueError) as exc:
        kind = _looks_like(path)
        if kind:
            raise BadAudioError(f"{path}: looks like {kind} but is damaged or incomplete and cannot be "
                                "opened (was it copied completely?)") from exc
        raise BadAudioError(f"{path}: not a recognised audio or video file") from exc


def ingest(path: Path, digests: Digests, run_dir: Path, progress: StageProgress = silent) -> AudioAsset:
    """Probe and decode the original at `path` (already hashed) into run_dir/audio16k.wav."""
    check_readable(path)
    container = _open(path)
    with container:
        if not container.streams.audio:
            raise BadAudioError(f"{path}: the file has no audio track")
        stream = container.streams.audio[0]
        declared = float(container.duration / av.time_base) if container.duration else 0.0
        stereo: list[np.ndarray] | None = [] if (stream.codec_context.channels or 0) >= 2 else None
        samples, duration = _decode(path, container, stream, progress, declared, stereo)
        if samples.size == 0:
            raise BadAudioError(f"{path}: the audio track holds no sound that can be decoded")
        slack = max(TRUNCATION_TOLERANCE[0], TRUNCATION_TOLERANCE[1] * declared)
        if declared > 0 and duration < declared - slack:
            raise BadAudioError(
                f"{path}: the file is truncated: its header declares {hms(declared)} "
                f"but only {hms(duration)} of audio could be decoded"
            )
        ctx = stream.codec_context
        asset_fields = dict(
            container=container.format.name,
            container_long=container.format.long_name,
            codec=ctx.name,
            sample_rate=int(ctx.sample_rate or 0),
            channels=int(ctx.channels or 0),
            bit_rate=int(stream.bit_rate or container.bit_rate or 0),
            tags=_tags(container, stream),
        )
    wav_path = run_dir / WAV_NAME
    write_wav(wav_path, samples)
    stereo_name = ""
    if stereo:
        stereo_name = STEREO_WAV_NAME
        write_wav(run_dir / stereo_name, np.concatenate(stereo, axis=1))
    progress(duration, duration)
    stat = path.stat()
    return AudioAsset(
        source_path=str(path.resolve()),
        file_name=path.name,
        size_bytes=digests.size,
        sha256=digests.sha256,
        md5=digests.md5,
        modified=datetime.fromtimestamp(stat.st_mtime).astimezone().isoformat(timespec="seconds"),
        duration=duration,
        container_duration=declared,
        wav_path=WAV_NAME,
        wav_sha256=file_digests(wav_path).sha256,
        stereo_wav_path=stereo_name,
        **asset_fields,
    )
