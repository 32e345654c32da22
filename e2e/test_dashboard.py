"""Browser tests of the dashboard and the Reports page: a new business sees the empty state
(no zeros posing as data); after a product, a customer and an issued invoice the dashboard
shows the sale today, the chart carries an accessible description and tooltips, the links
lead to the ledger; the Reports page lists the six exports and the inventory CSV downloads
with the product in it; both pages fit a 390 px wide screen."""

from __future__ import annotations

import csv
import io
import re

import pytest
from playwright.sync_api import Page, expect

from test_assistant import api_headers
from test_ledger_flow import add_customer, add_product, go, pick, signup, tid

REPORT_IDS = ["inventory", "sales-by-product", "sales-by-customer", "ledger", "aging-debtors", "sales-register", "hsn-summary",
              "payments", "purchases", "expenses", "payables", "cash-book", "profit-and-loss"]


def issue_invoice(page: Page) -> None:
    """5 × Cement bag (₹350) for Ramesh Traders, through the New invoice page."""
    go(page, "invoices", "Invoices")
    tid(page, "invoice-new-button").click()
    expect(tid(page, "page-title")).to_have_text("New invoice")
    pick(page, "invoice-customer", "Ramesh", "Ramesh Traders")
    line = tid(page, "invoice-line").first
    pick(page, "line-product", "Cement", "Cement bag", scope=line)
    line.get_by_test_id("line-quantity").fill("5")
    expect(tid(page, "invoice-form-total")).to_have_text("₹1,750.00")
    tid(page, "invoice-issue").click()
    expect(tid(page, "invoice-status")).to_have_text("Issued")


