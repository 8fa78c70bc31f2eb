"""``process_file``: one dropped file, start to finish. The CLI's ``ingest`` and the watcher both call it.

safe open -> detect kind -> read rows with provenance -> rules -> plan -> post in one transaction -> write
``outbox/<name>.posted.xlsx`` or ``outbox/<name>.rejected.xlsx`` -> move the original out of ``inbox/`` into
``archive/``. Nothing is deleted or overwritten; a file that fails in any way posts nothing.
"""

from __future__ import annotations

import hashlib
import logging
import os
import time
from collections.abc import Callable, Mapping
from contextvars import ContextVar
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from sqlalchemy.exc import InterfaceError, OperationalError

from serialtrack.exporters.posted import write_posted
from serialtrack.exporters.publish import unique_output_path
from serialtrack.exporters.rejected import GridSheet, write_rejected
from serialtrack.exporters.report import write_new_report
from serialtrack.faults import fault_point
from serialtrack.ingest.paths import name_problem, path_problem, shown_name, undecoded
from serialtrack.ingest.reader import Ingested, VendorMapping, read_file
from serialtrack.kinds.base import Checked, CheckEnv
from serialtrack.kinds.registry import FIELD_SPECS, kind_named
from serialtrack.ledger.plan import PostingPlan
from serialtrack.ledger.posting import BatchMeta, PostResult
from serialtrack.ledger.receipts import plan_from_batch, shipment_costs
from serialtrack.ledger.store import AlreadyPosted, BatchInfo, Conflict
from serialtrack.records import BatchStatus, DroppedBy, FileStatus, Issue, Source
from serialtrack.rules.cell_limits import check_cell_limits
from serialtrack.service.access import FileOwner, file_identity, link_owner, not_allowed
from serialtrack.service.context import Context
from serialtrack.service.gc_pause import collector_paused
from serialtrack.service.home import archive_original

log = logging.getLogger("serialtrack.pipeline")

#: Who hears which step a file is at ("reading", "checking 200,000 rows", ...): ``ingest`` on a terminal shows
#: it as progress; nobody by default.
STAGE_LISTENER: ContextVar[Callable[[str], None] | None] = ContextVar("serialtrack_stage", default=None)


def _stage(text: str) -> None:
    listener = STAGE_LISTENER.get()
    if listener is not None:
        listener(text)


@dataclass
class Outcome:
    """What happened to one file; ``as_json`` is the ``ingest --json`` contract."""

    file: str
    kind: str | None
    status: FileStatus
    batch: int | None = None
    output: str | None = None
    errors: list[Issue] = field(default_factory=list)
    warnings: list[Issue] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    archived: str | None = None
    dry_run: bool = False
    counts: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    retry: bool = False  # the file changed while it was read: not ready, nothing done; try it again later
    dropped_by: DroppedBy | None = None

    @property
    def ok(self) -> bool:
        return self.status in (FileStatus.POSTED, FileStatus.DUPLICATE, FileStatus.ANSWERED)

    def top_errors(self, most: int = 3) -> str:
        """The commonest error codes with their counts and first cell, most frequent first:
        ``office-unknown x4981 (first K3), item-unknown x4981 (first B3)``; so a 10,000-error rejection reads as
        its few causes in one log line."""
        first: dict[str, str] = {}
        counts: dict[str, int] = {}
        for issue in self.errors:
            counts[issue.code] = counts.get(issue.code, 0) + 1
            if issue.code not in first:
                src = issue.source
                first[issue.code] = (f"{src.sheet}!{src.cell}" if src and src.sheet and src.column
                                     else f"{src.sheet} row {src.row}" if src and src.sheet and src.row
                                     else "the file")
        ranked = sorted(counts, key=lambda code: -counts[code])
        shown = [f"{code} x{counts[code]} (first at {first[code]})" for code in ranked[:most]]
        if len(ranked) > most:
            shown.append(f"{len(ranked) - most} more codes")
        return ", ".join(shown)

    def as_json(self) -> dict[str, Any]:
        return {
            "file": self.file, "kind": self.kind, "status": self.status, "batch": self.batch,
            "output": self.output, "dry_run": self.dry_run, "archived": self.archived, "counts": self.counts,
            "errors": [_issue_json(i) for i in self.errors],
            "warnings": [_issue_json(i) for i in self.warnings], "notes": self.notes,
            "dropped_by": self.dropped_by.as_json() if self.dropped_by else None,
        }


