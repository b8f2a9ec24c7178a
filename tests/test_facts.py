"""The facts stage: rule loading and checking, matching on text, and the stage over labelled utterances."""

from __future__ import annotations

import csv
import hashlib
from datetime import date
from pathlib import Path

import pytest

from conftest import eval_file
from pipeline.artifacts import Labelled, Speaker, Utterance
from pipeline.config import CONFIG_DIR, FactsConfig
from pipeline.errors import ConfigError
from pipeline.stages.facts import CATEGORIES, PARTY_RULE_ID, clause_bounds, find_facts, load_rules, match_text

RULE_FILES = [CONFIG_DIR / "rules" / "zh.toml", CONFIG_DIR / "rules" / "en.toml"]
RECORDED = date(2025, 3, 5)  # the dev lines' recording date (d03: 今天是2025年3月5号)


@pytest.fixture(scope="module")
def rules():
    return load_rules(RULE_FILES)


def _categories(text: str, lang: str, rules, names=(), reference=RECORDED) -> set[str]:
    return {m.category for m in match_text(text, lang, rules, list(names), reference)}


def _values(text: str, lang: str, rules, category: str, reference=RECORDED) -> list[str]:
    return [m.value for m in match_text(text, lang, rules, [], reference) if m.category == category]


# ----------------------------------------------------------------------------------- the shipped rules


def test_shipped_rules_cover_every_category_in_both_languages(rules):
    for lang in ("zh", "en"):
        have = {r.category for r in rules.for_language(lang)}
        assert have == set(CATEGORIES), lang
        assert all(r.explanation for r in rules.for_language(lang))
        assert rules.party_explanations[lang]


# ------------------------------------------------------------------------------- the dev set (a check)


def _dev_rows() -> list[dict[str, str]]:
    with eval_file("keyfacts_dev.csv").open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def test_dev_set_f1_per_category_at_least_0_9(rules):
    counts = {c: [0, 0, 0] for c in CATEGORIES}  # tp, fp, fn
    for row in _dev_rows():
        got = _categories(row["text"], row["lang"], rules)
        expected = set(filter(None, row["categories"].split(";")))
        for c in CATEGORIES:
            counts[c][0] += c in got and c in expected
            counts[c][1] += c in got and c not in expected
            counts[c][2] += c in expected and c not in got
    for c, (tp, fp, fn) in counts.items():
        f1 = 2 * tp / (2 * tp + fp + fn) if tp + fp + fn else 1.0
        assert f1 >= 0.9, (c, tp, fp, fn)


@pytest.mark.parametrize("row", _dev_rows() if (Path(__file__).resolve().parents[2] / "shared").is_dir() else [],
                         ids=lambda r: r["id"])
def test_dev_set_values(rules, row):
    """Amounts exactly; absolute dates in ISO (or MM-DD); relative dates kept as said (a phrase of the line)."""
    expected_amounts = sorted(int(a) for a in row["amounts"].split("|") if a)
    got_amounts = sorted(int(v.split()[0]) for v in _values(row["text"], row["lang"], rules, "amount"))
    assert got_amounts == expected_amounts
    dates = _values(row["text"], row["lang"], rules, "date")
    if not row["dates"]:
        assert dates == []
    elif row["dates"][0].isdigit():
        assert row["dates"] in dates
    else:
        assert dates and all(d in row["text"] for d in dates)


# ------------------------------------------------------------------------------------- our own cases

