"""The review page's server: Starlette on uvicorn, bound to 127.0.0.1 only. It serves the page (plain
HTML/JS/CSS shipped in pipeline/web/static, nothing from the network), the working copy of the sound, the
lines, and two actions: save the edits into transcript.csv, and make the documents again (the runner, with the
settings the run recorded: the models are not run again).

A careful local server, since any web page the user visits can send requests to 127.0.0.1:
- the address `exhibit review` prints and opens holds a one-time launch code, not the session's secret: the
  first visit sets the secret as an HttpOnly, SameSite=Strict cookie and the code is spent (a browser's
  command line, which other local users can read, then holds nothing that opens the page);
- every request must carry that cookie, and name this server (Host 127.0.0.1:PORT or localhost:PORT) so that
  a DNS-rebound name is refused;
- a request that changes anything must be JSON, from no foreign Origin, and at most MAX_BODY bytes;
- a bad request is answered 4xx with one line, never a traceback;
- every answer says Referrer-Policy: no-referrer and a Content-Security-Policy of this server's files only."""

from __future__ import annotations

import dataclasses
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
from starlette.responses import FileResponse, HTMLResponse, JSONResponse, PlainTextResponse, RedirectResponse, Response
from starlette.routing import Route

from pipeline.config import CaseConfig
from pipeline.errors import PipelineError, StaleSaveError
from pipeline.export.wording import load_wording
from pipeline.web.record import Run, save, state
from pipeline.rundir import RunDir
from pipeline.runner import run as run_pipeline

log = logging.getLogger(__name__)

STATIC = Path(__file__).resolve().parent / "static"
ASSETS = {"review.js": "text/javascript; charset=utf-8", "review.css": "text/css; charset=utf-8"}
HOST = "127.0.0.1"
COOKIE = "exhibit_review"
MAX_BODY = 4 << 20                   # bytes: the edits of a long transcript are far less
REFUSED = "refused: open the page with the address `exhibit review` printed"
SPENT = "refused: this address opens the page once and was used already; run `exhibit review` again"
HEADERS = {"Referrer-Policy": "no-referrer", "X-Content-Type-Options": "nosniff", "Cache-Control": "no-store",
           "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; object-src 'none'; "
                                      "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"}


