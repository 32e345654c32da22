@testable import App
import Fluent
import Foundation
import PropertyBased
import Testing
import Vapor

/// The other half of the books (issue 16): a month of a shop through the API, bad input and
/// isolation, random operation sequences with every invariant checked, and concurrency.
enum BooksScenarios {
    static func post(_ c: APIClient, _ path: String, _ body: [String: Any], sourceLocation: SourceLocation = #_sourceLocation) async throws -> APIClient.Reply {
        let r = try await c.send(.POST, path, json: body)
        #expect(r.status == .created, "\(path): \(r.body)", sourceLocation: sourceLocation)
        return r
    }

    static func int(_ v: Any?) -> Int? { v as? Int }

    /// A GSTIN with its real check character.
    static func gstin(_ first14: String) -> String { first14 + String(Validate.gstinCheckCharacter(first14)!) }

    /// The same GSTIN with a wrong check character.
    static func badGSTIN(_ first14: String) -> String {
        let right = Validate.gstinCheckCharacter(first14)!
        return first14 + (right == "A" ? "B" : "A")
    }

    /// A shop's month: buy cement from two suppliers (one in the state, one across), sell some,
    /// pay rent and petrol, deposit cash, pay a supplier by bank, void a bill — and read stock,
    /// average cost, payables, account balances, the cash book, a statement and the profit.
    static func monthOfAShop(_ db: TestDB) async throws {
        try await withTestApp(db) { app in
            // setup: a business in Maharashtra with opening cash of ₹50,000
            var c = APIClient(app)
            try await c.signup()
            #expect(try await c.send(.PATCH, "/api/v1/business", json: ["state": "Maharashtra"]).status == .ok)
            let accounts0 = try await c.send(.GET, "/api/v1/accounts")
            #expect(accounts0.items.count == 1 && accounts0.items.first?["kind"] as? String == "cash", "a new business has cash in hand: \(accounts0.body)")
            let cash = accounts0.items.first?["id"] as? String ?? ""
            #expect(try await c.send(.PATCH, "/api/v1/accounts/\(cash)", json: ["opening_balance": 5_000_000]).status == .ok)
            let cement = try await c.product("Cement bag", price: 35_000, stock: 0, gst: 18)
            let local = try await post(c, "/api/v1/suppliers", ["name": "Sharma Cement", "phone": "+919800000001", "state": "Maharashtra"])["id"] as? String ?? ""
            let gujarat = try await post(c, "/api/v1/suppliers", ["name": "Ambuja Traders", "gstin": gstin("24AAACA1234A1Z")])
            let far = gujarat["id"] as? String ?? ""

            // act: two bills of 100 bags, one paid ₹10,000 in cash
            let bill1 = try await post(c, "/api/v1/purchases", ["supplier_id": local, "bill_number": "SC-17", "items": [["product_id": cement, "quantity": 100, "unit_cost": 30_000]],
                                                                "amount_paid": 1_000_000, "mode": "cash"])
            let bill2 = try await post(c, "/api/v1/purchases", ["supplier_id": far, "items": [["product_id": cement, "quantity": 100, "unit_cost": 32_000]]])

            // verify: GST split by place of supply, stock and weighted average cost
            #expect(int(bill1["total"]) == 3_540_000 && int(bill1["cgst"]) == 270_000 && int(bill1["sgst"]) == 270_000 && int(bill1["igst"]) == 0)
            #expect(bill1["status"] as? String == "partially_paid" && int(bill1["balance_due"]) == 2_540_000)
            #expect(int(bill2["igst"]) == 576_000 && int(bill2["cgst"]) == 0 && bill2["inter_state"] as? Bool == true, "\(bill2.body)")
            #expect(gujarat["state"] as? String == "Gujarat", "the GSTIN's first two digits give the state")
            var product = try await c.send(.GET, "/api/v1/products/\(cement)")
            #expect(product["stock"] as? Double == 200 && int(product["average_cost"]) == 31_000, "\(product.body)")
            #expect(int(try await c.send(.GET, "/api/v1/suppliers/\(local)")["balance"]) == 2_540_000)

            // act: a product bought inline, a sale of 50 bags paid ₹10,000 by UPI, a bank account
            let sand = try await post(c, "/api/v1/purchases", ["supplier_id": local, "items": [["product_name": "River sand", "unit": "bag", "sale_price": 8_000,
                                                                                               "quantity": 10, "unit_cost": 5_000, "gst_rate": NSNull()]],
                                                               "amount_paid": 50_000])
            let ramesh = try await c.customer("Ramesh", phone: "+919800000001")
            let sale = try await c.send(.POST, "/api/v1/invoices", json: ["customer_id": ramesh, "issue": true,
                                                                          "items": [["product_id": cement, "quantity": 50]],
                                                                          "payment": ["amount": 1_000_000, "mode": "upi"]])
            #expect(sale.status == .created, "\(sale.body)")
            let bank = try await post(c, "/api/v1/accounts", ["name": "HDFC current", "kind": "bank", "last4": "1234", "opening_balance": 2_000_000])["id"] as? String ?? ""

            // verify: the inline product exists with its cost; UPI money went to cash (no UPI or bank account then)
            let sandID = (sand["items"] as? [[String: Any]])?.first?["product_id"] as? String ?? ""
            product = try await c.send(.GET, "/api/v1/products/\(sandID)")
            #expect(product["name"] as? String == "River sand" && product["stock"] as? Double == 10 && int(product["average_cost"]) == 5_000 && int(product["price"]) == 8_000)
            let salePayment = try await c.send(.GET, "/api/v1/payments?customer_id=\(ramesh)")
            #expect(salePayment.items.first?["account_id"] as? String == cash)
            let linked = try await c.send(.GET, "/api/v1/suppliers/\(local)")
            #expect(linked["linked_customer_id"] as? String == ramesh, "same phone: shown as linked")

            // act: rent and petrol, a deposit, the local supplier paid by bank, the Gujarat bill voided
            _ = try await post(c, "/api/v1/expenses", ["amount": 1_500_000, "category": "rent"])
            let petrol = try await post(c, "/api/v1/expenses", ["amount": 59_000, "gst_paid": 9_000, "category": "Petrol", "note": "Bike"])
            _ = try await post(c, "/api/v1/transfers", ["from_account_id": cash, "to_account_id": bank, "amount": 500_000])
            let pay = try await post(c, "/api/v1/supplier-payments", ["supplier_id": local, "amount": 2_540_000, "mode": "bank"])
            let void2 = try await c.send(.POST, "/api/v1/purchases/\(bill2["id"] as? String ?? "")/void", json: ["reason": "Wrong rate"])
            let void1 = try await c.send(.POST, "/api/v1/purchases/\(bill1["id"] as? String ?? "")/void", json: [:])

            // verify: categories, payments, stock and payables after the void; the second void is refused
            #expect(try await c.send(.GET, "/api/v1/expense-categories").items.contains { $0["name"] as? String == "Petrol" && $0["custom"] as? Bool == true })
            #expect(petrol["category"] as? String == "Petrol")
            #expect(pay["account_id"] as? String == bank && (pay["allocations"] as? [[String: Any]])?.count == 1, "\(pay.body)")
            #expect(void2.status == .ok && void2["status"] as? String == "void", "\(void2.body)")
            #expect(void1.status == .conflict && void1.errorCode == "insufficient_stock", "50 left, the bill brought 100: \(void1.body)")
            product = try await c.send(.GET, "/api/v1/products/\(cement)")
            #expect(product["stock"] as? Double == 50 && int(product["average_cost"]) == 29_000, "\(product.body)")
            #expect(int(try await c.send(.GET, "/api/v1/suppliers/\(far)")["balance"]) == 0)
            #expect(int(try await c.send(.GET, "/api/v1/suppliers/\(local)")["balance"]) == 0)
            #expect(try await c.send(.GET, "/api/v1/purchases/\(bill1["id"] as? String ?? "")")["status"] as? String == "paid")

            // verify: account balances and the cash book
            let accounts = try await c.send(.GET, "/api/v1/accounts")
            let balances = Dictionary(uniqueKeysWithValues: accounts.items.map { ($0["id"] as? String ?? "", int($0["balance"]) ?? 0) })
            let cashExpected = 5_000_000 - 1_000_000 - 50_000 + 1_000_000 - 1_500_000 - 59_000 - 500_000
            #expect(balances[cash] == cashExpected && balances[bank] == 2_000_000 + 500_000 - 2_540_000, "\(accounts.body)")
            #expect(int(accounts["total"]) == cashExpected - 40_000)
            let book = try await c.send(.GET, "/api/v1/accounts/\(cash)/entries")
            #expect(int(book["opening_balance"]) == 5_000_000 && int(book["closing_balance"]) == cashExpected, "\(book.body)")
            #expect((book["entries"] as? [[String: Any]])?.count == 6 && int(book["total_in"]) == 1_000_000)
            #expect(try await c.send(.GET, "/api/v1/accounts/\(cash)/entries?from=2999-01-01")["closing_balance"] as? Int == cashExpected,
                    "a later period opens with everything before it")

            // verify: the supplier statement runs to zero
            let statement = try await c.send(.GET, "/api/v1/suppliers/\(local)/statement")
            let lines = statement["entries"] as? [[String: Any]] ?? []
            // Within a day: bills, then payments (the test clock gives every entry the same instant).
            #expect(lines.map { $0["kind"] as? String ?? "" } == ["bill", "bill", "payment", "payment", "payment"], "\(statement.body)")
            #expect(lines.filter { $0["kind"] as? String == "bill" }.compactMap { int($0["credit"]) }.sorted() == [50_000, 3_540_000])
            #expect(lines.filter { $0["kind"] as? String == "payment" }.compactMap { int($0["debit"]) }.sorted() == [50_000, 1_000_000, 2_540_000])
            #expect(int(lines.first?["balance"]) == int(lines.first?["credit"]) && int(lines.last?["balance"]) == 0, "\(statement.body)")
            #expect(int(statement["closing_balance"]) == 0)

            // verify: profit and loss in taxable values
            let pl = try await c.send(.GET, "/api/v1/reports/profit-and-loss")
            #expect(int(pl["sales"]) == 1_750_000 && int(pl["cost_of_goods_sold"]) == 1_550_000 && int(pl["gross_profit"]) == 200_000, "\(pl.body)")
            #expect(int(pl["expenses"]) == 1_550_000 && int(pl["net_profit"]) == -1_350_000, "\(pl.body)")
            #expect((pl["expenses_by_category"] as? [[String: Any]])?.first?["category"] as? String == "Rent")
            #expect(int((pl["previous"] as? [String: Any])?["sales"]) == 0)

            // verify: the exports (CSV figures; XLSX and PDF are the same rows through other writers)
            func csv(_ id: String) async throws -> [[String]] {
                let r = try await c.send(.GET, "/api/v1/reports/\(id).csv")
                #expect(r.status == .ok && r.headers.contentType?.subType == "csv", "\(id): \(r.body)")
                return ReportsScenarios.csvRows(r.body)
            }
            // Rows may be shorter than the header (a blank separator row): read cells by position safely.
            func at(_ row: [String]?, _ i: Int) -> String? { guard let row, i < row.count else { return nil }; return row[i] }
            let register = try await csv("purchases")
            #expect(register.count == 5 && at(register.first, 1) == "Supplier" && at(register.last, 0) == "Total", "\(register)")
            let sc17 = register.first { at($0, 3) == "SC-17" }
            #expect(at(sc17, 5) == "30000.00" && at(sc17, 6) == "2700.00" && at(sc17, 7) == "2700.00" && at(sc17, 9) == "35400.00" && at(sc17, 11) == "0.00", "\(String(describing: sc17))")
            let voided = register.first { at($0, 1) == "Ambuja Traders" }
            #expect(at(voided, 4) == "void" && at(voided, 8) == "5760.00" && at(voided, 11) == "0.00", "\(String(describing: voided))")
            let spent = try await csv("expenses")
            #expect(spent.contains { at($0, 1) == "Petrol" && at($0, 4) == "590.00" && at($0, 5) == "90.00" && at($0, 6) == "500.00" }, "\(spent)")
            #expect(spent.contains { at($0, 1) == "Total: Rent" && at($0, 4) == "15000.00" }, "\(spent)")
            #expect(at(spent.last, 1) == "Total" && at(spent.last, 4) == "15590.00" && at(spent.last, 5) == "90.00", "\(spent)")
            #expect(try await csv("payables").count == 1, "nothing is owed: the header alone")
            let cashBook = try await csv("cash-book")
            #expect(cashBook.contains { at($0, 0) == "Cash in hand" && at($0, 2) == "Closing balance" && at($0, 5) == String(format: "%.2f", Double(cashExpected) / 100) }, "\(cashBook)")
            let plRows = try await csv("profit-and-loss")
            #expect(plRows.contains { $0 == ["Net profit", "-13500.00"] } && plRows.contains { $0 == ["Cost of goods sold", "15500.00"] }, "\(plRows)")
            for format in ["xlsx", "pdf"] {
                let r = try await c.send(.GET, "/api/v1/reports/profit-and-loss.\(format)")
                #expect(r.status == .ok && r.body.utf8.count > 500, "profit-and-loss.\(format): \(r.status)")
            }
            try await Invariants.check(app)
        }
    }

    /// Bad input gets a clear 4xx and changes nothing; another business sees none of it.
    static func badInputAndIsolation(_ db: TestDB) async throws {
        try await withTestApp(db) { app in
            // setup
            var c = APIClient(app)
            try await c.signup()
            let cement = try await c.product("Cement bag", price: 35_000, stock: 5)
            let supplier = try await post(c, "/api/v1/suppliers", ["name": "Sharma Cement"])["id"] as? String ?? ""
            let cash = try await c.send(.GET, "/api/v1/accounts").items.first?["id"] as? String ?? ""
            let bill = try await post(c, "/api/v1/purchases", ["supplier_id": supplier, "items": [["product_id": cement, "quantity": 1, "unit_cost": 100]]])["id"] as? String ?? ""
            let expense = try await post(c, "/api/v1/expenses", ["amount": 100, "category": "Other"])["id"] as? String ?? ""
            let before = try await Counts.take(app)

            // act + verify: each bad request is refused with its reason
            let cases: [(String, [String: Any], Int, String)] = [
                ("/api/v1/purchases", ["supplier_id": supplier, "items": [["product_id": cement, "quantity": 0, "unit_cost": 100]]], 422, "items[0].quantity"),
                ("/api/v1/purchases", ["supplier_id": supplier, "items": [["product_id": cement, "quantity": 1, "unit_cost": -1]]], 422, "items[0].unit_cost"),
                ("/api/v1/purchases", ["supplier_id": supplier, "items": [["quantity": 1, "unit_cost": 10]]], 422, "items[0].product_name"),
                ("/api/v1/purchases", ["supplier_id": supplier, "items": [["product_id": cement, "quantity": 1, "unit_cost": 100]], "amount_paid": 101], 422, "amount_paid"),
                ("/api/v1/purchases", ["supplier_id": supplier, "items": [["product_id": cement, "quantity": 1_000_000, "unit_cost": 100_000_000_000]]], 422, "items[0].unit_cost"),
                ("/api/v1/purchases", ["supplier_id": supplier, "items": [] as [Any]], 422, "items"),
                ("/api/v1/suppliers", ["name": "sharma  CEMENT"], 409, ""),
                ("/api/v1/suppliers", ["name": "GST wrong", "gstin": badGSTIN("27AAACA1234A1Z")], 422, "gstin"),
                ("/api/v1/expenses", ["amount": 100, "gst_paid": 101, "category": "Rent"], 422, "gst_paid"),
                ("/api/v1/expenses", ["amount": 0, "category": "Rent"], 422, "amount"),
                ("/api/v1/expenses", ["amount": 100, "category": " "], 422, "category"),
                ("/api/v1/transfers", ["from_account_id": cash, "to_account_id": cash, "amount": 100], 422, "to_account_id"),
                ("/api/v1/accounts", ["name": "SBI", "kind": "bank", "last4": "12a4"], 422, "last4"),
                ("/api/v1/accounts", ["name": "cash IN hand", "kind": "cash"], 409, ""),
                ("/api/v1/supplier-payments", ["supplier_id": supplier, "amount": 100, "mode": "cash", "account_id": UUID().uuidString], 422, "account_id"),
            ]
            for (path, body, status, field) in cases {
                let r = try await c.send(.POST, path, json: body)
                #expect(Int(r.status.code) == status, "\(path) \(body): \(r.body)")
                if !field.isEmpty { #expect(r.fields[field] != nil, "\(path) names \(field): \(r.body)") }
            }
            #expect(try await c.send(.POST, "/api/v1/purchases", json: ["supplier_id": UUID().uuidString, "items": [["product_id": cement, "quantity": 1, "unit_cost": 1]]]).status == .notFound)
            #expect(try await Counts.take(app) == before, "refused requests change nothing")

            // act: another business
            var other = APIClient(app)
            try await other.signup()

            // verify: 404 for every id of the first business, empty lists
            for path in ["/api/v1/suppliers/\(supplier)", "/api/v1/suppliers/\(supplier)/statement", "/api/v1/purchases/\(bill)",
                         "/api/v1/expenses/\(expense)", "/api/v1/accounts/\(cash)", "/api/v1/accounts/\(cash)/entries"] {
                #expect(try await other.send(.GET, path).status == .notFound, "\(path)")
            }
            #expect(try await other.send(.POST, "/api/v1/purchases/\(bill)/void", json: [:]).status == .notFound)
            #expect(try await other.send(.DELETE, "/api/v1/expenses/\(expense)").status == .notFound)
            #expect(try await other.send(.PATCH, "/api/v1/accounts/\(cash)", json: ["opening_balance": 1]).status == .notFound)
            #expect(try await other.send(.POST, "/api/v1/purchases", json: ["supplier_id": supplier, "items": [["product_id": cement, "quantity": 1, "unit_cost": 1]]]).status == .notFound)
            #expect(try await other.send(.POST, "/api/v1/transfers", json: ["from_account_id": cash, "to_account_id": UUID().uuidString, "amount": 1]).status == .notFound)
            for path in ["/api/v1/suppliers", "/api/v1/purchases", "/api/v1/expenses", "/api/v1/supplier-payments"] {
                #expect(try await other.send(.GET, path).items.isEmpty, "\(path)")
            }
            #expect(try await other.send(.GET, "/api/v1/accounts").items.count == 1)
            #expect(try await Counts.take(app) == before)

            // act + verify: deleting the expense takes its entry out of the cash balance
            #expect(try await c.send(.DELETE, "/api/v1/expenses/\(expense)").status == .noContent)
            #expect(try await c.send(.GET, "/api/v1/accounts/\(cash)")["balance"] as? Int == 0)
            try await Invariants.check(app)
        }
    }

    /// An expense's receipt (issue 16 §3): a JPEG, PNG or PDF of at most 5 MB, checked against its
    /// bytes, shown back exactly, replaced, removed, gone with its expense, and never another
    /// business's.
    static func receipts(_ db: TestDB) async throws {
        try await withTestApp(db) { app in
            // setup
            var c = APIClient(app)
            try await c.signup()
            let expense = try await post(c, "/api/v1/expenses", ["amount": 230_000, "category": "Electricity", "date": "2026-12-01"])["id"] as? String ?? ""
            let path = "/api/v1/expenses/\(expense)/receipt"
            let jpeg = Data([0xFF, 0xD8, 0xFF, 0xE0] + (0..<5000).map { UInt8(truncatingIfNeeded: $0 &* 31) })
            let pdf = Data("%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n".utf8)
            #expect(try await c.send(.GET, "/api/v1/expenses/\(expense)")["receipt"] is NSNull)
            #expect(try await c.send(.GET, path).status == .notFound)

            // act + verify: bad files are refused with their reason and change nothing
            let refused: [(Data, String, UInt, String)] = [
                (Data("hello".utf8), "image/jpeg", 415, "unsupported_media_type"),     // bytes are not a JPEG
                (pdf, "image/png", 415, "unsupported_media_type"),                      // a PDF declared as PNG
                (Data("<svg onload=alert(1)>".utf8), "image/svg+xml", 415, "unsupported_media_type"),
                (Data(), "image/jpeg", 422, "validation_failed"),
                (Data([0xFF, 0xD8, 0xFF]) + Data(count: ExpenseReceipt.maxBytes), "image/jpeg", 413, "payload_too_large"),
            ]
            for (file, type, status, code) in refused {
                let r = try await c.send(.PUT, path, file: file, headers: ["Content-Type": type])
                #expect(r.status.code == status && r.errorCode == code, "\(type) \(file.count) bytes: \(r.status) \(r.body.prefix(200))")
            }
            #expect(try await c.send(.GET, "/api/v1/expenses/\(expense)")["receipt"] is NSNull, "a refused file leaves no receipt")

            // act: attach a photo
            let put = try await c.send(.PUT, path, file: jpeg, headers: ["Content-Type": "image/jpeg"])

            // verify: the expense names it; it comes back byte for byte, inline, not sniffable
            #expect(put.status == .ok, "\(put.body)")
            let receipt = put["receipt"] as? [String: Any]
            #expect(receipt?["content_type"] as? String == "image/jpeg" && receipt?["size"] as? Int == jpeg.count)
            #expect((receipt?["url"] as? String)?.lowercased() == path.lowercased(), "\(put.body)")
            let got = try await c.send(.GET, path)
            #expect(got.status == .ok && got.data == jpeg)
            #expect(got.headers.contentType?.description == "image/jpeg")
            #expect(got.headers.first(name: .contentDisposition) == "inline; filename=\"receipt-2026-12-01.jpg\"")
            #expect(got.headers.first(name: "X-Content-Type-Options") == "nosniff")
            let listed = try await c.send(.GET, "/api/v1/expenses").items.first?["receipt"] as? [String: Any]
            #expect(listed?["size"] as? Int == jpeg.count)

            // act + verify: replaced by a PDF (no Content-Type: the bytes decide)
            #expect(try await c.send(.PUT, path, file: pdf).status == .ok)
            let again = try await c.send(.GET, path + "?download=1")
            #expect(again.data == pdf && again.headers.contentType?.description == "application/pdf")
            #expect(again.headers.first(name: .contentDisposition) == "attachment; filename=\"receipt-2026-12-01.pdf\"")
            #expect(try await ExpenseReceipt.query(on: app.db).count() == 1, "one receipt per expense")

            // verify: another business can neither read, replace nor remove it
            var other = APIClient(app)
            try await other.signup()
            #expect(try await other.send(.GET, path).status == .notFound)
            #expect(try await other.send(.PUT, path, file: jpeg, headers: ["Content-Type": "image/jpeg"]).status == .notFound)
            #expect(try await other.send(.DELETE, path).status == .notFound)
            #expect(try await c.send(.GET, path).data == pdf)

            // act + verify: removed, then attached again and gone with its expense
            #expect(try await c.send(.DELETE, path).status == .noContent)
            #expect(try await c.send(.GET, path).status == .notFound)
            #expect(try await c.send(.GET, "/api/v1/expenses/\(expense)")["receipt"] is NSNull)
            #expect(try await c.send(.PUT, path, file: jpeg, headers: ["Content-Type": "image/jpeg"]).status == .ok)
            #expect(try await c.send(.DELETE, "/api/v1/expenses/\(expense)").status == .noContent)
            #expect(try await ExpenseReceipt.query(on: app.db).count() == 0)
            #expect(try await c.send(.GET, path).status == .notFound)
            try await Invariants.check(app)
        }
    }

    /// Random sequences of purchases, sales, payments both ways, expenses, transfers and voids,
    /// with every invariant (ledger and books) checked after each step.
    static func randomOperations(_ db: TestDB, count: Int) async throws {
        try await withTestApp(db) { app in
            await propertyCheck(count: count, input: Gen.int(in: 0...1_000_000).array(of: 4...20)) { ops in
                do {
                    try await run(ops, app: app)
                } catch {
                    Issue.record("unexpected error: \(String(reflecting: error))")
                }
            }
        }
    }

    static func run(_ ops: [Int], app: Application) async throws {
        let business = Business(name: "Books \(UUID().uuidString.prefix(6))", ownerName: "P")
        try await app.store.write(app.db) { tx in try await business.create(on: tx) }
        let ledger = LedgerService(db: app.db, store: app.store, businessID: business.id!, userID: nil, now: app.clock.now())
        let books = BooksService(db: app.db, store: app.store, businessID: business.id!, userID: nil, now: app.clock.now())
        let customer = try await ledger.createCustomer(CustomerInput(name: "C0")).id!
        var products = [try await ledger.createProduct(ProductInput(name: "P0", price: 2_000, stock: Quantity(units: 5)!, averageCost: 1_500)).id!]
        let suppliers = [try await books.createSupplier(SupplierInput(name: "S0")).id!,
                         try await books.createSupplier(SupplierInput(name: "S1", state: "Gujarat", openingBalance: 10_000)).id!]
        var accounts = [try await books.cashAccount().id!]
        var bills: [UUID] = [], invoices: [UUID] = [], expenses: [UUID] = []
        let modes: [PaymentMode] = [.cash, .upi, .bank, .cheque]
        for op in ops {
            let kind = op % 10, a = op / 10, b = op / 97
            do {
                switch kind {
                case 0, 1:
                    // A purchase of one or two lines, maybe paid, maybe naming a new product.
                    var lines = [PurchaseLineInput(productId: products[a % products.count], quantity: Quantity(thousandths: Int64(1 + b % 20_000)),
                                                   unitCost: Int64(a % 40_000))]
                    if a % 3 == 0 { lines.append(PurchaseLineInput(productName: "New \(products.count)", quantity: Quantity(thousandths: Int64(500 + b % 3_000)), unitCost: Int64(b % 9_000))) }
                    let bill = try await books.recordPurchase(PurchaseInput(supplierId: suppliers[a % 2], items: lines,
                                                                            amountPaid: a % 2 == 0 ? Int64(b % 5_000) : nil, mode: modes[a % 4]))
                    bills.append(bill.id!)
                    if a % 3 == 0 { products = try await Product.query(on: app.db).filter(\.$businessID == business.id!).all().map { $0.id! } }
                case 2:
                    let inv = try await ledger.createInvoice(InvoiceInput(customerId: customer,
                        items: [InvoiceLineInput(productId: products[a % products.count], quantity: Quantity(thousandths: Int64(1 + b % 4_000)))],
                        issue: true, payment: a % 2 == 0 ? UpfrontPayment(amount: Int64(1 + b % 3_000), mode: modes[a % 4]) : nil))
                    invoices.append(inv.id!)
                case 3:
                    _ = try await ledger.recordPayment(PaymentInput(customerId: customer, amount: Int64(1 + b % 5_000), mode: modes[a % 4]))
                case 4:
                    _ = try await books.recordSupplierPayment(SupplierPaymentInput(supplierId: suppliers[a % 2], amount: Int64(1 + b % 8_000), mode: modes[a % 4],
                                                                                   billId: bills.isEmpty || a % 3 != 0 ? nil : bills[a % bills.count]))
                case 5:
                    let e = try await books.recordExpense(ExpenseInput(amount: Int64(1 + b % 9_000), category: ["Rent", "petrol", "Salary"][a % 3],
                                                                       mode: modes[a % 4], gstPaid: a % 2 == 0 ? Int64(b % 2) : nil))
                    expenses.append(e.id!)
                case 6:
                    guard accounts.count > 1 else {
                        accounts.append(try await books.createAccount(MoneyAccountInput(name: "Bank \(accounts.count)", kind: a % 2 == 0 ? .bank : .upi,
                                                                                         openingBalance: Int64(b % 10_000))).id!)
                        continue
                    }
                    _ = try await books.transfer(TransferInput(fromAccountId: accounts[a % accounts.count], toAccountId: accounts[(a + 1) % accounts.count],
                                                               amount: Int64(1 + b % 4_000)))
                case 7:
                    guard !bills.isEmpty else { continue }
                    _ = try await books.voidPurchase(bills[a % bills.count], reason: nil)
                case 8:
                    guard !invoices.isEmpty else { continue }
                    _ = try await ledger.voidInvoice(invoices[a % invoices.count], reason: nil)
                default:
                    guard !expenses.isEmpty else { continue }
                    try await books.deleteExpense(expenses.remove(at: a % expenses.count))
                }
            } catch let e as APIError where ["insufficient_stock", "invalid_state", "validation_failed", "not_found"].contains(e.code) {
                // Refused operations must change nothing; the invariants below check it.
            }
            try await Invariants.check(app)
        }
        // The profit is computable for any period and adds up.
        let pl = try await books.profitAndLoss(from: "2000-01-01", to: "2999-12-31")
        #expect(pl.netProfit == pl.sales - pl.costOfGoodsSold - pl.expenses)
    }

    /// 50 concurrent purchases, sales and expenses keep every balance exact: every reply is 201,
    /// 409 (sold out) or 503 (busy), and stock, payables and accounts match what succeeded.
    static func concurrentOperations(_ db: TestDB) async throws {
        try await withTestApp(db) { app in
            var c = APIClient(app)
            try await c.signup()
            let cement = try await c.product("Cement bag", price: 1_000, stock: 10)
            let customer = try await c.customer("Crowd")
            let supplier = try await post(c, "/api/v1/suppliers", ["name": "Sharma Cement"])["id"] as? String ?? ""
            let replies = try await withThrowingTaskGroup(of: (Int, HTTPResponseStatus).self) { group in
                for i in 0..<50 {
                    group.addTask { [c] in
                        switch i % 3 {
                        case 0:
                            return (0, try await c.send(.POST, "/api/v1/purchases", json: ["supplier_id": supplier, "amount_paid": 100,
                                                                                         "items": [["product_id": cement, "quantity": 2, "unit_cost": 500]]]).status)
                        case 1:
                            return (1, try await c.issueInvoice(customer: customer, lines: [(cement, 3)], payment: 1_000).status)
                        default:
                            return (2, try await c.send(.POST, "/api/v1/expenses", json: ["amount": 700, "category": "Transport"]).status)
                        }
                    }
                }
                return try await group.reduce(into: [(Int, HTTPResponseStatus)]()) { $0.append($1) }
            }
            #expect(replies.allSatisfy { [.created, .conflict, .serviceUnavailable].contains($0.1) }, "\(replies.map(\.1.code))")
            #expect(replies.allSatisfy { $0.0 == 1 || $0.1 != .conflict }, "only sales may be refused for stock")
            var made = [0, 0, 0]
            for (kind, status) in replies where status.code == 201 { made[kind] += 1 }
            let bought = made[0], sold = made[1], spent = made[2]
            let stock = try await c.send(.GET, "/api/v1/products/\(cement)")["stock"] as? Double
            #expect(stock == Double(10 + 2 * bought - 3 * sold), "stock \(String(describing: stock)); replies \(replies.map { "\($0.0):\($0.1.code)" })")
            #expect(try await c.send(.GET, "/api/v1/suppliers/\(supplier)")["balance"] as? Int == bought * 900)
            let cash = try await c.send(.GET, "/api/v1/accounts").items.first
            #expect(cash?["balance"] as? Int == sold * 1_000 - bought * 100 - spent * 700, "\(String(describing: cash))")
            try await Invariants.check(app)
        }
    }

    /// The assistant keeps the other half of the books too: "500 petrol cash" previews an expense
    /// (nothing written), Confirm records it from cash in hand once; "paid rent" asks how much;
    /// "cash kitna hai", "aaj ka profit kitna" and "how much do I owe Sharma" answer from the books.
    static func assistant(_ db: TestDB) async throws {
        try await withTestApp(db) { app in
            // setup: ₹20,000 in cash, a supplier owed ₹3,000
            var c = APIClient(app)
            try await c.signup()
            let cash = try await c.send(.GET, "/api/v1/accounts").items.first?["id"] as? String ?? ""
            #expect(try await c.send(.PATCH, "/api/v1/accounts/\(cash)", json: ["opening_balance": 2_000_000]).status == .ok)
            let supplier = try await post(c, "/api/v1/suppliers", ["name": "Sharma Cement", "opening_balance": 300_000])["id"] as? String ?? ""

            // act: an expense in one sentence
            let r = try await AssistantScenarios.say(c, "500 petrol cash")

            // verify: a preview from cash in hand, nothing written until Confirm
            let card = AssistantScenarios.card(r), data = AssistantScenarios.data(r)
            #expect(card["kind"] as? String == "expense_preview" && card["status"] as? String == "pending", "\(r.body)")
            #expect(data["amount"] as? Int == 50_000 && data["category"] as? String == "Transport" && data["note"] as? String == "Petrol")
            #expect((data["account"] as? [String: Any])?["name"] as? String == "Cash in hand" && data["account_balance_after"] as? Int == 1_950_000)
            #expect(try await Expense.query(on: app.db).count() == 0)

            // act: confirm twice
            let id = card["id"] as? String ?? ""
            let first = try await c.send(.POST, "/api/v1/assistant/cards/\(id)/confirm")
            let second = try await c.send(.POST, "/api/v1/assistant/cards/\(id)/confirm")

            // verify: one expense, cash down by ₹500, the reply says where it came from
            #expect(first.status == .ok && second.status == .ok, "\(first.body)")
            #expect((first["reply"] as? String ?? "").contains("Cash in hand"), "\(first.body)")
            let expenses = try await c.send(.GET, "/api/v1/expenses").items
            #expect(expenses.count == 1 && expenses.first?["category"] as? String == "Transport" && expenses.first?["note"] as? String == "Petrol")
            #expect(try await c.send(.GET, "/api/v1/accounts/\(cash)")["balance"] as? Int == 1_950_000)

            // act + verify: the amount is asked when missing
            let ask = try await AssistantScenarios.say(c, "paid rent")
            #expect(ask["card"] is NSNull || ask["card"] == nil, "\(ask.body)")
            #expect((ask["reply"] as? String ?? "").lowercased().contains("rent"), "\(ask.body)")
            let answered = try await AssistantScenarios.say(c, "15000", conversation: ask["conversation_id"] as? String)
            #expect(AssistantScenarios.card(answered)["kind"] as? String == "expense_preview" && AssistantScenarios.data(answered)["amount"] as? Int == 1_500_000,
                    "\(answered.body)")

            // act + verify: questions answered from the books
            let cashReply = try await AssistantScenarios.say(c, "cash kitna hai")
            #expect(AssistantScenarios.card(cashReply)["kind"] as? String == "books_summary" && AssistantScenarios.data(cashReply)["cash_in_hand"] as? Int == 1_950_000)
            let profit = try await AssistantScenarios.say(c, "aaj ka profit kitna")
            #expect(AssistantScenarios.data(profit)["net_profit"] as? Int == -50_000, "\(profit.body)")
            let owe = try await AssistantScenarios.say(c, "how much do I owe Sharma")
            #expect(AssistantScenarios.data(owe)["payables"] as? Int == 300_000, "\(owe.body)")
            #expect((owe["reply"] as? String ?? "").contains("₹3,000"), "\(owe.body)")
            _ = supplier
            try await Invariants.check(app)
        }
    }

    /// Buying and paying suppliers by sentence: "bought 100 bags cement from Ambuja Traders at 320"
    /// asks before creating an unknown supplier, previews the bill with GST and the stock after,
    /// and Confirm (twice) records one bill; "paid Ambuja Traders 20000 by NEFT" pays from the bank
    /// account; a supplier's name is never read as a customer's payment.
    static func assistantBuysAndPays(_ db: TestDB) async throws {
        try await withTestApp(db) { app in
            // setup: cement at 28 % GST with 10 bags in stock, a bank account with ₹50,000
            var c = APIClient(app)
            try await c.signup()
            let cement = try await post(c, "/api/v1/products", ["name": "Cement", "unit": "bag", "price": 40_000, "stock": 10, "gst_rate": 28, "price_includes_gst": false])["id"] as? String ?? ""
            _ = try await post(c, "/api/v1/accounts", ["name": "HDFC current", "kind": "bank", "opening_balance": 5_000_000])

            // act: a purchase from a supplier Munim does not know yet
            let first = try await AssistantScenarios.say(c, "bought 100 bags cement from Ambuja Traders at 320")

            // verify: it asks before creating the supplier; nothing written
            #expect(first["card"] is NSNull || first["card"] == nil, "\(first.body)")
            #expect((first["reply"] as? String ?? "").contains("Add supplier Ambuja Traders"), "\(first.body)")
            let billsBefore = try await PurchaseBill.query(on: app.db).count(), suppliersBefore = try await Supplier.query(on: app.db).count()
            #expect(billsBefore == 0 && suppliersBefore == 0)

            // act: yes
            let r = try await AssistantScenarios.say(c, "yes", conversation: first["conversation_id"] as? String)

            // verify: the bill previewed — ₹32,000 + 28 % GST, stock 10 → 110, owed ₹40,960 after
            let card = AssistantScenarios.card(r), data = AssistantScenarios.data(r)
            #expect(card["kind"] as? String == "purchase_preview" && card["status"] as? String == "pending", "\(r.body)")
            #expect(data["subtotal"] as? Int == 3_200_000 && data["tax_total"] as? Int == 896_000 && data["total"] as? Int == 4_096_000, "\(data)")
            #expect(data["new_supplier"] as? Bool == true && data["supplier_balance_after"] as? Int == 4_096_000)
            let line = (data["lines"] as? [[String: Any]])?.first
            #expect(line?["unit_cost"] as? Int == 32_000 && line?["stock_after"] as? Double == 110, "\(String(describing: line))")
            #expect(try await Supplier.query(on: app.db).count() == 0, "the supplier is made on Confirm, not before")

            // act: confirm twice
            let id = card["id"] as? String ?? ""
            let done = try await c.send(.POST, "/api/v1/assistant/cards/\(id)/confirm")
            let again = try await c.send(.POST, "/api/v1/assistant/cards/\(id)/confirm")

            // verify: one supplier, one bill, stock and average cost moved, the reply says so
            #expect(done.status == .ok && again.status == .ok, "\(done.body)")
            #expect((done["reply"] as? String ?? "").contains("Cement 110 bags"), "\(done.body)")
            let suppliers = try await c.send(.GET, "/api/v1/suppliers").items
            #expect(suppliers.count == 1 && suppliers.first?["name"] as? String == "Ambuja Traders" && suppliers.first?["balance"] as? Int == 4_096_000)
            #expect(try await c.send(.GET, "/api/v1/purchases").items.count == 1)
            let product = try await c.send(.GET, "/api/v1/products/\(cement)")
            // the 10 opening bags have no cost: (10 × 0 + 100 × ₹320) ÷ 110
            #expect(product["stock"] as? Double == 110 && product["average_cost"] as? Int == 29_091, "\(product.body)")

            // act: pay the supplier by NEFT (a known supplier's name, not a customer's payment)
            let pay = try await AssistantScenarios.say(c, "paid Ambuja Traders 20000 by NEFT")

            // verify: previewed from the bank account
            let payCard = AssistantScenarios.card(pay), payData = AssistantScenarios.data(pay)
            #expect(payCard["kind"] as? String == "supplier_payment_preview", "\(pay.body)")
            #expect((payData["account"] as? [String: Any])?["name"] as? String == "HDFC current" && payData["balance_after"] as? Int == 2_096_000, "\(payData)")
            let paid = try await c.send(.POST, "/api/v1/assistant/cards/\(payCard["id"] as? String ?? "")/confirm")
            #expect(paid.status == .ok && (paid["reply"] as? String ?? "").contains("₹20,960"), "\(paid.body)")
            #expect(try await c.send(.GET, "/api/v1/suppliers").items.first?["balance"] as? Int == 2_096_000)
            let bank = try await c.send(.GET, "/api/v1/accounts").items.first { $0["name"] as? String == "HDFC current" }
            #expect(bank?["balance"] as? Int == 3_000_000)
            #expect(try await Payment.query(on: app.db).count() == 0, "no customer payment was recorded")

            // act + verify: Hinglish, the cost asked when missing, and the supplier's balance asked about
            let ask = try await AssistantScenarios.say(c, "ambuja se 50 bori cement liya")
            #expect((ask["reply"] as? String ?? "").contains("₹290.91"), "the average cost is offered: \(ask.body)")
            let costed = try await AssistantScenarios.say(c, "310", conversation: ask["conversation_id"] as? String)
            #expect(AssistantScenarios.card(costed)["kind"] as? String == "purchase_preview"
                    && (AssistantScenarios.data(costed)["lines"] as? [[String: Any]])?.first?["unit_cost"] as? Int == 31_000, "\(costed.body)")
            let owe = try await AssistantScenarios.say(c, "how much do I owe Ambuja")
            #expect(AssistantScenarios.data(owe)["payables"] as? Int == 2_096_000, "\(owe.body)")
            try await Invariants.check(app)
        }
    }
}
