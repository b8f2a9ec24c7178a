"""Numbers and sums of money as people say them, in Chinese and in English, turned into exact values.

Chinese: 五万 → 50000, 三万五 → 35000 (a trailing digit counts in the next lower unit), 十二万八千 → 128000,
一万零五 → 10005, 3万5 → 35000, 1.5万 → 15000, 12,000 → 12000, 二〇二五 → 2025, 壹万贰仟 → 12000.
English: 5,000 → 5000, twelve thousand → 12000, one hundred and twenty → 120, 1.5 million → 1500000.
Values are Decimals, so 1.1万 is exactly 11000.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

# ------------------------------------------------------------------------------------------- Chinese

_ZH_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8,
              "九": 9, "壹": 1, "贰": 2, "貳": 2, "叁": 3, "參": 3, "肆": 4, "伍": 5, "陆": 6, "陸": 6, "柒": 7,
              "捌": 8, "玖": 9, "幺": 1}
_ZH_SMALL_UNITS = {"十": 10, "拾": 10, "百": 100, "佰": 100, "千": 1000, "仟": 1000}
_ZH_BIG_UNITS = {"万": 10_000, "萬": 10_000, "亿": 100_000_000, "億": 100_000_000}
_FULLWIDTH = str.maketrans("０１２３４５６７８９．，", "0123456789.,")
_ZH_TOKEN = re.compile(r"\d+(?:\.\d+)?|.")


def _arabic(text: str) -> Decimal | None:
    """'12,000' or '1.5' → Decimal; None when text is not a plain Arabic number."""
    text = text.translate(_FULLWIDTH)
    if not re.fullmatch(r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?", text):
        return None
    try:
        return Decimal(text.replace(",", ""))
    except InvalidOperation:
        return None


def _zh_tokens(text: str) -> list[str | Decimal] | None:
    """Digits (Arabic runs or single Chinese digits) as Decimals, units as their characters."""
    text = re.sub(r"(?<=\d),(?=\d{3})", "", text.translate(_FULLWIDTH))
    tokens: list[str | Decimal] = []
    for tok in _ZH_TOKEN.findall(text):
        if tok[0].isdigit():
            tokens.append(Decimal(tok))
        elif tok in _ZH_DIGITS:
            tokens.append(Decimal(_ZH_DIGITS[tok]))
        elif tok in _ZH_SMALL_UNITS or tok in _ZH_BIG_UNITS:
            tokens.append(tok)
        else:
            return None
    return tokens or None


def _digit_string(tokens: list[str | Decimal]) -> Decimal | None:
    """二〇二五 → 2025: Chinese digits read one by one (years, phone numbers)."""
    if any(not isinstance(t, Decimal) or t > 9 or t != int(t) for t in tokens):
        return None
    return Decimal("".join(str(int(t)) for t in tokens))


def parse_chinese_number(text: str) -> Decimal | None:
    """The value of a Chinese (or mixed Arabic-Chinese) numeral, or None when it is not one."""
    text = text.strip()
    if not text:
        return None
    plain = _arabic(text)
    if plain is not None:
        return plain
    spoken_decimal = _spoken_decimal(text)
    if spoken_decimal is not None:
        return spoken_decimal
    tokens = _zh_tokens(text)
    if tokens is None:
        return None
    if all(isinstance(t, Decimal) for t in tokens):
        return tokens[0] if len(tokens) == 1 else _digit_string(tokens)
    return _positional(tokens)


_SPOKEN_DECIMAL = re.compile(r"(?P<whole>.+)[点點](?P<frac>[零〇一二两三四五六七八九0-9]+)(?P<unit>[万萬亿億]?)")


def _spoken_decimal(text: str) -> Decimal | None:
    """三点五万 → 35000, 零点五 → 0.5 (digits after 点 are read one by one)."""
    m = _SPOKEN_DECIMAL.fullmatch(text)
    if not m:
        return None
    whole = parse_chinese_number(m["whole"])
    if whole is None:
        return None
    value = whole + Decimal(f"0.{m['frac'].translate(_FRACTION_DIGITS)}")
    return value * _ZH_BIG_UNITS[m["unit"]] if m["unit"] else value


_FRACTION_DIGITS = str.maketrans("零〇一二两三四五六七八九", "001223456789")


def _positional(tokens: list[str | Decimal]) -> Decimal | None:
    total = Decimal(0)      # everything already multiplied by 万 / 亿
    section = Decimal(0)    # the part below the next 万 / 亿
    pending: Decimal | None = None
    last_unit = 0           # value of the unit just before `pending`, 0 when something else was
    for tok in tokens:
        if isinstance(tok, Decimal):
            if tok == 0 and pending is None:
                last_unit = 0  # 零 holds a place: 一万零五 → the 五 is 5, not 5000
                continue
            if pending is not None:
                return None  # two digits in a row inside a positional numeral (e.g. 三五万): ambiguous
            pending = tok
            continue
        if tok in _ZH_SMALL_UNITS:
            unit = _ZH_SMALL_UNITS[tok]
            section += (pending if pending is not None else Decimal(1)) * unit
        else:
            unit = _ZH_BIG_UNITS[tok]
            if pending is None and section == 0 and total == 0:
                return None  # 万 with no number before it (万一)
            amount = section + (pending or 0)
            total = (total + amount) * unit if unit > _ZH_BIG_UNITS["万"] else total + amount * unit
            section = Decimal(0)
        pending, last_unit = None, unit
    if pending is not None:
        section += _trailing(pending, last_unit)
    return total + section


def _trailing(digit: Decimal, last_unit: int) -> Decimal:
    """三万五: a lone digit right after a unit counts in the next lower unit (五 → 5000); after 零, or after
    十, it counts as itself."""
    if last_unit >= 100 and digit < 10 and digit == int(digit):
        return digit * last_unit / 10
    return digit


# ------------------------------------------------------------------------------------------- English

_EN_SMALL = {
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15,
    "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19, "twenty": 20, "thirty": 30, "forty": 40,
    "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90, "a": 1, "an": 1,
}
_EN_SCALES = {"thousand": 1000, "grand": 1000, "k": 1000, "million": 1_000_000, "m": 1_000_000,
              "billion": 1_000_000_000, "bn": 1_000_000_000}
_EN_TOKEN = re.compile(r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?|[a-z]+")


def parse_english_number(text: str) -> Decimal | None:
    """'twelve thousand' → 12000, '5,000' → 5000, '1.5 million' → 1500000, 'a hundred and twenty' → 120."""
    tokens = _EN_TOKEN.findall(text.lower().replace("-", " "))
    if not tokens:
        return None
    total, current, seen = Decimal(0), Decimal(0), False
    for tok in tokens:
        if tok == "and":
            continue
        if tok[0].isdigit():
            current += Decimal(tok.replace(",", ""))
        elif tok in _EN_SMALL:
            current += _EN_SMALL[tok]
        elif tok == "hundred":
            current = (current or 1) * 100
        elif tok in _EN_SCALES:
            total += (current or 1) * _EN_SCALES[tok]
            current = Decimal(0)
        else:
            return None
        seen = True
    return total + current if seen else None


# ------------------------------------------------------------------------------------------- money

_CURRENCIES = (  # (pattern, ISO code); the first that appears in the matched text wins
    (r"港币|港元|港幣|HK\$|HKD", "HKD"),
    (r"美元|美金|US\$|USD|dollars?|bucks?|\$", "USD"),
    (r"欧元|€|EUR|euros?", "EUR"),
    (r"英镑|£|GBP|pounds?", "GBP"),
    (r"日元|JPY|yen", "JPY"),
    (r"人民币|元|圆|块|¥|￥|RMB|CNY|yuan|renminbi", "CNY"),
)
_DEFAULT_CURRENCY = {"zh": "CNY", "en": "USD"}
_APPROX = re.compile(r"多|余|来|几|plus|odd", re.IGNORECASE)
_ZH_NUMERAL = re.compile(r"[\d.,０-９零〇一二两三四五六七八九十百千万亿壹贰貳叁參肆伍陆陸柒捌玖拾佰仟萬億幺点點]+")
_EN_WORDS = "|".join(sorted([*_EN_SMALL, "hundred", *_EN_SCALES], key=len, reverse=True))
_EN_PIECE = rf"(?:\d[\d,]*(?:\.\d+)?|\b(?:{_EN_WORDS})\b)"
_EN_NUMERAL = re.compile(rf"{_EN_PIECE}(?:[\s-]*(?:and\s+)?{_EN_PIECE})*", re.IGNORECASE)


@dataclass(frozen=True)
class Amount:
    value: Decimal
    currency: str               # ISO 4217
    approximate: bool = False   # 两万多, fifty-odd: "more than"

    def __str__(self) -> str:
        return f"{format_number(self.value)}{'+' if self.approximate else ''} {self.currency}"


def format_number(value: Decimal) -> str:
    """50000, 1.5 — no exponent, no trailing zeros."""
    if value == value.to_integral_value():
        return str(int(value))
    return format(value.normalize(), "f")


def currency_of(text: str, lang: str) -> str:
    for pattern, code in _CURRENCIES:
        if re.search(pattern, text, re.IGNORECASE):
            return code
    return _DEFAULT_CURRENCY.get(lang, "CNY")


def parse_amount(text: str, lang: str, currency: str = "") -> Amount | None:
    """A sum of money as said ('五万块', '¥12,000', '$5,000', 'twelve thousand dollars') → Amount; None when
    no number can be read in it. `currency` overrides what the words say."""
    text = re.sub(r"(?<=\d)\s?(k|m|bn)\b", r" \1", text, flags=re.IGNORECASE)  # $5k → $5 k
    value = _amount_value(text)
    if value is None:
        return None
    approximate = bool(_APPROX.search(_strip_number(text)))
    return Amount(value, currency or currency_of(text, lang), approximate)


def _amount_value(text: str) -> Decimal | None:
    zh = max(_ZH_NUMERAL.findall(text), key=len, default="").strip(".,")
    if zh and re.search(r"[零〇一二两三四五六七八九十百千万亿壹贰貳叁參肆伍陆陸柒捌玖拾佰仟萬億]", zh):
        return parse_chinese_number(zh)
    en = max((m.group(0) for m in _EN_NUMERAL.finditer(text)), key=len, default="")
    if re.search(r"[a-z]", en, re.IGNORECASE) and en.lower() not in ("a", "an"):
        return parse_english_number(en)
    return parse_chinese_number(zh) if zh else None


def _strip_number(text: str) -> str:
    """The words around the number (where 多 / odd would be)."""
    return _ZH_NUMERAL.sub(" ", text)


# ------------------------------------------------------------------------------------- numbers in a line

_ZH_MONEY_AFTER = re.compile(r"\s*(?:块钱|块|元|圆|钱|人民币)")
_ZH_COUNTED_AFTER = re.compile(r"[个号日月年岁次天人万]")


@dataclass(frozen=True)
class SpokenNumber:
    span: tuple[int, int]       # character offsets in the line, the money word included
    said: str                   # as said: 五万块
    value: Decimal
    currency: str = ""          # ISO 4217 when said as money (五万块, ¥12,000, five dollars), else ""


def numbers_in(text: str, lang: str) -> list[SpokenNumber]:
    """The numbers said in a line, left to right, with their values (五万块 → 50000 CNY, 三万五 → 35000,
    两千五百元 → 2500). A lone Chinese numeral character counts only before a measure word or with digits
    (一个, 3), so that 一下 and 十分 are not read as numbers."""
    found: list[SpokenNumber] = []
    if lang == "zh":
        for m in _ZH_NUMERAL.finditer(text):
            said = m.group(0).rstrip(".,点點")
            start, end = m.start(), m.start() + len(said)
            if not said or not any(c.isdigit() or c in _ZH_DIGITS or c in _ZH_SMALL_UNITS for c in said):
                continue
            money = _ZH_MONEY_AFTER.match(text, end)
            if len(said) == 1 and not said.isdigit() and not money and not _ZH_COUNTED_AFTER.match(text, end):
                continue
            value = parse_chinese_number(said)
            if value is None:
                continue
            if money:
                end = money.end()
            found.append(SpokenNumber((start, end), text[start:end], value, currency_of(text[start:end], lang)
                                      if money else ""))
        return found
    for m in _EN_NUMERAL.finditer(text):
        said = m.group(0).strip(" -,")
        if said.lower() in ("a", "an") or not said:
            continue
        value = parse_english_number(said)
        if value is None:
            continue
        start = m.start() + m.group(0).index(said)
        end = start + len(said)
        money = re.match(r"\s*(?:dollars?|bucks?|yuan|rmb|pounds?|euros?)\b", text[end:], re.IGNORECASE)
        before = text[max(0, start - 1):start] in ("$", "¥", "£", "€")
        if money:
            end += money.end()
        if before:
            start -= 1
        found.append(SpokenNumber((start, end), text[start:end], value,
                                  currency_of(text[start:end], lang) if money or before else ""))
    return found
