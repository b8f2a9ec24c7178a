"""The Word exhibit (录音文字整理稿): title, the recording's particulars and hashes, the speakers, every
utterance as one plain line `[00:00:12] 张三（被告）：…`, the key-content index and notes.

All wording comes from configs/exhibit_<lang>.toml; layout (page, widths, spacing) lives here."""

from __future__ import annotations

import io
import re
import zipfile
from datetime import datetime, timezone
from pathlib import Path

from docx import Document
from docx.document import Document as DocumentObject
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_COLOR_INDEX
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Length, Pt, RGBColor
from docx.styles.style import BaseStyle
from docx.table import Table, _Cell

from pipeline.artifacts import (
    AudioAsset,
    Diarization,
    Fact,
    Facts,
    Labelled,
    Transcript,
    Utterance,
    write_bytes_atomic,
)
from pipeline.errors import ConfigError
from pipeline.export.checklist import checklist
from pipeline.export.wording import Wording, load_wording, speaker_text, speakers_by_id, utterance_text
from pipeline.timefmt import duration_text, hms

PAGE_WIDTH, PAGE_HEIGHT, MARGIN = Cm(21.0), Cm(29.7), Cm(2.5)   # A4
FILE_COLUMNS = (Cm(4.6), Cm(11.4))
PARTIES_COLUMNS = (Cm(3.2), Cm(3.2), Cm(3.2), Cm(3.2), Cm(3.2))
FACTS_COLUMNS = (Cm(2.2), Cm(2.9), Cm(5.5), Cm(2.6), Cm(2.8))
HANGING = Cm(2.2)            # wrapped transcript lines start after the time
MODEL_SHA_PREFIX = 12
HASH_ROWS = ("sha256", "md5", "model_files")   # long hex strings: a smaller size so that each fits one line
HASH_SIZE_STEP = 1.5
THEME_FONT_ATTRS = ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme")
BLACK = RGBColor(0, 0, 0)
HIGHLIGHTS = ("none", "inline")   # [export] highlight: the transcript body plain, or key-fact words shaded
SHADE = WD_COLOR_INDEX.YELLOW     # shading, not bold: the index's bold stays the only emphasis in tables
CHECKLIST_COLUMNS = (Cm(9.0), Cm(7.0))
CHECKLIST_TIMES = 5               # times listed per checklist item before "and N more"


# ------------------------------------------------------------------------------------------------ styles


def _set_fonts(element, latin: str, east_asia: str) -> None:
    """Latin and East Asian fonts on a style or run (w:rFonts), theme fonts removed so they take effect."""
    fonts = element.get_or_add_rPr().get_or_add_rFonts()
    for attr in THEME_FONT_ATTRS:
        fonts.attrib.pop(qn(attr), None)
    for attr in ("w:ascii", "w:hAnsi", "w:cs"):
        fonts.set(qn(attr), latin)
    fonts.set(qn("w:eastAsia"), east_asia)


def _set_east_asian_language(style: BaseStyle) -> None:
    rpr = style.element.get_or_add_rPr()
    lang = rpr.find(qn("w:lang"))
    if lang is None:
        lang = OxmlElement("w:lang")
        rpr.append(lang)
    lang.set(qn("w:eastAsia"), "zh-CN")


def _heading_style(style: BaseStyle, fonts: Wording, size: float) -> None:
    _set_fonts(style.element, fonts["latin"], fonts["heading_east_asia"])
    style.font.size, style.font.bold, style.font.color.rgb = Pt(size), True, BLACK
    ppr = style.element.get_or_add_pPr()
    border = ppr.find(qn("w:pBdr"))
    if border is not None:
        ppr.remove(border)


def _style(doc: DocumentObject, fonts: Wording) -> None:
    normal = doc.styles["Normal"]
    _set_fonts(normal.element, fonts["latin"], fonts["east_asia"])
    _set_east_asian_language(normal)
    normal.font.size = Pt(fonts["size"])
    _heading_style(doc.styles["Title"], fonts, fonts["title_size"])
    doc.styles["Title"].paragraph_format.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _heading_style(doc.styles["Heading 1"], fonts, fonts["size"] + 2)
    doc.styles["Heading 1"].paragraph_format.space_before = Pt(18)
    doc.styles["Heading 1"].paragraph_format.space_after = Pt(6)


def _field(paragraph, instruction: str) -> None:
    """A Word field (PAGE, NUMPAGES) that Word fills in when it lays out the page."""
    field = OxmlElement("w:fldSimple")
    field.set(qn("w:instr"), instruction)
    run = OxmlElement("w:r")
    text = OxmlElement("w:t")
    text.text = "1"
    run.append(text)
    field.append(run)
    paragraph._p.append(field)


