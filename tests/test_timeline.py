"""The speaker timeline figure: the PNG is decoded and its pixels checked — width, where each lane's bars are,
background around them, lane order — plus byte-identical output, Chinese labels without missing glyphs, and
the fallbacks for labels no installed font can draw."""

from __future__ import annotations

import io
import shutil
import subprocess
import warnings

import matplotlib
import numpy as np
import pytest
from matplotlib import font_manager
from matplotlib.colors import to_rgb
from matplotlib.ft2font import FT2Font
from matplotlib.image import imread

from pipeline.export import timeline
from pipeline.export.timeline import (AXIS_LABEL_FALLBACK, LANE_COLOURS, WIDTH_PX, TimelineRow, tick_step,
                                      tick_text, timeline_png)

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
COLOUR_TOLERANCE = 0.02          # interior pixels of a bar are the lane colour exactly; edges are blended
EDGE_TOLERANCE_PX = 2            # bar outline and anti-aliasing
UNDRAWABLE = "\U00017000\U00017001"   # Tangut: no ordinary system font has these


def _pixels(png: bytes) -> np.ndarray:
    assert png.startswith(PNG_SIGNATURE)
    return imread(io.BytesIO(png), format="png")[..., :3]


def _is_colour(pixels: np.ndarray, colour: str) -> np.ndarray:
    return np.all(np.abs(pixels - np.array(to_rgb(colour))) <= COLOUR_TOLERANCE, axis=-1)


