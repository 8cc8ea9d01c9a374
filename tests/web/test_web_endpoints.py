"""The web chat's endpoints over HTTP: the same router, storage and outbox as every channel."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.channels.base import RecipientUnreachable
from bot.channels.web.app import WebChatContext, create_web_app
from bot.channels.web.hub import WebSender, event_stream
from bot.outbox import OutboxPolicy, OutboxWorker
from handlers.types import Reply
from storage.demo_personas import ensure_personas
from storage.feedback import change_status
from storage.models import Attachment, FeedbackItem, Status
from storage.scope import load_actor
from tests.support.web import page_client
from tests.web.conftest import REAL_NOW

PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489"
    "0000000d49444154789c6300010000050001a5f645400000000049454e44ae426082"
)


@pytest.fixture
async def client(context: WebChatContext) -> AsyncIterator[httpx.AsyncClient]:
    """Give an HTTP client talking to the web chat application in-process, as its page."""
    async with page_client(create_web_app(context)) as http:
        yield http


async def say(client: httpx.AsyncClient, persona: str = "director", **body: str) -> dict:
    """Send one message or press as a persona; return the endpoint's answer."""
    response = await client.post(f"/api/personas/{persona}/messages", json=body)
    assert response.status_code == 200, response.text
    return response.json()


def last_bot_text(context: WebChatContext, persona: str = "director") -> str:
    """Return the text of the persona's latest bot bubble, title included."""
    bubble = [m for m in context.hub.history(persona) if m["from"] == "bot"][-1]
    return f"{bubble['title']}\n{bubble['text']}"


async def test_the_page_and_its_labels_come_in_the_personas_language(
    client: httpx.AsyncClient,
) -> None:
    """The page is served; its labels, personas and clock come translated into Vietnamese."""
    page = await client.get("/")
    assert page.status_code == 200
    assert '<script src="/static/app.js"' in page.text
    assert (await client.get("/static/app.js")).status_code == 200
    state = (await client.get("/api/page", params={"persona": "director"})).json()
    assert state["locale"] == "vi"
    assert state["strings"]["send"] == "Gửi"
    assert [p["key"] for p in state["personas"]] == [
        "director",
        "commune_leader",
        "official",
        "admin",
    ]
    assert state["personas"][0]["label"] == "Giám đốc — HTX Trinh Phú"
    assert state["clock"]["label"] == "09:00 02/03/2026"


async def test_an_unknown_persona_is_refused_with_404_and_a_message(
    client: httpx.AsyncClient,
) -> None:
    """Every persona endpoint answers 404 with a translated line for an unknown persona."""
    for response in (
        await client.post("/api/personas/mayor/messages", json={"text": "/start"}),
        await client.get("/api/personas/mayor/history"),
        await client.get("/api/page", params={"persona": "mayor"}),
    ):
        assert response.status_code == 404
        assert response.json()["error"]


async def test_a_forged_payload_gets_the_handlers_refusal_and_creates_nothing(
    client: httpx.AsyncClient, context: WebChatContext, demo_session: AsyncSession
) -> None:
    """A 'send' press with no report in progress is refused by the report flow itself."""
    await say(client, payload="rp:send", label="📨 Gửi")
    assert "không còn hiệu lực" in last_bot_text(context)
    assert await demo_session.scalar(select(func.count()).select_from(FeedbackItem)) == 0
    too_long = await client.post(
        "/api/personas/director/messages", json={"payload": "rp:" + "x" * 70}
    )
    assert too_long.status_code == 400


async def test_an_empty_message_is_ignored_and_shows_nothing(
    client: httpx.AsyncClient, context: WebChatContext
) -> None:
    """Blank text is not sent to the router and adds no bubble."""
    assert (await say(client, text="   "))["ignored"] is True
    assert context.hub.history("director") == []
    broken = await client.post(
        "/api/personas/director/messages",
        content=b"[not json",
        headers={"Content-Type": "application/json"},
    )
    assert broken.status_code == 400


async def test_an_oversized_upload_is_refused_with_a_clear_message(
    client: httpx.AsyncClient, context: WebChatContext
) -> None:
    """A file over the limit gets 413 and a Vietnamese message naming the limit."""
    response = await client.post(
        "/api/personas/director/files", params={"name": "big.pdf"}, content=b"x" * 2048
    )
    assert response.status_code == 413
    assert "1 KB" in response.json()["error"]
    assert "quá lớn" in response.json()["error"]
    assert context.hub.history("director") == []


async def test_a_report_with_a_photo_gets_a_reference_and_keeps_the_file(
    client: httpx.AsyncClient, context: WebChatContext, demo_session: AsyncSession
) -> None:
    """The whole report over HTTP: the photo becomes a web: attachment served back inline."""
    await say(client, text="/report")
    await say(client, payload="rp:kind:difficulty", label="Khó khăn")
    await say(client, payload="rp:cat:credit", label="Vốn, tín dụng")
    await say(client, text="Thiếu vốn lưu động để mua phân bón cho vụ Hè Thu.")
    uploaded = await client.post(
        "/api/personas/director/files",
        params={"name": "ruộng lúa.png"},
        content=PNG,
        headers={"Content-Type": "image/png"},
    )
    assert uploaded.status_code == 200, uploaded.text
    await say(client, payload="rp:done", label="✅ Xong")
    await say(client, payload="rp:send", label="📨 Gửi")
    assert "PA-2026-000001" in last_bot_text(context)
    attachment = (await demo_session.execute(select(Attachment))).scalar_one()
    assert attachment.file_ref.startswith("web:")
    assert attachment.file_name == "ruộng lúa.png"
    shown = await client.get(f"/files/{attachment.file_ref.removeprefix('web:')}")
    assert shown.content == PNG
    assert shown.headers["content-type"] == "image/png"
    assert shown.headers["content-disposition"].startswith("inline")
    assert "sandbox" in shown.headers["content-security-policy"]
    assert (await client.get("/files/../../etc/passwd")).status_code == 404
    assert (await client.get("/files/" + "0" * 32)).status_code == 404


