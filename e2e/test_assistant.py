"""Browser tests of the Assistant page: a typed sale becomes an invoice only after Confirm and
shows up on the Ledger pages; a question flow fills in a missing quantity; the microphone's
error states; the page on a 390 px wide screen. The exact wording of replies and questions is
the server's, so these tests assert on cards and their data, not on sentences."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from test_ledger_flow import add_customer, add_product, go, signup, tid


def api_headers(page: Page) -> dict:
    me = page.request.get("/api/v1/me")
    assert me.ok, me.text()
    return {"X-CSRF-Token": me.json()["csrf_token"], "Content-Type": "application/json"}


def seed(page: Page) -> None:
    """Cement (₹350 a bag, 20 in stock) and Ramesh, through the API with the page's session."""
    headers = api_headers(page)
    r = page.request.post("/api/v1/products", headers=headers,
                          data={"name": "Cement", "unit": "bag", "price": 35000, "stock": 20})
    assert r.status == 201, r.text()
    r = page.request.post("/api/v1/customers", headers=headers, data={"name": "Ramesh", "phone": "+919812345678"})
    assert r.status == 201, r.text()


def product_stock(page: Page, name: str) -> float:
    r = page.request.get("/api/v1/products", params={"q": name})
    assert r.ok, r.text()
    return [p for p in r.json()["items"] if p["name"] == name][0]["stock"]


def assistant_turns(page: Page):
    return page.locator('[data-testid="assistant-turn"][data-role="assistant"]')


def card_of(page: Page, kind: str):
    return page.locator(f'[data-testid="card"][data-kind="{kind}"]')


def say(page: Page, text: str):
    """Types a message, presses Enter and waits for the assistant's answer; returns that turn."""
    before = assistant_turns(page).count()
    box = tid(page, "assistant-input")
    box.fill(text)
    box.press("Enter")
    expect(page.locator('[data-testid="assistant-turn"][data-role="user"]').last).to_contain_text(text)
    expect(assistant_turns(page)).to_have_count(before + 1)
    expect(tid(page, "assistant-thinking")).to_have_count(0)
    expect(tid(page, "assistant-send")).to_be_enabled()
    # nth, not last: a confirm or cancel appends further turns after this one.
    return assistant_turns(page).nth(before)


def say_until_card(page: Page, first: str, answers: list[str], kind: str):
    """Sends `first`, then answers the assistant's questions in order until a `kind` card shows."""
    turn = say(page, first)
    for answer in answers:
        if turn.locator(f'[data-testid="card"][data-kind="{kind}"]').count():
            break
        expect(turn.get_by_test_id("assistant-reply")).not_to_be_empty()
        turn = say(page, answer)
    expect(turn.locator(f'[data-testid="card"][data-kind="{kind}"]')).to_have_count(1)
    # Not scoped to the turn: later turns (a confirm's follow-up) would move `.last`.
    card = card_of(page, kind).last
    return card


def open_assistant(page: Page) -> None:
    go(page, "assistant", "Assistant")
    expect(tid(page, "loading")).to_have_count(0)


