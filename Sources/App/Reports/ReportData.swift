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

    /// A summed amount, or an error cell when the stored rows behind it overflow (issue 14 §1).
    static func money(_ t: Tally) -> Cell { t.checked.map(Cell.money) ?? .text("error: too large") }
    static func money(_ v: Int64?) -> Cell { v.map(Cell.money) ?? .text("error: too large") }
    static func quantity(_ t: Tally) -> Cell { t.checked.map(Cell.quantity) ?? .text("error: too large") }
}

/// The rows of every export (issue 6 §4), produced in batches. The first row is the header.
struct ReportData: Sendable {
    let db: any Database
    let store: Store
    let businessID: UUID
    let timezone: String
    let today: String
    let from: String
    let to: String
    let customerID: UUID?
    let now: Date

    typealias Emit = @Sendable ([[Cell]]) async throws -> Void

    /// The ledger's rows, read through its service (DESIGN §2).
    var ledger: LedgerReads { LedgerReads(db: db, businessID: businessID) }

    func rows(_ id: String, _ emit: Emit) async throws {
        switch id {
        case "inventory": try await inventory(emit)
        case "sales-by-product": try await salesByProduct(emit)
        case "sales-by-customer": try await salesByCustomer(emit)
        case "ledger": try await ledger(emit)
        case "aging-debtors": try await aging(emit)
        case "payments": try await payments(emit)
        case "sales-register": try await salesRegister(emit)
        case "hsn-summary": try await hsnSummary(emit)
        default:
            // The books' exports (issue 16 §7), read through their service.
            let books = BooksService(db: db, store: store, businessID: businessID, userID: nil, now: now)
            try await books.reportRows(id, from: from, to: to, today: today, emit)
        }
    }

    static func header(_ names: [String]) -> [[Cell]] { [names.map(Cell.text)] }

    func inventory(_ emit: Emit) async throws {
        try await emit(Self.header(["Product", "SKU", "Unit", "Stock", "Low stock threshold", "Low stock", "Price (INR)", "Stock value (INR)", "HSN", "GST %"]))
        var offset = 0
        while true {
            let batch = try await ledger.activeProductsPage(offset: offset, limit: 500)
            let rows: [[Cell]] = batch.map { p in
                [.text(p.name), .text(p.sku ?? ""), .text(p.unit), .quantity(p.stock), .quantity(p.lowStockThreshold),
                 .text(p.stock <= p.lowStockThreshold ? "yes" : "no"), .money(p.price),
                 // A row stored beyond the bounds (before they existed) says so and the export goes on.
                 Money.lineAmount(quantity: Quantity(thousandths: p.stock), unitPrice: p.price).map(Cell.money) ?? .text("error: too large"),
                 .text(p.hsn ?? ""),
                 p.gstRateBP.map { .quantity($0 * 10) } ?? .empty]
            }
            if !rows.isEmpty { try await emit(rows) }
            if batch.count < 500 { break }
            offset += 500
        }
    }

    static let page = 1000

    /// Posted invoices of the period, a page at a time (exports stay within bounded memory).
    func forEachPostedInvoicePage(_ body: ([Invoice]) async throws -> Void) async throws {
        // Keyset paging on the primary key: each page is an index range, not an OFFSET scan.
        var last: UUID? = nil
        while true {
            let batch = try await ledger.postedInvoicesPage(from: from, to: to, after: last, limit: Self.page)
            if !batch.isEmpty { try await body(batch) }
            if batch.count < Self.page { return }
            last = batch.last?.id
        }
    }

    /// Customer names, loaded once per customer.
    final class Names: @unchecked Sendable {
        var byID: [UUID: (String, String?)] = [:]
        let ledger: LedgerReads
        init(_ ledger: LedgerReads) { self.ledger = ledger }
        func load(_ ids: some Sequence<UUID>) async throws {
            let missing = Array(Set(ids).filter { byID[$0] == nil })
            guard !missing.isEmpty else { return }
            for c in try await ledger.customers(missing) { byID[c.id!] = (c.name, c.phone) }
        }
        func name(_ id: UUID) -> String { byID[id]?.0 ?? "" }
        func phone(_ id: UUID) -> String { byID[id]?.1 ?? "" }
    }

