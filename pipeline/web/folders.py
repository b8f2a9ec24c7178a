"""Which folders the app serves: the run folders that are direct children of its root folder (out/ by default).
A folder's name comes from the address, so it is untrusted: a name with a slash or a backslash, `.` or `..`,
a hidden name, a control character, a symbolic link, or a child that is no run folder is refused (NoSuchCase)."""

from __future__ import annotations

from pathlib import Path

from pipeline.controls import find_control
from pipeline.errors import Phrase
from pipeline.web.folderstate import FolderState, folder_state


class NoSuchCase(LookupError):
    """The address names no run folder of the root: answered 404 in one line (a Phrase, said in the page's
    language by text())."""

    def __init__(self, phrase: Phrase) -> None:
        super().__init__(phrase)

    def text(self, language: str = "en") -> str:
        return self.args[0].text(language)


def case_folder(root: Path, name: str) -> Path:
    """The run folder `name` of `root`, or NoSuchCase."""
    folder = _child(root, name)
    if folder_state(folder) is None:
        raise NoSuchCase(Phrase("app_not_case_folder", {"name": name}))
    return folder


def _child(root: Path, name: str) -> Path:
    """The folder `name` directly in `root` (no link), or NoSuchCase."""
    if (not name or name.startswith(".") or "/" in name or "\\" in name or find_control(name)
            or len(name.encode("utf-8", "surrogateescape")) > 255):
        raise NoSuchCase(Phrase("app_bad_case_name", {"name": name}))
    folder = root / name
    if folder.is_symlink() or not folder.is_dir() or folder.resolve().parent != root.resolve():
        raise NoSuchCase(Phrase("app_no_case_folder", {"name": name}))
    return folder


def cases(root: Path) -> list[tuple[str, FolderState]]:
    """Every run folder of `root` with its state, by name."""
    found = []
    for child in sorted(root.iterdir() if root.is_dir() else [], key=lambda p: p.name):
        try:
            state = folder_state(_child(root, child.name))
        except (NoSuchCase, OSError):
            continue
        if state is not None:
            found.append((child.name, state))
    return found
