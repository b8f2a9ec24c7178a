"""The evidence package: everything a court or the other side needs, in one folder (and one zip) beside the
run folder, each file's sha256 in SHA256SUMS so that `sha256sum -c SHA256SUMS` checks the lot.

out/<name>/package/
    <original>            a byte-identical copy of the recording, its sha256 checked against the one recorded
    <name>.docx, <name>.srt
                          the court copy only: never <name>_counsel.docx, nor key_facts.csv (counsel's notes)
    <name>.csv            the court copy's lines (line, time, speaker, text, marks): no review working columns
    <name>.pdf            the exhibit as PDF, made by LibreOffice where it is installed (else left out, and
                          Package.no_pdf says why)
    clips/00-01-23_amount.wav   a few seconds around each key fact the court copy indexes, from the working copy
    manifest.json         the court manifest: the recording's identity, whether it is a draft, the review as
                          recorded, the software and models, every other file's sha256 — no path on this computer,
                          nothing of counsel's (the run's full manifest stays in the run folder)
    SHA256SUMS
out/<name>/package.zip     the same files under <name>/, every entry dated as the run

A court copy that is still a draft (a line not reviewed, no reviewer named: review.unfinished) is packaged only
when asked for (draft=True, `exhibit package --draft`), and its court manifest says it is a draft.

The package is built in a temporary folder and renamed into place: it is whole or absent. Before anything
is copied, the run folder's chain of custody is verified (chain.verify: every working file as the run recorded
it, the records linked up to the original's hash) and every output as the manifest lists it: an edited cache
file or output cannot reach a package. Packaging holds the run folder's lock."""

from __future__ import annotations

import json
import logging
import os
import shutil
import tempfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from pipeline.artifactio import load
from pipeline.artifacts import AudioAsset, Fact, Facts, Labelled, RunManifest, Status
from pipeline.audio import SAMPLE_RATE, read_wav, write_wav
from pipeline.chain import SETTING, verify
from pipeline.errors import Joined, Phrase, PipelineError, os_error
from pipeline.config import CaseConfig, Settings, settings_from_record
from pipeline.export.content import court_facts
from pipeline.export.manifest import read_manifest
from pipeline.export.tables import write_court_csv
from pipeline.export.wording import exhibit_language
from pipeline.export.pdf import INSTALL_HINT, docx_to_pdf, find_soffice
from pipeline.fileio import sha256_file, sha256_json, write_bytes_atomic, write_text_atomic, zip_bytes
from pipeline.rundir import RunDir
from pipeline.stages.review import counts, unfinished
from pipeline.timefmt import hms

log = logging.getLogger(__name__)

SUMS, CLIPS, MANIFEST = "SHA256SUMS", "clips", "manifest.json"
COURT_MANIFEST = "exhibit-court-package"
READS = ("ingest", "label", "review", "fact_review", "export")   # the stages whose records the package relies on
READABLE = 0o755      # the package's folders: anyone who may read the run folder may read the package
CLIP_PAD = 2.0        # seconds of context before and after the line the fact was said in
CLIP_MAX = 20.0       # a long line is cut after this many seconds (plus the padding)


@dataclass(frozen=True)
class Package:
    folder: Path
    zip_path: Path
    files: dict[str, str]     # path inside the package (POSIX) → sha256
    no_pdf: str = ""          # why the package has no PDF of the exhibit, in one line ("" when it has one)
    draft: bool = False       # the court copy in it is a draft (packaged with draft=True)
    language: str = "en"      # the exhibit's language (what the command's closing lines are said in)


def _not_finished(run_dir: Path, missing: str) -> PipelineError:
    return PipelineError.keyed("not_finished", folder=run_dir, missing=missing)


def _load(run: RunDir, cls, stage: str):
    artifact = load(cls, run.artifact(stage))
    if artifact is None:
        raise _not_finished(run.root, run.relative(run.artifact(stage)))
    return artifact


def clip_name(fact: Fact, taken: set[str]) -> str:
    """00-01-23_amount.wav; a second fact of the same kind in the same second gets _2, _3 …"""
    base = f"{hms(fact.start).replace(':', '-')}_{fact.category}"
    name, n = f"{base}.wav", 1
    while name in taken:
        n += 1
        name = f"{base}_{n}.wav"
    taken.add(name)
    return name


def _write_clips(folder: Path, wav: Path, facts: tuple[Fact, ...], labelled: Labelled) -> None:
    if not facts:
        return
    lines = {u.id: u for u in labelled.items}
    folder.mkdir(mode=READABLE)
    taken: set[str] = set()
    for fact in sorted(facts, key=lambda f: (f.start, f.span, f.category)):
        line = lines.get(fact.utterance_id)
        start, end = (line.start, line.end) if line else (fact.start, fact.start)
        end = min(end, start + CLIP_MAX)
        a = max(0, int((start - CLIP_PAD) * SAMPLE_RATE))
        write_wav(folder / clip_name(fact, taken), read_wav(wav, a, int((end + CLIP_PAD) * SAMPLE_RATE)))


