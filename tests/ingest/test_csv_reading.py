"""The csv reader walks the text a megabyte at a time (issue 18: no 4-byte-a-character copy of a large file) and
must read exactly what one pass over the whole text read: the same lines, quoted fields running over several
lines joined, CR, LF and CRLF endings alike."""

from __future__ import annotations

import io
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from serialtrack.ingest.workbook import _lines, read_grids


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet='ab,"\r\n\u00e9', max_size=60), st.integers(min_value=1, max_value=9))
def test_lines__chunked_walk_gives_the_lines_of_one_pass(text: str, chunk: int) -> None:
    assert list(_lines(text, chunk=chunk)) == list(io.StringIO(text, newline=""))


def _write(path: Path, text: str, newline: str) -> Path:
    path.write_bytes(text.replace("\n", newline).encode("utf-8"))
    return path


def test_read_csv__quoted_field_over_a_chunk_edge_and_repeats_shared(tmp_path: Path) -> None:
    # Enough rows that the text runs past the first megabyte, and a quoted two-line note on the rows around it.
    head = "PO,Item,Serial,Note\n"
    body = [f"4500,CAM-1,SN{n:08d},\"line one\nline two of {n}\"\n" for n in range(40_000)]
    path = _write(tmp_path / "scan.csv", head + "".join(body), "\r\n")
    assert path.stat().st_size > 2 * (1 << 20)

    grid = read_grids(path).sheets[0]

    assert len(grid.rows) == 40_001
    assert grid.rows[0] == ("PO", "Item", "Serial", "Note")
    for n in (0, 19_999, 25_000, 39_999):
        assert grid.rows[n + 1] == ("4500", "CAM-1", f"SN{n:08d}", f"line one\r\nline two of {n}")
    # the item repeated down the column is one string, not 40,000 copies
    assert grid.rows[1][1] is grid.rows[30_000][1]


def test_read_csv__bare_cr_endings_read_as_rows(tmp_path: Path) -> None:
    path = _write(tmp_path / "old-mac.csv", "PO,Item,Serial\n4500,CAM-1,SN1\n4500,CAM-1,SN2\n", "\r")

    assert read_grids(path).sheets[0].rows == [("PO", "Item", "Serial"), ("4500", "CAM-1", "SN1"),
                                               ("4500", "CAM-1", "SN2")]
