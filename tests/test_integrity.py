"""The integrity screen on a real clip, clean and with a splice made here: points to check, never verdicts."""

from __future__ import annotations

import dataclasses
import json
import re
from pathlib import Path

import numpy as np

from conftest import decode_mono, eval_file
from pipeline.audio import SAMPLE_RATE, write_wav
from pipeline.artifacts import Point
from pipeline.export.integrity import STANDARD, describe, detail, write_integrity_json
from pipeline.export.wording import load_wording
from pipeline.fileio import file_digests
from pipeline.rundir import RunDir
from pipeline.stages.ingest import ingest
from pipeline.stages.integrity import (
    KINDS,
    VERSION,
    duration_points,
    format_points,
    screen,
    software_points,
    trailing_points,
    zero_runs,
)

CLIP = "zh/csharp_AliParaformerAsr_example_1.wav"   # 13 s of real speech, 16 kHz PCM, written by Lavf


def _asset(path: Path, tmp_path: Path):
    return ingest(path, file_digests(path), RunDir(tmp_path / f"work_{path.stem}"))


def screened(path: Path, tmp_path: Path) -> tuple[list, dict]:
    """The screen's points, and integrity.json as the export writes it."""
    asset = _asset(path, tmp_path)
    points = screen(asset, path).points
    write_integrity_json(tmp_path / "integrity.json", asset, points)
    return list(points), json.loads((tmp_path / "integrity.json").read_text(encoding="utf-8"))


def zh(point: Point) -> str:
    return describe(point.kind, point.values, load_wording("zh")["integrity"]["details"])


def test_a_clean_real_clip_shows_only_its_encoder_tag(tmp_path):
    points, payload = screened(eval_file(CLIP), tmp_path)
    assert [(p.check, p.kind) for p in points] == [("software", "software_tag")]
    assert points[0].values == {"key": "encoder", "value": "Lavf58.42.100"}
    assert "Lavf58.42.100" in detail(points[0]) and "check" in detail(points[0])
    assert "Lavf58.42.100" in zh(points[0]) and "请核查" in zh(points[0])
    assert "SF/T 0120" in payload["standard"] and payload["standard"] == STANDARD
    assert "not findings" in payload["notice"] and payload["version"] == VERSION
    assert payload["points"] == [{"check": "software", "kind": "software_tag", "values": points[0].values,
                                  "detail": detail(points[0]), "start": None, "end": None}]


def test_a_splice_with_digital_silence_is_reported_at_its_time(tmp_path):
    audio = decode_mono(eval_file(CLIP))
    cut = int(6.0 * SAMPLE_RATE)
    spliced = np.concatenate((audio[:cut], np.zeros(SAMPLE_RATE // 10, np.float32), audio[cut + SAMPLE_RATE:]))
    path = tmp_path / "spliced.wav"
    write_wav(path, spliced)
    points, payload = screened(path, tmp_path)
    silence = [p for p in points if p.check == "digital_silence"]
    assert len(silence) == 1, points
    assert silence[0].kind == "digital_silence"
    assert abs(silence[0].start - 6.0) < 0.01 and abs(silence[0].end - 6.1) < 0.01
    values = silence[0].values
    assert (values["start"], values["end"]) == (silence[0].start, silence[0].end) and abs(values["ms"] - 100) < 1
    assert "00:00:06" in detail(silence[0]) and "100 ms" in detail(silence[0])
    assert zh(silence[0]).startswith("00:00:06.000–00:00:06.100 处有一段 100 毫秒")   # hh:mm:ss.mmm, one format
    assert payload["points"][-1]["start"] == silence[0].start
    assert payload["points"][-1]["kind"] == "digital_silence" and payload["points"][-1]["values"] == values
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
    asset = _asset(eval_file(CLIP), tmp_path)
    renamed = dataclasses.replace(asset, file_name="通话.m4a")
    container, codec = format_points(renamed)
    assert (container.check, container.kind, codec.check, codec.kind) == \
        ("container", "renamed_container", "container", "unexpected_codec")
    assert container.values == {"ext": ".m4a", "container": asset.container_long or asset.container}
    assert codec.values == {"ext": ".m4a", "expected": "aac/alac", "codec": asset.codec}
    assert "renamed or converted" in detail(container) and "aac/alac" in detail(codec)
    assert "改名" in zh(container) and asset.codec in zh(codec)
    assert format_points(asset) == [] and duration_points(asset) == []
    longer = dataclasses.replace(asset, container_duration=asset.duration + 3.0)
    (duration,) = duration_points(longer)
    assert duration.kind == "duration_mismatch" and abs(duration.values["gap"] - 3.0) < 1e-9
    assert duration.values["declared"] == asset.duration + 3.0 and duration.values["decoded"] == asset.duration
    assert "+3.00 s" in detail(duration) and "相差 +3.00 秒" in zh(duration)


def test_every_kind_is_worded_in_both_languages_and_detail_is_the_english_wording(tmp_path):
    asset = _asset(eval_file(CLIP), tmp_path)
    odd = dataclasses.replace(asset, file_name="通话.m4a", container_duration=asset.duration + 3.0)
    points = format_points(odd) + software_points(odd) + duration_points(odd) + \
        [Point("digital_silence", "digital_silence", {"ms": 61.0, "start": 65.12, "end": 65.181}, 65.12, 65.181),
         Point("trailing_data", "trailing_data", {"bytes": "32,000", "seconds": 1.0})]
    assert sorted({p.kind for p in points}) == sorted(KINDS)
    english = load_wording("en")["integrity"]["details"]
    assert set(load_wording("zh")["integrity"]["details"]) == set(english) == set(KINDS)
    for point in points:
        assert point.check == KINDS[point.kind] and detail(point) == describe(point.kind, point.values, english)
        chinese = zh(point)
        for value in point.values.values():      # codec names, tags, extensions … stay as they are
            chinese = chinese.replace(str(value), "")
        assert chinese and not re.search(r"[A-Za-z]", chinese), (point.kind, zh(point))


def test_sound_appended_after_a_wavs_declared_data_is_a_point_to_check(tmp_path):
    """Issue 19: audio past the data chunk a WAV's header declares is never decoded, so never heard: the screen
    says how many bytes (and about how many seconds) follow, unless they are well-formed chunks (LIST …)."""
    clean = eval_file(CLIP).read_bytes()
    assert trailing_points(eval_file(CLIP)) == []
    appended = tmp_path / "appended.wav"
    appended.write_bytes(clean + np.full(16000, 1200, np.int16).tobytes())      # 1 s more of 16 kHz 16-bit sound
    (point,) = trailing_points(appended)
    assert (point.check, point.kind, point.values) == ("trailing_data", "trailing_data",
                                                       {"bytes": "32,000", "seconds": 1.0})
    assert "32,000 more bytes" in detail(point) and "about 1.0 s" in detail(point) and "32,000 字节" in zh(point)
    points, written = screened(appended, tmp_path)
    assert [p.kind for p in points if p.kind == "trailing_data"] == ["trailing_data"]
    listed = tmp_path / "listed.wav"
    info = b"INFOISFT" + (6).to_bytes(4, "little") + b"exhib\0"
    listed.write_bytes(clean + b"LIST" + len(info).to_bytes(4, "little") + info)   # a chunk after the sound
    assert trailing_points(listed) == []
