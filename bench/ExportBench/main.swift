// Exports over 10,000 and then 100,000 invoices (issue 6 §5): time per export and the process's
// peak RSS after each round. Bounded memory shows as a peak that barely moves while the data grows
// tenfold. A real server on a loopback port, SQLite, downloads streamed and discarded.
//
//   swift run -c release ExportBench [invoices]        (default 100000)
import App
import AsyncHTTPClient
import Foundation
import NIOCore
import SQLKit
import Vapor

@main
struct ExportBench {
    static func peakRSSKiB() -> Int {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }) else { return -1 }
        return Int(line.split(separator: " ").dropFirst().first { Int($0) != nil } ?? "") ?? -1
    }

    static func main() async throws {
        let target = CommandLine.arguments.dropFirst().first.flatMap(Int.init) ?? 100_000
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("munim-export-bench-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }

        var config = AppConfig()
        config.database = .sqlite(path: dir.appendingPathComponent("bench.sqlite").path)
        config.bcryptCost = 4
        config.logLevel = .error
        var env = Environment.production
        env.arguments = ["bench"]
        let app = try await Application.make(env)
        app.logger.logLevel = .error
        try await configure(app, config: config)
        try await app.autoMigrate()
        try await app.server.start(address: .hostname("127.0.0.1", port: 0))
        let port = app.http.server.shared.localAddress!.port!
        let http = HTTPClient(eventLoopGroupProvider: .singleton)
        defer { Task { try? await http.shutdown() } }

        // Sign up through the API; the bulk data goes straight into the tables.
        var signup = HTTPClientRequest(url: "http://127.0.0.1:\(port)/api/v1/auth/signup")
        signup.method = .POST
        signup.headers.add(name: "Content-Type", value: "application/json")
        signup.body = .bytes(ByteBuffer(string: #"{"email":"bench@example.com","password":"bench password 1","business_name":"Bench","owner_name":"B"}"#))
        let res = try await http.execute(signup, timeout: .seconds(30))
        let cookie = String(res.headers.first(name: "set-cookie")!.split(separator: ";")[0].split(separator: "=", maxSplits: 1)[1])
        let body = try await res.body.collect(upTo: 1 << 20)
        let json = try JSONSerialization.jsonObject(with: Data(buffer: body)) as! [String: Any]
        let businessID = UUID(uuidString: (json["business"] as! [String: Any])["id"] as! String)!

        let sql = app.db as! any SQLDatabase
        let now = Date()
        var customers: [UUID] = [], products: [UUID] = []
        for i in 0..<1000 {
            let id = UUID()
            customers.append(id)
            try await sql.insert(into: "customers")
                .columns("id", "business_id", "name", "phone", "balance", "created_at", "updated_at")
                .values(SQLBind(id), SQLBind(businessID), SQLBind("Customer \(i)"), SQLBind("+9198\(String(format: "%08d", i))"), SQLBind(Int64(0)), SQLBind(now), SQLBind(now))
                .run()
        }
        for i in 0..<100 {
            let id = UUID()
            products.append(id)
            try await sql.insert(into: "products")
                .columns("id", "business_id", "name", "name_key", "unit", "price", "stock", "low_stock_threshold", "gst_rate_bp", "created_at", "updated_at")
                .values(SQLBind(id), SQLBind(businessID), SQLBind("Product \(i)"), SQLBind("product \(i)"), SQLBind("pcs"), SQLBind(Int64(10_000 + i * 100)),
                        SQLBind(Int64(1_000_000_000)), SQLBind(Int64(0)), SQLBind(Int64(1800)), SQLBind(now), SQLBind(now))
                .run()
        }

        var seeded = 0
        func seed(upTo n: Int) async throws {
            let started = ContinuousClock.now
            while seeded < n {
                let batch = min(500, n - seeded)
                try await sql.raw("BEGIN").run()
                for k in 0..<batch {
                    let number = Int64(seeded + k + 1)
                    let id = UUID(), customer = customers[Int(number) % customers.count], product = products[Int(number) % products.count]
                    let day = 1 + Int(number) % 300
                    let date = Calendar(identifier: .gregorian).date(byAdding: .day, value: -day, to: now)!
                    let issue = String(ISO8601DateFormatter().string(from: date).prefix(10))
                    let qty = Int64(1 + Int(number) % 9) * 1000, price = Int64(10_000 + Int(number) % 100 * 100)
                    let taxable = qty * price / 1000, tax = taxable * 18 / 100
                    let paid = number % 3 == 0 ? taxable + tax : 0
                    try await sql.insert(into: "invoices")
                        .columns("id", "business_id", "customer_id", "number", "status", "issue_date", "subtotal", "discount_total", "tax_total",
                                 "total", "amount_paid", "issued_at", "created_at", "updated_at")
                        .values(SQLBind(id), SQLBind(businessID), SQLBind(customer), SQLBind(number), SQLBind(paid > 0 ? "paid" : "issued"),
                                SQLBind(issue), SQLBind(taxable), SQLBind(Int64(0)), SQLBind(tax), SQLBind(taxable + tax), SQLBind(paid),
                                SQLBind(date), SQLBind(date), SQLBind(date))
                        .run()
                    try await sql.insert(into: "invoice_items")
                        .columns("id", "business_id", "invoice_id", "position", "product_id", "description", "quantity", "unit", "unit_price",
                                 "discount", "gst_rate_bp", "taxable", "tax", "total")
                        .values(SQLBind(UUID()), SQLBind(businessID), SQLBind(id), SQLBind(0), SQLBind(product), SQLBind("Product"), SQLBind(qty),
                                SQLBind("pcs"), SQLBind(price), SQLBind(Int64(0)), SQLBind(Int64(1800)), SQLBind(taxable), SQLBind(tax), SQLBind(taxable + tax))
                        .run()
                    if paid > 0 {
                        try await sql.insert(into: "payments")
                            .columns("id", "business_id", "customer_id", "amount", "mode", "paid_on", "unallocated", "created_at")
                            .values(SQLBind(UUID()), SQLBind(businessID), SQLBind(customer), SQLBind(paid), SQLBind("upi"), SQLBind(issue),
                                    SQLBind(Int64(0)), SQLBind(date))
                            .run()
                    }
                }
                try await sql.raw("COMMIT").run()
                seeded += batch
            }
            print("  seeded to \(seeded) invoices in \(ContinuousClock.now - started)")
        }

        func export(_ file: String) async throws -> (Duration, Int) {
            var req = HTTPClientRequest(url: "http://127.0.0.1:\(port)/api/v1/reports/\(file)")
            req.headers.add(name: "Cookie", value: "munim_session=\(cookie)")
            let started = ContinuousClock.now
            let res = try await http.execute(req, timeout: .seconds(1800))
            guard res.status == .ok else { fatalError("\(file): HTTP \(res.status.code)") }
            var bytes = 0
            for try await chunk in res.body { bytes += chunk.readableBytes }
            return (ContinuousClock.now - started, bytes)
        }

        let files = ["ledger.csv?from=2000-01-01", "sales-by-product.csv?from=2000-01-01", "sales-by-customer.csv?from=2000-01-01",
                     "payments.csv?from=2000-01-01", "aging-debtors.csv", "ledger.xlsx?from=2000-01-01"]
        for round in [min(10_000, target), target] {
            try await seed(upTo: round)
            print("\(round) invoices:")
            for f in files {
                let (time, bytes) = try await export(f)
                print(String(format: "  %-42@ %8.2f s  %10d bytes   peak RSS so far %7d KiB", f as NSString,
                             Double(time.components.seconds) + Double(time.components.attoseconds) / 1e18, bytes, peakRSSKiB()))
            }
        }
        await app.server.shutdown()
        try await app.asyncShutdown()
    }
}
