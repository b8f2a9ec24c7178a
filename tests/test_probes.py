"""Issue 13, replayed: every probe a hostile user tried on an output folder, as an automated test (no models;
the probes that need a real run of the models, and the kill -9 / resume matrix, are in test_probes_real.py).
Each test is named after the numbered defect of the issue it replays (test_1_…, test_11_…); the probes that
already passed before the issue are under "already handled"."""

from __future__ import annotations

import csv
import dataclasses
import io
import json
import logging
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from builders import CALL, CALL_TURNS, CFG, _diar, content, facts, finished_run, first_two_stages, labelled
from conftest import ROOT, disk_full_when, docx_text, exhibit, one_line
from pipeline.artifactio import load, to_dict
from pipeline.artifacts import AudioAsset, Facts, Labelled, RunManifest, Utterances
from pipeline.audio import SAMPLE_RATE, read_wav, write_wav
from pipeline.chain import original_identity
from pipeline.config import CaseConfig, DiarizeConfig, Settings, load_settings
from pipeline.controls import visible
from pipeline.csvio import read_csv, write_csv
from pipeline.errors import BadAudioError, ConfigError, PipelineError, SpeakersCsvError, TamperedError
from pipeline.export.json import exhibit_document
from pipeline.export.manifest import read_manifest, write_manifest
from pipeline.export.stage import export
from pipeline.export.tables import write_key_facts_csv, write_transcript_csv
from pipeline.fileio import file_digests, sha256_file, sha256_json
from pipeline.package import build_package
from pipeline.rundir import RunDir
from pipeline.stages.fact_review import apply_review
from pipeline.stages.ingest import ingest
from pipeline.stages.label import label
from pipeline.stages.merge import merge

SAMPLE = ROOT / "samples" / "zh_five_speakers.wav"
HOSTILE = ['=HYPERLINK("http://x","y")', "=cmd|' /C calc'!A0", "+cmd", "-1+1", "@SUM(1)"]


def _labelled_once(tmp_path: Path) -> tuple[RunDir, Utterances]:
    """A run folder after the label stage's first run on the hand-built call (speakers.csv and the voices
    written), and the call's lines."""
    run = RunDir(tmp_path)
    run.work.mkdir()
    utterances = merge(CALL, CALL_TURNS, CFG)
    label(utterances, CALL_TURNS, run)
    return run, utterances


def raw_cells(path: Path) -> list[str]:
    """Every cell of a CSV file as a spreadsheet sees it (no guard taken off)."""
    return [c for row in csv.reader(io.StringIO(path.read_bytes().decode("utf-8-sig"))) for c in row]


# -------------------------------------------------------- 1. an edited stage artifact reached the package


def test_1_an_edited_stage_artifact_is_refused_by_package(tmp_path):
    """The probe wrote 我欠你五万元 into a cached artifact: `exhibit package` verified everything and packaged
    it. Now the chain is checked: the edited file, a record edited to match it, and both records edited to
    match it are each refused in one line, and nothing is packaged."""
    run_dir, _ = finished_run(tmp_path)
    run = RunDir(run_dir)
    path = run.artifact("label")
    original = path.read_text(encoding="utf-8")
    path.write_text(original.replace("我承认借了你五万块钱", "我欠你五万元，我承认"), encoding="utf-8")
    with pytest.raises(PipelineError, match=r"stages/label\.json was changed after the exhibit was made"):
        build_package(run_dir)
    # the record in records.json edited too: it no longer agrees with the manifest's chain
    records = json.loads(run.records.read_text(encoding="utf-8"))
    for r in records["stages"]:
        if r["stage"] == "label":
            r["artifact_sha256"] = sha256_file(path)
    run.records.write_text(json.dumps(records), encoding="utf-8")
    with pytest.raises(PipelineError, match="records.json is not the record in manifest.json"):
        build_package(run_dir)
    # and the manifest edited to match: the next link (review was made from the genuine label) breaks
    manifest = json.loads(run.manifest.read_text(encoding="utf-8"))
    manifest["stages"] = records["stages"]
    run.manifest.write_text(json.dumps(manifest, ensure_ascii=False), encoding="utf-8")
    with pytest.raises(PipelineError, match="the record of step review does not match the artifact of step "
                                            "label"):
        build_package(run_dir)
    assert not (run_dir / "package").exists() and not (run_dir / "package.zip").exists()


