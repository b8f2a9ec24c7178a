"""The Word exhibit as a PDF, made by LibreOffice (soffice) running headless, when it is installed; and one page
of a PDF as a PNG (poppler's pdftoppm), for looking at the document without Word (the app's files step,
tools/render_pages.py).

Each conversion runs LibreOffice with a throw-away user profile of its own (-env:UserInstallation), so that
it works while the user has LibreOffice open and leaves nothing behind. It converts a copy of the .docx
under a plain ASCII name in a temporary folder (non-ASCII paths break on some locales) and moves the result
into place atomically: the PDF is whole or absent.

LibreOffice stamps each PDF with the time of conversion and a random file ID. Both are set from the .docx
itself (its creation time and its MD5), so that the same .docx converted twice with the same LibreOffice and
fonts gives the same bytes — the evidence package is reproducible too.

Measured on a 2-core machine (LibreOffice 7.4, Debian 12): about 2 s for the two-page sample exhibit,
profile creation included."""

from __future__ import annotations

import hashlib
import io
import logging
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import zipfile
from datetime import datetime, timezone
from pathlib import Path

from pipeline.errors import PipelineError, os_error
from pipeline.fileio import write_bytes_atomic
from pipeline.timefmt import parse_moment

log = logging.getLogger(__name__)

TIMEOUT = 180.0     # seconds; a conversion takes about 2 s here, a first start on a slow laptop far longer
POPPLER_HINT = "install poppler-utils (`make pdf-tools` on Debian, `brew install poppler` on macOS)"
INSTALL_HINT = ("install LibreOffice (https://www.libreoffice.org; on Debian/Ubuntu: apt-get install "
                "libreoffice-writer-nogui)")
NAMES = ("soffice", "libreoffice")
MAC_PATHS = ("/Applications/LibreOffice.app/Contents/MacOS/soffice",
             "~/Applications/LibreOffice.app/Contents/MacOS/soffice")
WINDOWS_ROOTS = ("PROGRAMFILES", "PROGRAMW6432", "PROGRAMFILES(X86)", "LOCALAPPDATA")


def _candidates() -> list[Path]:
    paths = [Path(p).expanduser() for p in MAC_PATHS]
    roots = [os.environ.get(var, "") for var in WINDOWS_ROOTS] + [r"C:\Program Files", r"C:\Program Files (x86)"]
    for root in dict.fromkeys(r for r in roots if r):
        base = Path(root)
        paths += [base / "LibreOffice" / "program" / "soffice.exe",
                  base / "Programs" / "LibreOffice" / "program" / "soffice.exe"]
    return paths


def find_soffice() -> str | None:
    """LibreOffice's soffice: on PATH (soffice, libreoffice), else where the macOS/Windows installers put it."""
    for name in NAMES:
        found = shutil.which(name)
        if found:
            return found
    for path in _candidates():
        if path.is_file() and os.access(path, os.X_OK):
            return str(path)
    return None


def _last_line(text: str) -> str:
    lines = [line.strip() for line in text.splitlines()
             if line.strip() and "javaldx" not in line and not line.startswith("convert ")]
    return lines[-1] if lines else ""


def _run(command: list[str], timeout: float) -> subprocess.CompletedProcess:
    """Run soffice in a process group of its own, so that a timeout ends it and everything it started."""
    popen: dict = {"stdout": subprocess.PIPE, "stderr": subprocess.PIPE, "stdin": subprocess.DEVNULL}
    if sys.platform == "win32":
        popen["creationflags"] = subprocess.CREATE_NEW_PROCESS_GROUP | getattr(subprocess, "CREATE_NO_WINDOW", 0)
    else:
        popen["start_new_session"] = True
    with subprocess.Popen(command, **popen) as proc:
        try:
            out, err = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            _kill(proc)
            proc.communicate()
            raise
    return subprocess.CompletedProcess(command, proc.returncode, out, err)


def _kill(proc: subprocess.Popen) -> None:
    if sys.platform == "win32":
        subprocess.run(["taskkill", "/F", "/T", "/PID", str(proc.pid)], capture_output=True, check=False)
        proc.kill()
        return
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except OSError:
        proc.kill()


