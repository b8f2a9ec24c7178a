"""Four sections of the Word exhibit after the key-content index: how much of the speech the transcript covers,
the integrity screen of the original (in the counsel's working copy; in the court copy only when the settings
ask), how the transcript was made (one table of what ran; the full hashes and settings after it in the working
copy only), and the declaration with signature lines.

The method and the declaration say only what is known: what the software did (file, hash, size, when, models),
that a person reviewed the text only when a reviewer is recorded ("not yet reviewed" otherwise), and what the
submitting party states about the recording (carrier, date and time, place, who recorded it) marked as stated,
a blank line to fill in where nothing is stated — never an assertion of its own.

Each function adds a level-1 heading and its body to `doc`. All wording comes from the [coverage], [integrity],
[method] and [declaration] sections of configs/exhibit_<lang>.toml; the look (fonts, sizes, table borders)
comes from the named styles of the document's template, never from here."""

from __future__ import annotations

from docx.document import Document
from docx.shared import Cm

from pipeline.artifacts import Point, Status
from pipeline.export.content import ExhibitContent
from pipeline.export.coverage import Coverage
from pipeline.export.integrity import describe, detail
from pipeline.export.software import short_hash, steps
from pipeline.export.word import styles as S
from pipeline.export.word.blocks import heading, lead, paragraph, table, unbreakable
from pipeline.export.word.recording import MODEL_SHA_PREFIX, stated_value
from pipeline.export.wording import Wording
from pipeline.stages.review import counts
from pipeline.timefmt import duration_text, hms, moment_text

# Column widths (layout, not look): each table spans the 16 cm text width of the A4 page.
COVERAGE_COLUMNS = (Cm(8.0), Cm(4.0), Cm(4.0))
INTEGRITY_COLUMNS = (Cm(3.6), Cm(9.6), Cm(2.8))
RAN_COLUMNS = (Cm(2.7), Cm(4.0), Cm(9.3))
FILE_COLUMNS = (Cm(4.4), Cm(11.6))      # 64 hex digits (about 11.2 cm with cell margins) on one line
SETTINGS_COLUMNS = (Cm(6.0), Cm(10.0))

PERCENT_DIGITS = 1
HASH_DIGITS = MODEL_SHA_PREFIX   # a model file in the court copy: the first 16 hex digits of its sha256, as the particulars


def _number(value: float) -> str:
    """1.0 → '1', 0.4 → '0.4' (settings as a person wrote them)."""
    return f"{value:g}"


# ------------------------------------------------------------------------------------------------ coverage


def _percent(share: float, words: Wording) -> str:
    return words["percent"].format(value=f"{share * 100:.{PERCENT_DIGITS}f}")


def coverage_section(doc: Document, content: ExhibitContent, wording: Wording) -> None:
    """How much of the speech the VAD heard has text, is marked unintelligible, or is a short gap; the word and
    line counts the reader should check against the original."""
    words, cov = wording["coverage"], content.coverage
    heading(doc, words["heading"])
    if cov.speech_heard > 0:
        lead(doc, words["intro"])
        rows = [[words[key], duration_text(seconds), _percent(cov.share(seconds), words)]
                for key, seconds in _coverage_times(cov)]
        table(doc, COVERAGE_COLUMNS, [words["measure"], words["time"], words["share"]], rows)
    else:
        paragraph(doc, words["nothing_heard"])
        if not cov.words:
            return
    low_share = cov.low_confidence_words / cov.words if cov.words else 0.0
    paragraph(doc, words["counts"].format(words=cov.words, low=cov.low_confidence_words,
                                           low_share=_percent(low_share, words),
                                           threshold=_number(cov.low_confidence), lines=cov.hallucination_lines))
    paragraph(doc, words["check"])


def _coverage_times(cov: Coverage) -> list[tuple[str, float]]:
    return [("speech_heard", cov.speech_heard), ("covered_by_text", cov.covered_by_text),
            ("unintelligible", cov.unintelligible), ("short_gaps", cov.short_gaps)]


# ----------------------------------------------------------------------------------------------- integrity


def _point_time(point: Point) -> str:
    if point.start is None:
        return ""
    if point.end is None or hms(point.end) == hms(point.start):
        return hms(point.start)
    return f"{hms(point.start)}–{hms(point.end)}"


def point_text(point: Point, templates: Wording) -> str:
    """What was seen, worded by [integrity.details] for the point's kind; the screen's English record only for a
    kind the wording has no template for."""
    return describe(point.kind, point.values, templates) or detail(point)


