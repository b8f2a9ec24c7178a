"""What every page of the app shares: the interface's language (the person's choice, else the browser's), the
steps of a case in the order a lawyer works (the navigation at the top of every page) and the page itself (a
step's body, pipeline/web/static/<step>.html, in the one shell every page shares: language, title, navigation,
app.css and app.js, the step's own css and script).

The steps: 案件 Cases (/), then for one case folder /case/<name>/…: 案件信息 details/, 处理中 progress/,
说话人 speakers/, 核对 review (the folder's own address), 关键内容 facts/, 文件 files/."""

from __future__ import annotations

from html import escape
from pathlib import Path
from urllib.parse import quote, unquote

from starlette.requests import Request
from starlette.responses import HTMLResponse

from pipeline.export.wording import load_wording, user_language

STATIC = Path(__file__).resolve().parent / "static"
LANGUAGES = ("zh", "en")
LANGUAGE_COOKIE = "exhibit_language"          # the person's choice, set by the switch on every page
STEPS = ("cases", "details", "progress", "speakers", "review", "facts", "files")
NEXT = {"processing": "progress", "received": "progress", "needs_names": "speakers", "draft": "review"}


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


def language(request: Request) -> str:
    """The interface's language: the one chosen with the switch (a cookie); else Chinese when the browser
    prefers Chinese or this computer's locale is Chinese (LANG …, wording.user_language); else English."""
    chosen = request.cookies.get(LANGUAGE_COOKIE, "")
    if chosen in LANGUAGES:
        return chosen
    browser = page_language(request.headers.get("accept-language", ""))
    return "zh" if "zh" in (browser, user_language()) else "en"


def step_path(name: str, step: str) -> str:
    """The address of one step of the case folder `name` (the Cases page for "cases")."""
    if step == "cases":
        return "/"
    folder = f"/case/{quote(name, safe='')}/"
    return folder if step == "review" else f"{folder}{step}/"


def next_step(state: str) -> str:
    """The step a case folder in `state` (folderstate.STATES) needs next: its files once it is reviewed."""
    return NEXT.get(state, "files")


def navigation(name: str | None, current: str, words) -> str:
    """The steps as links (only the Cases page when no folder is open), the current one marked, and the switch
    to the other language."""
    links = []
    for step in STEPS if name is not None else ("cases",):
        label = escape(words["steps"][step])
        here = ' aria-current="page"' if step == current else ""
        links.append(f'<a class="step" data-step="{step}" href="{escape(step_path(name or "", step))}"{here}>'
                     f"{label}</a>")
    case = f'<span id="case-name">{escape(name)}</span>' if name is not None else ""
    switch = "".join(f'<button type="button" class="language" data-language="{code}"'
                     f'{" disabled" if code == words["language"] else ""}>{escape(words["language_names"][code])}'
                     "</button>" for code in LANGUAGES)
    return f'<nav id="steps">{"".join(links)}{case}<span id="languages">{switch}</span></nav>'


def problem(request: Request, message: str, status: int) -> HTMLResponse:
    """A page of a step that cannot be shown (a folder not made yet, a file that cannot be read): the navigation
    and the one line that says why, in place of the step."""
    parts = request.url.path.split("/")
    name = unquote(parts[2]) if len(parts) > 3 and parts[1] == "case" else None
    step = next((s for s in STEPS if s in parts[3:4]), "review") if name is not None else "cases"
    answer = page(request, "problem", step, name, style="cases", script="")
    answer.body = answer.body.replace(b"{{message}}", escape(message).encode("utf-8"))
    answer.headers["content-length"] = str(len(answer.body))
    answer.status_code = status
    return answer


SHELL = """<!doctype html>
<html lang="{lang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<link rel="stylesheet" href="/static/app.css">
<link rel="stylesheet" href="/static/{style}.css">
</head>
<body>
{nav}
{body}<script src="/static/app.js"></script>
{script}</body>
</html>
"""


def page(request: Request, view: str, step: str, name: str | None = None, style: str = "",
         script: str | None = None) -> HTMLResponse:
    """A page of the app: the body static/<view>.html in the one shell every page shares (the interface's
    language, the title of its step, the navigation of the case folder `name` — None: the Cases page — the
    shared app.css and app.js), with its own static/<style>.css and static/<script>.js (both `view` unless
    given; script "" for none)."""
    shown = language(request)
    words = load_wording(shown)["app"]
    title = words["steps"][step] + (f" · {name}" if name is not None else "")
    script = view if script is None else script
    return HTMLResponse(SHELL.format(
        lang=shown, title=escape(title), style=style or view, nav=navigation(name, step, {**words, "language": shown}),
        body=(STATIC / f"{view}.html").read_text(encoding="utf-8"),
        script=f'<script src="/static/{script}.js"></script>\n' if script else ""))
