"""The fake Zalo OA API plays Zalo's reply window and its template (ZNS) API like Zalo."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from tests.fakes import zalo_events as events
from tests.fakes.zalo_api import (
    ERROR_TEXTS,
    MESSAGE_PATH,
    PROACTIVE,
    REPLY,
    TEMPLATE_PATH,
    FakeZalo,
    check_message,
)

USER = "8412345678901234567"
OTHER = "8412345678901234568"
PHONE = "84912345678"
TEMPLATE = "7895417a7d3f9461cd2e"
PARAMS = {"customer_name": "Nguyễn Văn Tư", "reference": "PA-2026-000042"}
HOUR = 3600.0


@pytest.fixture
async def fake() -> AsyncIterator[FakeZalo]:
    """Give a fake that enforces the reply window, failing the test on unexpected violations
    (a test that provokes some checks them, then clears them)."""
    async with FakeZalo() as server:
        yield server
    assert not server.violations, server.violations


@pytest.fixture
async def client(fake: FakeZalo) -> AsyncIterator[httpx.AsyncClient]:
    """Give a client of the fake that sends the current access token."""
    async with httpx.AsyncClient(
        base_url=fake.url, headers={"access_token": fake.access_token}
    ) as http:
        yield http


async def send(
    client: httpx.AsyncClient, recipient: dict[str, str], text: str = "Xin chào"
) -> dict[str, Any]:
    """Send a consultation text to ``recipient`` and return Zalo's answer."""
    body = {"recipient": recipient, "message": {"text": text}}
    response = await client.post(MESSAGE_PATH, json=body)
    assert response.status_code == 200
    answer: dict[str, Any] = response.json()
    return answer


async def send_template(client: httpx.AsyncClient, **changes: Any) -> dict[str, Any]:
    """Send the approved template to PHONE, with ``changes`` to the body, and return Zalo's
    answer."""
    body = {"phone": PHONE, "template_id": TEMPLATE, "template_data": PARAMS, "tracking_id": "t-1"}
    response = await client.post(TEMPLATE_PATH, json={**body, **changes})
    assert response.status_code == 200
    answer: dict[str, Any] = response.json()
    return answer


def counted(fake: FakeZalo) -> list[str | None]:
    """Return how Zalo counted each consultation call so far (None for a refused one)."""
    return [call.counted_as for call in fake.calls(MESSAGE_PATH)]


# The reply window.


async def test_a_reply_by_message_id_reaches_the_person_who_wrote_it(
    fake: FakeZalo, client: httpx.AsyncClient
) -> None:
    """The reply form names the person's message; the fake knows whose it was."""
    message_id = fake.user_wrote(USER)

    answer = await send(client, {"message_id": message_id}, "Đã nhận")

    assert answer["error"] == 0
    assert answer["data"]["user_id"] == USER
    assert fake.messages(USER) == [{"text": "Đã nhận"}]
    assert fake.messages(OTHER) == []
    (call,) = fake.calls(MESSAGE_PATH)
    assert (call.reply_to, call.counted_as) == (message_id, REPLY)


async def test_user_wrote_gives_a_fresh_message_id_unless_given_one(fake: FakeZalo) -> None:
    """Each write without an id gets its own; a given id is kept."""
    first, second = fake.user_wrote(USER), fake.user_wrote(USER)

    assert first != second
    assert fake.user_wrote(USER, "msg-from-zalo") == "msg-from-zalo"


async def test_a_message_id_no_one_sent_is_a_violation(
    fake: FakeZalo, client: httpx.AsyncClient
) -> None:
    """Replying to a message the person never sent is refused with -201 and recorded."""
    fake.user_wrote(USER)

    answer = await send(client, {"message_id": "made-up"})

    assert answer["error"] == -201
    assert fake.messages() == []
    assert len(fake.violations) == 1
    assert "made-up" in fake.violations[0]
    fake.violations.clear()


@pytest.mark.parametrize(
    "recipient",
    [{}, {"user_id": USER, "message_id": "m-1"}, {"user_id": ""}, {"message_id": ""}],
)
async def test_a_recipient_needs_exactly_one_of_user_id_and_message_id(
    fake: FakeZalo, client: httpx.AsyncClient, recipient: dict[str, str]
) -> None:
    """Neither or both ways of naming the person: -201, a violation."""
    fake.user_wrote(USER, "m-1")

    assert (await send(client, recipient))["error"] == -201
    assert len(fake.violations) == 1
    fake.violations.clear()


