"""A document in another language than the recording (an English exhibit of a Mandarin recording): the
transcript stays in the recording's own language — the software does not translate —, the notation key says so,
and a translator's certificate follows the declaration with blanks for the translator's name, qualification,
signature and date, kept on one page. The counsel's working copy names it among the things to do before filing
(counsel.todo_items).

Wording: [translation] of configs/exhibit_<lang>.toml; the recording's language is named by [languages]."""

from __future__ import annotations

from docx.document import Document as DocumentObject

from pipeline.export.content import ExhibitContent
from pipeline.export.word.blocks import heading, keep_together, paragraph
from pipeline.export.wording import Wording


def original_language(content: ExhibitContent) -> str:
    """The recording's language when the document is in another one (a translation is then for a translator to
    make and certify), else ""."""
    spoken = content.labelled.language or content.transcript.language
    return spoken if spoken and spoken != content.language else ""


def language_name(code: str, wording: Wording) -> str:
    return wording["languages"].get(code, code)


def translation_note(doc: DocumentObject, content: ExhibitContent, wording: Wording) -> None:
    """One paragraph (under the notation key): the transcript is in the recording's language, untranslated."""
    spoken = original_language(content)
    if spoken:
        paragraph(doc, wording["translation"]["note"].format(language=language_name(spoken, wording)))


def translator_certificate(doc: DocumentObject, content: ExhibitContent, wording: Wording) -> None:
    """The translator's certificate to fill in (a section of its own after the declaration), on one page."""
    spoken = original_language(content)
    if not spoken:
        return
    words = wording["translation"]
    start = len(doc.paragraphs)
    heading(doc, words["heading"])
    paragraph(doc, words["certificate"].format(language=language_name(spoken, wording)))
    for key in ("name", "qualification", "sign"):
        paragraph(doc, words[key])
    keep_together(doc.paragraphs[start:])


def translation_todo(content: ExhibitContent, wording: Wording) -> str:
    """The counsel's to-do item for the certificate ("" when the document is in the recording's language)."""
    spoken = original_language(content)
    return wording["translation"]["todo"].format(language=language_name(spoken, wording)) if spoken else ""
