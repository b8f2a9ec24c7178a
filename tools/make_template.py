"""Build configs/exhibit_template.docx: the page and every style of the Word exhibit, and nothing else.

    .venv/bin/python tools/make_template.py [--out configs/exhibit_template.docx]

This is the only place with fonts, sizes, colours, spacing, indents and tab stops; the exhibit writer
(pipeline/export/word/) opens the template and refers to styles by name (pipeline/export/word/styles.py).
The same script always writes the same bytes. The template can also be edited in Word (keep the style
names); running this script again replaces such edits.
"""

from __future__ import annotations

import argparse
import io
import sys
from datetime import datetime
from pathlib import Path

from docx import Document
from docx.document import Document as DocumentObject
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING, WD_TAB_ALIGNMENT
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor
from lxml import etree

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from pipeline.export.word import styles as S  # noqa: E402
from pipeline.export.word.reproducible import fixed_zip  # noqa: E402

BUILT = datetime(2025, 1, 1)                     # the template's own (fixed) date

# --- page: A4, 2.5 cm margins
PAGE_WIDTH, PAGE_HEIGHT, MARGIN = Cm(21.0), Cm(29.7), Cm(2.5)
HEADER_DISTANCE = FOOTER_DISTANCE = Cm(1.3)
TEXT_WIDTH = Cm(16.0)

# --- fonts: a serif CJK face for the body, a sans one for headings (Debian's fonts-noto-cjk, installed with the
# PDF tools); where Word does not have them it takes the alternative named in the font table (宋体, 黑体).
LATIN = "Times New Roman"
SONG = "Noto Serif CJK SC"    # body text (a Song/Ming face)
HEI = "Noto Sans CJK SC"      # title and headings (a Hei face)
MONO = "Courier New"          # hashes: each digit the same width
# name → (alternative names Word may use instead, panose, family) in word/fontTable.xml
FONT_TABLE = {SONG: ("宋体,SimSun", "02020400000000000000", "roman"),
              HEI: ("黑体,SimHei", "020B0500000000000000", "swiss")}
GB2312 = "86"                 # the font table's charset for simplified Chinese
BLACK = RGBColor(0, 0, 0)
DARK_GREY = RGBColor(0x40, 0x40, 0x40)

# --- sizes (pt): 小四 12, 五号 10.5, 小二 18, 四号 14
BODY, TABLE, NOTE, HASH, TITLE, HEADING1, HEADING2, PAGE_MARKS = 12, 10.5, 9, 8, 18, 14, 12, 9

# --- shading
UNCERTAIN_FILL = "D9D9D9"      # light grey behind a low-confidence word (with a dotted underline for print)
KEY_FACT_FILL = "FFF2A8"       # pale yellow behind key-fact words
NOTICE_FILL = "EDEDED"         # behind the counsel copy's notice

# --- transcript line: `12⇥[00:01:23]⇥张三（被告）：…`, wrapped lines start under the text
LINE_NUMBER_END = Cm(0.9)      # right-aligned line number
LINE_TIME_AT = Cm(1.2)
LINE_TEXT_AT = Cm(3.4)
CASE_VALUE_AT = Cm(4.0)        # case block: value after the label

RPR_ORDER = ("rStyle", "rFonts", "b", "bCs", "i", "iCs", "caps", "smallCaps", "strike", "dstrike", "outline",
             "shadow", "emboss", "imprint", "noProof", "snapToGrid", "vanish", "webHidden", "color", "spacing",
             "w", "kern", "position", "sz", "szCs", "highlight", "u", "effect", "bdr", "shd", "fitText",
             "vertAlign", "rtl", "cs", "em", "lang", "eastAsianLayout", "specVanish", "oMath")
PPR_ORDER = ("pStyle", "keepNext", "keepLines", "pageBreakBefore", "framePr", "widowControl", "numPr",
             "suppressLineNumbers", "pBdr", "shd", "tabs", "suppressAutoHyphens", "kinsoku", "wordWrap",
             "overflowPunct", "topLinePunct", "autoSpaceDE", "autoSpaceDN", "bidi", "adjustRightInd",
             "snapToGrid", "spacing", "ind", "contextualSpacing", "mirrorIndents", "suppressOverlap", "jc",
             "textDirection", "textAlignment", "textboxTightWrap", "outlineLvl", "divId", "cnfStyle", "rPr",
             "sectPr", "pPrChange")


def _put(parent, element, order: tuple[str, ...]) -> None:
    """Add element to a w:rPr / w:pPr in schema order, replacing one of the same name."""
    name = element.tag.split("}")[1]
    old = parent.find(qn(f"w:{name}"))
    if old is not None:
        parent.remove(old)
    later = set(order[order.index(name) + 1:])
    for i, child in enumerate(parent):
        if child.tag.split("}")[1] in later:
            parent.insert(i, element)
            return
    parent.append(element)


def _element(tag: str, **attrs: str):
    element = OxmlElement(tag)
    for key, value in attrs.items():
        element.set(qn(f"w:{key}"), value)
    return element


