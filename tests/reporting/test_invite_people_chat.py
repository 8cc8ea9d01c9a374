"""Transcripts of /invite (code, link, QR code) and /people (list, revoke), scope enforced."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.db import Database
from storage.invites import create_invite
from storage.models import Invite, RoleAssignment
from tests import factories as f
from tests.handlers.chat import Chat
from tests.reporting.chats import NOW, join

PNG = b"\x89PNG\r\n\x1a\n"


def code_in(text: str) -> str:
    """Return the invite code shown after "Mã mời: "."""
    return text.split("Mã mời: ", 1)[1].split()[0]


async def test_an_official_invites_a_commune_leader_who_then_joins(
    db: Database, demo_session: AsyncSession
) -> None:
    """Role → commune → code, deep link and QR image; the code admits the new leader."""
    official = await join(
        db, demo_session, "701", "official", unit="Thành phố Cần Thơ", bot_username="coopbot_bot"
    )
    assert "Ông/Bà muốn mời ai tham gia?" in await official.say("/invite")
    assert [label for label, _ in official.buttons()][:2] == ["lãnh đạo xã", "giám đốc hợp tác xã"]
    await official.press("iv:r:c")
    communes = [label for label, payload in official.buttons() if payload.startswith("iv:t:")]
    assert len(communes) == 6
    assert "Xã An Lạc Thôn" in communes
    text = await official.press_label("Xã An Lạc Thôn")
    assert "Lời mời dành cho lãnh đạo Xã An Lạc Thôn." in text
    code = code_in(text)
    assert f"https://t.me/coopbot_bot?start={code}" in text
    [reply] = official.last
    assert reply.image is not None
    assert reply.image.data.startswith(PNG)
    invite = (await demo_session.execute(select(Invite))).scalars().all()[-1]
    assert invite.created_by_person_id is not None
    newcomer = Chat(db, user="702", now=NOW)
    assert "lãnh đạo xã" in await newcomer.join(code)


async def test_an_old_commune_name_can_be_typed(db: Database, demo_session: AsyncSession) -> None:
    """Typing "trinh phu" at the commune step invites a leader of today's Xã An Lạc Thôn."""
    official = await join(db, demo_session, "703", "official", unit="Thành phố Cần Thơ")
    await official.say("/invite")
    await official.press("iv:r:c")
    text = await official.say("trinh phu")
    assert "Lời mời dành cho lãnh đạo Xã An Lạc Thôn." in text
    assert "https://t.me" not in text  # no bot username configured: the QR holds the code
    assert official.last[0].image is not None


async def test_cooperatives_are_offered_eight_a_page(
    db: Database, demo_session: AsyncSession
) -> None:
    """An official of the province sees 8 of the 12 cooperatives, then the other 4."""
    official = await join(db, demo_session, "704", "official", unit="Thành phố Cần Thơ")
    await official.say("/invite")
    await official.press("iv:r:d")
    first = [p for _, p in official.buttons() if p.startswith("iv:t:d:")]
    assert len(first) == 8
    assert ("Trang sau ▶️", "iv:p:d:1") in official.buttons()
    await official.press("iv:p:d:1")
    second = [p for _, p in official.buttons() if p.startswith("iv:t:d:")]
    assert len(second) == 4
    assert not set(first) & set(second)
    await official.press("iv:p:d:9")  # an old button past the end shows the last page
    assert [p for _, p in official.buttons() if p.startswith("iv:t:d:")] == second


async def test_a_commune_leader_invites_a_director_of_their_commune(
    db: Database, demo_session: AsyncSession
) -> None:
    """A leader is asked for the cooperative at once, and only their commune's are offered."""
    leader = await join(db, demo_session, "705", "commune_leader", unit="Xã An Lạc Thôn")
    assert "Giám đốc mới thuộc hợp tác xã nào?" in await leader.say("/invite")
    offered = {label for label, p in leader.buttons() if p.startswith("iv:t:d:")}
    assert offered == {"HTX Trinh Phú", "HTX Lộc Mãi", "HTX 22 tháng 12", "HTX Quyết Thắng"}
    text = await leader.press_label("HTX Lộc Mãi")
    assert "Lời mời dành cho giám đốc HTX Lộc Mãi." in text
    newcomer = Chat(db, user="706", now=NOW)
    await newcomer.join(code_in(text))
    grant = (await demo_session.execute(select(RoleAssignment))).scalars().all()[-1]
    assert grant.cooperative_id == (await f.cooperative(demo_session, "HTX Lộc Mãi")).id


