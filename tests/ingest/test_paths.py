"""ingest.paths: what is refused before a byte of a dropped file is read."""

from __future__ import annotations

import os
from pathlib import Path

from serialtrack.ingest.paths import MAX_NAME_BYTES, name_problem, path_problem, shown_name


def test_path_problem__regular_file_is_fine(tmp_path: Path) -> None:
    f = tmp_path / "PL-1.csv"
    f.write_text("PO,Item\n")
    assert path_problem(f) is None


def test_path_problem__symlink_is_not_followed(tmp_path: Path) -> None:
    target = tmp_path / "real.csv"
    target.write_text("PO,Item\n")
    link = tmp_path / "link.csv"
    link.symlink_to(target)
    problem = path_problem(link)
    assert problem is not None and problem[0] == "file-symlink"


def test_path_problem__fifo_is_refused_without_blocking(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.csv"
    os.mkfifo(fifo)
    problem = path_problem(fifo)
    assert problem is not None and problem[0] == "file-not-regular"


def test_path_problem__folder_and_missing(tmp_path: Path) -> None:
    (tmp_path / "x.xlsx").mkdir()
    assert path_problem(tmp_path / "x.xlsx") == ("file-is-folder", "this is a folder named like a file, not a file")
    problem = path_problem(tmp_path / "gone.xlsx")
    assert problem is not None and problem[0] == "file-missing"


def test_name_problem__trick_characters_named() -> None:
    reason = name_problem("PL\u202efdp.xlsx")
    assert reason is not None and "U+202E" in reason
    assert shown_name("PL\u202efdp.xlsx") == "PL<U+202E>fdp.xlsx"


def test_name_problem__backslash_and_length() -> None:
    assert name_problem("a\\b.xlsx") is not None
    assert shown_name("a\\b.xlsx") == "a_b.xlsx"
    long_name = "x" * (MAX_NAME_BYTES + 1) + ".csv"
    assert name_problem(long_name) is not None
    assert len(shown_name(long_name).encode()) <= MAX_NAME_BYTES
    assert name_problem("PL-0425.xlsx") is None
