@testable import App
import Foundation
import Testing
import VaporTesting
import AsyncHTTPClient

enum ReportsScenarios {
    static func csvRows(_ body: String) -> [[String]] {
        // Small RFC 4180 reader for the assertions.
        var rows: [[String]] = [], row: [String] = [], field = "", quoted = false
        var it = Array(body.hasPrefix("\u{FEFF}") ? String(body.dropFirst()) : body).makeIterator()
        while let c = it.next() {
            if quoted {
                if c == "\"" {
                    if let n = it.next() {
                        if n == "\"" { field.append("\"") } else {
                            quoted = false
                            if n == "," { row.append(field); field = "" } else if n == "\r\n" || n == "\n" { row.append(field); rows.append(row); row = []; field = "" }
                        }
                    } else { quoted = false }
                } else { field.append(c) }
            } else if c == "\"" { quoted = true }
            else if c == "," { row.append(field); field = "" }
            else if c == "\r\n" || c == "\n" { row.append(field); rows.append(row); row = []; field = "" }
            else { field.append(c) }
        }
        if !field.isEmpty || !row.isEmpty { row.append(field); rows.append(row) }
        return rows
    }

    /// The dashboard's messages and workflows panels show live figures once there is a channel and
    /// a workflow (issue 19 §3): messages today per platform, unread, a 14-day series; workflows
    /// switched on and today's runs by outcome. Before that, each says how to set one up.
    static func dashboardMessagesAndRuns(_ db: TestDB) async throws {
        try await withTestApp(db) { app in
            // setup
            var client = APIClient(app)
            try await client.signup()
            _ = try await client.product("Cement bag", price: 35_000, stock: 20)
            let before = try await client.send(.GET, "/api/v1/dashboard")
            let noMessages = try #require(before["messages_14d"] as? [String: Any])
            let noRuns = try #require(before["runs_7d"] as? [String: Any])
            #expect(noMessages["connected"] as? Bool == false)
            #expect((noMessages["message"] as? String)?.contains("connect WhatsApp") == true, "\(noMessages)")
            #expect(noRuns["connected"] as? Bool == false)
            #expect((noRuns["message"] as? String)?.contains("No workflows yet") == true, "\(noRuns)")

            // act: a customer writes twice through the simulator (the bot answers each), and a
            // webhook workflow runs once.
            for text in ["price of cement?", "and your timings?"] {
                let r = try await client.send(.POST, "/api/v1/simulator/messages", json: ["from": "+919811111111", "name": "Meena", "text": text])
                #expect(r.status == .accepted, "\(r.body)")
            }
            try await app.jobs.drain(app: app)
            let w = try await WorkflowScenarios.create(client, WorkflowScenarios.example, activate: true)
            let hook = try await client.send(.POST, "/hooks/\(w["public_id"] as? String ?? "")", json: ["amount": 1500])
            #expect(hook.status == .ok, "\(hook.body)")
            _ = try await WorkflowScenarios.create(client, WorkflowScenarios.example, name: "Switched off")
            let after = try await client.send(.GET, "/api/v1/dashboard")

            // verify
            let messages = try #require(after["messages_14d"] as? [String: Any])
            #expect(messages["connected"] as? Bool == true, "\(messages)")
            #expect(messages["today_total"] as? Int == 4, "\(messages)")
            #expect(messages["unread"] as? Int == 2, "\(messages)")
            let today = try #require(messages["today"] as? [[String: Any]])
            #expect(today.count == 1 && today.first?["platform"] as? String == "simulator" && today.first?["count"] as? Int == 4, "\(today)")
            let series = try #require((messages["series"] as? [[String: Any]])?.first)
            let points = try #require(series["points"] as? [[String: Any]])
            #expect(points.count == 14)
            #expect(points.last?["count"] as? Int == 4 && points.last?["date"] as? String == after["today"] as? String)
            #expect(points.dropLast().allSatisfy { $0["count"] as? Int == 0 })
            let runs = try #require(after["runs_7d"] as? [String: Any])
            #expect(runs["connected"] as? Bool == true)
            #expect(runs["workflows"] as? Int == 2 && runs["active_workflows"] as? Int == 1, "\(runs)")
            #expect(runs["succeeded"] as? Int == 1 && runs["failed"] as? Int == 0, "\(runs)")
            let runsToday = try #require(runs["today"] as? [String: Any])
            #expect(runsToday["succeeded"] as? Int == 1 && runsToday["failed"] as? Int == 0 && runsToday["waiting"] as? Int == 0, "\(runsToday)")

            // The inbox names a chat whose number belongs to a customer by the customer's name.
            _ = try await client.send(.POST, "/api/v1/customers", json: ["name": "Meena Stores", "phone": "+919822222222"])
            let r = try await client.send(.POST, "/api/v1/simulator/messages", json: ["from": "+919822222222", "name": "meena_wa", "text": "hello"])
            let session = try await client.send(.GET, "/api/v1/inbox/sessions/\(r["session_id"] as? String ?? "")")
            #expect((session["contact"] as? [String: Any])?["customer_name"] as? String == "Meena Stores", "\(session.body)")
            #expect((session["contact"] as? [String: Any])?["name"] as? String == "meena_wa", "\(session.body)")
        }
    }

    static func dashboard(_ db: TestDB) async throws {
        let clock = TestClock()
        try await withTestApp(db, clock: clock) { app in
            var client = APIClient(app)
            try await client.signup()
            let empty = try await client.send(.GET, "/api/v1/dashboard")
            #expect(empty.status == .ok, "\(empty.body)")
            #expect(empty["empty"] as? Bool == true)
            #expect((empty["sales_30d"] as? [Any])?.count == 30)
            #expect((empty["messages_14d"] as? [String: Any])?["connected"] as? Bool == false)

            let p = try await client.product("Tea", price: 10_000, stock: 5)
            try await client.send(.PATCH, "/api/v1/products/\(p)", json: ["low_stock_threshold": 4])
            let c = try await client.customer("Asha")
            // Yesterday: ₹100; today: ₹300 with ₹100 paid.
            clock.advance(-86_400)
            _ = try await client.issueInvoice(customer: c, lines: [(p, 1)])
            clock.advance(86_400)
            _ = try await client.issueInvoice(customer: c, lines: [(p, 3)], payment: 10_000)
            let d = try await client.send(.GET, "/api/v1/dashboard")
            #expect(d["empty"] as? Bool == false)
            let today = (d["sales"] as? [String: Any])?["today"] as? [String: Any]
            #expect(today?["amount"] as? Int == 30_000)
            #expect(today?["previous"] as? Int == 10_000)
            #expect(today?["invoices"] as? Int == 1)
            #expect((d["collected"] as? [String: Any])?["today"] as? Int == 10_000)
            #expect(d["outstanding"] as? Int == 30_000)
            #expect((d["debtors"] as? [String: Any])?["count"] as? Int == 1)
            #expect((d["low_stock"] as? [[String: Any]])?.first?["name"] as? String == "Tea")
            let days = d["sales_30d"] as? [[String: Any]] ?? []
            #expect(days.last?["date"] as? String == d["today"] as? String)
            #expect(days.last?["amount"] as? Int == 30_000)
            #expect(days.dropLast().last?["amount"] as? Int == 10_000)
            let activity = d["activity"] as? [[String: Any]] ?? []
            #expect(Set(activity.compactMap { $0["type"] as? String }) == ["invoice", "payment"])
        }
    }

