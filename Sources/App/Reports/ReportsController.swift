import Fluent
import Foundation
import NIOCore
import Vapor

/// Dashboard figures and CSV exports (issue 6 §1, §4). Exports stream row batches, are correct on
/// empty data, use business-local dates, and write numbers as plain numbers.
struct ReportsController {
    func register(_ api: any RoutesBuilder) {
        api.get("dashboard", use: dashboard)
        api.get("reports", use: list)
        api.get("reports", ":file", use: export)
    }

    @Sendable func dashboard(req: Request) async throws -> DashboardService.Dashboard {
        let p = try req.principal
        return try await DashboardService(db: req.db, businessID: p.businessID, now: req.now).build()
    }

    struct ReportInfo: Content {
        let id: String
        let title: String
        let description: String
        let formats: [String]
        let period: Bool
    }

    static let catalog: [ReportInfo] = [
        ReportInfo(id: "inventory", title: "Inventory", description: "Every product with stock, low-stock flag, price and stock value.", formats: ["csv"], period: false),
        ReportInfo(id: "sales-by-product", title: "Sales by product", description: "Quantity and value sold per product in the period.", formats: ["csv"], period: true),
        ReportInfo(id: "sales-by-customer", title: "Sales by customer", description: "Invoices, sales, paid and due per customer in the period.", formats: ["csv"], period: true),
        ReportInfo(id: "ledger", title: "Ledger", description: "Invoices, payments and voids with a running balance.", formats: ["csv"], period: true),
        ReportInfo(id: "aging-debtors", title: "Aging debtors", description: "What each customer owes, by days past the invoice due date: 0–30, 31–60, 61–90, 90+.", formats: ["csv"], period: false),
        ReportInfo(id: "payments", title: "Payments", description: "Payments received in the period, with the invoices they settled.", formats: ["csv"], period: true),
    ]

    @Sendable func list(req: Request) async throws -> ItemsDTO<ReportInfo> {
        _ = try req.principal
        return ItemsDTO(items: Self.catalog)
    }

    @Sendable func export(req: Request) async throws -> Response {
        let p = try req.principal
        let file = req.parameters.get("file") ?? ""
        guard file.hasSuffix(".csv"), let info = Self.catalog.first(where: { $0.id + ".csv" == file }) else {
            if Self.catalog.contains(where: { file.hasPrefix($0.id + ".") }) {
                throw APIError(.notFound, "format_unavailable", "Only CSV exports are available so far; PDF and Excel arrive later.")
            }
            throw APIError.notFound("Report")
        }
        guard let business = try await Business.find(p.businessID, on: req.db) else { throw APIError.notFound("Business") }
        let periods = Periods(now: req.now, timezone: business.timezone)
        var (from, to) = periods.range("this_month")
        if let f = try LedgerController.dateQuery(req, "from") { from = f }
        if let t = try LedgerController.dateQuery(req, "to") { to = t }
        guard from <= to else { throw APIError.validation("from", "must not be after to") }
        let customerID = try LedgerController.uuidQuery(req, "customer_id")
        if let customerID { _ = try await LedgerService(db: req.db, store: req.store, businessID: p.businessID, userID: nil, now: req.now).customer(customerID) }

        let exporter = CSVExports(db: req.db, businessID: p.businessID, timezone: business.timezone, today: periods.today,
                                  from: from, to: to, customerID: customerID, now: req.now)
        let name = "\(info.id)" + (info.period ? "-\(from)-to-\(to)" : "-\(periods.today)") + ".csv"
        let logger = req.logger
        let response = Response(status: .ok, body: .init(asyncStream: { writer in
            do {
                try await exporter.write(info.id) { chunk in
                    try await writer.write(.buffer(ByteBuffer(string: chunk)))
                }
                try await writer.write(.end)
            } catch {
                logger.report(error: error)
                try? await writer.write(.error(error))
            }
        }))
        response.headers.contentType = HTTPMediaType(type: "text", subType: "csv", parameters: ["charset": "utf-8"])
        response.headers.replaceOrAdd(name: .contentDisposition, value: "attachment; filename=\"\(name)\"")
        response.headers.replaceOrAdd(name: .cacheControl, value: "no-store")
        return response
    }
}

