"""WhatsApp templates on the Integrations page, end to end (issue 18 §3).

A real `munim serve` talks to a local fake of Twilio (account fetch, Messages.json, and the
Content API's ContentAndApprovals list). At phone width the owner reads the recommended Hindi
text, asks Twilio which templates are approved, adopts the approved payment reminder, and a
reminder to a customer who never wrote then goes out as that template (ContentSid and
ContentVariables), not as free text WhatsApp would refuse.
"""

from __future__ import annotations

import base64
import json
import threading
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs

import pytest
from playwright.sync_api import Browser, expect

from support import PASSWORD, serve_with, wait_until

ACCOUNT_SID = "AC" + "2" * 32
AUTH_TOKEN = "6e1f0e5ad2b94c7e8f6a1b2c3d4e5f61"
REMINDER_SID = "HX" + "ab" * 16
REMINDER_BODY = "Namaste {{1}}, a friendly reminder from {{2}}: {{3}} is due. Payment: {{4}}. Thank you!"
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"


class FakeTwilio:
    def __init__(self) -> None:
        self.sent: list[dict] = []
        fakes = self
        expected = "Basic " + base64.b64encode(f"{ACCOUNT_SID}:{AUTH_TOKEN}".encode()).decode()

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def reply(self, status: int, body: dict) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self):
                if self.headers.get("Authorization") != expected:
                    return self.reply(401, {"code": 20003, "message": "Authenticate", "status": 401})
                if self.path == f"/2010-04-01/Accounts/{ACCOUNT_SID}.json":
                    return self.reply(200, {"sid": ACCOUNT_SID, "status": "active"})
                if self.path.startswith("/v1/ContentAndApprovals"):
                    contents = [
                        {"sid": REMINDER_SID, "friendly_name": "payment_reminder_en", "language": "en",
                         "variables": {"1": "Ramesh", "2": "Shop", "3": "₹100", "4": "link"},
                         "types": {"twilio/text": {"body": REMINDER_BODY}},
                         "approval_requests": {"name": "payment_reminder_en", "category": "UTILITY", "status": "approved",
                                               "rejection_reason": ""}},
                        {"sid": "HX" + "cd" * 16, "friendly_name": "diwali_offer", "language": "hi", "variables": {"1": "x"},
                         "types": {"twilio/text": {"body": "{{1}} Diwali offer"}},
                         "approval_requests": {"name": "diwali_offer", "category": "MARKETING", "status": "rejected",
                                               "rejection_reason": "Variables at the start of the body"}},
                    ]
                    return self.reply(200, {"contents": contents, "meta": {"page": 0, "page_size": 100, "next_page_url": None, "key": "contents"}})
                self.reply(404, {"code": 20404, "message": "Not found", "status": 404})

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode()
                if self.path.endswith("/Messages.json"):
                    fakes.sent.append({k: v[0] for k, v in parse_qs(body).items()})
                    return self.reply(201, {"sid": "SM" + uuid.uuid4().hex, "status": "queued", "account_sid": ACCOUNT_SID})
                self.reply(404, {"code": 20404, "message": "Not found", "status": 404})

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


@pytest.fixture
def templates_server(tmp_path):
    fake = FakeTwilio()
    try:
        with serve_with(tmp_path, "templates", MUNIM_TWILIO_API_URL=fake.base, MUNIM_TWILIO_CONTENT_URL=fake.base) as base:
            yield base, fake
    finally:
        fake.server.shutdown()


