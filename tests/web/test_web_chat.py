"""The web chat in a real browser: headless Debian Chromium driving `coopbot demo`'s page.

The demo runs as the real command (`python -m bot demo --port 0`) on a temporary database.
Screenshots go to test-artifacts/; with COOPBOT_UPDATE_SCREENSHOTS=1 they also refresh the
ones in docs/images/ that docs/usage.md shows.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

CHROMIUM = Path("/usr/bin/chromium")
ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
DOC_IMAGES = ROOT / "docs" / "images"
# The smallest valid PNG (one transparent pixel).
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489"
    "0000000d49444154789c6300010000050001a5f645400000000049454e44ae426082"
)

# A loaded CI machine can be slow to start Chromium and the demo; waits are generous, never
# timings under test.
expect.set_options(timeout=20_000)

pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(), reason="Debian's chromium is not installed (CI installs it)"
)


def screenshot(page: Page, name: str) -> None:
    """Save a screenshot to test-artifacts/, and to docs/images/ when asked to."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / name
    page.screenshot(path=str(path))
    if os.environ.get("COOPBOT_UPDATE_SCREENSHOTS") == "1":
        DOC_IMAGES.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, DOC_IMAGES / name)


@pytest.fixture(scope="module")
def demo_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Run `coopbot demo` on a free port of 127.0.0.1 and give its URL."""
    folder = tmp_path_factory.mktemp("demo")
    env = {**os.environ, "COOPBOT_LOG_LEVEL": "WARNING", "COOPBOT_DEFAULT_LOCALE": "vi"}
    env.pop("DISPLAY", None)
    env.pop("WAYLAND_DISPLAY", None)
    process = subprocess.Popen(
        [sys.executable, "-m", "bot", "demo", "--port", "0", "--db", str(folder / "demo.db")],
        cwd=folder,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        encoding="utf-8",
    )
    found: list[str] = []
    output: list[str] = []

    def read() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            output.append(line)
            match = re.search(r"http://127\.0\.0\.1:\d+", line)
            if match and not found:
                found.append(match.group(0))
                ready.set()

    ready = threading.Event()
    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    try:
        if not ready.wait(timeout=30):
            pytest.fail("the demo did not start:\n" + "".join(output))
        yield found[0]
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        reader.join(timeout=5)
        assert process.stdout is not None
        process.stdout.close()
    assert process.returncode == 0, "".join(output)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Give headless Chromium (Debian's, never a downloaded one)."""
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM),
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser: Browser, demo_url: str) -> Iterator[Page]:
    """Give a fresh tab on the demo page, failing on any script error."""
    context = browser.new_context(viewport={"width": 960, "height": 640}, locale="vi-VN")
    tab = context.new_page()
    errors: list[str] = []
    tab.on("pageerror", lambda error: errors.append(str(error)))
    tab.set_default_timeout(30_000)
    tab.goto(demo_url)
    yield tab
    context.close()
    assert errors == []


def test_a_director_files_a_report_with_the_buttons(page: Page) -> None:
    """Director: /report (Enter), Khó khăn, Vốn tín dụng, text, Bỏ qua, Gửi → PA-<year>-…."""
    p = page
    expect(p.get_by_role("button", name=re.compile("Giám đốc — HTX Trinh Phú"))).to_have_attribute(
        "aria-pressed", "true"
    )
    expect(p.get_by_role("status")).to_have_text("Đã kết nối.")
    message = p.get_by_label("Tin nhắn")
    message.fill("/report")
    message.press("Enter")
    pane = p.locator('.messages[data-persona="director"]')
    pane.get_by_role("button", name="Khó khăn").last.click()
    pane.get_by_role("button", name="Vốn, tín dụng").last.click()
    expect(pane.locator(".message").last).to_contain_text("10")
    message.fill("Thiếu vốn lưu động để mua phân bón cho vụ Hè Thu.")
    message.press("Enter")
    pane.get_by_role("button", name="⏭ Bỏ qua").last.click()
    send_button = pane.get_by_role("button", name="📨 Gửi").last
    expect(send_button).to_be_visible()
    screenshot(p, "web-chat-preview.png")
    send_button.click()
    receipt = pane.locator(".from-bot").filter(has_text=re.compile(r"PA-\d{4}-\d{6}")).last
    expect(receipt).to_be_visible()
    screenshot(p, "web-chat-receipt.png")


def test_personas_switch_and_the_clock_jumps_to_the_next_quarter(page: Page) -> None:
    """Each persona keeps its own pane; the clock jumps to 08:00 on a quarter's first Monday."""
    p = page
    message = p.get_by_label("Tin nhắn")
    message.fill("/help")
    message.press("Enter")
    director = p.locator('.messages[data-persona="director"]')
    expect(director.locator(".from-bot").last).to_contain_text("/report")
    p.get_by_role("button", name=re.compile("Cán bộ — Thành phố Cần Thơ")).click()
    expect(p.locator("#chat-persona")).to_contain_text("Lê Minh Tâm")
    official = p.locator('.messages[data-persona="official"]')
    expect(director).to_be_hidden()
    message.fill("/start")
    message.press("Enter")
    expect(official.locator(".from-bot").last).to_contain_text("cán bộ")
    p.get_by_role("button", name=re.compile("Giám đốc — HTX Trinh Phú")).click()
    expect(director).to_be_visible()
    expect(director.locator(".from-user").filter(has_text="/help")).not_to_have_count(0)
    clock = p.locator("#clock-now")
    before = clock.inner_text()
    p.get_by_role("button", name="Chuyển đến đầu quý sau").click()
    expect(clock).not_to_have_text(before)
    expect(clock).to_have_text(re.compile(r"^08:00 \d{2}/(01|04|07|10)/\d{4}$"))
    expect(p.get_by_role("status")).to_contain_text("lời nhắc đến hạn đã được lên lịch")
    screenshot(p, "web-chat-clock.png")