def test_check_message_accepts_either_recipient_form() -> None:
    """The shape check takes a user id or a message id, not both and not neither."""
    message = {"text": "Xin chào"}

    assert check_message({"recipient": {"user_id": USER}, "message": message}) == []
    assert check_message({"recipient": {"message_id": "m-1"}, "message": message}) == []
    assert check_message({"recipient": {}, "message": message}) != []
    both = {"user_id": USER, "message_id": "m-1"}
    assert check_message({"recipient": both, "message": message}) != []


async def test_someone_never_seen_writing_is_outside_the_window(
    fake: FakeZalo, client: httpx.AsyncClient
) -> None:
    """With no write known, a message by user id gets -230 and is not delivered."""
    answer = await send(client, {"user_id": USER})

    assert answer == {"error": -230, "message": ERROR_TEXTS[-230]}
    assert fake.messages(USER) == []
    assert counted(fake) == [None]


async def test_a_write_older_than_48_hours_closes_the_window_for_both_forms(
    fake: FakeZalo, client: httpx.AsyncClient
) -> None:
    """49 hours after the last write, neither a reply nor a message by user id goes out."""
    message_id = fake.user_wrote(USER, at=time.time() - 49 * HOUR)

    assert (await send(client, {"message_id": message_id}))["error"] == -230
    assert (await send(client, {"user_id": USER}))["error"] == -230
    assert fake.messages() == []


async def test_set_last_wrote_moves_the_write_within_or_out_of_the_window(
    fake: FakeZalo, client: httpx.AsyncClient
) -> None:
    """47 hours ago is inside the window; 49 hours ago is not."""
    message_id = fake.user_wrote(USER)

    fake.set_last_wrote(USER, time.time() - 47 * HOUR)
    assert (await send(client, {"message_id": message_id}))["error"] == 0
    fake.set_last_wrote(USER, time.time() - 49 * HOUR)
    assert (await send(client, {"message_id": message_id}))["error"] == -230


async def test_the_token_is_checked_before_the_window(
    fake: FakeZalo, client: httpx.AsyncClient
) -> None:
    """A bad token is -216 even for someone outside the window."""
    response = await client.post(
        MESSAGE_PATH,
        json={"recipient": {"user_id": USER}, "message": {"text": "Xin chào"}},
        headers={"access_token": "wrong"},
    )

    assert response.json()["error"] == -216


async def test_eight_replies_are_free_and_the_ninth_is_proactive(
    fake: FakeZalo, client: httpx.AsyncClient
) -> None:
    """Within the window the first eight replies count as replies, the ninth as proactive."""
    message_id = fake.user_wrote(USER)

    for _ in range(9):
        assert (await send(client, {"message_id": message_id}))["error"] == 0

    assert counted(fake) == [REPLY] * 8 + [PROACTIVE]
    assert len(fake.messages(USER)) == 9


async def test_writing_again_gives_eight_more_free_replies(
    fake: FakeZalo, client: httpx.AsyncClient
) -> None:
    """The count starts over when the person writes again, whichever message is replied to."""
    first = fake.user_wrote(USER)
    for _ in range(8):
        await send(client, {"message_id": first})

    fake.user_wrote(USER)
    await send(client, {"message_id": first})

    assert counted(fake) == [REPLY] * 9


async def test_a_message_by_user_id_is_proactive_even_inside_the_window(
    fake: FakeZalo, client: httpx.AsyncClient
) -> None:
    """Without a message id Zalo counts the message as proactive and spends no free reply."""
    message_id = fake.user_wrote(USER)

    await send(client, {"user_id": USER})
    await send(client, {"message_id": message_id})

    assert counted(fake) == [PROACTIVE, REPLY]
    assert [call.reply_to for call in fake.calls(MESSAGE_PATH)] == [None, message_id]


async def test_each_person_has_a_window_of_their_own(
    fake: FakeZalo, client: httpx.AsyncClient
) -> None:
    """One person's write opens no window for another."""
    fake.user_wrote(USER)

    assert (await send(client, {"user_id": USER}))["error"] == 0
    assert (await send(client, {"user_id": OTHER}))["error"] == -230


async def test_without_enforcement_a_message_outside_the_window_goes_out_as_proactive() -> None:
    """A fake that does not enforce the window delivers, and counts the message as paid."""
    async with FakeZalo(enforce_window=False) as fake:
        message_id = fake.user_wrote(USER, at=time.time() - 49 * HOUR)
        async with httpx.AsyncClient(
            base_url=fake.url, headers={"access_token": fake.access_token}
        ) as client:
            assert (await send(client, {"message_id": message_id}))["error"] == 0
            assert (await send(client, {"user_id": OTHER}))["error"] == 0

    assert counted(fake) == [PROACTIVE, PROACTIVE]
    assert fake.violations == []


