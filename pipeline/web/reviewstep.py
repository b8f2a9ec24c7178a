"""The review step (核对) of one case folder, under /case/<name>/: the page (plain HTML/JS/CSS shipped in
pipeline/web/static, its addresses relative to it, so that one script serves any folder), the working copy of
the sound, the lines, and two actions: save the edits into transcript.csv, and make the documents again (the
runner, with the settings the run recorded: the models are not run again). The folder's name is checked by
folders.case_folder before anything is read."""

from __future__ import annotations

import dataclasses
import threading
import time
from pathlib import Path

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from pipeline.config import CaseConfig
from pipeline.runner import run as run_pipeline
from pipeline.web import saving
from pipeline.web.folders import case_folder
from pipeline.web.pages import language, page
from pipeline.web.record import Run, save, state

def routes(root: Path, lock: threading.Lock) -> list[Route]:
    """The review step's routes for every case folder of `root`; `lock`: one save or render at a time."""

    def folder(request: Request) -> Path:
        return case_folder(root, request.path_params["name"])

    def shown(request: Request) -> Response:
        Run.open(folder(request))                     # a folder that is not a finished run: one line, now
        return page(request, "review", "review", request.path_params["name"])

    def bare(request: Request) -> Response:         # the page's addresses are relative to /case/<name>/
        folder(request)
        return RedirectResponse(f"{request.url.path}/", status_code=307)

    def audio(request: Request) -> Response:
        return FileResponse(Run.open(folder(request)).folder.wav, media_type="audio/wav")   # every seek asks again

    def lines(request: Request) -> Response:
        return JSONResponse(state(Run.open(folder(request)), language(request)))

    async def save_edits(request: Request) -> Response:
        folder(request)                               # a name that is no case folder: refused before the body
        body = await saving.sent(request)
        edits, loaded, dismissed = body.get("lines"), body.get("version"), body.get("dismiss", [])
        if not (isinstance(edits, list) and all(isinstance(e, dict) for e in edits) and isinstance(loaded, str)
                and isinstance(dismissed, list) and all(isinstance(d, dict) for d in dismissed)):
            raise ValueError('the body must be {"version": …, "lines": [{"id": …, "text": …}, …], "dismiss": […]}')

        def write() -> dict:
            path, now = save(folder(request), edits, loaded, dismissed)
            return {"file": str(path), "version": now}
        return await saving.locked(lock, write)

    async def render(request: Request) -> Response:
        def make() -> dict:
            with lock:
                run = Run.open(folder(request))
                started = time.perf_counter()
                # the case as the folder keeps it (case.toml, perhaps edited since the last run): none given here
                result = run_pipeline(Path(run.manifest.original), run.folder.root,
                                      dataclasses.replace(run.settings, case=CaseConfig()))
                return {"exhibit": str(result.outputs["docx"]), "seconds": round(time.perf_counter() - started, 1),
                        "ran": [r.stage for r in result.manifest.stages if r.ran]}
        return JSONResponse(await run_in_threadpool(make))

    return [Route("/case/{name}", bare), Route("/case/{name}/", shown), Route("/case/{name}/audio", audio),
            Route("/case/{name}/api/state", lines),
            Route("/case/{name}/api/save", save_edits, methods=["POST"]),
            Route("/case/{name}/api/render", render, methods=["POST"])]
