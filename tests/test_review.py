"""The review stage on hand-built lines (no models): transcript.csv as the export writes it, edited as a person
would in Excel, read back; the machine's text kept beside every correction; clear errors naming the row."""

from __future__ import annotations

import dataclasses
import json

import pytest
from docx import Document

from builders import content
from pipeline.artifacts import Flag, Labelled, Speaker, Status, Utterance, Word
from pipeline.csvio import read_csv, write_csv
from pipeline.errors import TranscriptCsvError
from pipeline.export.json import write_json
from pipeline.export.tables import write_transcript_csv
from pipeline.export.word import write_docx
from pipeline.export.word.document import COUNSEL
from pipeline.stages.review import counts, review

LINES = (
    Utterance("u0001", "SPEAKER_00", 0.5, 3.0, "我在冰海星区有房。", (Word(0.5, 3.0, "我在冰海星区有房。", 0.3),),
              ("low_confidence",)),
    Utterance("u0002", "SPEAKER_01", 3.5, 6.0, "", (), ("inaudible",)),
    Utterance("u0003", "SPEAKER_00", 6.5, 8.0, "那五万块是我借的。", (Word(6.5, 8.0, "那五万块是我借的。", 0.9),)),
)
SPEAKERS = (Speaker("SPEAKER_00", "", "", 1, 4.0, 2, 0.5, 8.0), Speaker("SPEAKER_01", "", "", 2, 2.5, 1, 3.5, 6.0))
MACHINE = Labelled("zh", SPEAKERS, LINES)


def _written(tmp_path, labelled: Labelled = MACHINE):
    """transcript.csv as the export writes it after the review stage, and its rows for editing."""
    path = tmp_path / "transcript.csv"
    write_transcript_csv(path, review(labelled, path), "zh")
    header, rows = read_csv(path)
    return path, header, rows


def _save(path, header, rows) -> None:
    write_csv(path, header, [[r.get(h, "") for h in header] for r in rows])


def test_without_a_file_every_line_is_the_machines_and_keeps_its_text(tmp_path):
    lines = review(MACHINE, tmp_path / "transcript.csv").items
    assert [(u.status, u.machine_text, u.text) for u in lines] == [
        ("machine", u.text, u.text) for u in LINES]


def test_the_file_as_written_reads_back_unchanged(tmp_path):
    path, header, rows = _written(tmp_path)
    assert header == ["index", "id", "start", "end", "start_hms", "speaker_id", "speaker", "role", "text", "status",
                      "flags", "machine_text", "machine_speaker_id", "conflict"]
    assert [(r["id"], r["status"], r["machine_text"]) for r in rows] == [
        ("u0001", "machine", "我在冰海星区有房。"), ("u0002", "machine", ""), ("u0003", "machine", "那五万块是我借的。")]
    assert review(MACHINE, path).items == review(MACHINE, tmp_path / "absent.csv").items


def test_a_changed_text_is_corrected_by_itself_and_the_machines_text_is_kept(tmp_path):
    path, header, rows = _written(tmp_path)
    rows[0]["text"] = "我在滨海新区有房。"                      # fixed in Excel, status left as it was
    rows[1]["text"] = "你什么时候还？"                          # a person heard what the machine did not
    rows[2]["status"] = "reviewed"                            # listened and agreed
    _save(path, header, rows)
    first, second, third = review(MACHINE, path).items
    assert (first.status, first.text, first.machine_text) == ("corrected", "我在滨海新区有房。", "我在冰海星区有房。")
    assert first.flags == ("low_confidence", "corrected") and first.words == LINES[0].words
    assert (second.status, second.flags) == ("corrected", ("corrected",))          # no longer [听不清]
    assert (third.status, third.text, third.flags) == ("reviewed", LINES[2].text, ())
    assert counts(review(MACHINE, path)) == {"machine": 0, "reviewed": 1, "corrected": 2}


def test_a_line_given_to_another_speaker_is_corrected_and_the_talk_times_follow(tmp_path):
    path, header, rows = _written(tmp_path)
    rows[2]["speaker_id"] = "SPEAKER_01"
    rows[2]["status"] = "已核对"                                # the Chinese words for the statuses are read too
    _save(path, header, rows)
    labelled = review(MACHINE, path)
    third = labelled.items[2]
    assert (third.speaker, third.machine_speaker, third.status) == ("SPEAKER_01", "SPEAKER_00", "corrected")
    assert {s.id: (s.turns, s.talk_time) for s in labelled.speakers} == {"SPEAKER_00": (1, 2.5),
                                                                         "SPEAKER_01": (2, 4.0)}
    assert [s.number for s in labelled.speakers] == [1, 2]          # numbers stay as they were