def _copy_original(asset: AudioAsset, target: Path) -> None:
    source = Path(asset.source_path)
    if not source.is_file():
        raise PipelineError.keyed("original_moved", path=source)
    shutil.copyfile(source, target)
    copied = sha256_file(target)
    if copied != asset.sha256:
        raise PipelineError.keyed("original_not_this", path=source, copied=copied[:12], recorded=asset.sha256[:12])


def _sums(folder: Path) -> dict[str, str]:
    files = sorted(p for p in folder.rglob("*") if p.is_file())
    return {p.relative_to(folder).as_posix(): sha256_file(p) for p in files}


def _add_pdf(docx: Path, pdf: Path) -> str:
    """The exhibit as PDF beside it in the package; '' when written, else why not (one line). A PDF is a
    convenience copy: without LibreOffice, or when it fails, the package is made without one and says so."""
    soffice = find_soffice()
    if soffice is None:
        return f"LibreOffice is not installed, so the package has no PDF of the exhibit: {INSTALL_HINT}"
    try:
        docx_to_pdf(docx, pdf, soffice=soffice)
    except PipelineError as exc:
        pdf.unlink(missing_ok=True)
        return f"the package has no PDF of the exhibit: {exc}"
    return ""


@dataclass(frozen=True)
class _Run:
    """A finished run folder, checked: what the package is made from."""
    manifest: RunManifest
    settings: Settings          # as the run recorded them (the case among them)
    asset: AudioAsset
    lines: Labelled             # the lines as reviewed: the court copy's
    facts: Facts                # the key facts as the user reviewed them


def _check(run: RunDir) -> _Run:
    """The run folder is finished and as its last run left it: the chain of custody and every output."""
    if run.incoming.exists():
        raise PipelineError.keyed("run_stopped", folder=run.root)
    try:
        manifest = read_manifest(run.manifest)
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise PipelineError.keyed("manifest_unreadable", path=run.manifest, reason=str(exc)) from exc
    asset, lines, facts = (_load(run, cls, stage) for stage, cls in
                           (("ingest", AudioAsset), ("review", Labelled), ("fact_review", Facts)))
    verify(run, manifest, READS)
    open_ = manifest.review.get("conflicts", 0)
    if open_:           # a person's reviews the lines no longer take: working material, and the review is not done
        raise PipelineError.keyed("reviews_to_redo", folder=run.root, count=open_)
    for name, recorded in manifest.outputs.items():
        path = run.inside(name)
        if path is None or not path.is_file():
            raise _not_finished(run.root, name)
        if sha256_file(path) != recorded:
            raise PipelineError.keyed("output_changed", path=path)
    settings = settings_from_record(manifest.settings)
    _check_settings(run, manifest, settings)
    return _Run(manifest, settings, asset, lines, facts)


def _check_settings(run: RunDir, manifest: RunManifest, settings: Settings) -> None:
    """The case and export settings the package goes by (the reviewer, what the court copy indexes) are those the
    documents were made with: the export step's record (linked up to the original by chain.verify) holds their
    hashes, so an edited manifest.json cannot make a draft look reviewed."""
    record = next((r for r in manifest.stages if r.stage == "export"), None)
    for name in ("case", "export"):
        if record is None or record.inputs.get(f"{SETTING}{name}") != sha256_json(settings.value(name)):
            raise PipelineError.keyed("settings_edited", path=run.manifest, name=name)


def _refuse_a_draft(run: RunDir, checked: _Run, why: dict[str, int]) -> None:
    """A court copy that is a draft (`why`: review.unfinished) is not packaged unless asked for (--draft)."""
    if not why:
        return
    said = [Phrase("draft_unreviewed", {"unchecked": why["unchecked"], "total": len(checked.lines.items)})] \
        if "unchecked" in why else []
    said += [Phrase("draft_no_reviewer")] if "no_reviewer" in why else []
    raise PipelineError.keyed("package_draft", folder=run.root, reasons=Joined(tuple(said), "clause_separator"))


