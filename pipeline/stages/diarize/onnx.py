"""The diarizer's two networks run by ONNX Runtime. On these CPUs (2 cores, AVX2) it needs about half the CPU
time of torch for CAM++ and 20 % less for segmentation-3.0, and its memory does not grow with the number of
distinct input lengths (torch's oneDNN keeps compiled kernels per input shape: CAM++ on the windows of a
20-minute recording grew it by 450 MB).

Each ONNX file is made on the user's machine by `make models` (pipeline.modelsetup: exported from the verified
checkpoint, then checked against torch on real speech) and kept with a record beside it, `<file>.json`: the
sha256 of the file as it was made there, the checkpoint it was made from, what the check measured. Another
torch, onnx or CPU may well make other bytes, so the bytes are never pinned: an export is trusted for what it
computes. Here it is only loaded, never made: it runs when its record says it passed its check (at today's
tolerance, with the ONNX Runtime installed now), names the checkpoint pinned in configs/models.toml, the file's
sha256 is still the one recorded, and ONNX Runtime loads it as a model with this network's input and output;
otherwise the network runs in torch, with the reason in one line. `make models` checks every export against
torch again, since a record is only what someone wrote.
"""

from __future__ import annotations

import json
import logging
import math
from dataclasses import asdict, dataclass, field, fields
from importlib import metadata
from pathlib import Path

import numpy as np

from pipeline.config import MODELS_DIR
from pipeline.fileio import sha256_bytes
from pipeline.models import specs

log = logging.getLogger(__name__)

# An export passes its check when, on the check's inputs, it gives torch's outputs to within this: the largest
# difference of any L2-normalised embedding component (CAM++) or of any class probability (segmentation-3.0).
# Kernel differences measured 1e-6 and 4e-5 (2 cores, AVX2); an export that computes something else is off by
# more than 0.1.
TOLERANCE = 1e-3
MAKE_IT = "`make models` makes it"


@dataclass(frozen=True)
class Export:
    """How one network is exported to ONNX, and from which checkpoint in configs/models.toml."""

    name: str                                     # what a person calls it
    checkpoint: str                               # its model's key in configs/models.toml
    folder: str
    file: str
    input: str
    output: str
    example: tuple[int, ...]                      # the shape traced
    dynamic: dict[int, str] = field(default_factory=dict)   # input axes of any length

    def path(self, models_dir: Path = MODELS_DIR) -> Path:
        return models_dir / self.folder / self.file

    def record_path(self, models_dir: Path = MODELS_DIR) -> Path:
        return models_dir / self.folder / f"{self.file}.json"

    def pinned(self) -> dict[str, str]:
        """The checkpoint's files and their sha256, as configs/models.toml pins them."""
        return {f.name: f.sha256 for f in specs()[self.checkpoint].files}


CAMPPLUS = Export("CAM++ (speaker voices)", "campplus-zh-en", "campplus-zh-en-onnx", "campplus_cn_en_common.onnx",
                  "feats", "embedding", (1, 148, 80), {0: "batch", 1: "frames"})
SEGMENTATION = Export("segmentation-3.0 (who speaks when)", "segmentation-3.0", "segmentation-3.0-onnx",
                      "segmentation-3.0.onnx", "waveform", "scores", (1, 1, 160000), {0: "batch"})
EXPORTS = (SEGMENTATION, CAMPPLUS)


@dataclass(frozen=True)
class ExportRecord:
    """What `make models` made of one network on this machine, and what its check against torch measured."""

    file: str
    sha256: str                      # of the file as made here ("" when refused: no file was kept)
    made_from: dict[str, str]        # checkpoint file → sha256
    made_with: dict[str, str]        # torch, onnx, onnxruntime → version
    checked_on: str                  # the check's inputs
    max_difference: float | None     # the largest difference from torch measured on them (None: not run)
    tolerance: float
    refused: str                     # why the export was not kept ("" when it passed)

    def to_json(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False, indent=1)

    @classmethod
    def from_json(cls, text: str) -> ExportRecord:
        """The record, every field of its type (ValueError otherwise: the record is then not trusted)."""
        data = json.loads(text)
        if not isinstance(data, dict) or set(data) != {f.name for f in fields(cls)}:
            raise ValueError("not the fields of an export record")
        strings = ("file", "sha256", "checked_on", "refused")
        tables = ("made_from", "made_with")
        if not (all(isinstance(data[k], str) for k in strings)
                and all(isinstance(data[k], dict) and all(isinstance(v, str) for v in data[k].values())
                        for k in tables)
                and _number(data["tolerance"]) and (data["max_difference"] is None or _number(data["max_difference"]))):
            raise ValueError("a field of the export record has the wrong type")
        return cls(**data)

    def passed(self) -> bool:
        """The check ran, at today's tolerance, and found the export within it."""
        return (not self.refused and self.max_difference is not None and self.tolerance == TOLERANCE
                and 0.0 <= self.max_difference <= self.tolerance and len(self.sha256) == 64)


