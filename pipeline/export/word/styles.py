"""The style names the Word exhibit uses, and where they are defined: configs/exhibit_template.docx (built by
tools/make_template.py, editable in Word). Code refers to these names only; every font, size, colour,
spacing, indent and tab stop lives in the template."""

from __future__ import annotations

from pipeline.config import CONFIG_DIR

TEMPLATE = CONFIG_DIR / "exhibit_template.docx"

# paragraph styles (built-in names where Word has one)
NORMAL = "Normal"
TITLE = "Title"                   # 录音文字整理稿 / Transcript of Audio Recording
HEADING = "Heading 1"             # numbered section headings
SUBHEADING = "Heading 2"          # unnumbered headings inside a section (证据要素核对)
CASE_FIELD = "Case Field"         # 案号：<tab>…, under the title
NOTICE = "Notice"                 # the boxed notice at the top of the counsel's working copy
LEAD = "Lead In"                  # a paragraph that introduces the table after it (kept on its page)
TABLE_TEXT = "Table Text"         # every table cell
TABLE_HEADING = "Table Heading"   # a table's header row (bold)
TABLE_HASH = "Table Hash"         # long hashes in a cell: smaller, so that 64 hex digits fit one line
TABLE_NOTE = "Table Note"         # a cell's second and later lines: explanation, rule, the user's note
TRANSCRIPT_LINE = "Transcript Line"   # `12<tab>[00:01:23]<tab>张三（被告）：…`, hanging indent
FIGURE = "Figure"                 # the paragraph holding a picture
CAPTION = "Caption"
HEADER = "Header"
FOOTER = "Footer"

# character styles
UNCERTAIN = "Uncertain"           # a word heard with low confidence
KEY_FACT = "Key Fact"             # key-fact words in the transcript (highlight = "inline")
STRONG = "Strong"                 # the matched words in the key-content index

# table styles
TABLE = "Table Grid"

PARAGRAPH_STYLES = (NORMAL, TITLE, HEADING, SUBHEADING, CASE_FIELD, NOTICE, LEAD, TABLE_TEXT, TABLE_HEADING, TABLE_HASH,
                    TABLE_NOTE, TRANSCRIPT_LINE, FIGURE, CAPTION, HEADER, FOOTER)
CHARACTER_STYLES = (UNCERTAIN, KEY_FACT, STRONG)
TABLE_STYLES = (TABLE,)