@pytest.mark.parametrize("edit, message", [
    (lambda rows: rows[2].update(status="checked"), "row 4: status 'checked' is not one of machine, reviewed"),
    (lambda rows: rows[1].update(text="你什么时候\x0b还？"), "row 3, column text holds"),
    (lambda rows: [r.update(text="") for r in rows], "every line's text is empty"),
])
def test_a_wrong_edit_is_one_line_naming_the_row(tmp_path, edit, message):
    path, header, rows = _written(tmp_path)
    rows[0]["text"] = "我在滨海新区有房。"
    edit(rows)
    _save(path, header, rows)
    with pytest.raises(TranscriptCsvError) as info:
        review(MACHINE, path)
    assert message in str(info.value) and "transcript.csv" in str(info.value) and "\n" not in str(info.value)


def test_a_new_machine_run_never_overwrites_a_persons_text_nor_applies_it_to_other_words(tmp_path):
    path, header, rows = _written(tmp_path)
    rows[0]["text"] = "我在滨海新区有房。"
    rows[2]["status"] = "reviewed"
    _save(path, header, rows)
    # another model cuts the lines differently (ids move), hears line 1 as before and line 3 otherwise
    again = Labelled("zh", SPEAKERS, (
        Utterance("u0001", "SPEAKER_00", 0.1, 0.4, "喂。", ()),
        Utterance("u0002", "SPEAKER_00", 0.6, 3.1, "我在冰海星区有房。", ()),
        Utterance("u0003", "SPEAKER_01", 3.5, 6.0, "", (), ("inaudible",)),
        Utterance("u0004", "SPEAKER_00", 6.5, 8.0, "那五万是我借的。", ()),
    ))
    result = review(again, path)
    assert [(u.id, u.status, u.text) for u in result.items] == [
        ("u0001", "machine", "喂。"),
        ("u0002", "corrected", "我在滨海新区有房。"),       # found again by its time and the words it corrected
        ("u0003", "machine", ""),
        ("u0004", "machine", "那五万是我借的。"),           # the machine's text changed under the review: not applied
    ]
    (conflict,) = result.conflicts                          # … but kept, to review again, with both texts
    assert (conflict.reason, conflict.text, conflict.machine_text, conflict.status, conflict.lines) == (
        "changed", "那五万块是我借的。", "那五万块是我借的。", "reviewed", ("u0004",))


def _recut(*lines: tuple[str, str, float, float, str]) -> Labelled:
    return Labelled("zh", SPEAKERS, tuple(Utterance(i, s, a, b, t, ()) for i, s, a, b, t in lines))


def test_a_correction_inside_a_longer_line_replaces_only_its_own_words(tmp_path):
    """Issue 19, defect 1: another speaker count merges three lines into one: the correction of the middle one
    replaces its words and the machine's words around it stay (it used to swallow the whole line)."""
    three = _recut(("u0001", "SPEAKER_00", 0.0, 2.88, "Hello, it's Mark."),
                   ("u0002", "SPEAKER_00", 2.88, 7.26, "About the money."),
                   ("u0003", "SPEAKER_00", 7.26, 11.28, "I paid you fifty dollars."),
                   ("u0004", "SPEAKER_00", 11.28, 13.74, "Right?"))
    path, header, rows = _written(tmp_path, three)
    rows[2]["text"] = "I paid you fifteen dollars."
    _save(path, header, rows)
    merged = _recut(("u0001", "SPEAKER_00", 0.0, 13.74,
                     "Hello, it's Mark. About the money. I paid you fifty dollars. Right?"))
    result = review(merged, path)
    (line,) = result.items
    assert line.text == "Hello, it's Mark. About the money. I paid you fifteen dollars. Right?"
    assert line.status == "corrected" and line.machine_text == merged.items[0].text and result.conflicts == ()


