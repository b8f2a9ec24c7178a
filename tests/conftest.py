"""Shared test helpers: where the evaluation audio is, making real containers from real clips, and the real
browser (Debian's chromium driven by Playwright) the app's pages are tested in."""

from __future__ import annotations

import errno
import http.cookiejar
import os
import re
import shutil
import subprocess
import sys
import urllib.request
from collections.abc import Callable
from fractions import Fraction
from pathlib import Path
from urllib.parse import quote

import av
import numpy as np
import pytest
from docx import Document

from pipeline.audio import decode
from pipeline.config import load_settings
from pipeline.runner import run

ROOT = Path(__file__).resolve().parents[1]
EVAL = ROOT.parent / "shared" / "eval"


@pytest.fixture(autouse=True)
def english_locale(monkeypatch):
    """The command line speaks the locale's language (LANG, LC_ALL, LC_MESSAGES): every test runs in an English
    locale wherever the suite runs; a test of another language sets LANG itself."""
    monkeypatch.setenv("LANG", "C.UTF-8")
    for name in ("LC_ALL", "LC_MESSAGES"):
        monkeypatch.delenv(name, raising=False)


def exhibit(*args: str, cwd: Path, timeout: float = 120) -> subprocess.CompletedProcess:
    """`exhibit ARGS…` as a person runs it, in `cwd` (a command that runs the models needs a longer timeout)."""
    return subprocess.run([sys.executable, "-m", "pipeline", *args], cwd=cwd, capture_output=True, text=True,
                          env={**os.environ, "COLUMNS": "200", "PYTHONPATH": str(ROOT)}, timeout=timeout)


def one_line(proc: subprocess.CompletedProcess) -> str:
    """The one line a failed command printed (the test fails if it printed more, or did not fail with 2), in
    English or, for a Chinese run folder, in Chinese."""
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert proc.returncode == 2 and len(lines) == 1 and lines[0].startswith(("error:", "错误：")), proc.stderr
    return lines[0]


def docx_text(path: Path) -> str:
    """The text of a Word document: its paragraphs, then every table cell."""
    doc = Document(str(path))
    return "\n".join([p.text for p in doc.paragraphs] +
                     [c.text for t in doc.tables for row in t.rows for c in row.cells])


def disk_full_when(monkeypatch, writing: Callable[[Path], bool]) -> None:
    """From now on the disk is full for the files `writing` picks: Path.write_bytes writes 100 bytes of them,
    then fails as a full disk does (ENOSPC); every other file is written."""
    real = Path.write_bytes

    def full(self: Path, data: bytes) -> int:
        if writing(self):
            real(self, data[:100])
            raise OSError(errno.ENOSPC, "No space left on device")
        return real(self, data)

    monkeypatch.setattr(Path, "write_bytes", full)


def eval_file(relative: str) -> Path:
    path = EVAL / relative
    if not path.is_file():
        pytest.fail(f"evaluation file {path} is missing: CI keeps ../shared beside the clone")
    return path


def decode_mono(path: Path, rate: int = 16000) -> np.ndarray:
    """A real clip as float32 mono at `rate` (test input material)."""
    return decode(path, rate=rate)


def _write_video(out, vs) -> None:
    for i in range(5):
        frame = av.VideoFrame.from_ndarray(np.full((48, 64, 3), i * 40, np.uint8), format="rgb24")
        frame.pts, frame.time_base = i, Fraction(1, 5)
        for packet in vs.encode(frame):
            out.mux(packet)
    for packet in vs.encode():
        out.mux(packet)


def encode(samples: np.ndarray | None, path: Path, codec: str = "", rate: int = 16000, layout: str = "mono",
           video: bool = False, metadata: dict[str, str] | None = None) -> Path:
    """Encode float mono samples into a real container with PyAV (the container follows path's suffix);
    samples=None makes a video with no audio track."""
    with av.open(str(path), "w") as out:
        out.metadata.update(metadata or {})
        vs = None
        if video or samples is None:
            vs = out.add_stream("mpeg4", rate=5)
            vs.width, vs.height, vs.pix_fmt = 64, 48, "yuv420p"
        stream = out.add_stream(codec, rate=rate, layout=layout) if samples is not None else None
        if vs is not None:
            _write_video(out, vs)
        if stream is None:
            return path
        fmt = stream.codec_context.codec.audio_formats[0].name
        frame_size = stream.codec_context.frame_size or 1024
        channels = 2 if layout == "stereo" else 1
        resampler = av.AudioResampler(format=fmt, layout=layout, rate=rate)
        for start in range(0, len(samples), frame_size):
            block = samples[start:start + frame_size].astype(np.float32)
            frame = av.AudioFrame.from_ndarray(np.tile(block, (channels, 1)), format="fltp", layout=layout)
            frame.sample_rate, frame.pts, frame.time_base = rate, start, Fraction(1, rate)
            for converted in resampler.resample(frame) if fmt != "fltp" else [frame]:
                for packet in stream.encode(converted):
                    out.mux(packet)
        for packet in stream.encode(None):
            out.mux(packet)
    return path


