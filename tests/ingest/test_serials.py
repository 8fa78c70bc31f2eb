"""Serial syntax (SPEC "Serial syntax"): separators, spans, normalising, Excel damage, bounds, duplicates."""

from __future__ import annotations

import datetime as dt
import tracemalloc

import pytest

from serialtrack.ingest.serial_gen import serial_width
from serialtrack.ingest.serials import (
    ParsedSerials,
    SerialPolicy,
    SerialUnit,
    normalize_serial,
    parse_cell,
    parse_cells,
)
from serialtrack.records import CellValue, Source

CELL = Source("PL-0425.xlsx", "Packing List", 17, 4)


def codes(parsed: ParsedSerials) -> list[str]:
    return [issue.code for issue in parsed.issues]


def case(id_: str, *values: object) -> object:
    return pytest.param(*values, id=id_)


# --- separators -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        case("comma", "A1,A2,A3", ["A1", "A2", "A3"]),
        case("comma_and_spaces", " A1 ,  A2 , A3 ", ["A1", "A2", "A3"]),
        case("semicolon", "A1;A2", ["A1", "A2"]),
        case("lf", "A1\nA2", ["A1", "A2"]),
        case("cr", "A1\rA2", ["A1", "A2"]),
        case("crlf", "A1\r\nA2\r\n", ["A1", "A2"]),
        case("tab", "A1\tA2", ["A1", "A2"]),
        case("mixed", "A1, A2;A3\tA4\r\nA5\rA6\n", ["A1", "A2", "A3", "A4", "A5", "A6"]),
        case("blank_items_ignored", ",,A1,, ,;\n\nA2,", ["A1", "A2"]),
        case("only_separators", " ,;\r\n\t ", []),
        case("empty_string", "", []),
        case("fullwidth_comma", "A1\uff0cA2", ["A1", "A2"]),
        case("fullwidth_semicolon", "A1\uff1bA2", ["A1", "A2"]),
        case("single_serial", "SN0042", ["SN0042"]),
        case("non_ascii_cell_still_splits", "A1,\u00a0A2\n\u200bA3", ["A1", "A2", "A3"]),
    ],
)
def test_separators(text: str, expected: list[str]) -> None:
    parsed = parse_cell(text, CELL)
    assert parsed.serials == expected
    assert parsed.issues == []


def test_separators__none_cell_is_empty() -> None:
    assert parse_cell(None, CELL) == ParsedSerials([], [])


def test_separators__units_keep_entry_and_source() -> None:
    parsed = parse_cell("sn01, 42", CELL)
    assert parsed.units == [SerialUnit("SN01", "sn01", CELL), SerialUnit("00042", "42", CELL)]


@pytest.mark.parametrize(
    "text",
    [case("hyphen_alnum", "AF5-69H"), case("hyphens_twice", "TG-4SR-92"), case("hyphen_between_numbers", "1000-1009"),
     case("dotted", "A.1.B"), case("slashed", "AB/12"), case("colon_hash_plus", "A:1#2+3")],
)
def test_hyphen_and_dot__kept_in_serials(text: str) -> None:
    parsed = parse_cell(text, CELL)
    assert parsed.serials == [text]
    assert parsed.issues == []


