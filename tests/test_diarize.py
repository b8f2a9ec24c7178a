"""The diarize stage with the real models (segmentation-3.0 + CAM++, offline, from models/) on real
recordings from ../shared/eval, scored against their human (AMI) or exact (Mandarin) speaker turns."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from pyannote.core import Annotation, Segment, Timeline
from pyannote.database.util import load_rttm
from pyannote.metrics.diarization import DiarizationErrorRate

from conftest import eval_file
from pipeline.artifacts import Diarization
from pipeline.audio import SAMPLE_RATE, decode, write_wav
from pipeline.config import DiarizeConfig
from pipeline.errors import ConfigError
from pipeline.stages.diarize import TUNING, diarize, load_models


@pytest.fixture(scope="module")
def models():
    return load_models()


def _working_copies(relative: str, tmp_path: Path, stereo: bool = False) -> tuple[Path, Path | None, float]:
    """The 16 kHz working copies the diarize stage reads, made from a real file as ingest makes them: the mono
    mix, the two-channel copy (with `stereo`, None when the file has one channel), and the duration."""
    src = eval_file(relative)
    mono = decode(src)
    write_wav(tmp_path / "audio16k.wav", mono)
    stereo_path = None
    if stereo:
        channels = decode(src, stereo=True)
        if channels.shape[0] >= 2:
            stereo_path = tmp_path / "audio16k_stereo.wav"
            write_wav(stereo_path, channels)
    return tmp_path / "audio16k.wav", stereo_path, len(mono) / SAMPLE_RATE


def _diarize(relative: str, tmp_path: Path, models, progress=None, **cfg) -> tuple[Diarization, float]:
    """The stage on the working copy of a real file, and that file's duration."""
    wav, _, duration = _working_copies(relative, tmp_path)
    hook = {"progress": progress} if progress else {}
    return diarize(wav, DiarizeConfig(**cfg), models=models, **hook), duration


def _moves_from_0_to_done(reports: list[tuple[float, float]]) -> None:
    shares = [completed / total for completed, total in reports]
    assert shares[0] == 0.0 and shares[-1] == 1.0
    assert shares == sorted(shares) and len(set(shares)) > 3  # steps between, never backwards


def _scores(result: Diarization, rttm: str, uri: str, duration: float) -> dict[str, float]:
    """DER (collar 0.25 s, overlap scored) and its parts, as fractions of the reference speech."""
    reference = load_rttm(eval_file(f"diar/{rttm}"))[uri]
    hypothesis = Annotation(uri=uri)
    for i, turn in enumerate(result.turns):
        hypothesis[Segment(turn.start, turn.end), i] = turn.speaker
    metric = DiarizationErrorRate(collar=0.25, skip_overlap=False)
    detail = metric(reference, hypothesis, uem=Timeline([Segment(0.0, duration)]), detailed=True)
    return {k: detail[k] / detail["total"] for k in ("missed detection", "false alarm", "confusion")} | {
        "der": detail["diarization error rate"]}


def _well_formed(result: Diarization, duration: float) -> None:
    speakers = [f"SPEAKER_{i:02d}" for i in range(len(result.speakers))]
    assert list(result.speakers) == speakers
    first_heard = [min(t.start for t in result.turns if t.speaker == s) for s in speakers]
    assert first_heard == sorted(first_heard)  # named in order of first appearance
    assert all(0.0 <= t.start < t.end <= duration + 1e-6 for t in result.turns + result.exclusive_turns)
    exclusive = sorted(result.exclusive_turns, key=lambda t: t.start)
    assert all(a.end <= b.start + 1e-6 for a, b in zip(exclusive, exclusive[1:]))  # one voice at a time
    assert {t.speaker for t in result.exclusive_turns} <= set(speakers)
    assert set(result.centroids) == set(speakers)
    for vector in result.centroids.values():
        assert len(vector) == 192 and np.linalg.norm(vector) == pytest.approx(1.0, abs=1e-3)
    assert set(result.model_files) >= {"pytorch_model.bin", "campplus_cn_en_common.pt"}
    assert all(len(h) == 64 for h in result.model_files.values())
    assert result.tuning == TUNING.record() and result.tuning["window"] == 1.5  # the parameters that made it


