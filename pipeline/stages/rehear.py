"""Rehear: the case's own words (pipeline.vocabulary: its parties, its vocabulary.txt, --hotwords) listened for
where the machine may have misheard one of them.

The model hears the whole recording without hints (stages/transcribe.py). Given as hotwords to the whole
recording, another case's words made Whisper base change words elsewhere and once loop (docs/accuracy-and-
measurements.md, "The case vocabulary"). So the terms are used only where the first hearing has a run of words
that sounds like one of them without being it (pipeline.text.sounds): that segment's sound alone is heard again
with those terms as hotwords, and the run is written as the term only when the second hearing says the term
there (its words within NEAR seconds of the run's). Every other word stays the first hearing's.

What was replaced is recorded (Transcript.reheard: where, the machine's first words, the term), the new word
keeps the first words as its raw_text and the lowest of their probabilities, and the merge stage marks its
line (Flag.VOCABULARY) for the person reviewing. A change of the terms runs this stage and what follows it,
never the transcription: the first hearing is kept in the transcribe stage's artifact.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from pathlib import Path

from pipeline.artifacts import Reheard, Segment, Transcript, Word
from pipeline.audio import SAMPLE_RATE, WavView
from pipeline.config import TranscribeConfig
from pipeline.progress import StageProgress, silent
from pipeline.stages.transcribe import load_model, seeded
from pipeline.text.chinese import to_simplified
from pipeline.text.sounds import Candidate, Token, candidates, holds, tokens_of

log = logging.getLogger(__name__)

VERSION = 1
PAD = 0.3    # seconds of sound heard around the segment
NEAR = 0.5   # the term heard again must start or end within this many seconds of the words it replaces


def _heard_again(model, samples, offset: float, language: str, terms: tuple[str, ...],
                 cfg: TranscribeConfig) -> list[Word]:
    """The words of the sound heard with the terms as hotwords, timed in the recording."""
    found, _ = model.transcribe(samples, language=language or None, beam_size=cfg.beam_size, vad_filter=False,
                                word_timestamps=True, condition_on_previous_text=False,
                                hotwords=" ".join(terms))
    return [Word(start=round(w.start + offset, 3), end=round(w.end + offset, 3), text=w.word,
                 probability=round(w.probability, 4)) for s in found for w in (s.words or ())]


def _confirmed(candidate: Candidate, words: tuple[Word, ...], again: list[Word], heard: list[Token]) -> bool:
    """Whether the second hearing says the term where the candidate's words are."""
    start, end = words[candidate.first.word].start, words[candidate.last.word].end
    return any(again[first.word].start <= end + NEAR and again[last.word].end >= start - NEAR
               for first, last in holds(heard, candidate.term))


def _edge(text: str, token: Token, before: bool) -> str:
    """What of a word lies before (or after) the token; nothing when the word's Simplified form has another
    length than the word (positions are the fold's: the whole word is then replaced)."""
    if len(to_simplified(text).casefold()) != len(text):
        return ""
    return text[:token.begin] if before else text[token.end:]


def _replaced(segment: Segment, taken: list[Candidate]) -> tuple[Segment, list[Reheard]]:
    """The segment with each confirmed candidate's words made one word, the term (right to left, so that the
    word indexes of the others hold)."""
    words, done = list(segment.words), []
    text = segment.text
    left = len(words)                 # the first word replaced so far: a candidate reaching it is left as heard
    for c in sorted(taken, key=lambda c: (c.first.word, c.first.begin), reverse=True):
        if c.last.word >= left:
            continue
        left = c.first.word
        run = words[c.first.word:c.last.word + 1]
        first = "".join(w.text for w in run)
        new = Word(start=run[0].start, end=run[-1].end,
                   text=_edge(run[0].text, c.first, True) + c.term + _edge(run[-1].text, c.last, False),
                   probability=min(w.probability for w in run), raw_text=first)
        words[c.first.word:c.last.word + 1] = [new]
        text = text.replace(first, new.text, 1) if first in text else "".join(w.text for w in words)
        done.append(Reheard(start=new.start, end=new.end, channel=segment.channel, heard=first.strip(),
                            written=c.term))
    return replace(segment, text=text, raw_text=segment.raw_text or segment.text, words=tuple(words)), done[::-1]


def rehear(transcript: Transcript, wav_path: Path, terms: tuple[str, ...], cfg: TranscribeConfig,
           progress: StageProgress = silent, model=None, channels_path: Path | None = None) -> Transcript:
    """The transcript with the case's terms heard again where its words sound like one (module docstring).
    `channels_path`: the two-channel copy the transcriber heard a stereo call's channels from."""
    todo = [(index, segment, found) for index, segment in enumerate(transcript.segments)
            if (found := candidates(tokens_of([w.text for w in segment.words]), terms))]
    heard = replace(transcript, hotwords=",".join(terms), reheard=())
    if not todo:
        return heard
    if model is None:
        model, _ = load_model(cfg)
    seeded()
    tracks = {-1: WavView(wav_path)}
    if channels_path is not None:
        tracks.update({i: WavView(channels_path, i) for i in (0, 1)})
    segments, reheard = list(transcript.segments), []
    for done, (index, segment, found) in enumerate(todo):
        track = tracks[segment.channel]
        start = max(0, int((segment.start - PAD) * SAMPLE_RATE))
        end = min(len(track), int((segment.end + PAD) * SAMPLE_RATE))
        asked = tuple(dict.fromkeys(c.term for c in found))
        again = _heard_again(model, track[start:end], start / SAMPLE_RATE, segment.language or transcript.language,
                             asked, cfg)
        said = tokens_of([w.text for w in again])
        taken = [c for c in found if _confirmed(c, segment.words, again, said)]
        if taken:
            segments[index], records = _replaced(segment, taken)
            reheard += records
        progress(done + 1, len(todo))
    log.info("%s: %d stretch(es) heard again with the case's terms, %d written as a term", wav_path, len(todo),
             len(reheard))
    return replace(heard, segments=tuple(segments), reheard=tuple(reheard))
