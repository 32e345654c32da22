import Fluent
import Foundation
import NIOConcurrencyHelpers

/// Events in the books that other domains react to (workflow ledger triggers, DESIGN §7). The
/// ledger emits inside its own transaction, so an event exists exactly when its change committed;
/// listeners register at configure time and must only write durable work (a job) on `tx`.
enum LedgerEvents {
    enum Event: String, Sendable, CaseIterable {
        case invoiceIssued = "invoice_issued"
        case paymentRecorded = "payment_recorded"
        case stockLow = "stock_low"
        case customerCreated = "customer_created"
        /// The other half of the books (issue 16 §7): emitted by `BooksService`.
        case purchaseRecorded = "purchase_recorded"
        case expenseRecorded = "expense_recorded"
    }

    typealias Listener = @Sendable (_ event: Event, _ businessID: UUID, _ subject: UUID, _ key: String, _ now: Date, _ tx: any Database) async throws -> Void

    private static let listeners = NIOLockedValueBox<[Listener]>([])

    static func listen(_ l: @escaping Listener, replacingAll: Bool = true) {
        listeners.withLockedValue { replacingAll ? ($0 = [l]) : $0.append(l) }
    }

    static func emit(_ event: Event, businessID: UUID, subject: UUID, key: String, now: Date, on tx: any Database) async throws {
        for l in listeners.withLockedValue({ $0 }) { try await l(event, businessID, subject, key, now, tx) }
    }
}

extension LedgerService {
    /// The trigger payload of a ledger event, read after the change committed. Field names match the
    /// `ledger/event` trigger's declared outputs in the workflow catalog. Nil when the subject is gone.
    func eventPayload(_ event: String, subject: UUID, pdfURL: @Sendable (UUID) -> String, occurredAt: Date) async throws -> JSONValue? {
        var o: [String: JSONValue] = ["event": .string(event), "occurred_at": .string(ISO8601DateFormatter().string(from: occurredAt))]
        func addCustomer(_ id: UUID) async throws {
            guard let c = try? await customer(id) else { return }
            o["customer_id"] = .string(c.id!.uuidString)
            o["customer_name"] = .string(c.name)
            o["customer_phone"] = c.phone.map(JSONValue.string) ?? .null
            o["customer"] = ["id": .string(c.id!.uuidString), "name": .string(c.name), "phone": c.phone.map(JSONValue.string) ?? .null,
                             "email": c.email.map(JSONValue.string) ?? .null, "address": c.address.map(JSONValue.string) ?? .null,
                             "state": c.state.map(JSONValue.string) ?? .null, "balance": .int(c.balance)]
        }
        func items(_ invoiceID: UUID) async throws -> JSONValue {
            let rows = try await InvoiceItem.query(on: db).filter(\.$businessID == businessID).filter(\.$invoiceID == invoiceID)
                .sort(\.$position).all()
            return .array(rows.map { i in
                ["name": .string(i.description), "quantity": .double(Double(i.quantity) / 1000), "unit": .string(i.unit),
                 "unit_price": .int(i.unitPrice), "amount": .int(i.total)]
            })
        }
        func addInvoice(_ inv: Invoice) async throws {
            o["invoice_id"] = .string(inv.id!.uuidString)
            o["number"] = inv.numberText.map(JSONValue.string) ?? .null
            o["total"] = .int(inv.total)
            o["balance_due"] = .int(inv.balanceDue)
            o["items"] = try await items(inv.id!)
            o["pdf_url"] = .string(pdfURL(inv.id!))
            o["due_date"] = inv.dueDate.map(JSONValue.string) ?? .null
            try await addCustomer(inv.customerID)
        }
        switch event {
        case LedgerEvents.Event.invoiceIssued.rawValue:
            guard let inv = try? await invoice(subject) else { return nil }
            try await addInvoice(inv)
        case LedgerEvents.Event.paymentRecorded.rawValue:
            guard let p = try? await payment(subject) else { return nil }
            o["payment_id"] = .string(p.id!.uuidString)
            o["amount"] = .int(p.amount)
            o["mode"] = .string(p.mode.rawValue)
            try await addCustomer(p.customerID)
            o["balance"] = o["customer"]?["balance"] ?? .null
            if let alloc = try await PaymentAllocation.query(on: db).filter(\.$businessID == businessID).filter(\.$paymentID == p.id!)
                .filter(\.$releasedAt == nil).sort(\.$createdAt).first(), let inv = try? await invoice(alloc.invoiceID) {
                o["invoice_id"] = .string(inv.id!.uuidString)
                o["invoice_number"] = inv.numberText.map(JSONValue.string) ?? .null
                o["invoice_total"] = .int(inv.total)
                o["items"] = try await items(inv.id!)
            } else {
                o["invoice_id"] = .null
                o["invoice_number"] = .null
                o["invoice_total"] = .null
                o["items"] = .array([])
            }
        case LedgerEvents.Event.stockLow.rawValue:
            guard let p = try? await product(subject) else { return nil }
            o["product_id"] = .string(p.id!.uuidString)
            o["product_name"] = .string(p.name)
            o["stock"] = .double(Double(p.stock) / 1000)
            o["unit"] = .string(p.unit)
            o["threshold"] = .double(Double(p.lowStockThreshold) / 1000)
        case LedgerEvents.Event.customerCreated.rawValue:
            guard (try? await customer(subject)) != nil else { return nil }
            try await addCustomer(subject)
        case "invoice_overdue":
            guard let inv = try? await invoice(subject) else { return nil }
            try await addInvoice(inv)
        case LedgerEvents.Event.purchaseRecorded.rawValue, LedgerEvents.Event.expenseRecorded.rawValue:
            let books = BooksService(db: db, store: store, businessID: businessID, userID: nil, now: now)
            guard let fields = try await books.eventFields(event, subject: subject) else { return nil }
            o.merge(fields) { _, new in new }
        default:
            return nil
        }
        return .object(o)
    }

