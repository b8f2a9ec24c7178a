"""The speaker timeline figure for the Word exhibit: one lane per speaker, a bar wherever they talk, the
recording's time along the bottom. A PNG sized for an A4 page's text width, readable in black-and-white print.

Rendered with matplotlib's Agg canvas on a private Figure (no pyplot, no rcParams changed), so the same
inputs always give the same bytes. Speaker names may be Chinese: the fonts installed on this computer are
searched for one that has every character (a CJK font such as WenQuanYi Zen Hei or Noto Sans CJK is tried
first); a name no installed font can draw is replaced by the row's ASCII fallback, never drawn as boxes.
"""

from __future__ import annotations

import io
import logging
import math
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import matplotlib
from matplotlib import font_manager
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.font_manager import FontPath, FontProperties
from matplotlib.ft2font import FT2Font

from pipeline.timefmt import hms

log = logging.getLogger(__name__)

# --- size: 16 cm (A4 text width) at 200 dpi, whole pixels so the PNG is exactly WIDTH_PX wide
DPI = 200
CM_PER_INCH = 2.54
WIDTH_CM = 16.0
WIDTH_PX = round(WIDTH_CM / CM_PER_INCH * DPI)          # 1260
ROW_HEIGHT_CM = 0.75                                     # one speaker's lane
FRAME_HEIGHT_CM = 1.7                                    # the time axis, its label and the margins
LANE_FILL = 0.6                                          # bar height as a share of the lane

# --- look
LABEL_SIZE_PT = 9
TICK_SIZE_PT = 8
TEXT_COLOUR = "#000000"
SECONDARY_COLOUR = "#404040"                             # ticks, axis label, the time axis line
GRID_COLOUR = "#d9d9d9"
GRID_WIDTH_PT = 0.5
BACKGROUND = "#ffffff"
# One colour per lane, colour-blind safe, ordered so the first lanes also differ in grey when printed
# black-and-white (grey levels 65, 178, 117, 204, 91, 138, 67, 178) and neighbours never look alike.
LANE_COLOURS = ("#0B4F8A", "#F2A93B", "#2E9E5B", "#A6D8F5", "#8C510A", "#E0607E", "#5B2A86", "#C2A5CF")

# --- time axis
NICE_STEPS_S = (1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600)
MAX_INTERVALS = 10                                       # at most this many steps between 0 and the end
MIN_AXIS_S = 1.0                                         # axis length when neither duration nor spans give one
HOUR_S = 3600
AXIS_LABEL_FALLBACK = "hh:mm:ss"                         # when no font can draw the axis label: the time format

# --- fonts
BUNDLED_SANS = Path(matplotlib.get_data_path(), "fonts", "ttf", "DejaVuSans.ttf")
# Families that draw Simplified Chinese well, best first; matched (lower case, letters and digits only)
# against each face's family name and the font file's name.
CJK_FONT_HINTS = ("Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", "Source Han Sans CN",
                  "WenQuanYi Zen Hei", "WenQuanYi Micro Hei", "wqy-zenhei", "wqy-microhei",
                  "Microsoft YaHei", "msyh", "SimHei", "PingFang SC", "Heiti SC", "STHeiti",
                  "Noto Sans CJK", "Source Han Sans", "PingFang", "Heiti")
EXCLUDED_FONT_HINTS = ("lastresort",)                    # matplotlib's box-drawing font: tofu by design


@dataclass(frozen=True)
class TimelineRow:
    label: str                                # what the exhibit calls the speaker: "张三（被告）", "说话人1", "Speaker 1"
    fallback: str                             # ASCII stand-in when no font can draw label: "1", "Speaker 1"
    spans: tuple[tuple[float, float], ...]    # (start, end) seconds this speaker talks


# ----------------------------------------------------------------------------------------------- fonts

def _squash(name: str) -> str:
    return re.sub(r"[^0-9a-z]", "", name.lower())


@lru_cache(maxsize=None)
def _face_names(path: str) -> tuple[str, ...]:
    """The family name of each face in a font file (a .ttc holds several); () if FreeType cannot open it."""
    try:
        first = FT2Font(path)
        return tuple(FT2Font(path, face_index=i).family_name if i else first.family_name
                     for i in range(first.num_faces))
    except (OSError, RuntimeError, ValueError):
        return ()


@lru_cache(maxsize=None)
def _charmap(face: FontPath) -> frozenset[int]:
    """The code points a font face has glyphs for."""
    try:
        return frozenset(FT2Font(face.path, face_index=face.face_index).get_charmap())
    except (OSError, RuntimeError, ValueError):
        return frozenset()


