import Fluent
import Foundation

/// The ledger's read side: the only way other domains (reports, the dashboard, the assistant, the
/// customer bot, workflow nodes, the inbox) read customers, products, invoices and payments
/// (DESIGN §2). Every query is scoped to the business. Rows come back as the ledger's models, to be
/// read, never saved: changes go through `LedgerService`.
struct LedgerReads: Sendable {
    let db: any Database
    let businessID: UUID

    // MARK: customers

    func customer(_ id: UUID) async throws -> Customer? {
        try await Customer.query(on: db).filter(\.$businessID == businessID).filter(\.$id == id).first()
    }

    func customers(_ ids: some Sequence<UUID>) async throws -> [Customer] {
        let list = Array(Set(ids))
        guard !list.isEmpty else { return [] }
        return try await Customer.query(on: db).filter(\.$businessID == businessID).filter(\.$id ~~ list).all()
    }

    /// Names by id, for lists that show who an entry is for.
    func customerNames(_ ids: some Sequence<UUID>) async throws -> [UUID: String] {
        Dictionary(uniqueKeysWithValues: try await customers(ids).map { ($0.id!, $0.name) })
    }

    /// The active customer with this phone number (E.164), if any: how a chat is linked to the books.
    func customerID(phone: String) async throws -> UUID? {
        try await Customer.query(on: db).filter(\.$businessID == businessID).filter(\.$phone == phone)
            .filter(\.$archivedAt == nil).first()?.id
    }

    func activeCustomers(limit: Int) async throws -> [Customer] {
        try await Customer.query(on: db).filter(\.$businessID == businessID).filter(\.$archivedAt == nil).limit(limit).all()
    }

    /// Customers who owe money (balance at least `minBalance` paise), largest balance first.
    func debtors(minBalance: Int64 = 1, activeOnly: Bool = false, limit: Int? = nil) async throws -> [Customer] {
        var q = Customer.query(on: db).filter(\.$businessID == businessID).filter(\.$balance >= max(1, minBalance))
        if activeOnly { q = q.filter(\.$archivedAt == nil) }
        q = q.sort(\.$balance, .descending)
        if let limit { q = q.limit(limit) }
        return try await q.all()
    }

    /// Customers owing on an issued invoice dated — by its due date, else its issue date — on or
    /// before `cutoff` (YYYY-MM-DD): "debtors for more than N days".
    func customersOwingSince(_ cutoff: String) async throws -> Set<UUID> {
        let rows = try await Invoice.query(on: db).filter(\.$businessID == businessID)
            .filter(\.$status ~~ InvoiceStatus.open).filter(\.$issueDate <= cutoff).all()
        return Set(rows.filter { $0.balanceDue > 0 && ($0.dueDate ?? $0.issueDate) <= cutoff }.map(\.customerID))
    }

    func customerCount() async throws -> Int {
        try await Customer.query(on: db).filter(\.$businessID == businessID).count()
    }

    // MARK: products

    func activeProducts(limit: Int? = nil) async throws -> [Product] {
        var q = Product.query(on: db).filter(\.$businessID == businessID).filter(\.$archivedAt == nil)
        if let limit { q = q.limit(limit) }
        return try await q.all()
    }

    /// Active products by name, a page at a time (the inventory export).
    func activeProductsPage(offset: Int, limit: Int) async throws -> [Product] {
        try await Product.query(on: db).filter(\.$businessID == businessID).filter(\.$archivedAt == nil)
            .sort(\.$nameKey).sort(\.$id).range(offset..<(offset + limit)).all()
    }

    // MARK: invoices

    func invoiceCount() async throws -> Int {
        try await Invoice.query(on: db).filter(\.$businessID == businessID).count()
    }

    /// Posted invoices (issued, part-paid or paid) dated in `from...to` (either end open when nil),
    /// optionally of one customer.
    func postedInvoices(from: String? = nil, to: String? = nil, customerID: UUID? = nil) async throws -> [Invoice] {
        var q = Invoice.query(on: db).filter(\.$businessID == businessID).filter(\.$status ~~ InvoiceStatus.posted)
        if let from { q = q.filter(\.$issueDate >= from) }
        if let to { q = q.filter(\.$issueDate <= to) }
        if let customerID { q = q.filter(\.$customerID == customerID) }
        return try await q.all()
    }

