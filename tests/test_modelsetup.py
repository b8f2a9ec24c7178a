"""The diarizer's ONNX exports are trusted for what they compute, never for their bytes: made and checked
against torch by `make models` (pipeline.modelsetup), loaded only as recorded on this machine
(stages/diarize/onnx.py). A small torch network in CAM++'s place keeps these tests quick; the real networks'
exports are checked in test_diarize.py."""

from __future__ import annotations

import dataclasses
import json
import logging

import numpy as np
import pytest
import torch

from pipeline.modelsetup import CheckInputs, make_export
from pipeline.stages.diarize.onnx import CAMPPLUS, SEGMENTATION, TOLERANCE, checked, engine, read_record, runtime

SPEC = dataclasses.replace(CAMPPLUS, example=(1, 20, 80))


class Voices(torch.nn.Module):
    """(batch, frames, 80) → (batch, 192), of any number of frames, as CAM++'s shape is."""

    def __init__(self, seed: int) -> None:
        super().__init__()
        torch.manual_seed(seed)
        self.linear = torch.nn.Linear(80, 192)

    def forward(self, feats):
        return self.linear(torch.tanh(feats).mean(dim=1))


def inputs() -> CheckInputs:
    rng = np.random.default_rng(0)
    return CheckInputs(tuple(rng.standard_normal((n, frames, 80)).astype(np.float32) for n, frames in
                             ((3, 48), (3, 148), (1, 370))), "random features, batches of 3 and 1")


def test_an_export_that_computes_what_torch_computes_is_kept_with_its_record(tmp_path):
    network = Voices(1).eval()
    record = make_export(SPEC, network, inputs(), tmp_path)
    assert record.refused == "" and 0.0 <= record.max_difference < 1e-5 and record.tolerance == TOLERANCE
    assert record.made_from == {"campplus_cn_en_common.pt": SPEC.pinned()["campplus_cn_en_common.pt"]}
    assert record.made_with["torch"] == torch.__version__
    on_disk = json.loads(SPEC.record_path(tmp_path).read_text(encoding="utf-8"))
    assert on_disk["sha256"] == record.sha256 and len(record.sha256) == 64
    found = checked(SPEC, tmp_path)
    assert found.model == SPEC.path(tmp_path).read_bytes() and found.record == record
    name, why = engine(SPEC, tmp_path)
    assert name == "ONNX Runtime" and "largest difference" in why and "random features" in why
    session = runtime(SPEC, tmp_path)
    feats = np.random.default_rng(5).standard_normal((2, 77, 80)).astype(np.float32)   # a length not checked
    with torch.inference_mode():
        expected = network(torch.from_numpy(feats)).numpy()
    assert np.abs(session(feats) - expected).max() < 1e-4
    assert session.model_files == {SPEC.file: record.sha256}      # what ran: the file made here


def test_an_export_that_computes_something_else_is_refused_and_torch_runs(tmp_path, monkeypatch, caplog):
    from pipeline import modelsetup

    other = modelsetup.export(SPEC, Voices(2).eval())                 # the bytes of another network
    monkeypatch.setattr(modelsetup, "export", lambda spec, network: other)
    record = make_export(SPEC, Voices(1).eval(), inputs(), tmp_path)
    assert record.max_difference > TOLERANCE and record.sha256 == ""
    assert record.refused.startswith("its outputs differ from torch's by") and "random features" in record.refused
    assert not SPEC.path(tmp_path).exists()                            # nothing refused is kept
    assert engine(SPEC, tmp_path) == ("torch", f"its ONNX export was refused when made: {record.refused}")
    with caplog.at_level(logging.WARNING):
        assert runtime(SPEC, tmp_path) is None
    (line,) = caplog.messages
    assert line.startswith("CAM++ (speaker voices) runs in torch") and "differ from torch's" in line


def test_an_export_that_cannot_be_made_is_refused_with_the_reason(tmp_path, monkeypatch):
    from pipeline import modelsetup

    def cannot(spec, network):
        raise RuntimeError("Exporting the operator 'aten::unknown' to ONNX opset version 17 is not supported\nmore")

    monkeypatch.setattr(modelsetup, "export", cannot)
    record = make_export(SPEC, Voices(1).eval(), inputs(), tmp_path)
    assert record.refused == ("it could not be made or run (RuntimeError: Exporting the operator 'aten::unknown' "
                              "to ONNX opset version 17 is not supported)")
    assert record.max_difference is None and not SPEC.path(tmp_path).exists()
    assert read_record(SPEC, tmp_path) == record


