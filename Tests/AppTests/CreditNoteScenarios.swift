@testable import App
import Foundation
import Testing
import Vapor

/// Issue 17 §3: credit notes for returned goods — numbered CN-0001…, stock back, the balance and
/// the invoice's due reduced, money already paid turned into credit, in the statement, the profit
/// and loss, GSTR-1 (cdnr, b2cs net, hsn net, doc_issue) and GSTR-3B.
enum CreditNoteScenarios {
    static func returns(_ db: TestDB) async throws {
        try await withTestApp(db) { app in
            // setup: a Maharashtra shop with cement (18 %, before GST) and sand (no GST)
            var c = APIClient(app)
            try await c.signup()
            let gstin = "27AAPFU0939F1ZV"
            #expect(try await c.send(.PATCH, "/api/v1/business", json: ["state": "Maharashtra", "gstin": gstin]).status == .ok)
            func product(_ body: [String: Any]) async throws -> String {
                let r = try await c.send(.POST, "/api/v1/products", json: body.merging(["price_includes_gst": false]) { a, _ in a })
                #expect(r.status == .created, "\(r.body)")
                return r["id"] as? String ?? ""
            }
            let cement = try await product(["name": "Cement", "unit": "bag", "price": 35_000, "stock": 100, "gst_rate": 18, "hsn": "2523"])
            let sand = try await product(["name": "Sand", "unit": "bag", "price": 6_000, "stock": 100, "hsn": "2505"])
            let ramesh = try await c.customer("Ramesh Traders", phone: "+919822012345")
            let shahGSTIN = BooksScenarios.gstin("24AAACS1234B1Z")
            let shah = try await c.send(.POST, "/api/v1/customers", json: ["name": "Shah Hardware", "gstin": shahGSTIN])["id"] as? String ?? ""
            func issue(_ who: String, _ lines: [(String, Double)], paid: Int? = nil) async throws -> APIClient.Reply {
                var body: [String: Any] = ["customer_id": who, "issue_date": "2026-11-10", "issue": true,
                                           "items": lines.map { ["product_id": $0.0, "quantity": $0.1] }]
                if let paid { body["payment"] = ["amount": paid, "mode": "cash"] }
                let r = try await c.send(.POST, "/api/v1/invoices", json: body)
                #expect(r.status == .created, "\(r.body)")
                return r
            }
            func balance(_ id: String) async throws -> Int? { try await c.send(.GET, "/api/v1/customers/\(id)")["balance"] as? Int }
            func stock(_ id: String) async throws -> Int? { try await c.send(.GET, "/api/v1/products/\(id)")["stock"] as? Int }

            // 10 bags of cement (₹3,500 + ₹315 + ₹315) and 5 of sand (₹300): ₹4,430.00, ₹1,000 paid
            let inv = try await issue(ramesh, [(cement, 10), (sand, 5)], paid: 100_000)
            let invID = inv["id"] as? String ?? ""
            #expect(inv["total"] as? Int == 443_000 && inv["balance_due"] as? Int == 343_000)

            // act: 3 bags of cement come back
            let first = try await c.send(.POST, "/api/v1/invoices/\(invID)/credit-notes",
                                         json: ["items": [["product_id": cement, "quantity": 3]], "reason": "Damaged bags", "issue_date": "2026-11-12"])

            // verify: CN-0001 for 3/10 of the line, CGST = SGST; stock, balance and the invoice follow
            #expect(first.status == .created, "\(first.body)")
            #expect(first["number"] as? String == "CN-0001" && first["invoice_number"] as? String == "INV-0001")
            #expect(first["taxable_value"] as? Int == 105_000 && first["cgst"] as? Int == 9_450 && first["sgst"] as? Int == 9_450)
            #expect(first["total"] as? Int == 123_900 && first["reason"] as? String == "Damaged bags")
            #expect(try await stock(cement) == 93)
            #expect(try await balance(ramesh) == 219_100)
            let after1 = try await c.send(.GET, "/api/v1/invoices/\(invID)")
            #expect(after1["credited"] as? Int == 123_900 && after1["balance_due"] as? Int == 219_100 && after1["status"] as? String == "partially_paid")
            #expect((after1["credit_notes"] as? [[String: Any]])?.first?["number"] as? String == "CN-0001")

            // act: the rest of everything comes back, one line by its item id
            let sandLine = (inv["items"] as? [[String: Any]])?.last?["id"] as? String ?? ""
            let second = try await c.send(.POST, "/api/v1/invoices/\(invID)/credit-notes",
                                          json: ["items": [["product_id": cement, "quantity": 7], ["item_id": sandLine, "quantity": 5]], "issue_date": "2026-11-14"])

            // verify: the last of a line credits exactly what was left; the ₹1,000 paid becomes credit
            #expect(second["number"] as? String == "CN-0002" && second["total"] as? Int == 319_100, "\(second.body)")
            #expect(second["cgst"] as? Int == 22_050 && second["sgst"] as? Int == 22_050)
            let after2 = try await c.send(.GET, "/api/v1/invoices/\(invID)")
            #expect(after2["credited"] as? Int == 443_000 && after2["amount_paid"] as? Int == 0 && after2["balance_due"] as? Int == 0)
            #expect(after2["status"] as? String == "paid")
            #expect(try await balance(ramesh) == -100_000)
            let stocks = (try await stock(cement), try await stock(sand))
            #expect(stocks.0 == 100 && stocks.1 == 100)

            // nothing more can come back, and a credited invoice cannot be voided
            let more = try await c.send(.POST, "/api/v1/invoices/\(invID)/credit-notes", json: ["items": [["product_id": cement, "quantity": 1]]])
            #expect(more.status == .unprocessableEntity && more.fields["items[0].quantity"] != nil, "\(more.body)")
            #expect(try await c.send(.POST, "/api/v1/invoices/\(invID)/void", json: [:]).errorCode == "has_credit_notes")

            // the credit pays the next invoice
            let next = try await issue(ramesh, [(cement, 1)])
            #expect(next["status"] as? String == "paid" && next["amount_paid"] as? Int == 41_300, "\(next.body)")
            #expect(try await balance(ramesh) == -58_700)

            // bad input changes nothing
            let counts = try await Counts.take(app)
            let draft = try await c.send(.POST, "/api/v1/invoices", json: ["customer_id": ramesh, "items": [["product_id": cement, "quantity": 1]]])
            let countsWithDraft = try await Counts.take(app)
            #expect(try await c.send(.POST, "/api/v1/invoices/\(draft["id"] as? String ?? "")/credit-notes",
                                     json: ["items": [["product_id": cement, "quantity": 1]]]).errorCode == "invalid_state")
            let nextID = next["id"] as? String ?? ""
            for (body, field) in [([:], "items"), (["items": []], "items"), (["items": [["product_id": cement, "quantity": 0]]], "items[0].quantity"),
                                  (["items": [["product_id": sand, "quantity": 1]]], "items[0].product_id"),
                                  (["items": [["quantity": 1]]], "items[0].product_id"),
                                  (["items": [["product_id": cement, "quantity": 1]], "issue_date": "2026-11-01"], "issue_date")] as [([String: Any], String)] {
                let r = try await c.send(.POST, "/api/v1/invoices/\(nextID)/credit-notes", json: body)
                #expect(r.status == .unprocessableEntity || r.status == .badRequest, "\(body): \(r.body)")
                if r.status == .unprocessableEntity { #expect(r.fields[field] != nil, "\(body): \(r.body)") }
            }
            #expect(try await Counts.take(app) == countsWithDraft && counts != countsWithDraft)
            var other = APIClient(app)
            try await other.signup()
            #expect(try await other.send(.POST, "/api/v1/invoices/\(nextID)/credit-notes", json: ["items": [["product_id": cement, "quantity": 1]]]).status == .notFound)
            #expect(try await other.send(.GET, "/api/v1/credit-notes/\(first["id"] as? String ?? "")").status == .notFound)

            // a registered buyer across states: IGST credited, reported in cdnr
            let b2b = try await issue(shah, [(cement, 2)])
            let b2bLine = (b2b["items"] as? [[String: Any]])?.first?["id"] as? String ?? ""
            let third = try await c.send(.POST, "/api/v1/invoices/\(b2b["id"] as? String ?? "")/credit-notes",
                                         json: ["items": [["item_id": b2bLine, "quantity": 1]], "issue_date": "2026-11-20"])
            #expect(third["number"] as? String == "CN-0003" && third["igst"] as? Int == 6_300 && third["cgst"] as? Int == 0, "\(third.body)")

            // the statement: credit notes as credits, closing on the balance
            let statement = try await c.send(.GET, "/api/v1/customers/\(ramesh)/statement")
            let entries = statement["entries"] as? [[String: Any]] ?? []
            #expect(entries.filter { $0["kind"] as? String == "credit_note" }.map { $0["reference"] as? String } == ["CN-0001", "CN-0002"])
            #expect(statement["closing_balance"] as? Int == -58_700, "\(statement.body)")

            // GSTR-1 of November: cdnr for Shah, the local notes netted out of b2cs, the series in doc_issue
            let (res, file) = try await ReportsScenarios.download(c, "/api/v1/gst/gstr1?period=2026-11", ext: "json")
            defer { try? FileManager.default.removeItem(atPath: file) }
            #expect(res.status == .ok)
            let doc = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: file))) as? [String: Any] ?? [:]
            let cdnr = doc["cdnr"] as? [[String: Any]] ?? []
            #expect(cdnr.first?["ctin"] as? String == shahGSTIN)
            let note = (cdnr.first?["nt"] as? [[String: Any]])?.first ?? [:]
            #expect(note["nt_num"] as? String == "CN-0003" && note["nt_dt"] as? String == "20-11-2026" && note["ntty"] as? String == "C")
            #expect(note["pos"] as? String == "24" && note["val"] as? Double == 413.0)
            let b2cs = doc["b2cs"] as? [[String: Any]] ?? []
            // Ramesh's cement: 11 bags sold (₹3,850), 10 returned (₹3,500): ₹350 net, ₹31.50 + ₹31.50
            #expect(b2cs.count == 1 && b2cs.first?["txval"] as? Double == 350.0 && b2cs.first?["camt"] as? Double == 31.5, "\(b2cs)")
            let docs = ((doc["doc_issue"] as? [String: Any])?["doc_det"] as? [[String: Any]]) ?? []
            let cnRange = docs.first { $0["doc_num"] as? Int == 5 }.flatMap { ($0["docs"] as? [[String: Any]])?.first } ?? [:]
            #expect(cnRange["from"] as? String == "CN-0001" && cnRange["to"] as? String == "CN-0003" && cnRange["totnum"] as? Int == 3)
            _ = try await PostgresCluster.run("/usr/bin/env", ["python3", repositoryRoot + "/scripts/check-json-schema.py",
                                                               repositoryRoot + "/docs/schemas/gstr1.schema.json", file])

            // GSTR-3B: outward supplies net of the notes (₹350 + Shah's 1 bag ₹350 taxable; sand nets to nil)
            let summary = try await c.send(.GET, "/api/v1/gst/gstr3b?period=2026-11")
            let osup = ((summary["sup_details"] as? [String: Any])?["osup_det"] as? [String: Any]) ?? [:]
            #expect(osup["txval"] as? Double == 700.0 && osup["iamt"] as? Double == 63.0 && osup["camt"] as? Double == 31.5, "\(summary.body)")

            // the sales register and HSN summary agree with GSTR-3B: ₹700.00 taxable net of the notes
            let register = try await c.send(.GET, "/api/v1/reports/sales-register.csv?from=2026-11-01&to=2026-11-30")
            let rows = ReportsScenarios.csvRows(register.body)
            #expect(rows.first?.first == "Date" && rows.filter { $0.count > 2 && $0[2] == "Credit note" }.count == 4, "\(register.body)")
            #expect(rows.last?[3] == "Total" && rows.last?[10] == "700.00" && rows.last?[13] == "63.00", "\(rows.last ?? [])")
            let hsn = ReportsScenarios.csvRows(try await c.send(.GET, "/api/v1/reports/hsn-summary.csv?from=2026-11-01&to=2026-11-30").body)
            #expect(hsn.contains { $0.first == "2523" && $0[3] == "2" && $0[5] == "700.00" } && hsn.last?[5] == "700.00", "\(hsn)")

            // the PDF says what it is and what it reduces
            let (pdfRes, pdfFile) = try await ReportsScenarios.download(c, "/api/v1/credit-notes/\(first["id"] as? String ?? "")/pdf", ext: "pdf")
            defer { try? FileManager.default.removeItem(atPath: pdfFile) }
            #expect(pdfRes.status == .ok)
            let text = try await ReportsScenarios.tool("pdftotext", ["-layout", pdfFile, "-"])
            #expect(text.contains("CREDIT NOTE") && text.contains("CN-0001") && text.contains("Against invoice: INV-0001 of 10-11-2026"), "\(text)")
            #expect(text.contains("Reason: Damaged bags") && text.contains("1,239.00"))
            #expect(try await c.send(.GET, "/api/v1/invoices/\(invID)/credit-notes").items.count == 2)

            try await Invariants.check(app)
        }
    }
}

