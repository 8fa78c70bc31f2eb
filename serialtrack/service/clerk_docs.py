"""The column tables of ``docs/clerks.md`` and the README, generated from the kinds' field lists.

The tables sit between markers (``<!-- columns:start -->`` ... ``<!-- columns:end -->`` in the clerks' guide,
``<!-- kinds:start -->`` ... ``<!-- kinds:end -->`` in the README) and are written from
``kinds.columns.kind_columns``, the same table the templates use, so a column or alias added in the code
shows in the docs the next time they are generated. ``tests/service/test_clerk_docs.py`` fails when the
files drift from the code.

    python -m serialtrack.service.clerk_docs --write    # rewrite the tables in place
    python -m serialtrack.service.clerk_docs --check    # exit 1 when they differ from the code
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from serialtrack.kinds.columns import kind_columns
from serialtrack.kinds.registry import KINDS

#: The repository (docs are edited in a checkout, not in an installed package).
ROOT = Path(__file__).resolve().parents[2]
REGENERATE = "python -m serialtrack.service.clerk_docs --write"


def _code(text: str) -> str:
    return f"`{text}`" if "`" not in text else f"`` {text} ``"


def columns_markdown() -> str:
    """For each kind: its subfolder, then a table of its columns (the template's heading, required or not,
    the other headings accepted, what to write)."""
    parts: list[str] = []
    for name, kind in KINDS.items():
        required = [c.heading for c in kind_columns(kind.fields) if c.required]
        parts.append(f"### {name}\n\nDrop into `inbox/{name}/`"
                     + (" (master data: never guessed from a file in `inbox/` itself)" if kind.fields.master_data
                        else "") + f".\nRequired on every row: {', '.join(_code(h) for h in required)}.\n")
        rows = ["| column | required | also accepted as | what to write |", "|---|---|---|---|"]
        for c in kind_columns(kind.fields):
            also = ", ".join(_code(a) for a in c.aliases) or "-"
            rows.append(f"| {_code(c.heading)} | {'**yes**' if c.required else ''} | {also} | "
                        f"{c.hint.replace('|', '/')} |")
        parts.append("\n".join(rows) + "\n")
    return "\n".join(parts)


def kinds_markdown() -> str:
    """The README's table: each kind and its fields, ``*`` marking the required ones."""
    rows = ["| kind | columns (* required) |", "|---|---|"]
    for name, kind in KINDS.items():
        fields = ", ".join(c.field + ("*" if c.required else "") for c in kind_columns(kind.fields))
        rows.append(f"| {name} | {fields} |")
    return "\n".join(rows) + "\n"


#: (file relative to the repository, marker name, generator)
SECTIONS = (("docs/clerks.md", "columns", columns_markdown), ("README.md", "kinds", kinds_markdown))


def replace_section(text: str, marker: str, body: str) -> str:
    """``text`` with what lies between ``<!-- marker:start -->`` and ``<!-- marker:end -->`` replaced by
    ``body``; ValueError when the markers are missing."""
    start, end = f"<!-- {marker}:start -->", f"<!-- {marker}:end -->"
    head, found, rest = text.partition(start)
    _, found_end, tail = rest.partition(end)
    if not found or not found_end:
        raise ValueError(f"the markers {start} and {end} are missing")
    return f"{head}{start}\n{body}{end}{tail}"


def drifted(root: Path = ROOT) -> list[str]:
    """The files whose generated sections differ from the code."""
    stale = []
    for relative, marker, generate in SECTIONS:
        text = (root / relative).read_text(encoding="utf-8")
        if replace_section(text, marker, generate()) != text:
            stale.append(relative)
    return stale


def write(root: Path = ROOT) -> list[str]:
    """Regenerate every section in place; returns the files changed."""
    changed = []
    for relative, marker, generate in SECTIONS:
        path = root / relative
        text = path.read_text(encoding="utf-8")
        new = replace_section(text, marker, generate())
        if new != text:
            path.write_text(new, encoding="utf-8")
            changed.append(relative)
    return changed


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m serialtrack.service.clerk_docs", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    group = parser.add_mutually_exclusive_group(required=True)
    group.add_argument("--write", action="store_true", help="rewrite the generated tables in place")
    group.add_argument("--check", action="store_true", help="exit 1 when the tables differ from the code")
    args = parser.parse_args(argv)
    if args.write:
        for relative in write():
            print(f"rewrote {relative}")
        return 0
    stale = drifted()
    for relative in stale:
        print(f"{relative} differs from the code: run {REGENERATE}", file=sys.stderr)
    return 1 if stale else 0


if __name__ == "__main__":
    sys.exit(main())
