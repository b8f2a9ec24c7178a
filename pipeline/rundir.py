"""The run folder out/<name>/: the one place that knows every path in it. Used by the runner, the stages that
read the user's files, the export writers, the evidence package and the tools.

out/<name>/
    <stem>.docx, <stem>_counsel.docx                          the court copy, the counsel's working copy
    <stem>.srt, <stem>.json, <stem>.rttm                      the exhibit's companions (<stem>: the
    transcript.csv, key_facts.csv, integrity.json              recording's file name without extension)
    speakers.csv, speakers.previous.csv                       the user's naming of the voices
    case.toml                                                 the case, kept with the recording (casefile.py)
    vocabulary.txt                                            the case's words for the recogniser (vocabulary.py),
                                                              written by the user: never an output, never packaged
    speakers/SPEAKER_00.wav …                                 a listening clip per voice
    manifest.json                                             the record of the run
    .lock                                                     held by the run (or packaging) under way: pid
    .incoming/                                                the outputs of a run being made, moved into
                                                              place as one set (manifest.json last)
    stages/<stage>.json                                       each stage's artifact
    stages/records.json                                       each stage's cache key and artifact sha256
    stages/audio16k.wav, stages/audio16k_stereo.wav           the working copies of the sound
    stages/speakers_voices.json, stages/key_facts_seen.json   what the user's files were written from
    package/, package.zip                                     the evidence package
    original/<file name>, received.json                       a recording received through the app (read-only)
                                                              and the record of its receipt (received.py)
    preview/<sha256>.pdf, preview/<sha256>.png                the court copy as PDF and its first page, made
                                                              by the app (files step) for the court copy whose
                                                              sha256 names them: not an output of the run (no
                                                              manifest lists them), never packaged
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path, PurePosixPath

from pipeline.errors import Phrase, PipelineError
from pipeline.fileio import temp_writer, write_text_atomic

try:
    import fcntl
except ImportError:  # Windows: the lock falls back to the pid written in the lock file
    fcntl = None

log = logging.getLogger(__name__)

WORK = "stages"
SPEAKER_CLIPS = "speakers"
LOCK = ".lock"
INCOMING = ".incoming"
PREVIEW = "preview"
WRITING = 5.0           # s: a lock file that names no process is being written for this long at most
PLAN = ".plan.json"      # in .incoming/: what moving the set into place does, written before the first move


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
    def case_toml(self) -> Path:
        """The case this recording is evidence in, kept with it (casefile.py)."""
        return self.root / "case.toml"

    @property
    def transcript_csv(self) -> Path:
        return self.root / "transcript.csv"

    @property
    def vocabulary(self) -> Path:
        """The case's words for the recogniser, one term a line (vocabulary.py): the user's, never packaged."""
        return self.root / "vocabulary.txt"

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

    # ------------------------------------------------------------------------ a recording received by the app

    @property
    def originals(self) -> Path:
        """Where the app keeps a recording it received, untouched (read-only)."""
        return self.root / "original"

    @property
    def received(self) -> Path:
        """The record of that receipt: the file's name as sent, when, its size and sha256 (received.py)."""
        return self.root / "received.json"

    # --------------------------------------------------------------------- the court copy's look (the app)

    @property
    def previews(self) -> Path:
        """Where the app keeps the court copy as PDF and its first page as PNG (a look at the document)."""
        return self.root / PREVIEW

    def preview_pdf(self, docx_sha256: str) -> Path:
        """The PDF of the court copy whose sha256 is `docx_sha256`."""
        return self.previews / f"{docx_sha256}.pdf"

    def preview_png(self, docx_sha256: str) -> Path:
        """The first page, as PNG, of the court copy whose sha256 is `docx_sha256`."""
        return self.previews / f"{docx_sha256}.png"

    def relative(self, path: Path) -> str:
        """A path in the run folder as the manifest names it (POSIX, relative to the folder)."""
        return path.relative_to(self.root).as_posix()

    def inside(self, name: str) -> Path | None:
        """The file a name of the manifest stands for, when it names a file of this folder outside stages/
        (never ../ or an absolute path, whatever a manifest says); else None."""
        parts = PurePosixPath(name).parts
        if not parts or PurePosixPath(name).is_absolute() or ".." in parts or parts[0] in (WORK, INCOMING, LOCK):
            return None
        return self.root.joinpath(*parts)

    # ---------------------------------------------------------------------------- the outputs as one set

    @property
    def incoming(self) -> Path:
        """Where a run makes its outputs before they are moved into place together."""
        return self.root / INCOMING

    def staged(self) -> RunDir:
        """The run folder's layout inside .incoming/ (for the writers of the outputs)."""
        return RunDir(self.incoming)

    def publish(self, remove: list[str]) -> None:
        """Move every file made in .incoming/ into the run folder and remove the named files of the previous
        run that this one did not make, manifest.json last: the plan is written first, so that a run
        interrupted while moving is finished by the next one (finish_interrupted)."""
        manifest = self.staged().manifest
        moved = sorted(p.relative_to(self.incoming).as_posix() for p in self.incoming.rglob("*")
                       if p.is_file() and p.name != PLAN and p != manifest)
        write_text_atomic(self.incoming / PLAN, json.dumps({"move": moved, "remove": remove}, ensure_ascii=False))
        self._carry_out()

    def _carry_out(self) -> None:
        plan = json.loads((self.incoming / PLAN).read_text(encoding="utf-8"))
        for name in plan["move"]:
            source, target = self.incoming / name, self.inside(name)
            if target is not None and source.is_file():
                target.parent.mkdir(parents=True, exist_ok=True)
                os.replace(source, target)
        for name in plan["remove"]:
            target = self.inside(name)
            if target is not None and target.is_file():
                target.unlink()
        if self.staged().manifest.is_file():
            os.replace(self.staged().manifest, self.manifest)
        shutil.rmtree(self.incoming)

    def finish_interrupted(self) -> bool:
        """Finish moving the outputs of a run that was stopped while moving them (True); outputs a stopped run
        had not started to move are thrown away (the previous set stays whole)."""
        if not self.incoming.exists():
            return False
        if (self.incoming / PLAN).is_file():
            self._carry_out()
            return True
        self.discard_incoming()
        return False

    def discard_incoming(self) -> None:
        """Throw away outputs made but not yet moved into place (a run that failed before moving them), and the
        export's record of them (stages/export.json): it names outputs no longer to be had, and the next run,
        comparing them with the folder's, would take the previous run's files for changed ones."""
        if self.incoming.exists() and not (self.incoming / PLAN).is_file():
            shutil.rmtree(self.incoming, ignore_errors=True)
            self.artifact("export").unlink(missing_ok=True)

    # ------------------------------------------------------------------------------------------- the lock

    @property
    def lock_file(self) -> Path:
        return self.root / LOCK

    @contextmanager
    def lock(self, doing: str) -> Iterator[None]:
        """Hold the run folder for one run or packaging (`doing`): a second one stops with one line naming the
        holder. The lock file holds the holder's pid; a lock left by a process that no longer runs (killed) is
        taken over, and the temp files it left half-written are removed."""
        fd, holder = _acquire(self.lock_file)
        try:
            left_by = holder.get("pid")     # a holder killed while it held the folder
            os.ftruncate(fd, 0)
            os.write(fd, json.dumps({"pid": os.getpid(), "doing": doing,
                                     "since": datetime.now().astimezone().isoformat(timespec="seconds")}).encode())
            if isinstance(left_by, int) and left_by != os.getpid() and not _running(left_by):
                self._remove_temps(left_by)
            yield
        finally:
            self.lock_file.unlink(missing_ok=True)
            os.close(fd)

    def held(self) -> bool:
        """Whether a run or packaging holds the folder now, read without taking the lock (so that looking never
        makes a run wait): the lock file is there and names no process known to have stopped."""
        try:
            text = self.lock_file.read_text(encoding="utf-8")
            holder = json.loads(text) if text else None
        except FileNotFoundError:
            return False
        except (OSError, ValueError):
            holder = None
        pid = holder.get("pid") if isinstance(holder, dict) else None
        if not isinstance(pid, int):        # being written now (held), or left unwritten by a process killed then
            try:
                return time.time() - self.lock_file.stat().st_mtime < WRITING
            except FileNotFoundError:
                return False
        return pid == os.getpid() or _running(pid)

    def _remove_temps(self, pid: int) -> None:
        """Remove the temp files process `pid` (killed while it held the folder) was writing when it stopped."""
        try:
            for path in sorted(self.root.rglob(f".*.{pid}.tmp")):
                if temp_writer(path) == pid and path.is_file():
                    path.unlink(missing_ok=True)
        except OSError as exc:      # left as they are: nothing reads them
            log.warning("%s: the temp files of the stopped run could not all be removed (%s)", self.root, exc)


