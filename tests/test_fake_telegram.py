"""The fake Telegram server answers python-telegram-bot like Telegram and catches spec breaches."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import os
import subprocess
import sys
from collections.abc import AsyncIterator

import httpx
import pytest
from telegram import (
    Bot,
    BotCommand,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InputMediaDocument,
    InputMediaPhoto,
    Update,
)
from telegram.error import (
    BadRequest,
    EndPointNotFound,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
)
from telegram.ext import Application, CommandHandler, ContextTypes, Defaults, ExtBot

from tests.fakes import FakeTelegram, fixtures
from tests.fakes import telegram_updates as tg
from tests.fakes.telegram_spec import load_spec

# Other modules get this fixture from tests/conftest.py; this module works on its own too.
fake_telegram = fixtures.fake_telegram

TOKEN = "123456:TEST-TOKEN"
USER = 4201
WAIT = 5.0  # seconds a test waits for the fake before failing; far below the long polls


@pytest.fixture
async def bot(fake_telegram: FakeTelegram) -> AsyncIterator[Bot]:
    """Give a real python-telegram-bot Bot talking to the fake server, with one known user."""
    fake_telegram.add_user(USER, "Lan", username="lan_htx")
    async with Bot(
        TOKEN, base_url=fake_telegram.base_url, base_file_url=fake_telegram.base_file_url
    ) as real_bot:
        yield real_bot


def take_violation(fake: FakeTelegram, fragment: str) -> None:
    """Assert the fake saw exactly one violation, mentioning ``fragment``, and forget it."""
    assert len(fake.violations) == 1, fake.violations
    assert fragment in fake.violations[0], fake.violations
    fake.clear_violations()


def keyboard(callback_data: str) -> InlineKeyboardMarkup:
    """Return a one-button inline keyboard."""
    return InlineKeyboardMarkup([[InlineKeyboardButton("Chọn", callback_data=callback_data)]])


async def test_send_message_with_html_is_recorded_with_decoded_parameters(fake_telegram, bot):
    """An HTML message with a keyboard is recorded as sent and echoed back without markup."""
    sent = await bot.send_message(
        USER, "<b>Xin chào</b> Lan &amp; HTX", parse_mode="HTML", reply_markup=keyboard("ok:1")
    )

    call = fake_telegram.last_call("sendMessage")
    assert call.params["chat_id"] == USER
    assert call.params["reply_markup"] == {
        "inline_keyboard": [[{"text": "Chọn", "callback_data": "ok:1"}]]
    }
    assert call.encoding == "application/x-www-form-urlencoded"
    assert sent.text == "Xin chào Lan & HTX"
    assert sent.chat.id == USER
    assert sent.reply_markup == keyboard("ok:1")
    assert fake_telegram.sent_texts(USER) == ["<b>Xin chào</b> Lan &amp; HTX"]


async def test_message_ids_increase_per_chat(fake_telegram, bot):
    """Each chat numbers its own messages, counting the user's messages too."""
    fake_telegram.add_group(-100500, "HTX Kế Sách")
    fake_telegram.push_message(USER, "xin chào")
    first = await bot.send_message(USER, "một")
    second = await bot.send_message(USER, "hai")
    in_group = await bot.send_message(-100500, "ba")

    assert (first.message_id, second.message_id, in_group.message_id) == (2, 3, 1)


async def test_get_me_returns_the_configured_bot():
    """getMe answers with the bot username the fake was built with."""
    async with (
        FakeTelegram(bot_username="htx_demo_bot") as fake,
        Bot(TOKEN, base_url=fake.base_url) as real_bot,
    ):
        me = await real_bot.get_me()
    assert me.username == "htx_demo_bot"
    assert me.is_bot
    assert [call.method for call in fake.calls()] == ["getMe", "getMe"]


async def test_set_my_commands_are_kept_per_language(fake_telegram, bot):
    """Commands set for a language come back from getMyCommands for that language only."""
    commands = [BotCommand("start", "Bắt đầu"), BotCommand("help", "Trợ giúp")]
    await bot.set_my_commands(commands, language_code="vi")

    assert await bot.get_my_commands(language_code="vi") == tuple(commands)
    assert await bot.get_my_commands() == ()
    assert fake_telegram.last_call("setMyCommands").params["commands"][0] == {
        "command": "start",
        "description": "Bắt đầu",
    }


