"""Browser tests of the ledger: sign up, product, customer, invoice, payment; logout/login;
the invoices page on a 390 px wide screen."""

from __future__ import annotations

import re
import subprocess
import uuid

import pytest
from playwright.sync_api import Page, expect

PASSWORD = "correct-horse-battery"


def tid(page: Page, testid: str):
    return page.get_by_test_id(testid)


def signup(page: Page, business: str = "Sharma Hardware", owner: str = "Anil Sharma") -> str:
    email = f"owner-{uuid.uuid4().hex[:12]}@example.com"
    page.goto("/#/signup")
    expect(tid(page, "page-title")).to_have_text("Create your account")
    tid(page, "signup-business").fill(business)
    tid(page, "signup-owner").fill(owner)
    tid(page, "signup-email").fill(email)
    tid(page, "signup-password").fill(PASSWORD)
    tid(page, "signup-submit").click()
    expect(tid(page, "page-title")).to_have_text("Dashboard")
    expect(tid(page, "business-name")).to_have_text(business)
    return email


def go(page: Page, nav: str, title: str) -> None:
    if tid(page, "menu-button").is_visible():
        tid(page, "menu-button").click()
    tid(page, f"nav-{nav}").click()
    expect(tid(page, "page-title")).to_have_text(title)


def add_product(page: Page, name: str, price: str, stock: str, unit: str = "bag",
                gst: str | None = None, inclusive: bool = True) -> None:
    go(page, "products", "Products")
    tid(page, "product-add-button").click()
    tid(page, "product-form-name").fill(name)
    tid(page, "product-form-price").fill(price)
    inclusive_box = tid(page, "product-form-inclusive")
    expect(inclusive_box).to_be_checked()  # shops quote prices with GST in them
    if not inclusive:
        inclusive_box.uncheck()
    if gst is not None:
        tid(page, "product-form-gst").fill(gst)
    tid(page, "product-form-unit").fill(unit)
    tid(page, "product-form-stock").fill(stock)
    tid(page, "product-form-submit").click()
    row = tid(page, "product-row").filter(has_text=name)
    expect(row.get_by_test_id("product-stock")).to_have_text(stock)


def add_customer(page: Page, name: str, phone: str) -> None:
    go(page, "customers", "Customers")
    tid(page, "customer-add-button").click()
    tid(page, "customer-form-name").fill(name)
    tid(page, "customer-form-phone").fill(phone)
    tid(page, "customer-form-submit").click()
    row = tid(page, "customer-row").filter(has_text=name)
    expect(row).to_contain_text(phone)
    expect(row).to_contain_text("₹0.00")


def pick(page: Page, testid: str, typed: str, option_text: str, scope=None) -> None:
    where = scope if scope is not None else page
    where.get_by_test_id(testid).fill(typed)
    page.get_by_test_id(f"{testid}-option").filter(has_text=option_text).first.click()


def new_invoice(page: Page, customer: tuple[str, str], product: tuple[str, str]):
    """Opens a new invoice for a customer with one line of a product (each picked by what is typed
    and the option's text); returns the line."""
    go(page, "invoices", "Invoices")
    tid(page, "invoice-new-button").click()
    pick(page, "invoice-customer", *customer)
    line = tid(page, "invoice-line").first
    pick(page, "line-product", *product, scope=line)
    return line
    expect(where.get_by_test_id(testid)).to_have_value(option_text)


