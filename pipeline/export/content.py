"""What the exhibit shows, in one typed bundle: the export stage assembles it from the run's artifacts, every
writer only renders it."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import datetime, tzinfo

from pipeline.artifacts import AudioAsset, Diarization, Facts, Labelled, Point, Transcript
from pipeline.config import ExportConfig, Settings
from pipeline.export.coverage import Coverage, coverage
from pipeline.export.wording import exhibit_language
from pipeline.stages.review import unfinished


@dataclass(frozen=True)
class ExhibitContent:
    asset: AudioAsset
    transcript: Transcript
    diarization: Diarization
    labelled: Labelled
    facts: Facts               # as reviewed by the user (rows deleted from key_facts.csv gone, notes added)
    models: dict[str, str]     # model file → sha256 ("" when not known), see model_files
    coverage: Coverage
    integrity: tuple[Point, ...]   # the integrity screen's points to check in the original
    settings: Settings         # the run's settings; settings.case is the case as the user states it
    software: dict[str, str]   # package → version (manifest.software_versions)
    language: str              # the language of every output: "zh" or "en"
    processed: datetime        # when this run made the exhibit (to the minute in the document)

    @property
    def zone(self) -> tzinfo:
        """The one zone every time in the documents is shown in (the case's time_zone, else this computer's)."""
        return self.settings.case.zone()

    @property
    def unfinished(self) -> dict[str, int]:
        """Why the court copy is a draft ({} when it is not): review.unfinished."""
        return unfinished(self.labelled, self.settings.case.reviewed_by)


def court_facts(facts: Facts, export: ExportConfig) -> Facts:
    """The key facts the court copy (and the package's clips) may show: without the categories counsel keeps to
    the working copy ([export] counsel_only_categories, threat by default)."""
    withheld = set(export.counsel_only_categories)
    return dataclasses.replace(facts, items=tuple(f for f in facts.items if f.category not in withheld))


def model_files(transcript: Transcript, diarization: Diarization) -> dict[str, str]:
    """Every model that made the transcript and the speaker turns → its sha256: the speech recognition model
    first ("" for a hub model whose file is not known), then the diarizer's files."""
    return {f"whisper:{transcript.model}": transcript.model_sha256, **diarization.model_files}


def exhibit_content(asset: AudioAsset, transcript: Transcript, diarization: Diarization, labelled: Labelled,
                    facts: Facts, integrity: tuple[Point, ...], settings: Settings, software: dict[str, str],
                    processed: datetime) -> ExhibitContent:
    return ExhibitContent(asset=asset, transcript=transcript, diarization=diarization, labelled=labelled,
                          facts=facts, models=model_files(transcript, diarization),
                          coverage=coverage(transcript, labelled, settings.merge.low_confidence, diarization),
                          integrity=integrity, settings=settings, software=software,
                          language=exhibit_language(settings.export, labelled.language), processed=processed)