def test_owner_adopts_an_approved_template_and_a_late_reminder_uses_it(browser: Browser, templates_server) -> None:
    base, fake = templates_server
    context = browser.new_context(base_url=base, viewport={"width": 390, "height": 844})
    page = context.new_page()
    problems: list[str] = []
    page.on("pageerror", lambda exc: problems.append(str(exc)))
    page.on("console", lambda msg: problems.append(msg.text) if msg.type == "error" else None)
    try:
        email = f"templates-{uuid.uuid4().hex[:8]}@example.com"
        r = page.request.post("/api/v1/auth/signup", data={"email": email, "password": PASSWORD,
                                                            "business_name": "Patel Cement", "owner_name": "Asha"})
        assert r.status == 201, r.text()
        headers = {"X-CSRF-Token": r.json()["csrf_token"], "Content-Type": "application/json"}
        product = page.request.post("/api/v1/products", headers=headers, data={"name": "Cement", "unit": "bag", "price": 35000, "stock": 40}).json()
        customer = page.request.post("/api/v1/customers", headers=headers, data={"name": "Ramesh", "phone": "+919822012345"}).json()
        invoice = page.request.post("/api/v1/invoices", headers=headers, data={
            "customer_id": customer["id"], "issue": True, "items": [{"product_id": product["id"], "quantity": 2}]})
        assert invoice.status == 201, invoice.text()
        channel = page.request.post("/api/v1/channels", headers=headers, data={
            "kind": "twilio_whatsapp", "name": "Shop WhatsApp",
            "credentials": {"account_sid": ACCOUNT_SID, "auth_token": AUTH_TOKEN, "from_number": "+14155238886"}})
        assert channel.status == 201, channel.text()

        page.goto("/#/login")
        page.get_by_label("Email").fill(email)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Log in").click()
        expect(page.get_by_test_id("page-title")).to_have_text("Dashboard")
        page.goto("/#/integrations")
        card = page.get_by_test_id("templates-card")
        expect(card.get_by_test_id("empty-state")).to_contain_text("No templates yet")

        # The recommended texts, in English and Hindi, ready to copy.
        card.get_by_test_id("recommended-payment_reminder").locator("summary").click()
        expect(card.get_by_test_id("recommended-payment_reminder-hi")).to_contain_text("नमस्ते {{1}}")
        expect(card.get_by_test_id("recommended-payment_reminder-en")).to_contain_text("a friendly reminder from {{2}}")

        # Twilio's list: approval status and WhatsApp's reason for a rejection.
        card.get_by_test_id("templates-check").click()
        twilio = card.get_by_test_id("templates-twilio")
        expect(twilio.get_by_test_id("twilio-template")).to_have_count(2)
        expect(twilio).to_contain_text("Approved")
        expect(twilio).to_contain_text("WhatsApp said: Variables at the start of the body")

        # Adopt the approved one: the form is filled from Twilio, the placeholders mapped.
        twilio.get_by_test_id("twilio-template-use").first.click()
        expect(card.get_by_test_id("template-sid")).to_have_value(REMINDER_SID)
        expect(card.get_by_test_id("template-var-4")).to_have_value("payment_link")
        expect(card.get_by_test_id("template-var-1")).to_have_value("customer_name")
        card.get_by_test_id("template-submit").click()
        row = card.get_by_test_id("template-row").first
        expect(row).to_contain_text("Payment reminder")
        expect(row.get_by_test_id("template-status")).to_have_text("Approved")
        expect(twilio.get_by_test_id("twilio-template").first).to_contain_text("added here")
        expect(twilio.get_by_test_id("twilio-template-use")).to_have_count(1)
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        card.screenshot(path=str(ARTIFACTS / "whatsapp-templates-390.png"))

        # Ramesh never wrote: the reminder from his page goes as the approved template.
        page.goto(f"/#/ledger/customers/{customer['id']}")
        expect(page.get_by_test_id("page-title")).to_have_text("Ramesh")
        page.get_by_test_id("customer-send-reminder").click()
        expect(page.get_by_test_id("customer-reminder-result")).to_contain_text("Reminder to Ramesh")
        out = wait_until("the reminder at Twilio", lambda: next((m for m in fake.sent if m.get("ContentSid")), None), 60)
        assert out["ContentSid"] == REMINDER_SID and "Body" not in out, out
        values = json.loads(out["ContentVariables"])
        assert values == {"1": "Ramesh", "2": "Patel Cement", "3": "₹700.00", "4": "cash or UPI at the shop"}, values

        # The conversation says why a typed reply would not reach him, above the composer.
        page.get_by_test_id("customer-reminder-link").click()
        expect(page.get_by_test_id("reply-window-note")).to_contain_text("has not written to you on WhatsApp yet")
        expect(page.get_by_test_id("thread-messages")).to_contain_text("a friendly reminder from Patel Cement: ₹700.00 is due")
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        page.screenshot(path=str(ARTIFACTS / "whatsapp-window-note-390.png"))

        # "Remind all debtors": previewed with the count and the template WhatsApp charges for.
        page.goto("/#/ledger/customers")
        page.get_by_test_id("remind-all-debtors").click()
        dialog = page.get_by_test_id("confirm-dialog")
        expect(dialog).to_contain_text("1 customer owing ₹700.00 in all")
        expect(dialog).to_contain_text("approved template “payment reminder (en)”")
        page.screenshot(path=str(ARTIFACTS / "remind-all-debtors-390.png"))
        dialog.get_by_test_id("confirm-ok").click()
        expect(page.get_by_test_id("toast").last).to_contain_text("Sent 1 reminder")
        wait_until("the second reminder at Twilio", lambda: len([m for m in fake.sent if m.get("ContentSid")]) >= 2, 60)

        # A receipt from the payments list.
        page.goto(f"/#/ledger/payments?customer={customer['id']}")
        expect(page.get_by_test_id("payment-customer")).to_have_value("Ramesh")
        page.get_by_test_id("payment-amount").fill("200")
        page.get_by_test_id("payment-submit").click()
        expect(page.get_by_test_id("payment-row")).to_have_count(1)
        page.get_by_test_id("payment-send-receipt").first.click()
        expect(page.get_by_test_id("toast").last).to_contain_text("Receipt to Ramesh queued on WhatsApp")

        # The statement from his page, with its PDF; the signed link opens signed out.
        page.goto(f"/#/ledger/customers/{customer['id']}")
        page.get_by_role("tab", name="Statement").click()
        page.get_by_test_id("statement-send").click()
        expect(page.get_by_test_id("statement-send-result")).to_contain_text("Statement to Ramesh queued on WhatsApp")
        sessions = page.request.get("/api/v1/inbox/sessions").json()["items"]
        messages = page.request.get(f"/api/v1/inbox/sessions/{sessions[0]['id']}/messages").json()["items"]
        link = next(m["media"][0]["url"] for m in messages if m["media"] and "/p/statements/" in m["media"][0]["url"])
        anonymous = browser.new_context(base_url=base)
        try:
            pdf = anonymous.request.get(link)
            assert pdf.status == 200 and pdf.body()[:5] == b"%PDF-", pdf.status
            (ARTIFACTS / "statement.pdf").write_bytes(pdf.body())
        finally:
            anonymous.close()
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        assert not problems, problems
    finally:
        context.close()


