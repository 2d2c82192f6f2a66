"""`<data_dir>/service.json`: where the service of this data directory listens, while it runs.

Commands (search_kb, add_faq, …) read it to ask the running service instead of loading the
knowledge base themselves: the service has the models loaded (an answer in milliseconds, not
seconds), and a change it makes is live at once. The file names a port, never a token.
"""

from __future__ import annotations

import contextlib
import json
import os
from dataclasses import dataclass
from pathlib import Path

from bot.core.private import replace_privately

FILE_NAME = "service.json"


@dataclass(frozen=True)
class ServiceAddress:
    pid: int
    host: str
    port: int

    @property
    def base_url(self) -> str:
        # A service bound to every interface is reached on loopback from this machine.
        host = "127.0.0.1" if self.host in ("0.0.0.0", "", "::") else self.host
        return f"http://[{host}]:{self.port}" if ":" in host else f"http://{host}:{self.port}"


def write(data_dir: Path, host: str, port: int) -> Path:
    path = data_dir / FILE_NAME
    with replace_privately(path, "w") as fh:  # readers never see half a file
        json.dump({"pid": os.getpid(), "host": host, "port": port}, fh)
    return path


def remove(data_dir: Path) -> None:
    """Remove the file if this process wrote it (a second service on the same data dir keeps its own)."""
    current = read(data_dir, check_alive=False)
    if current is not None and current.pid == os.getpid():
        with contextlib.suppress(OSError):
            (data_dir / FILE_NAME).unlink()


def read(data_dir: Path, *, check_alive: bool = True) -> ServiceAddress | None:
    """The address of this data directory's running service, or None (no file, a stale file of a
    process that is gone, or an unreadable one)."""
    try:
        raw = json.loads((data_dir / FILE_NAME).read_text(encoding="utf-8"))
        address = ServiceAddress(int(raw["pid"]), str(raw["host"]), int(raw["port"]))
    except (OSError, ValueError, KeyError, TypeError):
        return None
    if check_alive and not _alive(address.pid):
        return None
    return address


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process: it exists
        return True
    return True
