"""Normalise: what the model wrote, made readable and honest, without running the model again.

- Traditional → Simplified characters (OpenCC t2s);
- Chinese punctuation: the model's ASCII , ? ! : ; next to Chinese made full-width, a full stop after Chinese
  made "。", and (pipeline.text.punctuation) "，" at pauses and "。"/"？" at segment ends where it gave none
  (also after 50% or an English word ending Chinese text), never inside a word (nor a number: 2.5万, 50%)
  nor after one that cannot end a sentence (the next segment of the same channel, when it starts within
  FOLLOWING_GAP seconds, is read with it: "测试音 | 频" gets no mark between);
- segments whose text speech recognisers are known to invent (configs/hallucinations.toml: known phrases,
  repetition loops, text that compresses too well) flagged hallucination, never deleted.

The model's own text stays beside every change: Word.raw_text (when it differs) and Segment.raw_text (the first
hearing's, where the rehear stage wrote a term of the case).
Numbers keep their spoken form in the text (五万块): a transcript is verbatim; their values are given beside
them in the JSON and the key-fact index.
"""

from __future__ import annotations

from dataclasses import replace

from pipeline.artifacts import Flag, Segment, Transcript, Word
from pipeline.config import NormaliseConfig
from pipeline.text.chinese import chinese_punctuation, join_words, to_simplified
from pipeline.text.hallucinations import load_rules, looks_invented
from pipeline.text.punctuation import punctuate

VERSION = 6   # 6: final mark after 50% or a Latin word in Chinese; none between unknown one-character pieces, a
#               number and what it counts, before a particle or after a negation inside its clause
#               5: Chinese marks by each segment's own language (a stretch heard in English gets none)
#               4: the model's first words kept as raw_text where the rehear stage wrote a term
#               3: no mark inside a word (jieba) or after a word that cannot end a sentence (如果说, 其实, 这是)
FOLLOWING_GAP = 1.0   # seconds: a segment starting this soon after another may go on with its sentence or word
FOLLOWING_CHARS = 8   # how much of the next segment is read to find the word edge at the end of one


def readable(text: str, cfg: NormaliseConfig) -> str:
    """One piece of the model's text as shown: Simplified, its marks full-width (as the settings say)."""
    if cfg.simplified:
        text = to_simplified(text)
    if cfg.punctuation:
        text = chinese_punctuation(text)
    return text


def _word(word: Word, cfg: NormaliseConfig) -> Word:
    text = readable(word.text, cfg)
    return replace(word, text=text, raw_text=word.raw_text or (word.text if word.text != text else ""))


def _following(segment: Segment, after: Segment | None, cfg: NormaliseConfig) -> str:
    """The start of the text the same voice goes on with right after `segment` ("" when none follows soon)."""
    if after is None or after.channel != segment.channel or after.start - segment.end > FOLLOWING_GAP:
        return ""
    text = "".join(readable(w.text, cfg) for w in after.words) if after.words else readable(after.text, cfg)
    return text.strip()[:FOLLOWING_CHARS]


def _segment(segment: Segment, language: str, cfg: NormaliseConfig, rules, after: Segment | None = None) -> Segment:
    words = tuple(_word(w, cfg) for w in segment.words)
    if language == "zh" and cfg.punctuation:
        words = punctuate(words, cfg.pause_seconds, _following(segment, after, cfg))
    text = join_words([w.text for w in words]) if words else readable(segment.text, cfg).strip()
    flags = (Flag.HALLUCINATION,) if looks_invented(text, segment.compression_ratio, rules) else ()
    return replace(segment, text=text, raw_text=(segment.raw_text or segment.text).strip(), words=words, flags=flags)


def normalise(transcript: Transcript, cfg: NormaliseConfig) -> Transcript:
    """The transcript as the exhibit shows it; `transcript` is the model's output (the transcribe stage's)."""
    rules = load_rules(cfg.hallucinations_path)
    ordered = transcript.segments
    following = {}
    for channel in {s.channel for s in ordered}:
        own = sorted((s for s in ordered if s.channel == channel), key=lambda s: s.start)
        following.update({id(a): b for a, b in zip(own, own[1:])})
    segments = tuple(_segment(s, s.language or transcript.language, cfg, rules, following.get(id(s)))
                     for s in ordered)
    return replace(transcript, segments=segments)
