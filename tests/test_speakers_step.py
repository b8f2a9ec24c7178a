"""The speakers step of the app (pipeline/web/speakers.py) on folders built by hand: what the page lists, a save
into speakers.csv (names, roles and bases written, every other column and row kept, written as the label stage
writes it), the saves refused (stale, a run holding the folder, a file a run would refuse) and the clips given."""

from __future__ import annotations

import dataclasses
import json
import subprocess
import sys
import threading
from urllib.parse import quote

import pytest
from starlette.requests import Request

from builders import app_of, app_request, speakers_folder
from conftest import ROOT
from pipeline.csvio import read_csv, write_csv
from pipeline.errors import PipelineError, SpeakersCsvError, StaleSaveError
from pipeline.export.manifest import read_manifest, write_manifest
from pipeline.export.wording import load_wording
from pipeline.fileio import sha256_file
from pipeline.stages.label import HEADER, read_names
from pipeline.web.speakers import EDITABLE, clip, routes, save, state

IDS = ["SPEAKER_00", "SPEAKER_01", "SPEAKER_02"]


def test_the_page_lists_every_voice_as_speakers_csv_holds_it(tmp_path):
    run = speakers_folder(tmp_path)
    _, rows = read_csv(run.speakers_csv)
    shown = state(run.root, "zh")
    assert shown["version"] == sha256_file(run.speakers_csv)
    assert not shown["made"]                  # the folder's manifest records no speakers.csv: made from another
    manifest = read_manifest(run.manifest)    # a run that left the file as it is: the documents are made from it
    write_manifest(run.manifest, dataclasses.replace(manifest, outputs={**manifest.outputs,
                                                                        "speakers.csv": shown["version"]}))
    assert state(run.root, "zh")["made"]
    save(run.root, [{"id": "SPEAKER_01", "name": "李四"}], shown["version"])
    assert not state(run.root, "zh")["made"]   # named since: the documents must be made again
    assert [v["id"] for v in shown["voices"]] == IDS
    assert [v["label"] for v in shown["voices"]] == ["说话人1", "说话人2", "说话人3"]
    for voice, row in zip(shown["voices"], rows):
        assert {k: voice[k] for k in ("talk_time", "turns", "first_heard", "last_heard", *EDITABLE)} == \
            {k: row[k] for k in ("talk_time", "turns", "first_heard", "last_heard", *EDITABLE)}
        assert voice["samples"] == [row["sample_1"]] and voice["clip"] == f"clip/{row['speaker_id']}"
    assert [v["named"] for v in shown["voices"]] == [True, False, False]
    assert {"原告", "被告", "第三人", "证人"} <= set(shown["roles"]) and "声音熟悉" in shown["bases"]
    assert shown["court_says"] == load_wording("zh")["notation"]["names"]       # what the court copy says
    assert shown["words"]["unsourced"].startswith("已填写姓名，但未写指认依据")
    english = state(run.root, "en")                  # the page's words in English, the roles in the documents'
    assert english["voices"][1]["label"] == "Speaker 2" and english["words"]["save"] == "Save"
    assert "被告" in english["roles"]


def test_a_save_writes_names_roles_and_bases_and_keeps_every_other_column_and_row(tmp_path):
    run = speakers_folder(tmp_path)
    before = run.speakers_csv.read_bytes()
    header, rows = read_csv(run.speakers_csv)
    path, version = save(run.root, [{"id": "SPEAKER_01", "name": "李四", "role": "原告", "identified_by": "提交人本人"},
                                    {"id": "SPEAKER_02", "name": " 王五\n", "role": "证人"}],
                         sha256_file(run.speakers_csv))
    assert path == run.speakers_csv and version == sha256_file(path)
    assert state(run.root, "zh")["version"] == version
    after = path.read_bytes()
    assert after.startswith(b"\xef\xbb\xbf") and after.endswith(b"\r\n")           # as the label stage writes it
    assert after.splitlines()[:2] == before.splitlines()[:2]       # the header and the row not changed, byte for byte
    now_header, now = read_csv(path)
    assert now_header == header == HEADER
    for old, new in zip(rows, now):
        kept = [c for c in header if c not in EDITABLE]
        assert [new[c] for c in kept] == [old[c] for c in kept]
    assert [(r["name"], r["role"], r["identified_by"]) for r in now] == [
        ("张三", "被告", "来电号码 138xxxx"), ("李四", "原告", "提交人本人"), ("王五", "证人", "")]
    assert read_names(path, IDS) == {"SPEAKER_00": ("张三", "被告", "来电号码 138xxxx"),      # what a run reads
                                     "SPEAKER_01": ("李四", "原告", "提交人本人"), "SPEAKER_02": ("王五", "证人", "")}