# --- spans ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        case("numeric", "1000...1009", [f"{n:05d}" for n in range(1000, 1010)]),
        case("prefixed_width_kept", "SN0098...SN0101", ["SN0098", "SN0099", "SN0100", "SN0101"]),
        case("ellipsis_character", "SN0098\u2026SN0101", ["SN0098", "SN0099", "SN0100", "SN0101"]),
        case("spaces_around_mark", "SN0098 ... SN0101", ["SN0098", "SN0099", "SN0100", "SN0101"]),
        case("spaces_around_ellipsis", "SN0098 \u2026 SN0101", ["SN0098", "SN0099", "SN0100", "SN0101"]),
        case("lower_case_prefix", "sn8...sn9", ["SN8", "SN9"]),
        case("identical_suffix", "SN01A...SN03A", ["SN01A", "SN02A", "SN03A"]),
        case("single_unit", "SN5...SN5", ["SN5"]),
        case("natural_numbers_grow", "SN98...SN101", ["SN98", "SN99", "SN100", "SN101"]),
        case("numeric_natural_grow", "99998...100001", ["99998", "99999", "100000", "100001"]),
        case("numeric_padded_to_5", "0042...00045", ["00042", "00043", "00044", "00045"]),
        case("numeric_short_ends", "7...9", ["00007", "00008", "00009"]),
        case("prefix_with_digits", "A1B07...A1B09", ["A1B07", "A1B08", "A1B09"]),
        case("hyphenated_prefix", "TG-4SR-90...TG-4SR-92", ["TG-4SR-90", "TG-4SR-91", "TG-4SR-92"]),
        case("wide_numbers", "354844945249710...354844945249712",
             ["354844945249710", "354844945249711", "354844945249712"]),
        case("span_among_serials", "X1, SN1...SN2; X2", ["X1", "SN1", "SN2", "X2"]),
    ],
)
def test_span(text: str, expected: list[str]) -> None:
    parsed = parse_cell(text, CELL)
    assert parsed.serials == expected
    assert parsed.issues == []


def test_span__units_echo_their_entry() -> None:
    parsed = parse_cell("X1, 1000...1002", CELL)
    assert [unit.entry for unit in parsed.units] == ["X1", "1000...1002", "1000...1002", "1000...1002"]


@pytest.mark.parametrize(
    ("text", "code"),
    [
        case("different_prefixes", "SN0100...SX0109", "serial-span-prefix-mismatch"),
        case("prefix_on_one_end", "SN0100...0109", "serial-span-prefix-mismatch"),
        case("different_suffixes", "SN01A...SN09B", "serial-span-prefix-mismatch"),
        case("different_padded_widths", "SN010...SN0100", "serial-span-width-mismatch"),
        case("padded_start_wider_end", "SN0098...SN100", "serial-span-width-mismatch"),
        case("numeric_padded_past_pad_width", "042...100000", "serial-span-width-mismatch"),
        case("backwards", "SN0109...SN0100", "serial-span-backwards"),
        case("numeric_backwards", "1009...1000", "serial-span-backwards"),
        case("missing_end", "1000...", "serial-span-malformed"),
        case("missing_start", "...5", "serial-span-malformed"),
        case("mark_alone", "...", "serial-span-malformed"),
        case("two_marks", "1...2...3", "serial-span-malformed"),
        case("four_dots", "1....5", "serial-span-malformed"),
        case("two_dots", "1000..1009", "serial-span-malformed"),
        case("two_dots_prefixed", "SN01 .. SN09", "serial-span-malformed"),
        case("ends_without_digits", "ABC...ABD", "serial-span-malformed"),
        case("too_many_digits", "1...1" + "0" * 60, "serial-span-malformed"),
        case("bad_character_in_end", "\u0410100...\u0410109", "serial-bad-character"),
    ],
)
def test_span__errors(text: str, code: str) -> None:
    parsed = parse_cell(text, CELL)
    assert codes(parsed) == [code]
    assert parsed.units == []
    assert parsed.issues[0].source == CELL
    assert text.strip() in parsed.issues[0].message or code == "serial-bad-character"


def test_span__backwards_message_suggests_the_right_order() -> None:
    (issue,) = parse_cell("SN0109...SN0100", CELL).issues
    assert "SN0100...SN0109" in issue.message


def test_span__other_entries_survive_a_bad_span() -> None:
    parsed = parse_cell("A1, 9...1, A2", CELL)
    assert parsed.serials == ["A1", "A2"]
    assert codes(parsed) == ["serial-span-backwards"]


# --- bounds: quantity and hard cap, checked before expansion ----------------------------------------------------


def test_span__exceeds_qty_names_both_numbers_and_expands_nothing() -> None:
    parsed = parse_cell("1...999999999", CELL, expected_qty=10)
    assert parsed.units == []
    (issue,) = parsed.issues
    assert issue.code == "serial-span-exceeds-qty"
    assert "999,999,999" in issue.message and "10" in issue.message


