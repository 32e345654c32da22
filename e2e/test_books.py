"""Browser tests of the other half of the books (issue 16): a supplier, a purchase that raises
stock, an expense, a deposit from cash to the bank, and the profit — at desktop size and on a
390 px wide phone."""

from __future__ import annotations

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

    go(page, "accounts", "Cash and bank")
    tid(page, "account-name").fill("HDFC current")
    tid(page, "account-last4").fill("1234")
    tid(page, "account-opening").fill("50000")
    tid(page, "account-submit").click()
    expect(tid(page, "account-row")).to_have_count(2)
    tid(page, "account-row").filter(has_text="Cash in hand").get_by_test_id("account-opening-edit").click()
    tid(page, "opening-input").fill("20000")
    tid(page, "opening-save").click()
    # Cash: 20,000 − 10,000 paid for cement − 1,500 rent.
    expect(tid(page, "account-row").filter(has_text="Cash in hand").get_by_test_id("account-balance")).to_have_text("₹8,500.00")
    tid(page, "transfer-amount").fill("5000")
    tid(page, "transfer-submit").click()
    expect(tid(page, "account-row").filter(has_text="Cash in hand").get_by_test_id("account-balance")).to_have_text("₹3,500.00")
    expect(tid(page, "account-row").filter(has_text="HDFC").get_by_test_id("account-balance")).to_have_text("₹55,000.00")
    expect(tid(page, "accounts-total")).to_have_text("₹58,500.00")
    expect(tid(page, "book-row")).to_have_count(3)

    # Profit and loss: no sales yet, rent is the loss.
    go(page, "profit", "Profit and loss")
    expect(tid(page, "pl-net")).to_have_text("−₹1,500.00")


def test_books_on_a_phone(page: Page) -> None:
    page.set_viewport_size({"width": 390, "height": 844})
    signup(page, business="Phone Traders")
    add_product(page, "Sand bag", "80", "0")
    add_supplier(page, "River Sand Co", "9812345671")
    record_purchase(page, "River Sand Co", "Sand bag", "10", "50", "0")
    expect(tid(page, "purchase-total")).to_have_text("₹500.00")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    for nav, title in [("expenses", "Expenses"), ("accounts", "Cash and bank"), ("profit", "Profit and loss"), ("purchases", "Purchases")]:
        go(page, nav, title)
        expect(tid(page, "page-title")).to_be_visible()
        assert page.evaluate("document.documentElement.scrollWidth") <= 390, nav
