"""The Word exhibit (录音文字整理稿), one module per job:

- styles.py       the style names; the styles themselves live in configs/exhibit_template.docx
                  (built by tools/make_template.py)
- document.py     template, page header/footer, section order, heading numbers, properties, saving
- blocks.py       styled paragraphs, tables, fields
- recording.py    title, case block, the recording's particulars
- transcript.py   parties legend and timeline figure, notation key, the numbered transcript lines
- facts.py        evidence checklist and key-content index
- method.py       coverage, integrity screen, method, declaration and signature lines
- reproducible.py equal content, equal bytes
"""

from pipeline.export.word.document import docx_bytes, write_docx
from pipeline.export.word.recording import human_size
from pipeline.export.word.reproducible import fixed_zip

__all__ = ["docx_bytes", "fixed_zip", "human_size", "write_docx"]
