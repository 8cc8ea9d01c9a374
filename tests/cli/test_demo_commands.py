"""`coopbot demo` and `coopbot shell` at the command line: safe defaults and one-line errors."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.cli import app
from bot.demo import DemoPaths, address_of, bind_socket, is_local, url_of


@pytest.fixture
def busy_port() -> Iterator[int]:
    """Give a port of 127.0.0.1 that something else is listening on."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        yield listener.getsockname()[1]


@pytest.fixture
def runner(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    """Give a CLI runner working in an empty folder."""
    monkeypatch.chdir(tmp_path)
    return CliRunner()


def test_a_busy_port_is_one_clear_line_and_no_database_is_made(
    runner: CliRunner, busy_port: int, tmp_path: Path
) -> None:
    """The demo reports the port in use before creating anything."""
    result = runner.invoke(app, ["demo", "--port", str(busy_port)])
    assert result.exit_code == 1
    assert f"cannot serve on 127.0.0.1:{busy_port}" in result.output
    assert "Traceback" not in result.output
    assert not (tmp_path / "coopbot-demo.db").exists()


def test_another_host_than_localhost_prints_the_no_authentication_warning(
    runner: CliRunner, busy_port: int
) -> None:
    """Serving on 0.0.0.0 is allowed only with its warning."""
    result = runner.invoke(app, ["demo", "--host", "0.0.0.0", "--port", str(busy_port)])  # noqa: S104
    assert "no authentication" in result.output


def test_the_demo_binds_to_this_machine_by_default(runner: CliRunner) -> None:
    """Only loopback names count as local, and the help shows 127.0.0.1 as the default."""
    assert is_local("127.0.0.1")
    assert is_local("localhost")
    assert is_local("::1")
    assert not is_local("0.0.0.0")  # noqa: S104
    assert "127.0.0.1" in runner.invoke(app, ["demo", "--help"]).output
    with bind_socket("127.0.0.1", 0) as sock:
        assert url_of(sock).startswith("http://127.0.0.1:")


def test_the_demo_answers_only_the_address_it_is_bound_to() -> None:
    """Bound to 127.0.0.1, the demo takes its loopback names on its own port, nothing else."""
    with bind_socket("127.0.0.1", 0) as sock:
        port = sock.getsockname()[1]
        address = address_of(sock, "127.0.0.1")
    assert address.accepts(f"127.0.0.1:{port}")
    assert address.accepts(f"localhost:{port}")
    assert not address.accepts(f"evil.example:{port}")
    assert not address.accepts(f"127.0.0.1:{port + 1}")


def test_reset_deletes_the_demo_database_and_its_files(tmp_path: Path) -> None:
    """--reset removes the SQLite file, its journal files and the files folder."""
    paths = DemoPaths(tmp_path / "coopbot-demo.db")
    for path in (paths.database, tmp_path / "coopbot-demo.db-wal"):
        path.write_bytes(b"x")
    paths.files_dir.mkdir(parents=True)
    (paths.files_dir / "a").write_bytes(b"x")
    paths.reset()
    assert list(tmp_path.iterdir()) == []
    assert paths.data_dir == tmp_path / "coopbot-demo-files"


def test_the_shell_refuses_an_unknown_persona(runner: CliRunner) -> None:
    """`--as mayor` is a usage error listing the personas."""
    result = runner.invoke(app, ["shell", "--as", "mayor"])
    assert result.exit_code == 2
    assert "director" in result.output
