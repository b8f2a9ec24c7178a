"""Each stretch of speech in its own language (pipeline.stages.languages): the rule on hand-built detections, the
parts the transcribe stage decodes, lines cut where the language changes, and what the JSON and the two Word
copies say of it. No model runs here (tests/test_transcribe.py runs the real one on a code-switching clip)."""

from __future__ import annotations

import dataclasses

import pytest
from docx import Document

from builders import _diar, content, labelled
from pipeline.artifacts import Segment, Transcript, Utterance, Word
from pipeline.audio import SAMPLE_RATE
from pipeline.config import MergeConfig, NormaliseConfig, TranscribeConfig
from pipeline.export.json import exhibit_document
from pipeline.export.word.document import COUNSEL, COURT, write_docx
from pipeline.stages import languages as L
from pipeline.stages import transcribe as T
from pipeline.stages.merge import merge
from pipeline.stages.normalise import normalise

ZH_EN = ("zh", "en")


def piece(start: float, end: float, detected: str = "", probability: float = 0.0) -> L.Piece:
    return L.Piece(int(start * SAMPLE_RATE), int(end * SAMPLE_RATE), detected, probability)


# ------------------------------------------------------------------------------------------------ the rule


def test_a_long_piece_surely_in_another_allowed_language_is_heard_in_it():
    assert L.switched(piece(0, 3, "en", 0.85), "zh", ZH_EN) == "en"
    assert L.switched(piece(0, 3, "zh", 0.99), "en", ZH_EN) == "zh"


@pytest.mark.parametrize("unsure", [
    piece(0, 3, "en", L.MIN_PROBABILITY - 0.01),      # not sure enough
    piece(0, L.MIN_SECONDS - 0.05, "en", 0.99),       # too short to trust (Whisper base said Maori 0.97 on 1.96 s)
    piece(0, 3, "mi", 0.97),                          # a language the settings do not allow
    piece(0, 3, "", 0.0),                             # not detected on
])
def test_a_short_unsure_or_unexpected_piece_keeps_the_files_language(unsure):
    assert L.switched(unsure, "zh", ZH_EN) == "zh"


def test_a_short_piece_goes_with_long_neighbours_that_all_switched_to_one_language():
    between = [piece(0, 2.1, "en", 0.9), piece(2.3, 3.4), piece(3.6, 6, "en", 0.8), piece(6.5, 9, "zh", 0.99)]
    assert L.decide(between, "zh", ZH_EN) == ["en", "en", "en", "zh"]
    at_the_edge = [piece(0, 1.0), piece(1.2, 4, "en", 0.9)]
    assert L.decide(at_the_edge, "zh", ZH_EN) == ["en", "en"]


def test_a_short_piece_beside_another_short_one_or_the_files_language_keeps_the_files_language():
    after_english = [piece(0, 2.7, "en", 0.92), piece(2.8, 4.6), piece(4.9, 5.6), piece(6.1, 7.4)]
    assert L.decide(after_english, "zh", ZH_EN) == ["en", "zh", "zh", "zh"]
    between_two = [piece(0, 3, "en", 0.9), piece(3.2, 4.0), piece(4.2, 8, "zh", 0.99)]
    assert L.decide(between_two, "zh", ZH_EN) == ["en", "zh", "zh"]
    alone = [piece(0, 1.5)]
    assert L.decide(alone, "zh", ZH_EN) == ["zh"]


def test_the_chunk_is_cut_halfway_through_the_pause_where_the_language_changes_and_nowhere_else():
    chunk = {"start": 0, "end": 10 * SAMPLE_RATE}
    found = [piece(0.2, 3, "en", 0.9), piece(3.5, 5, "en", 0.9), piece(6, 9.8, "zh", 0.99)]
    out = L.stretches(chunk, found, ["en", "en", "zh"])
    assert out == [({"start": 0, "end": int(5.5 * SAMPLE_RATE)}, "en"),
                   ({"start": int(5.5 * SAMPLE_RATE), "end": 10 * SAMPLE_RATE}, "zh")]
    assert L.stretches(chunk, found, ["zh", "zh", "zh"]) == [(chunk, "zh")]


def test_runs_join_consecutive_stretches_of_one_language():
    a, b, c, d = ({"start": i, "end": i + 1} for i in range(0, 8, 2))
    assert L.runs([(a, "zh"), (b, "zh"), (c, "en"), (d, "zh")]) == [([a, b], "zh"), ([c], "en"), ([d], "zh")]


def test_the_setting_names_the_allowed_languages_and_none_means_no_detection_at_all():
    assert L.allowed_languages("zh, en，ZH") == ("zh", "en")
    assert L.allowed_languages("") == ()
    chunks = [{"start": 0, "end": SAMPLE_RATE * 5}]
    never = object()        # any use of the model or track fails
    assert L.by_language(never, never, chunks, "zh", None, ()) == [(chunks[0], "zh")]
    assert L.by_language(never, never, chunks, "zh", None, ("zh",)) == [(chunks[0], "zh")]


# ----------------------------------------------------------------------- the parts the transcribe stage hears


def test_the_model_hears_each_language_in_parts_of_its_own_and_a_one_language_file_as_before(monkeypatch):
    chunks = [{"start": s * SAMPLE_RATE, "end": e * SAMPLE_RATE} for s, e in ((0, 10), (13, 20), (22, 30))]
    detections = {0: [piece(0.2, 3, "en", 0.9), piece(3.5, 5.6, "en", 0.9), piece(6, 9.8, "zh", 0.99)],
                  13 * SAMPLE_RATE: [piece(13, 20, "zh", 0.99)], 22 * SAMPLE_RATE: [piece(22, 30, "en", 0.95)]}
    monkeypatch.setattr(L, "pieces_of", lambda model, track, chunk, options: detections[chunk["start"]])
    cfg = TranscribeConfig(languages="zh,en")
    parts = T._language_parts(None, None, chunks, "zh", cfg)
    assert [(lang, [(c["start"] / SAMPLE_RATE, c["end"] / SAMPLE_RATE) for c in part]) for part, lang in parts] == [
        ("en", [(0, 5.8)]), ("zh", [(5.8, 10), (13, 20)]), ("en", [(22, 30)])]
    one = T._language_parts(None, None, chunks, "zh", dataclasses.replace(cfg, languages=""))
    assert one == [(part, "zh") for part in T._parts(chunks)]


