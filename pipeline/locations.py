"""Where the package's own files are (the folder it is installed in, configs/), and the one reader of the wording
files configs/exhibit_<language>.toml: the documents' wording and the errors' ([errors]) alike. Imports nothing of
the package, so that every module may use it (errors.py too)."""

from __future__ import annotations

import tomllib
from functools import lru_cache
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
CONFIG_DIR = ROOT / "configs"


@lru_cache(maxsize=None)
def wording_file(language: str) -> dict[str, Any]:
    """configs/exhibit_<language>.toml as read, not to be changed (wording.load_wording gives it read-only);
    OSError or tomllib.TOMLDecodeError when it cannot be read."""
    return tomllib.loads((CONFIG_DIR / f"exhibit_{language}.toml").read_text(encoding="utf-8"))
