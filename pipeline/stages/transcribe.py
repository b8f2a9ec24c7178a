"""Transcribe: faster-whisper on the 16 kHz working copy, with word timings and word probabilities. The
artifact holds what the model wrote, untouched; the normalise stage makes it readable.

The default model is Whisper base from models/ (offline). A local CTranslate2 folder or a hub name (found in
the local Hugging Face cache only, never downloaded at run time) can be configured instead.

One set of Silero VAD options, built from the settings (vad_options), serves language detection, transcription
and the speech regions (what the coverage and the 听不清 lines are measured against); the artifact records it.
"""

from __future__ import annotations

import dataclasses
import logging
import math
import os
import re
from pathlib import Path

from pipeline.artifacts import Segment, Transcript, Word
from pipeline.audio import SAMPLE_RATE, read_wav
from pipeline.config import TranscribeConfig
from pipeline.csvio import read_csv
from pipeline.errors import MissingModelError
from pipeline.fileio import sha256_file
from pipeline.models import hub_offline, resolve
from pipeline.progress import StageProgress, silent

log = logging.getLogger(__name__)

VERSION = 6
OFFLINE_MODELS = {"base": "whisper-base"}


def resolve_model(ref: str) -> tuple[str, str]:
    """(what to hand faster-whisper, sha256 of model.bin or "") for a configured model reference."""
    if ref in OFFLINE_MODELS:
        folder, hashes = resolve(OFFLINE_MODELS[ref])
        return str(folder), hashes["model.bin"]
    folder = Path(ref).expanduser()
    if folder.is_dir():
        if not (folder / "model.bin").is_file():
            raise MissingModelError(f"{folder} is not a CTranslate2 Whisper model folder (no model.bin in it)")
        return str(folder), sha256_file(folder / "model.bin")
    if "/" in ref or os.sep in ref:
        raise MissingModelError(f"model folder {ref} does not exist")
    return ref, ""


def load_model(cfg: TranscribeConfig):
    hub_offline()
    from faster_whisper import WhisperModel

    target, digest = resolve_model(cfg.model)
    try:
        model = WhisperModel(target, device=cfg.device, compute_type=cfg.compute_type,
                             cpu_threads=cfg.cpu_threads, local_files_only=True)
    except Exception as exc:  # faster-whisper raises several types for a model it cannot find or read
        raise MissingModelError(
            f"cannot load transcription model {cfg.model!r}: {exc.__class__.__name__}. Give a local "
            "CTranslate2 folder, or a hub name already in this machine's Hugging Face cache"
        ) from exc
    return model, digest


def vad_options(cfg: TranscribeConfig):
    """The Silero VAD options of the settings (faster-whisper's VadOptions)."""
    from faster_whisper.vad import VadOptions

    return VadOptions(threshold=cfg.vad_threshold, min_speech_duration_ms=cfg.vad_min_speech_ms,
                      min_silence_duration_ms=cfg.vad_min_silence_ms, speech_pad_ms=cfg.vad_speech_pad_ms)


def _word(w) -> Word:
    return Word(start=round(w.start, 3), end=round(w.end, 3), text=w.word, probability=round(w.probability, 4))


def _segment(s, channel: int) -> Segment:
    """One model segment as the model wrote it."""
    return Segment(start=round(s.start, 3), end=round(s.end, 3), text=s.text, raw_text="",
                   words=tuple(_word(w) for w in (s.words or ())), avg_logprob=round(s.avg_logprob, 4),
                   no_speech_prob=round(s.no_speech_prob, 4), compression_ratio=round(s.compression_ratio, 4),
                   channel=channel)


def hotword_text(configured: str, speakers_csv: Path | None = None) -> str:
    """The hotwords the model is given: the configured ones (--hotwords "张三,李四,借条") and the names already
    written in speakers.csv, each once, comma-separated ("" when none). A speakers.csv that cannot be read
    adds nothing here (the label stage reports it)."""
    words = [w for w in re.split(r"[,，、;；\n]+", configured) if w.strip()]
    if speakers_csv is not None and speakers_csv.is_file():
        try:
            words += [row.get("name") or "" for row in read_csv(speakers_csv)[1]]
        except (OSError, ValueError):
            log.warning("%s: not read for hotwords", speakers_csv)
    unique = dict.fromkeys(w.strip() for w in words if w.strip())
    return ",".join(unique)


