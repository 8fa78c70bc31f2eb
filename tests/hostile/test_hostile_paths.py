"""Paths and names: what sits in the inbox may not be a file at all, or may carry a name built to trick a log,
a shell or Windows. Each is refused before a byte is read (``pipeline.refuse_unsafe_path``), with a report
under a cleaned name, and nothing else in the run is held up. Odd but honest names post as usual."""

from __future__ import annotations

import errno
import os
from pathlib import Path

import pytest
from hostile_books import good_packing_list
from hostile_support import (
    assert_refused,
    assert_report,
    copies_of,
    files_under,
    ledger_state,
    run_bounded,
    sha256_of,
)
from support.invariants import check_invariants
from workbook_checks import assert_output_safe, dump_cells

from serialtrack.service.context import open_context
from serialtrack.service.home import Home
from serialtrack.service.pipeline import process_file


def _outputs_inside(home: Path, outcome: dict) -> None:
    for key in ("output", "archived"):
        if outcome.get(key):
            path = Path(outcome[key]).resolve()
            assert path.is_relative_to(home.resolve()), (key, path)
            assert len(path.name.encode()) <= 255
    for path in files_under(home / "outbox"):
        assert len(path.name.encode()) <= 255


def test_symlink__refused_and_its_target_never_read(stocked, home: Path, db_url: str, tmp_path: Path) -> None:
    secret = tmp_path / "secret.xlsx"
    good_packing_list(secret, serial="SECRET-SERIAL")
    link = home / "inbox" / "receiving" / "innocent.xlsx"
    link.symlink_to(secret)
    before = ledger_state(db_url)
    [out] = stocked.ingest(link, expect=1)
    assert_refused(out, "file-symlink", words=("symbolic link",))
    assert_report(out, "file-symlink")
    assert "SECRET-SERIAL" not in str(dump_cells(out["output"])), "the target's contents must not be copied out"
    # the link is left as it was (it resolves outside the inbox, so it is not moved), still a link to the same
    # target, and no copy of the target's bytes was made anywhere in the home
    assert out["archived"] is None
    assert link.is_symlink() and link.resolve() == secret.resolve()
    assert copies_of(home, sha256_of(secret)) == []
    assert not [p for p in files_under(home / "archive") if p.is_symlink()]
    assert secret.is_file() and ledger_state(db_url) == before


def test_fifo__refused_without_blocking_and_the_next_file_still_posts(stocked, home: Path, db_url: str,
                                                                      tmp_path: Path) -> None:
    fifo = home / "inbox" / "receiving" / "pipe.xlsx"
    os.mkfifo(fifo)
    good = good_packing_list(home / "inbox" / "receiving" / "good.xlsx")
    before = ledger_state(db_url)
    run = run_bounded(["--home", str(home), "ingest", "--json", str(fifo), str(good)], timeout=30)
    assert run.returncode == 1, run.stderr
    refused, posted = run.outcomes()
    assert_refused(refused, "file-not-regular", words=("pipe",))
    assert posted["status"] == "posted"
    assert not fifo.exists(), "moved aside out of the inbox"
    assert len(ledger_state(db_url)["posted"]) == len(before["posted"]) + 1
    check_invariants(db_url)


def test_folder_named_like_a_workbook__rejected_per_file_by_the_pipeline_guard(stocked, home: Path,
                                                                                 db_url: str) -> None:
    folder = home / "inbox" / "receiving" / "looks-like.xlsx"
    folder.mkdir()
    (folder / "inside.txt").write_text("not a workbook")
    before = ledger_state(db_url)
    [refused] = stocked.ingest(folder, expect=1)
    assert refused["status"] == "rejected" and refused["errors"][0]["code"] == "file-is-folder"
    assert folder.is_dir(), "a folder is never moved or removed"
    ctx = open_context(Home(home))
    try:
        outcome = process_file(ctx, folder)
    finally:
        ctx.close()
    assert outcome.status == "rejected" and outcome.errors[0].code == "file-is-folder"
    assert outcome.output and Path(outcome.output).is_file()
    assert folder.is_dir() and (folder / "inside.txt").exists(), "a folder is left where it is"
    assert ledger_state(db_url) == before


