"""``load_speaker``: person, active grants and conversation of an identity in one query."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.ext.asyncio import AsyncSession

from storage.dialogs import load_dialog, load_speaker, save_dialog
from storage.models import ChannelIdentity, DialogState, Person, RoleAssignment
from storage.processed_updates import mark_processed
from storage.scope import load_actor
from tests import factories as f

NOW = f.T0


async def _identity(
    session: AsyncSession, person: Person | None, external_id: str
) -> ChannelIdentity:
    identity = ChannelIdentity(
        channel="telegram", external_id=external_id, person_id=person.id if person else None
    )
    session.add(identity)
    await session.flush()
    return identity


async def test_it_loads_what_the_three_separate_lookups_load(demo_session: AsyncSession) -> None:
    """Grants active now only (not ended, not yet begun), the person and the conversation."""
    s = demo_session
    director = await f.director_of(s, "HTX Trinh Phú")
    person = await s.get(Person, director.person_id)
    unit = await f.unit(s, "Xã An Lạc Thôn")
    s.add_all(
        [
            RoleAssignment(  # ended
                person_id=director.person_id,
                role="commune_leader",
                unit_id=unit.id,
                valid_from=NOW - dt.timedelta(days=30),
                valid_to=NOW,
            ),
            RoleAssignment(  # not begun
                person_id=director.person_id,
                role="official",
                unit_id=unit.id,
                valid_from=NOW + dt.timedelta(seconds=1),
            ),
            RoleAssignment(  # a second active grant
                person_id=director.person_id,
                role="commune_leader",
                unit_id=unit.id,
                valid_from=NOW - dt.timedelta(days=1),
                valid_to=NOW + dt.timedelta(days=1),
            ),
        ]
    )
    identity = await _identity(s, person, "501")
    await save_dialog(s, identity.id or 0, "report", "text", {"kind": "difficulty"}, now=NOW)
    await s.commit()
    s.expunge_all()

    speaker = await load_speaker(s, identity, now=NOW)

    assert speaker.person is not None
    assert speaker.person.id == director.person_id
    expected = await load_actor(s, director.person_id, NOW)
    assert speaker.actor is not None
    assert sorted(speaker.actor.grants, key=repr) == sorted(expected.grants, key=repr)
    assert len(speaker.actor.grants) == 2
    assert speaker.dialog is not None
    assert (speaker.dialog.flow, speaker.dialog.step, speaker.dialog.draft) == (
        "report",
        "text",
        {"kind": "difficulty"},
    )
    assert speaker.dialog is await load_dialog(s, identity.id or 0, now=NOW)


async def test_a_person_without_grants_or_conversation(demo_session: AsyncSession) -> None:
    """A person whose grants all ended is an actor with no grants; no conversation is None."""
    s = demo_session
    person = Person(full_name="Former director")
    s.add(person)
    await s.flush()
    s.add(
        RoleAssignment(
            person_id=person.id or 0,
            role="director",
            cooperative_id=(await f.cooperative(s, "HTX Lộc Mãi")).id,
            valid_from=NOW - dt.timedelta(days=30),
            valid_to=NOW - dt.timedelta(days=1),
        )
    )
    identity = await _identity(s, person, "502")
    await s.commit()

    speaker = await load_speaker(s, identity, now=NOW)

    assert speaker.person is not None
    assert speaker.actor is not None
    assert speaker.actor.grants == ()
    assert speaker.dialog is None


async def test_a_stranger_with_an_expired_conversation(demo_session: AsyncSession) -> None:
    """No person, no actor; an expired conversation is deleted, as ``load_dialog`` does."""
    s = demo_session
    identity = await _identity(s, None, "503")
    await save_dialog(s, identity.id or 0, "join", "code", {}, now=NOW - dt.timedelta(days=3))
    await s.commit()
    s.expunge_all()

    speaker = await load_speaker(s, identity, now=NOW)

    assert (speaker.person, speaker.actor, speaker.dialog) == (None, None, None)
    await s.commit()
    assert await s.get(DialogState, identity.id) is None


async def test_mark_processed_tells_a_redelivery(session: AsyncSession) -> None:
    """The first delivery of an update is new; the same id again, on that channel, is not."""
    assert await mark_processed(session, "telegram", "7")
    assert not await mark_processed(session, "telegram", "7")
    assert await mark_processed(session, "zalo", "7")
    await session.commit()
    assert not await mark_processed(session, "telegram", "7")
