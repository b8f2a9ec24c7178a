"""Issue 21, item 5: the one-line errors of the command line, and what `exhibit app`, `exhibit review` and
`exhibit batch` say as they go, are in the user's language: the document language the command is given
(--doc-language, a run folder's exhibit), else the locale's (LC_ALL, LC_MESSAGES, LANG: zh… is Chinese)."""

from __future__ import annotations

import re
import string
import tomllib
from pathlib import Path

import pytest
from typer.testing import CliRunner

from builders import finished_run
from conftest import ROOT
from pipeline.cli import app
from pipeline.config import CONFIG_DIR, Settings
from pipeline.errors import Phrase, PipelineError, os_error
from pipeline.export.wording import user_language

ZH, EN = "zh_CN.UTF-8", "en_US.UTF-8"


def _printed(result) -> list[str]:
    return [line for line in result.output.splitlines() if line.strip()]


def _not_audio(tmp_path: Path) -> Path:
    path = tmp_path / "借款录音.m4a"
    path.write_text("这不是录音文件，是一张借条的文字。\n" * 20, encoding="utf-8")
    return path


def _transcript(tmp_path: Path, path: Path, *more: str):
    return CliRunner().invoke(app, ["transcript", str(path), "--out", str(tmp_path / "out"), *more])


def test_an_unreadable_recording_is_said_in_chinese_under_a_chinese_locale(tmp_path, monkeypatch):
    monkeypatch.setenv("LANG", ZH)
    path = _not_audio(tmp_path)
    result = _transcript(tmp_path, path)
    assert result.exit_code == 2 and _printed(result) == [f"错误：{path}：不是可以识别的音频或视频文件"], result.output


def test_the_same_recording_is_said_as_before_in_english_under_an_english_locale(tmp_path, monkeypatch):
    monkeypatch.setenv("LANG", EN)
    path = _not_audio(tmp_path)
    result = _transcript(tmp_path, path)
    assert result.exit_code == 2
    assert _printed(result) == [f"error: {path}: not a recognised audio or video file"], result.output


def test_doc_language_en_wins_over_a_chinese_locale_and_zh_over_an_english_one(tmp_path, monkeypatch):
    monkeypatch.setenv("LANG", ZH)
    missing = tmp_path / "没有这个文件.wav"
    english = _transcript(tmp_path, missing, "--doc-language", "en")
    assert english.exit_code == 2 and _printed(english) == [f"error: {missing}: no such file"], english.output
    monkeypatch.setenv("LANG", EN)
    chinese = _transcript(tmp_path, missing, "--doc-language", "zh")
    assert chinese.exit_code == 2 and _printed(chinese) == [f"错误：{missing}：找不到该文件"], chinese.output


def test_a_bad_case_detail_is_said_in_chinese(tmp_path, monkeypatch):
    monkeypatch.setenv("LANG", ZH)
    for option, said in (("--recorded-on", "录音时间“2025-02-30”不是按 YYYY-MM-DD 写的日期"),
                         ("--time-zone", "时区“2025-02-30”不是时区名称")):
        result = _transcript(tmp_path, _not_audio(tmp_path), option, "2025-02-30")
        lines = _printed(result)
        assert result.exit_code == 2 and len(lines) == 1 and lines[0].startswith(f"错误：{said}"), result.output
    case = tmp_path / "case.toml"
    case.write_text("exhibit_number = 3\n", encoding="utf-8")
    result = _transcript(tmp_path, _not_audio(tmp_path), "--case", str(case))
    assert _printed(result) == [f"错误：{case}：exhibit_number 应为文字（用英文双引号括起），不能是“3”"], result.output


def test_the_locale_decides_when_no_document_language_is_given(monkeypatch):
    monkeypatch.setenv("LANG", EN)
    assert user_language() == "en" and user_language("zh") == "zh" and user_language("auto") == "en"
    monkeypatch.setenv("LC_MESSAGES", "zh_TW.UTF-8")              # the messages' own setting wins over LANG
    assert user_language() == "zh"
    monkeypatch.setenv("LC_ALL", "C")                             # and LC_ALL over both
    assert user_language() == "en" and user_language("zh") == "zh"
    monkeypatch.delenv("LC_ALL")
    monkeypatch.delenv("LC_MESSAGES")
    monkeypatch.delenv("LANG")
    assert user_language() == "en"