def test_dashboard_empty_then_real_figures(page: Page) -> None:
    signup(page)
    # A brand-new business: a helpful empty state, not a wall of zeros.
    empty = tid(page, "dashboard-empty")
    expect(empty).to_be_visible()
    expect(empty.get_by_role("link", name="Add a product")).to_have_attribute("href", "#/ledger/products")
    expect(empty.get_by_role("link", name="Add a customer")).to_have_attribute("href", "#/ledger/customers")
    expect(empty.get_by_role("link", name="Create an invoice")).to_have_attribute("href", "#/ledger/invoices/new")
    expect(empty).to_contain_text("swift run munim demo")
    expect(tid(page, "dashboard-sales-today")).to_have_count(0)
    expect(tid(page, "dashboard-chart-sales")).to_have_count(0)
    # Messages and workflow runs say honestly that they are not connected.
    expect(tid(page, "dashboard-messages")).to_contain_text("Not set up")
    expect(tid(page, "dashboard-runs")).to_contain_text("Not set up")

    add_product(page, "Cement bag", "350", "8")  # 8 - 5 sold = 3 left, under the threshold set below
    me = page.request.get("/api/v1/me")
    headers = {"X-CSRF-Token": me.json()["csrf_token"], "Content-Type": "application/json"}
    products = page.request.get("/api/v1/products", params={"q": "Cement"}).json()["items"]
    r = page.request.patch(f"/api/v1/products/{products[0]['id']}", headers=headers, data={"low_stock_threshold": 5})
    assert r.ok, r.text()
    add_customer(page, "Ramesh Traders", "+919812345678")
    issue_invoice(page)

    go(page, "dashboard", "Dashboard")
    expect(tid(page, "dashboard-empty")).to_have_count(0)
    today = tid(page, "dashboard-sales-today")
    expect(today).to_contain_text("₹1,750.00")
    expect(today).to_contain_text("1 invoice")
    expect(today).to_contain_text("No sales in the previous period")
    expect(tid(page, "dashboard-sales-week")).to_contain_text("₹1,750.00")
    expect(tid(page, "dashboard-sales-month")).to_contain_text("₹1,750.00")
    expect(tid(page, "dashboard-collected")).to_contain_text("₹0.00")
    expect(tid(page, "dashboard-outstanding")).to_contain_text("₹1,750.00")

    debtors = tid(page, "dashboard-debtors")
    expect(debtors).to_contain_text("1 debtor")
    debtor_link = debtors.get_by_role("link", name="Ramesh Traders")
    expect(debtor_link).to_have_attribute("href", re.compile(r"^#/ledger/customers/[0-9a-fA-F-]{36}$"))

    low = tid(page, "dashboard-low-stock")
    expect(low.get_by_role("link", name="Cement bag")).to_be_visible()
    expect(low).to_contain_text("3 bags left")

    # The 30-day chart: an SVG image with a title, a description and a hidden data table.
    chart = tid(page, "dashboard-chart-sales")
    svg = chart.locator("svg[role='group']")
    expect(svg).to_have_count(1)
    expect(svg.locator("title")).to_have_text("Sales, last 30 days")
    desc = svg.locator("desc")
    expect(desc).to_contain_text("Total ₹1,750.00")
    expect(desc).to_contain_text("Highest ₹1,750.00")
    labelled_by = svg.get_attribute("aria-labelledby") or ""
    assert len(labelled_by.split()) == 2, labelled_by
    expect(chart.locator("table caption")).to_have_text("Sales, last 30 days")
    expect(chart.locator("table tbody tr")).to_have_count(30)
    expect(chart.locator("table tbody tr").last).to_contain_text("₹1,750.00")
    # Tick labels in compact Indian style.
    expect(chart.locator(".chart-axis-y text").last).to_have_text(re.compile(r"^₹[\d.]+(K|L|Cr)?$"))
    # Keyboard: the chart is one tab stop; focusing it shows a tooltip, End goes to today.
    marks = chart.locator(".chart-mark")
    expect(marks).to_have_count(30)
    marks.first.focus()
    marks.first.press("End")
    expect(marks.last).to_be_focused()
    tooltip = chart.locator(".chart-tooltip")
    expect(tooltip).to_be_visible()
    expect(tooltip).to_contain_text("₹1,750.00")
    expect(tooltip).to_contain_text("1 invoice")
    # The line/area style draws the same data.
    chart.get_by_role("button", name="Line").click()
    expect(chart.locator("path.chart-line")).to_have_count(1)
    expect(chart.locator("circle.chart-point")).to_have_count(30)

    activity = tid(page, "dashboard-activity")
    item = activity.get_by_test_id("activity-item").first
    expect(item).to_contain_text("₹1,750.00")
    expect(item.locator("a").first).to_have_attribute("href", re.compile(r"^#/ledger/invoices/[0-9a-fA-F-]{36}$"))

    # Links lead to the ledger pages.
    debtor_link.click()
    expect(tid(page, "page-title")).to_contain_text("Ramesh Traders")
    go(page, "dashboard", "Dashboard")
    tid(page, "dashboard-low-stock").get_by_role("link", name="Cement bag").click()
    expect(tid(page, "page-title")).to_have_text("Products")
    expect(tid(page, "product-search")).to_have_value("Cement bag")

    # On a phone the dashboard fits the screen.
    page.set_viewport_size({"width": 390, "height": 844})
    go(page, "dashboard", "Dashboard")
    expect(tid(page, "dashboard-chart-sales").locator("svg[role='group']")).to_be_visible()
    page.wait_for_timeout(200)  # let the chart redraw at the new width
    assert page.evaluate("document.documentElement.scrollWidth") <= 390


