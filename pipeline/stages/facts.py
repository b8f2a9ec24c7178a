"""Facts: the key content of every line (admissions, denials, amounts, dates and times, places, names, promises,
threats, self-identification), found by the rule engine (pipeline.text.rules) with the configured rule files.
A line is read with the line before it when another speaker said that one, so that an answer can confirm what
it was asked ("张三吗？" — "嗯，是我")."""

from __future__ import annotations

from datetime import date, tzinfo

from pipeline.artifacts import AudioAsset, Fact, Facts, Labelled
from pipeline.config import CaseConfig, FactsConfig
from pipeline.text.rules import answered, load_rules, match_text, utterance_language
from pipeline.timefmt import in_zone, parse_moment

VERSION = 6   # 6: dates said relative to the recording date are resolved and marked computed
DATE_TAGS = ("creation_time", "stream.creation_time", "date", "DATE")


def tagged_date(asset: AudioAsset, zone: tzinfo) -> date | None:
    """The recording date the file itself states (a creation_time/date tag, as phones write), as a day in `zone`
    (the documents' zone: 2024-06-18T17:00Z is 19 June in Beijing), else None. The file's modification time is
    not used: copying a file changes it."""
    for key in DATE_TAGS:
        moment = parse_moment(asset.tags.get(key, ""))
        if moment is not None:
            return in_zone(moment, zone).date()
    return None


def reference_date(case: CaseConfig) -> date | None:
    """The recording date that resolves 去年/今年, 下个月十五号, 下周三: only the one the submitting party states. A
    date in the file's tags is often the day the file was copied (the counsel copy compares them), so nothing
    is computed from it."""
    return case.recorded_date()


def find_facts(labelled: Labelled, cfg: FactsConfig, reference: date | None = None) -> Facts:
    """Key facts of every utterance. reference: the recording's date when known (resolves 去年12月20号)."""
    paths = cfg.paths
    rules = load_rules(paths)
    parties = [s.name for s in labelled.speakers if s.name]
    items = []
    for u, asked in zip(labelled.items, answered([(u.speaker, u.text) for u in labelled.items])):
        lang = utterance_language(u.text, labelled.language)
        for m in match_text(u.text, lang, rules, parties, reference, asked):
            items.append(Fact(utterance_id=u.id, start=u.start, speaker=u.speaker, category=m.category,
                              rule_id=m.rule_id, span=m.span, matched=m.matched, value=m.value,
                              explanation=m.explanation, computed=m.computed))
    return Facts(tuple(items), {f: rules.digests[str(p)] for f, p in zip(cfg.rule_files, paths)})
