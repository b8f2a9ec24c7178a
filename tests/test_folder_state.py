"""The state the Cases page lists for a run folder (pipeline/web/folderstate.py), on folders built by hand."""

from __future__ import annotations

import dataclasses
import json
import os
import time

from builders import case_folder_by_hand, finished_run, labelled, reviewed_lines
from pipeline.rundir import RunDir
from pipeline.web.folderstate import folder_state


def _named(lab):
    return dataclasses.replace(lab, speakers=tuple(dataclasses.replace(s, name=s.name or "李四")
                                                   for s in lab.speakers))


def test_every_line_reviewed_by_a_named_reviewer_is_reviewed(tmp_path):
    found = folder_state(case_folder_by_hand(tmp_path, _named(reviewed_lines())).root)
    assert (found.state, found.finished, found.why, found.unnamed) == ("reviewed", True, {}, ())


def test_a_speaker_with_no_name_comes_first_then_a_draft_says_why(tmp_path):
    unnamed = folder_state(case_folder_by_hand(tmp_path, labelled(), reviewer="", name="a").root)
    assert (unnamed.state, unnamed.unnamed) == ("needs_names", ("SPEAKER_01",))
    invisible = folder_state(case_folder_by_hand(tmp_path, labelled(name="\u200b\u3164"), name="i").root)
    assert invisible.unnamed == ("SPEAKER_00", "SPEAKER_01")          # a name that shows nothing names nobody
    draft = folder_state(case_folder_by_hand(tmp_path, _named(labelled()), reviewer="  ", name="b").root)
    assert (draft.state, draft.why) == ("draft", {"unchecked": 2, "no_reviewer": 1})
    no_reviewer = folder_state(case_folder_by_hand(tmp_path, _named(reviewed_lines()), reviewer="", name="c").root)
    assert (no_reviewer.state, no_reviewer.why) == ("draft", {"no_reviewer": 1})


def test_packaged_only_when_the_zip_is_newer_than_the_manifest(tmp_path):
    run = case_folder_by_hand(tmp_path, _named(reviewed_lines()))
    run.package_zip.write_bytes(b"PK")
    old = time.time() - 60
    os.utime(run.package_zip, (old, old))             # made before the last run: not this run's package
    assert folder_state(run.root).state == "reviewed"
    os.utime(run.package_zip, (old + 120, old + 120))
    assert folder_state(run.root).state == "packaged"


def test_a_package_of_a_reviewed_copy_is_packaged_with_a_voice_left_unnamed_and_a_drafts_is_a_draft(tmp_path):
    unnamed = case_folder_by_hand(tmp_path, reviewed_lines(), name="unnamed")     # SPEAKER_01 has no name
    draft = case_folder_by_hand(tmp_path, _named(labelled()), name="draft")       # made with --draft
    for run in (unnamed, draft):
        run.package_zip.write_bytes(b"PK")
        later = run.manifest.stat().st_mtime + 60
        os.utime(run.package_zip, (later, later))
    found = folder_state(unnamed.root)
    assert (found.state, found.unnamed) == ("packaged", ("SPEAKER_01",))
    assert folder_state(draft.root).state == "draft"


def test_a_held_lock_or_outputs_being_moved_is_processing(tmp_path):
    run = case_folder_by_hand(tmp_path, _named(reviewed_lines()))
    with run.lock("exhibit transcript"):
        assert folder_state(run.root).state == "processing"
    assert folder_state(run.root).state == "reviewed"
    run.lock_file.write_text(json.dumps({"pid": 2 ** 22 + 12345}))     # left by a run that was killed
    assert folder_state(run.root).state == "reviewed"
    run.lock_file.unlink()
    run.incoming.mkdir()
    assert folder_state(run.root).state == "processing"


def test_a_first_run_under_way_is_processing_and_other_folders_are_no_run_folders(tmp_path):
    first = RunDir(tmp_path / "first")
    first.incoming.mkdir(parents=True)
    found = folder_state(first.root)
    assert (found.state, found.finished) == ("processing", False)
    (tmp_path / "photos").mkdir()
    assert folder_state(tmp_path / "photos") is None
    broken = case_folder_by_hand(tmp_path, name="broken")
    broken.manifest.write_text("{not json", encoding="utf-8")
    assert folder_state(broken.root) is None
    half = case_folder_by_hand(tmp_path, name="half")
    half.artifact("review").unlink()
    assert folder_state(half.root) is None


def test_work_saved_since_the_documents_were_made_is_said_beside_the_state(tmp_path):
    folder, _ = finished_run(tmp_path)
    run = RunDir(folder)
    assert folder_state(folder).behind == ()
    with run.transcript_csv.open("a", encoding="utf-8") as saved:      # a save in the review step, or Excel
        saved.write("\n")
    run.key_facts_csv.write_bytes(run.key_facts_csv.read_bytes() + b"\n")
    found = folder_state(folder)
    assert found.behind == ("transcript.csv", "key_facts.csv") and found.finished