def _bar_row(image: np.ndarray, lane: int) -> int:
    """The pixel row through the middle of a lane's bars."""
    rows = np.flatnonzero(_is_colour(image, LANE_COLOURS[lane]).any(axis=1))
    assert rows.size, f"lane {lane} has no bar"
    return int(rows[rows.size // 2])


def _runs(mask: np.ndarray) -> list[tuple[int, int]]:
    """(first, last) column of each run of True."""
    padded = np.concatenate(([False], mask, [False])).astype(int)
    edges = np.flatnonzero(np.diff(padded))
    return [(int(a), int(b) - 1) for a, b in zip(edges[::2], edges[1::2])]


def _no_glyph_warnings(*args) -> bytes:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        return timeline_png(*args)


def _chinese_font_files() -> list[str]:
    """Chinese fonts as fontconfig lists them (independent of the module's own search)."""
    if shutil.which("fc-list") is None:
        return []
    listed = subprocess.run(["fc-list", ":lang=zh", "file"], capture_output=True, text=True, check=False)
    return sorted({line.strip().rstrip(":") for line in listed.stdout.splitlines() if line.strip()})


def _chinese_font_installed() -> bool:
    return bool(_chinese_font_files())


@pytest.fixture
def fresh_font_search():
    """Forget the faces found so far, before and after (the search is cached per process)."""
    timeline._candidate_faces.cache_clear()
    yield
    timeline._candidate_faces.cache_clear()


# --------------------------------------------------------------------------------------------- pixels

def test_png_is_16_cm_wide_at_200_dpi():
    png = timeline_png([TimelineRow("Speaker 1", "SPEAKER_00", ((1.0, 4.0),))], 10.0, "Time in recording")
    image = _pixels(png)
    assert WIDTH_PX == 1260 == image.shape[1]
    assert 100 < image.shape[0] < image.shape[1]


def test_a_bar_covers_exactly_its_span_and_background_surrounds_it():
    duration, span = 120.0, (30.0, 90.0)
    rows = [TimelineRow("Speaker 1", "SPEAKER_00", (span,)),
            TimelineRow("Speaker 2", "SPEAKER_01", ((0.0, duration),))]    # marks where the axes run
    image = _pixels(timeline_png(rows, duration, "Time in recording"))

    reference = _runs(_is_colour(image[_bar_row(image, 1)], LANE_COLOURS[1]))
    assert len(reference) == 1
    x0, x1 = reference[0]
    px_per_s = (x1 - x0 + 1) / duration

    line = image[_bar_row(image, 0)]
    runs = _runs(_is_colour(line, LANE_COLOURS[0]))
    assert len(runs) == 1
    start, end = runs[0]
    assert abs(start - (x0 + span[0] * px_per_s)) <= EDGE_TOLERANCE_PX
    assert abs(end - (x0 + span[1] * px_per_s)) <= EDGE_TOLERANCE_PX
    outside = np.r_[x0:start - EDGE_TOLERANCE_PX, end + EDGE_TOLERANCE_PX + 1:x1 + 1]
    assert np.all(line[outside] > 0.8), "background (white or a light grid line) on both sides of the bar"


def test_every_span_is_a_bar_and_lanes_run_top_to_bottom_in_order():
    spans = ((5.0, 15.0), (40.0, 45.0), (70.0, 95.0))
    rows = [TimelineRow("A", "SPEAKER_00", spans), TimelineRow("B", "SPEAKER_01", ((20.0, 30.0),)),
            TimelineRow("C", "SPEAKER_02", ((50.0, 60.0),))]
    image = _pixels(timeline_png(rows, 100.0, "Time in recording"))
    centres = [_bar_row(image, lane) for lane in range(3)]
    assert centres == sorted(centres)
    assert len(_runs(_is_colour(image[centres[0]], LANE_COLOURS[0]))) == len(spans)
    assert not _is_colour(image[centres[0]], LANE_COLOURS[1]).any()


def test_spans_outside_the_recording_are_clipped_and_bad_spans_dropped():
    rows = [TimelineRow("A", "SPEAKER_00", ((-5.0, 2.0), (8.0, 50.0), (4.0, 3.0), (float("nan"), 1.0))),
            TimelineRow("B", "SPEAKER_01", ((0.0, 10.0),))]
    image = _pixels(timeline_png(rows, 10.0, "Time in recording"))
    x0, x1 = _runs(_is_colour(image[_bar_row(image, 1)], LANE_COLOURS[1]))[0]
    runs = _runs(_is_colour(image[_bar_row(image, 0)], LANE_COLOURS[0]))
    assert len(runs) == 2
    assert abs(runs[0][0] - x0) <= 1 and abs(runs[1][1] - x1) <= 1        # both end at the axes' edges


# ------------------------------------------------------------------------------------- reproducibility

def test_same_input_gives_identical_bytes_and_a_changed_span_does_not():
    rows = [TimelineRow("张三（被告）", "SPEAKER_00", ((0.0, 35.0), (80.0, 140.0))),
            TimelineRow("李四（原告）", "SPEAKER_01", ((35.0, 80.0),))]
    first = timeline_png(rows, 600.0, "录音时间")
    assert first == timeline_png(rows, 600.0, "录音时间")
    moved = [rows[0], TimelineRow("李四（原告）", "SPEAKER_01", ((35.0, 95.0),))]
    assert timeline_png(moved, 600.0, "录音时间") != first


def test_global_matplotlib_settings_untouched():
    before = dict(matplotlib.rcParams)
    timeline_png([TimelineRow("Speaker 1", "SPEAKER_00", ((1.0, 2.0),))], 5.0, "Time in recording")
    assert dict(matplotlib.rcParams) == before


# ---------------------------------------------------------------------------------------------- fonts

def test_chinese_labels_draw_without_missing_glyphs():
    rows = [TimelineRow("张三（被告）", "SPEAKER_00", ((0.0, 60.0),)),
            TimelineRow("说话人2", "SPEAKER_01", ((60.0, 120.0),))]
    png = _no_glyph_warnings(rows, 600.0, "录音时间")
    assert _pixels(png).shape[1] == WIDTH_PX


def test_chinese_label_is_drawn_not_replaced_when_a_chinese_font_is_installed():
    if not _chinese_font_installed():
        pytest.skip("no Chinese font on this machine (make pdf-tools installs fonts-noto-cjk)")
    spans = ((0.0, 60.0),)
    chinese = _no_glyph_warnings([TimelineRow("张三（被告）", "SPEAKER_00", spans)], 600.0, "录音时间")
    replaced = _no_glyph_warnings([TimelineRow("SPEAKER_00", "SPEAKER_00", spans)], 600.0, "录音时间")
    assert chinese != replaced


@pytest.mark.parametrize("known_to", ["system only", "matplotlib only"])
def test_a_chinese_font_is_found_whether_or_not_matplotlibs_cache_knows_it(known_to, monkeypatch,
                                                                          fresh_font_search):
    """matplotlib's font cache is not rebuilt when a font is installed later (as on CI): the system's font
    folders are read too; and a font matplotlib knows by family name is used as well."""
    files = _chinese_font_files()
    if not files:
        pytest.skip("no Chinese font on this machine (make pdf-tools installs fonts-noto-cjk)")
    bundled = [e for e in font_manager.fontManager.ttflist if e.fname.startswith(matplotlib.get_data_path())]
    if known_to == "system only":
        monkeypatch.setattr(font_manager, "findSystemFonts", lambda *a, **k: files)
        monkeypatch.setattr(font_manager.fontManager, "ttflist", bundled)
    else:
        entry = font_manager.FontEntry(fname=files[0], index=0, name=FT2Font(files[0]).family_name)
        monkeypatch.setattr(font_manager, "findSystemFonts", lambda *a, **k: [])
        monkeypatch.setattr(font_manager.fontManager, "ttflist", [*bundled, entry])
    spans = ((0.0, 60.0),)
    chinese = _no_glyph_warnings([TimelineRow("张三（被告）", "SPEAKER_00", spans)], 600.0, "录音时间")
    replaced = _no_glyph_warnings([TimelineRow("SPEAKER_00", "SPEAKER_00", spans)], 600.0, "time")
    assert chinese != replaced


def test_a_label_no_font_can_draw_becomes_its_fallback():
    spans = ((10.0, 20.0),)
    undrawable = _no_glyph_warnings([TimelineRow(UNDRAWABLE, "SPEAKER_00", spans)], 60.0, "Time in recording")
    fallback = _no_glyph_warnings([TimelineRow("SPEAKER_00", "SPEAKER_00", spans)], 60.0, "Time in recording")
    assert undrawable == fallback


def test_an_axis_label_no_font_can_draw_becomes_time():
    rows = [TimelineRow("Speaker 1", "SPEAKER_00", ((10.0, 20.0),))]
    assert _no_glyph_warnings(rows, 60.0, UNDRAWABLE) == _no_glyph_warnings(rows, 60.0, AXIS_LABEL_FALLBACK)


# ------------------------------------------------------------------------------------------ edge cases

@pytest.mark.parametrize("rows", [[], [TimelineRow("王五（证人）", "SPEAKER_00", ())]])
@pytest.mark.parametrize("duration", [0.0, -3.0, float("nan"), 30.0])
def test_nothing_to_draw_still_gives_a_small_valid_png(rows, duration):
    image = _pixels(_no_glyph_warnings(rows, duration, "录音时间"))
    assert image.shape[1] == WIDTH_PX
    assert not any(_is_colour(image, colour).any() for colour in LANE_COLOURS)


def test_without_a_duration_the_axis_runs_to_the_last_span():
    rows = [TimelineRow("A", "SPEAKER_00", ((0.0, 40.0),)), TimelineRow("B", "SPEAKER_01", ((20.0, 80.0),))]
    image = _pixels(timeline_png(rows, 0.0, "Time in recording"))
    a = _runs(_is_colour(image[_bar_row(image, 0)], LANE_COLOURS[0]))
    b = _runs(_is_colour(image[_bar_row(image, 1)], LANE_COLOURS[1]))
    assert len(a) == len(b) == 1
    assert abs((a[0][1] - a[0][0]) * 1.5 - (b[0][1] - b[0][0])) <= 2 * EDGE_TOLERANCE_PX


def test_more_speakers_make_a_taller_figure():
    one = _pixels(timeline_png([TimelineRow("A", "S0", ((0.0, 1.0),))], 10.0, "t"))
    rows = [TimelineRow(f"Speaker {i}", f"SPEAKER_{i:02d}", ((i, i + 1.0),)) for i in range(10)]
    ten = _pixels(timeline_png(rows, 10.0, "t"))
    assert ten.shape[1] == one.shape[1] and ten.shape[0] > one.shape[0]


# ------------------------------------------------------------------------------------------- time axis

@pytest.mark.parametrize(("duration", "step"), [
    (5, 1), (20, 2), (45, 5), (100, 10), (150, 15), (300, 30), (600, 60), (1200, 120), (3000, 300),
    (5400, 600), (9000, 900), (10800, 1800), (30000, 3600),
])
def test_tick_steps_are_nice_and_few(duration, step):
    assert tick_step(duration) == step
    assert duration / step <= 10


def test_tick_labels_are_hours_minutes_and_seconds_as_everywhere_in_the_exhibit():
    assert tick_text(90.0) == "00:01:30"
    assert tick_text(0.0) == "00:00:00"
    assert tick_text(5400.0) == "01:30:00"