def test_ledger_flow(page: Page) -> None:
    signup(page)
    expect(tid(page, "dashboard-empty")).to_be_visible()

    add_product(page, "Cement bag", "350", "20")
    add_customer(page, "Ramesh Traders", "+919812345678")

    # Create and issue an invoice for 5 × Cement bag.
    go(page, "invoices", "Invoices")
    expect(tid(page, "empty-state")).to_be_visible()
    tid(page, "invoice-new-button").click()
    expect(tid(page, "page-title")).to_have_text("New invoice")
    pick(page, "invoice-customer", "Ramesh", "Ramesh Traders")
    line = tid(page, "invoice-line").first
    pick(page, "line-product", "Cement", "Cement bag", scope=line)
    expect(line.get_by_test_id("line-price")).to_have_value("350")
    line.get_by_test_id("line-quantity").fill("5")
    expect(line.get_by_test_id("line-total")).to_have_text("₹1,750.00")
    expect(tid(page, "invoice-form-total")).to_have_text("₹1,750.00")
    tid(page, "invoice-issue").click()

    expect(tid(page, "invoice-number")).to_have_text("INV-0001")
    expect(tid(page, "invoice-status")).to_have_text("Issued")
    expect(tid(page, "invoice-total")).to_have_text("₹1,750.00")
    expect(tid(page, "invoice-balance-due")).to_have_text("₹1,750.00")
    expect(tid(page, "invoice-item-row")).to_have_count(1)
    invoice_id = page.url.rsplit("/", 1)[-1]

    # Record ₹1,000 against it.
    tid(page, "invoice-record-payment").click()
    expect(tid(page, "page-title")).to_have_text("Payments")
    expect(tid(page, "payment-customer")).to_have_value("Ramesh Traders")
    expect(tid(page, "payment-invoice")).to_have_value(invoice_id)
    tid(page, "payment-amount").fill("1000")
    tid(page, "payment-mode").select_option("upi")
    tid(page, "payment-reference").fill("UPI-428811")
    tid(page, "payment-submit").click()

    expect(tid(page, "invoice-number")).to_have_text("INV-0001")
    expect(tid(page, "invoice-status")).to_have_text("Partly paid")
    expect(tid(page, "invoice-amount-paid")).to_have_text("₹1,000.00")
    expect(tid(page, "invoice-balance-due")).to_have_text("₹750.00")
    expect(tid(page, "invoice-payment-row")).to_have_count(1)

    # The customer owes ₹750.
    tid(page, "invoice-customer-link").click()
    expect(tid(page, "page-title")).to_have_text("Ramesh Traders")
    expect(tid(page, "customer-balance")).to_have_text("₹750.00")
    expect(tid(page, "customer-invoice-row")).to_have_count(1)
    tid(page, "tab-payments").click()
    expect(tid(page, "customer-payment-row")).to_have_count(1)
    expect(tid(page, "customer-payment-row")).to_contain_text("₹1,000.00")
    tid(page, "tab-statement").click()
    expect(tid(page, "statement-closing")).to_have_text("₹750.00")

    # The customer list agrees, and 15 bags are left.
    go(page, "customers", "Customers")
    expect(tid(page, "customer-row").filter(has_text="Ramesh Traders")).to_contain_text("₹750.00")
    go(page, "products", "Products")
    expect(tid(page, "product-row").filter(has_text="Cement bag").get_by_test_id("product-stock")).to_have_text("15")

    # The payment is listed.
    go(page, "payments", "Payments")
    payment = tid(page, "payment-row").filter(has_text="Ramesh Traders")
    expect(payment).to_contain_text("₹1,000.00")
    expect(payment).to_contain_text("INV-0001")


def test_logout_and_login(page: Page) -> None:
    email = signup(page, business="Gupta Kirana", owner="Sunita Gupta")
    expect(tid(page, "user-name")).to_have_text("Sunita Gupta")

    tid(page, "logout-button").click()
    expect(tid(page, "page-title")).to_have_text("Log in")

    # Logged out: app pages lead to the login page.
    page.goto("/#/ledger/customers")
    expect(tid(page, "page-title")).to_have_text("Log in")

    tid(page, "login-email").fill(email)
    tid(page, "login-password").fill(PASSWORD)
    tid(page, "login-submit").click()
    # Back to the page that was asked for before logging in.
    expect(tid(page, "page-title")).to_have_text("Customers")
    expect(tid(page, "business-name")).to_have_text("Gupta Kirana")

    # The session survives a reload.
    page.goto("/#/dashboard")
    page.reload()
    expect(tid(page, "page-title")).to_have_text("Dashboard")
    expect(tid(page, "user-name")).to_have_text("Sunita Gupta")


