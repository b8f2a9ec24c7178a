"""The files step (文件) of one case folder, under /case/<name>/files/: whether the court copy may be filed (and
when not, what is missing, each with the step that fixes it), the two documents and the court copy's PDF to
download, the court copy's first page shown, and the evidence package made (package.build_package, never of a
draft) and downloaded, with its checksums.

A download is asked for by a fixed role in the address (ROLES: court_docx, counsel_docx, court_pdf, package_zip),
never by a path: each role stands for one file the folder is known to hold (the last run's manifest lists the
documents; the PDF is the preview made for the court copy as it is now; package.zip), sent as an attachment
under its own name (RFC 5987 for a name that is not ASCII).

The court copy's PDF and its first page as PNG (pdf.docx_to_pdf, pdf.page_png) are made on request and kept in
the folder's preview/ named by the court copy's sha256 (RunDir.preview_pdf/preview_png): a court copy made
again is another file, so its preview is made again; only the newest court copy's preview is kept. No manifest
lists them, so a run never publishes or removes them and the package never takes them."""

from __future__ import annotations

import json
import shutil
import tempfile
import threading
from pathlib import Path
from typing import Any
from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from pipeline.artifactio import load
from pipeline.artifacts import AudioAsset
from pipeline.errors import Joined, PipelineError
from pipeline.export.manifest import read_manifest
from pipeline.export.pdf import docx_to_pdf, page_png
from pipeline.export.wording import draft_reasons, load_wording
from pipeline.fileio import sha256_bytes, sha256_file
from pipeline.package import MANIFEST, SUMS, build_package
from pipeline.rundir import RunDir
from pipeline.web.folders import case_folder
from pipeline.web.folderstate import FolderState, folder_state
from pipeline.web.pages import language, page, step_path

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
ROLES = {"court_docx": DOCX, "counsel_docx": DOCX, "court_pdf": "application/pdf", "package_zip": "application/zip"}
FIXES = {"unnamed": "speakers", "unchecked": "review", "no_reviewer": "details", "conflicts": "review"}
DPI = 96             # the first page as the page shows it: about 790×1120 for A4


# ------------------------------------------------------------------------------------------ the known files


def documents(run: RunDir) -> dict[str, Path]:
    """The court copy and the counsel's working copy the last run made (its manifest lists them), by role, those
    that are there."""
    asset = load(AudioAsset, run.artifact("ingest"))
    if asset is None or not run.manifest.is_file():
        return {}
    try:
        listed = read_manifest(run.manifest).outputs
    except (OSError, ValueError, KeyError, TypeError):
        return {}
    stem = Path(asset.file_name).stem
    found = {"court_docx": run.docx(stem), "counsel_docx": run.counsel_docx(stem)}
    return {role: path for role, path in found.items() if run.relative(path) in listed and path.is_file()}


def known(run: RunDir) -> dict[str, tuple[Path, str]]:
    """Every file a download may send, by role: (the file, the name it is sent as)."""
    found = {role: (path, path.name) for role, path in documents(run).items()}
    if "court_docx" in found:
        court = found["court_docx"][0]
        pdf = run.preview_pdf(sha256_file(court))
        if pdf.is_file():
            found["court_pdf"] = (pdf, f"{court.stem}.pdf")
    if run.package_zip.is_file():
        found["package_zip"] = (run.package_zip, zip_name(run))
    return found


def zip_name(run: RunDir) -> str:
    """The name the package zip is downloaded as: the case folder's, so that two cases' packages never share one."""
    return f"{run.root.name}_{run.package_zip.name}"


def attachment(name: str) -> str:
    """Content-Disposition for a download saved as `name`: an ASCII stand-in for old browsers, and the name
    itself as RFC 5987 (filename*) for the rest."""
    plain = "".join(c if c.isascii() and c.isprintable() and c not in '"\\;' else "_" for c in name)
    return f"attachment; filename=\"{plain}\"; filename*=UTF-8''{quote(name, safe='')}"


# ----------------------------------------------------------------------------------- the court copy's look


def make_preview(run: RunDir) -> str:
    """The court copy's PDF and first page (PNG) as the court copy is now, made unless already there; the
    previews of earlier court copies removed. Returns the court copy's sha256; PipelineError in one line when
    LibreOffice or pdftoppm is missing or fails."""
    court = documents(run).get("court_docx")
    if court is None:
        raise PipelineError.keyed("app_no_court_copy", folder=run.root)
    data = court.read_bytes()
    sha = sha256_bytes(data)
    pdf, png = run.preview_pdf(sha), run.preview_png(sha)
    run.previews.mkdir(exist_ok=True)
    if not pdf.is_file():
        with tempfile.TemporaryDirectory(prefix="exhibit-preview-") as work:
            copy = Path(work) / court.name             # the bytes hashed, whatever a run does to the file now
            copy.write_bytes(data)
            docx_to_pdf(copy, pdf)
    if not png.is_file():
        page_png(pdf, png, 1, DPI)
    for old in run.previews.iterdir():
        if old.name in (pdf.name, png.name):
            continue
        if old.is_dir():
            shutil.rmtree(old, ignore_errors=True)
        else:
            old.unlink(missing_ok=True)
    return sha


