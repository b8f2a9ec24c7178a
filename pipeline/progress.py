"""The one progress protocol: a stage calls progress(completed, total) as it goes; the runner binds the
stage name and the CLI renders it with rich (tests pass nothing and see nothing)."""

from __future__ import annotations

from typing import Callable, Protocol

StageProgress = Callable[[float, float], None]


class ProgressHook(Protocol):
    def __call__(self, stage: str, completed: float, total: float) -> None: ...


def silent(completed: float, total: float) -> None:
    """The default for a stage called without a hook."""


def quiet(stage: str, completed: float, total: float) -> None:
    """The default for a run called without a hook: nothing shown."""


def part(progress: StageProgress, start: float, end: float) -> StageProgress:
    """A hook for one part of a stage's work: the part reports (completed, total) on its own scale, the stage's
    hook hears it as the share start → end of the whole (0–1)."""

    def hook(completed: float, total: float) -> None:
        share = min(max(completed, 0.0), total) / total if total > 0 else 1.0
        progress(start + (end - start) * share, 1.0)

    return hook