def test_a_draft_in_a_chinese_run_folder_is_refused_in_chinese_whatever_the_locale(tmp_path, monkeypatch):
    monkeypatch.setenv("LANG", EN)
    run_dir, _ = finished_run(tmp_path, reviewed=False)
    result = CliRunner().invoke(app, ["package", str(run_dir)])
    assert result.exit_code == 2 and _printed(result) == [
        f"错误：{run_dir}：提交法院的整理稿仍是草稿（共 2 句，其中 2 句未核对；未写明核对人）。"
        "请逐句核对（make review）并写明核对人（--reviewed-by），或用 --draft 将其作为草稿打包"], result.output
    assert not (run_dir / "package").exists()


def test_a_folder_that_is_no_exhibit_is_said_in_the_locales_language(tmp_path, monkeypatch):
    monkeypatch.setenv("LANG", ZH)
    folder = tmp_path / "不是整理稿"
    folder.mkdir()
    result = CliRunner().invoke(app, ["package", str(folder)])
    assert result.exit_code == 2 and _printed(result) == [
        f"错误：{folder} 不是已完成的整理稿文件夹（缺少 manifest.json）。"
        "请先用 `exhibit transcript <录音文件>` 制作整理稿"]


def test_an_error_with_no_chinese_wording_is_its_english_after_the_chinese_lead(tmp_path, monkeypatch):
    """The honest fallback: a rule file the user wrote (pipeline/text/rules.py is not keyed) in English."""
    monkeypatch.setenv("LANG", ZH)
    rules, lines = tmp_path / "mine.toml", tmp_path / "lines.csv"
    rules.write_text("language = \n", encoding="utf-8")
    lines.write_text("id,text\nu1,我借了你五万块钱\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["facts", str(lines), "--out", str(tmp_path / "f.csv"), "--rules", str(rules)])
    printed = _printed(result)
    assert result.exit_code == 2 and len(printed) == 1 and printed[0].startswith(f"错误：cannot read rule file {rules}")


def test_the_errors_met_first_say_it_in_chinese_and_keep_their_english():
    import errno

    full = os_error(OSError(errno.ENOSPC, "No space left on device"), Path("out/借款录音"))
    assert str(full) == ("out/借款录音: the disk is full: free some space, then run again (the files of the previous "
                         "run are as they were)")
    assert full.text("zh") == "out/借款录音：磁盘已满。请腾出一些空间后重新运行（上次运行留下的文件保持原样）"
    denied = os_error(OSError(errno.EACCES, "Permission denied", "out/x.docx"), Path("out"))
    assert str(denied) == "out/x.docx: Permission denied" and denied.text("zh").startswith("out/x.docx：没有访问权限")
    odd = os_error(OSError(errno.EIO, "Input/output error", "out/x.docx"), Path("out"))
    assert odd.phrase is None and odd.text("zh") == "out/x.docx: Input/output error"      # not keyed: as it is
    from pipeline.stages.label import read_names

    with pytest.raises(PipelineError) as unknown:
        csv = Path(__file__).parent / "data" / "none.csv"
        read_names(csv, ["SPEAKER_00"])
    chinese = unknown.value.text("zh")
    assert chinese.startswith(f"{csv}：无法读取（") and "请在 Excel 中另存为 CSV 格式" in chinese


def test_batch_and_app_lines_follow_the_locale(tmp_path, monkeypatch):
    import pipeline.batch
    import pipeline.web.server
    from pipeline.batch import ERROR, OK, Job, Outcome
    from pipeline.casefile import Change

    monkeypatch.setenv("LANG", ZH)
    folder, out = tmp_path / "录音", tmp_path / "out"
    folder.mkdir()
    bad, good = folder / "借条.mp3", folder / "通话.wav"

    def fake_batch(folder, out, settings, workers, address, started, done):
        jobs = [Job(bad, out / "借条", 0.0), Job(good, out / "通话", 3600.0)]
        started(jobs, "")
        said = Phrase("not_audio", {"path": bad})
        outcomes = [Outcome(jobs[0], ERROR, error=str(said), said=said, seconds=0.5),
                    Outcome(jobs[1], OK, seconds=12.0, case_changes=(Change("exhibit_number", "证据10", "证据3"),))]
        for outcome in outcomes:
            done(outcome)
        return outcomes

    monkeypatch.setattr(pipeline.batch, "run_batch", fake_batch)
    result = CliRunner().invoke(app, ["batch", str(folder), "--out", str(out)])
    assert result.exit_code == 2 and _printed(result) == [
        "共 2 个录音（音频共 1.00 小时），在本机的 Ray 上处理，每次同时处理 1 个",
        f"借条.mp3：错误：{bad}：不是可以识别的音频或视频文件（0.5 秒）",
        "通话.wav：完成（12.0 秒）",
        f"  {out / '通话' / 'case.toml'}：证据编号（--exhibit）由“证据10”改为“证据3”",
        f"已完成 1 个，共 2 个录音；汇总表：{out / 'batch_summary.csv'}"], result.output

    monkeypatch.setattr(pipeline.web.server, "serve",
                        lambda root, start, port, open_browser, announce: announce("http://127.0.0.1:8765/launch/x"))
    started = CliRunner().invoke(app, ["app", str(tmp_path), "--no-browser"])
    assert started.exit_code == 0 and _printed(started) == [
        "http://127.0.0.1:8765/launch/x",
        "仅限在本机打开（此地址只能在一个浏览器中打开一次）；用完后在这里按 Ctrl+C 结束"]
    monkeypatch.setenv("LANG", EN)
    assert _printed(CliRunner().invoke(app, ["app", str(tmp_path), "--no-browser"]))[1].startswith(
        "open on this computer only (the address opens it once, in one browser); press Ctrl+C here")


def _placeholders(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name is not None}


def test_every_error_is_worded_in_both_files_with_the_same_placeholders():
    """A content check of configs/exhibit_{en,zh}.toml [errors]: the same keys, each with the same {placeholders};
    every key the code raises or says is there; every name a message shows (a setting's label, a case detail, a
    kind of value) has its Chinese; the Chinese is Chinese, with Chinese punctuation."""
    en, zh = (tomllib.loads((CONFIG_DIR / f"exhibit_{lang}.toml").read_text("utf-8"))["errors"]
              for lang in ("en", "zh"))
    texts = {key for key, value in en.items() if isinstance(value, str)}
    assert texts == {key for key, value in zh.items() if isinstance(value, str)}
    for key in texts:
        assert _placeholders(en[key]) == _placeholders(zh[key]), key
        assert zh[key] != en[key], key
        if _placeholders(zh[key]) or len(zh[key]) > 1:
            assert re.search(r"[\u4e00-\u9fff：]", zh[key]), key
        shown = re.sub(r"`[^`]*`|\{[^}]*\}", "", zh[key])        # commands and placeholders as they are
        assert not re.search(r"[,;:]\s|[()]|\.$|[A-Za-z]$", shown), (key, zh[key])
    code = "".join(path.read_text("utf-8") for path in (ROOT / "pipeline").rglob("*.py"))
    raised = set(re.findall(r"""(?:\.keyed\(|Phrase\()\s*["']([a-z0-9_]+)["']""", code))
    assert raised <= texts and len(raised) > 90, sorted(raised - texts)
    web = "".join(path.read_text("utf-8") for path in (ROOT / "pipeline" / "web").glob("*.py"))   # the app's too
    assert {"app_speakers_stale", "app_upload_no_space", "app_not_case_folder"} <= raised and "app_" in web
    left_over = {key for key in texts if f'"{key}"' not in code} - {"list_separator"}   # Joined's default
    assert sorted(left_over) == []
    import dataclasses

    labels = {f.metadata.get("label", f.name) for section in dataclasses.fields(Settings)
              for f in dataclasses.fields(type(getattr(Settings(), section.name)))
              if "label" in f.metadata or section.name == "case"}
    kinds = {"str", "int", "float", "bool", "tuple", "case file", "settings file"}
    assert set(en["names"]) == set(zh["names"]), set(en["names"]) ^ set(zh["names"])
    assert labels | kinds <= set(zh["names"]), sorted(labels - set(zh["names"]))
    assert all(en["names"][name] == name for name in en["names"])        # the English is the code's own


def test_the_app_raises_no_error_a_page_would_show_in_english_only():
    """Every refusal of the app's pages (pipeline/web) is keyed: the page says it in its language. A malformed
    body (ValueError, "bad request: …") is the page's own bug, never a person's, and stays English."""
    import inspect

    import pipeline.errors

    worded = {name for name, cls in inspect.getmembers(pipeline.errors, inspect.isclass)
              if issubclass(cls, PipelineError)} | {"NoSuchCase"}
    plain = []
    for path in sorted((ROOT / "pipeline" / "web").glob("*.py")):
        text = path.read_text("utf-8")
        for found in re.finditer(r"raise (\w+)\((?!Phrase\()", text):
            if found.group(1) in worded:
                plain.append(f"{path.name}:{text.count(chr(10), 0, found.start()) + 1}")
        plain += [f"{path.name}: words[…] as an error" for _ in re.finditer(r"Error\(words\[", text)]
    assert plain == []