def test_a_file_without_identified_by_gets_the_column_where_the_label_stage_writes_it(tmp_path):
    run = speakers_folder(tmp_path)
    header, rows = read_csv(run.speakers_csv)
    old = [c for c in header if c != "identified_by"] + ["note"]     # as earlier versions wrote it, + one of mine
    write_csv(run.speakers_csv, old, [[r.get(c, "my note" if c == "note" else "") for c in old] for r in rows])
    save(run.root, [{"id": "SPEAKER_01", "name": "李四", "identified_by": "自我介绍 00:01:05"}],
         sha256_file(run.speakers_csv))
    header, now = read_csv(run.speakers_csv)
    assert header == HEADER + ["note"]
    assert [r["note"] for r in now] == ["my note"] * 3
    assert (now[1]["name"], now[1]["identified_by"], now[0]["identified_by"]) == ("李四", "自我介绍 00:01:05", "")


def test_a_save_from_a_page_loaded_before_the_file_changed_is_refused(tmp_path):
    run = speakers_folder(tmp_path)
    loaded = state(run.root, "zh")["version"]
    header, rows = read_csv(run.speakers_csv)
    rows[1]["name"] = "赵六"                                      # saved in Excel meanwhile
    write_csv(run.speakers_csv, header, [[r[c] for c in header] for r in rows])
    changed = run.speakers_csv.read_bytes()
    with pytest.raises(StaleSaveError, match="was changed since this page was loaded"):
        save(run.root, [{"id": "SPEAKER_01", "name": "李四"}], loaded)
    assert run.speakers_csv.read_bytes() == changed


def test_a_save_while_a_run_holds_the_folder_is_refused(tmp_path):
    run = speakers_folder(tmp_path)
    before = run.speakers_csv.read_bytes()
    holder = subprocess.Popen(
        [sys.executable, "-c", "import sys, time\nfrom pathlib import Path\nfrom pipeline.rundir import RunDir\n"
         "with RunDir(Path(sys.argv[1])).lock('exhibit transcript'):\n"
         "    print('held', flush=True)\n    time.sleep(60)",
         str(run.root)], stdout=subprocess.PIPE, text=True, cwd=ROOT)
    try:
        assert holder.stdout.readline().strip() == "held"
        with pytest.raises(PipelineError, match="a run holds the folder"):
            save(run.root, [{"id": "SPEAKER_01", "name": "李四"}], sha256_file(run.speakers_csv))
    finally:
        holder.kill()
        holder.wait()
    assert run.speakers_csv.read_bytes() == before


def test_a_save_a_run_would_refuse_is_refused_in_the_runs_own_line(tmp_path):
    run = speakers_folder(tmp_path)
    before, version = run.speakers_csv.read_bytes(), sha256_file(run.speakers_csv)
    same_name = [{"id": "SPEAKER_00", "name": "李四", "role": "原告"},
                 {"id": "SPEAKER_01", "name": "李四", "role": "被告"},
                 {"id": "SPEAKER_02", "name": "李四", "role": ""}]
    with pytest.raises(SpeakersCsvError) as refused:
        save(run.root, same_name, version)
    header, rows = read_csv(run.speakers_csv)                 # the same rows in the file: what a run says of them
    for row, edit in zip(rows, same_name):
        row.update(name=edit["name"], role=edit["role"])
    write_csv(run.speakers_csv, header, [[r[c] for c in header] for r in rows])
    with pytest.raises(SpeakersCsvError) as by_run:
        read_names(run.speakers_csv, IDS)
    assert str(refused.value) == str(by_run.value)
    assert "rows 2, 3, 4 name 李四 with the roles 原告、被告 and without one" in str(refused.value)
    run.speakers_csv.write_bytes(before)
    for edit, why in (({"id": "SPEAKER_01", "name": "李\u202e四"}, "holds an invisible control character"),
                      ({"id": "SPEAKER_09", "name": "李四"}, "no speaker 'SPEAKER_09' to save"),
                      ({"id": "SPEAKER_01", "name": 4}, "the name must be text")):
        with pytest.raises(PipelineError, match=why):
            save(run.root, [edit], version)
    with pytest.raises(ValueError, match="not speaker_id"):
        save(run.root, [{"id": "SPEAKER_01", "speaker_id": "SPEAKER_02"}], version)
    assert run.speakers_csv.read_bytes() == before


