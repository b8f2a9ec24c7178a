"""The second backend: a stock pyannote.audio pipeline (cfg.pipeline: a local folder holding its
config.yaml, or a hub name), with the hub offline unless the user gave a token."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np

from pipeline.artifacts import Diarization
from pipeline.audio import SAMPLE_RATE
from pipeline.config import DiarizeConfig
from pipeline.errors import ConfigError, MissingModelError
from pipeline.fileio import sha256_file
from pipeline.progress import StageProgress, silent
from pipeline.stages.diarize.clustering import normalise
from pipeline.stages.diarize.models import import_pyannote
from pipeline.stages.diarize.naming import named

METHOD_PIPELINE = "pyannote-pipeline"


def load_pipeline(cfg: DiarizeConfig):
    """The stock pyannote.audio pipeline named by cfg.pipeline: a local folder (config.yaml inside) or a hub
    name, with the hub offline unless cfg.token is given. Telemetry off. (pipeline, model files)."""
    ref = cfg.pipeline.strip()
    pyannote_audio = import_pyannote(offline=not cfg.token)
    from pyannote.audio.telemetry.metrics import set_telemetry_metrics

    set_telemetry_metrics(False)
    folder = Path(ref).expanduser()
    local = folder.exists() or ref.startswith((".", "/", "~")) or ref.count("/") != 1
    files: dict[str, str] = {}
    if local:
        if not folder.is_dir() or not (folder / "config.yaml").is_file():
            raise MissingModelError(f"diarization pipeline folder {folder} does not exist or has no config.yaml in it")
        files = {"pipeline:config.yaml": sha256_file(folder / "config.yaml")}
        check_local_models(folder / "config.yaml")
    where = f"folder {folder}" if local else f"{ref} ({'hub' if cfg.token else 'local Hugging Face cache only'})"
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            loaded = pyannote_audio.Pipeline.from_pretrained(str(folder) if local else ref, token=cfg.token or None)
    except Exception as exc:  # pyannote, huggingface_hub and torch raise many types for what is missing
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise MissingModelError(f"cannot load the diarization pipeline from {where}: {reason[:300]}") from exc
    if loaded is None:
        raise MissingModelError(f"cannot load the diarization pipeline from {where}: not found")
    return loaded, files


def check_local_models(config_yaml: Path) -> None:
    """One line naming the model a local pipeline's config.yaml points at that is not on disk."""
    import yaml

    try:
        params = (yaml.safe_load(config_yaml.read_text(encoding="utf-8")) or {}).get("pipeline", {}).get("params", {})
    except (OSError, yaml.YAMLError, AttributeError) as exc:
        raise ConfigError(f"{config_yaml}: not a readable pyannote pipeline config.yaml ({exc})") from exc
    for role, value in (params or {}).items():
        if isinstance(value, str) and value.startswith(("/", ".", "~")):
            path = (config_yaml.parent / Path(value).expanduser()).resolve()
            if not path.exists():
                raise MissingModelError(f"the diarization pipeline in {config_yaml.parent} needs its {role} model "
                                        f"{path}, which is not there")


def diarize_with_pipeline(samples: np.ndarray, cfg: DiarizeConfig, progress: StageProgress = silent,
                          loaded=None) -> Diarization:
    """Run a stock pyannote.audio pipeline on float32 mono 16 kHz samples. Progress 0 → 1 (no steps between:
    the pipeline reports none)."""
    import torch

    pipe, files = loaded or load_pipeline(cfg)
    progress(0, 1)
    kwargs = {"num_speakers": cfg.num_speakers} if cfg.num_speakers > 0 else {
        "min_speakers": cfg.min_speakers, "max_speakers": cfg.max_speakers}
    waveform = torch.from_numpy(np.ascontiguousarray(samples, dtype=np.float32)).unsqueeze(0)
    output = pipe({"waveform": waveform, "sample_rate": SAMPLE_RATE}, **kwargs)
    annotation = getattr(output, "speaker_diarization", output)
    exclusive = getattr(output, "exclusive_speaker_diarization", None) or annotation
    labels = {label: i for i, label in enumerate(annotation.labels())}

    def turns_of(a):
        return sorted((s.start, s.end, labels[label]) for s, _, label in a.itertracks(yield_label=True)
                      if label in labels)

    embeddings = getattr(output, "speaker_embeddings", None)
    centroids = normalise(np.asarray(embeddings)) if embeddings is not None and len(embeddings) == len(labels) \
        else np.zeros((len(labels), 0))
    progress(1, 1)
    return named(turns_of(annotation), turns_of(exclusive), dict(enumerate(centroids)), files,
                 f"{METHOD_PIPELINE}:{cfg.pipeline.strip()}")