def _page(doc: DocumentObject, wording: Wording) -> None:
    """A4, even margins, `第 X 页 共 Y 页` centred in the footer."""
    section = doc.sections[0]
    section.page_width, section.page_height = PAGE_WIDTH, PAGE_HEIGHT
    section.left_margin = section.right_margin = section.top_margin = section.bottom_margin = MARGIN
    footer = section.footer.paragraphs[0]
    footer.alignment = WD_ALIGN_PARAGRAPH.CENTER
    for part in re.split(r"(\{page\}|\{pages\})", wording["footer"]):
        if part == "{page}":
            _field(footer, "PAGE")
        elif part == "{pages}":
            _field(footer, "NUMPAGES")
        elif part:
            footer.add_run(part)


# ------------------------------------------------------------------------------------------------ tables


def _fill(cell: _Cell, text: str, size: float, bold: bool = False) -> None:
    if text:
        run = cell.paragraphs[0].add_run(text)
        run.font.size, run.bold = Pt(size), bold or None


def _repeat_as_header(table: Table) -> None:
    """The first row is repeated at the top of every page the table runs onto."""
    marker = OxmlElement("w:tblHeader")
    marker.set(qn("w:val"), "true")
    table.rows[0]._tr.get_or_add_trPr().append(marker)


def _table(doc: DocumentObject, widths: tuple[Length, ...], header: list[str] | None,
           rows: list[list[str]], size: float) -> Table:
    """A bordered table of plain text; a header row (bold, repeated on each page) when given."""
    table = doc.add_table(rows=0, cols=len(widths))
    table.style = doc.styles["Table Grid"]
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    for i, width in enumerate(widths):
        table.columns[i].width = width
    for r, values in enumerate(([header] if header else []) + rows):
        cells = table.add_row().cells
        for cell, width, value in zip(cells, widths, values):
            cell.width = width
            _fill(cell, value, size, bold=bool(header) and r == 0)
    if header:
        _repeat_as_header(table)
    return table


# ------------------------------------------------------------------------------------------ file section


def human_size(size: int) -> str:
    """1536 → '1.5 KB' (binary units, as Windows shows sizes)."""
    if size < 1024:
        return f"{size} B"
    value, unit = size / 1024, "KB"
    for bigger in ("MB", "GB"):
        if value < 1024:
            break
        value, unit = value / 1024, bigger
    return f"{value:.1f} {unit}"


def _format_text(asset: AudioAsset, formats: Wording) -> str:
    text = formats["format"].format(container=asset.container_long or asset.container, codec=asset.codec,
                                    sample_rate=asset.sample_rate, channels=asset.channels)
    if asset.bit_rate:
        text += formats["bit_rate"].format(kbps=round(asset.bit_rate / 1000))
    return text


def _model_text(transcript: Transcript, formats: Wording) -> str:
    if not transcript.model_sha256:
        return transcript.model
    return formats["model"].format(name=transcript.model, sha=transcript.model_sha256[:MODEL_SHA_PREFIX])


def _file_rows(asset: AudioAsset, transcript: Transcript, diarization: Diarization, models: dict[str, str],
               processed: datetime, wording: Wording) -> list[tuple[str, str]]:
    """(row key, value) for every particular that is known, in display order."""
    formats = wording["formats"]
    language = formats["language"].format(name=wording["languages"].get(transcript.language, transcript.language),
                                          code=transcript.language,
                                          probability=f"{transcript.language_probability:.2f}")
    rows = [
        ("name", asset.file_name),
        ("size", formats["size"].format(bytes=f"{asset.size_bytes:,}", human=human_size(asset.size_bytes))),
        ("duration", duration_text(asset.duration)),
        ("format", _format_text(asset, formats)),
        ("sha256", asset.sha256),
        ("md5", asset.md5),
        ("modified", asset.modified),
        ("created", asset.tags.get("creation_time", "")),
        ("processed", processed.strftime("%Y-%m-%d %H:%M")),
        ("language", language),
        ("transcription_model", _model_text(transcript, formats)),
        ("diarization", diarization.method),
        ("model_files", "\n".join(formats["model_file"].format(name=n, sha=s) for n, s in models.items())),
    ]
    return [(key, value) for key, value in rows if value]


def _file_table(doc: DocumentObject, rows: list[tuple[str, str]], wording: Wording) -> None:
    size = wording["fonts"]["small_size"]
    table = _table(doc, FILE_COLUMNS, None, [[wording["file"][key], value] for key, value in rows], size)
    for row, (key, _) in zip(table.rows, rows):
        if key in HASH_ROWS:
            for run in row.cells[1].paragraphs[0].runs:
                run.font.size = Pt(size - HASH_SIZE_STEP)


def _parties_rows(labelled: Labelled, wording: Wording) -> list[list[str]]:
    blank = wording["blank"]
    return [[s.label, s.name or blank, s.role or blank, duration_text(s.talk_time), hms(s.first_heard)]
            for s in labelled.speakers]


