"""A rejected file's annotated copy, fixed by the clerk and dropped again, posts the clerk's text unchanged.

The copy keeps formula-like text (``+LOT7``, ``-PL-77``) exactly, as quote-prefixed text cells; before the fix
it stored a real apostrophe, so the re-dropped copy posted ``mfr_lot = "'+LOT7"`` into the ledger.
"""

from __future__ import annotations

from pathlib import Path

import openpyxl
from receiving_helpers import Service, packing_list

HEADER = ["PO", "Item", "Qty", "Serials", "Mfr Lot", "Packing List"]


def test_receiving__annotated_copy_fixed_and_dropped_again_posts_the_clerks_text(st: Service,
                                                                                   tmp_path: Path) -> None:
    path = packing_list(tmp_path / "PL-0477.xlsx",
                        [60006, "DC-IP3VO-4", 3, "134593568, 200937842", "+LOT7", "-PL-77"], header=HEADER)
    rejected = st.ingest_one(path)
    assert rejected["status"] == "rejected", rejected
    copy_path = Path(rejected["output"])

    book = openpyxl.load_workbook(copy_path)
    ws = book["Packing List"]
    assert [ws.cell(2, c).value for c in range(1, 7)] == [60006, "DC-IP3VO-4", 3, "134593568, 200937842", "+LOT7",
                                                          "-PL-77"]
    assert ws["E2"].quotePrefix and ws["F2"].quotePrefix and ws["E2"].data_type == "s"
    assert ws["G1"].value == "Errors" and ws["G2"].value
    errors = book["Errors"]
    assert not any(isinstance(c.value, str) and c.value.startswith("'")
                   for row in errors.iter_rows() for c in row)
    ws["C2"] = 2  # the clerk's fix; everything else (the Errors sheet too) as the copy holds it
    fixed = tmp_path / "PL-0477-fixed.xlsx"
    book.save(fixed)

    posted = st.ingest_one(fixed)
    assert posted["status"] == "posted", posted["errors"]
    assert posted["warnings"] == [], "our own Errors column is not a clerk's column left unread"
    [lot] = [lot for lot in st.lots() if lot["batch_id"] == posted["batch"]]
    assert (lot["mfr_lot"], lot["packing_list"]) == ("+LOT7", "-PL-77")
