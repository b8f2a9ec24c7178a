"""Ingest on real clips in real containers (made here with PyAV from a real recording) and on bad input."""

from __future__ import annotations

import hashlib
from datetime import timezone
from pathlib import Path

import numpy as np
import pytest

from conftest import decode_mono, encode, eval_file
from pipeline.audio import WavView, read_wav, write_wav
from pipeline.errors import BadAudioError
from pipeline.fileio import file_digests
from pipeline.rundir import RunDir
from pipeline.stages.facts import tagged_date
from pipeline.stages.ingest import ingest

JFK = "en/jfk.flac"


@pytest.fixture(scope="module")
def jfk16() -> np.ndarray:
    return decode_mono(eval_file(JFK))


def _ingest(path: Path, tmp_path: Path):
    run = RunDir(tmp_path / "run")
    return ingest(path, file_digests(path), run), run.work


def test_flac_is_hashed_probed_and_decoded_without_touching_the_original(tmp_path):
    src = eval_file(JFK)
    before = hashlib.sha256(src.read_bytes()).hexdigest()
    asset, work = _ingest(src, tmp_path)
    assert asset.sha256 == before == hashlib.sha256(src.read_bytes()).hexdigest()
    assert asset.md5 == hashlib.md5(src.read_bytes()).hexdigest()
    assert asset.size_bytes == src.stat().st_size
    assert (asset.container, asset.codec, asset.sample_rate, asset.channels) == ("flac", "flac", 44100, 2)
    assert asset.duration == pytest.approx(11.0, abs=0.05)
    assert asset.tags.get("encoder", "").startswith("Lavf")
    wav = read_wav(work / asset.wav_path)
    assert wav.ndim == 1 and len(wav) == pytest.approx(11.0 * 16000, abs=160)
    assert float(np.sqrt(np.mean(wav**2))) > 0.01  # real sound, not silence
    assert asset.wav_sha256 == file_digests(work / asset.wav_path).sha256


@pytest.mark.parametrize(
    "name, codec, rate, layout, video, expect_codec",
    [
        ("call.m4a", "aac", 16000, "mono", False, "aac"),
        ("call.mp3", "libmp3lame", 16000, "mono", False, "mp3float"),
        ("call.amr", "libopencore_amrnb", 8000, "mono", False, "amrnb"),
        ("call.ogg", "libopus", 48000, "stereo", False, "opus"),
        ("call.opus", "libopus", 48000, "mono", False, "opus"),
        ("meeting.mp4", "aac", 16000, "mono", True, "aac"),
        ("meeting.mov", "aac", 16000, "mono", True, "aac"),
    ],
)
def test_common_containers_decode_to_the_same_sound(tmp_path, jfk16, name, codec, rate, layout, video, expect_codec):
    source = jfk16 if rate == 16000 else decode_mono(eval_file(JFK), rate)
    path = encode(source, tmp_path / name, codec, rate, layout, video)
    asset, work = _ingest(path, tmp_path)
    assert asset.codec == expect_codec
    assert asset.channels == (2 if layout == "stereo" else 1)
    assert asset.duration == pytest.approx(11.0, abs=0.1)
    wav = read_wav(work / asset.wav_path)
    n = min(len(wav), len(jfk16))
    # lossy codecs shift and colour the sound, but the loudness envelope of the speech stays the same
    env = lambda x: np.sqrt(np.convolve(x[:n] ** 2, np.ones(1600) / 1600, mode="valid"))[::800]
    lag = int(np.argmax(np.correlate(env(wav) - env(wav).mean(), env(jfk16) - env(jfk16).mean(), "full"))) - (len(env(wav)) - 1)
    assert abs(lag) <= 2
    assert np.corrcoef(env(wav), env(jfk16))[0, 1] > 0.9


def test_the_recording_date_a_phone_writes_into_the_file_is_read(tmp_path, jfk16):
    path = encode(jfk16[:16000], tmp_path / "call.m4a", "aac", metadata={"creation_time": "2025-03-05T09:30:00Z"})
    asset, _ = _ingest(path, tmp_path)
    assert asset.tags["creation_time"].startswith("2025-03-05")
    assert str(tagged_date(asset, timezone.utc)) == "2025-03-05"
    plain, _ = _ingest(encode(jfk16[:16000], tmp_path / "plain.m4a", "aac"), tmp_path)
    assert tagged_date(plain, timezone.utc) is None