# ------------------------------------------------------------------------------------ normalise and merge


def _segment(text_words: list[tuple[float, float, str]], language: str) -> Segment:
    words = tuple(Word(s, e, t, 0.9) for s, e, t in text_words)
    return Segment(words[0].start, words[-1].end, "".join(w.text for w in words), "", words, -0.2, 0.01, 1.2,
                   language=language)


def _mixed() -> Transcript:
    english = _segment([(0.0, 0.4, " ask"), (0.4, 0.6, " not"), (0.6, 0.9, " what"), (0.9, 1.3, " your"),
                        (1.3, 1.8, " country")], "en")
    mandarin = _segment([(2.0, 2.4, "他"), (2.4, 2.8, "一定"), (2.8, 3.2, "在家")], "zh")
    return Transcript("zh", 0.99, "base", "abc", 5.0, 3.2, (english, mandarin), speech_regions=((0.0, 3.3),))


def test_a_stretch_heard_in_english_gets_no_chinese_marks_and_the_mandarin_one_does():
    shown = normalise(_mixed(), NormaliseConfig())
    english, mandarin = shown.segments
    assert english.text == "ask not what your country" and english.language == "en"
    assert mandarin.text.startswith("他一定在家") and mandarin.text.endswith("。") and mandarin.language == "zh"


def test_a_line_is_cut_where_the_language_changes_and_says_its_language():
    lines = merge(_mixed(), _diar([(0.0, 3.3, "SPEAKER_00")]), MergeConfig(max_pause=1.0, max_length=30.0))
    spoken = [u for u in lines.items if u.words]
    assert [(u.language, u.text) for u in spoken] == [("en", "ask not what your country."), ("zh", "他一定在家。")]
    assert {u.speaker for u in spoken} == {"SPEAKER_00"} and lines.language == "zh"


def test_a_transcript_made_before_languages_were_recorded_gives_its_lines_the_files_language():
    old = _mixed()
    old = dataclasses.replace(old, segments=tuple(dataclasses.replace(s, language="") for s in old.segments))
    lines = merge(old, _diar([(0.0, 3.3, "SPEAKER_00")]), MergeConfig(max_pause=1.0, max_length=30.0))
    assert [u.language for u in lines.items if u.words] == ["zh"]


# ------------------------------------------------------------------------------------------ what is shown


def _with_english(language: str = "zh"):
    lab = labelled(language)
    english = Utterance("u0003", "SPEAKER_01", 70.0, 72.0, "ask not what your country", (
        Word(70.0, 72.0, " ask not what your country", 0.9),), language="en")
    items = tuple(dataclasses.replace(u, language=language) for u in lab.items) + (english,)
    return dataclasses.replace(lab, items=items)


def test_the_json_says_the_language_each_line_was_heard_in_and_every_language_heard():
    document = exhibit_document(content("zh", _with_english()))
    assert [u["language"] for u in document["utterances"]] == ["zh", "zh", "en"]
    assert document["languages_heard"] == ["zh", "en"]
    assert exhibit_document(content("zh"))["languages_heard"] == ["zh"]


def _lines(path) -> list[str]:
    return [p.text for p in Document(str(path)).paragraphs]


def _cells(path) -> list[str]:
    return [c.text for t in Document(str(path)).tables for row in t.rows for c in row.cells]


def test_the_counsel_copy_marks_the_line_heard_in_english_and_the_court_copy_states_it_in_its_method(tmp_path):
    made = content("zh", _with_english())
    write_docx(tmp_path / "court.docx", made, COURT)
    write_docx(tmp_path / "counsel.docx", made, COUNSEL)
    counsel = _lines(tmp_path / "counsel.docx")
    marked = [p for p in counsel if "ask not what your country" in p]
    assert marked and all("[英语]" in p for p in marked)
    assert not [p for p in counsel if "[英语]" in p and "ask not" not in p]    # the Mandarin lines carry no mark
    assert "[英语]" in _cells(tmp_path / "counsel.docx")                     # the notation key explains it
    court = _lines(tmp_path / "court.docx")
    assert not [p for p in court if "[英语]" in p] and "[英语]" not in _cells(tmp_path / "court.docx")
    method = [p for p in court if "按英语识别" in p]
    assert len(method) == 1 and "第 3 行" in method[0] and "共 1 行" in method[0] and "未经人工核实" in method[0]


def test_an_english_exhibit_names_the_languages_in_english(tmp_path):
    lab = _with_english("zh")
    write_docx(tmp_path / "counsel.docx", content("en", lab), COUNSEL)
    text = _lines(tmp_path / "counsel.docx")
    assert [p for p in text if "ask not" in p and "[English]" in p]
    assert [p for p in text if "lines 3 (1 in all) were recognised as English" in p]


def test_a_one_language_recording_has_no_mark_and_no_sentence_on_languages(tmp_path):
    made = content("zh")
    write_docx(tmp_path / "counsel.docx", made, COUNSEL)
    text = _lines(tmp_path / "counsel.docx") + _cells(tmp_path / "counsel.docx")
    assert not [p for p in text if "[英语]" in p or "逐段判断" in p]
