"""make bench-app: the app's two figures, measured from outside as a person meets them.

1. Upload: `exhibit app` is started on an empty folder; its resident memory is read once it has served the Cases
   page (idle); then a file of --gigabytes GB is sent to /api/upload as a browser sends it (the body streamed, a
   1 MiB chunk at a time), while the server's memory is sampled every 20 ms: its peak above idle is the figure.
   The file is random bytes, so the run the app then starts fails at once (not a recording) — that run is a
   process of its own, and is not what is measured.
2. The review step of a long recording: a --minutes recording joined from the AMI excerpts of ../shared/eval
   (tools/bench.build_input) is made into an exhibit (or --folder names one already made), the app is opened
   on it in Debian's chromium (Playwright), and the time from asking for the review step to every line shown
   (the page's .line count equal to transcript.csv's rows) is measured, --runs times (median, and each).

    .venv/bin/python tools/bench_app.py [--gigabytes 1] [--minutes 60] [--runs 3] [--folder out/<name> | --keep DIR]
                                        [--skip-upload] [--skip-review]
"""

from __future__ import annotations

import argparse
import hashlib
import http.client
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from http.cookiejar import CookieJar
from pathlib import Path
from urllib.parse import quote, urlencode

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench import build_input  # noqa: E402
from pipeline.config import load_settings  # noqa: E402
from pipeline.csvio import read_csv  # noqa: E402
from pipeline.runner import run  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
CHUNK = 1 << 20


class App:
    """`exhibit app ROOT --no-browser` in a process of its own, opened once (its cookie kept)."""

    def __init__(self, root: Path):
        self.proc = subprocess.Popen([sys.executable, "-m", "pipeline", "app", str(root), "--no-browser"],
                                     stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, cwd=ROOT,
                                     env={**os.environ, "PYTHONPATH": str(ROOT)})
        self.url = self.proc.stdout.readline().strip()
        self.base = self.url.split("/launch/")[0]
        self.jar = CookieJar()

    def open(self) -> None:
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))
        opener.open(self.url, timeout=30).read()
        opener.open(self.base + "/api/cases", timeout=30).read()

    def rss_mib(self, field: str = "VmRSS") -> float:
        with open(f"/proc/{self.proc.pid}/status") as fh:
            return next(int(line.split()[1]) / 1024 for line in fh if line.startswith(field + ":"))

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(timeout=30)


def upload(gigabytes: float) -> None:
    size = int(gigabytes * (1 << 30))
    with tempfile.TemporaryDirectory(prefix="exhibit-bench-app-") as scratch:
        root = Path(scratch) / "out"
        root.mkdir()
        app = App(root)
        try:
            app.open()
            time.sleep(1.0)
            idle = app.rss_mib()
            peak, stop = [idle], threading.Event()

            def sample() -> None:
                while not stop.wait(0.02):
                    peak[0] = max(peak[0], app.rss_mib())

            sampler = threading.Thread(target=sample, daemon=True)
            sampler.start()
            cookie = "; ".join(f"{c.name}={c.value}" for c in app.jar)
            connection = http.client.HTTPConnection(app.base.removeprefix("http://"), timeout=600)
            connection.putrequest("POST", "/api/upload?" + urlencode({"name": "bench.m4a"}))
            for key, value in (("Cookie", cookie), ("Content-Type", "application/octet-stream"),
                               ("Content-Length", str(size)), ("Origin", app.base)):
                connection.putheader(key, value)
            connection.endheaders()
            chunk, digest, sent, started = os.urandom(CHUNK), hashlib.sha256(), 0, time.perf_counter()
            while sent < size:
                part = chunk[:min(CHUNK, size - sent)]
                connection.send(part)
                digest.update(part)
                sent += len(part)
            answer = connection.getresponse()
            body = answer.read().decode()
            seconds = time.perf_counter() - started
            stop.set()
            sampler.join()
            kept = next(root.glob("*/original/bench.m4a"), None)
            same = kept is not None and digest.hexdigest() in body
            print(f"upload of {size:,} bytes: HTTP {answer.status} in {seconds:.1f} s "
                  f"({size / seconds / (1 << 20):.0f} MiB/s); sha256 as sent {'= answered' if same else '≠ answered'}")
            print(f"server RSS idle {idle:.0f} MiB, peak during the upload {peak[0]:.0f} MiB: "
                  f"{peak[0] - idle:.0f} MiB above idle (peak over the server's life, VmHWM: "
                  f"{app.rss_mib('VmHWM'):.0f} MiB)")
        finally:
            app.stop()


def review(minutes: float, runs: int, folder: Path | None, keep: Path | None) -> None:
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory(prefix="exhibit-bench-app-") as scratch:
        if folder is None:
            where = keep or Path(scratch)
            where.mkdir(parents=True, exist_ok=True)
            root = where / "out"
            source = build_input(minutes, where)
            started = time.perf_counter()
            folder = run(source, root / source.stem, load_settings()).out_dir
            print(f"made the exhibit of a {minutes:g}-minute recording in {time.perf_counter() - started:.0f} s")
        rows = len(read_csv(folder / "transcript.csv")[1])
        app = App(folder.parent)
        executable = next(shutil.which(n) for n in ("chromium", "chromium-browser", "google-chrome") if shutil.which(n))
        try:
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=executable, args=["--no-sandbox", "--disable-gpu"])
                context = browser.new_context(locale="zh-CN")
                page = context.new_page()
                page.goto(app.url)
                page.wait_for_selector("#new-title")
                address = f"{app.base}/case/{quote(folder.name, safe='')}/"
                times = []
                for _ in range(runs):
                    started = time.perf_counter()
                    page.goto(address)
                    page.wait_for_function(f"() => document.querySelectorAll('.line').length === {rows}",
                                           timeout=60_000)
                    times.append(time.perf_counter() - started)
                browser.close()
        finally:
            app.stop()
        print(f"review step of {folder.name} ({rows} lines): every line shown in "
              f"{statistics.median(times):.2f} s (median of {runs}: {', '.join(f'{t:.2f}' for t in times)} s)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--gigabytes", type=float, default=1.0)
    parser.add_argument("--minutes", type=float, default=60.0)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--folder", type=Path, help="a finished run folder of a long recording (else one is made)")
    parser.add_argument("--keep", type=Path, help="make the long recording's exhibit in this folder, and keep it")
    parser.add_argument("--skip-upload", action="store_true")
    parser.add_argument("--skip-review", action="store_true")
    args = parser.parse_args()
    with open("/proc/cpuinfo") as fh:
        model = next((line.split(":", 1)[1].strip() for line in fh if line.startswith("model name")), "?")
    print(f"machine: {model}, {os.cpu_count()} cores")
    if not args.skip_upload:
        upload(args.gigabytes)
    if not args.skip_review:
        review(args.minutes, args.runs, args.folder.resolve() if args.folder else None, args.keep)


if __name__ == "__main__":
    main()
