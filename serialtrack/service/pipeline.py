"""``process_file``: one dropped file, start to finish. The CLI's ``ingest`` and the watcher both call it.

safe open -> detect kind -> read rows with provenance -> rules -> plan -> post in one transaction -> write
``outbox/<name>.posted.xlsx`` or ``outbox/<name>.rejected.xlsx`` -> move the original out of ``inbox/`` into
``archive/``. Nothing is deleted or overwritten; a file that fails in any way posts nothing.
"""

from __future__ import annotations

import hashlib
import logging
import os
import stat
import time
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from serialtrack.exporters.posted import write_posted
from serialtrack.exporters.rejected import GridSheet, write_rejected
from serialtrack.exporters.xlsx import unique_output_path
from serialtrack.faults import fault_point
from serialtrack.ingest.reader import Ingested, read_file
from serialtrack.ledger.receipts import plan_from_batch, shipment_costs
from serialtrack.ledger.records import Issue, Source
from serialtrack.ledger.store import AlreadyPosted, BatchMeta
from serialtrack.service.context import Context
from serialtrack.service.handlers import HANDLERS, Checked
from serialtrack.service.home import archive_original

log = logging.getLogger("serialtrack.pipeline")


@dataclass
class Outcome:
    """What happened to one file; ``as_json`` is the ``ingest --json`` contract."""

    file: str
    kind: str | None
    status: str  # "posted", "rejected" or "duplicate"
    batch: int | None = None
    output: str | None = None
    errors: list[Issue] = field(default_factory=list)
    warnings: list[Issue] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    archived: str | None = None
    dry_run: bool = False
    counts: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return self.status in ("posted", "duplicate")

    def as_json(self) -> dict[str, Any]:
        return {
            "file": self.file, "kind": self.kind, "status": self.status, "batch": self.batch,
            "output": self.output, "dry_run": self.dry_run, "archived": self.archived, "counts": self.counts,
            "errors": [_issue_json(i) for i in self.errors],
            "warnings": [_issue_json(i) for i in self.warnings], "notes": self.notes,
        }


def _issue_json(issue: Issue) -> dict[str, Any]:
    src = issue.source or Source("")
    return {"sheet": src.sheet, "cell": src.cell if src.column is not None else None, "row": src.row,
            "code": issue.code, "message": issue.message}


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def process_file(ctx: Context, path: Path, *, kind: str | None = None, dry_run: bool = False,
                 display_name: str | None = None, move: bool | None = None) -> Outcome:
    """Process one file. ``move`` defaults to: move when the file sits in the inbox, else copy to archive."""
    started = time.monotonic()
    name = display_name or path.name
    in_inbox = ctx.home.in_inbox(path)
    move = in_inbox if move is None else move
    kind = kind or ctx.home.kind_of(path)
    refused = refuse_unsafe_path(ctx, path, name, kind, dry_run=dry_run, move=move)
    if refused is not None:
        log.warning("%s: refused before reading: %s", refused.file, refused.errors[0].message)
        return refused
    sha = file_sha256(path)
    meta = BatchMeta(name, sha, kind, started_at=ctx.clock())

    try:
        previous = ctx.store.posted_batch(sha)
        if previous is not None:
            outcome = _duplicate(ctx, path, name, kind or previous.kind, previous.id, previous.output, meta,
                                 dry_run, move)
        else:
            fault_point("reading")
            ingested = read_file(path, file_name=name, kind=kind, vendors=ctx.vendors, limits=ctx.limits)
            outcome = _check_and_post(ctx, path, ingested, meta, dry_run, move)
    except Exception as exc:  # a defect or a database failure: trap it per file, keep the original in place
        log.exception("%s: internal error while processing", name)
        outcome = _after_failure(ctx, name, kind, sha, exc)
    outcome.seconds = time.monotonic() - started
    log.info("%s: %s kind=%s batch=%s errors=%d units=%s %.2fs", name, outcome.status, outcome.kind,
             outcome.batch, len(outcome.errors), outcome.counts.get("units", 0), outcome.seconds,
             extra={"outcome": outcome.as_json(), "seconds": outcome.seconds})
    return outcome


