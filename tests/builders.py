"""Builders the test modules share, so that no test module imports another: hand-built artifacts and the Word
exhibit made from them, a short call to merge and label, a finished run folder as the runner leaves it, and the
real ingest and integrity stages on a real clip. Not a test module: nothing here is collected."""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from pathlib import Path

import numpy as np
from docx import Document

from conftest import eval_file
from pipeline.artifactio import save
from pipeline.artifacts import (
    AudioAsset,
    Diarization,
    Exported,
    Fact,
    Facts,
    Labelled,
    RunManifest,
    Segment,
    Speaker,
    StageRecord,
    Status,
    Transcript,
    Turn,
    Utterance,
    Word,
)
from pipeline.audio import SAMPLE_RATE, write_wav
from pipeline.chain import original_identity
from pipeline.config import CaseConfig, ExportConfig, MergeConfig, Settings
from pipeline.export.content import ExhibitContent
from pipeline.export.coverage import coverage
from pipeline.export.manifest import write_manifest
from pipeline.export.srt import write_srt
from pipeline.export.tables import write_key_facts_csv, write_transcript_csv
from pipeline.export.word import COUNSEL, write_docx
from pipeline.fileio import file_digests, sha256_file
from pipeline.rundir import RunDir
from pipeline.runner import STAGES
from pipeline.stagecache import Context, Stage, run_stages

# ---------------------------------------------------------------------------- hand-built artifacts (test_export)

SHA = "3f" * 32
MD5 = "9a" * 16
MODEL_SHA = "c0ffee" + "1" * 58
PROCESSED = datetime(2025, 3, 6, 14, 30, tzinfo=timezone(timedelta(hours=8)))

ADMIT = "我承认借了你五万块钱。"
OVERLAP = "你什么时候还？"


def _words(text: str, start: float, end: float, probability: float = 0.9) -> tuple[Word, ...]:
    step = (end - start) / len(text)
    return tuple(Word(start + i * step, start + (i + 1) * step, ch, probability) for i, ch in enumerate(text))


def asset() -> AudioAsset:
    return AudioAsset(source_path="/evidence/借款录音.m4a", file_name="借款录音.m4a", size_bytes=1_572_864,
                      sha256=SHA, md5=MD5, modified="2025-03-05T20:14:03+08:00",
                      container="mov,mp4,m4a,3gp,3g2,mj2", container_long="QuickTime / MOV", codec="aac",
                      sample_rate=44100, channels=2, bit_rate=128000, duration=95.24, container_duration=95.3,
                      tags={"creation_time": "2025-03-05T12:00:00.000000Z"}, wav_path="audio.wav",
                      wav_sha256="ab" * 32)


def utterances() -> tuple[Utterance, ...]:
    admit_words = _words(ADMIT, 12.7, 15.2)
    traditional = (Word(62.5, 63.0, "你", 0.95), Word(63.0, 63.6, "什么时候", 0.3, raw_text="什麼時候"),
                   Word(63.6, 64.3, "还？", 0.8, raw_text="還？"))
    return (
        Utterance("u0001", "SPEAKER_00", 12.7, 15.2, ADMIT, admit_words),
        Utterance("u0002", "SPEAKER_01", 62.5, 64.3, OVERLAP, traditional, flags=("overlap", "low_confidence")),
    )


def labelled(language: str = "zh", name: str = "张三", role: str = "被告") -> Labelled:
    speakers = (Speaker("SPEAKER_00", name, role, 1, 2.5, 1, 12.7, 15.2),     # numbered by first appearance,
                Speaker("SPEAKER_01", "", "", 2, 1.8, 1, 62.5, 64.3))     # named or not
    return Labelled(language=language, speakers=speakers, items=utterances())


def facts() -> Facts:
    start = ADMIT.index("五万块钱")
    return Facts(items=(
        Fact("u0001", 12.7, "SPEAKER_00", "amount", "zh-amount", (start, start + 4), "五万块钱", "50000 CNY",
             "金额"),
        Fact("u0001", 12.7, "SPEAKER_00", "admission", "zh-admission-explicit", (0, 3), "我承认", "",
             "明确承认"),
    ), rule_files={"rules/zh.toml": "ee" * 32})


