"""The whole path on the README's sample, with the real models: exhibit, CSV edit, re-run, integrity. The
models run once (the module's first run); every test then works on its own copy of that run folder."""

from __future__ import annotations

import hashlib
import json
import re
import shutil
from pathlib import Path

import pytest
from docx import Document

from conftest import ROOT, docx_text
from pipeline.artifactio import load
from pipeline.artifacts import Flag, Transcript
from pipeline.config import MODELS_DIR, load_settings
from pipeline.csvio import read_csv, write_csv
from pipeline.errors import PipelineError
from pipeline.export.wording import load_wording, speaker_label
from pipeline.runner import STAGES, run

pytestmark = pytest.mark.integration
SAMPLE = ROOT / "samples" / "zh_five_speakers.wav"


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def ran(result) -> dict[str, bool]:
    return {rec.stage: rec.ran for rec in result.manifest.stages}


def court_lines(out: Path) -> list[str]:
    """Each line of transcript.csv as the court copy writes it: number, time, speaker, the text shown."""
    _, rows = read_csv(out / "transcript.csv")
    label = lambda r: f"{r['speaker']}（{r['role']}）" if r["role"] else r["speaker"]  # noqa: E731
    return [f"\t{r['index']}\t[{r['start_hms']}]\t{label(r)}：{r['text']}" for r in rows]


def only(*stages: str) -> dict[str, bool]:
    """Every stage of the table, True for the ones named."""
    return {s.name: s.name in stages for s in STAGES}


@pytest.fixture(scope="module")
def made(tmp_path_factory):
    """The first run, then a second with nothing changed: it runs no model and rewrites no output; only the
    three stages that read the files the first run wrote for the user (speakers.csv, transcript.csv,
    key_facts.csv) look at them again, in milliseconds. Also what the first run reported as it went."""
    out = tmp_path_factory.mktemp("run") / SAMPLE.stem
    before = sha256(SAMPLE)
    reports: list[tuple[str, float, float]] = []
    result = run(SAMPLE, out, load_settings(), lambda stage, done, total: reports.append((stage, done, total)))
    written = {p.name: sha256(p) for p in out.iterdir() if p.is_file() and p.name != "manifest.json"}
    again = run(SAMPLE, out, load_settings())
    assert ran(again) == only("label", "review", "fact_review")
    assert {p.name: sha256(p) for p in out.iterdir() if p.is_file() and p.name != "manifest.json"} == written
    return before, out, result, reports


@pytest.fixture
def first(made, tmp_path):
    """The first run's folder, copied for this test alone."""
    before, out, result, _ = made
    copy = tmp_path / out.name
    shutil.copytree(out, copy)
    return before, copy, result


def test_every_long_stage_reports_its_progress_from_inside_and_every_stage_ends_done(made):
    """Progress you can trust: each stage's reports go from 0 to done without going back, and the stages that
    take time report steps in between (the decoded seconds, the integrity screen's seconds read, the
    segmentation windows and embedding batches, the transcriber's position, the files the export wrote)."""
    *_, reports = made
    by_stage: dict[str, list[float]] = {}
    for stage, done, total in reports:
        assert 0 <= done <= total, (stage, done, total)
        by_stage.setdefault(stage, []).append(done / total)
    assert list(by_stage) == [s.name for s in STAGES]
    for stage, fractions in by_stage.items():
        assert fractions[0] == 0.0 and fractions[-1] == 1.0, stage
        assert fractions == sorted(fractions), stage
    for stage in ("ingest", "integrity", "diarize", "transcribe", "export"):
        between = {round(f, 3) for f in by_stage[stage] if 0 < f < 1}
        assert len(between) >= 2, (stage, by_stage[stage])


