"""What happens to the dropped file itself: duplicates by content, rejected files checked again, the inbox
emptied into ``archive/<status>/<date>/``, files outside the inbox left alone, and ``--dry-run``."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import openpyxl
from receiving_helpers import SHEET, Service, error_at, packing_list, write_xlsx


def _archive_day(archived: str) -> dt.date:
    """The date folder a file was archived under (the service's local date)."""
    day = dt.date.fromisoformat(Path(archived).parent.name)
    assert abs((day - dt.date.today()).days) <= 1
    return day


def _files(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file())


def test_receiving__same_bytes_again_is_a_duplicate(st: Service, tmp_path: Path) -> None:
    path = packing_list(tmp_path / "PL-1.xlsx", [60006, "DC-IP3VO-4", 2, "134593568, 200937842"])
    first = st.ingest_one(path)
    assert first["status"] == "posted"

    again = st.ingest_one(path, exit_code=0)

    assert (again["status"], again["batch"], again["errors"]) == ("duplicate", first["batch"], [])
    assert f"batch {first['batch']}" in again["notes"][0]
    assert [lot["qty_received"] for lot in st.lots()] == [2], "nothing posted twice"
    assert len(st.serial("134593568")["history"]) == 1  # type: ignore[index]
    assert Path(again["archived"]).parent.parent == st.archive / "duplicates"
    assert path.exists()


def test_receiving__same_bytes_under_another_name_is_a_duplicate(st: Service, tmp_path: Path) -> None:
    path = packing_list(tmp_path / "PL-1.xlsx", [60006, "DC-IP3VO-4", 2, "134593568, 200937842"])
    st.ingest_one(path)
    renamed = shutil.copy(path, tmp_path / "PL-1 (copy).xlsx")

    again = st.ingest_one(Path(renamed), exit_code=0)

    assert again["status"] == "duplicate"
    assert [lot["qty_received"] for lot in st.lots()] == [2]


def test_receiving__duplicate_in_one_command_posts_once(st: Service, tmp_path: Path) -> None:
    path = packing_list(tmp_path / "PL-1.xlsx", [60006, "DC-IP3VO-4", 2, "134593568, 200937842"])
    copy = Path(shutil.copy(path, tmp_path / "PL-1b.xlsx"))

    outcomes = st.ingest(path, copy, exit_code=0)

    assert [o["status"] for o in outcomes] == ["posted", "duplicate"]
    assert [lot["qty_received"] for lot in st.lots()] == [2]


def test_receiving__rejected_file_dropped_again_is_checked_again(st: Service, tmp_path: Path) -> None:
    path = packing_list(tmp_path / "early.xlsx", [61000, "CAB-1", 2, "E-1, E-2"])
    first = st.ingest_one(path)
    assert first["status"] == "rejected" and first["errors"][0]["code"] == "po-unknown"

    still = st.ingest_one(path)
    assert still["status"] == "rejected", "the same bytes of a rejected file are checked again, not duplicates"
    assert still["batch"] != first["batch"]
    assert Path(still["output"]).name == "early.rejected-2.xlsx", "an earlier answer is never overwritten"

    po = write_xlsx(tmp_path / "po-61000.xlsx", [["PO", "Office", "Item", "Qty"], [61000, "Main", "CAB-1", 2]])
    assert st.ingest_one(po, kind="purchase_orders")["status"] == "posted"
    posted = st.ingest_one(path)

    assert posted["status"] == "posted", posted["errors"]
    assert [(lot["document"], lot["qty_received"]) for lot in st.lots()] == [("PO-61000", 2)]
    assert st.ingest_one(path, exit_code=0)["status"] == "duplicate"


def test_receiving__inbox_file_is_moved_to_archive_posted(st: Service) -> None:
    path = packing_list(st.inbox / "receiving" / "PL-inbox.xlsx", [60006, "DC-IP3VO-4", 2, "134593568, 200937842"])

    outcome = st.ingest_one(path, kind=None)  # the kind comes from the inbox subfolder

    assert (outcome["status"], outcome["kind"]) == ("posted", "receiving"), outcome["errors"]
    archived = Path(outcome["archived"])
    day = _archive_day(outcome["archived"])
    assert archived == st.archive / "posted" / day.isoformat() / "PL-inbox.xlsx"
    assert archived.is_file() and not path.exists()
    assert _files(st.inbox) == []
    assert Path(outcome["output"]).is_file()


def test_receiving__rejected_inbox_file_is_moved_to_archive_rejected(st: Service) -> None:
    path = packing_list(st.inbox / "receiving" / "PL-bad.xlsx", [99999, "CAB-1", 1, "X-1"])
    original = path.read_bytes()

    outcome = st.ingest_one(path, kind=None)

    assert outcome["status"] == "rejected"
    archived = Path(outcome["archived"])
    assert archived.parent.parent == st.archive / "rejected"
    assert archived.read_bytes() == original, "the original is kept untouched beside the answers"
    assert not path.exists()


def test_receiving__file_outside_inbox_stays_and_a_copy_is_archived(st: Service, tmp_path: Path) -> None:
    path = packing_list(tmp_path / "desk" / "PL-desk.xlsx", [60006, "DC-IP3VO-4", 2, "134593568, 200937842"])

    outcome = st.ingest_one(path)

    assert outcome["status"] == "posted"
    archived = Path(outcome["archived"])
    assert path.exists(), "ingest of a file outside the inbox leaves it where it is"
    assert archived.parent.parent == st.archive / "posted"
    assert archived.read_bytes() == path.read_bytes()


def test_receiving__dry_run_posts_nothing_and_moves_nothing(st: Service) -> None:
    path = packing_list(st.inbox / "receiving" / "PL-dry.xlsx", [60006, "DC-IP3VO-4", 2, "134593568, 200937842"])

    outcome = st.ingest_one(path, kind=None, dry_run=True)

    assert (outcome["status"], outcome["dry_run"], outcome["batch"], outcome["archived"]) == (
        "posted", True, None, None)
    assert outcome["counts"]["units"] == 2
    assert Path(outcome["output"]).name == "PL-dry.dry-run.xlsx"
    assert path.exists(), "a dry run moves nothing"
    assert _files(st.archive) == []
    assert st.lots() == [] and st.stock() == [] and st.serial("134593568") is None

    real = st.ingest_one(path, kind=None)
    assert real["status"] == "posted", "a dry run leaves no trace that would make the real drop a duplicate"


def test_receiving__dry_run_of_rejected_file_moves_nothing(st: Service) -> None:
    path = packing_list(st.inbox / "receiving" / "PL-dry-bad.xlsx", [99999, "CAB-1", 1, "X-1"])

    outcome = st.ingest_one(path, kind=None, dry_run=True)

    assert (outcome["status"], outcome["batch"], outcome["archived"]) == ("rejected", None, None)
    assert Path(outcome["output"]).is_file()
    assert path.exists() and _files(st.archive) == []


def test_receiving__corrected_rejected_workbook_dropped_again_posts(st: Service, tmp_path: Path) -> None:
    """The clerk's loop: open the rejected workbook, fix the commented cell, save, drop it again."""
    path = packing_list(tmp_path / "PL-fix.xlsx", [70001, "CAB-1", 1, "FX-1"], [70001, "CAB-1", 2, "FX-2"])
    rejected = st.ingest_one(path)
    assert error_at(rejected, "serial-count-mismatch")["cell"] == "D3"

    book = openpyxl.load_workbook(rejected["output"])
    book[SHEET]["D3"] = "FX-2, FX-3"
    fixed = tmp_path / "PL-fix-corrected.xlsx"
    book.save(fixed)
    outcome = st.ingest_one(fixed)

    assert outcome["status"] == "posted", outcome["errors"]
    assert any("'Errors'" in note for note in outcome["notes"]), "the Errors sheet is not read as items"
    assert st.serials_in_stock("CAB-1") == ["FX-1", "FX-2", "FX-3"]
