"""The Word exhibit converted to PDF by LibreOffice, read back with poppler: title, hashes, Chinese text in a
Chinese font (not tofu), page footers that count right; and the one-line errors.

Needs soffice and poppler-utils (`make pdf-tools` installs them on Debian); without them these tests skip,
unless EXHIBIT_REQUIRE_PDF=1 (CI), where that is a failure."""

from __future__ import annotations

import dataclasses
import hashlib
import os
import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest

from builders import ADMIT, SHA, labelled, make_docx
from conftest import disk_full_when
from pipeline.artifacts import Utterance
from pipeline.errors import PipelineError
from pipeline.export.pdf import docx_to_pdf, find_soffice

POPPLER = ("pdftotext", "pdfinfo", "pdffonts")
LINE = "他说下个月十五号之前一定把钱还清。"
CJK_FONT = re.compile(r"WenQuanYi|Noto\s*(Sans|Serif)\s*CJK|SourceHan|Droid\s*Sans\s*Fallback|SimSun|SimHei|"
                      r"Song|Hei|Kai|Fang|Ming|PingFang|STHeiti|Microsoft\s*YaHei|MS\s*Mincho|Gothic|AR\s*PL|"
                      r"Zen\s*Hei|Uming|Ukai", re.I)


def require_pdf_tools() -> str:
    """soffice's path; skip (or fail, with EXHIBIT_REQUIRE_PDF=1) when it or poppler-utils is absent."""
    soffice = find_soffice()
    gone = ([] if soffice else ["LibreOffice (soffice)"]) + [t for t in POPPLER if shutil.which(t) is None]
    if gone:
        reason = f"{', '.join(gone)} not installed (make pdf-tools installs them)"
        if os.environ.get("EXHIBIT_REQUIRE_PDF") == "1":
            pytest.fail(f"EXHIBIT_REQUIRE_PDF=1 but {reason}")
        pytest.skip(reason)
    return soffice


def poppler(*args: str) -> str:
    proc = subprocess.run(list(args), capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def squeeze(text: str) -> str:
    return re.sub(r"\s+", "", text)


def long_labelled():
    """The hand-built transcript plus enough lines to run over several pages."""
    base = labelled()
    extra = tuple(Utterance(f"u{n:04d}", "SPEAKER_01" if n % 2 else "SPEAKER_00", 70.0 + n, 70.8 + n, LINE, ())
                  for n in range(3, 90))
    return dataclasses.replace(base, items=base.items + extra)


@pytest.fixture(scope="module")
def exhibit_pdf(tmp_path_factory) -> tuple[Path, Path]:
    """(docx, pdf) of a real exhibit of several pages, converted once for the tests below."""
    require_pdf_tools()
    folder = tmp_path_factory.mktemp("pdf")
    docx, _ = make_docx(folder, lab=long_labelled())
    docx = docx.rename(folder / "借款录音.docx")      # a Chinese file name, as users' recordings have
    pdf = folder / "借款录音.pdf"
    docx_to_pdf(docx, pdf)
    return docx, pdf


def test_pdf_carries_the_title_hash_and_lines_in_a_chinese_font(exhibit_pdf):
    _, pdf = exhibit_pdf
    assert pdf.read_bytes().startswith(b"%PDF")
    text = poppler("pdftotext", "-enc", "UTF-8", str(pdf), "-")
    flat = squeeze(text)
    assert "录音文字整理稿" in flat
    assert SHA in flat                          # the recording's sha256, wherever the table cell wraps it
    assert squeeze(ADMIT) in flat and LINE in flat
    # the Chinese text is drawn with a Chinese font that is embedded, not as tofu boxes in a Latin one
    fonts = [line for line in poppler("pdffonts", str(pdf)).splitlines()[2:] if line.strip()]
    cjk = [line for line in fonts if CJK_FONT.search(line.split()[0])]
    assert cjk, "no CJK font in the PDF:\n" + "\n".join(fonts)
    assert all(re.search(r"\byes\s+yes\s+yes\b", line) for line in cjk), "\n".join(cjk)   # emb sub uni
    # the body in the serif CJK face the template names (not a sans fallback): make pdf-tools installs it
    assert any(re.search(r"NotoSerifCJK", line.split()[0]) for line in cjk), "\n".join(fonts)


def test_every_page_has_its_footer_counting_the_real_pages(exhibit_pdf):
    _, pdf = exhibit_pdf
    pages = int(re.search(r"^Pages:\s+(\d+)", poppler("pdfinfo", str(pdf)), re.M).group(1))
    assert pages >= 2
    for page in range(1, pages + 1):
        text = squeeze(poppler("pdftotext", "-enc", "UTF-8", "-f", str(page), "-l", str(page), str(pdf), "-"))
        assert f"第{page}页共{pages}页" in text, (page, text[-80:])


def test_the_same_docx_gives_the_same_pdf_bytes(exhibit_pdf, tmp_path):
    docx, pdf = exhibit_pdf
    again = tmp_path / "again.pdf"
    docx_to_pdf(docx, again)
    assert hashlib.sha256(again.read_bytes()).hexdigest() == hashlib.sha256(pdf.read_bytes()).hexdigest()
    info = poppler("pdfinfo", "-isodates", str(again))
    assert re.search(r"^CreationDate:\s+2025-03-06T06:30:00", info, re.M), info   # the exhibit's time, UTC
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]           # no temporary file left


