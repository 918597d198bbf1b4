"""Who runs a generation: this process's session name, and whether another session's process still lives.

A session is `host:pid:start`, where `start` is the process's start time (field 22 of /proc/<pid>/stat, in
clock ticks since boot). A PID the kernel has given to a new process since has another start time, so a
recycled PID never passes for the dead session's process: exact at once, and free. Another host's processes
cannot be checked so: on PostgreSQL a lease tells (application/liveness.py). `host` is the hostname, or
WRITEIT_HOST when set (machines whose containers share a hostname must each be given a name of their own).
Sessions recorded before carry no start: only the PID is checked.
"""

from __future__ import annotations

import os
import socket


def host() -> str:
    return os.environ.get("WRITEIT_HOST") or socket.gethostname()


def session_name() -> str:
    pid = os.getpid()
    return f"{host()}:{pid}:{start_time(pid) or 0}"


def start_time(pid: int) -> int | None:
    """The process's start time in clock ticks since boot; None when it does not exist (or no /proc)."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as stat:
            text = stat.read()
    except OSError:
        return None
    # The command name (field 2) is in parentheses and may hold spaces or ')': fields resume after the last ')'.
    fields = text[text.rfind(b")") + 2 :].split()
    return int(fields[19]) if len(fields) > 19 and fields[19].isdigit() else None


def is_alive(session: str) -> bool:
    """True unless `session` names a process on this host that no longer exists (another host: assume alive)."""
    known = local_liveness(session)
    return True if known is None else known


def local_liveness(session: str) -> bool | None:
    """Whether `session`'s process lives, when it is one of this host's (or malformed: False); else None."""
    name, pid, start = _parse(session)
    if name != host() or pid is None:
        return None if session and name != host() else False
    if start:  # 0: the start time could not be read when the session began
        return start_time(pid) == start
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _parse(session: str) -> tuple[str, int | None, int]:
    """(host, pid, start) of `host:pid:start` or of the older `host:pid` (start 0); pid None if malformed."""
    head, _, last = session.rpartition(":")
    if not last.isdigit():
        return head, None, 0
    host, _, pid = head.rpartition(":")
    if pid.isdigit() and host:
        return host, int(pid), int(last)
    return head, int(last), 0