def test_1_a_changed_time_in_an_artifact_is_refused_too_and_the_command_says_one_line(tmp_path):
    run_dir, _ = finished_run(tmp_path)
    path = RunDir(run_dir).artifact("fact_review")
    data = json.loads(path.read_text(encoding="utf-8"))
    data["data"]["items"][0]["start"] = 1.0                  # the fact's time point moved
    path.write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")
    with pytest.raises(PipelineError, match=r"stages/fact_review\.json was changed after the exhibit was made"):
        build_package(run_dir)
    line = one_line(exhibit("package", str(run_dir), cwd=tmp_path))          # a Chinese exhibit: in Chinese
    assert "stages/fact_review.json 在整理稿制作完成后被改动过" in line


def test_1_strict_stops_at_an_edited_artifact_and_without_it_that_step_and_all_after_run_again(tmp_path, caplog):
    """On the real ingest and integrity stages: integrity.json edited to hide a point."""
    run, again = first_two_stages(tmp_path)
    again()
    path = run.artifact("integrity")
    path.write_text(path.read_text(encoding="utf-8").replace("software_tag", "nothing"), encoding="utf-8")
    with pytest.raises(TamperedError, match=r"stages/integrity\.json was changed after the run that made it .*"
                                            r"stopped \(--strict\)"):
        again(strict=True)
    with caplog.at_level(logging.WARNING, logger="pipeline.runner"):
        assert again() == {"ingest": False, "integrity": True}
    assert "software_tag" in path.read_text(encoding="utf-8")
    assert len(caplog.records) == 1 and "not trusted; integrity and every step after it run again" in caplog.text


# ------------------------------------------------------------------ 2. an edited working copy of the sound


def test_2_a_zeroed_working_copy_is_refused_by_package_not_cut_into_silent_clips(tmp_path):
    run_dir, _ = finished_run(tmp_path)
    run = RunDir(run_dir)
    audio = read_wav(run.wav)
    audio[3 * SAMPLE_RATE:10 * SAMPLE_RATE] = 0.0
    write_wav(run.wav, audio)
    with pytest.raises(PipelineError, match=r"stages/audio16k\.wav was changed after the exhibit was made"):
        build_package(run_dir)
    write_wav(run.wav, audio[:SAMPLE_RATE])                          # cut short
    line = one_line(exhibit("package", str(run_dir), cwd=tmp_path))          # a Chinese exhibit: in Chinese
    assert "stages/audio16k.wav 在整理稿制作完成后被改动过" in line
    assert not (run_dir / "package").exists()


def test_2_an_edited_working_copy_stops_a_strict_run_and_is_made_again_otherwise(tmp_path):
    run, again = first_two_stages(tmp_path)
    again()
    made = sha256_file(run.wav)
    audio = read_wav(run.wav)
    audio[3 * SAMPLE_RATE:] = 0.0
    write_wav(run.wav, audio)
    with pytest.raises(TamperedError, match=r"audio16k\.wav was changed after the run that made it"):
        again(strict=True)
    assert again() == {"ingest": True, "integrity": True} and sha256_file(run.wav) == made


# ---------------------------------------------------------------------------------- 3. CSV formula injection


def test_3_formula_like_names_notes_and_roles_are_neutralised_in_every_csv_and_read_back_unchanged(tmp_path):
    run = RunDir(tmp_path)
    run.work.mkdir()
    lab = labelled(name=HOSTILE[0], role=HOSTILE[3])
    found = Facts(tuple(dataclasses.replace(f, note=HOSTILE[2]) for f in facts().items), facts().rule_files)
    write_transcript_csv(run.transcript_csv, lab, "zh")
    write_key_facts_csv(run.key_facts_csv, lab, found, "zh")
    for path in (run.transcript_csv, run.key_facts_csv):
        cells = raw_cells(path)
        assert not [c for c in cells if c.startswith(("=", "+", "-", "@", "\t", "\r"))], path.name
        assert f"'{HOSTILE[0]}" in cells or f"'{HOSTILE[0]}（{HOSTILE[3]}）" in cells
    _, rows = read_csv(run.transcript_csv)
    assert (rows[0]["speaker"], rows[0]["role"]) == (HOSTILE[0], HOSTILE[3])
    _, rows = read_csv(run.key_facts_csv)
    assert {r["note"] for r in rows} == {HOSTILE[2]}
    assert [f.note for f in apply_review(found, run.key_facts_csv, run.key_facts_seen).items] == [HOSTILE[2]] * 2


