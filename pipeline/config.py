"""Settings: frozen dataclasses loaded from configs/default.toml, the case file and command-line overrides.

Every section checks itself when it is made (types, allowed values, ranges), so a setting is refused in one
line the same way whether it comes from the settings file, an option or Python code."""

from __future__ import annotations

import dataclasses
import os
import tomllib
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any, ClassVar

from pipeline.controls import find_control
from pipeline.errors import ConfigError

ROOT = Path(__file__).resolve().parent.parent
CONFIG_DIR = ROOT / "configs"
MODELS_DIR = ROOT / "models"

COMPUTE_TYPES = ("float32", "int8", "int8_float32", "int16", "float16", "int8_float16", "bfloat16",
                 "int8_bfloat16", "auto", "default")   # CTranslate2's quantization types
DEVICES = ("cpu", "cuda", "auto")
BACKENDS = ("local", "pyannote-pipeline")
CHANNELS = ("auto", "split", "mix")
SPLIT_NEEDS_TWO_CHANNELS = ("channels = split needs a recording with two channels (one side of the call on each); "
                            "this recording has one: use channels = auto or mix")
DOC_LANGUAGES = ("zh", "en")         # the languages the exhibit is written in (configs/exhibit_<lang>.toml)
HIGHLIGHTS = ("none", "inline")      # the transcript body plain, or key-fact words shaded in it too
# the sections the court copy may show besides the recording, speakers, notation, transcript and declaration
# (the counsel's working copy shows them all)
COURT_SECTIONS = ("timeline", "index", "coverage", "integrity", "method")
SECRET = "token"                     # a setting never written to the manifest


def _choice(default: str, label: str, options: tuple[str, ...]) -> Any:
    return field(default=default, metadata={"label": label, "choices": options})


def _number(default: float, label: str, low: float | None = None, high: float | None = None,
            **more: Any) -> Any:
    return field(default=default, metadata={"label": label, "low": low, "high": high, **more})


OUTSIDE_KEYS = "outside_keys"   # metadata: a setting that does not change what a stage makes (left out of keys)


class _Section:
    """Checks a settings section when it is made: each value's type, its allowed values and range."""

    section: ClassVar[str] = ""      # its name in the settings file: [transcribe]

    def __post_init__(self) -> None:
        section = self.section
        for f in dataclasses.fields(self):
            value, default = getattr(self, f.name), f.default
            where = f"[{section}] {f.name}"
            if not _same_type(value, default):
                raise ConfigError(f"{where} should be a {type(default).__name__}, not {value!r}")
            label = f.metadata.get("label", f.name)
            for text in (value,) if isinstance(value, str) else value if isinstance(value, tuple) else ():
                if found := find_control(text):
                    raise ConfigError(f"{label} holds {found}: remove it ({where})")
            options = f.metadata.get("choices")
            if options and value not in options:
                raise ConfigError(f"{label} must be one of {', '.join(options)}, not {value!r} ({where})")
            low, high = f.metadata.get("low"), f.metadata.get("high")
            if (low is not None and value < low) or (high is not None and value > high):
                bounds = f"at least {low:g}" if high is None else f"between {low:g} and {high:g}"
                raise ConfigError(f"{label} must be {bounds}, not {value!r} ({where})")
        self.check()

    def check(self) -> None:
        """Rules between the fields of one section."""


def _same_type(value: Any, default: Any) -> bool:
    if isinstance(default, bool) or isinstance(value, bool):
        return type(value) is type(default)
    if isinstance(default, float):
        return isinstance(value, (int, float))
    if isinstance(default, tuple):
        return isinstance(value, tuple) and all(isinstance(v, str) for v in value)
    return type(value) is type(default)


