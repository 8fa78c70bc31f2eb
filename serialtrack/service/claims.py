"""Claims: which watcher may read a dropped file, and what happens to files a dead watcher held.

A watcher claims a ready file by renaming it out of ``inbox/`` into its own folder ``work/<owner>/<kind>/``
(``auto`` when the file sat straight in ``inbox/``). The rename is atomic on one volume: when two watchers
race, one succeeds and the other gets ``FileNotFoundError`` and moves on. The file keeps its name, so the
archive keeps it too.

Each owner folder is guarded by a lock its watcher holds for as long as it lives and that the system frees
when the process dies, however it dies: an ``flock`` on ``work/<owner>.lock`` with SQLite (one host), a
session-level advisory lock with PostgreSQL (any number of hosts on one database). A folder whose lock can be
taken belongs to a dead watcher: ``ClaimArea.adopt_orphans`` moves its files into the living watcher's folder,
to be resolved against the ledger. On PostgreSQL the watcher also holds an advisory lock keyed by the file's
sha256 while it processes the file, so two watchers never work on the same bytes at once, even where a
network share's rename is less than atomic or a clerk drops the same file twice under two names.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import logging
import os
import re
import secrets
import shutil
import socket
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Protocol

from sqlalchemy import Connection, Engine, text
from sqlalchemy.exc import DBAPIError

from serialtrack.kinds.registry import NAMES
from serialtrack.service.home import Home

log = logging.getLogger("serialtrack.watcher")

OWNER_PREFIX = "w-"
AUTO = "auto"  # the kind folder of a file dropped straight into inbox/


def new_owner_id() -> str:
    """Unique per watcher run: host, pid and a random tag (a pid may be reused after a restart)."""
    host = re.sub(r"[^A-Za-z0-9_.-]", "_", socket.gethostname())[:60] or "host"
    return f"{OWNER_PREFIX}{host}-{os.getpid()}-{secrets.token_hex(4)}"


class Locks(Protocol):
    """Non-blocking locks that die with their holder: owner folders, and (PostgreSQL) file contents."""

    def hold(self, owner: str) -> bool: ...

    def release(self, owner: str, *, forget: bool = False) -> None: ...

    def hold_content(self, sha256: str) -> bool: ...

    def release_content(self, sha256: str) -> None: ...

    def check(self) -> None: ...

    def close(self) -> None: ...


class FileLocks:
    """``flock`` on ``work/<owner>.lock``: one host, the kernel frees the lock when the process dies.
    Content locks are ``flock`` too, on ``work/.content-<first two hex digits of the sha256>.lock`` (256 files
    at most): two watchers never work on the same bytes at once, so the second of two names for the same
    bytes waits until the first is posted and answered, then is reported as a duplicate."""

    def __init__(self, work: Path) -> None:
        self.work = work
        self._held: dict[str, IO[str]] = {}
        self._content: dict[str, IO[str]] = {}

    def hold(self, owner: str) -> bool:
        handle = _try_flock(self.work / f"{owner}.lock")
        if handle is None:
            return False
        self._held[owner] = handle
        return True

    def release(self, owner: str, *, forget: bool = False) -> None:
        handle = self._held.pop(owner, None)
        if handle is None:
            return
        if forget:  # unlink while still holding it: nobody can take a lock on a file we are removing
            (self.work / f"{owner}.lock").unlink(missing_ok=True)
        _unlock(handle)

    def hold_content(self, sha256: str) -> bool:
        handle = _try_flock(self.work / f".content-{sha256[:2]}.lock")
        if handle is None:
            return False
        self._content[sha256] = handle
        return True

    def release_content(self, sha256: str) -> None:
        handle = self._content.pop(sha256, None)
        if handle is not None:
            _unlock(handle)

    def check(self) -> None:
        return None

    def close(self) -> None:
        for owner in list(self._held):
            self.release(owner)


def _try_flock(path: Path) -> IO[str] | None:
    """An exclusive ``flock`` on ``path`` without waiting: the open handle (keep it while held), or None when
    another process holds it."""
    handle = open(path, "a+")  # noqa: SIM115 (kept open while held)
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        handle.close()
        return None
    return handle


def _unlock(handle: IO[str]) -> None:
    fcntl.flock(handle, fcntl.LOCK_UN)
    handle.close()


def _advisory_key(scope: str, namespace: str, value: str) -> int:
    """A signed 64-bit key for ``pg_advisory_lock``. Advisory locks are per database, so the key includes
    the ledger's schema: two deployments in one database never wait on each other."""
    digest = hashlib.blake2b(f"serialtrack:{scope}:{namespace}:{value}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


class PostgresLocks:
    """Session-level advisory locks on one dedicated autocommit connection, kept for the watcher's life.
    PostgreSQL frees them when the session ends, so a watcher killed on any host releases its folder and the
    file in hand."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._owners: set[str] = set()
        self._conn: Connection | None = None
        self._scope = ""
        self._stale = False

    def _connection(self) -> Connection:
        if self._conn is None:
            self._conn = self.engine.connect().execution_options(isolation_level="AUTOCOMMIT")
            self._scope = str(self._conn.execute(text("SELECT current_schema()")).scalar())
            # A host that dies without closing the connection frees its locks within about a minute,
            # not after the default two hours of TCP silence.
            self._conn.execute(text("SET tcp_keepalives_idle = 30; SET tcp_keepalives_interval = 10; "
                                    "SET tcp_keepalives_count = 3"))
        return self._conn

    def _call(self, function: str, namespace: str, value: str) -> bool:
        try:
            conn = self._connection()
            key = _advisory_key(self._scope, namespace, value)
            return bool(conn.execute(text(f"SELECT {function}(:key)"), {"key": key}).scalar())
        except DBAPIError:
            self._drop()  # the session and its locks are gone; ``check`` takes them again
            raise

    def hold(self, owner: str) -> bool:
        taken = self._call("pg_try_advisory_lock", "owner", owner)
        if taken:
            self._owners.add(owner)
        return taken

    def release(self, owner: str, *, forget: bool = False) -> None:
        if owner in self._owners:
            self._owners.discard(owner)
            self._call("pg_advisory_unlock", "owner", owner)

    def hold_content(self, sha256: str) -> bool:
        return self._call("pg_try_advisory_lock", "file", sha256)

    def release_content(self, sha256: str) -> None:
        with contextlib.suppress(DBAPIError):  # else the session is gone, and the lock with it
            self._call("pg_advisory_unlock", "file", sha256)

    def check(self) -> None:
        """After the session was lost (the database restarted; its locks went with it), take our folder's lock
        again on a new one. Raises ``LostOwnership`` when another watcher took it in the meantime."""
        if self._conn is not None and not self._conn.invalidated and not self._stale:
            try:
                self._conn.execute(text("SELECT 1"))
                return
            except DBAPIError:
                self._drop()
        owners = set(self._owners)
        self._owners.clear()
        self._stale = False
        try:
            for owner in owners:
                if not self.hold(owner):
                    raise LostOwnership(owner)
        except DBAPIError:
            self._owners |= owners  # still ours to take again at the next check
            raise

    def _drop(self) -> None:
        if self._conn is not None:
            try:
                self._conn.invalidate()
                self._conn.close()
            except Exception:  # noqa: BLE001 (the connection is broken; nothing to save)
                pass
            self._conn = None
        self._stale = True  # a new session holds none of our locks until ``check`` takes them again

    def close(self) -> None:
        """End the session, and every lock with it. The connection is discarded, never returned to the pool:
        a pooled session would keep its advisory locks for whoever used it next."""
        self._drop()
        self._owners.clear()


class LostOwnership(Exception):
    """The lock on our own work folder was lost (the database went away) and another watcher holds it now."""


def open_locks(engine: Engine, work: Path) -> Locks:
    if engine.dialect.name == "postgresql":
        return PostgresLocks(engine)
    return FileLocks(work)


@dataclass(frozen=True)
class Claimed:
    """A file this watcher holds: where it is now, the name the clerk gave it, its inbox subfolder's kind,
    and whether it may already have been posted (a leftover of a crash, or a retry)."""

    path: Path
    name: str
    kind: str | None
    recovered: bool = False


class ClaimArea:
    """This watcher's folder under ``work/``: claims into it, adoption of dead watchers' folders."""

    def __init__(self, home: Home, locks: Locks, owner: str | None = None) -> None:
        self.home = home
        self.locks = locks
        self.owner = owner or new_owner_id()

    @property
    def folder(self) -> Path:
        return self.home.work / self.owner

    def open(self) -> None:
        """Take our lock first, then create the folder: nobody sees the folder while it is unlocked."""
        self.home.work.mkdir(parents=True, exist_ok=True)
        if not self.locks.hold(self.owner):
            raise RuntimeError(f"cannot lock the claim folder {self.folder}")
        self.folder.mkdir()

    def reopen(self) -> None:
        """After ``LostOwnership``: carry on under a new owner id (the old folder is someone else's now)."""
        self.owner = new_owner_id()
        self.open()

    def claim(self, source: Path, kind: str | None) -> Claimed | None:
        """Rename ``source`` into our folder; None when another watcher was faster (or it went away)."""
        target = self._slot(kind, source.name)
        try:
            os.rename(source, target)
        except FileNotFoundError:
            return None
        return Claimed(target, source.name, kind)

    def _slot(self, kind: str | None, name: str) -> Path:
        """A free path for ``name`` in our folder (a numbered subfolder if a failed file still sits there):
        ``os.rename`` replaces an existing target, so the target must not exist."""
        base = self.folder / (kind or AUTO)
        folder, number = base, 1
        while (folder / name).exists():
            folder, number = base / str(number), number + 1
        folder.mkdir(parents=True, exist_ok=True)
        return folder / name

    def adopt_orphans(self) -> list[Claimed]:
        """Move the files of every dead watcher's folder into ours; they may have been posted already."""
        adopted: list[Claimed] = []
        for folder in sorted(self.home.work.iterdir()):
            if (not folder.name.startswith(OWNER_PREFIX) or folder.name == self.owner or not folder.is_dir()
                    or not self.locks.hold(folder.name)):
                continue  # not an owner folder, ours, or its watcher is alive
            try:
                for path in sorted(p for p in folder.rglob("*") if p.is_file()):
                    first = path.relative_to(folder).parts[0]
                    kind = first if first in NAMES else None
                    target = self._slot(kind, path.name)
                    os.rename(path, target)
                    adopted.append(Claimed(target, path.name, kind, recovered=True))
                    log.warning("%s: left in %s by a watcher that stopped; resolving it against the ledger",
                                path.name, folder.name)
                shutil.rmtree(folder, ignore_errors=True)
            finally:
                self.locks.release(folder.name, forget=True)
        return adopted

    def close(self) -> None:
        """Remove our folder when nothing is left in it (a leftover is adopted by the next watcher)."""
        if self.folder.is_dir() and not any(p.is_file() for p in self.folder.rglob("*")):
            shutil.rmtree(self.folder, ignore_errors=True)
            self.locks.release(self.owner, forget=True)
        else:
            self.locks.release(self.owner)
