"""Who runs a generation: this process's session name, and whether another session's process still lives."""

from __future__ import annotations

import os
import socket


def session_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def is_alive(session: str) -> bool:
    """True unless `session` names a process on this host that no longer exists (another host: assume alive)."""
    host, _, pid = session.rpartition(":")
    if host != socket.gethostname() or not pid.isdigit():
        return bool(session) and host != socket.gethostname()
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
