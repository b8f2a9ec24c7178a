"""The key-facts step (关键内容) of one case folder, under /case/<name>/facts/: every row of key_facts.csv as the
file holds it (time, speaker, the line, category, matched words, normalised value, the rule's explanation,
note), each with the stretch of the recording it was said in; and one action: save the page's notes and
removals into key_facts.csv — what a person deleting a row or writing a note in Excel does. The fact_review
stage reads the file back at the next run (stages/fact_review.py): a removed row's fact leaves both documents
and stays out (stages/key_facts_seen.json); a note goes into the counsel's working copy only.

The file is read with the stage's own reader (fact_review.read_table: a file the run would refuse is refused
here in the same line), written as the export writes it (csvio.write_csv: UTF-8 with BOM, the file's columns in
their order, every other cell and row as it was), atomically, under the folder's lock, only when the file is
still the version the page loaded (its sha256) and no run holds the folder."""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from pipeline.artifactio import load
from pipeline.artifacts import Facts
from pipeline.controls import find_control
from pipeline.csvio import write_csv
from pipeline.errors import PipelineError, StaleSaveError
from pipeline.export.wording import load_wording
from pipeline.fileio import sha256_file, temp_beside
from pipeline.rundir import RunDir
from pipeline.stages.fact_review import ID_COLUMN, NOTE_COLUMN, fact_id, read_table
from pipeline.web import saving
from pipeline.web.folders import case_folder
from pipeline.web.pages import language, page
from pipeline.web.record import Run

SHOWN = ("time", "start", "speaker", "text", "category", "matched", "value", "rule_id", "explanation")


def version(path: Path) -> str:
    """What the page loaded: the sha256 of key_facts.csv as it is now ("" when there is none)."""
    return sha256_file(path) if path.is_file() else ""


def _spans(run: Run) -> tuple[dict[str, tuple[float, float]], set[str] | None]:
    """fact_id → (start, end) of the line each key fact of this recording was said in, and the ids the run
    found (None when the run's facts are not to be had: no row is then called unknown)."""
    found = load(Facts, run.folder.artifact("facts")) or load(Facts, run.folder.artifact("fact_review"))
    if found is None:
        return {}, None
    lines = {u.id: u for u in run.labelled.items}
    spans = {fact_id(f): (lines[f.utterance_id].start, lines[f.utterance_id].end)
             for f in found.items if f.utterance_id in lines}
    return spans, {fact_id(f) for f in found.items}


def _documents_older(run: Run, now: str) -> bool:
    """Whether key_facts.csv is no longer what the last run wrote (edited since): the documents do not show it."""
    written = run.manifest.outputs.get(run.folder.relative(run.folder.key_facts_csv), "")
    return bool(written or now) and written != now


def state(run: Run, shown_in: str) -> dict[str, Any]:
    """Everything the page shows, in the interface's language `shown_in`, and the version it shows."""
    wording = load_wording(shown_in)
    path = run.folder.key_facts_csv
    header, rows = read_table(path) if path.exists() else ([], [])
    spans, found = _spans(run)
    withheld = set(run.settings.export.counsel_only_categories)
    listed, seen = [], set()
    for number, row in enumerate(rows, start=2):             # numbered as Excel shows them (the header is 1)
        fid = row.get(ID_COLUMN, "")
        first = bool(fid) and fid not in seen
        seen.add(fid)
        remark = ("" if first and (found is None or fid in found) else "unknown" if first
                  else "repeated" if fid else "no_id")
        span = spans.get(fid) if first else None
        listed.append({"row": number, "fact_id": fid, "editable": first, "remark": remark,
                       **{column: row.get(column, "") for column in SHOWN}, "note": row.get(NOTE_COLUMN, ""),
                       "category_label": wording["categories"].get(row.get("category", ""), row.get("category", "")),
                       "counsel_only": row.get("category", "") in withheld,
                       "play": {"start": span[0], "end": span[1]} if span else None})
    stem = Path(run.manifest.original).stem
    now = version(path)
    return {"language": shown_in, "file": str(path), "exists": path.exists(), "has_ids": ID_COLUMN in header,
            "version": now, "documents_older": _documents_older(run, now),
            "court": run.folder.docx(stem).name, "counsel": run.folder.counsel_docx(stem).name,
            "words": dict(wording["app"]["facts"]), "rows": listed}


