"""``[access]`` through both doors, ``ingest`` and a real ``watch --once``: a file is allowed by its owner's
name or id, by its group (or a group its owner belongs to), refused with ``not-allowed`` in words (answered,
archived under ``archive/rejected/``, nothing posted), and a kind without an entry stays open to all."""

from __future__ import annotations

import grp
import json
from pathlib import Path
from typing import Any

import pytest
from access_support import (
    BUYER,
    CLERK,
    MODES,
    archived,
    batch_row,
    configure,
    named_user,
    packing_list,
    po_qty,
    po_raise,
    process,
    sql,
)


@pytest.mark.parametrize("mode", MODES)
def test_access__allowed_by_user_name(mode: str, shop: Path, cli: Any) -> None:
    user = named_user()
    configure(shop, f'purchase_orders = {{ users = ["{user.pw_name}"] }}')
    done = process(mode, cli, shop, po_raise(shop, "po-1.xlsx", (user.pw_uid, 4300)))
    assert (done.status, done.exit_code) == ("posted", 0)
    assert done.dropped_by is not None and done.dropped_by["user"] == user.pw_name
    assert po_qty() == 50


@pytest.mark.parametrize("mode", MODES)
def test_access__allowed_by_numeric_user_id(mode: str, shop: Path, cli: Any) -> None:
    configure(shop, "purchase_orders = { users = [4201] }")  # a TOML integer, an id that names nobody
    done = process(mode, cli, shop, po_raise(shop, "po-1.xlsx", (4201, 4300)))
    assert done.status == "posted"
    assert done.dropped_by is not None and (done.dropped_by["user"], done.dropped_by["group"]) == ("4201", "4300")
    assert po_qty() == 50


@pytest.mark.parametrize("mode", MODES)
def test_access__allowed_by_group_id(mode: str, shop: Path, cli: Any) -> None:
    configure(shop, 'purchase_orders = { users = ["nobody-here"], groups = ["4200"] }')
    done = process(mode, cli, shop, po_raise(shop, "po-1.xlsx", BUYER))
    assert done.status == "posted"
    assert po_qty() == 50


@pytest.mark.parametrize("mode", MODES)
def test_access__allowed_by_group_name_of_the_file(mode: str, shop: Path, cli: Any) -> None:
    user = named_user()
    group = grp.getgrgid(user.pw_gid).gr_name
    configure(shop, f'purchase_orders = {{ groups = ["{group}"] }}')
    done = process(mode, cli, shop, po_raise(shop, "po-1.xlsx", (4999, user.pw_gid)))
    assert done.status == "posted"
    assert done.dropped_by is not None and (done.dropped_by["user"], done.dropped_by["group"]) == ("4999", group)


@pytest.mark.parametrize("mode", MODES)
def test_access__allowed_as_a_member_of_the_group(mode: str, shop: Path, cli: Any) -> None:
    """The file's group is another one (a setgid inbox gives every file the folder's group), but its owner
    belongs to a listed group: allowed."""
    user = named_user()
    configure(shop, f'purchase_orders = {{ groups = ["{grp.getgrgid(user.pw_gid).gr_name}"] }}')
    done = process(mode, cli, shop, po_raise(shop, "po-1.xlsx", (user.pw_uid, 4300)))
    assert done.status == "posted"


@pytest.mark.parametrize("mode", MODES)
def test_access__refused_in_words_answered_archived_nothing_posted(mode: str, shop: Path, cli: Any) -> None:
    configure(shop, 'purchase_orders = { groups = ["4200"] }')
    done = process(mode, cli, shop, po_raise(shop, "po-raise.xlsx", CLERK))
    assert (done.status, done.exit_code) == ("rejected", 1)
    assert done.output == shop / "outbox" / "po-raise.rejected.xlsx"
    said = " ".join(done.messages())
    assert "user 4301 (group 4300) may not post purchase orders" in said
    assert "not-allowed" in said
    assert archived(shop, "rejected") == ["po-raise.xlsx"]
    assert not list((shop / "inbox").rglob("*.xlsx")) and not list((shop / "work").rglob("*.xlsx"))
    assert po_qty() == 2  # the PO was not raised
    assert done.batch is not None
    assert tuple(batch_row(done.batch)) == ("rejected", "4301", "4300", "root" if mode == "ingest" else None)


