"""The review page's server: Starlette on uvicorn, bound to 127.0.0.1 only, every request checked for the
random token in the address `exhibit review` prints (a request without it is refused). It serves the page
(plain HTML/JS/CSS shipped in pipeline/review/static, nothing from the network), the working copy of the
sound, the lines, and two actions: save the edits into transcript.csv, and make the documents again (the
runner, with the settings the run recorded: the models are not run again)."""

from __future__ import annotations

import json
import logging
import secrets
import socket
import threading
import time
import webbrowser
from collections.abc import Callable
from pathlib import Path

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.middleware import Middleware
from starlette.middleware.base import BaseHTTPMiddleware
from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from pipeline.errors import PipelineError
from pipeline.export.wording import load_wording
from pipeline.review.record import Run, save, state
from pipeline.rundir import RunDir
from pipeline.runner import run as run_pipeline

log = logging.getLogger(__name__)

STATIC = Path(__file__).resolve().parent / "static"
ASSETS = {"review.js": "text/javascript; charset=utf-8", "review.css": "text/css; charset=utf-8"}
HOST = "127.0.0.1"
REFUSED = "refused: open the page with the address `exhibit review` printed (it holds the token)"


def make_app(folder: Path, token: str) -> Starlette:
    """The review app for one finished run folder."""
    lock = threading.Lock()          # one save or render at a time

    def allowed(request: Request) -> bool:
        given = request.query_params.get("token") or request.headers.get("x-exhibit-token", "")
        return secrets.compare_digest(given, token)

    async def page(request: Request) -> Response:
        run = Run.open(folder)
        html = (STATIC / "index.html").read_text(encoding="utf-8")
        return HTMLResponse(html.replace("{{token}}", token).replace("{{lang}}", run.language)
                            .replace("{{title}}", load_wording(run.language)["review"]["title"]))

    async def asset(request: Request) -> Response:
        name = request.path_params["name"]
        if name not in ASSETS:
            return PlainTextResponse("not found", status_code=404)
        return FileResponse(STATIC / name, media_type=ASSETS[name])

    async def audio(request: Request) -> Response:
        return FileResponse(RunDir(folder).wav, media_type="audio/wav")   # every seek asks again: no run to load

    async def lines(request: Request) -> Response:
        return JSONResponse(state(Run.open(folder)))

    async def save_edits(request: Request) -> Response:
        edits = (await request.json()).get("lines", [])
        with lock:
            path = save(Run.open(folder), edits)
        return JSONResponse({"file": str(path)})

    async def render(request: Request) -> Response:
        def make() -> dict:
            with lock:
                run = Run.open(folder)
                started = time.perf_counter()
                result = run_pipeline(Path(run.manifest.original), run.folder.root, run.settings)
                return {"exhibit": str(result.outputs["docx"]), "seconds": round(time.perf_counter() - started, 1),
                        "ran": [r.stage for r in result.manifest.stages if r.ran]}
        return JSONResponse(await run_in_threadpool(make))

    async def guard(request: Request, call_next):
        if not allowed(request):
            return PlainTextResponse(REFUSED, status_code=403)
        try:
            return await call_next(request)
        except PipelineError as exc:         # a broken transcript.csv, a moved original …: said in one line
            return JSONResponse({"error": str(exc)}, status_code=400)
        except (ValueError, json.JSONDecodeError) as exc:
            return JSONResponse({"error": f"bad request: {exc}"}, status_code=400)

    return Starlette(routes=[Route("/", page), Route("/static/{name}", asset), Route("/audio", audio),
                             Route("/api/state", lines), Route("/api/save", save_edits, methods=["POST"]),
                             Route("/api/render", render, methods=["POST"])],
                     middleware=[Middleware(BaseHTTPMiddleware, dispatch=guard)])


def serve(folder: Path, port: int = 0, open_browser: bool = True,
          announce: Callable[[str], None] = lambda url: None) -> None:
    """Serve the review page of `folder` on 127.0.0.1 until interrupted; `announce` is told the address (with
    its token) as soon as the port is open."""
    import uvicorn

    Run.open(folder)                                  # a folder that is not a finished run: one line, now
    token = secrets.token_urlsafe(16)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((HOST, port))
        sock.listen(128)             # connections wait from now on, before the server loop is up
    except OSError as exc:
        raise PipelineError(f"cannot listen on {HOST}:{port} ({exc.strerror or exc}): choose another --port") from exc
    url = f"http://{HOST}:{sock.getsockname()[1]}/?token={token}"
    announce(url)
    if open_browser:
        threading.Timer(0.5, webbrowser.open, [url]).start()
    server = uvicorn.Server(uvicorn.Config(make_app(folder, token), log_level="warning", lifespan="off",
                                           access_log=False))
    server.run(sockets=[sock])