    /// Posted invoices of `from...to`, a page at a time in id order after `after` (keyset paging:
    /// each page is an index range, not an OFFSET scan).
    func postedInvoicesPage(from: String, to: String, after: UUID?, limit: Int) async throws -> [Invoice] {
        var q = Invoice.query(on: db).filter(\.$businessID == businessID).filter(\.$status ~~ InvoiceStatus.posted)
            .filter(\.$issueDate >= from).filter(\.$issueDate <= to)
        if let after { q = q.filter(\.$id > after) }
        return try await q.sort(\.$id).limit(limit).all()
    }

    /// Open (unpaid or part-paid) invoices: of one customer oldest number first, or all of them a
    /// page at a time in id order.
    func openInvoices(customerID: UUID) async throws -> [Invoice] {
        try await Invoice.query(on: db).filter(\.$businessID == businessID).filter(\.$customerID == customerID)
            .filter(\.$status ~~ InvoiceStatus.open).sort(\.$number).all()
    }

    func openInvoicesPage(after: UUID?, limit: Int) async throws -> [Invoice] {
        var q = Invoice.query(on: db).filter(\.$businessID == businessID).filter(\.$status ~~ InvoiceStatus.open)
        if let after { q = q.filter(\.$id > after) }
        return try await q.sort(\.$id).limit(limit).all()
    }

    func oldestOpenInvoice(customerID: UUID) async throws -> Invoice? {
        try await Invoice.query(on: db).filter(\.$businessID == businessID).filter(\.$customerID == customerID)
            .filter(\.$status ~~ InvoiceStatus.open).sort(\.$number).first()
    }

    /// A customer's open invoices whose due date is before `date`.
    func overdueInvoices(customerID: UUID, dueBefore date: String) async throws -> [Invoice] {
        try await Invoice.query(on: db).filter(\.$businessID == businessID).filter(\.$customerID == customerID)
            .filter(\.$status ~~ InvoiceStatus.open).filter(\.$dueDate != nil).filter(\.$dueDate < date).all()
    }

    /// Invoices issued (not drafts, voided ones included) dated in `from...to`, in ledger order, a
    /// page at a time.
    func issuedInvoicesPage(from: String, to: String, customerID: UUID?, offset: Int, limit: Int) async throws -> [Invoice] {
        var q = Invoice.query(on: db).filter(\.$businessID == businessID).filter(\.$status != .draft)
            .filter(\.$issueDate >= from).filter(\.$issueDate <= to)
        if let customerID { q = q.filter(\.$customerID == customerID) }
        return try await q.sort(\.$issueDate).sort(\.$issuedAt).sort(\.$id).range(offset..<(offset + limit)).all()
    }

    /// Invoices voided in `[from, until)`, in the order they were voided, a page at a time.
    func voidedInvoicesPage(from: Date, until: Date, customerID: UUID?, offset: Int, limit: Int) async throws -> [Invoice] {
        var q = Invoice.query(on: db).filter(\.$businessID == businessID).filter(\.$status == .void)
            .filter(\.$voidedAt >= from).filter(\.$voidedAt < until)
        if let customerID { q = q.filter(\.$customerID == customerID) }
        return try await q.sort(\.$voidedAt).sort(\.$id).range(offset..<(offset + limit)).all()
    }

    /// Every invoice given a number in `from...to` (issue date), voided ones too, in number order
    /// (GSTR-1's document range).
    func numberedInvoices(from: String, to: String) async throws -> [Invoice] {
        try await Invoice.query(on: db).filter(\.$businessID == businessID).filter(\.$status != .draft)
            .filter(\.$issueDate >= from).filter(\.$issueDate <= to).sort(\.$number).all()
    }

    /// Credit notes dated in `from...to`, in ledger order (date, then when written), a page at a time.
    func creditNotesPage(from: String, to: String, customerID: UUID?, offset: Int, limit: Int) async throws -> [CreditNote] {
        var q = CreditNote.query(on: db).filter(\.$businessID == businessID).filter(\.$issueDate >= from).filter(\.$issueDate <= to)
        if let customerID { q = q.filter(\.$customerID == customerID) }
        return try await q.sort(\.$issueDate).sort(\.$createdAt).sort(\.$id).range(offset..<(offset + limit)).all()
    }

    /// Every credit note dated in `from...to`, in number order (GSTR-1, GSTR-3B, profit and loss).
    func creditNotes(from: String, to: String) async throws -> [CreditNote] {
        try await CreditNote.query(on: db).filter(\.$businessID == businessID)
            .filter(\.$issueDate >= from).filter(\.$issueDate <= to).sort(\.$number).all()
    }

