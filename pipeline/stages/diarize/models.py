"""The local diarizer's two models, from models/: pyannote segmentation-3.0 (slid by segmentation.py) and CAM++
speaker embeddings, both in ONNX Runtime when their checked exports are there (onnx.py), else in torch with
the hub offline."""

from __future__ import annotations

import warnings
from dataclasses import dataclass

from pipeline.errors import MissingModelError
from pipeline.models import hub_offline, loaded, resolve
from pipeline.stages.diarize.embedder import SpeakerEmbedder
from pipeline.stages.diarize.onnx import SEGMENTATION, THREADS, runtime
from pipeline.stages.diarize.segmentation import Segmenter

SEGMENTATION_KEY = "segmentation-3.0"
SEGMENTATION_WEIGHTS = "pytorch_model.bin"


@dataclass(frozen=True)
class DiarizeModels:
    segmentation: Segmenter          # segmentation-3.0 (10 s windows, local speakers)
    embedder: SpeakerEmbedder
    model_files: dict[str, str]      # file name → sha256, both models


def import_pyannote(offline: bool = True):
    """The pyannote.audio module, imported with the hub offline (unless `offline` is False: a hub pipeline
    the user gave a token for) and telemetry off."""
    hub_offline(offline)
    with warnings.catch_warnings():
        # we hand pyannote waveforms in memory, so its file decoder (torchcodec) is never needed
        warnings.filterwarnings("ignore", message=r"\s*torchcodec is not installed correctly", category=UserWarning)
        import pyannote.audio
    return pyannote.audio


def load_models() -> DiarizeModels:
    """Both models, from models/, verified against configs/models.toml (kept for the next recordings in a batch
    worker, see pipeline.models.keep_loaded)."""
    return loaded(("diarize",), _load)


def load_segmentation():
    """The pyannote.audio segmentation-3.0 Model from models/ (verified), in eval mode."""
    pyannote_audio = import_pyannote()
    folder, _ = resolve(SEGMENTATION_KEY)
    try:
        model = pyannote_audio.Model.from_pretrained(str(folder / SEGMENTATION_WEIGHTS))
    except Exception as exc:  # pyannote/lightning raise several types for an unreadable checkpoint
        raise MissingModelError.keyed("segmentation_unloadable", path=folder) from exc
    return model.eval()


def _load() -> DiarizeModels:
    """The checked ONNX exports in ONNX Runtime when both are in models/ (torch and pyannote.audio are then not
    even imported: 4 s and 480 MB less, measured), else the networks from their checkpoints."""
    _, hashes = resolve(SEGMENTATION_KEY)
    embedder = SpeakerEmbedder.load()
    session = runtime(SEGMENTATION)
    if session is not None:
        segmenter = Segmenter.from_onnx(session)
    else:
        import torch

        torch.set_num_threads(THREADS)
        segmenter = Segmenter.from_pyannote(load_segmentation())
    # the checkpoints, and the ONNX exports made from them when those ran
    files = {**hashes, **(session.model_files if session else {}), **embedder.model_files}
    return DiarizeModels(segmentation=segmenter, embedder=embedder, model_files=files)