@pytest.mark.parametrize("mode", MODES)
def test_access__a_kind_without_an_entry_is_open_to_all(mode: str, shop: Path, cli: Any) -> None:
    configure(shop, 'purchase_orders = { groups = ["4200"] }')  # receiving has no entry
    done = process(mode, cli, shop, packing_list(shop / "inbox" / "receiving", "pl-1.xlsx", ["A1", "A2"],
                                                 (4777, 4778)))
    assert done.status == "posted"
    assert done.dropped_by is not None and done.dropped_by["user"] == "4777"


@pytest.mark.parametrize("mode", MODES)
def test_access__an_empty_entry_closes_the_kind(mode: str, shop: Path, cli: Any) -> None:
    configure(shop, "purchase_orders = {}")
    done = process(mode, cli, shop, po_raise(shop, "po-1.xlsx", BUYER))
    assert done.status == "rejected"
    assert any("may not post purchase orders" in m and "lets nobody post them" in m for m in done.messages())


@pytest.mark.parametrize("mode", MODES)
def test_access__a_detected_kind_is_checked_once_known(mode: str, shop: Path, cli: Any) -> None:
    """A file straight in ``inbox/`` gets its kind from its columns; the owner is checked against that kind
    before any of the kind's rules run."""
    configure(shop, 'receiving = { groups = ["4300"] }')
    done = process(mode, cli, shop, packing_list(shop / "inbox", "pl-buyer.xlsx", ["B1"], BUYER))
    assert (done.status, done.kind) == ("rejected", "receiving")
    said = " ".join(done.messages())
    assert "user 4201 (group 4200) may not post receiving files" in said
    assert sql("SELECT count(*) FROM serial_units")[0][0] == 0
    done = process(mode, cli, shop, packing_list(shop / "inbox", "pl-clerk.xlsx", ["B1"], CLERK))
    assert (done.status, done.kind) == ("posted", "receiving")


@pytest.mark.parametrize("mode", MODES)
def test_access__the_same_bytes_as_a_posted_file_are_still_refused(mode: str, shop: Path, cli: Any,
                                                                     tmp_path: Path) -> None:
    """Re-dropping a posted purchase order is a duplicate for purchasing, and ``not-allowed`` for the clerk."""
    configure(shop, 'purchase_orders = { groups = ["4200"] }')
    assert process(mode, cli, shop, po_raise(shop, "po-1.xlsx", BUYER)).status == "posted"
    done = process(mode, cli, shop, po_raise(shop, "po-1-again.xlsx", CLERK))
    assert done.status == "rejected"
    assert any("may not post purchase orders" in m for m in done.messages())


def test_access__no_table_means_anyone_posts_any_kind(shop: Path, cli: Any) -> None:
    (shop / "serialtrack.toml").write_text("", encoding="utf-8")
    done = process("ingest", cli, shop, po_raise(shop, "po-1.xlsx", CLERK))
    assert done.status == "posted" and po_qty() == 50
    assert done.dropped_by == {"user": "4301", "group": "4300", "run_by": "root"}


def test_access__dry_run_is_refused_the_same_and_records_nothing(shop: Path, cli: Any) -> None:
    configure(shop, 'purchase_orders = { groups = ["4200"] }')
    path = po_raise(shop, "po-1.xlsx", CLERK)
    outcome = json.loads(cli("ingest", str(path), "--dry-run", "--json", expect=1).stdout)
    assert outcome["status"] == "rejected" and outcome["errors"][0]["code"] == "not-allowed"
    assert path.exists() and sql("SELECT count(*) FROM batches WHERE status = 'rejected'")[0][0] == 0
