"""Serial syntax (SPEC "Serial syntax"): cell values -> normalised serial units, or Issues naming the cell.

Every kind reads its serials through :func:`parse_cells`. Decisions where SPEC is silent:

- separators ``,`` ``;`` LF CR CRLF tab, and the full-width / small forms NFKC folds into ``,`` ``;``. A hyphen is
  never a range, nor is a space: a serial with an inner space is ``serial-bad-character``;
- spans ``A...B`` / ``A…B``, spaces around the mark allowed; ``A..B`` is ``serial-span-malformed``. The ends
  share a prefix and any suffix after the numeric tail (``SN01A...SN09A``). Zero-padded ends keep their width
  and must have the same width; ends without leading zeros may differ (``98...102``). A span's size is checked
  against the line's quantity and ``SerialPolicy.max_expansion`` *before* expanding, so no input makes this
  module allocate past the cap;
- normalising (:func:`normalize_serial`): drop non-breaking and zero-width spaces, NFKC, upper-case, strip,
  left-pad purely numeric serials to ``pad_width``. What is then not printable ASCII (``!``..``~``) is rejected
  with its code point named, never kept;
- Excel damage (a fraction, more than 15 digits held as a number, ``1.34594E+11`` text, a date or time) is
  rejected with a message that says to format the column as Text; nothing is guessed;
- a purely numeric serial shorter than the item's width (``serial_gen.serial_width``) is ``serial-lost-leading-zeros``;
- a serial entered twice in one call is ``serial-duplicate``; ``units`` still lists it twice, so counts stay
  honest.

Generation from ``next_serial``, per-item patterns and the Luhn check live in ``serial_gen``.
Imports only the standard library and ``serialtrack.records``.
"""

from __future__ import annotations

import datetime as dt
import math
import numbers
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from itertools import compress, repeat

from serialtrack.records import CellValue, Issue, Source, plural

SPAN_MARK = "..."
#: Characters NFKC folds into a separator; they separate like the ASCII ones (0x37E is the Greek question mark).
COMPAT_SEPARATORS = "\u037e\ufe10\ufe14\ufe50\ufe54\uff0c\uff1b"
_SPLIT_RE = re.compile("[,;\t\r\n" + COMPAT_SEPARATORS + "]")
#: Non-breaking spaces (NFKC would turn them into plain spaces) and zero-width characters: dropped everywhere.
_INVISIBLE = dict.fromkeys(map(ord, "\u00a0\u2007\u202f\u200b\u200c\u200d\u2060\ufeff"))
#: Excel's scientific display of a number: one digit, optional fraction (``.`` or ``,``), signed exponent.
_SCIENTIFIC_RE = re.compile(r"[+-]?\d(?:[.,]\d+)?E[+-]\d{1,3}", re.IGNORECASE)
_DIGITS = frozenset("0123456789")
_MAX_SPAN_DIGITS = 40
_EXCEL_DIGITS = 15
_AS_TEXT = "format the serial column as Text and type or paste the serials again."


@dataclass(frozen=True, slots=True)
class SerialPolicy:
    upper_case: bool = True  # SPEC: upper-case letters (configurable)
    pad_width: int = 5  # purely numeric serials shorter than this are left-padded with zeros
    max_expansion: int = 1_000_000  # hard cap on units one call may produce (spans + lists together)


@dataclass(frozen=True, slots=True)
class SerialUnit:
    serial: str  # normalised serial
    entry: str  # the entry it came from, stripped: "1000...1009", "SN0042"; a number cell's digits
    source: Source | None  # the cell it came from


@dataclass(frozen=True, slots=True)
class ParsedSerials:
    units: list[SerialUnit]
    issues: list[Issue]

    @property
    def serials(self) -> list[str]:
        return [unit.serial for unit in self.units]


DEFAULT_POLICY = SerialPolicy()


def _fold(text: str, upper_case: bool) -> str:
    """Everything :func:`normalize_serial` does but the padding; a fixed point of itself."""
    if text.isascii():
        text = text.strip()
        return text.upper() if upper_case else text
    for _ in range(8):  # upper() can undo NFKC for a few letters; one more pass settles them
        folded = unicodedata.normalize("NFKC", text.translate(_INVISIBLE))
        if upper_case:
            folded = folded.upper()
        folded = folded.strip()
        if folded == text:
            break
        text = folded
    return text


def _pad(serial: str, pad_width: int) -> str:
    if len(serial) < pad_width and serial.isdigit() and serial.isascii():
        return serial.zfill(pad_width)
    return serial