def _build(run: RunDir, tmp: Path, draft: bool) -> tuple[_Run, str, bool, str]:
    """The package's files made in `tmp`: (the run as checked, why there is no PDF or "", whether a draft, the
    exhibit's language)."""
    checked = _check(run)
    why = unfinished(checked.lines, checked.settings.case.reviewed_by)
    if not draft:
        _refuse_a_draft(run, checked, why)
    asset, settings = checked.asset, checked.settings
    stem = Path(asset.file_name).stem
    # what goes to the court and the other side: the court copy and its companions; the counsel's working copy
    # and key_facts.csv (the rules and counsel's own notes) stay in the run folder
    outputs = [run.docx(stem), run.srt(stem)]
    for path in outputs:
        if run.relative(path) not in checked.manifest.outputs:
            raise _not_finished(run.root, run.relative(path))
    _copy_original(asset, tmp / asset.file_name)
    for path in outputs:
        shutil.copyfile(path, tmp / path.name)
    language = exhibit_language(settings.export, checked.lines.language)
    write_court_csv(tmp / f"{stem}.csv", checked.lines, language)
    _write_clips(tmp / CLIPS, run.wav, court_facts(checked.facts, settings.export).items, checked.lines)
    no_pdf = _add_pdf(tmp / f"{stem}.docx", tmp / f"{stem}.pdf")
    write_court_manifest(tmp / MANIFEST, checked, bool(why), _sums(tmp))
    return checked, no_pdf, bool(why), language


def _made(created: str, case: CaseConfig) -> str:
    """When the exhibit was made, in the clock the court copy shows: the case's zone when it names one, else as
    the run recorded it (this computer's zone then, which the court copy used; not the zone of the computer that
    packages it)."""
    moment = datetime.fromisoformat(created)
    return moment.astimezone(case.zone()).isoformat() if case.time_zone.strip() else moment.isoformat()


def write_court_manifest(path: Path, checked: _Run, draft: bool, files: dict[str, str]) -> None:
    """The package's manifest: what a court or the other side may check, and nothing of this computer's (no
    path, no user name) or of counsel's (no working copy, notes or key_facts.csv)."""
    case, asset, lines = checked.settings.case, checked.asset, checked.lines
    done = counts(lines)
    document = {
        "kind": COURT_MANIFEST, "draft": draft,
        "exhibit_number": case.exhibit_number.strip(),
        "recording": {"file_name": asset.file_name, "size_bytes": asset.size_bytes, "sha256": asset.sha256,
                      "md5": asset.md5, "duration_seconds": round(asset.duration, 3)},
        "made": _made(checked.manifest.created, case),
        "review": {"lines": len(lines.items), "reviewed": done[Status.REVIEWED], "corrected": done[Status.CORRECTED],
                   "reviewer": case.reviewed_by.strip(), "method": case.review_method.strip()},
        "files": files,       # what ran, with its models, is the court copy's method section
    }
    write_text_atomic(path, json.dumps(document, ensure_ascii=False, indent=1))


def build_package(run_dir: Path, draft: bool = False) -> Package:
    """Write <run_dir>/package/ and <run_dir>/package.zip from a finished run folder (see the module doc); a court
    copy that is still a draft only with draft=True."""
    run = RunDir(Path(run_dir))
    if not run.manifest.is_file():
        raise _not_finished(run.root, run.relative(run.manifest))
    try:
        with run.lock("exhibit package"):
            return _package(run, draft)
    except OSError as exc:
        raise os_error(exc, run.root) from exc


def sums_line(sha256: str, name: str) -> str:
    """One line of SHA256SUMS as GNU sha256sum writes it: a name holding a backslash, a newline or a carriage
    return is escaped (\\\\, \\n, \\r) and the line starts with a backslash, so that `sha256sum -c` reads it."""
    if not any(c in name for c in "\\\n\r"):
        return f"{sha256}  {name}\n"
    escaped = name.replace("\\", "\\\\").replace("\n", "\\n").replace("\r", "\\r")
    return f"\\{sha256}  {escaped}\n"


def _package(run: RunDir, draft: bool) -> Package:
    run_dir, folder, zip_path = run.root, run.package, run.package_zip
    tmp = Path(tempfile.mkdtemp(prefix=".package.", dir=run_dir))
    old = run_dir / ".package.old"
    try:
        os.chmod(tmp, READABLE)
        checked, no_pdf, is_draft, language = _build(run, tmp, draft)
        sums = _sums(tmp)
        (tmp / SUMS).write_text("".join(sums_line(sha, name) for name, sha in sums.items()), encoding="utf-8")
        moment = datetime.fromisoformat(checked.manifest.created)
        root = run_dir.resolve().name
        data = zip_bytes(((f"{root}/{name}", (tmp / name).read_bytes()) for name in [*sums, SUMS]),
                         moment.timetuple())
        shutil.rmtree(old, ignore_errors=True)
        if folder.exists():
            folder.replace(old)
        tmp.replace(folder)
        write_bytes_atomic(zip_path, data)
        shutil.rmtree(old, ignore_errors=True)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    log.info("package: %d files in %s", len(sums) + 1, folder)
    if no_pdf:
        log.info("package: %s", no_pdf)
    return Package(folder=folder, zip_path=zip_path, files=sums, no_pdf=no_pdf, draft=is_draft, language=language)
