"""A first integrity screen of the original recording: points an examiner would look at, never a verdict.

Five checks, each giving zero or more points to check (the export writes them to out/<name>/integrity.json):
- container/codec: the file's extension against the container and codec it actually holds (a renamed or
  converted file);
- software tags: encoder/editor names in the metadata (Lavf, Audacity, Adobe Audition …) that suggest the
  file was re-encoded or passed through an editor, not written by the recording device;
- duration: the container's declared duration against the decoded audio stream;
- trailing data: bytes after a WAV's sound that belong to no chunk of the file (decoders stop where the header
  says the sound ends, so whatever was appended is never heard);
- digital silence: runs of samples that are exactly zero (≥ MIN_ZERO_RUN) with sound on both sides: a real
  microphone always picks up some noise, so such a run inside speech can mark an insertion or a cut.

Only an expert examination under the applicable standard (in China SF/T 0120-2022 录音真实性鉴定技术规范)
can say whether a recording was edited; this screen only says where to look.

Each point is structured: its kind (KINDS) and the values its sentence needs; the export words it in the
exhibit's language from the [integrity.details] templates of configs/exhibit_<lang>.toml. The screen runs
once per original: its artifact is reused as long as the original is the same."""

from __future__ import annotations

import logging
from pathlib import Path

import av
import numpy as np

from pipeline.artifacts import AudioAsset, Integrity, Point
from pipeline.errors import BadAudioError
from pipeline.progress import StageProgress, silent

log = logging.getLogger(__name__)

VERSION = 4  # bump when the screen changes, so that run folders get it again
MIN_ZERO_RUN = 0.050        # seconds of exactly-zero samples
CONTEXT = 0.5               # seconds on each side that must hold sound for a run to count as "inside speech"
SOUND_DBFS = -45.0          # a 10 ms block louder than this is sound
BLOCK = 0.010
DURATION_TOLERANCE = (0.5, 0.01)   # seconds, share of the duration (whichever is larger)
SOFTWARE = ("lavf", "lavc", "ffmpeg", "audacity", "adobe", "audition", "premiere", "goldwave", "sound forge",
            "soundforge", "izotope", "reaper", "wavepad", "ocenaudio", "cool edit", "format factory", "格式工厂",
            "garageband", "logic pro", "cubase", "lame")
TAG_KEYS = ("encoder", "encoded_by", "software", "comment", "handler_name", "tool", "isft", "creator")
# extension → (container names the demuxer may report, codec name prefixes expected)
EXPECTED = {
    ".wav": ({"wav", "w64"}, ("pcm_", "adpcm_", "gsm")),
    ".mp3": ({"mp3"}, ("mp3",)),
    ".m4a": ({"mov,mp4,m4a,3gp,3g2,mj2"}, ("aac", "alac")),
    ".mp4": ({"mov,mp4,m4a,3gp,3g2,mj2"}, ("aac", "alac", "mp3", "opus")),
    ".mov": ({"mov,mp4,m4a,3gp,3g2,mj2"}, ("aac", "alac", "pcm_")),
    ".3gp": ({"mov,mp4,m4a,3gp,3g2,mj2"}, ("amr", "aac")),
    ".aac": ({"aac"}, ("aac",)),
    ".amr": ({"amr", "amrnb", "amrwb"}, ("amr",)),
    ".flac": ({"flac"}, ("flac",)),
    ".ogg": ({"ogg"}, ("vorbis", "opus", "flac")),
    ".opus": ({"ogg"}, ("opus",)),
    ".wma": ({"asf"}, ("wma",)),
}


# kind of point → the check that finds it ([integrity.checks] names the checks, [integrity.details] words the kinds)
KINDS = {
    "renamed_container": "container",     # values: ext, container
    "unexpected_codec": "container",      # values: ext, expected, codec
    "software_tag": "software",           # values: key, value
    "duration_mismatch": "duration",      # values: declared, decoded, gap (seconds)
    "trailing_data": "trailing_data",     # values: bytes, seconds (at the file's byte rate)
    "digital_silence": "digital_silence",  # values: ms, start, end (seconds)
}


