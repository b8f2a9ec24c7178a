"""The case details step (pipeline/web/details.py) on finished run folders built by hand: what the page shows
(the folder's case.toml, the last run's case when it has none), and a save: the value written and bound to the
recording, every other value kept, the run's checks applied (a bad date or zone refused in one line naming the
field), refused when case.toml changed since the page loaded it or a run holds the folder; the missing list."""

from __future__ import annotations

import dataclasses
import tomllib
from pathlib import Path

import pytest

from builders import finished_run, sha256
from pipeline import casefile
from pipeline.config import BINDING, CaseConfig
from pipeline.errors import ConfigError, PipelineError, StaleSaveError
from pipeline.export.manifest import read_manifest
from pipeline.export.wording import load_wording
from pipeline.rundir import RunDir
from pipeline.sections import Section, choice
from pipeline.web.casewords import save as save_words
from pipeline.web.details import described, groups, save, state

ALL_DETAILS = ["案件名称", "案号", "证据编号", "提交人", "录音时间", "录音地点", "录音设备即原始载体", "录音人",
               "核对人"]


@pytest.fixture
def folder(tmp_path) -> Path:
    run_dir, _ = finished_run(tmp_path, reviewed=False)      # the last run's case: exhibit_number 证据3 only
    return run_dir


def recording(folder: Path) -> str:
    return read_manifest(folder / "manifest.json").original_sha256_before


def test_a_folder_without_case_toml_shows_the_case_the_last_run_used(folder):
    shown = state(folder, "zh")
    assert not (folder / "case.toml").exists()
    assert (shown["exists"], shown["version"], shown["problem"]) == (False, "", "")
    assert shown["values"]["exhibit_number"] == "证据3" and shown["values"]["case_name"] == ""
    assert shown["missing"] == [n for n in ALL_DETAILS if n != "证据编号"]
    assert not shown["behind"]                                # the documents show just that
    assert shown["words"]["save"] == "保存"
    names = [f["name"] for g in shown["groups"] for f in g["fields"]]
    assert sorted(names) == sorted(f.name for f in dataclasses.fields(CaseConfig))   # every field, once
    assert state(folder, "en")["missing"][0] == "Case name"


def test_a_save_writes_the_value_into_case_toml_bound_to_the_recording(folder):
    after = save(folder, {"case_name": " 张三诉李四民间借贷纠纷 "}, "", "zh")
    path = folder / "case.toml"
    written = casefile.case_from_file(path)
    assert written.case_name == "张三诉李四民间借贷纠纷"          # as typed, without the spaces around it
    assert written.exhibit_number == "证据3"                   # the last run's, kept
    assert casefile.bound_to(path) == recording(folder)
    text = path.read_text(encoding="utf-8")
    assert text.startswith(casefile.HEADER) and "# 案件名称，如" in text   # casefile's comments, as a run writes it
    assert after["version"] == sha256(path) and after["exists"]
    assert "案件名称" not in after["missing"] and "案号" in after["missing"]
    assert after["behind"]                                     # the documents still show the case without it


def test_a_save_changes_only_the_fields_sent(folder):
    path = folder / "case.toml"
    before = CaseConfig(case_name="甲诉乙", recorded_place="北京", carrier_holder="张三", corroboration="借条",
                        time_zone="Asia/Shanghai", exhibit_number="证据3")
    casefile.write(path, before, recording(folder), "借款录音.wav")
    save(folder, {"case_number": "（2025）京0105民初1234号"}, sha256(path), "zh")
    after = casefile.case_from_file(path)
    assert after == dataclasses.replace(before, case_number="（2025）京0105民初1234号")
    again = state(folder, "zh")
    save(folder, {"case_name": ""}, again["version"], "zh")      # a field emptied on the page is cleared
    assert casefile.case_from_file(path).case_name == "" and casefile.case_from_file(path).carrier_holder == "张三"


