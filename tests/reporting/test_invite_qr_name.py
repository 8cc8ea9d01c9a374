"""The invite's QR image never carries the invite code in its file name."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from bot.render import DefaultRenderers
from bot.render.qr import neutral_name
from storage.db import Database
from tests.reporting.chats import join


def test_a_qr_file_name_keeps_only_its_first_word() -> None:
    """Whatever follows the first word (a code, a link) is dropped from the name."""
    assert neutral_name("invite-K7QM-3XPA-HT.png") == "invite-qr.png"
    assert neutral_name("invite.png") == "invite-qr.png"
    assert neutral_name("K7QM3XPAHT.png") == "qr-code.png"
    assert neutral_name("") == "qr-code.png"
    image = DefaultRenderers().qr_code("K7QM-3XPA-HT", "invite-K7QM-3XPA-HT.png")
    assert image.name == "invite-qr.png"


async def test_the_qr_image_of_an_invite_is_named_without_its_code(
    db: Database, demo_session: AsyncSession
) -> None:
    """/invite shows the code in the text; the picture's name says only that it is an invite."""
    official = await join(
        db, demo_session, "711", "official", unit="Thành phố Cần Thơ", bot_username="coopbot_bot"
    )
    await official.say("/invite")
    await official.press("iv:r:c")
    text = await official.press_label("Xã An Lạc Thôn")
    code = text.split("Mã mời: ", 1)[1].split()[0]
    [reply] = official.last
    assert reply.image is not None
    assert reply.image.name == "invite-qr.png"
    assert code not in reply.image.name
    assert code.replace("-", "") not in reply.image.name.replace("-", "").upper()