@pytest.mark.integration
def test_two_ami_speakers_are_found_and_their_turns_match_the_reference(tmp_path, models):
    reports = []
    result, duration = _diarize("diar/dev00.wav", tmp_path, models, progress=lambda *p: reports.append(p))
    assert result.speakers == ("SPEAKER_00", "SPEAKER_01")
    _well_formed(result, duration)
    _moves_from_0_to_done(reports)
    scores = _scores(result, "dev.rttm", "dev00", duration)
    assert scores["der"] < 0.20, scores  # measured 0.08
    assert scores["confusion"] < 0.08, scores  # measured 0.02
    # the reference: MEE009 talks 1.4–13.3 s, then MEE012 13.2–16.9 s
    first, second = result.exclusive_turns[0], result.exclusive_turns[1]
    assert first.speaker == "SPEAKER_00" and first.start == pytest.approx(1.4, abs=1.0)
    assert first.end == pytest.approx(13.2, abs=1.0)
    assert second.speaker == "SPEAKER_01" and second.start == pytest.approx(13.2, abs=1.0)


@pytest.mark.integration
def test_five_mandarin_speakers_are_told_apart(tmp_path, models):
    result, duration = _diarize("diar/synth_zh_5spk.wav", tmp_path, models)
    assert len(result.speakers) == 5
    _well_formed(result, duration)
    scores = _scores(result, "synth_zh_5spk.rttm", "synth_zh_5spk", duration)
    assert scores["confusion"] < 0.05, scores  # measured 0.00: every clip gets its own speaker
    assert scores["der"] < 0.35, scores  # measured 0.25, nearly all of it the clips' silent edges


@pytest.mark.integration
def test_a_given_number_of_speakers_is_kept(tmp_path, models):
    result, duration = _diarize("diar/dev01.wav", tmp_path, models, num_speakers=2)
    assert result.speakers == ("SPEAKER_00", "SPEAKER_01")
    _well_formed(result, duration)
    scores = _scores(result, "dev.rttm", "dev01", duration)
    assert scores["der"] < 0.32, scores  # measured 0.24 (0.49 before a 1.7 s noise lost its own cluster)


@pytest.mark.integration
def test_a_recording_without_speech_has_no_speakers(tmp_path, models):
    result, _ = _diarize("empty.wav", tmp_path, models)
    assert result.turns == () and result.exclusive_turns == () and result.speakers == ()
    assert result.centroids == {}


def test_an_unknown_backend_is_refused_with_the_allowed_values(tmp_path):
    with pytest.raises(ConfigError, match="local"):
        diarize(tmp_path / "never-read.wav", DiarizeConfig(backend="cloud"))


# ------------------------------------------------------------------------------------ overlap (issue 3)


@pytest.mark.integration
@pytest.mark.xfail(strict=True, reason="measured: at count_threshold 0.5 the segmentation count never reaches 2 "
                   "on dev00, so the diarizer emits no overlapping turns there (issue 3, open)")
def test_words_said_while_two_ami_speakers_talk_at_once_are_flagged_overlap(tmp_path, models):
    from pipeline.artifacts import Segment as Seg
    from pipeline.artifacts import Transcript, Word
    from pipeline.config import MergeConfig
    from pipeline.stages.merge import merge

    result, duration = _diarize("diar/dev00.wav", tmp_path, models)
    overlapping = [(a.start, min(a.end, b.end)) for a in result.turns for b in result.turns
                   if a.speaker < b.speaker and a.start < b.end and b.start < a.end]
    assert overlapping, "segmentation heard no overlapping speech in dev00"  # the reference has some
    # one word every 0.25 s over the whole file, as a transcript of anything said would have
    words = tuple(Word(round(t, 2), round(t + 0.2, 2), " w", 0.9) for t in np.arange(0.0, duration - 0.25, 0.25))
    transcript = Transcript("en", 1.0, "base", "", duration, duration,
                            (Seg(0.0, duration, "w", "w", words, -0.2, 0.0, 1.0),))
    utterances = merge(transcript, result, MergeConfig()).utterances
    flagged = [u for u in utterances if "overlap" in u.flags]
    assert flagged and len(flagged) < len(utterances)
    start, end = overlapping[0]
    assert any(u.start <= end and start <= u.end for u in flagged)