def test_mobile_invoices(page: Page) -> None:
    page.set_viewport_size({"width": 390, "height": 844})
    signup(page, business="Patel Cloth House", owner="Ravi Patel")

    menu = tid(page, "menu-button")
    expect(menu).to_be_visible()
    expect(tid(page, "nav-invoices")).to_be_hidden()
    menu.click()
    expect(menu).to_have_attribute("aria-expanded", "true")
    tid(page, "nav-invoices").click()
    expect(tid(page, "page-title")).to_have_text("Invoices")
    expect(tid(page, "nav-invoices")).to_be_hidden()
    expect(tid(page, "empty-state")).to_be_visible()

    # Set up a customer and a product through the API (same session cookie, CSRF from /me).
    me = page.request.get("/api/v1/me")
    assert me.ok, me.text()
    headers = {"X-CSRF-Token": me.json()["csrf_token"], "Content-Type": "application/json"}
    r = page.request.post("/api/v1/customers", headers=headers, data={"name": "Meena Stores", "phone": "+919900112233"})
    assert r.status == 201, r.text()
    r = page.request.post("/api/v1/products", headers=headers, data={"name": "Cotton saree", "unit": "pcs", "price": 125050, "stock": 10,
                                                                       "price_includes_gst": False})
    assert r.status == 201, r.text()

    tid(page, "invoice-new-button").click()
    expect(tid(page, "page-title")).to_have_text("New invoice")
    pick(page, "invoice-customer", "Meena", "Meena Stores")
    line = tid(page, "invoice-line").first
    pick(page, "line-product", "saree", "Cotton saree", scope=line)
    line.get_by_test_id("line-quantity").fill("2.5")
    line.get_by_test_id("line-gst").fill("5")
    # 2.5 × ₹1,250.50 = ₹3,126.25; 5% GST as CGST 2.5% + SGST 2.5%, each ₹78.156 → ₹78.16; total ₹3,282.57
    expect(tid(page, "invoice-form-tax")).to_have_text("₹78.16 + ₹78.16")
    expect(tid(page, "invoice-form-total")).to_have_text("₹3,282.57")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    tid(page, "invoice-save-draft").click()

    expect(tid(page, "page-title")).to_contain_text("Draft invoice")
    expect(tid(page, "invoice-status")).to_have_text("Draft")
    expect(tid(page, "invoice-total")).to_have_text("₹3,282.57")
    expect(tid(page, "invoice-cgst")).to_have_text("₹78.16")
    expect(tid(page, "invoice-sgst")).to_have_text("₹78.16")

    go(page, "invoices", "Invoices")
    row = tid(page, "invoice-row").filter(has_text="Meena Stores")
    expect(row).to_contain_text("Draft")
    expect(row).to_contain_text("₹3,282.57")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390


def gstin(first14: str) -> str:
    """A GSTIN with its check character (the portal's mod-36 scheme)."""
    alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    total = 0
    for i, ch in enumerate(first14):
        product = alphabet.index(ch) * (1 if i % 2 == 0 else 2)
        total += product // 36 + product % 36
    return first14 + alphabet[(36 - total % 36) % 36]