ZH_CASES = [
    # text, expected categories, {category: expected values}
    ("我承认，那笔钱是我拿的。", {"admission"}, {}),
    ("没错，借条是我写的。", {"admission"}, {}),
    ("钱我已经还清了。", {"admission"}, {}),
    ("我确实欠你八千块。", {"admission", "amount"}, {"amount": ["8000 CNY"]}),
    ("这个钱我已经收到了。", {"admission"}, {}),
    ("我借了你五万块钱，下个月还你。", {"admission", "amount", "promise", "date"},
     {"amount": ["50000 CNY"], "date": ["下个月"]}),
    ("我没说是我借的。", {"denial"}, {}),
    ("不是我借的，是他借的。", {"denial"}, {}),
    ("他说是我借的，根本没有这回事。", {"denial"}, {}),
    ("我没借过你的钱。", {"denial"}, {}),
    ("这事跟我没关系。", {"denial"}, {}),
    ("我不记得了。", {"denial"}, {}),
    ("我一定还你。", {"promise"}, {}),
    ("我月底之前一定把钱还清。", {"promise", "date"}, {"date": ["月底之前"]}),
    ("国庆前把钱打给你。", {"promise", "date"}, {"date": ["国庆前"]}),
    ("不还钱就去你单位闹。", {"threat"}, {}),
    ("你给我等着，我找人收拾你。", {"threat"}, {}),
    ("我是王经理。", {"self_id", "name"}, {"self_id": ["王经理"], "name": ["王经理"]}),
    ("我叫李建国，我姓李。", {"self_id", "name"}, {"self_id": ["李建国", "李"]}),
    ("王经理、张总、陈律师都在。", {"name"}, {"name": ["王经理", "张总", "陈律师"]}),
    ("老王跟小李说了。", {"name"}, {"name": ["老王", "小李"]}),
    ("转了1.5万，还有3万5没给。", {"amount"}, {"amount": ["15000 CNY", "35000 CNY"]}),
    ("一共两万多块钱，人民币五万元是押金。", {"amount"}, {"amount": ["20000+ CNY", "50000 CNY"]}),
    ("一共三点五万，下午三点半见。", {"amount"}, {"amount": ["35000 CNY"]}),
    ("合同是2024年1月签的，总价¥12,000。", {"date", "amount"}, {"date": ["2024-01"], "amount": ["12000 CNY"]}),
    ("我们约好三月五号见面，二〇二五年三月五日签的合同。", {"date"}, {"date": ["03-05", "2025-03-05"]}),
    ("今年十二月二十号开庭。", {"date"}, {"date": ["2025-12-20"]}),
    ("下周三之前给你答复。", {"date", "promise"}, {"date": ["下周三之前"]}),
    # as speech recognition often gives it, without punctuation
    ("你好我是李建国今天是2025年3月5号我们在你公司楼下", {"self_id", "name", "date"},
     {"self_id": ["李建国"], "date": ["2025-03-05"]}),
    ("那五万块钱确实是我借的我没说不还", {"admission", "amount"}, {"amount": ["50000 CNY"]}),
    ("是我借的那五万块钱我下个月一定还你不还钱你就去法院告我吗", {"admission", "amount", "date", "promise"}, {}),
    # must not match
    ("是你借的吗？", set(), {}),
    ("是我借的吗？", set(), {}),
    ("要是我借的，我肯定认。", set(), {}),
    ("你吃饭了吗？", set(), {}),
    ("明天见，路上小心。", set(), {}),
    ("你别想太多了，早点休息。", set(), {}),
    ("你等着，我马上下来。", set(), {}),
    ("我不会去你单位闹的，放心。", set(), {}),
    ("我不能保证什么时候还。", set(), {}),
    ("我是程序员，我是说这个问题。", set(), {}),
    ("这是一张总表，这周总共三个人。", set(), {}),
    ("小孙子很可爱，三百多人参加了。", set(), {}),
    ("百分之三十，第一千个客户，万一他不来呢？", set(), {}),
    ("他那个人，好的，我知道了。", set(), {}),
]

EN_CASES = [
    ("I admit it, it was me.", {"admission"}, {}),
    ("I owe you 500 dollars.", {"admission", "amount"}, {"amount": ["500 USD"]}),
    ("Yes, I did.", {"admission"}, {}),
    ("I signed the contract on 3 March 2023.", {"admission", "date"}, {"date": ["2023-03-03"]}),
    ("I didn't take the money.", {"denial"}, {}),
    ("That's not true, it wasn't me.", {"denial"}, {}),
    ("I never promised you anything.", {"denial"}, {}),
    ("I'll get you the money next week.", {"promise", "date"}, {"date": ["next week"]}),
    ("I'll pay you on Friday, you have my word.", {"promise", "date"}, {"date": ["Friday"]}),
    ("You'd better pay up or I'll tell your boss.", {"threat"}, {}),
    ("I know where you live.", {"threat"}, {}),
    ("My name is Sarah.", {"self_id", "name"}, {"self_id": ["Sarah"], "name": ["Sarah"]}),
    ("I'm John Smith and this is Mrs. Brown.", {"self_id", "name"},
     {"self_id": ["John Smith"], "name": ["John Smith", "Mrs. Brown"]}),
    ("He paid a hundred and twenty thousand dollars, she sent $5k.", {"amount"},
     {"amount": ["120000 USD", "5000 USD"]}),
    ("It cost fifty grand, about £300 a month.", {"amount"}, {"amount": ["50000 USD", "300 GBP"]}),
    ("We met on May 5, 2024 and again on 2024-05-01.", {"date"}, {"date": ["2024-05-05", "2024-05-01"]}),
    ("The payment is due by the end of the month.", {"date"}, {"date": ["by the end of the month"]}),
    # must not match
    ("Did you take the money?", set(), {}),
    ("Did I take the money? No.", set(), {}),
    ("If I took the money, I'd say so.", set(), {}),
    ("How are you doing today?", set(), {}),
    ("I'll call you later.", set(), {}),
    ("I won't hurt you.", set(), {}),
    ("I'm not going to hurt you.", set(), {}),
    ("Do you promise?", set(), {}),
    ("I'm Chinese.", set(), {}),
    ("You may go now, it's Tuesday.", set(), {}),
]


