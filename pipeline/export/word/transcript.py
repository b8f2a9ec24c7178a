"""The speakers and what they said: the parties legend (each voice's fixed number, the name, role and basis of
identification the submitting party gives) with the speaker timeline under it, the notation key,
and the transcript as numbered lines `12⇥[00:01:23]⇥张三（被告）：…`, words heard with low confidence in the
Uncertain style and (highlight = "inline") key-fact words in the Key Fact style."""

from __future__ import annotations

import functools
import io
from collections.abc import Sequence

from docx.document import Document as DocumentObject
from docx.shared import Cm
from docx.text.paragraph import Paragraph

from pipeline.artifacts import UNKNOWN_SPEAKER, Flag, Labelled, Speaker, Utterance
from pipeline.export.content import ExhibitContent
from pipeline.export.timeline import TimelineRow, timeline_png
from pipeline.export.wording import Wording, number_label, speaker_text, speakers_by_id, utterance_text
from pipeline.export.word import styles as S
from pipeline.export.word.blocks import cell_text, heading, lead, paragraph, run, styled_runs, table
from pipeline.timefmt import duration_text, hms

PARTIES_COLUMNS = (Cm(2.2), Cm(3.0), Cm(2.2), Cm(4.2), Cm(2.2), Cm(2.2))
NOTATION_COLUMNS = (Cm(4.6), Cm(11.4))
FIGURE_WIDTH = Cm(16.0)            # the text width of an A4 page with 2.5 cm margins

Span = tuple[int, int]


# ------------------------------------------------------------------------------------------- speakers


def _parties_rows(labelled: Labelled, wording: Wording) -> list[list[str]]:
    blank = wording["blank"]
    return [[number_label(s, wording), s.name or blank, s.role or blank, s.identified_by or blank,
             _talk_time(s, wording), hms(s.first_heard)] for s in labelled.speakers]


def _talk_time(speaker: Speaker, wording: Wording) -> str:
    """The speaker's talk time, and for a voice the diarizer kept though it talks only a few seconds, that it is
    short and uncertain ([parties] short)."""
    text = duration_text(speaker.talk_time)
    return wording["parties"]["short_talk"].format(time=text, short=wording["parties"]["short"]) if speaker.short \
        else text


def _owner(speaker_id: str, turns: list[tuple[float, float]], labelled: Labelled, known: set[str]) -> str | None:
    """The labelled speaker a diarization id's turns belong to: itself when it kept its id, else (an id
    merged into another one given the same name) the labelled speaker whose lines overlap its turns most."""
    if speaker_id in known:
        return speaker_id
    overlap: dict[str, float] = {}
    for u in labelled.items:
        for start, end in turns:
            shared = min(end, u.end) - max(start, u.start)
            if shared > 0:
                overlap[u.speaker] = overlap.get(u.speaker, 0.0) + shared
    return max(sorted(overlap), key=lambda s: overlap[s]) if overlap else None


def timeline_rows(content: ExhibitContent, wording: Wording) -> list[TimelineRow]:
    """One row per speaker of the legend, in its order, labelled as the documents show the speaker (说话人1, or
    the name once named): the diarization's exclusive turns of the speaker's id(s); a speaker with no turns
    (lines with no speaker found) shows the times of its lines."""
    labelled = content.labelled
    known = {s.id for s in labelled.speakers}
    turns: dict[str, list[tuple[float, float]]] = {}
    for t in content.diarization.exclusive_turns:
        turns.setdefault(t.speaker, []).append((t.start, t.end))
    spans: dict[str, list[tuple[float, float]]] = {}
    for speaker_id, own in turns.items():
        owner = _owner(speaker_id, own, labelled, known)
        if owner is not None:
            spans.setdefault(owner, []).extend(own)
    rows = []
    for s in labelled.speakers:
        found = spans.get(s.id) or [(u.start, u.end) for u in labelled.items if u.speaker == s.id]
        rows.append(TimelineRow(label=speaker_text(s, wording), fallback=timeline_fallback(s, wording),
                                spans=tuple(sorted(found))))
    return rows


