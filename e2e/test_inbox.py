"""Browser tests of the Inbox and Integrations pages (docs/messaging-api.md): a simulated
customer asks for cement and the bot answers with the product; the bot is turned off and staff
reply with a delivery tick; new conversations and messages arrive live without a reload; the
owner's own number talks to the assistant (and without that number the server's 422 is shown
with a link to Settings); older messages load on demand; channels are connected, renamed,
disabled, tested and deleted, with Twilio's webhook URLs shown and its auth token never shown
back; a customer who owes money gets a reminder; everything fits a 390 px wide screen.

Replies are the server's own words, so the tests assert on product names, authors and statuses
rather than on whole sentences."""

from __future__ import annotations

import re
import uuid

import pytest
from playwright.sync_api import Page, expect

from test_assistant import api_headers
from test_ledger_flow import go, signup, tid

UUID = r"[0-9a-fA-F-]{36}"
SENT = re.compile(r"^(sent|delivered|read)$")


def eventually(page: Page, check, timeout_ms: int = 15_000, what: str = "condition"):
    """Polls `check` (which may use page.request) until it returns something truthy."""
    waited = 0
    while True:
        result = check()
        if result:
            return result
        if waited >= timeout_ms:
            raise AssertionError(f"timed out waiting for {what}")
        page.wait_for_timeout(250)
        waited += 250


def simulate(page: Page, handle: str, text: str, name: str | None = None, headers: dict | None = None) -> dict:
    """A customer message through the simulator API, with the page's session and CSRF token."""
    body = {"from": handle, "text": text}
    if name:
        body["name"] = name
    r = page.request.post("/api/v1/simulator/messages", headers=headers or api_headers(page), data=body)
    assert r.status == 202, r.text()
    reply = r.json()
    assert re.fullmatch(UUID, reply["session_id"]), reply
    assert reply["message"]["direction"] == "in", reply
    return reply


def open_inbox(page: Page) -> None:
    go(page, "inbox", "Inbox")
    # Live updates are connected before anything happens that the page should see.
    expect(tid(page, "inbox-live")).to_have_attribute("data-state", "live")
    expect(tid(page, "inbox-list").get_by_test_id("loading")).to_have_count(0)


def bubbles(page: Page, **attrs):
    selector = '[data-testid="message-bubble"]' + "".join(f'[data-{k}="{v}"]' for k, v in attrs.items())
    return tid(page, "inbox-thread").locator(selector)


def session_rows(page: Page):
    return tid(page, "inbox-session-row")


def ui_order(page: Page) -> list[str]:
    return session_rows(page).evaluate_all("els => els.map(e => e.dataset.id)")


def server_order(page: Page) -> list[str]:
    r = page.request.get("/api/v1/inbox/sessions")
    assert r.ok, r.text()
    return [s["id"] for s in r.json()["items"]]


