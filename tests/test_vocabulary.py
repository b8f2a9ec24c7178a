"""The case's own words for the recogniser (issue 22): the vocabulary file, the parties named in a case name, the
hotwords a run gives and records, and which stages a change of vocabulary runs again."""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass

import pytest

from pipeline.artifacts import Segment, Word
from pipeline.config import CaseConfig, Settings, TranscribeConfig
from pipeline.csvio import write_csv
from pipeline.errors import PipelineError
from pipeline.rundir import RunDir
from pipeline.runner import STAGES, hotwords
from pipeline.stagecache import Context, run_stages
from pipeline.stages.transcribe import echoes, hotword_text
from pipeline.vocabulary import gather, names_in_case, read_vocabulary

# ------------------------------------------------------------------------------------- the vocabulary file


def test_a_vocabulary_is_one_term_a_line_without_comments_blanks_or_repeats(tmp_path):
    path = tmp_path / "vocabulary.txt"
    path.write_bytes("\ufeff# 货物与公司\r\n富士康\r\n\r\n  达摩院  \n# 富士康 again below\n富士康\n昌雪  卡\n"
                     .encode())
    assert read_vocabulary(path) == ("富士康", "达摩院", "昌雪 卡")
    assert read_vocabulary(tmp_path / "absent.txt") == ()


def test_a_vocabulary_saved_by_notepad_in_gbk_is_read(tmp_path):
    path = tmp_path / "vocabulary.txt"
    path.write_bytes("滨海新区\n借条\n".encode("gb18030"))
    assert read_vocabulary(path) == ("滨海新区", "借条")


@pytest.mark.parametrize("text, line, code", [("富士康\n张\x0b三\n", 2, "U+000B"),       # splitlines would split here
                                             ("富士康\n\n\u202e李四\n", 3, "U+202E"),
                                             ("\x1c", 1, "U+001C")])
def test_a_control_character_in_a_vocabulary_is_refused_naming_the_line(tmp_path, text, line, code):
    path = tmp_path / "vocabulary.txt"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(PipelineError) as refused:
        read_vocabulary(path)
    assert refused.value.text("zh").startswith(f"{path} 第 {line} 行：") and code in refused.value.text("zh")
    assert f"line {line}: an invisible control character ({code})" in refused.value.text("en")


def test_a_vocabulary_that_is_not_text_or_holds_a_paragraph_is_refused(tmp_path):
    path = tmp_path / "vocabulary.txt"
    path.write_bytes(b"\xff\xfe\x00")
    with pytest.raises(PipelineError, match="neither UTF-8"):
        read_vocabulary(path)
    path.write_text("富士康\n" + "这是一整段话" * 20 + "\n", encoding="utf-8")
    with pytest.raises(PipelineError, match="line 2 is longer than 60"):
        read_vocabulary(path)


# ------------------------------------------------------------------------------------ names in a case name


@pytest.mark.parametrize("case_name, names", [
    ("王五诉赵六民间借贷纠纷", ("王五", "赵六")),
    ("原告张三与被告李四买卖合同纠纷", ("张三", "李四")),
    ("某某公司诉王某劳动争议", ("某某公司", "王某")),
    ("Smith v. Jones", ("Smith", "Jones")),
    ("Acme Corp. vs Smith and Brown (contract)", ("Acme Corp.", "Smith", "Brown")),
    ("上诉人王某与被上诉人陈某某房屋租赁合同纠纷", ("王某", "陈某某")),
    ("张三等诉李四借款合同纠纷一案", ("张三", "李四")),
    ("张三、李四诉北京某某物业服务有限公司物业服务合同纠纷", ("张三", "李四", "北京某某物业服务有限公司")),
    ("中国工商银行股份有限公司北京分行诉张某金融借款合同纠纷", ("中国工商银行股份有限公司北京分行", "张某")),
    ("张三", ()),
    ("民间借贷纠纷", ()),
    ("", ()),
])
def test_the_parties_of_a_case_name_are_its_names_without_roles_or_the_cause(case_name, names):
    assert names_in_case(case_name) == names


# ------------------------------------------------------------------------------------ the hotwords of a run


def test_the_hotwords_gather_every_source_once_in_order_and_say_where_each_came_from(tmp_path):
    csv_path = tmp_path / "speakers.csv"
    write_csv(csv_path, ["speaker_id", "name", "role"],
              [["SPEAKER_00", "王五", "原告"], ["SPEAKER_01", "钱七", "房东"]])
    vocabulary = tmp_path / "vocabulary.txt"
    vocabulary.write_text("# 货物\n昌雪卡\n张三\n富士康\n", encoding="utf-8")
    found = gather("张三，借条", "王五诉赵六民间借贷纠纷", "原告 王五", csv_path, vocabulary)
    assert found.text == "张三,借条,王五,赵六,钱七,房东,昌雪卡,富士康"     # 原告: said in court, not on the call
    assert found.by_source() == {"settings": ("张三", "借条"), "case.toml case_name": ("王五", "赵六"),
                                 "speakers.csv": ("钱七", "房东"), "vocabulary.txt": ("昌雪卡", "富士康")}
    # the names in speakers.csv only when asked for (names_as_hotwords): the configured terms as before
    assert hotword_text("张三, 李四，借条") == "张三,李四,借条"
    assert gather(submitting_party="原告 王五").by_source() == {"case.toml submitting_party": ("王五",)}


