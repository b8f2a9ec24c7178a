"""Small building blocks of the exhibit: styled paragraphs, tables of plain text, Word fields. Styling is by
style name only (styles.py); column widths are the one layout decision made here, per table."""

from __future__ import annotations

import weakref
from collections.abc import Sequence

from docx.document import Document as DocumentObject
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Length
from docx.table import Table, _Cell
from docx.text.paragraph import Paragraph
from docx.text.run import Run

from pipeline.export.word import styles as S

TEXT_WIDTH = Cm(16.0)     # the A4 page's text width in the template


_STYLE_IDS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()   # document part → {style name: id}


def _style_id(part, name: str) -> str | None:
    """The id python-docx would write for the style `name` (None for the default style), looked up once per
    document: python-docx searches every style for the default one on each paragraph and run it styles (2.9 s
    of the re-render of a 60-minute transcript, measured)."""
    ids = _STYLE_IDS.setdefault(part, {})
    if name not in ids:
        ids[name] = part.get_style_id(name, part.styles[name].type)
    return ids[name]


def styled(target: Paragraph, name: str) -> Paragraph:
    """The paragraph in the style `name`."""
    target._p.style = _style_id(target.part, name)
    return target


def run(target: Paragraph, text: str, style: str | None = None) -> Run:
    """A run of text added to the paragraph, in the character style `style` if given."""
    added = target.add_run(text)
    if style:
        added._r.style = _style_id(target.part, style)
    return added


def styled_runs(text: str, layers: Sequence[tuple[str, Sequence[tuple[int, int]]]]) -> list[tuple[str, str | None]]:
    """text cut into (piece, character style) runs: each layer (style, character spans) in turn, a later layer
    winning where spans of two overlap; pieces outside every span have no style (None)."""
    marks: list[str | None] = [None] * len(text)
    for style, spans in layers:
        for start, end in spans:
            for i in range(max(0, start), min(end, len(text))):
                marks[i] = style
    runs: list[tuple[str, str | None]] = []
    for ch, style in zip(text, marks):
        if runs and runs[-1][1] == style:
            runs[-1] = (runs[-1][0] + ch, style)
        else:
            runs.append((ch, style))
    return runs


def paragraph(doc: DocumentObject, text: str = "", style: str = S.NORMAL) -> Paragraph:
    return styled(doc.add_paragraph(text), style)


def lead(doc: DocumentObject, text: str) -> Paragraph:
    """A paragraph introducing the table after it, kept on the same page as the table's first row."""
    return paragraph(doc, text, S.LEAD)


def heading(doc: DocumentObject, text: str) -> Paragraph:
    """A section heading (numbered when the document is assembled, see document.number_headings)."""
    return paragraph(doc, text, S.HEADING)


def unbreakable(doc: DocumentObject) -> _Cell:
    """A block that is never split across pages (a one-cell table without borders whose row may not break): what
    is written into the cell moves to the next page whole when it does not fit (Word and LibreOffice both honour
    it, where LibreOffice may break a long keep-with-next chain). A block longer than a page still flows on."""
    grid = doc.add_table(rows=1, cols=1)
    grid.autofit = False
    _row_mark(grid.rows[0], "w:cantSplit")
    margins = OxmlElement("w:tblCellMar")          # no cell padding: the text lines up with the page's
    for side in ("left", "right"):
        edge = OxmlElement(f"w:{side}")
        edge.set(qn("w:w"), "0")
        edge.set(qn("w:type"), "dxa")
        margins.append(edge)
    grid._tbl.tblPr.append(margins)
    cell = grid.rows[0].cells[0]
    cell.width = TEXT_WIDTH
    cell._tc.remove(cell.paragraphs[0]._p)      # the cell's own empty paragraph: the writer adds its own
    return cell


def keep_together(paragraphs: Sequence[Paragraph]) -> None:
    """The paragraphs on one page: none split across pages, each kept with the next (a block longer than a page
    still flows on: Word and LibreOffice then break where they must)."""
    for i, p in enumerate(paragraphs):
        p.paragraph_format.keep_together = True
        p.paragraph_format.keep_with_next = i < len(paragraphs) - 1


def field(target: Paragraph, instruction: str) -> None:
    """A Word field (PAGE, NUMPAGES) that Word fills in when it lays out the page."""
    simple = OxmlElement("w:fldSimple")
    simple.set(qn("w:instr"), instruction)
    run = OxmlElement("w:r")
    text = OxmlElement("w:t")
    text.text = "1"
    run.append(text)
    simple.append(run)
    target._p.append(simple)


def cell_text(cell: _Cell, text: str, style: str = S.TABLE_TEXT) -> Paragraph:
    """The cell's first paragraph in `style` holding text (line breaks kept)."""
    first = styled(cell.paragraphs[0], style)
    if text:
        first.add_run(text)
    return first


def cell_line(cell: _Cell, text: str, style: str = S.TABLE_NOTE) -> Paragraph:
    """Another paragraph in the cell (a note, an explanation)."""
    return styled(cell.add_paragraph(text), style)


def _row_mark(row, tag: str) -> None:
    """A row property (w:cantSplit, w:tblHeader) set on."""
    marker = OxmlElement(tag)
    marker.set(qn("w:val"), "true")
    row._tr.get_or_add_trPr().append(marker)


def _repeat_as_header(table: Table) -> None:
    """The first row is repeated at the top of every page the table runs onto."""
    _row_mark(table.rows[0], "w:tblHeader")


def table(doc: DocumentObject, widths: Sequence[Length], header: Sequence[str] | None,
          rows: Sequence[Sequence[str]], styles: Sequence[str | None] | None = None) -> Table:
    """A bordered table of plain text; a header row (repeated on each page) when given; no row is split across
    two pages. styles: a paragraph style per data row (None: Table Text)."""
    grid = doc.add_table(rows=0, cols=len(widths))
    grid.style = doc.styles[S.TABLE]
    grid.alignment = WD_TABLE_ALIGNMENT.CENTER
    grid.autofit = False
    for i, width in enumerate(widths):
        grid.columns[i].width = width
    if header:
        cells = grid.add_row().cells
        for cell, width, value in zip(cells, widths, header):
            cell.width = width
            cell_text(cell, value, S.TABLE_HEADING)
        _repeat_as_header(grid)
    for r, values in enumerate(rows):
        cells = grid.add_row().cells
        style = (styles[r] if styles else None) or S.TABLE_TEXT
        for c, (cell, width, value) in enumerate(zip(cells, widths, values)):
            cell.width = width
            cell_text(cell, value, style if c else S.TABLE_TEXT)
    for row in grid.rows:
        _row_mark(row, "w:cantSplit")
    return grid