# ------------------------------------------------------------------------------------- transcript, facts


def _merged(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if out and start <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], end))
        else:
            out.append((start, end))
    return out


def _line_runs(paragraph, line: str, text: str, spans: list[tuple[int, int]]) -> None:
    """The line as runs, the key-fact spans of its text shaded (spans are offsets in the utterance text)."""
    stripped = text.strip()
    offset = len(line) - len(stripped) - (len(text) - len(text.lstrip()))
    if not spans or not stripped or not line.endswith(stripped):
        paragraph.add_run(line)
        return
    cursor = 0
    for start, end in _merged([(s + offset, e + offset) for s, e in spans]):
        start, end = max(start, cursor, len(line) - len(stripped)), min(end, len(line))
        if end <= start:
            continue
        if start > cursor:
            paragraph.add_run(line[cursor:start])
        paragraph.add_run(line[start:end]).font.highlight_color = SHADE
        cursor = end
    if cursor < len(line):
        paragraph.add_run(line[cursor:])


def _transcript(doc: DocumentObject, labelled: Labelled, wording: Wording, facts: Facts | None = None) -> None:
    """Every line; with facts (highlight = "inline") their matched words are shaded."""
    if not labelled.items:
        doc.add_paragraph(wording["empty_transcript"])
        return
    speakers = speakers_by_id(labelled)
    spans: dict[str, list[tuple[int, int]]] = {}
    for f in facts.items if facts else ():
        spans.setdefault(f.utterance_id, []).append(f.span)
    for u in labelled.items:
        paragraph = doc.add_paragraph()
        _line_runs(paragraph, utterance_text(u, speakers.get(u.speaker), wording, with_time=True), u.text,
                   spans.get(u.id, []))
        fmt = paragraph.paragraph_format
        fmt.left_indent, fmt.first_line_indent, fmt.space_after = HANGING, -HANGING, Pt(4)


def _small_paragraph(cell: _Cell, text: str, size: float) -> None:
    run = cell.add_paragraph().add_run(text)
    run.font.size = Pt(size - 1.5)


def _quote(cell: _Cell, utterance: Utterance | None, fact: Fact, size: float, wording: Wording) -> None:
    """The whole utterance, the words the rule matched in bold (or only those words if the text differs);
    the user's note from key_facts.csv below it."""
    text = utterance.text if utterance else ""
    start, end = fact.span
    if text[start:end] != fact.matched or not fact.matched:
        _fill(cell, text or fact.matched, size)
    else:
        paragraph = cell.paragraphs[0]
        for part, bold in ((text[:start], False), (text[start:end], True), (text[end:], False)):
            if part:
                run = paragraph.add_run(part)
                run.font.size, run.bold = Pt(size), bold or None
    if fact.note:
        _small_paragraph(cell, wording["facts"]["note"].format(note=fact.note), size)


def _category_cell(cell: _Cell, fact: Fact, wording: Wording, size: float) -> None:
    _fill(cell, wording["categories"].get(fact.category, fact.category), size)
    if fact.explanation:
        _small_paragraph(cell, fact.explanation, size)
    _small_paragraph(cell, wording["facts"]["rule"].format(rule=fact.rule_id), size)


def _times_text(times: tuple[float, ...], words: Wording, separator: str) -> str:
    if not times:
        return words["not_found"]
    shown = separator.join(hms(t) for t in times[:CHECKLIST_TIMES])
    rest = len(times) - CHECKLIST_TIMES
    return f"{shown} {words['more'].format(count=len(times))}" if rest > 0 else shown


def _checklist(doc: DocumentObject, labelled: Labelled, facts: Facts, wording: Wording) -> None:
    """What the recording proves at a glance: each element with the times it was heard, or "not found"."""
    words, size = wording["checklist"], wording["fonts"]["small_size"]
    speakers = speakers_by_id(labelled)
    separator = "、" if wording["language"] == "zh" else ", "
    rows = []
    for item in checklist(labelled, facts):
        if item.key == "identity":
            label = (words["identity"].format(speaker=speaker_text(speakers[item.subject], wording))
                     if item.subject else words["identity_all"])
        else:
            label = words[item.key]
        rows.append([label, _times_text(item.times, words, separator)])
    doc.add_paragraph(words["heading"]).runs[0].bold = True
    _table(doc, CHECKLIST_COLUMNS, [words["item"], words["heard"]], rows, size)
    doc.add_paragraph()