@pytest.mark.parametrize("lines, reason, under", [
    ((("u0001", "SPEAKER_00", 0.0, 9.0, "Hello, it's Mark. I paid you"), ("u0002", "SPEAKER_01", 9.0, 13.7,
                                                                         "fifty dollars. Right?")),
     "split", ("u0001", "u0002")),                    # the stretch is now under two lines, two speakers
    ((("u0001", "SPEAKER_00", 0.0, 6.0, "Hello."), ("u0002", "SPEAKER_00", 12.0, 13.7, "Right?")),
     "gone", ()),                                      # no line over it any more
    ((("u0001", "SPEAKER_00", 0.0, 13.7, "Hello, I paid you fifty five dollars right"),),
     "changed", ("u0001",)),                           # the machine's words under it are not the ones corrected
])
def test_a_correction_the_new_lines_do_not_take_unambiguously_is_a_conflict_never_applied(tmp_path, lines, reason,
                                                                                           under):
    path, header, rows = _written(tmp_path, _recut(("u0001", "SPEAKER_00", 0.0, 7.26, "Hello, it's Mark."),
                                                    ("u0002", "SPEAKER_00", 7.26, 11.28, "I paid you fifty dollars."),
                                                    ("u0003", "SPEAKER_00", 11.28, 13.74, "Right?")))
    rows[1]["text"] = "I paid you fifteen dollars."
    _save(path, header, rows)
    result = review(_recut(*lines), path)
    assert [u.text for u in result.items] == [line[4] for line in lines]           # the machine's, untouched
    assert all(u.status == "machine" for u in result.items)
    (conflict,) = result.conflicts
    assert (conflict.reason, conflict.lines, conflict.text, conflict.machine_text) == (
        reason, under, "I paid you fifteen dollars.", "I paid you fifty dollars.")
    assert (conflict.start, conflict.end) == (7.26, 11.28)
    # written back to transcript.csv as its own row, read again as a conflict: never dropped
    write_transcript_csv(path, result, "zh")
    header, again = read_csv(path)
    assert again[-1]["id"] == "" and again[-1]["text"] == "I paid you fifteen dollars." and again[-1]["conflict"]
    assert review(_recut(*lines), path).conflicts == result.conflicts


def test_a_review_of_part_of_a_longer_line_does_not_mark_the_whole_line_reviewed(tmp_path):
    path, header, rows = _written(tmp_path, _recut(("u0001", "SPEAKER_00", 0.0, 7.26, "Hello, it's Mark."),
                                                    ("u0002", "SPEAKER_00", 7.26, 11.28, "I paid you fifty dollars.")))
    rows[1]["status"] = "reviewed"
    _save(path, header, rows)
    result = review(_recut(("u0001", "SPEAKER_00", 0.0, 11.28, "Hello, it's Mark. I paid you fifty dollars.")), path)
    assert result.items[0].status == "machine" and [c.reason for c in result.conflicts] == ["partial"]


def test_a_conflict_stays_until_the_person_deals_with_it(tmp_path):
    """Reviewing the new line again does not take the old correction away: it is shown until its row is deleted
    (in Excel) or marked dealt with on the review page."""
    path, header, rows = _written(tmp_path, _recut(("u0001", "SPEAKER_00", 0.0, 7.26, "Hello, it's Mark."),
                                                    ("u0002", "SPEAKER_00", 7.26, 11.28, "I paid you fifty dollars.")))
    rows[1]["text"] = "I paid you fifteen dollars."
    _save(path, header, rows)
    heard_again = _recut(("u0001", "SPEAKER_00", 0.0, 7.26, "Hello, it's Mark."),
                         ("u0002", "SPEAKER_00", 7.26, 11.28, "I paid you fifty five dollars."))
    write_transcript_csv(path, review(heard_again, path), "zh")
    header, rows = read_csv(path)
    assert [r["conflict"] != "" for r in rows] == [False, False, True]
    rows[1]["text"] = "I paid you fifteen dollars."          # the person listens again and corrects the new line
    _save(path, header, rows)
    result = review(heard_again, path)
    assert [c.text for c in result.conflicts] == ["I paid you fifteen dollars."] and result.items[1].status == "corrected"
    _save(path, header, rows[:2])                            # the conflict row deleted: dealt with
    assert review(heard_again, path).conflicts == ()


def test_rows_that_fall_on_one_line_are_conflicts_not_an_error(tmp_path):
    """Two rows on one line (a row copied in Excel; a review carried back beside a newer correction): neither
    is applied to it, both are shown to review again."""
    path, header, rows = _written(tmp_path)
    rows[1].update(id="u0001", start="0.5", end="3.0", text="另一句", machine_text=rows[0]["machine_text"])
    rows[0]["text"] = "我在滨海新区有房。"
    _save(path, header, rows)
    result = review(MACHINE, path)
    assert result.items[0].status == "machine" and result.items[0].text == "我在冰海星区有房。"
    assert sorted((c.reason, c.text) for c in result.conflicts) == [("twice", "另一句"), ("twice", "我在滨海新区有房。")]


