"""Settings: frozen dataclasses loaded from configs/default.toml, the case file and command-line overrides.

Every section checks itself when it is made (types, allowed values, ranges), so a setting is refused in one
line the same way whether it comes from the settings file, an option or Python code."""

from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone, tzinfo
from pathlib import Path
from typing import Any, ClassVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pipeline.errors import ConfigError, Joined, Name, Phrase
from pipeline.locations import CONFIG_DIR, ROOT
from pipeline.sections import OUTSIDE_KEYS, Section, choice, number, read_toml, section_from
from pipeline.timefmt import in_zone

MODELS_DIR = ROOT / "models"

COMPUTE_TYPES = ("float32", "int8", "int8_float32", "int16", "float16", "int8_float16", "bfloat16",
                 "int8_bfloat16", "auto", "default")   # CTranslate2's quantization types
DEVICES = ("cpu", "cuda", "auto")
BACKENDS = ("local", "pyannote-pipeline")
CHANNELS = ("auto", "split", "mix")
SPLIT_NEEDS_TWO_CHANNELS = Phrase("split_needs_two_channels")   # raised as a ConfigError by the stages that need it
DOC_LANGUAGES = ("zh", "en")         # the languages the exhibit is written in (configs/exhibit_<lang>.toml)
HIGHLIGHTS = ("none", "inline")      # the transcript body plain, or key-fact words shaded in it too
# the sections the court copy may show besides the recording, speakers, notation, transcript and declaration
# (the counsel's working copy shows them all)
COURT_SECTIONS = ("timeline", "index", "coverage", "integrity", "method")
# what the court copy's particulars may disclose besides the file's identity and what the party states, each only
# when counsel chooses it ([export] court_discloses): the file's embedded tags (encoder, device), the file
# system's times, the dates in its metadata (the counsel copy shows them all)
DISCLOSURES = ("tags", "file_times", "metadata_dates")
EARLIEST_RECORDING = 1900              # a recorded_on before this year is a typing mistake
SECRET = "token"                     # a setting never written to the manifest


@dataclass(frozen=True)
class TranscribeConfig(Section):
    section: ClassVar[str] = "transcribe"

    model: str = "base"
    language: str = ""
    device: str = choice("cpu", "device", DEVICES)
    compute_type: str = choice("int8", "compute type", COMPUTE_TYPES)
    # how fast, not what: 1 and 2 threads gave identical transcripts of 4 eval clips (zh, en, AMI), so a
    # change of threads (or a batch worker's share of the cores) reuses the transcript
    cpu_threads: int = number(0, "threads", 0, 1024, outside_keys=True)
    beam_size: int = number(5, "beam size", 1)
    vad: bool = True
    # Silero VAD, one set of options for language detection, transcription and the speech regions
    vad_threshold: float = number(0.5, "VAD threshold", 0.0, 1.0)
    vad_min_speech_ms: int = number(0, "VAD shortest speech", 0)
    vad_min_silence_ms: int = number(2000, "VAD shortest silence", 0)
    vad_speech_pad_ms: int = number(400, "VAD padding", 0)
    initial_prompt_zh: str = ""
    # the case's terms (stages/rehear.py, keyed on the terms themselves, not on these settings: a change of them
    # never transcribes again): also the names in speakers.csv; names and terms, comma-separated ("张三,借条")
    names_as_hotwords: bool = field(default=True, metadata={OUTSIDE_KEYS: True})
    hotwords: str = field(default="", metadata={OUTSIDE_KEYS: True})   # --hotwords
    # the languages a stretch of speech may be heard in besides the file's, comma-separated; "" = the file's
    # language for all of it (stages.languages)
    languages: str = "zh,en"


@dataclass(frozen=True)
class DiarizeConfig(Section):
    section: ClassVar[str] = "diarize"

    backend: str = choice("local", "diarize backend", BACKENDS)
    num_speakers: int = number(0, "number of speakers", 0)
    min_speakers: int = number(1, "fewest speakers", 1)
    max_speakers: int = number(8, "most speakers", 1)
    pipeline: str = ""               # backend "pyannote-pipeline": a local folder with config.yaml, or a hub name
    token: str = field(default="", metadata={OUTSIDE_KEYS: True})   # hub token ("" = offline, local cache only)
    channels: str = choice("auto", "diarize channels", CHANNELS)   # "split": one speaker per channel

    def check(self) -> None:
        if self.min_speakers > self.max_speakers:
            raise ConfigError.keyed("speakers_range", fewest=self.min_speakers, most=self.max_speakers)
        if self.backend == "pyannote-pipeline" and not self.pipeline.strip():
            raise ConfigError("diarize backend pyannote-pipeline needs `pipeline` in [diarize]: a local folder "
                              "holding its config.yaml, or a hub name such as pyannote/speaker-diarization-community-1")


