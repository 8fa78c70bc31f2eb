"""What every command and the watcher share: the home, its settings, the store over the migrated ledger,
and the clock (the one thing tests replace)."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass, field

from serialtrack.ingest.safety import ReadLimits
from serialtrack.ingest.serials import SerialPolicy
from serialtrack.ledger.db import open_engine
from serialtrack.ledger.store import Store, utcnow
from serialtrack.service.config import Settings, database_url, exposed_password, load_settings
from serialtrack.service.home import Home, remove_leftovers

log = logging.getLogger("serialtrack.config")


@dataclass
class Context:
    home: Home
    settings: Settings
    store: Store
    clock: Callable[[], dt.datetime] = field(default=utcnow)

    @property
    def today(self) -> dt.date:
        return self.clock().astimezone().date()

    @property
    def limits(self) -> ReadLimits:
        lim = self.settings.limits
        return ReadLimits(max_bytes=int(lim.max_file_mb * 1024 * 1024), max_rows=lim.max_rows,
                          max_compression_ratio=lim.max_compression_ratio,
                          max_uncompressed_bytes=int(lim.max_uncompressed_mb * 1024 * 1024),
                          max_parts=lim.max_parts, max_cells=lim.max_cells,
                          sparse_floor_cells=lim.sparse_floor_cells, max_cells_per_value=lim.max_cells_per_value)

    @property
    def serial_policy(self) -> SerialPolicy:
        return SerialPolicy(upper_case=self.settings.serials.upper_case, pad_width=self.settings.serials.pad_width,
                            max_expansion=self.settings.limits.max_expansion)

    def close(self) -> None:
        self.store.engine.dispose()


def open_context(home: Home, *, clock: Callable[[], dt.datetime] = utcnow) -> Context:
    """Load the settings, open and migrate the ledger, and remove what a killed run left half-written (hidden
    temp files and folders, see ``home.remove_leftovers``). Raises ConfigError or DatabaseError. Warns when
    ``serialtrack.toml`` holds the database password and other users may read it."""
    settings = load_settings(home.root)
    if warning := exposed_password(home.root, settings):
        log.warning(warning)
    engine = open_engine(database_url(home.root, settings),
                         busy_timeout_ms=int(settings.database.busy_timeout_seconds * 1000))
    store = Store(engine, receiving_bin=settings.offices.receiving_bin, return_bin=settings.offices.return_bin,
                  clock=clock)
    for path in remove_leftovers(home):
        log.info("removed %s, left half-written by a run that was stopped", path)
    return Context(home, settings, store, clock)
