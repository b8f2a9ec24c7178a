"""What a run of `exhibit transcript` ends with, in the exhibit's language (configs/exhibit_<language>.toml
[cli]): the steps, both documents, what to do next (speakers to name, bases to give, the case details changed
and missing), the original's sha256. The command line prints these lines; so does a run the app started."""

from __future__ import annotations

from pathlib import Path

from pipeline.casefile import Change
from pipeline.export.wording import exhibit_language, load_wording, speaker_label
from pipeline.runner import RunResult


def closing_lines(result: RunResult) -> list[str]:
    wording = load_wording(exhibit_language(result.settings.export, result.labelled.language))
    words, sep = wording["cli"], wording["cli"]["separator"]
    lines = [" · ".join(words["stage_ran"].format(stage=r.stage, seconds=f"{r.seconds:.1f}") if r.ran
                        else words["stage_reused"].format(stage=r.stage) for r in result.manifest.stages),
             words["court"].format(path=result.outputs["docx"]),
             words["counsel"].format(path=result.outputs["counsel_docx"])]
    speakers = result.labelled.speakers
    unnamed = [speaker_label(s, wording) for s in speakers if not s.name and s.number]
    if unnamed:
        lines.append(words["unnamed"].format(path=result.outputs["speakers"], speakers=sep.join(unnamed)))
    unsourced = [s.name for s in speakers if s.name and not s.identified_by]
    if unsourced:
        lines.append(words["unsourced"].format(path=result.outputs["speakers"], speakers=sep.join(unsourced)))
    lines += [changed_line(words, result.outputs["case"], change) for change in result.case_changes]
    missing = result.settings.case.missing()
    if missing:
        lines.append(words["case_missing"].format(fields=sep.join(words["fields"][m] for m in missing),
                                                  path=result.outputs["case"]))
    lines.append(words["original"].format(sha256=result.manifest.original_sha256_after))
    return lines


def changed_line(words, path: Path, change: Change) -> str:
    """A case detail a run changed in the folder's case file (`path`), as the command line says it."""
    return words["case_changed"].format(path=path, field=words["fields"].get(change.field, change.field),
                                        before=change.before or words["empty"], after=change.after or words["empty"])
