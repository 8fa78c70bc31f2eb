"""Fixtures for tests/reconcile: a fixed local time zone (UTC), and ``dropped``: a home holding the golden
scenario's files posted through the real pipeline (``reconcile_drops``), on each backend of ``db_url``."""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

HERE = str(Path(__file__).resolve().parent)
if HERE not in sys.path:  # pytest's default import mode puts it there; other modes may not
    sys.path.insert(0, HERE)

from reconcile_drops import drop_history  # noqa: E402

from serialtrack.service.context import Context  # noqa: E402


@pytest.fixture(autouse=True)
def utc() -> Iterator[None]:
    """Local time is UTC here, so posting times and the report's day do not depend on the machine."""
    before = os.environ.get("TZ")
    os.environ["TZ"] = "UTC"
    time.tzset()
    try:
        yield
    finally:
        if before is None:
            os.environ.pop("TZ", None)
        else:
            os.environ["TZ"] = before
        time.tzset()


@pytest.fixture
def dropped(home: Path, tmp_path: Path) -> Iterator[Context]:
    ctx = drop_history(home, tmp_path / "files")
    try:
        yield ctx
    finally:
        ctx.close()
