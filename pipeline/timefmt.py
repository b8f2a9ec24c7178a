"""The one timestamp formatter: every time shown to a person goes through here, one format per kind:

- a time in the recording: hh:mm:ss everywhere (00:01:05), with milliseconds where they matter (00:01:05.120);
- a length: hh:mm:ss.t (00:01:35.2);
- a moment in the world (file times, metadata dates, when the exhibit was made): the date as the document's
  language writes it and the time, in the document's one zone (the case's time_zone, else the computer's), which
  the document states once (clock_text: 北京时间（UTC+08:00）); a moment the user states without a zone is shown
  as stated, a file's date with no zone marked so.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, timedelta, tzinfo


def hms(seconds: float) -> str:
    """12.7 → '00:00:12' (whole seconds, truncated: a line starting at 12.7 s is heard in second 12)."""
    total = max(0, int(seconds))
    return f"{total // 3600:02d}:{total % 3600 // 60:02d}:{total % 60:02d}"


def hms_ms(seconds: float) -> str:
    """65.12 → '00:01:05.120': a time in the recording to the millisecond."""
    ms = max(0, round(seconds * 1000))
    return f"{hms(ms // 1000)}.{ms % 1000:03d}"


def srt_time(seconds: float) -> str:
    """12.7 → '00:00:12,700'."""
    ms = max(0, round(seconds * 1000))
    return f"{ms // 3_600_000:02d}:{ms % 3_600_000 // 60_000:02d}:{ms % 60_000 // 1000:02d},{ms % 1000:03d}"


def duration_text(seconds: float) -> str:
    """A length for people: 95.2 → '00:01:35.2'."""
    tenths = max(0, round(seconds * 10))
    whole, frac = divmod(tenths, 10)
    return f"{hms(whole)}.{frac}"


def parse_moment(text: str) -> datetime | None:
    """An ISO 8601 moment as files and tags write it ('2025-03-05T12:00:00.000000Z', '2025-03-05 20:14:03+08:00',
    '2025-03-05'); None when it is not one."""
    value = text.strip()
    if value.endswith(("Z", "z")):
        value = value[:-1] + "+00:00"
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        return None


def zone_text(offset: timedelta | None) -> str:
    """'UTC', 'UTC+08:00', 'UTC-05:30'."""
    if not offset:
        return "UTC"
    minutes = int(offset.total_seconds() // 60)
    sign = "+" if minutes >= 0 else "-"
    return f"UTC{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


def date_text(day: date, formats: Mapping[str, str]) -> str:
    """A day as the document's language writes it: formats["date"] ('{year}年{month}月{day}日')."""
    return formats["date"].format(year=day.year, month=day.month, day=day.day)


def in_zone(moment: datetime, zone: tzinfo) -> datetime:
    """A moment with a zone, in the document's zone; one without a zone (as a person states it) as it is."""
    return moment.astimezone(zone) if moment.tzinfo is not None else moment


def moment_text(moment: datetime, formats: Mapping[str, str], zone: tzinfo, seconds: bool = True) -> str:
    """A moment in the document's one zone, which the document states once (clock_text), so no zone beside it
    (formats["local_moment"]: '{date} {time}'); a moment with no zone, as a person states it, as it is."""
    moment = in_zone(moment, zone)
    clock = moment.strftime("%H:%M:%S" if seconds else "%H:%M")
    return formats["local_moment"].format(date=date_text(moment, formats), time=clock)


def clock_text(zone: tzinfo, formats: Mapping[str, str], at: datetime) -> str:
    """The document's zone, said once: 北京时间（UTC+08:00） when it is UTC+08:00 (formats["beijing"]); a zone's name
    with its offset when it has one and keeps it all year (Asia/Tokyo), its name alone, as local time, when it
    changes for daylight saving time (Europe/London: no one offset would be true of every time shown); else the
    offset from UTC at `at`."""
    offset = at.astimezone(zone).utcoffset()
    name = getattr(zone, "key", "")
    steady = not name or all(datetime(at.year, month, 1, tzinfo=zone).utcoffset() == offset for month in (1, 7))
    if not steady:       # daylight saving time: no one offset holds for every time in the document
        return formats["seasonal_zone"].format(name=name)
    if offset == timedelta(hours=8):
        return formats["beijing"].format(zone=zone_text(offset))
    return formats["named_zone"].format(name=name, zone=zone_text(offset)) if name else zone_text(offset)


def stated_moment_text(text: str, formats: Mapping[str, str], zone: tzinfo) -> str:
    """A date the user states (recorded_on: '2025-03-05' or '2025-03-05 15:30'): the day alone, or the day and
    the time (in the document's zone when the user gave a zone with it)."""
    moment = parse_moment(text)
    if moment is None:
        return text.strip()
    if len(text.strip()) <= len("YYYY-MM-DD"):
        return date_text(moment, formats)
    return moment_text(moment, formats, zone, seconds=bool(moment.second))


def tagged_moment_text(text: str, formats: Mapping[str, str], zone: tzinfo) -> str:
    """A date a file or its metadata carries: in the document's zone when it is ISO 8601 with a zone, marked as
    written with no zone when it has none (formats["unzoned_moment"]), else as written."""
    moment = parse_moment(text)
    if moment is None or len(text.strip()) <= len("YYYY-MM-DD"):
        return text.strip()
    if moment.tzinfo is None:
        return formats["unzoned_moment"].format(date=date_text(moment, formats), time=moment.strftime("%H:%M:%S"))
    return moment_text(moment, formats, zone)
