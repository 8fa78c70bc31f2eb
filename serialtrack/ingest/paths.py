"""Path safety, checked before a byte of a dropped file is read: what it is (``lstat``: no symlink, folder,
FIFO or device), whether it opens without following a link (``O_NOFOLLOW``, non-blocking), and whether its
name can be shown and reused safely (no control or bidi trick characters, no bytes that are not UTF-8, no
backslash, not too long)."""

from __future__ import annotations

import os
import stat
import unicodedata
from pathlib import Path

#: Longest file name (UTF-8 bytes) taken: ``<stem>.rejected.xlsx`` and its temp file must fit in 255.
MAX_NAME_BYTES = 200
#: Invisible characters that reorder or break a name as shown (bidi overrides, line separators).
_TRICK_CHARS = frozenset("\u2028\u2029\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def shown_name(name: str) -> str:
    """``name`` as it may be printed and used for outputs: control and trick characters as ``<U+000A>``,
    ``\\`` as ``_``, and cut to fit ``MAX_NAME_BYTES``."""
    shown = "".join(f"<0x{ord(c) - 0xDC00:02X}>" if undecoded(c) else
                    f"<U+{ord(c):04X}>" if unicodedata.category(c) == "Cc" or c in _TRICK_CHARS else c
                    for c in name).replace("\\", "_")
    while len(shown.encode()) > MAX_NAME_BYTES:
        shown = shown[:-1]
    return shown


def undecoded(char: str) -> bool:
    """A byte of a file name that is not UTF-8, as Python hands it over (``surrogateescape``)."""
    return "\udc80" <= char <= "\udcff"


def name_problem(name: str) -> str | None:
    raw = sorted({f"0x{ord(c) - 0xDC00:02X}" for c in name if undecoded(c)})
    if raw:
        return (f"the file name is not UTF-8 text (bytes {', '.join(raw)}, shown as <0x..>): it was saved on a "
                "system with another character set; rename the file")
    odd = sorted({f"U+{ord(c):04X}" for c in name if unicodedata.category(c) == "Cc" or c in _TRICK_CHARS})
    if odd:
        return f"the file name holds invisible control characters ({', '.join(odd)}); rename the file"
    if "\\" in name:
        return "the file name holds a backslash, which Windows reads as a folder separator; rename the file"
    size = len(name.encode())
    if size > MAX_NAME_BYTES:
        return f"the file name is {size} bytes long, over the limit of {MAX_NAME_BYTES}; rename it shorter"
    return None


def path_problem(path: Path) -> tuple[str, str] | None:
    """(code, sentence) when ``path`` is not a regular file this process can read; opens nothing that could
    block (a FIFO) and follows no link."""
    try:
        mode = os.lstat(path).st_mode
    except FileNotFoundError:
        return "file-missing", "the file is no longer there (moved or deleted before it was read)"
    if stat.S_ISLNK(mode):
        return "file-symlink", ("this is a symbolic link, not a file; links are never followed (one could point "
                                "anywhere on the server): drop the file itself")
    if stat.S_ISDIR(mode):
        return "file-is-folder", "this is a folder named like a file, not a file"
    if not stat.S_ISREG(mode):
        return "file-not-regular", "this is not a regular file (a pipe, socket or device); drop a saved file"
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except PermissionError:
        return "file-unreadable", ("the service is not allowed to read this file (permission denied); give it "
                                   "read access or drop a copy")
    except OSError as exc:
        return "file-unreadable", f"the file cannot be opened ({exc.strerror or exc})"
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return "file-not-regular", "this is not a regular file; drop a saved file"
    finally:
        os.close(fd)
    return None