def _note(fid: str, value: Any, path: Path) -> str:
    if not isinstance(value, str):
        raise PipelineError.keyed("app_note_not_text", path=path, fact=fid, kind=type(value).__name__)
    note = value.replace("\r", " ").replace("\n", " ").strip()
    problem = find_control(note)
    if problem:
        raise PipelineError.keyed("app_note_control", path=path, fact=fid, problem=problem)
    return note


def save(root: Path, loaded: str, notes: dict[str, Any], remove: list[str]) -> tuple[Path, str]:
    """Write the page's `notes` (fact_id → note) and removals (fact_ids whose rows go) into key_facts.csv,
    keeping every other column and row as the file has them; only when the file is still the version the page
    `loaded` and no run holds the folder. A note goes on the row the run reads (the first of its fact_id); a
    removal takes out every row of its fact_id (else the fact would stay). Returns the file and its version."""
    folder = RunDir(Path(root))
    path = folder.key_facts_csv
    if folder.held():
        raise PipelineError.keyed("app_facts_held", folder=folder.root)
    with folder.lock("exhibit app: saving key_facts.csv"):
        if version(path) != loaded:
            raise StaleSaveError.keyed("app_facts_stale", path=path)
        if not path.exists():
            raise PipelineError.keyed("app_facts_missing", path=path)
        header, rows = read_table(path)
        if ID_COLUMN not in header:
            raise PipelineError.keyed("app_facts_no_ids", path=path, column=ID_COLUMN)
        ids = {row.get(ID_COLUMN, "") for row in rows} - {""}
        unknown = sorted((set(notes) | set(remove)) - ids, key=str)
        if unknown:
            raise PipelineError.keyed("app_facts_unknown", path=path, fact=unknown[0])
        written = {fid: _note(fid, value, path) for fid, value in notes.items()}
        gone, noted = set(remove), set()
        kept = []
        for row in rows:
            fid = row.get(ID_COLUMN, "")
            if fid in gone:
                continue
            if fid in written and fid not in noted:
                row[NOTE_COLUMN] = written[fid]
                noted.add(fid)
            kept.append(row)
        columns = header + ([NOTE_COLUMN] if NOTE_COLUMN not in header and any(written.values()) else [])
        _write(path, columns, kept)
        return path, version(path)


def _write(path: Path, columns: list[str], rows: list[dict[str, str]]) -> None:
    """Write the rows as the export writes key_facts.csv, read back by the stage's own reader before the file
    takes their place (what is written, the next run takes)."""
    staged = temp_beside(path.with_name(f"saving-{path.name}"))
    try:
        write_csv(staged, columns, [[row.get(c, "") for c in columns] for row in rows])
        read_table(staged)
        os.replace(staged, path)
    finally:
        staged.unlink(missing_ok=True)


def routes(root: Path, lock: threading.Lock) -> list[Route]:
    """The key-facts step's routes for every case folder of `root`; `lock`: one save or render at a time."""

    def folder(request: Request) -> Path:
        return case_folder(root, request.path_params["name"])

    def shown(request: Request) -> Response:
        Run.open(folder(request))                     # a folder that is not a finished run: one line, now
        return page(request, "facts", "facts", request.path_params["name"])

    def bare(request: Request) -> Response:         # the page's addresses are relative to /case/<name>/facts/
        folder(request)
        return RedirectResponse(f"{request.url.path}/", status_code=307)

    def facts(request: Request) -> Response:
        return JSONResponse(state(Run.open(folder(request)), language(request)))

    async def save_edits(request: Request) -> Response:
        folder(request)                               # a name that is no case folder: refused before the body
        body = await saving.sent(request)
        loaded, notes, remove = body.get("version"), body.get("notes", {}), body.get("remove", [])
        if not (isinstance(loaded, str) and isinstance(notes, dict) and isinstance(remove, list)
                and all(isinstance(fid, str) for fid in remove)):
            raise ValueError('the body must be {"version": …, "notes": {fact_id: note, …}, "remove": [fact_id, …]}')

        def write() -> dict:
            path, now = save(folder(request), loaded, notes, remove)
            return {"file": str(path), "version": now}
        return await saving.locked(lock, write)

    return [Route("/case/{name}/facts", bare), Route("/case/{name}/facts/", shown),
            Route("/case/{name}/facts/api/state", facts),
            Route("/case/{name}/facts/api/save", save_edits, methods=["POST"])]
