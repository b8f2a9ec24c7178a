"""The Cases page (案件): every run folder of the app's root with its state, and a link to each folder's steps.
In the interface's language (pages.language); its wording is
configs/exhibit_<language>.toml [app] (and the draft reasons the court copy gives)."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from pipeline.export.wording import draft_reasons, load_wording
from pipeline.web.folders import cases
from pipeline.web.folderstate import FolderState
from pipeline.web.pages import language, next_step, page, step_path


def listed(name: str, found: FolderState, wording) -> dict[str, Any]:
    """One case as the page lists it: its name, state, why (a draft's reasons, the speakers to name) and the
    address of its review step (relative to the Cases page), when a finished run is there."""
    words = wording["app"]
    why = []
    if found.unnamed:
        why.append(words["unnamed"].format(count=len(found.unnamed)))
    why += draft_reasons(found.why, found.lines, wording)
    if found.behind:
        why.append(words["behind"])
    following = next_step(found.state)
    return {"name": name, "state": found.state, "state_label": words["states"][found.state],
            "why": words["separator"].join(why), "review": f"case/{quote(name, safe='')}/" if found.finished else "",
            "next": step_path(name, following).lstrip("/"), "next_label": words["steps"][following]}


def routes(root: Path) -> list[Route]:
    """The page and what it lists (plain functions: Starlette runs them in its threads, off the event loop)."""
    def shown(request: Request) -> Response:
        return page(request, "cases", "cases")

    def listing(request: Request) -> Response:
        shown_in = language(request)
        wording = load_wording(shown_in)
        return JSONResponse({"language": shown_in, "root": str(root), "words": _words(wording),
                             "cases": [listed(name, found, wording) for name, found in cases(root)]})

    return [Route("/", shown), Route("/api/cases", listing)]


def _words(wording) -> dict[str, str]:
    return {k: v for k, v in wording["app"].items() if isinstance(v, str)}
