"""Who dropped a file, and whether they may post its kind.

The identity is the file's owner and group as the file system gives them (``fstat`` of the open file: renaming
or moving it cannot change them), resolved to names through the system's user and group databases (on an SMB
share winbind maps Windows users to them), or kept as numeric ids where no name resolves. ``ingest`` and
``reverse`` also record the user running the command.

``[access]`` in ``serialtrack.toml`` says, per kind, which users and groups may post it. A kind without an
entry is open to all. A file is allowed when its owner is listed (by name or id), or its group is listed, or
its owner is a member of a listed group (by the group database, when the owner has a name).
"""

from __future__ import annotations

import grp
import hashlib
import os
import pwd
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from serialtrack.records import DroppedBy, Issue, Source
from serialtrack.service.config import AccessRule

NOT_ALLOWED = "not-allowed"


def user_name(uid: int) -> str:
    """The user's name, or the id as text where no name resolves."""
    try:
        return pwd.getpwuid(uid).pw_name
    except (KeyError, OverflowError):
        return str(uid)


def group_name(gid: int) -> str:
    try:
        return grp.getgrgid(gid).gr_name
    except (KeyError, OverflowError):
        return str(gid)


@dataclass(frozen=True)
class FileOwner:
    """The owner of one dropped file: ids as the file system holds them, and the names they resolve to."""

    uid: int
    gid: int
    user: str
    group: str

    @classmethod
    def of(cls, st: os.stat_result) -> FileOwner:
        return cls(st.st_uid, st.st_gid, user_name(st.st_uid), group_name(st.st_gid))

    def dropped_by(self, run_by: str | None = None) -> DroppedBy:
        return DroppedBy(self.user, self.group, run_by)

    def member_of(self) -> set[str]:
        """Names and ids of every group the owner belongs to (primary and supplementary); only the file's
        group when the owner has no name on this system."""
        groups = {self.group, str(self.gid)}
        try:
            entry = pwd.getpwuid(self.uid)
            gids = os.getgrouplist(entry.pw_name, entry.pw_gid)
        except (KeyError, OverflowError, OSError):
            return groups
        for gid in gids:
            groups |= {str(gid), group_name(gid)}
        return groups


def file_identity(path: Path) -> tuple[str, FileOwner]:
    """The content hash and the owner of ``path``, both from one open file (no link followed): the owner
    recorded is the one of the bytes hashed, whatever happens to the name meanwhile."""
    fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)  # a FIFO swapped in never blocks
    with os.fdopen(fd, "rb") as handle:
        owner = FileOwner.of(os.fstat(handle.fileno()))
        digest = hashlib.sha256()
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest(), owner


def link_owner(path: Path, run_by: str | None = None) -> DroppedBy:
    """Who owns what was dropped at ``path`` (a link, a folder, a FIFO: not followed, not opened)."""
    try:
        return FileOwner.of(os.lstat(path)).dropped_by(run_by)
    except OSError:
        return DroppedBy(run_by=run_by)


def current_user() -> str:
    """The user running this process (its effective uid; environment variables are not trusted)."""
    return user_name(os.geteuid())


def _names(kind: str, names: tuple[str, ...]) -> str:
    return f"{kind} {', '.join(names)}"


def not_allowed(rules: Mapping[str, AccessRule], kind: str | None, owner: FileOwner, file_name: str,
                label_of: Callable[[str], str] | None = None) -> Issue | None:
    """The ``not-allowed`` rejection when ``[access]`` does not let ``owner`` post ``kind``; None when allowed
    (or the kind has no entry, or is not known yet). ``label_of`` names a kind's files in the sentence (the
    pipeline passes the registry's; without it, the kind's name in words)."""
    rule = rules.get(kind) if kind else None
    if rule is None or kind is None:
        return None
    if owner.user in rule.users or str(owner.uid) in rule.users:
        return None
    if rule.groups and ({owner.group, str(owner.gid)} & set(rule.groups) or owner.member_of() & set(rule.groups)):
        return None
    who = " and ".join(_names(k, names) for k, names in (("users", rule.users), ("groups", rule.groups)) if names)
    label = label_of(kind) if label_of else kind.replace("_", " ")
    return Issue(NOT_ALLOWED, (
        f"user {owner.user} (group {owner.group}) may not post {label}; the [access] table of serialtrack.toml "
        f"lets {who or 'nobody'} post them. Nothing was posted: hand the file to someone who may"),
        Source(file_name))
