"""merge and label on hand-built artifacts (no models)."""

from __future__ import annotations

import pytest

from builders import CALL, CALL_TURNS, CFG, VOICE_A, VOICE_B, VOICE_C, _diar, _transcript
from pipeline.artifacts import Diarization, Transcript, Utterances
from pipeline.config import MergeConfig
from pipeline.csvio import read_csv
from pipeline.errors import SpeakersCsvError
from pipeline.export.wording import load_wording, speaker_label, speaker_text
from pipeline.rundir import RunDir
from pipeline.stages.label import label as label_stage, match_voices
from pipeline.stages.merge import merge, overlap_regions

CSV_NAME, PREVIOUS_NAME = "speakers.csv", "speakers.previous.csv"
ZH = load_wording("zh")


def label(utterances: Utterances, csv_path, diarization: Diarization | None = None):
    """The label stage in the run folder that holds csv_path."""
    run = RunDir(csv_path.parent)
    run.work.mkdir(exist_ok=True)
    return label_stage(utterances, diarization or CALL_TURNS, run)


def shown(speaker) -> str:
    """The speaker as the Chinese exhibit names them."""
    return speaker_label(speaker, ZH)


def test_words_go_to_the_speaker_whose_turn_overlaps_most_and_lines_split_at_speaker_change():
    utts = merge(CALL, CALL_TURNS, CFG).items
    assert [(u.speaker, u.text) for u in utts] == [
        ("SPEAKER_00", "喂，张三"), ("SPEAKER_01", "那五万块是我借的。"), ("SPEAKER_00", "好。")]
    assert (utts[1].start, utts[1].end) == (2.6, 4.2)
    assert "low_confidence" in utts[1].flags and "low_confidence" not in utts[0].flags
    assert [u.id for u in utts] == ["u0001", "u0002", "u0003"]


def test_a_long_pause_splits_one_speakers_words_and_english_keeps_its_spaces():
    t = _transcript([(0.0, 0.4, " I", 0.9), (0.4, 0.8, " owe", 0.9), (3.0, 3.4, " you", 0.9)], "en")
    utts = merge(t, _diar([(0.0, 0.8, "SPEAKER_00"), (3.0, 3.4, "SPEAKER_00")]), CFG).items
    assert [u.text for u in utts] == ["I owe.", "you."]      # each line a whole one with no mark: it gets "."


def test_overlapping_turns_flag_the_words_heard_during_them():
    diar = _diar([(0.0, 4.5, "SPEAKER_00"), (2.5, 4.5, "SPEAKER_01")],
                 exclusive=[(0.0, 2.5, "SPEAKER_00"), (2.5, 4.5, "SPEAKER_01")])
    assert overlap_regions(diar.turns) == [(2.5, 4.5)]
    utts = merge(CALL, diar, CFG).items
    assert "overlap" in utts[1].flags and "overlap" not in utts[0].flags


def test_words_far_from_any_turn_are_not_given_to_a_speaker():
    utts = merge(CALL, _diar([(0.0, 2.0, "SPEAKER_00")]), CFG).items
    assert utts[-1].speaker == "UNKNOWN" and "no_speaker" in utts[-1].flags
    assert merge(CALL, _diar([]), CFG).items[0].speaker == "UNKNOWN"


@pytest.fixture
def utterances() -> Utterances:
    return merge(CALL, CALL_TURNS, CFG)


def test_first_run_writes_speakers_csv_for_excel_and_labels_read_naturally(tmp_path, utterances):
    csv_path = tmp_path / CSV_NAME
    labelled = label(utterances, csv_path)
    raw = csv_path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # BOM: Excel opens it as UTF-8
    header, rows = read_csv(csv_path)
    assert header[:4] == ["speaker_id", "name", "role", "identified_by"]
    assert [r["speaker_id"] for r in rows] == ["SPEAKER_00", "SPEAKER_01"]
    assert rows[1]["sample_1"] == "那五万块是我借的。" and rows[1]["first_heard"] == "00:00:02"
    assert (rows[0]["sample_1"], rows[0]["sample_2"], rows[0]["turns"]) == ("喂，张三", "好。", "2")
    assert rows[0]["clip"] == "speakers/SPEAKER_00.wav"
    assert [shown(s) for s in labelled.speakers] == ["说话人1", "说话人2"]


