"""Every read limit is a setting: serialtrack.toml reaches the reader."""

from __future__ import annotations

from pathlib import Path

from support.books import workbook

from serialtrack.service.context import open_context
from serialtrack.service.home import Home


def test_limits__toml_reaches_the_reader(home: Path) -> None:
    (home / "serialtrack.toml").write_text("[limits]\nmax_parts = 7\nmax_cells = 1234\nsparse_floor_cells = 99\n"
                                           "max_cells_per_value = 3\nmax_file_mb = 2\n", encoding="utf-8")
    ctx = open_context(Home(home))
    try:
        limits = ctx.limits
    finally:
        ctx.close()
    assert (limits.max_parts, limits.max_cells, limits.sparse_floor_cells, limits.max_cells_per_value) == (
        7, 1234, 99, 3)
    assert limits.max_bytes == 2 * 1024 * 1024


def test_limits__small_max_cells_refuses_a_wide_sheet(cli, home: Path, tmp_path: Path) -> None:
    (home / "serialtrack.toml").write_text("[limits]\nmax_cells = 20\n", encoding="utf-8")
    book = workbook(tmp_path / "wide.xlsx", ["Item Code", "Description", "Serialized"],
                    [[f"I{n}", "x", "N"] for n in range(10)])
    [out] = cli.ingest(book, kind="items", expect=1)
    assert out["status"] == "rejected" and out["errors"], out
    [error] = out["errors"]
    assert (error["code"], error["cell"]) == ("too-many-cells", None)
    assert "sheet Sheet1 reaches cell C11" in error["message"] and "limit of 20 cells" in error["message"]
