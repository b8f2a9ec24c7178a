"""The one CSV reader and writer. Files are written in UTF-8 with a BOM so that Excel shows Chinese
correctly; files read back may also be GBK/GB18030, as Excel saves them on a Chinese Windows."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from pipeline.fileio import write_bytes_atomic


def write_csv(path: Path, header: list[str], rows: list[list[object]]) -> None:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    write_bytes_atomic(path, buf.getvalue().encode("utf-8-sig"))


def decode_csv_bytes(data: bytes) -> str:
    """Text of a CSV saved as UTF-8 (with or without BOM) or GB18030/GBK; ValueError if neither."""
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ValueError("it is neither UTF-8 nor GBK text")


def read_csv(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    """(header, rows as dicts keyed by header), header names stripped. Raises ValueError on bad files."""
    text = decode_csv_bytes(path.read_bytes())
    if "\x00" in text:
        raise ValueError("it is not a text file")
    sample = text[:4096]
    try:
        dialect = csv.Sniffer().sniff(sample, delimiters=",;\t") if sample.strip() else csv.excel
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text), dialect)
    rows = [r for r in reader if any(cell.strip() for cell in r)]
    if not rows:
        raise ValueError("it is empty")
    header = [h.strip() for h in rows[0]]
    return header, [dict(zip(header, (c.strip() for c in r))) for r in rows[1:]]
