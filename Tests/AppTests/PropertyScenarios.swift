@testable import App
import Fluent
import Foundation
import PropertyBased
import Testing
import Vapor

/// Random operation sequences through `LedgerService`; every DESIGN §3 invariant is checked after
/// each step. Each generated number decodes to one operation, so shrinking shortens sequences.
enum PropertyScenarios {
    static func randomOperations(_ db: TestDB, count: Int) async throws {
        try await withTestApp(db) { app in
            await propertyCheck(count: count, input: Gen.int(in: 0...1_000_000).array(of: 4...24)) { ops in
                do {
                    try await run(ops, app: app)
                } catch {
                    Issue.record("unexpected error: \(String(reflecting: error))")
                }
            }
        }
    }

    static func run(_ ops: [Int], app: Application) async throws {
        // A fresh business per sequence keeps sequences independent on one database.
        let business = Business(name: "Prop \(UUID().uuidString.prefix(6))", ownerName: "P")
        try await app.store.write(app.db) { tx in try await business.create(on: tx) }
        let service = LedgerService(db: app.db, store: app.store, businessID: business.id!, userID: nil, now: app.clock.now())
        var customers: [UUID] = [], products: [UUID] = [], invoices: [UUID] = []
        customers.append(try await service.createCustomer(CustomerInput(name: "C0")).id!)
        products.append(try await service.createProduct(ProductInput(name: "P0", price: 1_000, stock: Quantity(units: 5)!)).id!)

        for op in ops {
            let kind = op % 8, a = op / 8, b = op / 97
            do {
                switch kind {
                case 0:
                    customers.append(try await service.createCustomer(CustomerInput(name: "C\(customers.count)")).id!)
                case 1:
                    products.append(try await service.createProduct(ProductInput(
                        name: "P\(products.count)", price: Int64(a % 50_000), stock: Quantity(thousandths: Int64(b % 20_000)),
                        gstRate: GSTRate(basisPoints: [0, 500, 1200, 1800, 2800][a % 5]))).id!)
                case 2, 3:
                    // Create and issue (kind 2) or leave as draft (kind 3), with an optional upfront payment.
                    let lines = (0...(a % 2)).map { i in
                        InvoiceLineInput(productId: products[(a + i) % products.count], quantity: Quantity(thousandths: Int64(1 + (b + i * 7) % 4_000)),
                                         discount: Int64(i == 1 ? a % 100 : 0))
                    }
                    let payment = (kind == 2 && a % 3 == 0) ? UpfrontPayment(amount: Int64(1 + b % 300_000), mode: .cash) : nil
                    let inv = try await service.createInvoice(InvoiceInput(customerId: customers[a % customers.count], items: lines,
                                                                           issue: kind == 2, payment: payment))
                    invoices.append(inv.id!)
                case 4:
                    guard !invoices.isEmpty else { continue }
                    _ = try await service.issueInvoice(invoices[a % invoices.count], payment: nil)
                case 5:
                    let target: UUID? = invoices.isEmpty || a % 2 == 0 ? nil : invoices[a % invoices.count]
                    var customer = customers[a % customers.count]
                    if let target { customer = try await service.invoice(target).customerID }
                    _ = try await service.recordPayment(PaymentInput(customerId: customer, amount: Int64(1 + b % 200_000), mode: .upi, invoiceId: target))
                case 6:
                    guard !invoices.isEmpty else { continue }
                    _ = try await service.voidInvoice(invoices[a % invoices.count], reason: "prop")
                default:
                    if a % 3 == 2, !invoices.isEmpty {
                        // A credit note for part of a line of some invoice (issue 17 §3).
                        let target = invoices[a % invoices.count]
                        guard let line = try await InvoiceItem.query(on: app.db).filter(\.$invoiceID == target).sort(\.$position).first() else { continue }
                        _ = try await service.createCreditNote(invoiceID: target, CreditNoteInput(items: [
                            CreditNoteLineInput(itemId: line.id!, quantity: Quantity(thousandths: Int64(1 + b % 2_000))),
                        ]))
                    } else if a % 2 == 0 {
                        _ = try await service.restock(products[a % products.count], quantity: Quantity(thousandths: Int64(1 + b % 5_000)), reason: "prop")
                    } else {
                        // Concurrent issues against the same products.
                        let customer = customers[a % customers.count], product = products[b % products.count]
                        try await withThrowingTaskGroup(of: Void.self) { group in
                            for i in 0..<4 {
                                group.addTask {
                                    do {
                                        _ = try await service.createInvoice(InvoiceInput(customerId: customer,
                                            items: [InvoiceLineInput(productId: product, quantity: Quantity(thousandths: Int64(500 + i * 250)))], issue: true))
                                    } catch let e as APIError where e.code == "insufficient_stock" {}
                                }
                            }
                            try await group.waitForAll()
                        }
                    }
                }
            } catch let e as APIError where ["insufficient_stock", "invalid_state", "validation_failed", "has_credit_notes", "over_credited"].contains(e.code) {
                // Refused operations are part of the property: they must change nothing.
            }
            try await Invariants.check(app)
        }
    }
}
