"""The typed data passed between stages: one frozen dataclass per stage's artifact (saved as JSON by
pipeline.artifactio). Times are float seconds from the start of the original file, everywhere."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


# ----------------------------------------------------------------------------------------- vocabulary


class Flag(StrEnum):
    """What a line of the transcript is marked with (Utterance.flags; a Segment may carry HALLUCINATION)."""

    OVERLAP = "overlap"                 # heard while two people spoke at once
    NO_SPEAKER = "no_speaker"           # no speaker turn near its words
    LOW_CONFIDENCE = "low_confidence"   # a word heard with a probability under the threshold
    HALLUCINATION = "hallucination"     # text speech recognisers are known to invent (kept, marked)
    INAUDIBLE = "inaudible"             # speech heard with no text: a line of its own
    CORRECTED = "corrected"             # a person changed the machine's text or speaker (transcript.csv)
    VOCABULARY = "vocabulary"           # words written as a term of the case's vocabulary, heard again with it


class Status(StrEnum):
    """Where a line's text stands in the review (transcript.csv `status`)."""

    MACHINE = "machine"                 # as the machine wrote it; nobody has checked it yet
    REVIEWED = "reviewed"               # a person listened and agreed with the machine's text and speaker
    CORRECTED = "corrected"             # a person changed the text or the speaker


UNKNOWN_SPEAKER = "UNKNOWN"             # the speaker of words no turn covers


# ---------------------------------------------------------------------------------------------- ingest


@dataclass(frozen=True)
class AudioAsset:
    source_path: str            # absolute path of the original, as given
    file_name: str
    size_bytes: int
    sha256: str
    md5: str
    modified: str               # the original's modification time, ISO 8601, local time
    container: str              # e.g. "mov,mp4,m4a,3gp,3g2,mj2" as the demuxer names it
    container_long: str
    codec: str                  # e.g. "aac"
    sample_rate: int            # of the original stream
    channels: int               # of the original stream
    bit_rate: int               # of the original stream, 0 when unknown
    duration: float             # decoded duration of the audio stream, seconds
    container_duration: float   # what the container header says, 0 when absent
    tags: dict[str, str]        # container and stream metadata (creation_time, encoder, …)
    wav_path: str               # 16 kHz mono working copy, relative to the run folder
    wav_sha256: str
    stereo_wav_path: str = ""   # 16 kHz two-channel working copy (first two channels), "" for mono originals
    stereo_wav_sha256: str = ""


# -------------------------------------------------------------------------------------------- channels


@dataclass(frozen=True)
class Channels:
    """Whether the recording is a call recorded one side per channel (then diarized and heard per channel)."""

    split: bool
    why: str                    # what decided it


# ------------------------------------------------------------------------------------------ transcribe


@dataclass(frozen=True)
class Word:
    start: float
    end: float
    text: str                   # as shown (Simplified for Chinese); leading space kept for English
    probability: float
    raw_text: str = ""          # what the model produced, when it differs from text


@dataclass(frozen=True)
class Segment:
    start: float
    end: float
    text: str
    raw_text: str
    words: tuple[Word, ...]
    avg_logprob: float
    no_speech_prob: float
    compression_ratio: float
    channel: int = -1           # the channel it was heard on when a stereo call is transcribed per channel
    flags: tuple[str, ...] = ()  # Flag.HALLUCINATION when its text looks invented (set by normalise)
    language: str = ""          # the language it was decoded in ("" in transcripts made before it was recorded)


@dataclass(frozen=True)
class Reheard:  # words heard again with the case's terms as hotwords (stages/rehear.py), written as the term
    start: float
    end: float
    channel: int
    heard: str                  # the machine's words there on the first hearing
    written: str                # the term of the case heard the second time