extension CreditNoteScenarios {
    /// Issue 17 §5: a generated month — 500 invoices (B2B and B2C, within and across states, prices
    /// before and with GST, every slab, discounts, decimals) and 20 credit notes — where the invoices,
    /// GSTR-1, GSTR-3B, the HSN table and the sales register agree to the paisa.
    static func goldenMonth(_ db: TestDB) async throws {
        try await withTestApp(db) { app in
            var c = APIClient(app)
            try await c.signup()
            #expect(try await c.send(.PATCH, "/api/v1/business", json: ["state": "Maharashtra", "gstin": "27AAPFU0939F1ZV"]).status == .ok)
            var seed: UInt64 = 0x5EED_2026_1117
            func next(_ n: Int) -> Int {
                seed = seed &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
                return Int((seed >> 33) % UInt64(n))
            }
            // (name, unit, price, rate, HSN, price includes GST)
            let catalog: [(String, String, Int, Any, String, Bool)] = [
                ("Rice", "kg", 6_550, 0, "1006", false), ("Sand", "cft", 6_000, 5, "2505", false),
                ("Cement", "bag", 35_000, 18, "252329", true), ("Paint", "can", 95_075, 18, "32091090", false),
                ("Tiles", "box", 85_000, 5, "6907", true), ("Cigarettes", "pack", 32_000, 40, "2402", true),
            ]
            var products: [String] = []
            for (name, unit, price, rate, hsn, inclusive) in catalog {
                let r = try await c.send(.POST, "/api/v1/products", json: ["name": name, "unit": unit, "price": price, "stock": 1_000_000,
                                                                         "gst_rate": rate, "hsn": hsn, "price_includes_gst": inclusive])
                #expect(r.status == .created, "\(r.body)")
                products.append(r["id"] as? String ?? "")
            }
            var customers: [String] = []
            for (i, pan) in ["AAACA1111A1Z", "AAACB2222B1Z", "AAACC3333C1Z"].enumerated() {
                for code in ["27", i == 0 ? "24" : "29"] {
                    let r = try await c.send(.POST, "/api/v1/customers", json: ["name": "Buyer \(code)-\(i)", "gstin": BooksScenarios.gstin(code + pan)])
                    customers.append(r["id"] as? String ?? "")
                }
            }
            for (i, state) in ["Maharashtra", "Maharashtra", "Gujarat", "Karnataka", "Maharashtra"].enumerated() {
                customers.append(try await c.send(.POST, "/api/v1/customers", json: ["name": "Walk-in \(i)", "state": state])["id"] as? String ?? "")
            }

            // 500 invoices over November
            var invoices: [(id: String, lines: [[String: Any]])] = []
            var taxable = 0, tax = 0
            for n in 0..<500 {
                let who = customers[next(customers.count)]
                var lines: [[String: Any]] = []
                for _ in 0...next(3) {
                    var line: [String: Any] = ["product_id": products[next(products.count)], "quantity": Double(1 + next(40)) + (next(4) == 0 ? 0.5 : 0)]
                    if next(5) == 0 { line["discount"] = 100 * (1 + next(50)) }
                    if next(40) == 0 { line["quantity"] = 400 }  // now and then a B2C large invoice
                    lines.append(line)
                }
                let r = try await c.send(.POST, "/api/v1/invoices", json: ["customer_id": who, "issue": true, "items": lines,
                                                                         "issue_date": String(format: "2026-11-%02d", 1 + n % 30)])
                #expect(r.status == .created, "\(r.body)")
                taxable += r["subtotal"] as? Int ?? 0
                tax += r["tax_total"] as? Int ?? 0
                invoices.append((r["id"] as? String ?? "", r["items"] as? [[String: Any]] ?? []))
            }
            // 20 credit notes: part of one line of some invoice
            var notes = 0
            while notes < 20 {
                let inv = invoices[next(invoices.count)]
                let line = inv.lines[next(inv.lines.count)]
                let qty = (line["quantity"] as? Double ?? 1) / 2
                let r = try await c.send(.POST, "/api/v1/invoices/\(inv.id)/credit-notes",
                                         json: ["items": [["item_id": line["id"] as? String ?? "", "quantity": (qty * 1000).rounded(.down) / 1000]],
                                                "issue_date": "2026-11-30"])
                if r.status == .created {
                    notes += 1
                    taxable -= r["taxable_value"] as? Int ?? 0
                    tax -= r["tax_total"] as? Int ?? 0
                }
            }

            // GSTR-1: every section, credit notes out, equals the documents
            let (res, file) = try await ReportsScenarios.download(c, "/api/v1/gst/gstr1?period=2026-11", ext: "json")
            defer { try? FileManager.default.removeItem(atPath: file) }
            #expect(res.status == .ok)
            _ = try await PostgresCluster.run("/usr/bin/env", ["python3", repositoryRoot + "/scripts/check-json-schema.py",
                                                               repositoryRoot + "/docs/schemas/gstr1.schema.json", file])
            let doc = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: file))) as? [String: Any] ?? [:]
            func paise(_ v: Any?) -> Int { Int((((v as? Double) ?? Double(v as? Int ?? 0)) * 100).rounded()) }
            var gTaxable = 0, gTax = 0
            func items(_ docs: [[String: Any]], sign: Int) {
                for d in docs {
                    for item in d["itms"] as? [[String: Any]] ?? [] {
                        let det = item["itm_det"] as? [String: Any] ?? [:]
                        gTaxable += sign * paise(det["txval"])
                        gTax += sign * (paise(det["iamt"]) + paise(det["camt"]) + paise(det["samt"]))
                    }
                }
            }
            for row in doc["b2b"] as? [[String: Any]] ?? [] { items(row["inv"] as? [[String: Any]] ?? [], sign: 1) }
            for row in doc["b2cl"] as? [[String: Any]] ?? [] { items(row["inv"] as? [[String: Any]] ?? [], sign: 1) }
            for row in doc["cdnr"] as? [[String: Any]] ?? [] { items(row["nt"] as? [[String: Any]] ?? [], sign: -1) }
            items(doc["cdnur"] as? [[String: Any]] ?? [], sign: -1)
            for row in doc["b2cs"] as? [[String: Any]] ?? [] {
                gTaxable += paise(row["txval"])
                gTax += paise(row["iamt"]) + paise(row["camt"]) + paise(row["samt"])
            }
            for row in (doc["nil"] as? [String: Any])?["inv"] as? [[String: Any]] ?? [] { gTaxable += paise(row["nil_amt"]) }
            #expect(gTaxable == taxable && gTax == tax, "GSTR-1 \(gTaxable)/\(gTax) vs documents \(taxable)/\(tax)")
            #expect(!(doc["b2b"] as? [Any] ?? []).isEmpty && !(doc["b2cl"] as? [Any] ?? []).isEmpty && !(doc["b2cs"] as? [Any] ?? []).isEmpty)
            // the HSN tables (every line has a code) add up to the same
            let hsn = doc["hsn"] as? [String: Any] ?? [:]
            let hsnRows = (hsn["hsn_b2b"] as? [[String: Any]] ?? []) + (hsn["hsn_b2c"] as? [[String: Any]] ?? [])
            #expect(hsnRows.reduce(0) { $0 + paise($1["txval"]) } == taxable)
            #expect(hsnRows.reduce(0) { $0 + paise($1["iamt"]) + paise($1["camt"]) + paise($1["samt"]) } == tax)

            // GSTR-3B and the sales register say the same
            let summary = try await c.send(.GET, "/api/v1/gst/gstr3b?period=2026-11")
            let sup = summary["sup_details"] as? [String: Any] ?? [:]
            let osup = sup["osup_det"] as? [String: Any] ?? [:]
            #expect(paise(osup["txval"]) + paise((sup["osup_nil_exmp"] as? [String: Any])?["txval"]) == taxable)
            #expect(paise(osup["iamt"]) + paise(osup["camt"]) + paise(osup["samt"]) == tax, "\(summary.body)")
            let register = ReportsScenarios.csvRows(try await c.send(.GET, "/api/v1/reports/sales-register.csv?from=2026-11-01&to=2026-11-30").body)
            func csvPaise(_ s: String?) -> Int { Int(((Double(s ?? "") ?? 0) * 100).rounded()) }
            #expect(csvPaise(register.last?[10]) == taxable && csvPaise(register.last?[11]) + csvPaise(register.last?[12]) + csvPaise(register.last?[13]) == tax)
            try await Invariants.check(app)
        }
    }
}

