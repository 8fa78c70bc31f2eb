"""Next-serial generation, item serial patterns and the Luhn check digit, plus the real IMEI list."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from support.backends import real_sheets_dir

from serialtrack.ingest.serial_gen import (
    check_serial_rules,
    generate_serials,
    luhn_valid,
    pattern_width,
    serial_width,
)
from serialtrack.ingest.serials import SerialPolicy, SerialUnit, parse_cell, parse_cells
from serialtrack.records import CellValue, Source

CELL = Source("PL-0425.xlsx", "Packing List", 17, 4)


def case(id_: str, *values: object) -> object:
    return pytest.param(*values, id=id_)


def real_sheets() -> Path:
    """``shared/real-sheets`` beside the repository root, or ``$SERIALTRACK_REAL_SHEETS``."""
    return real_sheets_dir()


# --- generation -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("next_serial", "count", "serials", "new_next"),
    [
        case("prefix_width_kept", "SN0098", 3, ["SN0098", "SN0099", "SN0100"], "SN0101"),
        case("numeric_padded_to_5", "42", 3, ["00042", "00043", "00044"], "00045"),
        case("numeric_wide", "354844945249710", 2, ["354844945249710", "354844945249711"], "354844945249712"),
        case("suffix_kept", "SN0098A", 3, ["SN0098A", "SN0099A", "SN0100A"], "SN0101A"),
        case("digits_inside_prefix", "A1B-009", 2, ["A1B-009", "A1B-010"], "A1B-011"),
        case("rollover_grows_width", "SN998", 3, ["SN998", "SN999", "SN1000"], "SN1001"),
        case("rollover_next_only", "SN998", 2, ["SN998", "SN999"], "SN1000"),
        case("numeric_rollover", "99999", 2, ["99999", "100000"], "100001"),
        case("normalised_first", " sn\u00a00007 ", 1, ["SN0007"], "SN0008"),
        case("count_zero", "SN0098", 0, [], "SN0098"),
        case("percent_prefix", "A%1", 2, ["A%1", "A%2"], "A%3"),
    ],
)
def test_generate(next_serial: str, count: int, serials: list[str], new_next: str) -> None:
    assert generate_serials(next_serial, count) == (serials, new_next, [])


def test_generate__upper_case_configurable() -> None:
    assert generate_serials("sn1", 1, policy=SerialPolicy(upper_case=False)) == (["sn1"], "sn2", [])


@pytest.mark.parametrize(
    "existing",
    [case("list", ["SN0099", "ZZ1"]), case("set", {"SN0099"}), case("tuple", ("SN0099",)),
     case("dict_keys", {"SN0099": 1}.keys())],
)
def test_generate__collision_reported_never_skipped(existing: list[str]) -> None:
    serials, new_next, issues = generate_serials("SN0098", 3, existing=existing, source=CELL)
    assert serials == ["SN0098", "SN0099", "SN0100"]
    assert new_next == "SN0101"
    (issue,) = issues
    assert issue.code == "serial-generated-collision"
    assert "SN0099" in issue.message and "SN0098" in issue.message
    assert issue.source == CELL


def test_generate__every_collision_reported() -> None:
    _, _, issues = generate_serials("00001", 5, existing={"00001", "00003", "00005", "00009"})
    assert [issue.message.split()[2] for issue in issues] == ["00001", "00003", "00005"]


@pytest.mark.parametrize(
    ("next_serial", "count", "code"),
    [
        case("no_digits", "ABC", 3, "serial-next-invalid"),
        case("empty", "", 3, "serial-next-invalid"),
        case("bad_character", "\u0410B1", 3, "serial-next-invalid"),
        case("too_many_digits", "9" * 60, 3, "serial-next-invalid"),
        case("count_over_cap", "SN1", 2_000_000, "serial-expansion-limit"),
    ],
)
def test_generate__refused(next_serial: str, count: int, code: str) -> None:
    serials, _, issues = generate_serials(next_serial, count, source=CELL)
    assert serials == []
    assert [issue.code for issue in issues] == [code]
    assert issues[0].source == CELL


def test_generate__negative_count_is_a_defect() -> None:
    with pytest.raises(ValueError, match="count"):
        generate_serials("SN1", -1)


def test_generate__output_parses_back_to_itself() -> None:
    serials, _, _ = generate_serials("SN0995", 10)
    assert parse_cell(", ".join(serials), CELL).serials == serials


# --- Luhn -----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("digits", "valid"),
    [
        case("imei_valid", "354844945249715", True),
        case("imei_last_digit_wrong", "354844945249716", False),
        case("imei_two_digits_swapped", "354844945249751", False),
        case("classic_example", "79927398713", True),
        case("all_zeros", "00", True),
        case("single_digit", "0", False),
        case("empty", "", False),
        case("letters", "35484494524971A", False),
        case("space", "3548 4494", False),
        case("unicode_digits", "\u0663\u0665", False),
    ],
)
def test_luhn_valid(digits: str, valid: bool) -> None:
    assert luhn_valid(digits) is valid


# --- pattern and check digit over units -----------------------------------------------------------------------


def units(*serials: str) -> list[SerialUnit]:
    return [SerialUnit(serial, serial, CELL.at(row=row)) for row, serial in enumerate(serials, start=2)]


@pytest.mark.parametrize(
    ("serials", "pattern", "luhn", "expected"),
    [
        case("pattern_match", ("SN0001", "SN0002"), r"SN\d{4}", False, []),
        case("pattern_mismatch", ("SN0001", "SN01"), r"SN\d{4}", False, [("serial-pattern-mismatch", 3)]),
        case("pattern_is_fullmatch", ("SN00011",), r"SN\d{4}", False, [("serial-pattern-mismatch", 2)]),
        case("luhn_pass", ("354844945249715",), None, True, []),
        case("luhn_fail", ("354844945249715", "354844945249716"), None, True, [("serial-check-digit", 3)]),
        case("luhn_not_digits", ("SN0001",), None, True, [("serial-check-digit", 2)]),
        case("both_fail", ("12345",), r"\d{15}", True,
             [("serial-pattern-mismatch", 2), ("serial-check-digit", 2)]),
        case("nothing_to_check", ("anything",), None, False, []),
        case("invalid_pattern", ("SN1",), r"SN(\d", False, [("serial-pattern-invalid", None)]),
    ],
)
def test_check_serial_rules(serials: tuple[str, ...], pattern: str | None, luhn: bool,
                            expected: list[tuple[str, int | None]]) -> None:
    issues = check_serial_rules(units(*serials), pattern=pattern, luhn=luhn)
    assert [(issue.code, issue.source.row if issue.source else None) for issue in issues] == expected


def test_check_serial_rules__messages_name_serial_and_pattern() -> None:
    (mismatch,) = check_serial_rules(units("SN01"), pattern=r"SN\d{4}", luhn=False)
    assert "SN01" in mismatch.message and r"SN\d{4}" in mismatch.message
    (check,) = check_serial_rules(units("354844945249716"), pattern=None, luhn=True)
    assert "354844945249716" in check.message and "Luhn" in check.message


@pytest.mark.parametrize(
    ("pattern", "width"),
    [case("d_count", r"\d{15}", 15), case("class_count", "[0-9]{8}", 8), case("mixed", r"^1\d{3}[0-9]$", 5),
     case("alternation", r"\d{4}|\d{5}", None), case("letters", r"[A-Z]\d{4}", None), case("empty", "", None),
     case("none", None, None)],
)
def test_pattern_width(pattern: str | None, width: int | None) -> None:
    assert pattern_width(pattern) == width


# --- the real IMEI list ---------------------------------------------------------------------------------------


def read_imeis() -> list[tuple[str, int]]:
    path = real_sheets() / "imei_device_list_samsung.csv"
    if not path.is_file():
        pytest.skip(f"real sheets not found at {path}")
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.reader(handle)
        assert next(reader) == ["imei", "modello"]
        return [(row[0], line) for line, row in enumerate(reader, start=2)]


def test_real_imei_list__one_per_row_parses_and_passes_luhn() -> None:
    imeis = read_imeis()
    assert len(imeis) == 2178
    width = serial_width(None, r"\d{15}")
    cells: list[tuple[CellValue, Source | None]] = [
        (imei, Source("imei.csv", None, line, 1)) for imei, line in imeis]
    parsed = parse_cells(cells, expected_qty=len(imeis), width=width)
    assert parsed.issues == []
    assert parsed.serials == [imei for imei, _ in imeis]
    assert check_serial_rules(parsed.units, pattern=r"\d{15}", luhn=True) == []
    assert all(luhn_valid(imei) for imei, _ in imeis)


def test_real_imei_list__all_in_one_cell_and_as_numbers() -> None:
    imeis = [imei for imei, _ in read_imeis()]
    in_one_cell = parse_cell("\r\n".join(imeis), CELL, width=15)
    as_numbers = parse_cell([int(imei) for imei in imeis], CELL, width=15)
    for parsed in (in_one_cell, as_numbers):
        assert parsed.issues == []
        assert parsed.serials == imeis
        assert check_serial_rules(parsed.units, pattern=None, luhn=True) == []