def test_unreadable_file__refused_with_the_reason_and_kept(stocked, home: Path, db_url: str,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    path = good_packing_list(home / "inbox" / "receiving" / "locked-down.xlsx")
    digest = sha256_of(path)
    if os.geteuid() == 0:  # root reads anything: make the open fail the way it fails for the service account
        import serialtrack.ingest.paths as paths

        real_open = os.open

        def denied(name, flags, *args, **kwargs):  # type: ignore[no-untyped-def]
            if Path(name) == path:
                raise PermissionError(errno.EACCES, "Permission denied", str(name))
            return real_open(name, flags, *args, **kwargs)

        monkeypatch.setattr(paths.os, "open", denied)
    else:
        path.chmod(0)
    before = ledger_state(db_url)
    [out] = stocked.ingest(path, expect=1)
    assert_refused(out, "file-unreadable", words=("permission denied",))
    assert ledger_state(db_url) == before
    archived = Path(out["archived"])
    archived.chmod(0o644)
    assert sha256_of(archived) == digest


@pytest.mark.parametrize("name, words", [
    ("PL\n0425.xlsx", ("U+000A",)),
    ("PL\x1b[31m-red.xlsx", ("U+001B",)),
    ("invoice\u202excod.xlsx", ("U+202E",)),
    ("..\\..\\evil.xlsx", ("backslash",)),
    ("L" * 250 + ".xlsx", ("255 bytes", "200")),
], ids=["newline", "escape-sequence", "right-to-left-override", "backslash-traversal", "255-bytes"])
def test_unsafe_names__refused_with_a_clean_report_name(stocked, home: Path, db_url: str, name: str,
                                                         words: tuple[str, ...]) -> None:
    path = good_packing_list(home / "inbox" / "receiving" / name)
    digest = sha256_of(path)
    before = ledger_state(db_url)
    [out] = stocked.ingest(path, expect=1)
    assert_refused(out, "file-name-unsafe", words=words)
    assert out["file"].isprintable() and "\\" not in out["file"]
    assert_report(out, "file-name-unsafe")
    assert Path(out["output"]).name.isprintable()
    assert sha256_of(Path(out["archived"])) == digest and not path.exists()
    assert ledger_state(db_url) == before
    _outputs_inside(home, out)


def test_name_of_300_characters__cannot_exist_here_and_is_refused_as_a_display_name(stocked, home: Path) -> None:
    too_long = "N" * 295 + ".xlsx"
    with pytest.raises(OSError) as refused:
        (home / "inbox" / too_long).write_bytes(b"")
    assert refused.value.errno == errno.ENAMETOOLONG
    path = good_packing_list(home / "inbox" / "receiving" / "short.xlsx")
    ctx = open_context(Home(home))
    try:
        outcome = process_file(ctx, path, display_name=too_long)  # the name a watcher or a share may report
    finally:
        ctx.close()
    assert outcome.status == "rejected" and outcome.errors[0].code == "file-name-unsafe"
    assert outcome.output and len(Path(outcome.output).name.encode()) <= 255


def test_dot_dot_in_the_given_path__posts_and_everything_stays_in_the_home(stocked, home: Path,
                                                                           db_url: str) -> None:
    good_packing_list(home / "inbox" / "receiving" / "pl.xlsx")
    winding = home / "inbox" / "receiving" / ".." / ".." / "inbox" / "receiving" / "pl.xlsx"
    [out] = stocked.ingest(winding, expect=0)
    assert out["status"] == "posted" and out["kind"] == "receiving"
    assert Path(out["archived"]).parent.parent.name == "posted"
    _outputs_inside(home, out)
    check_invariants(db_url)


@pytest.mark.parametrize("name", ["=cmd|' calc'!A0.xlsx", "+SUM(1).xlsx", "-2+3.xlsx", "@evil.xlsx",
                                  "Müller PL №5 (copy).xlsx"])
def test_odd_but_printable_names__post_and_are_written_as_plain_text(stocked, home: Path, name: str) -> None:
    path = good_packing_list(home / "inbox" / "receiving" / name)
    [out] = stocked.ingest(path, expect=0)
    assert out["status"] == "posted"
    assert_output_safe(out["output"])
    texts = [v for cells in dump_cells(out["output"]).values() for v in cells.values() if isinstance(v, str)]
    shown = [v for v in texts if Path(name).stem in v]
    assert shown, texts
    assert any(Path(name).stem == v or name == v or v.startswith(name) for v in shown), shown  # as it came


def test_many_files_at_once__one_bad_path_holds_up_nothing(stocked, home: Path, db_url: str) -> None:
    inbox = home / "inbox" / "receiving"
    goods = [good_packing_list(inbox / f"good-{n}.xlsx", serial=f"MANY{n}") for n in range(3)]
    link = inbox / "link.xlsx"
    link.symlink_to(goods[0])
    bad_name = good_packing_list(inbox / "bad\tname.xlsx", serial="TAB1")
    result = stocked.ingest(goods[0], link, bad_name, goods[1], goods[2], expect=1)
    assert {o["file"]: o["status"] for o in result} == {
        "good-0.xlsx": "posted", "link.xlsx": "rejected", "bad<U+0009>name.xlsx": "rejected",
        "good-1.xlsx": "posted", "good-2.xlsx": "posted"}
    check_invariants(db_url)