def _hint_rank(face_name: str, file_name: str) -> int | None:
    """Position of the first CJK hint this face matches, None if it matches none."""
    names = (_squash(face_name), _squash(file_name))
    for rank, hint in enumerate(CJK_FONT_HINTS):
        if any(_squash(hint) in name for name in names):
            return rank
    return None


def _font_files() -> list[str]:
    """Every font file on this computer, from the system's font folders (read now, so a font installed after
    matplotlib built its cache is still found) and matplotlib's own list."""
    files = set(font_manager.findSystemFonts(fontext="ttf"))
    files.update(entry.fname for entry in font_manager.fontManager.ttflist)
    return sorted(f for f in files if not any(hint in _squash(Path(f).name) for hint in EXCLUDED_FONT_HINTS))


@lru_cache(maxsize=1)
def _candidate_faces() -> tuple[FontPath, ...]:
    """Faces to try, in order: matplotlib's DejaVu Sans (always there, matches the tick labels), the known
    CJK families best first, then every other installed face. Opened lazily: only names are read here, and
    only for the files whose name or family suggests a CJK font."""
    files = _font_files()
    cjk: list[tuple[int, str, int]] = []
    rest: list[FontPath] = []
    for path in files:
        names = _face_names(path) if _hint_rank("", Path(path).stem) is not None else ()
        ranked = [(rank, path, i) for i, name in enumerate(names)
                  if (rank := _hint_rank(name, Path(path).stem)) is not None]
        cjk.extend(ranked)
        if not ranked:
            rest.append(FontPath(path, 0))
    ttflist_cjk = [(rank, e.fname, e.index) for e in font_manager.fontManager.ttflist
                   if (rank := _hint_rank(e.name, Path(e.fname).stem)) is not None]
    ordered = [FontPath(path, i) for _, path, i in sorted(set(cjk) | set(ttflist_cjk))]
    faces = [FontPath(str(BUNDLED_SANS), 0), *ordered, *rest]
    return tuple(dict.fromkeys(faces))


def _needed(text: str) -> set[int]:
    return {ord(ch) for ch in text}


def _face_for(text: str) -> FontPath | None:
    """The first candidate face that has a glyph for every character of text, None if none has."""
    needed = _needed(text)
    return next((face for face in _candidate_faces() if needed <= _charmap(face)), None)


def _drawable(text: str) -> bool:
    return _face_for(text) is not None


def _clean(text: str) -> str:
    """One line, single spaces: labels are drawn on one line."""
    return " ".join(text.split())


def _row_text(row: TimelineRow) -> str:
    """The row's label if some font can draw it, else its fallback (characters no font has become '?')."""
    label = _clean(row.label)
    if _drawable(label):
        return label
    fallback = _clean(row.fallback)
    log.info("no installed font can draw speaker label %r; the timeline shows %r", label, fallback)
    if _drawable(fallback):
        return fallback
    return "".join(ch if _drawable(ch) else "?" for ch in fallback)


def _axis_text(axis_label: str) -> str:
    text = _clean(axis_label)
    return text if _drawable(text) else AXIS_LABEL_FALLBACK


def _text_fonts(texts: Sequence[str]) -> list[FontProperties]:
    """One face for all texts when one face can draw them all (so the lanes look alike), else per text."""
    shared = _face_for("".join(texts))
    faces = [shared or _face_for(text) or FontPath(str(BUNDLED_SANS), 0) for text in texts]
    return [FontProperties(fname=face, size=LABEL_SIZE_PT) for face in faces]


# ------------------------------------------------------------------------------------------- time axis

def tick_step(duration: float) -> float:
    """The smallest nice step (1, 2, 5, 10, 15, 30 s, 1, 2, 5, 10, 15, 30 min, 1 h) that needs at most
    MAX_INTERVALS steps to cover duration; whole hours beyond that."""
    for step in NICE_STEPS_S:
        if duration / step <= MAX_INTERVALS:
            return float(step)
    return float(math.ceil(duration / MAX_INTERVALS / HOUR_S) * HOUR_S)