def transcript() -> Transcript:
    words = tuple(w for u in utterances() for w in u.words)
    segment = Segment(12.7, 64.3, ADMIT + OVERLAP, ADMIT + "你什麼時候還？", words, -0.3, 0.01, 1.2)
    return Transcript(language="zh", language_probability=0.97, model="base", model_sha256=MODEL_SHA,
                      duration=95.24, speech_duration=4.3, segments=(segment,),
                      speech_regions=((12.6, 15.3), (62.4, 64.4)))


def diarization() -> Diarization:
    turns = (Turn(12.5, 15.4, "SPEAKER_00"), Turn(62.3, 64.5, "SPEAKER_01"))
    return Diarization(method="pyannote-segmentation-3.0+campplus", turns=turns, exclusive_turns=turns,
                       speakers=("SPEAKER_00", "SPEAKER_01"),
                       model_files={"segmentation-3.0/pytorch_model.bin": "5e" * 32}, centroids={})


MODELS = {"whisper:base": MODEL_SHA, "segmentation-3.0/pytorch_model.bin": "5e" * 32}


# ------------------------------------------------------------------------------------------------ docx


def content(language: str = "zh", lab: Labelled | None = None, found: Facts | None = None,
            case: CaseConfig | None = None, highlight: str = "none", low_confidence: float = 0.4,
            processed: datetime = PROCESSED, audio: AudioAsset | None = None,
            dia: Diarization | None = None) -> ExhibitContent:
    """What the runner hands the Word writer, from the hand-built artifacts above; its times in Beijing time
    unless the case names another zone (never the zone of the machine the tests run on)."""
    lab = lab or labelled()
    case = case or CaseConfig()
    case = case if case.time_zone else dataclasses.replace(case, time_zone="Asia/Shanghai")
    settings = Settings(merge=MergeConfig(low_confidence=low_confidence), export=ExportConfig(highlight=highlight),
                        case=case)
    return ExhibitContent(asset=audio or asset(), transcript=transcript(), diarization=dia or diarization(),
                          labelled=lab, facts=facts() if found is None else found, models=MODELS,
                          coverage=coverage(transcript(), lab, low_confidence), integrity=(), settings=settings,
                          software={"exhibit": "0.1.0", "python": "3.11.2"}, language=language,
                          processed=processed)


def make_docx(tmp_path: Path, language: str = "zh", lab: Labelled | None = None, found: Facts | None = None,
              **more):
    path = tmp_path / f"exhibit_{language}.docx"
    write_docx(path, content(language, lab, found, **more))
    return path, Document(str(path))


# ---------------------------------------------------------- a short call, merged and labelled (test_merge_label)

CFG = MergeConfig(max_pause=1.0, max_length=30.0, low_confidence=0.4)


def _transcript(words: list[tuple[float, float, str, float]], language: str = "zh") -> Transcript:
    ws = tuple(Word(s, e, t, p) for s, e, t, p in words)
    seg = Segment(ws[0].start, ws[-1].end, "".join(w.text for w in ws), "", ws, -0.2, 0.01, 1.2)
    return Transcript(language, 0.99, "base", "abc", 60.0, 50.0, (seg,))


def _diar(turns: list[tuple[float, float, str]], exclusive: list[tuple[float, float, str]] | None = None,
          centroids: dict[str, tuple[float, ...]] | None = None) -> Diarization:
    t = tuple(Turn(*x) for x in turns)
    ex = tuple(Turn(*x) for x in exclusive) if exclusive is not None else t
    return Diarization("test", t, ex, tuple(sorted({x.speaker for x in t})), {}, centroids or {})


CALL = _transcript([
    (0.5, 0.9, "喂", 0.9), (1.0, 1.4, "，", 0.9), (1.4, 1.8, "张三", 0.95),
    (2.6, 3.0, "那", 0.9), (3.0, 3.5, "五万", 0.8), (3.5, 3.8, "块", 0.3), (3.8, 4.2, "是我借的", 0.9),
    (6.0, 6.5, "好", 0.9),
])
VOICE_A, VOICE_B, VOICE_C = (1.0, 0.0, 0.0), (0.0, 1.0, 0.0), (0.0, 0.0, 1.0)
CALL_TURNS = _diar([(0.0, 2.0, "SPEAKER_00"), (2.5, 4.5, "SPEAKER_01"), (5.8, 7.0, "SPEAKER_00")],
                   centroids={"SPEAKER_00": VOICE_A, "SPEAKER_01": VOICE_B})


# --------------------------------------------------------------------------------- a finished run (test_package)

