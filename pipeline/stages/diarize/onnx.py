"""The diarizer's two networks run by ONNX Runtime. On these CPUs (2 cores, AVX2) it needs about half the CPU
time of torch for CAM++ and 20 % less for segmentation-3.0, and its memory does not grow with the number of
distinct input lengths (torch's oneDNN keeps compiled kernels per input shape: CAM++ on the windows of a
20-minute recording grew it by 450 MB). Same outputs to within 3e-5; same turns on the evaluation files.

Each ONNX file is exported from the verified checkpoint in models/ (torch.onnx, opset 17; nothing is
downloaded) by `make models` (python -m pipeline.stages.diarize.onnx), or on first use if missing, and kept
in models/<folder>/ only when its sha256 is the one recorded here; it is checked again on every load. Another
torch (or onnx) version may export different bytes: the file is then not used and the network runs in torch.
"""

from __future__ import annotations

import hashlib
import io
import logging
import tempfile
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from pipeline.config import MODELS_DIR

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Export:
    """How one network is exported, and the sha256 of the file torch 2.13.0 makes of it."""

    folder: str
    file: str
    sha256: str
    input: str
    output: str
    example: tuple[int, ...]                      # the shape traced
    dynamic: dict[int, str] = field(default_factory=dict)   # input axes of any length

    def path(self, models_dir: Path = MODELS_DIR) -> Path:
        return models_dir / self.folder / self.file


CAMPPLUS = Export("campplus-zh-en-onnx", "campplus_cn_en_common.onnx",
                  "eb1fd418a3873624b083ba94063eaf103be01703de8d10671e43f306273e5e3b",
                  "feats", "embedding", (1, 148, 80), {0: "batch", 1: "frames"})
SEGMENTATION = Export("segmentation-3.0-onnx", "segmentation-3.0.onnx",
                      "ece347ec1b4e76fe02c80693df8747ee520c658dc331cbd4b5017e7ba8ac89eb",
                      "waveform", "scores", (1, 1, 160000), {0: "batch"})


def export(spec: Export, network) -> bytes:
    """The ONNX export of a torch network in eval mode."""
    import torch

    buffer = io.BytesIO()
    # the tracer's advice (LSTM batch size, the legacy TorchScript exporter, whose bytes are the ones recorded):
    # the export is checked by its sha256 and its outputs are tested against torch's
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(network, (torch.zeros(spec.example),), buffer, input_names=[spec.input],
                          output_names=[spec.output], opset_version=17, dynamo=False,
                          dynamic_axes={spec.input: spec.dynamic, spec.output: {0: "batch"}})
    return buffer.getvalue()


def checked(spec: Export, models_dir: Path = MODELS_DIR) -> bytes | None:
    """The ONNX model of `spec` in models/ if it is there and its sha256 is the recorded one, else None."""
    path = spec.path(models_dir)
    if not path.is_file():
        return None
    data = path.read_bytes()
    return data if hashlib.sha256(data).hexdigest() == spec.sha256 else None


def ensure(spec: Export, network, models_dir: Path = MODELS_DIR) -> bytes | None:
    """The checked ONNX model of `spec`: read from models/, or exported from `network` and written there if
    missing or not the recorded one; None (with the reason logged) when no such export can be made."""
    path = spec.path(models_dir)
    data = checked(spec, models_dir)
    if data is not None:
        return data
    try:
        data = export(spec, network)
    except Exception as exc:  # onnx not installed, an exporter that cannot trace it: torch runs the network
        log.info("%s runs in torch: no ONNX export (%s)", spec.file, exc)
        return None
    if hashlib.sha256(data).hexdigest() != spec.sha256:
        log.info("%s runs in torch: this torch exports another file than the one recorded", spec.file)
        return None
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=path.parent, prefix=f".{spec.file}.", delete=False) as tmp:
        tmp.write(data)                      # a name of its own: two workers may export at once
    Path(tmp.name).replace(path)
    return data


class Runtime:
    """An ONNX Runtime session of one network, called on one float32 array."""

    def __init__(self, spec: Export, model: bytes, threads: int) -> None:   # threads ≥ 1
        import onnxruntime

        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")   # no busy waiting on shared cores
        options.log_severity_level = 3
        # ONNX Runtime's own arena: it grows to one batch's needs and is reused. Without it, the big per-batch
        # buffers fragment the C heap: +2.2 GB over 60 minutes (measured), against +0.1 GB with it.
        options.enable_cpu_mem_arena = True
        self.input = spec.input
        self.model_files = {spec.file: spec.sha256}   # what ran: the checked export (see Diarization.model_files)
        self.session = onnxruntime.InferenceSession(model, options, providers=["CPUExecutionProvider"])

    def __call__(self, array: np.ndarray) -> np.ndarray:
        return self.session.run(None, {self.input: np.ascontiguousarray(array, dtype=np.float32)})[0]


# The networks run on one core, always: their sums then come out in the same order whatever the machine or the
# run, so that the same recording gives the same voices (on two cores the centroids differed in the last bits
# and speakers.csv was taken for another diarization's). Beside the transcriber one core is what they should
# take anyway (see runner._diarize); alone, 5 minutes cost about 9 s (make bench-long, README).
THREADS = 1


def runtime(spec: Export, network=None) -> Runtime | None:
    """The network in ONNX Runtime, or None: torch runs it. The checked export in models/ is used as it is
    (neither torch nor `network` is needed then); else it is exported from `network`, when given."""
    model = ensure(spec, network) if network is not None else checked(spec)
    return Runtime(spec, model, THREADS) if model else None


def main() -> None:
    """make models: export both networks to ONNX into models/ (checked), or say why torch will run them."""
    from pipeline.stages.diarize.embedder import SpeakerEmbedder
    from pipeline.stages.diarize.models import load_segmentation

    logging.basicConfig(level=logging.INFO, format="%(message)s")
    for spec, network in ((CAMPPLUS, SpeakerEmbedder.load(onnx=False).network), (SEGMENTATION, load_segmentation())):
        made = ensure(spec, network) is not None
        log.info("%s for ONNX Runtime: %s", spec.file, spec.path() if made else "not made (torch runs it)")


if __name__ == "__main__":
    main()
