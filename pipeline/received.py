"""The record of a recording the app received (out/<name>/received.json): the file's name as it was sent, when
it was received, its size and sha256, and through what. Written once by the app (web/upload.py) beside the
original it keeps in out/<name>/original/; the runner puts it in the manifest when it names the recording the
run was made from (the same sha256), and ignores it otherwise, saying so."""

from __future__ import annotations

import json
import logging
from dataclasses import asdict, dataclass
from pathlib import Path

from pipeline.fileio import write_text_atomic

log = logging.getLogger(__name__)

THROUGH = "exhibit app"


@dataclass(frozen=True)
class Received:
    file_name: str          # as the browser sent it
    received: str           # ISO 8601 with the computer's offset, to the second
    size: int               # bytes
    sha256: str
    through: str = THROUGH

    def record(self) -> dict[str, str]:
        """As the manifest records it."""
        return {k: str(v) for k, v in asdict(self).items()}


def write(path: Path, received: Received) -> None:
    write_text_atomic(path, json.dumps(asdict(received), ensure_ascii=False, indent=1) + "\n")


def read(path: Path) -> Received | None:
    """The record at `path`, or None when there is none or it is not one (said in the log: a file of the run
    folder is not taken on trust)."""
    if not path.is_file():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        found = Received(**data) if isinstance(data, dict) else None
        if found is None or not (all(isinstance(v, str) for k, v in data.items() if k != "size")
                                 and isinstance(found.size, int) and found.size >= 0):
            raise ValueError("not a record of a receipt")
    except (OSError, ValueError, TypeError) as exc:
        log.warning("%s is not a record of a received recording (%s): not taken into the manifest", path, exc)
        return None
    return found


def for_recording(path: Path, sha256: str) -> dict[str, str]:
    """What the manifest records of the receipt of the recording `sha256`: {} when the record at `path` is of
    another file (the folder's recording was given from elsewhere) or there is none."""
    found = read(path)
    if found is None:
        return {}
    if found.sha256 != sha256:
        log.warning("%s records the receipt of another file (sha256 %s…): not taken into the manifest", path,
                    found.sha256[:12])
        return {}
    return found.record()