@pytest.mark.parametrize(("qty", "units"), [case("equal_to_qty", 10, 10), case("under_qty", 12, 10)])
def test_span__within_qty_expands(qty: int, units: int) -> None:
    parsed = parse_cell("SN10...SN19", CELL, expected_qty=qty)
    assert len(parsed.units) == units
    assert parsed.issues == []


def test_span__one_over_qty_rejected() -> None:
    assert codes(parse_cell("SN10...SN19", CELL, expected_qty=9)) == ["serial-span-exceeds-qty"]


def test_span__over_cap_stops_without_expanding() -> None:
    parsed = parse_cell("1...999999999999, A1", CELL)
    assert parsed.units == []
    assert codes(parsed) == ["serial-expansion-limit"]


@pytest.mark.parametrize(
    ("text", "cap", "units"),
    [
        case("list_over_cap", "A1,A2,A3,A4", 3, 3),
        case("list_at_cap", "A1,A2,A3", 3, 3),
        case("span_after_list", "A1,A2,1...2", 3, 2),
        case("list_after_span", "1...3,A1", 3, 3),
    ],
)
def test_cap__counts_lists_and_spans_together(text: str, cap: int, units: int) -> None:
    parsed = parse_cell(text, CELL, policy=SerialPolicy(max_expansion=cap))
    assert len(parsed.units) == units
    assert codes(parsed) == ([] if text == "A1,A2,A3" else ["serial-expansion-limit"])


def test_cap__holds_across_cells() -> None:
    cells: list[tuple[CellValue, Source | None]] = [(f"A{n}, B{n}", CELL.at(row=n)) for n in range(1, 10)]
    parsed = parse_cells(cells, policy=SerialPolicy(max_expansion=5))
    assert len(parsed.units) == 5
    assert codes(parsed) == ["serial-expansion-limit"]
    assert parsed.issues[0].source == CELL.at(row=3)


@pytest.mark.parametrize(
    "text",
    [case("numeric", "1...999999999999999"), case("prefixed", "SN0...SN99999999999999999999"),
     case("many_spans", ",".join(["1...900000"] * 2000))],
)
def test_cap__huge_spans_allocate_nothing(text: str) -> None:
    tracemalloc.start()
    try:
        parsed = parse_cell(text, CELL, policy=SerialPolicy(max_expansion=1000))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert parsed.units == []
    assert codes(parsed) == ["serial-expansion-limit"]
    assert peak < 2_000_000 + 40 * len(text)


# --- normalising ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        case("strip", "  SN01  ", "SN01"),
        case("upper_case", "sn01ab", "SN01AB"),
        case("nbsp_inside", "SN\u00a001", "SN01"),
        case("narrow_nbsp", "SN\u202f01", "SN01"),
        case("zero_width_space", "\u200bSN01\u200b", "SN01"),
        case("zero_width_joiners", "S\u200cN\u200d01", "SN01"),
        case("word_joiner", "SN\u206001", "SN01"),
        case("bom", "\ufeffSN01", "SN01"),
        case("nfkc_fullwidth", "\uff33\uff2e\uff10\uff11", "SN01"),
        case("nfkc_ligature", "\ufb01x1", "FIX1"),
        case("pad_numeric", "42", "00042"),
        case("pad_zero", "0", "00000"),
        case("no_pad_at_width", "12345", "12345"),
        case("no_pad_wider", "123456", "123456"),
        case("no_pad_alphanumeric", "A42", "A42"),
        case("pad_after_fullwidth_digits", "\uff14\uff12", "00042"),
    ],
)
def test_normalize(text: str, expected: str) -> None:
    assert normalize_serial(text) == expected
    assert parse_cell(text, CELL).serials == [expected]


def test_normalize__upper_case_configurable() -> None:
    policy = SerialPolicy(upper_case=False)
    assert normalize_serial("sn01", policy) == "sn01"
    assert parse_cell("sn01, sn02...sn03", CELL, policy=policy).serials == ["sn01", "sn02", "sn03"]