    func items(ofCreditNotes ids: [UUID]) async throws -> [CreditNoteItem] {
        guard !ids.isEmpty else { return [] }
        return try await CreditNoteItem.query(on: db).filter(\.$creditNoteID ~~ ids).all()
    }

    /// These invoices (of the business), by id.
    func invoices(ids: [UUID]) async throws -> [Invoice] {
        guard !ids.isEmpty else { return [] }
        return try await Invoice.query(on: db).filter(\.$businessID == businessID).filter(\.$id ~~ ids).all()
    }

    /// The lines of these invoices (which belong to the business: pass ids read through here).
    func items(ofInvoices ids: [UUID]) async throws -> [InvoiceItem] {
        guard !ids.isEmpty else { return [] }
        return try await InvoiceItem.query(on: db).filter(\.$invoiceID ~~ ids).all()
    }

    /// A customer's most recent posted invoice (issued, part paid or paid), the one "send the bill" means.
    func latestPostedInvoice(customerID: UUID) async throws -> Invoice? {
        try await Invoice.query(on: db).filter(\.$businessID == businessID).filter(\.$customerID == customerID)
            .filter(\.$status ~~ InvoiceStatus.posted).sort(\.$number, .descending).first()
    }

    /// The invoice with this number (INV-0007 is 7), if the business has one.
    func invoice(number: Int64) async throws -> Invoice? {
        try await Invoice.query(on: db).filter(\.$businessID == businessID).filter(\.$number == number).first()
    }

    /// Invoices and payments last changed, newest first (the dashboard's activity).
    func recentInvoices(limit: Int) async throws -> [Invoice] {
        try await Invoice.query(on: db).filter(\.$businessID == businessID).filter(\.$status != .draft)
            .sort(\.$updatedAt, .descending).limit(limit).all()
    }

    // MARK: payments

    /// Payments dated in `from...to` (either end open when nil), optionally of one customer, newest
    /// first.
    func payments(from: String? = nil, to: String? = nil, customerID: UUID? = nil) async throws -> [Payment] {
        var q = Payment.query(on: db).filter(\.$businessID == businessID)
        if let from { q = q.filter(\.$paidOn >= from) }
        if let to { q = q.filter(\.$paidOn <= to) }
        if let customerID { q = q.filter(\.$customerID == customerID) }
        return try await q.sort(\.$paidOn, .descending).sort(\.$createdAt, .descending).all()
    }

    /// Payments dated in `from...to`, in ledger order, a page at a time.
    func paymentsPage(from: String, to: String, customerID: UUID?, offset: Int, limit: Int) async throws -> [Payment] {
        var q = Payment.query(on: db).filter(\.$businessID == businessID).filter(\.$paidOn >= from).filter(\.$paidOn <= to)
        if let customerID { q = q.filter(\.$customerID == customerID) }
        return try await q.sort(\.$paidOn).sort(\.$createdAt).sort(\.$id).range(offset..<(offset + limit)).all()
    }

    func recentPayments(limit: Int) async throws -> [Payment] {
        try await Payment.query(on: db).filter(\.$businessID == businessID).sort(\.$createdAt, .descending).limit(limit).all()
    }

    // MARK: balances

    /// What stood on the books before the date `from` (voids before the instant `voidedBefore`),
    /// summed in the database: billed − voided − paid, for one customer or all.
    func balance(before from: String, voidedBefore: Date, customerID: UUID?) async throws -> Int64 {
        var billed = Invoice.query(on: db).filter(\.$businessID == businessID).filter(\.$status != .draft).filter(\.$issueDate < from)
        var voided = Invoice.query(on: db).filter(\.$businessID == businessID).filter(\.$status == .void).filter(\.$voidedAt < voidedBefore)
        var paid = Payment.query(on: db).filter(\.$businessID == businessID).filter(\.$paidOn < from)
        var creditedQ = CreditNote.query(on: db).filter(\.$businessID == businessID).filter(\.$issueDate < from)
        if let customerID {
            billed = billed.filter(\.$customerID == customerID)
            voided = voided.filter(\.$customerID == customerID)
            paid = paid.filter(\.$customerID == customerID)
            creditedQ = creditedQ.filter(\.$customerID == customerID)
        }
        let b = try await Self.sum(billed, \.$total), v = try await Self.sum(voided, \.$total), p = try await Self.sum(paid, \.$amount)
        let c = try await Self.sum(creditedQ, \.$total)
        return try Money.subtract(try Money.subtract(try Money.subtract(b, v, field: "opening"), p, field: "opening"), c, field: "opening")
    }

