"""The operator's CLI: db upgrade, demo-data load and invite, with one-line errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.cli import app
from storage.db import Database
from storage.migrate import head_revision
from tests.conftest import database_url


@pytest.fixture
def cli(empty_db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """Return a function running the CLI against the (empty) test database."""
    monkeypatch.setenv("COOPBOT_DATABASE_URL", database_url(tmp_path))
    monkeypatch.delenv("TELEGRAM_BOT_USERNAME", raising=False)
    monkeypatch.chdir(tmp_path)  # no stray .env is read
    runner = CliRunner()

    def invoke(*args: str, env: dict[str, str] | None = None):
        return runner.invoke(app, list(args), env=env)

    return invoke


def test_db_upgrade_then_demo_data_load_is_repeatable(cli) -> None:
    """Upgrade reports the head revision; a second demo load adds nothing."""
    upgraded = cli("db", "upgrade")
    assert upgraded.exit_code == 0, upgraded.output
    assert f"revision {head_revision()}" in upgraded.output
    first = cli("demo-data", "load")
    assert first.exit_code == 0, first.output
    assert "12 cooperatives" in first.output
    second = cli("demo-data", "load")
    assert "0 units, 0 successions, 0 cooperatives" in second.output
    assert cli("db", "current").output.strip() == head_revision()


def test_invite_json_prints_code_role_scope_and_expiry(cli) -> None:
    """`invite --json` prints one object; the deep link appears when the username is set."""
    cli("db", "upgrade")
    cli("demo-data", "load")
    result = cli(
        "invite",
        "--role",
        "director",
        "--cooperative",
        "htx trinh phu",
        "--json",
        env={"TELEGRAM_BOT_USERNAME": "coopbot_test_bot"},
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert set(data) == {"code", "role", "scope", "expires_at", "deep_link"}
    assert data["role"] == "director"
    assert data["scope"]["name"] == "HTX Trinh Phú"
    assert data["deep_link"] == f"https://t.me/coopbot_test_bot?start={data['code']}"


@pytest.mark.parametrize(
    ("args", "scope_name"),
    [
        (["--role", "commune_leader", "--unit", "trinh phu"], "Xã An Lạc Thôn"),
        (["--role", "official", "--unit", "Cần Thơ"], "Thành phố Cần Thơ"),
        (["--role", "admin"], None),
    ],
)
def test_invites_for_every_role_resolve_their_scope(cli, args: list[str], scope_name) -> None:
    """A pre-2025 commune name becomes today's commune in a leader's invite."""
    cli("db", "upgrade")
    cli("demo-data", "load")
    result = cli("invite", *args, "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["scope"].get("name") == scope_name


@pytest.mark.parametrize(
    "typed",
    ["trinh phu", "Trinh Phú", "HỢP TÁC XÃ TRINH PHÚ", "htx  trinh-phu", "tổ hợp tác trinh phu"],
)
def test_a_cooperative_is_found_as_people_type_its_name(cli, typed: str) -> None:
    """Case, diacritics, punctuation and the kind word (HTX, THT, hợp tác xã, tổ hợp tác)
    do not matter."""
    cli("db", "upgrade")
    cli("demo-data", "load")
    result = cli("invite", "--role", "director", "--cooperative", typed, "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["scope"]["name"] == "HTX Trinh Phú"


def test_a_database_never_upgraded_is_one_line_not_a_traceback(cli) -> None:
    """Before `coopbot db upgrade` a command says what to do instead of failing in SQL."""
    result = cli("invite", "--role", "director", "--cooperative", "trinh phu")
    assert result.exit_code == 1
    assert "coopbot db upgrade" in result.output
    assert "Traceback" not in result.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--role", "director", "--cooperative", "HTX Không Có"], "No cooperative called"),
        (["--role", "director", "--cooperative", "tinh phu"], "No cooperative called"),
        (["--role", "director", "--unit", "Kế Sách"], "--role director takes --cooperative"),
        (["--role", "commune_leader", "--unit", "Cần Thơ"], "Nothing called"),
        (["--role", "admin", "--unit", "Kế Sách"], "--role admin takes no scope"),
    ],
)
def test_bad_invite_requests_fail_with_one_line_and_exit_1(cli, args, message) -> None:
    """Errors are one clear line on stderr, no traceback, exit code 1."""
    cli("db", "upgrade")
    cli("demo-data", "load")
    result = cli("invite", *args)
    assert result.exit_code == 1
    assert message in result.output
    assert "Traceback" not in result.output


def test_a_wrong_setting_names_the_variable(cli) -> None:
    """A bad COOPBOT_DATABASE_URL exits 2 naming the variable."""
    result = cli("db", "upgrade", env={"COOPBOT_DATABASE_URL": "mysql://x/y"})
    assert result.exit_code == 2
    assert "COOPBOT_DATABASE_URL" in result.output
    assert "Traceback" not in result.output


def test_outbox_status_and_retry_report_and_requeue(cli) -> None:
    """`outbox status` lists counts; `outbox retry` wants an id or --failed and reports."""
    cli("db", "upgrade")
    status = cli("outbox", "status")
    assert status.exit_code == 0, status.output
    assert "pending" in status.output
    assert cli("outbox", "retry").exit_code == 2
    assert "0 message(s) queued again" in cli("outbox", "retry", "--failed").output
    missing = cli("outbox", "retry", "12345")
    assert missing.exit_code == 1
    assert "not failed or unreachable" in missing.output


def test_reminders_run_at_a_moment_and_preview_a_quarter(cli) -> None:
    """`reminders run --at` plans what is due; `reminders plan --quarter` only previews."""
    cli("db", "upgrade")
    cli("demo-data", "load")
    cli("invite", "--role", "admin")
    ran = cli("reminders", "run", "--at", "2026-04-06T08:00+07:00")
    assert ran.exit_code == 0, ran.output
    assert "newly planned" in ran.output
    preview = cli("reminders", "plan", "--quarter", "2026Q2")
    assert preview.exit_code == 0, preview.output
    assert "kick-off 06/04/2026 08:00" in preview.output
    assert cli("reminders", "plan", "--quarter", "2026Q5").exit_code == 2
    assert cli("reminders", "plan", "--quarter", "2026").exit_code == 2  # a year
    for typed in ("quý II/2026", "quy 2 nam 2026", "q2 2026"):
        same = cli("reminders", "plan", "--quarter", typed)
        assert same.exit_code == 0, same.output
        assert "kick-off 06/04/2026 08:00" in same.output
    naive = cli("reminders", "run", "--at", "2026-04-06T08:00")
    assert naive.exit_code == 2
    assert "offset" in naive.output


def test_holiday_overrides_can_be_added_listed_and_removed(cli) -> None:
    """A Tết bridge day and a swapped Saturday are stored, shown and removable."""
    cli("db", "upgrade")
    assert cli("holidays", "add", "06/04/2026", "--note", "Nghỉ bù").exit_code == 0
    assert cli("holidays", "add", "2026-04-11", "--working").exit_code == 0
    listed = cli("holidays", "list").output
    assert "06/04/2026  day off" in listed
    assert "11/04/2026  working day" in listed
    preview = cli("reminders", "plan", "--quarter", "2026Q2")
    assert "kick-off 07/04/2026 08:00" in preview.output
    assert cli("holidays", "remove", "06/04/2026").exit_code == 0
    assert cli("holidays", "remove", "06/04/2026").exit_code == 1
    assert cli("holidays", "add", "31/02/2026").exit_code == 2


def test_categories_show_and_take_their_deadline_in_working_days(cli) -> None:
    """Each category is listed with its working days; set-days changes one; a wrong number
    or key is one line and a non-zero exit."""
    cli("db", "upgrade")
    listed = cli("categories", "list")
    assert listed.exit_code == 0, listed.output
    assert "credit        11 working days  Vốn, tín dụng" in listed.output
    changed = cli("categories", "set-days", "credit", "5")
    assert changed.exit_code == 0, changed.output
    assert "credit         5 working days" in cli("categories", "list").output
    assert cli("categories", "set-days", "credit", "0").exit_code == 2
    unknown = cli("categories", "set-days", "nope", "5")
    assert unknown.exit_code == 1
    assert "nope" in unknown.output