def normalize_serial(text: str, policy: SerialPolicy = DEFAULT_POLICY) -> str:
    """The serial as stored: invisible spaces dropped, NFKC, upper-cased, stripped, numeric ones padded.

    Idempotent. It does not validate: :func:`parse_cells` rejects what is still not printable ASCII.
    """
    return _pad(_fold(text, policy.upper_case), policy.pad_width)


def is_plain(serial: str) -> bool:
    """Printable ASCII without spaces or separators: what a stored serial may hold."""
    return serial.isascii() and serial.isprintable() and " " not in serial and "," not in serial and ";" not in serial


def _shown(serial: str) -> str:
    """The serial with invisible and control characters written as code points, so a message shows them."""
    return "".join(c if c.isprintable() else f"<U+{ord(c):04X}>" for c in serial)


def split_tail(serial: str) -> tuple[str, str, str] | None:
    """``SN0100A`` -> (``SN``, ``0100``, ``A``): prefix, last run of ASCII digits, suffix; None without digits."""
    end = len(serial)
    while end and serial[end - 1] not in _DIGITS:
        end -= 1
    start = end
    while start and serial[start - 1] in _DIGITS:
        start -= 1
    if start == end:
        return None
    return serial[:start], serial[start:end], serial[end:]


def _maybe_scientific(text: str) -> bool:
    return "E+" in text or "E-" in text or "e+" in text or "e-" in text


def _two_dot_span(serial: str) -> bool:
    """``1000..1009``: a span typed with two dots, reported rather than kept as one odd serial."""
    left, mark, right = serial.partition("..")
    return bool(mark and left and right) and left[-1] != "." and right[0] != "."


def _excel_number_text(value: float) -> str:
    """A number as Excel would show it: 15 significant digits, scientific when long."""
    if isinstance(value, int) and value.bit_length() > 1000:
        return "with more than 300 digits"
    return f"{float(value):.15G}"


def _single_plain(text: str, upper_case: bool, min_digits: int) -> tuple[str, str] | None:
    """(serial, entry) when ``text`` is one plain serial needing no padding: the commonest cell, kept cheap."""
    if not (text.isascii() and text.isprintable()):
        return None
    raw = text.strip()
    serial = raw
    if upper_case:
        upper = raw.upper()
        serial = raw if upper == raw else upper  # one string for serial and entry when the cell is upper-case
    if (serial and " " not in serial and "," not in serial and ";" not in serial and ".." not in serial
            and not _maybe_scientific(serial) and (len(serial) >= min_digits or not serial.isdigit())):
        return serial, raw
    return None