def test_first_run_writes_the_exhibit_and_its_companions(first):
    before, out, result = first
    assert ran(result) == only(*(s.name for s in STAGES))
    names = {p.name for p in out.iterdir()}
    assert {"zh_five_speakers.docx", "zh_five_speakers_counsel.docx", "transcript.csv", "key_facts.csv",
            "zh_five_speakers.srt",
            "zh_five_speakers.json", "zh_five_speakers.rttm", "manifest.json", "speakers.csv", "speakers"} <= names
    rttm_speakers = {line.split()[7] for line in (out / "zh_five_speakers.rttm").read_text().splitlines()}
    clips = {p.stem for p in (out / "speakers").glob("*.wav")}
    assert rttm_speakers == clips == {s.id for s in result.labelled.speakers}
    text = docx_text(out / "zh_five_speakers.docx")
    assert before in text and hashlib.md5(SAMPLE.read_bytes()).hexdigest() in text
    # the machine's lines, each at its time under its speaker's number (what Whisper heard differs a little from
    # one CPU to another: test_transcribe checks the words; here they only need to be the run's own)
    assert len(court_lines(out)) >= 5 and all(line in text for line in court_lines(out)), text
    assert "欢迎大家来体验" in text                     # the clearest clip, heard alike on every set-up tried
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    for name, digest in manifest["outputs"].items():
        assert sha256(out / name) == digest
    for record in manifest["stages"]:                    # every stage: its key, what it covers, its artifact
        assert len(record["cache_key"]) == 64 and sha256(out / record["artifact"]) == record["artifact_sha256"]
    covers = {r["stage"]: set(r["inputs"]) for r in manifest["stages"]}
    assert covers["normalise"] == {"rehear", "settings:normalise", "file:configs/hallucinations.toml"}
    assert {"transcribe", "environment"} <= covers["rehear"] and "environment" not in covers["transcribe"]
    assert {"file:speakers.csv", "merge", "diarize"} <= covers["label"]
    assert set(manifest["outputs"]) >= {"zh_five_speakers.docx", "speakers.csv", "integrity.json"}
    assert manifest["original_sha256_before"] == manifest["original_sha256_after"] == before == sha256(SAMPLE)
    ids = {u.id for u in result.labelled.items}
    assert set(manifest["flagged"]) == {"hallucination", "inaudible"}
    assert all(set(v) <= ids for v in manifest["flagged"].values())


def test_first_run_screens_the_original_and_packages_the_evidence(first, tmp_path):
    """The sample is made of clips joined with digital silence: the screen points at the joins inside speech;
    the package of the finished folder passes sha256sum -c."""
    import subprocess

    from pipeline.package import build_package

    _, out, result = first
    screen = json.loads((out / "integrity.json").read_text(encoding="utf-8"))
    assert "integrity.json" in result.manifest.outputs and "SF/T 0120" in screen["standard"]
    starts = [p["start"] for p in screen["points"] if p["check"] == "digital_silence"]
    assert len(starts) == 2 and abs(starts[0] - 10.43) < 0.01 and abs(starts[1] - 20.06) < 0.01
    with pytest.raises(PipelineError, match="the court copy is still a draft"):      # nobody reviewed it yet
        build_package(out)
    package = build_package(out, draft=True)
    assert package.draft and json.loads((package.folder / "manifest.json").read_text(encoding="utf-8"))["draft"]
    assert (package.folder / SAMPLE.name).read_bytes() == SAMPLE.read_bytes()
    assert subprocess.run(["sha256sum", "-c", "--quiet", "SHA256SUMS"], cwd=package.folder).returncode == 0


def test_each_voice_is_its_own_speaker_in_speakers_csv(first):
    _, out, result = first
    header, rows = read_csv(out / "speakers.csv")
    assert header[:3] == ["speaker_id", "name", "role"]
    assert len(rows) == 5, rows
    said = {u.speaker: set() for u in result.labelled.items}
    for u in result.labelled.items:
        said[u.speaker].add(u.text)
    assert all(r["sample_1"] in said[r["speaker_id"]] for r in rows)     # each voice's own words as its sample


