"""A home folder holds one deployment: drop folders, archive, config and (by default) the SQLite ledger.

``--home DIR``, else ``SERIALTRACK_HOME``, else the current folder. ``init_home`` is idempotent: it creates
what is missing and never touches what exists.
"""

from __future__ import annotations

import datetime as dt
import os
import secrets
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from serialtrack.exporters.xlsx import publish_new
from serialtrack.ingest.fields import KINDS
from serialtrack.service.config import CONFIG_NAME

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
        if len(relative.parts) >= 2 and relative.parts[0] in KINDS:
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


def example_config() -> str:
    return (Path(__file__).with_name("serialtrack.toml.example")).read_text(encoding="utf-8")


def init_home(home: Home) -> list[Path]:
    """Create the folders and a commented config; returns what was created."""
    created: list[Path] = []
    folders = [home.inbox, *(home.inbox / kind for kind in KINDS), home.outbox, home.work,
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
    temp = folder / f".{path.name}.{secrets.token_hex(4)}.tmp"
    try:
        shutil.copy2(path, temp)
        target = publish_new(temp, names)
    finally:
        temp.unlink(missing_ok=True)
    if move:
        path.unlink()
    return target


def _same_device(path: Path, folder: Path) -> bool:
    try:
        return path.stat().st_dev == folder.stat().st_dev
    except OSError:
        return False
