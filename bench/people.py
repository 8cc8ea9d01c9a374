"""Bulk-made people for the benchmarks: directors of cooperatives and commune leaders.

Rows go in with core ``insert()`` many at a time (the ORM would take minutes for 10,000
people); each person gets a Telegram identity whose external id is their chat id.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import insert, select
from sqlmodel import col

from storage.consent import NOTICE_VERSION
from storage.db import Database
from storage.models import (
    AdminUnit,
    ChannelIdentity,
    Consent,
    ConsentDecision,
    Cooperative,
    CooperativeKind,
    Person,
    Role,
    RoleAssignment,
    UnitLevel,
)
from storage.text import fold

SINCE = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
FIRST_USER_ID = 100_000_001


async def communes(database: Database, province: str | None = None) -> list[int]:
    """Return the ids of today's communes, of one province (by name) or of the country."""
    query = select(col(AdminUnit.id)).where(
        col(AdminUnit.level) == UnitLevel.COMMUNE, col(AdminUnit.valid_to).is_(None)
    )
    if province is not None:
        parent = (
            select(col(AdminUnit.id))
            .where(
                col(AdminUnit.name) == province,
                col(AdminUnit.level) == UnitLevel.PROVINCE,
                col(AdminUnit.valid_to).is_(None),
            )
            .scalar_subquery()
        )
        query = query.where(col(AdminUnit.parent_id) == parent)
    async with database.session() as session:
        return [
            int(i or 0)
            for i in (await session.execute(query.order_by(col(AdminUnit.id)))).scalars()
        ]


async def add_cooperatives(database: Database, commune_ids: list[int], count: int) -> list[int]:
    """Create ``count`` cooperatives spread over the communes; return their ids in order."""
    rows = []
    for n in range(count):
        name = f"HTX Đo tải {n + 1}"
        rows.append(
            {
                "kind": CooperativeKind.HTX,
                "name": name,
                "folded_name": fold(name),
                "commune_id": commune_ids[n % len(commune_ids)],
                "status": "active",
                "high_tech": False,
                "created_at": SINCE,
                "updated_at": SINCE,
            }
        )
    async with database.transaction() as session:
        result = await session.execute(
            insert(Cooperative).returning(col(Cooperative.id), sort_by_parameter_order=True),
            rows,
        )
        return [int(i or 0) for i in result.scalars()]


async def add_people(
    database: Database,
    role: Role,
    scopes: list[int],
    *,
    first_user_id: int = FIRST_USER_ID,
    locale: str = "vi",
) -> list[int]:
    """Create one person per scope holding ``role`` there; return their Telegram user ids.

    ``scopes`` are cooperative ids for directors and unit ids for everyone else.
    """
    user_ids = [first_user_id + n for n in range(len(scopes))]
    async with database.transaction() as session:
        people = await session.execute(
            insert(Person).returning(col(Person.id), sort_by_parameter_order=True),
            [
                {
                    "full_name": f"Người thử {u}",
                    "locale": locale,
                    "digest_enabled": True,
                    "created_at": SINCE,
                }
                for u in user_ids
            ],
        )
        person_ids = [int(i or 0) for i in people.scalars()]
        identities: list[dict[str, Any]] = [
            {
                "channel": "telegram",
                "external_id": str(u),
                "person_id": p,
                "display_name": f"Người thử {u}",
                "platform_locale": locale,
                "created_at": SINCE,
            }
            for u, p in zip(user_ids, person_ids, strict=True)
        ]
        await session.execute(insert(ChannelIdentity), identities)
        scope_column = "cooperative_id" if role == Role.DIRECTOR else "unit_id"
        grants = [
            {"person_id": p, "role": role, scope_column: s, "valid_from": SINCE}
            for p, s in zip(person_ids, scopes, strict=True)
        ]
        await session.execute(insert(RoleAssignment), grants)
        # Admitted people agreed to the notice on personal data when they joined.
        consents = [
            {
                "person_id": p,
                "notice_version": NOTICE_VERSION,
                "decision": ConsentDecision.AGREED,
                "channel": "telegram",
                "decided_at": SINCE,
            }
            for p in person_ids
        ]
        await session.execute(insert(Consent), consents)
    return user_ids
