"""`coopbot report export`: a valid workbook on disk, one clear line for bad input."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

from bot.cli import app
from storage.db import Database
from storage.demo_data import load_demo_data
from storage.models import metadata
from tests import factories as f
from tests.conftest import database_url

NOW = dt.datetime(2026, 5, 20, 3, 0, tzinfo=dt.UTC)


@pytest.fixture
async def cli(empty_db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """Return a CLI runner on a database with the demo data and two items in Q2 2026."""
    async with empty_db.engine.begin() as connection:
        await connection.run_sync(metadata.create_all)
    async with empty_db.session() as session:
        await load_demo_data(session)
        await f.item(session, await f.director_of(session, "HTX Trinh Phú"), now=NOW)
        await f.item(session, await f.director_of(session, "HTX Đại Đoàn Kết"), now=NOW)
        await session.commit()
    monkeypatch.setenv("COOPBOT_DATABASE_URL", database_url(tmp_path))
    monkeypatch.setenv("COOPBOT_DEFAULT_LOCALE", "vi")
    monkeypatch.chdir(tmp_path)  # no stray .env is read
    runner = CliRunner()
    return lambda *args: runner.invoke(app, list(args))


def test_the_export_writes_a_workbook_of_the_unit(cli, tmp_path: Path) -> None:
    """An old commune name selects today's commune; the file has the four sheets."""
    out = tmp_path / "bao-cao.xlsx"
    result = cli(
        "report", "export", "--period", "2026Q2", "--unit", "trinh phu", "--out", str(out)
    )
    assert result.exit_code == 0, result.output
    assert "1 item, 2026Q2, Xã An Lạc Thôn" in result.output
    book = load_workbook(out)
    assert book.sheetnames == ["Phản ánh", "Tổng hợp", "Họp quý", "Chỉ tiêu", "Đánh giá"]
    rows = list(book["Phản ánh"].iter_rows(min_row=2, values_only=True))
    assert [(row[2], row[5]) for row in rows] == [("HTX Trinh Phú", "Xã An Lạc Thôn")]


def test_without_a_unit_everything_is_exported_in_english(cli, tmp_path: Path) -> None:
    """No --unit means every unit; --locale en gives English headers."""
    out = tmp_path / "all.xlsx"
    result = cli("report", "export", "--period", "2026Q2", "--locale", "en", "--out", str(out))
    assert result.exit_code == 0, result.output
    book = load_workbook(out)
    assert book.sheetnames[0] == "Items"
    assert book["Items"].max_row == 3


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--unit", "Xã Không Có"], "Nothing called “Xã Không Có” was found."),
        (["--period", "2026Q9"], "There is no quarter 9"),
        (["--period", "quarter three"], "is not a period"),
        (["--locale", "fr"], "--locale must be one of vi, en"),
    ],
)
def test_bad_input_exits_1_with_one_line(
    cli, tmp_path: Path, args: list[str], message: str
) -> None:
    """An unknown unit, a bad period or language: exit code 1, one line, no file, no traceback."""
    out = tmp_path / "never.xlsx"
    result = cli("report", "export", *args, "--out", str(out))
    assert result.exit_code == 1
    lines = result.output.strip().splitlines()
    assert len(lines) == 1
    assert message in lines[0]
    assert "Traceback" not in result.output
    assert not out.exists()
