"""Channels: whether a two-channel recording is a call recorded one side per channel. Then each channel is its
own party: the diarizer gives one speaker per channel and the transcriber hears each channel on its own, so
that both parties' words are heard even when they talk at once. Decided once, before diarization and
transcription, which can then run at the same time ([diarize] channels: auto decides by the sound, split and
mix say so)."""

from __future__ import annotations

from pipeline.artifacts import AudioAsset, Channels
from pipeline.audio import channel_views
from pipeline.config import SPLIT_NEEDS_TWO_CHANNELS, DiarizeConfig
from pipeline.errors import ConfigError
from pipeline.rundir import RunDir

VERSION = 1


def decide(asset: AudioAsset, run: RunDir, cfg: DiarizeConfig) -> Channels:
    if not asset.stereo_wav_path:
        if cfg.channels == "split":
            raise ConfigError(SPLIT_NEEDS_TWO_CHANNELS)
        return Channels(split=False, why="one channel")
    if cfg.channels != "auto":
        return Channels(split=cfg.channels == "split", why=f"channels = {cfg.channels}")
    from pipeline.stages.diarize import is_call, load_models

    call = is_call(channel_views(run.stereo_wav), lambda: load_models().embedder)   # models only when needed
    return Channels(split=call, why="a voice of its own on each channel" if call else "the same voices on both")