def test_a_run_takes_the_case_files_parties_and_the_folders_vocabulary(tmp_path):
    run = RunDir(tmp_path)
    run.vocabulary.write_text("富士康\n", encoding="utf-8")
    settings = Settings(case=CaseConfig(case_name="某某公司诉王某劳动争议"),
                        transcribe=TranscribeConfig(hotwords="借条"))
    assert run.vocabulary == tmp_path / "vocabulary.txt"
    assert hotwords(settings, run).by_source() == {"settings": ("借条",), "case.toml case_name": ("某某公司", "王某"),
                                                   "vocabulary.txt": ("富士康",)}


# --------------------------------------------------- a change of vocabulary: transcribe again, never diarize


@dataclass(frozen=True)
class Sound:
    wav_sha256: str = "a1"
    stereo_wav_sha256: str = ""


@dataclass(frozen=True)
class Split:
    split: bool = False


@dataclass(frozen=True)
class Made:
    by: str
    hotwords: str = ""


def _table(calls: list[str]):
    """The real declarations of diarize and transcribe (what their keys cover), their work replaced by a note
    of the call; ingest and channels stand in with the fields those keys read."""
    real = {s.name: s for s in STAGES}

    def made(name):
        def make(c):
            calls.append(name)
            return Made(name, hotwords(c.settings, c.run).text if name == "transcribe" else "")
        return make

    return (dataclasses.replace(real["ingest"], makes=Sound, make=lambda c: Sound(), environment=None,
                                still_valid=lambda a, r: ""),
            dataclasses.replace(real["channels"], makes=Split, make=lambda c: Split()),
            dataclasses.replace(real["diarize"], makes=Made, make=made("diarize")),
            dataclasses.replace(real["transcribe"], makes=Made, make=made("transcribe")))


def test_a_changed_vocabulary_transcribes_again_and_never_diarizes(tmp_path):
    run = RunDir(tmp_path)
    run.work.mkdir()
    calls: list[str] = []
    settings = Settings(case=CaseConfig(case_name="王五诉赵六民间借贷纠纷"))

    def again() -> list[str]:
        calls.clear()
        c = Context(source=tmp_path / "none", original=None, settings=settings, run=run)
        run_stages(_table(calls), c)
        return sorted(calls)

    def key_covers(stage: str) -> dict[str, str]:
        records = json.loads(run.records.read_text(encoding="utf-8"))["stages"]
        return next(r["inputs"] for r in records if r["stage"] == stage)

    assert again() == ["diarize", "transcribe"]
    diarized = key_covers("diarize")
    run.vocabulary.write_text("富士康\n", encoding="utf-8")
    assert again() == ["transcribe"]
    assert json.loads(run.artifact("transcribe").read_text(encoding="utf-8"))["data"]["hotwords"] == "王五,赵六,富士康"
    run.vocabulary.write_text("# 只加了一行说明\n富士康\n\n", encoding="utf-8")     # the same terms: nothing runs
    assert again() == []
    settings = dataclasses.replace(settings, case=CaseConfig(case_name="王五诉钱七民间借贷纠纷"))
    assert again() == ["transcribe"]                                               # another party named
    assert key_covers("diarize") == diarized and "environment" not in str(diarized)


# ------------------------------------------------------------------ the hints recited, not heard (echoes)


def _segment(text: str, no_speech: float, words: list[tuple[float, float]]) -> Segment:
    return Segment(start=words[0][0], end=words[-1][1], text=text, raw_text="", no_speech_prob=no_speech,
                   avg_logprob=-0.5, compression_ratio=1.0,
                   words=tuple(Word(start=a, end=b, text="x", probability=0.5) for a, b in words))


HINTS = "广州市房地产中介协会,达摩院,滨海新区,英国,脱欧,欧盟,Americans"


def test_a_segment_that_only_recites_the_hotwords_is_an_echo():
    # as the model wrote them at the end of three eval clips given another case's vocabulary
    assert echoes(_segment("协会 达摩院 滨海新区 英国 脱欧盟", 0.79, [(2.0, 2.4), (2.4, 2.4)]), HINTS)
    assert echoes(_segment("中介協會 達摩院 達摩院", 0.10, [(0.92, 0.92), (0.92, 0.92)]), HINTS)   # no time at all
    assert echoes(_segment("Americans.", 0.6, [(1.0, 1.5)]), HINTS)


def test_speech_that_holds_a_hotword_is_heard_not_an_echo():
    assert not echoes(_segment("我在滨海新区有房。", 0.9, [(0.0, 2.0)]), HINTS)                # other words too
    assert not echoes(_segment("滨海新区。", 0.05, [(0.0, 1.2)]), HINTS)                     # sure it is speech
    assert not echoes(_segment("Americans", 0.9, [(0.0, 1.0)]), "")                        # no hints given
    assert not echoes(_segment("Am I", 0.9, [(0.0, 0.0)]), HINTS)          # letters of the hints, not its words