@dataclass(frozen=True)
class TranscribeConfig(_Section):
    section: ClassVar[str] = "transcribe"

    model: str = "base"
    language: str = ""
    device: str = _choice("cpu", "device", DEVICES)
    compute_type: str = _choice("int8", "compute type", COMPUTE_TYPES)
    # how fast, not what: 1 and 2 threads gave identical transcripts of 4 eval clips (zh, en, AMI), so a
    # change of threads (or a batch worker's share of the cores) reuses the transcript
    cpu_threads: int = _number(0, "threads", 0, 1024, outside_keys=True)
    beam_size: int = _number(5, "beam size", 1)
    vad: bool = True
    # Silero VAD, one set of options for language detection, transcription and the speech regions
    vad_threshold: float = _number(0.5, "VAD threshold", 0.0, 1.0)
    vad_min_speech_ms: int = _number(0, "VAD shortest speech", 0)
    vad_min_silence_ms: int = _number(2000, "VAD shortest silence", 0)
    vad_speech_pad_ms: int = _number(400, "VAD padding", 0)
    initial_prompt_zh: str = ""
    names_as_hotwords: bool = False  # also listen for the names in speakers.csv (re-transcribes after naming)
    hotwords: str = ""          # names and terms to listen for, comma-separated ("张三,李四,借条"); --hotwords


@dataclass(frozen=True)
class DiarizeConfig(_Section):
    section: ClassVar[str] = "diarize"

    backend: str = _choice("local", "diarize backend", BACKENDS)
    num_speakers: int = _number(0, "number of speakers", 0)
    min_speakers: int = _number(1, "fewest speakers", 1)
    max_speakers: int = _number(8, "most speakers", 1)
    pipeline: str = ""               # backend "pyannote-pipeline": a local folder with config.yaml, or a hub name
    token: str = field(default="", metadata={OUTSIDE_KEYS: True})   # hub token ("" = offline, local cache only)
    channels: str = _choice("auto", "diarize channels", CHANNELS)   # "split": one speaker per channel

    def check(self) -> None:
        if self.min_speakers > self.max_speakers:
            raise ConfigError(f"[diarize] min_speakers ({self.min_speakers}) is more than max_speakers "
                              f"({self.max_speakers})")
        if self.backend == "pyannote-pipeline" and not self.pipeline.strip():
            raise ConfigError("diarize backend pyannote-pipeline needs `pipeline` in [diarize]: a local folder "
                              "holding its config.yaml, or a hub name such as pyannote/speaker-diarization-community-1")


@dataclass(frozen=True)
class NormaliseConfig(_Section):
    section: ClassVar[str] = "normalise"

    simplified: bool = True          # Traditional → Simplified (the model's own text is kept as raw_text)
    punctuation: bool = True         # Chinese punctuation: the model's ASCII marks full-width, marks added
    pause_seconds: float = _number(0.4, "clause pause", 0.0)   # a pause this long between Chinese words: "，"
    hallucinations: str = "hallucinations.toml"   # phrases Whisper invents (relative to configs/, or absolute)

    @property
    def hallucinations_path(self) -> Path:
        return CONFIG_DIR / self.hallucinations


@dataclass(frozen=True)
class MergeConfig(_Section):
    section: ClassVar[str] = "merge"

    max_pause: float = _number(1.0, "longest pause in a line", 0.0)
    max_length: float = _number(15.0, "longest line", 0.1)   # cut at sentence ends; one long sentence stays whole
    open_pause: float = _number(3.0, "longest pause in an open sentence", 0.0)   # "……这是，" goes on over it
    low_confidence: float = _number(0.4, "low-confidence threshold", 0.0, 1.0)


@dataclass(frozen=True)
class FactsConfig(_Section):
    section: ClassVar[str] = "facts"

    rule_files: tuple[str, ...] = ("rules/zh.toml", "rules/en.toml")

    @property
    def paths(self) -> list[Path]:
        """The rule files: relative to configs/, or absolute (a user's own file given with --rules)."""
        return [CONFIG_DIR / f for f in self.rule_files]

    def with_rules(self, extra: list[Path] | tuple[Path, ...]) -> FactsConfig:
        """These settings with the user's own rule files added after the shipped ones."""
        for path in extra:
            if not Path(path).is_file():
                raise ConfigError(f"{path}: no such rule file (--rules)")
        return dataclasses.replace(self, rule_files=self.rule_files + tuple(str(Path(p).expanduser().resolve())
                                                                            for p in extra))


