"""The export stage: every file a person opens, written from the run's artifacts in the exhibit's language —
the Word exhibit for the court and the counsel's working copy, transcript.csv and key_facts.csv (Excel), the
subtitles, the JSON for programs, the RTTM, integrity.json and a listening clip per voice. Its artifact lists the files and their sha256, so that a
re-run with nothing changed reuses them only while every one is still as written.

The files are written into the run folder's .incoming/ folder; the runner moves them into place as one set
with the manifest (RunDir.publish), so that a run that fails or is killed half-way leaves the previous set
whole."""

from __future__ import annotations

import shutil
from pathlib import Path

from pipeline.artifacts import Exported
from pipeline.config import CONFIG_DIR
from pipeline.export.clips import write_speaker_clips
from pipeline.export.content import ExhibitContent
from pipeline.export.integrity import write_integrity_json
from pipeline.export.json import write_json
from pipeline.export.rttm import write_rttm
from pipeline.export.srt import write_srt
from pipeline.export.tables import write_key_facts_csv, write_transcript_csv
from pipeline.export.word import COUNSEL, write_docx
from pipeline.export.word.styles import TEMPLATE
from pipeline.fileio import sha256_file
from pipeline.progress import StageProgress, silent
from pipeline.rundir import RunDir

VERSION = 5   # 5: coverage counts the speech the diarizer heard too (merge.heard_speech)
# what the documents are made from besides the artifacts and the settings (their hashes are in the cache key)
FILES = (CONFIG_DIR / "exhibit_zh.toml", CONFIG_DIR / "exhibit_en.toml", TEMPLATE)


def export(content: ExhibitContent, run: RunDir, progress: StageProgress = silent) -> Exported:
    """Write every output into the run folder's .incoming/ folder; the record of what was written (paths as
    they will be once moved into place). Progress: the files written of all."""
    into = run.staged()
    shutil.rmtree(into.root, ignore_errors=True)
    into.root.mkdir()
    stem = Path(content.asset.file_name).stem
    labelled, language = content.labelled, content.language
    files = {"docx": into.docx(stem), "counsel_docx": into.counsel_docx(stem), "transcript_csv": into.transcript_csv,
             "key_facts_csv": into.key_facts_csv, "srt": into.srt(stem), "json": into.json(stem),
             "rttm": into.rttm(stem), "integrity": into.integrity_json}
    writers = (lambda: write_transcript_csv(files["transcript_csv"], labelled, language),
               lambda: write_key_facts_csv(files["key_facts_csv"], labelled, content.facts, language),
               lambda: write_srt(files["srt"], labelled, language),
               lambda: write_json(files["json"], content),
               lambda: write_rttm(files["rttm"], content.diarization, stem),
               lambda: write_integrity_json(files["integrity"], content.asset, content.integrity),
               lambda: write_docx(files["docx"], content),
               lambda: write_docx(files["counsel_docx"], content, COUNSEL))
    for done, write in enumerate(writers):
        progress(done, len(writers) + 1)
        write()
    progress(len(writers), len(writers) + 1)
    clips = write_speaker_clips(run, content.diarization, into)
    files.update({f"clip {sid}": path for sid, path in clips.items()})
    return Exported(files={role: into.relative(path) for role, path in files.items()},
                    sha256={into.relative(path): sha256_file(path) for path in files.values()})


def still_written(exported: Exported, run: RunDir) -> str:
    """The first file the export wrote that is no longer there as it wrote it ("" when all are)."""
    for name, digest in exported.sha256.items():
        path = run.root / name
        if not path.is_file() or sha256_file(path) != digest:
            return name
    return ""
