"""A first integrity screen of the original recording: points an examiner would look at, never a verdict.

Four checks, each giving zero or more points to check (written to out/<name>/integrity.json):
- container/codec: the file's extension against the container and codec it actually holds (a renamed or
  converted file);
- software tags: encoder/editor names in the metadata (Lavf, Audacity, Adobe Audition …) that suggest the
  file was re-encoded or passed through an editor, not written by the recording device;
- duration: the container's declared duration against the decoded audio stream;
- digital silence: runs of samples that are exactly zero (≥ MIN_ZERO_RUN) with sound on both sides: a real
  microphone always picks up some noise, so such a run inside speech can mark an insertion or a cut.

Only an expert examination under the applicable standard (in China SF/T 0120-2022 录音真实性鉴定技术规范)
can say whether a recording was edited; this screen only says where to look."""

from __future__ import annotations

import json
import logging
from dataclasses import asdict, dataclass
from pathlib import Path

import av
import numpy as np

from pipeline.artifacts import AudioAsset, write_text_atomic
from pipeline.errors import BadAudioError
from pipeline.timefmt import hms

log = logging.getLogger(__name__)

VERSION = 1  # bump when the screen changes, so that run folders get it again
KIND = "exhibit-integrity-screen"
STANDARD = "SF/T 0120-2022 录音真实性鉴定技术规范 (China); elsewhere the forensic audio authentication " \
           "practice the court's expert applies"
NOTICE = ("Points to check, not findings: each item below is something a forensic examiner would look at. "
          "None of them shows by itself that the recording was edited, and their absence does not show that "
          "it was not. Only an expert examination can decide that.")
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


@dataclass(frozen=True)
class Point:
    check: str              # container, software, duration, digital_silence
    detail: str             # what was seen, worded as a point to check
    start: float | None = None   # seconds into the recording, when the point has a place
    end: float | None = None


def format_points(asset: AudioAsset) -> list[Point]:
    """The extension against the container and the codec inside it."""
    ext = Path(asset.file_name).suffix.lower()
    if ext not in EXPECTED:
        return []
    containers, codecs = EXPECTED[ext]
    points = []
    if asset.container not in containers:
        held = asset.container_long or asset.container
        points.append(Point("container", f"the file is named {ext} but holds a {held} container: check whether it "
                                         "was renamed or converted from another format"))
    if not asset.codec.startswith(codecs):
        points.append(Point("container", f"a {ext} file would normally hold {'/'.join(c.rstrip('_') for c in codecs)}"
                                         f" audio, this one holds {asset.codec}: check how it was produced"))
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
            points.append(Point("software", f"metadata {key} = {value!r} names software used to convert or edit "
                                            "audio (not a recording device): check where this copy comes from and "
                                            "whether an earlier, device-written file exists"))
    return points


def duration_points(asset: AudioAsset) -> list[Point]:
    if not asset.container_duration:
        return []
    gap = asset.container_duration - asset.duration
    if abs(gap) <= max(DURATION_TOLERANCE[0], DURATION_TOLERANCE[1] * asset.duration):
        return []
    return [Point("duration", f"the container declares {asset.container_duration:.2f} s but the audio stream "
                              f"decodes to {asset.duration:.2f} s ({gap:+.2f} s): check whether the file was cut, "
                              "joined or its header rewritten")]


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


def zero_runs(path: Path, min_seconds: float = MIN_ZERO_RUN) -> tuple[list[tuple[float, float]], np.ndarray, int]:
    """Runs of exactly-zero samples at least min_seconds long as (start, end) seconds, the 10 ms level
    envelope in dBFS, and the sample rate. Streams frame by frame, so long recordings stay small in memory."""
    runs: list[tuple[int, int]] = []
    open_start: int | None = None
    pos, rate, rest = 0, 0, np.zeros(0, np.float32)
    levels: list[np.ndarray] = []
    for peak, rate in _frames(path):
        zero = peak == 0
        edges = np.diff(np.concatenate(([0], zero.view(np.int8), [0])))
        starts, ends = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)
        if open_start is not None and not (len(zero) and zero[0]):
            runs.append((open_start, pos))
            open_start = None
        for s, e in zip(starts, ends):
            begin = open_start if (s == 0 and open_start is not None) else pos + s
            open_start = None
            if e == len(zero):
                open_start = begin
            else:
                runs.append((begin, pos + e))
        pos += len(zero)
        block = max(1, int(rate * BLOCK))
        rest = np.concatenate((rest, peak))
        whole = len(rest) // block * block
        if whole:
            power = (rest[:whole].astype(np.float64) ** 2).reshape(-1, block).mean(axis=1)
            levels.append(10 * np.log10(power + 1e-12))
            rest = rest[whole:]
    if open_start is not None:
        runs.append((open_start, pos))
    envelope = np.concatenate(levels) if levels else np.zeros(0)
    if not rate:
        return [], envelope, 0
    shortest = int(round(min_seconds * rate))
    return [(s / rate, e / rate) for s, e in runs if e - s >= shortest], envelope, rate


def _sound_near(envelope: np.ndarray, start: float, end: float) -> bool:
    """Sound within CONTEXT before start and after end (a run inside speech, not the lead-in or the tail)."""
    n = int(round(CONTEXT / BLOCK))
    a, b = int(start / BLOCK), int(np.ceil(end / BLOCK))
    before, after = envelope[max(0, a - n):a], envelope[b:b + n]
    return bool(len(before) and len(after) and before.max() > SOUND_DBFS and after.max() > SOUND_DBFS)


def silence_points(path: Path) -> list[Point]:
    runs, envelope, _ = zero_runs(path)
    return [Point("digital_silence", f"{(e - s) * 1000:.0f} ms of digital silence (every sample exactly zero) at "
                                     f"{hms(s)} ({s:.3f}–{e:.3f} s) between stretches of sound: a microphone "
                                     "always records some noise, so check this place for a cut or an insertion",
                  start=round(s, 3), end=round(e, 3))
            for s, e in runs if _sound_near(envelope, s, e)]


def screen(asset: AudioAsset, original: Path) -> list[Point]:
    """Every point to check, in the order: format, software, duration, then digital silence by time."""
    return format_points(asset) + software_points(asset) + duration_points(asset) + silence_points(original)


def _earlier(path: Path, asset: AudioAsset) -> list[Point] | None:
    """The points already in path when it holds this version's screen of this very original, else None."""
    try:
        payload = json.loads(path.read_text(encoding="utf-8"))
        if payload["kind"] == KIND and payload["version"] == VERSION and payload["sha256"] == asset.sha256:
            return [Point(**p) for p in payload["points"]]
    except (OSError, ValueError, KeyError, TypeError):
        pass
    return None


def write_integrity(path: Path, asset: AudioAsset, original: Path) -> list[Point]:
    """Screen the original (read only) and write the points as JSON; returns them. Done once per original:
    a re-render after editing speakers.csv keeps the earlier screen instead of decoding the original again."""
    earlier = _earlier(path, asset)
    if earlier is not None:
        return earlier
    points = screen(asset, original)
    payload = {"kind": KIND, "version": VERSION, "original": asset.file_name, "sha256": asset.sha256,
               "standard": STANDARD, "notice": NOTICE, "points": [asdict(p) for p in points]}
    write_text_atomic(path, json.dumps(payload, ensure_ascii=False, indent=1))
    log.info("integrity screen: %d points to check", len(points))
    return points
