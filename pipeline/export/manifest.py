"""The run manifest: what software and models made the exhibit, the original's hash before and after, the
settings, each stage, and the sha256 of every output. The runner assembles the RunManifest after every other
output exists (software_versions, output_digests) and writes it last (write_manifest)."""

from __future__ import annotations

import json
import platform
from importlib import metadata
from pathlib import Path
from typing import Mapping

from pipeline.artifacts import SCHEMA_VERSION, RunManifest, from_dict, to_dict, write_text_atomic
from pipeline.models import sha256_file

PACKAGES = ("exhibit", "faster-whisper", "ctranslate2", "pyannote.audio", "torch", "torchaudio", "senko", "av",
            "opencc", "python-docx")
NOT_INSTALLED = "not installed"
KIND = "exhibit-run-manifest"


def software_versions(packages: tuple[str, ...] = PACKAGES) -> dict[str, str]:
    """Package → installed version (NOT_INSTALLED when absent), and the Python version."""
    versions = {"python": platform.python_version()}
    for name in packages:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = NOT_INSTALLED
    return versions


def output_digests(out_dir: Path, outputs: Mapping[str, Path]) -> dict[str, str]:
    """Output file (relative to out_dir, POSIX form) → sha256, for RunManifest.outputs."""
    return {path.relative_to(out_dir).as_posix(): sha256_file(path) for path in outputs.values()}


def write_manifest(path: Path, manifest: RunManifest) -> None:
    payload = {"kind": KIND, "schema": SCHEMA_VERSION, **to_dict(manifest)}
    write_text_atomic(path, json.dumps(payload, ensure_ascii=False, indent=1))


def read_manifest(path: Path) -> RunManifest:
    """The RunManifest written by write_manifest (for checking an exhibit folder later)."""
    return from_dict(RunManifest, json.loads(path.read_text(encoding="utf-8")))