    func salesByProduct(_ emit: Emit) async throws {
        try await emit(Self.header(["Product", "Unit", "Quantity sold", "Invoices", "Taxable (INR)", "Tax (INR)", "Total (INR)"]))
        struct Agg { var name: String; var unit: String; var qty = Tally(); var invoices = 0; var taxable = Tally(); var tax = Tally(); var total = Tally() }
        var byKey: [String: Agg] = [:]
        try await forEachPostedInvoicePage { invoices in
            let items = try await ledger.items(ofInvoices: invoices.map { $0.id! })
            var seen = Set<String>()
            for i in items {
                let key = i.productID?.uuidString ?? "text:" + i.description.lowercased()
                var a = byKey[key] ?? Agg(name: i.description, unit: i.unit)
                a.qty += i.quantity
                if seen.insert(key + i.invoiceID.uuidString).inserted { a.invoices += 1 }
                a.taxable += i.taxable
                a.tax += i.tax
                a.total += i.total
                byKey[key] = a
            }
        }
        let rows: [[Cell]] = byKey.values.sorted { ($0.total.value, $1.name) > ($1.total.value, $0.name) }.map {
            [.text($0.name), .text($0.unit), .quantity($0.qty), .int($0.invoices), .money($0.taxable), .money($0.tax), .money($0.total)]
        }
        if !rows.isEmpty { try await emit(rows) }
    }

    func salesByCustomer(_ emit: Emit) async throws {
        try await emit(Self.header(["Customer", "Phone", "Invoices", "Sales (INR)", "Paid on these invoices (INR)", "Due on these invoices (INR)"]))
        var agg: [UUID: (count: Int, total: Tally, paid: Tally, due: Tally)] = [:]
        try await forEachPostedInvoicePage { invoices in
            for inv in invoices {
                var a = agg[inv.customerID] ?? (0, Tally(), Tally(), Tally())
                a.count += 1
                a.total += inv.total
                a.paid += inv.amountPaid
                a.due += inv.balanceDue  // after credit notes
                agg[inv.customerID] = a
            }
        }
        guard !agg.isEmpty else { return }
        let names = Names(ledger)
        try await names.load(agg.keys)
        try await emit(agg.sorted { $0.value.total.value > $1.value.total.value }.map { cid, a in
            [.text(names.name(cid)), .text(names.phone(cid)), .int(a.count), .money(a.total), .money(a.paid), .money(a.due)]
        })
    }

    /// One ledger entry: sorted by business-local date, then instant, then invoice < payment < credit note < void.
    struct Entry {
        let date: String
        let at: Date
        let rank: Int
        let customerID: UUID
        let type: String
        let ref: String
        let text: String
        let debit: Int64
        let credit: Int64
        /// The invoice (invoice and void entries) or the payment the entry comes from.
        let sourceID: UUID
        var key: (String, Date, Int) { (date, at, rank) }
    }

    /// A sorted stream of entries fetched a page at a time.
    final class EntryStream: @unchecked Sendable {
        private let fetch: (Int) async throws -> [Entry]
        private var buffer: [Entry] = []
        private var offset = 0
        private var done = false

        init(_ fetch: @escaping (Int) async throws -> [Entry]) { self.fetch = fetch }

        func peek() async throws -> Entry? {
            if buffer.isEmpty && !done {
                buffer = try await fetch(offset)
                offset += buffer.count
                if buffer.count < ReportData.page { done = true }
            }
            return buffer.first
        }

        func pop() { buffer.removeFirst() }
    }

    /// Start of a business-local date as an instant (void entries are dated by when they happened).
    func startInstant(_ date: String) -> Date {
        Periods.startOfDay(date, timezone: timezone) ?? now
    }

    /// The balance of every entry before `from`, summed in the database.
    func ledgerOpening() async throws -> Int64 {
        try await ledger.balance(before: from, voidedBefore: startInstant(from), customerID: customerID)
    }