    /// The report list has thirteen reports, and each CSV export is correct on empty data: a CSV with
    /// the header row only.
    static func csvExportsOnEmptyData(_ db: TestDB) async throws {
        let clock = TestClock()
        try await withTestApp(db, clock: clock) { app in
            // setup
            var client = APIClient(app)
            try await client.signup()

            // act
            let list = try await client.send(.GET, "/api/v1/reports")

            // verify
            #expect(list.items.count == 13)
            for id in ["inventory", "sales-by-product", "sales-by-customer", "aging-debtors", "payments", "purchases", "expenses", "payables",
                       "sales-register", "hsn-summary"] {
                let r = try await client.send(.GET, "/api/v1/reports/\(id).csv")
                #expect(r.status == .ok, "\(id): \(r.body)")
                #expect(r.headers.contentType?.subType == "csv")
                #expect(csvRows(r.body).count == 1, "\(id) on empty data")
            }
        }
    }

    /// Setup shared by the CSV tests with data: "Cement, 50 kg" (₹350, 20 in stock, 18% GST), a
    /// product named like a spreadsheet formula, and the customer Ramesh "RT" Traders
    /// (+919812345678), billed 2 bags 45 days ago (still owed, so in the 31–60 bucket) and 1 bag
    /// today, paid in full. Returns the customer's id and the date 60 days ago.
    private static func shopWithSales(_ client: APIClient, _ clock: TestClock) async throws -> (customerID: String, from: String) {
        let cement = try await client.product("Cement, 50 kg", price: 35_000, stock: 20, gst: 18)
        _ = try await client.product("=HYPERLINK(\"x\")", price: 100, stock: 1)
        let c = try await client.customer("Ramesh \"RT\" Traders", phone: "+919812345678")
        clock.advance(-45 * 86_400)
        _ = try await client.issueInvoice(customer: c, lines: [(cement, 2)])
        clock.advance(45 * 86_400)
        _ = try await client.issueInvoice(customer: c, lines: [(cement, 1)], payment: 41_300)
        let from = Periods.add(days: -60, to: Validate.localDate(clock.now, timezone: "Asia/Kolkata"))
        return (c, from)
    }