def integrity_section(doc: Document, content: ExhibitContent, wording: Wording) -> None:
    """The integrity screen's points to check in the original, each with what was checked, what was seen and
    where; worded as points to check, never as a finding."""
    words = wording["integrity"]
    heading(doc, words["heading"])
    lead(doc, words["intro"])
    if not content.integrity:
        paragraph(doc, words["none"])
        return
    rows = [[words["checks"].get(point.check, point.check), point_text(point, words["details"]),
             _point_time(point) or wording["blank"]] for point in content.integrity]
    table(doc, INTEGRITY_COLUMNS, [words["check"], words["seen"], words["time"]], rows)


# ------------------------------------------------------------------------------------------------- method


def review_text(content: ExhibitContent, words: Wording) -> str:
    """Whether a person reviewed the software's text, in the words of a section ([method] or [declaration]): who
    (the reviewer named) marked how many lines (as transcript.csv records them), how many were corrected, and
    how, only as the reviewer states it (review_method); never a review or a method that is not recorded."""
    case = content.settings.case
    reviewer, method = case.reviewed_by.strip(), case.review_method.strip()
    lines = counts(content.labelled)
    checked = lines[Status.REVIEWED] + lines[Status.CORRECTED]
    total = len(content.labelled.items)
    values = {"reviewer": reviewer, "total": total, "checked": checked, "corrected": lines[Status.CORRECTED],
              "unchecked": total - checked,
              "method": words["review_method"].format(method=method) if method else words["no_review_method"]}
    if reviewer:
        key = "reviewed_all" if total and checked == total else "reviewed_some" if checked else "reviewed_unrecorded"
    else:
        key = "checked_unnamed" if checked else "not_reviewed"
    return words[key].format(**values)


def processed_text(content: ExhibitContent, wording: Wording) -> str:
    """When this exhibit was made, to the minute, with its zone."""
    return moment_text(content.processed, wording["formats"], content.zone, seconds=False)


def _ran_rows(content: ExhibitContent, wording: Wording) -> list[list[str]]:
    """Per step of the run (software.steps): the step, the software that ran with its version and each model or
    rule file that ran with the start of its sha256 (one a line)."""
    words = wording["method"]["ran"]
    rows = []
    for step in steps(content):
        packages = "\n".join(words["package"].format(name=name, version=version) if version else name
                             for name, version in step.packages)
        models = "\n".join(words["model"].format(name=name, sha=short_hash(sha, HASH_DIGITS) or words["no_hash"])
                           for name, sha in step.models)
        rows.append([words["steps"][step.key], packages or wording["blank"], models or wording["blank"]])
    return rows


def _file_rows(content: ExhibitContent, words: Wording, blank: str) -> list[list[str]]:
    """Every model file (the speech recognition model first) and every key-content rule file with its sha256."""
    rows = [[words["model_file"].format(name=name), sha or blank] for name, sha in content.models.items()]
    rows += [[words["rule_file"].format(name=name), sha or blank]
             for name, sha in content.facts.rule_files.items()]
    return rows


def _settings_rows(content: ExhibitContent, wording: Wording) -> list[list[str]]:
    words = wording["method"]
    labels, settings = words["settings"], content.settings
    t, d, m = settings.transcribe, settings.diarize, settings.merge
    language = wording["languages"].get(t.language, t.language) if t.language else words["auto_language"]
    speakers = (str(d.num_speakers) if d.num_speakers else
                words["auto_speakers"].format(min=d.min_speakers, max=d.max_speakers))
    values = {
        "model": t.model,
        "language": language,
        "compute_type": t.compute_type,
        "beam_size": str(t.beam_size),
        "vad": words["on"] if t.vad else words["off"],
        "hotwords": (content.transcript.hotwords or t.hotwords).strip() or words["none"],   # the run's: the case's too
        "backend": words["backend"].format(backend=d.backend, method=content.diarization.method)
                   if content.diarization.method else d.backend,
        "num_speakers": speakers,
        "channels": words["channels"].get(d.channels, d.channels),
        "max_pause": words["seconds"].format(value=_number(m.max_pause)),
        "max_length": words["seconds"].format(value=_number(m.max_length)),
        "low_confidence": _number(m.low_confidence),
    }
    return [[labels[key], value] for key, value in values.items()]


def _ranges(numbers: list[int], separator: str) -> str:
    """Line numbers as people cite them: 1–3、7."""
    runs: list[list[int]] = []
    for n in numbers:
        if runs and n == runs[-1][-1] + 1:
            runs[-1].append(n)
        else:
            runs.append([n])
    return separator.join(f"{r[0]}–{r[-1]}" if len(r) > 1 else str(r[0]) for r in runs)


