"""Python's cyclic garbage collector held off while one file is processed.

A 100k-row file makes a few hundred thousand small objects (rows, serial units, plan rows) that stay alive until
the file is done; the collector, triggered by allocations, walks all of them again and again (about 30% of the
CPU time of a 100k one-serial-per-row receipt, see ``benchmarks/README.md``). None of them form reference
cycles, so reference counting frees them as before; the collector is switched back on when the file is done,
whatever happened, and then runs as usual.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def collector_paused() -> Iterator[None]:
    """Hold off the cyclic collector for the block (nested or already-disabled: left as found)."""
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()