    /// The CSV figures after two sales: stock and value in the inventory (a formula-like name
    /// neutralised), the amount owed in the aging report's 31–60 bucket (a phone number kept as
    /// it is), quantities and totals by product, and the ledger's closing balance; from today, the
    /// invoice of 45 days ago is the ledger's opening balance.
    static func csvExportFigures(_ db: TestDB) async throws {
        let clock = TestClock()
        try await withTestApp(db, clock: clock) { app in
            // setup
            var client = APIClient(app)
            try await client.signup()
            let from = try await shopWithSales(client, clock).from

            // act
            let inventory = csvRows(try await client.send(.GET, "/api/v1/reports/inventory.csv").body)
            let aging = csvRows(try await client.send(.GET, "/api/v1/reports/aging-debtors.csv").body)
            let sales = csvRows(try await client.send(.GET, "/api/v1/reports/sales-by-product.csv?from=\(from)").body)
            let ledger = csvRows(try await client.send(.GET, "/api/v1/reports/ledger.csv?from=\(from)").body)
            let today = Validate.localDate(clock.now, timezone: "Asia/Kolkata")
            let recent = csvRows(try await client.send(.GET, "/api/v1/reports/ledger.csv?from=\(today)").body)

            // verify: inventory
            let cementRow = inventory.first { $0.first == "Cement, 50 kg" }
            #expect(cementRow?[3] == "17")
            #expect(cementRow?[6] == "350.00")
            #expect(cementRow?[7] == "5950.00")
            #expect(inventory.contains { $0.first == "'=HYPERLINK(\"x\")" }, "formulas are neutralised")

            // verify: aging
            #expect(aging.count == 3, "header, Ramesh, total")
            #expect(aging.last?[0] == "Total" && aging.last?[3] == "826.00" && aging.last?[6] == "826.00" && aging.last?[1] == "", "\(aging)")
            #expect(aging[1][0] == "Ramesh \"RT\" Traders")
            #expect(aging[1][1] == "+919812345678", "a phone number is not mistaken for a formula")
            #expect(aging[1][3] == "826.00")
            #expect(aging[1][6] == "826.00")

            // verify: sales by product
            #expect(sales.count == 3)
            #expect(sales.last?[0] == "Total" && sales.last?[6] == "1239.00" && sales.last?[2] == "", "units differ, so quantities are not added: \(sales)")
            #expect(sales[1][2] == "3")
            #expect(sales[1][6] == "1239.00")

            // verify: the ledger
            #expect(ledger.first?.first == "Date")
            #expect(ledger[ledger.count - 2][7] == "826.00", "closing balance")
            #expect(ledger.last?[0] == "Total" && ledger.last?[7] == "", "a running balance is not added up")
            // From today: the invoice of 45 days ago is the opening balance.
            #expect(recent[1][2] == "opening" && recent[1][7] == "826.00")
            #expect(recent.count == 6, "header, opening, invoice, payment, closing, total")
            #expect(recent[4][7] == "826.00")
            #expect(recent.last?[5] == recent[2][5] && recent.last?[6] == recent[3][6] && !(recent.last?[5] ?? "").isEmpty,
                    "the period's debits and credits: \(recent)")
        }
    }

    /// Every CSV export parses with Python's csv module, with the same row counts as ours.
    static func csvExportsParseWithPython(_ db: TestDB) async throws {
        let clock = TestClock()
        try await withTestApp(db, clock: clock) { app in
            // setup
            var client = APIClient(app)
            try await client.signup()
            let from = try await shopWithSales(client, clock).from

            // act
            var files: [String] = [], expected: [Int] = []
            for id in ["inventory", "sales-by-product", "sales-by-customer", "ledger", "aging-debtors", "payments"] {
                let (res, file) = try await download(client, "/api/v1/reports/\(id).csv?from=\(from)", ext: "csv")
                #expect(res.status == .ok)
                files.append(file)
                expected.append(csvRows(try String(contentsOfFile: file, encoding: .utf8)).count)
            }
            defer { files.forEach { try? FileManager.default.removeItem(atPath: $0) } }
            let counts = try await tool("python3", ["-c", "import csv,sys; print(' '.join(str(len(list(csv.reader(open(f, encoding='utf-8-sig', newline=''))))) for f in sys.argv[1:]))"] + files)

            // verify
            #expect(counts.trimmingCharacters(in: .whitespacesAndNewlines) == expected.map(String.init).joined(separator: " "))
        }
    }

    /// Reports refuse what they cannot serve: an unknown format, an unknown report, an impossible
    /// date. Another business sees neither the customer's ledger nor the products.
    static func csvExportsRefuseBadRequestsAndOtherBusinesses(_ db: TestDB) async throws {
        let clock = TestClock()
        try await withTestApp(db, clock: clock) { app in
            // setup
            var client = APIClient(app)
            try await client.signup()
            let c = try await shopWithSales(client, clock).customerID

            // act + verify: bad requests
            #expect(try await client.send(.GET, "/api/v1/reports/ledger.docx").errorCode == "format_unavailable")
            #expect(try await client.send(.GET, "/api/v1/reports/nope.csv").status == .notFound)
            #expect(try await client.send(.GET, "/api/v1/reports/payments.csv?from=2026-13-01").status == .unprocessableEntity)

            // act: another business asks
            var other = APIClient(app)
            try await other.signup()

            // verify
            #expect(try await other.send(.GET, "/api/v1/reports/ledger.csv?customer_id=\(c)").status == .notFound)
            #expect(csvRows(try await other.send(.GET, "/api/v1/reports/inventory.csv").body).count == 1)
        }
    }

    /// Reports on screen (issue 19 §5): a report's rows as a table, sorted by any column (numbers
    /// by value, empty cells last), paged, with the totals row apart so it stays at the foot; the
    /// exports end with the same totals. Bad asks get 4xx; another business sees only its own.
    static func reportTables(_ db: TestDB) async throws {
        let clock = TestClock()
        try await withTestApp(db, clock: clock) { app in
            // setup: Ramesh owes ₹826 (2 bags, 45 days ago); two more customers buy today
            var client = APIClient(app)
            try await client.signup()
            let from = try await shopWithSales(client, clock).from
            let rice = try await client.product("Rice", price: 5_000, stock: 100)
            for (name, bags) in [("Asha Stores", 3.0), ("Zeenat Kirana", 10.0)] {
                let c = try await client.customer(name)
                #expect(try await client.issueInvoice(customer: c, lines: [(rice, bags)]).status == .created)
            }
            func table(_ q: String) async throws -> APIClient.Reply { try await client.send(.GET, "/api/v1/reports/\(q)") }

            // act: sales by customer, biggest first
            let t = try await table("table/sales-by-customer?from=\(from)&sort=3&order=desc")

            // verify: columns typed, rows sorted by value, totals apart and equal to the sums
            #expect(t.status == .ok, "\(t.body)")
            let columns = (t["columns"] as? [[String: Any]] ?? []).map { "\($0["name"] ?? "")/\($0["type"] ?? "")" }
            #expect(columns == ["Customer/text", "Phone/text", "Invoices/int", "Sales (INR)/money", "Paid on these invoices (INR)/money",
                                "Due on these invoices (INR)/money"], "\(columns)")
            let rows = t["rows"] as? [[Any]] ?? []
            #expect(rows.map { $0[0] as? String ?? "" } == ["Ramesh \"RT\" Traders", "Zeenat Kirana", "Asha Stores"], "\(rows)")
            #expect(rows.map { $0[3] as? Int ?? 0 } == [123_900, 50_000, 15_000])
            let totals = t["totals"] as? [[Any]] ?? []
            #expect(totals.count == 1 && totals.first?[0] as? String == "Total" && totals.first?[3] as? Int == 188_900 && totals.first?[1] is NSNull,
                    "\(totals)")
            #expect(t["total_rows"] as? Int == 3 && t["sortable"] as? Bool == true && t["from"] as? String == from && t["as_of"] is NSNull)

            // act + verify: text sorts case-insensitively, ascending; a page of one
            let page = try await table("table/sales-by-customer?from=\(from)&sort=0&limit=1&offset=1")
            #expect((page["rows"] as? [[Any]])?.map { $0[0] as? String ?? "" } == ["Ramesh \"RT\" Traders"], "\(page.body)")
            #expect(page["total_rows"] as? Int == 3 && (page["totals"] as? [[Any]])?.count == 1, "the totals come with every page")
            // … and the CSV ends with the same totals row
            let csv = csvRows(try await client.send(.GET, "/api/v1/reports/sales-by-customer.csv?from=\(from)").body)
            #expect(csv.last == ["Total", "", "", "1889.00", "413.00", "1476.00"], "\(csv)")

            // verify: a register with totals of its own keeps them apart; a statement is not sortable
            let register = try await table("table/sales-register?from=\(from)&sort=10&order=desc")
            #expect((register["rows"] as? [[Any]])?.count == 4 && (register["totals"] as? [[Any]])?.first?[3] as? String == "Total", "\(register.body)")
            let pl = try await table("table/profit-and-loss?sort=1")
            #expect(pl.status == .ok && pl["sortable"] as? Bool == false && pl["sort"] is NSNull, "\(pl.body)")
            let inventory = try await table("table/inventory")
            #expect(inventory["as_of"] as? String != nil && inventory["from"] is NSNull)

            // act + verify: bad asks are refused with the field named
            #expect(try await table("table/sales-by-customer?sort=6").fields["sort"] != nil, "there are six columns")
            #expect(try await table("table/sales-by-customer?order=up").fields["order"] != nil)
            #expect(try await table("table/sales-by-customer?limit=0").fields["limit"] != nil)
            #expect(try await table("table/sales-by-customer?from=2026-13-01").status == .unprocessableEntity)
            #expect(try await table("table/nope").status == .notFound)

            // verify: another business sees its own empty table, without totals
            var other = APIClient(app)
            try await other.signup()
            let theirs = try await other.send(.GET, "/api/v1/reports/table/sales-by-customer?from=\(from)")
            #expect((theirs["rows"] as? [[Any]])?.isEmpty == true && (theirs["totals"] as? [[Any]])?.isEmpty == true, "\(theirs.body)")
        }
    }

    /// Fetches a binary body into a temp file.
    static func download(_ client: APIClient, _ path: String, ext: String) async throws -> (APIClient.Reply, String) {
        var reply: APIClient.Reply? = nil
        var data = Data()
        var headers = HTTPHeaders()
        if let cookie = client.cookie { headers.add(name: .cookie, value: "munim_session=\(cookie)") }
        try await client.app.testing().test(.GET, path, headers: headers) { res in
            data = Data(buffer: res.body)
            reply = APIClient.Reply(status: res.status, headers: res.headers, body: "")
        }
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("munim-\(UUID().uuidString).\(ext)").path
        try data.write(to: URL(fileURLWithPath: file))
        return (reply!, file)
    }

    static func tool(_ name: String, _ args: [String]) async throws -> String {
        try await PostgresCluster.run("/usr/bin/env", [name] + args)
    }

    /// Invoice PDFs checked with real readers: qpdf, pdftotext, and zbarimg for the UPI QR code.
    static func invoicePDF(_ db: TestDB) async throws {
        try await withTestApp(db) { app in
            var client = APIClient(app)
            try await client.signup(business: "Patel Stores")
            #expect(try await client.send(.PATCH, "/api/v1/business", json: [
                "upi_id": "patelstores@okhdfcbank", "state": "Maharashtra", "gstin": "27AAPFU0939F1ZV", "address": "Station Road, Nashik",
            ]).status == .ok)
            #expect(try await client.send(.PATCH, "/api/v1/business", json: ["upi_id": "not a upi"]).fields["upi_id"] != nil)
            let cement = try await client.product("Cement bag", price: 35_050, stock: 500, gst: 18)
            #expect(try await client.send(.PATCH, "/api/v1/products/\(cement)", json: ["hsn": "25232910"]).status == .ok)
            let local = try await client.customer("रमेश ट्रेडर्स", phone: "+919812345678")
            try await client.send(.PATCH, "/api/v1/customers/\(local)", json: ["state": "Maharashtra"])
            let away = try await client.customer("Gupta & Sons")
            let awayGSTIN = BooksScenarios.gstin("24AAACG1234B1Z")
            let patched = try await client.send(.PATCH, "/api/v1/customers/\(away)", json: ["gstin": awayGSTIN])
            #expect(patched["state"] as? String == "Gujarat", "the GSTIN's first two digits give the state: \(patched.body)")

            // Intra-state: CGST + SGST, a balance due, so a QR code.
            let inv = try await client.issueInvoice(customer: local, lines: [(cement, 352.5)], payment: 100_000)
            let id = try #require(inv["id"] as? String)
            let (res, file) = try await download(client, "/api/v1/invoices/\(id)/pdf", ext: "pdf")
            defer { try? FileManager.default.removeItem(atPath: file) }
            #expect(res.status == .ok)
            #expect(res.headers.contentType?.subType == "pdf")
            _ = try await tool("qpdf", ["--check", file])
            let text = try await tool("pdftotext", ["-layout", file, "-"])
            #expect(text.contains("INV-0001"))
            #expect(text.contains("रमेश ट्रेडर्स"), "Devanagari name survives as text")
            // 352.5 × ₹350.50 = ₹1,23,551.25; CGST and SGST are 9% each, each rounded: ₹11,119.61 + ₹11,119.61
            // (issue 17 §2: never ₹11,119.61 beside ₹11,119.62).
            #expect(inv["total"] as? Int == 14_579_047)
            #expect(inv["cgst"] as? Int == 1_111_961 && inv["sgst"] as? Int == 1_111_961 && inv["igst"] as? Int == 0, "\(inv.body)")
            #expect(inv["place_of_supply"] as? String == "Maharashtra" && inv["place_of_supply_code"] as? String == "27" && inv["inter_state"] as? Bool == false)
            let line = (inv["items"] as? [[String: Any]])?.first
            #expect(line?["taxable_value"] as? Int == 12_355_125 && line?["cgst"] as? Int == 1_111_961 && line?["sgst"] as? Int == 1_111_961)
            #expect(text.contains("₹1,23,551.25"), "taxable value in Indian grouping")
            #expect(text.contains("CGST") && text.contains("SGST") && !text.contains("IGST"))
            // CGST and SGST in the totals and again in the tax summary by rate: equal halves everywhere
            #expect(text.components(separatedBy: "₹11,119.61").count == 5 && !text.contains("₹11,119.62"), "equal halves")
            #expect(text.contains("GST rate") && text.contains("₹22,239.22"), "tax summary by rate with its total tax")
            #expect(text.contains("Place of supply: Maharashtra (27)") && text.contains("Reverse charge: No"))
            #expect(text.contains("For Patel Stores") && text.contains("Authorised signatory"))
            #expect(text.contains("25232910"), "an 8-digit HSN code never wraps")
            let issued = try #require(inv["issue_date"] as? String)
            #expect(text.contains("Date: \(IndianDate.text(issued))"), "dd-mm-yyyy")
            let flowing = try await tool("pdftotext", [file, "-"]).split(whereSeparator: \.isWhitespace).joined(separator: " ")
            #expect(flowing.contains("One Lakh Forty Five Thousand Seven Hundred Ninety Rupees and Forty Seven Paise Only"))
            #expect(text.contains("₹1,44,790.47"), "balance due")
            let png = file + "-page"
            _ = try await tool("pdftoppm", ["-png", "-r", "150", "-f", "1", "-l", "1", file, png])
            defer { try? FileManager.default.removeItem(atPath: png + "-1.png") }
            // zbarimg may print D-Bus noise on stderr; the decoded payload is its upi:// line.
            let qr = try await tool("zbarimg", ["-q", "--raw", png + "-1.png"]).split(separator: "\n").first { $0.hasPrefix("upi://") }.map(String.init)
            #expect(qr == "upi://pay?pa=patelstores@okhdfcbank&pn=Patel%20Stores&am=144790.47&cu=INR&tn=INV-0001")

            // Inter-state: IGST.
            let other = try await client.issueInvoice(customer: away, lines: [(cement, 1)])
            let (_, file2) = try await download(client, "/api/v1/invoices/\(other["id"] as! String)/pdf", ext: "pdf")
            defer { try? FileManager.default.removeItem(atPath: file2) }
            let text2 = try await tool("pdftotext", ["-layout", file2, "-"])
            #expect(text2.contains("IGST") && !text2.contains("CGST"))
            #expect(text2.contains("Place of supply: Gujarat (24)") && text2.contains("GSTIN: \(awayGSTIN)"), "the buyer's GSTIN")
            // ₹350.50 at 18% across states: one IGST amount of ₹63.09.
            #expect(other["igst"] as? Int == 6_309 && other["cgst"] as? Int == 0 && other["inter_state"] as? Bool == true)

            var stranger = APIClient(app)
            try await stranger.signup()
            #expect(try await stranger.send(.GET, "/api/v1/invoices/\(id)/pdf").status == .notFound)
        }
    }

    /// GSTR-1 (issue 17 §4): a month of a Maharashtra shop's invoices lands in each section, reconciles
    /// with the invoices to the paisa, and validates against the repository's schema.
    static func gstr1(_ db: TestDB) async throws {
        try await withTestApp(db) { app in
            // setup
            var c = APIClient(app)
            try await c.signup(business: "Kale Traders")
            #expect(try await c.send(.GET, "/api/v1/gst/gstr1?period=2026-11").errorCode == "gstin_required")
            #expect(try await c.send(.GET, "/api/v1/gst/gstr3b?period=2026-11").errorCode == "gstin_required")
            let gstin = "27AAPFU0939F1ZV"
            #expect(try await c.send(.PATCH, "/api/v1/business", json: ["state": "Maharashtra", "gstin": gstin]).status == .ok)
            func product(_ name: String, _ unit: String, _ price: Int, _ gst: Any, _ hsn: String?) async throws -> String {
                var body: [String: Any] = ["name": name, "unit": unit, "price": price, "stock": 1000, "gst_rate": gst, "price_includes_gst": false]
                if let hsn { body["hsn"] = hsn }
                let r = try await c.send(.POST, "/api/v1/products", json: body)
                #expect(r.status == .created, "\(r.body)")
                return r["id"] as? String ?? ""
            }
            let cement = try await product("Cement bag", "bag", 35_000, 18, "2523")
            let almirah = try await product("Steel almirah", "pcs", 764_625, 18, "9403")
            let rice = try await product("Rice", "kg", 6_000, NSNull(), "1006")
            let widget = try await product("Hook", "pcs", 10_000, 5, nil)
            func customer(_ body: [String: Any]) async throws -> String {
                let r = try await c.send(.POST, "/api/v1/customers", json: body)
                #expect(r.status == .created, "\(r.body)")
                return r["id"] as? String ?? ""
            }
            let shahGSTIN = BooksScenarios.gstin("24AAACS1234B1Z"), patilGSTIN = BooksScenarios.gstin("27AAACP1234B1Z")
            let shah = try await customer(["name": "Shah Hardware", "gstin": shahGSTIN])
            let patil = try await customer(["name": "Patil Builders", "gstin": patilGSTIN])
            let walkIn = try await customer(["name": "Counter sale"])
            let desai = try await customer(["name": "Desai", "state": "Gujarat"])
            var totals: (taxable: Int, tax: Int) = (0, 0)
            func invoice(_ who: String, _ date: String, _ lines: [(String, Double)], count: Bool = true) async throws -> String {
                let r = try await c.send(.POST, "/api/v1/invoices", json: ["customer_id": who, "issue_date": date, "issue": true,
                                                                          "items": lines.map { ["product_id": $0.0, "quantity": $0.1] }])
                #expect(r.status == .created, "\(r.body)")
                if count { totals = (totals.taxable + (r["subtotal"] as? Int ?? 0), totals.tax + (r["tax_total"] as? Int ?? 0)) }
                return r["id"] as? String ?? ""
            }
            _ = try await invoice(shah, "2026-11-03", [(almirah, 1), (rice, 10)])       // b2b, IGST, and a nil-rated line
            _ = try await invoice(patil, "2026-11-05", [(cement, 5)])                   // b2b, CGST + SGST
            _ = try await invoice(walkIn, "2026-11-07", [(cement, 2), (widget, 1)])     // b2cs intra; the hook has no HSN
            _ = try await invoice(desai, "2026-11-09", [(almirah, 15)])                 // b2cl: inter-state, above ₹1 lakh
            _ = try await invoice(desai, "2026-11-11", [(cement, 1)])                   // b2cs inter
            let voided = try await invoice(walkIn, "2026-11-12", [(cement, 1)], count: false)
            #expect(try await c.send(.POST, "/api/v1/invoices/\(voided)/void", json: ["reason": "wrong customer"]).status == .ok)
            _ = try await invoice(walkIn, "2026-10-30", [(cement, 1)], count: false)    // another month
            _ = try await c.send(.POST, "/api/v1/invoices", json: ["customer_id": walkIn, "issue_date": "2026-11-20", "items": [["product_id": cement, "quantity": 1]]])

            // act
            let (res, file) = try await download(c, "/api/v1/gst/gstr1?period=2026-11", ext: "json")
            defer { try? FileManager.default.removeItem(atPath: file) }

            // verify: the file, its name and its warning
            #expect(res.status == .ok)
            #expect(res.headers.first(name: .contentDisposition) == "attachment; filename=\"GSTR1_\(gstin)_112026.json\"")
            #expect(res.headers.first(name: "Munim-Warnings") == "1 invoice line has no HSN code and is left out of the HSN summary")
            let doc = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: file))) as? [String: Any])
            #expect(doc["gstin"] as? String == gstin && doc["fp"] as? String == "112026")
            func paise(_ v: Any?) -> Int {
                guard let rupees = (v as? NSNumber)?.doubleValue else { return -1 }
                return Int((rupees * 100).rounded())
            }

            // b2b: per buyer, items per rate, the heads as invoiced
            let b2b = doc["b2b"] as? [[String: Any]] ?? []
            #expect(b2b.map { $0["ctin"] as? String ?? "" }.sorted() == [shahGSTIN, patilGSTIN].sorted())
            let shahInv = ((b2b.first { $0["ctin"] as? String == shahGSTIN }?["inv"]) as? [[String: Any]])?.first
            #expect(shahInv?["inum"] as? String == "INV-0001" && shahInv?["idt"] as? String == "03-11-2026" && shahInv?["pos"] as? String == "24")
            #expect(paise(shahInv?["val"]) == 962_258 && shahInv?["rchrg"] as? String == "N" && shahInv?["inv_typ"] as? String == "R")
            let shahItem = ((shahInv?["itms"] as? [[String: Any]])?.first?["itm_det"]) as? [String: Any]
            #expect(paise(shahItem?["txval"]) == 764_625 && paise(shahItem?["iamt"]) == 137_633 && paise(shahItem?["camt"]) == 0 && shahItem?["rt"] as? Int == 18)
            let patilItem = ((((b2b.first { $0["ctin"] as? String == patilGSTIN }?["inv"]) as? [[String: Any]])?.first?["itms"] as? [[String: Any]])?.first?["itm_det"]) as? [String: Any]
            #expect(paise(patilItem?["camt"]) == 15_750 && paise(patilItem?["samt"]) == 15_750 && paise(patilItem?["iamt"]) == 0)

            // b2cl and b2cs
            let b2cl = doc["b2cl"] as? [[String: Any]] ?? []
            #expect(b2cl.count == 1 && b2cl.first?["pos"] as? String == "24" && (b2cl.first?["inv"] as? [[String: Any]])?.first?["inum"] as? String == "INV-0004")
            let b2cs = doc["b2cs"] as? [[String: Any]] ?? []
            let cs = Set(b2cs.map { "\($0["sply_ty"] as? String ?? "") \($0["pos"] as? String ?? "") \($0["rt"] ?? "") \(paise($0["txval"])) \(paise($0["camt"])) \(paise($0["iamt"]))" })
            #expect(cs == ["INTRA 27 18 70000 6300 0", "INTRA 27 5 10000 250 0", "INTER 24 18 35000 0 6300"], "\(cs)")

            // nil, hsn (B2B and B2C tables from May 2025), doc_issue
            #expect(((doc["nil"] as? [String: Any])?["inv"] as? [[String: Any]])?.map { "\($0["sply_ty"] ?? "") \(paise($0["nil_amt"]))" } == ["INTRB2B 60000"])
            let hsn = doc["hsn"] as? [String: Any]
            #expect(hsn?["data"] == nil)
            let hsnB2B = (hsn?["hsn_b2b"] as? [[String: Any]] ?? []).map { "\($0["hsn_sc"] ?? "") \($0["uqc"] ?? "") \($0["rt"] ?? "") \($0["qty"] ?? "") \(paise($0["txval"]))" }
            #expect(hsnB2B == ["1006 KGS 0 10 60000", "2523 BAG 18 5 175000", "9403 PCS 18 1 764625"], "\(hsnB2B)")
            let hsnB2C = (hsn?["hsn_b2c"] as? [[String: Any]] ?? []).map { "\($0["hsn_sc"] ?? "") \($0["uqc"] ?? "") \($0["qty"] ?? "")" }
            #expect(hsnB2C == ["2523 BAG 3", "9403 PCS 15"], "\(hsnB2C)")
            let docs = ((((doc["doc_issue"] as? [String: Any])?["doc_det"] as? [[String: Any]])?.first?["docs"]) as? [[String: Any]])?.first
            #expect(docs?["from"] as? String == "INV-0001" && docs?["to"] as? String == "INV-0006" && docs?["totnum"] as? Int == 6
                    && docs?["cancel"] as? Int == 1 && docs?["net_issue"] as? Int == 5, "\(String(describing: docs))")

            // verify: every rupee of the month is in exactly one place, to the paisa
            var taxable = 0, tax = 0
            func addItems(_ invs: [[String: Any]]?) {
                for inv in invs ?? [] {
                    for item in inv["itms"] as? [[String: Any]] ?? [] {
                        let d = item["itm_det"] as? [String: Any] ?? [:]
                        taxable += paise(d["txval"]); tax += paise(d["iamt"]) + (d["camt"] == nil ? 0 : paise(d["camt"]) + paise(d["samt"]))
                    }
                }
            }
            for row in b2b { addItems(row["inv"] as? [[String: Any]]) }
            for row in b2cl { addItems(row["inv"] as? [[String: Any]]) }
            for row in b2cs { taxable += paise(row["txval"]); tax += paise(row["iamt"]) + paise(row["camt"]) + paise(row["samt"]) }
            taxable += 60_000  // the nil-rated rice
            #expect(taxable == totals.taxable && tax == totals.tax, "GSTR-1 \(taxable)/\(tax) vs invoices \(totals)")

            // verify: the file validates against the schema written from the published format
            let schema = repositoryRoot + "/docs/schemas/gstr1.schema.json"
            _ = try await PostgresCluster.run("/usr/bin/env", ["python3", repositoryRoot + "/scripts/check-json-schema.py", schema, file])

            // act: the month's buying — IGST from Gujarat, CGST + SGST locally, GST inside an expense
            let away = try await c.send(.POST, "/api/v1/suppliers", json: ["name": "Surat Steel", "gstin": BooksScenarios.gstin("24AAACS5678B1Z")])["id"] as? String ?? ""
            let near = try await c.send(.POST, "/api/v1/suppliers", json: ["name": "Pune Cement", "state": "Maharashtra"])["id"] as? String ?? ""
            for (supplier, product, qty, cost) in [(away, almirah, 10, 500_000), (near, cement, 100, 30_000)] {
                let r = try await c.send(.POST, "/api/v1/purchases", json: ["supplier_id": supplier, "bill_date": "2026-11-04",
                                                                           "items": [["product_id": product, "quantity": qty, "unit_cost": cost, "gst_rate": 18]]])
                #expect(r.status == .created, "\(r.body)")
            }
            #expect(try await c.send(.POST, "/api/v1/expenses", json: ["amount": 118_000, "gst_paid": 18_000, "category": "Electricity", "date": "2026-11-10"]).status == .created)
            #expect(try await c.send(.POST, "/api/v1/expenses", json: ["amount": 50_000, "gst_paid": 9_000, "category": "Rent", "date": "2026-10-10"]).status == .created)

            // act
            let summary = try await c.send(.GET, "/api/v1/gst/gstr3b?period=2026-11")

            // verify: outward supplies agree with GSTR-1 and the invoices
            #expect(summary.status == .ok && summary["ret_period"] as? String == "112026", "\(summary.body)")
            let sup = (summary["sup_details"] as? [String: Any])?["osup_det"] as? [String: Any]
            #expect(paise(sup?["txval"]) == totals.taxable - 60_000 && paise(sup?["iamt"]) == 2_208_421 && paise(sup?["camt"]) == 22_300 && paise(sup?["samt"]) == 22_300)
            #expect(paise(sup?["iamt"]) + paise(sup?["camt"]) + paise(sup?["samt"]) == totals.tax)
            #expect(paise(((summary["sup_details"] as? [String: Any])?["osup_nil_exmp"] as? [String: Any])?["txval"]) == 60_000)
            let unreg = ((summary["inter_sup"] as? [String: Any])?["unreg_details"] as? [[String: Any]]) ?? []
            #expect(unreg.count == 1 && unreg.first?["pos"] as? String == "24" && paise(unreg.first?["txval"]) == 11_504_375 && paise(unreg.first?["iamt"]) == 2_070_788)
            // verify: input tax from the bills and the expense of November only
            let itc = (summary["itc_elg"] as? [String: Any])?["itc_net"] as? [String: Any]
            #expect(paise(itc?["iamt"]) == 900_000 && paise(itc?["camt"]) == 279_000 && paise(itc?["samt"]) == 279_000, "\(String(describing: itc))")
            // verify: IGST credit first, then CGST and SGST credit against what is left of IGST; the rest in cash
            let pay = summary["tax_payment"] as? [String: Any]
            let cash = pay?["paid_in_cash"] as? [String: Any]
            #expect(paise(cash?["iamt"]) == 795_021 && paise(cash?["camt"]) == 0 && paise(cash?["samt"]) == 0, "\(String(describing: pay))")
            let viaCGST = (pay?["paid_through_itc"] as? [String: Any])?["cgst_credit"] as? [String: Any]
            #expect(paise(viaCGST?["camt"]) == 22_300 && paise(viaCGST?["iamt"]) == 256_700)
            #expect((summary["sources"] as? [String: Any])?["purchase_bills"] as? Int == 2)
            let (pdfRes, pdfFile) = try await download(c, "/api/v1/gst/gstr3b.pdf?period=2026-11", ext: "pdf")
            defer { try? FileManager.default.removeItem(atPath: pdfFile) }
            #expect(pdfRes.status == .ok && pdfRes.headers.first(name: .contentDisposition) == "attachment; filename=\"GSTR3B_\(gstin)_112026.pdf\"")
            let pdfText = try await tool("pdftotext", ["-layout", pdfFile, "-"])
            #expect(pdfText.contains("GSTR-3B summary") && pdfText.contains("November 2026") && pdfText.contains("₹7,950.21"), "cash to pay: \(pdfText)")

            // act + verify: a month before May 2025 has one HSN table; bad periods are refused
            _ = try await invoice(patil, "2025-04-10", [(cement, 1)], count: false)
            let (old, oldFile) = try await download(c, "/api/v1/gst/gstr1?period=2025-04", ext: "json")
            defer { try? FileManager.default.removeItem(atPath: oldFile) }
            let oldDoc = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: oldFile))) as? [String: Any]
            #expect(old.status == .ok && (oldDoc?["hsn"] as? [String: Any])?["data"] != nil && oldDoc?["fp"] as? String == "042025")
            _ = try await PostgresCluster.run("/usr/bin/env", ["python3", repositoryRoot + "/scripts/check-json-schema.py", schema, oldFile])
            for bad in ["2026-13", "2017-06", "26-11", "2026-1", "november", "2026-Q5", "2026-Q0", "2017-Q2", "2026-Q"] {
                #expect(try await c.send(.GET, "/api/v1/gst/gstr1?period=\(bad)").fields["period"] != nil, "\(bad)")
            }

            // act + verify: a quarter (QRMP) is its three months, filed under its last month
            let (quarter, quarterFile) = try await download(c, "/api/v1/gst/gstr1?period=2026-Q4", ext: "json")
            defer { try? FileManager.default.removeItem(atPath: quarterFile) }
            let quarterDoc = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: quarterFile))) as? [String: Any]
            #expect(quarter.status == .ok && quarterDoc?["fp"] as? String == "122026", "\(quarter.body)")
            #expect(quarter.headers.first(name: .contentDisposition) == "attachment; filename=\"GSTR1_\(gstin)_122026.json\"")
            _ = try await PostgresCluster.run("/usr/bin/env", ["python3", repositoryRoot + "/scripts/check-json-schema.py", schema, quarterFile])
            let q3b = try await c.send(.GET, "/api/v1/gst/gstr3b?period=2026-q4")
            let qsup = (q3b["sup_details"] as? [String: Any])?["osup_det"] as? [String: Any]
            // November's supplies plus the one invoice of 30 October (₹350 taxable, ₹31.50 + ₹31.50)
            #expect(q3b["ret_period"] as? String == "122026" && paise(qsup?["txval"]) == paise(sup?["txval"]) + 35_000
                    && paise(qsup?["camt"]) == paise(sup?["camt"]) + 3_150, "\(q3b.body)")
            // …and October's expense's input tax with November's
            let qitc = (q3b["itc_elg"] as? [String: Any])?["itc_net"] as? [String: Any]
            #expect(paise(qitc?["camt"]) == 279_000 + 4_500 && paise(qitc?["samt"]) == 279_000 + 4_500, "\(String(describing: qitc))")
            let (_, qpdf) = try await download(c, "/api/v1/gst/gstr3b.pdf?period=2026-Q4", ext: "pdf")
            defer { try? FileManager.default.removeItem(atPath: qpdf) }
            #expect(try await tool("pdftotext", ["-layout", qpdf, "-"]).contains("October–December 2026"))

            // verify: another business sees none of it
            var other = APIClient(app)
            try await other.signup()
            #expect(try await other.send(.PATCH, "/api/v1/business", json: ["gstin": BooksScenarios.gstin("29AAACO1234B1Z")]).status == .ok)
            let theirs = try await other.send(.GET, "/api/v1/gst/gstr1?period=2026-11")
            #expect(theirs.status == .ok && theirs["b2b"] == nil && theirs["doc_issue"] == nil && theirs["fp"] as? String == "112026", "\(theirs.body)")
        }
    }

    /// A composition dealer (issue 17 §1) issues a bill of supply: no GST on any line whatever the
    /// product's rate, the mandated declaration on the PDF, and no GSTR-1 or GSTR-3B.
    /// Issue 17 §4: a B2B invoice as e-invoice JSON (INV-01 1.1) that validates against our schema
    /// and adds up as the portal checks it; what is missing is named, never guessed.
    static func einvoice(_ db: TestDB) async throws {
        try await withTestApp(db) { app in
            // setup: a Nashik shop selling to a Surat buyer; one price before GST, one with GST in it
            var c = APIClient(app)
            try await c.signup(business: "Patel Stores")
            #expect(try await c.send(.PATCH, "/api/v1/business", json: [
                "gstin": "27AAPFU0939F1ZV", "state": "Maharashtra", "address": "14 Station Road, Nashik 422001",
            ]).status == .ok)
            let cement = try await c.product("Cement bag", price: 35_000, stock: 100, gst: 18)
            #expect(try await c.send(.PATCH, "/api/v1/products/\(cement)", json: ["hsn": "2523"]).status == .ok)
            let almirah = try await c.send(.POST, "/api/v1/products", json: ["name": "Steel almirah", "unit": "pcs", "price": 1_180_000,
                                                                           "stock": 5, "gst_rate": 18, "hsn": "9403"])["id"] as? String ?? ""
            let shah = try await c.send(.POST, "/api/v1/customers", json: [
                "name": "Shah Hardware", "gstin": BooksScenarios.gstin("24AAACS1234B1Z"), "address": "12 Ring Road, Surat 395002",
                "phone": "+919825012345",
            ])["id"] as? String ?? ""
            let inv = try await c.send(.POST, "/api/v1/invoices", json: ["customer_id": shah, "issue": true, "items": [
                ["product_id": cement, "quantity": 10, "discount": 5_000], ["product_id": almirah, "quantity": 1],
            ]])
            let id = inv["id"] as? String ?? ""
            #expect(inv.status == .created && inv["igst"] as? Int ?? 0 > 0, "\(inv.body)")

            // act
            let (res, file) = try await download(c, "/api/v1/invoices/\(id)/einvoice", ext: "json")
            defer { try? FileManager.default.removeItem(atPath: file) }

            // verify: the schema, the parties, and the sums the portal checks
            #expect(res.status == .ok)
            _ = try await PostgresCluster.run("/usr/bin/env", ["python3", repositoryRoot + "/scripts/check-json-schema.py",
                                                               repositoryRoot + "/docs/schemas/einvoice.schema.json", file])
            let doc = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: file))) as? [String: Any] ?? [:]
            let docDtls = doc["DocDtls"] as? [String: Any] ?? [:], seller = doc["SellerDtls"] as? [String: Any] ?? [:]
            let buyer = doc["BuyerDtls"] as? [String: Any] ?? [:], val = doc["ValDtls"] as? [String: Any] ?? [:]
            #expect(docDtls["No"] as? String == "INV-0001" && (docDtls["Dt"] as? String)?.count == 10)
            #expect(seller["Pin"] as? Int == 422_001 && seller["Stcd"] as? String == "27" && seller["Loc"] as? String == "Nashik")
            #expect(buyer["Pin"] as? Int == 395_002 && buyer["Pos"] as? String == "24" && buyer["Ph"] as? String == "9825012345")
            func paise(_ v: Any?) -> Int { Int(((v as? Double) ?? Double(v as? Int ?? 0)) * 100 + 0.5) }
            let items = doc["ItemList"] as? [[String: Any]] ?? []
            #expect(items.count == 2 && items.map { $0["HsnCd"] as? String } == ["2523", "9403"])
            for item in items {
                #expect(paise(item["AssAmt"]) + paise(item["IgstAmt"]) + paise(item["CgstAmt"]) + paise(item["SgstAmt"]) == paise(item["TotItemVal"]))
                #expect(paise(item["TotAmt"]) - paise(item["Discount"]) == paise(item["AssAmt"]))
            }
            // 10 bags at ₹350 less ₹50: ₹3,450 taxable; the almirah's ₹11,800 with GST in it is ₹10,000 taxable
            #expect(items.map { paise($0["AssAmt"]) } == [345_000, 1_000_000])
            #expect(paise(val["AssVal"]) == items.reduce(0) { $0 + paise($1["AssAmt"]) })
            #expect(paise(val["TotInvVal"]) == inv["total"] as? Int && paise(val["IgstVal"]) == inv["igst"] as? Int)

            // act + verify: the month's B2B invoices as one file for the bulk tool, each schema-valid
            let month = String((inv["issue_date"] as? String ?? "").prefix(7))
            let (bulkRes, bulkFile) = try await download(c, "/api/v1/gst/einvoices?period=\(month)", ext: "json")
            defer { try? FileManager.default.removeItem(atPath: bulkFile) }
            let gstin = "27AAPFU0939F1ZV", mm = String(month.suffix(2)), yyyy = String(month.prefix(4))
            #expect(bulkRes.status == .ok && bulkRes.headers.first(name: .contentDisposition) == "attachment; filename=\"EINV_\(gstin)_\(mm)\(yyyy).json\"")
            _ = try await PostgresCluster.run("/usr/bin/env", ["python3", repositoryRoot + "/scripts/check-json-schema.py", "--each",
                                                               repositoryRoot + "/docs/schemas/einvoice.schema.json", bulkFile])
            let bulk = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: bulkFile))) as? [[String: Any]] ?? []
            #expect(bulk.count == 1 && (bulk.first?["DocDtls"] as? [String: Any])?["No"] as? String == "INV-0001")
            #expect(NSDictionary(dictionary: bulk.first ?? [:]).isEqual(to: doc), "the bulk file holds the same document as the invoice's own")

            // what is missing is named
            let walkIn = try await c.customer("Counter sale")
            let b2c = try await c.issueInvoice(customer: walkIn, lines: [(cement, 1)])
            let notB2B = try await c.send(.GET, "/api/v1/invoices/\(b2c["id"] as? String ?? "")/einvoice")
            #expect(notB2B.status == .conflict && notB2B.errorCode == "einvoice_incomplete" && notB2B.body.contains("customer.gstin"), "\(notB2B.body)")
            let noHSN = try await c.product("Loose nails", price: 100, stock: 10)
            _ = try await c.send(.PATCH, "/api/v1/customers/\(shah)", json: ["address": "Ring Road, Surat"])
            let missing = try await c.issueInvoice(customer: shah, lines: [(noHSN, 1)])
            let incomplete = try await c.send(.GET, "/api/v1/invoices/\(missing["id"] as? String ?? "")/einvoice")
            #expect(incomplete.body.contains("customer.address") && incomplete.body.contains("items[0].hsn"), "\(incomplete.body)")
            // the bulk file is never half of the month: the walk-in sale is not B2B and left out; the incomplete one is named
            let bulkIncomplete = try await c.send(.GET, "/api/v1/gst/einvoices?period=\(month)")
            #expect(bulkIncomplete.status == .conflict && bulkIncomplete.errorCode == "einvoice_incomplete", "\(bulkIncomplete.body)")
            let named = ((bulkIncomplete["error"] as? [String: Any])?["details"] as? [String: Any])?["invoices"] as? [String: String] ?? [:]
            #expect(named.keys.sorted() == ["INV-0001", "INV-0003"] && named["INV-0003"]?.contains("items[0].hsn") == true, "\(named)")
            let empty = try await c.send(.GET, "/api/v1/gst/einvoices?period=2025-01")
            #expect(empty.status == .ok && empty.body == "[]", "\(empty.body)")
            let draft = try await c.send(.POST, "/api/v1/invoices", json: ["customer_id": shah, "items": [["product_id": cement, "quantity": 1]]])
            #expect(try await c.send(.GET, "/api/v1/invoices/\(draft["id"] as? String ?? "")/einvoice").errorCode == "invalid_state")
        }
    }

    static func billOfSupply(_ db: TestDB) async throws {
        try await withTestApp(db) { app in
            // setup
            var c = APIClient(app)
            try await c.signup(business: "Joshi Kirana")
            let cement = try await c.product("Cement bag", price: 35_000, stock: 50, gst: 18)
            let ramesh = try await c.customer("Ramesh Traders")
            #expect(try await c.send(.GET, "/api/v1/business")["gst_registration"] as? String == "regular")

            // act + verify: bad values are refused
            for bad in ["bogus", "Composition"] as [Any] + [NSNull()] {
                #expect(try await c.send(.PATCH, "/api/v1/business", json: ["gst_registration": bad]).fields["gst_registration"] != nil, "\(bad)")
            }
            let set = try await c.send(.PATCH, "/api/v1/business", json: ["gst_registration": "composition", "gstin": "27AAPFU0939F1ZV", "state": "27"])
            #expect(set.status == .ok && set["gst_registration"] as? String == "composition", "\(set.body)")

            // act
            let inv = try await c.issueInvoice(customer: ramesh, lines: [(cement, 2)])

            // verify: no tax, the product's rate ignored
            #expect(inv["tax_total"] as? Int == 0 && inv["total"] as? Int == 70_000 && inv["cgst"] as? Int == 0, "\(inv.body)")
            #expect((inv["items"] as? [[String: Any]])?.first?["gst_rate"] is NSNull)
            let (res, file) = try await download(c, "/api/v1/invoices/\(inv["id"] as? String ?? "")/pdf", ext: "pdf")
            defer { try? FileManager.default.removeItem(atPath: file) }
            #expect(res.status == .ok)
            let text = try await tool("pdftotext", ["-layout", file, "-"])
            #expect(text.contains("BILL OF SUPPLY") && !text.contains("TAX INVOICE") && !text.contains("CGST"))
            #expect(text.contains(InvoicePDF.compositionDeclaration))
            for path in ["/api/v1/gst/gstr1?period=2026-11", "/api/v1/gst/gstr3b?period=2026-11"] {
                #expect(try await c.send(.GET, path).errorCode == "not_regular", "\(path)")
            }

            // act + verify: registered as a regular dealer, the next invoice charges GST
            #expect(try await c.send(.PATCH, "/api/v1/business", json: ["gst_registration": "regular"]).status == .ok)
            let taxed = try await c.issueInvoice(customer: ramesh, lines: [(cement, 2)])
            #expect(taxed["tax_total"] as? Int == 12_600 && taxed["cgst"] as? Int == 6_300)
            try await Invariants.check(app)
        }
    }

    /// A spreadsheet export is correct on empty data: the header row and nothing else.
    static func emptySpreadsheet(_ db: TestDB) async throws {
        try await withTestApp(db) { app in
            // setup
            var client = APIClient(app)
            try await client.signup()

            // act
            let (_, emptyFile) = try await download(client, "/api/v1/reports/payments.xlsx", ext: "xlsx")
            defer { try? FileManager.default.removeItem(atPath: emptyFile) }
            let empty = try await tool("python3", [repositoryRoot + "/scripts/read-xlsx.py", emptyFile])

            // verify
            #expect(empty.contains("\"rows\": [[[\"text\", \"Date\"]"))
        }
    }

    /// XLSX keeps numbers as numbers (read back with openpyxl): the inventory sheet after a sale.
    static func spreadsheetNumbers(_ db: TestDB) async throws {
        try await withTestApp(db) { app in
            // setup
            var client = APIClient(app)
            try await client.signup()
            let tea = try await client.product("Tea", price: 25_050, stock: 10)
            let c = try await client.customer("Asha")
            _ = try await client.issueInvoice(customer: c, lines: [(tea, 2.5)], payment: 20_000)

            // act
            let (res, file) = try await download(client, "/api/v1/reports/inventory.xlsx", ext: "xlsx")
            defer { try? FileManager.default.removeItem(atPath: file) }
            let json = try await tool("python3", [repositoryRoot + "/scripts/read-xlsx.py", file])

            // verify
            #expect(res.status == .ok)
            let parsed = try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any]
            let rows = parsed?["rows"] as? [[[Any]]] ?? []
            #expect(rows.count == 3, "header, Tea, total")
            let tRow = rows.count > 1 ? rows[1] : []
            #expect(rows.last?.first?[1] as? String == "Total" && rows.last?[7][1] as? Double == 1878.75, "the stock value, 7.5 × ₹250.50: \(rows.last ?? [])")
            #expect(tRow[0][1] as? String == "Tea")
            #expect(tRow[3][0] as? String == "number")
            #expect(tRow[3][1] as? Double == 7.5)
            #expect(tRow[6][1] as? Double == 250.5)
        }
    }

    /// The customer statement PDF shows the opening and closing balances (billed less paid).
    static func statementPDF(_ db: TestDB) async throws {
        try await withTestApp(db) { app in
            // setup
            var client = APIClient(app)
            try await client.signup()
            let tea = try await client.product("Tea", price: 25_050, stock: 10)
            let c = try await client.customer("Asha")
            _ = try await client.issueInvoice(customer: c, lines: [(tea, 2.5)], payment: 20_000)

            // act
            let (pres, pdf) = try await download(client, "/api/v1/reports/ledger.pdf?customer_id=\(c)&from=2000-01-01", ext: "pdf")
            defer { try? FileManager.default.removeItem(atPath: pdf) }

            // verify
            #expect(pres.status == .ok)
            _ = try await tool("qpdf", ["--check", pdf])
            let text = try await tool("pdftotext", ["-layout", pdf, "-"])
            #expect(text.contains("Statement of account"))
            #expect(text.contains("Asha"))
            #expect(text.contains("Opening balance") && text.contains("Closing balance"))
            #expect(text.contains("₹426.25"), "closing balance: 626.25 billed − 200 paid")
        }
    }

    /// The dashboard's live feed: an invoice issued through the API reaches an open SSE stream of
    /// the same business, and not another business's.
    static func liveEvents() async throws {
        try await withTestApp(.sqlite) { app in
            var client = APIClient(app)
            try await client.signup()
            let p = try await client.product("Tea", price: 1_000, stock: 5)
            let c = try await client.customer("Asha")
            var other = APIClient(app)
            try await other.signup()

            try await app.server.start(address: .hostname("127.0.0.1", port: 0))
            let port = try #require(app.http.server.shared.localAddress?.port)
            let http = HTTPClient(eventLoopGroupProvider: .singleton)
            func open(_ cookie: String) async throws -> HTTPClientResponse {
                var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)/api/v1/events")
                request.headers.add(name: "Cookie", value: "munim_session=\(cookie)")
                // The deadline bounds every read below: a missing event fails instead of hanging.
                return try await http.execute(request, timeout: .seconds(20))
            }
            do {
                let mine = try await open(try #require(client.cookie))
                let theirs = try await open(try #require(other.cookie))
                #expect(mine.headers.first(name: "content-type")?.hasPrefix("text/event-stream") == true)
                var it = mine.body.makeAsyncIterator()
                var text = String(buffer: try #require(try await it.next()))
                #expect(text.contains("connected"))
                var theirIt = theirs.body.makeAsyncIterator()
                _ = try await theirIt.next()
                #expect(app.events.count == 2)

                _ = try await client.issueInvoice(customer: c, lines: [(p, 1)], payment: 500)
                while !text.contains("INV-0001") {
                    guard let chunk = try await it.next() else { break }
                    text += String(buffer: chunk)
                }
                #expect(text.contains("event: invoice.updated"))
                #expect(text.contains("INV-0001"))

                // A client that goes away mid-stream: the server notices on its next write, drops the
                // subscriber and keeps serving (a writer left unfinished would crash a debug server).
                let fd = try rawSSEConnection(port: port, cookie: try #require(client.cookie))
                close(fd)
                _ = try await client.issueInvoice(customer: c, lines: [(p, 1)])
                var health = HTTPClientRequest(url: "http://127.0.0.1:\(port)/health")
                health.method = .GET
                #expect(try await http.execute(health, timeout: .seconds(10)).status == .ok)

                // The other business's stream stays quiet: ending all streams now gives it only its close.
                app.events.finishAll()
                var theirText = ""
                while let chunk = try await theirIt.next() { theirText += String(buffer: chunk) }
                #expect(!theirText.contains("invoice.updated"))
            } catch {
                app.events.finishAll()
                await app.server.shutdown()
                try await http.shutdown()
                throw error
            }
            await app.server.shutdown()
            try await http.shutdown()
        }
    }

    /// Opens /api/v1/events over a plain socket and waits for the first bytes of the stream.
    static func rawSSEConnection(port: Int, cookie: String) throws -> Int32 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = in_port_t(UInt16(port).bigEndian)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        let ok = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
        guard ok == 0 else { close(fd); throw PostgresCluster.Failure(description: "connect failed") }
        var tv = timeval(tv_sec: 10, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        let request = "GET /api/v1/events HTTP/1.1\r\nHost: 127.0.0.1\r\nCookie: munim_session=\(cookie)\r\nAccept: text/event-stream\r\n\r\n"
        _ = request.withCString { send(fd, $0, strlen($0), 0) }
        var buffer = [UInt8](repeating: 0, count: 4096)
        let n = recv(fd, &buffer, buffer.count, 0)
        guard n > 0 else { close(fd); throw PostgresCluster.Failure(description: "no response on the event stream") }
        return fd
    }
}