@pytest.mark.parametrize("field, value, label, hint", [
    ("recorded_on", "2025-13-45", "录音时间", "YYYY-MM-DD"),
    ("recorded_on", "2999-01-01", "录音时间", "应在 1900 年至今天之间"),
    ("time_zone", "Asia/Shangai", "时区", "Asia/Shanghai"),
    ("carrier_sha256", "abc", "原始载体上该文件的 SHA-256", "应为 64 位十六进制数字"),
    ("case_name", "张三\u202e李四", "案件名称", "U+202E"),
])
def test_a_value_a_run_would_refuse_is_refused_in_one_line_naming_its_field(folder, field, value, label, hint):
    save(folder, {"case_name": "甲诉乙"}, "", "zh")
    path = folder / "case.toml"
    before = path.read_bytes()
    with pytest.raises(ConfigError) as refused:
        save(folder, {field: value, "recorded_place": "上海"}, sha256(path), "zh")
    message = refused.value.text("zh")                         # the detail said in Chinese too
    assert message.startswith(f"未保存：“{label}”填写有误") and hint in message and "\n" not in message
    assert str(refused.value).startswith("Not saved: ")        # an English page's
    assert path.read_bytes() == before                         # nothing written, the other field neither


def test_the_refusal_names_the_field_in_the_interfaces_language(folder):
    with pytest.raises(ConfigError, match=r"^Not saved: Recording date and time is not right \(recorded date "
                                          r"'5 March' .*Write it YYYY-MM-DD"):
        save(folder, {"recorded_on": "5 March"}, "", "en")
    assert not (folder / "case.toml").exists()


def test_a_save_from_a_page_loaded_before_case_toml_changed_is_refused(folder):
    path = folder / "case.toml"
    loaded = state(folder, "zh")["version"]                   # no case.toml yet
    casefile.write(path, CaseConfig(case_name="在编辑器中写的"), recording(folder), "借款录音.wav")
    with pytest.raises(StaleSaveError) as stale:
        save(folder, {"case_name": "页面上写的"}, loaded, "zh")
    assert stale.value.text("zh") == (f"本页面打开后，{path} 已被修改（可能在另一个标签页、编辑器中，"
                                      "或由一次运行改动）；为免覆盖，本次未保存。"
                                      "请刷新页面，在最新内容上重新填写")
    assert stale.value.text("en") == str(stale.value) == (
        f"{path} was changed since this page was loaded (in another tab, an editor or by a run): nothing was saved. "
        "Reload the page and make your changes on what it holds now.")
    loaded = state(folder, "zh")["version"]
    path.write_text(path.read_text(encoding="utf-8").replace("在编辑器中写的", "又改了"), encoding="utf-8")
    with pytest.raises(StaleSaveError):
        save(folder, {"case_name": "页面上写的"}, loaded, "zh")
    assert casefile.case_from_file(path).case_name == "又改了"
    path.unlink()                                             # removed since the page loaded it
    with pytest.raises(StaleSaveError):
        save(folder, {"case_name": "页面上写的"}, loaded, "zh")
    assert not path.exists()


def test_a_save_while_a_run_holds_the_folder_is_refused(folder):
    with RunDir(folder).lock("exhibit transcript"):
        with pytest.raises(PipelineError) as held:
            save(folder, {"case_name": "甲诉乙"}, "", "zh")
    assert held.value.text("zh") == "此案件的文件夹正被一次运行或打包占用，本次未保存。请等其完成后再保存"
    assert str(held.value) == ("A run or packaging holds this case's folder: nothing was saved. Save again once it "
                               "has finished.")
    assert not (folder / "case.toml").exists()
    save(folder, {"case_name": "甲诉乙"}, "", "zh")             # once it has finished
    assert casefile.case_from_file(folder / "case.toml").case_name == "甲诉乙"


def test_a_case_file_written_for_another_recording_is_refused(folder):
    path = folder / "case.toml"
    casefile.write(path, CaseConfig(case_name="另一案"), "f" * 64, "other.wav")
    before = path.read_bytes()
    with pytest.raises(PipelineError, match="another recording") as refused:
        save(folder, {"case_number": "1"}, sha256(path), "zh")
    assert refused.value.text("zh") == (f"{path} 是为另一个录音（sha256 {'f' * 12}…）填写的，"
                                        "不会用于本录音；请为本录音另用一个文件夹")
    assert path.read_bytes() == before


def test_the_missing_list_shrinks_to_nothing(folder):
    shown = save(folder, {"case_name": "甲诉乙", "case_number": "1号", "submitting_party": "原告 甲"}, "", "zh")
    assert shown["missing"] == ["录音时间", "录音地点", "录音设备即原始载体", "录音人", "核对人"]
    shown = save(folder, {"recorded_on": "2025-03-05 15:30", "recorded_place": "北京", "recorded_device": "手机",
                          "recorded_by": "甲", "reviewed_by": "李律师"}, shown["version"], "zh")
    assert shown["missing"] == [] and shown["open"][0] == "录音人是否为谈话一方"
    assert "原始载体（录音设备）" not in shown["open"] and len(shown["open"]) == len(CaseConfig.CHECKS) - 1


