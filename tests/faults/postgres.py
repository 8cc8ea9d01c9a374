"""A PostgreSQL server of a test's own, to stop and start without touching the shared one.

Made with Debian's binaries (``/usr/lib/postgresql/<version>/bin``) in a temporary directory,
listening on 127.0.0.1 and a free port, with trust authentication and no fsync (a test's data
is thrown away). initdb refuses to run as root, so as root the server runs as ``postgres``.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

from tests.support.ports import free_port


def postgres_binaries() -> Path | None:
    """Return the newest directory holding Debian's initdb and pg_ctl, or None."""
    root = Path("/usr/lib/postgresql")
    found = [
        path / "bin"
        for path in (root.iterdir() if root.is_dir() else [])
        if (path / "bin" / "initdb").exists() and (path / "bin" / "pg_ctl").exists()
    ]
    found.sort(key=lambda path: [int(part) for part in re.findall(r"\d+", path.parent.name)])
    return found[-1] if found else None


def missing_requirement() -> str | None:
    """Return why a throwaway server cannot be made here, or None when it can."""
    if postgres_binaries() is None:
        return "PostgreSQL's server binaries (/usr/lib/postgresql/*/bin) are not installed"
    if os.geteuid() == 0:
        try:
            pwd.getpwnam("postgres")
        except KeyError:
            return "running as root, and there is no postgres user to run initdb as"
        if shutil.which("runuser") is None:
            return "running as root, and runuser is missing"
    return None


class ThrowawayPostgres:
    """One PostgreSQL server in a temporary directory; stop and start it at will."""

    def __init__(self) -> None:
        binaries = postgres_binaries()
        assert binaries is not None, missing_requirement()
        self.binaries = binaries
        self.directory = Path(tempfile.mkdtemp(prefix="coopbot-pg-"))
        self.data = self.directory / "data"
        self.port = free_port()
        self.user = "postgres" if os.geteuid() == 0 else None
        if self.user is not None:
            account = pwd.getpwnam(self.user)
            os.chown(self.directory, account.pw_uid, account.pw_gid)
        self.running = False

    @property
    def url(self) -> str:
        """Return the URL of the server's ``postgres`` database."""
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def _run(self, program: str, *args: str) -> None:
        command = [str(self.binaries / program), *args]
        if self.user is not None:
            command = ["runuser", "-u", self.user, "--", *command]
        result = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
        if result.returncode != 0:
            log = self.directory / "server.log"
            tail = log.read_text(errors="replace")[-2000:] if log.exists() else ""
            raise RuntimeError(f"{program} failed: {result.stdout}{result.stderr}\n{tail}")

    def create(self) -> None:
        """Create the data directory (initdb)."""
        data = str(self.data)
        self._run(
            "initdb",
            "-D",
            data,
            "-A",
            "trust",
            "-U",
            "postgres",
            "--no-sync",
            "-E",
            "UTF8",
            "--locale=C",
        )

    def start(self) -> None:
        """Start the server and wait until it accepts connections."""
        options = f"-p {self.port} -k {self.directory} -c listen_addresses=127.0.0.1"
        options += " -c fsync=off"
        log = str(self.directory / "server.log")
        self._run("pg_ctl", "-D", str(self.data), "-l", log, "-w", "-o", options, "start")
        self.running = True

    def stop(self) -> None:
        """Stop the server at once, ending every open connection (a fast shutdown)."""
        self._run("pg_ctl", "-D", str(self.data), "-w", "-t", "60", "-m", "fast", "stop")
        self.running = False

    def destroy(self) -> None:
        """Stop the server if it runs and remove its directory."""
        if self.running:
            with contextlib.suppress(RuntimeError):
                self._run("pg_ctl", "-D", str(self.data), "-w", "-m", "immediate", "stop")
            self.running = False
        shutil.rmtree(self.directory, ignore_errors=True)
