"""Properties of serial parsing that must hold for every input, checked with hypothesis."""

from __future__ import annotations

import datetime as dt
import tracemalloc

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from serialtrack.ingest.serial_gen import generate_serials
from serialtrack.ingest.serials import SerialPolicy, is_plain, normalize_serial, parse_cell, parse_cells
from serialtrack.records import CellValue, Source

CELL = Source("f.xlsx", "S", 2, 3)
FAST = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])

#: Characters a serial may hold: printable ASCII without space, separators or '+' (keeps clear of 1E+11).
SERIAL_CHARS = "".join(chr(c) for c in range(0x21, 0x7F) if chr(c) not in ",;+")
#: Serials of the accepted shape: letters and digits, joined by - _ . / : # (``+`` is left out: see above).
serial_texts = st.from_regex(r"[A-Za-z0-9]([A-Za-z0-9._/:#-]{0,10}[A-Za-z0-9])?", fullmatch=True).filter(
    lambda s: ".." not in s)
separators = st.sampled_from([",", ";", "\n", "\r", "\r\n", "\t", ", ", " ; ", "\n\n", "\uff0c"])
policies = st.builds(SerialPolicy, upper_case=st.booleans(), pad_width=st.integers(0, 8),
                     max_expansion=st.integers(1, 60))


@FAST
@given(st.lists(serial_texts, max_size=30), st.data())
def test_list__joined_then_parsed_round_trips(serials: list[str], data: st.DataObject) -> None:
    joined = ""
    for serial in serials:
        joined += serial + data.draw(separators)
    parsed = parse_cell(joined, CELL)
    assert parsed.serials == [normalize_serial(serial) for serial in serials]
    assert [issue.code for issue in parsed.issues] in ([], ["serial-duplicate"] * len(parsed.issues))
    assert parse_cell(",".join(parsed.serials), CELL).serials == parsed.serials


@st.composite
def spans(draw: st.DrawFn) -> tuple[str, str, int, int, int]:
    prefix = draw(st.sampled_from(["", "SN", "A-", "X9Y", "tg-4"]))
    suffix = draw(st.sampled_from(["", "", "A", "-B"])) if prefix else ""
    width = draw(st.integers(1, 9))
    start = draw(st.integers(0, 10**width - 1))
    stop = draw(st.integers(start, min(start + 300, 10**width - 1)))
    return prefix, suffix, width, start, stop


@FAST
@given(spans(), st.sampled_from(["...", "\u2026", " ... ", " \u2026 "]))
def test_span__expands_to_exactly_end_minus_start_plus_one(span: tuple[str, str, int, int, int], mark: str) -> None:
    prefix, suffix, width, start, stop = span
    text = f"{prefix}{start:0{width}d}{suffix}{mark}{prefix}{stop:0{width}d}{suffix}"
    parsed = parse_cell(text, CELL, expected_qty=stop - start + 1)
    assert parsed.issues == []
    assert len(parsed.units) == stop - start + 1
    expected = [normalize_serial(f"{prefix}{n:0{width}d}{suffix}") for n in range(start, stop + 1)]
    assert parsed.serials == expected
    assert {unit.entry for unit in parsed.units} == {text.strip()}
    rejoined = parse_cell("\n".join(parsed.serials), CELL)
    assert rejoined.serials == parsed.serials and rejoined.issues == []


@FAST
@given(spans())
def test_span__over_the_quantity_expands_nothing(span: tuple[str, str, int, int, int]) -> None:
    prefix, suffix, width, start, stop = span
    text = f"{prefix}{start:0{width}d}{suffix}...{prefix}{stop:0{width}d}{suffix}"
    parsed = parse_cell(text, CELL, expected_qty=stop - start)
    assert parsed.units == []
    assert [issue.code for issue in parsed.issues] == ["serial-span-exceeds-qty"]


noisy_text = st.text(st.sampled_from(list("0123456789...,;\n\u2026 AZaz-\u00a0\u0410E+")), max_size=200)