async def test_a_smaller_window_and_fewer_free_replies_can_be_configured() -> None:
    """window_hours and free_replies change the rules the fake plays."""
    async with FakeZalo(window_hours=1, free_replies=1) as fake:
        message_id = fake.user_wrote(USER, at=time.time() - 0.5 * HOUR)
        async with httpx.AsyncClient(
            base_url=fake.url, headers={"access_token": fake.access_token}
        ) as client:
            for _ in range(2):
                await send(client, {"message_id": message_id})
            fake.set_last_wrote(USER, time.time() - 2 * HOUR)
            assert (await send(client, {"message_id": message_id}))["error"] == -230

    assert counted(fake) == [REPLY, PROACTIVE, None]


async def test_a_built_message_event_opens_the_window_and_can_be_replied_to(
    fake: FakeZalo, client: httpx.AsyncClient
) -> None:
    """An event built by zalo_events is a message the person sent through Zalo: the fake
    hears of it at once, even when a test posts it by hand or to a subprocess."""
    raw = events.text(USER, "xin chào")

    answer = await send(client, {"message_id": raw["message"]["msg_id"]})

    assert answer["error"] == 0
    assert counted(fake) == [REPLY]


async def test_noting_the_same_message_again_does_not_reset_the_count(
    fake: FakeZalo, client: httpx.AsyncClient
) -> None:
    """A webhook fixture noting an event the fake already heard of changes nothing."""
    raw = events.text(USER, "xin chào")
    message_id = raw["message"]["msg_id"]
    for _ in range(8):
        await send(client, {"message_id": message_id})

    fake.note_event(raw)
    await send(client, {"message_id": message_id})

    assert counted(fake) == [REPLY] * 8 + [PROACTIVE]


async def test_a_noted_message_counts_from_the_events_timestamp(
    fake: FakeZalo, client: httpx.AsyncClient
) -> None:
    """An event Zalo stamped 49 hours ago leaves the window closed."""
    old = events.now_ms(-49 * HOUR)
    raw = {
        "event_name": "user_send_text",
        "timestamp": old,
        "sender": {"id": OTHER},
        "message": {"msg_id": "hand-made-1", "text": "xin chào"},
    }

    fake.note_event(raw)

    assert (await send(client, {"message_id": "hand-made-1"}))["error"] == -230


async def test_a_follow_opens_the_window_without_a_message_to_reply_to(
    fake: FakeZalo, client: httpx.AsyncClient
) -> None:
    """After a follow the OA may write by user id, as a proactive message."""
    events.event("follow", USER)

    assert (await send(client, {"user_id": USER}))["error"] == 0
    assert counted(fake) == [PROACTIVE]


async def test_an_unfollow_or_a_seen_receipt_opens_no_window(
    fake: FakeZalo, client: httpx.AsyncClient
) -> None:
    """Only writing and following count as interacting."""
    fake.note_event(events.event("unfollow", USER))
    fake.note_event(events.event("user_seen_message", OTHER))

    assert (await send(client, {"user_id": USER}))["error"] == -230
    assert (await send(client, {"user_id": OTHER}))["error"] == -230


# The template (ZNS) API.


@pytest.fixture
def approved(fake: FakeZalo) -> FakeZalo:
    """Give the fake with TEMPLATE approved for the parameters of PARAMS."""
    fake.approve_template(TEMPLATE, PARAMS)
    return fake


async def test_an_approved_template_is_sent_and_answers_its_quota(
    approved: FakeZalo, client: httpx.AsyncClient
) -> None:
    """Success gives a message id, the time sent and the day's quota, as text."""
    answer = await send_template(client)

    assert (answer["error"], answer["message"]) == (0, "Success")
    data = answer["data"]
    assert data["msg_id"]
    assert data["sent_time"].isdigit()
    assert data["quota"] == {"dailyQuota": "500", "remainingQuota": "499"}
    (sent,) = approved.templates_sent(PHONE)
    assert sent["template_data"] == PARAMS
    assert approved.templates_sent("84900000000") == []
    assert approved.messages() == []


async def test_a_template_needs_no_reply_window(
    approved: FakeZalo, client: httpx.AsyncClient
) -> None:
    """ZNS reaches a phone number whose person never wrote to the OA."""
    assert (await send_template(client))["error"] == 0


