"""Session liveness: a session names its process by PID and start time, so a recycled PID is not taken for it."""

from __future__ import annotations

import os
import socket
import subprocess
import sys

from writeit.entrypoints.process import is_alive, session_name, start_time

HOST = socket.gethostname()


def test_this_process_session_is_alive_and_carries_its_start_time() -> None:
    session = session_name()
    assert session == f"{HOST}:{os.getpid()}:{start_time(os.getpid())}"
    assert is_alive(session)


def test_a_live_pid_with_another_start_time_is_a_dead_session_whose_pid_was_reused() -> None:
    start = start_time(os.getpid())
    assert start is not None
    assert not is_alive(f"{HOST}:{os.getpid()}:{start + 1}")


def test_the_session_of_a_process_that_exited_is_dead() -> None:
    script = "from writeit.entrypoints.process import session_name; print(session_name())"
    child = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert not is_alive(child.stdout.strip())


def test_sessions_recorded_before_start_times_are_checked_by_pid_alone() -> None:
    assert is_alive(f"{HOST}:{os.getpid()}")
    assert not is_alive(f"{HOST}:{2**23}")


def test_another_host_is_assumed_alive_and_an_empty_or_malformed_session_is_dead() -> None:
    assert is_alive("elsewhere.example:123:456")
    assert not is_alive("")
    assert not is_alive(f"{HOST}:notapid")
