"""The key-fact rule engine: finds the key content of a text (admissions, denials, amounts, dates and times of
day, places, names, promises, threats, self-identification) with the rules in configs/rules/*.toml. Used by the facts stage, by
`exhibit facts` on a CSV of lines, and by tools/eval_facts.py.

A rule file (one per language) reads:

    language = "zh"
    unless_window = 10         # optional (below)
    party_name_explanation = "当事人姓名（speakers.csv 中填写）"
    [defs]                     # named pieces of pattern, used in patterns as {name}
    num = '...'
    [[rules]]
    id = "zh-admission-did-it"
    category = "admission"
    explanation = "承认是自己所为"
    patterns = ['是我(?:借|拿|签)的']
    unless = ['不是我', '[吗？?]']   # optional: searched around the match (below); any hit drops it
    unless_sentence = ['如果']  # optional: searched in the whole sentence (to 。！？… or .), e.g. 如果…，我早就还了
    case_sensitive = false     # optional (default false)
    currency = "CNY"           # optional, amounts only: overrides the currency the words imply
    previous = ['...']         # optional: the rule answers the line before it, said by another speaker

`unless` is searched in the clause around the match (between punctuation marks), narrowed to
`unless_window` characters either side of it when the file sets one: speech recognition often leaves out
Chinese punctuation, and a 吗 thirty characters on must not undo an admission.

A group named `value` in a pattern is what gets normalised (the name in 我是(?P<value>…)). Amounts become
"50000 CNY", dates ISO "2025-03-05" where the words fix them ("2025-03-05 15:30", "15:30" with a time of day),
or where the recording date does (下个月十五号: the match is then `computed`), else the phrase as said; names
the name.

A rule with `previous` patterns marks a line only when one of them is found in the line before it said by
another speaker, and takes its `value` group from there: "张三吗？" — "嗯，是我" is the second speaker confirming
that they are 张三 (self_id 张三), though their own line never says the name.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import Any

from pipeline.artifacts import UNKNOWN_SPEAKER
from pipeline.errors import ConfigError
from pipeline.fileio import sha256_bytes
from pipeline.text.chinese import has_cjk
from pipeline.text.dates import normalise_date
from pipeline.text.numerals import parse_amount
from pipeline.text.punctuation import SENTENCE_END

CATEGORIES = ("admission", "denial", "amount", "date", "place", "name", "promise", "threat", "self_id")
PARTY_RULE_ID = "party_name"
_FILE_KEYS = {"language", "party_name_explanation", "unless_window", "defs", "rules"}
_REQUIRED = {"id", "category", "patterns", "explanation"}
_OPTIONAL = {"unless", "unless_sentence", "case_sensitive", "currency", "previous"}
_DEF_REF = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")
_LATIN = re.compile(r"[A-Za-z]")
# Clause boundaries for `unless`: a sentence end (punctuation.SENTENCE_END) or clause punctuation; an ASCII ,
# only when no digit follows (12,000 stays whole).
_SENTENCE_END = re.compile(rf"{SENTENCE_END}|\n")
_CLAUSE_END = re.compile(rf"{SENTENCE_END}|[；;，、\n]|,(?!\d)")


@dataclass(frozen=True)
class Rule:
    id: str
    category: str
    language: str
    patterns: tuple[re.Pattern[str], ...]
    explanation: str
    unless: tuple[re.Pattern[str], ...] = ()
    currency: str = ""
    unless_window: int = 0      # characters either side of the match that `unless` looks at; 0 = the clause
    unless_sentence: tuple[re.Pattern[str], ...] = ()   # searched in the whole sentence around the match
    previous: tuple[re.Pattern[str], ...] = ()  # must be found in the other speaker's line before (its value)


@dataclass(frozen=True)
class RuleSet:
    rules: dict[str, tuple[Rule, ...]]                  # language → rules, in file order
    party_explanations: dict[str, str] = field(default_factory=dict)  # language → wording
    digests: dict[str, str] = field(default_factory=dict)             # rule file (as given) → sha256

    def for_language(self, lang: str) -> tuple[Rule, ...]:
        return self.rules.get(lang, ())


@dataclass(frozen=True)
class Match:
    category: str
    rule_id: str
    span: tuple[int, int]
    matched: str
    value: str
    explanation: str
    computed: bool = False      # the value was worked out from the recording date (下个月十五号 → 2025-04-15)


# -------------------------------------------------------------------------------------------- loading


def load_rules(paths: list[Path]) -> RuleSet:
    """Read and check the rule files; a malformed one raises ConfigError naming the file and the rule."""
    rules: dict[str, list[Rule]] = {}
    explanations: dict[str, str] = {}
    digests: dict[str, str] = {}
    seen: dict[str, Path] = {}
    for path in paths:
        data, digest = _read(path)
        digests[str(path)] = digest
        lang = data["language"]
        if data.get("party_name_explanation") or lang not in explanations:  # a user's file may leave it out
            explanations[lang] = data.get("party_name_explanation", "")
        defs, window = data.get("defs", {}), data.get("unless_window", 0)
        for index, raw in enumerate(data.get("rules", []), 1):
            rule = replace(_rule(path, index, raw, lang, defs), unless_window=window)
            if rule.id in seen:
                raise ConfigError(f"{path.name}: rule {rule.id}: the id is used twice (also in {seen[rule.id].name})")
            seen[rule.id] = path
            rules.setdefault(lang, []).append(rule)
    return RuleSet({k: tuple(v) for k, v in rules.items()}, explanations, digests)


def _read(path: Path) -> tuple[dict[str, Any], str]:
    try:
        raw = path.read_bytes()
        data = tomllib.loads(raw.decode("utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"cannot read rule file {path}: {exc}") from exc
    unknown = sorted(set(data) - _FILE_KEYS)
    if unknown:
        raise ConfigError(f"{path.name}: unknown key(s) {', '.join(unknown)}")
    if not isinstance(data.get("language"), str) or not data["language"]:
        raise ConfigError(f"{path.name}: missing `language = \"zh\"` (or \"en\") at the top")
    window = data.get("unless_window", 0)
    if isinstance(window, bool) or not isinstance(window, int) or window < 0:
        raise ConfigError(f"{path.name}: unless_window must be a whole number of characters (0 = the whole clause)")
    if not isinstance(data.get("defs", {}), dict) or not isinstance(data.get("rules", []), list):
        raise ConfigError(f"{path.name}: [defs] must be a table and [[rules]] a list of tables")
    return data, sha256_bytes(raw)


def _rule(path: Path, index: int, raw: Any, lang: str, defs: dict[str, Any]) -> Rule:
    rid = raw.get("id") if isinstance(raw, dict) else None
    where = f"{path.name}: rule {rid}" if isinstance(rid, str) and rid else f"{path.name}: rule #{index} (no id)"
    if not isinstance(raw, dict):
        raise ConfigError(f"{where}: not a table")
    unknown = sorted(set(raw) - _REQUIRED - _OPTIONAL)
    if unknown:
        raise ConfigError(f"{where}: unknown key(s) {', '.join(unknown)}")
    missing = sorted(_REQUIRED - set(raw))
    if missing:
        raise ConfigError(f"{where}: missing {', '.join(missing)}")
    if raw["category"] not in CATEGORIES:
        raise ConfigError(f"{where}: unknown category {raw['category']!r} (one of {', '.join(CATEGORIES)})")
    for key in ("id", "explanation", "currency"):
        if key in raw and (not isinstance(raw[key], str) or not raw[key].strip()):
            raise ConfigError(f"{where}: {key} must be a non-empty text")
    if not isinstance(raw.get("case_sensitive", False), bool):
        raise ConfigError(f"{where}: case_sensitive must be true or false")
    flags = 0 if raw.get("case_sensitive", False) else re.IGNORECASE
    patterns = _compile_list(where, "patterns", raw["patterns"], defs, flags)
    if not patterns:
        raise ConfigError(f"{where}: patterns is empty")
    unless = _compile_list(where, "unless", raw.get("unless", []), defs, flags)
    sentence = _compile_list(where, "unless_sentence", raw.get("unless_sentence", []), defs, flags)
    previous = _compile_list(where, "previous", raw.get("previous", []), defs, flags)
    return Rule(raw["id"], raw["category"], lang, patterns, raw["explanation"].strip(), unless,
                raw.get("currency", ""), unless_sentence=sentence, previous=previous)


def _compile_list(where: str, key: str, values: Any, defs: dict[str, Any], flags: int) -> tuple[re.Pattern[str], ...]:
    if isinstance(values, str) or not isinstance(values, list) or not all(isinstance(v, str) for v in values):
        raise ConfigError(f"{where}: {key} must be a list of texts")
    compiled = []
    for value in values:
        expanded = _expand(where, value, defs)
        try:
            compiled.append(re.compile(expanded, flags))
        except re.error as exc:
            raise ConfigError(f"{where}: bad pattern {value!r}: {exc}") from exc
    return tuple(compiled)


def _expand(where: str, pattern: str, defs: dict[str, Any], depth: int = 0) -> str:
    """Replace {name} with the [defs] entry (which may use other defs)."""
    if depth > 5:
        raise ConfigError(f"{where}: [defs] refer to each other in a loop")

    def sub(m: re.Match[str]) -> str:
        name = m.group(1)
        if name not in defs or not isinstance(defs[name], str):
            raise ConfigError(f"{where}: {{{name}}} is not defined in [defs]")
        return "(?:" + _expand(where, defs[name], defs, depth + 1) + ")"

    return _DEF_REF.sub(sub, pattern)


# ------------------------------------------------------------------------------------------- matching


def match_text(text: str, lang: str, rules: RuleSet, party_names: list[str] | tuple[str, ...] = (),
               reference: date | None = None, previous: str = "") -> list[Match]:
    """Every key fact in one text, in order of position; at most one per category on any stretch of text.
    reference: the recording's date, to resolve 去年/今年 …; None keeps such dates as said. previous: the line
    just before, when another speaker said it ("" otherwise), for the rules that answer it."""
    found = [m for rule in rules.for_language(lang) for m in _rule_matches(rule, text, lang, reference, previous)]
    found += _party_matches(text, lang, party_names, rules.party_explanations.get(lang, ""))
    return _dedupe(found)


def answered(lines: Sequence[tuple[str, str]]) -> list[str]:
    """For each (speaker, text) line in order, what it may answer (match_text's `previous`): the last line with
    text before it when another speaker said that one, both speakers known (not "" nor UNKNOWN_SPEAKER); else
    "". A line without text (an inaudible stretch) is passed over."""
    out, last = [], None
    for speaker, text in lines:
        known = last is not None and UNKNOWN_SPEAKER not in (last[0], speaker) and "" not in (last[0], speaker)
        out.append(last[1] if known and last[0] != speaker else "")
        if text.strip():
            last = (speaker, text)
    return out


def _asked(rule: Rule, previous: str) -> str | None:
    """For a rule that answers the line before: the `value` of the first of its `previous` patterns found there
    (the whole match when it has no value group); None when none is found."""
    for pattern in rule.previous:
        m = pattern.search(previous)
        if m:
            return m.group("value") if "value" in pattern.groupindex and m.group("value") else m.group(0)
    return None


def _rule_matches(rule: Rule, text: str, lang: str, reference: date | None, previous: str = "") -> list[Match]:
    asked = _asked(rule, previous) if rule.previous else None
    if rule.previous and asked is None:
        return []
    out = []
    for pattern in rule.patterns:
        for m in pattern.finditer(text):
            start, end = _trimmed(text, m.start(), m.end())
            if end == start or _guarded(rule, text, start, end):
                continue
            if asked is not None:
                source = asked
            elif "value" in pattern.groupindex and m.group("value"):
                source = m.group("value")
            else:
                source = m.group(0)
            value, computed = normalise(rule.category, source, lang, reference, rule.currency)
            out.append(Match(rule.category, rule.id, (start, end), text[start:end], value, rule.explanation,
                             computed))
    return out


def _trimmed(text: str, start: int, end: int) -> tuple[int, int]:
    """The span without the spaces a pattern may have taken at either end."""
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def clause_bounds(text: str, start: int, end: int) -> tuple[int, int]:
    """The clause around text[start:end]: from the punctuation before it to the punctuation after it
    (included, so a question mark belongs to its clause)."""
    return _bounds(_CLAUSE_END, text, start, end)


def _bounds(pattern: re.Pattern[str], text: str, start: int, end: int) -> tuple[int, int]:
    left = 0
    for m in pattern.finditer(text, 0, start):
        left = m.end()
    after = pattern.search(text, end)
    return left, after.end() if after else len(text)


def _guarded(rule: Rule, text: str, start: int, end: int) -> bool:
    if rule.unless_sentence:
        left, right = _bounds(_SENTENCE_END, text, start, end)
        if any(p.search(text[left:right]) for p in rule.unless_sentence):
            return True
    if not rule.unless:
        return False
    left, right = clause_bounds(text, start, end)
    if rule.unless_window:
        left, right = max(left, start - rule.unless_window), min(right, end + rule.unless_window)
    clause = text[left:right]
    return any(p.search(clause) for p in rule.unless)


def normalise(category: str, text: str, lang: str, reference: date | None = None,
              currency: str = "") -> tuple[str, bool]:
    """The normalised value of a matched stretch ('50000 CNY', '2025-03-05', '15:30', a name, a place; '' for
    the rest) and whether it was computed from the reference date rather than said (dates only)."""
    if category == "amount":
        amount = parse_amount(text, lang, currency)
        return (str(amount) if amount is not None else ""), False
    if category == "date":
        found = normalise_date(text, lang, reference)
        return found.value, found.computed
    if category in ("name", "self_id", "place"):
        return text.strip(), False
    return "", False


def _party_matches(text: str, lang: str, names: list[str] | tuple[str, ...], explanation: str) -> list[Match]:
    out = []
    for name in sorted({n.strip() for n in names if len(n.strip()) >= 2}, key=len, reverse=True):
        pattern = re.escape(name) if has_cjk(name) else rf"\b{re.escape(name)}\b"
        for m in re.finditer(pattern, text, re.IGNORECASE):
            out.append(Match("name", PARTY_RULE_ID, (m.start(), m.end()), m.group(0), name,
                             explanation or "Party named in speakers.csv"))
    return out


def _dedupe(matches: list[Match]) -> list[Match]:
    """Within a category, the longest of overlapping matches (the earliest rule on a tie)."""
    ordered = sorted(enumerate(matches), key=lambda im: (im[1].span[0], im[1].span[0] - im[1].span[1], im[0]))
    kept: list[Match] = []
    for _, m in ordered:
        if not any(k.category == m.category and k.span[0] < m.span[1] and m.span[0] < k.span[1] for k in kept):
            kept.append(m)
    return kept


# ------------------------------------------------------------------------------------------- language


def utterance_language(text: str, recording_language: str) -> str:
    """Which rules to use for one line: Chinese when it has Chinese characters, English when it has Latin
    letters only, the recording's language when it has neither."""
    if has_cjk(text):
        return "zh"
    if _LATIN.search(text):
        return "en"
    return recording_language
