"""The Cases page (案件): every run folder of the app's root with its state, and a link to each folder's steps.
Its language is the browser's: Chinese when Accept-Language prefers zh, English otherwise; its wording is
configs/exhibit_<language>.toml [app] (and the draft reasons the court copy gives)."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Route

from pipeline.export.wording import draft_reasons, load_wording
from pipeline.web.folders import cases
from pipeline.web.folderstate import FolderState

STATIC = Path(__file__).resolve().parent / "static"


def page_language(accept_language: str) -> str:
    """"zh" when the language the browser prefers most (Accept-Language, by its q values, the first of equals)
    is Chinese, else "en"."""
    best, best_q = "", -1.0
    for part in accept_language.split(","):
        tag, _, params = part.strip().partition(";")
        q = 1.0
        for param in params.split(";"):
            key, _, value = param.strip().partition("=")
            if key.strip().lower() == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        if tag.strip() and q > best_q:
            best, best_q = tag.strip().lower(), q
    return "zh" if best_q > 0 and (best == "zh" or best.startswith("zh-")) else "en"


def listed(name: str, found: FolderState, wording) -> dict[str, Any]:
    """One case as the page lists it: its name, state, why (a draft's reasons, the speakers to name) and the
    address of its review step (relative to the Cases page), when a finished run is there."""
    words = wording["app"]
    why = []
    if found.unnamed:
        why.append(words["unnamed"].format(count=len(found.unnamed)))
    why += draft_reasons(found.why, found.lines, wording)
    return {"name": name, "state": found.state, "state_label": words["states"][found.state],
            "why": words["separator"].join(why), "review": f"case/{quote(name, safe='')}/" if found.finished else ""}


def routes(root: Path) -> list[Route]:
    """The page and what it lists (plain functions: Starlette runs them in its threads, off the event loop)."""
    def page(request: Request) -> Response:
        language = page_language(request.headers.get("accept-language", ""))
        html = (STATIC / "cases.html").read_text(encoding="utf-8")
        return HTMLResponse(html.replace("{{lang}}", language).replace("{{title}}", load_wording(language)["app"]["title"]))

    def listing(request: Request) -> Response:
        language = page_language(request.headers.get("accept-language", ""))
        wording = load_wording(language)
        return JSONResponse({"language": language, "root": str(root), "words": _words(wording),
                             "cases": [listed(name, found, wording) for name, found in cases(root)]})

    return [Route("/", page), Route("/api/cases", listing)]


def _words(wording) -> dict[str, str]:
    return {k: v for k, v in wording["app"].items() if isinstance(v, str)}
