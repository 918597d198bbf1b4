"""Who runs a generation: this process's session name, and whether another session's process still lives.

A session is `host:pid:start`, where `start` is the process's start time (field 22 of /proc/<pid>/stat, in
clock ticks since boot). A PID the kernel has given to a new process since has another start time, so a
recycled PID never passes for the dead session's process. (A lease with a heartbeat would also work across
hosts, but costs a write every few seconds per process and a timeout to wait out after a crash; the start
time costs nothing and is exact at once.) Sessions recorded before carry no start: only the PID is checked.
"""

from __future__ import annotations

import os
import socket


def session_name() -> str:
    pid = os.getpid()
    return f"{socket.gethostname()}:{pid}:{start_time(pid) or 0}"


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
    host, pid, start = _parse(session)
    if host != socket.gethostname() or pid is None:
        return bool(session) and host != socket.gethostname()
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
