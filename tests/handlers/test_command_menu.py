"""Which commands each role gets, in the chat menu and in /help alike."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from handlers.command_menu import commands_for, help_lines, menu_for, public_menu
from handlers.i18n import get_translator
from storage.scope import Actor, Grant
from tests import factories as f

HANDLING = [
    "inbox",
    "find",
    "item",
    "alerts",
    "summary",
    "targets",
    "chart",
    "export",
    "invite",
    "people",
    "digest",
]
ALWAYS = ["help", "language", "cancel"]
# /phone and /privacy are for those admitted: strangers have no data yet
ADMITTED = ["phone", "privacy", *ALWAYS]


def names(actor: Actor | None) -> list[str]:
    return [command.name for command in commands_for(actor)]


async def test_each_role_gets_its_own_commands(demo_session: AsyncSession) -> None:
    """Strangers join; directors report; leaders also log meetings; officials handle."""
    commune = await f.unit(demo_session, "Xã Kế Sách")
    director = await f.director_of(demo_session, "HTX Trinh Phú")
    leader = await f.actor(demo_session, "commune_leader", unit_id=commune.id)
    official = await f.actor(demo_session, "official", unit_id=commune.id)
    admin = Actor(person_id=1, grants=(Grant("admin", None, None),))

    assert names(None) == ["start", *ALWAYS]
    assert names(Actor(person_id=2, grants=())) == ["start", *ALWAYS]
    assert names(director) == ["report", "my", "find", "item", *ADMITTED]
    assert names(leader) == ["meeting", *HANDLING, *ADMITTED]
    assert names(official) == [*HANDLING, *ADMITTED]
    assert names(admin) == [*HANDLING, *ADMITTED]


async def test_a_menu_changes_its_fingerprint_with_language_and_role(
    demo_session: AsyncSession,
) -> None:
    """The stored fingerprint differs whenever what the chat should show differs."""
    director = await f.director_of(demo_session, "HTX Trinh Phú")
    commune = await f.unit(demo_session, "Xã Kế Sách")
    leader = await f.actor(demo_session, "commune_leader", unit_id=commune.id)
    vi, en = get_translator("vi"), get_translator("en")

    keys = {
        menu_for(director, vi).key,
        menu_for(director, en).key,
        menu_for(leader, vi).key,
    }
    assert len(keys) == 3
    assert None not in keys
    assert menu_for(director, vi).key == menu_for(director, vi).key
    assert menu_for(None, vi).key is None
    assert menu_for(None, vi).commands == ()
    assert public_menu(en)[0] == ("start", "Start, or join with an invite code")


async def test_help_lists_each_command_with_its_arguments(demo_session: AsyncSession) -> None:
    """/help shows the usage of commands that take arguments, in the person's language."""
    commune = await f.unit(demo_session, "Xã Kế Sách")
    official = await f.actor(demo_session, "official", unit_id=commune.id)
    lines = help_lines(official, get_translator("en").gettext)
    assert "/summary [period] [unit] — Where things stand" in lines
    assert "/digest on|off — The weekly summary" in lines
    assert "/inbox — The desk: items to handle, by list" in lines
    assert "/alerts now|daily|off — Alerts of new items" in lines
    assert len(lines) == len(HANDLING) + len(ADMITTED)