# ------------------------------------------------------------------------------ stereo calls (issue 3)


@pytest.mark.integration
def test_a_call_recorded_one_side_per_channel_is_split_left_then_right(tmp_path, models):
    wav, stereo, _ = _working_copies("stereo/stereo_diarization.wav", tmp_path, stereo=True)
    assert stereo
    reports = []
    result = diarize(wav, DiarizeConfig(), progress=lambda *p: reports.append(p), models=models, stereo_path=stereo)
    assert result.method == "stereo-channels"
    assert result.speakers == ("SPEAKER_00", "SPEAKER_01")
    assert result.channel_speakers == ("SPEAKER_00", "SPEAKER_01") and result.tuning == TUNING.record()
    _moves_from_0_to_done(reports)
    left = [t for t in result.turns if t.speaker == "SPEAKER_00"]
    right = [t for t in result.turns if t.speaker == "SPEAKER_01"]
    # measured: the right channel is digital silence after ~2.4 s; the left talks from ~0.3 s to ~4.9 s
    assert min(t.start for t in left) == pytest.approx(0.3, abs=0.3)
    assert max(t.end for t in left) == pytest.approx(4.9, abs=0.3)
    assert min(t.start for t in right) == pytest.approx(0.35, abs=0.3)
    assert max(t.end for t in right) < 2.8
    assert any(t.speaker == "SPEAKER_00" and t.start <= 3.0 and t.end >= 4.5 for t in result.exclusive_turns)
    # forced to mix, the same recording is one mono diarization (no per-channel speakers)
    mixed = diarize(wav, DiarizeConfig(channels="mix"), models=models, stereo_path=stereo)
    assert mixed.method != "stereo-channels"


@pytest.mark.integration
def test_a_stereo_recording_of_one_voice_on_both_channels_is_not_split(tmp_path, models):
    wav, stereo, _ = _working_copies("en/jfk.flac", tmp_path, stereo=True)  # 2 channels carrying the same speech
    assert stereo
    result = diarize(wav, DiarizeConfig(), models=models, stereo_path=stereo)
    assert result.method != "stereo-channels"
    assert result.speakers == ("SPEAKER_00",)


def test_two_identical_channels_are_not_a_call():
    from pipeline.stages.diarize import is_call

    rng = np.random.default_rng(0)
    speech = (rng.standard_normal(16000 * 3) * np.repeat(rng.random(60) > 0.4, 800)).astype(np.float32) * 0.1
    assert not is_call(np.stack([speech, speech]), embedder=None)  # decided before any embedding is needed
    assert not is_call(np.stack([speech, 0.9 * speech]), embedder=None)