def test_a_speaker_chosen_on_another_cut_of_the_voices_is_a_conflict(tmp_path):
    path, header, rows = _written(tmp_path)
    rows[0]["speaker_id"] = "SPEAKER_07"                     # an id this transcript's voices do not have
    rows[2]["status"] = "reviewed"
    _save(path, header, rows)
    regrouped = dataclasses.replace(MACHINE, items=(LINES[0], LINES[1], dataclasses.replace(LINES[2],
                                                                                             speaker="SPEAKER_01")))
    result = review(regrouped, path)
    assert [u.status for u in result.items] == ["machine", "machine", "machine"]
    assert sorted(c.reason for c in result.conflicts) == ["speaker", "speaker"]


def test_text_written_into_an_inaudible_line_stays_run_after_run(tmp_path):
    """The machine heard no words there: the person's words are theirs, and the file keeps the machine's ""."""
    path, header, rows = _written(tmp_path)
    rows[1]["text"] = "你什么时候还？"
    _save(path, header, rows)
    for _ in range(3):
        result = review(MACHINE, path)
        write_transcript_csv(path, result, "zh")
        assert (result.items[1].text, result.items[1].status, result.conflicts) == ("你什么时候还？", "corrected", ())
    assert read_csv(path)[1][1]["machine_text"] == ""


@pytest.mark.parametrize("emptied", ["start", "machine_text"])
def test_a_row_without_its_times_or_machine_text_takes_only_its_own_unchanged_line(tmp_path, emptied):
    """An emptied start cell, or a file without the machine_text column, must not let a short correction take a
    longer line or another stretch that now has its id."""
    path, header, rows = _written(tmp_path, _recut(("u0001", "SPEAKER_00", 0.0, 3.0, "Yeah, go for it."),
                                                    ("u0002", "SPEAKER_00", 3.0, 6.0, "Any said any.")))
    rows[0]["text"] = "Yeah, go ahead."
    if emptied == "start":
        rows[0]["start"] = ""
    else:
        header = [h for h in header if h not in ("machine_text", "machine_speaker_id")]
    _save(path, header, rows)
    merged = _recut(("u0001", "SPEAKER_00", 0.0, 6.0, "Yeah, go for it. Any said any."))
    result = review(merged, path)
    assert result.items[0].text == "Yeah, go for it. Any said any." and result.items[0].status == "machine"
    assert [c.text for c in result.conflicts] == ["Yeah, go ahead."]
    same = review(_recut(("u0001", "SPEAKER_00", 0.0, 3.0, "Yeah, go for it."),
                         ("u0002", "SPEAKER_00", 3.0, 6.0, "Any said any.")), path)
    assert same.items[0].text == "Yeah, go ahead." and same.conflicts == ()


def test_corrections_reach_the_exhibit_and_the_json_keeps_the_machines_text(tmp_path):
    path, header, rows = _written(tmp_path)
    rows[0]["text"] = "我在滨海新区有房。"
    rows[2]["speaker_id"] = "SPEAKER_01"
    _save(path, header, rows)
    reviewed = review(MACHINE, path)
    made = dataclasses.replace(content(lab=reviewed), labelled=reviewed)
    write_docx(tmp_path / "x.docx", made)
    doc = Document(str(tmp_path / "x.docx"))          # the court copy: the lines marked, no table of them
    lines = [p.text for p in doc.paragraphs if p.style.name == "Transcript Line"]
    assert "[已校正] 说话人1：我在滨海新区有房。" in lines[0]
    assert not any(t.rows[0].cells[2].text == "软件识别" for t in doc.tables if len(t.columns) == 4)
    assert "核对记录显示，软件生成的 3 句中已有 2 句标为已核对，更正 2 句；核对人尚未写明" in "\n".join(p.text for p in doc.paragraphs)
    write_docx(tmp_path / "c.docx", made, COUNSEL)  # the working copy lists the corrections
    doc = Document(str(tmp_path / "c.docx"))
    table = next(t for t in doc.tables if t.rows[0].cells[0].text == "行号" and len(t.columns) == 4)
    assert [c.text for c in table.rows[0].cells] == ["行号", "时间", "软件识别", "校正后"]
    assert [c.text for c in table.rows[1].cells] == ["1", "00:00:00", "我在冰海星区有房。", "我在滨海新区有房。"]
    assert "说话人：说话人1 → 说话人2" in table.rows[2].cells[3].text
    write_json(tmp_path / "x.json", made)
    first = json.loads((tmp_path / "x.json").read_text(encoding="utf-8"))["utterances"][0]
    assert (first["text"], first["machine_text"], first["status"]) == ("我在滨海新区有房。", "我在冰海星区有房。",
                                                                     Status.CORRECTED)
    write_transcript_csv(path, reviewed, "zh")                    # and the file keeps both texts
    _, again = read_csv(path)
    assert (again[0]["text"], again[0]["machine_text"], again[0]["status"]) == (
        "我在滨海新区有房。", "我在冰海星区有房。", "corrected")
    assert review(MACHINE, path) == reviewed