def _issue_json(issue: Issue) -> dict[str, Any]:
    src = issue.source or Source("")
    return {"sheet": src.sheet, "cell": src.cell if src.column is not None else None, "row": src.row,
            "code": issue.code, "message": issue.message}


def _signature(path: Path) -> tuple[int, int, int]:
    """Size, modification time and inode: what changes when a writer is still at the file."""
    status = os.stat(path)
    return status.st_size, status.st_mtime_ns, status.st_ino


def _changed(name: str, kind: str | None, dry_run: bool) -> Outcome:
    """The file changed between hashing and posting (a copy still under way): nothing is posted, recorded,
    answered or moved; the watcher tries it again once it is still, ``ingest`` when run again."""
    log.warning("%s: changed while it was read (still being copied or saved); left for a later try", name)
    return Outcome(name, kind, FileStatus.REJECTED, errors=[Issue(
        "file-changing", "the file changed while it was being read (it is still being copied or saved); "
        "nothing was posted and it was left where it is, to be read again once it is complete", Source(name))],
        dry_run=dry_run, retry=True)


def _label(kind: str) -> str:
    return kind_named(kind).label


def check_env(ctx: Context) -> CheckEnv:
    """What a kind may use while checking a file (built here, not on the context: a query command's start-up
    does not import the kinds)."""
    settings = ctx.settings
    return CheckEnv(ctx.store, ctx.serial_policy, ctx.today, settings.limits.max_serials_per_file,
                    settings.offices.receiving_bin, settings.receiving.over_receipt_tolerance_percent)


def _vendors(ctx: Context) -> list[VendorMapping]:
    return [VendorMapping(name, v.file_pattern, v.title_contains, dict(v.columns), dict(v.defaults))
            for name, v in ctx.settings.vendors.items()]


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


#: Failures of the surroundings, not of the file or the code: the database away or busy, a full disk, a
#: denied write. The file is left where it is, to be answered when it is processed again.
TRANSIENT = (OperationalError, InterfaceError)
ENVIRONMENT = (*TRANSIENT, OSError)


