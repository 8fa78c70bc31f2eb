"""What every command module shares: exit codes, one-line errors, the context for a home, JSON printing.

Exit codes: 0 success; 1 a file was rejected or failed, or a looked-up thing does not exist; 2 usage or
configuration errors (printed as one ``Error: ...`` line).
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import click

from serialtrack.ledger.db import DatabaseError
from serialtrack.service.config import ConfigError
from serialtrack.service.context import Context, open_context
from serialtrack.service.home import Home, home_exists

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


class UserError(Exception):
    """A one-line error for the user; ``code`` is the exit code."""

    def __init__(self, message: str, code: int = EXIT_FAILED) -> None:
        super().__init__(message)
        self.code = code


def fail(message: str, code: int) -> None:
    click.echo(f"Error: {message}", err=True)
    sys.exit(code)


def missing_home(home: Home) -> str:
    return f"no serialtrack home at {home.root}: run `serialtrack init`"


@contextmanager
def context_for(home: Home) -> Iterator[Context]:
    """The context of an existing home (see ``home.home_exists``): a command that makes the home (``init``,
    ``ingest``, ``watch``, ``demo``) calls ``init_home`` first; one that only reads (``stock``, ``serial``,
    ``lots``, ``reverse``, ``reconcile``) is refused, exit 2, where there is none, and creates nothing."""
    if not home_exists(home):
        fail(missing_home(home), EXIT_USAGE)
    try:
        ctx = open_context(home)
    except (ConfigError, DatabaseError) as exc:
        fail(str(exc), EXIT_USAGE)
        raise  # unreachable: fail exits
    try:
        yield ctx
    except UserError as exc:
        fail(str(exc), exc.code)
    finally:
        ctx.close()


def print_json(data: Any) -> None:
    click.echo(json.dumps(data, indent=2, default=str, ensure_ascii=False))
