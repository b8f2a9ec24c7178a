"""What the app does with a recording it receives and the runs it starts, without a browser: the name a
recording is kept under, the new case folder, the record of the receipt (and the manifest taking it only for
the recording it names), and what the progress step reads from a run's output."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections import namedtuple
from urllib.parse import quote

import pytest

from builders import app_of, app_request, finished_run
from conftest import ROOT
from pipeline import received
from pipeline.errors import ManifestError, PipelineError
from pipeline.export.manifest import read_manifest
from pipeline.rundir import RunDir
from pipeline.web.folderstate import folder_state
from pipeline.web.jobs import CANCELLED, DONE, FAILED, Job, Jobs, _event, _last_line
from pipeline.web.progress import kept_original
from pipeline.web.upload import PATH, file_name, new_folder, sent_time


def test_a_recording_is_kept_under_its_own_name_made_safe():
    assert file_name("2025-03-05 通话.m4a") == "2025-03-05 通话.m4a"
    assert file_name("C:\\Users\\张三\\录音\\借款.m4a") == "借款.m4a"          # a path sent as the name: its last part
    assert file_name("../../etc/passwd") == "passwd"
    assert file_name(".hidden.wav") == "hidden.wav"
    assert file_name('a:b*c?"d<e>f|g.wav') == "a_b_c__d_e_f_g.wav"
    assert file_name("借\x00款\u202e.wav") == "借_款_.wav"
    assert file_name("...") == file_name("") == "recording"
    long = file_name("录" * 100 + ".m4a")
    assert long.endswith(".m4a") and len(long.encode()) <= 150


def test_each_recording_gets_a_new_folder(tmp_path):
    first = new_folder(tmp_path, "借款.m4a")
    second = new_folder(tmp_path, "借款.wav")
    assert (first.name, second.name) == ("借款", "借款_2") and first.is_dir() and second.is_dir()


def test_the_receipt_reaches_the_manifest_only_for_the_recording_it_names(tmp_path, caplog):
    path = tmp_path / "received.json"
    given = received.Received(file_name="通话.m4a", received="2026-12-06T10:00:00+08:00", size=12, sha256="ab" * 32)
    received.write(path, given)
    assert received.read(path) == given
    assert received.for_recording(path, "ab" * 32) == {"file_name": "通话.m4a", "received": "2026-12-06T10:00:00+08:00",
                                                       "size": "12", "sha256": "ab" * 32, "through": "exhibit app"}
    assert received.for_recording(path, "cd" * 32) == {} and "another file" in caplog.text
    for broken in ('{"file_name": 1}', "[]", "{", '{"file_name": "a", "received": "b", "size": -1, "sha256": "c"}',
                   '{"file_name": "a", "received": "b", "size": 1, "sha256": "c", "extra": "d"}'):
        path.write_text(broken, encoding="utf-8")
        assert received.read(path) is None, broken


def test_a_received_recording_not_made_yet_is_a_case_folder(tmp_path):
    folder = tmp_path / "借款"
    (folder / "original").mkdir(parents=True)
    assert folder_state(folder) is None
    received.write(RunDir(folder).received, received.Received("借款.m4a", "2026-12-06T10:00:00+08:00", 3, "ab" * 32))
    found = folder_state(folder)
    assert (found.state, found.finished) == ("received", False)


def test_the_progress_lines_and_the_failure_line_are_read_from_the_commands_output():
    assert _event('{"stage": "transcribe", "completed": 3, "total": 4}\n') == ("transcribe", 3.0, 4.0)
    for other in ("ingest 0.0 s\n", "{not json\n", '{"stage": "x"}\n', "\n"):
        assert _event(other) is None
    assert _last_line(["a warning\n", "error: /x/a.m4a: the file is empty (0 bytes)\n", "\n"]) == \
        "/x/a.m4a: the file is empty (0 bytes)"
    assert _last_line(["错误：/x/a.m4a：文件是空的\n"]) == "/x/a.m4a：文件是空的"


def test_the_whole_share_weighs_each_stage_by_its_cost():
    job = Job(folder=ROOT, process=None, started=time.monotonic() - 10)
    job.stages = {"ingest": 1.0, "integrity": 1.0}
    small = job.share()
    job.stages["transcribe"] = 1.0
    assert 0 < small < 0.1 < job.share() < 1.0
    seen = job.seen()
    assert seen["status"] == "running" and seen["left"] is not None and seen["left"] > 0


def _wait(job: Job, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while job.ended is None and time.monotonic() < deadline:
        time.sleep(0.1)


def test_a_run_on_a_file_that_is_not_a_recording_fails_in_one_line_and_leaves_no_exhibit(tmp_path):
    folder = tmp_path / "case"
    folder.mkdir()
    bogus = folder / "录音.m4a"
    bogus.write_bytes(b"")
    job = Jobs().start("case", folder, bogus, "en")
    _wait(job)
    assert job.status == FAILED and job.error == f"{bogus}: the file is empty (0 bytes)"
    assert not (folder / "manifest.json").exists() and not (folder / ".incoming").exists()


def test_a_cancelled_run_stops_leaves_no_half_made_outputs_and_releases_the_folder(tmp_path):
    folder = tmp_path / "case"
    folder.mkdir()
    jobs = Jobs()
    sleeper = Job(folder, subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"],
                                           start_new_session=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                           text=True))
    jobs._jobs["case"] = sleeper
    (folder / ".incoming").mkdir()                       # what a stopped run leaves: removed
    threading.Thread(target=jobs._follow, args=(sleeper,), daemon=True).start()
    assert jobs.cancel("case") and not jobs.cancel("case")
    _wait(sleeper, 15)
    assert sleeper.status == CANCELLED and sleeper.process.returncode == -signal.SIGTERM
    assert not (folder / ".incoming").exists() and not RunDir(folder).held()


def test_a_second_run_of_a_folder_is_refused_while_one_runs(tmp_path):
    folder, original = finished_run(tmp_path)
    manifest = (folder / "manifest.json").read_bytes()
    jobs = Jobs()
    jobs._jobs[folder.name] = Job(folder, process=None)
    with pytest.raises(PipelineError, match="already making"):
        jobs.start(folder.name, folder, original, "en")
    assert (folder / "manifest.json").read_bytes() == manifest
    done = Job(folder, process=None, status=DONE)
    assert done.seen()["share"] == 1.0


def test_only_a_time_a_computer_could_give_a_file_is_set_on_the_kept_recording():
    assert sent_time("1733472000000") == 1733472000.0
    for bad in ("", "abc", "0", "-5", "99999999999999999999999", "9" * 5000, str(int(time.time() + 3 * 86400) * 1000)):
        assert sent_time(bad) is None, bad


def test_a_lock_file_that_names_no_process_is_held_only_while_it_may_be_being_written(tmp_path):
    run = RunDir(tmp_path)
    run.lock_file.write_text("")
    assert run.held()                                    # just made: a run is writing its pid now
    old = time.time() - 60
    os.utime(run.lock_file, (old, old))
    assert not run.held()                                # left empty by a process killed then: not held


def test_a_run_stopped_while_moving_its_outputs_into_place_is_finished_not_left_processing(tmp_path):
    folder = tmp_path / "case"
    folder.mkdir()
    sleeper = Job(folder, subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"],
                                           start_new_session=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                           text=True))
    incoming = folder / ".incoming"
    incoming.mkdir()
    (incoming / "借款.docx").write_bytes(b"court copy")
    (incoming / "manifest.json").write_text("{}", encoding="utf-8")
    (incoming / ".plan.json").write_text(json.dumps({"move": ["借款.docx"], "remove": []}), encoding="utf-8")
    jobs = Jobs()
    jobs._jobs["case"] = sleeper
    threading.Thread(target=jobs._follow, args=(sleeper,), daemon=True).start()
    assert jobs.cancel("case")                           # the cancel came while the set was being moved
    _wait(sleeper, 15)
    assert (folder / "借款.docx").read_bytes() == b"court copy" and (folder / "manifest.json").is_file()
    assert not incoming.exists() and not RunDir(folder).held()      # so not listed as processing
    assert sleeper.status == DONE                        # the run's set is whole and in place: it was made


def test_a_recording_put_in_original_by_hand_is_not_started(tmp_path):
    folder = tmp_path / "借款"
    (folder / "original").mkdir(parents=True)
    kept = folder / "original" / "借款.m4a"
    kept.write_bytes(b"what was received")
    received.write(RunDir(folder).received, received.Received("借款.m4a", "2026-12-06T10:00:00+08:00", 17,
                                                              hashlib.sha256(b"what was received").hexdigest()))
    assert kept_original(folder) == kept
    kept.write_bytes(b"something else")
    with pytest.raises(PipelineError, match="not the one the app received"):
        kept_original(folder)
    kept.write_bytes(b"what was received")
    (folder / "original" / "另一个.m4a").write_bytes(b"x")
    with pytest.raises(PipelineError, match="not the one the app received"):
        kept_original(folder)


def test_a_manifest_that_is_not_a_runs_record_is_refused_in_one_line(tmp_path):
    path = tmp_path / "manifest.json"
    for broken in ("[]", '{"settings": 5}', "null", "{", "[" * 5000, '{"original": 1}'):
        path.write_text(broken, encoding="utf-8")
        with pytest.raises(ManifestError) as info:
            read_manifest(path)
        said = str(info.value)
        assert said.startswith(f"{path} cannot be read as the record of a run") and "\n" not in said
        assert info.value.text("zh").startswith(f"{path} 无法作为运行记录读取")
        assert isinstance(info.value, ValueError)        # for callers that take an unreadable record as none


def test_an_upload_is_refused_in_the_pages_language_and_nothing_is_kept(tmp_path, monkeypatch):
    """Through the app: an empty file, and a recording the disk has no room for, refused in one line in Chinese
    to a Chinese page (in English to an English one); no case folder is made."""
    app = app_of(tmp_path)
    address = f"{PATH}?name={quote('借款录音.m4a')}"
    said = {}
    for language in ("zh", "en"):
        status, body = app_request(app, "POST", address, b"", language, kind="application/octet-stream")
        assert status == 400
        said[language] = json.loads(body)["error"]
    assert said == {"zh": "借款录音.m4a：文件是空的（0 字节）", "en": "借款录音.m4a: the file is empty (0 bytes)"}
    usage = namedtuple("usage", "total used free")
    monkeypatch.setattr(shutil, "disk_usage", lambda path: usage(10 << 30, 9 << 30, 1 << 30))
    status, body = app_request(app, "POST", address, b"RIFF" * 256, "zh", kind="application/octet-stream")
    assert status == 400 and json.loads(body)["error"] == (
        f"{tmp_path}：磁盘剩余空间不足以存放这个录音（1,024 字节）及其整理稿（现剩余 1,073,741,824 字节）。"
        "请腾出一些空间后重新上传")
    assert list(tmp_path.iterdir()) == []
