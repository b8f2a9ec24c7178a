"""The counsel copy's admissibility checks (issue 20, item 6): each point an open item until counsel states it,
the carrier's sha256 compared, every identification basis that cites a time checked against the line there,
the file's dates against the stated recording date. Hand-built artifacts, no models."""

from __future__ import annotations

import dataclasses
from datetime import timezone

from docx import Document

from builders import SHA, asset, content, facts, labelled
from pipeline.artifacts import Fact, Facts
from pipeline.config import CaseConfig
from pipeline.export.admissibility import FLAGGED, MATCHES, OPEN, STATED, checks
from pipeline.export.word import COUNSEL, write_docx

BEIJING = CaseConfig(time_zone="Asia/Shanghai").zone()


def _named(basis: str, second: str = ""):
    lab = labelled()
    first, other = lab.speakers
    return dataclasses.replace(lab, speakers=(dataclasses.replace(first, identified_by=basis),
                                              dataclasses.replace(other, name="李四", identified_by=second)))


def _by_key(found):
    return {c.key: c for c in found if c.key not in ("identity", "file_date")}


def test_every_point_is_open_until_counsel_states_it_and_the_carrier_hash_is_compared():
    blank = _by_key(checks(CaseConfig(), asset(), labelled(), facts(), BEIJING))
    assert list(blank) == list(CaseConfig.CHECKS) and {c.status for c in blank.values()} == {OPEN}
    stated = CaseConfig(recorder_took_part="是，录音人张三为谈话一方", place_kind="私人住宅", carrier_sha256=SHA.upper())
    found = _by_key(checks(stated, asset(), labelled(), facts(), BEIJING))
    assert found["recorder_took_part"].status == STATED and found["recorder_took_part"].stated.startswith("是")
    assert found["carrier_sha256"].status == MATCHES                                # the same hash, any case
    other = _by_key(checks(CaseConfig(carrier_sha256="0" * 64), asset(), labelled(), facts(), BEIJING))
    assert (other["carrier_sha256"].status, other["carrier_sha256"].reason) == (FLAGGED, "carrier_differs")


def test_a_basis_citing_a_time_must_point_at_a_line_that_identifies_someone():
    def identity(lab, found=facts()):
        return [(c.values["speaker"], c.status, c.reason) for c in checks(CaseConfig(), asset(), lab, found, BEIJING)
                if c.key == "identity"]

    # 00:00:13 is inside line 1 (我承认借了你五万块钱。): no self-introduction, name or number there
    assert identity(_named("自我介绍 00:00:13")) == [("张三", FLAGGED, "cited_line_empty"), ("李四", FLAGGED, "no_basis")]
    assert identity(_named("自我介绍 00:00:40"))[0] == ("张三", FLAGGED, "cited_no_line")    # nobody speaks at 40 s
    said = Facts(facts().items + (Fact("u0001", 12.7, "SPEAKER_00", "self_id", "zh-self-id", (0, 2), "我是", "张三",
                                       "自报身份"),), facts().rule_files)
    assert identity(_named("自我介绍 00:00:12", "来电号码 138xxxx"), said) == [
        ("张三", STATED, "cited_checked"), ("李四", STATED, "")]             # no time cited: as stated
    other = Facts(facts().items + (Fact("u0001", 12.7, "SPEAKER_00", "self_id", "zh-self-id", (0, 2), "我是", "孙七",
                                        "自报身份"),), facts().rule_files)
    assert identity(_named("来电号码 138xxxx"), other)[0] == ("张三", FLAGGED, "self_id_other")   # 我是孙七 said by 张三
    short = Facts(facts().items + (Fact("u0001", 12.7, "SPEAKER_00", "self_id", "zh-self-id", (0, 2), "我是", "老张",
                                        "自报身份"),), facts().rule_files)
    assert identity(_named("来电号码 138xxxx"), short)[0] == ("张三", STATED, "")
    lab = _named("01:02 对方报出手机号")
    phone = dataclasses.replace(lab, items=(lab.items[0], dataclasses.replace(lab.items[1], text="我电话13912345678")))
    assert identity(phone)[0] == ("张三", STATED, "cited_checked")


