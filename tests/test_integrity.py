"""The integrity screen on a real clip, clean and with a splice made here: points to check, never verdicts."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import numpy as np
import pytest

from conftest import decode_mono, eval_file
from pipeline.audio import SAMPLE_RATE, write_wav
from pipeline.integrity import STANDARD, duration_points, format_points, write_integrity, zero_runs
from pipeline.stages import ingest

CLIP = "zh/csharp_AliParaformerAsr_example_1.wav"   # 13 s of real speech, 16 kHz PCM, written by Lavf


def screened(path: Path, tmp_path: Path) -> tuple[list, dict]:
    work = tmp_path / f"work_{path.stem}"
    work.mkdir()
    asset = ingest.ingest(path, ingest.file_digests(path), work)
    points = write_integrity(tmp_path / "integrity.json", asset, path)
    return points, json.loads((tmp_path / "integrity.json").read_text(encoding="utf-8"))


def test_a_clean_real_clip_shows_only_its_encoder_tag(tmp_path):
    points, payload = screened(eval_file(CLIP), tmp_path)
    assert [p.check for p in points] == ["software"]
    assert "Lavf58.42.100" in points[0].detail and "check" in points[0].detail
    assert "SF/T 0120" in payload["standard"] and payload["standard"] == STANDARD
    assert "not findings" in payload["notice"]


def test_a_splice_with_digital_silence_is_reported_at_its_time(tmp_path):
    audio = decode_mono(eval_file(CLIP))
    cut = int(6.0 * SAMPLE_RATE)
    spliced = np.concatenate((audio[:cut], np.zeros(SAMPLE_RATE // 10, np.float32), audio[cut + SAMPLE_RATE:]))
    path = tmp_path / "spliced.wav"
    write_wav(path, spliced)
    points, payload = screened(path, tmp_path)
    silence = [p for p in points if p.check == "digital_silence"]
    assert len(silence) == 1, points
    assert abs(silence[0].start - 6.0) < 0.01 and abs(silence[0].end - 6.1) < 0.01
    assert "00:00:06" in silence[0].detail and "100 ms" in silence[0].detail
    assert payload["points"][-1]["start"] == silence[0].start
    assert not any(word in json.dumps(payload, ensure_ascii=False).lower() for word in ("forged", "tampered", "fake"))


def test_zero_runs_at_the_edges_are_not_inside_speech(tmp_path):
    audio = decode_mono(eval_file(CLIP))
    pad = np.zeros(SAMPLE_RATE // 2, np.float32)
    path = tmp_path / "padded.wav"
    write_wav(path, np.concatenate((pad, audio, pad)))
    runs, _, rate = zero_runs(path)
    assert rate == SAMPLE_RATE and runs[0][0] == 0.0 and runs[-1][1] == len(audio) / SAMPLE_RATE + 1.0
    points, _ = screened(path, tmp_path)
    assert [p.check for p in points] == []


def test_extension_and_duration_mismatches_are_points_to_check(tmp_path):
    path = eval_file(CLIP)
    asset = ingest.ingest(path, ingest.file_digests(path), tmp_path)
    renamed = dataclasses.replace(asset, file_name="通话.m4a")
    assert [p.check for p in format_points(renamed)] == ["container", "container"]
    assert "renamed or converted" in format_points(renamed)[0].detail
    assert format_points(asset) == [] and duration_points(asset) == []
    longer = dataclasses.replace(asset, container_duration=asset.duration + 3.0)
    assert "+3.00 s" in duration_points(longer)[0].detail


def test_the_screen_is_done_once_per_original_and_redone_for_another(tmp_path):
    source = tmp_path / "call.wav"
    source.write_bytes(eval_file(CLIP).read_bytes())
    points, _ = screened(source, tmp_path)
    asset = ingest.ingest(source, ingest.file_digests(source), tmp_path / f"work_{source.stem}")
    source.unlink()  # a re-render must not need to decode the original again
    again = write_integrity(tmp_path / "integrity.json", asset, source)
    assert again == points and [p.check for p in again] == ["software"]
    other = dataclasses.replace(asset, sha256="0" * 64)
    with pytest.raises(FileNotFoundError):  # another original: screened anew, and this one is gone
        write_integrity(tmp_path / "integrity.json", other, source)