def flow_paragraphs(doc) -> list:
    """A Word document's paragraphs in reading order, with those of a block kept on one page (a one-cell table,
    blocks.unbreakable) in their place; other tables are left out."""
    from docx.oxml.ns import qn
    from docx.text.paragraph import Paragraph

    found = []
    for child in doc.element.body.iterchildren():
        if child.tag == qn("w:p"):
            found.append(Paragraph(child, doc))
        elif child.tag == qn("w:tbl"):
            rows = child.findall(qn("w:tr"))
            cells = rows[0].findall(qn("w:tc")) if len(rows) == 1 else []
            if len(cells) == 1:
                found += [Paragraph(p, doc) for p in cells[0].findall(qn("w:p"))]
    return found


CHROMIUM_FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-sync",
                  "--disable-background-networking", "--disable-component-update",
                  "--autoplay-policy=no-user-gesture-required"]


def chromium() -> str | None:
    found = next((shutil.which(n) for n in ("chromium", "chromium-browser", "google-chrome") if shutil.which(n)), None)
    if found is None and os.environ.get("EXHIBIT_REQUIRE_BROWSER") == "1":
        pytest.fail("EXHIBIT_REQUIRE_BROWSER=1 but chromium is not installed (make browser-tools installs it)")
    return found


@pytest.fixture(scope="module")
def browser():
    executable = chromium()
    if executable is None:
        pytest.skip("chromium is not installed (make browser-tools installs it)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        launched = p.chromium.launch(executable_path=executable, args=CHROMIUM_FLAGS)
        yield launched
        launched.close()


class Server:
    """`exhibit review FOLDER --no-browser` (or `exhibit app ROOT --no-browser`, app=True) as a subprocess; its
    address is the first line it prints. `page`: where that address lands (the folder's review step, or the
    Cases page)."""

    def __init__(self, folder: Path, app: bool = False):
        self.proc = subprocess.Popen([sys.executable, "-m", "pipeline", "app" if app else "review", str(folder),
                                      "--no-browser"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                     env={**os.environ, "PYTHONPATH": str(ROOT)})
        self.url = self.proc.stdout.readline().strip()
        assert re.fullmatch(r"http://127\.0\.0\.1:\d+/launch/[\w-]{16,}", self.url), self.proc.stderr.read()
        self.base = self.url.split("/launch/")[0]
        self.page = self.base + ("/" if app else f"/case/{quote(folder.name, safe='')}/")
        self.jar = http.cookiejar.CookieJar()

    def opener(self) -> urllib.request.OpenerDirector:
        """What a browser does with the address: visits it once and keeps the cookie it is given."""
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))
        with opener.open(self.url, timeout=10) as answer:
            assert answer.status == 200 and answer.url == self.page
        return opener

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(timeout=10)


# ------------------------------------------------------------------------------- the speakers step (speakers.csv)


SAMPLE = ROOT / "samples" / "zh_five_speakers.wav"


@pytest.fixture(scope="module")
def made(tmp_path_factory):
    """The README's sample made into an exhibit by the real pipeline, once per test module."""
    out = tmp_path_factory.mktemp("made") / SAMPLE.stem
    run(SAMPLE, out, load_settings())
    return out


@pytest.fixture
def folder(made, tmp_path):
    """That run folder, copied for this test alone into a root folder of its own (out/)."""
    copy = tmp_path / "out" / made.name
    shutil.copytree(made, copy)
    return copy


@pytest.fixture
def server(folder):
    """`exhibit app` on the copied folder's root."""
    started = Server(folder.parent, app=True)
    yield started
    started.stop()
