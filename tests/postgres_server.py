"""A throwaway PostgreSQL cluster for the tests and benchmarks: Debian's server binaries, a temp dir, a free port.

initdb refuses to run as root, so as root the cluster belongs to `nobody` (the data and socket dirs are chowned
to it). Missing binaries raise: the PostgreSQL tests fail rather than skip when the server is not installed.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

_USER = "nobody"


class ServerMissingError(RuntimeError):
    """The PostgreSQL server binaries are not installed (apt-get install postgresql)."""


def bin_dir() -> Path:
    """The directory holding initdb and pg_ctl: pg_config's bindir, else the newest /usr/lib/postgresql/*/bin."""
    found = [Path(p) for p in sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=_major, reverse=True)]
    on_path = shutil.which("pg_config")
    candidates = [*found, *([Path(on_path).resolve().parent] if on_path else [])]
    for directory in candidates:
        if (directory / "initdb").is_file() and (directory / "pg_ctl").is_file():
            return directory
    raise ServerMissingError("no PostgreSQL server binaries (initdb, pg_ctl): `apt-get install -y postgresql`")


def _major(path: str) -> int:
    version = Path(path).parent.name
    return int(version) if version.isdigit() else 0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class PostgresCluster:
    """initdb once, start on a free port (TCP on 127.0.0.1 and a socket in the temp dir), stop and remove."""

    def __init__(self, *, durable: bool = False) -> None:
        self.bin = bin_dir()
        self._as_user = os.geteuid() == 0
        # Under /tmp itself when the cluster belongs to `nobody`: it must reach its dir (a test's TMPDIR is 0700).
        self.root = Path(tempfile.mkdtemp(prefix="writeit-pg-", dir="/tmp" if self._as_user else None))
        self.data = self.root / "data"
        self.port = free_port()
        # The tests trade durability for speed; the benchmark measures a durable server (fsync on).
        self._options = "" if durable else " -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        self._databases = 0

    @property
    def url(self) -> str:
        return f"postgresql://{_USER if self._as_user else _me()}@127.0.0.1:{self.port}/writeit"

    def start(self) -> PostgresCluster:
        if self._as_user:
            shutil.chown(self.root, _USER)
            self.root.chmod(0o700)
        try:
            self._run(
                self.bin / "initdb", "-D", self.data, "-A", "trust", "-E", "UTF8", "--no-sync", "-U", self._owner()
            )
            options = f"-p {self.port} -k {self.root} -h 127.0.0.1 -c max_connections=200{self._options}"
            self._run(
                self.bin / "pg_ctl", "-D", self.data, "-l", self.root / "server.log", "-w", "-o", options, "start"
            )
            self._run(self.bin / "createdb", "-h", "127.0.0.1", "-p", str(self.port), "-U", self._owner(), "writeit")
        except BaseException:
            self.stop()
            raise
        return self

    def create_database(self) -> str:
        """A new empty database; its URL."""
        import psycopg

        self._databases += 1
        name = f"db{self._databases}"
        with psycopg.connect(self.url, autocommit=True) as conn:
            conn.execute(f"CREATE DATABASE {name}".encode())
        return self.url.rsplit("/", 1)[0] + f"/{name}"

    def stop(self) -> None:
        try:
            if (self.data / "postmaster.pid").exists():
                self._run(self.bin / "pg_ctl", "-D", self.data, "-m", "immediate", "-w", "stop")
        finally:
            shutil.rmtree(self.root, ignore_errors=True)

    def log(self) -> str:
        path = self.root / "server.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def _owner(self) -> str:
        return _USER if self._as_user else _me()

    def _run(self, *argv: object) -> None:
        command = [str(a) for a in argv]
        if self._as_user:
            command = ["runuser", "-u", _USER, "--", *command]
        done = subprocess.run(command, capture_output=True, text=True, timeout=120, cwd=self.root, check=False)
        if done.returncode:
            raise RuntimeError(f"{' '.join(command)} failed ({done.returncode}):\n{done.stderr}{done.stdout}")

    def __enter__(self) -> PostgresCluster:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def _me() -> str:
    import getpass

    return getpass.getuser()
