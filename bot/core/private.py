"""Owner-only files: the data directory is 0700, the database, its WAL/SHM and index files 0600.

Conversations, profiles and tokens live under `data_dir`; nobody but the service's user reads them.
Files are created 0600 where we create them, and chmod-ed right after a library (SQLite, Chroma)
created them, so a permissive umask never leaves them world-readable.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

DIR_MODE = 0o700
FILE_MODE = 0o600


def private_dir(path: Path) -> Path:
    """mkdir -p with the last directory 0700 (tightened when it already existed)."""
    path.mkdir(parents=True, exist_ok=True, mode=DIR_MODE)
    with contextlib.suppress(OSError):  # a directory we do not own: leave it alone
        if path.stat().st_mode & 0o777 != DIR_MODE:
            path.chmod(DIR_MODE)
    return path


def private_file(path: Path) -> Path:
    """Create `path` empty with 0600 if missing, and make sure an existing one is 0600."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT, FILE_MODE)
    os.close(fd)
    restrict(path)
    return path


@contextlib.contextmanager
def replace_privately(path: Path, mode: str = "wb") -> Iterator[IO[Any]]:
    """Write `path` whole or not at all, owner-only: a 0600 temporary file beside it, renamed over
    it when the block ends (readers never see half a file), removed if the block fails."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, FILE_MODE)
    try:
        with os.fdopen(fd, mode, encoding=None if "b" in mode else "utf-8") as fh:
            yield fh
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise


def restrict(path: Path) -> None:
    with contextlib.suppress(FileNotFoundError, PermissionError):
        if path.stat().st_mode & 0o777 != FILE_MODE:
            path.chmod(FILE_MODE)


def restrict_tree(root: Path) -> None:
    """Every directory under `root` 0700, every file 0600."""
    for dirpath, dirnames, filenames in os.walk(root):
        for name in dirnames:
            with contextlib.suppress(OSError):
                os.chmod(os.path.join(dirpath, name), DIR_MODE)
        for name in filenames:
            restrict(Path(dirpath, name))