def test_3_speakers_csv_rewritten_with_new_ids_keeps_hostile_names_neutralised_and_unchanged(tmp_path):
    csv_path = tmp_path / "speakers.csv"
    run, utterances = _labelled_once(tmp_path)
    write_csv(csv_path, ["speaker_id", "name", "role"], [["SPEAKER_00", HOSTILE[1], HOSTILE[4]],
                                                         ["SPEAKER_01", HOSTILE[3], HOSTILE[2]]])
    swapped = _diar([(0.0, 2.0, "SPEAKER_01"), (2.5, 4.5, "SPEAKER_00"), (5.8, 7.0, "SPEAKER_01")],
                    centroids={"SPEAKER_01": (1.0, 0.0, 0.0), "SPEAKER_00": (0.0, 1.0, 0.0)})
    relabelled: Labelled = label(merge(CALL, swapped, CFG), swapped, run)   # the voices found again: rewritten
    assert {s.id: (s.name, s.role) for s in relabelled.speakers} == {"SPEAKER_01": (HOSTILE[1], HOSTILE[4]),
                                                                     "SPEAKER_00": (HOSTILE[3], HOSTILE[2])}
    assert not [c for c in raw_cells(csv_path) if c.startswith(("=", "+", "-", "@"))]
    assert {r["name"] for r in read_csv(csv_path)[1]} == {HOSTILE[1], HOSTILE[3]}


# ------------------------------------------------------------------ 4. control characters in the user's text


@pytest.mark.parametrize("control", ["\x0b", "\x01", "\x1f", "\u202e"])    # U+202E: shown right to left
def test_4_a_control_character_in_speakers_csv_is_one_line_naming_row_and_column(tmp_path, control):
    run, utterances = _labelled_once(tmp_path)
    write_csv(run.speakers_csv, ["speaker_id", "name", "role"], [["SPEAKER_00", "张三", ""],
                                                                 ["SPEAKER_01", f"李{control}四", "被告"]])
    with pytest.raises(SpeakersCsvError) as info:
        label(utterances, CALL_TURNS, run)
    message = str(info.value)
    assert "\n" not in message
    assert "speakers.csv: row 3, column name holds an invisible control character" in message
    assert f"(U+{ord(control):04X}) after '李'" in message


def _key_facts_edited(tmp_path: Path, row: int, column: str, value: str) -> RunDir:
    """A run folder whose key_facts.csv, as the export writes it, has one cell changed as a person would."""
    run = RunDir(tmp_path)
    run.work.mkdir()
    write_key_facts_csv(run.key_facts_csv, labelled(), facts(), "zh")
    header, rows = read_csv(run.key_facts_csv)
    rows[row][column] = value
    write_csv(run.key_facts_csv, header, [[r[h] for h in header] for r in rows])
    return run


def test_4_a_control_character_in_a_key_facts_note_is_one_line_naming_row_and_column(tmp_path):
    run = _key_facts_edited(tmp_path, 1, "note", "核实\x01")
    with pytest.raises(PipelineError, match=r"key_facts.csv: row 3, column note holds an invisible control "
                                            r"character \(U\+0001\) after '核实'"):
        apply_review(facts(), run.key_facts_csv, run.key_facts_seen)


@pytest.mark.parametrize("option, value, setting", [
    ("--exhibit", "证据\x0b3", "exhibit_number"), ("--case-name", "张三\x01诉李四", "case_name"),
    ("--party", "原告\x1f", "submitting_party"), ("--hotwords", "张三\x0c李四", "hotwords"),
])
def test_4_a_control_character_in_an_option_is_one_line_and_no_output_folder(tmp_path, option, value, setting):
    source = tmp_path / "rec.wav"
    source.write_bytes(SAMPLE.read_bytes())
    line = one_line(exhibit("transcript", str(source), option, value, cwd=tmp_path))
    assert f"{setting} holds an invisible control character" in line
    assert not (tmp_path / "out").exists()


