"""Transcribe: faster-whisper on the 16 kHz working copy, with word timings and word probabilities. The
artifact holds what the model wrote, untouched; the normalise stage makes it readable.

The default model is Whisper base from models/ (offline). A local CTranslate2 folder or a hub name (found in
the local Hugging Face cache only, never downloaded at run time) can be configured instead.

One set of Silero VAD options, built from the settings (vad_options), serves language detection, transcription
and the speech regions (what the coverage and the 听不清 lines are measured against); the artifact records it.

The file's language is detected on its first 30 s of speech (or given); a stretch of speech surely in another
language of the settings' `languages` is decoded in that language (stages.languages), and each segment records
the language it was decoded in.
"""

from __future__ import annotations

import dataclasses
import logging
import math
import os
from pathlib import Path

from pipeline.artifacts import Segment, Transcript, Word
from pipeline.audio import SAMPLE_RATE, WavView
from pipeline.config import TranscribeConfig
from pipeline.errors import MissingModelError
from pipeline.fileio import sha256_file
from pipeline.models import hub_offline, loaded, resolve
from pipeline.progress import StageProgress, silent
from pipeline.stages import languages as stretch_languages

log = logging.getLogger(__name__)

VERSION = 9   # 9: the model hears HEAR_CONTEXT_SECONDS more around each stretch of speech
              # 8: each stretch of speech decoded in its own language (stages.languages), Segment.language
              # 7: heard without hints (the case's terms: stages/rehear.py), its sampling seeded
OFFLINE_MODELS = {"base": "whisper-base"}


def resolve_model(ref: str) -> tuple[str, str]:
    """(what to hand faster-whisper, sha256 of model.bin or "") for a configured model reference."""
    if ref in OFFLINE_MODELS:
        folder, hashes = resolve(OFFLINE_MODELS[ref])
        return str(folder), hashes["model.bin"]
    folder = Path(ref).expanduser()
    if folder.is_dir():
        if not (folder / "model.bin").is_file():
            raise MissingModelError.keyed("whisper_folder_bad", folder=folder)
        return str(folder), sha256_file(folder / "model.bin")
    if "/" in ref or os.sep in ref:
        raise MissingModelError.keyed("model_folder_missing", folder=ref)
    return ref, ""


def load_model(cfg: TranscribeConfig):
    """The model and the sha256 of its model.bin (kept for the next recordings in a batch worker, see
    pipeline.models.keep_loaded)."""
    hub_offline()
    target, digest = resolve_model(cfg.model)
    try:
        model = loaded(("whisper", target, cfg.device, cfg.compute_type, cfg.cpu_threads),
                       lambda: _whisper(target, cfg.device, cfg.compute_type, cfg.cpu_threads))
    except Exception as exc:  # faster-whisper raises several types for a model it cannot find or read
        raise MissingModelError.keyed("whisper_unloadable", model=cfg.model, reason=exc.__class__.__name__) from exc
    return model, digest


SEED = 0   # of the sampling the model falls back to (temperature > 0) when beam search gives text it doubts


def seeded() -> None:
    """The model's random sampling started from one seed, so that the same recording on the same machine is
    heard the same way twice in a process of its own (measured before: the same 3-s clip gave text of CER 0.07
    in one run, a loop in the next). CTranslate2 seeds each thread's generator on its first use only: in a
    process that has sampled before (a batch worker), the stream goes on."""
    import ctranslate2

    ctranslate2.set_random_seed(SEED)


def vad_options(cfg: TranscribeConfig):
    """The Silero VAD options of the settings (faster-whisper's VadOptions)."""
    from faster_whisper.vad import VadOptions

    return VadOptions(threshold=cfg.vad_threshold, min_speech_duration_ms=cfg.vad_min_speech_ms,
                      min_silence_duration_ms=cfg.vad_min_silence_ms, speech_pad_ms=cfg.vad_speech_pad_ms)


def _whisper(target: str, device: str, compute_type: str, cpu_threads: int):
    from faster_whisper import WhisperModel

    return WhisperModel(target, device=device, compute_type=compute_type, cpu_threads=cpu_threads,
                        local_files_only=True)


def _word(w) -> Word:
    return Word(start=round(w.start, 3), end=round(w.end, 3), text=w.word, probability=round(w.probability, 4))


def _segment(s, channel: int, language: str = "") -> Segment:
    """One model segment as the model wrote it, in the language it was decoded in."""
    return Segment(start=round(s.start, 3), end=round(s.end, 3), text=s.text, raw_text="",
                   words=tuple(_word(w) for w in (s.words or ())), avg_logprob=round(s.avg_logprob, 4),
                   no_speech_prob=round(s.no_speech_prob, 4), compression_ratio=round(s.compression_ratio, 4),
                   channel=channel, language=language)


