"""The exhibit's wording (configs/exhibit_zh.toml, exhibit_en.toml) and the one way a speaker and a line are
shown to a person, shared by the Word, subtitle, table, JSON and timeline writers: every output of a run is in
the exhibit's language (exhibit_language)."""

from __future__ import annotations

import tomllib
from functools import lru_cache
from types import MappingProxyType
from typing import Any, Mapping

from pipeline.artifacts import UNKNOWN_SPEAKER, Flag, Labelled, Speaker, Utterance
from pipeline.config import CONFIG_DIR, DOC_LANGUAGES, ExportConfig
from pipeline.errors import ConfigError
from pipeline.timefmt import hms, mmss

Wording = Mapping[str, Any]


def exhibit_language(cfg: ExportConfig, recording_language: str) -> str:
    """The language of every output: the setting, or for "auto" Chinese for a Chinese recording and English
    for anything else."""
    if cfg.doc_language != "auto":
        return cfg.doc_language
    return "zh" if recording_language == "zh" else "en"


def _frozen(value: Any) -> Any:
    if isinstance(value, dict):
        return MappingProxyType({k: _frozen(v) for k, v in value.items()})
    if isinstance(value, list):
        return tuple(_frozen(v) for v in value)
    return value


@lru_cache(maxsize=None)
def load_wording(language: str) -> Wording:
    """The wording of configs/exhibit_<language>.toml (read-only); ConfigError if absent or malformed."""
    if language not in DOC_LANGUAGES:
        raise ConfigError(f"exhibit language must be one of {', '.join(DOC_LANGUAGES)}, not {language!r}")
    path = CONFIG_DIR / f"exhibit_{language}.toml"
    try:
        return _frozen(tomllib.loads(path.read_text(encoding="utf-8")))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"cannot read the exhibit wording {path}: {exc}") from exc


def speakers_by_id(labelled: Labelled) -> dict[str, Speaker]:
    return {s.id: s for s in labelled.speakers}


def speaker_label(speaker: Speaker, wording: Wording) -> str:
    """The name the user gave; else 说话人1 / Speaker 1 …; 未识别说话人 for lines no speaker was found for."""
    if speaker.name:
        return speaker.name
    if speaker.id == UNKNOWN_SPEAKER:
        return wording["speaker"]["unknown"]
    return wording["speaker"]["unnamed"].format(number=speaker.number)


def speaker_text(speaker: Speaker | None, wording: Wording, fallback: str = "") -> str:
    """张三（被告） / John Smith (Defendant); the label alone when no role is given."""
    if speaker is None:
        return fallback
    if not speaker.role:
        return speaker_label(speaker, wording)
    return wording["speaker"]["with_role"].format(label=speaker_label(speaker, wording), role=speaker.role)


def marks(utterance: Utterance, wording: Wording) -> list[str]:
    """The marks shown for an utterance's flags ([重叠] …), in flag order; flags without wording are not shown.
    A mark may hold {start} and {end} (mm:ss), as the inaudible one does: [听不清 01:05–01:09]."""
    return [wording["marks"][f].format(start=mmss(utterance.start), end=mmss(utterance.end))
            for f in utterance.flags if f in wording["marks"]]


def utterance_text(utterance: Utterance, speaker: Speaker | None, wording: Wording, with_time: bool) -> str:
    """One line as people read it: `[00:00:12] [重叠] 张三（被告）：text` (time only when with_time). A line with
    no text says so in its place: `说话人1：[听不清 01:05–01:09]`, or （无法辨认） when there is no such mark."""
    lead = [wording["speaker"]["time"].format(time=hms(utterance.start))] if with_time else []
    shown = marks(utterance, wording)
    text = utterance.text.strip()
    if not text:
        silent = marks(Utterance(utterance.id, utterance.speaker, utterance.start, utterance.end, "", (),
                                 tuple(f for f in utterance.flags if f == Flag.INAUDIBLE)), wording)
        shown = [m for m in shown if m not in silent]
        text = silent[0] if silent else wording["unintelligible"]
    lead += shown
    line = wording["speaker"]["line"].format(speaker=speaker_text(speaker, wording, fallback=utterance.speaker),
                                             text=text)
    return " ".join([*lead, line])
