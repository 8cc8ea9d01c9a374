"""Invites: codes are safe to read aloud, single-use, expiring, hashed and rate-limited."""

from __future__ import annotations

import asyncio
import datetime as dt
import math

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.cooperatives import find_cooperative
from storage.db import Database
from storage.errors import (
    Ambiguous,
    InvalidInput,
    InviteExpired,
    InviteInvalid,
    InviteUsed,
    NotFound,
    TooManyAttempts,
)
from storage.invites import (
    ALPHABET,
    CODE_LENGTH,
    create_invite,
    generate_code,
    hash_code,
    normalize_code,
    redeem_invite,
    revoke_invite,
)
from storage.models import ChannelIdentity, Invite, Person, RoleAssignment
from storage.scope import load_actor
from tests import factories as f

NOW = f.T0


def test_codes_have_enough_entropy_and_no_look_alike_characters() -> None:
    """Ten symbols from 31 give ≥ 40 bits; 0, O, 1, I and l never appear."""
    assert CODE_LENGTH * math.log2(len(ALPHABET)) >= 40
    codes = {generate_code() for _ in range(500)}
    assert len(codes) == 500
    for code in codes:
        assert not set(code) & set("0O1Il")
        assert len(normalize_code(code)) == CODE_LENGTH


def test_typing_variations_of_a_code_hash_the_same() -> None:
    """Lower case, spaces and missing dashes do not matter when a person types the code."""
    assert hash_code("ABCD-EFGH-JK") == hash_code("abcd efgh jk") == hash_code("ABCDEFGHJK")


async def test_only_the_hash_of_a_code_is_stored(demo_session: AsyncSession) -> None:
    """The clear code appears nowhere in the invite row."""
    coop = await f.cooperative(demo_session, "HTX Trinh Phú")
    issued = await create_invite(demo_session, role="director", cooperative_id=coop.id, now=NOW)
    row = (await demo_session.execute(select(Invite))).scalar_one()
    assert normalize_code(issued.code) not in repr(row.model_dump())
    assert row.code_hash == hash_code(issued.code)
    assert row.expires_at == NOW + dt.timedelta(days=14)


async def test_redeeming_creates_the_person_identity_and_role(demo_session: AsyncSession) -> None:
    """A director invite gives a new Telegram user the director role of that cooperative."""
    coop = await f.cooperative(demo_session, "HTX Trinh Phú")
    issued = await create_invite(demo_session, role="director", cooperative_id=coop.id, now=NOW)
    redemption = await redeem_invite(
        demo_session,
        issued.code.lower(),
        channel="telegram",
        external_id="42",
        display_name="Nguyễn Văn A",
        now=NOW,
    )
    assert redemption.person.full_name == "Nguyễn Văn A"
    assert redemption.identity.person_id == redemption.person.id
    actor = await load_actor(demo_session, redemption.person.id or 0, now=NOW)
    assert actor.cooperative_ids() == [coop.id]
    assert redemption.invite.redeemed_by_person_id == redemption.person.id


async def test_a_second_invite_adds_a_role_to_the_same_person(demo_session: AsyncSession) -> None:
    """A director of two cooperatives redeems two invites on one account and is one person."""
    first = await create_invite(
        demo_session,
        role="director",
        cooperative_id=(await f.cooperative(demo_session, "HTX Trinh Phú")).id,
        now=NOW,
    )
    second = await create_invite(
        demo_session,
        role="director",
        cooperative_id=(await f.cooperative(demo_session, "HTX Lộc Mãi")).id,
        now=NOW,
    )
    one = await redeem_invite(
        demo_session, first.code, channel="telegram", external_id="7", now=NOW
    )
    two = await redeem_invite(
        demo_session, second.code, channel="telegram", external_id="7", now=NOW
    )
    assert one.person.id == two.person.id
    actor = await load_actor(demo_session, one.person.id or 0, now=NOW)
    assert len(actor.cooperative_ids()) == 2
    assert await demo_session.scalar(select(func.count()).select_from(Person)) == 1


async def test_a_used_code_says_so_and_grants_nothing_more(demo_session: AsyncSession) -> None:
    """Redeeming twice fails the second time with InviteUsed."""
    issued = await create_invite(demo_session, role="admin", now=NOW)
    await redeem_invite(demo_session, issued.code, channel="telegram", external_id="1", now=NOW)
    with pytest.raises(InviteUsed):
        await redeem_invite(
            demo_session, issued.code, channel="telegram", external_id="2", now=NOW
        )
    assert await demo_session.scalar(select(func.count()).select_from(RoleAssignment)) == 1


