"""The integrity screen's points in words: each point's sentence from the [integrity.details] templates of an
exhibit wording (`describe`), and integrity.json, where every point carries its English sentence (`detail`)
worded by configs/exhibit_en.toml, so that there is one English wording."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Mapping

from pipeline.artifacts import AudioAsset, Point
from pipeline.errors import ConfigError
from pipeline.export.wording import load_wording
from pipeline.fileio import write_text_atomic
from pipeline.stages.integrity import VERSION
from pipeline.timefmt import hms, hms_ms

KIND = "exhibit-integrity-screen"
STANDARD = "SF/T 0120-2022 录音真实性鉴定技术规范 (China); elsewhere the forensic audio authentication " \
           "practice the court's expert applies"
NOTICE = ("Points to check, not findings: each item below is something a forensic examiner would look at. "
          "None of them shows by itself that the recording was edited, and their absence does not show that "
          "it was not. Only an expert examination can decide that.")
DETAIL_LANGUAGE = "en"      # the exhibit wording that words `detail` in integrity.json
# how a number among the values is shown in a sentence (times in the recording as hh:mm:ss.mmm); a value with a
# start also gives {time} (hh:mm:ss)
NUMBER_FORMATS = {"start": hms_ms, "end": hms_ms, "ms": "{:.0f}".format, "declared": "{:.2f}".format,
                  "decoded": "{:.2f}".format, "gap": "{:+.2f}".format}


def describe(kind: str, values: Mapping[str, str | float], templates: Mapping[str, str]) -> str:
    """The sentence for a point from templates (an exhibit wording's [integrity.details], keyed by kind), its
    numbers as NUMBER_FORMATS shows them; "" when the templates have none for this kind."""
    shown = {key: NUMBER_FORMATS[key](value) if key in NUMBER_FORMATS and not isinstance(value, str)
             else str(value) for key, value in values.items()}
    if "start" in values and not isinstance(values["start"], str):
        shown["time"] = hms(values["start"])
    template = templates.get(kind, "")
    try:
        return template.format_map(shown)
    except (KeyError, IndexError, ValueError) as exc:
        raise ConfigError(f"[integrity.details] {kind} = {template!r} asks for a value the screen does not give "
                          f"({exc}); it can use {', '.join('{' + k + '}' for k in shown)}") from exc


def detail(point: Point) -> str:
    """The point's English sentence (configs/exhibit_en.toml); for a kind the wording does not know, the kind and
    its values as they are."""
    worded = describe(point.kind, point.values, load_wording(DETAIL_LANGUAGE)["integrity"]["details"])
    return worded or f"{point.kind}: " + ", ".join(f"{key}={value}" for key, value in point.values.items())


def integrity_document(asset: AudioAsset, points: tuple[Point, ...]) -> dict:
    listed = [{"check": p.check, "kind": p.kind, "values": dict(p.values), "detail": detail(p), "start": p.start,
               "end": p.end} for p in points]
    return {"kind": KIND, "version": VERSION, "original": asset.file_name, "sha256": asset.sha256,
            "standard": STANDARD, "notice": NOTICE, "points": listed}


def write_integrity_json(path: Path, asset: AudioAsset, points: tuple[Point, ...]) -> None:
    write_text_atomic(path, json.dumps(integrity_document(asset, points), ensure_ascii=False, indent=1))