def _fonts(rpr, latin: str, east_asia: str) -> None:
    _put(rpr, _element("w:rFonts", ascii=latin, hAnsi=latin, cs=latin, eastAsia=east_asia), RPR_ORDER)


def _language(rpr) -> None:
    _put(rpr, _element("w:lang", val="en-GB", eastAsia="zh-CN"), RPR_ORDER)


def _fresh(doc: DocumentObject, name: str, kind: WD_STYLE_TYPE, based_on: str | None = None):
    """The style `name`, created if absent, its own formatting cleared (theme fonts, colours, borders)."""
    try:
        style = doc.styles[name]
    except KeyError:
        style = doc.styles.add_style(name, kind)
    for tag in ("w:rPr", "w:pPr", "w:tblPr", "w:tcPr", "w:trPr", "w:tblStylePr"):
        for child in style.element.findall(qn(tag)):
            style.element.remove(child)
    if based_on:
        style.base_style = doc.styles[based_on]
    style.hidden, style.quick_style = False, True
    return style


def _paragraph(doc, name, based_on=S.NORMAL, *, size=None, latin=LATIN, east_asia=None, bold=None,
               colour=None, align=None, before=None, after=None, keep_next=None, left=None, first=None,
               tabs=(), exact_single=True):
    style = _fresh(doc, name, WD_STYLE_TYPE.PARAGRAPH, based_on if name != S.NORMAL else None)
    if east_asia:
        _fonts(style.element.get_or_add_rPr(), latin, east_asia)
    font, fmt = style.font, style.paragraph_format
    if size is not None:
        font.size = Pt(size)
    if bold is not None:
        font.bold = bold
    font.italic = False if name != S.NORMAL else None
    if colour is not None:
        font.color.rgb = colour
    if align is not None:
        fmt.alignment = align
    if before is not None:
        fmt.space_before = Pt(before)
    if after is not None:
        fmt.space_after = Pt(after)
    if exact_single:
        fmt.line_spacing_rule = WD_LINE_SPACING.SINGLE
    if keep_next is not None:
        fmt.keep_with_next = keep_next
    if left is not None:
        fmt.left_indent = left
    if first is not None:
        fmt.first_line_indent = first
    for position, alignment in tabs:
        fmt.tab_stops.add_tab_stop(position, alignment)
    return style


def _character(doc, name, *, bold=None, fill=None, dotted=False):
    style = _fresh(doc, name, WD_STYLE_TYPE.CHARACTER, "Default Paragraph Font")
    if bold is not None:
        style.font.bold = bold
    rpr = style.element.get_or_add_rPr()
    if dotted:
        _put(rpr, _element("w:u", val="dotted", color="808080"), RPR_ORDER)
    if fill:
        _put(rpr, _element("w:shd", val="clear", color="auto", fill=fill), RPR_ORDER)
    return style


def _box(style) -> None:
    """A thin border all round and a light grey fill: the counsel copy's notice."""
    ppr = style.element.get_or_add_pPr()
    border = _element("w:pBdr")
    for side in ("top", "left", "bottom", "right"):
        border.append(_element(f"w:{side}", val="single", sz="8", space="4", color="000000"))
    _put(ppr, border, PPR_ORDER)
    _put(ppr, _element("w:shd", val="clear", color="auto", fill=NOTICE_FILL), PPR_ORDER)


def _border_below(style) -> None:
    ppr = style.element.get_or_add_pPr()
    border = _element("w:pBdr")
    border.append(_element("w:bottom", val="single", sz="4", space="1", color="808080"))
    _put(ppr, border, PPR_ORDER)


def _defaults(doc: DocumentObject) -> None:
    """Document defaults: the same fonts and language as Normal, so nothing falls back to theme fonts."""
    rpr = doc.styles.element.find(qn("w:docDefaults")).find(qn("w:rPrDefault")).find(qn("w:rPr"))
    _fonts(rpr, LATIN, SONG)
    _language(rpr)


def _table_grid(doc: DocumentObject) -> None:
    """Table Grid: python-docx's definition (thin black borders, 0.19 cm cell margins) is kept as it is."""
    doc.styles[S.TABLE]