def environmental(exc: BaseException) -> bool:
    """Whether ``exc`` is, or was caused by, a failure of the surroundings (``ENVIRONMENT``): libraries wrap
    them (xlsxwriter's ``FileCreateError`` around a full disk)."""
    seen: BaseException | None = exc
    for _ in range(10):
        if seen is None:
            return False
        if isinstance(seen, ENVIRONMENT):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def process_file(ctx: Context, path: Path, *, kind: str | None = None, dry_run: bool = False,
                 display_name: str | None = None, move: bool | None = None, recovered: bool = False,
                 reraise_transient: bool = False, run_by: str | None = None,
                 overrides: Mapping[str, str] | None = None) -> Outcome:
    """Process one file: the one path for posting, rejecting, duplicates, archiving and failures.

    ``move`` defaults to: move when the file sits in the inbox, else copy to archive. ``recovered`` marks a
    leftover of a run that stopped (the watcher's ``work/``): if that run posted it, it is archived as posted.
    An internal error (a defect) sets the file aside in ``archive/failed/<date>/`` with an answer in
    ``outbox/`` (status ``failed``); a failure of the surroundings (``ENVIRONMENT``) leaves it where it is.
    ``reraise_transient`` lets the watcher retry a database outage itself instead. The batch records the
    file's owner (``access``) and ``run_by``, the user running the command (``ingest``; None for the watcher);
    an owner whom ``[access]`` does not let post the file's kind gets a ``not-allowed`` rejection.
    ``overrides`` are ``ingest --set FIELD=VALUE`` values (see ``ingest.reader.read_file``)."""
    started = time.monotonic()
    name = display_name or path.name
    in_inbox = ctx.home.in_inbox(path)
    move = in_inbox if move is None else move
    kind = kind or ctx.home.kind_of(path)
    refused = refuse_unsafe_path(ctx, path, name, kind, dry_run=dry_run, move=move)
    if refused is not None:
        log.warning("%s: refused before reading: %s", refused.file, refused.errors[0].message)
        refused.dropped_by = link_owner(path, run_by)
        return refused
    sha: str | None = None
    dropped_by = DroppedBy(run_by=run_by)
    waits = Backoff(ctx.settings.database.retry_seconds)
    try:
        while True:
            try:
                sha, owner = file_identity(path)
                dropped_by = owner.dropped_by(run_by)
                with collector_paused():  # a file's many small objects are freed by reference counting
                    outcome = _process_once(ctx, path, name, kind, sha, owner, dropped_by, dry_run=dry_run,
                                            move=move, recovered=recovered, in_inbox=in_inbox,
                                            overrides=overrides or {})
                break
            except TRANSIENT as exc:
                if not waits.wait(name, exc):
                    raise
                recovered = True  # a try that failed after its commit left the file posted: archive it as such
    except Exception as exc:  # noqa: BLE001  (trapped per file: the surroundings, or a defect)
        if reraise_transient and isinstance(exc, TRANSIENT):
            raise
        if environmental(exc):
            log.exception("%s: internal error while processing", name)
            outcome = _left_in_place(ctx, name, kind, sha, exc)
        else:
            outcome = fail_file(ctx, path, name, kind, exc, dry_run=dry_run, move=move, run_by=run_by)
    outcome.dropped_by = outcome.dropped_by or dropped_by
    outcome.seconds = time.monotonic() - started
    log.info("%s: %s kind=%s batch=%s errors=%d units=%s %.2fs", name, outcome.status, outcome.kind,
             outcome.batch, len(outcome.errors), outcome.counts.get("units", 0), outcome.seconds,
             extra={"outcome": outcome.as_json(), "seconds": outcome.seconds})
    return outcome


def _process_once(ctx: Context, path: Path, name: str, kind: str | None, sha: str, owner: FileOwner,
                  dropped_by: DroppedBy, *, dry_run: bool, move: bool, recovered: bool, in_inbox: bool,
                  overrides: Mapping[str, str]) -> Outcome:
    """One try at the file: who may post it, the duplicate check, then read, check and post (or archive a
    recovered posting)."""
    snapshot = _signature(path)
    meta = BatchMeta(name, sha, kind, started_at=ctx.clock(), dropped_by=dropped_by)
    previous = ctx.store.posted_batch(sha, kind)
    known = kind or (previous.kind if previous is not None else None)
    if previous is not None and recovered and previous.file_name == name and not dry_run:
        return archive_posted(ctx, path, name, kind, previous)
    if refusal := not_allowed(ctx.settings.access, known, owner, name, _label):
        # refused before it is read: the ledger's rules are not run for someone who may not post the kind
        return _refuse(ctx, path, None, replace(meta, kind=known), refusal, dry_run, move)
    if previous is not None:
        return _duplicate(ctx, path, name, kind or previous.kind, previous.id, previous.output, meta, dry_run, move)
    fault_point("reading")
    _stage(f"reading {name}")
    # a file dropped straight into inbox/ is never guessed to be master data (SPEC, Files)
    ingested = read_file(path, kinds=FIELD_SPECS, file_name=name, kind=kind, vendors=_vendors(ctx), limits=ctx.limits,
                         guess_master_data=not in_inbox, overrides=overrides)
    if _signature(path) != snapshot:
        return _changed(name, kind, dry_run)
    return _check_and_post(ctx, path, ingested, meta, dry_run, move, owner, lambda: _signature(path) != snapshot)