@dataclass(frozen=True)
class Transcript:
    language: str               # ISO 639-1, e.g. "zh", "en"
    language_probability: float
    model: str                  # the configured model reference (name, folder or hub id)
    model_sha256: str           # of model.bin, "" when not known (hub models)
    duration: float
    speech_duration: float      # what the VAD heard as speech
    segments: tuple[Segment, ...]
    speech_regions: tuple[tuple[float, float], ...] = ()  # (start, end) the VAD heard as speech (mono mix)
    # a stereo call heard per channel: the VAD's speech on each channel (else empty)
    channel_regions: tuple[tuple[tuple[float, float], ...], ...] = ()
    hotwords: str = ""          # the case's terms, comma-separated, listened for again (stages/rehear.py)
    reheard: tuple[Reheard, ...] = ()   # where words sounding like one were heard again and written as it
    vad: dict[str, float] = field(default_factory=dict)  # the Silero VAD options used for all three uses
    vad_filter: bool = True     # whether the model heard only the VAD's speech (else all of the audio)


# ------------------------------------------------------------------------------------------- diarize


@dataclass(frozen=True)
class Turn:
    start: float
    end: float
    speaker: str                # "SPEAKER_00", …


@dataclass(frozen=True)
class Diarization:
    method: str                 # e.g. "pyannote-segmentation-3.0+campplus", "stereo-channels"
    turns: tuple[Turn, ...]     # may overlap (two people at once)
    exclusive_turns: tuple[Turn, ...]  # at most one speaker at any time
    speakers: tuple[str, ...]
    model_files: dict[str, str]  # file name → sha256
    centroids: dict[str, tuple[float, ...]]  # speaker → mean embedding (to match voices across runs)
    channel_speakers: tuple[str, ...] = ()  # stereo call split per channel: the speaker of channel 0, 1
    tuning: dict[str, float] = field(default_factory=dict)  # the algorithm's parameters that made it


# --------------------------------------------------------------------------------------------- merge


@dataclass(frozen=True)
class Utterance:
    id: str                     # "u0001", …
    speaker: str                # speaker id from the diarization
    start: float
    end: float
    text: str
    words: tuple[Word, ...]
    flags: tuple[str, ...] = ()  # Flag values
    status: str = Status.MACHINE    # the review (set by the review stage from transcript.csv)
    machine_text: str = ""      # the machine's text, kept when a person corrects the line ("" before review)
    machine_speaker: str = ""   # the machine's speaker id, when a person gave the line to another speaker
    language: str = ""          # the language its words were heard in ("" for a line with no words)

    @property
    def machine(self) -> str:
        """The machine's text of the line ("" for a line it heard no words in, whatever a person wrote there)."""
        return self.text if self.status == Status.MACHINE else self.machine_text


@dataclass(frozen=True)
class Utterances:
    language: str
    items: tuple[Utterance, ...]


# --------------------------------------------------------------------------------------------- label


@dataclass(frozen=True)
class Speaker:
    id: str                     # "SPEAKER_00"
    name: str                   # as the user gave it, "" when not named
    role: str                   # as the user gave it (被告, plaintiff, …), "" when not given
    number: int                 # its place in the order of first appearance, from 1 (说话人3 / Speaker 3), fixed
                                # for the recording whoever is named; 0 for the lines no speaker was found for
    talk_time: float
    turns: int
    first_heard: float
    last_heard: float
    identified_by: str = ""     # how the submitting party identified the voice (来电号码、自我介绍 00:01:05 …)
    short: bool = False         # the diarizer kept it though it talks under its short_seconds: perhaps a
                                # fragment of another voice, not a person of its own (the tables say so)


@dataclass(frozen=True)
class Labelled:
    """Utterances with speaker ids replaced by the user's naming (merged where two ids share a name), and after
    review the person's reviews the lines no longer take unambiguously (kept as conflicts, never applied)."""

    language: str
    speakers: tuple[Speaker, ...]
    items: tuple[Utterance, ...]
    conflicts: tuple[Conflict, ...] = ()


