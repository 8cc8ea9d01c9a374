"""One delivery plan per person: when a channel cannot carry a message, the next one does.

Every unasked message is planned to the account the person used last
(``storage.accounts_preferred``). When that channel refuses it for a reason about the way,
not the person — Zalo's reply window closed and no template could go instead — ``reroute``
ends the message there and plans the same payload on the person's next reachable account,
most recently used first. Only when every account was tried are the admins told, once per
person and quarter, with every cause (``PersonUnreached``).

The copy's dedupe key is the original's followed by every channel tried (``k>zalo>telegram``),
so rerouting the same message twice (a retried attempt, two workers) plans one copy, and a
chain never returns to a channel it left.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from storage.accounts_preferred import recency
from storage.calendar import Quarter
from storage.models import ChannelIdentity, OutboxMessage, OutboxStatus
from storage.outbox import finish_attempt, plan, plan_for_admins
from storage.outbox_payloads import ADMIN_NOTICE_KINDS, PersonUnreached, kind_of, read_payload

CHAIN = ">"  # separates the channels a message was rerouted through in its dedupe key


class Cause(StrEnum):
    """Why one way to a person could not carry a message (shown translated to admins)."""

    WINDOW_CLOSED = "window_closed"  # Zalo: they have not written within the reply window
    NO_TEMPLATE = "no_template"  # Zalo: no approved template is set for this kind
    NO_PHONE = "no_phone"  # Zalo: no mobile number is kept for them
    PHONE_NOT_ON_ZALO = "phone_not_on_zalo"  # Zalo: their number has no Zalo account
    TEMPLATE_REFUSED = "template_refused"  # Zalo refused the template (not approved, data)
    REFUSED = "refused"  # the platform refused the message for now
    NO_OTHER_ACCOUNT = "no_other_account"  # they joined on no other channel


def tried_channels(message: OutboxMessage) -> list[str]:
    """Return the channels a message's chain went through, its own last."""
    return message.dedupe_key.split(CHAIN)[1:] or [message.channel]


def _next_key(message: OutboxMessage, channel: str) -> str:
    """Return the dedupe key of a message's copy on ``channel``: the original key, then
    every channel tried, so each copy is planned once and the chain never loops."""
    chain = (
        message.dedupe_key
        if CHAIN in message.dedupe_key
        else (f"{message.dedupe_key}{CHAIN}{message.channel}")
    )
    return f"{chain}{CHAIN}{channel}"


async def next_account(
    session: AsyncSession, person_id: int, tried: list[str]
) -> ChannelIdentity | None:
    """Return the person's reachable account on a channel not yet tried, used most lately."""
    rows = await session.execute(
        select(ChannelIdentity).where(
            col(ChannelIdentity.person_id) == person_id,
            col(ChannelIdentity.unreachable_since).is_(None),
            col(ChannelIdentity.channel).not_in(tried),
        )
    )
    accounts = sorted(rows.scalars(), key=recency, reverse=True)
    return accounts[0] if accounts else None


async def reroute(
    session: AsyncSession,
    message_id: int,
    reason: str,
    causes: list[Cause],
    *,
    now: dt.datetime,
    attempt: int | None = None,
) -> str | None:
    """End a message its channel cannot carry and plan it on the person's next account (the
    message is then ``REROUTED``); return that channel, or None when there was none (the
    message ``FAILED``; the admins are told).

    A notice to an admin is rerouted too, but when it finds no way the admins are not told
    of it: refusals never cascade.
    """
    message = await finish_attempt(session, message_id, attempt, OutboxStatus.FAILED, reason)
    if message is None or message.person_id is None:
        return None
    account = await next_account(session, message.person_id, tried_channels(message))
    if account is None:
        if kind_of(message.payload) not in ADMIN_NOTICE_KINDS:
            await _tell_admins(session, message, [*causes, Cause.NO_OTHER_ACCOUNT], now)
        return None
    message.status = OutboxStatus.REROUTED  # so `outbox retry --failed` never sends it twice
    message.last_error = f"{reason}; sent on {account.channel} instead"[:500]
    await plan(
        session,
        dedupe_key=_next_key(message, account.channel)[:200],
        channel=account.channel,
        recipient=account.external_id,
        person_id=message.person_id,
        payload=read_payload(message.payload),
        now=now,
    )
    return account.channel


async def _tell_admins(
    session: AsyncSession, message: OutboxMessage, causes: list[Cause], now: dt.datetime
) -> None:
    """Tell every admin, once per person and quarter, that the person could not be reached."""
    quarter = Quarter.at(now).key
    notice = PersonUnreached(
        person_id=message.person_id or 0,
        message_id=message.id or 0,
        message_kind=kind_of(message.payload)[:40],
        causes=list(dict.fromkeys(str(cause) for cause in causes))[:8],
    )
    await plan_for_admins(session, notice, f"unreached:{message.person_id}:{quarter}", now=now)