def test_simulated_customer_bot_reply_then_staff_reply(page: Page) -> None:
    signup(page)
    headers = api_headers(page)
    r = page.request.post("/api/v1/products", headers=headers,
                          data={"name": "Cement", "unit": "bag", "price": 35000, "stock": 20})
    assert r.status == 201, r.text()

    open_inbox(page)
    expect(tid(page, "inbox-list").get_by_test_id("empty-state")).to_contain_text(
        "No conversations yet — connect a channel on Integrations, or try the simulator")
    expect(tid(page, "inbox-no-thread")).to_be_visible()

    # The owner writes as a customer.
    tid(page, "simulate-button").click()
    dialog = tid(page, "simulate-dialog")
    expect(dialog).to_be_visible()
    dialog.get_by_test_id("sim-from").fill("+919812300001")
    dialog.get_by_test_id("sim-name").fill("Asha")
    dialog.get_by_test_id("sim-text").fill("do you have cement?")
    dialog.get_by_test_id("sim-submit").click()
    expect(dialog).to_have_count(0)
    expect(page).to_have_url(re.compile(rf"#/inbox/{UUID}$"))
    session_id = page.url.rsplit("/", 1)[-1]

    thread = tid(page, "inbox-thread")
    expect(thread).to_have_attribute("data-session-id", session_id)
    expect(thread.get_by_test_id("thread-title")).to_have_text("Asha")
    incoming = bubbles(page, direction="in")
    expect(incoming).to_have_count(1)
    expect(incoming.first.get_by_test_id("message-text")).to_have_text("do you have cement?")
    expect(incoming.first.get_by_test_id("message-status")).to_have_count(0)

    # The bot answers live with the product and its price.
    reply = bubbles(page, direction="out").first
    expect(reply).to_contain_text(re.compile(r"cement", re.I))
    expect(reply).to_contain_text("350")
    expect(reply).to_have_attribute("data-author", re.compile(r"^(bot|assistant)$"))
    expect(reply.get_by_test_id("message-status")).to_be_visible()

    # The conversation is in the list, selected, and read because it is open.
    row = session_rows(page).filter(has_text="Asha")
    expect(row).to_have_count(1)
    expect(row).to_have_attribute("aria-current", "true")
    expect(row).to_have_attribute("data-id", session_id)
    expect(row.get_by_test_id("session-platform")).to_be_visible()
    expect(row.get_by_test_id("session-time")).not_to_be_empty()
    expect(row.get_by_test_id("session-bot")).to_have_text("Bot on")
    expect(row.get_by_test_id("unread-badge")).to_be_hidden()
    eventually(page, lambda: page.request.get(f"/api/v1/inbox/sessions/{session_id}").json()["unread_count"] == 0,
               what="the session to be marked read")

    # Bot off: the switch, the row and the server agree.
    toggle = thread.get_by_test_id("bot-toggle")
    expect(toggle).to_have_attribute("aria-checked", "true")
    toggle.click()
    expect(toggle).to_have_attribute("aria-checked", "false")
    expect(row.get_by_test_id("session-bot")).to_have_text("Bot off")
    assert page.request.get(f"/api/v1/inbox/sessions/{session_id}").json()["bot_active"] is False

    # Staff reply: Enter sends, the message shows up as queued and its tick turns to sent.
    box = thread.get_by_test_id("reply-input")
    box.fill("Yes, 20 bags. Shall I keep 5 aside?")
    box.press("Enter")
    staff = bubbles(page, author="staff")
    expect(staff).to_have_count(1)
    expect(staff.first.get_by_test_id("message-text")).to_have_text("Yes, 20 bags. Shall I keep 5 aside?")
    expect(box).to_have_value("")
    expect(thread.get_by_test_id("reply-send")).to_be_enabled()
    tick = staff.first.get_by_test_id("message-status")
    expect(tick).to_be_visible()
    expect(tick).to_have_attribute("data-status", SENT)
    expect(staff.first).to_have_attribute("data-status", SENT)

    # Shift+Enter adds a line instead of sending.
    box.fill("Line one")
    box.press("Shift+Enter")
    box.press_sequentially("line two")
    expect(box).to_have_value("Line one\nline two")
    expect(staff).to_have_count(1)
    thread.get_by_test_id("reply-send").click()
    expect(staff).to_have_count(2)
    expect(staff.nth(1).get_by_test_id("message-text")).to_have_text("Line one\nline two")

    # The customer writes again: it appears in the open thread; the bot stays quiet.
    bot_replies = bubbles(page, direction="out").count() - 2
    again = simulate(page, "+919812300001", "ok, and do you deliver?", name="Asha", headers=headers)
    assert again["session_id"] == session_id
    expect(incoming).to_have_count(2)
    expect(incoming.nth(1)).to_contain_text("ok, and do you deliver?")
    page.wait_for_timeout(2000)
    expect(bubbles(page, direction="out")).to_have_count(bot_replies + 2)

    # After a reload the thread is the same.
    page.reload()
    expect(tid(page, "inbox-thread").get_by_test_id("thread-title")).to_have_text("Asha")
    expect(bubbles(page, author="staff")).to_have_count(2)
    expect(tid(page, "inbox-thread").get_by_test_id("bot-toggle")).to_have_attribute("aria-checked", "false")