def test_normalize__pad_width_configurable() -> None:
    assert parse_cell("42", CELL, policy=SerialPolicy(pad_width=8)).serials == ["00000042"]


@pytest.mark.parametrize(
    ("text", "named"),
    [
        case("cyrillic_a", "\u0410B12", "U+0410 CYRILLIC CAPITAL LETTER A"),
        case("cyrillic_lower_o", "SN1\u043e", "U+041E CYRILLIC CAPITAL LETTER O"),
        case("greek_omicron", "SN\u039f1", "U+039F GREEK CAPITAL LETTER OMICRON"),
        case("bell_control", "AB\x07C", "U+0007"),
        case("delete_control", "AB\x7fC", "U+007F"),
        case("soft_hyphen", "AB\u00adC", "U+00AD SOFT HYPHEN"),
        case("inner_space", "AB 12", "U+0020 SPACE"),
        case("emoji", "AB\U0001f600", "U+1F600 GRINNING FACE"),
        case("accented_letter", "CAF\u00c9", "U+00C9 LATIN CAPITAL LETTER E WITH ACUTE"),
    ],
)
def test_bad_character__named_not_kept(text: str, named: str) -> None:
    parsed = parse_cell(f"OK1, {text}", CELL)
    assert parsed.serials == ["OK1"]
    (issue,) = parsed.issues
    assert issue.code == "serial-bad-character"
    assert named in issue.message
    assert issue.source == CELL


def test_bad_character__space_message_explains_separators() -> None:
    (issue,) = parse_cell("AB 12", CELL).issues
    assert "never spaces" in issue.message


# --- Excel damage ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        case("int", 134593568, ["134593568"]),
        case("int_short_padded", 42, ["00042"]),
        case("whole_float", 134593568.0, ["134593568"]),
        case("imei_15_digits_as_number", 354844945249715, ["354844945249715"]),
        case("imei_15_digits_as_float", 354844945249715.0, ["354844945249715"]),
        case("negative_zero", -0.0, ["00000"]),
    ],
)
def test_excel__numbers_read_as_serials(value: CellValue, expected: list[str]) -> None:
    parsed = parse_cell(value, CELL)
    assert parsed.serials == expected
    assert parsed.issues == []


@pytest.mark.parametrize(
    ("value", "code", "shown"),
    [
        case("float_with_fraction", 1234.5, "serial-excel-fraction", "1234.5"),
        case("tiny_fraction", 0.001, "serial-excel-fraction", "0.001"),
        case("int_over_15_digits", 12345678901234567890, "serial-excel-precision", "1.23456789012346E+19"),
        case("int_16_digits", 1234567890123456, "serial-excel-precision", "1.23456789012346E+15"),
        case("float_over_15_digits", 1.2345678901234567e19, "serial-excel-precision", "1.23456789012346E+19"),
        case("scientific_text", "1.34594E+11", "serial-excel-scientific", "1.34594E+11"),
        case("scientific_text_lower", "1.34594e+11", "serial-excel-scientific", "1.34594e+11"),
        case("scientific_decimal_comma", "1,34594E+11", "serial-excel-scientific", "1,34594E+11"),
        case("scientific_no_fraction", "1E+11", "serial-excel-scientific", "1E+11"),
        case("scientific_negative_exponent", "3.5E-05", "serial-excel-scientific", "3.5E-05"),
        case("datetime", dt.datetime(2024, 1, 5), "serial-excel-date", "2024-01-05"),
        case("datetime_with_time", dt.datetime(2024, 1, 5, 10, 30), "serial-excel-date", "2024-01-05 10:30"),
        case("date", dt.date(2024, 1, 5), "serial-excel-date", "2024-01-05"),
        case("time", dt.time(10, 30), "serial-excel-date", "10:30"),
        case("timedelta", dt.timedelta(days=2), "serial-excel-date", "2 days"),
        case("bool", True, "serial-bad-value", "True"),
        case("nan", float("nan"), "serial-bad-value", "nan"),
        case("infinity", float("inf"), "serial-bad-value", "inf"),
    ],
)
def test_excel__damage_named_with_fix(value: CellValue, code: str, shown: str) -> None:
    parsed = parse_cell(value, CELL)
    assert parsed.units == []
    (issue,) = parsed.issues
    assert issue.code == code
    assert shown in issue.message
    assert "format the serial column as Text" in issue.message
    assert issue.source == CELL
    if code.startswith("serial-excel"):
        assert "Excel" in issue.message