@dataclass(frozen=True)
class ExportConfig(_Section):
    section: ClassVar[str] = "export"

    doc_language: str = _choice("auto", "exhibit language", ("auto", *DOC_LANGUAGES))
    highlight: str = _choice("none", "highlight", HIGHLIGHTS)
    court_sections: tuple[str, ...] = ("timeline", "index", "coverage", "method")   # of COURT_SECTIONS

    def check(self) -> None:
        unknown = [name for name in self.court_sections if name not in COURT_SECTIONS]
        if unknown:
            raise ConfigError(f"court sections must be among {', '.join(COURT_SECTIONS)}, not "
                              f"{', '.join(map(repr, unknown))} ([export] court_sections)")


@dataclass(frozen=True)
class CaseConfig(_Section):
    """The case this recording is evidence in, as the user states it (configs/case.toml or --case FILE); every
    field optional. Shown on the documents only, as stated by the submitting party, except recorded_on, which
    also resolves 去年12月20号."""

    section: ClassVar[str] = "case"

    case_name: str = ""         # 张三诉李四民间借贷纠纷
    case_number: str = ""       # （2025）京0105民初1234号
    exhibit_number: str = ""    # 证据3 / Exhibit 3
    submitting_party: str = ""  # 原告 张三
    recorded_on: str = ""       # YYYY-MM-DD, with the time of day when known (2025-03-05 15:30); "" = not stated
    recorded_place: str = ""
    recorded_device: str = ""   # the original carrier (原始载体): 华为 Mate 40 手机
    recorded_by: str = ""
    reviewed_by: str = ""       # who checked the transcript against the recording

    # what the documents need from the case file, in the order the closing lines of a run name them
    DETAILS: ClassVar[tuple[str, ...]] = ("case_name", "case_number", "exhibit_number", "submitting_party",
                                          "recorded_on", "recorded_place", "recorded_device", "recorded_by",
                                          "reviewed_by")

    def check(self) -> None:
        self.recorded_moment()

    def recorded_moment(self) -> datetime | None:
        """recorded_on as a date and time (midnight when only the day is stated); None when not given."""
        text = self.recorded_on.strip()
        if not text:
            return None
        try:
            return datetime.fromisoformat(text)
        except ValueError:
            raise ConfigError(f"recorded date {self.recorded_on!r} is not a date written YYYY-MM-DD, with the time "
                              "of day if known (e.g. 2025-03-05 or 2025-03-05 15:30)") from None

    def recorded_date(self) -> date | None:
        """The day of recorded_on, None when not given."""
        moment = self.recorded_moment()
        return moment.date() if moment else None

    def missing(self) -> tuple[str, ...]:
        """The case details not stated yet (field names, in DETAILS order)."""
        return tuple(name for name in self.DETAILS if not getattr(self, name).strip())


@dataclass(frozen=True)
class Settings:
    transcribe: TranscribeConfig = TranscribeConfig()
    diarize: DiarizeConfig = DiarizeConfig()
    normalise: NormaliseConfig = NormaliseConfig()
    merge: MergeConfig = MergeConfig()
    facts: FactsConfig = FactsConfig()
    export: ExportConfig = ExportConfig()
    case: CaseConfig = CaseConfig()

    def value(self, name: str) -> Any:
        """A section ("merge") or one setting ("case.recorded_on") as JSON-ready data, for a stage's cache key:
        without the settings that do not change what a stage makes (the threads it runs on, a hub token)."""
        section, _, key = name.partition(".")
        found = getattr(self, section)
        if key:
            return getattr(found, key)
        return {f.name: getattr(found, f.name) for f in dataclasses.fields(found)
                if not f.metadata.get(OUTSIDE_KEYS)}

    def public(self) -> dict[str, Any]:
        """Every setting as JSON-ready data, secrets (a hub token) left out: what the manifest records."""
        data = dataclasses.asdict(self)
        for section in data.values():
            if section.get(SECRET):
                section[SECRET] = "(set, not recorded)"
        return data


