"""Chinese and English numerals, sums of money and dates → exact normalised values (no models)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from pipeline.text.dates import DateValue, iso, normalise_en_date, normalise_zh_date
from pipeline.text.numerals import Amount, parse_amount, parse_chinese_number, parse_english_number


@pytest.mark.parametrize("text, value", [
    ("五万", 50000), ("三万五", 35000), ("两千五", 2500), ("十二万八千", 128000), ("一千六", 1600),
    ("3万5", 35000), ("1.5万", 15000), ("二十", 20), ("一万五", 15000), ("两万", 20000),
    ("一百二十万", 1_200_000), ("十二万八", 128000), ("一百二", 120), ("二十五", 25), ("十", 10), ("十五", 15),
    ("一万零五", 10005), ("一百零五", 105), ("两千零五十", 2050), ("十万八千", 108000), ("五千万", 50_000_000),
    ("一亿二千万", 120_000_000), ("三万亿", 3_000_000_000_000), ("壹万贰仟", 12000), ("1.1万", 11000),
    ("12,000", 12000), ("1,200万", 12_000_000), ("3万50", 30050), ("二〇二五", 2025), ("零", 0), ("两", 2),
    ("三点五万", 35000), ("零点五", Decimal("0.5")), ("十二点三四", Decimal("12.34")), ("５万", 50000),
])
def test_chinese_numerals(text, value):
    assert parse_chinese_number(text) == value


@pytest.mark.parametrize("text", ["", "万一", "三五万", "abc", "点五", "五万块"])
def test_not_a_chinese_numeral(text):
    """Not numbers, or ambiguous (三五万 is 'thirty to fifty thousand'): no value rather than a guess."""
    assert parse_chinese_number(text) is None


@pytest.mark.parametrize("text, value", [
    ("twelve thousand", 12000), ("5,000", 5000), ("a hundred and twenty thousand", 120000),
    ("two million five hundred thousand", 2_500_000), ("twenty-five", 25), ("1.5 million", 1_500_000),
    ("fifty grand", 50000), ("five hundred", 500), ("a thousand", 1000), ("5 thousand", 5000),
])
def test_english_numerals(text, value):
    assert parse_english_number(text) == value


@pytest.mark.parametrize("text", ["", "lunch", "twelve apples"])
def test_not_an_english_numeral(text):
    assert parse_english_number(text) is None


@pytest.mark.parametrize("text, lang, expected", [
    ("五万块", "zh", "50000 CNY"), ("两千五百元", "zh", "2500 CNY"), ("八万元整", "zh", "80000 CNY"),
    ("¥12,000", "zh", "12000 CNY"), ("一千六", "zh", "1600 CNY"), ("五万块钱", "zh", "50000 CNY"),
    ("三点五万块", "zh", "35000 CNY"), ("两万多块钱", "zh", "20000+ CNY"), ("5000美元", "zh", "5000 USD"),
    ("一万港币", "zh", "10000 HKD"), ("人民币五万元", "zh", "50000 CNY"), ("3.5元", "zh", "3.5 CNY"),
    ("$5,000", "en", "5000 USD"), ("twelve thousand dollars", "en", "12000 USD"), ("$5k", "en", "5000 USD"),
    ("$1.5 million", "en", "1500000 USD"), ("£300", "en", "300 GBP"), ("€20", "en", "20 EUR"),
    ("HK$100", "en", "100 HKD"), ("US$2,000", "en", "2000 USD"), ("fifty-odd dollars", "en", "50+ USD"),
    ("$2,500.50", "en", "2500.5 USD"), ("500 yuan", "en", "500 CNY"),
])
def test_amounts(text, lang, expected):
    assert str(parse_amount(text, lang)) == expected


def test_amount_currency_override_and_unreadable():
    assert parse_amount("五万", "zh", currency="USD") == Amount(Decimal(50000), "USD")
    assert parse_amount("好几万块", "zh") is None
    assert parse_amount("dollars", "en") is None


@pytest.mark.parametrize("text, expected", [
    ("2025年3月5号", "2025-03-05"), ("2025年3月5日", "2025-03-05"), ("三月五号", "03-05"),
    ("十二月二十号", "12-20"), ("2023年6月1日", "2023-06-01"), ("二〇二五年三月五日", "2025-03-05"),
    ("2025-03-05", "2025-03-05"), ("2025/3/5", "2025-03-05"), ("2024年1月", "2024-01"),
    ("十二月三十一日", "12-31"), ("2月29号", "02-29"),
    # the words do not fix a day (and no recording date is given): kept as said
    ("2025年2月29日", "2025年2月29日"), ("2月30号", "2月30号"), ("下个月十五号", "下个月十五号"),
    ("年底之前", "年底之前"), ("这周五", "这周五"), ("三月份", "三月份"),
])
def test_chinese_dates(text, expected):
    assert normalise_zh_date(text) == DateValue(expected, computed=False)


@pytest.mark.parametrize("text, expected_without, expected_with", [
    ("去年12月20号", "去年12月20号", "2024-12-20"),
    ("今年三月五号", "今年三月五号", "2025-03-05"),
    ("明年一月", "明年一月", "2026-01"),
    ("前年十月一日", "前年十月一日", "2023-10-01"),
    ("去年底", "去年底", "2024-12-31"),
    ("下个月十五号", "下个月十五号", "2025-04-15"),
    ("这周五", "这周五", "2025-03-07"),
])
def test_chinese_relative_dates_resolve_only_against_a_reference_date_and_are_marked_computed(
        text, expected_without, expected_with):
    assert normalise_zh_date(text) == DateValue(expected_without, computed=False)
    assert normalise_zh_date(text, date(2025, 3, 5)) == DateValue(expected_with, computed=True)


def test_a_date_said_in_full_is_not_computed_even_with_a_reference_date():
    assert normalise_zh_date("2024年7月15日", date(2024, 6, 18)) == DateValue("2024-07-15", computed=False)
    assert normalise_zh_date("7月15日", date(2024, 6, 18)) == DateValue("07-15", computed=False)


@pytest.mark.parametrize("text, expected", [
    ("March 31st", "03-31"), ("2024-05-01", "2024-05-01"), ("Tuesday the 4th of November 2025", "2025-11-04"),
    ("November 4, 2025", "2025-11-04"), ("May 5, 2024", "2024-05-05"), ("3 March 2023", "2023-03-03"),
    ("the 1st of June", "06-01"), ("Sept 9th", "09-09"), ("May 2024", "2024-05"),
    ("last March", "last March"), ("Feb 30", "Feb 30"), ("last Friday", "last Friday"),
])
def test_english_dates(text, expected):
    assert normalise_en_date(text) == DateValue(expected, computed=False)


def test_iso_refuses_days_that_do_not_exist():
    assert iso(2024, 2, 29) == "2024-02-29"
    assert iso(2025, 2, 29) == ""
    assert iso(None, 4, 31) == ""
    assert iso(None, 3, None) == ""


def test_numbers_in_a_line_are_found_with_their_values_and_money_words():
    from pipeline.text.numerals import numbers_in

    found = numbers_in("那五万块是我借的，还了三万五，还差两千五百元", "zh")
    assert [(n.said, str(n.value), n.currency) for n in found] == [
        ("五万块", "50000", "CNY"), ("三万五", "35000", ""), ("两千五百元", "2500", "CNY")]
    assert found[0].span == (1, 4)
    assert numbers_in("我一下就还你十分之一", "zh") == []          # 一下, 十分 are not amounts
    en = numbers_in("He owes me five thousand dollars and $12,000", "en")
    assert [(n.said, str(n.value), n.currency) for n in en] == [
        ("five thousand dollars", "5000", "USD"), ("$12,000", "12000", "USD")]