async def test_expired_and_revoked_codes_say_so(demo_session: AsyncSession) -> None:
    """A code past its expiry, or revoked, is refused as expired."""
    old = await create_invite(demo_session, role="admin", now=NOW, ttl=dt.timedelta(days=1))
    with pytest.raises(InviteExpired):
        await redeem_invite(
            demo_session,
            old.code,
            channel="telegram",
            external_id="1",
            now=NOW + dt.timedelta(days=1),
        )
    revoked = await create_invite(demo_session, role="admin", now=NOW)
    await revoke_invite(demo_session, revoked.invite.id or 0, now=NOW)
    await demo_session.refresh(revoked.invite)
    with pytest.raises(InviteExpired):
        await redeem_invite(
            demo_session, revoked.code, channel="telegram", external_id="1", now=NOW
        )


@pytest.mark.parametrize("garbage", ["", "hello", "ABCD-EFGH-JK", "💥" * 10, "x" * 5000])
async def test_garbage_codes_are_invalid_and_store_only_an_attempt(
    demo_session: AsyncSession, garbage: str
) -> None:
    """Nonsense codes are refused; no person or identity is created for the sender."""
    with pytest.raises(InviteInvalid):
        await redeem_invite(demo_session, garbage, channel="telegram", external_id="9", now=NOW)
    assert await demo_session.scalar(select(func.count()).select_from(Person)) == 0
    assert await demo_session.scalar(select(func.count()).select_from(ChannelIdentity)) == 0


async def test_wrong_codes_are_limited_to_five_per_ten_minutes(demo_session: AsyncSession) -> None:
    """After five wrong codes even a right one is refused until the window passes."""
    issued = await create_invite(demo_session, role="admin", now=NOW)
    for _ in range(5):
        with pytest.raises(InviteInvalid):
            await redeem_invite(
                demo_session, "WRONG-CODE-XX", channel="zalo", external_id="5", now=NOW
            )
    with pytest.raises(TooManyAttempts):
        await redeem_invite(demo_session, issued.code, channel="zalo", external_id="5", now=NOW)
    other = await redeem_invite(
        demo_session,
        issued.code,
        channel="zalo",
        external_id="5",
        now=NOW + dt.timedelta(minutes=11),
    )
    assert other.assignment.role == "admin"


async def test_two_simultaneous_redemptions_of_one_code_grant_one_role(db: Database) -> None:
    """Two sessions racing on the same code: exactly one wins, the other is told it is used."""
    from storage.demo_data import load_demo_data

    async with db.transaction() as session:
        await load_demo_data(session)
        issued = await create_invite(session, role="admin", now=NOW)

    async def attempt(external_id: str) -> str:
        try:
            async with db.transaction() as session:
                await redeem_invite(
                    session, issued.code, channel="telegram", external_id=external_id, now=NOW
                )
        except InviteUsed:
            return "used"
        except Exception as exc:  # SQLite may refuse the second writer outright
            return type(exc).__name__
        return "ok"

    outcomes = await asyncio.gather(attempt("a"), attempt("b"))
    assert outcomes.count("ok") == 1
    async with db.session() as session:
        assert await session.scalar(select(func.count()).select_from(RoleAssignment)) == 1


@pytest.mark.parametrize(
    ("role", "scope"),
    [
        ("director", {}),
        ("director", {"unit": "Xã Kế Sách"}),
        ("commune_leader", {"unit": "Thành phố Cần Thơ"}),
        ("commune_leader", {"unit": "Xã Trinh Phú"}),
        ("official", {}),
        ("official", {"cooperative": "HTX Trinh Phú"}),
        ("admin", {"unit": "Xã Kế Sách"}),
        ("mayor", {}),
    ],
)
async def test_invites_with_the_wrong_scope_for_their_role_are_refused(
    demo_session: AsyncSession, role: str, scope: dict
) -> None:
    """Each role needs its own kind of scope; a unit must exist today."""
    kwargs: dict = {}
    if "unit" in scope:
        current = scope["unit"] != "Xã Trinh Phú"
        kwargs["unit_id"] = (await f.unit(demo_session, scope["unit"], current=current)).id
    if "cooperative" in scope:
        kwargs["cooperative_id"] = (await f.cooperative(demo_session, scope["cooperative"])).id
    with pytest.raises(InvalidInput):
        await create_invite(demo_session, role=role, now=NOW, **kwargs)


async def test_cooperatives_are_found_by_folded_name_or_listed_when_ambiguous(
    demo_session: AsyncSession,
) -> None:
    """'htx trinh phu' and 'Hợp tác xã Trinh Phú' find the cooperative; duplicates are listed."""
    assert (await find_cooperative(demo_session, "htx trinh phu")).name == "HTX Trinh Phú"
    assert (await find_cooperative(demo_session, "Hợp tác xã Trinh Phú")).name == "HTX Trinh Phú"
    with pytest.raises(NotFound):
        await find_cooperative(demo_session, "HTX Không Có")
    with pytest.raises(NotFound):
        await find_cooperative(demo_session, " ")
    twin = await f.cooperative(demo_session, "HTX Lộc Mãi")
    twin.folded_name = "htx trinh phu"
    await demo_session.flush()
    with pytest.raises(Ambiguous) as caught:
        await find_cooperative(demo_session, "HTX Trinh Phú")
    assert len(caught.value.candidates) == 2
