"""How each commune leader will get the kick-off: the preview ``coopbot reminders plan``
shows, following what the delivery plan will do."""

from __future__ import annotations

import asyncio
import datetime as dt
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncSession
from typer.testing import CliRunner

from bot.cli import app
from storage.calendar import Quarter, ReminderSchedule, WorkingCalendar
from storage.delivery_plan import Cause
from storage.models import ChannelIdentity, Person
from storage.reach_report import Way, leader_reach
from storage.reply_window import ReplyWindow
from storage.zalo_templates import TemplateKind, set_template
from tests import factories as f
from tests.conftest import database_url

KICKOFF = ReminderSchedule().kickoff(Quarter(2027, 1), WorkingCalendar())
WINDOW = ReplyWindow(hours=48, free_replies=8)
DAY = dt.timedelta(days=1)


async def leader(
    session: AsyncSession, commune: str, name: str, *accounts: tuple[str, dt.datetime | None]
) -> Person:
    """Create the leader of ``commune`` with (channel, last written) accounts."""
    actor = await f.actor(
        session, "commune_leader", unit_id=(await f.unit(session, commune)).id, name=name
    )
    for number, (channel, seen) in enumerate(accounts):
        session.add(
            ChannelIdentity(
                channel=channel,
                external_id=f"{name}-{number}",
                person_id=actor.person_id,
                last_seen_at=seen,
            )
        )
    await session.flush()
    person = await session.get(Person, actor.person_id)
    assert person is not None
    return person


async def test_each_way_and_each_cause_is_shown(demo_session: AsyncSession) -> None:
    """Telegram; Zalo inside its window; Zalo's template; Telegram after a closed Zalo; and
    nobody, with every cause, for a Zalo-only leader without number or template."""
    await leader(demo_session, "Xã An Lạc Thôn", "An", ("telegram", None))
    await leader(demo_session, "Xã Kế Sách", "Binh", ("zalo", KICKOFF - DAY))
    with_phone = await leader(demo_session, "Xã Phong Nẫm", "Cuc", ("zalo", KICKOFF - 9 * DAY))
    with_phone.phone = "84912345678"
    await leader(
        demo_session,
        "Xã Thới An Hội",
        "Dung",
        ("zalo", KICKOFF - 3 * DAY),
        ("telegram", KICKOFF - 90 * DAY),
    )
    await leader(demo_session, "Xã Đại Hải", "Em", ("zalo", None))
    await set_template(demo_session, TemplateKind.KICKOFF, "tpl-1")

    reach = {r.name: r for r in await leader_reach(demo_session, KICKOFF, WINDOW)}

    assert (reach["An"].way, reach["An"].channel) == (Way.CHANNEL, "telegram")
    assert reach["Binh"].way == Way.ZALO_WINDOW
    assert (reach["Cuc"].way, reach["Cuc"].detail) == (
        Way.ZALO_TEMPLATE,
        "template tpl-1 to 84912345678",
    )
    assert (reach["Dung"].way, reach["Dung"].channel) == (Way.CHANNEL, "telegram")
    assert (reach["Em"].way, reach["Em"].causes) == (
        Way.NONE,
        [Cause.WINDOW_CLOSED, Cause.NO_PHONE, Cause.NO_OTHER_ACCOUNT],
    )


async def test_a_number_zalo_does_not_know_and_a_missing_template_are_causes(
    demo_session: AsyncSession,
) -> None:
    """Outside the window, no template and a number Zalo said has no account: both named."""
    person = await leader(demo_session, "Xã Kế Sách", "Gia", ("zalo", KICKOFF - 5 * DAY))
    person.phone = "84912345678"
    person.phone_unreachable_since = KICKOFF - DAY

    (row,) = [r for r in await leader_reach(demo_session, KICKOFF, WINDOW) if r.name == "Gia"]

    assert row.causes == [
        Cause.WINDOW_CLOSED,
        Cause.NO_TEMPLATE,
        Cause.PHONE_NOT_ON_ZALO,
        Cause.NO_OTHER_ACCOUNT,
    ]


async def test_the_quarter_preview_lists_how_each_leader_is_reached(
    demo_session: AsyncSession, tmp_path: Path, monkeypatch
) -> None:
    """``coopbot reminders plan --quarter 2027Q1`` ends with one row per leader and a count."""
    await leader(demo_session, "Xã An Lạc Thôn", "An", ("telegram", None))
    await leader(demo_session, "Xã Đại Hải", "Em", ("zalo", None))
    await demo_session.commit()
    monkeypatch.chdir(tmp_path)

    result = await asyncio.to_thread(
        CliRunner().invoke,
        app,
        ["reminders", "plan", "--quarter", "2027Q1"],
        env={"COOPBOT_DATABASE_URL": database_url(tmp_path)},
    )

    assert result.exit_code == 0, result.output
    shown = " ".join(result.output.split("how each leader is reached")[1].split())
    assert "An Xã An Lạc Thôn channel (telegram) account An-0" in shown
    for said in ("Em Xã Đại Hải unreachable", "Zalo window closed,", "no mobile number,"):
        assert said in shown
    assert shown.endswith("2 leaders, 1 unreachable")
    # Each message once, at its own moment: a follow-up still due at the escalation (a
    # preview plans nothing) is not listed again there.
    escalation = result.output.split("escalation ")[1].split("how each leader")[0]
    assert "followup" not in escalation
    assert result.output.count("remind:2027Q1:followup:") == 2  # one per leader