class _Parser:
    """One call's state: units so far, issues, serials seen (for duplicates), and whether the cap was hit."""

    __slots__ = ("policy", "expected_qty", "width", "min_digits", "units", "issues", "seen", "stopped")

    def __init__(self, policy: SerialPolicy, expected_qty: int | None, width: int | None) -> None:
        self.policy = policy
        self.expected_qty = expected_qty
        self.width = width if width and width > policy.pad_width else 0  # 0: nothing to check
        self.min_digits = max(policy.pad_width, self.width)  # shorter numbers are padded, or lost zeros
        self.units: list[SerialUnit] = []
        self.issues: list[Issue] = []
        self.seen: dict[str, str] = {}
        self.stopped = False

    def issue(self, code: str, message: str, source: Source | None) -> None:
        self.issues.append(Issue(code, message, source))

    def cell(self, value: CellValue, source: Source | None) -> None:
        if self.stopped or value is None:
            return
        if isinstance(value, str):
            self.text(value, source)
            return
        digits = self.number(value, source)
        if digits is not None:
            self.entry(digits, source)

    def number(self, value: object, source: Source | None) -> str | None:
        """A number cell's serial text, or None after reporting Excel damage."""
        if isinstance(value, numbers.Integral) and not isinstance(value, bool | int):  # numpy integers
            value = int(value)
        if isinstance(value, bool) or not isinstance(value, int | float):
            if isinstance(value, dt.date | dt.time | dt.timedelta):
                if isinstance(value, dt.datetime) and value.time() == dt.time():
                    value = value.date()
                self.issue("serial-excel-date", f"Excel turned this serial into the date or time {value}; "
                           f"{_AS_TEXT}", source)
            else:
                self.issue("serial-bad-value", f"This serial cell holds {value!r} ({type(value).__name__}), "
                           f"not a serial; {_AS_TEXT}", source)
            return None
        if isinstance(value, float) and not math.isfinite(value):
            self.issue("serial-bad-value", f"This serial cell holds the number {value}, not a serial; {_AS_TEXT}",
                       source)
            return None
        if abs(value) >= 10**_EXCEL_DIGITS:
            self.issue("serial-excel-precision", f"Excel turned this serial into the number "
                       f"{_excel_number_text(value)}, longer than the 15 digits Excel keeps, so its last digits "
                       f"are lost; {_AS_TEXT}", source)
            return None
        if isinstance(value, float) and not value.is_integer():
            self.issue("serial-excel-fraction", f"Excel holds this serial as the number {value!r}, with a "
                       f"fraction, so Excel converted it; {_AS_TEXT}", source)
            return None
        return str(int(value))

    def text(self, text: str, source: Source | None) -> None:
        single = _single_plain(text, self.policy.upper_case, self.min_digits)
        if single is not None and single[0] not in self.seen and len(self.units) < self.policy.max_expansion:
            self.seen[single[0]] = single[1]
            self.units.append(SerialUnit(single[0], single[1], source))
            return
        if text.isascii():
            for sep in ";\t\r\n":
                if sep in text:
                    text = text.replace(sep, ",")
            folded = text.upper() if self.policy.upper_case else text
            if folded.isprintable() and ".." not in folded and not _maybe_scientific(folded):
                self.plain(text, folded, source)  # the fast path: no span, control character or E+nn here
                return
            pieces = text.split(",")
        else:
            pieces = _SPLIT_RE.split(text)
        whole = text.strip()
        if len(whole) <= 24 and _SCIENTIFIC_RE.fullmatch(whole):  # before the comma of 1,34594E+11 splits it
            self.scientific(whole, source)
            return
        for piece in pieces:
            raw = piece.strip()
            if raw:
                self.entry(raw, source)
                if self.stopped:
                    return

    def plain(self, text: str, folded: str, source: Source | None) -> None:
        """Printable ASCII without spans or ``E+``: blanks, inner spaces and short numbers need a second look."""
        serials = list(map(str.strip, folded.split(",")))
        raws = serials if folded == text else list(map(str.strip, text.split(",")))
        if "" in serials:
            keep = list(map(bool, serials))
            serials, raws = list(compress(serials, keep)), list(compress(raws, keep))
        numbers = list(filter(str.isdigit, serials))
        if " " in ",".join(serials) or numbers and min(map(len, numbers)) < self.min_digits:
            for raw, serial in zip(raws, serials, strict=True):
                self.plain_serial(raw, serial, source)
                if self.stopped:
                    return
            return
        self.add_many(serials, raws, source)

    def plain_serial(self, raw: str, serial: str, source: Source | None) -> None:
        if " " in serial or serial.isdigit() and len(serial) < self.min_digits:
            self.entry(raw, source)
        elif serial:
            self.add(serial, raw, source)

    def add_many(self, serials: list[str], raws: Iterable[str], source: Source | None) -> None:
        """``add`` for each, in C loops when the batch is under the cap and holds no duplicate."""
        seen = self.seen
        fresh = dict(zip(serials, raws, strict=False))
        if (len(fresh) == len(serials) and len(self.units) + len(serials) <= self.policy.max_expansion
                and seen.keys().isdisjoint(fresh)):
            seen.update(fresh)
            self.units.extend(map(SerialUnit, serials, fresh.values(), repeat(source)))
            return
        for serial, raw in zip(serials, raws, strict=False):
            self.add(serial, raw, source)
            if self.stopped:
                return

    def scientific(self, shown: str, source: Source | None) -> None:
        self.issue("serial-excel-scientific", f"Excel turned this serial into the number {shown} and lost "
                   f"digits; {_AS_TEXT}", source)

    def entry(self, raw: str, source: Source | None) -> None:
        serial = _fold(raw, self.policy.upper_case)
        if not serial:
            return
        if SPAN_MARK in serial or _two_dot_span(serial):
            self.span(serial, raw, source)
            return
        if not is_plain(serial):
            self.bad_characters(serial, source)
            return
        if _maybe_scientific(serial) and _SCIENTIFIC_RE.fullmatch(serial):
            self.scientific(raw, source)
            return
        if serial.isdigit():
            if self.width and len(serial) < self.width:
                self.lost_zeros(serial, raw, source)
                return
            serial = _pad(serial, self.policy.pad_width)
        self.add(serial, raw, source)

    def add(self, serial: str, raw: str, source: Source | None) -> None:
        if len(self.units) >= self.policy.max_expansion:
            self.limit(raw, len(self.units) + 1, source)
            return
        seen = self.seen
        if serial in seen:
            self.duplicate(serial, seen[serial], raw, source)
        else:
            seen[serial] = raw
        self.units.append(SerialUnit(serial, raw, source))

    def span(self, folded: str, raw: str, source: Source | None) -> None:
        left, mark, right = folded.partition(SPAN_MARK)
        left, right = left.strip(), right.strip()
        if not mark or not left or not right or right.startswith(".") or SPAN_MARK in right:
            self.issue("serial-span-malformed", f"span {raw} needs a first and a last serial around three dots "
                       "'...', like SN0100...SN0109", source)
            return
        for end in (left, right):
            if not is_plain(end):
                self.bad_characters(end, source)
                return
        first, last = split_tail(left), split_tail(right)
        if first is None or last is None or max(len(first[1]), len(last[1])) > _MAX_SPAN_DIGITS:
            self.issue("serial-span-malformed", f"span {raw}: both ends must end in a number (up to "
                       f"{_MAX_SPAN_DIGITS} digits), like SN0100...SN0109", source)
            return
        (prefix, start, suffix), (prefix2, stop, suffix2) = first, last
        if prefix != prefix2 or suffix != suffix2:
            self.issue("serial-span-prefix-mismatch", f"span {raw}: the ends differ outside their numbers "
                       f"({prefix}…{suffix} and {prefix2}…{suffix2}); a span may only count up the digits", source)
            return
        numeric, pad = not prefix and not suffix, self.policy.pad_width
        # 98...102 or 0...10: no leading zeros, so no width to keep
        natural = not (len(start) > 1 and start[0] == "0") and not (len(stop) > 1 and stop[0] == "0")
        if not natural and len(start) != len(stop) and not (numeric and max(len(start), len(stop)) <= pad):
            self.issue("serial-span-width-mismatch", f"span {raw}: the ends have {len(start)} and {len(stop)} "
                       "digits; write both ends with the same number of digits", source)
            return
        if numeric and not natural:  # 0042...00050 is 00042...00050, as each end alone would be
            start, stop = _pad(start, pad), _pad(stop, pad)
        fixed = len(start) == len(stop)
        low, high = int(start), int(stop)
        if low > high:
            self.issue("serial-span-backwards", f"span {raw} runs backwards; write the lower serial first "
                       f"({prefix}{stop}{suffix}...{prefix}{start}{suffix})", source)
            return
        digits = len(start) if fixed else 0
        if numeric:
            digits = max(digits, self.policy.pad_width)
        self.expand(prefix, suffix, low, high, digits, raw, source)

    def expand(self, prefix: str, suffix: str, low: int, high: int, digits: int, raw: str,
               source: Source | None) -> None:
        size = high - low + 1
        if self.expected_qty is not None and size > self.expected_qty:
            self.issue("serial-span-exceeds-qty", f"span {raw} holds {plural(size, 'serial')} but the line's quantity "
                       f"is {self.expected_qty:,}; check the span's ends (nothing was expanded)", source)
            return
        if prefix == "" and suffix == "" and self.width and max(len(str(low)), digits) < self.width:
            self.lost_zeros(str(low), raw, source, span=True)
            return
        if len(self.units) + size > self.policy.max_expansion:
            self.limit(raw, len(self.units) + size, source)
            return
        template = prefix.replace("%", "%%") + (f"%0{digits}d" if digits else "%d") + suffix.replace("%", "%%")
        self.add_many(list(map(template.__mod__, range(low, high + 1))), repeat(raw), source)

    def bad_characters(self, serial: str, source: Source | None) -> None:
        bad = dict.fromkeys(c for c in serial if not is_plain(c))
        named = ", ".join(f"U+{ord(c):04X} {unicodedata.name(c, '<' + unicodedata.category(c) + '>')}"
                          for c in list(bad)[:3]) + (" and others" if len(bad) > 3 else "")
        hint = ("separate serials with commas, semicolons, tabs or new lines, never spaces" if set(bad) <= {" "} else
                "retype it with plain letters and digits (look-alike letters and pasted control characters are not "
                "accepted)")
        self.issue("serial-bad-character", f"serial {_shown(serial)} contains {named}; {hint}", source)

    def lost_zeros(self, digits: str, raw: str, source: Source | None, *, span: bool = False) -> None:
        width = self.width
        what = f"span {raw} starts with a serial of" if span else f"serial {raw} has"
        self.issue("serial-lost-leading-zeros", f"{what} {plural(len(digits), 'digit')} but this item's serials have {width}; "
                   "Excel drops leading zeros from numbers: format the serial column as Text and type or paste "
                   f"the serials again in full (e.g. {digits.zfill(width)}).", source)

    def duplicate(self, serial: str, first: str, raw: str, source: Source | None) -> None:
        where = f"in {first} and again in {raw}" if first != raw else "twice"
        self.issue("serial-duplicate", f"serial {serial} is entered {where} on this line; each serial may "
                   "appear once", source)

    def limit(self, raw: str, total: int, source: Source | None) -> None:
        self.issue("serial-expansion-limit", f"{raw} would bring this line to {total:,} serials, more than the "
                   f"limit of {self.policy.max_expansion:,}; nothing more was read from this line (split it, or "
                   "raise the limit in the configuration)", source)
        self.stopped = True