def _point(kind: str, values: dict, start: float | None = None, end: float | None = None) -> Point:
    return Point(KINDS[kind], kind, values, start, end)


def format_points(asset: AudioAsset) -> list[Point]:
    """The extension against the container and the codec inside it."""
    ext = Path(asset.file_name).suffix.lower()
    if ext not in EXPECTED:
        return []
    containers, codecs = EXPECTED[ext]
    points = []
    if asset.container not in containers:
        held = asset.container_long or asset.container
        points.append(_point("renamed_container", {"ext": ext, "container": held}))
    if not asset.codec.startswith(codecs):
        expected = "/".join(c.rstrip("_") for c in codecs)
        points.append(_point("unexpected_codec", {"ext": ext, "expected": expected, "codec": asset.codec}))
    return points


def software_points(asset: AudioAsset) -> list[Point]:
    """Encoder/editor names in the metadata that suggest re-encoding or editing software."""
    points = []
    for key, value in sorted(asset.tags.items()):
        name = key.rsplit(".", 1)[-1].lower()
        if name not in TAG_KEYS:
            continue
        found = [s for s in SOFTWARE if s in value.lower()]
        if found:
            points.append(_point("software_tag", {"key": key, "value": value}))
    return points


def duration_points(asset: AudioAsset) -> list[Point]:
    if not asset.container_duration:
        return []
    gap = asset.container_duration - asset.duration
    if abs(gap) <= max(DURATION_TOLERANCE[0], DURATION_TOLERANCE[1] * asset.duration):
        return []
    return [_point("duration_mismatch", {"declared": asset.container_duration, "decoded": asset.duration,
                                           "gap": gap})]


def trailing_points(original: Path) -> list[Point]:
    """Bytes after a RIFF/WAVE file's last well-formed chunk (a chunk: four printable ASCII letters and a size
    that fits in the file): what a recording had appended to it, or a header rewritten to end the sound early."""
    try:
        total = original.stat().st_size
        with open(original, "rb") as fh:
            head = fh.read(12)
            if len(head) < 12 or head[:4] != b"RIFF" or head[8:12] != b"WAVE":
                return []
            at, byte_rate, sound = 12, 0, False
            while at + 8 <= total:
                fh.seek(at)
                header = fh.read(8)
                kind, size = header[:4], int.from_bytes(header[4:], "little")
                end = at + 8 + size + size % 2
                if not all(32 <= c < 127 for c in kind) or end > total + (size % 2):
                    break
                if kind == b"fmt ":
                    fmt = fh.read(min(size, 16))
                    byte_rate = int.from_bytes(fmt[8:12], "little") if len(fmt) >= 12 else 0
                if kind == b"data":
                    if size in (0, 0xFFFFFFFF):      # a size never written: decoders read to the end
                        return []
                    sound = True
                at = min(end, total)
    except OSError:
        return []
    extra = total - at
    if not sound or extra <= 0:
        return []
    seconds = round(extra / byte_rate, 1) if byte_rate else 0.0
    return [_point("trailing_data", {"bytes": f"{extra:,}", "seconds": seconds})]


def _frames(path: Path):
    """(per-sample peak across channels as float32, sample rate) for each decoded frame of the first audio
    stream, in the stream's own sample rate and format (no resampling: zeros must stay exact)."""
    with av.open(str(path)) as container:
        if not container.streams.audio:
            raise BadAudioError(f"{path}: has no audio track")
        stream = container.streams.audio[0]
        for frame in container.decode(stream):
            data = frame.to_ndarray()
            channels = len(frame.layout.channels)
            if not frame.format.is_planar:
                data = data.reshape(-1, channels).T
            if data.dtype.kind in "iu":
                scale = float(np.iinfo(data.dtype).max)
                if data.dtype.kind == "u":  # u8 PCM: silence is the midpoint
                    data = data.astype(np.float32) - (scale + 1) / 2
                    scale = (scale + 1) / 2
                data = data.astype(np.float32) / scale
            yield np.abs(data.astype(np.float32)).max(axis=0), frame.sample_rate


