"""Equal content, equal bytes: a .docx zip rewritten with fixed dates and order."""

from __future__ import annotations

import io
import zipfile
from datetime import datetime, timezone


def utc_minute(moment: datetime) -> datetime:
    """moment as naive UTC to the minute: the precision the exhibit itself shows."""
    if moment.tzinfo is not None:
        moment = moment.astimezone(timezone.utc).replace(tzinfo=None)
    return moment.replace(second=0, microsecond=0)


def fixed_zip(data: bytes, moment: datetime) -> bytes:
    """The zip (a .docx) rewritten so that equal content gives equal bytes: every entry dated `moment`,
    [Content_Types].xml first and the rest in name order, the same compression, no zip comment."""
    stamp = utc_minute(moment).timetuple()[:6]
    with zipfile.ZipFile(io.BytesIO(data)) as source:
        entries = sorted(source.infolist(), key=lambda i: (i.filename != "[Content_Types].xml", i.filename))
        parts = [(i.filename, source.read(i)) for i in entries]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for name, blob in parts:
            info = zipfile.ZipInfo(name, date_time=stamp)
            info.compress_type, info.external_attr = zipfile.ZIP_DEFLATED, 0o644 << 16
            target.writestr(info, blob)
    return buffer.getvalue()