def _holder(fd: int) -> dict:
    try:
        os.lseek(fd, 0, os.SEEK_SET)
        holder = json.loads(os.read(fd, 4096).decode("utf-8") or "{}")
        return holder if isinstance(holder, dict) else {}
    except (OSError, ValueError):
        return {}


def _running(pid: object) -> bool:
    if not isinstance(pid, int) or pid <= 0 or pid == os.getpid():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _acquire(path: Path) -> tuple[int, dict]:
    """An open descriptor of the lock file, locked by this process, and what the file said of its last holder;
    PipelineError when another holds it."""
    while True:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        holder = _holder(fd)
        try:
            if fcntl is not None:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            elif _running(holder.get("pid")):
                raise BlockingIOError
        except BlockingIOError:
            os.close(fd)
            who = Phrase("lock_holder", {"pid": holder["pid"], "doing": holder.get("doing", "a run"),
                                         "since": holder.get("since", "?")}) \
                if holder.get("pid") else Phrase("lock_holder_unknown")
            raise PipelineError.keyed("folder_in_use", folder=path.parent, who=who) from None
        try:
            same = os.fstat(fd).st_ino == os.stat(path).st_ino
        except FileNotFoundError:
            same = False
        if same:   # else the holder before us removed the file between our open and our lock: try again
            if holder.get("pid") and holder.get("pid") != os.getpid():
                log.info("%s: took over the lock left by pid %s, which is no longer running", path.parent,
                         holder["pid"])
            return fd, holder
        os.close(fd)