#: Longest file name (UTF-8 bytes) taken: ``<stem>.rejected.xlsx`` and its temp file must fit in 255.
MAX_NAME_BYTES = 200
#: Invisible characters that reorder or break a name as shown (bidi overrides, line separators).
_TRICK_CHARS = frozenset("\u2028\u2029\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def _shown_name(name: str) -> str:
    """``name`` as it may be printed and used for outputs: control and trick characters as ``<U+000A>``,
    ``\\`` as ``_``, and cut to fit ``MAX_NAME_BYTES``."""
    shown = "".join(f"<U+{ord(c):04X}>" if unicodedata.category(c) == "Cc" or c in _TRICK_CHARS else c
                    for c in name).replace("\\", "_")
    while len(shown.encode()) > MAX_NAME_BYTES:
        shown = shown[:-1]
    return shown


def _name_problem(name: str) -> str | None:
    odd = sorted({f"U+{ord(c):04X}" for c in name if unicodedata.category(c) == "Cc" or c in _TRICK_CHARS})
    if odd:
        return f"the file name holds invisible control characters ({', '.join(odd)}); rename the file"
    if "\\" in name:
        return "the file name holds a backslash, which Windows reads as a folder separator; rename the file"
    size = len(name.encode())
    if size > MAX_NAME_BYTES:
        return f"the file name is {size} bytes long, over the limit of {MAX_NAME_BYTES}; rename it shorter"
    return None


def _path_problem(path: Path) -> tuple[str, str] | None:
    """(code, sentence) when ``path`` is not a regular file this process can read; opens nothing that could
    block (a FIFO) and follows no link."""
    try:
        mode = os.lstat(path).st_mode
    except FileNotFoundError:
        return "file-missing", "the file is no longer there (moved or deleted before it was read)"
    if stat.S_ISLNK(mode):
        return "file-symlink", ("this is a symbolic link, not a file; links are never followed (one could point "
                                "anywhere on the server): drop the file itself")
    if stat.S_ISDIR(mode):
        return "file-is-folder", "this is a folder named like a file, not a file"
    if not stat.S_ISREG(mode):
        return "file-not-regular", "this is not a regular file (a pipe, socket or device); drop a saved file"
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except PermissionError:
        return "file-unreadable", ("the service is not allowed to read this file (permission denied); give it "
                                   "read access or drop a copy")
    except OSError as exc:
        return "file-unreadable", f"the file cannot be opened ({exc.strerror or exc})"
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return "file-not-regular", "this is not a regular file; drop a saved file"
    finally:
        os.close(fd)
    return None


def refuse_unsafe_path(ctx: Context, path: Path, name: str, kind: str | None, *, dry_run: bool,
                       move: bool) -> Outcome | None:
    """The guard run before a byte of the file is read: a symlink, a folder, a FIFO or device, an unreadable
    file, or a name with control characters, a backslash or too many bytes is refused with a rejected report
    (under a cleaned name) and moved aside when it sat in the inbox. Nothing is recorded in the ledger: there
    are no contents to hash. Returns None when the file may be read."""
    problem = _path_problem(path)
    if problem is None:
        reason = _name_problem(name)
        problem = ("file-name-unsafe", reason) if reason else None
    if problem is None:
        return None
    shown = _shown_name(name)
    outcome = Outcome(shown, kind, "rejected", errors=[Issue(problem[0], problem[1], Source(shown))],
                      dry_run=dry_run)
    if problem[0] == "file-missing":
        return outcome
    stem = Path(shown).stem.strip(". ") or "file"
    try:
        out = unique_output_path(ctx.home.outbox, stem, ".rejected.xlsx")
        write_rejected(out, file_name=shown, issues=outcome.errors, sheets=[])
        outcome.output = str(out)
        if move and not dry_run and problem[0] != "file-is-folder":
            outcome.archived = str(archive_original(ctx.home, path, "rejected", today=ctx.today, move=True))
    except Exception as exc:  # noqa: BLE001  (the refusal stands; the log says what else failed)
        log.error("%s: the refusal could not be reported or the file moved aside: %s", shown, exc)
    return outcome


def ensure_receipt(ctx: Context, batch_id: int, output: str | None) -> str | None:
    """The posted batch's receipt; written again from the ledger when the run that posted the batch stopped
    before writing it (a crash after commit, a full disk). Returns its path, or None if it cannot be written."""
    if output and Path(output).exists():
        return output
    meta, plan, result = plan_from_batch(ctx.store.engine, batch_id)
    out = unique_output_path(ctx.home.outbox, Path(meta.file_name).stem, ".posted.xlsx")
    try:
        write_posted(out, meta, plan, result, notes=["receipt written again from the ledger after the run "
                                                     "that posted this file stopped before writing it"],
                     line_costs=shipment_costs(ctx.store.engine, batch_id) if plan.shipments else None)
    except OSError as exc:
        log.error("batch %s: the receipt could not be written again: %s", batch_id, exc)
        return None
    ctx.store.set_output(batch_id, str(out))
    return str(out)


def _after_failure(ctx: Context, name: str, kind: str | None, sha: str, exc: Exception) -> Outcome:
    """What to report when processing failed: posted (and what failed came after), or nothing posted."""
    try:
        posted = ctx.store.posted_batch(sha)
    except Exception:  # noqa: BLE001  (the database itself may be what failed)
        posted = None
    if posted is not None and posted.file_name == name:
        return Outcome(name, kind or posted.kind, "posted", posted.id, posted.output, notes=[
            f"posted as batch {posted.id}, but a later step failed ({type(exc).__name__}: {exc}); the file was "
            "left where it is and will be archived when it is dropped again"])
    return Outcome(name, kind, "rejected", errors=[Issue(
        "internal-error", f"serialtrack failed while processing this file ({type(exc).__name__}: {exc}); "
        "nothing was posted and the file was left where it is; the log has the details", Source(name))])


def _duplicate(ctx: Context, path: Path, name: str, kind: str | None, batch_id: int, output: str | None,
               meta: BatchMeta, dry_run: bool, move: bool) -> Outcome:
    note = f"the same bytes were already posted as batch {batch_id}; nothing was posted again"
    if not dry_run:
        output = ensure_receipt(ctx, batch_id, output)
    outcome = Outcome(name, kind, "duplicate", batch_id, output, notes=[note], dry_run=dry_run)
    if not dry_run:
        ctx.store.record_batch(BatchMeta(meta.file_name, meta.sha256, kind, 0, meta.started_at), "duplicate",
                               output=output)
        outcome.archived = str(archive_original(ctx.home, path, "duplicates", today=ctx.today, move=move, name=name))
    return outcome


def _check_and_post(ctx: Context, path: Path, ingested: Ingested, meta: BatchMeta, dry_run: bool,
                    move: bool) -> Outcome:
    meta = BatchMeta(meta.file_name, meta.sha256, ingested.kind, len(ingested.rows), meta.started_at)
    checked = Checked(None, list(ingested.issues))
    if not any(i.is_error for i in ingested.issues) and ingested.kind:
        checked = HANDLERS[ingested.kind](ingested, ctx)
        checked.issues = ingested.issues + checked.issues
    errors = [i for i in checked.issues if i.is_error]
    warnings = [i for i in checked.issues if not i.is_error]
    outcome = Outcome(meta.file_name, ingested.kind, "rejected", errors=errors, warnings=warnings,
                      notes=list(ingested.notes), dry_run=dry_run)
    if errors or checked.plan is None:
        return _reject(ctx, path, ingested, meta, outcome, dry_run, move)
    plan = checked.plan
    fault_point("planned")
    stem = Path(meta.file_name).stem
    if dry_run:
        out = unique_output_path(ctx.home.outbox, stem, ".dry-run.xlsx")
        write_posted(out, meta, plan, None, ingested.vendor, ingested.notes)
        outcome.status, outcome.output = "posted", str(out)
        outcome.counts = {"rows": plan.rows, "units": plan.units, "lots": len(plan.lots)}
        return outcome
    try:
        result = ctx.store.apply(plan, meta)
    except AlreadyPosted:
        previous = ctx.store.posted_batch(meta.sha256)
        return _duplicate(ctx, path, meta.file_name, ingested.kind, previous.id if previous else 0,
                          previous.output if previous else None, meta, dry_run, move)
    fault_point("after-commit")
    outcome.status, outcome.batch = "posted", result.batch_id
    out = unique_output_path(ctx.home.outbox, stem, ".posted.xlsx")
    try:
        fault_point("writing-report")
        costs = shipment_costs(ctx.store.engine, result.batch_id) if plan.shipments else None
        write_posted(out, meta, plan, result, ingested.vendor, ingested.notes, line_costs=costs)
    except OSError as exc:  # disk full, permission denied: the posting stands, the receipt is missing
        log.error("%s: posted as batch %s but the receipt could not be written: %s", meta.file_name,
                  result.batch_id, exc)
        outcome.notes.append(f"posted as batch {result.batch_id}, but the receipt workbook could not be written "
                             f"({exc}); the ledger is complete")
    else:
        ctx.store.set_output(result.batch_id, str(out))
        outcome.output = str(out)
    outcome.counts = {"rows": plan.rows, "units": result.units, "lots": result.lots,
                      "transactions": result.transactions}
    outcome.archived = str(archive_original(ctx.home, path, "posted", today=ctx.today, move=move,
                                                name=meta.file_name))
    return outcome


def _grid_sheets(ingested: Ingested) -> list[GridSheet]:
    headers = {t.sheet: t.header_row for t in ingested.tables}
    return [GridSheet(g.name, g.rows, headers.get(g.name)) for g in ingested.grids]


def _reject(ctx: Context, path: Path, ingested: Ingested, meta: BatchMeta, outcome: Outcome, dry_run: bool,
            move: bool) -> Outcome:
    if not outcome.errors:
        outcome.errors.append(Issue("nothing-to-post", "nothing in this file could be posted",
                                    Source(meta.file_name)))
    out = unique_output_path(ctx.home.outbox, Path(meta.file_name).stem, ".rejected.xlsx")
    fault_point("writing-report")
    write_rejected(out, file_name=meta.file_name, issues=outcome.errors + outcome.warnings,
                   sheets=_grid_sheets(ingested), notes=outcome.notes)
    outcome.output = str(out)
    if not dry_run:
        outcome.batch = ctx.store.record_batch(meta, "rejected", errors=len(outcome.errors), output=str(out))
        outcome.archived = str(archive_original(ctx.home, path, "rejected", today=ctx.today, move=move,
                                                    name=meta.file_name))
    return outcome