def test_place_of_supply_and_tax_heads(page: Page) -> None:
    """A Maharashtra shop bills a Gujarat buyer (its GSTIN gives the state): IGST, not CGST + SGST."""
    signup(page, business="Kale Steel", owner="Sunil Kale")
    me = page.request.get("/api/v1/me")
    headers = {"X-CSRF-Token": me.json()["csrf_token"], "Content-Type": "application/json"}
    assert page.request.patch("/api/v1/business", headers=headers, data={"state": "Maharashtra"}).ok
    page.reload()
    add_product(page, "Steel almirah", "7646.25", "5", unit="pcs", inclusive=False)

    go(page, "customers", "Customers")
    tid(page, "customer-add-button").click()
    tid(page, "customer-form-name").fill("Shah Hardware")
    buyer_gstin = gstin("24AAACS1234B1Z")
    tid(page, "customer-form-gstin").fill(buyer_gstin.lower())
    tid(page, "customer-form-submit").click()
    expect(tid(page, "customer-row").filter(has_text="Shah Hardware")).to_contain_text("Gujarat")

    go(page, "invoices", "Invoices")
    tid(page, "invoice-new-button").click()
    place = tid(page, "invoice-place-of-supply")
    expect(place).to_have_value("Maharashtra")
    pick(page, "invoice-customer", "Shah", "Shah Hardware")
    expect(place).to_have_value("Gujarat")
    line = tid(page, "invoice-line").first
    pick(page, "line-product", "almirah", "Steel almirah", scope=line)
    line.get_by_test_id("line-gst").fill("18")
    # 18% of ₹7,646.25 across states: one IGST amount, ₹1,376.33 (rounded half up).
    expect(tid(page, "invoice-form-tax-label")).to_have_text("IGST")
    expect(tid(page, "invoice-form-tax")).to_have_text("₹1,376.33")
    # Billed within the state instead: 9% + 9%, each ₹688.16 (never ₹688.17 beside ₹688.18).
    place.select_option("Maharashtra")
    expect(tid(page, "invoice-form-tax")).to_have_text("₹688.16 + ₹688.16")
    place.select_option("Gujarat")
    tid(page, "invoice-issue").click()
    expect(tid(page, "invoice-number")).to_have_text("INV-0001")
    expect(tid(page, "invoice-place-of-supply")).to_have_text("Gujarat (24)")
    expect(tid(page, "invoice-igst")).to_have_text("₹1,376.33")
    expect(tid(page, "invoice-total")).to_have_text("₹9,022.58")
    pdf = page.request.get(tid(page, "invoice-pdf").get_attribute("href"))
    assert pdf.ok and pdf.headers["content-type"] == "application/pdf"


def test_composition_dealer_issues_a_bill_of_supply(page: Page) -> None:
    """A composition dealer picks its registration in Settings; its invoices charge no GST and
    are bills of supply, on screen and in the PDF."""
    signup(page, business="Verma Kirana", owner="Ravi Verma")
    add_product(page, "Basmati rice", "95", "40", unit="kg")
    add_customer(page, "Pooja Nair", "+919820011111")

    go(page, "settings", "Settings")
    registration = tid(page, "business-gst-registration")
    expect(registration).to_have_value("regular")
    registration.select_option("composition")
    tid(page, "business-save").click()
    expect(page.get_by_text("Business profile saved.")).to_be_visible()

    go(page, "invoices", "Invoices")
    tid(page, "invoice-new-button").click()
    expect(tid(page, "invoice-place-of-supply")).to_be_hidden()
    pick(page, "invoice-customer", "Pooja", "Pooja Nair")
    line = tid(page, "invoice-line").first
    pick(page, "line-product", "Basmati", "Basmati rice", scope=line)
    expect(line.get_by_test_id("line-gst")).to_be_hidden()
    line.get_by_test_id("line-quantity").fill("10")
    expect(tid(page, "invoice-form-tax-label")).to_have_text("GST")
    expect(tid(page, "invoice-form-tax")).to_have_text("None (bill of supply)")
    tid(page, "invoice-issue").click()
    expect(tid(page, "invoice-number")).to_have_text("INV-0001")
    expect(tid(page, "page-title")).to_contain_text("Bill of supply")
    expect(tid(page, "invoice-bill-of-supply")).to_have_text("None (bill of supply)")
    expect(tid(page, "invoice-total")).to_have_text("₹950.00")
    pdf = page.request.get(tid(page, "invoice-pdf").get_attribute("href"))
    assert pdf.ok and pdf.headers["content-type"] == "application/pdf"


