"""Files as the pipeline handles them: one hasher, atomic writes (a temp file, then rename) and one writer of
reproducible zip archives (the .docx and the evidence package)."""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

CHUNK = 1 << 20
ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)   # the earliest date a zip entry can carry
TEMP_NAME = re.compile(r"\..+\.(\d+)\.tmp")   # .<name>.<pid>.tmp: temp_beside's names


@dataclass(frozen=True)
class Digests:
    sha256: str
    md5: str
    size: int


def file_digests(path: Path) -> Digests:
    """sha256 and md5 of a file in one read-only pass."""
    sha, md5, size = hashlib.sha256(), hashlib.md5(), 0
    with open(path, "rb") as fh:
        while block := fh.read(CHUNK):
            sha.update(block)
            md5.update(block)
            size += len(block)
    return Digests(sha.hexdigest(), md5.hexdigest(), size)


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(CHUNK):
            h.update(block)
    return h.hexdigest()


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def sha256_json(value: Any) -> str:
    """A stable hash of JSON-ready data (keys sorted): cache keys and settings hashes."""
    return sha256_bytes(json.dumps(value, sort_keys=True, ensure_ascii=False).encode("utf-8"))


def temp_beside(path: Path) -> Path:
    """A temp file's name beside `path`, this process's own (two writers never share one)."""
    return path.with_name(f".{path.name}.{os.getpid()}.tmp")


def temp_writer(path: Path) -> int | None:
    """The pid of the process that wrote `path`, if it is named as temp_beside names a temp file."""
    match = TEMP_NAME.fullmatch(path.name)
    return int(match[1]) if match else None


def write_bytes_atomic(path: Path, data: bytes) -> None:
    """Write the file whole or not at all: a temp file beside it, then renamed over it."""
    tmp = temp_beside(path)
    try:
        tmp.write_bytes(data)
        tmp.replace(path)
    finally:
        tmp.unlink(missing_ok=True)


def write_text_atomic(path: Path, text: str, encoding: str = "utf-8") -> None:
    write_bytes_atomic(path, text.encode(encoding))


def zip_bytes(entries: Iterable[tuple[str, bytes]], stamp: tuple[int, ...]) -> bytes:
    """A zip of (name, bytes) entries in the order given, every entry dated `stamp` (year, month, day, hour,
    minute, second; not before 1980), deflated, mode 0644, no comment: equal entries give equal bytes."""
    stamp = max(tuple(stamp[:6]), ZIP_EPOCH)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries:
            info = zipfile.ZipInfo(name, date_time=stamp)
            info.compress_type, info.external_attr = zipfile.ZIP_DEFLATED, 0o644 << 16
            archive.writestr(info, data)
    return buffer.getvalue()