def _created(docx_bytes: bytes) -> datetime | None:
    """dcterms:created from the .docx's core properties (the exhibit's processed time), if it has one."""
    try:
        with zipfile.ZipFile(io.BytesIO(docx_bytes)) as archive:
            core = archive.read("docProps/core.xml").decode("utf-8", "replace")
    except (zipfile.BadZipFile, KeyError, OSError):
        return None
    match = re.search(r"<dcterms:created[^>]*>([^<]+)</dcterms:created>", core)
    if not match:
        return None
    moment = parse_moment(match.group(1))
    if moment is None:
        return None
    return moment.replace(tzinfo=timezone.utc) if moment.tzinfo is None else moment.astimezone(timezone.utc)


def _is_docx(data: bytes) -> bool:
    """A whole zip with a Word body in it (LibreOffice would import anything else as plain text)."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return "word/document.xml" in archive.namelist() and archive.testzip() is None
    except (zipfile.BadZipFile, OSError, EOFError, ValueError):
        return False


def _same_length(data: bytes, pattern: bytes, make) -> bytes:
    """Replace each match of pattern by make(match) where that keeps the length (so the xref stays right)."""
    def swap(match: re.Match) -> bytes:
        new = make(match)
        return new if len(new) == len(match.group(0)) else match.group(0)
    return re.sub(pattern, swap, data)


def reproducible(pdf: bytes, docx_bytes: bytes) -> bytes:
    """LibreOffice's PDF with its conversion time and random file ID replaced by ones taken from the .docx:
    CreationDate = the .docx's creation time (UTC), ID = the .docx's MD5, and its DocChecksum recomputed;
    each only where the length stays the same, so that the cross-reference offsets stay right."""
    digest = hashlib.md5(docx_bytes).hexdigest().upper().encode()
    pdf = _same_length(pdf, rb"/ID\s*\[\s*<[0-9A-Fa-f]{32}>\s*<[0-9A-Fa-f]{32}>\s*\]",
                       lambda m: re.sub(rb"<[0-9A-Fa-f]{32}>", b"<" + digest + b">", m.group(0)))
    created = _created(docx_bytes)
    if created is not None:
        stamp = created.strftime("%Y%m%d%H%M%S").encode()
        pdf = _same_length(pdf, rb"/CreationDate\(D:\d{14}", lambda m: b"/CreationDate(D:" + stamp)
    # LibreOffice's own /DocChecksum in the trailer covers the time too: the MD5 of the file with it zeroed
    blank = re.sub(rb"(/DocChecksum /)[0-9A-Fa-f]{32}", lambda m: m.group(1) + b"0" * 32, pdf)
    checksum = hashlib.md5(blank).hexdigest().upper().encode()
    return _same_length(blank, rb"/DocChecksum /0{32}", lambda m: b"/DocChecksum /" + checksum)


def docx_to_pdf(docx: Path, pdf: Path, timeout: float = TIMEOUT, soffice: str | None = None) -> None:
    """Convert docx to pdf with LibreOffice headless (see the module doc). Any failure — LibreOffice not
    found, a timeout, an error exit, no PDF written — is a PipelineError of one line."""
    docx, pdf = Path(docx), Path(pdf)
    exe = soffice or find_soffice()
    if exe is None:
        raise PipelineError(f"cannot make a PDF of {docx.name}: LibreOffice is not installed; {INSTALL_HINT}")
    try:
        source = docx.read_bytes()
    except OSError as exc:
        raise PipelineError(f"cannot make a PDF of {docx}: {exc.strerror or exc}") from exc
    if not _is_docx(source):
        raise PipelineError(f"cannot make a PDF of {docx}: it is not a Word document (.docx) that opens (damaged "
                            "or not a .docx): make the exhibit again")
    with tempfile.TemporaryDirectory(prefix="exhibit-pdf-", ignore_cleanup_errors=True) as work:
        work_dir = Path(work)
        profile, out_dir, copy = work_dir / "profile", work_dir / "out", work_dir / "exhibit.docx"
        out_dir.mkdir()
        copy.write_bytes(source)
        command = [exe, f"-env:UserInstallation={profile.as_uri()}", "--headless", "--invisible", "--norestore",
                   "--nolockcheck", "--nodefault", "--convert-to", "pdf:writer_pdf_Export",
                   "--outdir", str(out_dir), str(copy)]
        log.debug("pdf: %s", " ".join(command))
        try:
            proc = _run(command, timeout)
        except subprocess.TimeoutExpired:
            raise PipelineError(f"LibreOffice did not finish converting {docx.name} to PDF within {timeout:g} s: "
                                "try again, or open it in Word or LibreOffice and save it as PDF") from None
        except OSError as exc:
            raise PipelineError(f"LibreOffice ({exe}) could not be started: {exc.strerror or exc}") from exc
        said = _last_line(proc.stderr.decode("utf-8", "replace") + "\n" + proc.stdout.decode("utf-8", "replace"))
        result = out_dir / "exhibit.pdf"
        if proc.returncode != 0:
            raise PipelineError(f"LibreOffice failed to convert {docx.name} to PDF (exit code {proc.returncode}"
                                f"{': ' + said if said else ''})")
        data = result.read_bytes() if result.is_file() else b""
        if not data.startswith(b"%PDF"):
            raise PipelineError(f"LibreOffice wrote no PDF for {docx.name}"
                                f"{' (' + said + ')' if said else ''}: is it a Word document that opens?")
        try:
            write_bytes_atomic(pdf, reproducible(data, source))
        except OSError as exc:
            raise os_error(exc, pdf) from exc


def page_count(pdf: Path) -> int | None:
    """How many pages the PDF has (poppler's pdfinfo), None when that cannot be told."""
    pdfinfo = shutil.which("pdfinfo")
    if pdfinfo is None:
        return None
    try:
        info = subprocess.run([pdfinfo, str(pdf)], capture_output=True, text=True, timeout=60).stdout
    except (OSError, subprocess.TimeoutExpired):
        return None
    match = re.search(r"^Pages:\s+(\d+)", info, re.M)
    return int(match.group(1)) if match else None


def page_png(pdf: Path, png: Path, page: int = 1, dpi: int = 80, timeout: float = 60.0) -> int | None:
    """Write page `page` of pdf as png (poppler's pdftoppm at `dpi`), whole or absent; the PDF's page count (None
    when unknown). Any failure — pdftoppm not found, no such page, no image written — is a PipelineError of one
    line."""
    pdf, png = Path(pdf), Path(png)
    pdftoppm = shutil.which("pdftoppm")
    if pdftoppm is None:
        raise PipelineError(f"cannot show a page of {pdf.name}: pdftoppm is not installed; {POPPLER_HINT}")
    pages = page_count(pdf)
    if pages is not None and not 1 <= page <= pages:
        raise PipelineError(f"{pdf.name} has {pages} page(s): there is no page {page}")
    with tempfile.TemporaryDirectory(prefix="exhibit-page-", ignore_cleanup_errors=True) as work:
        stem = Path(work) / "page"
        try:
            proc = subprocess.run([pdftoppm, "-png", "-r", str(dpi), "-f", str(page), "-l", str(page),
                                   "-singlefile", str(pdf), str(stem)], capture_output=True, text=True,
                                  timeout=timeout)
        except subprocess.TimeoutExpired:
            raise PipelineError(f"pdftoppm did not render page {page} of {pdf.name} within {timeout:g} s") from None
        except OSError as exc:
            raise PipelineError(f"pdftoppm ({pdftoppm}) could not be started: {exc.strerror or exc}") from exc
        made = stem.with_suffix(".png")
        if proc.returncode != 0 or not made.is_file():
            said = proc.stderr.strip().splitlines()
            raise PipelineError(f"pdftoppm could not render page {page} of {pdf.name}: "
                                f"{said[-1] if said else 'no image'}")
        try:
            png.parent.mkdir(parents=True, exist_ok=True)
            write_bytes_atomic(png, made.read_bytes())
        except OSError as exc:
            raise os_error(exc, png) from exc
    return pages
