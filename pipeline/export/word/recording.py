"""The top of the exhibit: the title, the case block (as the user states the case) and the recording's
particulars — the file, its hashes, what its own metadata says, what the submitting party states about the
recording, and how it was processed."""

from __future__ import annotations

from datetime import tzinfo

from docx.document import Document as DocumentObject
from docx.shared import Cm

from pipeline.artifacts import AudioAsset, Transcript
from pipeline.config import CaseConfig
from pipeline.export.content import ExhibitContent
from pipeline.export.wording import Wording, draft_reasons
from pipeline.export.word import styles as S
from pipeline.export.word.blocks import heading, paragraph, table
from pipeline.timefmt import clock_text, duration_text, moment_text, stated_moment_text, tagged_moment_text

COLUMNS = (Cm(4.6), Cm(11.4))
MODEL_SHA_PREFIX = 16    # as the method table shows every model and rule file
HASH_ROWS = ("sha256", "md5")   # long hex strings: the hash style, so that each fits one line
# (every model and rule file with its sha256 is listed in the method section, method.py)
CASE_FIELDS = ("case_name", "case_number", "exhibit_number", "submitting_party")
STATED_FIELDS = ("recorded_on", "recorded_place", "recorded_device", "recorded_by")


def stated_value(case: CaseConfig, key: str, formats: Wording) -> str:
    """What the submitting party states for one of STATED_FIELDS, as the documents show it ("" when nothing):
    the recording's date and time in the exhibit's format (and zone), the others as given."""
    value = getattr(case, key).strip()
    return stated_moment_text(value, formats, case.zone()) if key == "recorded_on" and value else value
# the particulars the court copy shows only when counsel chooses to disclose them ([export] court_discloses)
DISCLOSED_BY = {"modified": "file_times", "created": "metadata_dates", "device_tags": "tags", "other_tags": "tags"}
# metadata keys (without a "stream." prefix) that give the creation date, and that name the device or the
# software that wrote the file; keys under these prefixes are device tags too (iPhone, Android recorders)
CREATION_TAGS = ("creation_time", "com.apple.quicktime.creationdate", "date", "creation_date")
DEVICE_TAGS = ("encoder", "encoded_by", "software", "make", "model", "handler_name", "creation_tool", "tool",
               "original_format", "device", "recorder")
DEVICE_TAG_PREFIXES = ("com.apple.quicktime.", "com.android.", "com.samsung.", "com.huawei.", "com.xiaomi.")


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


def draft_text(content: ExhibitContent, wording: Wording) -> str:
    """Why the court copy is a draft, in one sentence (草稿：尚有 3 句（共 8 句）未记录人工核对；核对人尚未写明。…)."""
    reasons = draft_reasons(content.unfinished, len(content.labelled.items), wording)
    return wording["draft"].format(reasons=wording["draft_separator"].join(reasons))


def title_block(doc: DocumentObject, content: ExhibitContent, wording: Wording, counsel: bool = False) -> None:
    """The title (the working copy's own for counsel), under it in a court copy that is still a draft why it is
    one, then each case field the user gave (none when the case file is empty)."""
    paragraph(doc, wording["counsel_title" if counsel else "title"], S.TITLE)
    if not counsel and content.unfinished:
        paragraph(doc, draft_text(content, wording), S.NOTICE)
    case = content.settings.case
    for key in CASE_FIELDS:
        value = getattr(case, key).strip()
        if value:
            paragraph(doc, f"{wording['case']['label'].format(label=wording['case'][key])}\t{value}",
                      S.CASE_FIELD)


def _format_text(asset: AudioAsset, formats: Wording) -> str:
    text = formats["format"].format(container=asset.container_long or asset.container, codec=asset.codec,
                                    sample_rate=asset.sample_rate, channels=asset.channels)
    if asset.bit_rate:
        text += formats["bit_rate"].format(kbps=round(asset.bit_rate / 1000))
    return text


def _model_text(transcript: Transcript, formats: Wording) -> str:
    if not transcript.model_sha256:
        return transcript.model
    return formats["model"].format(name=transcript.model, sha=transcript.model_sha256[:MODEL_SHA_PREFIX],
                                   digits=MODEL_SHA_PREFIX)