def test_new_conversations_and_messages_arrive_live(page: Page) -> None:
    signup(page, business="Gupta Kirana", owner="Sunita Gupta")
    headers = api_headers(page)
    open_inbox(page)
    page.evaluate("window.__noReload = 'still here'")

    # A first conversation appears without a reload, unread.
    ravi = simulate(page, "+919800000001", "Hello, are you open today?", name="Ravi", headers=headers)
    expect(session_rows(page)).to_have_count(1)
    ravi_row = session_rows(page).filter(has_text="Ravi")
    expect(ravi_row).to_have_attribute("data-id", ravi["session_id"])
    expect(ravi_row.get_by_test_id("unread-badge")).to_have_text(re.compile(r"^[1-9]\d*$"))

    # A second one lands on top.
    meena = simulate(page, "+919800000002", "Need 10 bags of atta", name="Meena", headers=headers)
    expect(session_rows(page)).to_have_count(2)
    eventually(page, lambda: ui_order(page) == server_order(page), what="the list order to match the server's")
    assert set(ui_order(page)) == {ravi["session_id"], meena["session_id"]}

    # Opening Ravi's conversation marks it read.
    ravi_row.click()
    expect(page).to_have_url(re.compile(rf"#/inbox/{ravi['session_id']}$"))
    expect(tid(page, "inbox-thread").get_by_test_id("thread-title")).to_have_text("Ravi")
    expect(ravi_row).to_have_attribute("aria-current", "true")
    expect(ravi_row.get_by_test_id("unread-badge")).to_be_hidden()
    expect(bubbles(page, direction="in").first).to_contain_text("Hello, are you open today?")

    # A new message in the open thread appears, and Ravi's row moves up with its preview.
    simulate(page, "+919800000001", "Also, do you deliver to Sector 5?", name="Ravi", headers=headers)
    expect(bubbles(page, direction="in").last).to_contain_text("Also, do you deliver to Sector 5?")
    eventually(page, lambda: ui_order(page) == server_order(page), what="the list order to match the server's")
    expect(ravi_row.get_by_test_id("unread-badge")).to_be_hidden()
    assert page.evaluate("window.__noReload") == "still here"

    # Filters: unread only, search (messages too), a platform with nothing on it.
    tid(page, "inbox-filter-unread").check()
    expect(session_rows(page).filter(has_text="Ravi")).to_have_count(0)
    expect(session_rows(page).filter(has_text="Meena")).to_have_count(1)
    tid(page, "inbox-filter-unread").uncheck()
    expect(session_rows(page)).to_have_count(2)
    tid(page, "inbox-search").fill("Sector 5")
    expect(session_rows(page)).to_have_count(1)
    expect(session_rows(page).first).to_contain_text("Ravi")
    tid(page, "inbox-search").fill("")
    expect(session_rows(page)).to_have_count(2)
    tid(page, "inbox-filter-platform").select_option("instagram")
    expect(tid(page, "inbox-list").get_by_test_id("empty-state")).to_contain_text("No conversations match")
    tid(page, "inbox-clear-filters").click()
    expect(session_rows(page)).to_have_count(2)

    # Keyboard: a row is a link; Enter opens it.
    session_rows(page).filter(has_text="Meena").focus()
    page.keyboard.press("Enter")
    expect(tid(page, "inbox-thread").get_by_test_id("thread-title")).to_have_text("Meena")
    assert page.evaluate("window.__noReload") == "still here"