def test_excel__scientific_message_matches_the_brief() -> None:
    (issue,) = parse_cell("1.34594E+11", CELL).issues
    assert issue.message == ("Excel turned this serial into the number 1.34594E+11 and lost digits; format the "
                             "serial column as Text and type or paste the serials again.")


def test_excel__scientific_among_serials() -> None:
    parsed = parse_cell("A1\n1.34594E+11\nA2", CELL)
    assert parsed.serials == ["A1", "A2"]
    assert codes(parsed) == ["serial-excel-scientific"]


@pytest.mark.parametrize("text", [case("e_inside_serial", "AE+5X"), case("hyphen_after_e", "SE-12B")])
def test_excel__serials_with_e_are_not_scientific(text: str) -> None:
    assert parse_cell(text, CELL).serials == [text]


# --- lost leading zeros ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "width"),
    [
        case("text_short", "42", 8),
        case("number_short", 42, 8),
        case("one_digit_short", "1234567", 8),
        case("imei_lost_zero", 54844945249715, 15),
        case("span_short", "42...50", 8),
    ],
)
def test_lost_leading_zeros(value: CellValue, width: int) -> None:
    parsed = parse_cell(value, CELL, width=width)
    assert parsed.units == []
    (issue,) = parsed.issues
    assert issue.code == "serial-lost-leading-zeros"
    assert f"have {width}" in issue.message and "format the serial column as Text" in issue.message


def test_lost_leading_zeros__message_names_digits() -> None:
    (issue,) = parse_cell(42, CELL, width=8).issues
    assert issue.message.startswith("serial 42 has 2 digits but this item's serials have 8")
    assert "00000042" in issue.message


@pytest.mark.parametrize(
    ("value", "width", "expected"),
    [
        case("full_width_text", "00000042", 8, ["00000042"]),
        case("width_5_pads", "42", 5, ["00042"]),
        case("width_under_pad", "42", 3, ["00042"]),
        case("prefixed_not_checked", "SN42", 8, ["SN42"]),
        case("longer_not_checked", "123456789", 8, ["123456789"]),
        case("span_full_width", "00000042...00000043", 8, ["00000042", "00000043"]),
        case("no_width", "42", None, ["00042"]),
    ],
)
def test_lost_leading_zeros__not_reported(value: CellValue, width: int | None, expected: list[str]) -> None:
    parsed = parse_cell(value, CELL, width=width)
    assert parsed.serials == expected
    assert parsed.issues == []


@pytest.mark.parametrize(
    ("next_serial", "pattern", "width"),
    [
        case("numeric_next", "00001234", None, 8),
        case("short_numeric_next_padded", "42", None, 5),
        case("prefixed_next_no_width", "SN0042", None, None),
        case("pattern_d_count", None, r"\d{8}", 8),
        case("pattern_anchored_class", None, r"^[0-9]{15}$", 15),
        case("pattern_a_z_anchors", None, r"\A\d{6}\Z", 6),
        case("pattern_atoms", None, r"\d\d\d\d\d\d", 6),
        case("pattern_literal_digit", None, r"9\d{7}", 8),
        case("pattern_variable", None, r"\d+", None),
        case("pattern_prefixed", None, r"SN\d{4}", None),
        case("next_wins_over_pattern", "000123", r"\d{8}", 6),
        case("prefixed_next_falls_back_to_pattern", "SN1", r"\d{8}", 8),
        case("nothing", None, None, None),
    ],
)
def test_serial_width(next_serial: str | None, pattern: str | None, width: int | None) -> None:
    assert serial_width(next_serial, pattern) == width