def test_the_files_dates_are_compared_with_the_stated_recording_day_in_the_cases_zone():
    def dates(case, zone=BEIJING):
        return sorted((c.values["kind"], c.status, c.values["file_date"])
                      for c in checks(case, asset(), labelled(), facts(), zone) if c.key == "file_date")

    # metadata creation 2025-03-05 12:00 UTC; modified 2025-03-05 20:14 (UTC+08:00)
    assert dates(CaseConfig()) == [("created", OPEN, "2025-03-05"), ("modified", OPEN, "2025-03-05")]
    assert dates(CaseConfig(recorded_on="2025-03-05 15:30")) == [("created", MATCHES, "2025-03-05"),
                                                                 ("modified", MATCHES, "2025-03-05")]
    assert dates(CaseConfig(recorded_on="2024-06-18")) == [("created", FLAGGED, "2025-03-05"),
                                                           ("modified", FLAGGED, "2025-03-05")]
    assert dates(CaseConfig(recorded_on="2025-03-05"), timezone.utc)[1] == ("modified", MATCHES, "2025-03-05")


def test_the_counsel_copy_shows_the_checks_with_their_outcomes(tmp_path):
    case = CaseConfig(recorded_on="2024-06-18", purpose_of_proof="证明被告借款五万元未还", time_zone="Asia/Shanghai")
    write_docx(tmp_path / "c.docx", content(lab=_named("自我介绍 00:00:13"), case=case), COUNSEL)
    doc = Document(str(tmp_path / "c.docx"))
    table = next(t for t in doc.tables if t.rows[0].cells[0].text == "核查事项")
    rows = {r.cells[0].text: (r.cells[1].text, r.cells[2].text) for r in table.rows[1:]}
    assert rows["证明目的"] == ("证明被告借款五万元未还", "已填写（按陈述）")
    assert rows["录音人是否为谈话一方（而非偷录他人之间的谈话）"] == ("（未填写）", "待办：请核实后在 case.toml 中填写")
    basis, outcome = rows["张三的身份：指认依据"]
    assert outcome == "需注意" and "00:00:13（第 1 行）中没有自我介绍、姓名或电话号码" in basis
    seen, outcome = rows["文件修改日期与陈述的录音日期"]
    assert outcome == "需注意" and seen.startswith("2025年3月5日\n与陈述的录音日期（2024年6月18日）不是同一天")
    todo = "\n".join(p.text for p in doc.paragraphs)
    assert "录音证据合法性与原始载体核查：8 项待填写，4 项需注意" in todo


def test_the_files_dates_are_days_in_the_documents_zone_and_a_zoned_recorded_on_too():
    """Hostile test of issue 20: 2024-06-18T17:00Z is 19 June in Beijing, as the particulars show it; a stated
    moment with a zone is compared as the day the documents show."""
    late = dataclasses.replace(asset(), tags={"creation_time": "2024-06-18T17:00:00Z"},
                               modified="2024-06-19T09:00:00+08:00")
    case = CaseConfig(recorded_on="2024-06-19", time_zone="Asia/Shanghai")
    found = {c.values["kind"]: c.status for c in checks(case, late, labelled(), facts(), case.zone())
             if c.key == "file_date"}
    assert found == {"created": MATCHES, "modified": MATCHES}
    zoned = CaseConfig(recorded_on="2024-06-18T20:00:00+00:00", time_zone="Asia/Shanghai")
    assert str(zoned.recorded_date()) == "2024-06-19"


def test_a_cited_time_typed_full_width_is_checked_and_another_speakers_introduction_is_not_a_basis():
    """Hostile test of issue 20: ００：００：１３ went unchecked; 我是张三 (said by 张三) passed as 李四's basis."""
    def identity(lab, found):
        return {c.values["speaker"]: (c.status, c.reason) for c in checks(CaseConfig(), asset(), lab, found, BEIJING)
                if c.key == "identity"}

    said = Facts(facts().items + (Fact("u0001", 12.7, "SPEAKER_00", "self_id", "zh-self-id", (0, 2), "我是", "张三",
                                       "自报身份"),), facts().rule_files)
    assert identity(_named("自我介绍 ００：００：１３", "来电号码"), facts())["张三"] == (FLAGGED, "cited_line_empty")
    assert identity(_named("自我介绍 00：00：12", "来电号码"), said)["张三"] == (STATED, "cited_checked")
    assert identity(_named("来电号码", "自我介绍 00:00:12"), said)["李四"] == (FLAGGED, "cited_line_empty")