def timeline_fallback(speaker: Speaker, wording: Wording) -> str:
    """What the timeline shows for a speaker when no installed font can draw its label: the speaker's number as
    the legend numbers it (说话人1 → "1"), never the diarizer's id (SPEAKER_00)."""
    words = wording["timeline"]
    if speaker.id == UNKNOWN_SPEAKER or not speaker.number:
        return words["fallback_unknown"]
    return words["fallback"].format(number=speaker.number)


@functools.lru_cache(maxsize=2)
def _figure(rows: tuple[TimelineRow, ...], duration: float, axis_label: str) -> bytes:
    """timeline_png, drawn once for both documents of an export (the court copy and the working copy show the
    same figure; matplotlib takes about 0.15 s a drawing)."""
    return timeline_png(rows, duration, axis_label)


def parties_section(doc: DocumentObject, content: ExhibitContent, wording: Wording, timeline: bool = True) -> None:
    """The legend of speakers, headed as identified by the submitting party, and (timeline) the figure of who
    spoke when under it."""
    heading(doc, wording["headings"]["parties"])
    columns = wording["parties"]
    lead(doc, columns["intro"])
    header = [columns[k] for k in ("label", "name", "role", "basis", "talk_time", "first_heard")]
    table(doc, PARTIES_COLUMNS, header, _parties_rows(content.labelled, wording))
    if not content.labelled.speakers or not timeline:
        return
    png = _figure(tuple(timeline_rows(content, wording)), content.asset.duration, wording["timeline"]["axis"])
    paragraph(doc, style=S.FIGURE).add_run().add_picture(io.BytesIO(png), width=FIGURE_WIDTH)
    paragraph(doc, wording["timeline"]["caption"], S.CAPTION)


# ----------------------------------------------------------------------------------------- notation key


def party_as_speaker(party: str, roles: Sequence[str], wording: Wording) -> str:
    """The submitting party as a named speaker is shown: "原告 王五" → 王五（原告）, "Plaintiff Wang Wu" → Wang Wu
    (Plaintiff) when it starts with one of `roles`; otherwise the party as written ("" when none is given)."""
    party = " ".join(party.split())
    for role in sorted(roles, key=len, reverse=True):
        name = party[len(role):]
        if party.lower().startswith(role.lower()) and name.strip() and (name[0].isspace() or not role[-1].isascii()):
            return wording["speaker"]["with_role"].format(label=name.strip(), role=role)
    return party


def notation_example(content: ExhibitContent, wording: Wording) -> str:
    """How a named speaker appears in the transcript, taken from this case and never made up: the first named
    speaker of the legend (张三（被告） only when 张三 is in it); else the submitting party (原告 王五 → 王五（原告）);
    else the first speaker's number (说话人1)."""
    named = next((s for s in content.labelled.speakers if s.name), None)
    if named is not None:
        return speaker_text(named, wording)
    party = party_as_speaker(content.settings.case.submitting_party, wording["notation"]["party_roles"], wording)
    return party or wording["speaker"]["unnamed"].format(number=1)


def heard_in_mark(u: Utterance, language: str, wording: Wording) -> str:
    """The working copy's mark of a line heard in another language than the recording's (`[英语]`), else ""."""
    if not u.language or u.language == language:
        return ""
    return wording["marks"]["heard_in"].format(language=wording["languages"].get(u.language, u.language))


