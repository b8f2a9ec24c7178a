"""A new recording, received through the app: POST /api/upload with the file itself as the body
(application/octet-stream; its name in the address, ?name=…; the time the person's computer gives the file,
?modified=<ms since 1970>, optional). The body is streamed to disk as its chunks arrive (memory stays flat however
large the file) and hashed on the way; the recording is kept untouched and read-only in a new case folder,
out/<its name>/original/<file name> (its modification time set to the one the computer gave), with the record
of its receipt (received.json: the name as sent, when, size, sha256), and the run that makes its exhibit is
started (jobs.py). A request cut off, a disk that fills, anything that fails: the new folder is removed whole."""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import time
from datetime import datetime
from pathlib import Path

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from pipeline import received
from pipeline.controls import find_control
from pipeline.errors import PipelineError
from pipeline.fileio import sha256_file
from pipeline.rundir import RunDir
from pipeline.web.jobs import Jobs
from pipeline.web.pages import language

PATH = "/api/upload"
SPARE = 2 << 30                        # bytes a run needs beside the recording (working copies, documents)
SPOKEN = ("", "zh", "en")              # the spoken language, "" = detect
MAX_SPEAKERS = 20
UNSAFE = re.compile(r'[\\/:*?"<>|\x00-\x1f\x7f]')


def file_name(sent: str) -> str:
    """The name the recording is kept under: the last part of what the browser sent, with no character a
    folder name may not hold here or on Windows, no control character, no leading dot, at most 150 bytes."""
    name = UNSAFE.sub("_", sent.replace("\\", "/").rsplit("/", 1)[-1]).strip().lstrip(".")
    if find_control(name):
        name = "".join("_" if find_control(c) else c for c in name)
    while len(name.encode("utf-8")) > 150:
        stem, dot, ext = name.rpartition(".")
        name = f"{stem[:-1]}{dot}{ext}" if dot and stem else name[:-1]
    return name or "recording"


def sent_time(modified: str) -> float | None:
    """The file's time as the browser sent it (milliseconds since 1970), in seconds; None for anything that is
    not a time the person's computer could have given the file (not a number, 0, later than tomorrow)."""
    seconds = int(modified) / 1000 if modified.isdigit() and len(modified) <= 15 else 0
    return seconds if 0 < seconds <= time.time() + 86400 else None


def new_folder(root: Path, name: str) -> Path:
    """A folder of `root` that does not exist yet, named after the recording's file name (as the command line
    names out/<name>), with _2, _3 … when that is taken; created now."""
    stem = Path(name).stem or "recording"
    for number in range(1, 10_000):
        folder = root / (stem if number == 1 else f"{stem}_{number}")
        try:
            folder.mkdir()
            return folder
        except FileExistsError:
            continue
    raise PipelineError.keyed("app_too_many_folders", folder=root, stem=stem)


def routes(root: Path, jobs: Jobs) -> list[Route]:
    async def upload(request: Request) -> Response:
        sent = request.query_params.get("name", "")
        spoken = request.query_params.get("language", "")
        speakers = request.query_params.get("speakers", "0")
        modified = request.query_params.get("modified", "")
        length = int(request.headers["content-length"])          # the server's guard checked it is there
        if not sent:
            raise ValueError("say the recording's file name (?name=…)")
        if spoken not in SPOKEN or not speakers.isdigit() or int(speakers) > MAX_SPEAKERS:
            raise ValueError(f"language must be zh, en or empty; speakers a number 0–{MAX_SPEAKERS}")
        if length == 0:
            raise PipelineError.keyed("recording_empty", path=sent)
        free = shutil.disk_usage(root).free
        if length + SPARE > free:
            raise PipelineError.keyed("app_upload_no_space", folder=root, length=length, free=free)
        name = file_name(sent)
        folder = new_folder(root, name)
        run = RunDir(folder)
        try:
            kept = run.originals / name
            run.originals.mkdir()
            digest, size = hashlib.sha256(), 0
            with open(kept.with_name(f".{name}.part"), "wb") as part:
                async for chunk in request.stream():
                    digest.update(chunk)
                    size += len(chunk)
                    part.write(chunk)
            if size != length:
                raise PipelineError.keyed("app_upload_incomplete", name=sent, size=size, length=length)
            os.replace(kept.with_name(f".{name}.part"), kept)
            seconds = sent_time(modified)
            if seconds is not None:
                os.utime(kept, (seconds, seconds))
            kept.chmod(0o444)                                   # kept untouched
            if await run_in_threadpool(sha256_file, kept) != digest.hexdigest():
                raise PipelineError.keyed("app_upload_differs", name=sent)
            received.write(run.received, received.Received(
                file_name=sent, received=datetime.now().astimezone().isoformat(timespec="seconds"), size=size,
                sha256=digest.hexdigest()))
        except BaseException as exc:                            # cut off (ClientDisconnect), disk full …
            shutil.rmtree(folder, ignore_errors=True)          # nothing half-received stays
            if isinstance(exc, OSError):
                raise PipelineError.keyed("app_upload_not_kept", name=sent, reason=str(exc.strerror or exc)) from exc
            raise
        options = (("--language", spoken) if spoken else ()) + (("--speakers", speakers) if int(speakers) else ())
        jobs.start(folder.name, folder, kept, language(request), options)
        return JSONResponse({"name": folder.name, "file_name": sent, "size": size, "sha256": digest.hexdigest()})

    return [Route(PATH, upload, methods=["POST"])]
