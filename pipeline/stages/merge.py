"""Merge: give each word the speaker whose turn overlaps it most, then group words into utterances.

An utterance (a numbered line of the exhibit) is a run of consecutive words of one speaker, ended by a pause
longer than max_pause; a longer run is cut at sentence ends (。！？ . ! ?) into lines of whole sentences, each as
long as fits in max_length seconds (about 15 s, so that a time point cites a line precisely), a sentence longer
than that being a line of its own: a line is never cut inside a sentence. A line that stops where no sentence
can end ("……这是，", "其实", see punctuation.leaves_open) goes on over a pause of up to open_pause seconds when the
same speaker goes on. Words no turn covers go to the nearest turn within NEAREST_TURN seconds, else to the
speaker UNKNOWN (flagged no_speaker). A change of speaker is never inside a word of the language nor between a
sentence's opening word or closing particle and the rest of it (see stages.word_speakers). A stereo call
transcribed per channel gives each channel's words to that channel's speaker. Words heard while two people speak
at once are flagged overlap; a line with a word heard with low probability is flagged low_confidence; a line
with a word of a segment the normalise stage flagged hallucination is flagged hallucination (kept, never
deleted). Every stretch of at least INAUDIBLE_MIN seconds where the VAD or the diarizer heard speech
(heard_speech) but no word lies within WORD_MARGIN becomes an utterance with no words and no text, flagged
inaudible — also between two words of one Whisper segment: a gap of INAUDIBLE_MIN + 2 × WORD_MARGIN = 2 s or
more between consecutive words over heard speech. A Chinese word the model was unsure of that lasts longer
than its characters can be spoken counts only its spoken end (word_span): the aligner stretches such a word
over speech the model skipped. In a call transcribed per channel, per channel (against what the VAD heard on
that channel where the diarizer gives its party a turn, so that the other side's echo is not counted).

A line is of one language: it is cut where the language its words were heard in changes (Segment.language, see
stages.languages), and says which (Utterance.language).
"""

from __future__ import annotations

import re
from bisect import bisect_right

from pipeline.artifacts import UNKNOWN_SPEAKER, Diarization, Flag, Transcript, Turn, Utterance, Utterances, Word
from pipeline.config import MergeConfig
from pipeline.spans import intersection, union
from pipeline.text.chinese import CJK_CHARACTER
from pipeline.text.chinese import join_words
from pipeline.text.punctuation import CONFIDENT, SYLLABLE_SECONDS, close_line, ends_sentence, leaves_open
from pipeline.stages.word_speakers import settle

VERSION = 10  # 10: a line with no mark that ends a sentence gets one; speech the diarizer heard counts as
#               heard; an unsure stretched word covers only its spoken end
#               9: a line is of one language (Utterance.language), cut where the heard language changes
#               8: a line with a word written as a term of the case is marked (Flag.VOCABULARY)
#               7: no change of speaker inside a word (jieba); a line left open goes on over a pause
_CJK = re.compile(CJK_CHARACTER)
NEAREST_TURN = 1.0  # seconds
INAUDIBLE_MIN = 1.0  # seconds: a shorter stretch of speech with no text is not shown
WORD_MARGIN = 0.5    # seconds around each word counted as heard (the VAD pads speech by 0.4 s)
CHARACTER_SECONDS = 0.3  # a Chinese character said at an ordinary pace (4–5 a second, with room)
FOLLOWING_WORDS = 4  # words of the next line read to find whether a line ends inside a word


def _overlap(a0: float, a1: float, b0: float, b1: float) -> float:
    return max(0.0, min(a1, b1) - max(a0, b0))


def _gap(word: Word, turn: Turn) -> float:
    return max(turn.start - word.end, word.start - turn.end, 0.0)


def _speaker_of(word: Word, turns: tuple[Turn, ...], starts: list[float]) -> str:
    """The speaker whose exclusive turn overlaps the word most, else the nearest turn's speaker."""
    i = bisect_right(starts, word.end)
    candidates = turns[max(0, i - 8):i + 1]  # exclusive turns do not overlap: only the last few can
    if not candidates:
        return UNKNOWN_SPEAKER
    best = max(candidates, key=lambda t: _overlap(word.start, word.end, t.start, t.end))
    if _overlap(word.start, word.end, best.start, best.end) > 0:
        return best.speaker
    nearest = min(candidates, key=lambda t: _gap(word, t))
    return nearest.speaker if _gap(word, nearest) <= NEAREST_TURN else UNKNOWN_SPEAKER