READ_SECONDS = 600.0     # the working copy is read, and the VAD run, this much at a time
HEAR_SECONDS = 300.0     # the model hears at most this much speech at once (its features are made per part)
DETECT_SECONDS = 30.0    # the language is detected on the first 30 s of speech (one Whisper window)
# The model hears each stretch of speech with this much more of the recording around it than the VAD's padding
# keeps (the speech regions the artifact records stay the VAD's own). Whisper cut off 0.4 s before the first
# syllable misheard words plain Whisper on the whole clip got right (达摩院 → 搭魔院, 脱欧 → 拖); with 1 s of
# context on each side `make eval-asr` gives plain Whisper's CER again (docs/accuracy-and-measurements.md).
HEAR_CONTEXT_SECONDS = 0.6


def speech_chunks(audio, options, offset: int = 0) -> list[dict]:
    """What faster-whisper's Silero VAD hears as speech with these options: [{"start", "end"}] in samples
    (counted from `offset`)."""
    from faster_whisper.vad import get_speech_timestamps

    if not len(audio):
        return []
    return [{"start": c["start"] + offset, "end": c["end"] + offset}
            for c in get_speech_timestamps(audio, options, sampling_rate=SAMPLE_RATE)]


def _heard(track: WavView, total: int, options) -> list[dict]:
    """The VAD's speech over the whole track, READ_SECONDS at a time (one pass when the track is shorter)."""
    step = int(READ_SECONDS * SAMPLE_RATE)
    return [c for start in range(0, total, step) for c in speech_chunks(track[start:start + step], options,
                                                                       start)]


def speech_regions(chunks: list[dict]) -> tuple[tuple[float, float], ...]:
    """(start, end) seconds of the VAD's speech chunks."""
    return tuple((round(c["start"] / SAMPLE_RATE, 3), round(c["end"] / SAMPLE_RATE, 3)) for c in chunks)


def _parts(chunks: list[dict], limit: float = HEAR_SECONDS) -> list[list[dict]]:
    """The chunks in runs of at most `limit` seconds of speech each (a longer chunk is a run of its own)."""
    parts: list[list[dict]] = []
    size = 0
    for chunk in chunks:
        length = chunk["end"] - chunk["start"]
        if parts and size + length <= limit * SAMPLE_RATE:
            parts[-1].append(chunk)
            size += length
        else:
            parts.append([chunk])
            size = length
    return parts


def _speech_only(track: WavView, chunks: list[dict]):
    """The track's samples the VAD heard as speech in these chunks, joined (as faster-whisper joins them when
    it filters itself)."""
    import numpy as np

    if not chunks:
        return track[0:0]
    # each chunk read on its own: a part may span hours of silence between two of them
    return np.concatenate([track[c["start"]:c["end"]] for c in chunks])


def hearing_chunks(chunks: list[dict], total: int, context: float = HEAR_CONTEXT_SECONDS) -> list[dict]:
    """What the model hears of the VAD's speech `chunks` (samples): each widened by `context` seconds on both
    sides, within the track's `total` samples, chunks that then touch joined into one."""
    pad = int(context * SAMPLE_RATE)
    out: list[dict] = []
    for chunk in chunks:
        start, end = max(0, chunk["start"] - pad), min(total, chunk["end"] + pad)
        if out and start <= out[-1]["end"]:
            out[-1]["end"] = max(out[-1]["end"], end)
        else:
            out.append({"start": start, "end": end})
    return out


def _first_speech(chunks: list[dict]) -> list[dict]:
    """The chunks that hold the first DETECT_SECONDS of speech."""
    taken, size = [], 0
    for chunk in chunks:
        if size >= DETECT_SECONDS * SAMPLE_RATE:
            break
        taken.append(chunk)
        size += chunk["end"] - chunk["start"]
    return taken