def test_reports_list_and_inventory_csv(page: Page) -> None:
    signup(page, business="Gupta Kirana", owner="Sunita Gupta")
    add_product(page, "Basmati rice 5kg", "640", "12", unit="bag")

    go(page, "reports", "Reports")
    rows = tid(page, "report-row")
    expect(rows).to_have_count(len(REPORT_IDS))
    ids = [rows.nth(i).get_attribute("data-id") for i in range(len(REPORT_IDS))]
    assert sorted(ids) == sorted(REPORT_IDS), ids
    expect(page.get_by_test_id("reports-later")).to_have_count(0)

    # Period reports have date pickers with presets; the link follows them.
    sales = page.locator('[data-testid="report-row"][data-id="sales-by-product"]')
    frm, to = sales.get_by_test_id("report-from"), sales.get_by_test_id("report-to")
    expect(frm).to_have_value(re.compile(r"^\d{4}-\d{2}-01$"))
    sales.get_by_role("button", name="This year").click()
    expect(frm).to_have_value(re.compile(r"^\d{4}-01-01$"))
    href = sales.get_by_test_id("report-download").get_attribute("href")
    assert href.startswith("/api/v1/reports/sales-by-product.csv?from="), href
    assert re.search(r"from=\d{4}-01-01&to=\d{4}-\d{2}-\d{2}", href), href
    # A start after the end is caught here, not sent.
    frm.fill("2030-01-31")
    to.fill("2030-01-01")
    expect(sales.get_by_test_id("report-status")).to_contain_text("start date is after the end date")
    expect(sales.get_by_test_id("report-download")).to_have_attribute("aria-disabled", "true")
    sales.get_by_role("button", name="Last month").click()
    expect(sales.get_by_test_id("report-status")).to_have_text("")

    # The inventory export downloads as CSV with the product in it.
    inventory = page.locator('[data-testid="report-row"][data-id="inventory"]')
    expect(inventory.get_by_test_id("report-from")).to_have_count(0)
    with page.expect_download() as info:
        inventory.get_by_test_id("report-download").click()
    download = info.value
    assert download.suggested_filename.endswith(".csv"), download.suggested_filename
    text = open(download.path(), encoding="utf-8-sig").read()
    assert "Basmati rice 5kg" in text, text
    rows_csv = list(csv.reader(io.StringIO(text)))
    assert len(rows_csv) >= 2, rows_csv
    expect(inventory.get_by_test_id("report-status")).to_contain_text("Downloaded")

    # Same CSV straight from the link's URL (the cookie is enough).
    r = page.request.get(inventory.get_by_test_id("report-download").get_attribute("href"))
    assert r.ok, r.text()
    assert r.headers["content-type"].startswith("text/csv"), r.headers
    assert "Basmati rice 5kg" in r.text()

    # Excel and PDF versions of the same export.
    for fmt, ctype in (("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"), ("pdf", "application/pdf")):
        href = inventory.get_by_test_id(f"report-download-{fmt}").get_attribute("href")
        assert href.startswith(f"/api/v1/reports/inventory.{fmt}"), href
        r = page.request.get(href)
        assert r.ok and r.headers["content-type"].startswith(ctype), (fmt, r.status, r.headers)

    page.set_viewport_size({"width": 390, "height": 844})
    page.wait_for_timeout(100)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390


def test_reports_read_on_screen(page: Page) -> None:
    """Issue 19 §5: a report opens as a table on the page — sortable by any column, paged, with
    its totals row at the foot — and follows the period; it fits a phone."""
    signup(page, business="Gupta Kirana", owner="Sunita Gupta")
    headers = api_headers(page)
    for i in range(55):
        r = page.request.post("/api/v1/products", headers=headers,
                              data={"name": f"Item {i:02d}", "unit": "pcs", "price": 100 * (i + 1), "stock": 2})
        assert r.status == 201, r.text()

    go(page, "reports", "Reports")
    inventory = page.locator('[data-testid="report-row"][data-id="inventory"]')
    show = inventory.get_by_test_id("report-show")
    show.click()
    expect(show).to_have_attribute("aria-expanded", "true")
    table = inventory.get_by_test_id("report-table")
    expect(table.get_by_test_id("report-table-summary")).to_have_text("Rows 1–50 of 55")
    expect(table.get_by_test_id("report-table-row")).to_have_count(50)
    # The totals row: the stock value of everything, 2 × ₹1 … ₹55 = ₹3,080.00; prices are not added.
    total = table.get_by_test_id("report-table-total")
    expect(total).to_have_count(1)
    expect(total.locator("th")).to_have_text("Total")
    expect(total).to_contain_text("₹3,080.00")
    expect(total).not_to_contain_text("₹1,540.00")

    # Sort by price: highest first, then lowest first; the totals stay at the foot.
    price = table.locator('[data-testid="report-sort"]', has_text="Price (₹)")
    price.click()
    expect(table.locator("th[aria-sort]")).to_have_attribute("aria-sort", "descending")
    expect(table.get_by_test_id("report-table-row").first).to_contain_text("Item 54")
    price.click()
    expect(table.locator("th[aria-sort]")).to_have_attribute("aria-sort", "ascending")
    expect(table.get_by_test_id("report-table-row").first).to_contain_text("Item 00")
    table.get_by_test_id("report-next").click()
    expect(table.get_by_test_id("report-table-summary")).to_have_text("Rows 51–55 of 55")
    expect(table.get_by_test_id("report-table-row").first).to_contain_text("Item 50")
    expect(table.get_by_test_id("report-table-total")).to_contain_text("₹3,080.00")
    expect(table.get_by_test_id("report-prev")).to_be_enabled()
    expect(table.get_by_test_id("report-next")).to_be_disabled()

    # A period report follows its dates: nothing sold this month, then an impossible period.
    sales = page.locator('[data-testid="report-row"][data-id="sales-by-customer"]')
    sales.get_by_test_id("report-show").click()
    expect(sales.get_by_test_id("report-table")).to_contain_text("Nothing in this period.")
    sales.get_by_test_id("report-from").fill("2030-02-01")
    sales.get_by_test_id("report-to").fill("2030-01-01")
    expect(sales.get_by_test_id("report-table")).to_contain_text("start date is after the end date")
    inventory.get_by_test_id("report-show").click()
    expect(table).to_be_hidden()

    page.set_viewport_size({"width": 390, "height": 844})
    inventory.get_by_test_id("report-show").click()
    expect(table.get_by_test_id("report-table-row").first).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390, "the table scrolls inside its box"
    page.screenshot(path="e2e/artifacts/reports-table-en.png", full_page=False)


