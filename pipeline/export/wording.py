"""The exhibit's wording (configs/exhibit_zh.toml, exhibit_en.toml) and the one way a speaker and a line are
shown to a person, shared by the Word, subtitle, table, JSON and timeline writers: every output of a run is in
the exhibit's language (exhibit_language)."""

from __future__ import annotations

import os
import re
import tomllib
from functools import lru_cache
from types import MappingProxyType
from typing import Any, Mapping

from pathlib import Path

from pipeline.artifactio import load
from pipeline.artifacts import UNKNOWN_SPEAKER, Flag, Labelled, Speaker, Utterance
from pipeline.config import DOC_LANGUAGES, ExportConfig, settings_from_record
from pipeline.errors import ConfigError, PipelineError
from pipeline.export.manifest import read_manifest
from pipeline.locations import CONFIG_DIR, wording_file
from pipeline.rundir import RunDir
from pipeline.timefmt import hms

Wording = Mapping[str, Any]
_AMOUNT = re.compile(r"(?P<number>\d+(?:\.\d+)?)(?P<more>\+)? (?P<code>[A-Z]{3})")
_DAY = re.compile(r"(?:(\d{4})-)?(\d{2})(?:-(\d{2}))?")      # 2025-03-05, 2025-03, 03-05
_CLOCK = re.compile(r"\d{2}:\d{2}")


def exhibit_language(cfg: ExportConfig, recording_language: str) -> str:
    """The language of every output: the setting, or for "auto" Chinese for a Chinese recording and English
    for anything else."""
    if cfg.doc_language != "auto":
        return cfg.doc_language
    return "zh" if recording_language == "zh" else "en"


def user_language(given: str = "") -> str:
    """The language to speak to the person at this computer in: `given` when it is one the wording files hold (a
    document language: --doc-language, a run folder's exhibit), else the locale's (LC_ALL, LC_MESSAGES, LANG, the
    first set): Chinese for zh…, English for anything else."""
    if given in DOC_LANGUAGES:
        return given
    locale = next((os.environ[name] for name in ("LC_ALL", "LC_MESSAGES", "LANG") if os.environ.get(name)), "")
    return "zh" if locale.lower().startswith("zh") else "en"


def folder_language(root: Path) -> str:
    """The exhibit language of a finished run folder (as its manifest's settings and its lines make it); "" when
    the folder cannot say (not finished, damaged)."""
    folder = RunDir(Path(root))
    try:
        export = settings_from_record(read_manifest(folder.manifest).settings).export
    except (OSError, ValueError, KeyError, TypeError, AttributeError, PipelineError):
        return ""
    if export.doc_language != "auto":
        return export.doc_language
    lines = load(Labelled, folder.artifact("review"))
    return exhibit_language(export, lines.language) if lines is not None else ""


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
    try:
        return _frozen(wording_file(language))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"cannot read the exhibit wording {CONFIG_DIR / f'exhibit_{language}.toml'}: {exc}") from exc


def draft_reasons(why: dict[str, int], total: int, wording: Wording) -> list[str]:
    """Why a court copy is a draft (review.unfinished's `why`, of `total` lines), one phrase a reason."""
    reasons = [wording["draft_unchecked"].format(unchecked=why["unchecked"], total=total)] if "unchecked" in why else []
    if "no_reviewer" in why:
        reasons.append(wording["draft_no_reviewer"])
    if "conflicts" in why:
        reasons.append(wording["draft_conflicts"].format(count=why["conflicts"]))
    return reasons


def speakers_by_id(labelled: Labelled) -> dict[str, Speaker]:
    return {s.id: s for s in labelled.speakers}


def speaker_label(speaker: Speaker, wording: Wording) -> str:
    """The name the user gave; else 说话人1 / Speaker 1 …; 未识别说话人 for lines no speaker was found for."""
    if speaker.name:
        return speaker.name
    if speaker.id == UNKNOWN_SPEAKER:
        return wording["speaker"]["unknown"]
    return wording["speaker"]["unnamed"].format(number=speaker.number)