class Backoff:
    """The growing pause between tries when the database is busy or away (a SQLite lock held past the busy
    timeout, a PostgreSQL serialization failure or deadlock, a lost connection): 0.2 s, doubling up to 10 s,
    for at most ``seconds`` in all. Each try starts again from the duplicate check; a posting is one
    transaction, so a failed try has posted nothing."""

    def __init__(self, seconds: float, first: float = 0.2, most: float = 10.0) -> None:
        self.deadline = time.monotonic() + seconds
        self.pause, self.most = first, most

    def wait(self, name: str, exc: BaseException) -> bool:
        """Sleep before the next try and return True, or return False when the time is up."""
        left = self.deadline - time.monotonic()
        if left <= 0:
            return False
        pause = min(self.pause, left)
        reason = (str(getattr(exc, "orig", None) or exc).strip().splitlines() or [type(exc).__name__])[0]
        log.warning("%s: the database is busy or away (%s); trying again in %.1fs", name, reason, pause)
        time.sleep(pause)
        self.pause = min(self.pause * 2, self.most)
        return True


#: How often a file whose plan meets a changed ledger (``Conflict``) is checked again before giving up: each
#: conflict means another file committed, so the ledger moves on and the next check sees it.
CONFLICT_TRIES = 10


def refuse_unsafe_path(ctx: Context, path: Path, name: str, kind: str | None, *, dry_run: bool,
                       move: bool) -> Outcome | None:
    """The guard run before a byte of the file is read: a symlink, a folder, a FIFO or device, an unreadable
    file, or a name with control characters, a backslash or too many bytes is refused with a rejected report
    (under a cleaned name) and moved aside when it sat in the inbox. Nothing is recorded in the ledger: there
    are no contents to hash. Returns None when the file may be read."""
    problem = path_problem(path)
    if problem is None:
        reason = name_problem(name)
        problem = ("file-name-unsafe", reason) if reason else None
    if problem is None:
        return None
    shown = shown_name(name)
    outcome = Outcome(shown, kind, FileStatus.REJECTED, errors=[Issue(problem[0], problem[1], Source(shown))],
                      dry_run=dry_run)
    if problem[0] == "file-missing":
        return outcome
    stem = Path(shown).stem.strip(". ") or "file"
    try:
        out = unique_output_path(ctx.home.outbox, stem, ".rejected.xlsx")
        out = write_rejected(out, file_name=shown, issues=outcome.errors, sheets=[])
        outcome.output = str(out)
        if move and not dry_run and problem[0] != "file-is-folder":
            keep = shown if any(map(undecoded, name)) else None  # a name that is not text is kept as shown
            outcome.archived = str(archive_original(ctx.home, path, FileStatus.REJECTED, today=ctx.today, move=True,
                                                    name=keep))
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
        out = _write_posted(out, meta, plan, _with_costs(ctx, result), None,
                            ["receipt written again from the ledger after the run that posted this file "
                             "stopped before writing it"])
    except OSError as exc:
        log.error("batch %s: the receipt could not be written again: %s", batch_id, exc)
        return None
    ctx.store.set_output(batch_id, str(out))
    return str(out)


def _posted_as(ctx: Context, sha: str | None) -> BatchInfo | None:
    """The posted batch of these bytes, if the failure came after the commit (None when unknown)."""
    if sha is None:
        return None
    try:
        return ctx.store.posted_batch(sha)
    except Exception:  # noqa: BLE001  (the database itself may be what failed)
        return None


def _left_in_place(ctx: Context, name: str, kind: str | None, sha: str | None, exc: BaseException) -> Outcome:
    """The surroundings failed: posted (and what failed came after), or nothing posted; the file stays."""
    posted = _posted_as(ctx, sha)
    if posted is not None and posted.file_name == name:
        return Outcome(name, kind or posted.kind, FileStatus.POSTED, posted.id, posted.output, notes=[
            f"posted as batch {posted.id}, but a later step failed ({type(exc).__name__}: {exc}); the file was "
            "left where it is and will be archived when it is dropped again"])
    return Outcome(name, kind, FileStatus.REJECTED, errors=[Issue(
        "internal-error", f"serialtrack failed while processing this file ({type(exc).__name__}: {exc}); "
        "nothing was posted and the file was left where it is; the log has the details", Source(name))])