/// Writes one export as CSV text, in batches.
struct CSVExports: Sendable {
    let db: any Database
    let businessID: UUID
    let timezone: String
    let today: String
    let from: String
    let to: String
    let customerID: UUID?
    let now: Date

    typealias Sink = @Sendable (String) async throws -> Void

    /// RFC 4180 quoting; text that a spreadsheet would run as a formula is prefixed with '.
    static func cell(_ s: String) -> String {
        var t = s
        if let first = t.first, "=+-@\t\r".contains(first) { t = "'" + t }
        if t.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) {
            return "\"" + t.replacingOccurrences(of: "\"", with: "\"\"") + "\""
        }
        return t
    }

    static func money(_ paise: Int64) -> String {
        let sign = paise < 0 ? "-" : ""
        let m = paise.magnitude
        return "\(sign)\(m / 100).\(String(format: "%02d", Int(m % 100)))"
    }

    static func row(_ fields: [String]) -> String { fields.joined(separator: ",") + "\r\n" }

    func write(_ id: String, to sink: Sink) async throws {
        switch id {
        case "inventory": try await inventory(sink)
        case "sales-by-product": try await salesByProduct(sink)
        case "sales-by-customer": try await salesByCustomer(sink)
        case "ledger": try await ledger(sink)
        case "aging-debtors": try await aging(sink)
        default: try await payments(sink)
        }
    }

    func inventory(_ sink: Sink) async throws {
        try await sink(Self.row(["Product", "SKU", "Unit", "Stock", "Low stock threshold", "Low stock", "Price (INR)", "Stock value (INR)", "HSN", "GST %"]))
        var offset = 0
        while true {
            let batch = try await Product.query(on: db).filter(\.$businessID == businessID).filter(\.$archivedAt == nil)
                .sort(\.$nameKey).sort(\.$id).range(offset..<(offset + 500)).all()
            var chunk = ""
            for p in batch {
                let gst = p.gstRateBP.map { $0 % 100 == 0 ? "\($0 / 100)" : String(format: "%.2f", Double($0) / 100) } ?? ""
                chunk += Self.row([Self.cell(p.name), Self.cell(p.sku ?? ""), Self.cell(p.unit), Quantity(thousandths: p.stock).description,
                                   Quantity(thousandths: p.lowStockThreshold).description, p.stock <= p.lowStockThreshold ? "yes" : "no",
                                   Self.money(p.price), Self.money(Money.lineAmount(quantity: Quantity(thousandths: p.stock), unitPrice: p.price)),
                                   Self.cell(p.hsn ?? ""), gst])
            }
            if !chunk.isEmpty { try await sink(chunk) }
            if batch.count < 500 { break }
            offset += 500
        }
    }

    func postedInvoices() async throws -> [Invoice] {
        try await Invoice.query(on: db).filter(\.$businessID == businessID).filter(\.$status ~~ InvoiceStatus.posted)
            .filter(\.$issueDate >= from).filter(\.$issueDate <= to).all()
    }

    func salesByProduct(_ sink: Sink) async throws {
        try await sink(Self.row(["Product", "Unit", "Quantity sold", "Invoices", "Taxable (INR)", "Tax (INR)", "Total (INR)"]))
        let invoices = try await postedInvoices()
        guard !invoices.isEmpty else { return }
        let items = try await InvoiceItem.query(on: db).filter(\.$invoiceID ~~ invoices.map { $0.id! }).all()
        struct Agg { var name: String; var unit: String; var qty: Int64 = 0; var invoices = Set<UUID>(); var taxable: Int64 = 0; var tax: Int64 = 0; var total: Int64 = 0 }
        var byKey: [String: Agg] = [:]
        for i in items {
            let key = i.productID?.uuidString ?? "text:" + i.description.lowercased()
            var a = byKey[key] ?? Agg(name: i.description, unit: i.unit)
            a.qty += i.quantity
            a.invoices.insert(i.invoiceID)
            a.taxable += i.taxable
            a.tax += i.tax
            a.total += i.total
            byKey[key] = a
        }
        var chunk = ""
        for a in byKey.values.sorted(by: { ($0.total, $1.name) > ($1.total, $0.name) }) {
            chunk += Self.row([Self.cell(a.name), Self.cell(a.unit), Quantity(thousandths: a.qty).description, "\(a.invoices.count)",
                               Self.money(a.taxable), Self.money(a.tax), Self.money(a.total)])
        }
        try await sink(chunk)
    }

    func salesByCustomer(_ sink: Sink) async throws {
        try await sink(Self.row(["Customer", "Phone", "Invoices", "Sales (INR)", "Paid on these invoices (INR)", "Due on these invoices (INR)"]))
        let invoices = try await postedInvoices()
        guard !invoices.isEmpty else { return }
        let customers = try await Customer.query(on: db).filter(\.$id ~~ Array(Set(invoices.map(\.customerID)))).all()
        let byID = Dictionary(uniqueKeysWithValues: customers.map { ($0.id!, $0) })
        var chunk = ""
        let grouped = Dictionary(grouping: invoices, by: \.customerID)
        for (cid, list) in grouped.sorted(by: { $0.value.reduce(0) { $0 + $1.total } > $1.value.reduce(0) { $0 + $1.total } }) {
            let total = list.reduce(Int64(0)) { $0 + $1.total }, paid = list.reduce(Int64(0)) { $0 + $1.amountPaid }
            chunk += Self.row([Self.cell(byID[cid]?.name ?? ""), Self.cell(byID[cid]?.phone ?? ""), "\(list.count)",
                               Self.money(total), Self.money(paid), Self.money(total - paid)])
        }
        try await sink(chunk)
    }

    func ledger(_ sink: Sink) async throws {
        try await sink(Self.row(["Date", "Customer", "Type", "Reference", "Description", "Debit (INR)", "Credit (INR)", "Balance (INR)"]))
        var invoiceQuery = Invoice.query(on: db).filter(\.$businessID == businessID).filter(\.$status != .draft)
        var paymentQuery = Payment.query(on: db).filter(\.$businessID == businessID)
        if let customerID {
            invoiceQuery = invoiceQuery.filter(\.$customerID == customerID)
            paymentQuery = paymentQuery.filter(\.$customerID == customerID)
        }
        let invoices = try await invoiceQuery.all(), payments = try await paymentQuery.all()
        let ids = Set(invoices.map(\.customerID) + payments.map(\.customerID))
        let names = ids.isEmpty ? [:] : Dictionary(uniqueKeysWithValues: try await Customer.query(on: db).filter(\.$id ~~ Array(ids)).all().map { ($0.id!, $0.name) })
        struct Entry { let date: String; let at: Date; let rank: Int; let customer: String; let type: String; let ref: String; let text: String; let debit: Int64; let credit: Int64 }
        var entries: [Entry] = []
        for inv in invoices {
            guard let at = inv.issuedAt else { continue }
            let ref = inv.numberText ?? ""
            entries.append(Entry(date: inv.issueDate, at: at, rank: 0, customer: names[inv.customerID] ?? "", type: "invoice", ref: ref, text: "Invoice \(ref)", debit: inv.total, credit: 0))
            if inv.status == .void, let v = inv.voidedAt {
                entries.append(Entry(date: Validate.localDate(v, timezone: timezone), at: v, rank: 2, customer: names[inv.customerID] ?? "", type: "void", ref: ref,
                                     text: "Void of \(ref)" + (inv.voidReason.map { ": \($0)" } ?? ""), debit: 0, credit: inv.total))
            }
        }
        for p in payments {
            entries.append(Entry(date: p.paidOn, at: p.createdAt ?? now, rank: 1, customer: names[p.customerID] ?? "", type: "payment",
                                 ref: p.reference ?? p.mode.rawValue.uppercased(), text: "Payment (\(p.mode.rawValue))", debit: 0, credit: p.amount))
        }
        entries.sort { ($0.date, $0.at, $0.rank) < ($1.date, $1.at, $1.rank) }
        var balance: Int64 = 0
        var chunk = "", opening: Int64 = 0
        for e in entries where e.date < from { opening += e.debit - e.credit }
        balance = opening
        chunk += Self.row([from, "", "opening", "", "Opening balance", "", "", Self.money(opening)])
        for e in entries where e.date >= from && e.date <= to {
            balance += e.debit - e.credit
            chunk += Self.row([e.date, Self.cell(e.customer), e.type, Self.cell(e.ref), Self.cell(e.text),
                               e.debit > 0 ? Self.money(e.debit) : "", e.credit > 0 ? Self.money(e.credit) : "", Self.money(balance)])
        }
        chunk += Self.row([to, "", "closing", "", "Closing balance", "", "", Self.money(balance)])
        try await sink(chunk)
    }

    func aging(_ sink: Sink) async throws {
        try await sink(Self.row(["Customer", "Phone", "0-30 days (INR)", "31-60 days (INR)", "61-90 days (INR)", "90+ days (INR)", "Total due (INR)"]))
        let open = try await Invoice.query(on: db).filter(\.$businessID == businessID).filter(\.$status ~~ InvoiceStatus.open).all()
        guard !open.isEmpty else { return }
        let customers = try await Customer.query(on: db).filter(\.$id ~~ Array(Set(open.map(\.customerID)))).all()
        let byID = Dictionary(uniqueKeysWithValues: customers.map { ($0.id!, $0) })
        var buckets: [UUID: [Int64]] = [:]
        for inv in open {
            let days = max(0, Periods.daysBetween(inv.dueDate ?? inv.issueDate, today))
            let bucket = days <= 30 ? 0 : days <= 60 ? 1 : days <= 90 ? 2 : 3
            buckets[inv.customerID, default: [0, 0, 0, 0]][bucket] += inv.total - inv.amountPaid
        }
        var chunk = ""
        for (cid, b) in buckets.sorted(by: { $0.value.reduce(0, +) > $1.value.reduce(0, +) }) {
            chunk += Self.row([Self.cell(byID[cid]?.name ?? ""), Self.cell(byID[cid]?.phone ?? "")] + b.map(Self.money) + [Self.money(b.reduce(0, +))])
        }
        try await sink(chunk)
    }

    func payments(_ sink: Sink) async throws {
        try await sink(Self.row(["Date", "Customer", "Amount (INR)", "Mode", "Reference", "Settled invoices", "Unallocated (INR)"]))
        var query = Payment.query(on: db).filter(\.$businessID == businessID).filter(\.$paidOn >= from).filter(\.$paidOn <= to)
        if let customerID { query = query.filter(\.$customerID == customerID) }
        let list = try await query.sort(\.$paidOn).sort(\.$createdAt).all()
        guard !list.isEmpty else { return }
        let views = try await LedgerViews.payments(list, on: db)
        var chunk = ""
        for (p, v) in zip(list, views) {
            let settled = v.allocations.map { "\($0.invoiceNumber ?? "?") (\(Self.money($0.amount)))" }.joined(separator: "; ")
            chunk += Self.row([p.paidOn, Self.cell(v.customer.name), Self.money(p.amount), p.mode.rawValue, Self.cell(p.reference ?? ""),
                               Self.cell(settled), Self.money(p.unallocated)])
        }
        try await sink(chunk)
    }
}