extension CreditNoteScenarios {
    /// Issue 17 §2: totals rounded to the rupee when the business asks for it, the round-off
    /// printed; the credit note that returns the last of an invoice takes the round-off back.
    static func roundOff(_ db: TestDB) async throws {
        try await withTestApp(db) { app in
            var c = APIClient(app)
            try await c.signup()
            #expect(try await c.send(.PATCH, "/api/v1/business", json: ["state": "Maharashtra", "round_off": true])["round_off"] as? Bool == true)
            #expect(try await c.send(.PATCH, "/api/v1/business", json: ["round_off": NSNull()]).fields["round_off"] != nil)
            let paint = try await c.product("Paint", price: 95_075, stock: 100, gst: 18)
            let ramesh = try await c.customer("Ramesh Traders")

            // 1 can: ₹950.75 + ₹85.57 + ₹85.57 = ₹1,121.89 → ₹1,122.00 with +₹0.11
            let up = try await c.issueInvoice(customer: ramesh, lines: [(paint, 1)])
            #expect(up["total"] as? Int == 112_200 && up["round_off"] as? Int == 11, "\(up.body)")
            #expect((up["items"] as? [[String: Any]])?.first?["total"] as? Int == 112_189)
            #expect(try await c.send(.GET, "/api/v1/customers/\(ramesh)")["balance"] as? Int == 112_200)
            // 5 cans: ₹4,753.75 + ₹427.84 + ₹427.84 = ₹5,609.43 → ₹5,609.00, rounded down by ₹0.43
            let down = try await c.issueInvoice(customer: ramesh, lines: [(paint, 5)])
            #expect(down["total"] as? Int == 560_900 && down["round_off"] as? Int == -43, "\(down.body)")

            // the PDF prints the line
            let (res, file) = try await ReportsScenarios.download(c, "/api/v1/invoices/\(down["id"] as? String ?? "")/pdf", ext: "pdf")
            defer { try? FileManager.default.removeItem(atPath: file) }
            #expect(res.status == .ok)
            let text = try await ReportsScenarios.tool("pdftotext", ["-layout", file, "-"])
            #expect(text.contains("Round off") && text.contains("5,609.00"), "\(text)")

            // returned in two notes: the last one takes the −₹0.43 back, so the notes add up to ₹5,609.00
            let line = (down["items"] as? [[String: Any]])?.first?["id"] as? String ?? ""
            let id = down["id"] as? String ?? ""
            let first = try await c.send(.POST, "/api/v1/invoices/\(id)/credit-notes", json: ["items": [["item_id": line, "quantity": 2]]])
            #expect(first["round_off"] as? Int == 0 && first["total"] as? Int == 224_378, "\(first.body)")
            let last = try await c.send(.POST, "/api/v1/invoices/\(id)/credit-notes", json: ["items": [["item_id": line, "quantity": 3]]])
            #expect(last["round_off"] as? Int == -43 && last["total"] as? Int == 336_522, "\(last.body)")
            let after = try await c.send(.GET, "/api/v1/invoices/\(id)")
            #expect(after["credited"] as? Int == 560_900 && after["balance_due"] as? Int == 0 && after["status"] as? String == "paid")
            #expect(try await c.send(.GET, "/api/v1/customers/\(ramesh)")["balance"] as? Int == 112_200)

            // switched off: exact totals again
            _ = try await c.send(.PATCH, "/api/v1/business", json: ["round_off": false])
            let exact = try await c.issueInvoice(customer: ramesh, lines: [(paint, 1)])
            #expect(exact["total"] as? Int == 112_189 && exact["round_off"] as? Int == 0)
            try await Invariants.check(app)
        }
    }
}
