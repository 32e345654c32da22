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
        let creditNotes = try await CreditNote.query(on: db).all()
        let creditNoteItems = try await CreditNoteItem.query(on: db).all()

        // Stock never below zero; stock = Σ movements.
        var moved: [UUID: Int64] = [:]
        for m in movements { moved[m.productID, default: 0] += m.delta }
        for p in products {
            #expect(p.stock >= 0, "stock of \(p.name) below zero", sourceLocation: sourceLocation)
            #expect(p.stock == moved[p.id!, default: 0], "stock of \(p.name) is \(p.stock), movements say \(moved[p.id!, default: 0])", sourceLocation: sourceLocation)
        }

        // Credit notes: each invoice's credited = Σ its notes; a note = Σ its lines; numbers 1…N per business.
        var creditedBy: [UUID: Int64] = [:]
        let linesBy = Dictionary(grouping: creditNoteItems, by: \.creditNoteID)
        for n in creditNotes {
            creditedBy[n.invoiceID, default: 0] += n.total
            let lines = linesBy[n.id!] ?? []
            let roundOff = n.roundOff ?? 0
            #expect(n.total == lines.reduce(0) { $0 + $1.total } + roundOff && n.taxable == lines.reduce(0) { $0 + $1.taxable }, sourceLocation: sourceLocation)
            #expect(n.total == n.taxable + n.cgst + n.sgst + n.igst + roundOff, sourceLocation: sourceLocation)
        }
        for inv in invoices {
            #expect((inv.credited ?? 0) == creditedBy[inv.id!, default: 0], "invoice \(inv.numberText ?? "draft") credited", sourceLocation: sourceLocation)
            #expect((inv.credited ?? 0) <= inv.total, sourceLocation: sourceLocation)
        }
        for b in businesses {
            let numbers = creditNotes.filter { $0.businessID == b.id }.map(\.number).sorted()
            #expect(numbers == (numbers.isEmpty ? [] : Array(1...Int64(numbers.count))), "credit note numbers have a gap: \(numbers)", sourceLocation: sourceLocation)
        }

        // Balance = Σ issued (non-void) totals − Σ credit notes − Σ payments.
        let posted = Set(InvoiceStatus.posted)
        for c in customers {
            var billed: Int64 = 0, paid: Int64 = 0, credit: Int64 = 0
            var open: [Invoice] = []
            for inv in invoices where inv.customerID == c.id {
                if posted.contains(inv.status) { billed += inv.total - (inv.credited ?? 0) }
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
            case .issued: #expect(sum == 0 && inv.balanceDue > 0, sourceLocation: sourceLocation)
            case .partiallyPaid: #expect(sum > 0 && inv.balanceDue > 0, sourceLocation: sourceLocation)
            case .paid: #expect(inv.balanceDue == 0, sourceLocation: sourceLocation)
            }
            #expect(inv.amountPaid + (inv.credited ?? 0) <= inv.total, sourceLocation: sourceLocation)
        }

        // A payment's unallocated part = amount − its active allocations, never negative.
        for p in payments {
            #expect(p.unallocated == p.amount - allocatedFrom[p.id!, default: 0], sourceLocation: sourceLocation)
            #expect(p.unallocated >= 0, sourceLocation: sourceLocation)
        }

        try await books(app, payments: payments, products: products, sourceLocation: sourceLocation)

        // Invoice numbers are 1…N per business with no gap, and match the business counter.
        for b in businesses {
            let numbers: [Int64] = invoices.filter { $0.businessID == b.id }.compactMap { $0.number }.sorted()
            let expected: [Int64] = numbers.isEmpty ? [] : Array(1...Int64(numbers.count))
            #expect(numbers == expected, "numbers have a gap: \(numbers)", sourceLocation: sourceLocation)
            #expect(b.invoiceSeq == Int64(numbers.count), sourceLocation: sourceLocation)
        }
    }

    /// The other half of the books (issue 16): every account balance equals its entries; every
    /// payment, supplier payment and expense has exactly its entry; transfers net to zero;
    /// supplier payables equal their bills and payments; bills' paid amounts equal allocations;
    /// average cost is never negative.
    static func books(_ app: Application, payments: [Payment], products: [Product], sourceLocation: SourceLocation) async throws {
        let db = app.db
        let accounts = try await MoneyAccount.query(on: db).all()
        let entries = try await AccountEntry.query(on: db).all()
        let suppliers = try await Supplier.query(on: db).all()
        let bills = try await PurchaseBill.query(on: db).all()
        let supplierPayments = try await SupplierPayment.query(on: db).all()
        let allocations = try await SupplierAllocation.query(on: db).all()
        let expenses = try await Expense.query(on: db).all()

        var byAccount: [UUID: Int64] = [:]
        var bySource: [UUID: [AccountEntry]] = [:]
        for e in entries {
            byAccount[e.accountID, default: 0] += e.amount
            if let s = e.sourceID { bySource[s, default: []].append(e) }
        }
        for a in accounts {
            #expect(a.balance == a.openingBalance + byAccount[a.id!, default: 0],
                    "account \(a.name) balance \(a.balance) vs entries \(a.openingBalance + byAccount[a.id!, default: 0])", sourceLocation: sourceLocation)
        }
        #expect(Dictionary(grouping: accounts.filter { $0.systemKey == "cash" }, by: \.businessID).values.allSatisfy { $0.count == 1 },
                "one cash account per business", sourceLocation: sourceLocation)
        for p in payments {
            let mine = bySource[p.id!] ?? []
            #expect(p.accountID != nil && mine.count == 1 && mine.first?.amount == p.amount && mine.first?.accountID == p.accountID,
                    "customer payment \(p.amount) has entries \(mine.map(\.amount))", sourceLocation: sourceLocation)
        }
        for p in supplierPayments {
            let mine = bySource[p.id!] ?? []
            #expect(mine.count == 1 && mine.first?.amount == -p.amount && mine.first?.accountID == p.accountID,
                    "supplier payment \(p.amount) has entries \(mine.map(\.amount))", sourceLocation: sourceLocation)
        }
        for e in expenses {
            let mine = bySource[e.id!] ?? []
            #expect(mine.count == 1 && mine.first?.amount == -e.amount && mine.first?.accountID == e.accountID,
                    "expense \(e.amount) has entries \(mine.map(\.amount))", sourceLocation: sourceLocation)
            #expect(e.gstPaid >= 0 && e.gstPaid <= e.amount, sourceLocation: sourceLocation)
        }
        for (source, list) in bySource where list.contains(where: { $0.kind == .transferIn || $0.kind == .transferOut }) {
            #expect(list.count == 2 && list.reduce(0, { $0 + $1.amount }) == 0, "transfer \(source) does not net to zero", sourceLocation: sourceLocation)
        }
        let known = Set(payments.map { $0.id! } + supplierPayments.map { $0.id! } + expenses.map { $0.id! })
        for e in entries where e.kind != .transferIn && e.kind != .transferOut {
            #expect(e.sourceID.map(known.contains) == true, "entry \(e.description) has no source", sourceLocation: sourceLocation)
        }

        var allocatedTo: [UUID: Int64] = [:], allocatedFrom: [UUID: Int64] = [:]
        for a in allocations where a.releasedAt == nil {
            allocatedTo[a.billID, default: 0] += a.amount
            allocatedFrom[a.paymentID, default: 0] += a.amount
        }
        for s in suppliers {
            var billed: Int64 = 0, paid: Int64 = 0, advance: Int64 = 0
            var open = 0
            for b in bills where b.supplierID == s.id {
                if b.status != .void { billed += b.total }
                if PurchaseStatus.open.contains(b.status) { open += 1 }
            }
            for p in supplierPayments where p.supplierID == s.id { paid += p.amount; advance += p.unallocated }
            #expect(s.balance == s.openingBalance + billed - paid, "payable to \(s.name) is \(s.balance), entries say \(s.openingBalance + billed - paid)",
                    sourceLocation: sourceLocation)
            #expect(advance == 0 || open == 0, "\(s.name) holds an advance beside open bills", sourceLocation: sourceLocation)
        }
        for b in bills {
            let sum = allocatedTo[b.id!, default: 0]
            #expect(b.amountPaid == sum, "bill amount_paid \(b.amountPaid) vs allocations \(sum)", sourceLocation: sourceLocation)
            switch b.status {
            case .void: #expect(sum == 0, sourceLocation: sourceLocation)
            case .unpaid: #expect(sum == 0 && b.total > 0, sourceLocation: sourceLocation)
            case .partiallyPaid: #expect(sum > 0 && sum < b.total, sourceLocation: sourceLocation)
            case .paid: #expect(sum == b.total, sourceLocation: sourceLocation)
            }
        }
        for p in supplierPayments {
            #expect(p.unallocated == p.amount - allocatedFrom[p.id!, default: 0] && p.unallocated >= 0, sourceLocation: sourceLocation)
        }
        for p in products {
            #expect(p.averageCost >= 0, "average cost of \(p.name) is \(p.averageCost)", sourceLocation: sourceLocation)
        }
    }
}
