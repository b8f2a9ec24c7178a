"""Settings and the case file: defaults, the user's case file, command-line overrides, clear errors."""

from __future__ import annotations

import dataclasses

import pytest

from pipeline.config import CONFIG_DIR, CaseConfig, load_settings
from pipeline.errors import ConfigError


def test_the_shipped_case_file_is_empty_and_complete():
    from pipeline.casefile import default_case

    assert default_case() == CaseConfig() and load_settings().case == CaseConfig()
    text = (CONFIG_DIR / "case.toml").read_text(encoding="utf-8")
    for name in (f.name for f in dataclasses.fields(CaseConfig)):
        assert f"\n{name} = \"\"" in text, name


def test_a_case_file_fills_the_case_and_options_win(tmp_path):
    case = tmp_path / "借款案.toml"
    case.write_text('case_name = "张三诉李四民间借贷纠纷"\nexhibit_number = "证据3"\nrecorded_place = "北京"\n',
                    encoding="utf-8")
    settings = load_settings(case_path=case, overrides={"case": {"exhibit_number": "证据4"}})
    assert settings.case.case_name == "张三诉李四民间借贷纠纷"
    assert settings.case.exhibit_number == "证据4" and settings.case.recorded_place == "北京"
    assert settings.case.reviewed_by == ""


def test_case_file_errors_name_the_file(tmp_path):
    wrong = tmp_path / "case.toml"
    wrong.write_text("exhibit_number = 3\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"case.toml: exhibit_number should be a str, not 3"):
        load_settings(case_path=wrong)
    with pytest.raises(ConfigError, match="cannot read case file .*missing.toml"):
        load_settings(case_path=tmp_path / "missing.toml")


def test_the_case_is_not_a_section_of_the_settings_file(tmp_path):
    settings = tmp_path / "default.toml"
    settings.write_text('[case]\ncase_name = "x"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match="case file"):
        load_settings(settings)


def test_the_recording_time_may_carry_a_time_of_day():
    from datetime import date, datetime
    case = CaseConfig(recorded_on="2025-03-05 15:30")
    assert case.recorded_moment() == datetime(2025, 3, 5, 15, 30) and case.recorded_date() == date(2025, 3, 5)
    assert CaseConfig(recorded_on="2025-03-05").recorded_moment() == datetime(2025, 3, 5)
    with pytest.raises(ConfigError, match="YYYY-MM-DD, with the time of day"):
        CaseConfig(recorded_on="下午三点")


def test_the_case_names_the_details_still_missing():
    assert CaseConfig().missing() == CaseConfig.DETAILS
    case = CaseConfig(recorded_place="北京市朝阳区", reviewed_by="王五", recorded_on="2025-03-05")
    assert case.missing() == ("case_name", "case_number", "exhibit_number", "submitting_party", "recorded_device",
                              "recorded_by")


def test_the_compute_type_and_threads_may_come_from_the_environment_and_an_option_wins(monkeypatch):
    """EXHIBIT_COMPUTE_TYPE / EXHIBIT_CPU_THREADS: the whole test suite on another compute type or one core."""
    monkeypatch.delenv("EXHIBIT_COMPUTE_TYPE", raising=False)
    monkeypatch.delenv("EXHIBIT_CPU_THREADS", raising=False)
    assert (load_settings().transcribe.compute_type, load_settings().transcribe.cpu_threads) == ("int8", 0)
    monkeypatch.setenv("EXHIBIT_COMPUTE_TYPE", "float32")
    monkeypatch.setenv("EXHIBIT_CPU_THREADS", " 1 ")
    t = load_settings().transcribe
    assert (t.compute_type, t.cpu_threads) == ("float32", 1)
    given = load_settings(overrides={"transcribe": {"compute_type": "int8"}}).transcribe
    assert (given.compute_type, given.cpu_threads) == ("int8", 1)


@pytest.mark.parametrize("name, value, message", [
    ("EXHIBIT_CPU_THREADS", "two", "EXHIBIT_CPU_THREADS must be a whole number, not 'two'"),
    ("EXHIBIT_CPU_THREADS", "-1", "EXHIBIT_CPU_THREADS='-1': threads must be between 0 and 1024, not -1"),
    ("EXHIBIT_CPU_THREADS", "99999999999", "EXHIBIT_CPU_THREADS='99999999999': threads must be between 0 and 1024"),
    ("EXHIBIT_COMPUTE_TYPE", "FLOAT32", "EXHIBIT_COMPUTE_TYPE='FLOAT32': compute type must be one of float32, int8"),
])
def test_a_bad_value_in_the_environment_is_refused_in_one_line(monkeypatch, name, value, message):
    monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError) as caught:
        load_settings()
    assert message in str(caught.value) and "\n" not in str(caught.value)


@pytest.mark.parametrize("blank", ["\u200b", "\ufeff", "\xad", "\u3164", "\u2800", " \u200b "])
def test_a_name_that_shows_nothing_is_refused(blank):
    """Hostile test of issue 20: a reviewer of U+200B alone made the court copy final; it names nobody."""
    with pytest.raises(ConfigError, match="reviewed_by holds only characters that show nothing"):
        CaseConfig(reviewed_by=blank)
    assert CaseConfig(reviewed_by="  ").reviewed_by == "  "        # spaces alone: simply empty (a draft)


def test_a_recording_date_out_of_range_is_one_line_and_a_toml_date_is_read_as_written(tmp_path):
    """Hostile test of issue 20: recorded_on 0001-01-01 crashed the date rules (OverflowError); 9999 was taken."""
    for wrong in ("0001-01-01", "9999-12-31 23:59"):
        with pytest.raises(ConfigError, match=f"recorded date '{wrong}' is not a day a recording could have been"):
            CaseConfig(recorded_on=wrong)
    case = tmp_path / "case.toml"
    case.write_text('recorded_on = 2024-06-18\n', encoding="utf-8")       # TOML's own date, unquoted
    assert load_settings(case_path=case).case.recorded_on == "2024-06-18"
    case.write_text('recorded_on = 2024-06-18 15:30:00\n', encoding="utf-8")
    assert load_settings(case_path=case).case.recorded_on == "2024-06-18 15:30:00"
