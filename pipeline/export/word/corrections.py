"""The record of a person's corrections, in the counsel's working copy: each corrected line with its number
and time, the software's text beside the corrected text (and the speaker, when that changed); then the reviews
a later recognition's lines no longer take (Labelled.conflicts), to review again, with both texts."""

from __future__ import annotations

from docx.document import Document
from docx.shared import Cm

from pipeline.artifacts import Flag
from pipeline.export.content import ExhibitContent
from pipeline.export.word import styles as S
from pipeline.export.word.blocks import cell_line, lead, paragraph, table
from pipeline.export.wording import Wording, speaker_text, speakers_by_id
from pipeline.timefmt import hms

COLUMNS = (Cm(1.4), Cm(2.2), Cm(6.2), Cm(6.2))
CONFLICT_COLUMNS = (Cm(3.0), Cm(4.6), Cm(4.6), Cm(3.8))


def corrections_table(doc: Document, content: ExhibitContent, wording: Wording) -> bool:
    """The table of corrections; False (nothing added) when no line was corrected."""
    numbered = [(n, u) for n, u in enumerate(content.labelled.items, start=1) if Flag.CORRECTED in u.flags]
    if not numbered:
        return False
    words = wording["corrections"]
    speakers = speakers_by_id(content.labelled)
    lead(doc, words["intro"])
    grid = table(doc, COLUMNS, [words["line"], words["time"], words["machine"], words["reviewed"]],
                 [[str(n), hms(u.start), u.machine_text or words["empty"], u.text or words["empty"]]
                  for n, u in numbered])
    for row, (_, u) in zip(grid.rows[1:], numbered):
        if u.machine_speaker:
            before = speaker_text(speakers.get(u.machine_speaker), wording, fallback=u.machine_speaker)
            after = speaker_text(speakers.get(u.speaker), wording, fallback=u.speaker)
            cell_line(row.cells[3], words["speaker"].format(machine=before, reviewed=after))
    return True


def conflicts_table(doc: Document, content: ExhibitContent, wording: Wording) -> bool:
    """The reviews to do again; False (nothing added) when there are none."""
    conflicts = content.labelled.conflicts
    if not conflicts:
        return False
    words = wording["conflicts"]
    paragraph(doc, words["heading"], S.SUBHEADING)
    lead(doc, words["intro"])
    table(doc, CONFLICT_COLUMNS, [words["time"], words["machine"], words["person"], words["reason"]],
          [[f"{hms(c.start)}–{hms(c.end)}", c.machine_text or wording["corrections"]["empty"],
            c.text or wording["corrections"]["empty"], words[c.reason]] for c in conflicts])
    return True
