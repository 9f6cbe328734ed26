"""The temporary directory of one graded submission, and cleaning those a killed run left.

``grading_dir()`` makes ``<tmp>/grade-XXXXXXXX/`` and holds an exclusive ``flock`` on
its ``.lock`` file for as long as the directory is in use; it removes the directory
on exit. A process killed with SIGKILL (a ``grade`` run, a Dask worker) cannot remove
it, but the kernel releases its lock, so ``clean_leftovers()`` can tell a leftover
from a directory in use by any live process: it removes a ``grade-*`` directory only
when it can take the lock itself. Directories without a ``.lock`` (made by versions
of the grader before this module, or in the instant between ``mkdtemp`` and the lock)
are removed only when nothing in them changed for ten minutes.

Cleaning is therefore safe while other grading runs are active, in this process or
others: a directory whose lock is held is never touched. It never follows symlinks
and never raises. (The grader may hand the directory to the sandbox's uid: the lock
file, which the grader creates, still tells whose it is.)
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
import stat
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

__all__ = ["LEGACY_AGE_SECONDS", "PREFIX", "clean_leftovers", "grading_dir"]

PREFIX = "grade-"
LOCK = ".lock"
#: a ``grade-*`` directory without a lock is a leftover when unchanged this long
LEGACY_AGE_SECONDS = 600.0

_DIR_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC
_LOCK_FLAGS = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC


@contextlib.contextmanager
def grading_dir() -> Iterator[Path]:
    """A fresh ``<tempfile.gettempdir()>/grade-XXXXXXXX/`` (mode 0o755), locked while in use.

    The lock file is created under another name, locked, then renamed to ``.lock``,
    so ``.lock`` never exists unlocked while the directory is in use (a concurrent
    cleaner sees either no lock, and spares the young directory, or a held one).
    The directory is removed before the lock is released.
    """
    path = Path(tempfile.mkdtemp(prefix=PREFIX))
    fd = -1
    try:
        os.chmod(path, 0o755)
        fd = os.open(path / (LOCK + ".new"),
                     os.O_RDWR | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC, 0o644)
        fcntl.flock(fd, fcntl.LOCK_EX)
        os.rename(path / (LOCK + ".new"), path / LOCK)
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)
        if fd >= 0:
            os.close(fd)


def _newest_mtime(dfd: int, own: os.stat_result) -> float:
    """The latest modification time of a directory and of its entries (not recursive)."""
    newest = own.st_mtime
    with contextlib.suppress(OSError), os.scandir(dfd) as it:
        for entry in it:
            with contextlib.suppress(OSError):
                newest = max(newest, entry.stat(follow_symlinks=False).st_mtime)
    return newest


def _remove(root: Path, entry: os.DirEntry) -> bool:
    """Remove a leftover (symlinks inside are removed, never followed); True if it is gone."""
    shutil.rmtree(entry.path, ignore_errors=True)
    return not os.path.lexists(root / entry.name)


def _clean_one(root: Path, entry: os.DirEntry, now: float, me: int) -> bool:
    try:
        if not entry.is_dir(follow_symlinks=False):
            return False
        st = entry.stat(follow_symlinks=False)
        dfd = os.open(entry.path, _DIR_FLAGS)
    except OSError:
        return False
    lfd = -1
    try:
        dst = os.fstat(dfd)
        if (dst.st_dev, dst.st_ino) != (st.st_dev, st.st_ino):
            return False  # replaced since it was listed
        try:
            lfd = os.open(LOCK, _LOCK_FLAGS, dir_fd=dfd)
            lst = os.fstat(lfd)
        except OSError:
            lst = None  # no lock (an older grader, or a directory being set up), or a symlink
        if lst is not None and stat.S_ISREG(lst.st_mode):
            try:
                fcntl.flock(lfd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                return False  # held by a live process: in use, whoever made it
            if me in (lst.st_uid, dst.st_uid):
                return _remove(root, entry)  # its process is dead; removed under our lock
        # no lock we made (none, a FIFO, a symlink, someone else's file): judge by age
        if now - _newest_mtime(dfd, dst) <= LEGACY_AGE_SECONDS:
            return False
        return _remove(root, entry)
    except OSError:
        return False
    finally:
        if lfd >= 0:
            os.close(lfd)
        os.close(dfd)


def clean_leftovers(tmp: Path | None = None) -> int:
    """Remove the ``grade-*`` directories of dead grading processes; return how many.

    A directory is removed when its ``.lock`` is held by no process (the process that
    made it died without cleaning up) and that lock or the directory belongs to the
    current user; a directory with a held lock is never touched, whoever holds it. One
    without a ``.lock`` (or whose lock is not a regular file, or belongs to someone
    else) is removed only when nothing in it changed for ``LEGACY_AGE_SECONDS``.
    Symlinks are never followed; a directory that cannot be removed is skipped, never
    raised about.
    """
    root = Path(tmp) if tmp is not None else Path(tempfile.gettempdir())
    try:
        with os.scandir(root) as it:
            entries = [e for e in it if e.name.startswith(PREFIX)]
    except OSError:
        return 0
    now, me = time.time(), os.geteuid()
    return sum(_clean_one(root, e, now, me) for e in entries)
