"""`exhibit doctor` (make doctor): one screen a user can paste into a support request. The machine, the
versions, the settings that change what the models compute, every model file with its sha256, which engine
runs each diarizer network and why, free disk, and whether LibreOffice (PDF) and Chromium (the browser tests)
are there. Reads only; nothing is fetched, made or written."""

from __future__ import annotations

import os
import platform
import shutil
from dataclasses import dataclass
from pathlib import Path

from pipeline.config import ENVIRONMENT, MODELS_DIR, ROOT, load_settings
from pipeline.errors import Phrase, PipelineError
from pipeline.export.manifest import software_versions
from pipeline.export.pdf import find_soffice
from pipeline.fileio import sha256_file
from pipeline.modelsetup import engines
from pipeline.models import specs
from pipeline.stages.diarize.onnx import EXPORTS, checked

CPU_FLAGS = ("avx", "avx2", "fma", "avx512f", "avx512_vnni", "avx_vnni")   # what the int8 and float kernels use
BROWSERS = ("chromium", "chromium-browser", "google-chrome")
LOW_DISK = 2 << 30                       # under 2 GB free: a long recording's working copies may not fit


@dataclass(frozen=True)
class Report:
    lines: tuple[str, ...]
    problems: tuple[Phrase | str, ...]  # what stops a run (bad settings, missing or changed model files)


def cpu() -> str:
    """The processor's name and the vector instructions the kernels may use, from /proc/cpuinfo where there."""
    info = {}
    try:
        for line in Path("/proc/cpuinfo").read_text(encoding="utf-8", errors="replace").splitlines():
            key, _, value = line.partition(":")
            info.setdefault(key.strip(), value.strip())      # the first processor's
    except OSError:
        pass
    name = info.get("model name") or platform.processor() or platform.machine()
    flags = [f for f in CPU_FLAGS if f in info.get("flags", "").split()]
    return f"{name}, {os.cpu_count()} cores" + (f", {' '.join(flags)}" if flags else "")


def model_lines(models_dir: Path = MODELS_DIR) -> tuple[list[str], list[Phrase | str]]:
    """Every model file with its sha256 (checked against configs/models.toml), and the problems found (str() of
    each is the English)."""
    lines, problems = [], []
    for spec in specs().values():
        for f in spec.files:
            path = models_dir / spec.folder / f.name
            digest = sha256_file(path) if path.is_file() else ""
            state = "ok" if digest == f.sha256 else "CHANGED (not the pinned file)" if digest else "MISSING"
            lines.append(f"  {spec.folder}/{f.name}: {state}" + (f", sha256 {digest[:16]}…" if digest else ""))
            if state != "ok":
                key = "model_file_missing" if state == "MISSING" else "model_file_changed"
                problems.append(Phrase(key, {"file": f"{spec.folder}/{f.name}"}))
    for spec in EXPORTS:
        found = checked(spec, models_dir)
        state = f"sha256 {found.record.sha256[:16]}… (as make models recorded it)" if found.model else "not used"
        lines.append(f"  {spec.folder}/{spec.file}: {state}")
    return lines, problems


def report() -> Report:
    versions = software_versions()
    lines = [f"exhibit {versions.pop('exhibit')} in {ROOT}",
             f"Python {versions.pop('python')} on {platform.platform()}",
             f"CPU: {cpu()}",
             "packages: " + ", ".join(f"{name} {version}" for name, version in versions.items())]
    try:
        t = load_settings().transcribe
        given = [f"{name}={os.environ[name]}" for name in ENVIRONMENT if os.environ.get(name, "").strip()]
        lines.append(f"transcribe: model {t.model}, {t.device}, compute type {t.compute_type}, "
                     f"threads {t.cpu_threads or 'all'}" + (f" (set by {', '.join(given)})" if given else ""))
        settings_problem = []
    except PipelineError as exc:
        lines.append(f"settings: {exc}")
        settings_problem = [exc.phrase or str(exc)]
    files, problems = model_lines()
    problems = settings_problem + problems
    lines += ["model files (configs/models.toml):", *files, "diarizer networks:", *(f"  {e}" for e in engines())]
    free = shutil.disk_usage(ROOT).free
    lines.append(f"free disk where out/ is: {free / (1 << 30):.1f} GB" + (" (low)" if free < LOW_DISK else ""))
    soffice = find_soffice()
    lines.append(f"LibreOffice (PDF): {soffice or 'not found (make pdf-tools installs it)'}")
    browser = next((found for name in BROWSERS if (found := shutil.which(name))), None)
    lines.append(f"Chromium (the review page's tests): {browser or 'not found (make browser-tools installs it)'}")
    return Report(tuple(lines), tuple(problems))
