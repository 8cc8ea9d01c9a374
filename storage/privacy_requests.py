"""Requests people make about their personal data, each with the deadline for answering it.

Recording a request tells every admin through the outbox (``PrivacyRequested``), since the
controller's desk is the admins': they answer it with ``coopbot privacy …`` and mark it done.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from storage.errors import N_, CoopbotError, InvalidInput, NotFound
from storage.models import Person, PrivacyRequest, PrivacyRequestKind, PrivacyRequestState
from storage.outbox import plan_for_admins
from storage.outbox_payloads import PrivacyRequested
from storage.people import shown_name

# How long the controller has to answer each kind of request: see docs/privacy.md. 72 hours
# for every kind for now; the legal figures are being confirmed and will be set here.
# Decree 356/2025/ND-CP Article 5 (docs/privacy.md, "How each right is served"): a first
# answer within 2 working days, then done within 10 days (a copy, a correction), 15 days
# (withdrawal) or 20 days (erasure). The days are taken as calendar days, the stricter reading.
DEADLINES: dict[PrivacyRequestKind, dt.timedelta] = {
    PrivacyRequestKind.COPY: dt.timedelta(days=10),
    PrivacyRequestKind.CORRECTION: dt.timedelta(days=10),
    PrivacyRequestKind.WITHDRAWAL: dt.timedelta(days=15),
    PrivacyRequestKind.ERASURE: dt.timedelta(days=20),
}


class RequestNotOpen(CoopbotError):
    """The request was answered already (done or refused)."""

    message = N_("Request {number} is already {state}.")


@dataclass(frozen=True)
class RequestRow:
    """A request as the admins' desk lists it, with the name to show for its person."""

    request: PrivacyRequest
    person_name: str  # ``storage.people.ERASED_PERSON`` once erased (English message id)

    def overdue(self, now: dt.datetime) -> bool:
        """Tell whether the request is still open past its deadline."""
        return self.request.state == PrivacyRequestState.OPEN and self.request.due_at < now


async def record_request(
    session: AsyncSession,
    person_id: int,
    kind: PrivacyRequestKind,
    *,
    channel: str,
    now: dt.datetime,
    details: str | None = None,
    notify_admins: bool = True,
) -> PrivacyRequest:
    """Record a request, due ``DEADLINES[kind]`` after ``now``, and tell every admin.

    ``notify_admins=False`` is for a request an admin answers on the spot (the CLI's export
    and erase): nobody needs telling of a deadline that is already met.

    Raises:
        NotFound: no such person.
    """
    if await session.get(Person, person_id) is None:
        raise NotFound(name=f"person {person_id}")
    request = PrivacyRequest(
        person_id=person_id,
        kind=kind,
        channel=channel[:16],
        details=details[:1000] if details else None,
        received_at=now,
        due_at=now + DEADLINES[kind],
    )
    session.add(request)
    await session.flush()
    if notify_admins:
        notice = PrivacyRequested(
            request_id=request.id or 0, request_kind=kind, due_at=request.due_at
        )
        await plan_for_admins(session, notice, f"privacy:{request.id}", now=now)
    return request


async def _rows(session: AsyncSession, *, open_only: bool, limit: int) -> list[RequestRow]:
    query = select(PrivacyRequest, col(Person.full_name), col(Person.erased_at)).outerjoin(
        Person, col(Person.id) == col(PrivacyRequest.person_id)
    )
    if open_only:
        query = query.where(col(PrivacyRequest.state) == PrivacyRequestState.OPEN).order_by(
            col(PrivacyRequest.due_at), col(PrivacyRequest.id)
        )
    else:
        query = query.order_by(
            col(PrivacyRequest.received_at).desc(), col(PrivacyRequest.id).desc()
        )
    rows = await session.execute(query.limit(limit))
    return [
        RequestRow(request=request, person_name=shown_name(name or "", erased_at))
        for request, name, erased_at in rows.all()
    ]


async def open_requests(session: AsyncSession, *, limit: int = 500) -> list[RequestRow]:
    """Return the requests still to answer, the nearest deadline first."""
    return await _rows(session, open_only=True, limit=limit)


async def recent_requests(session: AsyncSession, *, limit: int = 100) -> list[RequestRow]:
    """Return the latest requests in any state, the newest first."""
    return await _rows(session, open_only=False, limit=limit)


async def finish_request(
    session: AsyncSession,
    request_id: int,
    *,
    now: dt.datetime,
    state: PrivacyRequestState = PrivacyRequestState.DONE,
) -> PrivacyRequest:
    """Mark an open request answered (``DONE``) or refused (``REFUSED``) at ``now``.

    Raises:
        NotFound: no such request.
        RequestNotOpen: it was answered already.
        InvalidInput: ``state`` is ``OPEN``.
    """
    if state == PrivacyRequestState.OPEN:
        raise InvalidInput(N_("A request can only be finished as done or refused."))
    request = await session.get(PrivacyRequest, request_id)
    if request is None:
        raise NotFound(name=f"request {request_id}")
    if request.state != PrivacyRequestState.OPEN:
        raise RequestNotOpen(number=request_id, state=request.state)
    request.state = state
    request.done_at = now
    await session.flush()
    return request