@pytest.mark.parametrize("text, categories, values", ZH_CASES, ids=[c[0] for c in ZH_CASES])
def test_chinese_cases(rules, text, categories, values):
    found = match_text(text, "zh", rules, [], RECORDED)
    assert {m.category for m in found} == categories
    for category, expected in values.items():
        assert [m.value for m in found if m.category == category] == expected


@pytest.mark.parametrize("text, categories, values", EN_CASES, ids=[c[0] for c in EN_CASES])
def test_english_cases(rules, text, categories, values):
    found = match_text(text, "en", rules, [], RECORDED)
    assert {m.category for m in found} == categories
    for category, expected in values.items():
        assert [m.value for m in found if m.category == category] == expected


def test_relative_year_is_kept_as_said_without_a_reference_date(rules):
    assert _values("去年12月20号你转给我的那三万块", "zh", rules, "date", reference=None) == ["去年12月20号"]


def test_matches_carry_their_span_rule_and_explanation(rules):
    text = "那五万块钱确实是我借的，我没说不还。"
    for m in match_text(text, "zh", rules):
        assert text[m.span[0]:m.span[1]] == m.matched
        assert m.rule_id and m.explanation
    amount = next(m for m in match_text(text, "zh", rules) if m.category == "amount")
    assert (amount.matched, amount.value, amount.rule_id) == ("五万块钱", "50000 CNY", "zh-amount-with-unit")


def test_party_names_are_marked_once_even_where_a_rule_also_finds_them(rules):
    found = match_text("我是李建国，王强说他明天给钱。", "zh", rules, ["李建国", "王强", "X"])
    names = [(m.matched, m.rule_id) for m in found if m.category == "name"]
    assert [n for n, _ in names] == ["李建国", "王强"]
    assert ("王强", PARTY_RULE_ID) in names
    assert _categories("john smith called me", "en", rules, ["John Smith"]) == {"name"}


def test_clause_keeps_numbers_and_titles_whole():
    text = "Mr. Chen paid $12,000.50, then left. Did he?"
    assert text[slice(*clause_bounds(text, 0, 2))] == "Mr. Chen paid $12,000.50,"
    assert text[slice(*clause_bounds(text, text.index("Did"), text.index("Did") + 3))] == " Did he?"


# ----------------------------------------------------------------------------------------- rule files


def _rule_file(tmp_path: Path, body: str, name: str = "bad.toml") -> Path:
    path = tmp_path / name
    path.write_text('language = "zh"\n' + body, encoding="utf-8")
    return path


@pytest.mark.parametrize("body, words", [
    ('[[rules]]\nid = "r1"\ncategory = "admission"\npatterns = ["是我"]\nexplanation = "x"\npattern = ["a"]\n',
     ["bad.toml", "r1", "unknown key", "pattern"]),
    ('[[rules]]\nid = "r2"\ncategory = "admission"\npatterns = ["(是我"]\nexplanation = "x"\n',
     ["bad.toml", "r2", "bad pattern"]),
    ('[[rules]]\nid = "r3"\ncategory = "admission"\npatterns = ["是我"]\n', ["bad.toml", "r3", "missing explanation"]),
    ('[[rules]]\ncategory = "admission"\npatterns = ["是我"]\nexplanation = "x"\n',
     ["bad.toml", "rule #1", "missing id"]),
    ('[[rules]]\nid = "r5"\ncategory = "confession"\npatterns = ["是我"]\nexplanation = "x"\n',
     ["bad.toml", "r5", "unknown category"]),
    ('[[rules]]\nid = "r6"\ncategory = "amount"\npatterns = ["{money}"]\nexplanation = "x"\n',
     ["bad.toml", "r6", "{money}"]),
    ('[[rules]]\nid = "r7"\ncategory = "amount"\npatterns = "元"\nexplanation = "x"\n', ["bad.toml", "r7", "list"]),
    ('[[rules]]\nid = "r8"\ncategory = "amount"\npatterns = []\nexplanation = "x"\n', ["bad.toml", "r8", "empty"]),
    ('[[rules]]\nid = "r9"\ncategory = "admission"\npatterns = ["是我"]\nexplanation = "x"\nunless = ["[吗"]\n',
     ["bad.toml", "r9", "bad pattern"]),
    ('[[rules]]\nid = "r10"\ncategory = "admission"\npatterns = ["是我"]\nexplanation = "x"\n'
     '[[rules]]\nid = "r10"\ncategory = "denial"\npatterns = ["不是我"]\nexplanation = "y"\n',
     ["bad.toml", "r10", "twice"]),
    ('colour = "red"\n', ["bad.toml", "colour"]),
    ('[[rules]\n', ["bad.toml"]),
])
def test_malformed_rule_file_is_one_line_naming_file_and_rule(tmp_path, body, words):
    with pytest.raises(ConfigError) as err:
        load_rules([_rule_file(tmp_path, body)])
    message = str(err.value)
    assert all(w in message for w in words), message
    assert "\n" not in message


