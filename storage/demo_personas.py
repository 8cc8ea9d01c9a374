"""The demo's people: a director, a commune leader, an official and an admin of the Kế Sách data.

Each persona is admitted the way a real person is, through an invite redeemed on a channel,
so the conversations treat them exactly like anyone else. Their account ids on the demo
channels are ``demo-<persona>``. One person may reach us on several channels: a persona
redeemed on the web chat gets a second account on the console (and the other way round)
bound to the same person, so both see the same items and roles.

Creating the personas is idempotent: a persona whose account exists is left as it is.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from storage.consent import record_choice
from storage.cooperatives import find_cooperative
from storage.dialogs import find_identity
from storage.invites import create_invite, redeem_invite
from storage.models import ChannelIdentity, ConsentDecision, Person, Role, UnitLevel, utcnow
from storage.units import resolve_unit

DEMO_CHANNELS = ("web", "console")


@dataclass(frozen=True)
class DemoPersona:
    """Someone a demo visitor can act as.

    Attributes:
        key: the persona's name in URLs and on the command line.
        role: the role the persona's invite grants.
        scope: the cooperative (director) or unit (others) the role applies to; empty for admins.
        display_name: the person's name.
    """

    key: str
    role: Role
    scope: str
    display_name: str

    @property
    def external_id(self) -> str:
        """Return the persona's account id on every demo channel."""
        return f"demo-{self.key}"


PERSONAS: tuple[DemoPersona, ...] = (
    DemoPersona("director", Role.DIRECTOR, "HTX Trinh Phú", "Nguyễn Văn Tư"),
    DemoPersona("commune_leader", Role.COMMUNE_LEADER, "Xã An Lạc Thôn", "Trần Thị Hoa"),
    DemoPersona("official", Role.OFFICIAL, "Thành phố Cần Thơ", "Lê Minh Tâm"),
    DemoPersona("admin", Role.ADMIN, "", "Phạm Quốc Bảo"),
)
PERSONA_KEYS = tuple(persona.key for persona in PERSONAS)


def find_persona(key: str) -> DemoPersona | None:
    """Return the persona called ``key``, or None."""
    return next((persona for persona in PERSONAS if persona.key == key), None)


async def _existing_person(session: AsyncSession, persona: DemoPersona) -> int | None:
    """Return the person behind any demo account of ``persona``, if one was made before."""
    rows = await session.execute(
        select(col(ChannelIdentity.person_id))
        .where(
            col(ChannelIdentity.channel).in_(DEMO_CHANNELS),
            col(ChannelIdentity.external_id) == persona.external_id,
            col(ChannelIdentity.person_id).is_not(None),
        )
        .order_by(col(ChannelIdentity.id))
    )
    return rows.scalars().first()


async def _invite_scope(
    session: AsyncSession, persona: DemoPersona
) -> tuple[int | None, int | None]:
    """Return the (unit id, cooperative id) the persona's invite is for."""
    if persona.role == Role.DIRECTOR:
        return None, (await find_cooperative(session, persona.scope)).id
    if persona.role == Role.ADMIN:
        return None, None
    levels = [UnitLevel.COMMUNE] if persona.role == Role.COMMUNE_LEADER else [UnitLevel.PROVINCE]
    resolved = await resolve_unit(session, persona.scope, levels=levels)
    return (resolved.today or resolved.unit).id, None


async def ensure_persona(
    session: AsyncSession,
    persona: DemoPersona,
    channel: str,
    *,
    locale: str | None = None,
    now: dt.datetime | None = None,
) -> ChannelIdentity:
    """Return the persona's account on ``channel``, admitting the persona first if needed.

    Args:
        session: an open session; the caller commits.
        persona: who to admit.
        channel: one of ``DEMO_CHANNELS``.
        locale: the language a new account's "app" reports (the person may choose another).
        now: the moment of admission (the demo clock's time).

    Raises:
        ValueError: ``channel`` is not a demo channel.
        NotFound: the demo data is not loaded (the scope does not exist).
    """
    if channel not in DEMO_CHANNELS:
        raise ValueError(f"{channel!r} is not a demo channel")
    now = now or utcnow()
    identity = await find_identity(session, channel, persona.external_id)
    if identity is not None and identity.person_id is not None:
        return identity
    person_id = await _existing_person(session, persona)
    if person_id is None:
        unit_id, cooperative_id = await _invite_scope(session, persona)
        issued = await create_invite(
            session, role=persona.role, unit_id=unit_id, cooperative_id=cooperative_id, now=now
        )
        redemption = await redeem_invite(
            session,
            issued.code,
            channel=channel,
            external_id=persona.external_id,
            display_name=persona.display_name,
            platform_locale=locale,
            now=now,
        )
        # The personas are fictional: they agree to the notice when they are made.
        await record_choice(
            session,
            ConsentDecision.AGREED,
            channel=channel,
            now=now,
            person_id=redemption.person.id,
        )
        return redemption.identity
    if identity is None:
        identity = ChannelIdentity(
            channel=channel,
            external_id=persona.external_id,
            display_name=persona.display_name,
            platform_locale=locale,
            created_at=now,
        )
        session.add(identity)
    identity.person_id = person_id
    await session.flush()
    return identity


async def ensure_personas(
    session: AsyncSession,
    channel: str,
    *,
    locale: str | None = None,
    now: dt.datetime | None = None,
) -> list[ChannelIdentity]:
    """Admit every demo persona on ``channel`` (see ``ensure_persona``), in ``PERSONAS`` order."""
    return [
        await ensure_persona(session, persona, channel, locale=locale, now=now)
        for persona in PERSONAS
    ]


async def persona_locale(session: AsyncSession, channel: str, persona: DemoPersona) -> str | None:
    """Return the language the persona chose, else the one its account reported, else None."""
    identity = await find_identity(session, channel, persona.external_id)
    if identity is None:
        return None
    person = await session.get(Person, identity.person_id) if identity.person_id else None
    return (person.locale if person else None) or identity.platform_locale
