"""The real Whisper base model (offline, from models/) on real recordings, through the transcribe and normalise
stages."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import pytest

from conftest import eval_file
from pipeline.config import load_settings
from pipeline.fileio import file_digests
from pipeline.rundir import RunDir
from pipeline.text.sounds import alike, term_tokens
from pipeline.stages.ingest import ingest
from pipeline.stages.normalise import normalise
from pipeline.stages.rehear import rehear
from pipeline.stages.transcribe import load_model, transcribe
from pipeline.text.chinese import to_simplified

pytestmark = pytest.mark.integration
SETTINGS = load_settings()
CFG = SETTINGS.transcribe


@pytest.fixture(scope="module")
def model():
    return load_model(CFG)[0]


def _raw(relative: str, tmp_path: Path, model, **overrides):
    """What the transcribe stage records for a real file's working copy."""
    src = eval_file(relative)
    run = RunDir(tmp_path)
    ingest(src, file_digests(src), run)
    return transcribe(run.wav, dataclasses.replace(CFG, **overrides), model=model)


def _run(relative: str, tmp_path: Path, model, **overrides):
    """The transcript as the exhibit shows it: transcribe, then normalise."""
    return normalise(_raw(relative, tmp_path, model, **overrides), SETTINGS.normalise)


def test_english_words_with_timings_and_probabilities(tmp_path, model):
    t = _run("en/jfk.flac", tmp_path, model)
    assert t.language == "en" and t.language_probability > 0.5
    words = [w for s in t.segments for w in s.words]
    text = " ".join(re.sub(r"[^a-z]", "", w.text.lower()) for w in words)
    assert "ask not what your country can do for you" in text
    assert "ask what you can do for your country" in text
    country = [w for w in words if "country" in w.text.lower()]
    assert country[0].start == pytest.approx(5.0, abs=1.5) and country[-1].end == pytest.approx(10.3, abs=1.0)
    assert all(0.0 <= w.probability <= 1.0 and w.start <= w.end for w in words)
    assert len(t.model_sha256) == 64
    assert 8.0 < t.speech_duration <= 11.1


def test_mandarin_comes_out_in_simplified_characters_with_the_raw_text_kept(tmp_path, model):
    # a clip base writes in Traditional characters (heard with 1 s of context, the funasr clip now comes out
    # in Simplified)
    t = _run("zh/aishell-BAC009S0724W0121.wav", tmp_path, model)
    assert t.language == "zh"
    text = "".join(s.text for s in t.segments)
    assert "广州市" in text and "协会分析" in text
    assert not set("廣產協會") & set(text)  # no Traditional characters left
    raw = "".join(s.raw_text for s in t.segments)
    assert raw != text and "廣州" in raw  # the model's own (Traditional) output is kept for the record
    assert " " not in text


def test_the_transcribe_stage_records_the_models_own_text_and_its_vad_options(tmp_path, model):
    raw = _raw("zh/aishell-BAC009S0724W0121.wav", tmp_path, model)
    assert "廣州" in "".join(s.text for s in raw.segments)           # untouched: normalise is a stage of its own
    assert all(s.raw_text == "" and s.flags == () for s in raw.segments)
    assert raw.vad == {"threshold": 0.5, "min_speech_duration_ms": 0.0, "min_silence_duration_ms": 2000.0,
                       "speech_pad_ms": 400.0} and raw.vad_filter
    # a clip with silence before its speech: the same options decide the speech regions (less padding, less
    # speech heard around the words)
    default = _raw("zh/funasr_api_asr_example.wav", tmp_path, model)
    padded = _raw("zh/funasr_api_asr_example.wav", tmp_path, model, vad_speech_pad_ms=100)
    assert padded.vad["speech_pad_ms"] == 100.0
    heard = lambda t: sum(b - a for a, b in t.speech_regions)  # noqa: E731
    assert heard(padded) < heard(default) - 0.3


def test_given_language_is_used_and_chinese_commas_are_full_width(tmp_path, model):
    t = _run("zh/csharp_AliParaformerAsr_example_1.wav", tmp_path, model, language="zh")
    text = "".join(s.text for s in t.segments)
    assert "绝对正义" in text and "相对正义" in text
    assert "," not in text and "，" in text