def test_owner_signs_in_with_a_code_on_whatsapp(browser: Browser, templates_server) -> None:
    """Issue 19 §1: on the login page the owner asks for a code, it arrives on the business's
    WhatsApp number through Twilio, and typing it logs in — no password needed."""
    base, fake = templates_server
    context = browser.new_context(base_url=base, viewport={"width": 390, "height": 844})
    page = context.new_page()
    problems: list[str] = []
    page.on("pageerror", lambda exc: problems.append(str(exc)))
    page.on("console", lambda msg: problems.append(msg.text) if msg.type == "error" else None)
    try:
        email = f"code-{uuid.uuid4().hex[:8]}@example.com"
        r = page.request.post("/api/v1/auth/signup", data={"email": email, "password": PASSWORD,
                                                            "business_name": "Patel Cement", "owner_name": "Asha"})
        assert r.status == 201, r.text()
        headers = {"X-CSRF-Token": r.json()["csrf_token"], "Content-Type": "application/json"}
        assert page.request.patch("/api/v1/business", headers=headers, data={"whatsapp_number": "98000 00001"}).ok
        channel = page.request.post("/api/v1/channels", headers=headers, data={
            "kind": "twilio_whatsapp", "name": "Shop WhatsApp",
            "credentials": {"account_sid": ACCOUNT_SID, "auth_token": AUTH_TOKEN, "from_number": "+14155238886"}})
        assert channel.status == 201, channel.text()
        context.clear_cookies()
        before = len(fake.sent)

        page.goto("/#/login")
        page.get_by_test_id("login-email").fill(email)
        page.get_by_test_id("code-login").locator("summary").click()
        page.get_by_test_id("code-login-send").click()
        expect(page.get_by_test_id("code-login-sent")).to_contain_text("10 minutes")
        wait_until("the code on WhatsApp", lambda: len(fake.sent) > before, timeout=30)
        message = fake.sent[-1]
        assert message["To"] == "whatsapp:+919800000001", message
        code = next(w for w in message["Body"].split() if w.isdigit() and len(w) == 6)
        page.get_by_test_id("code-login-code").fill("000000" if code != "000000" else "111111")
        page.get_by_test_id("code-login-submit").click()
        expect(page.get_by_test_id("code-login-verify-error")).to_contain_text("wrong or has expired")
        page.get_by_test_id("code-login-code").fill(f"{code[:3]} {code[3:]}")
        page.get_by_test_id("code-login-submit").click()
        expect(page.get_by_test_id("page-title")).to_have_text("Dashboard")
        page.screenshot(path=str(ARTIFACTS / "code-login-390.png"), full_page=True)
        assert problems == [] or all("400" in p for p in problems), problems
    finally:
        context.close()