def test_inclusive_prices_total_what_was_quoted(page: Page) -> None:
    """Cement quoted at ₹350 a bag with GST in it: 5 bags bill ₹1,750.00 exactly, the GST taken out
    of that (CGST = SGST), and the PDF stars the rate as including GST."""
    signup(page, business="Patil Cement Depot", owner="Ganesh Patil")
    me = page.request.get("/api/v1/me")
    headers = {"X-CSRF-Token": me.json()["csrf_token"], "Content-Type": "application/json"}
    assert page.request.patch("/api/v1/business", headers=headers, data={"state": "Maharashtra"}).ok
    page.reload()
    add_product(page, "Cement bag", "350", "40", gst="18")
    expect(tid(page, "product-row").filter(has_text="Cement bag")).to_contain_text("incl. GST")
    add_customer(page, "Ramesh Traders", "+919822012345")

    line = new_invoice(page, ("Ramesh", "Ramesh Traders"), ("Cement", "Cement bag"))
    expect(line.get_by_test_id("line-inclusive")).to_be_checked()
    line.get_by_test_id("line-quantity").fill("5")
    # ₹1,750.00 holds ₹1,483.06 taxable and 9 % + 9 % of it, ₹133.47 each.
    expect(tid(page, "invoice-form-tax")).to_have_text("₹133.47 + ₹133.47")
    expect(tid(page, "invoice-form-total")).to_have_text("₹1,750.00")
    expect(line.get_by_test_id("line-total")).to_have_text("₹1,750.00")
    # The same price before GST would bill more.
    line.get_by_test_id("line-inclusive").uncheck()
    expect(tid(page, "invoice-form-total")).to_have_text("₹2,065.00")
    line.get_by_test_id("line-inclusive").check()
    tid(page, "invoice-issue").click()
    expect(tid(page, "invoice-number")).to_have_text("INV-0001")
    expect(tid(page, "invoice-total")).to_have_text("₹1,750.00")
    expect(tid(page, "invoice-cgst")).to_have_text("₹133.47")
    expect(tid(page, "invoice-subtotal")).to_have_text("₹1,483.06")
    invoice_id = page.url.rsplit("/", 1)[-1]
    item = page.request.get(f"/api/v1/invoices/{invoice_id}").json()["items"][0]
    assert item["price_includes_gst"] is True and item["unit_price"] == 35000
    assert (item["taxable_value"], item["cgst"], item["sgst"], item["total"]) == (148306, 13347, 13347, 175000)


def test_share_and_print_an_invoice(page: Page) -> None:
    """Share gives the message, a wa.me link with it and the signed PDF link; Print prints the PDF."""
    signup(page, business="Patil Cement Depot", owner="Ganesh Patil")
    add_product(page, "Cement bag", "350", "40")
    add_customer(page, "Ramesh Traders", "+919822012345")
    line = new_invoice(page, ("Ramesh", "Ramesh Traders"), ("Cement", "Cement bag"))
    line.get_by_test_id("line-quantity").fill("2")
    tid(page, "invoice-issue").click()
    expect(tid(page, "invoice-number")).to_have_text("INV-0001")

    tid(page, "invoice-print").click()
    frame = tid(page, "invoice-print-frame")
    expect(frame).to_have_attribute("src", re.compile(r"/api/v1/invoices/[0-9A-Fa-f-]+/pdf$"))

    tid(page, "invoice-share").click()
    dialog = tid(page, "share-dialog")
    message = dialog.get_by_test_id("share-message")
    expect(message).to_contain_text("INV-0001")
    expect(message).to_contain_text("₹700.00 due")
    link = dialog.get_by_test_id("share-link").input_value()
    assert "/p/invoices/" in link and "sig=" in link, link
    wa = dialog.get_by_test_id("share-whatsapp-link")
    expect(wa).to_have_text("Send on WhatsApp")  # no WhatsApp channel: the owner's own WhatsApp opens
    assert wa.get_attribute("href").startswith("https://wa.me/919822012345?text=Namaste%20Ramesh%20Traders")
    # The signed link opens the PDF without signing in.
    pdf = page.context.request.get(link.replace(link.split("/p/")[0], ""), headers={"Cookie": ""})
    assert pdf.ok and pdf.headers["content-type"] == "application/pdf"


