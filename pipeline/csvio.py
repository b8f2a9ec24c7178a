"""The one CSV reader and writer. Files are written in UTF-8 with a BOM so that Excel shows Chinese
correctly; files read back may also be GBK/GB18030 (as Excel saves them on a Chinese Windows) or UTF-16
(Excel's "Unicode text"), separated by commas, semicolons or tabs.

Every text cell written that a spreadsheet would take for a formula (it starts with = + - @, a tab or a
carriage return) gets a leading apostrophe, as OWASP recommends against CSV injection; the reader takes it off
again, so that what the user wrote comes back unchanged (a name "=SUM(1)" stays "=SUM(1)"). Numbers are
written as they are. A cell read back holding an invisible control character is refused, naming its row and
column (see controls.py)."""

from __future__ import annotations

import codecs
import csv
import io
from pathlib import Path

from pipeline.controls import find_control
from pipeline.errors import Phrase, PipelineError
from pipeline.fileio import write_bytes_atomic

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
GUARD = "'"
DELIMITERS = (",", ";", "\t")


class CellError(ValueError):
    """A cell of a CSV file read back that cannot be taken as it is; the message names its row and column."""


def _problem(key: str, **params: object) -> ValueError:
    """A ValueError whose message is the Phrase [errors] `key` (str() of it is the English)."""
    return ValueError(Phrase(key, params))


def guarded(value: object) -> object:
    """A cell as written: text a spreadsheet would run as a formula gets a leading apostrophe (so does text
    that already starts with apostrophes before such a character, so that unguarded() gives it back)."""
    if isinstance(value, str) and value.lstrip(GUARD).startswith(FORMULA_START):
        return GUARD + value
    return value


def unguarded(cell: str) -> str:
    """A cell as read: the apostrophe guarded() put in front taken off again."""
    if cell.startswith(GUARD) and cell.lstrip(GUARD).startswith(FORMULA_START):
        return cell[1:]
    return cell


def write_csv(path: Path, header: list[str], rows: list[list[object]]) -> None:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow([guarded(h) for h in header])
    writer.writerows([guarded(cell) for cell in row] for row in rows)
    write_bytes_atomic(path, buf.getvalue().encode("utf-8-sig"))


def _utf16(data: bytes) -> str | None:
    """The text of UTF-16 data (Excel's "Unicode text": with a byte-order mark; or without one, told by the
    zero bytes of ASCII characters), else None."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        encoding = "utf-16"
    elif len(data) >= 2 and len(data) % 2 == 0 and b"\x00" in data:
        odd, even = data[1::2].count(0), data[0::2].count(0)
        if max(odd, even) < len(data) // 4 or min(odd, even) > 0:
            return None
        encoding = "utf-16-le" if odd > even else "utf-16-be"
    else:
        return None
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as exc:
        raise _problem("csv_utf16_damaged") from exc


def decode_csv_bytes(data: bytes) -> str:
    """Text of a CSV saved as UTF-8 (with or without BOM), GB18030/GBK or UTF-16; ValueError if none."""
    text = _utf16(data)
    if text is not None:
        return text
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise _problem("csv_encoding")


def _delimiter(text: str) -> str:
    """The separator of the header row (the first line with text): the one of , ; tab it holds most of (a
    comma when it holds none: one column)."""
    line = next((line for line in text.split("\n") if line.strip()), "")
    best = max(DELIMITERS, key=line.count)
    return best if line.count(best) else ","


def read_csv(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    """(header, rows as dicts keyed by header), cells and header names stripped, blank rows left out. Raises
    ValueError on bad files, naming the row and column of a cell that holds a control character."""
    text = decode_csv_bytes(path.read_bytes())
    if "\x00" in text:
        raise _problem("csv_not_text")
    try:
        records = list(csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text)))
    except csv.Error as exc:
        raise _problem("csv_malformed", reason=str(exc)) from exc
    first = next((i for i, record in enumerate(records) if any(cell.strip() for cell in record)), None)
    if first is None:
        raise _problem("csv_empty")
    header = [unguarded(h).strip() for h in records[first]]
    rows = []
    for number, record in enumerate(records[first:], start=first + 1):
        for column, cell in enumerate(record):
            problem = find_control(cell)
            if problem:
                name = header[column] if column < len(header) and header[column] else str(column + 1)
                raise CellError(Phrase("csv_cell", {"row": number, "column": name, "problem": problem}))
        values = [unguarded(cell).strip() for cell in record]
        if number > first + 1 and any(values):
            rows.append(dict(zip(header, values)))
    return header, rows


def read_users_csv(path: Path, error: type[PipelineError], advice: Phrase) -> tuple[list[str], list[dict[str, str]]]:
    """read_csv of a file the user edits, its problems said in one line as `error`: a control character by its
    row and column, anything else as "cannot be read" followed by `advice` (what to do about it)."""
    try:
        return read_csv(path)
    except CellError as exc:
        raise error.keyed("in_file", path=path, message=exc.args[0]) from exc
    except (OSError, ValueError) as exc:
        reason = exc.args[0] if exc.args and isinstance(exc.args[0], Phrase) else str(exc)
        raise error.keyed("csv_unreadable", path=path, reason=reason, advice=advice) from exc