async def test_send_document_with_bytes_records_the_file_and_serves_it(fake_telegram, bot):
    """A document uploaded as bytes is recorded by name and size and can be downloaded back."""
    content = "Báo cáo quý 1\n".encode()
    sent = await bot.send_document(
        USER, content, filename="bao-cao.txt", caption="<i>Báo cáo</i>", parse_mode="HTML"
    )

    call = fake_telegram.last_call("sendDocument")
    assert call.encoding == "multipart/form-data"
    assert call.files["document"].filename == "bao-cao.txt"
    assert call.files["document"].size == len(content)
    assert call.params == {"chat_id": USER, "caption": "<i>Báo cáo</i>", "parse_mode": "HTML"}
    assert sent.caption == "Báo cáo"
    downloaded = await (await bot.get_file(sent.document.file_id)).download_as_bytearray()
    assert bytes(downloaded) == content


async def test_multipart_requests_carry_nested_objects_as_json_strings(fake_telegram, bot):
    """A photo upload's reply_markup arrives as a JSON string and is decoded to an object."""
    sent = await bot.send_photo(USER, b"\x89PNG fake", caption="ảnh", reply_markup=keyboard("p"))

    call = fake_telegram.last_call("sendPhoto")
    assert call.encoding == "multipart/form-data"
    assert call.params["reply_markup"] == keyboard("p").to_dict()
    assert sent.photo[0].file_size == len(b"\x89PNG fake")


async def test_json_bodies_and_case_insensitive_method_names_are_accepted(fake_telegram, bot):
    """A JSON request to SENDMESSAGE is answered and recorded under the spec's spelling."""
    async with httpx.AsyncClient() as client:
        response = await client.post(
            f"{fake_telegram.base_url}{TOKEN}/SENDMESSAGE",
            json={
                "chat_id": USER,
                "text": "chào",
                "reply_markup": json.dumps({"keyboard": [[{"text": "A"}]]}),
            },
        )
    assert response.json()["ok"] is True
    call = fake_telegram.last_call("sendMessage")
    assert call.encoding == "application/json"
    assert call.params["reply_markup"] == {"keyboard": [[{"text": "A"}]]}


async def test_get_updates_drops_updates_below_the_offset(fake_telegram, bot):
    """Updates stay queued until a later getUpdates confirms them with an offset."""
    fake_telegram.push_message(USER, "một")
    fake_telegram.push_message(USER, "hai")

    first = await bot.get_updates(limit=1)
    again = await bot.get_updates()
    rest = await bot.get_updates(offset=first[0].update_id + 1)
    done = await bot.get_updates(offset=rest[-1].update_id + 1)

    assert [u.message.text for u in first] == ["một"]
    assert [u.message.text for u in again] == ["một", "hai"]
    assert [u.message.text for u in rest] == ["hai"]
    assert done == ()
    assert fake_telegram.last_call("getUpdates").params["offset"] == rest[-1].update_id + 1


async def test_long_poll_returns_as_soon_as_an_update_is_pushed(fake_telegram, bot):
    """A long-polling getUpdates wakes up when the test pushes an update."""
    fake_telegram.max_poll_timeout = 60.0  # within WAIT, only a woken poll can answer

    poll = asyncio.create_task(bot.get_updates(timeout=10))
    assert await asyncio.to_thread(fake_telegram.long_poll_waiting.wait, WAIT)
    assert not poll.done()
    fake_telegram.push_message(USER, "đến rồi")
    updates = await asyncio.wait_for(poll, WAIT)

    assert [u.message.text for u in updates] == ["đến rồi"]


async def test_long_poll_waits_no_longer_than_the_test_cap(fake_telegram, bot):
    """An empty long poll waits, then answers at the capped timeout with no updates."""
    fake_telegram.max_poll_timeout = 0.3

    poll = asyncio.create_task(bot.get_updates(timeout=30))
    assert await asyncio.to_thread(fake_telegram.long_poll_waiting.wait, WAIT)
    updates = await asyncio.wait_for(poll, WAIT)  # well before the 30 s the bot asked for

    assert updates == ()


