"""The case's own words for the recogniser (issue 22): the vocabulary file, the parties named in a case name, the
hotwords a run gives and records, and which stages a change of vocabulary runs again."""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass

import pytest

from builders import _diar
from pipeline.artifacts import Flag, Reheard, Segment, Transcript, Word
from pipeline.config import CaseConfig, MergeConfig, Settings, TranscribeConfig
from pipeline.csvio import write_csv
from pipeline.errors import PipelineError
from pipeline.rundir import RunDir
from pipeline.runner import STAGES, hotwords
from pipeline.stagecache import Context, run_stages
from pipeline.stages import rehear
from pipeline.stages.merge import merge
from pipeline.text.sounds import alike, candidates, same, tokens_of
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
    assert gather("张三, 李四，借条").text == "张三,李四,借条"          # the settings' separators, spaces dropped
    assert gather(speakers_csv=tmp_path / "absent.csv").text == ""
    assert gather(submitting_party="原告 王五").by_source() == {"case.toml submitting_party": ("王五",)}


def test_a_run_takes_the_case_files_parties_and_the_folders_vocabulary(tmp_path):
    run = RunDir(tmp_path)
    run.vocabulary.write_text("富士康\n", encoding="utf-8")
    settings = Settings(case=CaseConfig(case_name="某某公司诉王某劳动争议"),
                        transcribe=TranscribeConfig(hotwords="借条"))
    assert run.vocabulary == tmp_path / "vocabulary.txt"
    assert hotwords(settings, run).by_source() == {"settings": ("借条",), "case.toml case_name": ("某某公司", "王某"),
                                                   "vocabulary.txt": ("富士康",)}


# ---------------------------------------- a change of vocabulary: hear again, never transcribe nor diarize


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
    """The real declarations of diarize, transcribe and rehear (what their keys cover), their work replaced by
    a note of the call; ingest and channels stand in with the fields those keys read."""
    real = {s.name: s for s in STAGES}

    def made(name):
        def make(c):
            calls.append(name)
            return Made(name, hotwords(c.settings, c.run).text if name == "rehear" else "")
        return make

    return (dataclasses.replace(real["ingest"], makes=Sound, make=lambda c: Sound(), environment=None,
                                still_valid=lambda a, r: ""),
            dataclasses.replace(real["channels"], makes=Split, make=lambda c: Split()),
            *(dataclasses.replace(real[name], makes=Made, make=made(name))
              for name in ("diarize", "transcribe", "rehear")))


def test_a_changed_vocabulary_hears_again_and_never_transcribes_or_diarizes(tmp_path):
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

    assert again() == ["diarize", "rehear", "transcribe"]
    diarized, transcribed = key_covers("diarize"), key_covers("transcribe")
    run.vocabulary.write_text("富士康\n", encoding="utf-8")
    assert again() == ["rehear"]
    assert json.loads(run.artifact("rehear").read_text(encoding="utf-8"))["data"]["hotwords"] == "王五,赵六,富士康"
    run.vocabulary.write_text("# 只加了一行说明\n富士康\n\n", encoding="utf-8")     # the same terms: nothing runs
    assert again() == []
    settings = dataclasses.replace(settings, case=CaseConfig(case_name="王五诉钱七民间借贷纠纷"))
    assert again() == ["rehear"]                                                   # another party named
    settings = dataclasses.replace(settings, transcribe=TranscribeConfig(hotwords="借条", names_as_hotwords=False))
    assert again() == ["rehear"]                                                   # --hotwords: the same
    assert key_covers("diarize") == diarized and key_covers("transcribe") == transcribed


# ---------------------------------------------------------- where a term may have been misheard (text.sounds)


def _words(*texts: str, step: float = 0.3) -> tuple[Word, ...]:
    return tuple(Word(start=round(i * step, 3), end=round((i + 1) * step, 3), text=t, probability=0.8 - i / 100)
                 for i, t in enumerate(texts))


def _found(texts: list[str], *terms: str) -> list[tuple[str, str]]:
    """(term, the words' text it would replace) of every candidate."""
    tokens = tokens_of(texts)
    return [(c.term, "".join(texts[c.first.word:c.last.word + 1])) for c in candidates(tokens, terms)]


@pytest.mark.parametrize("texts, term", [
    (["欢迎", "大家", "来", "体验", "搭", "魔", "院", "推出"], "达摩院"),        # da mo yuan, other characters
    (["我在", "冰", "海", "星", "区", "有房"], "滨海新区"),                      # bin/bing, xin/xing: one sound
    (["我在", "冰", "台", "新", "区", "有房"], "滨海新区"),                      # tai ≠ hai: 3 of 4 alike
    (["广州市", "佛", "地产", "中间", "协会"], "广州市房地产中介协会"),            # 8 of 10
    (["他", "叫", "張", "叁"], "张三"),                                         # Traditional: read Simplified
    (["这个", "唱", "学", "卡", "呢"], "昌雪卡"),                                # a product name, any tone
    ([" Mister", " Smyth", " said"], "Smith"),                                 # a Latin word by its letters
])
def test_words_that_sound_like_a_term_are_a_place_to_hear_again(texts, term):
    assert [t for t, _ in _found(texts, term)] == [term]


