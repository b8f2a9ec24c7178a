"""The run folder out/<name>/: the one place that knows every path in it. Used by the runner, the stages that
read the user's files, the export writers, the evidence package and the tools.

out/<name>/
    <stem>.docx, <stem>_counsel.docx                          the court copy, the counsel's working copy
    <stem>.srt, <stem>.json, <stem>.rttm                      the exhibit's companions (<stem>: the
    transcript.csv, key_facts.csv, integrity.json              recording's file name without extension)
    speakers.csv, speakers.previous.csv                       the user's naming of the voices
    speakers/SPEAKER_00.wav …                                 a listening clip per voice
    manifest.json                                             the record of the run
    stages/<stage>.json                                       each stage's artifact
    stages/records.json                                       each stage's cache key and artifact sha256
    stages/audio16k.wav, stages/audio16k_stereo.wav           the working copies of the sound
    stages/speakers_voices.json, stages/key_facts_seen.json   what the user's files were written from
    package/, package.zip                                     the evidence package
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

WORK = "stages"
SPEAKER_CLIPS = "speakers"


@dataclass(frozen=True)
class RunDir:
    root: Path

    # ------------------------------------------------------------------------------------ working files

    @property
    def work(self) -> Path:
        return self.root / WORK

    def artifact(self, stage: str) -> Path:
        return self.work / f"{stage}.json"

    @property
    def records(self) -> Path:
        return self.work / "records.json"

    @property
    def wav(self) -> Path:
        """The 16 kHz mono working copy of the sound."""
        return self.work / "audio16k.wav"

    @property
    def stereo_wav(self) -> Path:
        """The 16 kHz two-channel working copy, made only for originals with two or more channels."""
        return self.work / "audio16k_stereo.wav"

    @property
    def voices(self) -> Path:
        """The voices (mean speaker embeddings) the ids in speakers.csv stand for."""
        return self.work / "speakers_voices.json"

    @property
    def key_facts_seen(self) -> Path:
        """The key-fact ids listed in key_facts.csv so far (a row deleted there stays deleted)."""
        return self.work / "key_facts_seen.json"

    # ------------------------------------------------------------------------------------ the user's files

    @property
    def speakers_csv(self) -> Path:
        return self.root / "speakers.csv"

    @property
    def speakers_previous_csv(self) -> Path:
        return self.root / "speakers.previous.csv"

    @property
    def key_facts_csv(self) -> Path:
        return self.root / "key_facts.csv"

    @property
    def transcript_csv(self) -> Path:
        return self.root / "transcript.csv"

    # -------------------------------------------------------------------------------------------- outputs

    def docx(self, stem: str) -> Path:
        """The court copy: the only document that goes into the evidence package."""
        return self.root / f"{stem}.docx"

    def counsel_docx(self, stem: str) -> Path:
        """The counsel's working copy (工作底稿): never filed, never packaged."""
        return self.root / f"{stem}_counsel.docx"

    def srt(self, stem: str) -> Path:
        return self.root / f"{stem}.srt"

    def json(self, stem: str) -> Path:
        return self.root / f"{stem}.json"

    def rttm(self, stem: str) -> Path:
        return self.root / f"{stem}.rttm"

    @property
    def integrity_json(self) -> Path:
        return self.root / "integrity.json"

    @property
    def speaker_clips(self) -> Path:
        return self.root / SPEAKER_CLIPS

    def speaker_clip(self, speaker: str) -> Path:
        return self.speaker_clips / f"{speaker}.wav"

    @property
    def manifest(self) -> Path:
        return self.root / "manifest.json"

    @property
    def package(self) -> Path:
        return self.root / "package"

    @property
    def package_zip(self) -> Path:
        return self.root / "package.zip"

    def relative(self, path: Path) -> str:
        """A path in the run folder as the manifest names it (POSIX, relative to the folder)."""
        return path.relative_to(self.root).as_posix()