    /// Every entry from `from` to `to` in ledger order (a merge of three sorted, paged streams),
    /// with the running balance after it. Used by the ledger exports and the JSON statement.
    func forEachLedgerEntry(opening: Int64, _ body: (Entry, Int64) async throws -> Void) async throws {
        let customerID = customerID, ledger = ledger
        let fromInstant = startInstant(from), toInstant = startInstant(Periods.add(days: 1, to: to))

        func invoices(_ offset: Int) async throws -> [Entry] {
            try await ledger.issuedInvoicesPage(from: from, to: to, customerID: customerID, offset: offset, limit: Self.page).compactMap { inv in
                guard let at = inv.issuedAt else { return nil }
                let ref = inv.numberText ?? ""
                return Entry(date: inv.issueDate, at: at, rank: 0, customerID: inv.customerID, type: "invoice", ref: ref, text: "Invoice \(ref)", debit: inv.total, credit: 0, sourceID: inv.id!)
            }
        }
        func voids(_ offset: Int) async throws -> [Entry] {
            try await ledger.voidedInvoicesPage(from: fromInstant, until: toInstant, customerID: customerID, offset: offset,
                                                limit: Self.page).compactMap { inv in
                guard let v = inv.voidedAt else { return nil }
                let ref = inv.numberText ?? ""
                return Entry(date: Validate.localDate(v, timezone: timezone), at: v, rank: 3, customerID: inv.customerID, type: "void", ref: ref,
                             text: "Void of \(ref)" + (inv.voidReason.map { ": \($0)" } ?? ""), debit: 0, credit: inv.total, sourceID: inv.id!)
            }
        }
        func payments(_ offset: Int) async throws -> [Entry] {
            try await ledger.paymentsPage(from: from, to: to, customerID: customerID, offset: offset, limit: Self.page).map { p in
                Entry(date: p.paidOn, at: p.createdAt ?? now, rank: 1, customerID: p.customerID, type: "payment",
                      ref: p.reference ?? p.mode.rawValue.uppercased(), text: "Payment (\(p.mode.label))", debit: 0, credit: p.amount, sourceID: p.id!)
            }
        }
        func creditNotes(_ offset: Int) async throws -> [Entry] {
            let notes = try await ledger.creditNotesPage(from: from, to: to, customerID: customerID, offset: offset, limit: Self.page)
            let numbers = Dictionary(uniqueKeysWithValues: try await ledger.invoices(ids: Array(Set(notes.map(\.invoiceID)))).map { ($0.id!, $0.numberText ?? "") })
            return notes.map { n in
                Entry(date: n.issueDate, at: n.createdAt ?? now, rank: 2, customerID: n.customerID, type: "credit_note", ref: n.numberText,
                      text: "Credit note on \(numbers[n.invoiceID] ?? "an invoice")" + (n.reason.map { ": \($0)" } ?? ""),
                      debit: 0, credit: n.total, sourceID: n.invoiceID)
            }
        }
        let streams = [EntryStream(invoices), EntryStream(payments), EntryStream(creditNotes), EntryStream(voids)]
        var balance = opening
        while true {
            var best: (Int, Entry)? = nil
            for (i, s) in streams.enumerated() {
                if let e = try await s.peek(), best.map({ e.key < $0.1.key }) ?? true { best = (i, e) }
            }
            guard let (index, e) = best else { return }
            streams[index].pop()
            balance = try Money.add(balance, try Money.subtract(e.debit, e.credit, field: "balance"), field: "balance")
            try await body(e, balance)
        }
    }

    func ledger(_ emit: Emit) async throws {
        try await emit(Self.header(["Date", "Customer", "Type", "Reference", "Description", "Debit (INR)", "Credit (INR)", "Balance (INR)"]))
        let opening = try await ledgerOpening()
        let names = Names(ledger)
        var closing = opening
        // A statement "from the start" has no opening date to print.
        var rows: [[Cell]] = [[from == StatementLinks.beginning ? .empty : .date(from), .empty, .text("opening"), .empty, .text("Opening balance"), .empty, .empty, .money(opening)]]
        try await forEachLedgerEntry(opening: opening) { e, balance in
            try await names.load([e.customerID])
            closing = balance
            rows.append([.date(e.date), .text(names.name(e.customerID)), .text(e.type), .text(e.ref), .text(e.text),
                         e.debit > 0 ? .money(e.debit) : .empty, e.credit > 0 ? .money(e.credit) : .empty, .money(balance)])
            if rows.count >= 500 {
                try await emit(rows)
                rows.removeAll(keepingCapacity: true)
            }
        }
        rows.append([.date(to), .empty, .text("closing"), .empty, .text("Closing balance"), .empty, .empty, .money(closing)])
        try await emit(rows)
    }

    func aging(_ emit: Emit) async throws {
        try await emit(Self.header(["Customer", "Phone", "0-30 days (INR)", "31-60 days (INR)", "61-90 days (INR)", "90+ days (INR)", "Total due (INR)"]))
        var buckets: [UUID: [Tally]] = [:]
        var last: UUID? = nil
        while true {
            let open = try await ledger.openInvoicesPage(after: last, limit: Self.page)
            for inv in open {
                let days = max(0, Periods.daysBetween(inv.dueDate ?? inv.issueDate, today))
                let bucket = days <= 30 ? 0 : days <= 60 ? 1 : days <= 90 ? 2 : 3
                let (owed, overflow1) = inv.total.subtractingReportingOverflow(inv.amountPaid)
                let (due, overflow2) = owed.subtractingReportingOverflow(inv.credited ?? 0)
                let overflow = overflow1 || overflow2
                var dueTally = Tally()
                dueTally.add(due)
                buckets[inv.customerID, default: [Tally(), Tally(), Tally(), Tally()]][bucket].add(overflow ? .overflow : dueTally)
            }
            if open.count < Self.page { break }
            last = open.last?.id
        }
        guard !buckets.isEmpty else { return }
        let names = Names(ledger)
        try await names.load(buckets.keys)
        func total(_ b: [Tally]) -> Tally { b.reduce(into: Tally()) { $0.add($1) } }
        try await emit(buckets.sorted { total($0.value).value > total($1.value).value }.map { cid, b in
            [.text(names.name(cid)), .text(names.phone(cid))] + b.map { Cell.money($0) } + [.money(total(b))]
        })
    }