@pytest.mark.allow_console_errors(r"status of 422")
def test_owner_number_talks_to_the_assistant(page: Page) -> None:
    signup(page, business="Verma Traders", owner="Kiran Verma")
    headers = api_headers(page)
    open_inbox(page)

    # No WhatsApp number in Settings yet: the server's 422 message, with a link to Settings.
    tid(page, "simulate-button").click()
    dialog = tid(page, "simulate-dialog")
    dialog.get_by_test_id("sim-as-owner").check()
    expect(dialog.get_by_test_id("sim-from")).to_be_hidden()
    dialog.get_by_test_id("sim-text").fill("how much cement is left")
    with page.expect_response(lambda r: r.url.endswith("/api/v1/simulator/messages")) as info:
        dialog.get_by_test_id("sim-submit").click()
    assert info.value.status == 422, info.value.text()
    message = info.value.json()["error"]["message"]
    error = dialog.get_by_test_id("sim-error")
    expect(error).to_be_visible()
    expect(error).to_contain_text(message)
    expect(error.get_by_test_id("sim-settings-link")).to_have_attribute("href", "#/settings")
    page.keyboard.press("Escape")
    expect(dialog).to_have_count(0)

    r = page.request.patch("/api/v1/business", headers=headers, data={"whatsapp_number": "+919812345670"})
    assert r.ok, r.text()

    tid(page, "simulate-button").click()
    dialog = tid(page, "simulate-dialog")
    dialog.get_by_test_id("sim-as-owner").check()
    dialog.get_by_test_id("sim-text").fill("who owes me money")
    dialog.get_by_test_id("sim-submit").click()
    expect(dialog).to_have_count(0)
    expect(page).to_have_url(re.compile(rf"#/inbox/{UUID}$"))
    session_id = page.url.rsplit("/", 1)[-1]
    assert page.request.get(f"/api/v1/inbox/sessions/{session_id}").json()["is_owner"] is True

    thread = tid(page, "inbox-thread")
    expect(thread.get_by_test_id("thread-title")).to_have_text("Assistant (your number)")
    expect(thread.get_by_test_id("bot-toggle")).to_be_hidden()
    expect(bubbles(page, direction="in").first).to_contain_text("who owes me money")
    expect(bubbles(page, direction="out", author="assistant").first).to_be_visible()
    row = session_rows(page).filter(has_text="Assistant (your number)")
    expect(row).to_have_count(1)
    expect(row.get_by_test_id("session-bot")).to_have_count(0)


def test_thread_loads_older_messages(page: Page) -> None:
    signup(page, business="Singh Electricals", owner="Harpreet Singh")
    headers = api_headers(page)
    first = simulate(page, "+919800000077", "message 01", name="Deepak", headers=headers)
    sid = first["session_id"]
    r = page.request.post(f"/api/v1/inbox/sessions/{sid}/bot", headers=headers, data={"active": False})
    assert r.ok and r.json()["bot_active"] is False, r.text()
    for i in range(2, 61):
        simulate(page, "+919800000077", f"message {i:02d}", name="Deepak", headers=headers)

    page.goto(f"/#/inbox/{sid}")
    thread = tid(page, "inbox-thread")
    expect(thread.get_by_test_id("thread-title")).to_have_text("Deepak")
    expect(bubbles(page, direction="in").last).to_contain_text("message 60")
    expect(thread.get_by_test_id("load-older")).to_be_visible()
    expect(bubbles(page, direction="in").filter(has_text="message 01")).to_have_count(0)

    # Older pages load above, oldest first, until there are none left.
    for _ in range(5):
        if not thread.get_by_test_id("load-older").is_visible():
            break
        before = bubbles(page).count()
        thread.get_by_test_id("load-older").click()
        expect(bubbles(page)).not_to_have_count(before)
    expect(thread.get_by_test_id("load-older")).to_be_hidden()
    incoming = bubbles(page, direction="in")
    expect(incoming).to_have_count(60)
    expect(incoming.first).to_contain_text("message 01")
    expect(incoming.last).to_contain_text("message 60")
    seqs = incoming.evaluate_all("els => els.map(e => Number(e.dataset.seq))")
    assert seqs == sorted(seqs), seqs