    /// The subject of the latest real `event` in the books, for a workflow's test data (issue 19
    /// §4): the newest issued invoice or payment, the product lowest in stock (below its level
    /// first), the most overdue invoice (with its days overdue), the newest customer, purchase
    /// bill or expense. Nil when there is none.
    func latestEventSubject(_ event: String, overdueDays: Int) async throws -> (subject: UUID, daysOverdue: Int?)? {
        switch event {
        case LedgerEvents.Event.invoiceIssued.rawValue:
            return try await Invoice.query(on: db).filter(\.$businessID == businessID).filter(\.$status ~~ InvoiceStatus.posted)
                .sort(\.$issuedAt, .descending).first()?.id.map { ($0, nil) }
        case LedgerEvents.Event.paymentRecorded.rawValue:
            return try await Payment.query(on: db).filter(\.$businessID == businessID).sort(\.$createdAt, .descending).first()?.id.map { ($0, nil) }
        case LedgerEvents.Event.stockLow.rawValue:
            let products = try await Product.query(on: db).filter(\.$businessID == businessID).filter(\.$archivedAt == nil).all()
            let pick = products.filter { $0.stock <= $0.lowStockThreshold }.min { $0.stock < $1.stock } ?? products.min { $0.stock < $1.stock }
            return pick?.id.map { ($0, nil) }
        case "invoice_overdue":
            return try await overdueInvoices(days: overdueDays, today: try await today(), limit: 1).first.map { ($0.id, $0.daysOverdue) }
        case LedgerEvents.Event.customerCreated.rawValue:
            return try await Customer.query(on: db).filter(\.$businessID == businessID).sort(\.$createdAt, .descending).first()?.id.map { ($0, nil) }
        case LedgerEvents.Event.purchaseRecorded.rawValue, LedgerEvents.Event.expenseRecorded.rawValue:
            let books = BooksService(db: db, store: store, businessID: businessID, userID: nil, now: now)
            return try await books.latestEventSubject(event).map { ($0, nil) }
        default:
            return nil
        }
    }

    /// Issued invoices with money due whose due date is at least `days` days before `today`
    /// (the `invoice_overdue` trigger), oldest first.
    func overdueInvoices(days: Int, today: String, limit: Int = 500) async throws -> [(id: UUID, daysOverdue: Int)] {
        let cutoff = Periods.add(days: -days, to: today)
        let rows = try await Invoice.query(on: db).filter(\.$businessID == businessID)
            .filter(\.$status ~~ InvoiceStatus.open).filter(\.$dueDate != nil).filter(\.$dueDate <= cutoff)
            .sort(\.$dueDate).limit(limit).all()
        return rows.compactMap { inv in
            guard inv.balanceDue > 0, let due = inv.dueDate else { return nil }
            return (inv.id!, Periods.daysBetween(due, today))
        }
    }
}
