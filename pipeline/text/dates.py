"""Dates as people say them → ISO 8601 where the words fix the date, else the words themselves.

2025年3月5号 → "2025-03-05"; 三月五号 / March 31st → "03-05" / "03-31" (no year said: none invented);
2024年6月 → "2024-06"; 去年12月20号 → "2024-12-20" when a reference date (the recording's) is known, else
the phrase as said; 下个月十五号, 年底之前, last Friday → the phrase as said (resolving them would present a
guess as a fact).
"""

from __future__ import annotations

import re
from datetime import date

from pipeline.text.numerals import parse_chinese_number

_ZH_NUM = "[0-9０-９零〇一二两三四五六七八九十]"
_ZH_DATE = re.compile(
    rf"(?:(?P<year>{_ZH_NUM}{{4}})年|(?P<rel>今年|去年|前年|明年|后年))?"
    rf"(?P<month>{_ZH_NUM}{{1,2}})月份?(?:(?P<day>{_ZH_NUM}{{1,3}})[日号號])?"
)
_NUMERIC_DATE = re.compile(r"(?<!\d)(?P<year>\d{4})[-/.年](?P<month>\d{1,2})[-/.月](?P<day>\d{1,2})(?!\d)")
_ZH_YEAR_OFFSET = {"今年": 0, "去年": -1, "前年": -2, "明年": 1, "后年": 2}

_EN_MONTHS = {"jan": 1, "feb": 2, "mar": 3, "apr": 4, "may": 5, "jun": 6, "jul": 7, "aug": 8, "sep": 9,
              "oct": 10, "nov": 11, "dec": 12}
_EN_MONTH = re.compile(
    r"\b(jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sept?(?:ember)?|"
    r"oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\b", re.IGNORECASE)
_EN_DAY = re.compile(r"(?<!\d)(?<!\d,)\b(\d{1,2})(?:st|nd|rd|th)?\b(?!\d|,\d)", re.IGNORECASE)
_EN_YEAR = re.compile(r"\b((?:19|20)\d{2})\b")


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


def normalise_zh_date(text: str, reference: date | None = None) -> str:
    """ISO (or MM-DD) for a Chinese date expression; the phrase itself when the words do not fix it."""
    numeric = _numeric_iso(text)
    if numeric is not None:
        return numeric or text
    m = _ZH_DATE.search(text)
    if not m:
        return text
    year = _int(m["year"])
    if m["rel"]:
        if reference is None:
            return text
        year = reference.year + _ZH_YEAR_OFFSET[m["rel"]]
    month, day = _int(m["month"]), _int(m["day"])
    if month is None or (day is None and year is None):
        return text
    return iso(year, month, day) or text


def normalise_en_date(text: str, reference: date | None = None) -> str:
    """ISO (or MM-DD) for an English date expression; the phrase itself when the words do not fix it."""
    numeric = _numeric_iso(text)
    if numeric is not None:
        return numeric or text
    month = _EN_MONTH.search(text)
    if not month:
        return text
    rest = text[:month.start()] + " " + text[month.end():]
    year_m = _EN_YEAR.search(rest)
    year = int(year_m.group(1)) if year_m else None
    day_m = _EN_DAY.search(_EN_YEAR.sub(" ", rest))
    day = int(day_m.group(1)) if day_m else None
    if day is None and year is None:
        return text
    return iso(year, _EN_MONTHS[month.group(1)[:3].lower()], day) or text


def normalise_date(text: str, lang: str, reference: date | None = None) -> str:
    return normalise_zh_date(text, reference) if lang == "zh" else normalise_en_date(text, reference)