def test_rerun_after_naming_speakers_hears_their_names_again_and_rerenders(first):
    before, out, _ = first
    header, rows = read_csv(out / "speakers.csv")
    named = {rows[0]["speaker_id"]: ("张三", "被告"), rows[1]["speaker_id"]: ("李四", "原告")}
    write_csv(out / "speakers.csv", header,
              [[r["speaker_id"], *named.get(r["speaker_id"], ("", "")), *list(r.values())[3:]] for r in rows])
    result = run(SAMPLE, out, load_settings())
    # the names are the case's terms now (names_as_hotwords): listened for again where words sound like them,
    # never transcribed again; they are in no line, so the facts come out the same: their review is not looked
    # at again
    assert ran(result) == only("rehear", "normalise", "merge", "label", "review", "facts", "export")
    assert load(Transcript, out / "stages" / "rehear.json").hotwords == "张三,李四"
    text = docx_text(out / "zh_five_speakers.docx")
    lines = court_lines(out)
    for speaker_id, (name, role) in named.items():
        first_line = next(line for line in lines if f"{name}（{role}）：" in line)
        assert first_line in text and first_line.startswith("\t") and "说话人" not in first_line
    assert lines[0].startswith("\t1\t[00:00:00]\t张三（被告）：") and lines[0] in text
    assert "张三" in {s.name for s in result.labelled.speakers}
    assert sha256(SAMPLE) == before


def test_the_case_only_rerenders_and_marks_every_page(first):
    before, out, _ = first
    case = {"exhibit_number": "证据7", "reviewed_by": "王五"}
    result = run(SAMPLE, out, load_settings(overrides={"case": case}))
    assert ran(result) == only("export")
    case["case_name"] = "张三诉李四民间借贷纠纷"      # its parties are the case's terms (issue 22): listened for
    result = run(SAMPLE, out, load_settings(overrides={"case": case}))     # again, never transcribed again
    assert ran(result)["rehear"] and not ran(result)["transcribe"] and not ran(result)["diarize"]
    assert load(Transcript, out / "stages" / "rehear.json").hotwords == "张三,李四"
    doc = Document(str(out / "zh_five_speakers.docx"))
    header = "".join(p.text for p in doc.sections[0].header.paragraphs)     # the draft mark, then the exhibit
    assert "证据7" in header and before[:16] in header and "草稿·未经人工核对" in header
    text = docx_text(out / "zh_five_speakers.docx")
    assert "张三诉李四民间借贷纠纷" in text and "王五" in text
    coverage = json.loads((out / "zh_five_speakers.json").read_text(encoding="utf-8"))["coverage"]
    assert 20 < coverage["speech_heard"] < 25       # five short clips of speech in 24.7 s
    assert coverage["covered_by_text"] + coverage["unintelligible"] + coverage["short_gaps"] == \
        pytest.approx(coverage["speech_heard"], abs=0.01)
    assert coverage["words"] == sum(len(u.words) for u in result.labelled.items)


def test_users_rule_file_inline_highlight_and_key_facts_review(first, tmp_path):
    _, out, _ = first
    rules = tmp_path / "my_rules.toml"
    rules.write_text('language = "zh"\n[[rules]]\nid = "my-property"\ncategory = "admission"\n'
                     "patterns = ['我在[^，。！？]{1,8}有房']\nexplanation = \"称自己名下有房产\"\n", encoding="utf-8")
    settings = load_settings(overrides={"export": {"highlight": "inline"}}, rules=[rules])
    result = run(SAMPLE, out, settings)
    assert ran(result) == only("facts", "fact_review", "export")   # the extra file's hash is in the facts key
    header, rows = read_csv(out / "key_facts.csv")
    mine = [r for r in rows if r["rule_id"] == "my-property"]
    assert [(r["category"], r["note"]) for r in mine] == [("admission", "")] and "有房" in mine[0]["matched"]
    assert {r["category"] for r in rows} == {"admission", "place"}      # the city and district: shipped place rules
    doc = Document(str(out / "zh_five_speakers.docx"))
    shaded = "".join(r.text for p in doc.paragraphs for r in p.runs if r.style.name == "Key Fact")
    assert all(r["matched"] in shaded for r in rows), (rows, shaded)
    write_csv(out / "key_facts.csv", header, [])            # the user deletes the row
    run(SAMPLE, out, settings)
    assert read_csv(out / "key_facts.csv")[1] == []
    text = docx_text(out / "zh_five_speakers.docx")
    assert "my-property" not in text and "未按规则标出关键内容。" in text


