"""The chain of custody of a run folder: each stage's record (stages/records.json, listed again in manifest.json)
holds its cache key, the sha256 of its artifact and the sha256 of every input it was made from; an input that
is an earlier stage's artifact (or one field of it) carries that artifact's sha256, so the records link up from
the original's hash to the exported files.

The runner keeps the records as it goes (read_records, write_records) and trusts a cached artifact only while
its sha256 is the recorded one. verify() checks a finished folder end to end before it is packaged: every
artifact on disk as recorded, every link between the records intact, the working copies of the sound as ingest
recorded them, records.json the same chain as the manifest, the ingest record the original's. Any break is
one PipelineError saying which file and what to do.

What the chain cannot catch: someone who rewrites a working file and then every hash that refers to it
(records.json and manifest.json) by hand. Nothing in the folder is signed; the package's SHA256SUMS and the
original's hash (checked against the original itself) are what another party can verify."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pipeline.artifactio import from_dict, load, to_dict
from pipeline.artifacts import AudioAsset, RunManifest, StageRecord
from pipeline.errors import PipelineError
from pipeline.fileio import sha256_file, sha256_json, write_text_atomic
from pipeline.rundir import RunDir

# what a stage's key covers, as its record names it: earlier artifacts ("ingest", "ingest.wav_sha256"), settings
# ("settings:diarize"), files of the run folder ("file:speakers.csv") and the environment
ENVIRONMENT = "environment"
SETTING, FILE = "settings:", "file:"
OTHER_KINDS = (SETTING, FILE)


def original_identity(sha256: str, path: str, modified: str) -> dict[str, str]:
    """What ingest's cache key holds of the original: its content (sha256), where it is (absolute path) and
    its file time, so that a moved or re-dated original is recorded again (and the exhibit names it as it
    is now) while the models' steps, keyed on the working copy of the sound, are reused."""
    return {"sha256": sha256, "path": path, "modified": modified}


def read_records(run: RunDir) -> dict[str, StageRecord] | None:
    """Each stage's record as the last run left it ({} when there is none yet); None when records.json is
    there but cannot be read (it was damaged or edited)."""
    if not run.records.exists():
        return {}
    try:
        data = json.loads(run.records.read_text(encoding="utf-8"))
        return {r["stage"]: from_dict(StageRecord, r) for r in data["stages"]}
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None


def write_records(run: RunDir, records: dict[str, StageRecord]) -> None:
    write_text_atomic(run.records, json.dumps({"stages": [to_dict(r) for r in records.values()]},
                                              ensure_ascii=False, indent=1))


def upstream(name: str) -> tuple[str, str] | None:
    """(stage, field) an input of a record names ("diarize" → ("diarize", ""); "ingest.wav_sha256" →
    ("ingest", "wav_sha256")); None for a setting, a file or the environment."""
    if name == ENVIRONMENT or name.startswith(OTHER_KINDS):
        return None
    stage, _, part = name.partition(".")
    return stage, part


def input_digest(record: StageRecord, part: str, run: RunDir) -> str:
    """The sha256 an input of a later stage carries for this stage's artifact: of the whole artifact, or of
    one field of it (as the runner hashes it: the field's JSON)."""
    if not part:
        return record.artifact_sha256
    data: Any = json.loads((run.root / record.artifact).read_text(encoding="utf-8"))["data"][part]
    return sha256_json(data)


def _changed(run: RunDir, name: str) -> PipelineError:
    return PipelineError.keyed("changed_after", path=run.root / name)


def _broken(run: RunDir, stage: str, source: str) -> PipelineError:
    return PipelineError.keyed("record_broken", folder=run.root, stage=stage, source=source)


def verify(run: RunDir, manifest: RunManifest, required: tuple[str, ...]) -> None:
    """Check the folder's chain of custody end to end (see the module doc); the `required` stages must be in
    it. One PipelineError on the first break found."""
    chain = {r.stage: r for r in manifest.stages}
    for stage in required:
        if stage not in chain:
            raise PipelineError.keyed("no_step", folder=run.root, stage=stage)
    kept = read_records(run)
    if kept is None or any(to_dict(kept.get(stage)) != to_dict(r) for stage, r in chain.items()):
        raise PipelineError.keyed("records_not_manifest", folder=run.root)
    for record in manifest.stages:
        path = run.root / record.artifact
        if not path.is_file():
            raise PipelineError.keyed("missing_run_again", path=path)
        if sha256_file(path) != record.artifact_sha256:
            raise _changed(run, record.artifact)
    for record in manifest.stages:
        for name, digest in record.inputs.items():
            link = upstream(name)
            if link is None:
                continue
            source = chain.get(link[0])
            if source is None:
                raise _broken(run, record.stage, link[0])
            try:
                if input_digest(source, link[1], run) != digest:
                    raise _broken(run, record.stage, link[0])
            except (OSError, ValueError, KeyError, TypeError):
                raise _broken(run, record.stage, link[0]) from None
    _verify_working_copies(run, manifest, chain)


def _verify_working_copies(run: RunDir, manifest: RunManifest, chain: dict[str, StageRecord]) -> None:
    """The sound the clips are cut from is the one ingest made; ingest recorded the original of this run."""
    if "ingest" not in chain:
        return
    asset = load(AudioAsset, run.root / chain["ingest"].artifact)
    if asset is None:
        raise _changed(run, chain["ingest"].artifact)
    identity = sha256_json(original_identity(asset.sha256, asset.source_path, asset.modified))
    if asset.sha256 != manifest.original_sha256_after or chain["ingest"].inputs.get(ENVIRONMENT) != identity:
        raise PipelineError.keyed("ingest_edited", folder=run.root)
    changed = working_copy_changed(asset, run)
    if changed is not None and not changed.is_file():
        raise PipelineError.keyed("missing_run_again", path=changed)
    if changed is not None:
        raise _changed(run, run.relative(changed))


def working_copy_changed(asset: AudioAsset, run: RunDir) -> Path | None:
    """The first working copy of the sound that is not as ingest recorded it (missing, or another sha256), or
    None; the mono copy is always expected, the two-channel one when ingest made it."""
    for path, digest in ((run.wav, asset.wav_sha256), (run.stereo_wav, asset.stereo_wav_sha256)):
        if (digest or path == run.wav) and (not path.is_file() or sha256_file(path) != digest):
            return path
    return None