def test_print_gives_the_tax_invoice_with_every_field(page: Page, tmp_path) -> None:
    """Print on a B2B invoice prints the tax invoice document (the PDF the frame loads), and that
    document carries what a GST buyer needs (issue 17 §3, §5): both GSTINs, legal names and
    addresses, place of supply with its code, the number and a dd-mm-yyyy date, HSN, taxable value,
    the IGST of an inter-state sale, the total in words, reverse charge and the signature line."""
    signup(page, business="Patil Cement Depot", owner="Ganesh Patil")
    me = page.request.get("/api/v1/me")
    headers = {"X-CSRF-Token": me.json()["csrf_token"], "Content-Type": "application/json"}
    r = page.request.patch("/api/v1/business", headers=headers, data={
        "gstin": "27AAPFU0939F1ZV", "state": "Maharashtra", "address": "Shop 4, Market Yard, Pune 411037"})
    assert r.ok, r.text()
    customer = page.request.post("/api/v1/customers", headers=headers, data={
        "name": "Kaveri Builders", "phone": "+919845012345", "gstin": "29AAGCK1234M1ZB",
        "address": "12 MG Road, Bengaluru 560001"})
    assert customer.status == 201, customer.text()
    product = page.request.post("/api/v1/products", headers=headers, data={
        "name": "Cement bag", "unit": "bag", "price": 35000, "stock": 40, "hsn": "2523", "gst_rate": 18})
    assert product.status == 201, product.text()
    invoice = page.request.post("/api/v1/invoices", headers=headers, data={
        "customer_id": customer.json()["id"], "issue": True,
        "items": [{"product_id": product.json()["id"], "quantity": 10}]})
    assert invoice.status == 201, invoice.text()
    inv = invoice.json()
    assert inv["place_of_supply"] in ("29", "Karnataka"), inv["place_of_supply"]

    page.goto(f"/#/ledger/invoices/{inv['id']}")
    expect(tid(page, "invoice-number")).to_have_text(inv["number"])
    tid(page, "invoice-print").click()
    frame = tid(page, "invoice-print-frame")
    expect(frame).to_have_attribute("src", re.compile(r"/api/v1/invoices/[0-9A-Fa-f-]+/pdf$"))
    printed = page.request.get(frame.get_attribute("src"))
    assert printed.ok and printed.headers["content-type"] == "application/pdf"
    pdf = tmp_path / "printed.pdf"
    pdf.write_bytes(printed.body())
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], check=True, capture_output=True, text=True).stdout
    flat = " ".join(text.split())
    day = inv["issue_date"] if "issue_date" in inv else inv.get("date", "")
    y, m, d = str(day)[:10].split("-")
    for want in ["TAX INVOICE", "27AAPFU0939F1ZV", "29AAGCK1234M1ZB", "Patil Cement Depot", "Kaveri Builders",
                 "Market Yard", "MG Road", "Place of supply: Karnataka (29)", inv["number"], f"{d}-{m}-{y}", "2523", "IGST",
                 "3,500.00", "Reverse charge: No", "Authorised signatory", "Rupees"]:
        assert want.lower() in flat.lower(), f"{want!r} is not on the printed invoice:\n{text}"
    assert "CGST" not in flat.replace("CGST 0", ""), "an inter-state sale has no CGST"


