"""The progress step (处理中) of one case folder, /case/<name>/progress/: the run the app started (jobs.py) as it
goes — each stage's share, the whole, the time left — with a button to cancel it; at the end the next step, or
the one line of a failure as the command line prints it. A folder whose recording the app received and that no
run has made yet (one failed or was cancelled, or the app was closed) can be started again here."""

from __future__ import annotations

import threading
from pathlib import Path

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from pipeline import received
from pipeline.config import CaseConfig
from pipeline.errors import PipelineError
from pipeline.export.wording import load_wording
from pipeline.fileio import sha256_file
from pipeline.rundir import RunDir
from pipeline.timefmt import clock_text, moment_text, parse_moment
from pipeline.web.folders import case_folder
from pipeline.web.folderstate import PROCESSING, RECEIVED, folder_state
from pipeline.web.jobs import Jobs
from pipeline.web.pages import language, next_step, page, step_path


def kept_original(folder: Path) -> Path:
    """The recording the app received into `folder` (original/, one file, the one received.json records: the same
    sha256), or PipelineError: a file put there by hand is not taken for it."""
    run = RunDir(folder)
    receipt = received.read(run.received)
    found = [p for p in run.originals.iterdir() if p.is_file() and not p.name.startswith(".")] \
        if run.originals.is_dir() else []
    if receipt is None or not found:
        raise PipelineError.keyed("app_no_original", folder=folder.name)
    if len(found) != 1 or sha256_file(found[0]) != receipt.sha256:
        raise PipelineError.keyed("app_not_received", folder=folder.name, sha256=receipt.sha256[:12])
    return found[0]


def _when(iso: str, formats) -> str:
    """When the recording was received, in this computer's zone, said with it:
    2026年12月6日 22:20:27（北京时间（UTC+08:00））."""
    moment = parse_moment(iso)
    if moment is None or moment.tzinfo is None:
        return iso
    zone = CaseConfig().zone()                       # this computer's: the receipt is of this computer
    return f"{moment_text(moment, formats, zone)}（{clock_text(zone, formats, moment)}）"


def routes(root: Path, lock: threading.Lock, jobs: Jobs) -> list[Route]:
    def folder(request: Request) -> Path:
        return case_folder(root, request.path_params["name"])

    def shown(request: Request) -> Response:
        folder(request)
        return page(request, "progress", "progress", request.path_params["name"])

    def status(request: Request) -> Response:
        here, name = folder(request), request.path_params["name"]
        words = load_wording(language(request))["app"]
        found = folder_state(here)
        state = found.state if found is not None else RECEIVED
        job = jobs.get(name)
        receipt = received.read(RunDir(here).received)
        formats = load_wording(language(request))["formats"]
        following = next_step(state) if found is not None and found.finished else ""
        return JSONResponse({
            "words": {k: v for k, v in words["progress"].items() if isinstance(v, str)},
            "stage_names": dict(words["progress"]["stages"]),
            "state": state, "state_label": words["states"][state],
            "job": job.seen() if job is not None else None,
            "received": {**receipt.record(), "received": _when(receipt.received, formats)}
            if receipt is not None else None,
            "can_start": state == RECEIVED and (job is None or job.status != "running"),
            "next": {"step": following, "label": words["steps"][following], "href": step_path(name, following)}
            if following and state != PROCESSING else None})

    def cancel(request: Request) -> Response:
        return JSONResponse({"cancelled": jobs.cancel(folder(request).name)})

    def start(request: Request) -> Response:
        here = folder(request)
        with lock:
            found = folder_state(here)
            if found is None or found.state != RECEIVED:
                raise PipelineError.keyed("app_nothing_to_start", folder=here.name)
            jobs.start(here.name, here, kept_original(here), language(request))
        return JSONResponse({"started": True})

    return [Route("/case/{name}/progress/", shown), Route("/case/{name}/progress/api/status", status),
            Route("/case/{name}/progress/api/cancel", cancel, methods=["POST"]),
            Route("/case/{name}/progress/api/start", start, methods=["POST"])]