def _bare(key: str) -> str:
    return key.removeprefix("stream.").lower()


def created_text(tags: dict[str, str], formats: Wording, zone: tzinfo) -> str:
    """The creation date(s) the file's metadata states, in the document's zone: the value alone when there is
    one, else `key: value` per line (a container and a stream date that differ are both shown)."""
    found = [(k, tagged_moment_text(v, formats, zone)) for k, v in sorted(tags.items())
             if _bare(k) in CREATION_TAGS and v.strip()]
    if len({v for _, v in found}) == 1:
        return found[0][1]
    return "\n".join(f"{k}: {v}" for k, v in found)


def device_tags_text(tags: dict[str, str]) -> str:
    """`key: value` per line for every tag naming the device or the software that wrote the file."""
    lines = []
    for key, value in sorted(tags.items()):
        bare = _bare(key)
        if not value.strip() or bare in CREATION_TAGS:
            continue
        if bare in DEVICE_TAGS or bare.startswith(DEVICE_TAG_PREFIXES):
            lines.append(f"{key}: {value.strip()}")
    return "\n".join(lines)


def other_tags_text(tags: dict[str, str]) -> str:
    """`key: value` per line for every other tag the file carries (a title, a comment such as "edited"): counsel
    sees everything the other side's expert will."""
    return "\n".join(f"{key}: {value.strip()}" for key, value in sorted(tags.items())
                     if value.strip() and not device_tags_text({key: value}) and _bare(key) not in CREATION_TAGS)


def recording_rows(content: ExhibitContent, wording: Wording, counsel: bool = True) -> list[tuple[str, str]]:
    """(row key, value) for every particular that is known, in display order: the file, the zone of every time
    in the document, its metadata, what the submitting party states, the processing. The court copy (counsel
    False) leaves out the file's tags, file times and metadata dates unless counsel chose to disclose them
    ([export] court_discloses, DISCLOSED_BY)."""
    asset, transcript, formats = content.asset, content.transcript, wording["formats"]
    heard = any(s.words for s in transcript.segments)
    given = bool(content.settings.transcribe.language)    # chosen for the run, not detected: no confidence to state
    language = formats["language_given" if given else "language"].format(
        name=wording["languages"].get(transcript.language, transcript.language), code=transcript.language,
        probability=f"{transcript.language_probability:.2f}") \
        if heard else formats["no_language"]      # Whisper names a language even for silence or noise
    case = content.settings.case
    rows = [
        ("name", asset.file_name),
        ("size", formats["size"].format(bytes=f"{asset.size_bytes:,}", human=human_size(asset.size_bytes))),
        ("duration", duration_text(asset.duration)),
        ("format", _format_text(asset, formats)),
        ("sha256", asset.sha256),
        ("md5", asset.md5),
        ("clock", formats["clock"].format(zone=clock_text(content.zone, formats, content.processed))),
        ("modified", tagged_moment_text(asset.modified, formats, content.zone)),
        ("created", created_text(asset.tags, formats, content.zone)),
        ("device_tags", device_tags_text(asset.tags)),
        ("other_tags", other_tags_text(asset.tags)),
        *((key, stated_value(case, key, formats)) for key in STATED_FIELDS),
        ("processed", moment_text(content.processed, formats, content.zone, seconds=False)),
        ("language", language),
        ("transcription_model", _model_text(transcript, formats)),
        ("diarization", content.diarization.method),
    ]
    disclosed = set(content.settings.export.court_discloses)
    return [(key, value) for key, value in rows
            if value and (counsel or key not in DISCLOSED_BY or DISCLOSED_BY[key] in disclosed)]


def recording_section(doc: DocumentObject, content: ExhibitContent, wording: Wording, counsel: bool = False) -> None:
    heading(doc, wording["headings"]["file"])
    rows = recording_rows(content, wording, counsel)
    table(doc, COLUMNS, None, [[wording["file"][key], value] for key, value in rows],
          [S.TABLE_HASH if key in HASH_ROWS else None for key, _ in rows])