def test_two_documents_on_the_sample_with_two_names_a_place_and_an_identity_basis(first):
    """Issue 12, done when: the court copy holds none of counsel's material and the working copy all of it, the
    package only the court copy, naming one speaker leaves the others' numbers, and the declaration asserts
    nothing the case file did not state."""
    from pipeline.package import build_package

    before, out, first_result = first
    numbers = {s.id: s.number for s in first_result.labelled.speakers}
    header, rows = read_csv(out / "speakers.csv")
    named = {rows[0]["speaker_id"]: ("张三", "被告", "来电号码 138xxxx；自我介绍 00:00:00"),
             rows[1]["speaker_id"]: ("李四", "原告", "")}
    write_csv(out / "speakers.csv", ["speaker_id", "name", "role", "identified_by"],
              [[r["speaker_id"], *named.get(r["speaker_id"], ("", "", ""))] for r in rows])
    case = {"exhibit_number": "证据3", "submitting_party": "原告 李四", "recorded_place": "北京市朝阳区某小区"}
    result = run(SAMPLE, out, load_settings(overrides={"case": case}))
    assert {s.id: s.number for s in result.labelled.speakers} == numbers          # nobody renumbered
    unnamed = [s for s in result.labelled.speakers if not s.name]
    assert [speaker_label(s, load_wording("zh")) for s in unnamed] == [f"说话人{s.number}" for s in unnamed]
    assert {s.number for s in unnamed} == {3, 4, 5}
    court, counsel = docx_text(out / "zh_five_speakers.docx"), docx_text(out / "zh_five_speakers_counsel.docx")
    for item in ("证据要素核对", "未发现", "提示律师", "请核查此处是否有剪切或插入", "zh-place", "speakers.csv",
                 "律师工作底稿", "提交前待办"):
        assert item not in court and item in counsel, item
    for claim in ("未作任何改动", "已对照", "已由"):                       # no carrier, no review was stated
        assert claim not in court
    assert "来电号码 138xxxx；自我介绍 00:00:00" in court and "北京市朝阳区某小区" in court
    assert "原始载体（录音设备）：________________" in court and "录音时间：________________" in court
    assert "软件生成的文字尚无人工核对记录。" in court
    # the index cites line 1, its speaker as named and the place the rules found in it (whatever its words)
    assert re.search(r"00:00:00\n1\n张三（被告）\n[^\n]+\n地点", court), court
    package = build_package(out, draft=True)          # nobody reviewed it: a draft, asked for
    assert (package.folder / "zh_five_speakers.docx").is_file()
    assert not list(package.folder.glob("*counsel*")) and not (package.folder / "key_facts.csv").exists()
    assert sha256(SAMPLE) == before


def test_rerun_with_another_speaker_count_keeps_names_with_their_voices(first):
    _, out, result = first
    header, rows = read_csv(out / "speakers.csv")
    name_of = {r["speaker_id"]: name for r, name in zip(rows, "甲乙丙丁戊")}
    write_csv(out / "speakers.csv", ["speaker_id", "name", "role"], [[sid, n, ""] for sid, n in name_of.items()])
    named_at = {round(u.start): name_of[u.speaker] for u in result.labelled.items}    # each line's voice, named
    settings = load_settings(overrides={"diarize": {"num_speakers": 4}})
    result = run(SAMPLE, out, settings)
    assert len({s.id for s in result.labelled.speakers}) == 4
    zh = load_wording("zh")
    labels = {round(u.start): next(speaker_label(s, zh) for s in result.labelled.speakers if s.id == u.speaker)
              for u in result.labelled.items}
    kept = [at for at, label in labels.items() if named_at.get(at) == label]
    assert set(labels.values()) <= set(name_of.values())  # every voice still carries a name the user gave
    assert len(kept) >= len(labels) - 2, (labels, named_at)  # 4 voices: only the merged voice's lines move
    assert (out / "speakers.previous.csv").is_file()