def preview(run: RunDir) -> dict[str, Any] | None:
    """The first page of the court copy as it is now, when made: its address (changing with the court copy)."""
    court = documents(run).get("court_docx")
    if court is None:
        return None
    sha = sha256_file(court)
    return {"sha256": sha, "png": f"page.png?v={sha[:16]}" if run.preview_png(sha).is_file() else "",
            "pdf": run.preview_pdf(sha).is_file()}


# ----------------------------------------------------------------------------------------------- the package


def package_state(run: RunDir) -> dict[str, Any] | None:
    """The evidence package as the folder holds it: the zip's name, size and sha256, SHA256SUMS, whether it is
    a draft and whether it holds the court copy as it is now; None when there is none."""
    if not run.package_zip.is_file():
        return None
    sums = run.package / SUMS
    try:
        court = json.loads((run.package / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        court = {}
    packed = court.get("files", {}) if isinstance(court, dict) else {}
    now = documents(run).get("court_docx")
    return {"name": zip_name(run), "size": run.package_zip.stat().st_size,
            "sha256": sha256_file(run.package_zip), "sums": sums.read_text(encoding="utf-8") if sums.is_file() else "",
            "draft": bool(court.get("draft")) if isinstance(court, dict) else False,
            "current": now is not None and isinstance(packed, dict) and packed.get(now.name) == sha256_file(now)}


# ------------------------------------------------------------------------------------------- the page's state


def reasons(name: str, found: FolderState, wording) -> list[dict[str, str]]:
    """What stands between the court copy and filing it, one phrase a reason, each with the step that fixes it:
    the speakers to name, then the draft's reasons (as the court copy gives them)."""
    words = wording["app"]
    said = []
    if found.unnamed:
        said.append(("unnamed", words["unnamed"].format(count=len(found.unnamed))))
    said += [(key, draft_reasons({key: n}, found.lines, wording)[0]) for key, n in found.why.items()]
    return [{"reason": key, "text": text, "fix": words["files"]["fix"][FIXES[key]],
             "href": step_path(name, FIXES[key])} for key, text in said]


def overview(folder: Path, name: str, shown: str) -> dict[str, Any]:
    """Everything the files page shows of the folder, in the interface's language `shown`."""
    run, wording = RunDir(folder), load_wording(shown)
    found = folder_state(folder) or FolderState("processing", finished=False)
    files = known(run)
    return {"language": shown, "name": name, "state": found.state,
            "state_label": wording["app"]["states"][found.state], "finished": found.finished,
            "verdict_label": wording["app"]["states"]["draft" if found.why else found.state],
            "may_file": found.finished and not found.why and not found.behind, "draft": bool(found.why),
            "behind": list(found.behind),
            "reasons": reasons(name, found, wording) if found.finished else [],
            "files": {role: {"name": shown_as, "size": path.stat().st_size, "href": f"download/{role}"}
                      for role, (path, shown_as) in files.items()},
            "preview": preview(run), "package": package_state(run),
            "words": {key: text for key, text in wording["app"]["files"].items() if isinstance(text, str)}}


# ------------------------------------------------------------------------------------------------- the routes


def routes(root: Path, lock: threading.Lock) -> list[Route]:
    """The files step's routes for every case folder of `root`; `lock`: one save, render or package at a time."""

    def folder(request: Request) -> Path:
        return case_folder(root, request.path_params["name"])

    def shown(request: Request) -> Response:
        folder(request)
        return page(request, "files", "files", request.path_params["name"])

    def state(request: Request) -> Response:
        return JSONResponse(overview(folder(request), request.path_params["name"], language(request)))

    def download(request: Request) -> Response:
        role = request.path_params["role"]
        found = known(RunDir(folder(request))).get(role) if role in ROLES else None
        if found is None:
            return PlainTextResponse(f"not found: {role!r} is not a file of this case that can be downloaded",
                                     status_code=404)
        path, name = found
        return FileResponse(path, media_type=ROLES[role], headers={"Content-Disposition": attachment(name)})

    def first_page(request: Request) -> Response:
        run = RunDir(folder(request))
        court = documents(run).get("court_docx")
        png = run.preview_png(sha256_file(court)) if court is not None else None
        if png is None or not png.is_file():
            return PlainTextResponse("not found: the first page is not made yet", status_code=404)
        return FileResponse(png, media_type="image/png")

    def make_page(request: Request) -> Response:
        where = folder(request)
        with lock:
            make_preview(RunDir(where))
        return JSONResponse(overview(where, request.path_params["name"], language(request)))

    def make_package(request: Request) -> Response:
        where = folder(request)
        with lock:
            found = folder_state(where)
            if found is not None and found.behind:      # the package would not hold what the person saved
                raise PipelineError.keyed("documents_behind", folder=where, files=Joined(found.behind))
            made = build_package(where, draft=False)
        return JSONResponse({**overview(where, request.path_params["name"], language(request)),
                             "no_pdf": made.no_pdf})

    base = "/case/{name}/files"
    return [Route(f"{base}/", shown), Route(f"{base}/api/state", state),
            Route(f"{base}/download/{{role}}", download), Route(f"{base}/page.png", first_page),
            Route(f"{base}/api/preview", make_page, methods=["POST"]),
            Route(f"{base}/api/package", make_package, methods=["POST"])]
