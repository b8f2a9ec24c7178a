"""The app's files step (pipeline/web/files.py) on run folders built by hand, through the app itself (the server's
ASGI application called in this process, its protections included): a download sends only the files the folder
is known to hold, by role, under their own names; the court copy's first page is made once per court copy and
again after it changes; a draft is not packaged, a reviewed folder is, with its checksums."""

from __future__ import annotations

import dataclasses
import json
import os
import shutil
from pathlib import Path
from urllib.parse import quote

import pytest

from builders import app_answer, finished_run, make_docx, sha256
from builders import app_of as app_for
from pipeline.errors import PipelineError
from pipeline.export import pdf as pdf_module
from pipeline.export.manifest import read_manifest, write_manifest
from pipeline.fileio import sha256_file
from pipeline.rundir import RunDir
from pipeline.web import files

NAME = "借款录音"
QUOTED = quote(NAME, safe="")


def call(app, method: str, path: str, body: bytes = b"") -> tuple[int, dict[str, str], bytes]:
    """One request to the app as a Chinese browser the app was opened in sends it: (status, headers, body)."""
    return app_answer(app, method, path, body)


def app_of(run_dir: Path):
    return app_for(run_dir.parent)


def step(run_dir: Path, address: str) -> str:
    return f"/case/{quote(run_dir.name, safe='')}/files/{address}"


def state(app, run_dir: Path) -> dict:
    status, _, body = call(app, "GET", step(run_dir, "api/state"))
    assert status == 200, body
    return json.loads(body)


def list_counsel_copy(run_dir: Path) -> None:
    """The hand-built run lists its court copy only; a real run lists the counsel's working copy too."""
    manifest = read_manifest(run_dir / "manifest.json")
    counsel = f"{NAME}_counsel.docx"
    write_manifest(run_dir / "manifest.json", dataclasses.replace(
        manifest, outputs={**manifest.outputs, counsel: sha256_file(run_dir / counsel)}))


def test_a_download_sends_only_the_folders_known_files_by_role_under_their_own_names(tmp_path):
    run_dir, _ = finished_run(tmp_path)
    app = app_of(run_dir)
    status, headers, body = call(app, "GET", step(run_dir, "download/court_docx"))
    assert status == 200 and body == (run_dir / f"{NAME}.docx").read_bytes()
    assert headers["content-disposition"] == f"attachment; filename=\"____.docx\"; filename*=UTF-8''{QUOTED}.docx"
    assert headers["content-type"].startswith("application/vnd.openxmlformats-officedocument.wordprocessingml")
    # the counsel's working copy is there, but the run's manifest does not list it: not sent
    assert (run_dir / f"{NAME}_counsel.docx").is_file()
    assert call(app, "GET", step(run_dir, "download/counsel_docx"))[0] == 404
    list_counsel_copy(run_dir)
    status, headers, body = call(app, "GET", step(run_dir, "download/counsel_docx"))
    assert status == 200 and body == (run_dir / f"{NAME}_counsel.docx").read_bytes()
    assert headers["content-disposition"].endswith(f"filename*=UTF-8''{QUOTED}_counsel.docx")
    # no PDF made, no package made yet; anything else is no role, whatever the folder holds
    for role in ("court_pdf", "package_zip", "manifest", "transcript_csv", "key_facts_csv", "..",
                 "%2E%2E%2Fmanifest.json", "court_docx%2F..%2F..%2Fmanifest.json", "COURT_DOCX", "court_docx%0A"):
        status, _, body = call(app, "GET", step(run_dir, f"download/{role}"))
        assert status == 404 and b"\n" not in body, role
    assert call(app, "GET", f"/case/{quote('../out', safe='')}/files/download/court_docx")[0] == 404
    shown = state(app, run_dir)
    assert set(shown["files"]) == {"court_docx", "counsel_docx"}
    assert shown["files"]["court_docx"] == {"name": f"{NAME}.docx", "size": (run_dir / f"{NAME}.docx").stat().st_size,
                                            "href": "download/court_docx"}


def test_a_name_that_is_not_plain_ascii_is_sent_as_rfc_5987_with_a_safe_stand_in():
    assert files.attachment('借款 "录音";\\x.docx') == (
        "attachment; filename=\"__ ______x.docx\"; "
        "filename*=UTF-8''%E5%80%9F%E6%AC%BE%20%22%E5%BD%95%E9%9F%B3%22%3B%5Cx.docx")
    assert files.attachment("call.docx") == "attachment; filename=\"call.docx\"; filename*=UTF-8''call.docx"


