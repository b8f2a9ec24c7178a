"""The key-facts step's server side (pipeline/web/keyfacts.py) on a finished run folder built by hand: the page
lists key_facts.csv as the file holds it; a note saved keeps every other cell and row, written as the export
writes the file; a removal deletes that row only, and the fact_review stage then leaves the fact out for good;
a stale save, a save while a run holds the folder and a file the run would refuse are refused, nothing
written."""

from __future__ import annotations

import dataclasses
import json
from urllib.parse import quote

import pytest

from builders import app_of, app_request, facts, finished_run, labelled
from pipeline.artifacts import Facts
from pipeline.csvio import read_csv, write_csv
from pipeline.errors import PipelineError, StaleSaveError
from pipeline.export.tables import KEY_FACTS_HEADER, write_key_facts_csv
from pipeline.rundir import RunDir
from pipeline.stages.fact_review import apply_review, fact_id
from pipeline.web.keyfacts import save, state, version
from pipeline.web.record import Run

AMOUNT, ADMISSION = (fact_id(f) for f in facts().items)        # u0001-amount-6, u0001-admission-0


@pytest.fixture
def folder(tmp_path):
    return finished_run(tmp_path)[0]


def test_the_page_lists_every_row_as_the_file_holds_it_with_the_stretch_of_its_line(folder):
    shown = state(Run.open(folder), "zh")
    _, rows = read_csv(folder / "key_facts.csv")
    assert [r["fact_id"] for r in shown["rows"]] == [r["fact_id"] for r in rows] == [ADMISSION, AMOUNT]
    for listed, row in zip(shown["rows"], rows):
        assert {k: listed[k] for k in ("time", "speaker", "text", "category", "matched", "value", "explanation",
                                       "note")} == {k: row[k] for k in ("time", "speaker", "text", "category",
                                                                         "matched", "value", "explanation", "note")}
        assert listed["play"] == {"start": 12.7, "end": 15.2} and listed["editable"] and listed["remark"] == ""
    assert shown["rows"][1]["category_label"] == "金额" and shown["rows"][1]["speaker"] == "张三（被告）"
    assert shown["version"] == version(folder / "key_facts.csv") and not shown["documents_older"]
    assert (shown["court"], shown["counsel"]) == ("借款录音.docx", "借款录音_counsel.docx")
    assert "不写入提交法院的整理稿" in shown["words"]["counsel_notes"]


def test_a_note_is_saved_with_every_other_cell_and_row_kept_as_the_export_writes_the_file(folder, tmp_path):
    path = folder / "key_facts.csv"
    loaded = version(path)
    written, now = save(folder, loaded, {AMOUNT: " 当庭核实\n转账记录 "}, [])
    assert written == path and now == version(path) != loaded
    expected = tmp_path / "expected.csv"              # what the export writes for these facts, with the note
    noted = Facts(tuple(dataclasses.replace(f, note="当庭核实 转账记录") if fact_id(f) == AMOUNT else f
                        for f in facts().items))
    write_key_facts_csv(expected, labelled(), noted, "zh")
    assert path.read_bytes() == expected.read_bytes()          # BOM, column order, every other cell and row
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")
    shown = {r["fact_id"]: r["note"] for r in state(Run.open(folder), "zh")["rows"]}
    assert shown == {ADMISSION: "", AMOUNT: "当庭核实 转账记录"}
    assert state(Run.open(folder), "zh")["documents_older"]        # the documents do not show it yet


def test_columns_and_rows_excel_added_are_kept_and_the_file_is_written_back_as_the_export_writes(folder):
    """Saved in Excel on a Chinese Windows (GBK), with a column of the person's own: the page's save keeps the
    column, its place and its cells; the file is written back in UTF-8 with a BOM, as the export writes it."""
    path = folder / "key_facts.csv"
    header, rows = read_csv(path)
    header = header[:3] + ["核对人"] + header[3:]
    rows[0]["核对人"], rows[1]["核对人"] = "王", "李"
    text = ",".join(header) + "\r\n" + "".join(",".join(r[h] for h in header) + "\r\n" for r in rows)
    path.write_bytes(text.encode("gbk"))
    save(folder, version(path), {ADMISSION: "见第3页"}, [])
    again_header, again = read_csv(path)
    assert again_header == header and path.read_bytes().startswith(b"\xef\xbb\xbf")
    assert again == [{**rows[0], "note": "见第3页"}, rows[1]]


def test_removal_deletes_only_that_row_and_the_run_then_leaves_the_fact_out_for_good(folder):
    path = folder / "key_facts.csv"
    run = RunDir(folder)        # as a run leaves the folder: the ids key_facts.csv listed, recorded
    write_key_facts_csv(path, labelled(), apply_review(facts(), path, run.key_facts_seen), "zh")
    header, before = read_csv(path)
    save(folder, version(path), {}, [ADMISSION])
    after_header, after = read_csv(path)
    assert after_header == header == KEY_FACTS_HEADER
    assert after == [r for r in before if r["fact_id"] != ADMISSION] and len(after) == 1
    for _ in range(2):          # what the page tells the person: the run leaves it out, now and at every run after
        shown = apply_review(facts(), run.key_facts_csv, run.key_facts_seen)
        assert [fact_id(f) for f in shown.items] == [AMOUNT]
        write_key_facts_csv(run.key_facts_csv, labelled(), shown, "zh")