    // MARK: profit and loss (issue 16 §5)

    /// Sales (taxable value: GST excluded, after discounts) and their cost of goods sold, for the
    /// posted invoices issued in the period. The cost is each sold quantity × the unit cost in
    /// force when it was sold (recorded on the sale's stock movement), in 128-bit arithmetic.
    func salesAndCost(from: String, to: String) async throws -> (sales: Int64, cost: Int64) {
        let invoices = Invoice.query(on: db).filter(\.$businessID == businessID).filter(\.$status ~~ InvoiceStatus.posted)
            .filter(\.$issueDate >= from).filter(\.$issueDate <= to)
        let sales = try await Self.sum(invoices, \.$subtotal)
        var cost: Int128 = 0
        var after: UUID? = nil
        while true {
            var page = Invoice.query(on: db).filter(\.$businessID == businessID).filter(\.$status ~~ InvoiceStatus.posted)
                .filter(\.$issueDate >= from).filter(\.$issueDate <= to).sort(\.$id).limit(500)
            if let after { page = page.filter(\.$id > after) }
            let ids = try await page.all(\.$id)
            guard !ids.isEmpty else { break }
            let moves = try await StockMovement.query(on: db).filter(\.$businessID == businessID).filter(\.$kind == .sale)
                .filter(\.$invoiceID ~~ ids).all()
            for m in moves { cost += Int128(-m.delta) * Int128(m.unitCost ?? 0) }
            after = ids.last
            if ids.count < 500 { break }
        }
        // Credit notes dated in the period take their taxable value out of sales and the goods that
        // came back out of the cost, at the cost they were sold at.
        let notes = try await creditNotes(from: from, to: to)
        let returned = try Money.sum(notes.map(\.taxable), field: "sales")
        for item in try await items(ofCreditNotes: notes.map { $0.id! }) where item.productID != nil {
            cost -= Int128(item.quantity) * Int128(item.unitCost)
        }
        let rounded = cost >= 0 ? (cost + 500) / 1000 : (cost - 500) / 1000
        guard rounded <= Int128(Int64.max), rounded >= Int128(Int64.min) else { throw AmountTooLarge(field: "cost_of_goods_sold") }
        return (try Money.subtract(sales, returned, field: "sales"), Int64(rounded))
    }

    /// The value of the stock on hand at average cost (paise), product by product.
    func stockValue() async throws -> Int64 {
        var total: Int128 = 0
        for p in try await activeProducts() { total += Int128(p.stock) * Int128(p.averageCost) }
        let rounded = (total + 500) / 1000
        guard rounded <= Int128(Int64.max) else { throw AmountTooLarge(field: "stock_value") }
        return Int64(rounded)
    }

    /// Customers by phone number (E.164): how a supplier with the same phone is shown as linked.
    func customerIDs(phones: some Sequence<String>) async throws -> [String: UUID] {
        let list = Array(Set(phones))
        guard !list.isEmpty else { return [:] }
        let rows = try await Customer.query(on: db).filter(\.$businessID == businessID).filter(\.$phone ~~ list).all()
        return Dictionary(rows.compactMap { c in c.phone.map { ($0, c.id!) } }, uniquingKeysWith: { a, _ in a })
    }

    func product(_ id: UUID) async throws -> Product? {
        try await Product.query(on: db).filter(\.$businessID == businessID).filter(\.$id == id).first()
    }

    /// SUM over a Fluent query, portable: PostgreSQL's SUM(bigint) is numeric, so sum page by page
    /// of the single column instead of decoding an aggregate.
    static func sum<M: Model>(_ query: QueryBuilder<M>, _ key: KeyPath<M, FieldProperty<M, Int64>>) async throws -> Int64 {
        var total: Int64 = 0
        var offset = 0
        while true {
            let values = try await query.copy().sort(\._$id).range(offset..<(offset + 10_000)).all(key)
            total = try Money.add(total, try Money.sum(values, field: "total"), field: "total")
            if values.count < 10_000 { return total }
            offset += 10_000
        }
    }
}

extension LedgerService {
    /// This service's reads, on its database (or transaction).
    var reads: LedgerReads { LedgerReads(db: db, businessID: businessID) }
}