def _number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def read_record(spec: Export, models_dir: Path = MODELS_DIR) -> ExportRecord | None:
    """The record of `spec`'s export, or None when there is none or it cannot be read as one."""
    path = spec.record_path(models_dir)
    if not path.is_file():                       # a folder or a pipe in its place is no record either
        return None
    try:
        return ExportRecord.from_json(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError, TypeError, RecursionError) as exc:
        log.debug("unreadable export record %s: %s", path, exc)
        return None


def installed(package: str) -> str:
    """A package's installed version, read without importing it."""
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "not installed"


@dataclass(frozen=True)
class Checked:
    """An export as found in models/: its bytes and record when it may run, else why not."""

    model: bytes | None
    record: ExportRecord | None = None
    why_not: str = ""


def checked(spec: Export, models_dir: Path = MODELS_DIR) -> Checked:
    """The export of `spec` in models/ when it may run (see the module's docstring), else the reason, one line."""
    record = read_record(spec, models_dir)
    path = spec.path(models_dir)
    if record is None:
        kind = "no ONNX export" if not path.exists() else "an ONNX export without a readable record"
        return Checked(None, why_not=f"{kind} in {spec.folder}/ ({MAKE_IT})")
    if record.refused:
        return Checked(None, why_not=f"its ONNX export was refused when made: {one_line(record.refused)}")
    if not record.passed():
        return Checked(None, why_not=f"its record does not show a check within {TOLERANCE:.0e} ({MAKE_IT} again)")
    if record.file != spec.file:
        return Checked(None, why_not=f"its record is of another file, {one_line(record.file)!r} ({MAKE_IT} again)")
    if record.made_from != spec.pinned():
        return Checked(None, why_not=f"its ONNX export was made from another checkpoint than configs/models.toml "
                                     f"names ({MAKE_IT} again)")
    runtime_version = installed("onnxruntime")
    if record.made_with.get("onnxruntime") != runtime_version:
        return Checked(None, why_not=f"its ONNX export was checked with ONNX Runtime "
                                     f"{one_line(record.made_with.get('onnxruntime', '?'))}, this is "
                                     f"{runtime_version} (`make models` checks it again)")
    try:
        data = path.read_bytes() if path.is_file() else None
    except OSError:
        data = None
    if data is None:
        return Checked(None, why_not=f"its ONNX export {spec.file} is missing ({MAKE_IT} again)")
    if sha256_bytes(data) != record.sha256:
        return Checked(None, why_not=f"{spec.file} is not the file made on this machine: its sha256 differs "
                                     f"from its record ({MAKE_IT} again)")
    return Checked(data, record)


def one_line(text: str) -> str:
    """A record's text as one line of plain characters (a hand-edited record may hold anything)."""
    return "".join(c if c.isprintable() else " " for c in text)


def engine(spec: Export, models_dir: Path = MODELS_DIR) -> tuple[str, str]:
    """Which engine runs the network, and why: ("ONNX Runtime", what its check measured) or ("torch", why)."""
    found = checked(spec, models_dir)
    if found.model is None:
        return "torch", found.why_not
    record = found.record
    return "ONNX Runtime", (f"export checked against torch on {one_line(record.checked_on)}: largest difference "
                            f"{record.max_difference:.1e} (tolerance {record.tolerance:.0e}); sha256 "
                            f"{record.sha256[:12]}…")


class Runtime:
    """An ONNX Runtime session of one network, called on one float32 array."""

    def __init__(self, spec: Export, model: bytes, sha256: str, threads: int) -> None:   # threads ≥ 1
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
        self.model_files = {spec.file: sha256}   # what ran: the checked export (see Diarization.model_files)
        self.session = onnxruntime.InferenceSession(model, options, providers=["CPUExecutionProvider"])

    def __call__(self, array: np.ndarray) -> np.ndarray:
        return self.session.run(None, {self.input: np.ascontiguousarray(array, dtype=np.float32)})[0]

    def names(self) -> tuple[str, ...]:
        """The model's input and output names: each network's export has its own."""
        return (*(i.name for i in self.session.get_inputs()), *(o.name for o in self.session.get_outputs()))


# The networks run on one core, always: their sums then come out in the same order whatever the machine or the
# run, so that the same recording gives the same voices (on two cores the centroids differed in the last bits
# and speakers.csv was taken for another diarization's). Beside the transcriber one core is what they should
# take anyway (see runner._diarize); alone, 5 minutes cost about 9 s (make bench-long, README).
THREADS = 1


def runtime(spec: Export, models_dir: Path = MODELS_DIR) -> Runtime | None:
    """The network in ONNX Runtime from its checked export in models/ (neither torch nor the network is needed
    then), or None with the reason as a warning: torch runs it."""
    found = checked(spec, models_dir)
    why = found.why_not
    if found.model is not None:
        try:
            session = Runtime(spec, found.model, found.record.sha256, THREADS)
        except Exception as exc:  # noqa: BLE001 - ONNX Runtime raises its own types for a file it cannot load
            why = f"ONNX Runtime cannot load {spec.file} ({type(exc).__name__}; {MAKE_IT} again)"
        else:
            if session.names() == (spec.input, spec.output):
                return session
            why = f"{spec.file} is not the export of this network ({MAKE_IT} again)"
    log.warning("%s runs in torch, more slowly: %s", spec.name, why)
    return None
