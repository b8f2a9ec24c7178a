"""The one progress protocol: a stage calls progress(completed, total) as it goes; the runner binds the
stage name and the CLI renders it with rich (tests pass nothing and see nothing)."""

from __future__ import annotations

from typing import Callable, Protocol

StageProgress = Callable[[float, float], None]


class ProgressHook(Protocol):
    def __call__(self, stage: str, completed: float, total: float) -> None: ...


def silent(completed: float, total: float) -> None:
    """The default for a stage called without a hook."""