def test_a_full_disk_while_writing_the_pdf_is_one_line_and_leaves_the_previous_pdf(exhibit_pdf, tmp_path,
                                                                                     monkeypatch):
    docx, made = exhibit_pdf
    pdf = tmp_path / "借款录音.pdf"
    pdf.write_bytes(b"%PDF the previous one")
    disk_full_when(monkeypatch, lambda path: path.name.endswith(".tmp"))
    with pytest.raises(PipelineError) as caught:
        docx_to_pdf(docx, pdf)
    assert str(caught.value) == (f"{pdf}: the disk is full: free some space, then run again (the files of the "
                                 "previous run are as they were)")
    assert pdf.read_bytes() == b"%PDF the previous one" and sorted(p.name for p in tmp_path.iterdir()) == [pdf.name]


def _one_line_error(docx: Path, pdf: Path) -> str:
    with pytest.raises(PipelineError) as caught:
        docx_to_pdf(docx, pdf)
    message = str(caught.value)
    assert "\n" not in message and message
    assert not pdf.exists() and not [p for p in pdf.parent.iterdir() if p.suffix in (".pdf", ".tmp")]
    return message


def test_a_corrupt_docx_is_one_line_error_and_no_pdf(tmp_path):
    require_pdf_tools()
    truncated, _ = make_docx(tmp_path)
    truncated.write_bytes(truncated.read_bytes()[:2000])
    assert "not a Word document (.docx) that opens" in _one_line_error(truncated, tmp_path / "exhibit_zh.pdf")
    # a whole zip whose Word body LibreOffice cannot load: its own refusal, in one line
    broken = tmp_path / "broken.docx"
    with zipfile.ZipFile(broken, "w") as archive:
        archive.writestr("word/document.xml", b"<w:document not xml")
    message = _one_line_error(broken, tmp_path / "broken.pdf")
    assert "LibreOffice wrote no PDF for broken.docx" in message, message


def test_missing_libreoffice_or_a_failing_one_is_one_line(tmp_path, monkeypatch):
    docx, _ = make_docx(tmp_path)
    monkeypatch.setattr("pipeline.export.pdf.find_soffice", lambda: None)
    assert "LibreOffice is not installed" in _one_line_error(docx, tmp_path / "exhibit_zh.pdf")
    failing = shutil.which("false")
    if failing:
        monkeypatch.setattr("pipeline.export.pdf.find_soffice", lambda: failing)
        assert "exit code 1" in _one_line_error(docx, tmp_path / "exhibit_zh.pdf")


def test_find_soffice_looks_on_path_then_in_the_install_folders(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    monkeypatch.setattr("pipeline.export.pdf.MAC_PATHS", ())
    monkeypatch.setenv("PROGRAMFILES", str(tmp_path))
    for var in ("PROGRAMW6432", "PROGRAMFILES(X86)", "LOCALAPPDATA"):
        monkeypatch.delenv(var, raising=False)
    assert find_soffice() is None
    exe = tmp_path / "LibreOffice" / "program" / "soffice.exe"
    exe.parent.mkdir(parents=True)
    exe.write_text("")
    exe.chmod(0o755)
    assert find_soffice() == str(exe)
    onpath = tmp_path / "bin" / "soffice"
    onpath.parent.mkdir()
    onpath.write_text("#!/bin/sh\n")
    onpath.chmod(0o755)
    monkeypatch.setenv("PATH", str(onpath.parent))
    assert find_soffice() == str(onpath)


def _page_texts(pdf: Path) -> list[str]:
    pages = int(re.search(r"^Pages:\s+(\d+)", poppler("pdfinfo", str(pdf)), re.M).group(1))
    return [poppler("pdftotext", "-enc", "UTF-8", "-f", str(n), "-l", str(n), str(pdf), "-")
            for n in range(1, pages + 1)]


@pytest.mark.parametrize("kept", [True, False])
def test_the_signature_lines_are_on_the_page_of_the_declaration_they_sign(tmp_path, monkeypatch, kept):
    """22 lines: laid out as plain paragraphs, the declaration starts at the foot of a page and its signature
    lines go over to the next one (so this test can fail); as one block that may not break (blocks.unbreakable),
    the whole declaration moves over."""
    require_pdf_tools()
    if not kept:
        monkeypatch.setattr("pipeline.export.word.method.unbreakable", lambda doc: doc)
    base = labelled()
    extra = tuple(Utterance(f"u{n:04d}", "SPEAKER_01" if n % 2 else "SPEAKER_00", 70.0 + 5 * n, 74.0 + 5 * n,
                            "他说下个月十五号之前一定把钱还清，这件事情我们当时都说好了的。", ()) for n in range(20))
    docx, _ = make_docx(tmp_path, lab=dataclasses.replace(base, items=base.items + extra))
    pdf = tmp_path / "exhibit.pdf"
    docx_to_pdf(docx, pdf)
    pages = [squeeze(text) for text in _page_texts(pdf)]
    heading = [n for n, text in enumerate(pages) if "、声明（一）本整理稿的制作" in text]
    signature = [n for n, text in enumerate(pages) if "提交人（签名或盖章）" in text]
    assert len(heading) == 1 and len(signature) == 1
    assert (heading == signature) is kept