@dataclass(frozen=True)
class NormaliseConfig(Section):
    section: ClassVar[str] = "normalise"

    simplified: bool = True          # Traditional → Simplified (the model's own text is kept as raw_text)
    punctuation: bool = True         # Chinese punctuation: the model's ASCII marks full-width, marks added
    pause_seconds: float = number(0.4, "clause pause", 0.0)   # a pause this long between Chinese words: "，"
    hallucinations: str = "hallucinations.toml"   # phrases Whisper invents (relative to configs/, or absolute)

    @property
    def hallucinations_path(self) -> Path:
        return CONFIG_DIR / self.hallucinations


@dataclass(frozen=True)
class MergeConfig(Section):
    section: ClassVar[str] = "merge"

    max_pause: float = number(1.0, "longest pause in a line", 0.0)
    max_length: float = number(15.0, "longest line", 0.1)   # cut at sentence ends; one long sentence stays whole
    open_pause: float = number(3.0, "longest pause in an open sentence", 0.0)   # "……这是，" goes on over it
    low_confidence: float = number(0.4, "low-confidence threshold", 0.0, 1.0)


@dataclass(frozen=True)
class FactsConfig(Section):
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
                raise ConfigError.keyed("rule_file_missing", path=path)
        return dataclasses.replace(self, rule_files=self.rule_files + tuple(str(Path(p).expanduser().resolve())
                                                                            for p in extra))


@dataclass(frozen=True)
class ExportConfig(Section):
    section: ClassVar[str] = "export"

    doc_language: str = choice("auto", "exhibit language", ("auto", *DOC_LANGUAGES))
    highlight: str = choice("none", "highlight", HIGHLIGHTS)
    court_sections: tuple[str, ...] = ("timeline", "index", "coverage", "method")   # of COURT_SECTIONS
    court_discloses: tuple[str, ...] = ()                     # of DISCLOSURES
    counsel_only_categories: tuple[str, ...] = ("threat",)    # key-content categories kept out of the court copy

    def check(self) -> None:
        for key, allowed in (("court_sections", COURT_SECTIONS), ("court_discloses", DISCLOSURES)):
            unknown = [name for name in getattr(self, key) if name not in allowed]
            if unknown:
                raise ConfigError(f"{key.replace('_', ' ')} must be among {', '.join(allowed)}, not "
                                  f"{', '.join(map(repr, unknown))} ([export] {key})")