async def test_start_command_carries_a_bot_command_entity(fake_telegram, bot):
    """``/start CODE`` arrives with a bot_command entity covering exactly ``/start``."""
    fake_telegram.push_command(USER, "start", "HTX-42")
    (update,) = await bot.get_updates()

    assert update.message.text == "/start HTX-42"
    assert update.message.parse_entities() == {update.message.entities[0]: "/start"}
    assert update.message.entities[0].type == "bot_command"


async def test_a_polling_application_answers_a_pushed_command(fake_telegram):
    """A python-telegram-bot Application polling the fake replies to a pushed /start."""

    async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.message is not None
        assert context.args
        await update.message.reply_html(f"Mã: <code>{context.args[0]}</code>")

    app = Application.builder().token(TOKEN).base_url(fake_telegram.base_url).build()
    app.add_handler(CommandHandler("start", start))
    assert app.updater is not None
    async with app:
        await app.start()
        await app.updater.start_polling(poll_interval=0, timeout=10)
        fake_telegram.push_command(USER, "start", "HTX-7")
        reply = await fake_telegram.wait_for("sendMessage", timeout=5)
        await app.updater.stop()
        await app.stop()

    assert reply.params == {
        "chat_id": USER,
        "text": "Mã: <code>HTX-7</code>",
        "parse_mode": "HTML",
    }
    assert fake_telegram.calls()[1].method == "deleteWebhook"


async def test_every_kind_of_pushed_update_matches_the_spec(fake_telegram, bot):
    """Pushed updates of every kind are valid spec Updates and parse in python-telegram-bot."""
    fake_telegram.add_group(-100777, "Nhóm HTX")
    fake_telegram.push_message(USER, "chào")
    fake_telegram.push_file(USER, "photo", b"jpeg", caption="ảnh ruộng")
    fake_telegram.push_file(USER, "document", b"%PDF", file_name="de-xuat.pdf")
    fake_telegram.push_file(USER, "voice", b"ogg")
    fake_telegram.push_file(USER, "video", b"mp4")
    fake_telegram.push_file(USER, "sticker", b"webp")
    fake_telegram.push_message(USER, **tg.location(10.03, 105.78))
    fake_telegram.push_message(USER, **tg.contact("+84901234567", "Lan", USER))
    fake_telegram.push_message(USER, **tg.poll("Họp lúc nào?", ["Sáng", "Chiều"]))
    fake_telegram.push_message(USER, "chuyển tiếp", forward_from=4202)
    fake_telegram.push_message(USER, "/start@coopbot_test_bot", chat_id=-100777)
    fake_telegram.push_edit(USER, 1, "chào bạn")
    fake_telegram.push_message(USER, "trả lời", reply_to=1)
    await bot.send_message(USER, "Chọn", reply_markup=keyboard("pick:1"))
    fake_telegram.push_callback(USER, "pick:1")

    raw = fake_telegram.pending_updates()
    updates = await bot.get_updates()

    spec = load_spec()
    assert [spec.check_value("update", u, ["Update"]) for u in raw] == [[]] * len(raw)
    assert len(updates) == len(raw) == 14
    assert updates[1].message.photo[-1].file_size == 4
    assert updates[10].message.chat.type == "supergroup"
    assert updates[11].edited_message.text == "chào bạn"
    assert updates[-1].callback_query.message.reply_markup == keyboard("pick:1")


async def test_answers_of_the_fake_are_valid_spec_objects(fake_telegram, bot):
    """Every result the fake returns passes the spec's check for the method's return type."""
    await bot.send_message(USER, "một")
    await bot.send_photo(USER, b"jpeg")
    document = await bot.send_document(USER, b"doc", filename="a.csv")
    await bot.send_chat_action(USER, "typing")
    await bot.get_file(document.document.file_id)
    await bot.edit_message_text("hai", USER, 1, reply_markup=keyboard("x"))
    await bot.edit_message_reply_markup(USER, 1)

    spec = load_spec()
    for call in fake_telegram.calls():
        returns = spec.methods[call.method]["returns"]
        assert call.ok, call.response
        assert spec.check_value("result", call.result, returns) == [], call.method