def _get(endpoints, path: str, **params):
    scope = {"type": "http", "method": "GET", "path": path, "headers": [], "query_string": b"",
             "path_params": params}
    return endpoints[path](Request(scope))


def test_a_clip_is_given_only_for_a_voice_of_the_file(tmp_path):
    run = speakers_folder(tmp_path)
    assert clip(run.root, "SPEAKER_01") == run.speaker_clip("SPEAKER_01")
    for speaker in ("SPEAKER_09", "", "../audio", "SPEAKER_0"):
        assert clip(run.root, speaker) is None
    header, rows = read_csv(run.speakers_csv)                 # a row taken out: its clip is no longer given
    write_csv(run.speakers_csv, header, [[r[c] for c in header] for r in rows[:2]])
    assert run.speaker_clip("SPEAKER_02").is_file() and clip(run.root, "SPEAKER_02") is None
    endpoints = {r.path: r.endpoint for r in routes(run.root.parent, threading.Lock())}
    clip_path = "/case/{name}/speakers/clip/{speaker}"
    given = _get(endpoints, clip_path, name=run.root.name, speaker="SPEAKER_00")
    assert given.status_code == 200 and given.media_type == "audio/wav" and given.path == run.speaker_clip("SPEAKER_00")
    for speaker in ("SPEAKER_02", "SPEAKER_09"):
        assert _get(endpoints, clip_path, name=run.root.name, speaker=speaker).status_code == 404


def test_a_stale_save_is_refused_in_the_pages_language(tmp_path):
    """Through the app: the same refused save said in Chinese to a Chinese page, as before to an English one."""
    run = speakers_folder(tmp_path)
    loaded = sha256_file(run.speakers_csv)
    header, rows = read_csv(run.speakers_csv)
    rows[1]["name"] = "赵六"                                      # saved in Excel meanwhile
    write_csv(run.speakers_csv, header, [[r[c] for c in header] for r in rows])
    changed = run.speakers_csv.read_bytes()
    app = app_of(run.root.parent)
    body = json.dumps({"version": loaded, "speakers": [{"id": "SPEAKER_01", "name": "李四"}]}).encode()
    address = f"/case/{quote(run.root.name, safe='')}/speakers/api/save"
    said = {}
    for language in ("zh", "en"):
        status, answer = app_request(app, "POST", address, body, language)
        assert status == 409 and json.loads(answer)["stale"] is True
        said[language] = json.loads(answer)["error"]
    path = run.speakers_csv
    assert said["zh"] == (f"本页面打开后，{path} 已被修改（可能在 Excel、另一个标签页中，或由一次运行改动）；为免覆盖，"
                          "本次未保存。页面现在显示文件的最新内容，并保留了你填写的内容，请核对后再保存")
    assert said["en"] == (f"{path} was changed since this page was loaded (in Excel, another tab or by a run): nothing "
                          "was saved; the page shows the file as it is now, with your entries kept, to check and save "
                          "again")
    assert run.speakers_csv.read_bytes() == changed


def test_a_refused_edit_is_said_in_chinese_with_the_columns_chinese_name(tmp_path):
    run = speakers_folder(tmp_path)
    version, path = sha256_file(run.speakers_csv), run.speakers_csv
    said = {}
    for edit in ({"id": "SPEAKER_09", "name": "李四"}, {"id": "SPEAKER_01", "role": 4},
                 {"id": "SPEAKER_01", "identified_by": "自我介绍\u202e"}):
        with pytest.raises(PipelineError) as refused:
            save(run.root, [edit], version)
        said[edit["id"] + next(c for c in edit if c != "id")] = refused.value.text("zh")
    assert said == {
        "SPEAKER_09name": f"{path}：没有编号为“SPEAKER_09”的说话人，无法保存"
                          "（文件中的说话人编号：SPEAKER_00、SPEAKER_01、SPEAKER_02）",
        "SPEAKER_01role": f"{path}：SPEAKER_01：身份应为文字，不能是 int",
        "SPEAKER_01identified_by": f"{path}：SPEAKER_01：指认依据中有一个看不见的控制字符（U+202E），"
                                   "位于“自我介绍”之后。请删除后再保存"}
