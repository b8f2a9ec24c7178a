"""The case kept with the recording: out/<name>/case.toml.

The first run writes the case details given (a case file with --case, options such as --exhibit) over the
defaults of configs/case.toml into the recording's folder; every later run, the review page's and `exhibit
package`'s read it there, and a detail given again with another value replaces it there (the run says so).
configs/case.toml is only the defaults of a new folder, so nothing of one case reaches another recording's
folder; the folder's case file names the recording it was written for (its sha256) and is refused for another.
A detail is cleared by editing case.toml (an option left out never clears one)."""

from __future__ import annotations

import dataclasses
import json
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

from pipeline.config import BINDING, CONFIG_DIR, CaseConfig, read_case_data, section_from
from pipeline.errors import ConfigError, Name, Phrase, PipelineError
from pipeline.fileio import sha256_file, write_text_atomic
from pipeline.rundir import RunDir

DEFAULTS = CONFIG_DIR / "case.toml"     # the defaults of a new folder, and the template of every case file
KEY_LINE = re.compile(r'^(?P<key>[a-z_0-9]+)(?P<eq>\s*=\s*)"(?:[^"\\]|\\.)*"(?P<rest>.*)$')
HEADER = ("# 本录音的案件信息：每次运行 exhibit 都从这里读取；运行时给出的新值会写入这里（并在运行结束时说明）。\n"
          "# 清空某一项：在这里改成 \"\"。\n"
          "# The case of this recording: every run reads it here; a value given to a run is written here (and the\n"
          "# run says so). To clear a detail, set it to \"\" here.\n")


@dataclass(frozen=True)
class Change:
    field: str
    before: str
    after: str


@dataclass(frozen=True)
class Settled:
    case: CaseConfig
    changes: tuple[Change, ...]      # what this run changes in the folder's case file (none for a new folder)
    read: str                        # the sha256 of the folder's case file as read ("" when there was none)


def case_from_file(path: Path) -> CaseConfig:
    """A case file as a checked CaseConfig; an error names the file."""
    try:
        return section_from(CaseConfig, read_case_data(path), str(path))
    except ConfigError as exc:
        if str(path) in str(exc):
            raise
        raise ConfigError.keyed("in_file", path=path, message=exc.phrase or str(exc)) from None


def default_case() -> CaseConfig:
    """configs/case.toml (an empty case when it is not there)."""
    return case_from_file(DEFAULTS) if DEFAULTS.is_file() else CaseConfig()


def bound_to(path: Path) -> str:
    """The sha256 of the recording a case file was written for ("" when it names none)."""
    try:
        value = tomllib.loads(path.read_text(encoding="utf-8")).get(BINDING, "")
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError.keyed("cannot_read", what=Name("case file"), path=path, reason=str(exc)) from exc
    return value if isinstance(value, str) else ""


def refuse_for_another(path: Path, sha256: str, advice: Phrase | None = None) -> None:
    """A case file that names another recording than `sha256`: its details were made for that one. advice: what
    to do instead (for a case file given with --case: copy its details without the binding)."""
    bound = bound_to(path)
    if bound and bound != sha256:
        advice = advice or Phrase("case_advice_copy", {"binding": BINDING})
        raise PipelineError.keyed("case_for_another", path=path, sha256=bound[:12], advice=advice)


def refuse_for_batch(path: Path) -> None:
    """A folder of recordings shares the case file given (--case): one written for a single recording is not it."""
    if bound_to(path):
        raise PipelineError.keyed("case_for_one", path=path, binding=BINDING)


def settle(run: RunDir, given: CaseConfig, sha256: str) -> Settled:
    """The case of this run: the folder's case.toml (configs/case.toml's defaults for a new folder) with every
    detail given for this run (not empty) put over it."""
    path = run.case_toml
    exists = path.is_file()
    if exists:
        refuse_for_another(path, sha256, Phrase("case_advice_out"))
    base = case_from_file(path) if exists else default_case()
    names = [f.name for f in dataclasses.fields(CaseConfig)]
    case = dataclasses.replace(base, **{n: getattr(given, n) for n in names if getattr(given, n).strip()})
    changes = tuple(Change(n, getattr(base, n), getattr(case, n)) for n in names
                    if exists and getattr(base, n) != getattr(case, n))
    return Settled(case, changes, sha256_file(path) if exists else "")


def render(case: CaseConfig, sha256: str, file_name: str) -> str:
    """The folder's case file: configs/case.toml's lines (their comments explain each detail) with this case's
    values, under the recording it belongs to."""
    values = {f.name: getattr(case, f.name) for f in dataclasses.fields(CaseConfig)}
    name = json.dumps(file_name, ensure_ascii=False)[1:-1]      # a name with a line break stays on one line
    lines = [HEADER, f"{BINDING} = {json.dumps(sha256)}   # {name}：本文件所属的录音，勿改 / the recording this file "
             "belongs to\n\n"]
    template = DEFAULTS.read_text(encoding="utf-8").splitlines(keepends=True) if DEFAULTS.is_file() else []
    started = False
    for line in template:
        found = KEY_LINE.match(line.rstrip("\n"))
        started = started or bool(found)
        if not started:
            continue     # the template's own header (how to use configs/case.toml)
        if found and found["key"] in values:
            value = json.dumps(values.pop(found["key"]), ensure_ascii=False)
            line = f"{found['key']}{found['eq']}{value}{found['rest']}\n"
        lines.append(line)
    lines += [f"{key} = {json.dumps(value, ensure_ascii=False)}\n" for key, value in values.items()]
    return "".join(lines)


def write(path: Path, case: CaseConfig, sha256: str, file_name: str) -> None:
    write_text_atomic(path, render(case, sha256, file_name))