def test_names_and_roles_from_the_csv_are_applied(tmp_path, utterances):
    csv_path = tmp_path / CSV_NAME
    csv_path.write_text("speaker_id,name,role\nSPEAKER_00,张三,原告\nSPEAKER_01,李四,被告\n", encoding="utf-8")
    labelled = label(utterances, csv_path)
    assert [(s.id, shown(s), s.role) for s in labelled.speakers] == [
        ("SPEAKER_00", "张三", "原告"), ("SPEAKER_01", "李四", "被告")]


THREE = _transcript([(0.5, 0.9, "喂", 0.9), (2.6, 3.0, "你好", 0.9), (5.0, 5.5, "我在", 0.9), (6.0, 6.5, "好", 0.9)])
THREE_TURNS = _diar([(0.0, 2.0, "SPEAKER_02"), (2.5, 4.0, "SPEAKER_00"), (4.8, 5.6, "SPEAKER_01"),
                     (5.8, 7.0, "SPEAKER_02")])


def test_speakers_keep_the_number_of_their_first_appearance_whoever_is_named(tmp_path):
    utts = merge(THREE, THREE_TURNS, CFG)
    csv_path = tmp_path / CSV_NAME
    first = label(utts, csv_path, THREE_TURNS)
    assert [(s.id, shown(s)) for s in first.speakers] == [
        ("SPEAKER_02", "说话人1"), ("SPEAKER_00", "说话人2"), ("SPEAKER_01", "说话人3")]
    # naming the first voice heard leaves 说话人2 and 说话人3 as they were on the first draft
    csv_path.write_text("speaker_id,name,role\nSPEAKER_02,张三,被告\nSPEAKER_00,,\nSPEAKER_01,,\n",
                        encoding="utf-8")
    named = label(utts, csv_path, THREE_TURNS)
    assert [(s.id, shown(s), s.number) for s in named.speakers] == [
        ("SPEAKER_02", "张三", 1), ("SPEAKER_00", "说话人2", 2), ("SPEAKER_01", "说话人3", 3)]
    csv_path.write_text("speaker_id,name,role\nSPEAKER_00,李四,原告\n", encoding="utf-8")
    assert [shown(s) for s in label(utts, csv_path, THREE_TURNS).speakers] == ["说话人1", "李四", "说话人3"]


def test_how_each_voice_was_identified_is_read_and_written_back(tmp_path, utterances):
    csv_path = tmp_path / CSV_NAME
    csv_path.write_text("speaker_id,name,role,identified_by\nSPEAKER_00,张三,被告,来电号码 138xxxx\n"
                        "SPEAKER_01,张三,,自我介绍 00:00:02\n", encoding="utf-8")
    labelled = label(utterances, csv_path)
    assert [(s.name, s.identified_by) for s in labelled.speakers] == [("张三", "来电号码 138xxxx；自我介绍 00:00:02")]
    old = "speaker_id,name,role\nSPEAKER_00,张三,被告\n"          # a file written before identified_by
    csv_path.write_text(old, encoding="utf-8")
    assert [s.identified_by for s in label(utterances, csv_path).speakers] == ["", ""]


def test_a_gbk_file_saved_by_excel_is_read(tmp_path, utterances):
    csv_path = tmp_path / CSV_NAME
    csv_path.write_bytes("speaker_id,name,role,talk_time\r\nSPEAKER_01,李四,被告,00:00:02\r\n".encode("gbk"))
    labelled = label(utterances, csv_path)
    assert {s.id: shown(s) for s in labelled.speakers} == {"SPEAKER_00": "说话人1", "SPEAKER_01": "李四"}


