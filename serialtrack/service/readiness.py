"""When a dropped file is ready to be read: complete, and nobody has it open.

A candidate is a file straight in ``inbox/`` or in ``inbox/<kind>/``. Lock and temp files are never
candidates. A candidate is ready when two scans saw the same size and mtime, it was first seen so at least
``min_age`` seconds ago, and no fresh owner lock (``~$name.xlsx``, ``.~lock.name.xlsx#``) sits beside it.
A CSV whose last line has no newline yet is a copy that may have stalled mid-row: it must stay unchanged for
``unfinished_line`` seconds instead (a finished CSV ends in a newline, as Excel and LibreOffice write it).
Ages are measured on this host's monotonic clock, never against the file's mtime: a file server's clock may be
off, and a network share's mtime may be coarse.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from pathlib import Path

from serialtrack.kinds.registry import NAMES

TEMP_SUFFIXES = frozenset({".tmp", ".temp", ".part", ".partial", ".crdownload"})
TEXT_SUFFIXES = frozenset({".csv", ".txt", ".tsv"})


def ends_unfinished(path: Path) -> bool:
    """A text file whose last byte is not a newline: its last row may be half-written."""
    if path.suffix.lower() not in TEXT_SUFFIXES:
        return False
    try:
        with open(path, "rb") as handle:
            if handle.seek(0, os.SEEK_END) == 0:
                return False
            handle.seek(-1, os.SEEK_END)
            return handle.read(1) not in (b"\n", b"\r")
    except OSError:
        return False


def is_ignored(name: str) -> bool:
    """Lock, temp and hidden files are never read: ``~$x.xlsx``, ``.~lock.x.xlsx#``, ``~WRL0001.tmp``,
    Excel's save temp files (no extension), ``*.tmp``, ``*.part``, editor backups and hidden files."""
    if name.startswith((".", "~")) or name.endswith(("#", "~")):
        return True
    suffix = os.path.splitext(name)[1].lower()
    return not suffix or suffix in TEMP_SUFFIXES


def owner_lock_names(name: str) -> tuple[str, ...]:
    """Lock files that say someone has ``name`` open: Excel's ``~$name`` (or ``~$`` over the first two
    letters, as Office does for long names) and LibreOffice's ``.~lock.name#``."""
    return f"~${name}", f"~${name[2:]}", f".~lock.{name}#"


@dataclass(frozen=True)
class Seen:
    """One candidate file as one scan saw it; ``lock`` names a fresh owner lock beside it."""

    path: Path
    kind: str | None
    size: int
    mtime_ns: int
    lock: str | None = None

    @property
    def signature(self) -> tuple[int, int]:
        return self.size, self.mtime_ns


def scan_inbox(inbox: Path, lock_max_age: float) -> list[Seen]:
    """Every candidate in ``inbox/`` and ``inbox/<kind>/``; deeper folders are not read."""
    seen: list[Seen] = []
    now = time.time()
    for folder, kind in [(inbox, None), *((inbox / k, k) for k in NAMES)]:
        try:
            with os.scandir(folder) as listing:
                entries = {entry.name: entry for entry in listing}
        except OSError:  # missing, or not a folder
            continue
        for name, entry in entries.items():
            try:
                if is_ignored(name) or not entry.is_file(follow_symlinks=False):
                    continue
                stat = entry.stat(follow_symlinks=False)
            except OSError:
                continue
            seen.append(Seen(Path(entry.path), kind, stat.st_size, stat.st_mtime_ns,
                             _fresh_lock(entries, name, now, lock_max_age)))
    return seen


def _fresh_lock(entries: dict[str, os.DirEntry[str]], name: str, now: float, max_age: float) -> str | None:
    for lock in owner_lock_names(name):
        entry = entries.get(lock)
        try:
            if entry is not None and now - entry.stat(follow_symlinks=False).st_mtime < max_age:
                return lock
        except OSError:
            continue
    return None


@dataclass
class _Track:
    signature: tuple[int, int]
    since: float  # monotonic time this signature was first seen
    scans: int
    locked: bool = False
    blocked: bool = False  # its claim failed: wait until the file changes
    unfinished: bool = False  # a CSV seen without a final newline: due after ``unfinished_line``


class Readiness:
    """Which candidates are ready. Ages are measured on this host's monotonic clock, not against the file's
    mtime: a file server's clock may be off."""

    def __init__(self, min_age: float, unfinished_line: float = 0.0) -> None:
        self.min_age = min_age
        self.unfinished_line = max(min_age, unfinished_line)
        self._tracks: dict[Path, _Track] = {}

    def update(self, seen: list[Seen], now: float) -> list[Seen]:
        """Record one scan; return the ready candidates, oldest first."""
        tracks: dict[Path, _Track] = {}
        ready: list[Seen] = []
        for item in seen:
            track = self._tracks.get(item.path)
            if track is None or track.signature != item.signature:
                track = _Track(item.signature, now, 0)
            track.scans += 1
            track.locked = item.lock is not None
            tracks[item.path] = track
            if self._waiting(track) and track.scans >= 2 and now - track.since >= self.min_age:
                if now - track.since < self.unfinished_line and ends_unfinished(item.path):
                    track.unfinished = True  # wait longer: the copy may have stalled mid-row
                    continue
                ready.append(item)
        self._tracks = tracks
        return sorted(ready, key=lambda s: (tracks[s.path].since, s.path.name))

    @staticmethod
    def _waiting(track: _Track) -> bool:
        return not track.locked and not track.blocked

    def waiting(self) -> int:
        """How many candidates may still become ready without anything else changing."""
        return sum(1 for track in self._tracks.values() if self._waiting(track))

    def locked(self) -> list[Path]:
        return [path for path, track in self._tracks.items() if track.locked]

    def next_due(self, now: float) -> float | None:
        """Seconds until the earliest waiting candidate may be ready; None when none waits."""
        dues = [track.since + (self.unfinished_line if track.unfinished else self.min_age) - now
                for track in self._tracks.values() if self._waiting(track)]
        return max(0.0, min(dues)) if dues else None

    def forget(self, path: Path) -> None:
        self._tracks.pop(path, None)

    def block(self, path: Path) -> None:
        if path in self._tracks:
            self._tracks[path].blocked = True
