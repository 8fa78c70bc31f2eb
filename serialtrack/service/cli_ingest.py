"""The ``init`` and ``ingest`` commands (loaded by name by the root command in ``cli``)."""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import click
from rich.console import Console

from serialtrack.ingest.fields import FIELDS
from serialtrack.kinds.registry import NAMES
from serialtrack.records import FileStatus, plural
from serialtrack.service.access import current_user
from serialtrack.service.claims import Locks, open_locks
from serialtrack.service.cli_common import EXIT_FAILED, EXIT_OK, context_for
from serialtrack.service.home import Home, init_home
from serialtrack.service.pipeline import STAGE_LISTENER, file_sha256, process_file
from serialtrack.service.templates import write_blank_templates


@click.command()
@click.pass_obj
def init(home: Home) -> None:
    """Create the home's folders, a commented serialtrack.toml, the database and a blank fill-in template per
    kind in templates/ (safe to run again: nothing that exists is touched)."""
    created = init_home(home)
    with context_for(home) as ctx:
        created += write_blank_templates(home, today=ctx.today)
    for path in created:
        click.echo(f"created {path}")
    click.echo(f"home ready: {home.root}")


def echo_outcome(outcome: Any) -> None:
    label = {FileStatus.POSTED: "posted", FileStatus.REJECTED: "REJECTED", FileStatus.DUPLICATE: "duplicate",
             FileStatus.FAILED: "FAILED", FileStatus.ANSWERED: "answered"}[outcome.status]
    if outcome.dry_run and outcome.status == FileStatus.POSTED:
        label = "checked (dry run, nothing posted)"
    batch = f" batch {outcome.batch}" if outcome.batch else ""
    click.echo(f"{outcome.file}: {label} [{outcome.kind or 'unknown kind'}]{batch}")
    if len(outcome.errors) > 20:
        click.echo(f"  {len(outcome.errors):,} errors, mostly: {outcome.top_errors()}")
    for issue in outcome.errors[:20]:
        click.echo(f"  {issue}")
    if len(outcome.errors) > 20:
        click.echo(f"  ... and {plural(len(outcome.errors) - 20, 'more error')} (see the workbook)")
    for issue in outcome.warnings[:20]:
        click.echo(f"  warning: {issue}")
    for note in outcome.notes:
        click.echo(f"  note: {note}")
    if outcome.output:
        click.echo(f"  -> {outcome.output}")


@contextmanager
def _progress(*, enabled: bool) -> Iterator[Callable[[str], None]]:
    """On a terminal, a live line on stderr saying which step each file is at (reading, checking N rows,
    posting N units, writing the answer); elsewhere (a pipe, a log, --json) nothing."""
    console = Console(stderr=True)
    if not enabled or not console.is_terminal:
        yield lambda text: None
        return
    with console.status("starting", spinner="dots") as status:
        def show(text: str) -> None:
            status.update(text)
        token = STAGE_LISTENER.set(show)
        try:
            yield show
        finally:
            STAGE_LISTENER.reset(token)


def _field_values(click_ctx: click.Context, param: click.Parameter, values: tuple[str, ...]) -> dict[str, str]:
    """``--set FIELD=VALUE`` pairs, each FIELD a known field."""
    given: dict[str, str] = {}
    for text in values:
        name, sep, value = text.partition("=")
        name = name.strip()
        if not sep or not name or not value.strip():
            raise click.BadParameter(f"{text!r} is not FIELD=VALUE (e.g. po_number=70001)", click_ctx, param)
        if name not in FIELDS:
            raise click.BadParameter(f"{name} is not a field; fields: {', '.join(sorted(FIELDS))}", click_ctx, param)
        given[name] = value.strip()
    return given


@click.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option("--kind", type=click.Choice(sorted(k.value for k in NAMES)), help="Treat every file as this kind.")
@click.option("--dry-run", is_flag=True, help="Check and write the report, post nothing, move nothing.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object per file.")
@click.option("--set", "given", multiple=True, metavar="FIELD=VALUE", callback=_field_values,
              help="Give FIELD this value on every row that lacks it (repeatable), e.g. --set po_number=70001.")
@click.pass_obj
def ingest(home: Home, files: tuple[Path, ...], kind: str | None, dry_run: bool, as_json: bool,
           given: dict[str, str]) -> None:
    """Process FILES now, exactly as the watcher would. Exit 1 when any file was rejected."""
    init_home(home)
    outcomes = []
    run_by = current_user()
    with context_for(home) as ctx, _progress(enabled=not as_json) as progress:
        locks = open_locks(ctx.store.engine, ctx.home.work)
        try:
            for number, path in enumerate(files, 1):
                progress(f"{path.name} ({number} of {len(files)})")
                with _same_bytes_one_at_a_time(locks, path):
                    outcome = process_file(ctx, path, kind=kind, dry_run=dry_run, run_by=run_by, overrides=given)
                outcomes.append(outcome)
                if as_json:
                    click.echo(json.dumps(outcome.as_json(), default=str, ensure_ascii=False))
                else:
                    echo_outcome(outcome)
        finally:
            locks.close()
    sys.exit(EXIT_OK if all(o.ok for o in outcomes) else EXIT_FAILED)


#: How long ``ingest`` waits for another process working on the same bytes (its lock dies with it).
SAME_BYTES_WAIT_SECONDS = 600.0


@contextmanager
def _same_bytes_one_at_a_time(locks: Locks, path: Path) -> Iterator[None]:
    """Hold the content lock the watchers use while ``path`` is processed, waiting while another process
    (``ingest`` or a watcher) works on the same bytes: the second of two names for one file then finds the
    first posted and answered, and is a duplicate pointing at that one receipt rather than writing a second.
    A path that is not a plain readable file is left to the pipeline's own guard, unlocked."""
    try:
        if path.is_symlink() or not path.is_file():
            yield
            return
        sha = file_sha256(path)
    except OSError:
        yield
        return
    deadline = time.monotonic() + SAME_BYTES_WAIT_SECONDS
    while not locks.hold_content(sha):
        if time.monotonic() > deadline:
            break  # the pipeline's own guards still keep the ledger whole; only the answer may repeat
        time.sleep(0.2)
    try:
        yield
    finally:
        locks.release_content(sha)