    func payments(_ emit: Emit) async throws {
        try await emit(Self.header(["Date", "Customer", "Amount (INR)", "Mode", "Reference", "Settled invoices", "Unallocated (INR)"]))
        var offset = 0
        while true {
            let list = try await ledger.paymentsPage(from: from, to: to, customerID: customerID, offset: offset, limit: Self.page)
            if !list.isEmpty {
                let views = try await LedgerViews.payments(list, on: db)
                try await emit(zip(list, views).map { p, v in
                    let settled = v.allocations.map { "\($0.invoiceNumber ?? "?") (\(CSVFormat.money($0.amount)))" }.joined(separator: "; ")
                    return [.date(p.paidOn), .text(v.customer.name), .money(p.amount), .text(p.mode.rawValue), .text(p.reference ?? ""),
                            .text(settled), .money(p.unallocated)]
                })
            }
            if list.count < Self.page { break }
            offset += Self.page
        }
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

// MARK: totals

extension ReportData {
    /// The report's rows, ending with a "Total" row under every money column that adds up (issue
    /// 19 §5) — the same row in the CSV, Excel and PDF exports and on screen. Reports that end with
    /// totals of their own (`ReportTotals.ownTotals`) are left as they are. Returns whether the row
    /// was added.
    @discardableResult
    func rowsWithTotals(_ id: String, _ emit: Emit) async throws -> Bool {
        guard !ReportTotals.ownTotals.contains(id) else {
            try await rows(id, emit)
            return false
        }
        let totals = ReportTotals()
        try await rows(id) { batch in
            totals.add(batch)
            try await emit(batch)
        }
        guard let row = totals.row else { return false }
        try await emit([row])
        return true
    }
}

/// Sums a report's money columns as its rows stream past. A column adds up when its header is an
/// amount ("… (INR)") that is not a balance or a price: running balances and unit prices do not.
final class ReportTotals: @unchecked Sendable {
    /// Reports with totals of their own: the GST registers' "Total" row, expenses by category and
    /// in all, and profit and loss (a statement, not a list).
    static let ownTotals: Set<String> = ["sales-register", "hsn-summary", "expenses", "profit-and-loss"]

    private let lock = NSLock()
    private var summed: [Bool]? = nil
    private var sums: [Int: Tally] = [:]
    private var bodyRows = 0

    static func adds(_ header: Cell) -> Bool {
        guard case .text(let name) = header else { return false }
        let n = name.lowercased()
        return n.contains("(inr)") && !n.contains("balance") && !n.contains("price")
    }

    /// Rows as emitted: the first one ever is the header.
    func add(_ rows: [[Cell]]) {
        lock.withLock {
            for r in rows {
                guard let summed else {
                    summed = r.map(Self.adds)
                    continue
                }
                bodyRows += 1
                for (i, c) in r.enumerated() where i < summed.count && summed[i] {
                    if case .money(let p) = c { sums[i, default: Tally()].add(p) }
                }
            }
        }
    }

    /// "Total" and each summed column's sum; nil for an empty report or one with nothing to add.
    var row: [Cell]? {
        lock.withLock {
            guard let summed, bodyRows > 0, summed.contains(true) else { return nil }
            var out = summed.indices.map { i in summed[i] ? Cell.money(sums[i] ?? Tally()) : Cell.empty }
            if !summed[0] { out[0] = .text("Total") }
            return out
        }
    }

    /// How many rows at the end of `body` (rows after the header) are totals: the added row, or a
    /// report's own.
    static func tail(_ id: String, body: [[Cell]], added: Bool) -> Int {
        if added { return 1 }
        switch id {
        case "sales-register", "hsn-summary": return body.isEmpty ? 0 : 1
        case "expenses":
            // After the expenses: a blank row, the totals by category, and the total.
            guard let gap = body.lastIndex(where: { $0 == [.empty] }) else { return 0 }
            return body.count - gap
        default: return 0
        }
    }
}
