"""key_facts.csv read back: a first run writes it, an unedited re-run changes nothing, a deleted row drops that
fact, a note is carried into the facts; new facts (not seen before) are shown."""

from __future__ import annotations

from pathlib import Path

from pipeline.artifacts import Fact, Facts, Labelled, Speaker, Utterance
from pipeline.csvio import read_csv, write_csv
from pipeline.export.tables import write_key_facts_csv
from pipeline.rundir import RunDir
from pipeline.stages.fact_review import apply_review, fact_id

TEXT = "我承认借了你五万块钱。"
LAB = Labelled("zh", (Speaker("SPEAKER_00", "张三", "被告", 0, 2.5, 1, 1.0, 3.0),),
               (Utterance("u0001", "SPEAKER_00", 1.0, 3.0, TEXT, ()),))
ADMIT = Fact("u0001", 1.0, "SPEAKER_00", "admission", "zh-admission-explicit", (0, 3), "我承认", "", "明确承认")
AMOUNT = Fact("u0001", 1.0, "SPEAKER_00", "amount", "zh-amount-with-unit", (6, 10), "五万块钱", "50000 CNY", "金额")
FOUND = Facts((ADMIT, AMOUNT), {"rules/zh.toml": "ab" * 32})


def _run(out: Path, found: Facts = FOUND) -> Facts:
    """What the fact_review stage and the export do with key_facts.csv."""
    run = RunDir(out)
    run.work.mkdir(exist_ok=True)
    shown = apply_review(found, run.key_facts_csv, run.key_facts_seen)
    write_key_facts_csv(run.key_facts_csv, LAB, shown, "zh")
    return shown


def test_fact_id_names_line_category_and_position():
    assert fact_id(AMOUNT) == "u0001-amount-6"


def test_first_run_shows_everything_and_an_unedited_rerun_changes_nothing(tmp_path):
    assert _run(tmp_path).items == FOUND.items
    first = (tmp_path / "key_facts.csv").read_bytes()
    assert _run(tmp_path).items == FOUND.items
    assert (tmp_path / "key_facts.csv").read_bytes() == first


def test_deleted_row_drops_the_fact_and_stays_dropped_and_notes_are_kept(tmp_path):
    _run(tmp_path)
    header, rows = read_csv(tmp_path / "key_facts.csv")
    rows = [r for r in rows if r["category"] != "amount"]
    rows[0]["note"] = "当庭核实"
    write_csv(tmp_path / "key_facts.csv", header, [[r[h] for h in header] for r in rows])
    shown = _run(tmp_path)
    assert [(f.category, f.note) for f in shown.items] == [("admission", "当庭核实")]
    assert shown.rule_files == FOUND.rule_files
    again = _run(tmp_path)
    assert [(f.category, f.note) for f in again.items] == [("admission", "当庭核实")]
    _, rows = read_csv(tmp_path / "key_facts.csv")
    assert [(r["fact_id"], r["note"]) for r in rows] == [("u0001-admission-0", "当庭核实")]


def test_a_new_fact_is_shown_and_deleting_the_file_starts_over(tmp_path):
    _run(tmp_path, Facts((ADMIT,)))
    assert [f.category for f in _run(tmp_path).items] == ["admission", "amount"]   # found by a new rule: shown
    header, rows = read_csv(tmp_path / "key_facts.csv")
    write_csv(tmp_path / "key_facts.csv", header, [[r[h] for h in header] for r in rows[:1]])
    assert [f.category for f in _run(tmp_path).items] == ["admission"]
    (tmp_path / "key_facts.csv").unlink()
    assert [f.category for f in _run(tmp_path).items] == ["admission", "amount"]


def test_an_old_key_facts_csv_without_fact_id_is_replaced(tmp_path):
    (tmp_path / "stages").mkdir()
    write_csv(tmp_path / "key_facts.csv", ["time", "category"], [["00:00:01", "admission"]])
    assert _run(tmp_path).items == FOUND.items
    assert read_csv(tmp_path / "key_facts.csv")[0][0] == "fact_id"