def _write(dst: Path, data: bytes) -> Path:
    dst.write_bytes(data)
    return dst


def _truncate(src: Path, dst: Path, keep: float) -> Path:
    data = src.read_bytes()
    return _write(dst, data[: int(len(data) * keep)])


@pytest.mark.parametrize(
    "make, message",
    [
        (lambda d: d / "missing.wav", "no such file"),
        (lambda d: _write(d / "empty.mp3", b""), "empty (0 bytes)"),
        (lambda d: _write(d / "notes.mp3", "借条：今借到张三人民币五万元整。\n".encode() * 20),
         "not a recognised audio or video file"),
        (lambda d: _truncate(eval_file("diar/dev00.wav"), d / "cut.wav", 0.1), "truncated"),
        (lambda d: _truncate(eval_file("zh/funasr_api_asr_example.mp3"), d / "cut.mp3", 0.4), "truncated"),
        (lambda d: _truncate(eval_file(JFK), d / "cut.flac", 0.1), "damaged or truncated"),
        (lambda d: _truncate(encode(decode_mono(eval_file(JFK)), d / "whole.m4a", "aac"), d / "cut.m4a", 0.5),
         "looks like MP4/M4A but is damaged or incomplete"),
        (lambda d: encode(None, d / "video_only.mp4"), "has no audio track"),
        (lambda d: d, "is a folder"),
    ],
    ids=["missing", "empty", "text-renamed-mp3", "truncated-wav", "truncated-mp3", "truncated-flac",
         "truncated-m4a", "no-audio", "folder"],
)
def test_bad_input_is_one_clear_line_naming_the_file(tmp_path, make, message):
    bad_dir = tmp_path / "in"
    bad_dir.mkdir()
    path = make(bad_dir)
    work = tmp_path / "work"
    work.mkdir()
    with pytest.raises(BadAudioError) as info:
        digests = file_digests(path) if path.is_file() and path.stat().st_size else None
        ingest(path, digests, RunDir(work))
    text = str(info.value)
    assert message in text and str(path) in text and "\n" not in text
    assert not [p for p in work.rglob("*") if p.is_file()]  # nothing written: no working copy, no temp file


def test_a_two_channel_original_also_gets_a_two_channel_working_copy(tmp_path):
    from pipeline.artifactio import from_dict, to_dict
    from pipeline.artifacts import AudioAsset

    asset, work = _ingest(eval_file("stereo/stereo_diarization.wav"), tmp_path)
    assert asset.channels == 2 and asset.stereo_wav_path == "audio16k_stereo.wav"
    mono, stereo = read_wav(work / asset.wav_path), read_wav(work / asset.stereo_wav_path)
    assert mono.ndim == 1 and stereo.shape == (2, len(mono))
    # the right channel is silent after ~2.5 s while the left still talks (one side of the call each)
    left, right = stereo[:, 3 * 16000:4 * 16000]
    assert np.sqrt(np.mean(left ** 2)) > 0.01 and np.sqrt(np.mean(right ** 2)) < 1e-3
    # an artifact written before the field existed still loads
    old = to_dict(asset)
    del old["stereo_wav_path"]
    assert from_dict(AudioAsset, old).stereo_wav_path == ""


def test_a_mono_original_has_no_two_channel_copy(tmp_path):
    asset, work = _ingest(eval_file("diar/dev00.wav"), tmp_path)
    assert asset.channels == 1 and asset.stereo_wav_path == ""
    assert not (work / "audio16k_stereo.wav").exists()


def test_a_wav_view_reads_the_samples_read_wav_gives_a_window_at_a_time(tmp_path):
    samples = (np.sin(np.arange(48000) / 7.0) * 0.5).astype(np.float32)
    write_wav(tmp_path / "a.wav", samples)
    view, whole = WavView(tmp_path / "a.wav"), read_wav(tmp_path / "a.wav")
    assert len(view) == 48000 and np.array_equal(np.asarray(view), whole)
    assert np.array_equal(view[1000:1600], whole[1000:1600]) and view[47990:49000].shape == (10,)
    assert view[500:400].shape == (0,)
    with pytest.raises(TypeError):
        view[3]
    write_wav(tmp_path / "b.wav", np.zeros((2, 100), np.float32))
    with pytest.raises(ValueError, match="mono"):
        WavView(tmp_path / "b.wav")