def notation_section(doc: DocumentObject, content: ExhibitContent, wording: Wording, counsel: bool = False) -> None:
    """What the marks in the transcript mean, each shown as it appears there (in the working copy, the mark of
    a line heard in another language, when there is one)."""
    heading(doc, wording["headings"]["notation"])
    key, marks = wording["notation"], wording["marks"]
    threshold = f"{content.settings.merge.low_confidence:g}"
    rows: list[tuple[str, str, str | None]] = [
        (key["time_term"], key["time"], None),
        (key["line_term"], key["line"], None),
        (notation_example(content, wording), key["names"], None),
        (marks[Flag.INAUDIBLE].format(start=key["inaudible_start"], end=key["inaudible_end"]), key["inaudible"],
         None),
        (marks[Flag.OVERLAP], key["overlap"], None),
        (marks[Flag.HALLUCINATION], key["hallucination"], None),
        (marks[Flag.CORRECTED], key["corrected"], None),
        (marks[Flag.VOCABULARY], key["vocabulary"], None),
        (key["uncertain_term"], key["uncertain"].format(threshold=threshold), S.UNCERTAIN),
    ]
    if content.settings.export.highlight == "inline":
        rows.append((key["key_fact_term"], key["key_fact"], S.KEY_FACT))
    rows.append((key["index_term"], key["index"], None))
    labelled = content.labelled
    other = next((u for u in labelled.items if heard_in_mark(u, labelled.language, wording)), None)
    if counsel and other is not None:
        rows.append((heard_in_mark(other, labelled.language, wording), key["heard_in"], None))
    grid = table(doc, NOTATION_COLUMNS, None, [["", meaning] for _, meaning, _ in rows])
    for row, (term, _, style) in zip(grid.rows, rows):
        run(cell_text(row.cells[0], ""), term, style)


# --------------------------------------------------------------------------------------------- lines


def word_spans(utterance: Utterance) -> list[Span] | None:
    """Each word's (start, end) character offsets in the utterance text, which is the words joined
    (pipeline.text.chinese.join_words: spaces between Chinese dropped, the ends stripped). None when the
    words do not spell the text exactly (then nothing is shaded rather than the wrong characters)."""
    text, position, spans = utterance.text, 0, []
    for w in utterance.words:
        piece = w.text.strip()
        while position < len(text) and text[position].isspace():
            position += 1
        if piece and not text.startswith(piece, position):
            return None
        spans.append((position, position + len(piece)))
        position += len(piece)
    return spans if not text[position:].strip() else None


def uncertain_spans(utterance: Utterance, threshold: float) -> list[Span]:
    """The character spans of the words heard with a probability under threshold ([] when they cannot be
    placed in the text)."""
    spans = word_spans(utterance)
    if spans is None:
        return []
    return [span for span, w in zip(spans, utterance.words) if w.probability < threshold and span[1] > span[0]]


def _line(target: Paragraph, number: int, u: Utterance, line: str, uncertain: list[Span],
          key_facts: list[Span], wording: Wording) -> None:
    lead = f"\t{number}\t{wording['speaker']['time'].format(time=hms(u.start))}\t"   # number right-aligned
    stripped = u.text.strip()
    if not stripped or not line.endswith(stripped):
        target.add_run(lead + line)
        return
    skipped = len(u.text) - len(u.text.lstrip())
    shift = lambda spans: [(s - skipped, e - skipped) for s, e in spans]  # noqa: E731
    target.add_run(lead + line[:len(line) - len(stripped)])
    # a character both heard with low confidence and part of a key fact is shown Uncertain: doubt about a
    # word is never hidden behind a highlight
    for piece, style in styled_runs(stripped, ((S.KEY_FACT, shift(key_facts)), (S.UNCERTAIN, shift(uncertain)))):
        run(target, piece, style)


def transcript_section(doc: DocumentObject, content: ExhibitContent, wording: Wording, counsel: bool = False) -> None:
    """Every line, numbered from 1; low-confidence words Uncertain; with highlight = "inline" the key-fact
    words in Key Fact style; in the working copy (counsel), a line heard in another language than the
    recording's marked with that language (`[英语]`)."""
    heading(doc, wording["headings"]["transcript"])
    labelled = content.labelled
    if not labelled.items:
        paragraph(doc, wording["empty_transcript"])
        return
    speakers = speakers_by_id(labelled)
    facts: dict[str, list[Span]] = {}
    if content.settings.export.highlight == "inline":
        for f in content.facts.items:
            facts.setdefault(f.utterance_id, []).append(f.span)
    threshold = content.settings.merge.low_confidence
    for number, u in enumerate(labelled.items, start=1):
        line = utterance_text(u, speakers.get(u.speaker), wording, with_time=False)
        mark = heard_in_mark(u, labelled.language, wording) if counsel else ""
        line = f"{mark} {line}" if mark else line
        _line(paragraph(doc, style=S.TRANSCRIPT_LINE), number, u, line, uncertain_spans(u, threshold),
              facts.get(u.id, []), wording)