def _with_costs(ctx: Context, result: PostResult | None) -> PostResult | None:
    """``result`` with each line's cost of goods shipped read back from the ledger (empty for kinds that ship
    nothing), so a receipt ties to the reconciliation's COGS."""
    if result is None:
        return None
    return replace(result, line_costs=shipment_costs(ctx.store.engine, result.batch_id))


def _write_posted(out: Path, meta: BatchMeta, plan: PostingPlan, result: PostResult | None, vendor: str | None,
                  notes: list[str], warnings: list[Issue] | None = None) -> Path:
    """The receipt at ``out`` or the next free numbered name (never over another file); returns where."""
    kind = kind_named(plan.kind)
    return write_posted(out, meta, plan, result, kind_pairs=kind.summary(plan, result),
                        kind_sheets=kind.sheets(plan, result), vendor=vendor, notes=notes, warnings=warnings or [])


def fail_file(ctx: Context, path: Path, name: str, kind: str | None, exc: BaseException, *, dry_run: bool = False,
              move: bool = True, run_by: str | None = None) -> Outcome:
    """An internal error (a defect) while processing ``path``: logged with its traceback, then answered the
    same way whoever was processing it (``ingest`` or the watcher). Posted already (the defect came after the
    commit): archived as posted, its receipt ensured. Otherwise: status ``failed``, an answer workbook in
    ``outbox/`` saying so, the original set aside in ``archive/failed/<date>/`` (copied when ``move`` is off,
    left alone on a dry run) and a rejected batch for the audit trail."""
    log.error("%s: internal error while processing it", name, exc_info=exc)
    sha: str | None = None
    dropped_by = DroppedBy(run_by=run_by)
    try:
        sha, owner = file_identity(path)
        dropped_by = owner.dropped_by(run_by)
    except OSError:
        log.exception("%s: cannot be read again after the error", name)
    posted = _posted_as(ctx, sha)
    if posted is not None and posted.file_name == name and not dry_run:
        try:
            return archive_posted(ctx, path, name, kind, posted)
        except Exception:  # noqa: BLE001
            log.exception("%s: posted as batch %d but could not be archived", name, posted.id)
            return _left_in_place(ctx, name, kind, sha, exc)
    where = "It was left where it is (dry run)" if dry_run else "The file is kept unchanged in archive/failed"
    outcome = Outcome(name, kind, FileStatus.FAILED, dry_run=dry_run, errors=[Issue("internal-error", (
        f"serialtrack hit an internal error while processing this file ({type(exc).__name__}: {exc}) and "
        f"posted nothing from it. {where}; please tell whoever runs serialtrack (the service log has the "
        "details)."), Source(name))], dropped_by=dropped_by)
    try:
        out = unique_output_path(ctx.home.outbox, Path(name).stem, ".rejected.xlsx")
        out = write_rejected(out, file_name=name, issues=outcome.errors, sheets=[])
        outcome.output = str(out)
    except Exception:  # noqa: BLE001
        log.exception("%s: the answer to the internal error could not be written either", name)
    if dry_run:
        return outcome
    try:
        outcome.archived = str(archive_original(ctx.home, path, "failed", today=ctx.today, move=move, name=name))
        if sha is not None:
            ctx.store.record_batch(BatchMeta(name, sha, kind, started_at=ctx.clock(), dropped_by=dropped_by),
                                   BatchStatus.REJECTED, errors=1, output=outcome.output)
    except Exception:  # noqa: BLE001
        log.exception("%s: could not be set aside; it stays in %s", name, path.parent)
    return outcome


