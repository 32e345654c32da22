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

    # The server's errors reach a Hindi reader in Hindi.
    tid(page, "login-email").fill(email)
    tid(page, "login-password").fill("not the password at all")
    tid(page, "login-submit").click()
    expect(tid(page, "login-error")).to_have_text("ईमेल या पासवर्ड ग़लत है।")
    errors[:] = [e for e in errors if "401" not in e]

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

    # The workflow builder's steps, their fields and descriptions are in Hindi too.
    other.goto("/#/workflows/new")
    send = tid(other, "wf-palette").locator('[data-testid="palette-item"][data-key="whatsapp/send_message"]')
    expect(send).to_contain_text("WhatsApp मैसेज भेजें")
    expect(tid(other, "wf-palette")).to_contain_text("शुरुआत (ट्रिगर)")
    send.click()
    expect(tid(other, "wf-config-title")).to_have_text("WhatsApp मैसेज भेजें")
    expect(tid(other, "wf-params")).to_contain_text("किसे")
    expect(tid(other, "wf-params")).to_contain_text("किस जुड़े चैनल से भेजें")
    other.screenshot(path="/tmp/hindi-builder-hi-desktop.png", full_page=True)
    other.goto("about:blank")  # leaves the unsaved draft without the builder's leave prompt
    other.goto("/#/dashboard")
    expect(tid(other, "page-title")).to_have_text("डैशबोर्ड")

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


def test_a_day_of_sales_in_hindi(browser: Browser, server: str) -> None:
    """A Hindi-speaking owner signs up, switches to Hindi, adds a product and a customer (a phone
    typed as 98220 12345), bills a sale, sees the stock error in Hindi, records a UPI payment and
    reads the customer's statement — every page in Hindi at phone size."""
    context = browser.new_context(base_url=server, viewport={"width": 390, "height": 844})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" and "409" not in msg.text else None)

    def go(nav: str, title: str) -> None:
        tid(page, "menu-button").click()
        tid(page, f"nav-{nav}").click()
        expect(tid(page, "page-title")).to_have_text(title)

    page.goto("/#/signup")
    tid(page, "language-switch").click()
    expect(tid(page, "page-title")).to_have_text("अपना खाता बनाइए")
    page.screenshot(path="/tmp/hindi-signup-hi.png", full_page=True)
    tid(page, "signup-business").fill("शर्मा सीमेंट स्टोर")
    tid(page, "signup-owner").fill("Anil Sharma")
    tid(page, "signup-email").fill(f"day-{uuid.uuid4().hex[:8]}@example.com")
    tid(page, "signup-password").fill(PASSWORD)
    tid(page, "signup-submit").click()
    expect(tid(page, "page-title")).to_have_text("डैशबोर्ड")
    expect(tid(page, "dashboard-empty")).to_contain_text("आपकी बही अभी ख़ाली है")

    go("products", "सामान")
    tid(page, "product-add-button").click()
    tid(page, "product-form-name").fill("Cement")
    tid(page, "product-form-price").fill("350")
    tid(page, "product-form-unit").fill("bag")
    tid(page, "product-form-stock").fill("10")
    tid(page, "product-form-submit").click()
    expect(tid(page, "toast").last).to_contain_text("जुड़ गया")
    page.screenshot(path="/tmp/hindi-products-hi.png", full_page=True)

    go("customers", "ग्राहक")
    tid(page, "customer-add-button").click()
    tid(page, "customer-form-name").fill("Ramesh")
    tid(page, "customer-form-phone").fill("98220 12345")
    tid(page, "customer-form-submit").click()
    expect(tid(page, "customer-row").filter(has_text="Ramesh")).to_contain_text("+919822012345")

    go("invoices", "बिल")
    tid(page, "invoice-new-button").click()
    expect(tid(page, "page-title")).to_have_text("नया बिल")
    tid(page, "invoice-customer").fill("Ram")
    tid(page, "invoice-customer-option").filter(has_text="Ramesh").first.click()
    line = tid(page, "invoice-line").first
    line.get_by_test_id("line-product").fill("Cem")
    page.get_by_test_id("line-product-option").filter(has_text="Cement").first.click()
    line.get_by_test_id("line-quantity").fill("12")
    expect(line.get_by_test_id("line-stock-hint")).to_have_text("स्टॉक में सिर्फ़ 10 bags हैं।")
    tid(page, "invoice-issue").click()
    expect(line.get_by_test_id("line-error")).to_contain_text("स्टॉक में सिर्फ़ 10 bags है (12 माँगा)")
    page.screenshot(path="/tmp/hindi-invoice-new-hi.png", full_page=True)
    line.get_by_test_id("line-quantity").fill("4")
    tid(page, "invoice-issue").click()
    expect(tid(page, "invoice-number")).to_have_text("INV-0001")
    expect(tid(page, "invoice-status")).to_have_text("जारी")
    expect(tid(page, "toast").last).to_contain_text("बिल INV-0001 जारी हुआ")
    page.screenshot(path="/tmp/hindi-invoice-hi.png", full_page=True)

    tid(page, "invoice-record-payment").click()
    expect(tid(page, "page-title")).to_have_text("भुगतान")
    tid(page, "payment-amount").fill("1000")
    tid(page, "payment-mode").select_option("upi")
    expect(tid(page, "payment-mode").locator("option:checked")).to_have_text("UPI")
    tid(page, "payment-submit").click()
    expect(tid(page, "toast").last).to_contain_text("Ramesh से ₹1,000.00 का भुगतान दर्ज हुआ।")
    page.screenshot(path="/tmp/hindi-payments-hi.png", full_page=True)

    go("customers", "ग्राहक")
    tid(page, "customer-row").filter(has_text="Ramesh").get_by_role("link").first.click()
    tid(page, "tab-statement").click()
    expect(tid(page, "statement-closing")).to_have_text("₹400.00")
    expect(page.get_by_text("शुरुआती बाकी")).to_be_visible()
    page.screenshot(path="/tmp/hindi-customer-hi.png", full_page=True)

    # The assistant in Hindi: its examples are Devanagari commands it understands.
    go("assistant", "सहायक")
    expect(tid(page, "assistant-empty")).to_contain_text("आज दुकान में क्या हुआ?")
    tid(page, "assistant-suggestion").filter(has_text="सीमेंट कितना बचा है").click()
    card = tid(page, "card").last
    expect(card).to_be_visible()
    expect(card.get_by_test_id("card-stock")).to_contain_text("6")
    page.screenshot(path="/tmp/hindi-assistant-hi.png", full_page=True)

    go("inbox", "इनबॉक्स")
    expect(tid(page, "empty-state").first).to_contain_text("अभी कोई बातचीत नहीं")
    page.screenshot(path="/tmp/hindi-inbox-hi.png", full_page=True)
    go("reports", "रिपोर्ट")
    expect(page.get_by_text("GST रिटर्न").first).to_be_visible()
    # The day's sales read on screen, in Hindi, with the total at the foot.
    sales = page.locator('[data-testid="report-row"][data-id="sales-by-customer"]')
    expect(sales.locator("h2")).to_have_text("ग्राहक के हिसाब से बिक्री")
    sales.get_by_test_id("report-show").click()
    expect(sales.get_by_test_id("report-table-row")).to_have_count(1)
    expect(sales.locator("th").filter(has_text="बिक्री (₹)")).to_have_count(1)
    total = sales.get_by_test_id("report-table-total")
    expect(total.locator("th")).to_have_text("कुल")
    expect(total).to_contain_text("₹1,400.00")
    expect(total).to_contain_text("₹400.00")
    page.screenshot(path="/tmp/hindi-reports-hi.png", full_page=True)
    assert errors == [], errors
    context.close()