def overlap_regions(turns: tuple[Turn, ...]) -> list[tuple[float, float]]:
    """Stretches where two or more turns of different speakers are active at once."""
    events = sorted([(t.start, 1, t.speaker) for t in turns] + [(t.end, -1, t.speaker) for t in turns])
    active: dict[str, int] = {}
    regions, opened = [], None
    for time, delta, speaker in events:
        active[speaker] = active.get(speaker, 0) + delta
        if not active[speaker]:
            del active[speaker]
        if len(active) >= 2 and opened is None:
            opened = time
        elif len(active) < 2 and opened is not None:
            if time > opened:
                regions.append((opened, time))
            opened = None
    return regions


def _in_overlap(word: Word, regions: list[tuple[float, float]]) -> bool:
    return any(_overlap(word.start, word.end, a, b) > 0.5 * max(word.end - word.start, 1e-3) for a, b in regions)


def _utterance(index: int, speaker: str, words: list[Word], overlapped: bool, cfg: MergeConfig,
               invented: set[int], reheard: set[int] = frozenset(), language: str = "",
               punctuation: bool = True, following: str = "") -> Utterance:
    flags = []
    if overlapped:
        flags.append(Flag.OVERLAP)
    if speaker == UNKNOWN_SPEAKER:
        flags.append(Flag.NO_SPEAKER)
    if any(w.probability < cfg.low_confidence for w in words):
        flags.append(Flag.LOW_CONFIDENCE)
    if any(id(w) in invented for w in words):
        flags.append(Flag.HALLUCINATION)
    if any(id(w) in reheard for w in words):
        flags.append(Flag.VOCABULARY)
    if punctuation:
        words = list(close_line(words, following))
    text = join_words([w.text for w in words])
    return Utterance(id=f"u{index:04d}", speaker=speaker, start=words[0].start, end=words[-1].end,
                     text=text, words=tuple(words), flags=tuple(flags), language=language)


def heard_speech(transcript: Transcript, diarization: Diarization) -> list[tuple[float, float]]:
    """Where speech was heard: the VAD's speech regions and, in a recording not split per channel, the
    diarizer's speaker turns too (speech the VAD missed was never given to the model: it must show)."""
    if diarization.channel_speakers:
        return union(transcript.speech_regions)
    return union(list(transcript.speech_regions) + [(t.start, t.end) for t in diarization.turns])


def word_span(word: Word) -> tuple[float, float]:
    """The part of a word taken as heard: all of it, except for a Chinese word the model was unsure of (under
    punctuation.CONFIDENT) that lasts longer than SYLLABLE_SECONDS (the longest a character takes) a
    character — then only its last CHARACTER_SECONDS a character, as long as it is said at an ordinary pace
    (the aligner hands what the model skipped to the word after it: csharp example 3's "一定" lasts 2.96 s at
    p 0.38 over an English sentence the model left out)."""
    characters = len(_CJK.findall(word.text))
    if characters and word.probability < CONFIDENT and word.end - word.start > SYLLABLE_SECONDS * characters:
        return word.end - CHARACTER_SECONDS * characters, word.end
    return word.start, word.end


def unheard_stretches(regions, words: list[Word], minimum: float = INAUDIBLE_MIN,
                      margin: float = WORD_MARGIN) -> list[tuple[float, float]]:
    """The parts of the speech regions farther than `margin` from every word (its word_span), `minimum` s or
    longer."""
    heard = sorted((a - margin, b + margin) for a, b in map(word_span, words))
    out = []
    for start, end in regions:
        cursor = start
        for a, b in heard:
            if b <= cursor or a >= end:
                continue
            if a > cursor:
                out.append((cursor, a))
            cursor = max(cursor, b)
        if end > cursor:
            out.append((cursor, end))
    return [(round(a, 3), round(b, 3)) for a, b in out if b - a >= minimum - 1e-9]


def _inaudible(index: int, speaker: str, start: float, end: float, overlapped: bool) -> Utterance:
    flags = [Flag.INAUDIBLE] + ([Flag.OVERLAP] if overlapped else []) + \
        ([Flag.NO_SPEAKER] if speaker == UNKNOWN_SPEAKER else [])
    return Utterance(id=f"u{index:04d}", speaker=speaker, start=start, end=end, text="", words=(),
                     flags=tuple(flags))


def _sentences(words: list[Word]) -> list[list[Word]]:
    out: list[list[Word]] = [[]]
    for word in words:
        out[-1].append(word)
        if ends_sentence(word.text):
            out.append([])
    return [s for s in out if s]


def _lines(words: list[Word], max_length: float) -> list[list[Word]]:
    """One speaker's run of words as lines of whole sentences, each line as many sentences as end within
    max_length seconds of its start (one sentence when that sentence alone is longer)."""
    lines: list[list[Word]] = []
    for sentence in _sentences(words):
        if lines and sentence[-1].end - lines[-1][0].start <= max_length:
            lines[-1].extend(sentence)
        else:
            lines.append(list(sentence))
    return lines


