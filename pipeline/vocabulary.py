"""The case's own words for the recogniser (hotwords): the terms given in the settings (--hotwords), the parties
named in the case file (case_name, submitting_party), the names and roles in speakers.csv (when
[transcribe] names_as_hotwords) and the case's vocabulary, out/<name>/vocabulary.txt — a plain text file the
user or the app edits, one term per line (goods, places, company names), `#` starting a comment line.

Each term is kept once, with where it came from (the first place that gave it); the manifest records both. The
hotwords are the terms in that order: faster-whisper keeps the first ~220 tokens of them when there are more.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from pipeline.controls import find_control
from pipeline.csvio import decode_csv_bytes, read_csv
from pipeline.errors import PipelineError

SETTINGS = "settings"                     # [transcribe] hotwords / --hotwords
CASE_NAME = "case.toml case_name"
CASE_PARTY = "case.toml submitting_party"
SPEAKERS = "speakers.csv"
VOCABULARY = "vocabulary.txt"

SEPARATORS = re.compile(r"[,，、;；\n]+")      # between terms of a setting (--hotwords "张三,李四，借条")
LONGEST = 60                                # characters of one term (a line longer than this is not a term)

# roles written before a party's name in a case name or the submitting party (原告张三, 被上诉人 李四)
ROLES = tuple("""被上诉人 上诉人 被申请人 申请人 被申诉人 申诉人 原审原告 原审被告 第三人 原告 被告 被执行人
    申请执行人""".split())
ROLES_EN = re.compile(r"^(?:plaintiffs?|defendants?|claimants?|respondents?|appellants?|appellees?|petitioners?)"
                      r"\b[\s:]*", re.IGNORECASE)
# what a Chinese case name ends with after the parties: the cause of action (案由)
CAUSE_ENDS = re.compile(r"(?:纠纷|争议|一案|案)$")
# the first words of the common causes of action (民事案件案由规定): where the last party's name stops
CAUSE_STARTS = tuple("""
    民间借贷 借款 金融借款 买卖 劳动 劳务 租赁 房屋 商品房 建设工程 装饰装修 机动车 交通事故 离婚 婚约 继承 法定继承
    遗嘱 赡养 抚养 扶养 分家析产 侵权 合同 服务合同 物业服务 股权 股东 委托 承揽 运输 保险 保证 追偿 不当得利
    无因管理 债权 债务 人身损害 生命权 健康权 身体权 名誉权 隐私权 肖像权 财产损害 返还 确认 损害 相邻 排除妨害
    网络 著作权 商标 专利 知识产权 借贷 工伤 追索劳动报酬 经济补偿金 提供劳务者 居间 中介 储蓄存款 信用卡 融资租赁
    """.split())
# what a company's (or another body's) name ends with: a party that is one keeps all of it
BODY_ENDS = re.compile("|".join("""
    有限责任公司 股份有限公司 有限公司 公司 集团 银行 支行 分行 厂 店 合作社 委员会 医院 学校 大学 中心 事务所
    研究院 研究所 协会""".split()))
PARTIES_EN = re.compile(r"\s+(?:v|vs|versus)\.?\s+", re.IGNORECASE)


@dataclass(frozen=True)
class Hotwords:
    """The terms the recogniser is given, each once, with where each came from."""

    terms: tuple[tuple[str, str], ...] = ()      # (term, source)

    @property
    def text(self) -> str:
        """The terms comma-separated, as the transcript artifact records them ("" when none)."""
        return ",".join(term for term, _ in self.terms)

    def by_source(self) -> dict[str, tuple[str, ...]]:
        """{source: its terms}, for the manifest."""
        found: dict[str, list[str]] = {}
        for term, source in self.terms:
            found.setdefault(source, []).append(term)
        return {source: tuple(terms) for source, terms in found.items()}


def read_vocabulary(path: Path) -> tuple[str, ...]:
    """The terms of a vocabulary file, each once, in the file's order: blank lines and lines starting with #
    left out, spaces around a term stripped. An absent file holds none. A line with a control character, or
    a file that is not text, is refused in one line (PipelineError) naming the file and the line."""
    if not path.is_file():
        return ()
    try:
        text = decode_csv_bytes(path.read_bytes())
    except ValueError:
        raise PipelineError.keyed("vocabulary_not_text", path=path) from None
    return parse_vocabulary(text, path)


def parse_vocabulary(text: str, path: Path | str = VOCABULARY) -> tuple[str, ...]:
    """The terms of a vocabulary's text (see read_vocabulary); `path` names it in a refusal."""
    terms: dict[str, None] = {}
    for number, line in enumerate(text.lstrip("\ufeff").split("\n"), start=1):   # not splitlines: it splits at
        problem = find_control(line.removesuffix("\r"))                            # \x0b, \x0c, \x1c … too
        if problem:
            raise PipelineError.keyed("vocabulary_line", path=path, line=number, problem=problem)
        term = " ".join(line.split())
        if not term or term.startswith("#"):
            continue
        if len(term) > LONGEST:
            raise PipelineError.keyed("vocabulary_long", path=path, line=number, longest=LONGEST)
        terms.setdefault(term, None)
    return tuple(terms)