def test_inbox_on_a_phone(page: Page) -> None:
    page.set_viewport_size({"width": 390, "height": 844})
    signup(page, business="Patel Cloth House", owner="Ravi Patel")
    headers = api_headers(page)
    sim = simulate(page, "+919800000011", "Is the blue saree still there?", name="Kiran", headers=headers)

    go(page, "inbox", "Inbox")
    row = session_rows(page).filter(has_text="Kiran")
    expect(row).to_be_visible()
    expect(tid(page, "inbox-thread-pane")).to_be_hidden()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390

    # One pane at a time: the thread replaces the list, with a back button.
    row.click()
    thread = tid(page, "inbox-thread")
    expect(thread.get_by_test_id("thread-title")).to_have_text("Kiran")
    expect(tid(page, "inbox-list")).to_be_hidden()
    expect(thread.get_by_test_id("inbox-back")).to_be_visible()
    expect(thread.get_by_test_id("reply-input")).to_be_visible()
    expect(bubbles(page, direction="in").first).to_contain_text("Is the blue saree still there?")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390

    box = thread.get_by_test_id("reply-input")
    box.fill("Yes, one left.")
    box.press("Enter")
    staff = bubbles(page, author="staff")
    expect(staff).to_have_count(1)
    expect(staff.first.get_by_test_id("message-status")).to_have_attribute("data-status", SENT)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390

    thread.get_by_test_id("inbox-back").click()
    expect(page).to_have_url(re.compile(r"#/inbox$"))
    expect(row).to_be_visible()
    expect(tid(page, "inbox-thread-pane")).to_be_hidden()
    expect(row).to_have_attribute("data-id", sim["session_id"])


def channel_row(page: Page, name: str):
    return tid(page, "channel-row").filter(has=page.get_by_test_id("channel-name").filter(has_text=name))


