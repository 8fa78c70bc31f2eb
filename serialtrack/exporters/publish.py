"""Where an output file appears: the hidden temp name it is written under, and the free name it is published
as, claimed atomically.

Kept apart from the workbook builder (``xlsx``), which imports xlsxwriter: the home's start-up clean-up
(``service.home``) and the csv outputs need these names, and a read-only command such as ``serial`` should not
import a workbook writer to open its home.
"""

from __future__ import annotations

import errno
import hashlib
import os
import re
import secrets
import socket
from collections.abc import Iterable, Iterator
from pathlib import Path


def unique_output_path(outbox: Path, stem: str, suffix: str) -> Path:
    """``outbox/<stem><suffix>``, or ``<stem><tag>-2<ext>``, ``-3``... when that name is taken.

    ``suffix`` is the whole tail, e.g. ``.posted.xlsx`` -> ``PL-0425.posted.xlsx``, then
    ``PL-0425.posted-2.xlsx``. An existing output is never chosen, so a file dropped again later gets a new
    answer beside the old one.
    """
    if not stem or stem in {".", ".."} or "/" in stem or "\\" in stem:
        raise ValueError(f"not a plain file stem: {stem!r}")
    candidate = outbox / f"{stem}{suffix}"
    tag, dot, ext = suffix.rpartition(".")
    if not dot:
        tag, ext = suffix, ""
    number = 2
    while candidate.exists():
        candidate = outbox / f"{stem}{tag}-{number}{dot}{ext}"
        number += 1
    return candidate


#: This host, in temp names: a leftover of another host is not this host's to judge by its pid.
HOST_TAG = hashlib.blake2b(socket.gethostname().encode(), digest_size=3).hexdigest()
#: ``.<name>.<host>-<pid>-<random>.tmp`` (or ``.old``): a temp file or folder beside its target.
TEMP_NAME = re.compile(r"^\.(?P<name>.+)\.(?P<host>[0-9a-f]{6})-(?P<pid>\d+)-[0-9a-f]{8}\.(?:tmp|old)$")
#: The form before pids were part of the name; such a leftover is judged by its age only.
OLD_TEMP_NAME = re.compile(r"^\..+\.[0-9a-f]{8}\.(?:tmp|old)$")


def temp_name(name: str, *, pid: int | None = None, suffix: str = ".tmp") -> str:
    """The hidden name a file or folder is written under before it takes ``name``: it names this host and
    process, so the next start can tell a dead run's leftover from a file still being written."""
    return f".{name}.{HOST_TAG}-{pid or os.getpid()}-{secrets.token_hex(4)}{suffix}"


def numbered_names(path: Path) -> Iterator[Path]:
    """``path``, then ``-2``, ``-3``... before its last dot: ``PL.posted.xlsx``, ``PL.posted-2.xlsx``..."""
    yield path
    stem, dot, ext = path.name.rpartition(".")
    if not dot:
        stem, ext = path.name, ""
    number = 2
    while True:
        yield path.with_name(f"{stem}-{number}{dot}{ext}")
        number += 1


#: ``link`` is refused by some file systems (FAT, some network shares): claim the name with ``O_EXCL`` then.
_NO_LINKS = {errno.EPERM, errno.EOPNOTSUPP, errno.ENOTSUP, errno.EMLINK, errno.ENOSYS}


def publish_new(source: Path, candidates: Iterable[Path]) -> Path:
    """Give the finished file ``source`` the first name among ``candidates`` that nobody holds, and return it.

    The name is claimed atomically, never by looking first: ``os.link`` fails when the target exists (then the
    next candidate is tried), so a file another process published a moment ago is never replaced, and two
    processes publishing under one name at once both keep their file. ``source`` is gone afterwards (a move).
    Where the file system has no hard links, the name is claimed by creating it with ``O_EXCL`` and the
    source renamed over that empty claim, a file this call created itself.
    """
    for candidate in candidates:
        try:
            os.link(source, candidate)
        except FileExistsError:
            continue
        except OSError as exc:
            if exc.errno not in _NO_LINKS:
                raise
            try:
                os.close(os.open(candidate, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666))
            except FileExistsError:
                continue
            os.replace(source, candidate)
            return candidate
        os.unlink(source)
        return candidate
    raise FileExistsError(f"no free name for {source}")
