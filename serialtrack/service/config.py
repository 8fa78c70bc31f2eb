"""The deployment's settings: ``serialtrack.toml`` in the home, validated by pydantic.

Every setting has a default, so an empty (or missing) file is a working SQLite deployment. The database URL
comes from ``SERIALTRACK_DATABASE_URL`` first, then ``database.url``, then ``serialtrack.db`` in the home.
Vendor column mappings live here (``[vendors.NAME]``), never in code; so does who may post each kind
(``[access]``).
"""

from __future__ import annotations

import os
import stat
import tomllib
from collections.abc import Iterable
from decimal import Decimal
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from serialtrack.ingest.fields import FIELDS
from serialtrack.records import KindName

CONFIG_NAME = "serialtrack.toml"


class ConfigError(Exception):
    """The configuration cannot be used; reported as ``Error: ...`` with exit code 2."""


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class DatabaseSettings(_Section):
    url: str | None = None
    busy_timeout_seconds: float = Field(30.0, gt=0)
    #: How long a file is retried, with a growing pause, when the database is busy or away (0 = no retry).
    retry_seconds: float = Field(60.0, ge=0)


class ReceivingSettings(_Section):
    #: Over-receipt tolerance in percent of the ordered qty (0 = never receive more than ordered).
    over_receipt_tolerance_percent: Decimal = Field(Decimal(0), ge=0, le=1000)


class SerialSettings(_Section):
    upper_case: bool = True
    pad_width: int = Field(5, ge=0, le=50)


class LimitSettings(_Section):
    max_file_mb: float = Field(100.0, gt=0)
    max_rows: int = Field(1_100_000, gt=0)
    max_serials_per_file: int = Field(2_000_000, gt=0)
    #: Most units a single span may expand to, whatever the line's qty says.
    max_expansion: int = Field(1_000_000, gt=0)
    #: A zip member may be at most this many times larger uncompressed than compressed (zip bombs).
    max_compression_ratio: float = Field(200.0, gt=1)
    max_uncompressed_mb: float = Field(1000.0, gt=0)
    #: parts (files) inside one workbook's zip
    max_parts: int = Field(10_000, gt=0)
    #: a sheet's extent, rows x columns from A1 to its farthest cell (the reader allocates it whole)
    max_cells: int = Field(20_000_000, gt=0)
    #: a sheet spanning more than sparse_floor_cells must hold a value per max_cells_per_value cells
    sparse_floor_cells: int = Field(2_000_000, gt=0)
    max_cells_per_value: int = Field(50, gt=0)


class WatcherSettings(_Section):
    poll_seconds: float = Field(2.0, gt=0)
    min_age_seconds: float = Field(2.0, ge=0)
    lock_max_age_seconds: float = Field(600.0, gt=0)
    #: A CSV whose last line has no newline yet (a copy that stalled mid-row) must stay unchanged this long.
    unfinished_line_seconds: float = Field(30.0, ge=0)


class ReconciliationSettings(_Section):
    #: Cron expression (minute hour day month weekday, local time) for the nightly reconciliation run by the
    #: watcher; empty disables it.
    schedule: str = "30 23 * * *"
    #: The Warranties sheet lists warranties ending within this many days of the report's date.
    warranty_horizon_days: int = Field(default=90, ge=0, le=3660)

    @field_validator("schedule")
    @classmethod
    def _cron(cls, value: str) -> str:
        from croniter import croniter

        if value.strip() and not croniter.is_valid(value.strip()):
            raise ValueError(f"{value!r} is not a cron expression (minute hour day month weekday, "
                             "e.g. \"30 23 * * *\")")
        return value.strip()


class OfficeSettings(_Section):
    receiving_bin: str = "RECEIVING"
    return_bin: str = "RETURNS"


class VendorSettings(_Section):
    """How to recognise one vendor's files and map their columns onto our fields."""

    file_pattern: str | None = None  # a glob on the file name, e.g. "ACME-PL-*.xlsx"
    title_contains: str | None = None  # text found in the title block above the header
    columns: dict[str, str] = Field(default_factory=dict)  # their header -> our field
    #: our field -> a fixed value for files that lack it (``defaults = { office = "Main" }``); a value in the
    #: sheet wins, one that contradicts the title block is an error
    defaults: dict[str, str] = Field(default_factory=dict)

    @field_validator("defaults", mode="before")
    @classmethod
    def _defaults_as_text(cls, value: object) -> object:
        if isinstance(value, dict):
            _refuse_unknown_fields(value)
            return {k: v if isinstance(v, str) else str(v) for k, v in value.items()}
        return value

    @field_validator("columns")
    @classmethod
    def _known_fields(cls, value: dict[str, str]) -> dict[str, str]:
        _refuse_unknown_fields(value.values())
        return value


