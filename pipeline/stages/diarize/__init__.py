"""Diarize: who spoke when, offline. The stage entry (diarize) and the one dispatch every caller uses
(diarize_audio): a call recorded one side per channel is split per channel (stereo.py); otherwise the mono
mix goes to the local diarizer (local.py: segmentation-3.0 + CAM++ + clustering.py) or, with backend
"pyannote-pipeline", to a stock pyannote pipeline (hub.py). naming.py makes the artifact for all of them.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np

from pipeline.artifacts import Diarization
from pipeline.audio import WavView, channel_views
from pipeline.config import SPLIT_NEEDS_TWO_CHANNELS, DiarizeConfig
from pipeline.errors import ConfigError
from pipeline.progress import StageProgress, silent
from pipeline.stages.diarize.clustering import FrameGrid
from pipeline.stages.diarize.embedder import SpeakerEmbedder
from pipeline.stages.diarize.hub import METHOD_PIPELINE, diarize_with_pipeline, load_pipeline
from pipeline.stages.diarize.local import METHOD, diarize_samples
from pipeline.stages.diarize.models import DiarizeModels, load_models
from pipeline.stages.diarize.segmentation import Segmenter, segment
from pipeline.stages.diarize.stereo import METHOD_STEREO, Sides, diarize_channels, is_call
from pipeline.stages.diarize.tuning import TUNING, Tuning

VERSION = 6   # 6: short fragments folded into the nearest voice; a given count keeps voices that talk (settle)

__all__ = ["METHOD", "METHOD_PIPELINE", "METHOD_STEREO", "TUNING", "VERSION", "DiarizeModels", "FrameGrid",
           "Segmenter", "SpeakerEmbedder", "Tuning", "diarize", "diarize_audio", "diarize_channels", "diarize_samples",
           "diarize_with_pipeline", "is_call", "load_models", "load_pipeline", "segment"]


def diarize(wav_path: Path, cfg: DiarizeConfig, progress: StageProgress = silent,
            models: DiarizeModels | None = None, stereo_path: Path | None = None,
            tuning: Tuning = TUNING) -> Diarization:
    """Diarize the 16 kHz working copy (read a window at a time: WavView). `models` may be passed in to reuse
    loaded models (tests, eval), `tuning` other parameters (tools/eval_diarization.py --tuning).
    `stereo_path`, the two-channel working copy of a 2+ channel original, allows one speaker per channel
    (cfg.channels: "split", or "auto" when the channels carry different voices, see is_call); its channels are
    read a window at a time too."""
    sides = channel_views(stereo_path) if stereo_path else None
    return diarize_audio(lambda: WavView(wav_path), sides, cfg, models, progress, tuning)


def diarize_audio(mono: np.ndarray | Callable[[], np.ndarray], stereo: Sides | None, cfg: DiarizeConfig,
                  models: DiarizeModels | None = None, progress: StageProgress = silent,
                  tuning: Tuning = TUNING) -> Diarization:
    """Diarize 16 kHz float32 audio: `mono` (samples or a WavView, or a function that gives them, called only
    when the mono mix is diarized) and `stereo`, the channels of a 2+ channel recording (a (channels, samples)
    array or channel_views) or None.
    One speaker per channel when cfg.channels is "split", or "auto" and is_call; the mono mix otherwise,
    with cfg.backend. Models are loaded when needed and not given. Progress 0 → 1."""
    if stereo is not None and ((isinstance(stereo, np.ndarray) and stereo.ndim != 2) or len(stereo) < 2):
        stereo = None
    if cfg.channels == "split" and stereo is None:
        raise ConfigError(SPLIT_NEEDS_TWO_CHANNELS)
    if stereo is not None and cfg.channels != "mix":
        models = models or load_models()
        if cfg.channels == "split" or is_call(stereo, lambda: models.embedder, tuning):
            return diarize_channels(stereo, models, progress, tuning)
    samples = mono() if callable(mono) else mono
    if cfg.backend == "pyannote-pipeline":
        return diarize_with_pipeline(np.asarray(samples, dtype=np.float32), cfg, progress)
    return diarize_samples(samples, cfg, models or load_models(), progress, tuning)
