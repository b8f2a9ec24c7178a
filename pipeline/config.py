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
    recorded_on: str = ""       # YYYY-MM-DD; overrides the date in the file's tags (resolves 去年12月20号)


@dataclass(frozen=True)
class ExportConfig:
    doc_language: str = "auto"
    highlight: str = "none"     # "none": the transcript body is plain; "inline": matched words shaded there too


@dataclass(frozen=True)
class Settings:
    transcribe: TranscribeConfig = TranscribeConfig()
    diarize: DiarizeConfig = DiarizeConfig()
    merge: MergeConfig = MergeConfig()
    facts: FactsConfig = FactsConfig()
    export: ExportConfig = ExportConfig()


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


def load_settings(path: Path | None = None, overrides: dict[str, dict[str, Any]] | None = None) -> Settings:
    """Read the settings file (configs/default.toml by default) and apply overrides {section: {key: value}}."""
    path = path or CONFIG_DIR / "default.toml"
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"cannot read settings file {path}: {exc}") from exc
    for section, values in (overrides or {}).items():
        data.setdefault(section, {}).update(values)
    sections = {}
    for f in dataclasses.fields(Settings):
        sections[f.name] = _section(type(getattr(Settings(), f.name)), data.pop(f.name, {}), f"{path.name} [{f.name}]")
    if data:
        raise ConfigError(f"{path.name}: unknown section(s) {', '.join(sorted(data))}")
    return Settings(**sections)


def config_hash(section: Any) -> str:
    """A stable hash of one settings section, part of each stage's cache key."""
    text = json.dumps(dataclasses.asdict(section), sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
