"""Replies become Zalo messages: plain text, split at 2000, at most four buttons a message."""

from __future__ import annotations

from bot.channels.zalo.render import (
    button_page,
    message_body,
    more_page,
    render,
)
from handlers.types import Button, FileOut, Reply, ShareRequest

MORE = "More…"


def numbered(count: int) -> tuple[Button, ...]:
    """Return ``count`` buttons b0, b1, …"""
    return tuple(Button(f"Button {n}", f"b:{n}") for n in range(count))


def test_a_title_is_a_line_of_its_own_and_markup_is_left_as_typed() -> None:
    """Zalo shows no markup: the bold prefix becomes a first line, ``<b>`` stays text."""
    rendered = render(Reply(text="Giá <b>lúa</b> & phân", bold_prefix="PA-2026-000001"), MORE)
    assert [message_body(m) for m in rendered.messages] == [
        {"text": "PA-2026-000001\nGiá <b>lúa</b> & phân"}
    ]
    assert rendered.overflow == ()


def test_long_text_is_split_at_line_or_word_boundaries_within_2000_characters() -> None:
    """Every part fits, nothing but the separators cut at is lost, and buttons go last."""
    text = "\n".join(f"Dòng {n}: " + "chữ " * 60 for n in range(20))
    rendered = render(Reply(text=text, buttons=((Button("OK", "ok:1"),),)), MORE)

    parts = [m.text for m in rendered.messages]
    assert len(parts) > 1
    assert all(len(part) <= 2000 for part in parts)
    assert "".join(parts).replace(" ", "").replace("\n", "") == text.replace(" ", "").replace(
        "\n", ""
    )
    assert [m.buttons for m in rendered.messages[:-1]] == [()] * (len(parts) - 1)
    assert rendered.messages[-1].buttons == (Button("OK", "ok:1"),)


def test_four_buttons_fit_and_a_fifth_brings_three_and_more() -> None:
    """Up to four are shown as they are; beyond, three and "More…" pointing at the fourth."""
    assert button_page(numbered(4), 0, MORE) == numbered(4)
    page = button_page(numbered(9), 0, MORE)
    assert page == (*numbered(3), Button(MORE, "more:3"))
    rows = ((Button("A", "a:1"), Button("B", "b:1")), (Button("C", "c:1"),))
    rendered = render(Reply(text="x", buttons=rows * 2), MORE)
    assert len(rendered.messages[-1].buttons) == 4
    assert len(rendered.overflow) == 6


def test_the_more_pages_show_every_button_once_and_end_without_more() -> None:
    """Pages from more:3 on show the rest three at a time, the last page up to four."""
    buttons = numbered(11)
    first = more_page(buttons, 3, text="More choices:", more_label=MORE)
    assert first is not None
    assert first.buttons == (*buttons[3:6], Button(MORE, "more:6"))
    second = more_page(buttons, 6, text="More choices:", more_label=MORE)
    assert second is not None
    assert second.buttons == (*buttons[6:9], Button(MORE, "more:9"))
    last = more_page(buttons, 9, text="More choices:", more_label=MORE)
    assert last is not None
    assert (last.text, last.buttons) == ("More choices:", buttons[9:])
    assert more_page(buttons, 11, text="", more_label=MORE) is None
    assert more_page(buttons, 0, text="", more_label=MORE) is None


def test_buttons_with_an_empty_label_or_payload_are_left_out() -> None:
    """One bad button must not cost the person the message."""
    rows = ((Button(" ", "a:1"), Button("Good", "g:1"), Button("Empty", "")),)
    (message,) = render(Reply(text="x", buttons=rows), MORE).messages
    assert message.buttons == (Button("Good", "g:1"),)


def test_images_and_files_come_first_and_a_reply_without_text_drops_its_buttons() -> None:
    """Attachments are messages of their own; Zalo cannot show buttons without a text."""
    chart = FileOut("chart.png", b"png", "image/png")
    sheet = FileOut("report.xlsx", b"xlsx")
    rendered = render(Reply(image=chart, document=sheet, buttons=((Button("OK", "ok:1"),),)), MORE)
    assert [(m.image, m.document, m.buttons) for m in rendered.messages] == [
        (chart, None, ()),
        (None, sheet, ()),
    ]
    assert message_body(rendered.messages[0], attachment_id="a1") == {
        "attachment": {
            "type": "template",
            "payload": {
                "template_type": "media",
                "elements": [{"media_type": "image", "attachment_id": "a1"}],
            },
        }
    }


def test_a_request_to_share_a_phone_number_follows_the_text_and_its_buttons() -> None:
    """The form is a message of its own after the question, within Zalo's lengths."""
    share = ShareRequest("T" * 150, "S" * 600)
    rendered = render(
        Reply(text="Số?", buttons=((Button("Hủy", "ph:keep"),),), share_request=share), MORE
    )
    question, form = rendered.messages
    assert (question.text, question.buttons, question.share) == (
        "Số?",
        (Button("Hủy", "ph:keep"),),
        None,
    )
    assert message_body(form) == {
        "attachment": {
            "type": "template",
            "payload": {
                "template_type": "request_user_info",
                "elements": [{"title": "T" * 100, "subtitle": "S" * 500}],
            },
        }
    }
    element = message_body(form, share_image_url="https://x.example/a.png")["attachment"]
    assert element["payload"]["elements"][0]["image_url"] == "https://x.example/a.png"