def _refuse_unknown_fields(names: Iterable[str]) -> None:
    unknown = sorted(set(names) - set(FIELDS))
    if unknown:
        raise ValueError(f"unknown field(s) {', '.join(unknown)}; known: {', '.join(sorted(FIELDS))}")


class AccessRule(_Section):
    """Who may post one kind: the file's owner is one of ``users``, or its group (or a group its owner belongs
    to) is one of ``groups``. Names or numeric ids; both lists empty = nobody may."""

    users: tuple[str, ...] = ()
    groups: tuple[str, ...] = ()

    @field_validator("users", "groups", mode="before")
    @classmethod
    def _names_or_ids(cls, value: object) -> object:
        if not isinstance(value, list | tuple):
            return value
        names = []
        for entry in value:
            if isinstance(entry, bool) or not isinstance(entry, str | int):
                raise ValueError(f"{entry!r} is neither a name nor a numeric id")
            if isinstance(entry, int) and entry < 0:
                raise ValueError(f"{entry} is not a user or group id")
            name = str(entry).strip()
            if not name:
                raise ValueError("an empty name")
            names.append(name)
        return tuple(names)


class Settings(_Section):
    database: DatabaseSettings = DatabaseSettings()
    receiving: ReceivingSettings = ReceivingSettings()
    serials: SerialSettings = SerialSettings()
    limits: LimitSettings = LimitSettings()
    watcher: WatcherSettings = WatcherSettings()
    reconciliation: ReconciliationSettings = ReconciliationSettings()
    offices: OfficeSettings = OfficeSettings()
    vendors: dict[str, VendorSettings] = Field(default_factory=dict)
    #: kind -> who may post it; a kind without an entry is open to all
    access: dict[str, AccessRule] = Field(default_factory=dict)

    @field_validator("access", mode="before")
    @classmethod
    def _known_kinds(cls, value: object) -> object:
        if isinstance(value, dict):
            unknown = sorted(set(value) - set(KindName))
            if unknown:
                raise ValueError(f"unknown kind {', '.join(repr(k) for k in unknown)}; the kinds are "
                                 f"{', '.join(sorted(KindName))}")
        return value


def _first_error(exc: ValidationError) -> str:
    err = exc.errors()[0]
    where = ".".join(str(p) for p in err["loc"])
    return f"{where}: {err['msg'].removeprefix('Value error, ')}"


def load_settings(home: Path) -> Settings:
    """Read ``serialtrack.toml`` from ``home`` (missing file = defaults)."""
    path = home / CONFIG_NAME
    data: dict = {}
    if path.exists():
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise ConfigError(f"{path}: not valid TOML: {exc}") from exc
    try:
        return Settings.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(f"{path}: {_first_error(exc)}") from exc


def exposed_password(home: Path, settings: Settings) -> str | None:
    """A sentence when ``serialtrack.toml`` holds the database password and other users may read the file."""
    path = home / CONFIG_NAME
    if not settings.database.url:
        return None
    try:
        password = make_url(settings.database.url).password
        mode = path.stat().st_mode
    except (ArgumentError, ValueError, OSError):
        return None
    if not password or not mode & stat.S_IROTH:
        return None
    return (f"{path} holds the database password and every user of this machine can read it "
            f"(mode {stat.S_IMODE(mode):04o}); put the URL in SERIALTRACK_DATABASE_URL or the password in a "
            f"~/.pgpass file of the service's account, or at least run: chmod o-r {path}")


#: The SQLite ledger's file in the home, when neither ``SERIALTRACK_DATABASE_URL`` nor ``database.url`` names one.
LEDGER_NAME = "serialtrack.db"


def database_url(home: Path, settings: Settings) -> str:
    env = os.environ.get("SERIALTRACK_DATABASE_URL")
    if env:
        return env
    if settings.database.url:
        return settings.database.url
    return f"sqlite:///{(home / LEDGER_NAME).resolve()}"