def test_goods_returned_make_a_credit_note(page: Page) -> None:
    """Three bags come back: CN-0001 lowers the balance due and puts the stock back."""
    signup(page, business="Patil Cement Depot", owner="Ganesh Patil")
    add_product(page, "Cement bag", "350", "40")
    add_customer(page, "Ramesh Traders", "+919822012345")
    line = new_invoice(page, ("Ramesh", "Ramesh Traders"), ("Cement", "Cement bag"))
    line.get_by_test_id("line-quantity").fill("10")
    tid(page, "invoice-issue").click()
    expect(tid(page, "invoice-number")).to_have_text("INV-0001")
    expect(tid(page, "invoice-balance-due")).to_have_text("₹3,500.00")

    tid(page, "invoice-credit-note").click()
    dialog = tid(page, "credit-note-dialog")
    qty = dialog.get_by_test_id("credit-note-qty").first
    qty.fill("11")
    dialog.get_by_test_id("credit-note-submit").click()
    expect(dialog.get_by_test_id("credit-note-error")).to_contain_text("At most 10")
    qty.fill("3")
    dialog.get_by_test_id("credit-note-reason").fill("Damaged bags")
    dialog.get_by_test_id("credit-note-submit").click()
    expect(tid(page, "invoice-credited")).to_have_text("−₹1,050.00")
    expect(tid(page, "invoice-balance-due")).to_have_text("₹2,450.00")
    row = tid(page, "invoice-credit-note-row")
    expect(row).to_contain_text("CN-0001")
    pdf = page.request.get(row.get_by_test_id("credit-note-pdf").get_attribute("href"))
    assert pdf.ok and pdf.headers["content-type"] == "application/pdf"

    go(page, "products", "Products")
    expect(tid(page, "product-row").filter(has_text="Cement bag").get_by_test_id("product-stock")).to_have_text("33")


@pytest.mark.allow_console_errors(r"status of 422 .*/api/v1/invoices")
def test_hsn_digits_are_required_when_set(page: Page) -> None:
    """Above ₹5 crore turnover the owner sets 6-digit HSN codes; a taxed line without one is refused
    next to the line, and nothing is saved."""
    signup(page, business="Kale Steel", owner="Sunil Kale")
    add_product(page, "Steel almirah", "7646.25", "5", unit="pcs", gst="18")
    add_customer(page, "Shah Hardware", "+919825012345")
    go(page, "settings", "Settings")
    digits = tid(page, "business-hsn-digits")
    expect(digits).to_have_value("")
    digits.select_option("6")
    tid(page, "business-save").click()
    expect(page.get_by_text("Business profile saved.")).to_be_visible()

    line = new_invoice(page, ("Shah", "Shah Hardware"), ("almirah", "Steel almirah"))
    tid(page, "invoice-issue").click()
    expect(line.get_by_test_id("line-error")).to_contain_text("at least 6 digits")
    me = page.request.get("/api/v1/me").json()
    assert me["business"]["hsn_digits"] == 6
    assert page.request.get("/api/v1/invoices").json()["items"] == []


def test_totals_round_to_the_rupee(page: Page) -> None:
    """With rounding switched on in Settings, ₹1,121.89 is billed as ₹1,122.00 with +₹0.11 shown."""
    signup(page, business="Joshi Paints", owner="Kavita Joshi")
    add_product(page, "Emulsion 1 L", "950.75", "10", unit="can", gst="18", inclusive=False)
    add_customer(page, "Anita Desai", "+919822000111")
    go(page, "settings", "Settings")
    tid(page, "business-round-off").check()
    tid(page, "business-save").click()
    expect(page.get_by_text("Business profile saved.")).to_be_visible()

    line = new_invoice(page, ("Anita", "Anita Desai"), ("Emulsion", "Emulsion 1 L"))
    expect(tid(page, "invoice-form-round-off")).to_have_text("+₹0.11")
    expect(tid(page, "invoice-form-total")).to_have_text("₹1,122.00")
    tid(page, "invoice-issue").click()
    expect(tid(page, "invoice-number")).to_have_text("INV-0001")
    expect(tid(page, "invoice-round-off")).to_have_text("+₹0.11")
    expect(tid(page, "invoice-total")).to_have_text("₹1,122.00")