def _ticks(axis_end: float) -> Iterator[float]:
    step = tick_step(axis_end)
    for i in range(int(axis_end // step) + 1):
        yield i * step


def tick_text(seconds: float) -> str:
    """hh:mm:ss, the exhibit's one format for a time in the recording."""
    return hms(seconds)


def _axis_end(rows: Sequence[TimelineRow], duration: float) -> float:
    """Where the time axis ends: the recording's duration; without one, the last span's end (or MIN_AXIS_S)."""
    if math.isfinite(duration) and duration > 0:
        return float(duration)
    ends = [float(end) for row in rows for _, end in row.spans if math.isfinite(end) and end > 0]
    return max(ends, default=MIN_AXIS_S)


def _clipped(spans: Sequence[tuple[float, float]], axis_end: float) -> list[tuple[float, float]]:
    """(start, width) bars inside [0, axis_end]; empty, reversed or non-finite spans dropped."""
    bars = []
    for start, end in spans:
        if not (math.isfinite(start) and math.isfinite(end)):
            continue
        lo, hi = max(0.0, float(start)), min(axis_end, float(end))
        if hi > lo:
            bars.append((lo, hi - lo))
    return bars


# --------------------------------------------------------------------------------------------- drawing

def _figure(lanes: int) -> Figure:
    height_px = round((FRAME_HEIGHT_CM + ROW_HEIGHT_CM * max(lanes, 1)) / CM_PER_INCH * DPI)
    figure = Figure(figsize=(WIDTH_PX / DPI, height_px / DPI), dpi=DPI, facecolor=BACKGROUND,
                    layout="constrained")
    FigureCanvasAgg(figure)
    return figure


def _draw_lanes(ax, rows: Sequence[TimelineRow], axis_end: float) -> None:
    for lane, row in enumerate(rows):
        colour = LANE_COLOURS[lane % len(LANE_COLOURS)]
        bars = _clipped(row.spans, axis_end)
        if bars:
            ax.broken_barh(bars, (lane - LANE_FILL / 2, LANE_FILL), facecolors=colour, edgecolors=colour,
                           linewidth=GRID_WIDTH_PT)


def _label_lanes(ax, texts: Sequence[str], fonts: Sequence[FontProperties]) -> None:
    ax.set_yticks(range(len(texts)), labels=texts)
    for label, font in zip(ax.get_yticklabels(), fonts):
        label.set_fontproperties(font)
        label.set_parse_math(False)
        label.set_color(TEXT_COLOUR)
    ax.set_ylim(max(len(texts), 1) - 0.5, -0.5)          # first row on top
    ax.tick_params(axis="y", length=0, pad=6)


def _time_axis(ax, axis_end: float, axis_text: str, axis_font: FontProperties) -> None:
    ticks = list(_ticks(axis_end))
    ax.set_xlim(0.0, axis_end)
    ax.set_xticks(ticks, labels=[tick_text(t) for t in ticks])
    tick_font = FontProperties(fname=FontPath(str(BUNDLED_SANS), 0), size=TICK_SIZE_PT)
    for label in ax.get_xticklabels():
        label.set_fontproperties(tick_font)
        label.set_color(SECONDARY_COLOUR)
    ax.tick_params(axis="x", colors=SECONDARY_COLOUR, width=GRID_WIDTH_PT, length=3)
    ax.grid(axis="x", color=GRID_COLOUR, linewidth=GRID_WIDTH_PT)
    ax.set_axisbelow(True)
    xlabel = ax.set_xlabel(axis_text, fontproperties=axis_font, color=SECONDARY_COLOUR)
    xlabel.set_parse_math(False)


def _frame(ax) -> None:
    ax.set_facecolor(BACKGROUND)
    for side in ("top", "right", "left"):
        ax.spines[side].set_visible(False)
    ax.spines["bottom"].set_color(SECONDARY_COLOUR)
    ax.spines["bottom"].set_linewidth(GRID_WIDTH_PT)


def _png(figure: Figure) -> bytes:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=DPI, facecolor=BACKGROUND, metadata={"Software": None})
    return buffer.getvalue()


def timeline_png(rows: Sequence[TimelineRow], duration: float, axis_label: str) -> bytes:
    """One horizontal lane per row, top to bottom in the given order, a bar for each span, the x axis the
    recording's time (hh:mm:ss) from 0 to duration; axis_label under it (the caller
    passes the wording, e.g. "录音时间" / "Time in recording")."""
    axis_end = _axis_end(rows, duration)
    texts = [_row_text(row) for row in rows]
    axis_text = _axis_text(axis_label)
    *label_fonts, axis_font = _text_fonts([*texts, axis_text])
    figure = _figure(len(rows))
    ax = figure.add_subplot()
    _frame(ax)
    _draw_lanes(ax, rows, axis_end)
    _label_lanes(ax, texts, label_fonts)
    _time_axis(ax, axis_end, axis_text, axis_font)
    return _png(figure)