def build_styles(doc: DocumentObject) -> None:
    _defaults(doc)
    normal = _paragraph(doc, S.NORMAL, size=BODY, east_asia=SONG, before=6, after=4)
    _language(normal.element.get_or_add_rPr())
    normal.font.color.rgb = BLACK
    _paragraph(doc, S.TITLE, size=TITLE, east_asia=HEI, bold=True, colour=BLACK, align=WD_ALIGN_PARAGRAPH.CENTER,
               before=0, after=18)
    _paragraph(doc, S.HEADING, size=HEADING1, east_asia=HEI, bold=True, colour=BLACK, before=18, after=8,
               keep_next=True)
    _put(doc.styles[S.HEADING].element.get_or_add_pPr(), _element("w:outlineLvl", val="0"), PPR_ORDER)
    _paragraph(doc, S.SUBHEADING, size=HEADING2, east_asia=HEI, bold=True, colour=BLACK, before=12, after=6,
               keep_next=True)
    _put(doc.styles[S.SUBHEADING].element.get_or_add_pPr(), _element("w:outlineLvl", val="1"), PPR_ORDER)
    _paragraph(doc, S.CASE_FIELD, before=0, after=2, left=CASE_VALUE_AT, first=-CASE_VALUE_AT,
               tabs=[(CASE_VALUE_AT, WD_TAB_ALIGNMENT.LEFT)])
    notice = _paragraph(doc, S.NOTICE, size=TABLE, east_asia=HEI, bold=True, before=0, after=12)
    _box(notice)
    _paragraph(doc, S.LEAD, keep_next=True)
    _paragraph(doc, S.TABLE_TEXT, size=TABLE, before=1, after=1)
    _paragraph(doc, S.TABLE_HEADING, S.TABLE_TEXT, bold=True, keep_next=True)
    _paragraph(doc, S.TABLE_HASH, S.TABLE_TEXT, size=HASH, latin=MONO, east_asia=SONG)
    _paragraph(doc, S.TABLE_NOTE, S.TABLE_TEXT, size=NOTE, colour=DARK_GREY)
    _paragraph(doc, S.TRANSCRIPT_LINE, before=0, after=4, left=LINE_TEXT_AT, first=-LINE_TEXT_AT,
               tabs=[(LINE_NUMBER_END, WD_TAB_ALIGNMENT.RIGHT), (LINE_TIME_AT, WD_TAB_ALIGNMENT.LEFT),
                     (LINE_TEXT_AT, WD_TAB_ALIGNMENT.LEFT)])
    _paragraph(doc, S.FIGURE, align=WD_ALIGN_PARAGRAPH.CENTER, before=6, after=2, keep_next=True)
    _paragraph(doc, S.CAPTION, size=TABLE, bold=False, colour=BLACK, align=WD_ALIGN_PARAGRAPH.CENTER, before=2,
               after=12)
    header = _paragraph(doc, S.HEADER, size=PAGE_MARKS, colour=DARK_GREY, before=0, after=0,
                        tabs=[(Cm(8.0), WD_TAB_ALIGNMENT.CENTER), (TEXT_WIDTH, WD_TAB_ALIGNMENT.RIGHT)])
    _border_below(header)
    _paragraph(doc, S.FOOTER, size=PAGE_MARKS, colour=DARK_GREY, before=0, after=0, align=WD_ALIGN_PARAGRAPH.CENTER)
    _character(doc, S.UNCERTAIN, fill=UNCERTAIN_FILL, dotted=True)
    _character(doc, S.KEY_FACT, fill=KEY_FACT_FILL)
    _character(doc, S.STRONG, bold=True)
    _table_grid(doc)


def _font_table(doc: DocumentObject) -> None:
    """Declare the CJK faces in word/fontTable.xml with the alternatives Word uses where they are missing."""
    part = next(p for p in doc.part.package.parts if p.partname == "/word/fontTable.xml")
    root = etree.fromstring(part.blob)
    for name, (alternatives, panose, family) in FONT_TABLE.items():
        for old in root.findall(qn("w:font")):
            if old.get(qn("w:name")) == name:
                root.remove(old)
        font = _element("w:font", name=name)
        for child in (_element("w:altName", val=alternatives), _element("w:panose1", val=panose),
                      _element("w:charset", val=GB2312), _element("w:family", val=family),
                      _element("w:pitch", val="variable")):
            font.append(child)
        root.append(font)
    part._blob = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


def _page(doc: DocumentObject) -> None:
    section = doc.sections[0]
    section.page_width, section.page_height = PAGE_WIDTH, PAGE_HEIGHT
    section.left_margin = section.right_margin = section.top_margin = section.bottom_margin = MARGIN
    section.header_distance, section.footer_distance = HEADER_DISTANCE, FOOTER_DISTANCE


def _properties(doc: DocumentObject) -> None:
    props = doc.core_properties
    props.title, props.author, props.last_modified_by, props.comments = "exhibit template", "exhibit", "exhibit", ""
    props.created = props.modified = props.last_printed = BUILT
    props.revision = 1
    rels = doc.part.package.rels
    for rid in [rid for rid, rel in rels.items() if rel.reltype == RT.THUMBNAIL]:
        rels.pop(rid)


def template_bytes() -> bytes:
    doc = Document()
    body = doc.element.body
    for child in list(body):
        if child.tag != qn("w:sectPr"):
            body.remove(child)
    build_styles(doc)
    _font_table(doc)
    _page(doc)
    _properties(doc)
    buffer = io.BytesIO()
    doc.save(buffer)
    return fixed_zip(buffer.getvalue(), BUILT)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=S.TEMPLATE)
    args = parser.parse_args()
    args.out.write_bytes(template_bytes())
    print(args.out)


if __name__ == "__main__":
    main()
