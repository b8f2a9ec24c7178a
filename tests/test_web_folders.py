"""Which folders the app serves (pipeline/web/folders.py) and the interface language (pages.page_language),
on folders built by hand."""

from __future__ import annotations

import pytest

from builders import case_folder_by_hand
from pipeline.web.pages import page_language
from pipeline.web.folders import NoSuchCase, case_folder, cases


def test_the_page_is_chinese_only_when_the_browser_prefers_chinese():
    for header, language in (("zh-CN,zh;q=0.9,en;q=0.8", "zh"), ("zh", "zh"), ("ZH-tw", "zh"),
                             ("en-US,en;q=0.9,zh-CN;q=0.8", "en"), ("en;q=0.5, zh-CN;q=0.9", "zh"),
                             ("", "en"), ("zh;q=0", "en"), ("zhx", "en"), ("fr,zh;q=0.9", "en"),
                             ("zh;q=abc, en", "en"), ("*", "en")):
        assert page_language(header) == language, header


def test_only_a_run_folder_directly_in_the_root_is_served(tmp_path):
    root = tmp_path / "out"
    run = case_folder_by_hand(root, name="借款 录音")
    case_folder_by_hand(root, name=".hidden")
    (root / "photos").mkdir()
    outside = case_folder_by_hand(tmp_path, name="outside")
    (root / "link").symlink_to(outside.root, target_is_directory=True)
    assert case_folder(root, "借款 录音") == run.root
    for name in ("", ".", "..", "../outside", "..\\outside", ".hidden", "photos", "link", "nothing", "a/b",
                 "借款 录音/", "借款\x00录音", "借款\u202e录音", "x" * 300):
        with pytest.raises(NoSuchCase):
            case_folder(root, name)
    assert [name for name, _ in cases(root)] == ["借款 录音"]
    assert cases(tmp_path / "absent") == []


def test_exhibit_review_opens_the_app_of_the_folders_parent_at_its_review_step(tmp_path):
    from builders import finished_run
    from pipeline.errors import PipelineError
    from pipeline.web.server import review_start

    run_dir, _ = finished_run(tmp_path)
    assert review_start(run_dir) == (run_dir.parent.resolve(), "/case/%E5%80%9F%E6%AC%BE%E5%BD%95%E9%9F%B3/")
    hidden = run_dir.rename(run_dir.parent / ".借款录音")
    with pytest.raises(PipelineError, match="the app cannot serve this folder") as refused:
        review_start(hidden)
    assert refused.value.text("zh") == (f"{hidden}：本机网页无法打开这个文件夹"
                                        "（已拒绝：“.借款录音”不是案件文件夹的名称）。"
                                        "请给它改一个不以点号开头的名字")
    with pytest.raises(PipelineError, match="is not a finished exhibit folder"):
        review_start(tmp_path)


def test_the_interface_is_chinese_for_a_chinese_browser_or_computer_until_the_person_switches(monkeypatch):
    from starlette.requests import Request

    from pipeline.web.pages import language

    def asked(accept: str, cookie: str = "") -> Request:
        headers = [(b"accept-language", accept.encode())] + ([(b"cookie", cookie.encode())] if cookie else [])
        return Request({"type": "http", "method": "GET", "path": "/", "headers": headers})

    assert language(asked("en-US,en;q=0.9")) == "en"                         # conftest: an English locale
    assert language(asked("zh-CN,zh;q=0.9")) == "zh"
    assert language(asked("zh-CN", "exhibit_language=en")) == "en"            # the switch wins
    assert language(asked("en-US", "exhibit_language=fr")) == "en"            # not a choice it offers
    monkeypatch.setenv("LANG", "zh_CN.UTF-8")                                 # a Chinese computer
    assert language(asked("en-US,en;q=0.9")) == "zh"
    assert language(asked("en-US", "exhibit_language=en")) == "en"


def test_an_address_that_names_no_case_folder_is_refused_in_the_pages_language(tmp_path):
    from urllib.parse import quote

    from builders import app_of, app_request

    root = tmp_path / "out"
    case_folder_by_hand(root, name="借款录音")
    (root / "photos").mkdir()
    app = app_of(root)
    for name, zh, en in ((".hidden", "已拒绝：“.hidden”不是案件文件夹的名称",
                          "refused: '.hidden' is not the name of a case folder"),
                         ("没有", "已拒绝：这里没有名为“没有”的案件文件夹",
                          "refused: no case folder named '没有' here"),
                         ("photos", "已拒绝：“photos”不是案件文件夹（其中没有制作过整理稿）",
                          "refused: 'photos' is not a case folder (no exhibit was made in it)")):
        for language, said in (("zh", zh), ("en", en)):
            status, body = app_request(app, "GET", f"/case/{quote(name, safe='')}/speakers/api/state", b"", language)
            assert (status, body.decode("utf-8")) == (404, said), (name, language)
    status, body = app_request(app, "GET", "/launch/not-the-code", b"", "zh")
    assert (status, body.decode("utf-8")) == (403, "已拒绝：这个地址只能打开一次，已经用过了。"
                                                   "请重新运行 `exhibit app`")