def test_a_wrong_value_written_by_hand_is_shown_to_be_put_right_here(folder):
    path = folder / "case.toml"
    casefile.write(path, CaseConfig(case_name="甲诉乙"), recording(folder), "借款录音.wav")
    path.write_text(path.read_text(encoding="utf-8").replace('recorded_on = ""', 'recorded_on = "2025-02-30"'),
                    encoding="utf-8")
    shown = state(folder, "zh")
    assert shown["values"]["recorded_on"] == "2025-02-30" and "“录音时间”填写有误" in shown["problem"]
    assert "录音时间“2025-02-30”不是按 YYYY-MM-DD 写的日期" in shown["problem"]         # all of it in Chinese
    assert "2025-02-30' is not a date" in state(folder, "en")["problem"]
    assert shown["behind"]
    after = save(folder, {"recorded_on": "2025-02-28"}, shown["version"], "zh")
    assert after["problem"] == "" and casefile.case_from_file(path).recorded_on == "2025-02-28"
    assert tomllib.loads(path.read_text(encoding="utf-8"))[BINDING] == recording(folder)   # bound now


def test_only_case_details_given_as_text_are_saved(folder):
    for sent in ({"lawyer": "x"}, {"case_name": 3}, {BINDING: "0" * 64}):
        with pytest.raises(ValueError):
            save(folder, sent, "", "zh")
    assert not (folder / "case.toml").exists()


def test_a_folder_with_no_finished_run_is_said_in_one_line(tmp_path):
    (tmp_path / "case").mkdir()
    with pytest.raises(PipelineError, match="no finished run yet"):
        state(tmp_path / "case", "zh")


def test_every_field_has_a_label_and_a_choice_field_its_values(folder):
    @dataclasses.dataclass(frozen=True)
    class Kinds(Section):
        place_kind: str = choice("", "place", ("", "home", "work"))
        carrier_holder: str = ""
        tint: str = ""                 # a field named in no group: shown in the last

    for language in ("zh", "en"):
        wording = load_wording(language)
        for group in described(wording):
            assert group["heading"] and group["intro"]
            for f in group["fields"]:
                assert f["label"] and f["label"] != f["name"] and "--" not in f["label"], f
        fields = [f for g in described(wording, Kinds) for f in g["fields"]]
        assert [c["value"] for c in fields[0]["choices"]] == ["", "home", "work"] and fields[1]["choices"] == []
        assert [f["name"] for f in fields] == ["place_kind", "carrier_holder", "tint"]
    assert groups(Kinds)[-1] == ("checks", ("place_kind", "carrier_holder", "tint"))


# ---------------------------------------------------------------------------- the case's vocabulary (casewords)


def test_the_vocabulary_is_saved_as_a_run_reads_it_and_the_documents_said_to_be_behind(folder):
    shown = state(folder, "zh")["vocabulary"]
    assert shown == {"text": "", "version": "", "terms": 0, "problem": "", "behind": False}
    save_words(RunDir(folder), "# 本案货物\r\n昌雪卡\r\n滨海新区", "")
    path = folder / "vocabulary.txt"
    assert path.read_text(encoding="utf-8") == "# 本案货物\n昌雪卡\n滨海新区\n"
    after = state(folder, "zh")
    assert after["vocabulary"]["terms"] == 2 and after["vocabulary"]["version"] == sha256(path)
    assert after["vocabulary"]["behind"] and after["behind"]      # the last run listened for neither
    with pytest.raises(StaleSaveError):                           # a page loaded before that save
        save_words(RunDir(folder), "富士康\n", "")
    with pytest.raises(PipelineError) as refused:                 # the run's own reading refuses it
        save_words(RunDir(folder), "昌雪卡\n" + "很长" * 31 + "\n", after["vocabulary"]["version"])
    assert refused.value.text("zh").endswith("第 2 行超过 60 个字：每行只写一个词（人名、地名、公司名、货物名）")
    with RunDir(folder).lock("exhibit transcript"):
        with pytest.raises(PipelineError):
            save_words(RunDir(folder), "富士康\n", after["vocabulary"]["version"])
    assert path.read_text(encoding="utf-8") == "# 本案货物\n昌雪卡\n滨海新区\n"     # nothing of those written
    path.write_text("昌雪卡\x0b\n", encoding="utf-8")             # written by hand, a run would stop at it
    assert "第 1 行" in state(folder, "zh")["vocabulary"]["problem"]