def languages_text(content: ExhibitContent, wording: Wording) -> str:
    """The method's sentence on the lines heard in another language than the recording's (which lines, in
    which language); "" when every line was heard in the recording's language."""
    labelled = content.labelled
    names = wording["languages"]
    other = [(number, u.language) for number, u in enumerate(labelled.items, start=1)
             if u.language and u.language != labelled.language]
    if not other:
        return ""
    ran = wording["method"]["ran"]
    others = ran["line_separator"].join(names.get(code, code) for code in dict.fromkeys(code for _, code in other))
    return ran["languages"].format(lines=_ranges([n for n, _ in other], ran["line_separator"]), count=len(other),
                                   others=others, language=names.get(labelled.language, labelled.language))


def method_section(doc: Document, content: ExhibitContent, wording: Wording) -> None:
    """How the transcript was made: by machine, when, and whether a person checked it (only when a reviewer is
    recorded); then one table of what ran — per step the software and its version, the model and rule files
    by the start of their sha256 (the full hashes and the settings: method_detail, in the working copy)."""
    words = wording["method"]
    ran = words["ran"]
    heading(doc, words["heading"])
    paragraph(doc, ran["statement"].format(processed=processed_text(content, wording), digits=HASH_DIGITS,
                                           review=review_text(content, words)))
    heard = languages_text(content, wording)
    if heard:
        paragraph(doc, heard)
    lead(doc, ran["intro"])
    table(doc, RAN_COLUMNS, [ran["step"], ran["software"], ran["models"].format(digits=HASH_DIGITS)],
          _ran_rows(content, wording))


def method_detail(doc: Document, content: ExhibitContent, wording: Wording) -> None:
    """The full record behind the method table, for counsel (the working copy, after the method section): every
    model file and key-content rule file with its full sha256, and the settings that shaped the transcript."""
    words, blank = wording["method"], wording["blank"]
    paragraph(doc, words["ran"]["detail"].format(digits=HASH_DIGITS))
    lead(doc, words["files_intro"])
    files = _file_rows(content, words, blank)
    table(doc, FILE_COLUMNS, [words["file"], words["sha256"]], files, styles=[S.TABLE_HASH] * len(files))
    lead(doc, words["settings_intro"])
    table(doc, SETTINGS_COLUMNS, [words["setting"], words["value"]], _settings_rows(content, wording))


# -------------------------------------------------------------------------------------------- declaration


STATED = ("recorded_device", "recorded_on", "recorded_place", "recorded_by")   # in the declaration's order


def stated_lines(content: ExhibitContent, wording: Wording) -> list[str]:
    """What the submitting party states about the recording, one line each, a blank line where nothing is."""
    words, case = wording["declaration"], content.settings.case
    lines = []
    for key in STATED:
        value = stated_value(case, key, wording["formats"])
        lines.append(words[key].format(value=value or words["blank_name"]))
    return lines


def declaration(doc: Document, content: ExhibitContent, wording: Wording) -> None:
    """The declaration: what the software did with which file (its name, size, SHA-256, when), whether a person
    checked the text (only when a reviewer is recorded); then what the submitting party states about the
    recording, marked as stated, with a line to fill in for what is not stated; then the signature lines (the
    reviewer's only when one is recorded)."""
    words, case, asset = wording["declaration"], content.settings.case, content.asset
    heading(doc, words["heading"])
    doc = unbreakable(doc)        # the signature lines never on a page apart from what they sign
    paragraph(doc, words["made_heading"], S.SUBHEADING)
    paragraph(doc, words["made"].format(file_name=asset.file_name, size=f"{asset.size_bytes:,}", sha256=asset.sha256,
                                        processed=processed_text(content, wording),
                                        review=review_text(content, words),
                                        draft=words["draft"] if content.unfinished else ""))
    paragraph(doc, words["stated_heading"], S.SUBHEADING)
    paragraph(doc, words["stated_intro"])
    for line in stated_lines(content, wording):
        paragraph(doc, line)
    paragraph(doc, words["signatures_heading"], S.SUBHEADING)
    signers = (("reviewer", case.reviewed_by),) if case.reviewed_by.strip() else ()
    for role, name in (*signers, ("party", case.submitting_party)):
        paragraph(doc, words[f"{role}_name"].format(name=name.strip() or words["blank_name"]))
        paragraph(doc, words[f"{role}_sign"])
