"""The app's one server: Starlette on uvicorn, bound to 127.0.0.1 only, serving a root folder of case (run)
folders, out/ by default: the Cases page at / (cases.py) and each folder's steps under /case/<name>/ (the
review step: reviewstep.py). Plain HTML/JS/CSS shipped in pipeline/web/static, nothing from the network.

One set of protections for every route, since any web page the user visits can send requests to 127.0.0.1:
- the address `exhibit app` (or `exhibit review`) prints and opens holds a one-time launch code, not the
  session's secret: the first visit sets the secret as an HttpOnly, SameSite=Strict cookie, the code is spent
  (a browser's command line, which other local users can read, then holds nothing that opens the app) and the
  browser is sent on to the page the command was for;
- every request must carry that cookie, and name this server (Host 127.0.0.1:PORT or localhost:PORT) so that
  a DNS-rebound name is refused;
- a request that changes anything must be JSON, from no foreign Origin, and at most MAX_BODY bytes (a
  recording sent to /api/upload: its bytes, streamed to disk, upload.py);
- a folder name in the address is checked (folders.py): a direct child of the root that is a run folder only;
- a bad request is answered 4xx with one line, never a traceback (an error worded in both languages, in the
  interface's);
- every answer says Referrer-Policy: no-referrer and a Content-Security-Policy of this server's files only."""

from __future__ import annotations

import json
import logging
import secrets
import socket
import threading
import webbrowser
from collections.abc import Callable
from pathlib import Path
from urllib.parse import quote

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.base import BaseHTTPMiddleware
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, PlainTextResponse, RedirectResponse, Response
from starlette.routing import Route

from pipeline.errors import Phrase, PipelineError, StaleSaveError
from pipeline.web import cases, details, files, keyfacts, progress, reviewstep, speakers, upload
from pipeline.web.jobs import Jobs
from pipeline.web.folders import NoSuchCase, case_folder
from pipeline.web.pages import LANGUAGE_COOKIE, LANGUAGES, language, problem
from pipeline.web.record import Run

log = logging.getLogger(__name__)

STATIC = Path(__file__).resolve().parent / "static"
TYPES = {".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8"}
ASSETS = {p.name: TYPES[p.suffix] for p in sorted(STATIC.iterdir()) if p.suffix in TYPES}   # the pages' scripts
HOST = "127.0.0.1"
COOKIE = "exhibit_app"
MAX_BODY = 4 << 20                   # bytes: the edits of a long transcript are far less
REFUSED = Phrase("app_refused")     # a request without the session's cookie
SPENT = Phrase("app_spent")         # the launch address opened again
HEADERS = {"Referrer-Policy": "no-referrer", "X-Content-Type-Options": "nosniff", "Cache-Control": "no-store",
           "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; object-src 'none'; "
                                      "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"}


def review_path(name: str) -> str:
    """The address of a case folder's review step."""
    return f"/case/{quote(name, safe='')}/"


def review_start(folder: Path) -> tuple[Path, str]:
    """(root, start) for `exhibit review FOLDER`: the app of the folder's parent, opened at its review step;
    PipelineError in one line when the folder is no finished run the app can serve."""
    folder = Path(folder).resolve()
    Run.open(folder)                                  # a folder that is not a finished run: one line, now
    try:
        case_folder(folder.parent, folder.name)
    except NoSuchCase as exc:
        raise PipelineError.keyed("app_hidden_folder", folder=folder, reason=exc.args[0]) from None
    return folder.parent, review_path(folder.name)