def test_two_ids_with_the_same_name_are_merged_into_one_person(tmp_path, utterances):
    csv_path = tmp_path / CSV_NAME
    csv_path.write_text("speaker_id,name,role\nSPEAKER_00,张三,原告\nSPEAKER_01,张三,\n", encoding="utf-8-sig")
    labelled = label(utterances, csv_path)
    assert [(s.id, shown(s), s.role, s.turns) for s in labelled.speakers] == [("SPEAKER_00", "张三", "原告", 3)]
    assert {u.speaker for u in labelled.items} == {"SPEAKER_00"}


@pytest.mark.parametrize("content, message", [
    ("speaker_id,name,role\nSPEAKER_00,张三,\nSPEAKER_07,王五,\n", "row 3: unknown speaker id 'SPEAKER_07'"),
    ("speaker_id,name\nSPEAKER_00,张三\nSPEAKER_00,李四\n", "row 3: speaker id SPEAKER_00 appears twice"),
    ("id,who\nSPEAKER_00,张三\n", "missing: speaker_id, name"),
    ("", "it is empty"),
])
def test_a_broken_speakers_csv_is_a_clear_error_naming_the_row(tmp_path, utterances, content, message):
    csv_path = tmp_path / CSV_NAME
    csv_path.write_text(content, encoding="utf-8")
    with pytest.raises(SpeakersCsvError) as info:
        label(utterances, csv_path)
    assert message in str(info.value) and CSV_NAME in str(info.value) and "\n" not in str(info.value)


def test_a_binary_file_in_place_of_speakers_csv_is_refused(tmp_path, utterances):
    csv_path = tmp_path / CSV_NAME
    csv_path.write_bytes(bytes(range(256)) * 4)
    with pytest.raises(SpeakersCsvError, match="cannot be read") as info:
        label(utterances, csv_path)
    assert "\n" not in str(info.value)


def test_voices_match_by_embedding_not_by_id():
    old = {"SPEAKER_00": (1.0, 0.1, 0.0), "SPEAKER_01": (0.0, 1.0, 0.1)}
    new = {"SPEAKER_00": (0.1, 0.9, 0.0), "SPEAKER_01": (0.0, 0.0, 1.0), "SPEAKER_02": (0.9, 0.2, 0.0)}
    assert match_voices(old, new) == {"SPEAKER_00": "SPEAKER_02", "SPEAKER_01": "SPEAKER_00"}


def test_names_follow_the_voices_when_speakers_are_found_again_differently(tmp_path, utterances):
    csv_path = tmp_path / CSV_NAME
    label(utterances, csv_path)  # first run: template + the voices its ids stand for
    csv_path.write_text("speaker_id,name,role\nSPEAKER_00,张三,原告\nSPEAKER_01,李四,被告\n", encoding="utf-8")
    # a re-run (say --speakers 3) finds the voices under other ids, plus a third voice
    again = _diar([(0.0, 2.0, "SPEAKER_01"), (2.5, 4.5, "SPEAKER_02"), (5.8, 7.0, "SPEAKER_00")],
                  centroids={"SPEAKER_01": VOICE_A, "SPEAKER_02": VOICE_B, "SPEAKER_00": VOICE_C})
    labelled = label(merge(CALL, again, CFG), csv_path, again)
    assert {s.id: (shown(s), s.role) for s in labelled.speakers} == {
        "SPEAKER_01": ("张三", "原告"), "SPEAKER_02": ("李四", "被告"), "SPEAKER_00": ("说话人3", "")}
    _, rows = read_csv(csv_path)
    assert {r["speaker_id"]: r["name"] for r in rows} == {"SPEAKER_01": "张三", "SPEAKER_02": "李四", "SPEAKER_00": ""}
    assert "李四" in (tmp_path / PREVIOUS_NAME).read_text(encoding="utf-8")  # the user's file as it was


def _sentences_run(n: int, seconds: float) -> Transcript:
    """One speaker saying n sentences of `seconds` each, no pause between them."""
    ws = []
    for i in range(n):
        start = i * seconds
        ws += [(start, start + seconds / 2, f"第{i + 1}句", 0.9), (start + seconds / 2, start + seconds, "说完了。", 0.9)]
    return _transcript(ws)