class ConflictReason(StrEnum):
    """Why a person's review was not carried onto this transcript's lines."""

    GONE = "gone"                       # no line is over its stretch of time any more
    SPLIT = "split"                     # its stretch is now under two or more lines (or two speakers)
    CHANGED = "changed"                 # the machine's text under it is not the text the person reviewed
    PARTIAL = "partial"                 # a review (no correction) of what is now part of a longer line
    TWICE = "twice"                     # two reviews now fall on one line
    SPEAKER = "speaker"                 # the voices were found again: the line's speaker is not the one reviewed


@dataclass(frozen=True)
class Conflict:
    """A person's review of a stretch of the recording, as transcript.csv held it, that the machine's new lines
    do not take unambiguously: shown to review again, never applied and never dropped."""

    start: float
    end: float
    text: str                   # the person's text
    speaker: str                # the person's speaker id (as of the transcript they reviewed)
    status: str                 # Status: reviewed or corrected
    machine_text: str           # the machine's text the person reviewed or corrected
    machine_speaker: str
    reason: str                 # ConflictReason
    lines: tuple[str, ...]      # the ids of the lines now over its stretch


# --------------------------------------------------------------------------------------------- facts


@dataclass(frozen=True)
class Fact:
    utterance_id: str
    start: float
    speaker: str                # speaker id after labelling
    category: str               # admission, denial, amount, date, place, name, promise, threat, self_id
    rule_id: str
    span: tuple[int, int]       # character offsets of the match in the utterance text
    matched: str
    value: str                  # normalised value ("50000 CNY", "2025-03-05"), "" when none
    explanation: str
    note: str = ""              # the user's note from key_facts.csv (shown in the index)
    computed: bool = False      # value worked out from the recording date (下个月十五号), shown as such（推算）


@dataclass(frozen=True)
class Facts:
    items: tuple[Fact, ...]
    rule_files: dict[str, str] = field(default_factory=dict)  # file → sha256


# ----------------------------------------------------------------------------------------- integrity


@dataclass(frozen=True)
class Point:
    """One point for an examiner to check in the original (never a finding)."""

    check: str                  # container, software, duration, digital_silence
    kind: str                   # what was seen (stages.integrity.KINDS)
    values: dict[str, str | float]   # the data its sentence needs
    start: float | None = None  # seconds into the recording, when the point has a place
    end: float | None = None


@dataclass(frozen=True)
class Integrity:
    points: tuple[Point, ...]


# -------------------------------------------------------------------------------------------- export


@dataclass(frozen=True)
class Exported:
    """The files the export stage wrote: role ("docx", "srt", "clip SPEAKER_00" …) → path in the run folder,
    and each path's sha256."""

    files: dict[str, str]
    sha256: dict[str, str]


# ------------------------------------------------------------------------------------------ manifest


@dataclass(frozen=True)
class StageRecord:
    stage: str
    version: int
    cache_key: str              # derived from the stage's declaration: its inputs, settings and files
    ran: bool                   # False when the cached artifact was reused
    seconds: float
    artifact: str               # its file in the run folder (stages/<stage>.json)
    artifact_sha256: str
    inputs: dict[str, str] = field(default_factory=dict)   # what the key covers: input name → its sha256


@dataclass(frozen=True)
class RunManifest:
    software: dict[str, str]    # package → version
    original: str
    original_sha256_before: str
    original_sha256_after: str
    settings: dict[str, Any]
    models: dict[str, str]      # model file → sha256
    stages: tuple[StageRecord, ...]
    outputs: dict[str, str]     # output file → sha256
    created: str
    flagged: dict[str, tuple[str, ...]] = field(default_factory=dict)  # "hallucination"/"inaudible" → utterance ids
    review: dict[str, Any] = field(default_factory=dict)  # transcript.csv: its sha256, line counts, reviewer
    received: dict[str, str] = field(default_factory=dict)  # the original came through the app: its name as sent,
                                                            # when it was received, its sha256 (web/upload.py)
    hotwords: dict[str, tuple[str, ...]] = field(default_factory=dict)  # the case's terms by source (vocabulary.py)
