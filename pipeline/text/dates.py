"""Dates as people say them → ISO 8601 where the words fix the date, else the words themselves.

2025年3月5号 → "2025-03-05"; 三月五号 / March 31st → "03-05" / "03-31" (no year said: none invented);
2024年6月 → "2024-06". With a reference date (the recording's, as the party states it) the dates said relative
to it are worked out and marked as computed: 去年12月20号 → "2024-12-20", 下个月十五号 → "2025-04-15", 下周三,
上个月 → "2025-02", 月底, 年底, 明天 (in 明天上午十点 → "2025-03-06 10:00"), the end of the month; without one
they stay as said. What the words do not fix stays as said either way: 十五号 (which month?), 周五 (this week's or
next?), last Friday, next week.

A time of day joins the date: 下午三点半 → "15:30", 2025年3月5日下午三点 → "2025-03-05 15:00", at 3:30 pm →
"15:30". A time said without the part of the day (三点半: 3:30 or 15:30?) and one said roughly (九点多) stay as
said.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, timedelta

from pipeline.text.numerals import parse_chinese_number

_ZH_NUM = "[0-9０-９零〇一二两三四五六七八九十]"
_ZH_DATE = re.compile(
    rf"(?:(?P<year>{_ZH_NUM}{{4}})年|(?P<rel>今年|去年|前年|明年|后年))?"
    rf"(?P<month>{_ZH_NUM}{{1,2}})月份?(?:(?P<day>{_ZH_NUM}{{1,3}})[日号號])?"
)
_NUMERIC_DATE = re.compile(r"(?<!\d)(?P<year>\d{4})[-/.年](?P<month>\d{1,2})[-/.月](?P<day>\d{1,2})(?!\d)")
_ZH_YEAR_OFFSET = {"今年": 0, "去年": -1, "前年": -2, "明年": 1, "后年": 2}
# the part of the day → hours added to a 12-hour clock reading (None: read as said, 0–12)
_ZH_PERIODS = {"凌晨": 0, "早上": 0, "早晨": 0, "上午": 0, "明早": 0, "中午": 12, "下午": 12, "傍晚": 12,
               "晚上": 12, "今晚": 12, "明晚": 12, "昨晚": 12, "夜里": 12, "半夜": 0}
_ZH_TIME = re.compile(
    rf"(?P<period>{'|'.join(_ZH_PERIODS)})?的?(?P<hour>{_ZH_NUM}{{1,3}})点(?:钟|整|(?P<more>多))?"
    rf"(?:(?P<half>半)|(?P<quarter>[一三])刻|(?P<minute>{_ZH_NUM}{{1,3}})分?)?$")
_EN_TIME = re.compile(r"(?P<hour>\d{1,2})(?::(?P<minute>\d{2}))?\s*(?P<period>[ap])?\.?m?\.?\s*$|"
                      r"(?P<word>noon|midnight)\s*$", re.IGNORECASE)
_EN_HOUR_WORDS = {w: i for i, w in enumerate(("twelve", "one", "two", "three", "four", "five", "six", "seven",
                                              "eight", "nine", "ten", "eleven"))}

# said relative to the day it was said (the reference)
_ZH_REL_MONTH = re.compile(rf"(?P<rel>下|上|这|本)个?月的?(?:(?P<day>{_ZH_NUM}{{1,3}})[日号號]|(?P<end>底))?")
_ZH_PERIOD_END = re.compile(r"(?:(?P<rel>今年|明年|去年)年?|(?P<unit>年|月))底")
_ZH_REL_WEEKDAY = re.compile(r"(?P<rel>下|上|这|本)个?(?:星期|礼拜|周)(?P<day>[一二三四五六日天])")
_ZH_REL_DAY = re.compile(r"大前天|前天|昨天|今天|明天|大后天|后天")
_ZH_MONTH_OFFSET = {"下": 1, "上": -1, "这": 0, "本": 0}
_ZH_WEEKDAYS = {d: i for i, d in enumerate("一二三四五六日")} | {"天": 6}
_ZH_DAY_OFFSET = {"大前天": -3, "前天": -2, "昨天": -1, "今天": 0, "明天": 1, "后天": 2, "大后天": 3}
_EN_PERIOD_END = re.compile(r"\bend\s+of\s+(?:the|this|(?P<next>next))\s+(?P<unit>month|year)\b", re.IGNORECASE)

_EN_MONTHS = {"jan": 1, "feb": 2, "mar": 3, "apr": 4, "may": 5, "jun": 6, "jul": 7, "aug": 8, "sep": 9,
              "oct": 10, "nov": 11, "dec": 12}
_EN_MONTH = re.compile(
    r"\b(jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sept?(?:ember)?|"
    r"oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\b", re.IGNORECASE)
_EN_DAY = re.compile(r"(?<!\d)(?<!\d,)\b(\d{1,2})(?:st|nd|rd|th)?\b(?!\d|,\d)", re.IGNORECASE)
_EN_YEAR = re.compile(r"\b((?:19|20)\d{2})\b")


@dataclass(frozen=True)
class DateValue:
    """A normalised date: value as in the module's docstring; computed when it was worked out from the reference
    date (下个月十五号, 去年12月20号) rather than said outright (2024年7月15日)."""

    value: str
    computed: bool = False


def iso(year: int | None, month: int, day: int | None) -> str:
    """'2025-03-05', '03-05' (no year), '2025-03' (no day); '' when no such day exists."""
    try:
        date(year or 2000, month, day or 1)  # 2000 is a leap year: 02-29 without a year is allowed
    except ValueError:
        return ""
    if day is None:
        return f"{year:04d}-{month:02d}" if year else ""
    return f"{year:04d}-{month:02d}-{day:02d}" if year else f"{month:02d}-{day:02d}"


def _int(text: str | None) -> int | None:
    if not text:
        return None
    value = parse_chinese_number(text)
    return int(value) if value is not None and value == int(value) else None


def _numeric_iso(text: str) -> str | None:
    """ISO for a numeric date (2024-05-01) in the text: "" when it is no real day, None when there is none."""
    numeric = _NUMERIC_DATE.search(text)
    return iso(int(numeric["year"]), int(numeric["month"]), int(numeric["day"])) if numeric else None


def _month_shift(reference: date, months: int) -> tuple[int, int]:
    index = reference.year * 12 + reference.month - 1 + months
    return index // 12, index % 12 + 1


def _last_day(year: int, month: int) -> str:
    return iso(year, month, calendar.monthrange(year, month)[1])


def _zh_relative(text: str, reference: date) -> str:
    """ISO for a Chinese date said relative to the reference day (下个月十五号, 下周三, 月底, 明天); "" when the
    words do not fix one."""
    if m := _ZH_REL_MONTH.search(text):
        year, month = _month_shift(reference, _ZH_MONTH_OFFSET[m["rel"]])
        if m["end"]:
            return _last_day(year, month)
        day = _int(m["day"])
        return iso(year, month, day) if m["day"] else f"{year:04d}-{month:02d}"
    if m := _ZH_REL_WEEKDAY.search(text):
        monday = reference - timedelta(days=reference.weekday())
        return (monday + timedelta(weeks=_ZH_MONTH_OFFSET[m["rel"]], days=_ZH_WEEKDAYS[m["day"]])).isoformat()
    if m := _ZH_PERIOD_END.search(text):
        if m["unit"] == "月":
            return _last_day(reference.year, reference.month)
        return iso(reference.year + _ZH_YEAR_OFFSET[m["rel"] or "今年"], 12, 31)
    if m := _ZH_REL_DAY.search(text):
        return (reference + timedelta(days=_ZH_DAY_OFFSET[m.group(0)])).isoformat()
    return ""


def normalise_zh_date(text: str, reference: date | None = None) -> DateValue:
    """ISO (or MM-DD) for a Chinese date expression; the phrase itself when the words do not fix it."""
    numeric = _numeric_iso(text)
    if numeric is not None:
        return DateValue(numeric or text)
    m = _ZH_DATE.search(text)
    if not m:
        relative = _zh_relative(text, reference) if reference is not None else ""
        return DateValue(relative, True) if relative else DateValue(text)
    year = _int(m["year"])
    if m["rel"]:
        if reference is None:
            return DateValue(text)
        year = reference.year + _ZH_YEAR_OFFSET[m["rel"]]
    month, day = _int(m["month"]), _int(m["day"])
    if month is None or (day is None and year is None):
        return DateValue(text)
    value = iso(year, month, day)
    return DateValue(value, bool(m["rel"])) if value else DateValue(text)


def normalise_en_date(text: str, reference: date | None = None) -> DateValue:
    """ISO (or MM-DD) for an English date expression; the phrase itself when the words do not fix it."""
    numeric = _numeric_iso(text)
    if numeric is not None:
        return DateValue(numeric or text)
    month = _EN_MONTH.search(text)
    if not month:
        end = _EN_PERIOD_END.search(text) if reference is not None else None
        if end is None:
            return DateValue(text)
        if end["unit"].lower() == "year":
            return DateValue(iso(reference.year + bool(end["next"]), 12, 31), True)
        return DateValue(_last_day(*_month_shift(reference, bool(end["next"]))), True)
    rest = text[:month.start()] + " " + text[month.end():]
    year_m = _EN_YEAR.search(rest)
    year = int(year_m.group(1)) if year_m else None
    day_m = _EN_DAY.search(_EN_YEAR.sub(" ", rest))
    day = int(day_m.group(1)) if day_m else None
    if day is None and year is None:
        return DateValue(text)
    return DateValue(iso(year, _EN_MONTHS[month.group(1)[:3].lower()], day) or text)


def clock(hour: int, minute: int) -> str:
    """'15:30'; '' when no such time."""
    return f"{hour:02d}:{minute:02d}" if 0 <= hour <= 24 and 0 <= minute < 60 else ""


def zh_time(text: str) -> tuple[str, str] | None:
    """(the date part before it, 'HH:MM' or '' when the part of the day is not said) for a Chinese text that
    ends in a time of day (下午三点半); None when it does not."""
    m = _ZH_TIME.search(text)
    if not m:
        return None
    hour = _int(m["hour"])
    minute = 30 if m["half"] else 15 * (1 if m["quarter"] == "一" else 3) if m["quarter"] else _int(m["minute"]) or 0
    if hour is None or m["period"] is None or m["more"]:     # 三点半 (3:30 or 15:30?), 九点多 (after nine)
        return text[:m.start()], ""
    offset = _ZH_PERIODS[m["period"]]
    if offset and hour < 12 and not (m["period"] == "中午" and hour > 2):
        hour += offset
    elif hour == 12 and m["period"] not in ("中午", "上午"):   # 晚上十二点, 凌晨十二点: midnight
        hour = 0
    return text[:m.start()], clock(hour, minute)


def en_time(text: str) -> str | None:
    """'HH:MM' for an English text ending in a time of day (3:30 pm, 10 a.m., 15:45, noon, three o'clock is
    '' — am or pm not said); None when it ends in none."""
    lowered = text.lower().strip()
    if lowered.endswith("o'clock"):
        return ""
    m = _EN_TIME.search(lowered)
    if not m:
        return None
    if m["word"]:
        return "12:00" if m["word"] == "noon" else "00:00"
    hour, minute = int(m["hour"]), int(m["minute"] or 0)
    if m["period"]:
        if not 1 <= hour <= 12:
            return None
        hour = hour % 12 + (12 if m["period"] == "p" else 0)
    elif m["minute"] is None:
        return None
    return clock(hour, minute)


def _with_time(day: DateValue | None, time: str, said: str) -> DateValue:
    """The day and the time joined ("2025-03-05 15:30"), the time alone when no day was said; the phrase as
    said when either is not fixed by the words."""
    if not time:
        return DateValue(said)
    if day is None:
        return DateValue(time)
    if re.fullmatch(r"(?:\d{4}-)?\d{2}-\d{2}", day.value):
        return DateValue(f"{day.value} {time}", day.computed)
    return DateValue(said)


def normalise_date(text: str, lang: str, reference: date | None = None) -> DateValue:
    """The date (and time of day) a matched stretch says; see the module's docstring."""
    if lang == "zh":
        timed = zh_time(text)
        if timed is None:
            return normalise_zh_date(text, reference)
        day, time = timed
        return _with_time(normalise_zh_date(day, reference) if day.strip(" 的,，") else None, time, text)
    time = en_time(text)
    if time is None:
        return normalise_en_date(text, reference)
    return _with_time(None, time, text)