def _without_role(party: str) -> str:
    party = party.strip(" \t:：,，、（）()")
    for role in ROLES:
        if party.startswith(role):
            return party[len(role):].strip(" :：")
    return ROLES_EN.sub("", party).strip()


def _without_cause(party: str) -> str:
    """The last party of a Chinese case name without the cause of action written after it (赵六民间借贷纠纷 →
    赵六): a body's name is kept up to its last 公司/银行/…; else the name stops where a cause starts."""
    rest = CAUSE_ENDS.sub("", party)
    bodies = list(BODY_ENDS.finditer(rest))
    if bodies:
        return rest[:bodies[-1].end()]
    starts = [rest.find(cause, 1) for cause in CAUSE_STARTS if rest.find(cause, 1) > 0]
    return rest[:min(starts)] if starts else rest


def names_in_case(case_name: str) -> tuple[str, ...]:
    """The parties a case name names: 王五诉赵六民间借贷纠纷 → (王五, 赵六);
    原告张三与被告李四买卖合同纠纷 → (张三, 李四); Smith v. Jones → (Smith, Jones). A name that names no two
    parties gives none ("" → ())."""
    name = re.sub(r"[（(][^）)]*[）)]\s*$", "", " ".join(case_name.split())).strip()
    english = bool(PARTIES_EN.search(name))
    sides = PARTIES_EN.split(name) if english else re.split(r"(?<![上申])诉(?!人)|与", name, maxsplit=1)
    if len(sides) != 2:
        return ()
    parties = [p.strip() for side in sides for p in re.split(r"[、,，;；]|\s+and\s+|\s*&\s*", side)]
    if not english:
        parties[-1] = _without_cause(parties[-1])
    names: dict[str, None] = {}
    for party in parties:
        party = _without_role(re.sub(r"等$", "", party.strip()))
        if party and not find_control(party) and len(party) <= LONGEST:
            names.setdefault(party, None)
    return tuple(names) if len(names) >= 2 else ()


def name_of_party(submitting_party: str) -> tuple[str, ...]:
    """The name in the submitting party as the case file states it (原告 张三 → 张三; 原告 → none)."""
    name = _without_role(submitting_party)
    return (name,) if name and len(name) <= LONGEST else ()


def _speakers(path: Path) -> list[str]:
    """The names and roles written in speakers.csv, but the roles of a lawsuit (原告, 被告 …: said in court, not
    in the recording). A file that cannot be read gives none: the label stage reports it."""
    if not path.is_file():
        return []
    try:
        rows = read_csv(path)[1]
    except (OSError, ValueError):
        return []
    said = [(row.get("name") or "", row.get("role") or "") for row in rows]
    return [w.strip() for name, role in said for w in (name, role if _without_role(role) else "")]


def gather(configured: str = "", case_name: str = "", submitting_party: str = "",
           speakers_csv: Path | None = None, vocabulary: Path | None = None) -> Hotwords:
    """The hotwords of a run: the configured ones, the case's parties, the names and roles in speakers.csv
    (when a path is given) and the vocabulary file's terms, each term once."""
    given = [(t, SETTINGS) for t in SEPARATORS.split(configured)]
    given += [(t, CASE_NAME) for t in names_in_case(case_name)]
    given += [(t, CASE_PARTY) for t in name_of_party(submitting_party)]
    if speakers_csv is not None:
        given += [(t, SPEAKERS) for t in _speakers(speakers_csv)]
    if vocabulary is not None:
        given += [(t, VOCABULARY) for t in read_vocabulary(vocabulary)]
    terms: dict[str, str] = {}
    for term, source in given:
        term = term.strip()
        if term:
            terms.setdefault(term, source)
    return Hotwords(tuple(terms.items()))