ORIGINAL = "借款录音.wav"


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def reviewed_lines() -> Labelled:
    lab = labelled()
    return dataclasses.replace(lab, items=tuple(dataclasses.replace(u, status=Status.REVIEWED) for u in lab.items))


def finished_run(tmp_path: Path, reviewed: bool = True, evidence: str = "evidence",
                 found: Facts | None = None) -> tuple[Path, Path]:
    """(run folder, original) as the runner leaves them: stages/*.json, the 16 kHz copy, outputs, manifest; every
    line reviewed by a named reviewer (reviewed), or a draft."""
    rng = np.random.default_rng(6)
    audio = (rng.standard_normal(70 * SAMPLE_RATE) * 0.1).astype(np.float32)
    original = tmp_path / evidence / ORIGINAL
    original.parent.mkdir(parents=True)
    write_wav(original, audio)
    run = RunDir(tmp_path / "out" / "借款录音")
    run_dir = run.root
    run.work.mkdir(parents=True)
    write_wav(run.wav, audio)
    meta = dataclasses.replace(asset(), source_path=str(original), file_name=ORIGINAL, sha256=sha256(original),
                               wav_path=run.wav.name, wav_sha256=sha256_file(run.wav))
    outputs = {"docx": run.docx("借款录音"), "transcript_csv": run.transcript_csv, "key_facts_csv": run.key_facts_csv,
               "srt": run.srt("借款录音")}
    docx, _ = make_docx(tmp_path)
    docx.replace(outputs["docx"])
    write_docx(run.counsel_docx("借款录音"), content(), COUNSEL)       # the working copy, beside the court copy
    write_transcript_csv(outputs["transcript_csv"], labelled(), "zh")
    found = found or facts()
    write_key_facts_csv(outputs["key_facts_csv"], labelled(), found, "zh")
    write_srt(outputs["srt"], labelled(), "zh")
    written = {run.relative(p): sha256_file(p) for p in outputs.values()}
    case = {"reviewed_by": "李律师", "exhibit_number": "证据3"} if reviewed else {"exhibit_number": "证据3"}
    manifest = RunManifest(software={"exhibit": "0.1.0"}, original=str(original), original_sha256_before=meta.sha256,
                           original_sha256_after=meta.sha256, settings={"case": case}, models=MODELS,
                           stages=chain(run, meta, Exported({k: run.relative(p) for k, p in outputs.items()},
                                                            written), reviewed_lines() if reviewed else labelled(),
                                  found, case),
                           outputs=written, created=PROCESSED.isoformat())
    write_manifest(run_dir / "manifest.json", manifest)
    return run_dir, original


def chain(run: RunDir, meta: AudioAsset, exported: Exported, lines: Labelled,
          found: Facts, case: dict | None = None) -> tuple[StageRecord, ...]:
    """The stage records (and stages/*.json) of the artifacts the package reads, made by the runner's own
    cache from a table of stand-ins: ingest keyed on the original, the rest linked up to it."""
    table = (Stage("ingest", 1, AudioAsset, lambda c: meta,
                   environment=lambda c: original_identity(meta.sha256, meta.source_path, meta.modified)),
             Stage("label", 1, Labelled, lambda c: labelled(), inputs=("ingest.wav_sha256",)),
             Stage("review", 1, Labelled, lambda c: lines, inputs=("label",)),
             Stage("fact_review", 1, Facts, lambda c: found, inputs=("review",)),
             Stage("export", 1, Exported, lambda c: exported, inputs=("ingest", "review", "fact_review"),
                   settings=("case", "export")))
    settings = Settings(case=CaseConfig(**(case or {})))       # as the manifest records them
    return tuple(run_stages(table, Context(source=Path(meta.source_path), original=None, settings=settings,
                                           run=run)))


# ------------------------------------------------------------------- the real ingest and integrity (test_runner)


def first_two_stages(tmp_path: Path) -> tuple[RunDir, Callable[..., dict[str, bool]]]:
    """A run folder for a real clip and a function that runs the real ingest and integrity stages on it again
    (strict or not), giving which of them ran."""
    source = tmp_path / "call.wav"
    source.write_bytes(eval_file("zh/csharp_AliParaformerAsr_example_1.wav").read_bytes())
    run = RunDir(tmp_path / "out")
    run.work.mkdir(parents=True)

    def again(strict: bool = False) -> dict[str, bool]:
        c = Context(source=source, original=file_digests(source), settings=Settings(), run=run)
        return {r.stage: r.ran for r in run_stages(STAGES[:2], c, strict=strict)}

    return run, again