def test_4_a_control_character_in_the_case_file_is_refused(tmp_path):
    case = tmp_path / "case.toml"
    case.write_text('case_name = "张三诉李四\\u000b民间借贷纠纷"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match=r"case_name holds an invisible control character \(U\+000B\)"):
        load_settings(case_path=case)
    with pytest.raises(ConfigError, match="reviewed_by holds"):
        CaseConfig(reviewed_by="王五\x1f")


def test_4_control_characters_the_machine_found_are_written_out_in_the_word_exhibit(tmp_path):
    """A file name, a tag or a model's word with a control character: the exhibit shows it as [U+0001]
    instead of crashing python-docx; the JSON keeps the exact text."""
    base = content()
    asset = dataclasses.replace(base.asset, file_name="借款\x01录音.m4a", tags={"encoder": "Lavf\x0b58"})
    lab = base.labelled
    lab = dataclasses.replace(lab, items=(dataclasses.replace(lab.items[0], text=lab.items[0].text + "\x1f"),
                                          *lab.items[1:]))
    run = RunDir(tmp_path)
    run.work.mkdir()
    write_wav(run.wav, np.zeros(70 * SAMPLE_RATE, np.float32))
    made = export(dataclasses.replace(base, asset=asset, labelled=lab), run)
    docx = run.incoming / made.files["docx"]
    text = docx_text(docx)
    assert "借款[U+0001]录音.m4a" in text
    assert "Lavf[U+000B]58" in docx_text(run.incoming / made.files["counsel_docx"])   # tags: counsel's copy
    assert "[U+001F]" in text
    document = json.loads((run.incoming / made.files["json"]).read_text(encoding="utf-8"))
    assert document["file"]["file_name"] == "借款\x01录音.m4a"
    assert visible("a\x0bb\tc\n") == "a[U+000B]b\tc\n"


# ----------------------------------------------------------------------------------- 5. a truncated WAV


def test_5_a_wav_cut_short_is_refused_as_truncated(tmp_path):
    """head -c 100000 of the 24.7 s sample: its header declares 791,666 bytes of sound, 99,956 are there."""
    cut = tmp_path / "cut.wav"
    cut.write_bytes(SAMPLE.read_bytes()[:100_000])
    with pytest.raises(BadAudioError) as info:
        ingest(cut, file_digests(cut), RunDir(tmp_path / "run"))
    assert str(info.value) == (f"{cut}: the file is truncated: its header declares 00:00:24 of audio (791,666 "
                               "bytes) but it holds only 00:00:03 (99,956 bytes); was it copied completely?")
    line = one_line(exhibit("transcript", str(cut), cwd=tmp_path))
    assert "cut.wav: the file is truncated" in line and not (tmp_path / "out").exists()


def test_5_a_wav_whose_recorder_never_wrote_the_size_is_read_whole(tmp_path):
    """A recorder stopped before it wrote the data size leaves 0 or 0xFFFFFFFF: not a truncated copy."""
    data = bytearray(SAMPLE.read_bytes())
    at = data.index(b"data") + 4
    data[at:at + 4] = (0xFFFFFFFF).to_bytes(4, "little")
    path = tmp_path / "unfinished.wav"
    path.write_bytes(bytes(data))
    asset = ingest(path, file_digests(path), RunDir(tmp_path / "run"))
    assert asset.duration == pytest.approx(24.7, abs=0.1)


# ----------------------------------------------------------------------- 7. split channels: 听不清 per channel


def test_7_a_channels_speech_without_text_is_an_inaudible_line_of_its_party():
    """Channel 0 talks from 0 to 10 s but only its first second is recognised, while channel 1's words cover
    2–8 s: the mono mix had text all along there, so no 听不清 line was made for channel 0."""
    from pipeline.artifacts import Diarization, Segment, Transcript, Turn, Word

    def words(channel: int, start: float, end: float) -> Segment:
        ws = tuple(Word(round(t, 2), round(t + 0.4, 2), "好", 0.9) for t in np.arange(start, end, 0.5))
        return Segment(start, end, "好" * len(ws), "", ws, -0.2, 0.01, 1.1, channel=channel)

    transcript = Transcript("zh", 0.99, "base", "", 10.0, 10.0, (words(0, 0.0, 1.0), words(1, 2.0, 8.0)),
                            speech_regions=((0.0, 10.0),), channel_regions=(((0.0, 10.0),), ((2.0, 8.0),)))
    turns = (Turn(0.0, 10.0, "SPEAKER_00"), Turn(2.0, 8.0, "SPEAKER_01"))
    diarization = Diarization("stereo-channels", turns, turns, ("SPEAKER_00", "SPEAKER_01"), {}, {},
                              channel_speakers=("SPEAKER_00", "SPEAKER_01"))
    lines = merge(transcript, diarization, CFG).items
    inaudible = [(u.speaker, u.start, u.end) for u in lines if "inaudible" in u.flags]
    assert inaudible == [("SPEAKER_00", 1.4, 10.0)]


# ------------------------------------------------------------------------------------- 8. no lock on out/<name>


def test_8_a_second_run_on_a_folder_in_use_stops_with_one_line_naming_the_holder(tmp_path):
    run_dir, _ = finished_run(tmp_path)
    holder = subprocess.Popen([sys.executable, "-c", "import sys, time\nfrom pathlib import Path\n"
                               "from pipeline.rundir import RunDir\n"
                               f"with RunDir(Path({str(run_dir)!r})).lock('exhibit transcript'):\n"
                               "    print('held', flush=True); time.sleep(60)\n"],
                              stdout=subprocess.PIPE, text=True, env={**os.environ, "PYTHONPATH": str(ROOT)})
    try:
        assert holder.stdout.readline().strip() == "held"
        started = time.monotonic()
        source = tmp_path / "rec.wav"
        source.write_bytes(SAMPLE.read_bytes())
        said = {"transcript": f"is in use by another exhibit run (pid {holder.pid}, exhibit transcript since ",
                "package": f"正被另一个 exhibit 进程使用（进程号 {holder.pid}，自 "}    # the folder's exhibit: Chinese
        for args in (("transcript", str(source), "--out", str(run_dir)), ("package", str(run_dir))):
            line = one_line(exhibit(*args, cwd=tmp_path))
            assert said[args[0]] in line and "exhibit transcript" in line
        assert time.monotonic() - started < 60 and not (run_dir / "package").exists()
    finally:
        holder.kill()
        holder.wait()
    # the holder was killed (-9): its lock is taken over
    assert (run_dir / ".lock").exists()
    assert exhibit("package", str(run_dir), cwd=tmp_path).returncode == 0
    assert not (run_dir / ".lock").exists()


def test_9_the_temp_files_of_a_run_killed_in_the_folder_are_removed_when_it_is_next_taken(tmp_path):
    """kill -9 between writing a temp file and renaming it leaves `.<name>.<pid>.tmp`: the next run or package
    that takes the folder removes those of the killed holder, and keeps any other (another writer's)."""
    run_dir, _ = finished_run(tmp_path)
    holder = subprocess.Popen([sys.executable, "-c", "import os, time\nfrom pathlib import Path\n"
                               "from pipeline.rundir import RunDir\n"
                               f"root = Path({str(run_dir)!r})\n"
                               "with RunDir(root).lock('exhibit transcript'):\n"
                               "    for name in ('stages/.records.json', '.transcript.csv'):\n"
                               "        (root / f'{name}.{os.getpid()}.tmp').write_text('half')\n"
                               "    print('held', flush=True); time.sleep(60)\n"],
                              stdout=subprocess.PIPE, text=True, env={**os.environ, "PYTHONPATH": str(ROOT)})
    live = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        assert holder.stdout.readline().strip() == "held"
        holder.kill()
        holder.wait()
        left = [run_dir / "stages" / f".records.json.{holder.pid}.tmp", run_dir / f".transcript.csv.{holder.pid}.tmp"]
        kept = [run_dir / f".transcript.csv.{live.pid}.tmp", run_dir / "stages" / ".notes.tmp"]
        for path in kept:
            path.write_text("another writer's", encoding="utf-8")
        assert all(p.exists() for p in left)
        with RunDir(run_dir).lock("exhibit package"):
            assert [p.exists() for p in left + kept] == [False, False, True, True]
    finally:
        live.kill()
        live.wait()


# -------------------------------------------------------------------------- 10. a secret in the settings


def test_10_the_hub_token_reaches_no_output(tmp_path):
    """The token set for the hub diarizer: in no file written (the manifest, every export, the Word
    exhibit's text), wherever the export puts them."""
    secret = "hf_SECRETtoken123"
    settings = Settings(diarize=DiarizeConfig(token=secret))
    assert secret not in json.dumps(settings.public())
    manifest = RunManifest(software={}, original="x", original_sha256_before="a", original_sha256_after="a",
                           settings=settings.public(), models={}, stages=(), outputs={}, created="2025-01-01")
    write_manifest(tmp_path / "manifest.json", manifest)
    run = RunDir(tmp_path / "out")
    run.work.mkdir(parents=True)
    write_wav(run.wav, np.zeros(70 * SAMPLE_RATE, np.float32))
    export(dataclasses.replace(content(), settings=settings), run)
    written = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert len(written) > 8 and not [p for p in written if secret.encode() in p.read_bytes()]
    for docx in [p for p in written if p.suffix == ".docx"]:
        assert secret not in docx_text(docx)
    assert secret not in json.dumps(exhibit_document(dataclasses.replace(content(), settings=settings)))


# ----------------------------------------------------------------------------------------- 11. smaller ones


def test_11_a_key_facts_row_with_an_unknown_id_is_reported(tmp_path, caplog):
    run = _key_facts_edited(tmp_path, 0, "fact_id", "u9999-amount-0")
    with caplog.at_level(logging.WARNING, logger="pipeline.stages.fact_review"):
        apply_review(facts(), run.key_facts_csv, run.key_facts_seen)
    assert [r.getMessage() for r in caplog.records] == [
        f"{run.key_facts_csv}: fact_id u9999-amount-0 is not among the key facts found in this recording: that "
        "row is ignored (keep the fact_id column as it was written; to add a fact, add a rule)"]


@pytest.mark.parametrize("bom", [True, False])
def test_11_speakers_csv_saved_by_excel_as_unicode_text_is_read(tmp_path, bom):
    run, utterances = _labelled_once(tmp_path)
    text = "speaker_id\tname\trole\r\nSPEAKER_00\t张三\t原告\r\nSPEAKER_01\t=李四\t被告\r\n"
    run.speakers_csv.write_bytes((b"\xff\xfe" if bom else b"") + text.encode("utf-16-le"))
    named = label(utterances, CALL_TURNS, run)
    assert [(s.name, s.role) for s in named.speakers] == [("张三", "原告"), ("=李四", "被告")]


def test_11_the_package_folders_are_readable_by_others(tmp_path):
    run_dir, _ = finished_run(tmp_path)
    build_package(run_dir)
    for folder in (run_dir / "package", run_dir / "package" / "clips"):
        assert folder.stat().st_mode & 0o777 == 0o755, folder


def test_11_a_full_disk_while_writing_the_exhibit_leaves_the_previous_outputs_and_no_temp_file(tmp_path,
                                                                                               monkeypatch):
    """Disk full in the middle of writing the exhibit (the real thing, on a tiny tmpfs, is in
    test_probes_real.py): the outputs of the previous run are untouched (before: new CSV, JSON and SRT beside
    the old .docx) and no .tmp file is left."""
    run = RunDir(tmp_path)
    run.work.mkdir()
    write_wav(run.wav, np.zeros(70 * SAMPLE_RATE, np.float32))
    previous = {name: f"the previous run's {name}".encode() for name in
                ("transcript.csv", "key_facts.csv", "借款录音.srt", "借款录音.json", "借款录音.docx")}
    for name, data in previous.items():
        (tmp_path / name).write_bytes(data)
    disk_full_when(monkeypatch, lambda path: path.name.endswith(".tmp") and ".docx" in path.name)
    with pytest.raises(OSError):
        export(content(), run)
    assert {name: (tmp_path / name).read_bytes() for name in previous} == previous
    assert not [p for p in tmp_path.rglob("*") if p.name.endswith(".tmp")]


def test_the_records_of_a_finished_folder_are_linked_up_to_the_original(tmp_path):
    """What package checks, on the hand-built folder: every record's inputs name the artifact they were made
    from; ingest names the original."""
    run_dir, original = finished_run(tmp_path)
    manifest = read_manifest(run_dir / "manifest.json")
    chain = {r.stage: r for r in manifest.stages}
    assert chain["export"].inputs["review"] == chain["review"].artifact_sha256
    assert chain["review"].inputs["label"] == chain["label"].artifact_sha256
    assert load(Labelled, run_dir / "stages" / "label.json") is not None
    assert to_dict(manifest.stages) == json.loads((run_dir / "stages" / "records.json").read_text())["stages"]
    asset = load(AudioAsset, run_dir / "stages" / "ingest.json")
    assert chain["ingest"].inputs == {"environment": sha256_json(original_identity(sha256_file(original),
                                                                                   str(original), asset.modified))}