@pytest.mark.parametrize("change, why", [
    ("a byte", "is not the file made on this machine: its sha256 differs from its record"),
    ("the file gone", "its ONNX export campplus_cn_en_common.onnx is missing"),
    ("another checkpoint", "was made from another checkpoint than configs/models.toml names"),
    ("the record gone", "an ONNX export without a readable record in campplus-zh-en-onnx/"),
    ("a broken record", "an ONNX export without a readable record in campplus-zh-en-onnx/"),
])
def test_an_export_is_loaded_only_as_it_was_recorded_here(tmp_path, change, why):
    make_export(SPEC, Voices(1).eval(), inputs(), tmp_path)
    path, record = SPEC.path(tmp_path), SPEC.record_path(tmp_path)
    if change == "a byte":
        data = bytearray(path.read_bytes())
        data[len(data) // 2] ^= 1
        path.write_bytes(bytes(data))
    elif change == "the file gone":
        path.unlink()
    elif change == "another checkpoint":
        text = json.loads(record.read_text(encoding="utf-8"))
        text["made_from"] = {"campplus_cn_en_common.pt": "0" * 64}
        record.write_text(json.dumps(text), encoding="utf-8")
    elif change == "the record gone":
        record.unlink()
    else:
        record.write_text('{"file": "campplus_cn_en_common.onnx", "sha256": 5}', encoding="utf-8")
    found = checked(SPEC, tmp_path)
    assert found.model is None and why in found.why_not and "`make models` makes it" in found.why_not
    assert engine(SPEC, tmp_path)[0] == "torch" and runtime(SPEC, tmp_path) is None


@pytest.mark.parametrize("field, value", [
    ("max_difference", 0.5), ("max_difference", None), ("max_difference", float("nan")), ("max_difference", True),
    ("tolerance", 10.0), ("tolerance", "x"), ("refused", None), ("made_from", ["x"]), ("sha256", "abc"),
])
def test_a_record_that_does_not_show_a_passed_check_is_not_trusted(tmp_path, field, value):
    make_export(SPEC, Voices(1).eval(), inputs(), tmp_path)
    data = json.loads(SPEC.record_path(tmp_path).read_text(encoding="utf-8"))
    data[field] = value
    SPEC.record_path(tmp_path).write_text(json.dumps(data), encoding="utf-8")
    assert checked(SPEC, tmp_path).model is None and runtime(SPEC, tmp_path) is None
    name, why = engine(SPEC, tmp_path)                                  # and doctor says why, without a traceback
    assert name == "torch" and why and "\n" not in why


def test_a_record_without_every_field_or_nested_deep_is_not_a_record(tmp_path):
    make_export(SPEC, Voices(1).eval(), inputs(), tmp_path)
    data = json.loads(SPEC.record_path(tmp_path).read_text(encoding="utf-8"))
    del data["refused"]
    SPEC.record_path(tmp_path).write_text(json.dumps(data), encoding="utf-8")
    assert read_record(SPEC, tmp_path) is None
    SPEC.record_path(tmp_path).write_text("[" * 100_000, encoding="utf-8")
    assert read_record(SPEC, tmp_path) is None and runtime(SPEC, tmp_path) is None


def test_an_export_checked_with_another_onnx_runtime_is_checked_again(tmp_path):
    make_export(SPEC, Voices(1).eval(), inputs(), tmp_path)
    data = json.loads(SPEC.record_path(tmp_path).read_text(encoding="utf-8"))
    data["made_with"]["onnxruntime"] = "1.0.0"
    SPEC.record_path(tmp_path).write_text(json.dumps(data), encoding="utf-8")
    assert checked(SPEC, tmp_path).why_not.startswith("its ONNX export was checked with ONNX Runtime 1.0.0, this is ")


def _forge(path, record_path, model: bytes) -> None:
    """What someone who can write in models/ can do: another file, and its sha256 written into the record."""
    from pipeline.fileio import sha256_bytes

    path.write_bytes(model)
    data = json.loads(record_path.read_text(encoding="utf-8"))
    data["sha256"] = sha256_bytes(model)
    record_path.write_text(json.dumps(data), encoding="utf-8")


@pytest.mark.parametrize("forged", ["not a model", "another network's export"])
def test_a_forged_export_that_onnx_runtime_cannot_run_as_this_network_leaves_it_to_torch(tmp_path, forged, caplog):
    from pipeline import modelsetup

    make_export(SPEC, Voices(1).eval(), inputs(), tmp_path)
    other = dataclasses.replace(SPEC, input="waveform", output="scores")     # the other network's names
    model = b"\x08\x07 not protobuf" if forged == "not a model" else modelsetup.export(other, Voices(2).eval())
    _forge(SPEC.path(tmp_path), SPEC.record_path(tmp_path), model)
    assert checked(SPEC, tmp_path).model == model                     # the record vouches for it, but
    with caplog.at_level(logging.WARNING):
        assert runtime(SPEC, tmp_path) is None                        # no run is made to crash on it
    (line,) = caplog.messages
    assert "runs in torch" in line and ("cannot load" in line or "is not the export of this network" in line)


def test_make_models_checks_the_exports_already_there_again(tmp_path, monkeypatch):
    """A record is only what someone wrote: `make models` checks every export in models/ against torch again,
    and one that computes something else is made anew."""
    from pipeline import modelsetup

    monkeypatch.setattr(modelsetup, "EXPORTS", (SPEC,))
    monkeypatch.setattr(modelsetup, "NETWORKS", {SPEC.checkpoint: lambda: Voices(1).eval()})
    said: list[str] = []
    modelsetup.make_exports(tmp_path, said.append)
    first = SPEC.path(tmp_path).read_bytes()
    assert said == ["CAM++ (speaker voices): exporting to ONNX and checking it against torch on zh_five_speakers.wav"]
    assert read_record(SPEC, tmp_path).checked_on.startswith("zh_five_speakers.wav: chunks of 0.5, 1.5, 3.7 s")
    _forge(SPEC.path(tmp_path), SPEC.record_path(tmp_path), modelsetup.export(SPEC, Voices(2).eval()))
    said.clear()
    modelsetup.make_exports(tmp_path, said.append)
    assert [line.split(":")[1].strip() for line in said] == [
        "checking its ONNX export against torch again on zh_five_speakers.wav",
        "exporting to ONNX and checking it against torch on zh_five_speakers.wav"]
    assert SPEC.path(tmp_path).read_bytes() == first and checked(SPEC, tmp_path).record.passed()


def test_the_export_check_runs_only_on_the_shipped_sample(tmp_path, monkeypatch):
    from pipeline import modelsetup
    from pipeline.audio import write_wav
    from pipeline.errors import MissingModelError

    silent = tmp_path / "zh_five_speakers.wav"
    write_wav(silent, np.zeros(30 * 16000, np.float32))
    monkeypatch.setattr(modelsetup, "SAMPLE", silent)
    with pytest.raises(MissingModelError, match="is not the sample shipped with exhibit"):
        modelsetup.sample()
    monkeypatch.setattr(modelsetup, "SAMPLE", tmp_path / "gone.wav")
    with pytest.raises(MissingModelError, match="gone.wav cannot be read"):
        modelsetup.sample()


def test_no_export_at_all_says_how_to_make_one(tmp_path):
    assert checked(SPEC, tmp_path).why_not == "no ONNX export in campplus-zh-en-onnx/ (`make models` makes it)"


def test_a_remade_export_never_stands_on_the_old_record(tmp_path, monkeypatch):
    """Made again (say after an upgrade of torch), a refused export removes the file an earlier one kept."""
    from pipeline import modelsetup

    first = make_export(SPEC, Voices(1).eval(), inputs(), tmp_path)
    assert checked(SPEC, tmp_path).record == first
    other = modelsetup.export(SPEC, Voices(3).eval())
    monkeypatch.setattr(modelsetup, "export", lambda spec, network: other)
    make_export(SPEC, Voices(1).eval(), inputs(), tmp_path)
    assert not SPEC.path(tmp_path).exists() and checked(SPEC, tmp_path).model is None



@pytest.mark.integration
def test_make_models_ends_by_saying_which_engine_runs_each_network():
    """`exhibit models` (make models) on the set-up of this machine: every file present and verified, both
    exports made here and checked, and its closing lines say so."""
    from typer.testing import CliRunner

    from pipeline.cli import app

    result = CliRunner().invoke(app, ["models"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert {"whisper-base: present, sha256 verified", "campplus-zh-en: present, sha256 verified"} <= set(lines)
    assert lines[-2].startswith("segmentation-3.0 (who speaks when): ONNX Runtime (export checked against torch "
                                "on zh_five_speakers.wav: 10 s windows, batches of 3 and 1: largest difference")
    assert lines[-1].startswith("CAM++ (speaker voices): ONNX Runtime (export checked against torch on "
                                "zh_five_speakers.wav: chunks of 0.5, 1.5, 3.7 s")


@pytest.mark.integration
def test_doctor_shows_one_screen_for_a_support_request(monkeypatch):
    from typer.testing import CliRunner

    from pipeline.cli import app

    monkeypatch.setenv("EXHIBIT_COMPUTE_TYPE", "float32")
    monkeypatch.delenv("EXHIBIT_CPU_THREADS", raising=False)
    result = CliRunner().invoke(app, ["doctor"])
    assert result.exit_code == 0, result.output
    text = result.output
    assert text.startswith("exhibit ") and f"torch {torch.__version__}" in text and "onnxruntime " in text
    assert "compute type float32, threads all (set by EXHIBIT_COMPUTE_TYPE=float32)" in text
    assert "  whisper-base/model.bin: ok, sha256 d01c3014881c9c6f…" in text
    assert "  campplus-zh-en-onnx/campplus_cn_en_common.onnx: sha256 " in text
    assert "(as make models recorded it)" in text
    assert "  CAM++ (speaker voices): ONNX Runtime (" in text and "free disk where out/ is: " in text
    assert "LibreOffice (PDF): " in text and "Chromium (the review page's tests): " in text


def test_doctor_names_each_missing_model_file(tmp_path):
    from pipeline.doctor import model_lines

    lines, problems = model_lines(tmp_path)
    assert "  whisper-base/model.bin: MISSING" in lines
    assert "  campplus-zh-en-onnx/campplus_cn_en_common.onnx: not used" in lines
    assert "whisper-base/model.bin is missing: run `make models`" in map(str, problems) and len(problems) == 7


@pytest.mark.integration
def test_a_transcript_run_with_the_exports_made_imports_neither_torch_nor_pyannote(tmp_path):
    """The whole `exhibit transcript` on the sample, in a process of its own: with both exports made here,
    neither torch nor pyannote.audio is loaded (about 4.5 s of CPU and 480 MB less per run, README)."""
    import subprocess
    import sys

    from conftest import ROOT

    code = ("import atexit, sys; atexit.register(lambda: print('torch' in sys.modules, "
            "'pyannote.audio' in sys.modules, flush=True)); from pipeline.cli import app; "
            f"app(['transcript', {str(ROOT / 'samples' / 'zh_five_speakers.wav')!r}, '--out', "
            f"{str(tmp_path / 'out')!r}], prog_name='exhibit')")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines()[-1] == "False False", proc.stdout
    ran = json.loads((tmp_path / "out" / "manifest.json").read_text(encoding="utf-8"))["models"]
    for spec in (CAMPPLUS, SEGMENTATION):              # the manifest names the files that ran, as made here
        assert ran[spec.file] == read_record(spec).sha256


def test_a_full_disk_or_a_bad_setting_is_one_line_from_models_and_doctor(monkeypatch, tmp_path):
    import errno

    from typer.testing import CliRunner

    from pipeline import modelsetup
    from pipeline.cli import app

    def full(progress):
        raise OSError(errno.ENOSPC, "No space left on device", str(modelsetup.MODELS_DIR / "x.onnx"))

    monkeypatch.setattr(modelsetup, "fetch_all", full)
    monkeypatch.setattr(modelsetup, "VERIFIED_STAMP", tmp_path / ".verified")
    result = CliRunner().invoke(app, ["models"])
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert result.output.strip().splitlines()[-1].startswith("error: ") and "the disk is full" in result.output
    monkeypatch.setenv("EXHIBIT_CPU_THREADS", "two")
    result = CliRunner().invoke(app, ["doctor"])
    assert result.exit_code == 2 and "settings: EXHIBIT_CPU_THREADS must be a whole number, not 'two'" in result.output
    assert result.output.strip().splitlines()[-1].startswith("error: ")