def plain_unit(text: str, source: Source | None, *, policy: SerialPolicy = DEFAULT_POLICY,
               width: int | None = None) -> SerialUnit | None:
    """The one unit of a text cell holding one plain serial (the commonest cell: one scanned serial per row),
    exactly as :func:`parse_cells` would give it; None when the cell needs the full parser. Skips the parser's
    set-up, so a sheet of 100k one-serial rows is read without it."""
    if not policy.max_expansion:
        return None
    single = _single_plain(text, policy.upper_case, max(policy.pad_width, width or 0))
    if single is not None and (single[0].isalnum() or _SHAPE.fullmatch(single[0])):  # ASCII letters and digits fit
        return SerialUnit(single[0], single[1], source)
    return None


def parse_cells(
    values: Iterable[tuple[CellValue, Source | None]],
    *,
    policy: SerialPolicy = DEFAULT_POLICY,
    expected_qty: int | None = None,
    width: int | None = None,
) -> ParsedSerials:
    """The serials of one line's cells, in order, each with its entry and cell; problems as Issues.

    ``expected_qty`` (the line's quantity) bounds each span before it is expanded; ``policy.max_expansion``
    bounds the units of the whole call; ``width`` (from ``serial_gen.serial_width``) catches lost leading zeros.
    """
    if isinstance(values, list) and len(values) == 1 and isinstance(values[0][0], str):
        unit = plain_unit(values[0][0], values[0][1], policy=policy, width=width)
        if unit is not None:
            return ParsedSerials([unit], [])
    parser = _Parser(policy, expected_qty, width)
    for value, source in values:
        parser.cell(value, source)
        if parser.stopped:
            break
    return _refuse_odd_shapes(parser.units, parser.issues)