# --- duplicates within one call -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "serial"),
    [
        case("same_entry_twice", "A1, A1", "A1"),
        case("single_characters", "1,1", "00001"),
        case("case_differs", "sn1, SN1", "SN1"),
        case("padding_makes_equal", "42, 00042", "00042"),
        case("span_overlaps_list", "SN5, SN1...SN9", "SN5"),
        case("spans_overlap", "1...3, 3...5", "00003"),
        case("invisible_space_makes_equal", "A1, A\u200b1", "A1"),
    ],
)
def test_duplicate__reported_and_kept(text: str, serial: str) -> None:
    parsed = parse_cell(text, CELL)
    (issue,) = parsed.issues
    assert issue.code == "serial-duplicate"
    assert serial in issue.message
    assert parsed.serials.count(serial) == 2


def test_duplicate__message_names_both_entries() -> None:
    (issue,) = parse_cell("SN5, SN1...SN9", CELL).issues
    assert issue.message == "serial SN5 is entered in SN5 and again in SN1...SN9 on this line; each serial may appear once"


def test_duplicate__across_cells_of_a_line_point_at_the_second_cell() -> None:
    parsed = parse_cells([("A1, A2", CELL), ("A2", CELL.at(row=18))])
    assert codes(parsed) == ["serial-duplicate"]
    assert parsed.issues[0].source == CELL.at(row=18)


def test_duplicate__many_in_a_long_list() -> None:
    parsed = parse_cell(",".join(["A1", "A2"] * 50), CELL)
    assert len(parsed.units) == 100
    assert codes(parsed) == ["serial-duplicate"] * 98


# --- cells and sources ----------------------------------------------------------------------------------------


def test_parse_cells__keeps_each_cell_source_and_order() -> None:
    row2, row3 = CELL.at(row=2), CELL.at(row=3)
    parsed = parse_cells([("B1", row2), (None, row3), (42, row3), ("C1...C2", row2)])
    assert [(unit.serial, unit.source) for unit in parsed.units] == [
        ("B1", row2), ("00042", row3), ("C1", row2), ("C2", row2)]


def test_parse_cells__issues_name_their_cell() -> None:
    row2, row3 = CELL.at(row=2), CELL.at(row=3)
    parsed = parse_cells([(1.5, row2), ("\u0410", row3)])
    assert [(issue.code, issue.source) for issue in parsed.issues] == [
        ("serial-excel-fraction", row2), ("serial-bad-character", row3)]


def test_parse_cells__qty_bounds_each_span() -> None:
    parsed = parse_cells([("1...6", CELL), ("7...12", CELL)], expected_qty=6)
    assert len(parsed.units) == 12
    assert parsed.issues == []


def test_parse_cell__list_of_values_shares_the_source() -> None:
    parsed = parse_cell(["A1", 42, None, "B1;B2"], CELL)
    assert parsed.serials == ["A1", "00042", "B1", "B2"]
    assert {unit.source for unit in parsed.units} == {CELL}


def test_parse_cell__no_source() -> None:
    parsed = parse_cell("A1, A1", None)
    assert parsed.units[0].source is None
    assert parsed.issues[0].source is None


@pytest.mark.parametrize(
    ("text", "said"),
    [case("stray_trailing_dot", "ZA205DQF.", "ends with '.'"), case("stray_trailing_dots", "ZA205DQF..", "ends with '.'"),
     case("percent_inside", "ZKL%6CFA", "contains '%'"), case("leading_minus", "-5X", "starts with '-'"),
     case("formula_like", "=1+2", "contains '='"), case("percent_in_span", "A%1...A%2", "contains '%'")],
)
def test_shape__punctuation_slips_rejected(text: str, said: str) -> None:
    parsed = parse_cell(text, CELL)
    assert parsed.serials == []
    assert parsed.issues and {i.code for i in parsed.issues} == {"serial-bad-character"}
    assert said in parsed.issues[0].message and parsed.issues[0].source == CELL