def test_an_exhibit_without_corrections_has_no_corrections_table(tmp_path):
    write_docx(tmp_path / "x.docx", content())
    text = "\n".join(p.text for p in Document(str(tmp_path / "x.docx")).paragraphs)
    assert "校正记录" not in text and Flag.CORRECTED not in text


def test_a_new_diarization_moves_untouched_lines_to_their_new_speaker(tmp_path):
    """The speakers are found again (another --speakers): a line nobody touched follows the machine's new
    speaker; a line a person gave to a speaker keeps that speaker."""
    path, header, rows = _written(tmp_path)
    rows[0]["speaker_id"] = "SPEAKER_01"
    _save(path, header, rows)
    again = dataclasses.replace(MACHINE, items=tuple(dataclasses.replace(u, speaker="SPEAKER_01") if u.id == "u0003"
                                                     else u for u in LINES))
    lines = review(again, path).items
    assert [(u.speaker, u.status) for u in lines] == [("SPEAKER_01", "corrected"), ("SPEAKER_01", "machine"),
                                                      ("SPEAKER_01", "machine")]



def test_a_conflict_is_shown_to_counsel_with_both_texts_and_never_reaches_the_court_copy(tmp_path):
    path, header, rows = _written(tmp_path)
    rows[2]["text"] = "那五万块是我借你的。"
    _save(path, header, rows)
    heard_again = dataclasses.replace(MACHINE, items=(*LINES[:2], dataclasses.replace(LINES[2], text="那五万是我借的。")))
    result = review(heard_again, path)
    made = dataclasses.replace(content(lab=result), labelled=result)
    write_docx(tmp_path / "court.docx", made)
    court = "\n".join(p.text for p in Document(str(tmp_path / "court.docx")).paragraphs)
    assert "那五万块是我借你的。" not in court and "那五万是我借的。" in court and "待重新核对" not in court
    write_docx(tmp_path / "counsel.docx", made, COUNSEL)
    doc = Document(str(tmp_path / "counsel.docx"))
    assert "待重新核对" in [p.text for p in doc.paragraphs]
    table = next(t for t in doc.tables if t.rows[0].cells[0].text == "时段")
    assert [c.text for c in table.rows[1].cells] == [
        "00:00:06–00:00:08", "那五万块是我借的。", "那五万块是我借你的。", "该时段软件识别的文字已与核对时不同：请重新核对"]
    write_json(tmp_path / "x.json", made)
    (kept,) = json.loads((tmp_path / "x.json").read_text(encoding="utf-8"))["conflicts"]
    assert (kept["text"], kept["reason"], kept["lines"]) == ("那五万块是我借你的。", "changed", ["u0003"])


def test_two_corrections_in_one_longer_line_each_replace_their_own_words(tmp_path):
    path, header, rows = _written(tmp_path, _recut(("u0001", "SPEAKER_00", 0.0, 3.0, "I paid fifty."),
                                                    ("u0002", "SPEAKER_00", 3.0, 6.0, "You paid fifty.")))
    rows[0]["text"] = "I paid fifty yuan. You paid fifty."        # the first correction holds the second's words
    rows[1]["text"] = "You paid fifteen."
    _save(path, header, rows)
    result = review(_recut(("u0001", "SPEAKER_00", 0.0, 6.0, "I paid fifty. You paid fifty.")), path)
    assert result.items[0].text == "I paid fifty yuan. You paid fifty. You paid fifteen." and result.conflicts == ()
