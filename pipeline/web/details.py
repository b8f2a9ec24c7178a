"""The case details step (案件信息) of one case folder, under /case/<name>/details/: the case this recording is
evidence in and the admissibility points counsel establishes (CaseConfig's fields), as the folder's case file
(case.toml, casefile.py) holds them, the last run's when it has none yet; and one action: save them into
case.toml. Below them the case's vocabulary (casewords.py), saved into vocabulary.txt.

A save changes only the fields the page sends (every other value of the file is kept as it is), applies the
checks a run applies (the same CaseConfig), writes the file as the runner writes it (casefile.write: its
comments, bound to the recording by its sha256), and is refused when case.toml changed since the page loaded it
or a run holds the folder. The documents are not made again by a save: the page says when they still show
other details than case.toml, and offers the review step's render (/case/<name>/api/render)."""

from __future__ import annotations

import dataclasses
import json
import re
import threading
from pathlib import Path
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from pipeline import casefile
from pipeline.artifacts import RunManifest
from pipeline.config import CaseConfig, read_case_data, section_from, settings_from_record
from pipeline.errors import ConfigError, Each, Phrase, PipelineError, StaleSaveError
from pipeline.export.manifest import read_manifest
from pipeline.export.wording import Wording, load_wording
from pipeline.fileio import sha256_file
from pipeline.rundir import RunDir
from pipeline.web import casewords, saving
from pipeline.web.folders import case_folder
from pipeline.web.pages import LANGUAGES, language, page

# the page's groups of fields: on the court copy (the case; the recording, as the submitting party states it;
# its review), then the points only the counsel copy shows; a field of CaseConfig named in none goes in the last
GROUPS = (("case", ("case_name", "case_number", "exhibit_number", "submitting_party")),
          ("recording", ("recorded_on", "recorded_place", "recorded_device", "recorded_by", "time_zone")),
          ("review", ("reviewed_by", "review_method")),
          ("checks", tuple(name for name in CaseConfig.CHECKS if name != "recorded_device")))
OPTION = re.compile(r"\s*[（(]--[a-z-]+[）)]\s*$")     # "案件名称（--case-name）": the command line's option


def groups(cls: type = CaseConfig) -> list[tuple[str, tuple[str, ...]]]:
    """GROUPS, every field of `cls` in exactly one of them (a field named in none added to the last)."""
    names = [f.name for f in dataclasses.fields(cls)]
    placed = [(key, tuple(n for n in fields if n in names)) for key, fields in GROUPS]
    seen = {n for _, fields in placed for n in fields}
    key, last = placed[-1]
    placed[-1] = (key, last + tuple(n for n in names if n not in seen))
    return placed


def label(name: str, wording: Wording) -> str:
    """A field's name as the page shows it: [app.details.labels], else the command line's ([cli.fields]) without
    its option."""
    own = wording["app"]["details"]["labels"]
    text = own[name] if name in own else OPTION.sub("", wording["cli"]["fields"].get(name, name))
    return text[:1].upper() + text[1:]


def described(wording: Wording, cls: type = CaseConfig) -> list[dict[str, Any]]:
    """The page's groups, each with its fields: name, label, help, and for a choice field its allowed values
    with their labels ([app.details.choices.<field>])."""
    words = wording["app"]["details"]
    kinds = {f.name: f.metadata.get("choices", ()) for f in dataclasses.fields(cls)}
    shown = []
    for key, names in groups(cls):
        fields = [{"name": n, "label": label(n, wording), "help": words["help"].get(n, ""),
                   "choices": [{"value": v, "label": words["choices"].get(n, {}).get(v, v)} for v in kinds[n]]}
                  for n in names]
        shown.append({"key": key, "heading": words[f"group_{key}"], "intro": words[f"group_{key}_intro"],
                      "fields": fields})
    return shown


def _last_run(folder: RunDir) -> RunManifest:
    """The record of the folder's last run (refused in one line when it has none)."""
    if not folder.manifest.is_file():
        raise PipelineError.keyed("app_details_no_run", folder=folder.root)
    return read_manifest(folder.manifest)


def _recording(folder: RunDir) -> tuple[str, str, CaseConfig]:
    """(sha256, file name) of the recording the folder's last run was made from, and the case it used."""
    manifest = _last_run(folder)
    used = settings_from_record(manifest.settings).case
    return manifest.original_sha256_before, Path(manifest.original).name, used


def _raw(folder: RunDir, used: CaseConfig) -> dict[str, Any]:
    """case.toml's values as the file holds them (unchecked: a wrong one is shown to be put right), or the last
    run's case when the folder has none."""
    path = folder.case_toml
    return read_case_data(path) if path.is_file() else dataclasses.asdict(used)


