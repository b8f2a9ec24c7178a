"""Ingest: hash and probe the original, decode its audio with PyAV to a 16 kHz mono working copy.

The original is opened read-only and never written. Any container PyAV (FFmpeg's libraries, bundled in its
wheel) can read works: wav, mp3, m4a/aac, amr, flac, ogg/opus, and the audio track of mp4/mov.
"""

from __future__ import annotations

import logging
from contextlib import nullcontext
from datetime import datetime
from pathlib import Path

import av

from pipeline.artifacts import AudioAsset
from pipeline.audio import SAMPLE_RATE, WavWriter, resampled
from pipeline.errors import BadAudioError
from pipeline.fileio import Digests, sha256_file
from pipeline.progress import StageProgress, silent
from pipeline.rundir import RunDir
from pipeline.timefmt import hms

log = logging.getLogger(__name__)

VERSION = 4
# A decoded stream this much shorter than its container declares is treated as truncated.
TRUNCATION_TOLERANCE = (2.0, 0.05)  # seconds, share of the declared duration (whichever is larger)


def check_readable(path: Path) -> None:
    """Fail early, in one line, on what is obviously not a recording."""
    if not path.exists():
        raise BadAudioError.keyed("no_such_file", path=path)
    if not path.is_file():
        raise BadAudioError.keyed("recording_is_folder", path=path)
    if path.stat().st_size == 0:
        raise BadAudioError.keyed("recording_empty", path=path)


def file_time(path: Path) -> str:
    """The file's modification time, ISO 8601 in local time, as the exhibit states it."""
    return datetime.fromtimestamp(path.stat().st_mtime).astimezone().isoformat(timespec="seconds")


def _wav_data(path: Path) -> tuple[int, int, int] | None:
    """For a RIFF/WAVE file: (bytes of sound its header declares, bytes of sound the file holds, bytes per
    second); None for any other file, or when the header declares no usable size (a recorder that was stopped
    before it wrote the size leaves 0 or 0xFFFFFFFF there)."""
    with open(path, "rb") as fh:
        head = fh.read(12)
        if len(head) < 12 or head[:4] != b"RIFF" or head[8:12] != b"WAVE":
            return None
        byte_rate = 0
        while chunk := fh.read(8):
            if len(chunk) < 8:
                return None
            kind, size = chunk[:4], int.from_bytes(chunk[4:], "little")
            if kind == b"fmt ":
                fmt = fh.read(size + size % 2)
                byte_rate = int.from_bytes(fmt[8:12], "little") if len(fmt) >= 12 else 0
                continue
            if kind == b"data":
                held = path.stat().st_size - fh.tell()
                return (size, held, byte_rate) if size not in (0, 0xFFFFFFFF) and byte_rate else None
            fh.seek(size + size % 2, 1)
    return None


def check_complete(path: Path) -> None:
    """Refuse a WAV whose header declares more sound than the file holds (a copy cut short): its decoded
    duration would be reported as if it were the whole recording."""
    data = _wav_data(path)
    if data is None:
        return
    declared, held, byte_rate = data
    if declared > held + byte_rate // 100:   # more than 10 ms missing
        raise BadAudioError.keyed("wav_truncated", path=path, declared=hms(declared / byte_rate),
                                  declared_bytes=declared, held=hms(held / byte_rate), held_bytes=held)


def _tags(container: av.container.InputContainer, stream: av.audio.stream.AudioStream) -> dict[str, str]:
    tags = {str(k): str(v) for k, v in container.metadata.items()}
    tags.update({f"stream.{k}": str(v) for k, v in stream.metadata.items()})
    return dict(sorted(tags.items()))


def _decode(path: Path, container, stream, progress: StageProgress, declared: float, mono: WavWriter,
            stereo: WavWriter | None) -> float:
    """Decode all the audio into the working copies as it comes (16 kHz mono, and the first two channels when
    `stereo`), never holding the whole recording; the duration of the original stream in seconds."""
    original_samples = 0
    rate = stream.codec_context.sample_rate or SAMPLE_RATE
    try:
        for index, (count, blocks, pairs) in enumerate(resampled(container, stream, stereo is not None)):
            original_samples += count
            for block in blocks:
                mono.write(block)
            for pair in pairs:
                stereo.write(pair)
            if declared > 0 and index % 200 == 0:
                progress(min(original_samples / rate, declared), declared)
    except (av.error.FFmpegError, ValueError) as exc:
        heard = hms(original_samples / rate)
        reason = getattr(exc, "strerror", None) or exc
        raise BadAudioError.keyed("recording_damaged", path=path, heard=heard, reason=str(reason)) from exc
    return original_samples / rate


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
            raise BadAudioError.keyed("recording_unopenable", path=path, kind=kind) from exc
        raise BadAudioError.keyed("not_audio", path=path) from exc


def declared_seconds(container) -> float:
    """How long an opened PyAV container says the recording lasts (0 when it does not say)."""
    return float(container.duration / av.time_base) if container.duration else 0.0


def ingest(path: Path, digests: Digests, run: RunDir, progress: StageProgress = silent) -> AudioAsset:
    """Probe and decode the original at `path` (already hashed) into the run folder's working copies: 16 kHz
    mono, and for an original with two or more channels its first two channels (a call recorded per side)."""
    check_readable(path)
    check_complete(path)
    container = _open(path)
    with container:
        if not container.streams.audio:
            raise BadAudioError.keyed("no_audio_track", path=path)
        stream = container.streams.audio[0]
        declared = declared_seconds(container)
        stereo_wanted = (stream.codec_context.channels or 0) >= 2
        run.work.mkdir(parents=True, exist_ok=True)
        # a bad file raises inside the writers: the working copies are then not put in place (no file is left)
        with WavWriter(run.wav) as mono, \
                (WavWriter(run.stereo_wav, 2) if stereo_wanted else nullcontext()) as stereo:
            duration = _decode(path, container, stream, progress, declared, mono, stereo)
            if mono.samples == 0:
                raise BadAudioError.keyed("no_sound", path=path)
            slack = max(TRUNCATION_TOLERANCE[0], TRUNCATION_TOLERANCE[1] * declared)
            if declared > 0 and duration < declared - slack:
                raise BadAudioError.keyed("truncated", path=path, declared=hms(declared), decoded=hms(duration))
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
    stereo_name = stereo_sha256 = ""
    if stereo_wanted:
        stereo_name = run.stereo_wav.name
        stereo_sha256 = sha256_file(run.stereo_wav)
    progress(duration, duration)
    return AudioAsset(
        source_path=str(path.resolve()),
        file_name=path.name,
        size_bytes=digests.size,
        sha256=digests.sha256,
        md5=digests.md5,
        modified=file_time(path),
        duration=duration,
        container_duration=declared,
        wav_path=run.wav.name,
        wav_sha256=sha256_file(run.wav),
        stereo_wav_path=stereo_name,
        stereo_wav_sha256=stereo_sha256,
        **asset_fields,
    )