def speech_regions(audio, options) -> tuple[tuple[float, float], ...]:
    """(start, end) of what faster-whisper's Silero VAD hears as speech with these options."""
    from faster_whisper.vad import get_speech_timestamps

    if not len(audio):
        return ()
    found = get_speech_timestamps(audio, options, sampling_rate=SAMPLE_RATE)
    return tuple((round(c["start"] / SAMPLE_RATE, 3), round(c["end"] / SAMPLE_RATE, 3)) for c in found)


def transcribe(wav_path: Path, cfg: TranscribeConfig, progress: StageProgress = silent, model=None,
               channels_path: Path | None = None, hotwords: str | None = None) -> Transcript:
    """Transcribe the working copy. With `channels_path` (the two-channel copy of a stereo call that the
    diarizer split per channel), each channel is transcribed on its own and its segments carry their channel,
    so that words spoken at the same time by both parties are all heard. `model` may be passed in to reuse a
    loaded model (tests, benchmarks). `hotwords` (names and terms, comma-separated) are handed to the model as
    hint phrases; see hotword_text."""
    if model is None:
        model, digest = load_model(cfg)
    else:
        digest = resolve_model(cfg.model)[1]
    audio = read_wav(wav_path)
    duration = len(audio) / SAMPLE_RATE
    language = cfg.language or None
    hotwords = cfg.hotwords if hotwords is None else hotwords
    vad = vad_options(cfg)
    probability = 1.0
    if language is None and duration > 0:
        language, probability, _ = model.detect_language(audio, vad_filter=cfg.vad, vad_parameters=vad)
    tracks = [(-1, audio)] if channels_path is None else list(enumerate(read_wav(channels_path)[:2]))
    segments, speech = [], 0.0
    for index, (channel, samples) in enumerate(tracks):
        done = index * duration

        def report(position: float, done: float = done) -> None:
            progress(done + min(position, duration), duration * len(tracks))

        found, heard, language = _transcribe_track(model, samples, language, cfg, vad, channel, report, hotwords)
        segments += found
        speech += heard
    progress(duration * len(tracks), duration * len(tracks))
    return Transcript(language=language or "", language_probability=round(float(probability), 4), model=cfg.model,
                      model_sha256=digest, duration=round(duration, 3), speech_duration=round(float(speech), 3),
                      segments=tuple(sorted(segments, key=lambda seg: (seg.start, seg.channel))),
                      speech_regions=speech_regions(audio, vad), hotwords=hotwords,
                      channel_regions=tuple(speech_regions(samples, vad) for _, samples in tracks)
                      if channels_path is not None else (),
                      vad=_recorded(vad), vad_filter=cfg.vad)


def _recorded(options) -> dict[str, float]:
    """The VAD options as the artifact records them (unset and unbounded ones left out)."""
    return {k: float(v) for k, v in dataclasses.asdict(options).items() if v is not None and math.isfinite(v)}


def _transcribe_track(model, samples, language: str | None, cfg: TranscribeConfig, vad, channel: int,
                      report, hotwords: str = "") -> tuple[list[Segment], float, str | None]:
    """(segments, seconds of speech the VAD heard, language) of one track of audio."""
    prompt = cfg.initial_prompt_zh if language == "zh" and cfg.initial_prompt_zh else None
    segments_iter, info = model.transcribe(
        samples, language=language, beam_size=cfg.beam_size, vad_filter=cfg.vad, vad_parameters=vad,
        word_timestamps=True, initial_prompt=prompt, condition_on_previous_text=False,
        hotwords=hotwords.replace(",", " ") or None,
    )
    language = info.language or language
    segments = []
    for s in segments_iter:
        segments.append(_segment(s, channel))
        report(s.end)
    heard = info.duration_after_vad if cfg.vad else len(samples) / SAMPLE_RATE
    return segments, float(heard), language