def _group(pairs: list[tuple[Word, str]], cfg: MergeConfig) -> list[tuple[str, list[Word]]]:
    """Runs of consecutive words of one speaker, split at long pauses, then at sentence ends into lines."""
    runs: list[tuple[str, list[Word]]] = []
    for word, speaker in pairs:
        if runs:
            last_speaker, words = runs[-1]
            pause = word.start - words[-1].end
            if speaker == last_speaker and (pause <= cfg.max_pause or (
                    pause <= cfg.open_pause and leaves_open(join_words([w.text for w in words])))):
                words.append(word)
                continue
        runs.append((speaker, [word]))
    return [(speaker, line) for speaker, words in runs for line in _lines(words, cfg.max_length)]


def by_language(groups: list[tuple[str, list[Word]]], language_of: dict[int, str]) -> list[tuple[str, list[Word]]]:
    """Each line cut where the language its words were heard in changes (a line is of one language)."""
    out: list[tuple[str, list[Word]]] = []
    for speaker, words in groups:
        start = 0
        for i in range(1, len(words)):
            if language_of.get(id(words[i])) != language_of.get(id(words[i - 1])):
                out.append((speaker, words[start:i]))
                start = i
        out.append((speaker, words[start:]))
    return out


def _spoken(words) -> list[Word]:
    return [w for w in words if w.text.strip()]


def merge(transcript: Transcript, diarization: Diarization, cfg: MergeConfig, punctuation: bool = True) -> Utterances:
    """Lines of the (normalised) transcript, each given its speaker; with `punctuation` (the normalise stage's
    setting), a line with no mark at all that ends a sentence gets one (punctuation.close_line)."""
    invented = {id(w) for s in transcript.segments if Flag.HALLUCINATION in s.flags for w in s.words}
    terms = {(r.start, r.end, r.channel) for r in transcript.reheard}     # the words written as the case's terms
    reheard = {id(w) for s in transcript.segments for w in s.words if (w.start, w.end, s.channel) in terms}
    regions = overlap_regions(diarization.turns)
    by_channel = diarization.channel_speakers and any(s.channel >= 0 for s in transcript.segments)
    all_words = _spoken(w for s in transcript.segments for w in s.words)
    if by_channel:  # a stereo call transcribed per channel: each channel's words are its party's
        spoken = [_spoken(w for s in transcript.segments if s.channel == channel for w in s.words)
                  for channel in range(len(diarization.channel_speakers))]
        groups = [group for speaker, words in zip(diarization.channel_speakers, spoken)
                  for group in _group([(w, speaker) for w in words], cfg)]
    else:
        turns = tuple(sorted(diarization.exclusive_turns, key=lambda t: t.start))
        starts = [t.start for t in turns]
        speakers = [_speaker_of(w, turns, starts) for w in all_words]
        speakers = settle(all_words, speakers, turns, cfg.max_pause)
        groups = _group(list(zip(all_words, speakers)), cfg)
    turns = tuple(sorted(diarization.exclusive_turns or diarization.turns, key=lambda t: t.start))
    starts = [t.start for t in turns]
    gaps = []
    if by_channel and len(transcript.channel_regions) == len(diarization.channel_speakers):
        for channel, speaker in enumerate(diarization.channel_speakers):
            # the channel's speech where the diarizer heard its party speak
            heard = intersection(union(transcript.channel_regions[channel]),
                                 union((t.start, t.end) for t in diarization.turns if t.speaker == speaker))
            for a, b in unheard_stretches(heard, spoken[channel]):
                gaps.append((a, speaker, b, _in_overlap(Word(a, b, "", 1.0), regions)))
    else:
        for a, b in unheard_stretches(heard_speech(transcript, diarization), all_words):
            probe = Word(a, b, "", 1.0)
            gaps.append((a, _speaker_of(probe, turns, starts), b, _in_overlap(probe, regions)))
    language_of = {id(w): s.language or transcript.language for s in transcript.segments for w in s.words}
    groups = by_language(groups, language_of)
    # the start of the line that goes on after each one (its words joined to it may make one word: 什 | 么)
    following = {id(a): "".join(w.text for w in b[:FOLLOWING_WORDS]) for (_, a), (_, b) in zip(groups, groups[1:])
                 if b[0].start - a[-1].end <= cfg.open_pause}
    entries = [(words[0].start, speaker, words) for speaker, words in groups] + gaps
    entries.sort(key=lambda e: e[0])
    items = tuple(
        _utterance(i, e[1], e[2], any(_in_overlap(w, regions) for w in e[2]), cfg, invented, reheard,
                   language_of.get(id(e[2][0]), ""), punctuation, following.get(id(e[2]), ""))
        if isinstance(e[2], list) else _inaudible(i, e[1], e[0], e[2], e[3])
        for i, e in enumerate(entries, start=1))
    return Utterances(language=transcript.language, items=items)