def test_a_stale_save_is_refused_and_nothing_written(folder):
    path = folder / "key_facts.csv"
    loaded = version(path)
    header, rows = read_csv(path)
    rows[0]["note"] = "Excel 里写的"                          # Excel, after the page loaded
    write_csv(path, header, [[r[h] for h in header] for r in rows])
    excel = path.read_bytes()
    with pytest.raises(StaleSaveError, match="was changed since this page was loaded") as stale:
        save(folder, loaded, {AMOUNT: "页面里写的"}, [ADMISSION])
    assert stale.value.text("zh") == (f"本页面打开后，{path} 已被修改（可能在另一个标签页、Excel 中，"
                                      "或由一次运行改动）；为免覆盖，本次未保存。请刷新页面后再改")
    assert path.read_bytes() == excel


def test_a_save_while_a_run_holds_the_folder_is_refused_and_nothing_written(folder):
    path = folder / "key_facts.csv"
    before = path.read_bytes()
    app = app_of(folder.parent)
    body = json.dumps({"version": version(path), "notes": {AMOUNT: "页面里写的"}, "remove": []}).encode()
    address = f"/case/{quote(folder.name, safe='')}/facts/api/save"
    with RunDir(folder).lock("exhibit transcript"):                  # a run is making the documents
        with pytest.raises(PipelineError, match="in use by an exhibit run"):
            save(folder, version(path), {AMOUNT: "页面里写的"}, [])
        said = {language: app_request(app, "POST", address, body, language) for language in ("zh", "en")}
    assert said["zh"][0] == said["en"][0] == 400
    assert json.loads(said["zh"][1])["error"] == (f"{folder} 正被一次运行占用（正在生成文本），本次未保存。"
                                                  "请等其完成后刷新页面，再保存")
    assert json.loads(said["en"][1])["error"] == (f"{folder} is in use by an exhibit run (the documents are being "
                                                  "made): nothing was saved; wait until it has finished, reload the "
                                                  "page and save again")
    assert path.read_bytes() == before
    save(folder, version(path), {AMOUNT: "页面里写的"}, [])           # the run is done
    assert read_csv(path)[1][1]["note"] == "页面里写的"


def test_a_file_the_run_would_refuse_is_refused_in_the_stages_own_line(folder):
    path = folder / "key_facts.csv"
    header, rows = read_csv(path)
    rows[1]["note"] = "备注\x0b"                                    # pasted from Word
    write_csv(path, header, [[r[h] for h in header] for r in rows])
    broken = path.read_bytes()
    run = RunDir(folder)
    with pytest.raises(PipelineError) as stage:
        apply_review(facts(), run.key_facts_csv, run.key_facts_seen)
    assert "row 3, column note holds an invisible control character (U+000B)" in str(stage.value)
    for call in (lambda: state(Run.open(folder), "zh"), lambda: save(folder, version(path), {AMOUNT: "改"}, [])):
        with pytest.raises(PipelineError) as info:
            call()
        assert str(info.value) == str(stage.value)
    assert path.read_bytes() == broken


def test_what_the_page_would_save_the_run_would_refuse_is_refused(folder):
    path = folder / "key_facts.csv"
    before = path.read_bytes()
    for notes, remove, message in (({AMOUNT: "改\u202e过"}, [], f"the note of {AMOUNT} holds an invisible"),
                                   ({AMOUNT: {"a": 1}}, [], "must be text, not dict"),
                                   ({}, ["u0009-amount-0"], "no row with fact_id 'u0009-amount-0'")):
        with pytest.raises(PipelineError, match=message):
            save(folder, version(path), notes, remove)
    with pytest.raises(PipelineError) as unknown:
        save(folder, version(path), {}, ["u0009-amount-0"])
    assert unknown.value.text("zh") == f"{path} 中没有 fact_id 为“u0009-amount-0”的行，本次未保存。请刷新页面"
    assert path.read_bytes() == before


def test_rows_the_run_ignores_are_listed_and_said_so(folder):
    """A row whose fact_id names no key fact of this recording, a repeated fact_id, a row without one: the
    page lists them as the file holds them and says the run ignores them (fact_review's rules)."""
    path = folder / "key_facts.csv"
    header, rows = read_csv(path)
    rows += [{**rows[0], "fact_id": "u0009-amount-0"}, {**rows[1], "note": "重复"}, {**rows[0], "fact_id": ""}]
    write_csv(path, header, [[r[h] for h in header] for r in rows])
    shown = state(Run.open(folder), "zh")["rows"]
    assert [(r["row"], r["remark"], r["editable"]) for r in shown] == [
        (2, "", True), (3, "", True), (4, "unknown", True), (5, "repeated", False), (6, "no_id", False)]
    assert shown[3]["note"] == "重复" and shown[2]["play"] is None
    save(folder, version(path), {AMOUNT: "第一行"}, [])     # the note goes on the row the run reads
    assert [r["note"] for r in read_csv(path)[1]] == ["", "第一行", "", "重复", ""]
