"""Broadcasts from the customers page (issue 18 §5): tags on customers, the broadcast dialog's
preview (who gets it, who is left out and why, the message), one send, and its delivery counts;
at phone size, in English and in Hindi. Screenshots: /tmp/broadcast-<lang>.png."""

from __future__ import annotations

import time

from playwright.sync_api import Page, expect

from test_assistant import api_headers
from test_ledger_flow import go, signup, tid


def test_owner_tags_customers_and_sends_a_broadcast(page: Page) -> None:
    page.set_viewport_size({"width": 390, "height": 844})
    signup(page, business="Patil Cement Depot", owner="Ganesh Patil")
    headers = api_headers(page)
    for name, phone, tags in (("Asha Stores", "+919822000101", ["wholesale"]), ("Bina", "+919822000102", ["regular"]),
                              ("Chetan", None, ["wholesale"])):
        body = {"name": name, "tags": tags} | ({"phone": phone} if phone else {})
        r = page.request.post("/api/v1/customers", headers=headers, data=body)
        assert r.status == 201, r.text()

    # A tag typed on the form is saved lowercased and shown on the list.
    go(page, "customers", "Customers")
    tid(page, "customer-add-button").click()
    tid(page, "customer-form-name").fill("Dinesh")
    tid(page, "customer-form-phone").fill("98220 00104")
    tid(page, "customer-form-tags").fill("Wholesale, Retail ,wholesale")
    tid(page, "customer-form-submit").click()
    row = tid(page, "customer-row").filter(has_text="Dinesh")
    expect(row.get_by_test_id("customer-tag")).to_have_text(["wholesale", "retail"])

    # The dialog previews the tag's customers and who is left out.
    tid(page, "broadcast-open").click()
    dialog = tid(page, "broadcast-dialog")
    expect(dialog.get_by_test_id("broadcast-recent")).to_contain_text("No broadcasts yet.")
    dialog.get_by_test_id("broadcast-audience").select_option("tag")
    dialog.get_by_test_id("broadcast-tag").select_option("wholesale")
    expect(dialog.get_by_test_id("broadcast-send")).to_be_disabled()
    dialog.get_by_test_id("broadcast-text").fill("Diwali offer: 5% off cement till Sunday.")
    expect(dialog.get_by_test_id("broadcast-count")).to_have_text("2 customers will get it on Simulator.")
    expect(dialog.get_by_test_id("broadcast-skipped")).to_have_text("Left out: Chetan (no phone number).")
    expect(dialog.get_by_test_id("broadcast-sample")).to_contain_text("Namaste Asha Stores, news from Patil Cement Depot: Diwali offer")
    expect(dialog.get_by_test_id("broadcast-send")).to_have_text("Send to 2 customers")
    page.screenshot(path="/tmp/broadcast-en.png", full_page=True)
    dialog.get_by_test_id("broadcast-send").click()
    expect(page.locator(".toast").filter(has_text="The broadcast is on its way to 2 customers.")).to_be_visible()
    expect(dialog.get_by_test_id("broadcast-item")).to_have_count(1)

    # Each delivery is tracked: both reach the simulator.
    deadline = time.monotonic() + 60
    while True:
        b = page.request.get("/api/v1/broadcasts").json()["items"][0]
        if b["counts"]["delivered"] == 2 or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert b["counts"] == {"pending": 0, "queued": 0, "sent": 0, "delivered": 2, "read": 0, "failed": 0, "skipped": 1}, b
    dialog.locator(".dialog-close").click()

    # In Hindi, the same dialog and the counts of the broadcast sent.
    tid(page, "menu-button").click()
    tid(page, "language-switch").click()
    expect(tid(page, "page-title")).to_have_text("ग्राहक")
    tid(page, "broadcast-open").click()
    dialog = tid(page, "broadcast-dialog")
    expect(dialog.get_by_test_id("broadcast-counts")).to_have_text("2 को पहुँचा · 1 छोड़ा")
    dialog.get_by_test_id("broadcast-text").fill("नया माल आ गया है।")
    expect(dialog.get_by_test_id("broadcast-count")).to_have_text("3 ग्राहकों को Simulator पर जाएगा।")
    page.screenshot(path="/tmp/broadcast-hi.png", full_page=True)