def test_a_long_run_of_one_speaker_is_cut_at_sentence_ends_into_citable_lines():
    cfg = MergeConfig(max_pause=1.0, max_length=15.0)
    diar = _diar([(0.0, 32.0, "SPEAKER_00")])
    lines = merge(_sentences_run(8, 4.0), diar, cfg).items   # 32 s of talk, sentences of 4 s
    assert [u.text for u in lines] == ["第1句说完了。第2句说完了。第3句说完了。", "第4句说完了。第5句说完了。第6句说完了。",
                                       "第7句说完了。第8句说完了。"]
    assert all(u.end - u.start <= 15.0 for u in lines)
    # a sentence longer than max_length stays one line: a line is never cut inside a sentence
    long = _transcript([(i * 1.0, i * 1.0 + 1.0, "长", 0.9) for i in range(20)] + [(20.0, 21.0, "句。", 0.9)])
    assert [u.text for u in merge(long, _diar([(0.0, 21.0, "SPEAKER_00")]), cfg).items] == ["长" * 20 + "句。"]


def test_english_lines_are_cut_after_a_full_stop_but_not_after_a_title():
    t = _transcript([(0.0, 6.0, " I met Mr.", 0.9), (6.0, 12.0, " Chen today.", 0.9), (12.0, 18.0, " He paid.", 0.9)],
                    "en")
    lines = merge(t, _diar([(0.0, 18.0, "SPEAKER_00")]), MergeConfig(max_length=15.0)).items
    assert [u.text for u in lines] == ["I met Mr. Chen today.", "He paid."]


def test_two_people_with_one_name_and_two_roles_stay_two_parties(tmp_path, utterances):
    """Issue 19: 李四 the plaintiff and 李四 the defendant are two people, each shown with their own role."""
    csv_path = tmp_path / CSV_NAME
    csv_path.write_text("speaker_id,name,role\nSPEAKER_00,李四,原告\nSPEAKER_01,李四,被告\n", encoding="utf-8")
    labelled = label(utterances, csv_path)
    zh = load_wording("zh")
    assert [(s.id, speaker_text(s, zh)) for s in labelled.speakers] == [
        ("SPEAKER_00", "李四（原告）"), ("SPEAKER_01", "李四（被告）")]
    assert {u.speaker for u in labelled.items} == {"SPEAKER_00", "SPEAKER_01"}     # no line moved


def test_a_shared_name_without_a_role_is_refused_naming_the_rows(tmp_path, utterances):
    csv_path = tmp_path / CSV_NAME
    csv_path.write_text("speaker_id,name,role\nSPEAKER_00,李四,原告\nSPEAKER_01,李四,\n", encoding="utf-8")
    assert {s.role for s in label(utterances, csv_path).speakers} == {"原告"}      # one person: one role given
    csv_path.write_text("speaker_id,name,role,identified_by\nSPEAKER_00,李四,原告,\nSPEAKER_01,李四,被告,\n"
                        "SPEAKER_02,李四,,\n", encoding="utf-8")
    with pytest.raises(SpeakersCsvError) as info:
        label(merge(THREE, THREE_TURNS, CFG), csv_path, THREE_TURNS)
    assert "rows 2, 3, 4 name 李四 with the roles 原告、被告 and without one" in str(info.value)
    assert "\n" not in str(info.value)


def test_roles_that_differ_only_in_case_are_one_person(tmp_path, utterances):
    csv_path = tmp_path / CSV_NAME
    csv_path.write_text("speaker_id,name,role\nSPEAKER_00,John Smith,Plaintiff\nSPEAKER_01,John Smith,plaintiff\n",
                        encoding="utf-8")
    labelled = label(utterances, csv_path)
    assert [(s.id, s.name, s.role) for s in labelled.speakers] == [("SPEAKER_00", "John Smith", "Plaintiff")]


