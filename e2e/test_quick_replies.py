"""Quick replies in the inbox (issue 18 §5): the owner saves "/rates" with the live price list on
the Settings page, then in a conversation types "/ra", picks it with the keyboard, and the reply
goes with the customer's name and the current prices filled in."""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import Page, expect

from test_assistant import api_headers
from test_inbox import bubbles, open_inbox, simulate
from test_ledger_flow import go, signup, tid

ARTIFACTS = Path(__file__).resolve().parent / "artifacts"


def test_quick_reply_saved_in_settings_and_used_with_slash(page: Page) -> None:
    page.set_viewport_size({"width": 390, "height": 844})
    signup(page)
    r = page.request.post("/api/v1/products", headers=api_headers(page),
                          data={"name": "Cement", "unit": "bag", "price": 35000, "stock": 20, "gst_rate": 18})
    assert r.status == 201, r.text()

    # Save it on Settings.
    go(page, "settings", "Settings")
    card = tid(page, "quick-replies-card")
    expect(card.get_by_test_id("empty-state")).to_contain_text("No quick replies yet")
    card.get_by_test_id("quick-reply-name").fill("/rates")
    card.get_by_test_id("quick-reply-text").fill("Namaste {customer_name}, aaj ke rate:\n{price_list}")
    card.get_by_test_id("quick-reply-save").click()
    expect(card.get_by_test_id("quick-reply-row")).to_have_count(1)
    expect(card.get_by_test_id("quick-reply-row")).to_contain_text("/rates")

    # Use it in a conversation.
    reply = simulate(page, "+919812300077", "rate kya hai?", name="Asha")
    open_inbox(page)
    page.goto(f"/#/inbox/{reply['session_id']}")
    expect(bubbles(page, direction="out", author="bot")).to_contain_text("Our prices:")
    page.evaluate("document.querySelectorAll('[data-testid=toast]').forEach((t) => t.remove())")
    box = tid(page, "reply-input")
    box.fill("/ra")
    options = tid(page, "quick-reply-option")
    expect(options).to_have_count(1)
    expect(options.first).to_contain_text("/rates")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "quick-replies-inbox-390.png"))
    box.press("Enter")
    expect(box).to_have_value("Namaste Asha, aaj ke rate:\n• Cement (bag): ₹350.00 incl. GST")
    box.press("Enter")
    sent = bubbles(page, direction="out", author="staff")
    expect(sent).to_have_count(1)
    expect(sent.first).to_contain_text("₹350.00 incl. GST")

    # Escape closes the list; a name nobody saved says so.
    box.fill("/zz")
    expect(tid(page, "quick-reply-list")).to_contain_text("No quick reply by that name.")
    box.press("Escape")
    expect(tid(page, "quick-reply-list")).to_be_hidden()