def quarter_label(clock_text: str) -> str:
    """Return the reminder's quarter label ("Quý II/2027") for a clock of "08:00 05/04/2027"."""
    _day, month, year = clock_text.split()[1].split("/")
    return f"Quý {('I', 'II', 'III', 'IV')[(int(month) - 1) // 3]}/{year}"


def test_after_a_jump_the_leader_gets_the_agenda_and_logs_the_meeting(page: Page) -> None:
    """The quarter's reminder reaches the leader; logging the meeting tells the director."""
    p = page
    clock = p.locator("#clock-now")
    before = clock.inner_text()
    p.get_by_role("button", name="Chuyển đến đầu quý sau").click()
    expect(clock).not_to_have_text(before)
    p.get_by_role("button", name=re.compile("Lãnh đạo xã — Xã An Lạc Thôn")).click()
    leader = p.locator('.messages[data-persona="commune_leader"]')
    # Wait for this quarter's reminder: an earlier jump's may still be the last one shown, and
    # this one, arriving later, would then land after the meeting log's messages.
    reminder = leader.locator(".from-bot").filter(has_text=quarter_label(clock.inner_text()))
    expect(reminder.last).to_contain_text("HTX Trinh Phú")
    screenshot(p, "web-chat-reminder.png")
    reminder.last.get_by_role("button", name="📝 Ghi nhận cuộc họp").click()
    leader.get_by_role("button", name="Hôm nay").last.click()
    leader.get_by_role("button", name="☐ HTX Trinh Phú").last.click()
    leader.get_by_role("button", name="✅ Xong").last.click()
    leader.get_by_role("button", name="⏭ Bỏ qua").last.click()
    # The director's report of the first test is the one item on the agenda.
    expect(leader.locator(".from-bot").last).to_contain_text("PA-")
    leader.get_by_role("button", name="✅ Giải quyết tại xã").last.click()
    # What was decided is asked next; the leader skips it.
    expect(leader.locator(".from-bot").last).to_contain_text("thống nhất nội dung gì")
    leader.get_by_role("button", name="⏭ Bỏ qua").last.click()
    leader.get_by_role("button", name="💾 Lưu").last.click()
    expect(leader.locator(".from-bot").last).to_contain_text("Đã lưu")
    p.get_by_role("button", name=re.compile("Giám đốc — HTX Trinh Phú")).click()
    director = p.locator('.messages[data-persona="director"]')
    expect(director.locator(".from-bot").last).to_contain_text("đã giải quyết")
    screenshot(p, "web-chat-outcome.png")


def test_the_language_toggle_translates_the_page(page: Page) -> None:
    """English relabels the page for the persona shown; Vietnamese restores it."""
    p = page
    p.get_by_role("button", name=re.compile("Quản trị viên")).click()
    p.get_by_role("button", name="English").click()
    expect(p.get_by_role("button", name="Send")).to_be_visible()
    expect(p.get_by_role("button", name="English")).to_have_attribute("aria-pressed", "true")
    expect(p.locator("html")).to_have_attribute("lang", "en")
    p.get_by_role("button", name="Tiếng Việt").click()
    expect(p.get_by_role("button", name="Gửi", exact=True)).to_be_visible()


def test_a_photo_is_attached_with_the_upload_control(page: Page, tmp_path: Path) -> None:
    """At the attachments step the paper clip sends a photo, shown inline in the user's bubble."""
    p = page
    # Start from the director in Vietnamese whatever an earlier test left selected.
    p.get_by_role("button", name=re.compile("HTX Trinh Phú")).click()
    p.get_by_role("button", name="Tiếng Việt").click()
    message = p.get_by_label("Tin nhắn")
    message.fill("/report")
    message.press("Enter")
    pane = p.locator('.messages[data-persona="director"]')
    pane.get_by_role("button", name="Kiến nghị").last.click()
    pane.get_by_role("button", name="Đất đai, mặt bằng").last.click()
    expect(pane.locator(".message").last).to_contain_text("10")
    message.fill("Đề nghị hỗ trợ mặt bằng xây kho sấy lúa cho hợp tác xã.")
    message.press("Enter")
    expect(pane.get_by_role("button", name="⏭ Bỏ qua").last).to_be_visible()
    photo = tmp_path / "kho-say.png"
    photo.write_bytes(PNG)
    p.locator("#file").set_input_files(str(photo))
    expect(pane.locator(".from-user img").last).to_have_attribute("alt", "Hình ảnh: kho-say.png")
    expect(pane.locator(".from-bot").last).to_contain_text("Đã nhận 1")
    pane.get_by_role("button", name="✖️ Hủy").last.click()
    expect(pane.locator(".from-bot").last).to_contain_text("Đã hủy")