def _fragment_call() -> tuple[Utterances, Diarization]:
    """Issue 22's interview by hand: SPEAKER_01 (a 1.5 s fragment) is first heard at 9.1 s but its only line
    starts at 20 s; SPEAKER_02 is heard from 12 s with a line at once. The diarization names ids in its order of
    first appearance (SPEAKER_00, _01, _02), as the RTTM lists them."""
    from pipeline.artifacts import Utterance, Word

    def line(i: int, speaker: str, start: float, end: float, text: str) -> Utterance:
        return Utterance(f"u{i:04d}", speaker, start, end, text, (Word(start, end, text, 0.9),))

    dia = _diar([(0.0, 9.0, "SPEAKER_00"), (9.1, 9.9, "SPEAKER_01"), (12.0, 19.0, "SPEAKER_02"),
                 (20.0, 20.7, "SPEAKER_01"), (21.0, 30.0, "SPEAKER_00")])
    dia = Diarization(**{**dia.__dict__, "method": "local", "tuning": {"short_seconds": 4.0}})
    items = (line(1, "SPEAKER_00", 0.2, 9.0, "你好请问是张三吗"), line(2, "SPEAKER_02", 12.1, 19.0, "是我有什么事"),
             line(3, "SPEAKER_01", 20.0, 20.7, "嗯"), line(4, "SPEAKER_00", 21.0, 30.0, "关于那五万块钱"))
    return Utterances(language="zh", items=items), dia


def test_numbers_rttm_legend_and_timeline_follow_one_first_appearance(tmp_path):
    """By its lines SPEAKER_02 would be 说话人2 and the fragment 说话人3 while the RTTM hears the fragment
    second: numbering now follows the diarization's first appearance, and the legend (and the timeline,
    which follows it) lists speakers in that order."""
    from builders import content
    from pipeline.export.rttm import rttm_text
    from pipeline.export.word.transcript import timeline_rows

    utterances, dia = _fragment_call()
    labelled = label(utterances, tmp_path / "speakers.csv", dia)
    numbers = {s.id: s.number for s in labelled.speakers}
    assert numbers == {"SPEAKER_00": 1, "SPEAKER_01": 2, "SPEAKER_02": 3}
    assert [s.id for s in labelled.speakers] == ["SPEAKER_00", "SPEAKER_01", "SPEAKER_02"]
    rttm_order = list(dict.fromkeys(line.split()[7] for line in rttm_text(dia, "call").splitlines()))
    assert rttm_order == sorted(numbers, key=numbers.get)
    rows = timeline_rows(content(lab=labelled, dia=dia), load_wording("zh"))
    assert [r.label for r in rows] == ["说话人1", "说话人2", "说话人3"]
    assert rows[1].spans == ((9.1, 9.9), (20.0, 20.7))


def test_a_short_voice_is_said_to_be_short_and_uncertain(tmp_path):
    """SPEAKER_01 talks 1.5 s in all (under the diarizer's short_seconds): speakers.csv's `uncertain` column
    and the legend's talk time say it is short and uncertain, in the recording's language; the others not."""
    from builders import make_docx

    utterances, dia = _fragment_call()
    run = RunDir(tmp_path)
    labelled = label(utterances, run.speakers_csv, dia)
    assert [s.short for s in labelled.speakers] == [False, True, False]
    rows = {r["speaker_id"]: r for r in read_csv(run.speakers_csv)[1]}
    note = load_wording("zh")["parties"]["short"]
    assert "未确定" in note and rows["SPEAKER_01"]["uncertain"] == note
    assert rows["SPEAKER_00"]["uncertain"] == rows["SPEAKER_02"]["uncertain"] == ""
    _, doc = make_docx(tmp_path, "zh", labelled, dia=dia)
    legend = next(t for t in doc.tables if any("发言时长" in c.text for c in t.rows[0].cells))
    cells = [[c.text for c in row.cells] for row in legend.rows[1:]]
    assert note in cells[1][4] and all(note not in c for c in cells[0] + cells[2])
    english = load_wording("en")["parties"]
    assert "uncertain" in english["short"] and set(english) == set(load_wording("zh")["parties"])
