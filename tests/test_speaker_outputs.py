"""RTTM and the per-speaker listening clips, on hand-built artifacts and a real clip (no models)."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from pyannote.core import Annotation, Segment

from builders import finished_run
from conftest import decode_mono, eval_file
from pipeline.artifacts import Diarization, Turn
from pipeline.audio import SAMPLE_RATE, read_wav, write_wav
from pipeline.export.clips import clearest_stretch, write_speaker_clips
from pipeline.export.manifest import read_manifest, write_manifest
from pipeline.export.rttm import rttm_text, write_rttm
from pipeline.fileio import sha256_file
from pipeline.rundir import RunDir
from pipeline.runner import _stale

TURNS = (Turn(0.5, 4.0, "SPEAKER_00"), Turn(3.0, 9.5, "SPEAKER_01"), Turn(10.0, 11.0, "SPEAKER_00"))
EXCLUSIVE = (Turn(0.5, 3.0, "SPEAKER_00"), Turn(3.0, 9.5, "SPEAKER_01"), Turn(10.0, 11.0, "SPEAKER_00"))
DIAR = Diarization("test", TURNS, EXCLUSIVE, ("SPEAKER_00", "SPEAKER_01"), {}, {})


def test_rttm_lists_every_turn_with_overlaps_and_reads_back_in_pyannote(tmp_path):
    text = rttm_text(DIAR, "张三 借款 通话")
    assert text.splitlines()[1] == "SPEAKER 张三_借款_通话 1 3.000 6.500 <NA> <NA> SPEAKER_01 <NA> <NA>"
    path = tmp_path / "call.rttm"
    write_rttm(path, DIAR, "call")
    ref = Annotation(uri="call")
    for line in path.read_text().splitlines():
        f = line.split()
        ref[Segment(float(f[3]), float(f[3]) + float(f[4])), len(ref)] = f[7]
    assert sorted(ref.labels()) == ["SPEAKER_00", "SPEAKER_01"]
    assert ref.label_duration("SPEAKER_00") == pytest.approx(4.5)
    assert ref.get_overlap().duration() == pytest.approx(1.0)


def test_clip_is_the_longest_stretch_nobody_talks_over():
    assert clearest_stretch(DIAR, "SPEAKER_01") == (4.0, 9.5)   # 3.0–4.0 is spoken over by SPEAKER_00
    assert clearest_stretch(DIAR, "SPEAKER_00") == (0.5, 3.0)
    assert clearest_stretch(DIAR, "SPEAKER_09") is None


def test_clips_are_cut_from_the_working_copy(tmp_path):
    run = RunDir(tmp_path)
    run.work.mkdir()
    wav = run.wav
    write_wav(wav, decode_mono(eval_file("en/jfk.flac")))
    clips = write_speaker_clips(run, DIAR)
    assert sorted(p.name for p in (tmp_path / "speakers").iterdir()) == ["SPEAKER_00.wav", "SPEAKER_01.wav"]
    clip = read_wav(clips["SPEAKER_01"])
    expected = read_wav(wav)[4 * SAMPLE_RATE:int(9.5 * SAMPLE_RATE)]
    assert len(clip) == len(expected) and np.allclose(clip, expected, atol=1e-4)


def test_the_clip_of_a_voice_no_longer_found_is_removed_when_the_new_outputs_are_moved_into_place(tmp_path):
    run_dir, _ = finished_run(tmp_path)
    run = RunDir(run_dir)
    previous = read_manifest(run.manifest)
    run.speaker_clips.mkdir()
    for speaker in ("SPEAKER_00", "SPEAKER_07"):
        write_wav(run.speaker_clip(speaker), np.zeros(100))
    clips = {run.relative(run.speaker_clip(s)): sha256_file(run.speaker_clip(s)) for s in ("SPEAKER_00", "SPEAKER_07")}
    write_manifest(run.manifest, dataclasses.replace(previous, outputs={**previous.outputs, **clips}))
    new = run.staged()
    new.speaker_clips.mkdir(parents=True)
    write_wav(new.speaker_clip("SPEAKER_00"), np.ones(100) * 0.5)
    made = dataclasses.replace(previous, outputs={**previous.outputs, "speakers/SPEAKER_00.wav": ""})
    write_manifest(new.manifest, made)
    gone = _stale(run, made)
    assert gone == ["speakers/SPEAKER_07.wav"]
    run.publish(remove=gone)
    assert sorted(p.name for p in run.speaker_clips.iterdir()) == ["SPEAKER_00.wav"]
    assert read_wav(run.speaker_clip("SPEAKER_00"))[0] == pytest.approx(0.5, abs=1e-4)
    assert read_manifest(run.manifest).outputs == made.outputs and not run.incoming.exists()
