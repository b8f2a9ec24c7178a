"""The two Word documents — the court copy (录音文字整理稿) and the counsel's working copy (工作底稿) — from one
content model, one module per job:

- styles.py       the style names; the styles themselves live in configs/exhibit_template.docx
                  (built by tools/make_template.py)
- document.py     the two documents: template, page header/footer, section order, heading numbers, saving
- blocks.py       styled paragraphs, tables, fields
- recording.py    title, case block, the recording's particulars
- transcript.py   parties legend and timeline figure, notation key, the numbered transcript lines
- facts.py        the key-content index (one row per line; rules and notes in the working copy)
- counsel.py      the working copy's own part: before filing, checklist, threats, integrity, review
- method.py       coverage, integrity screen, method, declaration and signature lines
- reproducible.py equal content, equal bytes
"""

from pipeline.export.word.document import COUNSEL, COURT, docx_bytes, write_docx
from pipeline.export.word.recording import human_size
from pipeline.export.word.reproducible import fixed_zip

__all__ = ["COUNSEL", "COURT", "docx_bytes", "fixed_zip", "human_size", "write_docx"]