def zero_runs(path: Path, min_seconds: float = MIN_ZERO_RUN, progress: StageProgress = silent,
              duration: float = 0.0) -> tuple[list[tuple[float, float]], np.ndarray, int]:
    """Runs of exactly-zero samples at least min_seconds long as (start, end) seconds, the 10 ms level
    envelope in dBFS, and the sample rate. Streams frame by frame, so long recordings stay small in memory: only
    runs of the length sought are kept (speech crosses zero exactly on many single samples: 770 MB of them on
    a 3-hour recording, measured). Progress: the seconds read of `duration`, every 10 s of sound."""
    runs: list[tuple[int, int]] = []
    open_start: int | None = None
    pos, rate, rest = 0, 0, np.zeros(0, np.float32)
    levels: list[np.ndarray] = []

    def keep(begin: int, end: int) -> None:
        if end - begin >= round(min_seconds * rate):
            runs.append((begin, end))

    for peak, rate in _frames(path):
        zero = peak == 0
        edges = np.diff(np.concatenate(([0], zero.view(np.int8), [0])))
        starts, ends = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)
        if open_start is not None and not (len(zero) and zero[0]):
            keep(open_start, pos)
            open_start = None
        for s, e in zip(starts, ends):
            begin = open_start if (s == 0 and open_start is not None) else pos + s
            open_start = None
            if e == len(zero):
                open_start = begin
            else:
                keep(begin, pos + e)
        if duration and (pos + len(zero)) // (10 * rate) > pos // (10 * rate):
            progress(min((pos + len(zero)) / rate, duration), duration)
        pos += len(zero)
        block = max(1, int(rate * BLOCK))
        rest = np.concatenate((rest, peak))
        whole = len(rest) // block * block
        if whole:
            power = (rest[:whole].astype(np.float64) ** 2).reshape(-1, block).mean(axis=1)
            levels.append(10 * np.log10(power + 1e-12))
            rest = rest[whole:]
    if open_start is not None:
        keep(open_start, pos)
    envelope = np.concatenate(levels) if levels else np.zeros(0)
    if not rate:
        return [], envelope, 0
    return [(s / rate, e / rate) for s, e in runs], envelope, rate


def _sound_near(envelope: np.ndarray, start: float, end: float) -> bool:
    """Sound within CONTEXT before start and after end (a run inside speech, not the lead-in or the tail)."""
    n = int(round(CONTEXT / BLOCK))
    a, b = int(start / BLOCK), int(np.ceil(end / BLOCK))
    before, after = envelope[max(0, a - n):a], envelope[b:b + n]
    return bool(len(before) and len(after) and before.max() > SOUND_DBFS and after.max() > SOUND_DBFS)


def silence_points(path: Path, progress: StageProgress = silent, duration: float = 0.0) -> list[Point]:
    runs, envelope, _ = zero_runs(path, progress=progress, duration=duration)
    return [_point("digital_silence", {"ms": round((e - s) * 1000, 1), "start": round(s, 3), "end": round(e, 3)},
                   start=round(s, 3), end=round(e, 3))
            for s, e in runs if _sound_near(envelope, s, e)]


def screen(asset: AudioAsset, original: Path, progress: StageProgress = silent) -> Integrity:
    """Every point to check, in the order: format, software, duration, trailing data, then digital silence by
    time (progress: the original's seconds read)."""
    points = (format_points(asset) + software_points(asset) + duration_points(asset) + trailing_points(original)
              + silence_points(original, progress, asset.duration))
    log.info("integrity screen: %d points to check", len(points))
    return Integrity(tuple(points))
