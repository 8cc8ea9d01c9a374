"""Files travel: each is kept once, and every channel sends it back in its own form."""

from __future__ import annotations

import io

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from bot.app import TelegramApplication
from bot.channels.console.shell import ConsoleChat
from bot.channels.web.app import WebChatContext
from bot.files import FileStore
from handlers.router import Router
from handlers.turn import HandlerConfig
from handlers.types import MediaKind, Reply, StoredFile
from storage.db import Database
from storage.demo_personas import find_persona
from tests.attachments.conftest import (
    JPEG,
    PDF,
    TELEGRAM_DIRECTOR,
    TELEGRAM_OFFICIAL,
    ZALO_DIRECTOR,
    ZALO_OFFICIAL,
    Post,
    item_reference,
    telegram_report,
    the_attachment,
    web_report,
    zalo_report,
)
from tests.fakes import Call, FakeTelegram
from tests.fakes import zalo_events as events
from tests.fakes.zalo_api import FILE_PATH, IMAGE_PATH, FakeZalo
from tests.telegram.conftest import deliver

SEND_METHODS = ("sendPhoto", "sendDocument", "sendVoice", "sendVideo")


async def open_card_on_telegram(
    application: TelegramApplication, fake: FakeTelegram, reference: str
) -> list[Call]:
    """Type the reference as the Telegram official; return the file calls the card made."""
    mark = len(fake.calls())
    await deliver(application, fake.push_message(TELEGRAM_OFFICIAL, reference))
    return [call for call in fake.calls()[mark:] if call.method in SEND_METHODS]


async def test_a_photo_sent_on_telegram_is_shown_to_officials_on_telegram_zalo_and_the_web(
    telegram: TelegramApplication,
    fake_telegram: FakeTelegram,
    zalo_event: Post,
    fake_zalo: FakeZalo,
    web: tuple[WebChatContext, httpx.AsyncClient],
    store: FileStore,
    demo_session: AsyncSession,
) -> None:
    """Telegram resends the photo's file_id, Zalo gets the bytes uploaded, the web serves them."""
    photo = fake_telegram.push_file(TELEGRAM_DIRECTOR, "photo", JPEG)
    file_id = photo["message"]["photo"][-1]["file_id"]
    reference = await telegram_report(telegram, fake_telegram, [photo])

    attachment = await the_attachment(demo_session)
    assert (attachment.channel, attachment.file_ref) == ("telegram", file_id)
    assert attachment.stored_key is not None
    kept = store.read(attachment.stored_key)
    assert kept is not None
    assert kept[1] == JPEG

    (sent,) = await open_card_on_telegram(telegram, fake_telegram, reference)
    assert (sent.method, sent.params["photo"], sent.files) == ("sendPhoto", file_id, {})
    assert sent.params["chat_id"] == TELEGRAM_OFFICIAL
    assert reference in fake_telegram.sent_texts(TELEGRAM_OFFICIAL)[-1]

    await zalo_event(events.text(ZALO_OFFICIAL, reference))
    (image,) = fake_zalo.attachments(ZALO_OFFICIAL)
    assert (image.kind, image.content) == ("image", JPEG)
    assert len(fake_zalo.calls(IMAGE_PATH)) == 1
    assert reference in fake_zalo.messages(ZALO_OFFICIAL)[-1]["text"]

    context, client = web
    answer = await client.post("/api/personas/official/messages", json={"text": reference})
    assert answer.status_code == 200
    bubbles = [m for m in context.hub.history("official") if m["from"] == "bot"]
    shown = bubbles[-2]["attachment"]
    assert (shown["kind"], shown["mime"]) == ("photo", "image/jpeg")  # the page shows an <img>
    assert reference in bubbles[-1]["title"]
    served = await client.get(shown["url"])
    assert served.content == JPEG
    assert served.headers["content-disposition"].startswith("inline")


async def test_a_document_sent_on_zalo_is_uploaded_to_telegram_with_the_same_bytes(
    telegram: TelegramApplication,
    fake_telegram: FakeTelegram,
    zalo_event: Post,
    fake_zalo: FakeZalo,
    demo_session: AsyncSession,
) -> None:
    """The file behind Zalo's URL is downloaded, then sent by sendDocument as an upload."""
    url = fake_zalo.add_download(PDF, "ke-hoach-vay-von.pdf", "application/pdf")
    event = events.file(ZALO_DIRECTOR, url, "ke-hoach-vay-von.pdf", len(PDF))
    reference = await zalo_report(zalo_event, fake_zalo, [event])

    attachment = await the_attachment(demo_session)
    assert (attachment.channel, attachment.file_ref) == ("zalo", url)
    assert attachment.stored_key is not None

    (sent,) = await open_card_on_telegram(telegram, fake_telegram, reference)
    assert (sent.method, sent.encoding) == ("sendDocument", "multipart/form-data")
    (upload,) = sent.files.values()
    assert (upload.filename, upload.content) == ("ke-hoach-vay-von.pdf", PDF)


