"""What the test environment offers: the database backends and the shared real sheets.

PostgreSQL variants are always collected; without ``SERIALTRACK_TEST_POSTGRES_URL`` they are reported as
SKIPPED (marker ``postgres``), never left out silently. Real sheets are read in place from
``$SERIALTRACK_REAL_SHEETS`` (else ``shared/real-sheets`` beside the repository) and skip visibly when absent.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

PG_URL = os.environ.get("SERIALTRACK_TEST_POSTGRES_URL")
NO_PG = "PostgreSQL variant: set SERIALTRACK_TEST_POSTGRES_URL to run it"
BACKENDS = ["sqlite", pytest.param("postgresql", marks=[pytest.mark.postgres,
                                                        pytest.mark.skipif(not PG_URL, reason=NO_PG)])]


def pg_schema_url(schema: str) -> str:
    """The PostgreSQL test URL with ``search_path`` set to ``schema``."""
    assert PG_URL
    sep = "&" if "?" in PG_URL else "?"
    return f"{PG_URL}{sep}options=-csearch_path%3D{schema}"


def real_sheets_dir() -> Path:
    """``$SERIALTRACK_REAL_SHEETS``, else ``<repo>/../shared/real-sheets``."""
    env = os.environ.get("SERIALTRACK_REAL_SHEETS")
    return Path(env) if env else Path(__file__).resolve().parents[2].parent / "shared" / "real-sheets"


def real_sheet(name: str) -> Path:
    """One real sheet, read in place (never copied into the repository); a visible skip when absent."""
    path = real_sheets_dir() / name
    if not path.is_file():
        pytest.skip(f"real sheet {path} is not available (set SERIALTRACK_REAL_SHEETS)")
    return path
