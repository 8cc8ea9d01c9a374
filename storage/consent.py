"""Each person's choice on the notice about their personal data (Law 91/2025/QH15).

Nobody is admitted before agreeing to the notice's current version; a refusal before
admission is kept as a bare fact (version, channel, moment), with no person. The notice's
text lives with the conversations (``handlers/privacy_notice.py``); storage keeps the choices
and the version of the text in force.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from storage.models import ChannelIdentity, Consent, ConsentDecision, DialogState

# The version of the notice's text in force (handlers/privacy_notice.py). Change it whenever
# the text changes in substance: everyone admitted is shown the notice again and chooses again.
NOTICE_VERSION = "2026-12-05"  # 2026-12: before the sources of phone numbers were named


async def record_choice(
    session: AsyncSession,
    decision: ConsentDecision,
    *,
    channel: str,
    now: dt.datetime,
    person_id: int | None = None,
) -> Consent:
    """Record a choice on the notice in force."""
    consent = Consent(
        person_id=person_id,
        notice_version=NOTICE_VERSION,
        decision=decision,
        channel=channel,
        decided_at=now,
    )
    session.add(consent)
    await session.flush()
    return consent


async def has_agreed(session: AsyncSession, person_id: int) -> bool:
    """Tell whether the person's latest choice is agreement to the notice in force."""
    latest = await session.scalar(
        select(Consent)
        .where(col(Consent.person_id) == person_id)
        .order_by(col(Consent.decided_at).desc(), col(Consent.id).desc())
        .limit(1)
    )
    return (
        latest is not None
        and latest.decision == ConsentDecision.AGREED
        and latest.notice_version == NOTICE_VERSION
    )


async def forget_undecided_account(session: AsyncSession, identity: ChannelIdentity) -> None:
    """Delete an account that was shown the notice and declined before being admitted: it
    held nothing but the buttons of the notice."""
    if identity.person_id is not None:
        return
    await session.execute(delete(DialogState).where(col(DialogState.identity_id) == identity.id))
    await session.delete(identity)
    await session.flush()
