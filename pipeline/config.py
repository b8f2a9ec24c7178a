"""Settings: frozen dataclasses loaded from configs/default.toml plus command-line overrides."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pipeline.errors import ConfigError

ROOT = Path(__file__).resolve().parent.parent
CONFIG_DIR = ROOT / "configs"
MODELS_DIR = ROOT / "models"


@dataclass(frozen=True)
class TranscribeConfig:
    model: str = "base"
    language: str = ""
    device: str = "cpu"
    compute_type: str = "float32"
    cpu_threads: int = 0
    beam_size: int = 5
    vad: bool = True
    initial_prompt_zh: str = ""
    names_as_hotwords: bool = False  # also listen for the names in speakers.csv (re-transcribes after naming)
    hotwords: str = ""          # names and terms to listen for, comma-separated ("张三,李四,借条"); --hotwords


@dataclass(frozen=True)
class DiarizeConfig:
    backend: str = "local"
    num_speakers: int = 0
    min_speakers: int = 1
    max_speakers: int = 8
    pipeline: str = ""               # backend "pyannote-pipeline": a local folder with config.yaml, or a hub name
    token: str = ""                  # hub token for that pipeline ("" = offline, local cache only)
    channels: str = "auto"           # "auto" | "split" (one speaker per channel) | "mix"


@dataclass(frozen=True)
class MergeConfig:
    max_pause: float = 1.0
    max_length: float = 30.0
    low_confidence: float = 0.4


@dataclass(frozen=True)
class FactsConfig:
    rule_files: tuple[str, ...] = ("rules/zh.toml", "rules/en.toml")


@dataclass(frozen=True)
class ExportConfig:
    doc_language: str = "auto"
    highlight: str = "none"     # "none": the transcript body is plain; "inline": matched words shaded there too


@dataclass(frozen=True)
class CaseConfig:
    """The case this recording is evidence in, as the user states it (configs/case.toml or --case FILE); every
    field optional. Shown on the exhibit only, except recorded_on, which also resolves 去年12月20号."""

    case_name: str = ""         # 张三诉李四民间借贷纠纷
    case_number: str = ""       # （2025）京0105民初1234号
    exhibit_number: str = ""    # 证据3 / Exhibit 3
    submitting_party: str = ""  # 原告 张三
    recorded_on: str = ""       # YYYY-MM-DD; "" = the date in the file's tags, if any
    recorded_place: str = ""
    recorded_device: str = ""   # the original carrier (原始载体): 华为 Mate 40 手机
    recorded_by: str = ""
    reviewed_by: str = ""       # who checked the transcript against the recording


@dataclass(frozen=True)
class Settings:
    transcribe: TranscribeConfig = TranscribeConfig()
    diarize: DiarizeConfig = DiarizeConfig()
    merge: MergeConfig = MergeConfig()
    facts: FactsConfig = FactsConfig()
    export: ExportConfig = ExportConfig()
    case: CaseConfig = CaseConfig()


def _section(cls: type, data: dict[str, Any], where: str) -> Any:
    known = {f.name: f for f in dataclasses.fields(cls)}
    unknown = sorted(set(data) - set(known))
    if unknown:
        raise ConfigError(f"{where}: unknown setting(s) {', '.join(unknown)}")
    values = {}
    for name, value in data.items():
        default = getattr(cls(), name)
        if isinstance(default, tuple):
            value = tuple(value)
        elif isinstance(default, float) and isinstance(value, int) and not isinstance(value, bool):
            value = float(value)
        if type(value) is not type(default):
            raise ConfigError(f"{where}: {name} should be a {type(default).__name__}, not {value!r}")
        values[name] = value
    return cls(**values)


def _read_toml(path: Path, what: str) -> dict[str, Any]:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else exc
        raise ConfigError(f"cannot read {what} {path}: {reason}") from exc


def load_settings(path: Path | None = None, overrides: dict[str, dict[str, Any]] | None = None,
                  case_path: Path | None = None) -> Settings:
    """Read the settings file (configs/default.toml by default) and the case file (its keys are the [case]
    section; configs/case.toml by default, where a missing file means an empty case), then apply overrides
    {section: {key: value}}."""
    path = path or CONFIG_DIR / "default.toml"
    data = _read_toml(path, "settings file")
    if "case" in data:
        raise ConfigError(f"{path.name}: the case is described in a case file (configs/case.toml), not [case]")
    case_file = case_path or CONFIG_DIR / "case.toml"
    data["case"] = _read_toml(case_file, "case file") if case_path or case_file.is_file() else {}
    for section, values in (overrides or {}).items():
        data.setdefault(section, {}).update(values)
    sections = {}
    for f in dataclasses.fields(Settings):
        where = case_file.name if f.name == "case" else f"{path.name} [{f.name}]"
        sections[f.name] = _section(type(getattr(Settings(), f.name)), data.pop(f.name, {}), where)
    if data:
        raise ConfigError(f"{path.name}: unknown section(s) {', '.join(sorted(data))}")
    return Settings(**sections)


def config_hash(section: Any) -> str:
    """A stable hash of one settings section, part of each stage's cache key."""
    text = json.dumps(dataclasses.asdict(section), sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
