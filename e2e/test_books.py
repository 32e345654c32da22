"""Browser tests of the other half of the books (issue 16): a supplier, a purchase that raises
stock, an expense, a deposit from cash to the bank, and the profit — at desktop size and on a
390 px wide phone."""

from __future__ import annotations

import re
import struct
import zlib

from playwright.sync_api import Page, expect

from test_ledger_flow import add_product, go, pick, signup, tid


def add_supplier(page: Page, name: str, phone: str) -> None:
    go(page, "suppliers", "Suppliers")
    expect(tid(page, "empty-state")).to_be_visible()
    tid(page, "supplier-name").fill(name)
    tid(page, "supplier-phone").fill(phone)
    tid(page, "supplier-submit").click()
    expect(tid(page, "supplier-row").filter(has_text=name)).to_contain_text("₹0.00")


def record_purchase(page: Page, supplier: str, product: str, qty: str, cost: str, paid: str) -> None:
    go(page, "purchases", "Purchases")
    tid(page, "new-purchase").click()
    expect(tid(page, "page-title")).to_have_text("New purchase")
    pick(page, "purchase-supplier", supplier[:4], supplier)
    line = tid(page, "purchase-line").first
    pick(page, "purchase-line-product", product[:4], product, scope=line)
    line.get_by_test_id("purchase-line-qty").fill(qty)
    line.get_by_test_id("purchase-line-cost").fill(cost)
    line.get_by_test_id("purchase-line-gst").fill("0")
    tid(page, "purchase-paid").fill(paid)
    tid(page, "purchase-submit").click()


def png(width: int = 40, height: int = 60) -> bytes:
    """A real PNG (a grey page with a dark band), as a phone camera would hand over."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    rows = b"".join(b"\x00" + (b"\x30" if 20 <= y < 28 else b"\xe0") * width for y in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")


def test_books_month(page: Page) -> None:
    signup(page)
    add_product(page, "Cement bag", "350", "0")
    add_supplier(page, "Sharma Cement", "9812345670")

    # A bill of 100 bags at ₹300, ₹10,000 paid in cash: stock 100, owed ₹20,000.
    record_purchase(page, "Sharma Cement", "Cement bag", "100", "300", "10000")
    expect(tid(page, "purchase-total")).to_have_text("₹30,000.00")
    expect(tid(page, "purchase-due")).to_have_text("₹20,000.00")
    expect(tid(page, "purchase-status")).to_have_text("Part paid")
    go(page, "products", "Products")
    expect(tid(page, "product-row").filter(has_text="Cement bag").get_by_test_id("product-stock")).to_have_text("100")
    go(page, "suppliers", "Suppliers")
    tid(page, "supplier-row").filter(has_text="Sharma Cement").get_by_role("link").click()
    expect(tid(page, "supplier-balance")).to_have_text("₹20,000.00")
    expect(tid(page, "statement-row")).to_have_count(2)

    # Rent from cash; a bank account; ₹5,000 of cash deposited.
    go(page, "expenses", "Expenses")
    tid(page, "expense-amount").fill("1500")
    tid(page, "expense-category").fill("Rent")
    tid(page, "expense-submit").click()
    expect(tid(page, "expense-row")).to_have_count(1)
    expect(tid(page, "expense-totals-table")).to_contain_text("₹1,500.00")

    # The electricity bill with a photo of it; the photo opens as it was taken.
    photo = png()
    tid(page, "expense-amount").fill("2300")
    tid(page, "expense-category").fill("Electricity")
    tid(page, "expense-receipt").set_input_files(files=[{"name": "bill.png", "mimeType": "image/png", "buffer": photo}])
    tid(page, "expense-submit").click()
    expect(page.get_by_text("recorded with its receipt")).to_be_visible()
    row = tid(page, "expense-row").filter(has_text="Electricity")
    view = row.get_by_test_id("receipt-view")
    expect(view).to_have_text("View")
    expect(view).to_have_attribute("title", re.compile(r"^Photo, \d+ (bytes|KB)$"))
    got = page.request.get(view.get_attribute("href"))
    assert got.status == 200 and got.headers["content-type"] == "image/png" and got.body() == photo
    # A file that is not a receipt is refused before anything is sent.
    rent = tid(page, "expense-row").filter(has_text="Rent")
    rent.get_by_test_id("receipt-file").set_input_files(files=[{"name": "notes.txt", "mimeType": "text/plain", "buffer": b"hello"}])
    expect(page.get_by_text("Receipt not attached: choose a photo (JPEG or PNG) or a PDF.")).to_be_visible()
    expect(rent.get_by_test_id("receipt-attach")).to_be_visible()
    row.get_by_test_id("receipt-remove").click()
    tid(page, "confirm-ok").click()
    expect(row.get_by_test_id("receipt-attach")).to_be_visible()
    expect(tid(page, "expense-totals-table")).to_contain_text("₹3,800.00")

    go(page, "accounts", "Cash and bank")
    tid(page, "account-name").fill("HDFC current")
    tid(page, "account-last4").fill("1234")
    tid(page, "account-opening").fill("50000")
    tid(page, "account-submit").click()
    expect(tid(page, "account-row")).to_have_count(2)
    tid(page, "account-row").filter(has_text="Cash in hand").get_by_test_id("account-opening-edit").click()
    tid(page, "opening-input").fill("20000")
    tid(page, "opening-save").click()
    # Cash: 20,000 − 10,000 paid for cement − 1,500 rent − 2,300 electricity.
    expect(tid(page, "account-row").filter(has_text="Cash in hand").get_by_test_id("account-balance")).to_have_text("₹6,200.00")
    tid(page, "transfer-amount").fill("5000")
    tid(page, "transfer-submit").click()
    expect(tid(page, "account-row").filter(has_text="Cash in hand").get_by_test_id("account-balance")).to_have_text("₹1,200.00")
    expect(tid(page, "account-row").filter(has_text="HDFC").get_by_test_id("account-balance")).to_have_text("₹55,000.00")
    expect(tid(page, "accounts-total")).to_have_text("₹56,200.00")
    expect(tid(page, "book-row")).to_have_count(4)

    # Profit and loss: no sales yet, rent is the loss.
    go(page, "profit", "Profit and loss")
    expect(tid(page, "pl-net")).to_have_text("−₹3,800.00")


def test_books_on_a_phone(page: Page) -> None:
    page.set_viewport_size({"width": 390, "height": 844})
    signup(page, business="Phone Traders")
    add_product(page, "Sand bag", "80", "0")
    add_supplier(page, "River Sand Co", "9812345671")
    record_purchase(page, "River Sand Co", "Sand bag", "10", "50", "0")
    expect(tid(page, "purchase-total")).to_have_text("₹500.00")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    go(page, "expenses", "Expenses")
    tid(page, "expense-amount").fill("450")
    tid(page, "expense-category").fill("Transport")
    tid(page, "expense-receipt").set_input_files(files=[{"name": "slip.png", "mimeType": "image/png", "buffer": png()}])
    tid(page, "expense-submit").click()
    expect(tid(page, "expense-row").first.get_by_test_id("receipt-view")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    for nav, title in [("expenses", "Expenses"), ("accounts", "Cash and bank"), ("profit", "Profit and loss"), ("purchases", "Purchases")]:
        go(page, nav, title)
        expect(tid(page, "page-title")).to_be_visible()
        assert page.evaluate("document.documentElement.scrollWidth") <= 390, nav