def test_typed_sale_becomes_an_invoice(page: Page) -> None:
    signup(page)
    add_product(page, "Cement", "350", "20")
    add_customer(page, "Ramesh", "+919812345678")

    open_assistant(page)
    # A first-time user sees suggestions.
    expect(tid(page, "assistant-suggestion")).to_have_count(5)
    expect(tid(page, "assistant-suggestion").first).to_contain_text("sold 2 bags cement to Ramesh")

    turn = say(page, "sold 2 bags cement to Ramesh at 350, paid 500")
    expect(tid(page, "assistant-suggestion")).to_have_count(0)
    expect(turn.get_by_test_id("card")).to_have_attribute("data-kind", "invoice_preview")
    # Not scoped to the turn: Confirm appends another assistant turn after it.
    preview = card_of(page, "invoice_preview")
    expect(preview).to_have_attribute("data-status", "pending")
    expect(preview.get_by_test_id("card-total")).to_have_text("₹700.00")
    expect(preview.get_by_test_id("card-paid")).to_have_text("₹500.00")
    expect(preview.get_by_test_id("card-balance-due")).to_have_text("₹200.00")
    expect(preview.get_by_test_id("card-line")).to_have_count(1)
    expect(preview.get_by_test_id("card-line")).to_contain_text("Cement")
    expect(preview.get_by_test_id("card-customer")).to_have_text("Ramesh")

    # Nothing is written before Confirm.
    assert product_stock(page, "Cement") == 20

    # A double click makes one invoice.
    preview.get_by_test_id("card-confirm").dblclick()
    expect(preview).to_have_attribute("data-status", "confirmed")
    expect(preview.get_by_test_id("card-status")).to_have_text("Confirmed")
    expect(preview.get_by_test_id("card-confirm")).to_have_count(0)
    issued = card_of(page, "invoice_issued")
    expect(issued).to_have_count(1)
    expect(issued.get_by_test_id("card-link")).to_have_text("INV-0001")
    expect(issued.get_by_test_id("card-balance-due")).to_have_text("₹200.00")

    # The history reloads with the cards' current state.
    page.reload()
    expect(tid(page, "page-title")).to_have_text("Assistant")
    expect(card_of(page, "invoice_preview")).to_have_attribute("data-status", "confirmed")
    expect(card_of(page, "invoice_issued").get_by_test_id("card-link")).to_have_text("INV-0001")
    expect(page.locator('[data-testid="assistant-turn"][data-role="user"]').first).to_contain_text(
        "sold 2 bags cement to Ramesh at 350, paid 500")

    # The card links to the invoice.
    card_of(page, "invoice_issued").get_by_test_id("card-link").click()
    expect(tid(page, "invoice-number")).to_have_text("INV-0001")
    expect(tid(page, "invoice-total")).to_have_text("₹700.00")
    expect(tid(page, "invoice-amount-paid")).to_have_text("₹500.00")
    expect(tid(page, "invoice-balance-due")).to_have_text("₹200.00")

    # The Ledger pages agree: one invoice, Ramesh owes ₹200, 18 bags left.
    go(page, "invoices", "Invoices")
    expect(tid(page, "invoice-row")).to_have_count(1)
    expect(tid(page, "invoice-row")).to_contain_text("INV-0001")
    expect(tid(page, "invoice-row")).to_contain_text("Ramesh")
    go(page, "customers", "Customers")
    expect(tid(page, "customer-row").filter(has_text="Ramesh")).to_contain_text("₹200.00")
    go(page, "products", "Products")
    expect(tid(page, "product-row").filter(has_text="Cement").get_by_test_id("product-stock")).to_have_text("18")


def test_question_flow_fills_in_the_quantity(page: Page) -> None:
    signup(page, business="Verma Traders", owner="Kiran Verma")
    seed(page)
    open_assistant(page)

    # "how many?" -> 5 -> (catalog price ₹350?) -> haan
    preview = say_until_card(page, "Ramesh ko cement becha", ["5", "haan", "haan"], "invoice_preview")
    expect(preview).to_have_attribute("data-status", "pending")
    expect(preview.get_by_test_id("card-line")).to_have_count(1)
    expect(preview.get_by_test_id("card-line-total")).to_have_text("₹1,750.00")
    expect(preview.get_by_test_id("card-total")).to_have_text("₹1,750.00")

    # Edit the quantity inline: 4 bags.
    preview.get_by_test_id("card-edit").click()
    preview.get_by_test_id("card-edit-quantity").fill("4")
    preview.get_by_test_id("card-edit-save").click()
    expect(preview.get_by_test_id("card-total")).to_have_text("₹1,400.00")
    expect(preview).to_have_attribute("data-status", "pending")

    # Cancelling writes nothing.
    preview.get_by_test_id("card-cancel").click()
    expect(preview).to_have_attribute("data-status", "cancelled")
    expect(preview.get_by_test_id("card-status")).to_have_text("Cancelled")
    expect(preview.get_by_test_id("card-confirm")).to_have_count(0)
    assert product_stock(page, "Cement") == 20
    r = page.request.get("/api/v1/invoices")
    assert r.ok and r.json()["items"] == [], r.text()