@pytest.mark.parametrize("texts, term", [
    (["欢迎", "大家", "来", "体验", "达摩院"], "达摩院"),                       # already the term
    (["我", "不", "认识", "李", "四"], "李明"),                                # li ≠ li ming: a two-character
    (["明天", "见"], "李明"),                                                  # name needs both alike
    (["这", "是", "一", "块", "表"], "王五"),
    (["他", "没有", "还", "钱"], "富士康"),
    (["五万", "块"], "王五"),                                                  # wu wan ≠ wang wu: in order
    (["你", "是", "不是", "拿了"], "李四"),                    # ni3 shi4 / li3 si4: alike only through n/l, sh/s
    ([" my", " fellow", " Americans"], "Smith"),
])
def test_words_that_do_not_sound_like_the_term_are_left_alone(texts, term):
    assert _found(texts, term) == []


def test_sounds_alike_by_pinyin_without_tones_with_the_usual_confusions():
    assert alike("拖", "脱") and alike("冰", "滨") and alike("星", "新") and alike("牛", "刘")   # n/l
    assert alike("是", "四") and alike("张", "章") and alike("行", "杭")      # sh/s; every reading of 行
    assert not alike("台", "海") and not alike("王", "五") and not alike("王", "w")
    assert alike("smyth", "smith") and not alike("smith", "jones")
    assert same("拖", "脱") and same("魔", "摩") and not same("冰", "滨") and not same("你", "李")


def test_a_window_is_taken_once_the_longer_term_first():
    texts = ["广州市", "佛", "地产", "中间", "协会"]
    assert _found(texts, "广州市", "广州市房地产中介协会", "中介") == [("广州市房地产中介协会", "广州市佛地产中间协会")]


def test_a_confirmed_term_replaces_only_its_words_and_keeps_the_first_hearing():
    words = _words("我在", "冰", "台新", "区有", "房")
    segment = Segment(start=0.0, end=1.5, text="我在冰台新区有房", raw_text="", words=words, avg_logprob=-0.3,
                      no_speech_prob=0.1, compression_ratio=1.0, channel=-1)
    tokens = tokens_of([w.text for w in words])
    (candidate,) = candidates(tokens, ("滨海新区",))
    again = _words("我在", "滨海", "新区", "有房")          # the second hearing, timed like the first
    assert rehear._confirmed(candidate, words, list(again), tokens_of([w.text for w in again]))
    elsewhere = tuple(dataclasses.replace(w, start=w.start + 3, end=w.end + 3) for w in again)
    assert not rehear._confirmed(candidate, words, list(elsewhere), tokens_of([w.text for w in elsewhere]))
    other = _words("我在", "冰台", "新区", "有房")           # the hint not taken: not confirmed
    assert not rehear._confirmed(candidate, words, list(other), tokens_of([w.text for w in other]))
    replaced, records = rehear._replaced(segment, [candidate])
    assert replaced.text == "我在滨海新区有房" and replaced.raw_text == "我在冰台新区有房"
    assert [w.text for w in replaced.words] == ["我在", "滨海新区有", "房"]     # 有 stays with its word
    new = replaced.words[1]
    assert (new.start, new.end, new.raw_text, new.probability) == (0.3, 1.2, "冰台新区有", 0.77)
    assert records == [Reheard(start=0.3, end=1.2, channel=-1, heard="冰台新区有", written="滨海新区")]


def test_a_line_with_a_word_written_as_the_case_term_is_marked_for_the_reviewer():
    word = Word(start=0.3, end=1.2, text="滨海新区", probability=0.77, raw_text="冰台新区")
    plain = _words("我在", step=0.3)
    segment = Segment(start=0.0, end=1.2, text="我在滨海新区", raw_text="", words=plain + (word,),
                      avg_logprob=-0.3, no_speech_prob=0.1, compression_ratio=1.0)
    transcript = Transcript(language="zh", language_probability=1.0, model="base", model_sha256="", duration=2.0,
                            speech_duration=1.2, segments=(segment,),
                            reheard=(Reheard(0.3, 1.2, -1, "冰台新区", "滨海新区"),))
    turns = _diar([(0.0, 2.0, "SPEAKER_00")])
    (line,) = merge(transcript, turns, MergeConfig()).items
    assert line.text == "我在滨海新区。" and Flag.VOCABULARY in line.flags   # a whole line gets its closing mark
    (line,) = merge(dataclasses.replace(transcript, reheard=()), turns, MergeConfig()).items
    assert Flag.VOCABULARY not in line.flags


def test_two_terms_in_one_word_are_written_once_never_over_each_other():
    words = _words("张叁李肆")                          # one word of the model holding both names
    segment = Segment(start=0.0, end=0.3, text="张叁李肆", raw_text="", words=words, avg_logprob=-0.3,
                      no_speech_prob=0.1, compression_ratio=1.0, channel=-1)
    found = candidates(tokens_of([w.text for w in words]), ("张三", "李四"))
    assert [c.term for c in found] == ["张三", "李四"]
    replaced, records = rehear._replaced(segment, found)
    assert [w.text for w in replaced.words] == ["张叁李四"] and [r.written for r in records] == ["李四"]
