"""Browser tests of the Operations page (issue 14): jobs that will not run again, planted straight
into the session server's SQLite file (a worker that kept dying, an outbound message that failed
after its retries, a workflow step), are listed for the owner in plain words with their subject,
last error, when and attempts; Retry puts one back in the queue (it shows Queued and leaves the
list), Discard asks first and removes one; a failed retry shows its error on the row. A new
business sees the empty state, and a failed load an error state with Try again. Staff have no
Operations entry, the page tells them it is the owner's, and the API answers them 403. The page
fits a 390 px wide screen. Screenshots: /tmp/ops-*.png."""

from __future__ import annotations

import re
import time
import uuid
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from support import insert_job_sqlite
from test_ledger_flow import go, signup, tid

PHONE = (390, 844)
DESKTOP = (1280, 900)
SHOTS = Path("/tmp")


def business_id(page: Page) -> str:
    me = page.request.get("/api/v1/me")
    assert me.ok, me.text()
    return me.json()["business"]["id"]


def row(page: Page, job_id: str):
    # The API may spell ids in upper case; the attribute match ignores case.
    return page.locator(f'[data-testid="ops-row"][data-id="{job_id}" i]')


def listed_ids(page: Page) -> set[str]:
    r = page.request.get("/api/v1/ops/dead-jobs")
    assert r.ok, r.text()
    return {i["id"].lower() for i in r.json()["items"]}


def fits(page: Page, width: int) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= width, "the page scrolls sideways"


def shoot(page: Page, name: str) -> None:
    """A full-page screenshot without the toasts of earlier steps in front of the list."""
    page.evaluate("document.querySelectorAll('#toasts .toast').forEach((t) => t.remove())")
    page.screenshot(path=str(SHOTS / name), full_page=True)


@pytest.mark.allow_console_errors(r"Failed to load resource: the server responded with a status of 500")
def test_operations_retry_and_discard(page: Page, server_sqlite: Path) -> None:
    page.set_viewport_size({"width": PHONE[0], "height": PHONE[1]})
    signup(page, business="Verma Cloth House", owner="Neha Verma")
    biz = business_id(page)
    inbound = insert_job_sqlite(server_sqlite, kind="inbound.receive", business_id=biz, status="dead", attempts=8, max_attempts=8,
                                last_error="the worker stopped while running it 8 times", payload={
                                    # A delivery for a channel that no longer exists: once retried, the job drops it and ends.
                                    "channelID": str(uuid.uuid4()), "from": "whatsapp:+919812345678", "name": "Ramesh",
                                    "body": "Do you have red cotton in stock?", "messageSid": f"SM{uuid.uuid4().hex}",
                                    "media": [], "receivedAt": time.time() - 600})
    outbound = insert_job_sqlite(server_sqlite, kind="outbox.send", business_id=biz, status="failed", attempts=8, max_attempts=8,
                                 last_error="Twilio 21211: The 'To' number whatsapp:+9100000 is not a valid phone number.",
                                 payload={"outbox_id": str(uuid.uuid4())})
    step = insert_job_sqlite(server_sqlite, kind="run.step", business_id=biz, status="dead", attempts=3, max_attempts=3,
                             last_error="the worker stopped while running it 3 times",
                             payload={"run_id": str(uuid.uuid4()), "node_id": "pay"})
    api_items = {i["id"].lower(): i for i in page.request.get("/api/v1/ops/dead-jobs").json()["items"]}
    assert {inbound, outbound, step} <= set(api_items), f"the API does not list the planted jobs: {api_items}"

    # The owner finds the page in the menu; it lists the three jobs in plain words.
    go(page, "operations", "Operations")
    rows = tid(page, "ops-row")
    expect(rows).to_have_count(3)
    r_in, r_out, r_step = row(page, inbound), row(page, outbound), row(page, step)
    expect(r_in.get_by_test_id("ops-kind")).to_have_text("Incoming message")
    expect(r_out.get_by_test_id("ops-kind")).to_have_text("Outgoing message")
    expect(r_step.get_by_test_id("ops-kind")).to_have_text("Workflow step")
    expect(r_in.get_by_test_id("ops-status")).to_have_text("Worker stopped")
    expect(r_out.get_by_test_id("ops-status")).to_have_text("Failed")
    expect(r_in.get_by_test_id("ops-subject")).to_have_text(api_items[inbound]["subject"])
    expect(r_in.get_by_test_id("ops-error")).to_have_text("the worker stopped while running it 8 times")
    expect(r_out.get_by_test_id("ops-error")).to_contain_text("is not a valid phone number")
    expect(r_in.get_by_test_id("ops-attempts")).to_have_text("8 of 8")
    expect(r_in.get_by_test_id("ops-when").locator("time")).to_have_text("just now")
    expect(r_in.get_by_test_id("ops-when")).to_contain_text(str(time.gmtime().tm_year))
    fits(page, PHONE[0])
    shoot(page, "ops-390.png")

    # A retry that fails shows its error on the row and leaves the buttons usable.
    page.route("**/api/v1/ops/dead-jobs/*/retry", lambda route: route.fulfill(
        status=500, content_type="application/json",
        body='{"error": {"code": "internal", "message": "The server could not queue it. Try again."}}'))
    r_step.get_by_test_id("ops-retry").click()
    expect(r_step.get_by_test_id("ops-row-error")).to_have_text("The server could not queue it. Try again.")
    expect(r_step.get_by_test_id("ops-retry")).to_be_enabled()
    expect(r_step.get_by_test_id("ops-retry")).to_have_text("Retry")
    page.unroute("**/api/v1/ops/dead-jobs/*/retry")

    # Retry: the row shows Queued (or Running, when a worker took it before the reply was written),
    # and the job is no longer one that gave up.
    r_in.get_by_test_id("ops-retry").click()
    expect(r_in.get_by_test_id("ops-status")).to_have_text(re.compile(r"^(Queued|Running)$"))
    expect(r_in.get_by_test_id("ops-queued-note")).to_be_visible()
    expect(r_in.get_by_test_id("ops-retry")).to_have_count(0)
    assert inbound not in listed_ids(page)

    # Discard asks first; Cancel keeps the job.
    r_out.get_by_test_id("ops-discard").click()
    dialog = tid(page, "confirm-dialog")
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text("Outgoing message")
    tid(page, "confirm-cancel").click()
    expect(dialog).to_have_count(0)
    expect(r_out).to_be_visible()
    expect(r_out.get_by_test_id("ops-discard")).to_be_enabled()
    # Confirmed, it is gone from the page and from the server.
    r_out.get_by_test_id("ops-discard").click()
    tid(page, "confirm-ok").click()
    expect(dialog).to_have_count(0)
    expect(r_out).to_have_count(0)
    assert outbound not in listed_ids(page)

    # Desktop width, then a fresh look: only the step that was not retried is left.
    page.set_viewport_size({"width": DESKTOP[0], "height": DESKTOP[1]})
    shoot(page, "ops-desktop.png")
    tid(page, "ops-refresh").click()
    expect(rows).to_have_count(1)
    expect(r_step).to_be_visible()
    shoot(page, "ops-desktop-after.png")