@pytest.fixture
def converter(monkeypatch):
    """LibreOffice and pdftoppm stood in for (the browser tests run them): each call counted, each file saying
    what it was made from."""
    made = {"pdf": 0, "png": 0}

    def to_pdf(docx: Path, pdf: Path, **_) -> None:
        made["pdf"] += 1
        pdf.write_bytes(b"%PDF of " + sha256(docx).encode())

    def to_png(pdf: Path, png: Path, page: int = 1, dpi: int = 80) -> int:
        made["png"] += 1
        png.write_bytes(b"PNG of " + pdf.read_bytes())
        return 2

    monkeypatch.setattr(files, "docx_to_pdf", to_pdf)
    monkeypatch.setattr(files, "page_png", to_png)
    return made


def test_the_first_page_is_made_once_per_court_copy_and_again_after_it_changes(tmp_path, converter):
    run_dir, _ = finished_run(tmp_path)
    app, run, court = app_of(run_dir), RunDir(run_dir), run_dir / f"{NAME}.docx"
    first = sha256(court)
    assert state(app, run_dir)["preview"] == {"sha256": first, "png": "", "pdf": False}
    assert call(app, "GET", step(run_dir, "page.png"))[0] == 404
    status, _, body = call(app, "POST", step(run_dir, "api/preview"), b"{}")
    assert status == 200 and converter == {"pdf": 1, "png": 1}
    shown = json.loads(body)
    assert shown["preview"] == {"sha256": first, "png": f"page.png?v={first[:16]}", "pdf": True}
    status, headers, image = call(app, "GET", step(run_dir, shown["preview"]["png"]))
    assert status == 200 and headers["content-type"] == "image/png" and image == b"PNG of %PDF of " + first.encode()
    status, headers, pdf = call(app, "GET", step(run_dir, "download/court_pdf"))
    assert status == 200 and pdf == b"%PDF of " + first.encode()
    assert headers["content-disposition"].endswith(f"filename*=UTF-8''{QUOTED}.pdf")
    call(app, "POST", step(run_dir, "api/preview"), b"{}")
    assert converter == {"pdf": 1, "png": 1}                          # the same court copy: made once
    # the court copy made again (here: another document under its name, as a run leaves it)
    other, _ = make_docx(tmp_path, "en")
    court.write_bytes(other.read_bytes())
    second = sha256(court)
    assert second != first and state(app, run_dir)["preview"] == {"sha256": second, "png": "", "pdf": False}
    assert call(app, "GET", step(run_dir, "page.png"))[0] == 404     # never the old court copy's page
    assert call(app, "GET", step(run_dir, "download/court_pdf"))[0] == 404
    call(app, "POST", step(run_dir, "api/preview"), b"{}")
    assert converter == {"pdf": 2, "png": 2}
    assert call(app, "GET", step(run_dir, "page.png"))[2] == b"PNG of %PDF of " + second.encode()
    assert sorted(p.name for p in run.previews.iterdir()) == [f"{second}.pdf", f"{second}.png"]


def test_without_libreoffice_the_first_page_is_refused_in_its_one_line(tmp_path, monkeypatch):
    monkeypatch.setattr(pdf_module, "find_soffice", lambda: None)
    run_dir, _ = finished_run(tmp_path)
    app = app_of(run_dir)
    status, _, body = call(app, "POST", step(run_dir, "api/preview"), b"{}")
    said = json.loads(body)["error"]
    assert status == 400 and "\n" not in said
    assert said.startswith(f"cannot make a PDF of {NAME}.docx: LibreOffice is not installed; install LibreOffice")
    assert not list(RunDir(run_dir).previews.glob("*.p*"))
    assert state(app, run_dir)["preview"]["png"] == ""                # the page still opens


def test_a_draft_is_not_packaged_and_says_why_with_the_steps_that_fix_it(tmp_path, monkeypatch):
    monkeypatch.setattr("pipeline.package.find_soffice", lambda: None)     # no PDF: fast
    run_dir, _ = finished_run(tmp_path, reviewed=False)
    app = app_of(run_dir)
    shown = state(app, run_dir)
    # the Cases page lists it as needing names (a voice has none); the court copy is a draft all the same
    assert (shown["state"], shown["verdict_label"], shown["may_file"], shown["draft"]) == (
        "needs_names", "草稿", False, True)
    assert shown["reasons"] == [
        {"reason": "unnamed", "text": "尚有 1 位说话人未命名", "fix": "去命名说话人",
         "href": f"/case/{QUOTED}/speakers/"},
        {"reason": "unchecked", "text": "尚有 2 句（共 2 句）未记录人工核对", "fix": "去核对",
         "href": f"/case/{QUOTED}/"},
        {"reason": "no_reviewer", "text": "核对人尚未写明", "fix": "去写明核对人", "href": f"/case/{QUOTED}/details/"}]
    status, _, body = call(app, "POST", step(run_dir, "api/package"), b"{}")
    said = json.loads(body)["error"]
    assert status == 400 and "提交法院的整理稿仍是草稿（共 2 句，其中 2 句未核对；未写明核对人）" in said   # a Chinese page
    assert not (run_dir / "package.zip").exists() and not (run_dir / "package").exists()
    assert state(app, run_dir)["package"] is None


