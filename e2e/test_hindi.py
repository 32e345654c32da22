"""Hindi in the web app (issue 19 §2): the switch on the login page turns the page into Hindi,
the choice is saved for the user at login and wins at the next login on another device; the
menu, the dashboard and the sign-up and password pages are in Hindi, with Hindi dates; switching
back to English is saved too. Screenshots at phone size in both languages:
/tmp/hindi-<page>-<lang>.png."""

from __future__ import annotations

import uuid

from playwright.sync_api import Browser, expect

from test_ledger_flow import PASSWORD, tid


def login(page, email: str) -> None:
    tid(page, "login-email").fill(email)
    tid(page, "login-password").fill(PASSWORD)
    tid(page, "login-submit").click()


def test_an_owner_reads_the_app_in_hindi(browser: Browser, server: str) -> None:
    email = f"hindi-{uuid.uuid4().hex[:8]}@example.com"
    phone = browser.new_context(base_url=server, viewport={"width": 390, "height": 844})
    page = phone.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)

    r = page.request.post("/api/v1/auth/signup", data={"email": email, "password": PASSWORD,
                                                        "business_name": "गुप्ता किराना", "owner_name": "Sunita Gupta"})
    assert r.status == 201, r.text()
    headers = {"X-CSRF-Token": r.json()["csrf_token"]}
    product = page.request.post("/api/v1/products", headers=headers, data={"name": "Atta", "unit": "bag", "price": 42000, "stock": 2}).json()
    customer = page.request.post("/api/v1/customers", headers=headers, data={"name": "Meena", "phone": "98220 12345"}).json()
    assert customer["phone"] == "+919822012345", customer
    page.request.post("/api/v1/invoices", headers=headers, data={
        "customer_id": customer["id"], "issue": True, "items": [{"product_id": product["id"], "quantity": 2}]})
    page.context.clear_cookies()

    page.goto("/#/login")
    expect(tid(page, "page-title")).to_have_text("Log in")
    page.screenshot(path="/tmp/hindi-login-en.png", full_page=True)
    tid(page, "language-switch").click()
    expect(tid(page, "page-title")).to_have_text("लॉग इन")
    expect(page.locator("html")).to_have_attribute("lang", "hi")
    expect(tid(page, "language-switch")).to_have_text("English")
    page.screenshot(path="/tmp/hindi-login-hi.png", full_page=True)

    login(page, email)
    expect(tid(page, "page-title")).to_have_text("डैशबोर्ड")
    expect(tid(page, "dashboard-sales-today")).to_contain_text("आज की बिक्री")
    expect(tid(page, "dashboard-outstanding")).to_contain_text("1 ग्राहक पर बाकी")
    expect(tid(page, "dashboard-updated")).to_contain_text("ताज़ा किया")
    # Dates in Hindi: "7 दिस॰ 2026"
    expect(tid(page, "dashboard-sales-today")).to_contain_text("2026")
    assert any(m in tid(page, "dashboard-sales-today").inner_text() for m in ["जन॰", "फ़र॰", "मार्च", "अप्रैल", "मई", "जून", "जुल॰", "अग॰", "सित॰", "अक्तू॰", "नव॰", "दिस॰"])
    page.screenshot(path="/tmp/hindi-dashboard-hi.png", full_page=True)
    tid(page, "menu-button").click()
    expect(tid(page, "nav-customers")).to_have_text("ग्राहक")
    expect(tid(page, "nav-invoices")).to_have_text("बिल")
    page.screenshot(path="/tmp/hindi-menu-hi.png")
    me = page.evaluate("fetch('/api/v1/me').then(r => r.json())")
    assert me["user"]["language"] == "hi" and me["user"]["language_chosen"] is True, me["user"]

    # Another device with no choice of its own opens in the user's Hindi after login.
    desk = browser.new_context(base_url=server, viewport={"width": 1280, "height": 800})
    other = desk.new_page()
    other.goto("/#/login")
    expect(tid(other, "page-title")).to_have_text("Log in")
    login(other, email)
    expect(tid(other, "page-title")).to_have_text("डैशबोर्ड")
    other.screenshot(path="/tmp/hindi-dashboard-hi-desktop.png", full_page=True)

    # Back to English from the menu; saved for the user.
    tid(other, "language-switch").click()
    expect(tid(other, "page-title")).to_have_text("Dashboard")
    expect(tid(other, "nav-customers")).to_have_text("Customers")
    me = other.evaluate("fetch('/api/v1/me').then(r => r.json())")
    assert me["user"]["language"] == "en", me["user"]
    other.screenshot(path="/tmp/hindi-dashboard-en-desktop.png", full_page=True)
    desk.close()
    assert errors == [], errors
    phone.close()
