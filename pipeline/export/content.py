"""What the Word exhibit shows, in one typed bundle: the runner assembles it, the docx writer only renders it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from pipeline.artifacts import AudioAsset, Diarization, Facts, Labelled, Transcript
from pipeline.config import Settings
from pipeline.coverage import Coverage
from pipeline.integrity import Point


@dataclass(frozen=True)
class ExhibitContent:
    asset: AudioAsset
    transcript: Transcript
    diarization: Diarization
    labelled: Labelled
    facts: Facts               # as reviewed by the user (rows deleted from key_facts.csv gone, notes added)
    models: dict[str, str]     # model file → sha256, everything that made the transcript and the speaker turns
    coverage: Coverage
    integrity: tuple[Point, ...]   # the integrity screen's points to check in the original
    settings: Settings         # the run's settings; settings.case is the case as the user states it
    software: dict[str, str]   # package → version (manifest.software_versions)
    language: str              # the exhibit's language: "zh" or "en"
    processed: datetime        # when this run made the exhibit (to the minute in the document)