def test_the_case_term_is_heard_again_where_the_words_sound_like_it_and_nowhere_else(tmp_path, model):
    """stages/rehear.py on real speech (我想问我在滨海新区有房): whatever base first heard there, with the term
    the text says 滨海新区; any word it replaced sounded like it and keeps the first words as its raw text. A term
    that nothing sounds like changes nothing (the first hearing, word for word)."""
    plain = _raw("zh/llama.cpp_tests_sample.wav", tmp_path, model)
    assert "新区" in "".join(s.text for s in plain.segments) and plain.hotwords == ""
    wav = RunDir(tmp_path).wav
    heard = normalise(rehear(plain, wav, ("滨海新区",), CFG, model=model), SETTINGS.normalise)
    assert "我在滨海新区有房" in "".join(s.text for s in heard.segments) and heard.hotwords == "滨海新区"
    for again in heard.reheard:
        word = next(w for s in heard.segments for w in s.words if (w.start, w.end) == (again.start, again.end))
        assert again.written == "滨海新区" in word.text and word.raw_text == again.heard != "滨海新区"
        assert sum(alike(a, b) for a, b in zip(term_tokens(again.heard), term_tokens("滨海新区"))) >= 3
    untouched = rehear(plain, wav, ("达摩院", "Americans"), CFG, model=model)
    assert untouched.segments == plain.segments and untouched.reheard == ()
    # the VAD's speech regions are kept for the merge stage: one stretch of speech around the words
    assert len(heard.speech_regions) == 1
    start, end = heard.speech_regions[0]
    words = [w for s in heard.segments for w in s.words]
    assert start <= words[0].start and words[-1].end <= end + 0.5


def test_mandarin_is_punctuated_the_chinese_way_whatever_marks_the_model_gave(tmp_path, model):
    """Real speech through transcribe and normalise. Which marks Whisper base writes itself differs from one
    CPU's kernels to another's (on one the first clip had none, on another a ','), so this asserts what
    normalise guarantees on whatever it got: Chinese marks only, one where the speaker paused 1.4 s, a closing
    mark on every segment that ends a sentence, none doubled, no spaces, each segment's text its words joined.
    What the rules do with given words is tested on hand-built words in test_punctuation.py."""
    for clip in ("zh/llama.cpp_tests_sample.wav", "zh/csharp_AliParaformerAsr_example_1.wav"):
        t = _run(clip, tmp_path / Path(clip).stem, model)
        texts = [s.text for s in t.segments]
        joined = "".join(texts)
        assert not re.search(r"[,.?!;:]", joined) and not re.search(r"[，。？！]{2}", joined) and " " not in joined
        assert all(s.text == "".join(w.text for w in s.words) for s in t.segments)
        assert texts and all(text[-1] in "。？！" for text in texts[:-1]), texts
        assert texts[-1][-1] in "。？！，", texts          # the second clip stops mid-sentence: a comma may stay
    first = _run("zh/llama.cpp_tests_sample.wav", tmp_path / "pause", model)
    words = [w for s in first.segments for w in s.words]
    asked = next(w for w in words if "问" in w.text)         # 我想问 … then 1.4 s of silence
    assert asked.text.endswith("，") and asked.end == pytest.approx(2.1, abs=0.5), words
    assert first.segments[-1].text.endswith("。")