def archive_posted(ctx: Context, path: Path, name: str, kind: str | None, batch: BatchInfo) -> Outcome:
    """A file whose batch is posted but which was not archived (the run stopped, or failed after the commit):
    archived as posted now, its receipt written again from the ledger if it is missing."""
    archived = archive_original(ctx.home, path, FileStatus.POSTED, today=ctx.today, move=True, name=name)
    output = ensure_receipt(ctx, batch.id, batch.output)
    if output != batch.output:
        log.warning("%s: posted as batch %d, but the run that posted it stopped before writing its receipt; "
                    "written again from the ledger", name, batch.id)
    return Outcome(name, kind or batch.kind, FileStatus.POSTED, batch.id, output,
                   notes=[f"posted as batch {batch.id} before the run that posted it stopped; archived now"],
                   archived=str(archived))


def _duplicate(ctx: Context, path: Path, name: str, kind: str | None, batch_id: int, output: str | None,
               meta: BatchMeta, dry_run: bool, move: bool) -> Outcome:
    note = f"the same bytes were already posted as batch {batch_id}; nothing was posted again"
    if not dry_run:
        output = ensure_receipt(ctx, batch_id, output)
    outcome = Outcome(name, kind, FileStatus.DUPLICATE, batch_id, output, notes=[note], dry_run=dry_run)
    if not dry_run:
        ctx.store.record_batch(replace(meta, kind=kind, rows=0), BatchStatus.DUPLICATE, output=output)
        outcome.archived = str(archive_original(ctx.home, path, "duplicates", today=ctx.today, move=move, name=name))
    return outcome


def _check_and_post(ctx: Context, path: Path, ingested: Ingested, meta: BatchMeta, dry_run: bool,
                    move: bool, owner: FileOwner, changed: Callable[[], bool] = lambda: False) -> Outcome:
    detected = meta.kind is None  # else the kind was known, and the owner allowed, before reading
    meta = replace(meta, kind=ingested.kind, rows=len(ingested.rows))
    refusal = not_allowed(ctx.settings.access, ingested.kind, owner, meta.file_name, _label) if detected else None
    if refusal is not None:
        return _refuse(ctx, path, ingested, meta, refusal, dry_run, move)
    for tries in range(1, CONFLICT_TRIES + 1):
        try:
            return _check_and_post_once(ctx, path, ingested, meta, dry_run, move, changed)
        except Conflict as exc:
            if tries == CONFLICT_TRIES:
                raise
            log.info("%s: the ledger changed while it was checked (%s); checking it again", meta.file_name, exc)
    raise AssertionError("unreachable")


#: Reader refusals whose values must not reach the ledger's queries even as a question (PostgreSQL refuses a
#: NUL in any text parameter): with one of these the answer holds the reader's findings only.
UNQUERYABLE = frozenset({"cell-control-character"})


def _cell_key(source: Source | None) -> tuple[str | None, int | None, int | None]:
    return (source.sheet, source.row, source.column) if source is not None else (None, None, None)


def _refused_cells(ingested: Ingested, issues: list[Issue]) -> set[tuple[str | None, int | None, int | None]]:
    """The cells the reader refused, with every cell of a refused merged range (its value sits in one)."""
    refused = {_cell_key(i.source) for i in issues if i.is_error and i.source and i.source.column}
    for grid in ingested.grids:
        for first_row, first_col, last_row, last_col in grid.merged:
            if (grid.name, first_row, first_col) in refused:
                refused |= {(grid.name, r, c) for r in range(first_row, last_row + 1)
                            for c in range(first_col, last_col + 1)}
    return refused


def _in_row_order(issues: list[Issue], sheets: list[str]) -> list[Issue]:
    """File-wide issues first, then sheet by sheet (in the workbook's order), row by row, column by column, as
    the annotated workbook shows them; issues of one cell keep the order the checks found them in. The same
    issue found twice (one per serial of a row) is kept once."""
    rank = {name: i for i, name in enumerate(sheets)}

    def key(issue: Issue) -> tuple[int, int, int]:
        src = issue.source
        if src is None or src.sheet is None:
            return (-1, 0, 0)
        return (rank.get(src.sheet, len(rank)), src.row or 0, src.column or 0)
    unique = list(dict.fromkeys(issues))  # a row of ten serials under an unknown order says so once
    return sorted(unique, key=key)


