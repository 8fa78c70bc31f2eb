"""Serials the service writes or checks rather than reads: next-serial generation, item patterns, Luhn.

- :func:`generate_serials` counts up the numeric tail of an item's ``next_serial`` keeping prefix, suffix and
  width (SPEC "Next serial"). When the number outgrows its width (``SN999`` + 1) the width grows (``SN1000``):
  SPEC only says the width is kept, and wrapping to ``SN000`` would collide with the first serials issued.
  Purely numeric serials are padded like entered ones (``42`` -> ``00042``). A generated serial that already
  exists is reported (``serial-generated-collision``), never silently skipped: skipping would hand out serials
  the clerk did not expect.
- :func:`check_serial_rules` applies an item's serial pattern (``re.fullmatch`` against the normalised,
  by default upper-case, serial; write patterns accordingly) and, for IMEI-style items, the Luhn check digit.

Imports only the standard library, ``serialtrack.records`` and ``serials``.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence

from serialtrack.ingest.serials import (
    DEFAULT_POLICY,
    SerialPolicy,
    SerialUnit,
    is_plain,
    normalize_serial,
    split_tail,
)
from serialtrack.records import Issue, Source

_MAX_NEXT_DIGITS = 40


def generate_serials(
    next_serial: str,
    count: int,
    *,
    existing: Collection[str] = (),
    policy: SerialPolicy = DEFAULT_POLICY,
    source: Source | None = None,
) -> tuple[list[str], str, list[Issue]]:
    """``count`` serials from ``next_serial`` on, the item's new ``next_serial``, and Issues.

    ``existing`` holds the item's serials already known (normalised); each generated serial found there is a
    ``serial-generated-collision`` and is still returned. A ``next_serial`` without a numeric tail, or a count
    over ``policy.max_expansion``, returns no serials, the value unchanged and an Issue. ``source`` is the cell
    the Issues point at (the line's serial or quantity cell). A negative count is a defect (ValueError).
    """
    if count < 0:
        raise ValueError(f"count must be >= 0, got {count}")
    current = normalize_serial(next_serial, policy)
    parts = split_tail(current) if is_plain(current) else None
    if parts is None or len(parts[1]) > _MAX_NEXT_DIGITS:
        return [], next_serial, [Issue("serial-next-invalid", f"the item's next serial {next_serial!r} has no number "
                                       f"to count up (or one of more than {_MAX_NEXT_DIGITS} digits), so no serials can be "
                                       "generated; correct the item's next serial or enter the serials", source)]
    if count > policy.max_expansion:
        return [], current, [Issue("serial-expansion-limit", f"generating {count:,} serials is more than the limit "
                                   f"of {policy.max_expansion:,}; split the line or raise the limit in the "
                                   "configuration", source)]
    prefix, digits, suffix = parts
    template = prefix.replace("%", "%%") + f"%0{len(digits)}d" + suffix.replace("%", "%%")
    first = int(digits)
    serials = [template % number for number in range(first, first + count)]
    known = existing if isinstance(existing, set | frozenset | dict) else set(existing)
    issues = [
        Issue("serial-generated-collision", f"generated serial {serial} (from the item's next serial {current}) "
              "already exists for this item; set the item's next serial past the serials in use, or enter the "
              "serials on the line", source)
        for serial in serials if serial in known
    ]
    return serials, template % (first + count), issues


def luhn_valid(digits: str) -> bool:
    """True when ``digits`` (ASCII digits only, at least two) ends in a correct Luhn check digit (IMEI, cards)."""
    if len(digits) < 2 or not (digits.isascii() and digits.isdigit()):
        return False
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = ord(char) - 48
        if position % 2:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return total % 10 == 0


def check_serial_rules(units: Sequence[SerialUnit], *, pattern: str | None, luhn: bool) -> list[Issue]:
    """Issues for units that do not match the item's ``pattern`` (full match) or fail the Luhn check.

    An invalid pattern is itself one ``serial-pattern-invalid`` Issue (it comes from item master data).
    """
    issues: list[Issue] = []
    compiled: re.Pattern[str] | None = None
    if pattern:
        try:
            compiled = re.compile(pattern)
        except re.error as error:
            return [Issue("serial-pattern-invalid", f"the item's serial pattern {pattern!r} is not a valid regular "
                          f"expression ({error}); correct it in the item list")]
    for unit in units:
        if compiled is not None and compiled.fullmatch(unit.serial) is None:
            issues.append(Issue("serial-pattern-mismatch", f"serial {unit.serial} does not match this item's serial "
                                f"pattern {pattern}; check the serial and the item", unit.source))
        if luhn and not luhn_valid(unit.serial):
            issues.append(Issue("serial-check-digit", f"serial {unit.serial} fails its check digit (Luhn): a digit is "
                                "mistyped or misread; compare it with the label on the unit", unit.source))
    return issues


_DIGIT_ATOM_RE = re.compile(r"(?:\\d|\[0-9\]|[0-9])(?:\{(\d+)\})?")


def pattern_width(pattern: str | None) -> int | None:
    """The length of every match of ``pattern`` when it is made only of digit atoms with fixed counts.

    ``\\d{8}``, ``^[0-9]{15}$``, ``\\d\\d\\d\\d\\d\\d``, ``9\\d{7}`` (anchors allowed); None for anything else.
    """
    if not pattern:
        return None
    body = pattern.removeprefix("^").removeprefix(r"\A").removesuffix("$").removesuffix(r"\Z")
    width, at = 0, 0
    while at < len(body):
        atom = _DIGIT_ATOM_RE.match(body, at)
        if atom is None:
            return None
        width += int(atom.group(1) or 1)
        at = atom.end()
    return width or None


def serial_width(next_serial: str | None, pattern: str | None, policy: SerialPolicy = DEFAULT_POLICY) -> int | None:
    """How many digits this item's purely numeric serials have (for lost leading zeros), or None.

    From a purely numeric ``next_serial`` (padded, so ``42`` gives 5), else from a pattern of fixed-count digit
    atoms (:func:`pattern_width`: ``\\d{8}``, ``^[0-9]{15}$``).
    """
    if next_serial is not None:
        serial = normalize_serial(next_serial, policy)
        if serial.isdigit() and serial.isascii():
            return len(serial)
    return pattern_width(pattern)