def _facts(doc: DocumentObject, labelled: Labelled, facts: Facts, wording: Wording) -> None:
    _checklist(doc, labelled, facts, wording)
    if not facts.items:
        doc.add_paragraph(wording["no_facts"])
        return
    size = wording["fonts"]["small_size"]
    columns = wording["facts"]
    header = [columns[k] for k in ("time", "speaker", "quote", "category", "value")]
    ordered = sorted(facts.items, key=lambda f: (f.start, f.span))
    speakers, utterances = speakers_by_id(labelled), {u.id: u for u in labelled.items}
    table = _table(doc, FACTS_COLUMNS, header,
                   [[hms(f.start), speaker_text(speakers.get(f.speaker), wording, fallback=f.speaker), "", "",
                     f.value or wording["blank"]] for f in ordered], size)
    for row, fact in zip(table.rows[1:], ordered):
        _quote(row.cells[2], utterances.get(fact.utterance_id), fact, size, wording)
        _category_cell(row.cells[3], fact, wording, size)


def _notes(doc: DocumentObject, wording: Wording) -> None:
    doc.add_heading(wording["headings"]["notes"], level=1)
    for number, note in enumerate(wording["notes"], start=1):
        doc.add_paragraph(f"{number}. {note}")


# ---------------------------------------------------------------------------------------------- document


def _properties(doc: DocumentObject, title: str, processed: datetime) -> None:
    """Document properties of this exhibit, and no thumbnail (python-docx's template carries an unrelated one)."""
    props = doc.core_properties
    props.title, props.author, props.last_modified_by = title, "exhibit", "exhibit"
    props.comments, props.revision = "", 1
    props.created = props.modified = props.last_printed = _utc(processed)
    rels = doc.part.package.rels
    for rid in [rid for rid, rel in rels.items() if rel.reltype == RT.THUMBNAIL]:
        rels.pop(rid)


def _utc(moment: datetime) -> datetime:
    """The processed time as naive UTC to the minute: the precision the exhibit itself shows."""
    return moment.astimezone(timezone.utc).replace(tzinfo=None, second=0, microsecond=0)


def fixed_zip(data: bytes, moment: datetime) -> bytes:
    """The zip (a .docx) rewritten so that equal content gives equal bytes: every entry dated `moment`,
    [Content_Types].xml first and the rest in name order, the same compression, no zip comment."""
    stamp = _utc(moment).timetuple()[:6]
    with zipfile.ZipFile(io.BytesIO(data)) as source:
        entries = sorted(source.infolist(), key=lambda i: (i.filename != "[Content_Types].xml", i.filename))
        parts = [(i.filename, source.read(i)) for i in entries]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for name, blob in parts:
            info = zipfile.ZipInfo(name, date_time=stamp)
            info.compress_type, info.external_attr = zipfile.ZIP_DEFLATED, 0o644 << 16
            target.writestr(info, blob)
    return buffer.getvalue()


def docx_bytes(asset: AudioAsset, transcript: Transcript, diarization: Diarization, labelled: Labelled,
               facts: Facts, models: dict[str, str], doc_language: str, processed: datetime | None = None,
               highlight: str = "none") -> bytes:
    """The exhibit as .docx bytes; doc_language "zh" or "en"; processed defaults to now; highlight "inline"
    also shades the key-fact words in the transcript body. The same inputs and the same processed time (to
    the minute) give byte-identical files."""
    if highlight not in HIGHLIGHTS:
        raise ConfigError(f"highlight must be one of {', '.join(HIGHLIGHTS)}, not {highlight!r}")
    wording = load_wording(doc_language)
    processed = processed or datetime.now().astimezone()
    size = wording["fonts"]["small_size"]
    doc = Document()
    _style(doc, wording["fonts"])
    _page(doc, wording)
    doc.add_heading(wording["title"], level=0)
    doc.add_heading(wording["headings"]["file"], level=1)
    _file_table(doc, _file_rows(asset, transcript, diarization, models, processed, wording), wording)
    doc.add_heading(wording["headings"]["parties"], level=1)
    parties = [wording["parties"][k] for k in ("label", "name", "role", "talk_time", "first_heard")]
    _table(doc, PARTIES_COLUMNS, parties, _parties_rows(labelled, wording), size)
    doc.add_heading(wording["headings"]["transcript"], level=1)
    _transcript(doc, labelled, wording, facts if highlight == "inline" else None)
    doc.add_heading(wording["headings"]["facts"], level=1)
    _facts(doc, labelled, facts, wording)
    _notes(doc, wording)
    _properties(doc, f"{wording['title']} {asset.file_name}", processed)
    buffer = io.BytesIO()
    doc.save(buffer)
    return fixed_zip(buffer.getvalue(), processed)


def write_docx(path: Path, asset: AudioAsset, transcript: Transcript, diarization: Diarization,
               labelled: Labelled, facts: Facts, models: dict[str, str], doc_language: str,
               processed: datetime | None = None, highlight: str = "none") -> None:
    write_bytes_atomic(path, docx_bytes(asset, transcript, diarization, labelled, facts, models, doc_language,
                                        processed, highlight))
