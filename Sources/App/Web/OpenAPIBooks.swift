import Vapor

/// The books' part of the OpenAPI document (issue 16): suppliers, purchases, supplier payments,
/// expenses, accounts, transfers and profit and loss.
extension OpenAPIDocument {
    static let purchaseStatuses = PurchaseStatus.allCases.map(\.rawValue)

    static var booksSchemas: [String: JSONValue] {
        let party = object(["id": uuid, "name": string])
        let openingBalance: JSONValue = ["type": "integer", "format": "int64", "minimum": .int(-maxPaise), "maximum": .int(maxPaise),
                                         "description": "Paise; what was owed (or held) when the books started here."]
        return [
            "Supplier": object([
                "id": uuid, "name": string, "phone": nullable(string), "gstin": nullable(string), "state": nullable(string), "address": nullable(string),
                "opening_balance": signedPaise,
                "balance": ["type": "integer", "format": "int64", "description": "Paise the business owes the supplier; negative: an advance paid."],
                "linked_customer_id": ["type": ["string", "null"], "format": "uuid", "description": "The customer with the same phone; balances stay separate."],
                "archived": boolean, "created_at": dateTime, "updated_at": dateTime]),
            "SupplierInput": object([
                "name": text(1, 120), "phone": ["type": ["string", "null"], "description": "Mobile number, e.g. +919812345678"],
                "gstin": ["type": ["string", "null"], "description": "15-character GSTIN; its first two digits give the state"],
                "state": nullable(string), "address": nullable(string), "opening_balance": openingBalance], required: ["name"]),
            "SupplierPatch": object([
                "name": text(1, 120), "phone": nullable(string), "gstin": nullable(string), "state": nullable(string),
                "address": nullable(string), "archived": boolean]),
            "SupplierStatement": object([
                "supplier": ref("Supplier"), "from": nullable(date), "to": nullable(date), "opening_balance": signedPaise, "closing_balance": signedPaise,
                "entries": array(object([
                    "date": date, "kind": enumeration(["bill", "payment", "void"]), "reference": string, "description": string,
                    "credit": paiseSum, "debit": paiseSum, "balance": signedPaise, "purchase_id": nullable(uuid), "payment_id": nullable(uuid)]))]),
            "PurchaseLineInput": object([
                "product_id": nullable(uuid),
                "product_name": ["type": ["string", "null"], "maxLength": 120, "description": "Without product_id: an existing product by name, or a new one"],
                "unit": nullable(string), "sale_price": paise, "quantity": positiveQuantity,
                "unit_cost": ["type": "integer", "format": "int64", "minimum": 0, "maximum": .int(maxPaise), "description": "Paise per unit, GST excluded."],
                "gst_rate": gstRate, "hsn": nullable(string)], required: ["quantity", "unit_cost"]),
            "PurchaseInput": object([
                "supplier_id": uuid, "bill_number": nullable(text(0, 40)), "bill_date": date, "items": array(ref("PurchaseLineInput")),
                "amount_paid": paise, "mode": enumeration(paymentModes), "account_id": nullable(uuid), "notes": nullable(string)],
                required: ["supplier_id", "items"]),
            "Purchase": object([
                "id": uuid, "supplier": party, "bill_number": nullable(string), "bill_date": date,
                "status": enumeration(purchaseStatuses), "inter_state": boolean,
                "items": array(object([
                    "id": uuid, "product_id": uuid, "description": string, "quantity": quantity, "unit": string, "unit_cost": paise,
                    "gst_rate": gstRate, "hsn": nullable(string), "taxable": paiseSum, "tax": paiseSum, "total": paiseSum])),
                "subtotal": paiseSum, "cgst": paiseSum, "sgst": paiseSum, "igst": paiseSum, "tax_total": paiseSum, "total": paiseSum,
                "amount_paid": paiseSum, "balance_due": paiseSum,
                "payments": array(object(["payment_id": uuid, "amount": paise, "paid_on": date, "mode": enumeration(paymentModes)])),
                "notes": nullable(string), "voided_at": nullable(dateTime), "void_reason": nullable(string), "created_at": dateTime]),
            "SupplierPaymentInput": object([
                "supplier_id": uuid, "amount": positivePaise, "mode": enumeration(paymentModes), "account_id": nullable(uuid),
                "reference": nullable(string), "paid_on": date, "bill_id": nullable(uuid), "notes": nullable(string)],
                required: ["supplier_id", "amount", "mode"]),
            "SupplierPayment": object([
                "id": uuid, "supplier": party, "amount": paise, "mode": enumeration(paymentModes), "account_id": uuid,
                "reference": nullable(string), "paid_on": date, "notes": nullable(string),
                "unallocated": ["type": "integer", "format": "int64", "minimum": 0, "description": "Paise held as an advance to the supplier."],
                "allocations": array(object(["bill_id": uuid, "bill_number": nullable(string), "amount": paise])), "created_at": dateTime]),
            "ExpenseInput": object([
                "amount": positivePaise, "category": ["type": "string", "minLength": 1, "maxLength": 60, "pattern": textPattern,
                                                      "description": "Rent, Salary, Electricity, Transport, Repairs, Other or the business's own; a new name is added"],
                "date": date, "account_id": nullable(uuid), "mode": enumeration(paymentModes),
                "gst_paid": ["type": "integer", "format": "int64", "minimum": 0, "maximum": .int(maxPaise), "description": "Input tax included in amount (paise)."],
                "supplier_id": nullable(uuid), "note": nullable(text(0, 500))], required: ["amount", "category"]),
            "Expense": object([
                "id": uuid, "date": date, "amount": paise, "category": string, "account_id": uuid, "gst_paid": paise,
                "supplier_id": nullable(uuid), "note": nullable(string), "created_at": dateTime,
                "receipt": nullable(object(["content_type": enumeration(ExpenseReceipt.types), "size": ["type": "integer", "minimum": 1, "maximum": .int(Int64(ExpenseReceipt.maxBytes))],
                                            "url": string]))]),
            "ExpensePage": page("Expense"), "SupplierPage": page("Supplier"), "PurchasePage": page("Purchase"),
            "SupplierPaymentPage": page("SupplierPayment"),
            "CategoryInput": object(["name": text(1, 60)], required: ["name"]),
            "Category": object(["name": string, "custom": boolean]),
            "CategoryList": object(["items": array(ref("Category"))]),
            "MoneyAccountInput": object([
                "name": text(1, 80), "kind": enumeration(MoneyAccountKind.allCases.map(\.rawValue)),
                "last4": ["type": ["string", "null"], "pattern": "^[0-9]{4}$", "description": "Last 4 digits of the account number"],
                "opening_balance": openingBalance], required: ["name", "kind"]),
            "MoneyAccount": object([
                "id": uuid, "name": string, "kind": enumeration(MoneyAccountKind.allCases.map(\.rawValue)), "last4": nullable(string),
                "opening_balance": signedPaise, "balance": signedPaise, "archived": boolean, "created_at": dateTime]),
            "MoneyAccountPatch": object([
                "name": text(1, 80), "last4": ["type": ["string", "null"], "pattern": "^([0-9]{4})?$"], "opening_balance": openingBalance,
                "archived": boolean]),
            "MoneyAccountList": object(["items": array(ref("MoneyAccount")), "total": signedPaise]),
            "AccountBook": object([
                "account": ref("MoneyAccount"), "from": nullable(date), "to": nullable(date), "opening_balance": signedPaise,
                "closing_balance": signedPaise, "total_in": paiseSum, "total_out": paiseSum,
                "entries": array(object([
                    "id": uuid, "date": date, "kind": enumeration(EntryKind.allCases.map(\.rawValue)), "description": string,
                    "money_in": paiseSum, "money_out": paiseSum, "balance": signedPaise, "source_id": nullable(uuid)]))]),
            "TransferInput": object([
                "from_account_id": uuid, "to_account_id": uuid, "amount": positivePaise, "date": date, "note": nullable(text(0, 200))],
                required: ["from_account_id", "to_account_id", "amount"]),
            "Transfer": object(["id": uuid, "from_account_id": uuid, "to_account_id": uuid, "amount": paise, "date": date]),
            "ProfitAndLoss": object([
                "from": date, "to": date, "sales": signedPaise, "cost_of_goods_sold": signedPaise, "gross_profit": signedPaise,
                "expenses": signedPaise, "expenses_by_category": array(object(["category": string, "amount": signedPaise])),
                "net_profit": signedPaise,
                "previous": object(["from": date, "to": date, "sales": signedPaise, "cost_of_goods_sold": signedPaise,
                                    "gross_profit": signedPaise, "expenses": signedPaise, "net_profit": signedPaise]),
                "note": string]),
        ]
    }