def test_a_long_recording_is_read_and_heard_in_parts_with_its_times_kept(tmp_path, model, monkeypatch):
    """What a three-hour recording goes through, on 40 s of two real clips with 12 s parts: the same words at
    the same times as when the model hears it whole. A part put at the wrong place in time would be off by
    seconds for every word of it; Whisper's own times for the first word after a silence vary by more than a
    second between hearings (1.17 s measured), so each word must be within 2 s of the same word heard whole
    and half of them within 0.2 s."""
    import numpy as np

    from pipeline.audio import SAMPLE_RATE, decode, write_wav
    from pipeline.stages import transcribe as stage

    joined = np.concatenate([decode(eval_file("en/jfk.flac")), np.zeros(SAMPLE_RATE * 3, np.float32),
                             decode(eval_file("en/librispeech-1995-1837-0001.wav")), np.zeros(SAMPLE_RATE * 3,
                                                                                             np.float32),
                             decode(eval_file("en/jfk.flac"))])
    wav = tmp_path / "joined.wav"
    write_wav(wav, joined)
    cfg = dataclasses.replace(CFG, language="en")
    whole = transcribe(wav, cfg, model=model)
    monkeypatch.setattr(stage, "READ_SECONDS", 16.0)
    monkeypatch.setattr(stage, "HEAR_SECONDS", 12.0)
    parts = transcribe(wav, cfg, model=model)
    assert len(stage._parts([{"start": r[0] * SAMPLE_RATE, "end": r[1] * SAMPLE_RATE} for r in parts.speech_regions],
                            12.0)) >= 3
    words = lambda t: [(re.sub(r"\W", "", w.text.lower()), w.start) for s in t.segments for w in s.words]  # noqa
    a, b = words(whole), words(parts)
    assert [w for w, _ in b].count("country") == [w for w, _ in a].count("country") == 4
    away = [min(abs(start - at) for same, at in a if same == word) for word, start in b if word in dict(a)]
    # a word one hearing adds has no counterpart nearby (heard with 1 s of context, the parts wrote "and do for
    # your country"): at most one in twenty may be farther
    assert len(away) >= 0.9 * len(b) and sum(x >= 2.0 for x in away) <= 0.05 * len(b), away
    assert np.median(away) < 0.2, away
    assert parts.duration == whole.duration and parts.segments[-1].end > 35.0


def _code_switching(tmp_path: Path) -> Path:
    """An English speech, then Mandarin (as tools/eval_asr.py CODE_SWITCHING "en→zh" builds it): Mandarin is most
    of the first 30 s of speech, so the file's language is Mandarin."""
    import numpy as np

    from pipeline.audio import SAMPLE_RATE, decode, write_wav

    parts = [("en/jfk.flac", 0.8), ("zh/csharp_AliParaformerAsr_example_1.wav", 0.5),
             ("zh/funasr_api_asr_example.wav", 0.0)]
    wav = tmp_path / "code_switching.wav"
    write_wav(wav, np.concatenate([a for name, gap in parts for a in (decode(eval_file(name)),
                                                                      np.zeros(int(gap * SAMPLE_RATE), np.float32))]))
    return wav


def test_a_recording_that_goes_from_english_to_mandarin_keeps_both_each_segment_with_its_language(tmp_path, model):
    wav = _code_switching(tmp_path)
    t = normalise(transcribe(wav, CFG, model=model), SETTINGS.normalise)
    assert t.language == "zh"
    english = [s for s in t.segments if s.end <= 11.0]
    mandarin = [s for s in t.segments if s.start >= 11.5]
    words = " ".join(re.sub(r"[^a-z ]", "", s.text.lower()) for s in english)
    assert "ask not what your country can do for you" in words
    assert english and {s.language for s in english} == {"en"}
    assert not re.search(r"[\u4e00-\u9fff]", "".join(s.text for s in english))
    assert mandarin and {s.language for s in mandarin} == {"zh"}
    chinese = "".join(s.text for s in mandarin)
    assert "绝对正义" in chinese and "语音识别" in chinese and not re.search(r"[A-Za-z]", chinese)
    # decoded in one language, one of the two is lost (the English dropped, or the Mandarin after English text)
    before = "".join(s.text for s in transcribe(wav, dataclasses.replace(CFG, languages=""), model=model).segments)
    assert not ("country" in before.lower() and "绝对正义" in to_simplified(before))


def test_a_one_language_recording_is_heard_exactly_as_with_one_language_per_file(tmp_path, model):
    for relative in ("zh/funasr_api_asr_example.wav", "en/jfk.flac"):
        each = _raw(relative, tmp_path / "each", model)
        one = _raw(relative, tmp_path / "one", model, languages="")
        assert [(s.start, s.text, s.language) for s in each.segments] == \
            [(s.start, s.text, s.language) for s in one.segments]
        assert {s.language for s in each.segments} == {each.language}