def test_settings_speak_plainly(page) -> None:
    """Settings (issue 19 §4): the state is chosen from a list with its GST code, the time zone and
    currency from lists with India first, the WhatsApp language by its own name; a number typed
    as 98765 43210 is saved as +919876543210. Screenshot /tmp/settings-en.png."""
    from test_ledger_flow import signup
    signup(page, business="Plain Words Traders", owner="Asha")
    page.goto("/#/settings")
    expect(tid(page, "business-state")).to_be_visible()
    assert tid(page, "business-state").evaluate("e => e.tagName") == "SELECT"
    tid(page, "business-state").select_option("Maharashtra")
    expect(tid(page, "business-state").locator("option:checked")).to_have_text("Maharashtra (27)")
    expect(tid(page, "business-timezone").locator("option").first).to_have_text("India (IST, UTC+5:30)")
    expect(tid(page, "business-timezone").locator("option:checked")).to_have_text("India (IST, UTC+5:30)")
    expect(tid(page, "business-currency").locator("option:checked")).to_have_text("₹ INR, Indian rupee")
    tid(page, "business-preferred-language").select_option("hi")
    expect(tid(page, "business-preferred-language").locator("option:checked")).to_have_text("हिंदी (Hindi)")
    tid(page, "business-whatsapp-number").fill("98765 43210")
    tid(page, "business-save").click()
    expect(tid(page, "toast").last).to_contain_text("Business profile saved.")
    business = page.evaluate("fetch('/api/v1/business').then(r => r.json())")
    assert business["state"] == "Maharashtra" and business["whatsapp_number"] == "+919876543210", business
    assert business["preferred_language"] == "hi" and business["timezone"] == "Asia/Kolkata" and business["currency"] == "INR", business
    page.screenshot(path="/tmp/settings-en.png", full_page=True)
