"""The one timestamp formatter: every time shown to a person goes through here."""

from __future__ import annotations

from datetime import datetime


def hms(seconds: float) -> str:
    """12.7 → '00:00:12' (whole seconds, truncated: a line starting at 12.7 s is heard in second 12)."""
    total = max(0, int(seconds))
    return f"{total // 3600:02d}:{total % 3600 // 60:02d}:{total % 60:02d}"


def mmss(seconds: float) -> str:
    """65.4 → '01:05'; past an hour the minutes go on counting (75:03), for short in-line time ranges."""
    total = max(0, int(seconds))
    return f"{total // 60:02d}:{total % 60:02d}"


def srt_time(seconds: float) -> str:
    """12.7 → '00:00:12,700'."""
    ms = max(0, round(seconds * 1000))
    return f"{ms // 3_600_000:02d}:{ms % 3_600_000 // 60_000:02d}:{ms % 60_000 // 1000:02d},{ms % 1000:03d}"


def duration_text(seconds: float) -> str:
    """A length for people: 95.2 → '00:01:35.2'."""
    tenths = max(0, round(seconds * 10))
    whole, frac = divmod(tenths, 10)
    return f"{hms(whole)}.{frac}"


def minute_text(moment: datetime) -> str:
    """A moment to the minute, as the exhibit shows when it was processed: '2025-03-06 14:30'."""
    return moment.strftime("%Y-%m-%d %H:%M")
