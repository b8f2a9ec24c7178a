"""What the review page shows and saves: the lines of a finished run folder as transcript.csv holds them now
(so that the page and Excel are two editors of one record), with what only the run knows (the words the
machine was unsure of, the marks, the speakers); and the page's edits written back to transcript.csv."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pipeline.artifactio import load
from pipeline.artifacts import Labelled, RunManifest, Status, Utterance
from pipeline.config import Settings, settings_from_record
from pipeline.controls import find_control
from pipeline.csvio import write_csv
from pipeline.errors import Joined, Name, PipelineError, StaleSaveError
from pipeline.export.manifest import read_manifest
from pipeline.export.tables import write_transcript_csv
from pipeline.export.word.transcript import uncertain_spans
from pipeline.export.wording import exhibit_language, load_wording, marks, speaker_text
from pipeline.fileio import sha256_file, sha256_json
from pipeline.rundir import RunDir
from pipeline.stages.review import COLUMNS, SAME_TIME, Row, parse_rows, read_table, reviewed

EDITABLE = ("speaker_id", "text", "status")


@dataclass(frozen=True)
class Run:
    """A finished run folder, as the review page needs it."""

    folder: RunDir
    manifest: RunManifest
    settings: Settings
    labelled: Labelled          # the lines as the last run reviewed them
    machine: Labelled           # the lines before any review (what the review stage applies the file to)
    language: str               # the exhibit's language: the page's too

    @classmethod
    def open(cls, root: Path) -> Run:
        folder = RunDir(Path(root))
        labelled, machine = load(Labelled, folder.artifact("review")), load(Labelled, folder.artifact("label"))
        if not folder.manifest.is_file() or labelled is None or machine is None or not folder.wav.is_file():
            raise PipelineError.keyed("not_a_finished_folder", folder=root)
        manifest = read_manifest(folder.manifest)
        settings = settings_from_record(manifest.settings)
        return cls(folder, manifest, settings, labelled, machine,
                   exhibit_language(settings.export, labelled.language))


def _read(run: Run) -> tuple[list[str], list[dict[str, str]], list[Row]]:
    """transcript.csv's columns, its rows as the file has them and the same rows as the review stage reads them
    (none when the file is absent or has no ids). A file the run would refuse is refused here, in the same line
    (the review stage's own checks): the page neither shows nor saves over it."""
    path = run.folder.transcript_csv
    if not path.exists():
        return [], [], []
    header, rows = read_table(path)
    return header, rows, _checked(run, header, rows)


def _checked(run: Run, header: list[str], rows: list[dict[str, str]]) -> list[Row]:
    """The rows parsed, once the review stage has found nothing wrong in them."""
    parsed = parse_rows(header, rows, run.folder.transcript_csv)
    reviewed(run.machine, parsed, run.folder.transcript_csv)
    return parsed or []


def _conflicts(run: Run, rows: list[Row], wording) -> list[dict[str, Any]]:
    """The reviews the lines no longer take, as the review stage finds them in the file now: to review again."""
    found = reviewed(run.machine, rows, run.folder.transcript_csv).conflicts if rows else ()
    speakers = {s.id: s for s in run.labelled.speakers}
    return [{"start": c.start, "end": c.end, "text": c.text, "machine_text": c.machine_text,
             "speaker": speaker_text(speakers.get(c.speaker), wording, fallback=c.speaker),
             "reason": wording["conflicts"][c.reason]} for c in found]


def _line(number: int, u: Utterance, row: Row | None, wording, threshold: float) -> dict:
    """One line: as the file has it now, the machine's text and speaker beside it, its marks (as the last run
    flagged it) and the character spans of the words the machine was unsure of (while the text is its own)."""
    text = row.text if row else u.text
    shaded = uncertain_spans(u, threshold) if text == u.text and u.status != Status.CORRECTED else []
    return {"id": u.id, "number": number, "start": u.start, "end": u.end,
            "speaker_id": (row.speaker_id or u.speaker) if row else u.speaker,
            "text": text, "status": row.status if row else u.status,
            "machine_text": u.machine, "machine_speaker_id": u.machine_speaker or u.speaker,
            "marks": marks(u, wording), "uncertain": [list(span) for span in shaded]}


def _rows_of_run(parsed: list[Row], run: Run) -> dict[str, Row]:
    """line id → the row of transcript.csv written for this run's line of that id (the file may hold the lines
    of another cut: kept when saved in Excel while a run made the exhibit)."""
    starts = {u.id: u.start for u in run.labelled.items}
    return {row.id: row for row in parsed if row.id in starts and row.start is not None
            and abs(row.start - starts[row.id]) < SAME_TIME}


def version(run: Run) -> str:
    """What the page loaded: transcript.csv as the file is now and the run that made the lines (its manifest).
    A save made against another version is refused (StaleSaveError): another tab, Excel or a run changed them."""
    csv, manifest = run.folder.transcript_csv, run.folder.manifest
    return sha256_json([sha256_file(csv) if csv.is_file() else "", sha256_file(manifest) if manifest.is_file() else ""])


def state(run: Run, language: str) -> dict[str, Any]:
    """Everything the page shows, in the interface's `language`, and the version it shows (see version)."""
    wording = load_wording(language)
    parsed = _read(run)[2]
    rows = _rows_of_run(parsed, run)
    threshold = run.settings.merge.low_confidence
    lines = [_line(n, u, rows.get(u.id), wording, threshold) for n, u in enumerate(run.labelled.items, start=1)]
    return {"language": language, "file": run.manifest.original, "words": dict(wording["review"]),
            "version": version(run),
            "statuses": {s.value: wording["review"][f"status_{s.value}"] for s in Status},
            "threshold": threshold, "lines": lines, "conflicts": _conflicts(run, parsed, wording),
            "conflict_words": dict(wording["conflicts"]),
            "speakers": [{"id": s.id, "label": speaker_text(s, wording)} for s in run.labelled.speakers]}


def save(root: Path, edits: list[dict[str, Any]], loaded: str,
         dismissed: list[dict[str, Any]] | None = None) -> tuple[Path, str]:
    """Write the page's edits ({id, speaker_id, text, status} per changed line) into transcript.csv, atomically,
    keeping every other column and row as the file has them, under the folder's lock (a run cannot move its
    outputs over it meanwhile), and only when the file and the run are still the version the page `loaded`. The
    conflicts the person `dismissed` ({start, end, text} of each) are taken out of the file. Returns the file
    and its new version."""
    folder = RunDir(Path(root))
    with folder.lock("exhibit review: saving"):
        run = Run.open(root)
        now = version(run)
        if loaded != now:
            raise StaleSaveError.keyed("app_review_stale", path=run.folder.transcript_csv)
        path = _write(run, edits, dismissed or [])
        return path, version(run)


def _dismissed(row: dict[str, str], dismissed: list[dict[str, Any]]) -> bool:
    """Whether a conflict row of transcript.csv is one the person dismissed on the page."""
    if row.get("id") or not row.get("conflict"):
        return False
    return any(_same(row.get("start"), d.get("start")) and _same(row.get("end"), d.get("end"))
               and row.get("text", "").strip() == str(d.get("text", "")).strip() for d in dismissed)


def _same(cell: str | None, value: Any) -> bool:
    try:
        return abs(float(cell or "nan") - float(value)) < 5e-4
    except (TypeError, ValueError):
        return False


def _write(run: Run, edits: list[dict[str, Any]], dismissed: list[dict[str, Any]]) -> Path:
    path = run.folder.transcript_csv
    header, rows, parsed = _read(run)
    if not path.exists():
        write_transcript_csv(path, run.labelled, run.language)
        header, rows, parsed = _read(run)
    mine = _rows_of_run(parsed, run)
    if not mine or len(mine) < len({row.id for row in parsed if row.id}):
        raise PipelineError.keyed("app_review_other_rows", path=path)
    by_id = {r["id"]: r for r in rows if r.get("id")}
    speakers = {s.id for s in run.labelled.speakers} | {s.id for s in run.machine.speakers}
    for edit in edits:
        row = by_id.get(str(edit.get("id")))
        if row is None:
            raise PipelineError.keyed("app_review_no_line", path=path, line=edit.get("id"))
        if "speaker_id" in edit and str(edit["speaker_id"]) not in speakers:
            raise PipelineError.keyed("app_review_unknown_speaker", path=path, line=edit["id"],
                                      speaker=str(edit["speaker_id"]), known=Joined(tuple(sorted(speakers))))
        for column in EDITABLE:
            if column in edit:
                if not isinstance(edit[column], str):
                    raise PipelineError.keyed("app_review_not_text", path=path, line=edit["id"], column=Name(column),
                                              kind=type(edit[column]).__name__)
                value = edit[column].replace("\r", " ").replace("\n", " ").strip()
                problem = find_control(value)
                if problem:
                    raise PipelineError.keyed("app_review_control", path=path, line=edit["id"], column=Name(column),
                                              problem=problem)
                row[column] = value
    rows = [r for r in rows if not _dismissed(r, dismissed)]
    columns = header if set(COLUMNS) <= set(header) else COLUMNS + [h for h in header if h not in COLUMNS]
    _checked(run, columns, rows)        # what is written, the run takes
    write_csv(path, columns, [[r.get(c, "") for c in columns] for r in rows])
    return path