async def test_a_photo_voice_note_and_video_from_zalo_each_go_to_telegram_by_their_own_method(
    telegram: TelegramApplication,
    fake_telegram: FakeTelegram,
    zalo_event: Post,
    fake_zalo: FakeZalo,
) -> None:
    """sendPhoto, sendVoice and sendVideo each upload the kept bytes, within the Bot API spec."""
    voice, video = b"OggS voice" * 40, b"\x00\x00\x00\x18ftypmp42" * 40
    files = [
        events.image(ZALO_DIRECTOR, fake_zalo.add_download(JPEG, "ruong.jpg", "image/jpeg")),
        events.attachment(
            ZALO_DIRECTOR,
            "user_send_audio",
            "audio",
            {"url": fake_zalo.add_download(voice, "voice.m4a", "audio/mp4")},
        ),
        events.attachment(
            ZALO_DIRECTOR,
            "user_send_video",
            "video",
            {"url": fake_zalo.add_download(video, "lua.mp4", "video/mp4")},
        ),
    ]
    reference = await zalo_report(zalo_event, fake_zalo, files)

    sent = await open_card_on_telegram(telegram, fake_telegram, reference)

    assert [call.method for call in sent] == ["sendPhoto", "sendVoice", "sendVideo"]
    assert [next(iter(call.files.values())).content for call in sent] == [JPEG, voice, video]
    assert all(call.ok for call in sent)


async def test_files_sent_on_telegram_come_back_by_their_own_method_and_file_id(
    telegram: TelegramApplication, fake_telegram: FakeTelegram
) -> None:
    """A document, a voice note and a video from Telegram are resent by file_id, not uploaded."""
    pushed = [
        fake_telegram.push_file(TELEGRAM_DIRECTOR, "document", PDF, file_name="ke-hoach.pdf"),
        fake_telegram.push_file(TELEGRAM_DIRECTOR, "voice", b"OggS" * 50),
        fake_telegram.push_file(TELEGRAM_DIRECTOR, "video", b"mp4" * 50, file_name="lua.mp4"),
    ]
    kinds = ("document", "voice", "video")
    ids = [update["message"][kind]["file_id"] for update, kind in zip(pushed, kinds, strict=True)]
    reference = await telegram_report(telegram, fake_telegram, pushed)

    sent = await open_card_on_telegram(telegram, fake_telegram, reference)

    assert [call.method for call in sent] == ["sendDocument", "sendVoice", "sendVideo"]
    assert [call.params[kind] for call, kind in zip(sent, kinds, strict=True)] == ids
    assert all(call.files == {} for call in sent)


async def test_a_file_that_cannot_be_fetched_still_files_the_report_and_the_card_says_so(
    telegram: TelegramApplication,
    fake_telegram: FakeTelegram,
    zalo_event: Post,
    fake_zalo: FakeZalo,
    web: tuple[WebChatContext, httpx.AsyncClient],
    demo_session: AsyncSession,
) -> None:
    """A 404 leaves no local copy; the report is filed, and the card names the file instead."""
    url = fake_zalo.missing_download("bien-ban.pdf")
    event = events.file(ZALO_DIRECTOR, url, "bien-ban.pdf", 2048)
    reference = await zalo_report(zalo_event, fake_zalo, [event])

    attachment = await the_attachment(demo_session)
    assert (attachment.file_ref, attachment.stored_key) == (url, None)

    assert await open_card_on_telegram(telegram, fake_telegram, reference) == []
    line = "📎 bien-ban.pdf (tệp): không thể hiển thị tệp này tại đây."
    assert line in fake_telegram.sent_texts(TELEGRAM_OFFICIAL)[-2]
    await zalo_event(events.text(ZALO_OFFICIAL, reference))
    assert fake_zalo.messages(ZALO_OFFICIAL)[-2]["text"] == line
    assert fake_zalo.calls(FILE_PATH) == []
    context, client = web
    await client.post("/api/personas/official/messages", json={"text": reference})
    bubbles = [m for m in context.hub.history("official") if m["from"] == "bot"]
    shown = bubbles[-2]["attachment"]
    assert shown == {"kind": "document", "name": "bien-ban.pdf", "unavailable": True}


async def test_a_photo_uploaded_in_the_web_chat_is_kept_once_and_uploaded_to_telegram(
    telegram: TelegramApplication,
    fake_telegram: FakeTelegram,
    web: tuple[WebChatContext, httpx.AsyncClient],
    demo_session: AsyncSession,
) -> None:
    """The web upload's key is the attachment's stored key; Telegram gets its bytes."""
    _context, client = web
    await web_report(client, "kho-say.jpg", JPEG, "image/jpeg")
    attachment = await the_attachment(demo_session)
    assert attachment.file_ref == f"web:{attachment.stored_key}"
    reference = await item_reference(demo_session, attachment)

    (sent,) = await open_card_on_telegram(telegram, fake_telegram, reference)
    assert sent.method == "sendPhoto"
    assert next(iter(sent.files.values())).content == JPEG


async def test_the_console_names_each_file_and_the_path_of_its_local_copy(
    db: Database, demo_session: AsyncSession, store: FileStore
) -> None:
    """One line per file: its name and kind, and where the copy is when there is one."""
    director = find_persona("director")
    assert director is not None
    out = io.StringIO()
    chat = ConsoleChat(db, Router(db, HandlerConfig()), director, store, out)
    kept = store.save(JPEG, "ruong.jpg", "image/jpeg")
    await chat.render(
        [
            Reply(attachment=StoredFile(MediaKind.PHOTO, "telegram", "AgAC", kept.key)),
            Reply(attachment=StoredFile(MediaKind.VOICE, "zalo", "https://x/v", None)),
        ]
    )
    assert out.getvalue().splitlines() == [
        f"📎 ảnh: {kept.path}",
        "",
        "📎 tin nhắn thoại",
    ]