def settings_from_record(data: dict[str, Any], where: str = "manifest.json") -> Settings:
    """The settings a run recorded (RunManifest.settings), to make its documents again with them; a secret left
    out of the record comes back empty."""
    sections = {}
    for f in dataclasses.fields(Settings):
        values = {k: v for k, v in dict(data.get(f.name, {})).items() if k != SECRET}
        sections[f.name] = _section(type(getattr(Settings(), f.name)), values, f"{where} [{f.name}]")
    return Settings(**sections)


def _section(cls: type, data: dict[str, Any], where: str) -> Any:
    known = {f.name: f for f in dataclasses.fields(cls)}
    unknown = sorted(set(data) - set(known))
    if unknown:
        raise ConfigError(f"{where}: unknown setting(s) {', '.join(unknown)}")
    values = {}
    for name, value in data.items():
        default = known[name].default
        if isinstance(default, tuple) and isinstance(value, list):
            value = tuple(value)
        elif isinstance(default, float) and isinstance(value, int) and not isinstance(value, bool):
            value = float(value)
        if not _same_type(value, default):
            raise ConfigError(f"{where}: {name} should be a {type(default).__name__}, not {value!r}")
        values[name] = value
    return cls(**values)


def _read_toml(path: Path, what: str) -> dict[str, Any]:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else exc
        raise ConfigError(f"cannot read {what} {path}: {reason}") from exc


# [transcribe] settings that change what the models compute, also taken from the environment for every command
# (a run or the whole test suite with another compute type or thread count, the kind of difference another CPU
# makes); the settings file is read first, a command-line option wins.
ENVIRONMENT = {"EXHIBIT_COMPUTE_TYPE": ("compute_type", str), "EXHIBIT_CPU_THREADS": ("cpu_threads", int)}


def _from_environment() -> dict[str, dict[str, Any]]:
    """ENVIRONMENT's values that are set, each checked as its section checks it; a bad one names the variable."""
    found: dict[str, Any] = {}
    for name, (key, kind) in ENVIRONMENT.items():
        value = os.environ.get(name, "").strip()
        if not value:
            continue
        try:
            TranscribeConfig(**{key: kind(value)})
        except ValueError:
            raise ConfigError(f"{name} must be a whole number, not {value!r}") from None
        except ConfigError as exc:
            raise ConfigError(f"{name}={value!r}: {str(exc).split(' ([')[0]}") from None
        found[key] = kind(value)
    return {"transcribe": found} if found else {}


def load_settings(path: Path | None = None, overrides: dict[str, dict[str, Any]] | None = None,
                  case_path: Path | None = None, rules: list[Path] | tuple[Path, ...] = ()) -> Settings:
    """Read the settings file (configs/default.toml by default) and the case file (its keys are the [case]
    section; configs/case.toml by default, where a missing file means an empty case), apply ENVIRONMENT, then
    the overrides {section: {key: value}}, and add the user's own key-fact rule files."""
    path = path or CONFIG_DIR / "default.toml"
    data = _read_toml(path, "settings file")
    if "case" in data:
        raise ConfigError(f"{path.name}: the case is described in a case file (configs/case.toml), not [case]")
    if case_path is not None and not case_path.is_file():
        raise ConfigError(f"cannot read case file {case_path}: no such case file (--case)")
    case_file = case_path or CONFIG_DIR / "case.toml"
    data["case"] = _read_toml(case_file, "case file") if case_path or case_file.is_file() else {}
    for given in (_from_environment(), overrides or {}):
        for section, values in given.items():
            data.setdefault(section, {}).update(values)
    sections = {}
    for f in dataclasses.fields(Settings):
        where = case_file.name if f.name == "case" else f"{path.name} [{f.name}]"
        sections[f.name] = _section(type(getattr(Settings(), f.name)), data.pop(f.name, {}), where)
    if data:
        raise ConfigError(f"{path.name}: unknown section(s) {', '.join(sorted(data))}")
    settings = Settings(**sections)
    if rules:
        settings = dataclasses.replace(settings, facts=settings.facts.with_rules(rules))
    return settings