@pytest.mark.allow_console_errors(r"status of 409 .*/api/v1/gst/gstr(1|3b)")
def test_gstr1_on_the_reports_page(page: Page) -> None:
    """The GST card: no GSTIN → a clear pointer to Settings; with one, the month's totals and the file."""
    signup(page, business="Kale Traders", owner="Sunil Kale")
    go(page, "reports", "Reports")
    card = page.get_by_test_id("gst-card")
    card.get_by_test_id("gst-show").click()
    expect(card.get_by_test_id("gst-error")).to_contain_text("Add it in Settings")

    me = page.request.get("/api/v1/me")
    headers = {"X-CSRF-Token": me.json()["csrf_token"], "Content-Type": "application/json"}
    assert page.request.patch("/api/v1/business", headers=headers, data={"state": "Maharashtra", "gstin": "27AAPFU0939F1ZV"}).ok
    r = page.request.post("/api/v1/products", headers=headers, data={"name": "Cement bag", "unit": "bag", "price": 35000, "stock": 50, "gst_rate": 18, "hsn": "2523"})
    product = r.json()["id"]
    r = page.request.post("/api/v1/customers", headers=headers, data={"name": "Ramesh Traders"})
    customer = r.json()["id"]
    month = card.get_by_test_id("gst-month").input_value()
    r = page.request.post("/api/v1/invoices", headers=headers, data={
        "customer_id": customer, "issue": True, "issue_date": f"{month}-15", "items": [{"product_id": product, "quantity": 5}]})
    assert r.status == 201, r.text()

    card.get_by_test_id("gst-show").click()
    rows = card.get_by_test_id("gst-summary-row")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("B2C small")
    # 5 × ₹350 with GST in it (the default): ₹1,483.06 taxable, CGST and SGST ₹133.47 each.
    total = card.get_by_test_id("gst-summary-total")
    expect(total).to_contain_text("₹1,483.06")
    expect(total).to_contain_text("₹133.47")
    expect(card.get_by_test_id("gst-documents")).to_contain_text("INV-0001 to INV-0001: 1 issued, 0 cancelled")
    with page.expect_download() as info:
        card.get_by_test_id("gst-download").click()
    assert info.value.suggested_filename == f"GSTR1_27AAPFU0939F1ZV_{month[5:7]}{month[:4]}.json"
    # GSTR-3B: no purchases yet, so the whole tax is paid in cash.
    cash = card.get_by_test_id("gst3b-row").filter(has_text="To pay in cash")
    expect(cash).to_contain_text("₹133.47")
    with page.expect_download() as info:
        card.get_by_test_id("gst3b-download").click()
    assert info.value.suggested_filename == f"GSTR3B_27AAPFU0939F1ZV_{month[5:7]}{month[:4]}.pdf"

    # A quarterly (QRMP) filer: the quarter of the month, filed under its last month.
    card.get_by_test_id("gst-quarterly").check()
    card.get_by_test_id("gst-show").click()
    expect(card.get_by_test_id("gst-summary-total")).to_contain_text("₹1,483.06")
    quarter_end = f"{(int(month[5:7]) + 2) // 3 * 3:02d}"
    with page.expect_download() as info:
        card.get_by_test_id("gst-download").click()
    assert info.value.suggested_filename == f"GSTR1_27AAPFU0939F1ZV_{quarter_end}{month[:4]}.json"
    # The quarter's B2B e-invoices for the bulk tool: none here (a walk-in sale), an empty list.
    with page.expect_download() as info:
        card.get_by_test_id("gst-einvoices-download").click()
    assert info.value.suggested_filename == f"EINV_27AAPFU0939F1ZV_{month[:4]}Q{int(quarter_end) // 3}.json"
    assert open(info.value.path(), encoding="utf-8").read() == "[]"