def _check_and_post_once(ctx: Context, path: Path, ingested: Ingested, meta: BatchMeta, dry_run: bool,
                         move: bool, changed: Callable[[], bool]) -> Outcome:
    """Check the file against the ledger as it stands now and post it; ``Conflict`` when the ledger changed
    before the commit in a way the plan depends on (nothing posted, nothing answered: check it again)."""
    issues = ingested.issues + check_cell_limits(ingested.rows)  # what the ledger's columns cannot hold
    checked = Checked(None, list(issues))
    _stage(f"checking {len(ingested.rows):,} rows of {meta.file_name}")
    if ingested.kind and ingested.tables and not any(i.code in UNQUERYABLE for i in issues):
        # every check whose inputs could be read runs in the same pass, so one answer holds everything wrong
        # with the file; a cell the reader already refused is not blamed again by the kind's rules
        checked = kind_named(ingested.kind).check(ingested, check_env(ctx))
        refused = _refused_cells(ingested, issues)
        checked.issues = issues + [i for i in checked.issues if _cell_key(i.source) not in refused]
        if any(i.is_error for i in issues):
            checked.plan = None
    ordered = _in_row_order(checked.issues, [g.name for g in ingested.grids])
    errors = [i for i in ordered if i.is_error]
    warnings = [i for i in ordered if not i.is_error]
    outcome = Outcome(meta.file_name, ingested.kind, FileStatus.REJECTED, errors=errors, warnings=warnings,
                      notes=list(ingested.notes), dry_run=dry_run)
    if changed():  # hash, read and archive must be the same bytes
        return _changed(meta.file_name, ingested.kind, dry_run)
    if not errors and ingested.kind and kind_named(ingested.kind).answers:
        return _answer(ctx, path, ingested, meta, outcome, dry_run, move)
    if errors or checked.plan is None:
        return _reject(ctx, path, ingested, meta, outcome, dry_run, move)
    plan = checked.plan
    fault_point("planned")
    stem = Path(meta.file_name).stem
    if dry_run:
        out = unique_output_path(ctx.home.outbox, stem, ".dry-run.xlsx")
        out = _write_posted(out, meta, plan, None, ingested.vendor, ingested.notes, warnings)
        outcome.status, outcome.output = FileStatus.POSTED, str(out)
        outcome.counts = {"rows": plan.rows, "units": plan.units, "lots": len(plan.lots),
                          **kind_named(plan.kind).counts(plan)}
        return outcome
    _stage(f"posting {plan.units:,} units of {meta.file_name}")
    try:
        result = ctx.store.apply(plan, meta)
    except AlreadyPosted:
        previous = ctx.store.posted_batch(meta.sha256, meta.kind)
        return _duplicate(ctx, path, meta.file_name, ingested.kind, previous.id if previous else 0,
                          previous.output if previous else None, meta, dry_run, move)
    fault_point("after-commit")
    outcome.status, outcome.batch = FileStatus.POSTED, result.batch_id
    out = unique_output_path(ctx.home.outbox, stem, ".posted.xlsx")
    _stage(f"writing the receipt for {meta.file_name}")
    try:
        fault_point("writing-report")
        out = _write_posted(out, meta, plan, _with_costs(ctx, result), ingested.vendor, ingested.notes, warnings)
    except OSError as exc:  # disk full, permission denied: the posting stands, the receipt is missing
        log.error("%s: posted as batch %s but the receipt could not be written: %s", meta.file_name,
                  result.batch_id, exc)
        outcome.notes.append(f"posted as batch {result.batch_id}, but the receipt workbook could not be written "
                             f"({exc}); the ledger is complete")
    else:
        ctx.store.set_output(result.batch_id, str(out))
        outcome.output = str(out)
    outcome.counts = {"rows": plan.rows, "units": result.units, "lots": result.lots,
                      "transactions": result.transactions, **kind_named(plan.kind).counts(plan)}
    outcome.archived = str(archive_original(ctx.home, path, FileStatus.POSTED, today=ctx.today, move=move,
                                                name=meta.file_name))
    return outcome