    static var booksOperations: [Op] {
        let period: [(String, String)] = [("from", "YYYY-MM-DD"), ("to", "YYYY-MM-DD")]
        return [
            Op(.suppliers, tag: "Suppliers", summary: "List suppliers", response: "SupplierPage",
               query: listQuery + [("q", "Search name or phone."), ("payable", "true: only suppliers the business owes, largest first."), ("archived", "true: archived suppliers.")]),
            Op(.supplierCreate, tag: "Suppliers", summary: "Create a supplier", body: "SupplierInput", status: 201, response: "Supplier", idempotent: true),
            Op(.supplier, tag: "Suppliers", summary: "Get a supplier with what the business owes them", response: "Supplier"),
            Op(.supplierUpdate, tag: "Suppliers", summary: "Update a supplier (fields given only)", body: "SupplierPatch", response: "Supplier"),
            Op(.supplierStatement, tag: "Suppliers", summary: "Statement of account with running payable", response: "SupplierStatement", query: period),

            Op(.purchases, tag: "Purchases", summary: "List purchase bills, newest first", response: "PurchasePage",
               query: listQuery + [("supplier_id", "Only this supplier's."), ("status", "Comma-separated: unpaid, partially_paid, paid, void.")] + period),
            Op(.purchaseCreate, tag: "Purchases",
               summary: "Record a supplier's bill: stock, average cost, payable and an optional payment in one transaction",
               body: "PurchaseInput", status: 201, response: "Purchase", idempotent: true),
            Op(.purchase, tag: "Purchases", summary: "Get a purchase bill with lines and payments", response: "Purchase"),
            Op(.purchaseVoid, tag: "Purchases", summary: "Void: stock goes back out (409 insufficient_stock when sold), the payable reverses, payments become an advance",
               body: "Void", response: "Purchase", idempotent: true),

            Op(.supplierPayments, tag: "Purchases", summary: "List payments to suppliers", response: "SupplierPaymentPage",
               query: listQuery + [("supplier_id", "Only this supplier's.")] + period),
            Op(.supplierPaymentCreate, tag: "Purchases", summary: "Pay a supplier: allocated to the named bill, then the oldest open ones; the rest is an advance",
               body: "SupplierPaymentInput", status: 201, response: "SupplierPayment", idempotent: true),
            Op(.supplierPayment, tag: "Purchases", summary: "Get a payment to a supplier", response: "SupplierPayment"),

            Op(.expenses, tag: "Expenses", summary: "List expenses, newest first", response: "ExpensePage",
               query: listQuery + [("category", "Category name contains.")] + period),
            Op(.expenseCreate, tag: "Expenses", summary: "Record an expense paid from an account", body: "ExpenseInput", status: 201, response: "Expense", idempotent: true),
            Op(.expense, tag: "Expenses", summary: "Get an expense", response: "Expense"),
            Op(.expenseDelete, tag: "Expenses", summary: "Delete an expense entered by mistake (its account entry and receipt go with it)", status: 204),
            Op(.expenseReceiptPut, tag: "Expenses",
               summary: "Attach or replace the receipt: the body is the file itself, a JPEG, PNG or PDF of at most 5 MB (415 when its bytes are not the declared type)",
               body: "ReceiptFile", response: "Expense"),
            Op(.expenseReceipt, tag: "Expenses", summary: "The receipt file, shown inline (download=1: as an attachment)",
               query: [("download", "1: as an attachment")], produces: ExpenseReceipt.types),
            Op(.expenseReceiptDelete, tag: "Expenses", summary: "Remove the receipt", status: 204),
            Op(.expenseCategories, tag: "Expenses", summary: "Expense categories: the defaults and the business's own", response: "CategoryList"),
            Op(.expenseCategoryCreate, tag: "Expenses", summary: "Add an expense category", body: "CategoryInput", status: 201, response: "Category", idempotent: true),

            Op(.moneyAccounts, tag: "Accounts and money", summary: "Cash, bank and UPI accounts with balances (a new business has Cash in hand)", response: "MoneyAccountList"),
            Op(.moneyAccountCreate, tag: "Accounts and money", summary: "Add a bank or UPI account", body: "MoneyAccountInput", status: 201, response: "MoneyAccount", idempotent: true),
            Op(.moneyAccount, tag: "Accounts and money", summary: "Get an account", response: "MoneyAccount"),
            Op(.moneyAccountUpdate, tag: "Accounts and money", summary: "Rename, set the opening balance (the balance moves with it) or archive an account",
               body: "MoneyAccountPatch", response: "MoneyAccount"),
            Op(.moneyAccountEntries, tag: "Accounts and money", summary: "Cash book / bank book: entries with running balance", response: "AccountBook", query: period),
            Op(.transferCreate, tag: "Accounts and money", summary: "Move money between accounts (cash deposited in the bank)", body: "TransferInput", status: 201,
               response: "Transfer", idempotent: true),

            Op(.profitAndLoss, tag: "Reports", summary: "Profit and loss for a period (default this month), with the previous period; GST excluded",
               response: "ProfitAndLoss", query: period),
        ]
    }
}