def test_a_stereo_call_gives_each_party_their_own_words(tmp_path):
    from conftest import eval_file

    result = run(eval_file("stereo/stereo_diarization.wav"), tmp_path / "call", load_settings())
    said = {}
    for u in result.labelled.items:
        said.setdefault(u.speaker, []).append(u.text.lower())
    assert sorted(said) == ["SPEAKER_00", "SPEAKER_01"]
    left, right = " ".join(said["SPEAKER_00"]), " ".join(said["SPEAKER_01"])
    assert "confused complaint against the wizard" in left and "horizon" not in left
    assert "horizon seems extremely distant" in right and "wizard" not in right
    assert "overlap" in result.labelled.items[0].flags  # both parties talk at once in the first seconds
    assert ran(result)["diarize"] and ran(result)["transcribe"]
    heard = load(Transcript, tmp_path / "call" / "stages" / "transcribe.json").channel_regions
    assert len(heard) == 2 and all(heard)               # what the VAD heard on each channel (听不清 per channel)


def test_without_names_as_hotwords_naming_the_speakers_hears_nothing_again(first):
    _, out, _ = first
    header, rows = read_csv(out / "speakers.csv")
    write_csv(out / "speakers.csv", ["speaker_id", "name"], [[rows[0]["speaker_id"], "张三"],
                                                             [rows[1]["speaker_id"], "李四"]])
    result = run(SAMPLE, out, load_settings(overrides={"transcribe": {"names_as_hotwords": False}}))
    assert not ran(result)["transcribe"] and not ran(result)["diarize"] and ran(result)["label"]
    assert load(Transcript, out / "stages" / "rehear.json").hotwords == ""
    result = run(SAMPLE, out, load_settings())
    assert ran(result)["rehear"] and not ran(result)["transcribe"]
    assert load(Transcript, out / "stages" / "rehear.json").hotwords == "张三,李四"


def test_a_normalise_setting_reruns_normalise_and_what_follows_never_the_models(first):
    _, out, _ = first
    result = run(SAMPLE, out, load_settings(overrides={"normalise": {"punctuation": False}}))
    models = ("ingest", "integrity", "diarize", "transcribe")
    assert not any(ran(result)[s] for s in models) and ran(result)["normalise"] and ran(result)["export"]
    assert ran(result)["merge"] and ran(result)["label"]                 # the lines' text changed
    texts = [u.text for u in result.labelled.items if u.text]
    assert texts and not any(t.endswith("。") for t in texts)           # the rule-based marks are gone
    plain = court_lines(out)
    assert all(line in docx_text(out / "zh_five_speakers.docx") for line in plain)
    result = run(SAMPLE, out, load_settings())                           # and back, again without the models
    assert not any(ran(result)[s] for s in models) and ran(result)["normalise"] and ran(result)["export"]
    marked = court_lines(out)
    assert all(line in docx_text(out / "zh_five_speakers.docx") for line in marked)
    assert sum(line.endswith("。") for line in marked) >= 4 and len(marked) == len(plain)


def test_corrections_in_excel_reach_the_exhibit_without_the_models_and_survive_another_model(first):
    _, out, _ = first
    header, rows = read_csv(out / "transcript.csv")
    heard, agreed = rows[-2], rows[1]                # whatever the machine heard there (base: 我在冰海星区有房)
    machine = heard["text"]
    heard["text"] = "我在滨海新区有房。"
    agreed["status"] = "reviewed"
    write_csv(out / "transcript.csv", header, [[r[h] for h in header] for r in rows])
    edited = sha256(out / "transcript.csv")
    result = run(SAMPLE, out, load_settings(overrides={"case": {"reviewed_by": "王五"}}))
    models = ("ingest", "integrity", "diarize", "transcribe", "normalise", "merge", "label")
    assert not any(ran(result)[s] for s in models) and ran(result)["review"] and ran(result)["export"]
    court, counsel = docx_text(out / "zh_five_speakers.docx"), docx_text(out / "zh_five_speakers_counsel.docx")
    assert re.search(r"\[已校正\] 说话人\d：我在滨海新区有房。", court) and machine not in court
    assert machine in counsel and "已有 2 句标为已核对" in court and "核对人：王五" in court   # the machine's, for counsel
    line = next(u for u in json.loads((out / "zh_five_speakers.json").read_text(encoding="utf-8"))["utterances"]
                if "滨海新区" in u["text"])
    assert line["machine_text"] == machine and line["status"] == "corrected"
    record = json.loads((out / "manifest.json").read_text(encoding="utf-8"))["review"]
    assert record["sha256"] == edited and record["reviewer"] == "王五"
    assert record["lines"] == {"machine": len(rows) - 2, "reviewed": 1, "corrected": 1}
    # another model setting (the same weights, named by their folder): transcription runs again, the corrections
    # stay (what happens when the machine's text under them changes is issue 19's)
    other = {"model": str(MODELS_DIR / "whisper-base")}
    result = run(SAMPLE, out, load_settings(overrides={"transcribe": other}))
    assert ran(result)["transcribe"] and not ran(result)["diarize"]
    kept = {u.text: u.status for u in result.labelled.items if u.status != "machine"}
    assert kept.get("我在滨海新区有房。") == "corrected", kept
    assert kept.get(agreed["text"]) == "reviewed", kept
    assert "我在滨海新区有房。" in docx_text(out / "zh_five_speakers.docx")