async def test_copies_forwards_and_albums_are_answered(fake_telegram, bot):
    """copyMessage, forwardMessage and sendMediaGroup reuse the user's files and captions."""
    fake_telegram.add_group(-100900, "Cán bộ xã")
    photo = fake_telegram.push_file(USER, "photo", b"jpeg", caption="ruộng ngập")["message"]

    copied = await bot.copy_message(-100900, USER, photo["message_id"])
    forwarded = await bot.forward_message(-100900, USER, photo["message_id"])
    album = await bot.send_media_group(
        -100900, [InputMediaPhoto(b"a", caption="một"), InputMediaPhoto(b"b")]
    )

    copy = fake_telegram.messages(-100900)[0]
    assert (copied.message_id, copy["caption"]) == (1, "ruộng ngập")
    assert forwarded.forward_origin.sender_user.id == USER
    assert [m.caption for m in album] == ["một", None]
    assert album[1].photo[-1].file_size == 1


async def test_album_mixing_documents_with_photos_is_a_violation(fake_telegram, bot):
    """An album must hold documents only, or photos and videos only."""
    with pytest.raises(BadRequest):
        await bot.send_media_group(USER, [InputMediaPhoto(b"a"), InputMediaDocument(b"b")])
    take_violation(fake_telegram, "media[0].type must be 'document' in InputMediaDocument")


async def test_defaults_of_python_telegram_bot_are_not_unknown_parameters(fake_telegram):
    """parse_mode that tg.ext.Defaults adds to sendLocation is ignored, as Telegram does."""
    fake_telegram.add_user(USER)
    defaults = Defaults(parse_mode="HTML", protect_content=True)
    async with ExtBot(TOKEN, base_url=fake_telegram.base_url, defaults=defaults) as ext_bot:
        await ext_bot.send_location(USER, 10.03, 105.78)
    assert fake_telegram.last_call("sendLocation").params["parse_mode"] == "HTML"
    assert fake_telegram.last_call("sendLocation").result["location"]["latitude"] == 10.03


async def test_callback_query_can_be_answered_once_pushed(fake_telegram, bot):
    """answerCallbackQuery succeeds for a pushed query id and is a violation for others."""
    await bot.send_message(USER, "Chọn", reply_markup=keyboard("a"))
    update = fake_telegram.push_callback(USER, "a")
    assert await bot.answer_callback_query(update["callback_query"]["id"], text="Đã nhận")

    with pytest.raises(BadRequest, match="Query is too old"):
        await bot.answer_callback_query("12345")
    take_violation(fake_telegram, "query ID is invalid")


async def test_editing_without_a_change_fails_like_telegram_without_a_violation(
    fake_telegram, bot
):
    """Editing a message to the same text fails as on Telegram but is not a spec violation."""
    sent = await bot.send_message(USER, "giữ nguyên")
    with pytest.raises(BadRequest, match="not modified"):
        await bot.edit_message_text("giữ nguyên", USER, sent.message_id)
    assert fake_telegram.violations == []


async def test_missing_chat_id_is_a_violation(fake_telegram, bot):
    """sendMessage without chat_id is refused with Telegram's error shape and recorded."""
    async with httpx.AsyncClient() as client:
        response = await client.post(
            f"{fake_telegram.base_url}{TOKEN}/sendMessage", data={"text": "hi"}
        )
    assert response.status_code == 400
    assert response.json() == {
        "ok": False,
        "error_code": 400,
        "description": "Bad Request: chat_id is empty",
    }
    take_violation(fake_telegram, "sendMessage: Bad Request: chat_id is empty")


async def test_unknown_parameter_is_a_violation(fake_telegram, bot):
    """A parameter the method does not have is refused."""
    with pytest.raises(BadRequest, match=r"(?i)unknown parameter colour"):
        await bot.send_message(USER, "hi", api_kwargs={"colour": "red"})
    take_violation(fake_telegram, "unknown parameter colour")


async def test_unknown_chat_is_a_violation(fake_telegram, bot):
    """Writing to a chat nobody registered or wrote from is refused with chat not found."""
    with pytest.raises(BadRequest, match="Chat not found"):
        await bot.send_message(999, "hi")
    take_violation(fake_telegram, "chat not found")