def checked(data: dict[str, Any], where: str) -> CaseConfig:
    """`data` as the case a run takes (CaseConfig's own checks); a wrong value refused in one line naming its
    field as the page does, with how to write it when it has a form ([app.details.formats]), in each language."""
    try:
        return section_from(CaseConfig, data, where)
    except ConfigError as whole:
        names = {f.name for f in dataclasses.fields(CaseConfig)}
        for name in (n for n in data if n in names):
            try:
                section_from(CaseConfig, {name: data[name]}, where)
            except ConfigError as exc:
                wordings = {shown: load_wording(shown) for shown in LANGUAGES}
                raise ConfigError.keyed(
                    "app_details_refused", label=Each({shown: label(name, w) for shown, w in wordings.items()}),
                    detail=exc, how=Each({shown: w["app"]["details"]["formats"].get(name, "")
                                          for shown, w in wordings.items()})) from None
        raise whole


def version(folder: RunDir) -> str:
    """case.toml as the page loaded it: its sha256 ("" when the folder has none)."""
    return sha256_file(folder.case_toml) if folder.case_toml.is_file() else ""


def state(root: Path, shown_in: str) -> dict[str, Any]:
    """Everything the page shows, in the interface's language `shown_in`, and the version of case.toml it shows."""
    folder = RunDir(Path(root))
    wording = load_wording(shown_in)
    words = wording["app"]["details"]
    manifest = _last_run(folder)
    used = settings_from_record(manifest.settings).case
    loaded = version(folder)                     # read before the values: a later change makes the save stale
    raw = _raw(folder, used)
    problem, case = "", None
    try:
        case = checked(raw, str(folder.case_toml))
    except ConfigError as exc:
        problem = words["problem"].format(problem=" ".join(exc.text(shown_in).split()))
    defaults = CaseConfig()
    values = {f.name: _text(raw.get(f.name, getattr(defaults, f.name))) for f in dataclasses.fields(CaseConfig)}
    missing = case.missing() if case else tuple(n for n in CaseConfig.DETAILS if not values[n].strip())
    open_checks = tuple(n for n in CaseConfig.CHECKS if not values[n].strip())
    words_of_case = casewords.state(folder, manifest.hotwords, shown_in)
    return {"language": shown_in, "words": {k: v for k, v in words.items() if isinstance(v, str)},
            "file": str(folder.case_toml), "vocabulary_file": str(folder.vocabulary),
            "exists": folder.case_toml.is_file(), "version": loaded,
            "groups": described(wording), "values": values, "problem": problem,
            "missing": [label(n, wording) for n in missing], "open": [label(n, wording) for n in open_checks],
            "behind": case != used or words_of_case["behind"], "vocabulary": words_of_case}


def _text(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def save(root: Path, sent: dict[str, Any], loaded: str, shown_in: str) -> dict[str, Any]:
    """Write the fields `sent` ({field: text}) into the folder's case.toml, every other value kept as the file
    (or, with none yet, the last run) has it; only when case.toml is still the version the page `loaded` and no
    run holds the folder. Returns the page's state after the save."""
    folder = RunDir(Path(root))
    names = {f.name for f in dataclasses.fields(CaseConfig)}
    for name, value in sent.items():
        if name not in names or not isinstance(value, str):
            raise ValueError(f"{name!r} is not a case detail given as text")
    if folder.held():
        raise PipelineError.keyed("app_details_held")
    with folder.lock("exhibit app: saving the case details"):
        sha256, file_name, used = _recording(folder)
        if version(folder) != loaded:
            raise StaleSaveError.keyed("app_details_stale", path=folder.case_toml)
        if folder.case_toml.is_file():
            casefile.refuse_for_another(folder.case_toml, sha256, Phrase("case_advice_folder"))
        data = {**_raw(folder, used), **{name: value.strip() for name, value in sent.items()}}
        case = checked(data, str(folder.case_toml))
        casefile.write(folder.case_toml, case, sha256, file_name)
    return state(root, shown_in)


def routes(root: Path, lock: threading.Lock) -> list[Route]:
    """The case details step's routes for every case folder of `root`; `lock`: one save or render at a time."""

    def folder(request: Request) -> Path:
        return case_folder(root, request.path_params["name"])

    def shown(request: Request) -> Response:
        folder(request)
        return page(request, "details", "details", request.path_params["name"])

    def current(request: Request) -> Response:
        return JSONResponse(state(folder(request), language(request)))

    async def saved(request: Request) -> Response:
        folder(request)                               # a name that is no case folder: refused before the body
        body = await saving.sent(request)
        values, loaded = body.get("values"), body.get("version")
        if not (isinstance(values, dict) and isinstance(loaded, str)):
            raise ValueError('the body must be {"version": …, "values": {"case_name": …, …}}')
        return await saving.locked(lock, lambda: save(folder(request), values, loaded, language(request)))

    async def saved_words(request: Request) -> Response:
        folder(request)
        body = await saving.sent(request)
        text, loaded = body.get("text"), body.get("version")
        if not (isinstance(text, str) and isinstance(loaded, str)):
            raise ValueError('the body must be {"version": …, "text": …}')

        def write() -> dict:
            casewords.save(RunDir(folder(request)), text, loaded)
            return state(folder(request), language(request))
        return await saving.locked(lock, write)

    return [Route("/case/{name}/details/", shown), Route("/case/{name}/details/api/state", current),
            Route("/case/{name}/details/api/save", saved, methods=["POST"]),
            Route("/case/{name}/details/api/vocabulary", saved_words, methods=["POST"])]