async def test_the_language_toggle_switches_the_persona_and_the_page(
    client: httpx.AsyncClient, context: WebChatContext
) -> None:
    """Choosing English changes the page's labels and the bot's next answers."""
    response = await client.post("/api/personas/director/locale", json={"locale": "en"})
    assert response.json()["strings"]["send"] == "Send"
    assert (await say(client, text="/help"))["locale"] == "en"
    assert "/report" in last_bot_text(context)
    assert "Your roles" in last_bot_text(context)
    refused = await client.post("/api/personas/director/locale", json={"locale": "fr"})
    assert refused.status_code == 400


async def test_a_jump_moves_the_clock_and_says_that_nothing_else_happens_yet(
    client: httpx.AsyncClient, context: WebChatContext
) -> None:
    """The next quarter starts on Monday 6 April 2026 at 08:00; no planner ran."""
    response = await client.post(
        "/api/clock/jump", json={"to": "next_quarter", "persona": "director"}
    )
    assert response.json()["clock"]["label"] == "08:00 06/04/2026"
    assert "chưa kéo theo thay đổi nào khác" in response.json()["status"]
    assert context.clock.now() == dt.datetime(2026, 4, 6, 1, 0, tzinfo=dt.UTC)
    end = await client.post("/api/clock/jump", json={"to": "quarter_end"})
    assert end.json()["clock"]["label"] == "08:00 17/06/2026"
    assert (await client.post("/api/clock/jump", json={"to": "yesterday"})).status_code == 400


async def test_an_outbox_message_lands_in_the_directors_pane(
    client: httpx.AsyncClient, context: WebChatContext, demo_session: AsyncSession
) -> None:
    """The new item's alerts reach the leader and the official; the status change reaches the
    director: all planned, drained by the worker and shown in each persona's pane."""
    await say(client, text="Thiếu vốn lưu động để mua phân bón cho vụ Hè Thu.")
    await say(client, payload="rp:offer", label="📝")
    await say(client, payload="rp:kind:difficulty", label="Khó khăn")
    await say(client, payload="rp:cat:credit", label="Vốn, tín dụng")
    await say(client, payload="rp:done", label="⏭")
    await say(client, payload="rp:send", label="📨")
    item = (await demo_session.execute(select(FeedbackItem))).scalar_one()
    admin_identity = (await ensure_personas(demo_session, "web"))[3]
    admin = await load_actor(demo_session, admin_identity.person_id or 0, now=REAL_NOW)
    await change_status(demo_session, admin, item.id or 0, Status.ACKNOWLEDGED, now=REAL_NOW)
    await demo_session.commit()
    worker = OutboxWorker(
        context.database,
        {"web": WebSender(context.hub)},
        policy=OutboxPolicy(per_chat_interval=0),
        clock=context.clock.now,
    )
    assert await worker.run_once() == 3
    assert f"{item.reference}" in last_bot_text(context)
    assert "đã tiếp nhận" in last_bot_text(context)
    for handler in ("commune_leader", "official"):
        assert f"🔔 Phản ánh mới {item.reference}" in last_bot_text(context, handler)


async def test_the_web_sender_refuses_accounts_that_are_not_personas(
    context: WebChatContext,
) -> None:
    """A recipient outside the demo personas is unreachable rather than retried forever."""
    with pytest.raises(RecipientUnreachable):
        await WebSender(context.hub).send("12345", [Reply(text="xin chào")])


async def test_the_event_stream_replays_history_then_says_ready_then_goes_live(
    context: WebChatContext,
) -> None:
    """One stream carries every persona: what happened before, a ready event, then news once."""
    hub = context.hub
    hub.publish("official", [hub.user_message("/start")])
    events = event_stream(hub)
    assert '"text": "/start"' in await anext(events)
    assert (await anext(events)).startswith("event: ready")
    await WebSender(hub).send("demo-director", [Reply(text="Chào mừng")])
    live = await anext(events)
    assert live.startswith("id: 2\n")
    assert '"persona": "director"' in live
    assert "Chào mừng" in live
    assert [m["id"] for m in hub.history("director")] == [2]
    hub.close()
    with pytest.raises(StopAsyncIteration):
        await anext(events)
    resumed = event_stream(hub, after=1)
    assert (await anext(resumed)).startswith("id: 2\n")
    await resumed.aclose()


async def test_an_unexpected_failure_is_a_500_with_one_translated_line(
    context: WebChatContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A crash inside the router answers the page with a line for its status bar."""

    async def broken(_incoming: object) -> list[Reply]:
        raise RuntimeError("database on fire")

    monkeypatch.setattr(context.router, "handle", broken)
    async with page_client(create_web_app(context), raise_app_exceptions=False) as http:
        response = await http.post("/api/personas/director/messages", json={"text": "/help"})
    assert response.status_code == 500
    assert response.json() == {"error": "Đã có lỗi xảy ra. Vui lòng thử lại."}