def test_a_broken_review_file_is_one_line_exit_2_and_the_last_exhibit_stays(first):
    import os
    import subprocess
    import sys

    _, out, _ = first
    before = {p.name: sha256(p) for p in out.iterdir() if p.is_file()}
    header, rows = read_csv(out / "transcript.csv")
    rows[2]["status"] = "checked"                 # not a status
    write_csv(out / "transcript.csv", header, [[r[h] for h in header] for r in rows])
    edited = sha256(out / "transcript.csv")
    proc = subprocess.run([sys.executable, "-m", "pipeline", "transcript", str(SAMPLE), "--out", str(out)],
                          capture_output=True, text=True, env={**os.environ, "COLUMNS": "200"}, timeout=300)
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert proc.returncode == 2 and len(lines) == 1, proc.stderr
    assert lines[0].startswith("error:") and "transcript.csv: row 4: status 'checked' is not one of" in lines[0]
    after = {p.name: sha256(p) for p in out.iterdir() if p.is_file()}
    assert after == {**before, "transcript.csv": edited}            # nothing else was written


def test_a_review_saved_while_a_run_makes_the_exhibit_is_kept_and_applied_by_the_next(first, monkeypatch, caplog):
    """Issue 19, defect 3: an edit saved in Excel while a run works on the folder was overwritten when the run
    moved its outputs into place. The run now keeps the person's file as they left it, says so, and the next
    run applies it."""
    import logging

    import pipeline.runner as runner

    _, out, _ = first
    real = runner.run_stages

    def excel_saves_meanwhile(*args, **kwargs):
        done = real(*args, **kwargs)              # every stage has run, review included: then Excel saves
        header, rows = read_csv(out / "transcript.csv")
        rows[0]["status"] = "reviewed"
        write_csv(out / "transcript.csv", header, [[r[h] for h in header] for r in rows])
        return done

    monkeypatch.setattr(runner, "run_stages", excel_saves_meanwhile)
    case = {"exhibit_number": "证据9"}                          # so that the export runs again
    with caplog.at_level(logging.WARNING):
        result = run(SAMPLE, out, load_settings(overrides={"case": case}))
    assert read_csv(out / "transcript.csv")[1][0]["status"] == "reviewed"          # the person's file, kept
    assert result.manifest.outputs["transcript.csv"] == sha256(out / "transcript.csv")
    assert "was changed while this run made the exhibit: it is kept as you left it" in caplog.text
    monkeypatch.setattr(runner, "run_stages", real)
    again = run(SAMPLE, out, load_settings(overrides={"case": case}))
    assert ran(again)["review"] and again.labelled.items[0].status.value == "reviewed"
    assert read_csv(out / "transcript.csv")[1][0]["status"] == "reviewed"


