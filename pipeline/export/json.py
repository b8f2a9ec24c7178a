"""The exhibit as one JSON document for programs: the file and its hashes, the models, the speakers, every
utterance with its text as shown and as the machine wrote it (a person's corrections beside the machine's text),
its review status, its words (as shown and as the model wrote them), flags, the numbers said in it (value beside
the spoken form), key facts, and the coverage (how much of the speech heard the text covers); each line also says the
language it was heard in, and languages_heard lists them all."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pipeline.artifactio import SCHEMA_VERSION, to_dict
from pipeline.artifacts import Diarization, Transcript, Utterance, Word
from pipeline.export.content import ExhibitContent
from pipeline.export.coverage import Coverage
from pipeline.export.wording import load_wording, speaker_label, speakers_by_id
from pipeline.fileio import write_text_atomic
from pipeline.text.chinese import has_cjk
from pipeline.text.numerals import format_number, numbers_in

KIND = "exhibit-transcript"


def _word(w: Word) -> dict[str, Any]:
    return {"start": w.start, "end": w.end, "text": w.text, "raw_text": w.raw_text or w.text,
            "probability": w.probability}


def _numbers(text: str) -> list[dict[str, Any]]:
    """The numbers said in the line with their values; the text itself keeps the spoken form (五万块)."""
    return [{"said": n.said, "span": list(n.span), "value": format_number(n.value), "currency": n.currency}
            for n in numbers_in(text, "zh" if has_cjk(text) else "en")]


def _utterance(u: Utterance, label: str) -> dict[str, Any]:
    """A line: its text as shown (a person's, when corrected) beside the machine's, its review status, and the
    words as the machine heard them."""
    return {"id": u.id, "speaker_id": u.speaker, "speaker": label, "start": u.start, "end": u.end,
            "text": u.text, "status": u.status, "machine_text": u.machine, "language": u.language,
            "machine_speaker_id": u.machine_speaker or u.speaker,
            "flags": list(u.flags), "numbers": _numbers(u.text), "words": [_word(w) for w in u.words]}


def languages_heard(items, language: str) -> list[str]:
    """The file's language, then every other language a line was heard in, in order of first appearance."""
    return list(dict.fromkeys([language] + [u.language for u in items if u.language]))


def _transcription(t: Transcript) -> dict[str, Any]:
    segments = [{k: v for k, v in to_dict(s).items() if k != "words"} for s in t.segments]
    return {"model": t.model, "model_sha256": t.model_sha256, "duration": t.duration,
            "speech_duration": t.speech_duration, "segments": segments}


def _diarization(d: Diarization) -> dict[str, Any]:
    return {"method": d.method, "model_files": dict(d.model_files), "speaker_ids": list(d.speakers),
            "turns": to_dict(d.turns)}


def _coverage(c: Coverage) -> dict[str, Any]:
    return {**to_dict(c), "short_gaps": c.short_gaps}


def exhibit_document(content: ExhibitContent) -> dict[str, Any]:
    """Everything of the exhibit for programs; speaker labels in the exhibit's language."""
    labelled, wording = content.labelled, load_wording(content.language)
    speakers = speakers_by_id(labelled)
    return {
        "kind": KIND,
        "schema": SCHEMA_VERSION,
        "file": to_dict(content.asset),
        "language": labelled.language,
        "language_probability": content.transcript.language_probability,
        # every language lines were heard in, the file's first (a code-switching recording has more than one)
        "languages_heard": languages_heard(labelled.items, labelled.language),
        "transcription": _transcription(content.transcript),
        "diarization": _diarization(content.diarization),
        "speakers": [{**to_dict(s), "label": speaker_label(s, wording)} for s in labelled.speakers],
        "utterances": [_utterance(u, speaker_label(speakers[u.speaker], wording) if u.speaker in speakers
                                  else u.speaker) for u in labelled.items],
        "conflicts": to_dict(labelled.conflicts),         # reviews to do again: kept, not applied
        "facts": to_dict(content.facts.items),
        "rule_files": dict(content.facts.rule_files),
        "coverage": _coverage(content.coverage),
    }


def write_json(path: Path, content: ExhibitContent) -> None:
    write_text_atomic(path, json.dumps(exhibit_document(content), ensure_ascii=False, indent=1))
