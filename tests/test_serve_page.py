"""The serve page in a real headless browser (Debian's chromium, driven by Playwright): paste, pick, fill, copy."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

from tests.conftest import WriteKB
from tests.desk_kb import CONFIG, ORDERS_SECTION, files_with_orders
from tests.serve_server import Server, running_server

CHROMIUM = "/usr/bin/chromium"  # system-packages.txt: chromium (never `playwright install`)
# The machine runs several test suites at once: give a slow answer time (the speed is in bench/bench_desk.py).
expect.set_options(timeout=30_000)

CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
]


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield launched
        launched.close()


@pytest.fixture
def server(write_kb: WriteKB) -> Iterator[Server]:
    with running_server(write_kb(files_with_orders(), config=CONFIG + ORDERS_SECTION)) as running:
        yield running


def _open(browser: Browser, server: Server, query: str = "") -> Page:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=server.url)
    page = context.new_page()
    failed: list[str] = []
    page.on("requestfailed", lambda request: failed.append(request.url))
    page.on("request", lambda request: failed.append(request.url) if not request.url.startswith(server.url) else None)
    page.goto(server.url + "/" + query)
    expect(page.locator("#kbinfo")).to_contain_text("entries")
    assert failed == []  # no external assets: the page works offline
    return page


def test_paste_suggest_pick_fill_and_copy(browser: Browser, server: Server, tmp_path: Path) -> None:
    page = _open(browser, server)
    page.fill("#message", "Hello,\n\nwhere is my order KS-2026-00001? I can't find it.\n\nThanks, Anna")
    page.keyboard.press("Control+Enter")
    expect(page.locator("#reply")).not_to_have_value("")
    assert page.locator("#candidates li").count() == 3
    assert page.locator("#candidates button[aria-current=true] .entry").inner_text() == "track-order"
    reply = page.input_value("#reply")
    assert reply.startswith("Hi Anna Schmidt,\n\nYour order KS-2026-00001 is on its way with Japan Post.")
    assert "order KS-2026-00001" in page.inner_text("#meta")
    page.screenshot(path=str(tmp_path / "desk-page.png"), full_page=True)

    # copy with one click: the clipboard holds the reply as shown (the agent may have edited it)
    page.fill("#reply", reply + "\nP.S. edited by the agent")
    page.click("#copy")
    expect(page.locator("#status")).to_contain_text("Copied")
    assert page.evaluate("navigator.clipboard.readText()") == reply + "\nP.S. edited by the agent"

    # take another entry: the reply follows it
    second = page.locator("#candidates button").nth(1)
    second_id = second.locator(".entry").inner_text()
    second.click()
    expect(page.locator("#candidates button[aria-current=true] .entry")).to_have_text(second_id)
    assert page.inner_text("#meta").startswith(second_id)

    # and without the mouse: Alt+1 takes the best entry again, Alt+C copies its reply
    page.keyboard.press("Alt+1")
    expect(page.locator("#candidates button[aria-current=true] .entry")).to_have_text("track-order")
    page.keyboard.press("Alt+c")
    expect(page.locator("#status")).to_contain_text("Copied")
    assert page.evaluate("navigator.clipboard.readText()") == reply


def test_fill_a_missing_value_and_switch_to_chat(browser: Browser, server: Server) -> None:
    page = _open(browser, server)
    page.fill("#message", "my refund has not arrived yet")
    page.click("#suggest")
    expect(page.locator("#reply")).to_have_value(re.compile(r"\[refund_amount\]"))
    expect(page.locator("#notices")).to_contain_text("fill in: [order_id], [refund_amount]")
    expect(page.locator("label.missing")).to_have_count(2)
    page.fill("#var-order_id", "KS-2026-00042")
    page.locator("#var-order_id").dispatch_event("change")
    expect(page.locator("#reply")).to_have_value(re.compile("KS-2026-00042"))
    page.fill("#var-refund_amount", "19.90 EUR")
    page.press("#var-refund_amount", "Enter")  # Enter applies a value, as leaving the field does
    expect(page.locator("#meta")).to_contain_text("refund-status")
    expect(page.locator("#reply")).not_to_have_value(re.compile(r"\[refund_amount\]"))
    expect(page.locator("#error")).to_have_text("")
    page.select_option("#channel", "chat")
    expect(page.locator("#meta")).to_contain_text("chat")
    # Every check waits for the page (a loaded machine answers late), none reads a value once.
    chat_reply = re.compile(r"^We refunded [^\n]*19\.90[^\n]* for order KS-2026-00042\.\n$")
    expect(page.locator("#reply")).to_have_value(chat_reply)
    expect(page.locator("#notices")).to_have_text("")


def test_errors_show_on_the_page_and_the_token_reaches_the_api(browser: Browser, write_kb: WriteKB) -> None:
    kb = write_kb(files_with_orders(), config=CONFIG + ORDERS_SECTION)
    with running_server(kb, env={"REPLYKIT_SERVE_TOKEN": "tok-123"}) as server:
        page = _open(browser, server, "?token=tok-123")
        page.click("#suggest")
        expect(page.locator("#error")).to_have_text("Paste the customer's message first.")
        page.fill("#message", "注文をキャンセルしたいです")
        page.click("#suggest")
        expect(page.locator("#reply")).not_to_have_value("")
        assert page.locator("#candidates button[aria-current=true] .entry").inner_text() == "cancel-order"
        assert "no ja template" in page.inner_text("#notices")


def test_the_page_paints_from_one_document(browser: Browser, server: Server) -> None:
    """The speed is measured in bench/bench_desk.py; here: the page paints with no request but its own."""
    page = browser.new_page()
    page.goto(server.url + "/")
    expect(page.locator("h1")).to_have_text("replykit desk")
    expect(page.locator("#kbinfo")).to_contain_text("entries")
    # A loaded machine may record the paint late: wait for it rather than a fixed 100 ms.
    page.wait_for_function("performance.getEntriesByType('paint').some(e => e.name === 'first-contentful-paint')")
    resources = page.evaluate("performance.getEntriesByType('resource').map(e => e.name)")
    assert resources == [server.url + "/api/kb"]  # the page itself, then only the KB's entries