def test_missing_language_and_missing_file(tmp_path):
    path = tmp_path / "nolang.toml"
    path.write_text('[[rules]]\nid = "a"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match="nolang.toml.*language"):
        load_rules([path])
    with pytest.raises(ConfigError, match="absent.toml"):
        load_rules([tmp_path / "absent.toml"])


def test_defs_unless_and_case_sensitivity(tmp_path):
    path = _rule_file(tmp_path, """
[defs]
who = '(?:我|俺)'
[[rules]]
id = "took"
category = "admission"
patterns = ['{who}拿的', 'Took']
unless = ['不是']
explanation = "拿走"
case_sensitive = true
""")
    rules = load_rules([path])
    assert _categories("俺拿的。", "zh", rules) == {"admission"}
    assert _categories("不是俺拿的。", "zh", rules) == set()
    assert _categories("不是他，俺拿的。", "zh", rules) == {"admission"}  # the guard looks only at its clause
    assert _categories("took", "zh", rules) == set()


# --------------------------------------------------------------------------------------------- the stage


def _labelled(language: str = "zh") -> Labelled:
    speakers = (Speaker("SPEAKER_00", "王强", "王强", "原告", 10.0, 2, 0.0, 9.0),
                Speaker("SPEAKER_01", "说话人2", "", "", 5.0, 2, 1.0, 8.0))
    items = (
        Utterance("u0001", "SPEAKER_00", 0.5, 3.0, "王强，那五万块钱你什么时候还？", ()),
        Utterance("u0002", "SPEAKER_01", 3.2, 6.0, "是我借的，我下个月十五号之前一定还给你。", ()),
        Utterance("u0003", "SPEAKER_00", 6.5, 8.0, "OK, I'll pay the $300 by Friday.", ()),
        Utterance("u0004", "SPEAKER_01", 8.2, 9.0, "嗯。", ()),
    )
    return Labelled(language, speakers, items)


def test_find_facts_over_labelled_utterances():
    facts = find_facts(_labelled(), FactsConfig())
    by_line = {}
    for f in facts.items:
        by_line.setdefault(f.utterance_id, set()).add(f.category)
    assert by_line == {
        "u0001": {"name", "amount"},
        "u0002": {"admission", "date", "promise"},
        "u0003": {"promise", "amount", "date"},  # an English line in a Chinese recording: English rules
    }
    name = next(f for f in facts.items if f.category == "name")
    assert (name.rule_id, name.value, name.speaker, name.start, name.span) == (PARTY_RULE_ID, "王强", "SPEAKER_00",
                                                                              0.5, (0, 2))
    assert [f.value for f in facts.items if f.category == "amount"] == ["50000 CNY", "300 USD"]
    assert all(f.explanation for f in facts.items)


def test_find_facts_records_each_rule_file_hash():
    facts = find_facts(_labelled(), FactsConfig())
    assert facts.rule_files == {
        f: hashlib.sha256((CONFIG_DIR / f).read_bytes()).hexdigest() for f in FactsConfig().rule_files}


def test_find_facts_resolves_relative_years_against_the_recording_date():
    labelled = Labelled("zh", (), (Utterance("u0001", "SPEAKER_00", 0.0, 1.0, "去年12月20号你转给我的", ()),))
    assert [f.value for f in find_facts(labelled, FactsConfig()).items] == ["去年12月20号"]
    assert [f.value for f in find_facts(labelled, FactsConfig(), RECORDED).items] == ["2024-12-20"]


def test_find_facts_reports_a_malformed_configured_rule_file(tmp_path, monkeypatch):
    bad = _rule_file(tmp_path, '[[rules]]\nid = "oops"\ncategory = "admission"\npatterns = ["("]\nexplanation = "x"\n')
    with pytest.raises(ConfigError, match="bad.toml: rule oops"):
        find_facts(_labelled(), FactsConfig(rule_files=(str(bad),)))