async def test_text_of_4096_characters_after_entity_parsing_is_accepted(fake_telegram, bot):
    """The 4096-character limit counts the text without markup and with entities decoded."""
    await bot.send_message(USER, "a" * 4096)
    await bot.send_message(USER, "<b>" + "&amp;" * 4096 + "</b>", parse_mode="HTML")
    assert fake_telegram.violations == []


async def test_text_of_4097_characters_is_a_violation(fake_telegram, bot):
    """A message one character over the limit is refused."""
    with pytest.raises(BadRequest, match="too long"):
        await bot.send_message(USER, "ư" * 4097)
    take_violation(fake_telegram, "message text is too long (4097 > 4096)")


@pytest.mark.parametrize("text", ["", "   ", "<b></b>"])
async def test_empty_text_is_a_violation(fake_telegram, bot, text):
    """A message with nothing visible to show is refused."""
    with pytest.raises(BadRequest):
        await bot.send_message(USER, text, parse_mode="HTML")
    take_violation(fake_telegram, "message text is empty" if text else "text is empty")


async def test_caption_longer_than_1024_characters_is_a_violation(fake_telegram, bot):
    """A caption over 1024 characters is refused."""
    with pytest.raises(BadRequest, match="caption is too long"):
        await bot.send_photo(USER, b"jpeg", caption="x" * 1025)
    take_violation(fake_telegram, "message caption is too long")


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("<b>unclosed", 'Can\'t find end tag corresponding to start tag "b"'),
        ("<div>khối</div>", 'Unsupported start tag "div"'),
        ("Lúa & ngô", "Unescaped '&'"),
        ("1 < 2", "Unescaped '<'"),
        ("2 > 1", "Unescaped '>'"),
        ("<b><i>chéo</b></i>", 'Unmatched end tag "b"'),
        ("&nbsp;", "Unescaped '&'"),
        ('<span class="red">x</span>', "tg-spoiler"),
        ("<a>link</a>", 'must have attribute "href"'),
        ("<code><b>x</b></code>", 'can\'t be inside tag "code"'),
        ("<blockquote><blockquote>x</blockquote></blockquote>", "can't be nested"),
    ],
)
async def test_bad_html_is_a_violation(fake_telegram, bot, text, error):
    """Markup Telegram cannot parse is refused with the reason."""
    with pytest.raises(BadRequest, match="parse entities"):
        await bot.send_message(USER, text, parse_mode="HTML")
    assert error in fake_telegram.violations[0]
    fake_telegram.clear_violations()


async def test_all_of_telegrams_html_is_accepted(fake_telegram, bot):
    """Every tag Telegram documents, properly nested and escaped, passes."""
    text = (
        "<b>b <i>i <u>u</u></i></b> <strong>s</strong> <em>e</em> <ins>i</ins> <s>s</s> "
        "<strike>s</strike> <del>d</del> <span class='tg-spoiler'>x</span> "
        '<tg-spoiler>x</tg-spoiler> <a href="https://htx.vn/?a=1&amp;b=2"><b>link</b></a> '
        '<code>c</code> <pre><code class="language-python">x &lt; 1</code></pre> '
        "<blockquote>q <b>b</b></blockquote> <blockquote expandable>e</blockquote> "
        '<tg-emoji emoji-id="5368324170671202286">👍</tg-emoji> '
        '<tg-time unix="1647531900" format="wDT">22:45</tg-time> &#272;&#x111; &quot;&gt;'
    )
    sent = await bot.send_message(USER, text, parse_mode="HTML")
    assert sent.text.endswith('Đđ ">')
    assert fake_telegram.violations == []


async def test_callback_data_of_64_bytes_passes_and_65_bytes_fails(fake_telegram, bot):
    """callback_data is limited to 64 bytes of UTF-8, not 64 characters."""
    at_limit, over_limit = "ư" * 32, "ư" * 32 + "a"
    assert (len(at_limit.encode()), len(over_limit.encode())) == (64, 65)

    await bot.send_message(USER, "Chọn", reply_markup=keyboard(at_limit))
    assert fake_telegram.violations == []
    with pytest.raises(BadRequest, match="Button_data_invalid"):
        await bot.send_message(USER, "Chọn", reply_markup=keyboard(over_limit))
    take_violation(fake_telegram, "BUTTON_DATA_INVALID (callback_data is 65 bytes)")


