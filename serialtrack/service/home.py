"""A home folder holds one deployment: drop folders, archive, config and (by default) the SQLite ledger.

``--home DIR``, else ``SERIALTRACK_HOME``, else the current folder. ``init_home`` is idempotent: it creates
what is missing and never touches what exists.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from serialtrack.exporters.publish import HOST_TAG, OLD_TEMP_NAME, TEMP_NAME, publish_new, temp_name
from serialtrack.records import KIND_NAMES
from serialtrack.service.config import CONFIG_NAME, LEDGER_NAME

ARCHIVE_FOLDERS = ("posted", "rejected", "duplicates")


@dataclass(frozen=True)
class Home:
    root: Path

    @property
    def inbox(self) -> Path:
        return self.root / "inbox"

    @property
    def outbox(self) -> Path:
        return self.root / "outbox"

    @property
    def templates(self) -> Path:
        """Blank fill-in templates, one per kind, written by ``init`` (``serialtrack template`` writes to outbox/)."""
        return self.root / "templates"

    @property
    def archive(self) -> Path:
        """Originals after processing: ``archive/posted``, ``archive/rejected``, ``archive/duplicates``."""
        return self.root / "archive"

    @property
    def work(self) -> Path:
        """Where the watcher claims a file (same volume as the inbox, so the claim is an atomic rename)."""
        return self.root / "work"

    @property
    def config_path(self) -> Path:
        return self.root / CONFIG_NAME

    def kind_of(self, path: Path) -> str | None:
        """The kind given by the inbox subfolder a file sits in (``inbox/receiving/x.xlsx`` -> receiving)."""
        try:
            relative = path.resolve().relative_to(self.inbox.resolve())
        except ValueError:
            return None
        if len(relative.parts) >= 2 and relative.parts[0] in KIND_NAMES:
            return relative.parts[0]
        return None

    def in_inbox(self, path: Path) -> bool:
        try:
            path.resolve().relative_to(self.inbox.resolve())
        except ValueError:
            return False
        return True


def resolve_home(option: str | os.PathLike[str] | None) -> Home:
    if option:
        return Home(Path(option).expanduser().resolve())
    env = os.environ.get("SERIALTRACK_HOME")
    if env:
        return Home(Path(env).expanduser().resolve())
    return Home(Path.cwd().resolve())


def home_exists(home: Home) -> bool:
    """Whether ``home`` is a home that ``init`` (or ``ingest``, ``watch``, ``demo``, which make it as they go)
    made: its ``serialtrack.toml``, its ``inbox/`` or its SQLite ledger ``serialtrack.db`` is there. A home whose
    ledger is on PostgreSQL has no ``serialtrack.db`` but has the other two. The commands that only read the
    ledger refuse a folder that is none of these (a mistyped ``--home``), rather than make an empty ledger there."""
    return home.config_path.is_file() or home.inbox.is_dir() or (home.root / LEDGER_NAME).is_file()


def example_config() -> str:
    return (Path(__file__).with_name("serialtrack.toml.example")).read_text(encoding="utf-8")


def init_home(home: Home) -> list[Path]:
    """Create the folders and a commented config; returns what was created."""
    created: list[Path] = []
    folders = [home.inbox, *(home.inbox / kind for kind in sorted(KIND_NAMES)), home.outbox, home.work,
               *(home.archive / name for name in ARCHIVE_FOLDERS)]
    for folder in folders:
        if not folder.exists():
            folder.mkdir(parents=True, exist_ok=True)
            created.append(folder)
    if not home.config_path.exists():
        home.config_path.write_text(example_config(), encoding="utf-8")
        created.append(home.config_path)
    return created


def archive_names(folder: Path, name: str) -> Iterator[Path]:
    """``folder/name``, then ``folder/stem-2.ext``, ``-3``...: the names an archived original may take."""
    yield folder / name
    stem, dot, suffix = name.partition(".") if not name.startswith(".") else (name, "", "")
    number = 2
    while True:
        yield folder / f"{stem}-{number}{dot}{suffix}"
        number += 1


def unique_path(folder: Path, name: str) -> Path:
    """The first of :func:`archive_names` that does not exist now (a hint only: it is not claimed)."""
    return next(p for p in archive_names(folder, name) if not (p.exists() or p.is_symlink()))


def archive_original(home: Home, path: Path, status: str, *, today: dt.date, move: bool,
                     name: str | None = None) -> Path:
    """Keep the original beside the processed ones: moved out of the inbox, or copied when it lives
    elsewhere (``ingest`` of a file outside the inbox leaves it where it is). ``name`` is the name it is
    known by (the watcher reads a claimed copy), by default the path's own.

    The archive name is claimed atomically (:func:`publish_new`): two processes archiving originals of one
    name at the same moment both keep theirs, and no archived file is ever replaced."""
    folder = home.archive / status / today.isoformat()
    folder.mkdir(parents=True, exist_ok=True)
    names = archive_names(folder, name or path.name)
    if move and _same_device(path, folder):
        return publish_new(path, names)
    temp = folder / temp_name(path.name)
    try:
        shutil.copy2(path, temp)
        target = publish_new(temp, names)
    finally:
        temp.unlink(missing_ok=True)
    if move:
        path.unlink()
    return target


#: A leftover that this host cannot judge by its pid (another host's, or of the old form) goes after this long.
FOREIGN_LEFTOVER_SECONDS = 86_400
#: Archive day folders looked through for leftovers: those of the last few days (temps are short-lived).
ARCHIVE_DAYS_SCANNED = 7


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # alive, someone else's
        return True
    return True


def _is_dead_leftover(entry: os.DirEntry[str], now: float) -> bool:
    match = TEMP_NAME.match(entry.name)
    if match is not None and match.group("host") == HOST_TAG:
        return not _pid_alive(int(match.group("pid")))
    if match is None and OLD_TEMP_NAME.match(entry.name) is None:
        return False  # not one of ours: a clerk's hidden file is never touched
    try:
        return now - entry.stat(follow_symlinks=False).st_mtime > FOREIGN_LEFTOVER_SECONDS
    except OSError:
        return False


def remove_leftovers(home: Home, *, today: dt.date | None = None) -> list[Path]:
    """Remove the hidden temp files and folders (``.<name>.<host>-<pid>-<hex>.tmp``) that a run killed while
    writing a report, a reconciliation CSV folder or an archive copy left in ``outbox/`` or ``archive/``.
    A temp of a process of this host that still runs is kept; another host's is kept for a day. Returns
    what was removed."""
    now, day = time.time(), today or dt.date.today()
    folders = [home.outbox]
    recent = {(day - dt.timedelta(days=n)).isoformat() for n in range(ARCHIVE_DAYS_SCANNED)}
    folders += [home.archive / status / name for status in (*ARCHIVE_FOLDERS, "failed") for name in recent]
    removed: list[Path] = []
    for folder in folders:
        try:
            with os.scandir(folder) as listing:
                dead = [Path(e.path) for e in listing if e.name.startswith(".") and _is_dead_leftover(e, now)]
        except OSError:
            continue
        for path in dead:
            try:
                if path.is_dir() and not path.is_symlink():
                    shutil.rmtree(path)
                else:
                    path.unlink()
            except OSError:
                continue
            removed.append(path)
    return removed


def _same_device(path: Path, folder: Path) -> bool:
    try:
        return path.stat().st_dev == folder.stat().st_dev
    except OSError:
        return False
