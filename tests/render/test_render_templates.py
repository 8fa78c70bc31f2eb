"""The fill-in templates printed by headless LibreOffice, as a clerk would print one to fill in by hand: each
kind's data sheet prints on one page, one page wide (its first and last headings on the page), the formatted
empty rows and the hidden Lists sheet print nothing, and a template prefilled with an order's lines shows
them. The first page of each is kept as a PNG in the test's temp folder, named in failures.

Also typed into in LibreOffice itself (``lo_type.py``, through its ``uno`` bridge): a 15-digit scan in the
Serials column stays text, below the cell-formatted rows too, and posts.

Skipped, saying so, where LibreOffice, poppler or python3-uno is missing; ``.ci/run`` installs the first two.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import shutil
import subprocess
from collections import Counter
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from support.books import items_book, po_book

from serialtrack.exporters.template import FORMATTED_ROWS, write_template
from serialtrack.kinds.registry import KINDS
from serialtrack.service.templates import build_template

SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")
PDFTOPPM, PDFTOTEXT = shutil.which("pdftoppm"), shutil.which("pdftotext")
pytestmark = pytest.mark.skipif(not (SOFFICE and PDFTOPPM and PDFTOTEXT),
                                reason="LibreOffice (soffice) and poppler (pdftoppm, pdftotext) are needed")
TODAY = dt.date(2026, 11, 29)


def _run(args: list[str], timeout: int = 300) -> str:
    return subprocess.run(args, check=True, capture_output=True, text=True, timeout=timeout).stdout


@pytest.fixture(scope="module")
def printed(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """Every kind's blank template and a receiving template prefilled with two lines, printed to PDF."""
    root = tmp_path_factory.mktemp("templates")
    books = {name: write_template(root / f"{name}.xlsx", build_template(kind, engine=None, today=TODAY))
             for name, kind in KINDS.items()}
    receiving = build_template(KINDS["receiving"], engine=None, today=TODAY)  # type: ignore[index]
    rows = [["70001", "CAM-1", 3, None, "Camera", None, None, None, None, "Acme"],
            ["70001", "CBL-1", 10, None, "Cable, 3 m", None, None, None, None, "Acme"]]
    books["prefilled"] = write_template(root / "prefilled.xlsx", dataclasses.replace(receiving, rows=rows))
    assert SOFFICE and PDFTOPPM and PDFTOTEXT
    out = root / "pdf"
    _run([SOFFICE, f"-env:UserInstallation={(root / 'profile').as_uri()}", "--headless", "--norestore",
          "--convert-to", "pdf", "--outdir", str(out), *map(str, books.values())])
    shots = root / "first-pages"
    shots.mkdir()
    result = {}
    for name, book in books.items():
        pdf = out / f"{book.stem}.pdf"
        text = _run([PDFTOTEXT, "-layout", str(pdf), "-"], timeout=60)
        pages = text.split("\f")[:-1] if text.endswith("\f") else text.split("\f")
        _run([PDFTOPPM, "-png", "-r", "70", "-f", "1", "-l", "1", "-singlefile", str(pdf), str(shots / name)],
             timeout=60)
        result[name] = (pages, shots / f"{name}.png")
    return result


def _sheet(page: str, book: str) -> str:
    """The sheet a page belongs to, from its footer (``<book>  <sheet>  Page X of Y``)."""
    for line in reversed(page.splitlines()):
        if book in line and "Page" in line:
            return line.split(book, 1)[1].split("Page")[0].strip()
    return ""


@pytest.mark.parametrize("name", sorted(KINDS))
def test_render__blank_template_prints_on_one_page_one_wide(printed: Any, name: str) -> None:
    pages, png = printed[name]
    template = build_template(KINDS[name], engine=None, today=TODAY)  # type: ignore[index]
    per_sheet = Counter(_sheet(page, f"{name}.xlsx") for page in pages)
    assert per_sheet[template.title] == 1, f"{name}: the data sheet prints on {per_sheet} pages; see {png}"
    assert "List:" not in "".join(pages), f"{name}: the hidden Lists sheet printed; see {png}"
    [data] = [p for p in pages if _sheet(p, f"{name}.xlsx") == template.title]
    first, last = template.columns[0].heading, template.columns[-1].heading
    assert first in data and last in data, f"{name}: {first!r} or {last!r} is not on the page: not one page wide; {png}"


def test_render__prefilled_template_shows_its_lines(printed: Any) -> None:
    pages, png = printed["prefilled"]
    data = [p for p in pages if _sheet(p, "prefilled.xlsx") == "Receiving"]
    assert len(data) == 1, f"the prefilled receiving sheet prints on {len(data)} pages; see {png}"
    assert "CAM-1" in data[0] and "Cable, 3 m" in data[0] and "Vendor" in data[0], png


LO_TYPE = Path(__file__).with_name("lo_type.py")


def _uno_python() -> str | None:
    """A Python that has LibreOffice's ``uno`` module (LibreOffice's own, or the system's)."""
    for candidate in ("/usr/bin/python3", "/usr/lib/libreoffice/program/python"):
        if Path(candidate).exists() and subprocess.run([candidate, "-c", "import uno"], capture_output=True,
                                                       timeout=30).returncode == 0:
            return candidate
    return None


def test_render__typed_in_libreoffice_a_scanned_serial_stays_text_and_posts(cli: Any, tmp_path: Path) -> None:
    """The Text format at work in a real spreadsheet program: 15 scanned digits typed into the Serials column
    (in a formatted row, and far below, where only the column's format holds) stay text and post exactly; the
    same digits typed into a General cell become a number (the control)."""
    python = _uno_python()
    if python is None:
        pytest.skip("no Python with LibreOffice's uno module (python3-uno)")
    cli.ingest(items_book(tmp_path / "items.xlsx", [["CAM-1", "Camera", "Y", 100, None]]), kind="items", expect=0)
    cli.ingest(po_book(tmp_path / "po.xlsx", [["70001", "Acme", "Main", "CAM-1", 2, 100]]), expect=0)
    template = Path(cli.json("template", "receiving", "--po", "70001")["path"])
    typed = tmp_path / "typed.xlsx"
    far = FORMATTED_ROWS + 500
    subprocess.run([python, str(LO_TYPE), str(template), str(typed), str(tmp_path / "profile"),
                    "D2=134593568000123", f"A{far}=70001", f"B{far}=CAM-1", f"D{far}=000000000000007",
                    "C2=1", f"C{far}=1", "$'How to fill in'.C40=134593568000125"],
                   check=True, capture_output=True, timeout=300)
    book = openpyxl.load_workbook(typed)
    assert book["How to fill in"]["C40"].value == 134593568000125, "control: a General cell takes a number"
    data = book.worksheets[0]
    assert (data["D2"].value, data[f"D{far}"].value, data[f"A{far}"].value) == (
        "134593568000123", "000000000000007", "70001")
    dropped = cli.home / "inbox" / "receiving" / "typed.xlsx"
    shutil.copy(typed, dropped)
    [out] = cli.ingest(dropped)
    assert (out["status"], out["errors"]) == ("posted", []), out
    lots = cli.json("lots", "--po", "70001")
    assert sorted(s for lot in lots for s in lot["serials_remaining"]) == ["000000000000007", "134593568000123"]
