import Fluent
import Foundation

/// One cell of an export: typed, so CSV writes text, XLSX writes numbers and dates as such, and
/// PDF formats money in Indian style.
enum Cell: Sendable, Equatable {
    case text(String)
    case money(Int64)       // paise
    case quantity(Int64)    // thousandths
    case int(Int)
    case date(String)       // YYYY-MM-DD, business-local
    case empty
}

/// The rows of every export (issue 6 §4), produced in batches. The first row is the header.
struct ReportData: Sendable {
    let db: any Database
    let businessID: UUID
    let timezone: String
    let today: String
    let from: String
    let to: String
    let customerID: UUID?
    let now: Date

    typealias Emit = @Sendable ([[Cell]]) async throws -> Void

    func rows(_ id: String, _ emit: Emit) async throws {
        switch id {
        case "inventory": try await inventory(emit)
        case "sales-by-product": try await salesByProduct(emit)
        case "sales-by-customer": try await salesByCustomer(emit)
        case "ledger": try await ledger(emit)
        case "aging-debtors": try await aging(emit)
        default: try await payments(emit)
        }
    }

    static func header(_ names: [String]) -> [[Cell]] { [names.map(Cell.text)] }

    func inventory(_ emit: Emit) async throws {
        try await emit(Self.header(["Product", "SKU", "Unit", "Stock", "Low stock threshold", "Low stock", "Price (INR)", "Stock value (INR)", "HSN", "GST %"]))
        var offset = 0
        while true {
            let batch = try await Product.query(on: db).filter(\.$businessID == businessID).filter(\.$archivedAt == nil)
                .sort(\.$nameKey).sort(\.$id).range(offset..<(offset + 500)).all()
            let rows: [[Cell]] = batch.map { p in
                [.text(p.name), .text(p.sku ?? ""), .text(p.unit), .quantity(p.stock), .quantity(p.lowStockThreshold),
                 .text(p.stock <= p.lowStockThreshold ? "yes" : "no"), .money(p.price),
                 .money(Money.lineAmount(quantity: Quantity(thousandths: p.stock), unitPrice: p.price)), .text(p.hsn ?? ""),
                 p.gstRateBP.map { .quantity($0 * 10) } ?? .empty]
            }
            if !rows.isEmpty { try await emit(rows) }
            if batch.count < 500 { break }
            offset += 500
        }
    }

    func postedInvoices() async throws -> [Invoice] {
        try await Invoice.query(on: db).filter(\.$businessID == businessID).filter(\.$status ~~ InvoiceStatus.posted)
            .filter(\.$issueDate >= from).filter(\.$issueDate <= to).all()
    }

    func salesByProduct(_ emit: Emit) async throws {
        try await emit(Self.header(["Product", "Unit", "Quantity sold", "Invoices", "Taxable (INR)", "Tax (INR)", "Total (INR)"]))
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
        try await emit(byKey.values.sorted { ($0.total, $1.name) > ($1.total, $0.name) }.map {
            [.text($0.name), .text($0.unit), .quantity($0.qty), .int($0.invoices.count), .money($0.taxable), .money($0.tax), .money($0.total)]
        })
    }

    func salesByCustomer(_ emit: Emit) async throws {
        try await emit(Self.header(["Customer", "Phone", "Invoices", "Sales (INR)", "Paid on these invoices (INR)", "Due on these invoices (INR)"]))
        let invoices = try await postedInvoices()
        guard !invoices.isEmpty else { return }
        let customers = try await Customer.query(on: db).filter(\.$id ~~ Array(Set(invoices.map(\.customerID)))).all()
        let byID = Dictionary(uniqueKeysWithValues: customers.map { ($0.id!, $0) })
        let grouped = Dictionary(grouping: invoices, by: \.customerID).map { cid, list in
            (cid, list.count, list.reduce(Int64(0)) { $0 + $1.total }, list.reduce(Int64(0)) { $0 + $1.amountPaid })
        }
        try await emit(grouped.sorted { $0.2 > $1.2 }.map { cid, count, total, paid in
            [.text(byID[cid]?.name ?? ""), .text(byID[cid]?.phone ?? ""), .int(count), .money(total), .money(paid), .money(total - paid)]
        })
    }