def test_integrations_connect_simulator_and_twilio(page: Page) -> None:
    signup(page, business="Kapoor Sweets", owner="Neha Kapoor")
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    go(page, "integrations", "Integrations")
    expect(tid(page, "channel-list").get_by_test_id("empty-state")).to_be_visible()

    # The simulator needs no credentials.
    tid(page, "connect-channel").click()
    form = tid(page, "connect-form")
    expect(form).to_be_visible()
    form.get_by_test_id("connect-kind").select_option("simulator")
    expect(form.locator("[data-testid^='cred-']")).to_have_count(0)
    form.get_by_test_id("connect-name").fill("Counter simulator")
    form.get_by_test_id("connect-submit").click()
    sim = channel_row(page, "Counter simulator")
    expect(sim).to_have_count(1)
    expect(sim).to_have_attribute("data-kind", "simulator")
    expect(sim.get_by_test_id("channel-status")).to_have_attribute("data-status", re.compile(r"^(pending|connected)$"))
    expect(sim.get_by_test_id("webhook-url")).to_have_count(0)

    # Each kind asks for exactly its own credentials; secrets are password inputs.
    tid(page, "connect-channel").click()
    kinds = {
        "twilio_whatsapp": ["account_sid", "auth_token", "from_number", "messaging_service_sid"],
        "bluesky": ["handle", "app_password", "service_url"],
        "mastodon": ["instance_url", "access_token"],
        "instagram": ["business_account_id", "access_token", "graph_url"],
    }
    secrets = {"auth_token", "app_password", "access_token"}
    for kind, keys in kinds.items():
        form.get_by_test_id("connect-kind").select_option(kind)
        creds = form.locator("[data-testid^='cred-']")
        expect(creds).to_have_count(len(keys))
        got = creds.evaluate_all("els => els.map(e => [e.dataset.testid, e.type, e.autocomplete])")
        assert [g[0] for g in got] == [f"cred-{k}" for k in keys], got
        for testid, typ, autocomplete in got:
            if testid.removeprefix("cred-") in secrets:
                assert typ == "password" and autocomplete == "off", (testid, typ, autocomplete)

    # Twilio, pointing nowhere: the webhook URLs are shown; the auth token never is.
    token = f"tok{uuid.uuid4().hex}"
    form.get_by_test_id("connect-kind").select_option("twilio_whatsapp")
    form.get_by_test_id("connect-name").fill("Shop WhatsApp")
    form.get_by_test_id("cred-account_sid").fill("AC" + "0" * 32)
    form.get_by_test_id("cred-auth_token").fill(token)
    form.get_by_test_id("cred-from_number").fill("+14155238886")
    with page.expect_response(lambda r: r.url.endswith("/api/v1/channels") and r.request.method == "POST") as info:
        form.get_by_test_id("connect-submit").click()
    assert info.value.status == 201, info.value.text()
    created = info.value.json()
    assert token not in info.value.text()

    wa = channel_row(page, "Shop WhatsApp")
    expect(wa).to_have_attribute("data-kind", "twilio_whatsapp")
    expect(wa).to_have_attribute("data-id", created["id"])
    expect(wa.get_by_test_id("channel-status")).to_have_attribute("data-status", re.compile(r"^(pending|connected|error)$"))
    webhook = wa.get_by_test_id("webhook-url")
    expect(webhook).to_be_visible()
    expect(webhook).to_have_text(created["webhook_url"])
    assert created["id"].lower() in created["webhook_url"].lower(), created
    expect(wa.get_by_test_id("status-callback-url")).to_have_text(created["status_callback_url"])
    # Without MUNIM_PUBLIC_URL the URLs point at this machine, which Twilio cannot reach: a warning says so.
    if re.match(r"^http://(127\.|localhost[:/])", created["webhook_url"]):
        expect(wa.get_by_test_id("webhook-warning")).to_contain_text("MUNIM_PUBLIC_URL")
    expect(wa.get_by_test_id("webhook-instructions")).to_contain_text("When a message comes in")
    wa.get_by_test_id("webhook-url-copy").click()
    expect(tid(page, "toast").last).to_contain_text(re.compile(r"Copied|selected"))
    assert page.evaluate("navigator.clipboard.readText()") == created["webhook_url"]

    assert token not in page.content()
    assert token not in page.request.get("/api/v1/channels").text()
    assert token not in page.request.get(f"/api/v1/channels/{created['id']}").text()
    assert all(v == "" for v in page.locator("input[type=password]").evaluate_all("els => els.map(e => e.value)"))

    # Replacing credentials starts from empty fields (they are write-only).
    wa.get_by_test_id("channel-credentials").click()
    creds_dialog = tid(page, "credentials-dialog")
    expect(creds_dialog.get_by_test_id("cred-auth_token")).to_have_value("")
    expect(creds_dialog.get_by_test_id("cred-account_sid")).to_have_value("")
    page.keyboard.press("Escape")
    expect(creds_dialog).to_have_count(0)

    # Rename, disable and enable the simulator.
    sim.get_by_test_id("channel-rename").click()
    tid(page, "rename-name").fill("Shop simulator")
    tid(page, "rename-save").click()
    sim = channel_row(page, "Shop simulator")
    expect(sim).to_have_count(1)
    sim.get_by_test_id("channel-toggle").click()
    expect(sim.get_by_test_id("channel-status")).to_have_attribute("data-status", "disabled")
    expect(sim.get_by_test_id("channel-toggle")).to_have_text("Enable")
    expect(sim.get_by_test_id("channel-test")).to_be_disabled()
    sim.get_by_test_id("channel-toggle").click()
    expect(sim.get_by_test_id("channel-status")).to_have_attribute("data-status", re.compile(r"^(pending|connected)$"))
    expect(sim.get_by_test_id("channel-toggle")).to_have_text("Disable")

    # A test message through the simulator is sent; a successful send marks the channel connected (live).
    sim.get_by_test_id("channel-test").click()
    test = tid(page, "test-dialog")
    test.get_by_test_id("test-to").fill("Test customer")
    test.get_by_test_id("test-text").fill("Hello from the test")
    test.get_by_test_id("test-send").click()
    result = test.get_by_test_id("test-result")
    expect(result).to_be_visible()
    expect(result.get_by_test_id("message-status")).to_have_attribute("data-status", SENT)
    page.keyboard.press("Escape")
    expect(sim.get_by_test_id("channel-status")).to_have_attribute("data-status", "connected")

    # Delete the Twilio channel.
    wa.get_by_test_id("channel-delete").click()
    tid(page, "confirm-ok").click()
    expect(channel_row(page, "Shop WhatsApp")).to_have_count(0)
    items = page.request.get("/api/v1/channels").json()["items"]
    assert [c["name"] for c in items] == ["Shop simulator"], items

    page.set_viewport_size({"width": 390, "height": 844})
    page.wait_for_timeout(100)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390