def make_app(root: Path, token: str, launch: str, port: int, start: str = "/") -> Starlette:
    """The app for the case folders of `root`, served on 127.0.0.1:`port`; `launch` opens it once, at `start`."""
    root = Path(root)
    lock = threading.Lock()          # one save or render at a time
    jobs = Jobs()                    # the runs this app started
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
            return refuse(SPENT.text(language(request)))
        response = RedirectResponse(start, status_code=303)
        response.set_cookie(COOKIE, token, httponly=True, samesite="strict", path="/")
        return response

    async def asset(request: Request) -> Response:
        name = request.path_params["name"]
        if name not in ASSETS:
            return PlainTextResponse("not found", status_code=404)
        return FileResponse(STATIC / name, media_type=ASSETS[name])

    async def choose_language(request: Request) -> Response:
        chosen = json.loads(await request.body())
        chosen = chosen.get("language") if isinstance(chosen, dict) else None
        if chosen not in LANGUAGES:
            raise ValueError(f"the language must be one of {', '.join(LANGUAGES)}")
        response = JSONResponse({"language": chosen})
        response.set_cookie(LANGUAGE_COOKIE, chosen, samesite="strict", path="/", max_age=400 * 24 * 3600)
        return response

    def screened(request: Request) -> Response | None:
        """Why a request is refused, or None."""
        if request.headers.get("host", "") not in hosts:
            return refuse(f"refused: this page is served as {HOST}:{port} only")
        if request.url.path.startswith("/launch/"):
            return None
        if not allowed(request):
            return refuse(REFUSED.text(language(request)))
        if request.method not in ("GET", "HEAD"):
            if request.headers.get("origin", next(iter(origins))) not in origins:
                return refuse("refused: a request from another site")
            sending = request.url.path == upload.PATH            # a recording: its bytes as they are
            kind = "application/octet-stream" if sending else "application/json"
            if request.headers.get("content-type", "").split(";")[0].strip() != kind:
                return refuse(f"refused: send {'the file' if sending else 'JSON'} (Content-Type: {kind})", 415)
            length = request.headers.get("content-length", "")
            if not length.isdigit():
                return refuse("refused: say the body's length (Content-Length)", 411)
            if int(length) > MAX_BODY and not sending:
                return refuse(f"refused: a body over {MAX_BODY:,} bytes", 413)
        return None

    async def guard(request: Request, call_next):
        response = screened(request)
        if response is None:
            try:
                response = await call_next(request)
            except NoSuchCase as exc:            # a folder name that is not one of the root's case folders
                response = refuse(one_line(exc.text(language(request))), 404)
            except StaleSaveError as exc:        # the page was loaded before the file or the run last changed
                response = JSONResponse({"error": one_line(exc.text(language(request))), "stale": True},
                                        status_code=409)
            except PipelineError as exc:         # a broken transcript.csv, a moved original …: said in one line
                said = one_line(exc.text(language(request)))
                response = problem(request, said, 400) if _page(request) else JSONResponse({"error": said},
                                                                                           status_code=400)
            except (ValueError, TypeError, KeyError, AttributeError, RecursionError) as exc:   # a malformed body
                response = JSONResponse({"error": one_line(f"bad request: {exc}")}, status_code=400)
        response.headers.update(HEADERS)
        return response

    return Starlette(routes=[*cases.routes(root), Route("/launch/{code}", opened), Route("/static/{name}", asset),
                             Route("/api/language", choose_language, methods=["POST"]),
                             *upload.routes(root, jobs), *reviewstep.routes(root, lock),
                             *details.routes(root, lock), *progress.routes(root, lock, jobs),
                             *speakers.routes(root, lock), *keyfacts.routes(root, lock),
                             *files.routes(root, lock)],
                     middleware=[Middleware(BaseHTTPMiddleware, dispatch=guard)])


def _page(request: Request) -> bool:
    """A browser asking for a page (not the page asking for its data)."""
    return request.method == "GET" and "text/html" in request.headers.get("accept", "")


def one_line(text: str) -> str:
    return " ".join(text.split())


def serve(root: Path, start: str = "/", port: int = 0, open_browser: bool = True,
          announce: Callable[[str], None] = lambda url: None) -> None:
    """Serve the app for the case folders of `root` on 127.0.0.1 until interrupted, the launch address opening
    `start` (/ the Cases page, or review_path(name)); `announce` is told the address (with its one-time code)
    as soon as the port is open."""
    import uvicorn

    if not Path(root).is_dir():
        raise PipelineError.keyed("app_root_not_folder", folder=root)
    token, launch = secrets.token_urlsafe(24), secrets.token_urlsafe(16)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((HOST, port))
        sock.listen(128)             # connections wait from now on, before the server loop is up
    except OSError as exc:
        raise PipelineError.keyed("cannot_listen", address=f"{HOST}:{port}", reason=str(exc.strerror or exc)) from exc
    port = sock.getsockname()[1]
    url = f"http://{HOST}:{port}/launch/{launch}"
    announce(url)
    if open_browser:
        threading.Timer(0.5, webbrowser.open, [url]).start()
    server = uvicorn.Server(uvicorn.Config(make_app(root, token, launch, port, start), log_level="warning",
                                           lifespan="off", access_log=False))
    server.run(sockets=[sock])