async def test_out_of_scope_invites_are_refused(db: Database, demo_session: AsyncSession) -> None:
    """Another commune's cooperative, a forged role or a leader's role: no invite is made."""
    leader = await join(db, demo_session, "707", "commune_leader", unit="Xã An Lạc Thôn")
    elsewhere = await f.cooperative(demo_session, "HTX Đại Đoàn Kết")
    assert "ngoài địa bàn" in await leader.press(f"iv:t:d:{elsewhere.id}")
    other_commune = await f.unit(demo_session, "Xã Đại Hải")
    assert "không thể mời" in await leader.press(f"iv:t:c:{other_commune.id}")
    assert "không thể mời" in await leader.press("iv:r:c")
    await leader.say("/invite")
    assert "Không tìm thấy “Đại Đoàn Kết” trên địa bàn Ông/Bà phụ trách." in await leader.say(
        "Đại Đoàn Kết"
    )
    for forged in ("iv:t:d:abc", "iv:t:z:1", "iv:t:d:1:2", "iv:"):
        assert "không còn hiệu lực" in await leader.press(forged)
    assert (await demo_session.execute(select(Invite))).scalars().all()[-1].role != "director"
    director = await join(db, demo_session, "708", "director", cooperative="HTX Trinh Phú")
    assert "Chỉ cán bộ và lãnh đạo xã mới có thể mời" in await director.say("/invite")


async def test_people_are_listed_and_access_can_be_revoked(
    db: Database, demo_session: AsyncSession
) -> None:
    """An official lists the leader and director of the area, confirms, and revokes one."""
    leader = await join(db, demo_session, "711", "commune_leader", unit="Xã An Lạc Thôn")
    await join(db, demo_session, "712", "director", cooperative="HTX Đại Đoàn Kết")
    official = await join(db, demo_session, "713", "official", unit="Thành phố Cần Thơ")
    text = await official.say("/people")
    assert "Người dùng đã đăng ký trên địa bàn Ông/Bà phụ trách (trang 1/1):" in text
    assert "1. Nguyễn Văn Tư — lãnh đạo xã — Xã An Lạc Thôn, từ 20/05/2026" in text
    assert "2. Nguyễn Văn Tư — giám đốc hợp tác xã — HTX Đại Đoàn Kết" in text
    assert "1. Nguyễn Văn Tư" in await official.press("pp:p:7")  # past the end: the last page
    assert "Thu hồi quyền truy cập của" in await official.press_label("Thu hồi 1.")
    grant = (
        await demo_session.execute(
            select(RoleAssignment).where(RoleAssignment.role == "commune_leader")
        )
    ).scalar_one()
    assert await official.press("pp:n") == "Không có gì thay đổi."
    assert "Đã thu hồi quyền truy cập" in await official.press(f"pp:y:{grant.id}")
    await demo_session.refresh(grant)
    assert grant.valid_to == NOW
    assert "mã mời" in await leader.say("/chart")
    assert "không thuộc địa bàn" in await official.press(f"pp:y:{grant.id}")


async def test_revoking_outside_ones_area_or_oneself_is_refused(
    db: Database, demo_session: AsyncSession
) -> None:
    """A leader cannot revoke another commune's director, an official, or their own grant."""
    await join(db, demo_session, "721", "director", cooperative="HTX Đại Đoàn Kết")
    await join(db, demo_session, "722", "official", unit="Thành phố Cần Thơ")
    leader = await join(db, demo_session, "723", "commune_leader", unit="Xã An Lạc Thôn")
    own_coop = await f.cooperative(demo_session, "HTX Trinh Phú")
    code = (
        await create_invite(demo_session, role="director", cooperative_id=own_coop.id, now=NOW)
    ).code
    await demo_session.commit()
    await leader.join(code)  # the leader also directs a cooperative of the commune
    grants = {
        g.role: g
        for g in (await demo_session.execute(select(RoleAssignment))).scalars()
        if g.role in {"director", "official"}
    }
    text = await leader.say("/people")
    assert "HTX Trinh Phú" in text
    assert "HTX Đại Đoàn Kết" not in text
    assert not [p for _, p in leader.buttons() if p.startswith("pp:r:")]
    others = (await demo_session.execute(select(RoleAssignment))).scalars().all()
    elsewhere = next(g for g in others if g.cooperative_id != own_coop.id and g.role == "director")
    assert "không thuộc địa bàn" in await leader.press(f"pp:y:{elsewhere.id}")
    assert "không thuộc địa bàn" in await leader.press(f"pp:r:{grants['official'].id}")
    own = next(g for g in others if g.cooperative_id == own_coop.id)
    assert "không thể tự thu hồi" in await leader.press(f"pp:y:{own.id}")
    for grant in others:
        await demo_session.refresh(grant)
        assert grant.valid_to is None
