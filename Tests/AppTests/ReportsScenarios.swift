@testable import App
import Foundation
import Testing
import VaporTesting

enum ReportsScenarios {
    static func csvRows(_ body: String) -> [[String]] {
        // Small RFC 4180 reader for the assertions.
        var rows: [[String]] = [], row: [String] = [], field = "", quoted = false
        var it = Array(body).makeIterator()
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

    static func csvExports(_ db: TestDB) async throws {
        let clock = TestClock()
        try await withTestApp(db, clock: clock) { app in
            var client = APIClient(app)
            try await client.signup()
            let list = try await client.send(.GET, "/api/v1/reports")
            #expect(list.items.count == 6)
            // Correct on empty data: a header row only.
            for id in ["inventory", "sales-by-product", "sales-by-customer", "aging-debtors", "payments"] {
                let r = try await client.send(.GET, "/api/v1/reports/\(id).csv")
                #expect(r.status == .ok, "\(id): \(r.body)")
                #expect(r.headers.contentType?.subType == "csv")
                #expect(csvRows(r.body).count == 1, "\(id) on empty data")
            }
            let cement = try await client.product("Cement, 50 kg", price: 35_000, stock: 20, gst: 18)
            let trick = try await client.product("=HYPERLINK(\"x\")", price: 100, stock: 1)
            _ = trick
            let c = try await client.customer("Ramesh \"RT\" Traders")
            // An invoice issued 45 days ago and still owed falls in the 31–60 bucket.
            clock.advance(-45 * 86_400)
            _ = try await client.issueInvoice(customer: c, lines: [(cement, 2)])
            clock.advance(45 * 86_400)
            _ = try await client.issueInvoice(customer: c, lines: [(cement, 1)], payment: 41_300)

            let inventory = csvRows(try await client.send(.GET, "/api/v1/reports/inventory.csv").body)
            let cementRow = inventory.first { $0.first == "Cement, 50 kg" }
            #expect(cementRow?[3] == "17")
            #expect(cementRow?[6] == "350.00")
            #expect(cementRow?[7] == "5950.00")
            #expect(inventory.contains { $0.first == "'=HYPERLINK(\"x\")" }, "formulas are neutralised")

            let aging = csvRows(try await client.send(.GET, "/api/v1/reports/aging-debtors.csv").body)
            #expect(aging.count == 2)
            #expect(aging[1][0] == "Ramesh \"RT\" Traders")
            #expect(aging[1][3] == "826.00")
            #expect(aging[1][6] == "826.00")

            let from = Periods.add(days: -60, to: Validate.localDate(clock.now, timezone: "Asia/Kolkata"))
            let sales = csvRows(try await client.send(.GET, "/api/v1/reports/sales-by-product.csv?from=\(from)").body)
            #expect(sales.count == 2)
            #expect(sales[1][2] == "3")
            #expect(sales[1][6] == "1239.00")

            let ledger = csvRows(try await client.send(.GET, "/api/v1/reports/ledger.csv?from=\(from)").body)
            #expect(ledger.first?.first == "Date")
            #expect(ledger.last?[7] == "826.00", "closing balance")
            #expect(try await client.send(.GET, "/api/v1/reports/ledger.xlsx").errorCode == "format_unavailable")
            #expect(try await client.send(.GET, "/api/v1/reports/nope.csv").status == .notFound)
            #expect(try await client.send(.GET, "/api/v1/reports/payments.csv?from=2026-13-01").status == .unprocessableEntity)

            var other = APIClient(app)
            try await other.signup()
            #expect(try await other.send(.GET, "/api/v1/reports/ledger.csv?customer_id=\(c)").status == .notFound)
            #expect(csvRows(try await other.send(.GET, "/api/v1/reports/inventory.csv").body).count == 1)
        }
    }
}
