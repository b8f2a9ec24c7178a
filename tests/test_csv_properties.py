"""Property-based tests (Hypothesis) of the one CSV reader and writer (pipeline/csvio.py): arbitrary Unicode in
the cells, the separators and encodings Excel saves with, formula-like cells, control characters, and bytes
that are no CSV at all."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st

from pipeline.controls import CONTROL
from pipeline.csvio import FORMULA_START, CellError, guarded, read_csv, unguarded, write_csv

SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])

# any text a user may type or the machine may write, but the control characters the reader refuses
text = st.text(st.characters(blacklist_categories=("Cs",)), max_size=40).filter(lambda s: not CONTROL.search(s))
formula = st.builds(lambda start, rest: start + rest, st.sampled_from(FORMULA_START + ("'=", "''+")), text)
cell = st.one_of(text, formula, st.sampled_from(["=HYPERLINK(\"http://x\",\"y\")", "=cmd|' /C calc'!A0", "+cmd",
                                                  "-1+1", "@SUM(1)", "\t=1", "\r=1", "'", "'=", "\"", ",", ";",
                                                  "a\r\nb", "张三,李四", "—", "\u3000"]))
names = st.lists(st.from_regex(r"[a-z][a-z_0-9]{0,11}", fullmatch=True), min_size=1, max_size=6, unique=True)


@st.composite
def tables(draw) -> tuple[list[str], list[list[str]]]:
    header = draw(names)
    rows = draw(st.lists(st.lists(cell, min_size=len(header), max_size=len(header)), max_size=6))
    return header, rows


def expected(header: list[str], rows: list[list[str]]) -> list[dict[str, str]]:
    """What the reader gives back: every cell stripped, rows with nothing in them left out."""
    return [dict(zip(header, (c.strip() for c in row))) for row in rows if any(c.strip() for c in row)]


@SETTINGS
@given(table=tables())
@example(table=(["name", "role"], [["=HYPERLINK(\"http://x\",\"y\")", "-1+1"], ["@SUM(1)", "'=already"]]))
def test_what_the_writer_writes_the_reader_gives_back(tmp_path: Path, table):
    header, rows = table
    path = tmp_path / "t.csv"
    write_csv(path, header, rows)
    assert read_csv(path) == (header, expected(header, rows))


@SETTINGS
@given(table=tables())
def test_no_cell_written_starts_like_a_formula(tmp_path: Path, table):
    header, rows = table
    path = tmp_path / "t.csv"
    write_csv(path, header, rows)
    raw = list(csv.reader(io.StringIO(path.read_bytes().decode("utf-8-sig"))))
    assert all(not c.startswith(FORMULA_START) for record in raw for c in record)
    assert len(raw) == len(rows) + 1


@SETTINGS
@given(value=st.one_of(cell, st.text()))
def test_the_guard_is_taken_off_exactly_as_it_was_put_on(value):
    assert unguarded(guarded(value)) == value
    assert guarded(-1.5) == -1.5 and guarded(-3) == -3          # numbers are written as numbers


@SETTINGS
@given(table=tables(), delimiter=st.sampled_from([",", ";", "\t"]),
       encoding=st.sampled_from(["utf-8", "utf-8-sig", "gb18030", "utf-16", "utf-16-le-bom"]),
       quoting=st.sampled_from([csv.QUOTE_MINIMAL, csv.QUOTE_ALL]))
def test_files_as_excel_saves_them_are_read(tmp_path: Path, table, delimiter, encoding, quoting):
    """Excel saves with commas, semicolons (some locales) or tabs ("Unicode text", UTF-16 with its byte-order
    mark), in UTF-8 or in GBK on a Chinese Windows; a cell guarded by our writer or typed by the user."""
    header, rows = table
    assume(delimiter == "," or len(header) > 1)    # one column: nothing tells a semicolon file from a comma one
    buf = io.StringIO()
    csv.writer(buf, delimiter=delimiter, lineterminator="\r\n", quoting=quoting).writerows([header, *rows])
    content = buf.getvalue()
    if encoding == "utf-16-le-bom":
        data = b"\xff\xfe" + content.encode("utf-16-le")
    else:
        data = content.encode(encoding)
    if encoding == "gb18030":   # GBK bytes that also happen to be UTF-8 are read as UTF-8: not this test
        try:
            assume(data.decode("utf-8") == content)
        except UnicodeDecodeError:
            pass
    path = tmp_path / "t.csv"
    path.write_bytes(data)
    assert read_csv(path) == (header, expected(header, [[unguarded(c) for c in row] for row in rows]))


@SETTINGS
@given(table=tables(), where=st.data(), control=st.sampled_from(["\x0b", "\x01", "\x1f", "\x7f", "\x85", "\x0c"]))
def test_a_control_character_in_a_cell_is_refused_naming_row_and_column(tmp_path: Path, table, where, control):
    header, rows = table
    assume(rows)
    r = where.draw(st.integers(0, len(rows) - 1))
    c = where.draw(st.integers(0, len(header) - 1))
    rows[r][c] = "张" + control + rows[r][c]
    path = tmp_path / "t.csv"
    write_csv(path, header, rows)
    with pytest.raises(CellError) as info:
        read_csv(path)
    # the first row holding one is named (a cell before it may have been given one by the draw, too)
    first = next(i for i, row in enumerate(rows) if any(CONTROL.search(x) for x in row))
    column = next(j for j, x in enumerate(rows[first]) if CONTROL.search(x))
    assert f"row {first + 2}, column {header[column]} holds an invisible control character" in str(info.value)


@SETTINGS
@given(data=st.binary(max_size=400))
def test_any_bytes_are_read_or_refused_with_a_value_error(tmp_path: Path, data):
    path = tmp_path / "t.csv"
    path.write_bytes(data)
    try:
        header, rows = read_csv(path)
    except ValueError as exc:
        assert "\n" not in str(exc)
    else:
        assert header and all(set(r) <= set(header) for r in rows)