def _answer(ctx: Context, path: Path, ingested: Ingested, meta: BatchMeta, outcome: Outcome, dry_run: bool,
            move: bool) -> Outcome:
    """A question (a lookup): the answer workbook ``outbox/<name>.answer.xlsx``, the original archived under
    ``archive/answered/<date>/``; the ledger is only read, and no batch is recorded (asking again answers
    again, from the ledger as it then stands)."""
    assert ingested.kind is not None
    kind = kind_named(ingested.kind)
    _stage(f"answering {len(ingested.rows):,} rows of {meta.file_name}")
    answer = kind.answer(ingested, check_env(ctx), file_name=meta.file_name, answered_at=meta.started_at or ctx.clock())
    out = unique_output_path(ctx.home.outbox, Path(meta.file_name).stem, ".answer.xlsx")
    fault_point("writing-report")
    out = write_new_report(out, answer.sheets, report_date=ctx.today)
    outcome.status, outcome.output, outcome.counts = FileStatus.ANSWERED, str(out), answer.counts
    if not dry_run:
        outcome.archived = str(archive_original(ctx.home, path, "answered", today=ctx.today, move=move,
                                                name=meta.file_name))
    return outcome


def _grid_sheets(ingested: Ingested) -> list[GridSheet]:
    headers = {t.sheet: t.header_row for t in ingested.tables}
    return [GridSheet(g.name, g.rows, headers.get(g.name)) for g in ingested.grids]


def _refuse(ctx: Context, path: Path, ingested: Ingested | None, meta: BatchMeta, refusal: Issue, dry_run: bool,
            move: bool) -> Outcome:
    """Rejected for who dropped it (``[access]``), whatever the ledger holds: posted bytes dropped again by
    someone who may not post the kind are still refused, never reported as a duplicate."""
    outcome = Outcome(meta.file_name, meta.kind, FileStatus.REJECTED, errors=[refusal], dry_run=dry_run)
    return _reject(ctx, path, ingested, meta, outcome, dry_run, move, whatever_was_posted=True)


def _reject(ctx: Context, path: Path, ingested: Ingested | None, meta: BatchMeta, outcome: Outcome, dry_run: bool,
            move: bool, *, whatever_was_posted: bool = False) -> Outcome:
    if not outcome.errors:
        outcome.errors.append(Issue("nothing-to-post", "nothing in this file could be posted",
                                    Source(meta.file_name)))
    out = unique_output_path(ctx.home.outbox, Path(meta.file_name).stem, ".rejected.xlsx")
    if not dry_run:  # recorded first: the same bytes posted meanwhile make this file a duplicate, not a rejection
        try:
            outcome.batch = ctx.store.record_rejection(
                meta, errors=len(outcome.errors), output=str(out),
                whatever_was_posted=whatever_was_posted)
        except AlreadyPosted:
            previous = ctx.store.posted_batch(meta.sha256, meta.kind)
            return _duplicate(ctx, path, meta.file_name, meta.kind, previous.id if previous else 0,
                              previous.output if previous else None, meta, dry_run, move)
    fault_point("writing-report")
    _stage(f"writing the annotated copy of {meta.file_name}")
    written = write_rejected(out, file_name=meta.file_name, issues=outcome.errors + outcome.warnings,
                             sheets=_grid_sheets(ingested) if ingested else [], notes=outcome.notes)
    if written != out and outcome.batch is not None:  # the name was taken meanwhile: record where it went
        ctx.store.set_output(outcome.batch, str(written))
    outcome.output = str(written)
    if not dry_run:
        outcome.archived = str(archive_original(ctx.home, path, FileStatus.REJECTED, today=ctx.today, move=move,
                                                    name=meta.file_name))
    return outcome