def number_label(speaker: Speaker, wording: Wording) -> str:
    """说话人3 / Speaker 3: the speaker's fixed number, named or not; 未识别说话人 for lines with no speaker."""
    if speaker.id == UNKNOWN_SPEAKER or not speaker.number:
        return wording["speaker"]["unknown"]
    return wording["speaker"]["unnamed"].format(number=speaker.number)


def speaker_text(speaker: Speaker | None, wording: Wording, fallback: str = "") -> str:
    """张三（被告） / John Smith (Defendant); the label alone when no role is given."""
    if speaker is None:
        return fallback
    if not speaker.role:
        return speaker_label(speaker, wording)
    return wording["speaker"]["with_role"].format(label=speaker_label(speaker, wording), role=speaker.role)


def amount_text(value: str, wording: Wording) -> str:
    """A normalised amount as a court writes it: '50000 CNY' → 人民币 50,000 元 / CNY 50,000; '20000+ CNY' (两万多)
    → 人民币 20,000 余元 / over CNY 20,000; the value as it is when it is not one."""
    match = _AMOUNT.fullmatch(value.strip())
    if not match:
        return value
    whole, _, fraction = match["number"].partition(".")
    number = f"{int(whole):,}" + (f".{fraction}" if fraction else "")
    formats = wording["formats"]
    template = formats["amount_more"] if match["more"] else formats["amount"]
    return template.format(currency=wording["currencies"].get(match["code"], match["code"]), amount=number)


def date_value_text(value: str, wording: Wording) -> str:
    """A normalised date as the document's language writes dates: '2025-03-05' → 2025年3月5日, '2024-05' →
    2024年5月, '03-05' → 3月5日, with a time of day after it ('2025-03-05 15:30' → 2025年3月5日 15:30), a time
    alone as it is ('15:30'); a phrase kept as said (下个月十五号) as it is."""
    day, _, clock = value.strip().partition(" ")
    if _CLOCK.fullmatch(day) and not clock:
        return day
    match = _DAY.fullmatch(day)
    if not match or (clock and not _CLOCK.fullmatch(clock)):
        return value
    formats = wording["formats"]
    year, month, date = (int(g) if g else None for g in match.groups())
    if year and date:
        shown = formats["date"].format(year=year, month=month, day=date)
    elif year:
        shown = formats["year_month"].format(year=year, month=month)
    elif date:
        shown = formats["month_day"].format(month=month, day=date)
    else:
        return value
    return f"{shown} {clock}" if clock else shown


def value_text(category: str, value: str, wording: Wording, computed: bool = False) -> str:
    """A key fact's normalised value as the documents show it; one worked out from the recording date marked so
    (2024年7月15日（推算）)."""
    if category == "amount":
        return amount_text(value, wording)
    if category == "date":
        shown = date_value_text(value, wording)
        return computed_text(shown, wording) if computed else shown
    return value


def computed_text(value: str, wording: Wording) -> str:
    """A value marked as worked out from the recording date, not said: 2024-07-15（推算） / 2024-07-15 (computed)."""
    return wording["formats"]["computed"].format(value=value)


def marks(utterance: Utterance, wording: Wording) -> list[str]:
    """The marks shown for an utterance's flags ([重叠] …), in flag order; flags without wording are not shown.
    A mark may hold {start} and {end} (hh:mm:ss), as the inaudible one does: [听不清 00:01:05–00:01:09]."""
    return [wording["marks"][f].format(start=hms(utterance.start), end=hms(utterance.end))
            for f in utterance.flags if f in wording["marks"]]


def utterance_text(utterance: Utterance, speaker: Speaker | None, wording: Wording, with_time: bool) -> str:
    """One line as people read it: `[00:00:12] [重叠] 张三（被告）：text` (time only when with_time). A line with
    no text says so in its place: `说话人1：[听不清 00:01:05–00:01:09]`, or （无法辨认） when there is no such mark."""
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