def make_app(folder: Path, token: str, launch: str, port: int) -> Starlette:
    """The review app for one finished run folder, served on 127.0.0.1:`port`; `launch` opens it once."""
    lock = threading.Lock()          # one save or render at a time
    spent = {"launch": False}
    hosts = {f"{HOST}:{port}", f"localhost:{port}"}
    origins = {f"http://{h}" for h in hosts}

    def allowed(request: Request) -> bool:
        given = request.cookies.get(COOKIE, "")
        return given.isascii() and secrets.compare_digest(given.encode(), token.encode())

    def refuse(text: str, status: int = 403) -> Response:
        return PlainTextResponse(text, status_code=status)

    async def opened(request: Request) -> Response:
        code = request.path_params["code"]
        with lock:
            fresh = not spent["launch"] and code.isascii() and secrets.compare_digest(code.encode(), launch.encode())
            spent["launch"] = spent["launch"] or fresh
        if not fresh:
            return refuse(SPENT)
        response = RedirectResponse("/", status_code=303)
        response.set_cookie(COOKIE, token, httponly=True, samesite="strict", path="/")
        return response

    async def page(request: Request) -> Response:
        run = Run.open(folder)
        html = (STATIC / "index.html").read_text(encoding="utf-8")
        return HTMLResponse(html.replace("{{lang}}", run.language)
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
        body = json.loads(await request.body())
        edits = body.get("lines") if isinstance(body, dict) else None
        loaded = body.get("version") if isinstance(body, dict) else None
        dismissed = body.get("dismiss", []) if isinstance(body, dict) else None
        if not (isinstance(edits, list) and all(isinstance(e, dict) for e in edits) and isinstance(loaded, str)
                and isinstance(dismissed, list) and all(isinstance(d, dict) for d in dismissed)):
            raise ValueError('the body must be {"version": …, "lines": [{"id": …, "text": …}, …], "dismiss": […]}')
        with lock:
            path, now = save(folder, edits, loaded, dismissed)
        return JSONResponse({"file": str(path), "version": now})

    async def render(request: Request) -> Response:
        def make() -> dict:
            with lock:
                run = Run.open(folder)
                started = time.perf_counter()
                # the case as the folder keeps it (case.toml, perhaps edited since the last run): none given here
                result = run_pipeline(Path(run.manifest.original), run.folder.root,
                                      dataclasses.replace(run.settings, case=CaseConfig()))
                return {"exhibit": str(result.outputs["docx"]), "seconds": round(time.perf_counter() - started, 1),
                        "ran": [r.stage for r in result.manifest.stages if r.ran]}
        return JSONResponse(await run_in_threadpool(make))

    def screened(request: Request) -> Response | None:
        """Why a request is refused, or None."""
        if request.headers.get("host", "") not in hosts:
            return refuse(f"refused: this page is served as {HOST}:{port} only")
        if request.url.path.startswith("/launch/"):
            return None
        if not allowed(request):
            return refuse(REFUSED)
        if request.method not in ("GET", "HEAD"):
            if request.headers.get("origin", next(iter(origins))) not in origins:
                return refuse("refused: a request from another site")
            if request.headers.get("content-type", "").split(";")[0].strip() != "application/json":
                return refuse("refused: send JSON (Content-Type: application/json)", 415)
            length = request.headers.get("content-length", "")
            if not length.isdigit():
                return refuse("refused: say the body's length (Content-Length)", 411)
            if int(length) > MAX_BODY:
                return refuse(f"refused: a body over {MAX_BODY:,} bytes", 413)
        return None

    async def guard(request: Request, call_next):
        response = screened(request)
        if response is None:
            try:
                response = await call_next(request)
            except StaleSaveError as exc:        # the page was loaded before the file or the run last changed
                response = JSONResponse({"error": one_line(str(exc)), "stale": True}, status_code=409)
            except PipelineError as exc:         # a broken transcript.csv, a moved original …: said in one line
                response = JSONResponse({"error": one_line(str(exc))}, status_code=400)
            except (ValueError, TypeError, KeyError, AttributeError, RecursionError) as exc:   # a malformed body
                response = JSONResponse({"error": one_line(f"bad request: {exc}")}, status_code=400)
        response.headers.update(HEADERS)
        return response

    return Starlette(routes=[Route("/", page), Route("/launch/{code}", opened), Route("/static/{name}", asset),
                             Route("/audio", audio), Route("/api/state", lines),
                             Route("/api/save", save_edits, methods=["POST"]),
                             Route("/api/render", render, methods=["POST"])],
                     middleware=[Middleware(BaseHTTPMiddleware, dispatch=guard)])


def one_line(text: str) -> str:
    return " ".join(text.split())


def serve(folder: Path, port: int = 0, open_browser: bool = True,
          announce: Callable[[str], None] = lambda url: None) -> None:
    """Serve the review page of `folder` on 127.0.0.1 until interrupted; `announce` is told the address (with
    its token) as soon as the port is open."""
    import uvicorn

    Run.open(folder)                                  # a folder that is not a finished run: one line, now
    token, launch = secrets.token_urlsafe(24), secrets.token_urlsafe(16)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((HOST, port))
        sock.listen(128)             # connections wait from now on, before the server loop is up
    except OSError as exc:
        raise PipelineError(f"cannot listen on {HOST}:{port} ({exc.strerror or exc}): choose another --port") from exc
    port = sock.getsockname()[1]
    url = f"http://{HOST}:{port}/launch/{launch}"
    announce(url)
    if open_browser:
        threading.Timer(0.5, webbrowser.open, [url]).start()
    server = uvicorn.Server(uvicorn.Config(make_app(folder, token, launch, port), log_level="warning",
                                           lifespan="off", access_log=False))
    server.run(sockets=[sock])