def test_payment_reminder_from_the_customer_page(page: Page) -> None:
    signup(page, business="Sharma Hardware", owner="Anil Sharma")
    headers = api_headers(page)
    r = page.request.post("/api/v1/products", headers=headers, data={"name": "Cement", "unit": "bag", "price": 35000, "stock": 20})
    assert r.status == 201, r.text()
    product_id = r.json()["id"]
    ids = {}
    for name, phone in (("Ramesh Traders", "+919812345678"), ("Suresh", None), ("Mohan", "+919812345679")):
        data = {"name": name}
        if phone:
            data["phone"] = phone
        r = page.request.post("/api/v1/customers", headers=headers, data=data)
        assert r.status == 201, r.text()
        ids[name] = r.json()["id"]
    for name in ("Ramesh Traders", "Suresh"):
        r = page.request.post("/api/v1/invoices", headers=headers, data={
            "customer_id": ids[name], "items": [{"product_id": product_id, "quantity": 2}], "issue": True})
        assert r.status == 201, r.text()

    # No phone: disabled, with the reason.
    page.goto(f"/#/ledger/customers/{ids['Suresh']}")
    expect(tid(page, "page-title")).to_have_text("Suresh")
    expect(tid(page, "customer-send-reminder")).to_be_disabled()
    expect(tid(page, "customer-reminder-note")).to_contain_text("phone")

    # Nothing due: disabled, with the reason.
    page.goto(f"/#/ledger/customers/{ids['Mohan']}")
    expect(tid(page, "page-title")).to_have_text("Mohan")
    expect(tid(page, "customer-send-reminder")).to_be_disabled()
    expect(tid(page, "customer-reminder-note")).to_contain_text("Nothing is due")

    # A phone and ₹700 due: the reminder goes out and links to the conversation.
    page.goto(f"/#/ledger/customers/{ids['Ramesh Traders']}")
    expect(tid(page, "page-title")).to_have_text("Ramesh Traders")
    expect(tid(page, "customer-balance")).to_have_text("₹700.00")
    button = tid(page, "customer-send-reminder")
    expect(button).to_be_enabled()
    with page.expect_response(lambda r: r.url.endswith("/reminders")) as info:
        button.click()
    assert info.value.status == 202, info.value.text()
    sent = info.value.json()
    expect(tid(page, "toast").filter(has_text="Reminder")).to_be_visible()
    link = tid(page, "customer-reminder-link")
    expect(link).to_have_attribute("href", f"#/inbox/{sent['session_id']}")
    link.click()
    thread = tid(page, "inbox-thread")
    expect(thread).to_have_attribute("data-session-id", sent["session_id"])
    out = bubbles(page, direction="out").filter(has_text="700")
    expect(out.first).to_be_visible()
    expect(out.first.get_by_test_id("message-status")).to_be_visible()