def test_mobile_and_microphone_errors(page: Page) -> None:
    page.set_viewport_size({"width": 390, "height": 844})
    signup(page, business="Patel Cloth House", owner="Ravi Patel")
    seed(page)
    go(page, "assistant", "Assistant")
    expect(tid(page, "assistant-suggestion")).to_have_count(5)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390

    # Microphone permission denied.
    page.evaluate("""() => {
        navigator.mediaDevices.getUserMedia = () => Promise.reject(new DOMException('Permission denied', 'NotAllowedError'));
    }""")
    tid(page, "assistant-mic").click()
    expect(tid(page, "assistant-error")).to_be_visible()
    expect(tid(page, "assistant-error")).to_contain_text("permission")
    expect(tid(page, "assistant-timer")).to_be_hidden()

    # No MediaRecorder in this browser.
    page.evaluate("""() => {
        navigator.mediaDevices.getUserMedia = () => Promise.resolve(new MediaStream());
        window.MediaRecorder = undefined;
    }""")
    tid(page, "assistant-mic").click()
    expect(tid(page, "assistant-error")).to_contain_text("cannot record")

    # A question from a suggestion chip; the answer is a card that fits the screen.
    tid(page, "assistant-suggestion").filter(has_text="who owes me money").click()
    expect(tid(page, "assistant-error")).to_be_hidden()
    expect(card_of(page, "debtors")).to_have_count(1)
    turn = say(page, "sold 2 bags cement to Ramesh at 350, paid 500")
    expect(turn.get_by_test_id("card")).to_have_attribute("data-kind", "invoice_preview")
    expect(turn.get_by_test_id("card-total")).to_have_text("₹700.00")
    expect(turn.get_by_test_id("card-confirm")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390


FAKE_MIC = """() => {
    // A real MediaStream from an oscillator, so the real MediaRecorder runs.
    navigator.mediaDevices.getUserMedia = async () => {
        const ctx = new AudioContext();
        const osc = ctx.createOscillator();
        const dest = ctx.createMediaStreamDestination();
        osc.connect(dest);
        osc.start();
        return dest.stream;
    };
}"""


@pytest.mark.allow_console_errors(r"status of 422")
def test_voice_message_without_transcription_provider(page: Page) -> None:
    signup(page, business="Singh Electricals", owner="Harpreet Singh")
    go(page, "assistant", "Assistant")
    expect(tid(page, "assistant-suggestion")).to_have_count(5)
    page.evaluate(FAKE_MIC)

    # Record, then cancel: nothing is sent.
    tid(page, "assistant-mic").click()
    expect(tid(page, "assistant-timer")).to_be_visible()
    expect(tid(page, "assistant-input")).to_be_disabled()
    tid(page, "assistant-mic-cancel").click()
    expect(tid(page, "assistant-timer")).to_be_hidden()
    expect(tid(page, "assistant-turn")).to_have_count(0)
    expect(tid(page, "assistant-input")).to_be_enabled()

    # Record for a second and send: with no provider the server answers 422
    # transcription_unavailable, and its message is shown.
    with page.expect_response(lambda r: r.url.endswith("/api/v1/assistant/messages") and r.request.method == "POST") as info:
        tid(page, "assistant-mic").click()
        expect(tid(page, "assistant-timer")).to_have_text(re.compile(r"0:0[1-9]"))
        tid(page, "assistant-mic").click()
    response = info.value
    assert response.status == 422, response.text()
    body = response.json()
    assert body["error"]["code"] == "transcription_unavailable", body
    assert "multipart/form-data" in (response.request.headers.get("content-type") or "")
    expect(tid(page, "assistant-error")).to_have_text(body["error"]["message"])
    expect(tid(page, "assistant-turn")).to_have_count(0)
    expect(tid(page, "assistant-mic")).to_be_enabled()


@pytest.mark.allow_console_errors(r"status of 409")
def test_unconnected_channel_error_shows_on_the_card(page: Page) -> None:
    signup(page, business="Kapoor Sweets", owner="Neha Kapoor")
    go(page, "assistant", "Assistant")
    turn = say(page, "post on bluesky: Diwali sale 20% off")
    post = turn.locator('[data-testid="card"][data-kind="social_post_preview"]')
    expect(post).to_have_attribute("data-status", "pending")
    expect(post.get_by_test_id("card-content")).to_have_value(re.compile("Diwali sale"))
    post.get_by_test_id("card-content").fill("Diwali sale: 20% off on all sweets")

    # Approve saves the edited text, then the server answers 409 channel_not_connected.
    with page.expect_response(lambda r: r.url.endswith("/confirm")) as info:
        post.get_by_test_id("card-confirm").click()
    assert info.value.status == 409, info.value.text()
    message = info.value.json()["error"]["message"]
    expect(post.get_by_test_id("card-error")).to_have_text(message)
    expect(post).to_have_attribute("data-status", "pending")
    expect(post.get_by_test_id("card-confirm")).to_be_enabled()

    # The edit was kept; Reject cancels the card.
    post.get_by_test_id("card-cancel").click()
    expect(post).to_have_attribute("data-status", "cancelled")
    expect(post.get_by_test_id("card-content")).to_have_text("Diwali sale: 20% off on all sweets")
