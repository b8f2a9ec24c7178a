"""What made this exhibit, step by step: the software that ran and the model files it ran, read from what the
run's artifacts record — never the list of what happens to be installed (torch and pyannote.audio may well be
installed and not run: the diarizer runs its checked ONNX exports in ONNX Runtime when they are there).

- decoding: PyAV (FFmpeg), always (ingest decodes every recording with it);
- speech recognition: faster-whisper on CTranslate2 with the Whisper model; ONNX Runtime for faster-whisper's
  voice activity detection (Silero VAD, an ONNX model: it finds the speech regions of every run, and filters
  what the model hears when [transcribe] vad is on); OpenCC when the text holds Chinese (Traditional →
  Simplified);
- speaker separation: per network of the diarizer, its ONNX export in ONNX Runtime when the diarization records
  the export's file, else its checkpoint in torch (segmentation-3.0 through pyannote.audio, CAM++ through
  senko's network class); a stock pyannote.audio pipeline's files in pyannote.audio and torch;
- key content: this program's rule files;
- the program itself (exhibit, Python).

A package's version is the one recorded for the run (content.software); "" when none is recorded."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from pipeline.export.content import ExhibitContent
from pipeline.export.manifest import NOT_INSTALLED
from pipeline.stages.diarize.hub import METHOD_PIPELINE
from pipeline.stages.diarize.onnx import CAMPPLUS, SEGMENTATION, Export
from pipeline.text.chinese import has_cjk

PROGRAM, DECODE, TRANSCRIBE, DIARIZE, FACTS = "program", "decode", "transcribe", "diarize", "facts"
STEPS = (PROGRAM, DECODE, TRANSCRIBE, DIARIZE, FACTS)        # in the order the method table shows them
WHISPER_PREFIX = "whisper:"

# each network of the local diarizer: its export, and what runs its checkpoint when the export does not
NETWORKS: tuple[tuple[Export, tuple[str, ...]], ...] = ((SEGMENTATION, ("pyannote.audio", "torch")),
                                                         (CAMPPLUS, ("senko", "torch")))
ONNX_RUNTIME = "onnxruntime"
# how a package is named to a reader (its project's own name); the version is the installed distribution's
DISPLAY_NAMES = {"python": "Python", "av": "PyAV", "ctranslate2": "CTranslate2", "onnxruntime": "ONNX Runtime",
                 "opencc": "OpenCC", "torch": "PyTorch", "python-docx": "python-docx"}


@dataclass(frozen=True)
class Step:
    key: str                                  # one of STEPS
    packages: tuple[tuple[str, str], ...]     # (package as named to a reader, version; "" when not recorded)
    models: tuple[tuple[str, str], ...]       # (model or rule file, sha256; "" when not known)


def _versions(names: list[str], software: dict[str, str]) -> tuple[tuple[str, str], ...]:
    """(name as shown, version recorded) for each package once, in order."""
    unique = list(dict.fromkeys(names))
    return tuple((DISPLAY_NAMES.get(name, name), "" if software.get(name, NOT_INSTALLED) == NOT_INSTALLED
                  else software[name]) for name in unique)


def _diarizer(method: str, files: dict[str, str]) -> tuple[list[str], list[tuple[str, str]]]:
    """The packages and the model files that computed the speaker turns, from the diarization's method and the
    files it records (keys are file names, or paths ending in one)."""
    by_name = {Path(key).name: key for key in files}
    packages: list[str] = []
    models: list[tuple[str, str]] = []
    claimed: set[str] = set()
    for export, checkpoint_packages in NETWORKS:
        checkpoint = [name for name in export.pinned() if name in by_name]
        claimed.update(by_name[name] for name in checkpoint)
        if export.file in by_name:                       # the checked export ran (its checkpoint is its source)
            claimed.add(by_name[export.file])
            packages.append(ONNX_RUNTIME)
            models.append((by_name[export.file], files[by_name[export.file]]))
        elif checkpoint:
            packages.extend(checkpoint_packages)
            models.extend((by_name[name], files[by_name[name]]) for name in checkpoint)
    rest = [key for key in files if key not in claimed]
    if method.startswith(METHOD_PIPELINE):
        packages.extend(("pyannote.audio", "torch"))
    models.extend((key, files[key]) for key in rest)
    return packages, models


def _transcriber(content: ExhibitContent) -> list[str]:
    transcript = content.transcript
    packages = ["faster-whisper", "ctranslate2"]
    if transcript.vad or transcript.vad_filter:
        packages.append(ONNX_RUNTIME)                    # Silero VAD, run by faster-whisper in ONNX Runtime
    if any(has_cjk(s.raw_text or s.text) for s in transcript.segments):
        packages.extend(("opencc", "jieba"))            # Simplified characters; lines cut at word edges
    return packages


def steps(content: ExhibitContent) -> tuple[Step, ...]:
    """Each step of the run that used software or models, in STEPS order (a step with neither is left out: a
    recording with no speech separated no speakers)."""
    software = content.software
    whisper = [(name, sha) for name, sha in content.models.items() if name.startswith(WHISPER_PREFIX)]
    diarize_packages, diarize_models = _diarizer(content.diarization.method, content.diarization.model_files)
    found = (Step(PROGRAM, _versions(["exhibit", "python"], software), ()),
             Step(DECODE, _versions(["av"], software), ()),
             Step(TRANSCRIBE, _versions(_transcriber(content), software), tuple(whisper)),
             Step(DIARIZE, _versions(diarize_packages, software), tuple(diarize_models)),
             Step(FACTS, _versions(["exhibit"], software) if content.facts.rule_files else (),
                  tuple(content.facts.rule_files.items())))
    return tuple(step for step in found if step.packages or step.models)


def short_hash(sha256: str, digits: int) -> str:
    """The first `digits` hex digits of a sha256 ("" stays "")."""
    return sha256[:digits]
