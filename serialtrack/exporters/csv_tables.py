"""Tables as CSV files in one folder, for those who load the data elsewhere.

One UTF-8 file per table (no BOM), header first, comma-separated, RFC 4180 quoting. Values are plain:
numbers unformatted (money with its stored decimals), dates ``YYYY-MM-DD``, times ``YYYY-MM-DD HH:MM:SS``,
booleans ``TRUE``/``FALSE``, a formula as the value it was computed to. Text is :func:`neutralise`-d exactly
as in the workbooks, since a CSV is most often opened in a spreadsheet. A serial such as ``00042`` is written
as is; a spreadsheet opening the CSV may still drop its zeros (import the column as text).

The folder appears whole: files are written to a hidden temp folder beside the target, which then takes the
target's place (an older folder of the same name is replaced). A run killed meanwhile leaves the hidden
folder, named for its host and process (``publish.temp_name``), for the next start to remove.
"""

from __future__ import annotations

import csv
import datetime as dt
import os
import shutil
from collections.abc import Iterable, Iterator, Sequence
from decimal import Decimal
from pathlib import Path
from types import TracebackType

from serialtrack.exporters.publish import temp_name
from serialtrack.exporters.xlsx import Cell, Formula, Link, neutralise


def csv_text(value: Cell) -> str:
    if isinstance(value, Formula):
        value = value.cached
    if isinstance(value, Link):
        value = value.text if value.text is not None else value.target
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, int | float):
        return str(int(value)) if isinstance(value, float) and value.is_integer() else str(value)
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ", timespec="seconds")
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, dt.timedelta):
        return str(value.total_seconds())
    return neutralise(str(value))


class CsvFolder:
    """``with CsvFolder(path) as folder: rows = folder.tap("lots.csv", headers, rows)``; published on exit."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._temp = path.with_name(temp_name(path.name))
        self.files: list[Path] = []

    def __enter__(self) -> CsvFolder:
        self._temp.mkdir(parents=True)
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if exc_type is not None:
            shutil.rmtree(self._temp, ignore_errors=True)
            return
        old = self.path.with_name(temp_name(self.path.name, suffix=".old"))
        if self.path.exists():
            os.replace(self.path, old)
        os.replace(self._temp, self.path)
        shutil.rmtree(old, ignore_errors=True)

    def tap(self, name: str, headers: Sequence[str], rows: Iterable[Sequence[Cell]]) -> Iterator[Sequence[Cell]]:
        """Yield ``rows`` unchanged while writing each to ``name`` (the file is complete once they are all read)."""
        self.files.append(self.path / name)
        with open(self._temp / name, "w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(headers)
            for row in rows:
                writer.writerow([csv_text(value) for value in row])
                yield row

    def write(self, name: str, headers: Sequence[str], rows: Iterable[Sequence[Cell]]) -> Path:
        for _ in self.tap(name, headers, rows):
            pass
        return self.path / name