async def test_inline_button_without_text_is_a_violation(fake_telegram, bot):
    """An inline button with empty text is refused."""
    markup = InlineKeyboardMarkup([[InlineKeyboardButton("", callback_data="x")]])
    with pytest.raises(BadRequest, match="text is empty"):
        await bot.send_message(USER, "Chọn", reply_markup=markup)
    take_violation(fake_telegram, "inline keyboard button text is empty")


async def test_unknown_method_is_a_violation(fake_telegram, bot):
    """A method the Bot API does not have gets Telegram's 404 and is recorded."""
    with pytest.raises(EndPointNotFound):
        await bot.do_api_request("sendTelepathy", api_kwargs={"chat_id": USER})
    take_violation(fake_telegram, "unknown method sendTelepathy")


async def test_invalid_bot_commands_are_a_violation(fake_telegram, bot):
    """Command names must be 1-32 lower-case letters, digits or underscores."""
    with pytest.raises(BadRequest, match="Bot_command_invalid"):
        await bot.set_my_commands([BotCommand("Start", "Bắt đầu")])
    take_violation(fake_telegram, "BOT_COMMAND_INVALID ('Start')")


async def test_scripted_failures_reach_the_bot_as_telegram_errors(fake_telegram, bot, monkeypatch):
    """fail_next makes the next calls answer 429 with retry_after, 403 and 500."""
    # PTB 22 warns about RetryAfter.retry_after's future type unless this opt-in is set.
    monkeypatch.setenv("PTB_TIMEDELTA", "1")
    fake_telegram.fail_next("sendMessage", 429, retry_after=7)
    fake_telegram.fail_next("sendMessage", 403)
    fake_telegram.fail_next("sendMessage", 500)
    with pytest.raises(RetryAfter) as flood:
        await bot.send_message(USER, "một")
    with pytest.raises(Forbidden, match="bot was blocked by the user"):
        await bot.send_message(USER, "hai")
    with pytest.raises(NetworkError, match="Internal Server Error"):
        await bot.send_message(USER, "ba")
    assert (await bot.send_message(USER, "bốn")).text == "bốn"
    assert flood.value.retry_after == dt.timedelta(seconds=7)
    statuses = [call.status for call in fake_telegram.calls("sendMessage")]
    assert statuses == [429, 403, 500, 200]
    assert fake_telegram.calls("sendMessage")[0].response["parameters"] == {"retry_after": 7}


async def test_wrong_token_is_refused_when_the_fake_expects_one():
    """A fake built with a token answers 401 to any other token."""
    async with FakeTelegram(token=TOKEN) as fake:
        async with Bot(TOKEN, base_url=fake.base_url) as good:
            assert (await good.get_me()).is_bot
        with pytest.raises(InvalidToken):
            async with Bot("999:WRONG", base_url=fake.base_url):
                pass
        assert fake.violations == ["getMe: Unauthorized: wrong bot token 999:WRONG"]


async def test_wait_for_returns_the_matching_call_or_fails_in_time(fake_telegram, bot):
    """wait_for awaits a call made by other code and gives up after its timeout."""
    sender = asyncio.create_task(bot.send_message(USER, "sau một lúc"))
    call = await fake_telegram.wait_for(lambda c: c.params.get("text") == "sau một lúc")
    await sender
    assert call.method == "sendMessage"
    with pytest.raises(AssertionError, match="no matching Bot API call"):
        await fake_telegram.wait_for("sendPhoto", timeout=0.1)


def test_another_process_reaches_the_fake_over_http():
    """A separate process given the base URL talks to the fake, as ``coopbot run`` would."""
    script = (
        "import httpx, os, sys; "
        "r = httpx.post(os.environ['TELEGRAM_API_BASE_URL'] + sys.argv[1] + '/getMe'); "
        "print(r.json()['result']['username'])"
    )
    with FakeTelegram() as fake:
        env = {**os.environ, "TELEGRAM_API_BASE_URL": fake.base_url}
        done = subprocess.run(
            [sys.executable, "-c", script, TOKEN],
            env=env,
            capture_output=True,
            text=True,
            timeout=30,
            check=True,
        )
    assert done.stdout.strip() == "coopbot_test_bot"
    assert fake.last_call("getMe").ok