@pytest.mark.allow_console_errors(r"Failed to load resource: the server responded with a status of 503")
def test_operations_empty_and_error_states(page: Page) -> None:
    page.set_viewport_size({"width": PHONE[0], "height": PHONE[1]})
    signup(page, business="Iyer Stores", owner="Lakshmi Iyer")

    # The list cannot be loaded: an error state with Try again.
    page.route("**/api/v1/ops/dead-jobs*", lambda route: route.fulfill(
        status=503, content_type="application/json",
        body='{"error": {"code": "unavailable", "message": "The database is not reachable."}}'))
    go(page, "operations", "Operations")
    error = tid(page, "error-state")
    expect(error).to_contain_text("The database is not reachable.")
    page.unroute("**/api/v1/ops/dead-jobs*")
    error.get_by_role("button", name="Try again").click()

    # Nothing has failed for this business.
    empty = tid(page, "empty-state")
    expect(empty).to_have_text("Nothing has failed. Jobs that give up after their retries appear here.")
    expect(tid(page, "ops-row")).to_have_count(0)
    fits(page, PHONE[0])
    shoot(page, "ops-empty-390.png")


def test_operations_is_for_owners_only(page: Page, browser, server: str) -> None:
    signup(page, business="Khan Electricals", owner="Imran Khan")
    expect(tid(page, "nav-operations")).to_be_visible()
    csrf = page.request.get("/api/v1/me").json()["csrf_token"]
    email = f"staff-{uuid.uuid4().hex[:10]}@example.com"
    created = page.request.post("/api/v1/staff", headers={"X-CSRF-Token": csrf, "Content-Type": "application/json"},
                                data={"email": email, "name": "Salim Staff"})
    assert created.ok, created.text()
    one_time = created.json()["one_time_password"]

    # A staff member (first login: a new password first) has no Operations entry, and the page says why.
    context = browser.new_context(base_url=server, viewport={"width": PHONE[0], "height": PHONE[1]})
    try:
        staff = context.new_page()
        staff.goto("/#/login")
        tid(staff, "login-email").fill(email)
        tid(staff, "login-password").fill(one_time)
        tid(staff, "login-submit").click()
        tid(staff, "password-current").fill(one_time)
        tid(staff, "password-new").fill("staff-password-2468")
        tid(staff, "password-confirm").fill("staff-password-2468")
        tid(staff, "password-submit").click()
        expect(tid(staff, "page-title")).to_have_text("Dashboard")
        expect(tid(staff, "nav-operations")).to_be_hidden()
        expect(tid(staff, "nav-settings")).to_have_count(1)
        staff.goto("/#/operations")
        expect(tid(staff, "page-title")).to_have_text("Operations")
        expect(tid(staff, "ops-owner-only")).to_be_visible()
        expect(tid(staff, "ops-row")).to_have_count(0)
        assert staff.request.get("/api/v1/ops/dead-jobs").status == 403
        # Broadcasts are the owner's too: no button for staff, and the API says no.
        staff.goto("/#/ledger/customers")
        expect(tid(staff, "page-title")).to_have_text("Customers")
        expect(tid(staff, "remind-all-debtors")).to_be_visible()
        expect(tid(staff, "broadcast-open")).to_have_count(0)
        staff_csrf = staff.request.get("/api/v1/me").json()["csrf_token"]
        refused = staff.request.post("/api/v1/broadcasts", headers={"X-CSRF-Token": staff_csrf, "Content-Type": "application/json"},
                                     data={"audience": "all", "text": "Offer"})
        assert refused.status == 403, refused.text()
    finally:
        context.close()