@FAST
@given(noisy_text, policies, st.none() | st.integers(0, 10**12))
def test_bounded__no_input_yields_more_units_than_the_cap(text: str, policy: SerialPolicy,
                                                          qty: int | None) -> None:
    parsed = parse_cell(text, CELL, policy=policy, expected_qty=qty)
    assert len(parsed.units) <= policy.max_expansion
    assert len(parsed.issues) <= len(text) + 1
    if qty is not None and len(parsed.units) > qty:
        assert len(parsed.units) <= len(text)  # only a list, never a span, can outrun the line's quantity


@settings(max_examples=100, deadline=None)
@given(noisy_text, st.integers(1, 60))
def test_bounded__memory_grows_with_input_and_cap_only(text: str, cap: int) -> None:
    tracemalloc.start()
    try:
        parse_cell(text * 5, CELL, policy=SerialPolicy(max_expansion=cap))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 64_000 + 1_000 * (len(text) * 5 + cap)


@FAST
@given(st.lists(noisy_text, max_size=8), policies)
def test_bounded__cap_holds_over_a_line_of_cells(texts: list[str], policy: SerialPolicy) -> None:
    parsed = parse_cells([(text, CELL.at(row=row)) for row, text in enumerate(texts, start=2)], policy=policy)
    assert len(parsed.units) <= policy.max_expansion


@FAST
@given(st.text())
def test_normalize__idempotent(text: str) -> None:
    once = normalize_serial(text)
    assert normalize_serial(once) == once


@FAST
@given(st.text(), st.booleans(), st.integers(0, 8))
def test_normalize__idempotent_under_any_policy(text: str, upper_case: bool, pad_width: int) -> None:
    policy = SerialPolicy(upper_case=upper_case, pad_width=pad_width)
    once = normalize_serial(text, policy)
    assert normalize_serial(once, policy) == once


cell_values: st.SearchStrategy[CellValue] = st.one_of(
    st.none(), st.text(), st.booleans(), st.integers(), st.floats(), st.datetimes(), st.dates(), st.times(),
    st.timedeltas(), st.text(st.sampled_from(list("0123456789.E+,…-SN \u0410")), max_size=40),
)


@FAST
@given(st.lists(cell_values, max_size=6), st.none() | st.integers(0, 10**6), st.none() | st.integers(0, 20))
def test_total__any_cells_give_plain_units_or_issues_never_an_exception(
    values: list[CellValue], qty: int | None, width: int | None
) -> None:
    parsed = parse_cells([(value, CELL) for value in values], expected_qty=qty, width=width)
    for unit in parsed.units:
        assert is_plain(unit.serial)
        assert normalize_serial(unit.serial) == unit.serial
        assert unit.source == CELL
    assert all(issue.source == CELL for issue in parsed.issues)


@FAST
@given(st.datetimes() | st.dates() | st.times())
def test_excel__every_date_or_time_is_rejected(value: dt.date | dt.time) -> None:
    parsed = parse_cell(value, CELL)
    assert parsed.units == []
    assert [issue.code for issue in parsed.issues] == ["serial-excel-date"]


@FAST
@given(st.floats(allow_nan=False, allow_infinity=False).filter(lambda f: not f.is_integer()))
def test_excel__every_fraction_is_rejected(value: float) -> None:
    codes = [issue.code for issue in parse_cell(value, CELL).issues]
    assert codes in (["serial-excel-fraction"], ["serial-excel-precision"])


@FAST
@given(st.sampled_from(["", "SN", "A-"]), st.integers(0, 10**6), st.integers(1, 7), st.integers(0, 200))
def test_generate__serials_parse_back_and_next_continues(prefix: str, start: int, width: int, count: int) -> None:
    first = f"{prefix}{start:0{width}d}"
    serials, new_next, issues = generate_serials(first, count)
    assert issues == [] and len(serials) == count == len(set(serials))
    assert parse_cell(",".join(serials), CELL).serials == serials
    more, _, _ = generate_serials(new_next, 1)
    assert more[0] not in serials