def test_another_recording_into_a_folder_without_its_working_files_is_refused(first):
    """Issue 19, defect 4, replayed: recording A's folder with names given, stages/ deleted, then recording B
    with the same folder: refused in one line naming the person's files, and A's work is as it was."""
    from conftest import eval_file

    _, out, _ = first
    header, rows = read_csv(out / "speakers.csv")
    write_csv(out / "speakers.csv", ["speaker_id", "name", "role"], [[rows[0]["speaker_id"], "张三", "被告"]])
    shutil.rmtree(out / "stages")
    before = {p.name: sha256(p) for p in out.iterdir() if p.is_file()}
    with pytest.raises(PipelineError) as refused:
        run(eval_file("zh/funasr_api_asr_example.wav"), out, load_settings())
    assert "already holds the exhibit of another recording (zh_five_speakers.wav" in str(refused.value)
    assert "its speakers.csv, transcript.csv, key_facts.csv were written for that recording" in str(refused.value)
    assert {p.name: sha256(p) for p in out.iterdir() if p.is_file() and p.name != ".lock"} == before


def test_two_people_with_one_name_stay_two_parties_in_the_court_copy(first):
    """Issue 19, defect 5, replayed: 李四 the plaintiff and 李四 the defendant."""
    _, out, _ = first
    header, rows = read_csv(out / "speakers.csv")
    write_csv(out / "speakers.csv", ["speaker_id", "name", "role"],
              [[rows[0]["speaker_id"], "李四", "原告"], [rows[1]["speaker_id"], "李四", "被告"]])
    result = run(SAMPLE, out, load_settings())
    assert sorted(s.role for s in result.labelled.speakers if s.name == "李四") == ["原告", "被告"]
    court = docx_text(out / "zh_five_speakers.docx")
    assert "李四（原告）：" in court and "李四（被告）：" in court


def test_a_changed_vocabulary_hears_again_and_the_persons_corrections_are_kept(first):
    _, out, _ = first
    header, rows = read_csv(out / "transcript.csv")
    heard = next(r for r in rows if "有房" in r["text"])   # whatever the machine heard (base: 我在冰海星区有房)
    agreed = rows[1]
    heard["text"] = "我在滨海新区有房。"
    agreed["status"] = "reviewed"
    write_csv(out / "transcript.csv", header, [[r[h] for h in header] for r in rows])
    assert ran(run(SAMPLE, out, load_settings()))["review"]
    (out / "vocabulary.txt").write_text("# 本案的地名、货物\n滨海新区\n", encoding="utf-8")
    result = run(SAMPLE, out, load_settings(overrides={"case": {"case_name": "王五诉赵六民间借贷纠纷"}}))
    assert ran(result)["rehear"] and not ran(result)["transcribe"] and not ran(result)["diarize"]
    reheard = load(Transcript, out / "stages" / "rehear.json")
    assert reheard.hotwords == "王五,赵六,滨海新区"
    recorded = json.loads((out / "manifest.json").read_text(encoding="utf-8"))["hotwords"]
    assert recorded == {"case.toml case_name": ["王五", "赵六"], "vocabulary.txt": ["滨海新区"]}
    # only the words heard again changed: the line the person agreed with elsewhere keeps its review; the
    # corrected line keeps the person's text, applied, or held to review again if the machine's words under it
    # changed (the review record's rule, review.py)
    changed = {(r.start, r.end) for r in reheard.reheard}
    applied = {u.text: u.status for u in result.labelled.items if u.status != "machine"}
    held = {c.text: (c.status, c.reason) for c in result.labelled.conflicts}
    assert (applied.get("我在滨海新区有房。") == "corrected"
            or held.get("我在滨海新区有房。") == ("corrected", "changed")), (applied, held)
    assert applied.get(agreed["text"]) == "reviewed", (applied, held)
    marked = [u for u in result.labelled.items if Flag.VOCABULARY in u.flags]
    assert all(any(u.start <= a and b <= u.end for a, b in changed) for u in marked) and len(marked) <= len(changed)
    assert json.loads((out / "manifest.json").read_text(encoding="utf-8"))["review"]["conflicts"] == len(held)
    assert "vocabulary.txt" not in json.loads((out / "manifest.json").read_text(encoding="utf-8"))["outputs"]
    again = run(SAMPLE, out, load_settings(overrides={"case": {"case_name": "王五诉赵六民间借贷纠纷"}}))
    assert not ran(again)["rehear"]                  # the same words: nothing heard again
    assert {c.text for c in again.labelled.conflicts} == set(held)          # and the reviews still kept
