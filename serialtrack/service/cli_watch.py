"""The ``watch`` command: the watcher service over ``serialtrack.service.watcher``, and its log formats."""

from __future__ import annotations

import datetime as dt
import json
import logging
import sys
from typing import Any

import click

from serialtrack.service.cli_common import EXIT_USAGE, UserError, context_for
from serialtrack.service.home import Home, init_home
from serialtrack.service.watcher import WatcherError, run_watcher

#: The keys of a per-file JSON log line (others lines carry ts, level, logger and message).
FILE_FIELDS = ("file", "kind", "status", "batch", "rows", "units", "errors", "seconds", "output", "dropped_by")


class JsonLinesFormatter(logging.Formatter):
    """One JSON object per line, for a log collector: ts, level, logger, message, and for a file's line
    ``file, kind, status, batch, rows, units, errors, seconds, output, dropped_by``; ``traceback`` when there
    is one."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "ts": dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(), "logger": record.name, "message": record.getMessage(),
        }
        line.update(getattr(record, "fields", None) or {})
        if record.exc_info:
            line["traceback"] = self.formatException(record.exc_info)
        return json.dumps(line, default=str, ensure_ascii=False)


def configure_logging(log_format: str, verbose: bool) -> None:
    """Log to stderr (journald and container runtimes collect it): the watcher's one line per file at INFO;
    the pipeline's own per-step lines only with ``--verbose``."""
    handler = logging.StreamHandler(sys.stderr)
    if log_format == "json":
        handler.setFormatter(JsonLinesFormatter())
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(logging.INFO if verbose else logging.WARNING)
    logging.getLogger("serialtrack.watcher").setLevel(logging.INFO)


@click.command()
@click.option("--once", is_flag=True,
              help="Process what is in the inbox (once it is ready), then exit: 0 when every file posted or "
                   "was a duplicate, 1 when any was rejected.")
@click.option("--poll", type=click.FloatRange(min=0, min_open=True), default=None, metavar="SECONDS",
              help="Full scan of the inbox this often (default: watcher.poll_seconds in serialtrack.toml).")
@click.option("--log-format", type=click.Choice(["text", "json"]), default="text", show_default=True,
              help="text: one readable line per file; json: one JSON object per line.")
@click.pass_context
def watch(click_ctx: click.Context, once: bool, poll: float | None, log_format: str) -> None:
    """Watch inbox/ and process each dropped file once it is complete; stop cleanly on SIGTERM or SIGINT
    (after the file in hand). Logs go to stderr."""
    home: Home = click_ctx.obj
    verbose = bool(click_ctx.parent and click_ctx.parent.params.get("verbose"))
    configure_logging(log_format, verbose)
    init_home(home)
    with context_for(home) as ctx:
        try:
            code = run_watcher(ctx, poll=poll, once=once)
        except WatcherError as exc:
            raise UserError(str(exc), EXIT_USAGE) from exc
    sys.exit(code)