async def test_a_bad_token_is_zns_own_minus_124(
    approved: FakeZalo, client: httpx.AsyncClient
) -> None:
    """An expired token answers -124, not the OA API's -216."""
    approved.expire_access_token()

    answer = await send_template(client)

    assert answer == {"error": -124, "message": "Access token invalid"}
    assert approved.templates_sent() == []


@pytest.mark.parametrize("code", [-133, -117, -115])
async def test_scripted_errors_answer_the_next_template(
    approved: FakeZalo, client: httpx.AsyncClient, code: int
) -> None:
    """fail_next on TEMPLATE_PATH answers the next template only."""
    approved.fail_next(code, path=TEMPLATE_PATH)

    assert (await send_template(client))["error"] == code
    assert (await send_template(client))["error"] == 0


@pytest.mark.parametrize("phone", ["0912345678", "+84912345678", "8491234567", "849123456789"])
async def test_a_phone_not_in_84_form_is_minus_108(
    approved: FakeZalo, client: httpx.AsyncClient, phone: str
) -> None:
    """ZNS wants "84" and nine digits."""
    assert (await send_template(client, phone=phone))["error"] == -108


async def test_a_template_not_approved_is_minus_109(
    approved: FakeZalo, client: httpx.AsyncClient
) -> None:
    """Only templates approved for the OA can be sent."""
    assert (await send_template(client, template_id="unknown"))["error"] == -109


@pytest.mark.parametrize(
    "data",
    [
        {"customer_name": "Tư"},
        {**PARAMS, "extra": "x"},
        {"customer_name": "Tư", "ref": "PA-2026-000042"},
    ],
)
async def test_parameters_other_than_the_templates_are_minus_112_and_a_violation(
    approved: FakeZalo, client: httpx.AsyncClient, data: dict[str, str]
) -> None:
    """Missing, extra or misnamed parameters are the bot's bug."""
    assert (await send_template(client, template_data=data))["error"] == -112
    assert len(approved.violations) == 1
    approved.violations.clear()


@pytest.mark.parametrize("value", ["", "x" * 101, 42])
async def test_an_empty_long_or_non_text_value_is_minus_112(
    approved: FakeZalo, client: httpx.AsyncClient, value: object
) -> None:
    """Each value is a non-empty text of at most 100 characters."""
    data = {**PARAMS, "customer_name": value}

    assert (await send_template(client, template_data=data))["error"] == -112
    assert approved.violations == []


async def test_a_phone_without_zalo_is_minus_118(
    approved: FakeZalo, client: httpx.AsyncClient
) -> None:
    """A number with no Zalo account cannot receive a template."""
    approved.phone_without_zalo(PHONE)

    assert (await send_template(client))["error"] == -118
    assert (await send_template(client, phone="84987654321"))["error"] == 0


@pytest.mark.parametrize("tracking_id", ["", "t" * 49, None])
async def test_a_bad_tracking_id_is_minus_112_and_a_violation(
    approved: FakeZalo, client: httpx.AsyncClient, tracking_id: str | None
) -> None:
    """The tracking id is 1 to 48 characters of text."""
    assert (await send_template(client, tracking_id=tracking_id))["error"] == -112
    assert len(approved.violations) == 1
    approved.violations.clear()


async def test_the_checks_come_in_zalos_order(
    approved: FakeZalo, client: httpx.AsyncClient
) -> None:
    """Token, then scripted errors, phone, template, data, Zalo account, tracking id."""
    approved.phone_without_zalo(PHONE)
    approved.fail_next(-133, path=TEMPLATE_PATH)

    bad_data = {**PARAMS, "customer_name": ""}
    assert (await send_template(client, phone="0912", template_id="unknown"))["error"] == -133
    assert (await send_template(client, phone="0912", template_id="unknown"))["error"] == -108
    assert (await send_template(client, template_id="unknown"))["error"] == -109
    assert (await send_template(client, template_data=bad_data))["error"] == -112
    assert (await send_template(client, tracking_id=""))["error"] == -118
    assert approved.violations == []


async def test_the_daily_quota_runs_out_with_minus_115() -> None:
    """Once the day's quota is spent ZNS answers -115."""
    async with FakeZalo(daily_template_quota=1) as fake:
        fake.approve_template(TEMPLATE, PARAMS)
        async with httpx.AsyncClient(
            base_url=fake.url, headers={"access_token": fake.access_token}
        ) as client:
            first = await send_template(client)
            second = await send_template(client)

    assert first["data"]["quota"] == {"dailyQuota": "1", "remainingQuota": "0"}
    assert second == {"error": -115, "message": "Out of quota"}
    assert len(fake.templates_sent()) == 1
