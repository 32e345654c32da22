@testable import App
import Fluent
import Foundation
import Testing
import Vapor

/// The DESIGN §3 invariants, checked straight from the tables.
enum Invariants {
    static func check(_ app: Application, sourceLocation: SourceLocation = #_sourceLocation) async throws {
        let db = app.db
        let products = try await Product.query(on: db).all()
        let movements = try await StockMovement.query(on: db).all()
        let invoices = try await Invoice.query(on: db).all()
        let payments = try await Payment.query(on: db).all()
        let allocations = try await PaymentAllocation.query(on: db).all()
        let customers = try await Customer.query(on: db).all()
        let businesses = try await Business.query(on: db).all()

        // Stock never below zero; stock = Σ movements.
        var moved: [UUID: Int64] = [:]
        for m in movements { moved[m.productID, default: 0] += m.delta }
        for p in products {
            #expect(p.stock >= 0, "stock of \(p.name) below zero", sourceLocation: sourceLocation)
            #expect(p.stock == moved[p.id!, default: 0], "stock of \(p.name) is \(p.stock), movements say \(moved[p.id!, default: 0])", sourceLocation: sourceLocation)
        }

        // Balance = Σ issued (non-void) totals − Σ payments.
        let posted = Set(InvoiceStatus.posted)
        for c in customers {
            var billed: Int64 = 0, paid: Int64 = 0, credit: Int64 = 0
            var open: [Invoice] = []
            for inv in invoices where inv.customerID == c.id {
                if posted.contains(inv.status) { billed += inv.total }
                if InvoiceStatus.open.contains(inv.status) { open.append(inv) }
            }
            for p in payments where p.customerID == c.id { paid += p.amount; credit += p.unallocated }
            #expect(c.balance == billed - paid, "balance of \(c.name) is \(c.balance), entries say \(billed - paid)", sourceLocation: sourceLocation)
            // Credit and open invoices never coexist: credit is always applied.
            #expect(credit == 0 || open.isEmpty, "\(c.name) holds credit \(credit) beside open invoices", sourceLocation: sourceLocation)
        }

        // amount_paid = Σ active allocations; status follows.
        var allocatedTo: [UUID: Int64] = [:], allocatedFrom: [UUID: Int64] = [:]
        for a in allocations where a.releasedAt == nil {
            allocatedTo[a.invoiceID, default: 0] += a.amount
            allocatedFrom[a.paymentID, default: 0] += a.amount
        }
        for inv in invoices {
            let sum = allocatedTo[inv.id!, default: 0]
            #expect(inv.amountPaid == sum, "invoice \(inv.numberText ?? "draft") amount_paid \(inv.amountPaid) vs allocations \(sum)", sourceLocation: sourceLocation)
            switch inv.status {
            case .draft: #expect(inv.number == nil && sum == 0, sourceLocation: sourceLocation)
            case .void: #expect(sum == 0, sourceLocation: sourceLocation)
            case .issued: #expect(sum == 0 && inv.total > 0, sourceLocation: sourceLocation)
            case .partiallyPaid: #expect(sum > 0 && sum < inv.total, sourceLocation: sourceLocation)
            case .paid: #expect(sum == inv.total, sourceLocation: sourceLocation)
            }
            #expect(inv.amountPaid <= inv.total, sourceLocation: sourceLocation)
        }

        // A payment's unallocated part = amount − its active allocations, never negative.
        for p in payments {
            #expect(p.unallocated == p.amount - allocatedFrom[p.id!, default: 0], sourceLocation: sourceLocation)
            #expect(p.unallocated >= 0, sourceLocation: sourceLocation)
        }

        // Invoice numbers are 1…N per business with no gap, and match the business counter.
        for b in businesses {
            let numbers: [Int64] = invoices.filter { $0.businessID == b.id }.compactMap { $0.number }.sorted()
            let expected: [Int64] = numbers.isEmpty ? [] : Array(1...Int64(numbers.count))
            #expect(numbers == expected, "numbers have a gap: \(numbers)", sourceLocation: sourceLocation)
            #expect(b.invoiceSeq == Int64(numbers.count), sourceLocation: sourceLocation)
        }
    }
}
