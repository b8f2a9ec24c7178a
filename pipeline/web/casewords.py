"""The case's vocabulary on the case details step (案件信息): out/<name>/vocabulary.txt, one term a line
(pipeline.vocabulary), shown and saved as a whole text.

A save is checked as a run reads the file (vocabulary.parse_vocabulary: a control character or a line too long
refused in one line naming it), written atomically, and refused when the file changed since the page loaded it
or a run holds the folder. The next run (the page's "make the documents again") listens for the terms again
(stages/rehear.py); the page says when the documents were made with other terms than the file holds."""

from __future__ import annotations

from typing import Any

from pipeline import vocabulary
from pipeline.errors import PipelineError, StaleSaveError
from pipeline.fileio import sha256_file, write_text_atomic
from pipeline.rundir import RunDir


def version(folder: RunDir) -> str:
    """vocabulary.txt as the page loaded it: its sha256 ("" when the folder has none)."""
    return sha256_file(folder.vocabulary) if folder.vocabulary.is_file() else ""


def state(folder: RunDir, recorded: dict[str, tuple[str, ...]], shown_in: str) -> dict[str, Any]:
    """The file's text, its version, how many terms it holds and whether the last run listened for other ones
    (`recorded`, its manifest's terms by source: a term of the file not among them, or a term the run took from
    the file no longer in it); a file a run would refuse is said in `shown_in`, the interface's language."""
    loaded = version(folder)
    text = folder.vocabulary.read_bytes().decode("utf-8", "replace").lstrip("\ufeff") if loaded else ""
    try:
        terms = set(vocabulary.read_vocabulary(folder.vocabulary))
        problem = ""
    except PipelineError as exc:
        terms, problem = set(), exc.text(shown_in)
    heard = {term for source in recorded.values() for term in source}
    behind = bool(terms - heard) or any(term not in terms for term in recorded.get(vocabulary.VOCABULARY, ()))
    return {"text": text, "version": loaded, "terms": len(terms), "problem": problem, "behind": behind}


def save(folder: RunDir, text: str, loaded: str) -> None:
    """Write `text` as the folder's vocabulary.txt when it reads as a vocabulary, the file is still the version
    the page `loaded` and no run holds the folder."""
    text = text.replace("\r\n", "\n")
    vocabulary.parse_vocabulary(text, folder.vocabulary)          # the run's own reading: refused before writing
    if folder.held():
        raise PipelineError.keyed("app_details_held")
    with folder.lock("exhibit app: saving the case vocabulary"):
        if version(folder) != loaded:
            raise StaleSaveError.keyed("app_details_stale", path=folder.vocabulary)
        write_text_atomic(folder.vocabulary, text if not text or text.endswith("\n") else text + "\n")
