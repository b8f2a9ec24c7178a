"""Equal content, equal bytes: a .docx zip rewritten with fixed dates and order."""

from __future__ import annotations

import io
import zipfile
from datetime import datetime, timezone

from pipeline.fileio import zip_bytes


def utc_minute(moment: datetime) -> datetime:
    """moment as naive UTC to the minute: the precision the exhibit itself shows."""
    if moment.tzinfo is not None:
        moment = moment.astimezone(timezone.utc).replace(tzinfo=None)
    return moment.replace(second=0, microsecond=0)


def fixed_zip(data: bytes, moment: datetime) -> bytes:
    """The zip (a .docx) rewritten so that equal content gives equal bytes: every entry dated `moment`,
    [Content_Types].xml first and the rest in name order, the same compression, no zip comment."""
    with zipfile.ZipFile(io.BytesIO(data)) as source:
        entries = sorted(source.infolist(), key=lambda i: (i.filename != "[Content_Types].xml", i.filename))
        parts = [(i.filename, source.read(i)) for i in entries]
    return zip_bytes(parts, utc_minute(moment).timetuple()[:6])
