"""Named crash points for fault-injection tests: ``fault_point("after-commit")`` kills this process with
SIGKILL when the environment variable ``SERIALTRACK_CRASH_AT`` names that point, and does nothing otherwise.

SIGKILL cannot be caught, so no ``finally`` block, atexit hook or database rollback runs: the process stops
exactly as it would on a power cut or an OOM kill, and the tests then prove that a restart finds every file
posted once or not at all. The variable is read once, at import; a point not named costs one string
comparison. Points used by the pipeline: ``reading``, ``planned``, ``before-commit``, ``after-commit``,
``writing-report``.

``SERIALTRACK_CRASH_AT=raise:<point>`` raises ``InjectedFault`` there instead: a defect (an exception the code
does not expect), so tests can prove how an internal error is answered (``ingest`` and ``watch`` alike).

``SERIALTRACK_PAUSE_AT=<point>:<seconds>`` sleeps there instead: a slow process, so that concurrency tests can
make two real processes overlap at a chosen step (both checked before either commits) rather than hope they do.
"""

from __future__ import annotations

import os
import signal
import time

CRASH_ENV = "SERIALTRACK_CRASH_AT"
RAISE_PREFIX = "raise:"
_ARMED = os.environ.get(CRASH_ENV) or None
PAUSE_ENV = "SERIALTRACK_PAUSE_AT"


def _pause() -> tuple[str, float] | None:
    point, _, seconds = (os.environ.get(PAUSE_ENV) or "").rpartition(":")
    try:
        return (point, float(seconds)) if point else None
    except ValueError:
        return None


_PAUSE = _pause()


class InjectedFault(RuntimeError):
    """Raised at a fault point armed with ``raise:<point>``: stands for a defect."""


def fault_point(name: str) -> None:
    """Die here (SIGKILL) if ``SERIALTRACK_CRASH_AT`` equals ``name``, raise ``InjectedFault`` if it equals
    ``raise:<name>``; a no-op otherwise."""
    if _PAUSE is not None and _PAUSE[0] == name:
        time.sleep(_PAUSE[1])
    if _ARMED is None:
        return
    if name == _ARMED:
        os.kill(os.getpid(), signal.SIGKILL)
    if RAISE_PREFIX + name == _ARMED:
        raise InjectedFault(f"fault injected at {name!r}")