def case_folder_by_hand(tmp_path: Path, lines: Labelled | None = None, reviewer: str = "李律师",
                        name: str = "case") -> RunDir:
    """A run folder as the Cases page reads it: its manifest (the reviewer as the run recorded it) and the
    review stage's lines (every line reviewed unless given)."""
    run = RunDir(tmp_path / name)
    run.work.mkdir(parents=True)
    save(lines or reviewed_lines(), run.artifact("review"))
    manifest = RunManifest(software={}, original="/x.m4a", original_sha256_before="0" * 64,
                           original_sha256_after="0" * 64, settings={"case": {"reviewed_by": reviewer}}, models={},
                           stages=(), outputs={}, created="2026-01-01T00:00:00+08:00")
    write_manifest(run.manifest, manifest)
    return run


def speakers_folder(tmp_path: Path) -> RunDir:
    """A finished run folder (finished_run) with what the speakers step reads: the merge stage's lines of three
    voices, speakers.csv as the label stage writes it (SPEAKER_00 named 张三, 被告, with a basis) and a one-second
    listening clip per voice in speakers/."""
    from pipeline.artifacts import Utterances
    from pipeline.stages.label import write_csv_file

    run = RunDir(finished_run(tmp_path)[0])
    third = Utterance("u0003", "SPEAKER_02", 66.0, 68.0, "我是李四。", _words("我是李四。", 66.0, 68.0))
    lines = Utterances(language="zh", items=(*utterances(), third))
    save(lines, run.artifact("merge"))
    write_csv_file(run, lines, {"SPEAKER_00": ("张三", "被告", "来电号码 138xxxx")})
    run.speaker_clips.mkdir()
    for number, speaker in enumerate(("SPEAKER_00", "SPEAKER_01", "SPEAKER_02")):
        write_wav(run.speaker_clip(speaker), np.full(SAMPLE_RATE, 0.01 * (number + 1), dtype=np.float32))
    return run


# ------------------------------------------------------------------------- one request to the app, in this process

APP_PORT, APP_TOKEN = 8765, "token-of-this-test"
ACCEPT = {"zh": "zh-CN,zh;q=0.9", "en": "en-GB,en;q=0.9"}


def app_of(root: Path):
    """The app (pipeline.web.server.make_app) of the case folders of `root`, as `exhibit app` serves it."""
    from pipeline.web.server import make_app

    return make_app(root, APP_TOKEN, "launch-code", APP_PORT)


def app_request(app, method: str, path: str, body: bytes = b"", language: str = "zh",
                kind: str = "application/json") -> tuple[int, bytes]:
    """One request to the app as a browser opened in `language` (zh, en: its Accept-Language) sends it: the app's
    cookie, this server's Host, a body of Content-Type `kind` for a POST; (status, body)."""
    status, _, answer = app_answer(app, method, path, body, language, kind)
    return status, answer


def app_answer(app, method: str, path: str, body: bytes = b"", language: str = "zh",
               kind: str = "application/json") -> tuple[int, dict[str, str], bytes]:
    """app_request's request; (status, headers, body)."""
    import asyncio
    from urllib.parse import unquote

    from pipeline.web.server import COOKIE

    headers = [(b"host", f"127.0.0.1:{APP_PORT}".encode()), (b"cookie", f"{COOKIE}={APP_TOKEN}".encode()),
               (b"accept-language", ACCEPT[language].encode())]
    if method == "POST":
        headers += [(b"content-type", kind.encode()), (b"content-length", str(len(body)).encode())]
    where, _, query = path.partition("?")
    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": method, "scheme": "http",
             "path": unquote(where), "raw_path": where.encode(), "query_string": query.encode(), "headers": headers,
             "server": ("127.0.0.1", APP_PORT), "client": ("127.0.0.1", 50000), "root_path": ""}
    sent, pending = [], [{"type": "http.request", "body": body, "more_body": False}]

    async def receive():
        if pending:
            return pending.pop(0)
        await asyncio.Event().wait()          # the browser stays connected

    async def send(message):
        sent.append(message)

    asyncio.run(app(scope, receive, send))
    start = next(m for m in sent if m["type"] == "http.response.start")
    return (start["status"], {k.decode(): v.decode("latin-1") for k, v in start["headers"]},
            b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body"))