def transcribe(wav_path: Path, cfg: TranscribeConfig, progress: StageProgress = silent, model=None,
               channels_path: Path | None = None) -> Transcript:
    """Transcribe the working copy. With `channels_path` (the two-channel copy of a stereo call that the
    diarizer split per channel), each channel is transcribed on its own and its segments carry their channel,
    so that words spoken at the same time by both parties are all heard. `model` may be passed in to reuse a
    loaded model (tests, benchmarks). The case's terms are listened for afterwards (stages/rehear.py): the model
    hears the recording without hints here.

    The VAD runs once over the recording: its speech is what the language is detected on, what the model
    hears (the model's times mapped back to the recording's, as faster-whisper does when it filters itself)
    and the speech regions the artifact records. A stereo call's channels each get their own VAD pass. The
    recording is read READ_SECONDS and heard HEAR_SECONDS of speech at a time, so that memory does not grow
    with its length (a shorter recording is read and heard whole)."""
    if model is None:
        model, digest = load_model(cfg)
    else:
        digest = resolve_model(cfg.model)[1]
    mono = WavView(wav_path)
    total = len(mono)
    duration = total / SAMPLE_RATE
    language = cfg.language or None
    seeded()
    vad = vad_options(cfg)
    chunks = _heard(mono, total, vad)
    probability = 1.0
    if language is None and duration > 0:
        first = _speech_only(mono, _first_speech(chunks)) if cfg.vad else \
            mono[:int(DETECT_SECONDS * SAMPLE_RATE)]
        language, probability, _ = model.detect_language(first)
    tracks = [(mono, chunks)] if channels_path is None else [(WavView(channels_path, i), None) for i in (0, 1)]
    segments, speech, heard_by_track = [], 0.0, []
    for index, (track, heard) in enumerate(tracks):
        done = index * duration

        def report(position: float, done: float = done) -> None:
            progress(done + min(position, duration), duration * len(tracks))

        if heard is None:                  # a channel of a stereo call: its own speech regions too
            heard = _heard(track, total, vad)
        heard_by_track.append(heard)
        found, seconds, language = _transcribe_track(model, track, total,
                                                     hearing_chunks(heard, total) if cfg.vad else None, language,
                                                     cfg, report)
        segments += found
        speech += seconds
    progress(duration * len(tracks), duration * len(tracks))
    return Transcript(language=language or "", language_probability=round(float(probability), 4), model=cfg.model,
                      model_sha256=digest, duration=round(duration, 3), speech_duration=round(float(speech), 3),
                      segments=tuple(sorted(segments, key=lambda seg: (seg.start, seg.channel))),
                      speech_regions=speech_regions(chunks),
                      channel_regions=tuple(speech_regions(heard) for heard in heard_by_track)
                      if channels_path is not None else (),
                      vad=_recorded(vad), vad_filter=cfg.vad)


def _recorded(options) -> dict[str, float]:
    """The VAD options as the artifact records them (unset and unbounded ones left out)."""
    return {k: float(v) for k, v in dataclasses.asdict(options).items() if v is not None and math.isfinite(v)}


def _transcribe_track(model, track: WavView, total: int, chunks: list[dict] | None, language: str | None,
                      cfg: TranscribeConfig, report) -> tuple[list[Segment], float, str | None]:
    """(segments, seconds of speech the model heard, language) of one track: with VAD `chunks`, only their
    speech, HEAR_SECONDS at a time, the times mapped back to the track's; without, the whole track in parts of
    HEAR_SECONDS."""
    from faster_whisper.transcribe import restore_speech_timestamps

    step = int(HEAR_SECONDS * SAMPLE_RATE)
    parts = _language_parts(model, track, chunks, language, cfg) if chunks is not None else \
        [([{"start": a, "end": min(a + step, total)}], language) for a in range(0, total, step)]
    segments, heard = [], 0
    for part, part_language in parts:
        samples = _speech_only(track, part)
        heard += len(samples)
        prompt = cfg.initial_prompt_zh if part_language == "zh" and cfg.initial_prompt_zh else None
        found, info = model.transcribe(
            samples, language=part_language, beam_size=cfg.beam_size, vad_filter=False, word_timestamps=True,
            initial_prompt=prompt, condition_on_previous_text=False,
        )
        found = restore_speech_timestamps(found, part, SAMPLE_RATE)
        if part_language == language:
            language = info.language or language
        for s in found:
            segments.append(_segment(s, -1 if track.channel is None else track.channel,
                                     part_language or info.language or ""))
            report(s.end)
        report(part[-1]["end"] / SAMPLE_RATE)
    return segments, heard / SAMPLE_RATE, language


def _language_parts(model, track: WavView, chunks: list[dict], language: str | None,
                    cfg: TranscribeConfig) -> list[tuple[list[dict], str | None]]:
    """The parts the model hears at once (_parts), each with the language it is decoded in: the file's, or
    another of cfg.languages where a stretch of speech is surely in it (stages.languages)."""
    allowed = stretch_languages.allowed_languages(cfg.languages)
    heard = stretch_languages.by_language(model, track, chunks, language, vad_options(cfg), allowed) \
        if language and chunks else [(chunk, language) for chunk in chunks]
    return [(part, run_language) for run, run_language in stretch_languages.runs(heard) for part in _parts(run)]