    func ledger(_ emit: Emit) async throws {
        try await emit(Self.header(["Date", "Customer", "Type", "Reference", "Description", "Debit (INR)", "Credit (INR)", "Balance (INR)"]))
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
        let opening = entries.filter { $0.date < from }.reduce(Int64(0)) { $0 + $1.debit - $1.credit }
        var balance = opening
        var rows: [[Cell]] = [[.date(from), .empty, .text("opening"), .empty, .text("Opening balance"), .empty, .empty, .money(opening)]]
        for e in entries where e.date >= from && e.date <= to {
            balance += e.debit - e.credit
            rows.append([.date(e.date), .text(e.customer), .text(e.type), .text(e.ref), .text(e.text),
                         e.debit > 0 ? .money(e.debit) : .empty, e.credit > 0 ? .money(e.credit) : .empty, .money(balance)])
        }
        rows.append([.date(to), .empty, .text("closing"), .empty, .text("Closing balance"), .empty, .empty, .money(balance)])
        try await emit(rows)
    }

    func aging(_ emit: Emit) async throws {
        try await emit(Self.header(["Customer", "Phone", "0-30 days (INR)", "31-60 days (INR)", "61-90 days (INR)", "90+ days (INR)", "Total due (INR)"]))
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
        try await emit(buckets.sorted { $0.value.reduce(0, +) > $1.value.reduce(0, +) }.map { cid, b in
            [.text(byID[cid]?.name ?? ""), .text(byID[cid]?.phone ?? "")] + b.map(Cell.money) + [.money(b.reduce(0, +))]
        })
    }

    func payments(_ emit: Emit) async throws {
        try await emit(Self.header(["Date", "Customer", "Amount (INR)", "Mode", "Reference", "Settled invoices", "Unallocated (INR)"]))
        var query = Payment.query(on: db).filter(\.$businessID == businessID).filter(\.$paidOn >= from).filter(\.$paidOn <= to)
        if let customerID { query = query.filter(\.$customerID == customerID) }
        let list = try await query.sort(\.$paidOn).sort(\.$createdAt).all()
        guard !list.isEmpty else { return }
        let views = try await LedgerViews.payments(list, on: db)
        try await emit(zip(list, views).map { p, v in
            let settled = v.allocations.map { "\($0.invoiceNumber ?? "?") (\(CSVFormat.money($0.amount)))" }.joined(separator: "; ")
            return [.date(p.paidOn), .text(v.customer.name), .money(p.amount), .text(p.mode.rawValue), .text(p.reference ?? ""),
                    .text(settled), .money(p.unallocated)]
        })
    }
}

/// CSV text for typed rows: RFC 4180 quoting; text a spreadsheet would run as a formula is
/// prefixed with '; money as rupees with two decimals.
enum CSVFormat {
    static func money(_ paise: Int64) -> String {
        let sign = paise < 0 ? "-" : ""
        let m = paise.magnitude
        return "\(sign)\(m / 100).\(String(format: "%02d", Int(m % 100)))"
    }

    static func text(_ s: String) -> String {
        var t = s
        // Formula guard (CSV injection): "=", "@", tab and CR always; "+" and "-" unless the rest
        // is plainly a number, so phone numbers such as +919812345678 stay as they are.
        if let first = t.first {
            let numeric = t.dropFirst().allSatisfy { $0.isASCII && ($0.isNumber || $0 == " " || $0 == ".") } && t.count > 1
            if "=@\t\r".contains(first) || ("+-".contains(first) && !numeric) { t = "'" + t }
        }
        if t.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) {
            return "\"" + t.replacingOccurrences(of: "\"", with: "\"\"") + "\""
        }
        return t
    }

    static func cell(_ c: Cell) -> String {
        switch c {
        case .text(let s): return text(s)
        case .money(let p): return money(p)
        case .quantity(let q): return Quantity(thousandths: q).description
        case .int(let i): return String(i)
        case .date(let d): return d
        case .empty: return ""
        }
    }

    static func row(_ cells: [Cell]) -> String { cells.map(cell).joined(separator: ",") + "\r\n" }
}
