"""The speakers step (说话人) of one case folder, under /case/<name>/speakers/: every voice of speakers.csv with
its listening clip, talk time, turns and sample lines as the file holds them, and the name, role and basis of
identification (identified_by) the person gives each, saved into speakers.csv.

speakers.csv is the label stage's file: the page reads it with the stage's reader, checks what it is about to
save with the stage's own checks (label.names_in: a row a run would refuse is refused here in the same line)
and writes it as the stage writes it (csvio.write_csv: UTF-8 with a BOM, atomically), every other column and
row as the file holds them. A save is refused when the file changed since the page loaded it (its sha256) or
while a run holds the folder. The documents are not made again by a save: the page offers the review step's
"make the documents again" (/case/<name>/api/render)."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any
from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, PlainTextResponse, RedirectResponse, Response
from starlette.routing import Route

from pipeline.artifactio import load
from pipeline.artifacts import UNKNOWN_SPEAKER, Diarization, Utterances
from pipeline.controls import find_control, shows_something
from pipeline.csvio import write_csv
from pipeline.errors import Joined, Name, Phrase, PipelineError, StaleSaveError
from pipeline.export.wording import load_wording
from pipeline.fileio import sha256_file
from pipeline.rundir import RunDir
from pipeline.stages.label import HEADER, apply_names, names_in, read_table
from pipeline.web import saving
from pipeline.web.folders import case_folder
from pipeline.web.pages import language, page
from pipeline.web.record import Run

EDITABLE = ("name", "role", "identified_by")     # what the page writes; every other column is kept as it is
SHOWN = ("talk_time", "turns", "first_heard", "last_heard")


def _merged(run: Run) -> Utterances:
    """The lines before naming (the merge stage's): the voices the label stage accepts in speakers.csv."""
    utterances = load(Utterances, run.folder.artifact("merge"))
    if utterances is None:
        raise PipelineError.keyed("not_a_finished_folder", folder=run.folder.root)
    return utterances


def _table(run: Run) -> tuple[str, list[str], list[dict[str, str]]]:
    """(version, columns, rows) of speakers.csv as it is now; its version (sha256) taken before it is read, so
    that a change in between makes a save from this reading stale, never the other way round."""
    path = run.folder.speakers_csv
    if not path.is_file():
        raise PipelineError.keyed("app_speakers_missing", path=path)
    now = sha256_file(path)
    return (now, *read_table(path))


def clip(root: Path, speaker: str) -> Path | None:
    """The listening clip of the voice `speaker` (speakers/<id>.wav), when speakers.csv has a row of that id and
    the clip is there; else None. Nothing but a clip of speakers/ is ever given."""
    folder = RunDir(Path(root))
    if not folder.speakers_csv.is_file():
        return None
    _, rows = read_table(folder.speakers_csv)
    return _clip(folder, speaker) if speaker in {row.get("speaker_id") for row in rows} else None


def _clip(folder: RunDir, speaker: str) -> Path | None:
    """speakers/<speaker>.wav when it is a file there (no link, nothing outside speakers/)."""
    path = folder.speaker_clip(speaker)
    if not speaker or path.is_symlink() or not path.is_file():
        return None
    return path if path.resolve().parent == folder.speaker_clips.resolve() else None


def state(root: Path, shown_in: str) -> dict[str, Any]:
    """Everything the page shows, in the interface's language `shown_in`: each voice as speakers.csv holds it
    (a file a run would refuse is refused here, in the same line), its number as the documents call it, the
    version of the file, whether the documents were made from the file as it is now (the run's manifest records
    the file it left), the roles and bases to suggest (in the documents' language: they are written there)."""
    run = Run.open(Path(root))
    merged = _merged(run)
    now, header, rows = _table(run)
    heard = load(Diarization, run.folder.artifact("diarize"))
    numbers = {s.id: s.number for s in apply_names(merged, {}, heard).speakers}   # every voice, as a run numbers it
    names_in(header, rows, run.folder.speakers_csv, list(numbers))
    wording, exhibit = load_wording(shown_in), load_wording(run.language)
    voices = []
    for row in rows:
        sid = row.get("speaker_id", "")
        number = numbers.get(sid, 0)
        label = wording["speaker"]["unnamed"].format(number=number) if sid != UNKNOWN_SPEAKER and number \
            else wording["speaker"]["unknown"]
        voices.append({"id": sid, "label": label, "counts": sid != UNKNOWN_SPEAKER and number > 0,
                       **{column: row.get(column, "") for column in (*SHOWN, *EDITABLE)},
                       "samples": [row[c] for c in ("sample_1", "sample_2") if row.get(c)],
                       "clip": f"clip/{quote(sid, safe='')}" if _clip(run.folder, sid) else "",
                       "named": shows_something(row.get("name", ""))})
    made = run.manifest.outputs.get(run.folder.relative(run.folder.speakers_csv)) == now
    return {"language": shown_in, "file": str(run.folder.speakers_csv), "version": now, "made": made,
            "words": _plain(wording["app"]["speakers"]), "court_says": exhibit["notation"]["names"],
            "roles": [*exhibit["notation"]["party_roles"], *exhibit["app"]["speakers"]["more_roles"]],
            "bases": list(exhibit["app"]["speakers"]["basis_examples"]), "voices": voices}


def save(root: Path, edits: list[dict[str, Any]], loaded: str) -> tuple[Path, str]:
    """Write the page's edits ({id, name, role, identified_by} per changed voice) into speakers.csv, under the
    folder's lock, only when the file is still the version the page `loaded` and no run holds the folder, and
    only what a run takes (the label stage's checks). Returns the file and its new version."""
    folder = RunDir(Path(root))
    if folder.held():
        raise PipelineError.keyed("app_speakers_held", folder=folder.root)
    with folder.lock("exhibit app: saving the speakers' names"):
        run = Run.open(folder.root)
        path = folder.speakers_csv
        now, header, rows = _table(run)
        if loaded != now:
            raise StaleSaveError.keyed("app_speakers_stale", path=path)
        columns = _columns(header)
        by_id = {row.get("speaker_id"): row for row in rows}
        for edit in edits:
            _apply(edit, by_id, path)
        names_in(columns, rows, path, [s.id for s in apply_names(_merged(run), {}).speakers])   # what a run takes
        write_csv(path, columns, [[row.get(column, "") for column in columns] for row in rows])
        return path, sha256_file(path)


def _apply(edit: dict[str, Any], by_id: dict[str | None, dict[str, str]], path: Path) -> None:
    """One voice's edit applied to its row of the file (a line break becomes a space, as in a cell)."""
    unknown = set(edit) - {"id", *EDITABLE}
    if unknown:
        raise ValueError(f"a speaker's edit holds only id, {', '.join(EDITABLE)}, not {', '.join(sorted(unknown))}")
    sid = edit.get("id")
    row = by_id.get(sid) if isinstance(sid, str) else None
    if row is None:
        ids = tuple(str(k) for k in by_id if k)
        raise PipelineError.keyed("app_speakers_unknown", path=path, speaker=sid,
                                  known=Joined(ids) if ids else Phrase("no_speakers"))
    for column in EDITABLE:
        if column not in edit:
            continue
        if not isinstance(edit[column], str):
            raise PipelineError.keyed("app_speakers_not_text", path=path, speaker=sid, column=Name(column),
                                      kind=type(edit[column]).__name__)
        value = edit[column].replace("\r", " ").replace("\n", " ").strip()
        problem = find_control(value)
        if problem:
            raise PipelineError.keyed("app_speakers_control", path=path, speaker=sid, column=Name(column),
                                      problem=problem)
        row[column] = value


def _columns(header: list[str]) -> list[str]:
    """The file's columns as they are, with name, role and identified_by put where the label stage writes them
    when the file lacks one (a file written before identified_by existed)."""
    columns = list(header)
    for column in EDITABLE:
        if column not in columns:
            before = [c for c in HEADER[:HEADER.index(column)] if c in columns]
            columns.insert(columns.index(before[-1]) + 1 if before else len(columns), column)
    return columns


def _plain(words) -> dict[str, Any]:
    return {k: list(v) if isinstance(v, tuple) else v for k, v in words.items()}


def routes(root: Path, lock: threading.Lock) -> list[Route]:
    """The speakers step's routes for every case folder of `root`; `lock`: one save or render at a time."""

    def folder(request: Request) -> Path:
        return case_folder(root, request.path_params["name"])

    def shown(request: Request) -> Response:
        folder(request)
        return page(request, "speakers", "speakers", request.path_params["name"])

    def bare(request: Request) -> Response:         # the page's addresses are relative to …/speakers/
        folder(request)
        return RedirectResponse(f"{request.url.path}/", status_code=307)

    def listing(request: Request) -> Response:
        return JSONResponse(state(folder(request), language(request)))

    def listen(request: Request) -> Response:
        found = clip(folder(request), request.path_params["speaker"])
        if found is None:
            return PlainTextResponse("not found: no clip of that speaker in speakers.csv", status_code=404)
        return FileResponse(found, media_type="audio/wav")

    async def saved(request: Request) -> Response:
        folder(request)                               # a name that is no case folder: refused before the body
        body = await saving.sent(request)
        edits, loaded = body.get("speakers"), body.get("version")
        if not (isinstance(edits, list) and all(isinstance(e, dict) for e in edits) and isinstance(loaded, str)):
            raise ValueError('the body must be {"version": …, "speakers": [{"id": …, "name": …, "role": …, '
                             '"identified_by": …}, …]}')

        def write() -> dict:
            path, now = save(folder(request), edits, loaded)
            return {"file": str(path), "version": now}
        return await saving.locked(lock, write)

    return [Route("/case/{name}/speakers", bare), Route("/case/{name}/speakers/", shown),
            Route("/case/{name}/speakers/api/state", listing),
            Route("/case/{name}/speakers/clip/{speaker}", listen),
            Route("/case/{name}/speakers/api/save", saved, methods=["POST"])]
