"""What only the counsel's working copy (<name>_counsel.docx, 工作底稿) holds, before the body both copies share:

- the notice that it is not to be filed or given to the other side (and the same on every page's header);
- before filing: the case details still missing, speakers not named or named with no stated basis, whether a
  review is recorded, integrity points and threat language to weigh;
- the evidence checklist: each party's identity, date/time/place, an admission, an amount, threat language —
  with the times heard or "not found";
- threat language, with the warning that evidence obtained by threats may be excluded;
- the integrity screen's points to check in the original;
- review statistics and corrections: the place for the line-by-line review record (what was checked, what
  was corrected).

The index with its rules and notes is the shared index section in its counsel form (facts.py)."""

from __future__ import annotations

from pathlib import Path

from docx.document import Document as DocumentObject
from docx.shared import Cm

from pipeline.artifacts import UNKNOWN_SPEAKER, Status
from pipeline.export.checklist import checklist
from pipeline.export.content import ExhibitContent
from pipeline.export.wording import Wording, number_label, speaker_text, speakers_by_id
from pipeline.export.word import styles as S
from pipeline.export.word.blocks import heading, lead, paragraph, table
from pipeline.export.word.admissibility import admissibility_section, disclosure_section, open_and_flagged
from pipeline.export.word.facts import index_table
from pipeline.export.word.corrections import conflicts_table, corrections_table
from pipeline.export.word.method import integrity_section, review_text
from pipeline.export.word.translation import translation_todo
from pipeline.stages.review import counts
from pipeline.timefmt import hms

CHECKLIST_COLUMNS = (Cm(10.0), Cm(6.0))
CHECKLIST_TIMES = 5               # times listed per checklist item before "and N more"


def court_file_name(content: ExhibitContent) -> str:
    """The file name of the court copy this working copy goes with."""
    return f"{Path(content.asset.file_name).stem}.docx"


def notice(doc: DocumentObject, content: ExhibitContent, wording: Wording) -> None:
    paragraph(doc, wording["counsel"]["notice"].format(court=court_file_name(content)), S.NOTICE)


def _list(names: list[str], wording: Wording) -> str:
    return wording["facts"]["separator"].join(names)


def todo_items(content: ExhibitContent, wording: Wording) -> list[str]:
    """What to do before the court copy is filed, one sentence each."""
    words, case = wording["counsel"], content.settings.case
    missing = case.missing()
    items = [words["case_missing"].format(fields=_list([words["fields"][m] for m in missing], wording))
             if missing else words["case_complete"]]
    speakers = [s for s in content.labelled.speakers if s.id != UNKNOWN_SPEAKER]
    unnamed = [number_label(s, wording) for s in speakers if not s.name]
    if unnamed:
        items.append(words["unnamed"].format(speakers=_list(unnamed, wording)))
    unsourced = [s.name for s in speakers if s.name and not s.identified_by]
    if unsourced:
        items.append(words["no_basis"].format(speakers=_list(unsourced, wording)))
    reviewer = case.reviewed_by.strip()
    items.append(words["reviewed"].format(reviewer=reviewer) if reviewer else words["not_reviewed"])
    unchecked = counts(content.labelled)[Status.MACHINE]
    if unchecked:
        items.append(words["unchecked"].format(count=unchecked, total=len(content.labelled.items)))
    if content.integrity:
        items.append(words["integrity_points"].format(count=len(content.integrity)))
    threats = [f for f in content.facts.items if f.category == "threat"]
    if threats:
        items.append(words["threats"].format(count=len(threats)))
    unsettled, flagged = open_and_flagged(content)
    if unsettled or flagged:
        items.append(words["admissibility"].format(open=unsettled, flagged=flagged))
    translation = translation_todo(content, wording)
    if translation:
        items.append(translation)
    return items


def todo_section(doc: DocumentObject, content: ExhibitContent, wording: Wording) -> None:
    heading(doc, wording["counsel"]["todo"])
    for item in todo_items(content, wording):
        paragraph(doc, item)


def _times_text(times: tuple[float, ...], words: Wording, separator: str) -> str:
    if not times:
        return words["not_found"]
    shown = separator.join(hms(t) for t in times[:CHECKLIST_TIMES])
    rest = len(times) - CHECKLIST_TIMES
    return f"{shown} {words['more'].format(count=len(times))}" if rest > 0 else shown


def checklist_section(doc: DocumentObject, content: ExhibitContent, wording: Wording) -> None:
    """What the recording proves at a glance: each element with the times it was heard, or "not found"."""
    words = wording["checklist"]
    speakers = speakers_by_id(content.labelled)
    separator = wording["facts"]["separator"]
    rows = []
    for item in checklist(content.labelled, content.facts):
        if item.key == "identity":
            label = (words["identity"].format(speaker=speaker_text(speakers[item.subject], wording))
                     if item.subject else words["identity_all"])
        else:
            label = words[item.key]
        rows.append([label, _times_text(item.times, words, separator)])
    heading(doc, words["heading"])
    table(doc, CHECKLIST_COLUMNS, [words["item"], words["heard"]], rows)


def threats_section(doc: DocumentObject, content: ExhibitContent, wording: Wording) -> None:
    """The lines marked as threat language, with the warning that such evidence may be excluded."""
    words = wording["counsel"]
    heading(doc, words["threats_heading"])
    threats = tuple(f for f in content.facts.items if f.category == "threat")
    if not threats:
        paragraph(doc, words["threats_none"])
        return
    lead(doc, words["threats_intro"])
    index_table(doc, content, wording, threats, counsel=True)
    own = _said_by_the_party(content, threats)
    if own:
        paragraph(doc, words["threats_own"].format(party=content.settings.case.submitting_party.strip(),
                                                   times=wording["facts"]["separator"].join(own)))


def _said_by_the_party(content: ExhibitContent, threats: tuple) -> list[str]:
    """The times of the threats said by a speaker named as the submitting party (张三 in "原告 张三")."""
    party = content.settings.case.submitting_party
    speakers = speakers_by_id(content.labelled)
    return sorted({hms(f.start) for f in threats
                   if (s := speakers.get(f.speaker)) is not None and s.name and s.name in party})


def review_section(doc: DocumentObject, content: ExhibitContent, wording: Wording) -> None:
    """Review statistics and corrections: who checked how many lines, and every correction with the machine's
    text beside it (transcript.csv, as the review stage read it)."""
    words = wording["counsel"]
    heading(doc, words["review_heading"])
    paragraph(doc, review_text(content, wording["method"]))
    if not corrections_table(doc, content, wording):
        paragraph(doc, words["review_none"])
    conflicts_table(doc, content, wording)


def counsel_sections(doc: DocumentObject, content: ExhibitContent, wording: Wording) -> None:
    """The working copy's own part, after its title: notice, before filing, checklist, threats, integrity points,
    review statistics and corrections."""
    notice(doc, content, wording)
    todo_section(doc, content, wording)
    checklist_section(doc, content, wording)
    admissibility_section(doc, content, wording)
    disclosure_section(doc, content, wording)
    threats_section(doc, content, wording)
    integrity_section(doc, content, wording)
    review_section(doc, content, wording)
