"""The two documents, from one content model: open the template (configs/exhibit_template.docx), write the page
header and footer, the sections in order, number the section headings, set the document properties and save
it so that the same content always gives the same bytes.

- COURT, <name>.docx: what goes to the court and the other side — the recording, the speakers as identified by
  the submitting party, the notation key, the transcript, and the optional sections the settings name
  ([export] court_sections: timeline, index, coverage, integrity, method), then the declaration.
- COUNSEL, <name>_counsel.docx (工作底稿): every page marked as not for filing; the working part first (before
  filing, evidence checklist, threat language, integrity points, review statistics and corrections, see
  counsel.py), then everything the court copy has, with the index carrying its rules and the user's notes."""

from __future__ import annotations

import dataclasses
import io
import re
from datetime import datetime

from docx import Document
from docx.document import Document as DocumentObject
from docx.opc.constants import RELATIONSHIP_TYPE as RT

from pipeline.config import COURT_SECTIONS
from pipeline.controls import visible_copy
from pipeline.errors import ConfigError
from pipeline.export.content import ExhibitContent, court_facts
from pipeline.export.wording import Wording, load_wording
from pipeline.export.word import method
from pipeline.export.word import styles as S
from pipeline.export.word.blocks import field
from pipeline.export.word.counsel import counsel_sections
from pipeline.export.word.facts import facts_section
from pipeline.export.word.recording import recording_section, title_block
from pipeline.export.word.reproducible import fixed_zip, utc_minute
from pipeline.export.word.transcript import notation_section, parties_section, transcript_section
from pipeline.export.word.translation import translation_note, translator_certificate
from pipeline.fileio import write_bytes_atomic

COURT, COUNSEL = "court", "counsel"     # the two documents
HEADER_SHA_PREFIX = 16
# the extended properties of every document: the program that made it, and nothing of the template's
APP_PROPERTIES = (b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Properties xmlns="http://schemas.'
                  b'openxmlformats.org/officeDocument/2006/extended-properties"><Application>exhibit</Application>'
                  b'</Properties>')
NUMBERED = re.compile(r"^\s*([一二三四五六七八九十百]+、|\d+[.、])")   # a heading that already has its number


def load_template() -> DocumentObject:
    try:
        return Document(str(S.TEMPLATE))
    except (OSError, ValueError, KeyError) as exc:
        raise ConfigError(f"cannot open the exhibit template {S.TEMPLATE}: {exc}; rebuild it with "
                          "`.venv/bin/python tools/make_template.py`") from exc


def page_marks(doc: DocumentObject, content: ExhibitContent, wording: Wording, counsel: bool = False) -> None:
    """On every page: the exhibit number (when given) and the start of the recording's SHA-256 in the header —
    under a first line `律师工作底稿·不得提交` in the working copy, `草稿·未经人工核对` in a court copy that is still a
    draft (content.unfinished) —, `第 X 页 共 Y 页` in the footer."""
    section = doc.sections[0]
    words = wording["header"]
    top = section.header.paragraphs[0]
    top.style = S.HEADER
    mark = words["counsel"] if counsel else words["draft"] if content.unfinished else ""
    if mark:
        top.add_run(f"\t{mark}")
        top = section.header.add_paragraph(style=S.HEADER)
    exhibit = content.settings.case.exhibit_number.strip()
    sha = words["sha"].format(sha=content.asset.sha256[:HEADER_SHA_PREFIX])
    top.add_run(f"{words['exhibit'].format(exhibit=exhibit)}\t\t{sha}" if exhibit else f"\t\t{sha}")
    bottom = section.footer.paragraphs[0]
    bottom.style = S.FOOTER
    for part in re.split(r"(\{page\}|\{pages\})", wording["footer"]):
        if part == "{page}":
            field(bottom, "PAGE")
        elif part == "{pages}":
            field(bottom, "NUMPAGES")
        elif part:
            bottom.add_run(part)


def number_headings(doc: DocumentObject, wording: Wording) -> None:
    """一、二、… (zh) or 1. 2. … (en) before each section heading in document order, whoever wrote the section;
    a heading that already starts with a number keeps it."""
    words = wording["headings"]
    numerals = words["numerals"]
    count = 0
    for p in doc.paragraphs:
        if p.style.name != S.HEADING or NUMBERED.match(p.text):
            continue
        count += 1
        number = numerals[count - 1] if count <= len(numerals) else str(count)
        prefix = words["number"].format(number=number)
        if p.runs:
            p.runs[0].text = prefix + p.runs[0].text
        else:
            p.add_run(prefix)


def _properties(doc: DocumentObject, title: str, processed: datetime) -> None:
    """Document properties of this exhibit, and no thumbnail."""
    props = doc.core_properties
    props.title, props.author, props.last_modified_by = title, "exhibit", "exhibit"
    props.comments, props.revision = "", 1
    props.created = props.modified = props.last_printed = utc_minute(processed)
    rels = doc.part.package.rels
    for rid in [rid for rid, rel in rels.items() if rel.reltype == RT.THUMBNAIL]:
        rels.pop(rid)
    for part in doc.part.package.iter_parts():     # the template's own says Microsoft Word made it: not so
        if part.partname == "/docProps/app.xml":
            part._blob = APP_PROPERTIES


def docx_bytes(content: ExhibitContent, copy: str = COURT) -> bytes:
    """The court copy (COURT) or the counsel's working copy (COUNSEL) as .docx bytes in content.language ("zh"
    or "en"). The same content (and processed time, to the minute) gives byte-identical files. Text the machine
    found (file name, tags, the model's words) is shown with any control character written out
    (controls.visible_copy): python-docx cannot hold one."""
    if copy not in (COURT, COUNSEL):
        raise ValueError(f"no such document: {copy!r}")
    content = visible_copy(content)
    counsel = copy == COUNSEL
    if not counsel:       # the categories counsel keeps to the working copy reach neither the index nor the body
        content = dataclasses.replace(content, facts=court_facts(content.facts, content.settings.export))
    wording = load_wording(content.language)
    shown = set(COURT_SECTIONS) if counsel else set(content.settings.export.court_sections)
    doc = load_template()
    page_marks(doc, content, wording, counsel)
    title_block(doc, content, wording, counsel)
    if counsel:
        counsel_sections(doc, content, wording)
    recording_section(doc, content, wording, counsel)
    parties_section(doc, content, wording, timeline="timeline" in shown)
    notation_section(doc, content, wording, counsel)
    translation_note(doc, content, wording)
    transcript_section(doc, content, wording, counsel)
    if "index" in shown:
        facts_section(doc, content, wording, counsel)
    if "coverage" in shown:
        method.coverage_section(doc, content, wording)
    if "integrity" in shown and not counsel:     # the working copy has it among its own sections
        method.integrity_section(doc, content, wording)
    if "method" in shown:
        method.method_section(doc, content, wording)
        if counsel:
            method.method_detail(doc, content, wording)
    method.declaration(doc, content, wording)
    translator_certificate(doc, content, wording)
    number_headings(doc, wording)
    title = wording["counsel_title" if counsel else "title"]
    _properties(doc, f"{title} {content.asset.file_name}", content.processed)
    buffer = io.BytesIO()
    doc.save(buffer)
    return fixed_zip(buffer.getvalue(), content.processed)


def write_docx(path, content: ExhibitContent, copy: str = COURT) -> None:
    """Write the court copy (or the counsel's working copy) to path whole (a temp file, then renamed)."""
    write_bytes_atomic(path, docx_bytes(content, copy))