#: What a serial may look like once normalised: letters and digits, joined by ``- _ . / : # +``, starting and
#: ending with a letter or digit. A stray ``.`` at the end or a ``%`` inside is a typing or scanner slip.
_SHAPE = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9._/:#+-]*[A-Za-z0-9])?")


def _refuse_odd_shapes(units: list[SerialUnit], issues: list[Issue]) -> ParsedSerials:
    match = _SHAPE.fullmatch
    if all(match(unit.serial) for unit in units):
        return ParsedSerials(units, issues)
    kept = []
    for unit in units:
        if match(unit.serial):
            kept.append(unit)
            continue
        serial = unit.serial
        odd = dict.fromkeys(c for c in serial if not c.isalnum() and c not in "._/:#+-")
        if odd:
            what = "contains " + ", ".join(repr(c) for c in odd)
        else:
            what = f"{'ends' if serial[-1] in '._/:#+-' else 'starts'} with {serial[-1] if serial[-1] in '._/:#+-' else serial[0]!r}"
        issues.append(Issue("serial-bad-character", f"serial {serial} {what}; a serial is letters and digits, "
                            "joined only by - _ . / : # + (check it for a typing or scanner slip)", unit.source))
    return ParsedSerials(kept, issues)


def parse_cell(
    value: CellValue | list[CellValue] | tuple[CellValue, ...],
    source: Source | None,
    *,
    policy: SerialPolicy = DEFAULT_POLICY,
    expected_qty: int | None = None,
    width: int | None = None,
) -> ParsedSerials:
    """:func:`parse_cells` for one cell (or a list of values that share one source)."""
    values = value if isinstance(value, list | tuple) else [value]
    return parse_cells([(v, source) for v in values], policy=policy, expected_qty=expected_qty, width=width)