def test_a_two_channel_copy_is_read_a_block_at_a_time_with_the_levels_of_reading_it_whole(tmp_path):
    """The channels of a long call are read from the file a block at a time (memory flat in duration): the
    levels is_call and diarize_channels compare are those of the whole recording read at once."""
    from pipeline.audio import WavView, channel_views, read_wav
    from pipeline.stages.diarize.clustering import FrameGrid
    from pipeline.stages.diarize.stereo import BLOCK_SECONDS, _levels, frame_energy

    rng = np.random.default_rng(3)
    seconds = int(2.5 * BLOCK_SECONDS)                     # three blocks, the last one short
    gate = np.repeat(rng.random((2, seconds * 10)) > 0.5, SAMPLE_RATE // 10, axis=1)
    path = tmp_path / "call.wav"
    write_wav(path, (rng.standard_normal((2, seconds * SAMPLE_RATE)) * gate * [[0.2], [0.05]]).astype(np.float32))
    whole = read_wav(path)
    sides = channel_views(path)
    assert len(sides) == 2 and len(sides[1]) == whole.shape[1]
    assert np.array_equal(sides[1][70 * SAMPLE_RATE:70 * SAMPLE_RATE + 9], whole[1, 70 * SAMPLE_RATE:70 * SAMPLE_RATE + 9])
    hop = int(TUNING.stereo_frame * SAMPLE_RATE)
    n = whole.shape[1] // hop
    at_once = 10 * np.log10((whole[:, :n * hop].reshape(2, n, hop).astype(np.float64) ** 2).mean(axis=2) + 1e-10)
    assert np.array_equal(_levels(sides, hop, n), at_once)
    grid = FrameGrid(0.0, 0.016875, 0.0619375)
    frames = int(seconds / grid.step) - 4
    power = np.concatenate([np.zeros((2, 1)), np.cumsum(whole.astype(np.float64) ** 2, axis=1)], axis=1)
    centres = grid.middles(np.arange(frames))
    a = np.clip(np.round((centres - 0.025) * SAMPLE_RATE).astype(np.int64), 0, whole.shape[1])
    b = np.clip(np.round((centres + 0.025) * SAMPLE_RATE).astype(np.int64), 0, whole.shape[1])
    reference = 10 * np.log10((power[:, b] - power[:, a]) / np.maximum(b - a, 1) + 1e-10)
    blocked = frame_energy(sides, grid, frames, 0.05)
    assert blocked.shape == (2, frames) and np.abs(blocked - reference).max() < 1e-6
    assert blocked[0].max() > blocked[1].max() + 10             # the quiet side (12 dB lower) stays the quiet one
    mono = tmp_path / "mono.wav"
    write_wav(mono, whole[0])
    for source, wrong in ((path, ()), (path, (2,)), (mono, (0,))):
        with pytest.raises(ValueError, match="expected 16-bit"):
            WavView(source, *wrong)         # a stereo file is not mono; it has no channel 2; a mono file no channels


def test_split_channels_on_a_one_channel_recording_is_a_clear_error(tmp_path):
    from pipeline.audio import write_wav

    write_wav(tmp_path / "mono.wav", np.zeros(16000, dtype=np.float32))
    with pytest.raises(ConfigError, match="two channels"):
        diarize(tmp_path / "mono.wav", DiarizeConfig(channels="split"))
    with pytest.raises(ConfigError, match="auto, split, mix"):
        diarize(tmp_path / "mono.wav", DiarizeConfig(channels="both"))


# ----------------------------------------------------------------- the stock pyannote pipeline backend


def test_the_pyannote_pipeline_backend_needs_a_pipeline(tmp_path):
    with pytest.raises(ConfigError, match="needs `pipeline`"):
        diarize(tmp_path / "never-read.wav", DiarizeConfig(backend="pyannote-pipeline"))


def test_a_missing_pipeline_folder_is_one_line(tmp_path):
    from pipeline.errors import MissingModelError
    from pipeline.stages.diarize import load_pipeline

    with pytest.raises(MissingModelError, match="does not exist or has no config.yaml") as info:
        load_pipeline(DiarizeConfig(backend="pyannote-pipeline", pipeline=str(tmp_path / "nowhere")))
    assert "\n" not in str(info.value)


def test_a_local_pipeline_whose_embedding_model_is_absent_names_it(tmp_path):
    """A stock pyannote.audio SpeakerDiarization config.yaml with segmentation-3.0 from models/ and an
    embedding model that is not on disk (none that pyannote can load ships offline)."""
    from pipeline.config import MODELS_DIR
    from pipeline.errors import MissingModelError
    from pipeline.stages.diarize import load_pipeline

    segmentation = MODELS_DIR / "segmentation-3.0" / "pytorch_model.bin"
    assert segmentation.is_file()
    (tmp_path / "config.yaml").write_text(
        "pipeline:\n  name: pyannote.audio.pipelines.SpeakerDiarization\n  params:\n"
        f"    segmentation: {segmentation}\n    embedding: ./embedding/pytorch_model.bin\n"
        "    clustering: AgglomerativeClustering\n", encoding="utf-8")
    cfg = DiarizeConfig(backend="pyannote-pipeline", pipeline=str(tmp_path))
    with pytest.raises(MissingModelError, match=r"needs its embedding model .*embedding/pytorch_model.bin") as info:
        load_pipeline(cfg)
    assert "\n" not in str(info.value) and "segmentation" not in str(info.value)
    import os
    assert os.environ["HF_HUB_OFFLINE"] == "1" and os.environ["PYANNOTE_METRICS_ENABLED"] == "false"


def test_the_pipeline_backend_names_its_speakers_like_the_local_one():
    """What a stock pyannote pipeline returns goes through the same naming (a stand-in pipeline: none that
    pyannote can load ships offline)."""
    from pyannote.core import Annotation
    from pyannote.core import Segment as Span

    from pipeline.stages.diarize import diarize_with_pipeline

    def pipeline(audio, **kwargs):
        assert kwargs == {"num_speakers": 2} and audio["waveform"].shape == (1, 16000)
        output = Annotation()
        output[Span(2.0, 3.0)] = "A"
        output[Span(0.5, 1.25049)] = "B"
        return output

    cfg = DiarizeConfig(backend="pyannote-pipeline", pipeline="/models/pipe", num_speakers=2)
    reports = []
    result = diarize_with_pipeline(np.zeros(16000, np.float32), cfg, lambda *p: reports.append(p),
                                   loaded=(pipeline, {"pipeline:config.yaml": "f" * 64}))
    assert [(t.start, t.end, t.speaker) for t in result.turns] == [(0.5, 1.25, "SPEAKER_00"), (2.0, 3.0, "SPEAKER_01")]
    assert result.exclusive_turns == result.turns and result.speakers == ("SPEAKER_00", "SPEAKER_01")
    assert result.method == "pyannote-pipeline:/models/pipe" and result.tuning == {}
    assert result.centroids == {"SPEAKER_00": (), "SPEAKER_01": ()}   # this pipeline gives no embeddings
    assert [c / t for c, t in reports] == [0.0, 1.0]


# ------------------------------------------------------------------------ ONNX Runtime (issue 14)


@pytest.mark.integration
def test_onnx_runtime_gives_the_networks_outputs_on_real_speech(models):
    """Both networks in ONNX Runtime (exported on this machine by `make models`, checked there on the sample)
    against torch on other real audio: the same segmentation probabilities and speaker embeddings to within
    the tolerance the export check states (kernel differences measured 1e-6 and 4e-5)."""
    import torch

    from pipeline.stages.diarize.embedder import SpeakerEmbedder
    from pipeline.stages.diarize.models import load_segmentation
    from pipeline.stages.diarize.onnx import CAMPPLUS, SEGMENTATION, TOLERANCE, engine, read_record

    samples = decode(eval_file("diar/dev00.wav"))
    assert models.embedder.runtime is not None and models.embedder.network is None   # the export alone runs
    # and the record names what ran: the exports as made on this machine, beside the checkpoints they came from
    for spec in (SEGMENTATION, CAMPPLUS):
        record = read_record(spec)
        assert engine(spec)[0] == "ONNX Runtime" and record.max_difference <= record.tolerance == TOLERANCE
        assert models.model_files[spec.file] == record.sha256 and record.made_from.items() <= models.model_files.items()
    segmentation = load_segmentation()
    windows = np.stack([samples[:160000], samples[80000:240000]])[:, None, :]
    with torch.inference_mode():
        expected = segmentation(torch.from_numpy(windows)).numpy()
    assert np.abs(np.exp(models.segmentation.forward(windows)) - np.exp(expected)).max() < TOLERANCE
    chunks = [samples[16000:40000], samples[200000:209000]]   # 1.5 s and 0.56 s: any length goes
    in_torch = SpeakerEmbedder.load(onnx=False)
    assert in_torch.runtime is None and in_torch.network is not None
    assert np.abs(models.embedder.embed(chunks) - in_torch.embed(chunks)).max() < TOLERANCE


@pytest.mark.integration
def test_the_segmenters_shape_is_the_models():
    """What the diarizer states of segmentation-3.0 so as to run its export without pyannote.audio is what the
    pyannote.audio Model says of itself."""
    from pipeline.stages.diarize.models import load_segmentation
    from pipeline.stages.diarize.segmentation import FRAMES, WINDOW_SAMPLES, Segmenter, powerset

    reference = Segmenter.from_pyannote(load_segmentation())
    assert np.array_equal(powerset(), reference.powerset)
    assert (WINDOW_SAMPLES, FRAMES) == (reference.window, reference.frames)


@pytest.mark.integration
def test_the_diarizer_runs_without_torch_when_the_exports_are_there(tmp_path):
    """With the checked exports in models/, neither torch nor pyannote.audio is imported (4 s and 480 MB less
    per run), and the voices come out as with torch."""
    import subprocess
    import sys

    write_wav(tmp_path / "dev00.wav", decode(eval_file("diar/dev00.wav")))
    code = ("import sys; from pathlib import Path; from pipeline.config import DiarizeConfig; "
            "from pipeline.stages.diarize import diarize; "
            f"d = diarize(Path({str(tmp_path / 'dev00.wav')!r}), DiarizeConfig()); "
            "print(len(d.speakers), round(d.exclusive_turns[0].start, 1), "
            "'torch' in sys.modules, 'pyannote.audio' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    assert out == ["2", out[1], "False", "False"] and abs(float(out[1]) - 1.4) <= 1.0, out


def test_the_mel_filters_are_torchaudios():
    """CAM++'s fbank without torch: the mel filterbank computed here is torchaudio.compliance.kaldi's."""
    from torchaudio.compliance.kaldi import get_mel_banks

    from pipeline.stages.diarize.embedder import _filters

    window, banks = _filters()
    expected, _ = get_mel_banks(80, 512, 16000.0, 20.0, 0.0, 100.0, -500.0, 1.0)
    assert banks.shape == (257, 80) and not banks[-1].any()                 # the Nyquist bin unused
    assert np.abs(banks[:256] - expected.numpy().T).max() < 5e-5           # float32 logarithms, 1 ulp apart
    assert np.abs(window - np.hanning(400) ** 0.85).max() < 1e-6


def _call_builder():
    """tools/diar_calls.py (the two-party calls make eval-diarization builds from real clips), loaded by path."""
    import importlib.util
    import sys

    path = Path(__file__).resolve().parents[1] / "tools" / "diar_calls.py"
    spec = importlib.util.spec_from_file_location("diar_calls", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules["diar_calls"] = module                    # its dataclasses look their module up by name
    spec.loader.exec_module(module)
    return module


@pytest.mark.integration
@pytest.mark.parametrize("call", ["call_en_jfk_ls", "call_zh_long_short"])
def test_a_two_party_call_has_two_speakers_each_keeping_most_of_its_time(call, tmp_path, models):
    """A call built from two real speakers' clips (turns of 4–8 s, interjections of 1–2 s; the Mandarin one's
    second party talks 3.3 s in all, one answer over the other's speech): counted freely, two speakers, and
    each real voice's speaker (the optimal mapping, as DER's) covers at least 70 % of its reference speech
    (measured on A: 85–99 %)."""
    builder = _call_builder()
    wav, rttm = builder.write(call, tmp_path)
    result = diarize(wav, DiarizeConfig(), models=models)
    assert len(result.speakers) == 2
    reference = load_rttm(rttm)[call]
    hypothesis = Annotation(uri=call)
    for i, turn in enumerate(result.turns):
        hypothesis[Segment(turn.start, turn.end), i] = turn.speaker
    mapping = DiarizationErrorRate().optimal_mapping(reference, hypothesis)
    assert sorted(mapping.values()) == sorted(reference.labels())
    for found, voice in mapping.items():
        own = reference.label_timeline(voice).support()
        kept = own.crop(hypothesis.label_timeline(found).support(), mode="intersection").duration()
        assert kept >= 0.7 * own.duration(), (voice, kept, own.duration())
