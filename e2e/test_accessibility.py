"""Accessibility and screenshots of every page (issue 19 §6): axe-core (through
axe-playwright-python) finds no serious or critical violation on any page of the app, in English
and in Hindi, at desktop and phone size; each page's phone-size screenshot in each language is
saved as a test artifact (e2e/artifacts/pages/<lang>-<page>.png) for a person to look at."""

from __future__ import annotations

import uuid
from pathlib import Path

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, Page, expect

from test_ledger_flow import PASSWORD, tid

SHOTS = Path(__file__).parent / "artifacts" / "pages"
AXE = Axe()
SIZES = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}


def seed(page: Page) -> dict:
    """A business with a day of trade: a product, a customer, an issued invoice, a payment, a
    supplier's bill, an expense and a workflow that has run — so pages show data, not only their
    empty states."""
    email = f"a11y-{uuid.uuid4().hex[:8]}@example.com"
    r = page.request.post("/api/v1/auth/signup", data={"email": email, "password": PASSWORD,
                                                        "business_name": "Gupta Kirana", "owner_name": "Sunita Gupta"})
    assert r.status == 201, r.text()
    h = {"X-CSRF-Token": r.json()["csrf_token"]}

    def post(path: str, data: dict) -> dict:
        res = page.request.post(path, headers=h, data=data)
        assert res.status in (200, 201), f"{path}: {res.status} {res.text()}"
        return res.json()

    product = post("/api/v1/products", {"name": "Cement", "unit": "bag", "price": 35000, "stock": 40, "gst_rate": 18, "hsn": "2523"})
    customer = post("/api/v1/customers", {"name": "Ramesh Traders", "phone": "98220 12345"})
    invoice = post("/api/v1/invoices", {"customer_id": customer["id"], "issue": True, "items": [{"product_id": product["id"], "quantity": 5}]})
    post("/api/v1/payments", {"customer_id": customer["id"], "amount": 100000, "mode": "upi"})
    supplier = post("/api/v1/suppliers", {"name": "Ambuja Dealers"})
    purchase = post("/api/v1/purchases", {"supplier_id": supplier["id"], "bill_number": "AD-7",
                                          "items": [{"product_id": product["id"], "quantity": 10, "unit_cost": 28000}]})
    post("/api/v1/expenses", {"amount": 50000, "category": "Rent"})
    workflow = post("/api/v1/workflows", {"name": "Thank you", "blueprint": {
        "name": "Thank you",
        "nodes": [{"id": "trigger", "kind": "trigger", "service": "manual", "task": "start", "params": {"sample_payload": {"amount": 500}},
                   "position": {"x": 0, "y": 0}},
                  {"id": "reply", "kind": "action", "service": "respond", "task": "respond", "params": {"status": 200, "body": {"ok": True}},
                   "position": {"x": 300, "y": 0}}],
        "edges": [{"source": "trigger", "source_port": "out", "target": "reply"}]}})
    run = post(f"/api/v1/workflows/{workflow['id']}/runs", {"payload": {"amount": 500}})
    return {"email": email, "headers": h, "customer": customer["id"], "invoice": invoice["id"], "supplier": supplier["id"],
            "purchase": purchase["id"], "workflow": workflow["id"], "run": run["id"]}


def pages(ids: dict) -> list[tuple[str, str]]:
    return [
        ("dashboard", "/#/dashboard"), ("assistant", "/#/assistant"), ("inbox", "/#/inbox"),
        ("customers", "/#/ledger/customers"), ("customer", f"/#/ledger/customers/{ids['customer']}"),
        ("products", "/#/ledger/products"), ("invoices", "/#/ledger/invoices"), ("invoice-new", "/#/ledger/invoices/new"),
        ("invoice", f"/#/ledger/invoices/{ids['invoice']}"), ("payments", "/#/ledger/payments"),
        ("suppliers", "/#/books/suppliers"), ("supplier", f"/#/books/suppliers/{ids['supplier']}"),
        ("purchases", "/#/books/purchases"), ("purchase-new", "/#/books/purchases/new"),
        ("purchase", f"/#/books/purchases/{ids['purchase']}"), ("expenses", "/#/books/expenses"),
        ("accounts", "/#/books/accounts"), ("profit-and-loss", "/#/books/profit-and-loss"), ("reports", "/#/reports"),
        ("integrations", "/#/integrations"), ("workflows", "/#/workflows"), ("builder-new", "/#/workflows/new"),
        ("builder", f"/#/workflows/{ids['workflow']}"), ("runs", "/#/runs"), ("run", f"/#/runs/{ids['run']}"),
        ("operations", "/#/operations"), ("settings", "/#/settings"), ("password", "/#/password"),
    ]


def settle(page: Page) -> None:
    """The page has drawn: its title is there and nothing is loading."""
    expect(tid(page, "page-title")).to_be_visible(timeout=15_000)
    expect(page.locator('[data-testid="loading"]:visible')).to_have_count(0, timeout=15_000)


def serious(page: Page) -> list[str]:
    results = AXE.run(page)
    out = []
    for v in results.response["violations"]:
        if v.get("impact") not in ("serious", "critical"):
            continue
        targets = "; ".join(", ".join(n.get("target", [])) for n in v.get("nodes", [])[:3])
        out.append(f"{v['id']} ({v['impact']}, {len(v.get('nodes', []))}×): {v.get('help')} — {targets}")
    return out


def test_every_page_in_both_languages_at_both_sizes(browser: Browser, server: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    found: list[str] = []
    errors: list[str] = []
    setup = browser.new_context(base_url=server)
    ids = seed(setup.new_page())
    setup.close()
    for lang in ("en", "hi"):
        for size, viewport in SIZES.items():
            context = browser.new_context(base_url=server, viewport=viewport)
            page = context.new_page()
            page.on("pageerror", lambda exc: errors.append(f"page error: {exc}"))
            page.on("console", lambda msg: errors.append(f"console: {msg.text}") if msg.type == "error" else None)
            # Signed out: the login and sign-up pages, in the language chosen on them.
            page.goto("/#/login")
            settle(page)
            if lang == "hi":
                tid(page, "language-switch").click()
                expect(page.locator("html")).to_have_attribute("lang", "hi")
            for name, url in (("login", "/#/login"), ("signup", "/#/signup")):
                page.goto(url)
                settle(page)
                found += [f"{lang}/{size}/{name}: {v}" for v in serious(page)]
                if size == "phone":
                    page.screenshot(path=str(SHOTS / f"{lang}-{name}.png"), full_page=True)
            page.goto("/#/login")
            settle(page)
            tid(page, "login-email").fill(ids["email"])
            tid(page, "login-password").fill(PASSWORD)
            tid(page, "login-submit").click()
            expect(tid(page, "page-title")).to_have_text("Dashboard" if lang == "en" else "डैशबोर्ड")
            for name, url in pages(ids):
                page.goto(url)
                settle(page)
                found += [f"{lang}/{size}/{name}: {v}" for v in serious(page)]
                if size == "phone":
                    page.screenshot(path=str(SHOTS / f"{lang}-{name}.png"), full_page=True)
            context.close()
    assert not found, "axe-core found serious or critical problems:\n" + "\n".join(found)
    assert not errors, errors
