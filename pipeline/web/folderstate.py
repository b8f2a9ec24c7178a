"""Where a run folder stands, as the Cases page lists it: one function reading the folder, writing nothing.

The states, the first that holds:
- processing: a run or packaging holds the folder (its lock), or a run's outputs are being moved into place;
- received: the app received the recording (received.json) and no run has finished yet (one failed, was
  cancelled, or is to start);
- packaged: package.zip is there, newer than manifest.json (made from this run's outputs), of a court copy that
  is no draft (a voice left without a name then was counsel's choice);
- needs_names: the last run's lines have speakers with no name (speakers.csv; a name that shows nothing is none);
- draft: the court copy is a draft (review.unfinished: lines not reviewed, no reviewer, reviews to do again);
- reviewed: the court copy is not a draft.
Beside the state: the person's files saved since the documents were made (behind), which they do not hold yet.
A folder that holds no finished run (no manifest.json, no review artifact), is not being processed and received
no recording through the app is not a run folder (None)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from pipeline.artifactio import load
from pipeline.artifacts import Labelled, RunManifest
from pipeline.config import settings_from_record
from pipeline.controls import shows_something
from pipeline.errors import PipelineError
from pipeline.export.manifest import read_manifest
from pipeline.fileio import sha256_file
from pipeline.rundir import RunDir
from pipeline.stages.review import unfinished

PROCESSING, RECEIVED, NEEDS_NAMES, DRAFT, PACKAGED, REVIEWED = ("processing", "received", "needs_names", "draft",
                                                                "packaged", "reviewed")
STATES = (PROCESSING, RECEIVED, NEEDS_NAMES, DRAFT, PACKAGED, REVIEWED)


@dataclass(frozen=True)
class FolderState:
    state: str                                          # one of STATES
    finished: bool                                      # a finished run is there (its review step opens)
    why: dict[str, int] = field(default_factory=dict)  # a draft: review.unfinished's reasons and counts
    unnamed: tuple[str, ...] = ()                       # the speakers with no name (their ids)
    lines: int = 0                                      # how many lines the last run made
    behind: tuple[str, ...] = ()                        # the person's files saved since the documents were made


def folder_state(path: Path) -> FolderState | None:
    """The state of the run folder `path` (see the module doc), or None when it is not a run folder."""
    run = RunDir(Path(path))
    busy = run.held() or run.incoming.exists()
    found = _last_run(run)
    if found is None:
        if busy:
            return FolderState(PROCESSING, finished=False)
        return FolderState(RECEIVED, finished=False) if run.received.is_file() else None
    labelled, manifest, reviewer = found
    unnamed = tuple(s.id for s in labelled.speakers if s.number > 0 and not shows_something(s.name))
    why = unfinished(labelled, reviewer)
    packaged = run.package_zip.is_file() and run.package_zip.stat().st_mtime_ns > run.manifest.stat().st_mtime_ns
    if busy:
        state = PROCESSING
    elif packaged and not why:                 # filed as it is: a voice left without a name was counsel's choice
        state = PACKAGED
    elif unnamed:
        state = NEEDS_NAMES
    elif why:
        state = DRAFT
    else:
        state = REVIEWED
    return FolderState(state, finished=True, why=why, unnamed=unnamed, lines=len(labelled.items),
                       behind=behind(run, manifest.outputs))


def behind(run: RunDir, recorded: dict[str, str]) -> tuple[str, ...]:
    """The person's files (transcript.csv, speakers.csv, key_facts.csv, case.toml) that differ from what the last
    run recorded of them (its manifest's outputs): work saved (in the app, in Excel) the documents do not hold."""
    changed = []
    for path in (run.transcript_csv, run.speakers_csv, run.key_facts_csv, run.case_toml):
        name = run.relative(path)
        now = sha256_file(path) if path.is_file() else ""
        if name in recorded and now != recorded[name]:
            changed.append(name)
    return tuple(changed)


def _last_run(run: RunDir) -> tuple[Labelled, RunManifest, str] | None:
    """The last run's reviewed lines, its manifest (read once) and its reviewer (as the package reads it), when
    the folder holds a finished run."""
    if not run.manifest.is_file():
        return None
    try:
        manifest = read_manifest(run.manifest)
        reviewer = str(settings_from_record(manifest.settings).case.reviewed_by)
    except (PipelineError, OSError, ValueError, KeyError, TypeError, AttributeError):
        return None                                     # not a run this version can read: not listed as one
    labelled = load(Labelled, run.artifact("review"))
    return (labelled, manifest, reviewer) if labelled is not None else None
