"""`coopbot privacy requests|export|erase|done`, against a real database."""

from __future__ import annotations

import asyncio
import io
import json
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import select
from typer.testing import CliRunner

from bot.cli import app
from storage.db import Database
from storage.models import ChannelIdentity, Person, PrivacyRequest, Role, RoleAssignment
from tests.conftest import database_url


@pytest.fixture
def cli(empty_db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """Return a function running the CLI against the test database, upgraded."""
    monkeypatch.setenv("COOPBOT_DATABASE_URL", database_url(tmp_path))
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("COLUMNS", "200")  # table rows on one line each
    runner = CliRunner()

    def invoke(*args: str, input: str | None = None):
        return runner.invoke(app, list(args), input=input)

    assert invoke("db", "upgrade").exit_code == 0
    return invoke


def _in_database(tmp_path: Path, work):
    async def body():
        database = Database(database_url(tmp_path))
        try:
            async with database.transaction() as session:
                return await work(session)
        finally:
            await database.close()

    return asyncio.run(body())


def _person(tmp_path: Path) -> int:
    async def work(session) -> int:
        person = Person(full_name="Trần Thị Mai", phone="0987654321")
        session.add(person)
        await session.flush()
        session.add(RoleAssignment(person_id=person.id or 0, role=Role.ADMIN))
        session.add(ChannelIdentity(channel="telegram", external_id="55501", person_id=person.id))
        return person.id or 0

    return _in_database(tmp_path, work)


def test_export_writes_json_and_xlsx_and_records_a_done_request(cli, tmp_path: Path) -> None:
    """Both files hold the person; the copy request is recorded and already done."""
    person_id = _person(tmp_path)
    result = cli("privacy", "export", "--person", str(person_id), "--out", "mai.json")
    assert result.exit_code == 0, result.output
    document = json.loads((tmp_path / "mai.json").read_text(encoding="utf-8"))
    assert document["tables"]["person"][0]["full_name"] == "Trần Thị Mai"
    book = load_workbook(io.BytesIO((tmp_path / "mai.xlsx").read_bytes()))
    assert "channel_identity" in book.sheetnames
    listed = cli("privacy", "requests", "--all")
    assert "copy" in listed.output
    assert "done" in listed.output
    assert cli("privacy", "requests").output.strip() == "no open requests"


def test_erase_asks_first_then_erases_and_reports(cli, tmp_path: Path) -> None:
    """Without --yes a "no" changes nothing; with it the person is erased and warned of."""
    person_id = _person(tmp_path)
    refused = cli("privacy", "erase", "--person", str(person_id), input="n\n")
    assert refused.exit_code == 1
    erased = cli("privacy", "erase", "--person", str(person_id), "--yes")
    assert erased.exit_code == 0, erased.output
    assert "channel_identity deleted: 1" in erased.output
    assert "only admin" in erased.output

    async def check(session) -> None:
        person = await session.get(Person, person_id)
        assert person.erased_at is not None
        assert person.full_name == ""
        assert person.phone is None
        requests = list((await session.execute(select(PrivacyRequest))).scalars())
        assert [(r.kind, r.state) for r in requests] == [("erasure", "done")]

    _in_database(tmp_path, check)
    listed = cli("privacy", "requests", "--all")
    assert "a person whose data was erased" in listed.output
    again = cli("privacy", "erase", "--person", str(person_id), "--yes")
    assert "nothing left to erase" in again.output


def test_done_marks_an_open_request_and_refuses_unknown_ones(cli, tmp_path: Path) -> None:
    """`done` answers an open request once; an unknown id is one line and exit code 1."""
    person_id = _person(tmp_path)

    async def ask(session) -> int:
        from storage.models import PrivacyRequestKind, utcnow
        from storage.privacy_requests import record_request

        request = await record_request(
            session, person_id, PrivacyRequestKind.CORRECTION, channel="telegram", now=utcnow()
        )
        return request.id or 0

    request_id = _in_database(tmp_path, ask)
    listed = cli("privacy", "requests")
    assert "correction" in listed.output
    assert "open" in listed.output
    assert cli("privacy", "done", str(request_id)).exit_code == 0
    twice = cli("privacy", "done", str(request_id))
    assert twice.exit_code == 1
    assert "already done" in twice.output
    missing = cli("privacy", "done", "4242")
    assert missing.exit_code == 1
    assert "Traceback" not in missing.output
    assert cli("privacy", "export", "--person", "4242").exit_code == 1
