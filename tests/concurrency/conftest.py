"""Fixtures for tests/concurrency: real ``serialtrack`` processes racing on one ledger (SQLite, and PostgreSQL
when SERIALTRACK_TEST_POSTGRES_URL is set). Helpers live in ``race_support`` beside this file."""

from __future__ import annotations

import sys
from pathlib import Path

HERE = str(Path(__file__).resolve().parent)
if HERE not in sys.path:
    sys.path.insert(0, HERE)
WATCHER = str(Path(__file__).resolve().parent.parent / "watcher")
if WATCHER not in sys.path:
    sys.path.insert(0, WATCHER)