@dataclass(frozen=True)
class CaseConfig(Section):
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
    reviewed_by: str = ""       # who reviewed the transcript line by line (the review page, transcript.csv)
    review_method: str = ""     # how, as the reviewer states it: 逐句对照原始录音收听核对 ("" = not stated)
    time_zone: str = ""         # every time in the documents, in this zone: "Asia/Shanghai" ("" = this computer's)
    # what decides whether a recording is admissible, as counsel establishes it ("" = an open item in the
    # counsel copy, never assumed)
    recorder_took_part: str = ""    # did the recorder take part in the conversation (not eavesdropping on others)
    place_kind: str = ""            # private home / workplace / public place
    how_recorded: str = ""          # openly / secretly; no threat, coercion, restricted liberty or inducement
    privacy_or_secrets: str = ""    # content touching others' privacy or trade secrets
    carrier_holder: str = ""        # who holds the original device now
    carrier_sha256: str = ""        # sha256 of the file as it sits on the original device
    purpose_of_proof: str = ""      # 证明目的
    corroboration: str = ""         # the other evidence that corroborates it

    # what the documents need from the case file, in the order the closing lines of a run name them
    DETAILS: ClassVar[tuple[str, ...]] = ("case_name", "case_number", "exhibit_number", "submitting_party",
                                          "recorded_on", "recorded_place", "recorded_device", "recorded_by",
                                          "reviewed_by")
    # the admissibility points the counsel copy checks (each an open item until stated)
    CHECKS: ClassVar[tuple[str, ...]] = ("recorder_took_part", "place_kind", "how_recorded", "privacy_or_secrets",
                                         "recorded_device", "carrier_holder", "carrier_sha256", "purpose_of_proof",
                                         "corroboration")

    def check(self) -> None:
        moment = self.recorded_moment()
        if moment is not None:
            now = datetime.now(moment.tzinfo) if moment.tzinfo else datetime.now()
            if not EARLIEST_RECORDING <= moment.year or moment.date() > (now + timedelta(days=1)).date():
                raise ConfigError.keyed("recorded_on_impossible", value=self.recorded_on, earliest=EARLIEST_RECORDING)
        self.zone()
        digest = self.carrier_sha256.strip().lower()
        if digest and not (len(digest) == 64 and all(c in "0123456789abcdef" for c in digest)):
            raise ConfigError.keyed("carrier_sha256_bad", value=self.carrier_sha256)

    def zone(self) -> tzinfo:
        """The zone every time in the documents is shown in: time_zone, else this computer's."""
        name = self.time_zone.strip()
        if not name:
            return datetime.now().astimezone().tzinfo or timezone.utc
        try:
            return ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            raise ConfigError.keyed("time_zone_bad", value=self.time_zone) from None

    def recorded_moment(self) -> datetime | None:
        """recorded_on as a date and time (midnight when only the day is stated); None when not given."""
        text = self.recorded_on.strip()
        if not text:
            return None
        try:
            return datetime.fromisoformat(text)
        except ValueError:
            raise ConfigError.keyed("recorded_on_bad", value=self.recorded_on) from None

    def recorded_date(self) -> date | None:
        """The day of recorded_on (in the case's zone when it was stated with a zone, as the documents show it),
        None when not given."""
        moment = self.recorded_moment()
        if moment is None:
            return None
        return in_zone(moment, self.zone()).date()

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
        sections[f.name] = section_from(type(getattr(Settings(), f.name)), values, f"{where} [{f.name}]")
    return Settings(**sections)


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
            raise ConfigError.keyed("environment_not_number", name=name, value=value) from None
        except ConfigError as exc:
            raise ConfigError(f"{name}={value!r}: {str(exc).split(' ([')[0]}") from None
        found[key] = kind(value)
    return {"transcribe": found} if found else {}


def load_settings(path: Path | None = None, overrides: dict[str, dict[str, Any]] | None = None,
                  case_path: Path | None = None, rules: list[Path] | tuple[Path, ...] = ()) -> Settings:
    """Read the settings file (configs/default.toml by default), apply ENVIRONMENT, then the overrides
    {section: {key: value}}, and add the user's own key-fact rule files. The [case] section is the case as given
    for this run: the case file named (case_path, --case), then the overrides' case options; a run settles it
    with the case kept in the recording's folder (casefile.py), configs/case.toml being only the defaults of a
    new folder."""
    path = path or CONFIG_DIR / "default.toml"
    data = read_toml(path, Name("settings file"))
    if "case" in data:
        raise ConfigError.keyed("settings_with_case", name=path.name)
    if case_path is not None and not case_path.is_file():
        raise ConfigError.keyed("case_file_missing", path=case_path)
    data["case"] = read_case_data(case_path) if case_path else {}
    for given in (_from_environment(), overrides or {}):
        for section, values in given.items():
            data.setdefault(section, {}).update(values)
    sections = {}
    for f in dataclasses.fields(Settings):
        where = str(case_path) if f.name == "case" and case_path else f"{path.name} [{f.name}]"
        sections[f.name] = section_from(type(getattr(Settings(), f.name)), data.pop(f.name, {}), where)
    if data:
        raise ConfigError.keyed("unknown_sections", name=path.name, sections=Joined(tuple(sorted(data))))
    settings = Settings(**sections)
    if rules:
        settings = dataclasses.replace(settings, facts=settings.facts.with_rules(rules))
    return settings


BINDING = "recording_sha256"    # in a run folder's case.toml: the recording the case file was written for


def read_case_data(path: Path) -> dict[str, Any]:
    """A case file's values (the binding to a recording left out, see casefile.py); a date written as TOML's own
    date (recorded_on = 2024-06-18, unquoted) read as the text it stands for."""
    data = read_toml(path, Name("case file"))
    data.pop(BINDING, None)
    return {key: value.isoformat(sep=" ") if isinstance(value, datetime) else
            value.isoformat() if isinstance(value, date) else value for key, value in data.items()}