def test_a_reviewed_folder_is_packaged_twice_alike_with_its_checksums(tmp_path, monkeypatch, converter):
    """(That the Cases page then lists it as packaged is the browser test's, on a real run.)"""
    monkeypatch.setattr("pipeline.package.find_soffice", lambda: None)
    run_dir, _ = finished_run(tmp_path)
    app = app_of(run_dir)
    assert call(app, "POST", step(run_dir, "api/preview"), b"{}")[0] == 200      # a preview there: not packaged
    shown = state(app, run_dir)
    assert (shown["verdict_label"], shown["may_file"], shown["package"]) == ("待命名", True, None)
    assert [r["reason"] for r in shown["reasons"]] == ["unnamed"]       # may be filed; a voice still has no name
    status, _, body = call(app, "POST", step(run_dir, "api/package"), b"{}")
    assert status == 200, body
    made = json.loads(body)
    zip_path = run_dir / "package.zip"
    assert "LibreOffice is not installed" in made["no_pdf"]
    assert made["package"] == {"name": f"{run_dir.name}_package.zip", "size": zip_path.stat().st_size,
                               "sha256": sha256(zip_path),
                               "sums": (run_dir / "package" / "SHA256SUMS").read_text(encoding="utf-8"),
                               "draft": False, "current": True}
    assert f"  {NAME}.docx\n" in made["package"]["sums"] and "preview" not in made["package"]["sums"]
    assert RunDir(run_dir).previews.is_dir() and len(list(RunDir(run_dir).previews.iterdir())) == 2   # left alone
    status, headers, body = call(app, "GET", step(run_dir, "download/package_zip"))
    assert status == 200 and body == zip_path.read_bytes() and headers["content-type"] == "application/zip"
    assert headers["content-disposition"] == (f"attachment; filename=\"_____package.zip\"; "   # the case's name
                                              f"filename*=UTF-8''{quote(run_dir.name)}_package.zip")
    again = json.loads(call(app, "POST", step(run_dir, "api/package"), b"{}")[2])
    assert again["package"] == made["package"]                                         # the same bytes again
    # the court copy made again since: the package is of an earlier one, and says so
    court = run_dir / f"{NAME}.docx"
    court.write_bytes(court.read_bytes() + b"\0")
    assert state(app, run_dir)["package"]["current"] is False


TINY_PDF = (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
            b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 200 100]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n")


def test_a_page_of_a_pdf_is_a_png_whole_or_one_line_why_not(tmp_path, monkeypatch):
    """pdf.page_png, which the files step and tools/render_pages.py both use: a 200×100 pt page at 72 dpi is a
    200×100 PNG; no such page, or no pdftoppm, is one line and no file."""
    if shutil.which("pdftoppm") is None or shutil.which("pdfinfo") is None:
        if os.environ.get("EXHIBIT_REQUIRE_PDF") == "1":
            pytest.fail("EXHIBIT_REQUIRE_PDF=1 but poppler-utils is not installed (make pdf-tools installs it)")
        pytest.skip("poppler-utils is not installed (make pdf-tools installs it)")
    pdf = tmp_path / "tiny.pdf"
    pdf.write_bytes(TINY_PDF)
    png = tmp_path / "pages" / "first.png"
    assert pdf_module.page_png(pdf, png, 1, 72) == 1
    data = png.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and (data[16:20], data[20:24]) == ((200).to_bytes(4, "big"),
                                                                               (100).to_bytes(4, "big"))
    with pytest.raises(PipelineError, match=r"^tiny.pdf has 1 page\(s\): there is no page 2$"):
        pdf_module.page_png(pdf, tmp_path / "second.png", 2)
    monkeypatch.setattr(pdf_module.shutil, "which", lambda name: None)
    with pytest.raises(PipelineError, match=r"^cannot show a page of tiny.pdf: pdftoppm is not installed; install "
                                            r"poppler-utils"):
        pdf_module.page_png(pdf, tmp_path / "third.png")
    assert sorted(p.name for p in tmp_path.rglob("*.png")) == ["first.png"]
